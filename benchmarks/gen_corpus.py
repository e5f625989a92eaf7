"""A synthetic news corpus of any size from the project's own sample articles, deterministically.

Usage:
    python benchmarks/gen_corpus.py OUT.jsonl|OUT.parquet [--docs 100000] [--seed 0]

Each document recombines paragraphs of the bundled sample articles
(``src/powderkeg/demo_data/articles.jsonl``): two to five paragraphs drawn from different articles,
each keeping a random contiguous run of its sentences (at least two). Title and date come from the
article of the first paragraph, the date shifted by a whole number of weeks so the corpus spans
several years. The same ``--docs`` and ``--seed`` give the same file, byte for byte; every text is
distinct (a repeat is drawn again). Columns: id, date, url (null), title, text: the corpus format
``powderkeg ingest`` reads as JSON Lines or Parquet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "src/powderkeg/demo_data/articles.jsonl"


def load_articles(path: Path = ARTICLES) -> list[dict[str, Any]]:
    """The sample articles, each with ``paragraphs``: lists of sentences (the coder's splitter)."""
    from powderkeg.coder.sentences import split_sentences

    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            art = json.loads(line)
            paras = [p.strip() for p in art["text"].split("\n\n") if p.strip()]
            art["paragraphs"] = [[p[a:b] for a, b in split_sentences(p)] for p in paras]
            out.append(art)
    return out


def documents(
    n: int, seed: int = 0, articles: list[dict[str, Any]] | None = None
) -> Iterator[dict[str, Any]]:
    """``n`` distinct synthetic documents as dicts (id, date, url, title, text)."""
    arts = articles or load_articles()
    rng = np.random.default_rng(seed)
    seen: set[bytes] = set()
    i = 0
    while i < n:
        k = int(rng.integers(2, 6))
        picks = rng.choice(len(arts), size=min(k, len(arts)), replace=False)
        paras = []
        for a in picks:
            art = arts[int(a)]
            sents = art["paragraphs"][int(rng.integers(len(art["paragraphs"])))]
            if len(sents) > 2:
                lo = int(rng.integers(0, len(sents) - 1))
                hi = int(rng.integers(lo + 2, len(sents) + 1))
                sents = sents[lo:hi]
            paras.append(" ".join(sents))
        text = "\n\n".join(paras)
        h = hashlib.sha256(text.encode("utf-8")).digest()[:12]
        if h in seen:
            continue
        seen.add(h)
        first = arts[int(picks[0])]
        date = dt.date.fromisoformat(first["date"]) + dt.timedelta(
            weeks=int(rng.integers(-104, 105))
        )
        yield {"id": f"syn-{i:07d}", "date": date.isoformat(), "url": None,
               "title": first.get("title"), "text": text}  # fmt: skip
        i += 1


def write(out: Path, n: int, seed: int = 0) -> int:
    """Write ``n`` documents to ``out`` (.jsonl or .parquet); returns n."""
    if out.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("id", pa.string()), ("date", pa.string()), ("url", pa.string()),
                            ("title", pa.string()), ("text", pa.string())])  # fmt: skip
        with pq.ParquetWriter(out, schema, compression="zstd") as w:
            rows: list[dict[str, Any]] = []
            for d in documents(n, seed):
                rows.append(d)
                if len(rows) == 10_000:
                    w.write_table(pa.Table.from_pylist(rows, schema=schema))
                    rows = []
            if rows:
                w.write_table(pa.Table.from_pylist(rows, schema=schema))
    else:
        with open(out, "w", encoding="utf-8") as fh:
            for d in documents(n, seed):
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output file, .jsonl or .parquet")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.out.suffix not in (".jsonl", ".parquet"):
        sys.exit("gen_corpus: OUT must end in .jsonl or .parquet")
    write(args.out, args.docs, args.seed)
    print(f"{args.docs} documents -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
