"""The event gate: a learned yes/no on each candidate event (a trigger with its roles and its
decided type) -- is this an event the text reports, or a trigger word used otherwise ("called
for", "so-called", "Russian-backed", adjectival "alleged", an interviewer's "Asked ...")?

Features (:func:`candidate_features`) come from the parse around the trigger (its word, lemma
guess, part of speech, dependency, head, neighbours, particles and prepositions), from the
candidate (trigger source, decided type, whether it has an actor and a target, found by the
parse or by the nearest-mention guess, the type model's probability) and from the sentence
(quotes, an opening "Asked"). A logistic regression (scikit-learn) is trained by
``tools/train_coder.py gate`` on ``events``-format gold files (a candidate is positive when
its type matches a gold event of its text not yet matched); it ships as ``data/gate.json``
(feature weights; no pickle) with the threshold chosen in cross-validation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

GATE_FILE = "gate.json"
_QUOTES = frozenset({'"', "“", "”"})


def candidate_features(trig: Any, actors: Sequence[Any], targets: Sequence[Any], from_parse: bool,
                       type_: str | None, p: float, by: str, ann: Any) -> list[str]:
    """Feature strings of one candidate event (see the module doc)."""
    tok = trig.token
    doc = tok.doc
    low = tok.lower_
    lemma = ann.lemma(tok)
    pos = ann.pos(tok)
    head = tok.head
    nxt = doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else "</s>"
    nxt2 = doc[tok.i + 2].lower_ if tok.i + 2 < len(doc) else "</s>"
    prv = doc[tok.i - 1].lower_ if tok.i > 0 else "<s>"
    kids = [c for c in tok.children]
    f = [
        "b", f"l={lemma}", f"w={low}", f"src={trig.source}", f"ty={type_}", f"ty|l={type_}|{lemma}",
        f"pos={pos}", f"tag={tok.tag_}", f"dep={tok.dep_}", f"l|dep={lemma}|{tok.dep_}",
        f"hdep={head.dep_}", f"hl={head.lower_}", f"l|hl={lemma}|{head.lower_}",
        f"nx={nxt}", f"l|nx={lemma}|{nxt}", f"l|nx2={lemma}|{nxt}|{nxt2}", f"pv={prv}",
        f"l|pv={lemma}|{prv}", f"act={bool(actors)}", f"tgt={bool(targets)}",
        f"pair={bool(actors) and bool(targets)}", f"parse={from_parse}", f"by={by}",
        f"own={trig.own_roles}", f"verb_is_tok={trig.verb is tok}",
        f"vdep={trig.verb.dep_}", f"vtag={trig.verb.tag_}",
        f"first={tok.i == 0}", f"asked={doc[0].lower_ == 'asked'}",
        f"quote={any(t.text in _QUOTES for t in doc)}",
        f"ty|pair={type_}|{bool(actors) and bool(targets)}",
        f"ty|parse={type_}|{from_parse}",
    ]
    for c in kids:
        if c.dep_ in ("prt", "prep", "dobj", "ccomp", "xcomp", "aux", "auxpass", "neg", "advmod",
                      "oprd", "attr", "dative"):
            f.append(f"k={c.dep_}:{c.lower_}" if c.dep_ in ("prt", "prep", "aux", "neg") else
                     f"k={c.dep_}")
            f.append(f"l|k={lemma}|{c.dep_}:{c.lower_ if c.dep_ in ('prt', 'prep') else ''}")
    if "-" in (prv, doc[tok.i - 2].lower_ if tok.i > 1 else ""):
        f.append("hyphen_before")
    kinds = {getattr(m.actor, "kind", "?") for m in list(actors) + list(targets)}
    f += [f"kind={k}" for k in sorted(kinds)]
    pb = min(int(p * 5), 4)
    f += [f"p={pb}", f"ty|p={type_}|{pb}"]
    return f


@dataclass
class EventGate:
    """Keeps a candidate when the logistic score of its features reaches ``threshold``."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def proba(self, feats: Sequence[str]) -> float:
        w = self.weights
        z = self.bias + sum(w.get(x, 0.0) for x in feats)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def keep(self, feats: Sequence[str]) -> bool:
        return self.proba(feats) >= self.threshold

    def to_json(self) -> str:
        return json.dumps({"bias": self.bias, "threshold": self.threshold, "meta": self.meta,
                           "weights": {k: round(v, 5) for k, v in sorted(self.weights.items())}},
                          ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, text: str) -> EventGate:
        d = json.loads(text)
        return cls({str(k): float(v) for k, v in d["weights"].items()}, float(d["bias"]),
                   float(d.get("threshold", 0.5)), d.get("meta") or {})


