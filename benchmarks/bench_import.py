"""GDELT 2.0 import speed: powderkeg's importer against DuckDB's plain read_csv of the same file.

Generates a synthetic 1M-row GDELT 2.0 file (benchmarks/gen_gdelt2.py), then, in one run and
alternating, times
  baseline: a fresh DuckDB file, ``CREATE TABLE raw AS SELECT * FROM read_csv(file)``, close
            (DuckDB's defaults: it keeps the file's row order, which keeps most of the work
            on one thread; ``unordered`` is the same with ``preserve_insertion_order = false``,
            reported beside it as the stronger baseline);
  ours:     a fresh Store, ``import_dataset(file, "gdelt2", store)``, close (checkpoint; the
            reader snapshot publish is timed separately);
  needed:   for reference, a fresh DuckDB file, ``CREATE TABLE`` of only the 19 columns the
            importer reads (``read_csv`` with explicit VARCHAR columns), close: the floor for
            reading and storing what an import needs, before any mapping, ids or index.
Prints wall seconds, process CPU seconds (all threads; steadier than wall time when other
processes share the cores), rows/s and the ratio baseline_seconds / ours_seconds (>= 0.7 is the
goal); compare the paired runs and the medians, not a single run. The generated file and
databases are removed afterwards.

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
from powderkeg.read.datasets.gdelt import KEEP  # noqa: E402
from powderkeg.store import Store  # noqa: E402

Timing = tuple[float, float]  # wall seconds, process CPU seconds


def _clock() -> Timing:
    return time.perf_counter(), time.process_time()


def _since(t0: Timing) -> Timing:
    return time.perf_counter() - t0[0], time.process_time() - t0[1]


def run_baseline(csv: Path, db: Path, threads: int, ordered: bool = True) -> Timing:
    t0 = _clock()
    con = duckdb.connect(str(db), config={"threads": threads})
    if not ordered:
        con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"CREATE TABLE raw AS SELECT * FROM read_csv('{csv.as_posix()}', delim = '\\t', "
        "header = false, quote = '', escape = '')"
    )
    con.close()
    return _since(t0)


def run_needed(csv: Path, db: Path, threads: int) -> Timing:
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(61)) + "}"
    cols = ", ".join(f"c{i} AS {name}" for name, i in KEEP["gdelt2"].items())
    t0 = _clock()
    con = duckdb.connect(str(db), config={"threads": threads})
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"CREATE TABLE raw AS SELECT {cols} FROM read_csv('{csv.as_posix()}', "
        f"delim = '\\t', header = false, quote = '', escape = '', columns = {spec}, "
        "nullstr = '', auto_detect = false)"
    )
    con.close()
    return _since(t0)


def run_ours(csv: Path, db: Path, threads: int) -> tuple[Timing, float, int]:
    t0 = _clock()
    store = Store(db, publish_snapshot=False)
    store.connection.execute(f"SET threads = {threads}")
    counts = import_dataset(csv, "gdelt2", store)
    store.close()
    took = _since(t0)
    t1 = time.perf_counter()
    with Store(db) as s2:  # reopen and publish the readers' snapshot, timed apart
        s2.snapshot()
        s2.publish_snapshot = False
    return took, time.perf_counter() - t1, counts.new_events


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
        base: list[Timing] = []
        ours: list[Timing] = []
        need: list[Timing] = []
        unord: list[Timing] = []
        for i in range(args.repeat):
            b = run_baseline(csv, d / f"base{i}.duckdb", args.threads)
            o, snap, n = run_ours(csv, d / f"ours{i}.duckdb", args.threads)
            r = run_needed(csv, d / f"need{i}.duckdb", args.threads)
            u = run_baseline(csv, d / f"unord{i}.duckdb", args.threads, ordered=False)
            if n != args.rows:
                raise SystemExit(f"import stored {n} events, expected {args.rows}")
            base.append(b)
            ours.append(o)
            need.append(r)
            unord.append(u)
            print(
                f"run {i + 1}: baseline {b[0]:.2f} s (cpu {b[1]:.2f}), powderkeg {o[0]:.2f} s "
                f"(cpu {o[1]:.2f}), ratio {b[0] / o[0]:.2f} (cpu {b[1] / o[1]:.2f}); "
                f"unordered baseline {u[0]:.2f} s (cpu {u[1]:.2f}), ratio {u[0] / o[0]:.2f}; "
                f"needed columns only {r[0]:.2f} s (cpu {r[1]:.2f}); + snapshot {snap:.2f} s"
            )
            for f in d.glob("*.duckdb*"):
                f.unlink()
        rows = args.rows
        for k, label in ((0, "wall"), (1, "cpu")):
            bb, ob, nb, ub = (min(t[k] for t in ts) for ts in (base, ours, need, unord))
            print(
                f"best {label}: baseline {bb:.2f} s ({rows / bb:,.0f} rows/s), "
                f"unordered baseline {ub:.2f} s ({rows / ub:,.0f} rows/s), "
                f"powderkeg {ob:.2f} s ({rows / ob:,.0f} rows/s), "
                f"needed columns only {nb:.2f} s ({rows / nb:,.0f} rows/s)"
            )
            for name, ref in (("baseline", base), ("unordered baseline", unord)):
                paired = [b[k] / o[k] for b, o in zip(ref, ours, strict=True)]
                med = statistics.median(t[k] for t in ref) / statistics.median(t[k] for t in ours)
                best = min(t[k] for t in ref) / ob
                print(
                    f"ratio {label} ({name}/powderkeg): best-to-best {best:.2f}, "
                    f"median of medians {med:.2f}, median of paired runs "
                    f"{statistics.median(paired):.2f}"
                )


if __name__ == "__main__":
    main()
