"""GDELT 2.0 import speed: powderkeg's importer against DuckDB's plain read_csv of the same file.

Generates a synthetic 1M-row GDELT 2.0 file (benchmarks/gen_gdelt2.py), then, in one run and
alternating, times
  baseline: a fresh DuckDB file, ``CREATE TABLE raw AS SELECT * FROM read_csv(file)``, close;
  ours:     a fresh Store, ``import_dataset(file, "gdelt2", store)``, close (checkpoint; the
            reader snapshot publish is timed separately).
Prints seconds, rows/s and the ratio baseline_seconds / ours_seconds (>= 0.7 is the goal);
the machine is shared, so compare the paired runs and the medians, not a single run.
The generated file and databases are removed afterwards.

    python benchmarks/bench_import.py [--rows 1000000] [--repeat 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_gdelt2 import generate  # noqa: E402

from powderkeg.read.datasets import import_dataset  # noqa: E402
from powderkeg.store import Store  # noqa: E402


def run_baseline(csv: Path, db: Path, threads: int) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect(str(db), config={"threads": threads})
    con.execute(
        f"CREATE TABLE raw AS SELECT * FROM read_csv('{csv.as_posix()}', delim = '\\t', "
        "header = false, quote = '', escape = '')"
    )
    con.close()
    return time.perf_counter() - t0


def run_ours(csv: Path, db: Path, threads: int) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    store = Store(db, publish_snapshot=False)
    store.connection.execute(f"SET threads = {threads}")
    counts = import_dataset(csv, "gdelt2", store)
    store.close()
    secs = time.perf_counter() - t0
    t1 = time.perf_counter()
    with Store(db) as s2:  # reopen and publish the readers' snapshot, timed apart
        s2.snapshot()
        s2.publish_snapshot = False
    return secs, time.perf_counter() - t1, counts.new_events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pk-bench-") as tmp:
        d = Path(tmp)
        csv = d / "gdelt2.csv"
        gen = generate(csv, args.rows)
        print(f"generated {args.rows} rows ({csv.stat().st_size / 1e6:.0f} MB) in {gen:.1f} s")
        base, ours, snaps = [], [], []
        for i in range(args.repeat):
            b = run_baseline(csv, d / f"base{i}.duckdb", args.threads)
            o, snap, n = run_ours(csv, d / f"ours{i}.duckdb", args.threads)
            if n != args.rows:
                raise SystemExit(f"import stored {n} events, expected {args.rows}")
            base.append(b)
            ours.append(o)
            snaps.append(snap)
            print(
                f"run {i + 1}: baseline {b:.2f} s, powderkeg {o:.2f} s, ratio {b / o:.2f} "
                f"(+ snapshot {snap:.2f} s)"
            )
            for f in d.glob("*.duckdb*"):
                f.unlink()
        bb, ob = min(base), min(ours)
        print(
            f"best: baseline {bb:.2f} s ({args.rows / bb:,.0f} rows/s), "
            f"powderkeg {ob:.2f} s ({args.rows / ob:,.0f} rows/s)"
        )
        paired = [b / o for b, o in zip(base, ours, strict=True)]
        print(
            f"ratio (baseline/powderkeg): best-to-best {bb / ob:.2f}, "
            f"median of medians {statistics.median(base) / statistics.median(ours):.2f}, "
            f"median of paired runs {statistics.median(paired):.2f}"
        )


if __name__ == "__main__":
    main()