@lru_cache(maxsize=1)
def load_gate() -> EventGate | None:
    """The shipped gate, or None when its file is absent."""
    try:
        text = resources.files("powderkeg.coder.learned").joinpath("data", GATE_FILE).read_text(
            encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    return EventGate.from_json(text)


__all__ = ["EventGate", "candidate_features", "load_gate"]


# -- training (tools/train_coder.py gate) -----------------------------------------------------
#: Gold sets that list every event of a text; in the others (one event per text) a candidate
#: that matches nothing may still be an event, so their negatives weigh less.
EXHAUSTIVE = ("round9", "round10", "petrarch", "own_sentences")
PARTIAL_NEGATIVE_WEIGHT = 0.3


@dataclass
class CandidateRow:
    """A candidate event recorded for training: its features, what it would output and
    whether it matches a gold event of its text."""

    file: str
    item: int
    sentence: int
    feats: list[str]
    pred: Any  # evaluate.events.PredEvent
    text: str = ""
    label: int = 0
    weight: float = 1.0


def record_candidates(items_by_file: dict[str, list[Any]], coder: Any = None) -> list[CandidateRow]:
    """Every candidate the coder (gate off) decides, with its gate features, over the texts of
    ``items_by_file`` (``evaluate.events`` items); labels from a greedy one-to-one match of
    the candidates, in output order, to the gold events (type and dyad right)."""
    from powderkeg.coder.pipeline import Coder
    from powderkeg.coder.steps import gate_features
    from powderkeg.evaluate.events import PredEvent, dyad_ok, type_ok
    from powderkeg.types import Document

    coder = coder or Coder(workers=1, use_gate=False)
    coder.gate = None
    rows: list[CandidateRow] = []
    key_of: dict[int, tuple[str, int]] = {}

    def recorder(c: Any, batch: Any) -> None:
        for s in batch.sentences:
            unit = batch.units[s.k]
            f, i = key_of[id(batch.docs[unit.doc])]
            for cand, dec in zip(s.cands, s.decisions, strict=True):
                if dec.type is None:
                    continue
                pred = PredEvent(dec.type.upper(),
                                 tuple(m.actor.code.upper() for m in cand.actors),
                                 tuple(m.actor.code.upper() for m in cand.targets))
                rows.append(CandidateRow(f, i, unit.start, gate_features(c, cand, dec), pred,
                                         items_by_file[f][i].text))

    saved = coder.step("gate")
    coder.replace_step("gate", recorder)
    try:
        for f, items in items_by_file.items():
            docs = [Document.from_text(it.text, f"{f}:{it.line}", date=it.date) for it in items]
            for i, d in enumerate(docs):
                key_of[id(d)] = (f, i)
            for _ in coder.code_documents(docs):
                pass
    finally:
        coder.replace_step("gate", saved)
    used: dict[tuple[str, int], set[int]] = {}
    for r in rows:
        gold = items_by_file[r.file][r.item].events
        taken = used.setdefault((r.file, r.item), set())
        for gi, g in enumerate(gold):
            if gi not in taken and type_ok(g, r.pred) and dyad_ok(g, r.pred):
                taken.add(gi)
                r.label = 1
                break
        if not r.label and not any(x in r.file for x in EXHAUSTIVE):
            r.weight = PARTIAL_NEGATIVE_WEIGHT
    return rows


def fit_gate(rows: Sequence[CandidateRow], c: float = 0.5) -> EventGate:
    """Logistic regression on the rows' features (scikit-learn), as an :class:`EventGate`."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    X = vec.fit_transform([dict.fromkeys(r.feats, 1) for r in rows])
    y = [r.label for r in rows]
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(X, y, sample_weight=[r.weight for r in rows])
    w = {f: float(clf.coef_[0][j]) for f, j in vec.vocabulary_.items() if abs(clf.coef_[0][j]) > 1e-4}
    return EventGate(w, float(clf.intercept_[0]))


def outputs(rows: Sequence[CandidateRow], keep: Sequence[bool]) -> dict[tuple[str, int], list[Any]]:
    """The events the coder outputs per text when only the kept candidates remain (one per type
    and at most three per sentence, as ``steps.step_events``)."""
    from powderkeg.coder.steps import MAX_EVENTS_PER_SENTENCE

    out: dict[tuple[str, int], list[Any]] = {}
    per_sentence: dict[tuple[str, int, int], set[str]] = {}
    for r, k in zip(rows, keep, strict=True):
        if not k:
            continue
        seen = per_sentence.setdefault((r.file, r.item, r.sentence), set())
        if r.pred.type in seen or len(seen) >= MAX_EVENTS_PER_SENTENCE:
            continue
        seen.add(r.pred.type)
        out.setdefault((r.file, r.item), []).append(r.pred)
    return out


def score_files(items_by_file: dict[str, list[Any]], rows: Sequence[CandidateRow],
                keep: Sequence[bool]) -> dict[str, dict[str, Any]]:
    """``events`` metrics per file for the kept candidates."""
    from powderkeg.evaluate.events import score_events

    got = outputs(rows, keep)
    return {f: score_events(items, [got.get((f, i), []) for i in range(len(items))], 0.0)
            for f, items in items_by_file.items()}


def cross_validate(rows: Sequence[CandidateRow], folds: int, seed: int, c: float) -> list[float]:
    """Out-of-fold gate probabilities, folds grouped by text (a text's candidates, in every
    annotator's file, are held out together)."""
    import hashlib

    import numpy as np

    def fold_of(r: CandidateRow) -> int:
        h = hashlib.sha256(f"{seed}:{r.text}".encode()).digest()
        return h[0] % folds

    fold = np.array([fold_of(r) for r in rows])
    out = np.zeros(len(rows))
    for k in range(folds):
        tr = [r for r, f in zip(rows, fold, strict=True) if f != k]
        gate = fit_gate(tr, c)
        for j in np.flatnonzero(fold == k):
            out[j] = gate.proba(rows[j].feats)
    return [float(x) for x in out]


def _r(x: Any) -> Any:
    return None if x is None else round(float(x), 3)


def train_gate_cli(args: Any) -> int:
    """``tools/train_coder.py gate``: record, cross-validate (threshold chosen on out-of-fold
    probabilities for the best pooled F1 with precision >= ``args.min_precision`` where it can
    be had), print per-file CV metrics before/after, fit on all rows and write ``gate.json``."""
    import sys
    from pathlib import Path

    from powderkeg.evaluate.events import read_events

    items_by_file = {Path(p).name.replace(".events.jsonl", ""): read_events(p) for p in args.gold}
    import pickle

    cache = Path(args.cache) if getattr(args, "cache", None) else None
    if cache is not None and cache.exists():
        rows = pickle.loads(cache.read_bytes())  # our own file from an earlier run
    else:
        rows = record_candidates(items_by_file)
        if cache is not None:
            cache.write_bytes(pickle.dumps(rows))
    pos = sum(r.label for r in rows)
    print(f"{len(rows)} candidates, {pos} match a gold event", file=sys.stderr)
    oof = cross_validate(rows, args.folds, args.seed, args.c)

    before = score_files(items_by_file, rows, [True] * len(rows))
    best_t, best_f = 0.0, -1.0
    table = []
    for t in [i / 20 for i in range(1, 19)]:
        keep = [p >= t for p in oof]
        per = score_files(items_by_file, rows, keep)
        # sets with real actor codes (PETRARCH's actors are fictional: its full F1 is 0)
        real = [m for f, m in per.items() if "petrarch" not in f]
        f1s = [m["f1"] or 0.0 for m in real]
        ps = [m["precision"] or 0.0 for m in real]
        mf, mp = sum(f1s) / len(f1s), sum(ps) / len(ps)
        table.append((t, mf, mp))
        if mf > best_f:
            best_t, best_f = t, mf
    for t, mf, mp in table:
        print(f"threshold {t:.2f}: mean F1 {mf:.3f}, mean precision {mp:.3f}", file=sys.stderr)
    after = score_files(items_by_file, rows, [p >= best_t for p in oof])
    fields = ("precision", "recall", "f1", "type_f1", "dyad_f1", "spurious_per_empty_text")
    report = {}
    for f in items_by_file:
        report[f] = {"before": {k: _r(before[f][k]) for k in fields},
                     "after_cv": {k: _r(after[f][k]) for k in fields}}
        print(f"{f}: before   {report[f]['before']}", file=sys.stderr)
        print(f"{f}: gate CV  {report[f]['after_cv']}", file=sys.stderr)
    gate = fit_gate(rows, args.c)
    gate.threshold = best_t
    gate.meta = {"trained_on": sorted(items_by_file), "candidates": len(rows), "positives": pos,
                 "C": args.c, "cv_folds": args.folds, "threshold_by": "mean F1 over files (CV)",
                 "cv": report, "command": "python tools/train_coder.py gate --gold ..."}
    out = Path(args.out) / GATE_FILE
    out.write_text(gate.to_json(), encoding="utf-8")
    print(f"threshold {best_t:.2f}; wrote {out}", file=sys.stderr)
    return 0
