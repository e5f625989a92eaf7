"""The ``events`` evaluation format: end-to-end events of a text against an exhaustive gold.

File (CONTRACT.md, "Evaluation formats"): JSONL, one text per line,
``{"text": ..., "date": "YYYY-MM-DD" or null, "events": [{"type": "T" or ["T1", "T2"],
"actor": [codes], "target": [codes], "factuality": ...}]}``. The list is exhaustive: an empty
list says the text reports no event. A list of types or codes means any one of them is right.

Scoring. The coder's events of each text are matched one to one to the gold events so that the
number of matched pairs is largest (a maximum bipartite matching, scipy's
``linear_sum_assignment``; among maximum matchings, pairs whose factuality also agrees are
preferred). A predicted event matches a gold event when

- its type is among the gold types;
- its actor codes intersect the gold actor codes, and its target codes intersect the gold
  target codes or both have none. A sub-state code ``PARENT-NAME`` (``UKR-DPR``) also counts
  as its state (``UKR``), on either side;
- two-sided rule: a gold event with two or more actors and no target (an event between two
  sides, "Serbia and Kosovo traded accusations") also matches a predicted event whose actor
  intersects one gold actor and whose target intersects another.

Headline fields: ``precision`` (matched / predicted), ``recall`` (matched / gold), ``f1``;
``type_f1`` (the same matching on the type alone), ``dyad_f1`` (on actor and target alone),
``factuality_accuracy`` (share of matched pairs whose factuality is the gold's; gold
without ``factuality`` counts as ``asserted``), ``spurious_per_empty_text`` (predicted events
per text whose gold list is empty). ``per_class`` gives precision/recall/F1 of full matches
by PLOVER type (a gold event's first type); ``confusion`` is gold type -> predicted type over
the pairs of a matching on actor and target alone (a dyad matching that prefers the same
type), with ``NONE`` for a gold event nothing pairs with (column) and a predicted event that
pairs with no gold event (row).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from powderkeg.errors import InputError
from powderkeg.types import FACTUALITIES

NONE = "NONE"


@dataclass(frozen=True)
class GoldEvent:
    """One gold event: any of ``types``; actor and target as lists of acceptable codes."""

    types: tuple[str, ...]
    actor: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    factuality: str = "asserted"


@dataclass(frozen=True)
class PredEvent:
    """One coded event as the scorer sees it."""

    type: str
    actor: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    factuality: str = "asserted"


@dataclass
class EventsItem:
    """One labelled text of an ``events`` file."""

    line: int
    text: str
    date: str | None
    events: list[GoldEvent] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


# -- reading ----------------------------------------------------------------------------------


def _codes(where: str, value: Any, name: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(where, f"'{name}' must be a list of code strings")
    return tuple(v.strip().upper() for v in value)


def _gold_event(where: str, obj: Any) -> GoldEvent:
    if not isinstance(obj, dict):
        raise InputError(where, "each event must be a JSON object")
    types = _codes(where, obj.get("type"), "type")
    if not types:
        raise InputError(where, "event without 'type'")
    fact = obj.get("factuality") or "asserted"
    if fact not in FACTUALITIES:
        raise InputError(where, f"factuality {fact!r} is not one of {', '.join(FACTUALITIES)}")
    return GoldEvent(types, _codes(where, obj.get("actor"), "actor"),
                     _codes(where, obj.get("target"), "target"), fact)


def read_events(path: str | Path) -> list[EventsItem]:
    """The texts of an ``events`` JSONL file (InputError naming ``path:line`` if malformed)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text ({exc.reason})") from None
    items: list[EventsItem] = []
    for no, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        where = f"{path}:{no}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(where, f"not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InputError(where, "each line must be a JSON object")
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(where, "missing or empty 'text'")
        events = obj.get("events")
        if not isinstance(events, list):
            raise InputError(where, "'events' must be a list (empty: the text reports none)")
        date = obj.get("date")
        if date is not None and not isinstance(date, str):
            raise InputError(where, "'date' must be YYYY-MM-DD or null")
        meta = {k: v for k, v in obj.items() if k not in ("text", "date", "events")}
        items.append(EventsItem(no, text, date or None, [_gold_event(where, e) for e in events],
                                meta))
    if not items:
        raise InputError(str(path), "no labelled rows")
    return items


# -- matching ---------------------------------------------------------------------------------


def expand(codes: Iterable[str]) -> set[str]:
    """Codes with each sub-state code's state added (``UKR-DPR`` -> ``UKR-DPR``, ``UKR``)."""
    out: set[str] = set()
    for c in codes:
        c = c.upper()
        out.add(c)
        if "-" in c:
            out.add(c.split("-", 1)[0])
    return out


def dyad_ok(gold: GoldEvent, pred: PredEvent) -> bool:
    """Actor and target of ``pred`` agree with ``gold`` (with the two-sided rule)."""
    pa, pt = expand(pred.actor), expand(pred.target)
    ga = expand(gold.actor)
    if pa & ga:
        if gold.target:
            if pt & expand(gold.target):
                return True
        elif not pred.target:
            return True
    if len(gold.actor) >= 2 and not gold.target and pt:
        sides = [expand([c]) for c in gold.actor]
        return any(pa & sides[i] and pt & sides[j]
                   for i in range(len(sides)) for j in range(len(sides)) if i != j)
    return False


def type_ok(gold: GoldEvent, pred: PredEvent) -> bool:
    return pred.type.upper() in gold.types


