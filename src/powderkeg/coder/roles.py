"""Triggers, source/target roles and factuality from a spaCy dependency parse.

All functions take spaCy tokens of one parsed sentence plus the actor mentions found in it
(character offsets relative to the sentence) and return plain values, so each step can be
tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# Dependency labels that stay inside a noun phrase's "core" (the words that name the entity,
# not prepositional or clausal modifiers that may name other entities).
_CORE_DEPS = {
    "compound", "poss", "amod", "nmod", "appos", "det", "nummod", "quantmod", "case", "flat",
    "conj", "cc", "punct", "npadvmod", "nn", "predet",
}  # fmt: skip
_SUBJ = {"nsubj", "csubj", "expl"}
_CLIMB = {"xcomp", "conj", "advcl", "acl", "pcomp", "relcl"}
_CLAUSE_BOUNDARY = {"ccomp", "advcl", "relcl", "conj", "parataxis", "ROOT"}

MODAL_HYPOTHETICAL = {"could", "might", "may", "would", "should", "must"}
MODAL_FUTURE = {"will", "shall", "'ll", "wo"}
HYPOTHETICAL_HEADS = {
    "possibility", "scenario", "risk", "chance", "prospect", "likelihood", "danger", "fear",
    "threaten", "consider", "mull", "contemplate", "weigh", "propose", "suggest", "if", "whether",
    "unless", "hypothetical", "potential", "able", "ready", "prepared", "willing",
}  # fmt: skip
FUTURE_HEADS = {"plan", "intend", "aim", "expect", "schedule", "set", "due", "going", "prepare", "vow", "pledge", "promise"}
NEGATING_HEADS = {"fail", "refuse", "decline", "deny", "avoid", "stop", "cease"}
NEGATING_DETS = {"no", "never", "neither"}


@dataclass(frozen=True)
class Lexicon:
    verbs: dict[str, tuple[str, str | None]]
    nouns: dict[str, tuple[str, str | None]]
    light_verbs: frozenset[str]
    reverse_roles: frozenset[str]
    target_preps: frozenset[str]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    path = resources.files("powderkeg.coder").joinpath("data/triggers.yaml")
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))

    def table(d: dict[str, list[Any]]) -> dict[str, tuple[str, str | None]]:
        return {k.lower(): (v[0], v[1]) for k, v in d.items()}

    return Lexicon(
        verbs=table(spec["verbs"]),
        nouns=table(spec["nouns"]),
        light_verbs=frozenset(spec["light_verbs"]),
        reverse_roles=frozenset(spec["reverse_roles"]),
        target_preps=frozenset(spec["target_preps"]),
    )


@dataclass
class Trigger:
    token: Any  # spacy Token: the trigger word
    verb: Any  # the governing verb (the token itself for verbal triggers)
    type: str
    mode: str | None
    source: str  # "verb", "noun" or "model"


def find_triggers(sent: Any, lex: Lexicon) -> list[Trigger]:
    """Event triggers in a parsed sentence: lexicon verbs and eventive nouns."""
    out: list[Trigger] = []
    for tok in sent:
        lemma = tok.lemma_.lower()
        if tok.pos_ in ("VERB", "AUX") or (tok.pos_ == "ADJ" and tok.dep_ == "ROOT"):
            prt = next((c.lemma_.lower() for c in tok.children if c.dep_ == "prt"), None)
            key = f"{lemma} {prt}" if prt and f"{lemma} {prt}" in lex.verbs else lemma
            if key in lex.verbs:
                if lemma in lex.light_verbs and _light_object(tok, lex) is not None:
                    continue  # "impose sanctions": the noun decides
                t, m = lex.verbs[key]
                out.append(Trigger(tok, tok, t, m, "verb"))
        elif tok.pos_ in ("NOUN", "PROPN") and (lemma in lex.nouns or tok.lower_ in lex.nouns):
            t, m = lex.nouns.get(lemma) or lex.nouns[tok.lower_]
            head = tok.head
            if tok.dep_ in ("dobj", "attr", "nsubjpass") and head.pos_ in ("VERB", "AUX"):
                out.append(Trigger(tok, head, t, m, "noun"))
            elif tok.dep_ in ("nsubj", "ROOT", "pobj", "conj", "appos", "npadvmod"):
                out.append(Trigger(tok, head if head.pos_ in ("VERB", "AUX") else tok, t, m, "noun"))
    return out


def _light_object(verb: Any, lex: Lexicon) -> Any | None:
    for c in verb.children:
        if c.dep_ in ("dobj", "attr") and (c.lemma_.lower() in lex.nouns or c.lower_ in lex.nouns):
            return c
    return None


def core_span(tok: Any) -> tuple[int, int]:
    """Character span (in the sentence) of a noun phrase's core: no prepositional modifiers."""
    toks = [tok]
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in _CORE_DEPS:
                toks.append(c)
                stack.append(c)
    start = min(t.idx for t in toks) - tok.sent.start_char
    end = max(t.idx + len(t.text) for t in toks) - tok.sent.start_char
    return start, end


def full_span(tok: Any) -> tuple[int, int]:
    base = tok.sent.start_char
    sub = list(tok.subtree)
    return sub[0].idx - base, sub[-1].idx + len(sub[-1].text) - base


def mentions_in(span: tuple[int, int], mentions: Sequence[Any]) -> list[Any]:
    a, b = span
    return [m for m in mentions if m.start < b and m.end > a]


