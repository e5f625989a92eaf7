"""Development gold for the end-to-end evaluation formats, built from ../shared/data.

Writes, under ``--out`` (default ``/tmp/powderkeg-gold``; never inside the repository: the
shared data are not ours to redistribute):

- ``plover_gsr.events.jsonl``: PLOVER_GSR_CAMEO.json, 322 sentences of the CAMEO manual with
  one coded event each (source and target codes; pre-0.8 type names normalised by the
  project's ontology; a generic ``IGO``/``NGO``/``IMG`` code is replaced by what the actor
  registry reads in the actor's own text, and the manual's ``JAP``/``ITL`` by ISO codes).
  Not exhaustive: one event per sentence, so precision is a lower bound.
- ``round9.annN.events.jsonl``, ``round10.annN.events.jsonl``: the CAMEO annotation rounds, one
  file per annotator (texts that annotator completed). Each ``Action-k`` with a CAMEO class
  is an event: its type is the PLOVER type of the CAMEO root code, or, as a list, any PLOVER
  type of that root's codes (the annotators give the root only); actor and target codes are
  what the project's actor registry reads in the annotated ``Source-k``/``Target-k`` spans
  (generic agents take the state the sentence names first, else the country of the first
  place it names); CAMEO 01/02 (statements,
  appeals), which PLOVER dropped, are not events. ``tools/gold_agreement.py`` scores the
  annotators against each other with the same scorer: the human ceiling.
- ``ucdp_headlines.events.jsonl``: UCDP GED source headlines of 5+ words that name violence
  (``VIOLENCE``; deduplicated, a
  seeded sample of ``--ucdp-n``), each with one event of the row's dyad: type ASSAULT or
  COERCE, the two sides as two actors and no target (the two-sided rule: UCDP's side_a is
  not the attacker), one-sided violence as side_a -> civilians of Ukraine; ``meta`` holds the
  row's coordinates and their precision for the place measure. Not exhaustive either.
- ``petrarch_unit.events.jsonl``: PETRARCH unit-test records (fictional actors: the codes
  cannot match a real registry; useful for types and event detection).
- ``roles.dev.conll`` and ``roles.heldout.conll``: cameo_ner_train.txt split in two halves by
  a hash of each sentence's text (deterministic, independent of order): dev for development,
  held-out for the final figure only.

Usage: ``python tools/build_gold.py [--shared ../shared] [--out /tmp/powderkeg-gold]``
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import random
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from powderkeg.evaluate.roles import read_roles, write_roles  # noqa: E402

GENERIC = {"IGO", "NGO", "IMG", "MNC", "UNK"}
FIXES = {"JAP": "JPN", "ITL": "ITA"}


def _write(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


class Tools:
    """The project's ontology and actor registry, loaded once."""

    def __init__(self) -> None:
        from powderkeg.actors import load_registry
        from powderkeg.ontology import load_ontology

        self.ontology = load_ontology()
        self.registry = load_registry()
        from powderkeg.geo import load_gazetteer

        self.gazetteer = load_gazetteer()
        self._cameo_codes = [
            line.split("\t", 1)[0]
            for line in (ROOT / "src/powderkeg/ontology/data/cameo.tsv").read_text(
                encoding="utf-8").splitlines()
            if line and not line.startswith("#") and line[0].isdigit()
        ]

    def root_types(self, root: str) -> list[str]:
        """PLOVER types of a CAMEO root: the root's own first, then its codes' (sorted)."""
        own = self.ontology.cameo_to_plover(root)
        kids = {t[0] for c in self._cameo_codes if c.startswith(root)
                if (t := self.ontology.cameo_to_plover(c))}
        first = [own[0]] if own else []
        return first + sorted(kids - set(first))

    def codes(self, text: str, context: str | None = None) -> list[str]:
        found = self.registry.find(text, context=context, generic=True)
        return list(dict.fromkeys(m.actor.code for m in found if m.actor.code != "UNK"))

    def first_state(self, text: str) -> str | None:
        """The state a sentence is about: the first state actor it names, else the country
        of the first place it names ("MIAMI A federal jury ...": USA)."""
        for m in self.registry.find(text):
            if m.actor.kind == "state":
                return m.actor.code
        for p in self.gazetteer.find(text):
            if p.place.country:
                return p.place.country
        return None


# -- PLOVER GSR -------------------------------------------------------------------------------