def _match(gold: Sequence[GoldEvent], pred: Sequence[PredEvent], ok: Any,
           bonus: Any = None) -> list[tuple[int, int]]:
    """A largest one-to-one matching of ``pred`` to ``gold`` under ``ok(g, p)``; among
    largest ones, the most pairs with ``bonus(g, p)``."""
    if not gold or not pred:
        return []
    W = np.zeros((len(gold), len(pred)))
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if ok(g, p):
                W[i, j] = 1.0 + (0.5 / (1 + len(gold)) if bonus and bonus(g, p) else 0.0)
    if not W.any():
        return []
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(W, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if W[i, j] > 0]


def _full(g: GoldEvent, p: PredEvent) -> bool:
    return type_ok(g, p) and dyad_ok(g, p)


def _same_fact(g: GoldEvent, p: PredEvent) -> bool:
    return g.factuality == p.factuality


def _prf(matched: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def match_text(gold: Sequence[GoldEvent], pred: Sequence[PredEvent]) -> dict[str, Any]:
    """The matchings of one text: ``full``, ``type`` and ``dyad`` pairs ``(gold, pred)``."""
    return {
        "full": _match(gold, pred, _full, _same_fact),
        "type": _match(gold, pred, type_ok),
        "dyad": _match(gold, pred, dyad_ok, type_ok),
    }


def score_events(items: Sequence[EventsItem], preds: Sequence[Sequence[PredEvent]],
                 seconds: float) -> dict[str, Any]:
    """The ``events`` Metrics of ``preds`` (the coder's events per text) against ``items``."""
    if len(preds) != len(items):
        raise ValueError(f"coder returned {len(preds)} predictions for {len(items)} items")
    n_gold = n_pred = full = typ = dyad = fact_ok = 0
    empty_texts = empty_pred = 0
    g_count: Counter[str] = Counter()
    p_count: Counter[str] = Counter()
    tp_gold: Counter[str] = Counter()
    tp_pred: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = {}
    for item, pr in zip(items, preds, strict=True):
        gold = item.events
        n_gold += len(gold)
        n_pred += len(pr)
        if not gold:
            empty_texts += 1
            empty_pred += len(pr)
        m = match_text(gold, pr)
        full += len(m["full"])
        typ += len(m["type"])
        dyad += len(m["dyad"])
        fact_ok += sum(gold[i].factuality == pr[j].factuality for i, j in m["full"])
        for g in gold:
            g_count[g.types[0]] += 1
        for p in pr:
            p_count[p.type] += 1
        for i, j in m["full"]:
            tp_gold[gold[i].types[0]] += 1
            tp_pred[pr[j].type] += 1
        paired_g = {i for i, _ in m["dyad"]}
        paired_p = {j for _, j in m["dyad"]}
        for i, j in m["dyad"]:
            g_type = pr[j].type if pr[j].type in gold[i].types else gold[i].types[0]
            confusion.setdefault(g_type, Counter())[pr[j].type] += 1
        for i, g in enumerate(gold):
            if i not in paired_g:
                confusion.setdefault(g.types[0], Counter())[NONE] += 1
        for j, p in enumerate(pr):
            if j not in paired_p:
                confusion.setdefault(NONE, Counter())[p.type] += 1
    precision, recall, f1 = _prf(full, n_pred, n_gold)
    per_class: dict[str, dict[str, float | int]] = {}
    for lab in sorted(set(g_count) | set(p_count)):
        p = tp_pred[lab] / p_count[lab] if p_count[lab] else 0.0
        r = tp_gold[lab] / g_count[lab] if g_count[lab] else 0.0
        per_class[lab] = {"precision": p, "recall": r,
                          "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": g_count[lab]}
    n = len(items)
    return {
        "n": n,
        "sentences_per_second": n / seconds if seconds > 0 else float("inf"),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "type_f1": _prf(typ, n_pred, n_gold)[2],
        "dyad_f1": _prf(dyad, n_pred, n_gold)[2],
        "factuality_accuracy": fact_ok / full if full else None,
        "spurious_per_empty_text": empty_pred / empty_texts if empty_texts else None,
        "gold_events": n_gold,
        "predicted_events": n_pred,
        "matched_events": full,
        "empty_texts": empty_texts,
        "per_class": per_class,
        "confusion": {g: dict(sorted(row.items())) for g, row in sorted(confusion.items())},
    }


def pred_from_event(ev: Any) -> PredEvent:
    """A :class:`PredEvent` from a coded :class:`~powderkeg.types.Event` (or its JSON)."""
    if isinstance(ev, dict):
        return PredEvent(str(ev["type"]).upper(),
                         tuple(a["code"].upper() for a in ev.get("actor") or []),
                         tuple(a["code"].upper() for a in ev.get("target") or []),
                         ev.get("factuality") or "asserted")
    return PredEvent(ev.type.upper(), tuple(a.code.upper() for a in ev.actor),
                     tuple(a.code.upper() for a in ev.target), ev.factuality)


def gold_as_pred(events: Sequence[GoldEvent]) -> list[PredEvent]:
    """Gold events read as one annotator's predictions (first type and every code), for
    annotator-vs-annotator agreement with the same scorer."""
    return [PredEvent(g.types[0], g.actor, g.target, g.factuality) for g in events]


def code_events(items: Sequence[EventsItem], coder: Any = None) -> list[list[PredEvent]]:
    """The events ``powderkeg code`` finds in each text (its Coder, default configuration;
    each text is one document with the item's date)."""
    from powderkeg.types import Document

    if coder is None:
        from powderkeg.evaluate import the_coder

        coder = the_coder()
    docs = [Document.from_text(it.text, f"line {it.line}", date=it.date) for it in items]
    return [[pred_from_event(e) for e in d.events] for d in coder.code_documents(docs)]
