"""Score the coder on the development gold that tools/build_gold.py wrote, with the human
ceiling beside it; prints one Markdown table (docs/coder-eval.md quotes it).

- every ``*.events.jsonl`` set: the coder's ``events`` Metrics (the same code path as
  ``powderkeg eval --format events``);
- the CAMEO annotation rounds (``roundN.annK``): the coder against each annotator, and each
  annotator against each other one on the texts both completed (gold A, prediction B: F1 is
  the same either way round), with the same scorer. The mean over annotator pairs is the
  human agreement; the coder's mean over annotators stands beside it;
- ``roles.dev.conll``: ``cameo-roles`` (``--heldout`` also scores ``roles.heldout.conll``:
  only for a final figure).

Usage: ``python tools/eval_dev.py [--gold /tmp/powderkeg-gold] [--json out.json]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from powderkeg.evaluate import evaluate, the_coder  # noqa: E402
from powderkeg.evaluate.events import (  # noqa: E402
    EventsItem,
    code_events,
    gold_as_pred,
    read_events,
    score_events,
)

FIELDS = ("precision", "recall", "f1", "type_f1", "dyad_f1", "factuality_accuracy",
          "spurious_per_empty_text")


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _row(name: str, m: dict[str, Any]) -> str:
    return "| " + " | ".join([name, str(m["n"]), *(_fmt(m.get(f)) for f in FIELDS)]) + " |"


def _mean(ms: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": sum(m["n"] for m in ms)}
    for f in FIELDS:
        vals = [m[f] for m in ms if m.get(f) is not None]
        out[f] = sum(vals) / len(vals) if vals else None
    return out


def rounds(gold: Path, results: dict[str, Any], lines: list[str]) -> None:
    by_round: dict[str, dict[str, list[EventsItem]]] = {}
    for p in sorted(gold.glob("round*.ann*.events.jsonl")):
        m = re.match(r"(round\d+)\.(ann\d+)\.events\.jsonl", p.name)
        if m:
            by_round.setdefault(m.group(1), {})[m.group(2)] = read_events(p)
    coder = the_coder()
    for rnd, anns in by_round.items():
        texts = sorted({it.text for items in anns.values() for it in items})
        t0 = time.perf_counter()
        coded = dict(zip(texts, code_events([EventsItem(0, t, None) for t in texts], coder),
                         strict=True))
        secs = time.perf_counter() - t0
        vs_ann = []
        for ann, items in sorted(anns.items()):
            m = score_events(items, [coded[it.text] for it in items], secs)
            vs_ann.append(m)
            results[f"{rnd}.coder_vs_{ann}"] = m
        pairs = []
        for a, b in itertools.combinations(sorted(anns), 2):
            tb = {it.text: it for it in anns[b]}
            both = [it for it in anns[a] if it.text in tb]
            if not both:
                continue
            m = score_events(both, [gold_as_pred(tb[it.text].events) for it in both], 1.0)
            pairs.append(m)
            results[f"{rnd}.{a}_vs_{b}"] = m
        cm, hm = _mean(vs_ann), _mean(pairs)
        results[f"{rnd}.coder_mean"], results[f"{rnd}.human_mean"] = cm, hm
        lines.append(_row(f"{rnd}: coder vs each annotator (mean of {len(vs_ann)})", cm))
        lines.append(_row(f"{rnd}: annotator vs annotator (mean of {len(pairs)} pairs)", hm))


def own(results: dict[str, Any], lines: list[str]) -> None:
    items = read_events(ROOT / "tools/gold/own_sentences.jsonl")
    t0 = time.perf_counter()
    preds = code_events(items)
    secs = time.perf_counter() - t0
    m = score_events(items, preds, secs)
    results["own"] = m
    lines.append(_row("own sentences (all)", m))
    for pat in sorted({str(it.meta.get("pattern")) for it in items}):
        idx = [i for i, it in enumerate(items) if str(it.meta.get("pattern")) == pat]
        m = score_events([items[i] for i in idx], [preds[i] for i in idx], secs)
        results[f"own.{pat}"] = m
        lines.append(_row(f"own: {pat}", m))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", default="/tmp/powderkeg-gold")
    ap.add_argument("--json", help="also write every Metrics object to this file")
    ap.add_argument("--heldout", action="store_true", help="also score roles.heldout.conll")
    ap.add_argument("--only", help="regular expression: score only the sets it matches")
    ap.add_argument("--own", action="store_true",
                    help="also tools/gold/own_sentences.jsonl, overall and by pattern "
                         "(a separate set: never pooled with the dev gold)")
    args = ap.parse_args(argv)
    gold = Path(args.gold)
    if not gold.is_dir():
        print(f"{gold}: no such folder; run tools/build_gold.py first", file=sys.stderr)
        return 1
    results: dict[str, Any] = {}
    lines = ["| set | texts | " + " | ".join(FIELDS) + " |", "|" + "---|" * (len(FIELDS) + 2)]
    only = re.compile(args.only) if args.only else None
    for p in sorted(gold.glob("*.events.jsonl")):
        name = p.name.removesuffix(".events.jsonl")
        if name.startswith("round") or (only and not only.search(name)):
            continue
        m = evaluate("events", p)
        results[name] = m
        lines.append(_row(name, m))
    if not only or only.search("round"):
        rounds(gold, results, lines)
    if args.own:
        own(results, lines)
    role_sets = ["roles.dev"] + (["roles.heldout"] if args.heldout else [])
    role_lines = ["", "| roles set | sentences | f1 | source_f1 | target_f1 | joint_f1 |",
                  "|---|---|---|---|---|---|"]
    for name in role_sets:
        if only and not only.search(name):
            continue
        m = evaluate("cameo-roles", gold / f"{name}.conll")
        results[name] = m
        role_lines.append("| " + " | ".join([name, str(m["n"])] + [
            _fmt(m[f]) for f in ("f1", "source_f1", "target_f1", "joint_f1")]) + " |")
    print("\n".join(lines + role_lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