def plover_gsr(shared: Path, tools: Tools) -> list[dict[str, Any]]:
    data = json.loads((shared / "data/plover/PLOVER_GSR_CAMEO.json").read_text(encoding="utf-8"))
    out = []
    for rec in data:
        if rec.get("event") == "DOCUMENT" or not rec.get("text"):
            continue
        typ = tools.ontology.normalize_type(rec["event"])

        def side(v: Any) -> list[str]:
            if not isinstance(v, list):
                return []
            codes: list[str] = []
            for a in v:
                code = FIXES.get(str(a.get("code", "")).upper(), str(a.get("code", "")).upper())
                if not code:
                    continue
                if code in GENERIC:
                    codes.extend(tools.codes(a.get("actorText", "")) or [code])
                else:
                    codes.append(code)
            return list(dict.fromkeys(codes))

        out.append({"text": rec["text"].strip(), "date": None,
                    "events": [{"type": typ, "actor": side(rec.get("source")),
                                "target": side(rec.get("target")), "factuality": "asserted"}],
                    "id": rec["id"]})
    return out


# -- CAMEO annotation rounds ------------------------------------------------------------------

_CAMEO_CLASS = re.compile(r"^\s*(\d)-(\d{1,2})\b")


def _py(value: str) -> Any:
    try:
        return ast.literal_eval(value) if value.strip() else []
    except (ValueError, SyntaxError):
        return []


def _span_codes(tools: Tools, spans: list[str], ctx: str | None) -> list[str]:
    got: list[str] = []
    for span in spans:
        got.extend(tools.codes(span, ctx))
    return list(dict.fromkeys(got))