def _subjects(verb: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """(active subjects, passive subjects, agents) of a verb, climbing to a governing verb."""
    v = verb
    for _ in range(4):
        subj = [c for c in v.children if c.dep_ in _SUBJ]
        pas = [c for c in v.children if c.dep_ in ("nsubjpass", "csubjpass")]
        agents = [g for c in v.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if subj or pas or agents:
            return subj, pas, agents
        if v.dep_ in _CLIMB and v.head is not v:
            if v.dep_ in ("acl", "relcl") and v.head.pos_ in ("NOUN", "PROPN"):
                return [v.head], [], []
            v = v.head
        else:
            break
    return [], [], []


def assign_roles(
    trig: Trigger, mentions: Sequence[Any], lex: Lexicon
) -> tuple[list[Any], list[Any], bool]:
    """Actor and target mentions of a trigger. Returns (actors, targets, from_parse)."""
    verb = trig.verb
    subj, pas, agents = _subjects(verb)

    def collect(tokens: Iterable[Any]) -> list[Any]:
        found: list[Any] = []
        for t in tokens:
            hit = mentions_in(core_span(t), mentions) or mentions_in(full_span(t), mentions)
            for m in hit:
                if m not in found:
                    found.append(m)
        return found

    if agents:
        actors, targets = collect(agents), collect(pas)
    else:
        actors = collect(subj)
        objs = [c for c in verb.children if c.dep_ in ("dobj", "dative", "attr", "oprd")]
        if trig.source == "noun" and trig.token is not verb:
            objs = [o for o in objs if o is not trig.token]
        targets = collect(objs)
        if pas and not actors:
            targets = targets or collect(pas)
    if not targets:
        prep_heads = [verb] + ([trig.token] if trig.token is not verb else [])
        for h in prep_heads:
            for p in h.children:
                if p.dep_ in ("prep", "agent") and p.lemma_.lower() in lex.target_preps:
                    targets += [m for m in collect(c for c in p.children if c.dep_ == "pobj") if m not in targets]
        if trig.token is not verb:
            targets += [m for m in collect(c for c in trig.token.children if c.dep_ == "poss") if m not in targets]
    if trig.verb.lemma_.lower() in lex.reverse_roles and not agents:
        sources = [
            m
            for p in verb.children
            if p.dep_ == "prep" and p.lemma_.lower() == "from"
            for m in collect(c for c in p.children if c.dep_ == "pobj")
        ]
        if sources:
            actors, targets = sources, actors
    targets = [t for t in targets if t not in actors]
    from_parse = bool(actors or targets)
    if not actors and not targets:
        return [], [], False
    return actors, targets, from_parse


def fallback_roles(
    trig: Trigger, mentions: Sequence[Any], actors: list[Any], targets: list[Any]
) -> tuple[list[Any], list[Any]]:
    """Fill a missing actor or target from the nearest mentions around the trigger."""
    pos = trig.token.idx - trig.token.sent.start_char
    used = {id(m) for m in actors + targets}
    if not actors:
        before = [m for m in mentions if m.end <= pos and id(m) not in used]
        if before:
            actors = [before[-1]]
            used.add(id(before[-1]))
    if not targets:
        after = [m for m in mentions if m.start >= pos and id(m) not in used]
        if after:
            targets = [after[0]]
    return actors, targets


def factuality(trig: Trigger) -> str:
    """asserted, negated, hypothetical or future, from the trigger's grammatical context.

    "historical" is decided by the caller from the event's date.
    """
    verb = trig.verb
    tokens = [verb] + ([trig.token] if trig.token is not verb else [])
    neg = any(c.dep_ == "neg" for t in tokens for c in t.children)
    if trig.token is not verb:
        neg = neg or any(c.lower_ in NEGATING_DETS for c in trig.token.children if c.dep_ == "det")
    head = verb
    hypo = fut = False
    for depth in range(4):
        kids = list(head.children)
        auxes = {c.lower_ for c in kids if c.dep_ in ("aux", "auxpass")}
        if depth == 0 or head.dep_ in ("xcomp", "ccomp", "conj"):
            if auxes & MODAL_HYPOTHETICAL:
                hypo = True
            if auxes & MODAL_FUTURE:
                fut = True
            if any(c.dep_ == "neg" for c in kids) and depth > 0 and head.dep_ in ("xcomp",):
                neg = True
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in kids):
            hypo = True
        if depth > 0:
            lemma = head.lemma_.lower()
            if lemma in HYPOTHETICAL_HEADS:
                hypo = True
            if lemma in FUTURE_HEADS and head.i < verb.i:
                fut = True
            if lemma in NEGATING_HEADS and verb.dep_ == "xcomp":
                neg = True
        if head.head is head or head.dep_ in ("ROOT",):
            break
        head = head.head
    # Negation higher up the same clause: "do not have the appetite for joining sanctions",
    # "there is no appetite for ...".
    for t in trig.token.ancestors:
        if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ in NEGATING_DETS) for c in t.children):
            neg = True
        if t.dep_ in _CLAUSE_BOUNDARY:
            break
    # "in the event of an attack", "in case of"
    for t in trig.token.ancestors:
        if t.lemma_.lower() in ("event", "case") and t.dep_ == "pobj":
            hypo = True
            break
    if neg:
        return "negated"
    if hypo:
        return "hypothetical"
    if fut:
        return "future"
    return "asserted"
