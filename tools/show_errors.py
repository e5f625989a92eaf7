"""Print the texts of an ``events`` gold file where the coder's events and the gold differ:
the text, the gold events, the coder's events (type actor->target factuality @place), and
which gold and predicted events matched. For reading errors, not for scoring.

Usage: ``python tools/show_errors.py GOLD.events.jsonl [--n 40] [--seed 0] [--all]``
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from powderkeg.evaluate import the_coder  # noqa: E402
from powderkeg.evaluate.events import match_text, pred_from_event, read_events  # noqa: E402
from powderkeg.types import Document  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path")
    ap.add_argument("--n", type=int, default=40, help="texts to show (a seeded sample)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--all", action="store_true", help="also texts scored fully right")
    args = ap.parse_args(argv)
    items = read_events(args.path)
    coder = the_coder()
    docs = list(coder.code_documents(
        [Document.from_text(it.text, f"line {it.line}", date=it.date) for it in items]))
    shown = []
    for it, doc in zip(items, docs, strict=True):
        preds = [pred_from_event(e) for e in doc.events]
        m = match_text(it.events, preds)
        if not args.all and len(m["full"]) == len(it.events) == len(preds):
            continue
        shown.append((it, doc, m))
    random.Random(args.seed).shuffle(shown)
    for it, doc, m in shown[: args.n]:
        print(f"\n## line {it.line}: {it.text}")
        ok_g = {i for i, _ in m["full"]}
        ok_p = {j for _, j in m["full"]}
        for i, g in enumerate(it.events):
            print(f"  gold {'OK ' if i in ok_g else '-- '}{'|'.join(g.types)} "
                  f"{list(g.actor)} -> {list(g.target)} {g.factuality}")
        for j, e in enumerate(doc.events):
            loc = f"@{e.location.name}/{e.location.country}" if e.location else ""
            print(f"  code {'OK ' if j in ok_p else '-- '}{e.type} "
                  f"{[a.code + ':' + a.text for a in e.actor]} -> "
                  f"{[a.code + ':' + a.text for a in e.target]} {e.factuality} {loc}")
    print(f"\n{len(shown)} of {len(items)} texts with a difference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