def cameo_round(path: Path, tools: Tools) -> dict[int, list[dict[str, Any]]]:
    """Per annotator number: the events rows of the texts that annotator completed."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # annotators with CAMEO columns (round10's annotator 3 marked spans only)
    anns = sorted({int(m.group(1)) for k in rows[0] for m in [re.match(r"Action1_CAMEO_(\d+)$", k)]
                   if m})
    out: dict[int, list[dict[str, Any]]] = {a: [] for a in anns}
    for row in rows:
        text = (row.get("sentences") or "").strip()
        if not text:
            continue
        ctx = tools.first_state(text)
        for a in anns:
            if (row.get(f"anncomplete_{a}") or "").strip().lower() != "true":
                continue
            ents = [e for e in _py(row.get(f"entities_{a}", "")) if isinstance(e, tuple)]
            by_label: dict[str, list[str]] = {}
            for e in ents:
                by_label.setdefault(str(e[0]), []).append(str(e[1]))
            # an action's parties: its own Source-k/Target-k, and any source or target the
            # annotator linked to it ("Source-1" -> "Action-2": one party of two actions)
            linked: dict[str, list[str]] = {}
            for rel in _py(row.get(f"relations_{a}", "")):
                if not isinstance(rel, list | tuple) or len(rel) != 2:
                    continue
                (l1, t1), (l2, t2) = (tuple(x)[:2] for x in rel)
                for (la, _ta), (lb, tb) in (((l1, t1), (l2, t2)), ((l2, t2), (l1, t1))):
                    if str(la).startswith("Action-") and str(lb).split("-")[0] in ("Source",
                                                                                  "Target"):
                        role = str(lb).split("-")[0]
                        linked.setdefault(f"{role}@{str(la).split('-')[1]}", []).append(str(tb))
            events = []
            for k in range(1, 6):
                cls = row.get(f"Action{k}_CAMEO_{a}") or ""
                m = _CAMEO_CLASS.match(cls)
                if not m:
                    continue
                root = f"{int(m.group(2)):02d}"
                types = tools.root_types(root)
                if not types:
                    continue  # CAMEO 01/02: statements and appeals are not PLOVER events
                events.append({"type": types,
                               "actor": _span_codes(tools, by_label.get(f"Source-{k}", [])
                                                    + linked.get(f"Source@{k}", []), ctx),
                               "target": _span_codes(tools, by_label.get(f"Target-{k}", [])
                                                     + linked.get(f"Target@{k}", []), ctx)})
            out[a].append({"text": text, "date": None, "events": events,
                           "id": row.get("ids", "")})
    return out


# -- UCDP headlines ---------------------------------------------------------------------------

SIDES = {
    "Government of Ukraine": ["UKR"],
    "Government of Russia (Soviet Union)": ["RUS"],
    "DPR": ["UKR-DPR"],
    "LPR": ["UKR-LPR"],
    "United Armed Forces of Novorossiya": ["UKR-DPR", "UKR-LPR"],
    "Maidan": ["UKR"],
    "Civilians": ["UKR"],
    "Supporters of independence for Eastern Ukraine": ["UKR"],
    "Supporters of Ukrainian unity": ["UKR"],
}


def _iso_date(s: str) -> str | None:
    s = s.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return s
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
    if m:  # source_date is day/month/year (checked against date_start in the file)
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return None


#: a headline must name violence to be given the row's event (report titles, "Daily Report
#: 124/2021", media names and place lists in the field report none)
VIOLENCE = re.compile(
    r"\b(kill|dead|death|die[ds]?\b|shell|attack|strike|wound|injur|clash|fight|fire[ds]?\b|"
    r"firing|bomb|blast|explo|missile|rocket|casualt|destroy|downing|downed|raid|offensive|"
    r"battle|loss|lost|shot|sniper|mortar|artillery|airstrike|assault|storm|violat|hit\b|"
    r"ambush|drone)", re.I)


def ucdp(shared: Path, n: int, seed: int) -> list[dict[str, Any]]:
    path = shared / "data/events/ucdp_ged_ukraine_2014_2023.csv"
    with path.open(encoding="cp1252", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        heads = row["source_headline"].split(";")
        dates = row["source_date"].split(";")
        for i, h in enumerate(heads):
            h = " ".join(h.split())
            letters = [c for c in h if c.isalpha()]
            if (len(h.split()) < 5 or h in seen or "??" in h or not VIOLENCE.search(h)
                    or sum(c.isascii() for c in letters) < 0.8 * max(1, len(letters))):
                continue
            a, b = SIDES.get(row["side_a"]), SIDES.get(row["side_b"])
            if a is None or b is None:
                continue
            if row["type_of_violence"] == "3":
                ev = {"type": ["ASSAULT", "COERCE"], "actor": a, "target": b}
            else:
                ev = {"type": ["ASSAULT", "COERCE"], "actor": list(dict.fromkeys(a + b)),
                      "target": []}
            seen[h] = {
                "text": h, "date": _iso_date(dates[i]) if i < len(dates) else None,
                "events": [ev], "id": row["id"],
                "place": {"lat": float(row["latitude"]), "lon": float(row["longitude"]),
                          "where_prec": int(row["where_prec"]), "country": "UKR",
                          "where": row["where_coordinates"]},
                "region": "EU",
            }
    keys = sorted(seen)
    random.Random(seed).shuffle(keys)
    return [seen[k] for k in keys[:n]]


# -- PETRARCH unit tests ----------------------------------------------------------------------


def petrarch(shared: Path, tools: Tools) -> list[dict[str, Any]]:
    path = shared / "data/petrarch/PETR.UnitTest.records.xml"
    tree = ET.parse(path)
    out = []
    for s in tree.getroot().iter("Sentence"):
        text_el = s.find("Text")
        if text_el is None or not (text_el.text or "").strip():
            continue
        text = " ".join(text_el.text.split())
        events = []
        for ec in s.findall("EventCoding"):
            code = (ec.get("eventcode") or "").strip()
            if not code.isdigit():
                continue
            pt = tools.ontology.cameo_to_plover(code)
            if pt is None:
                continue
            src, tgt = (ec.get("sourcecode") or "")[:3], (ec.get("targetcode") or "")[:3]
            events.append({"type": pt[0], "actor": [src] if src else [],
                           "target": [tgt] if tgt and tgt != "---" else []})
        d = s.get("date") or ""
        out.append({"text": text, "date": f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 else None,
                    "events": events, "id": s.get("id", "")})
    return out


# -- role spans -------------------------------------------------------------------------------


def split_roles(shared: Path, out: Path) -> tuple[int, int]:
    sents = read_roles(shared / "data/cameo/cameo_ner_train.txt")
    dev, held = [], []
    for s in sents:
        h = int(hashlib.sha256(s.text.encode("utf-8")).hexdigest()[:8], 16)
        (dev if h % 2 == 0 else held).append(s)
    write_roles(dev, out / "roles.dev.conll")
    write_roles(held, out / "roles.heldout.conll")
    return len(dev), len(held)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--out", default="/tmp/powderkeg-gold")
    ap.add_argument("--ucdp-n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    shared, out = Path(args.shared), Path(args.out)
    if not (shared / "data").is_dir():
        print(f"{shared}: no data folder (the shared reference data)", file=sys.stderr)
        return 1
    if out.resolve().is_relative_to(ROOT.resolve()) and out.resolve().name != "gold":
        print(f"{out}: inside the repository; use /tmp/... or the ignored gold/", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    tools = Tools()
    counts = {"plover_gsr": _write(out / "plover_gsr.events.jsonl", plover_gsr(shared, tools))}
    for name in ("round9", "round10"):
        for a, rows in cameo_round(shared / f"data/cameo/{name}_summary.csv", tools).items():
            if rows:
                counts[f"{name}.ann{a}"] = _write(out / f"{name}.ann{a}.events.jsonl", rows)
    counts["ucdp_headlines"] = _write(out / "ucdp_headlines.events.jsonl",
                                      ucdp(shared, args.ucdp_n, args.seed))
    counts["petrarch_unit"] = _write(out / "petrarch_unit.events.jsonl", petrarch(shared, tools))
    dev, held = split_roles(shared, out)
    counts["roles.dev"], counts["roles.heldout"] = dev, held
    for k, v in counts.items():
        print(f"{k:>22}: {v}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
