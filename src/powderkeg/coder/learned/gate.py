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
        if c.dep_ in ("prt", "prep", "dobj", "ccomp", "xcomp", "aux", "auxpass", "neg", "advmod"):
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
