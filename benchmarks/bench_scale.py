"""Documents/s of ingest: the single-process path against Dask with 1 and 2 workers, in one run.

Usage:
    python benchmarks/bench_scale.py [--docs 600] [--seed 0] [--batch-size 64] [--workers 1,2]

The corpus comes from ``gen_corpus.py`` (recombined sample articles, JSON Lines). Each path ingests
the same corpus into a fresh DuckDB file:

- ``single``: ``api.ingest`` in this process (streaming, one transaction per batch) with a
  ``Coder(workers=1)``: one process, one core for coding.
- ``dask-N``: ``api.ingest``'s Dask path on a LocalCluster of N single-threaded worker processes;
  this process reads, partitions and stores, the workers code.

Model loading and cluster start are left out of the timed part for all paths (the Coder is loaded
before timing; the workers load theirs in ``prepare_workers``) and printed apart. Prints docs/s,
``dask-1 / single`` (goal: >= 0.9) and the scaling efficiency per core
``rate(dask-N) / (N x rate(single))`` (goal: >= 0.8), and checks every path stored the same
events. On a shared machine, read the ratios, not the absolute rates.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (all its threads)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def events_of(db: Path) -> set[str]:
    from powderkeg.store import Store

    with Store(db, read_only=True) as s:
        return set(s.events()["event_id"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    args = ap.parse_args()

    import gen_corpus
    from distributed import Client, LocalCluster

    from powderkeg import api
    from powderkeg.coder import Coder
    from powderkeg.read import read_documents
    from powderkeg.scale.distributed import ingest_distributed, prepare_workers
    from powderkeg.scale.parts import stage_dir_for
    from powderkeg.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    corpus = tmp / "corpus.jsonl"
    gen_corpus.write(corpus, args.docs, args.seed)
    print(f"corpus: {args.docs} documents, {corpus.stat().st_size / 1e6:.1f} MB; "
          f"cpus: {os.cpu_count()}; load avg: {os.getloadavg()[0]:.1f} (shared machine)")  # fmt: skip

    rates: dict[str, float] = {}
    cpu: dict[str, float] = {}
    events: dict[str, set[str]] = {}
    t0 = time.perf_counter()
    coder = Coder(workers=1)
    print(f"single: coder loaded in {time.perf_counter() - t0:.1f}s")
    db = tmp / "single.duckdb"
    t0, c0 = time.perf_counter(), cpu_seconds()
    counts = api.ingest([corpus], db=db, coder=coder, batch_size=args.batch_size)
    dt = time.perf_counter() - t0
    rates["single"] = counts.read / dt
    cpu["single"] = cpu_seconds() - c0
    events["single"] = events_of(db)
    print(
        f"single: {counts.read} docs, {counts.events} events in {dt:.1f}s: "
        f"{rates['single']:.1f} docs/s, {cpu['single']:.1f} CPU s"
    )
    del coder

    for n in [int(x) for x in args.workers.split(",")]:
        name = f"dask-{n}"
        t0 = time.perf_counter()
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, Client(cluster) as client:  # fmt: skip
            prepare_workers(client)
            print(f"{name}: cluster up, models loaded in {time.perf_counter() - t0:.1f}s")
            db = tmp / f"{name}.duckdb"
            w0 = client.run(cpu_seconds)
            t0, c0 = time.perf_counter(), cpu_seconds()
            with Store(db) as store:
                counts = ingest_distributed(
                    read_documents([str(corpus)]), store, client,
                    stage=stage_dir_for(db), partition_size=args.batch_size,
                )  # fmt: skip
            dt = time.perf_counter() - t0
            client_cpu = cpu_seconds() - c0
            w1 = client.run(cpu_seconds)
            cpu[name] = client_cpu + sum(w1[a] - w0[a] for a in w1)
        rates[name] = counts.read / dt
        events[name] = events_of(db)
        print(
            f"{name}: {counts.read} docs, {counts.events} events in {dt:.1f}s: "
            f"{rates[name]:.1f} docs/s, {cpu[name]:.1f} CPU s (client {client_cpu:.1f})"
        )

    print()
    print("| path | docs/s | vs single | efficiency per core | docs per CPU s | vs single "
          "| same events as single |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    per_cpu = {k: args.docs / v for k, v in cpu.items()}
    for name, r in rates.items():
        n = 1 if name == "single" else int(name.split("-")[1])
        same = events[name] == events["single"]
        print(
            f"| {name} | {r:.1f} | {r / rates['single']:.2f} | {r / (n * rates['single']):.2f} "
            f"| {per_cpu[name]:.1f} | {per_cpu[name] / per_cpu['single']:.2f} | {same} |"
        )


if __name__ == "__main__":
    main()
