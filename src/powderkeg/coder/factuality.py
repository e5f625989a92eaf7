"""Factuality of a trigger from its grammatical context: asserted, negated, hypothetical or
future ("historical" is decided from the event's date by the caller)."""

from __future__ import annotations

from .annotator import Annotator
from .triggers import Trigger

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
HYPOTHETICAL_MODIFIERS = {"possible", "potential", "hypothetical", "likely", "proposed", "threatened",
                          "feared", "alleged", "suspected"}
#: Verbs that ask for an act: their complement has not happened ("urged Russia to withdraw").
REQUEST_HEADS = {"urge", "ask", "call", "demand", "want", "seek", "request", "press", "push"}
FUTURE_MODIFIERS = {"planned", "upcoming", "forthcoming", "scheduled", "expected", "imminent"}


def factuality(trig: Trigger, ann: Annotator) -> str:
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
    if trig.token is not verb or trig.source == "noun":
        # "a possible attack", "the planned visit": the noun's own modifier
        mods = {ann.lemma(c) for c in trig.token.children if c.dep_ in ("amod", "compound")}
        hypo = bool(mods & HYPOTHETICAL_MODIFIERS)
        fut = bool(mods & FUTURE_MODIFIERS)
    came_by = ""
    for depth in range(4):
        kids = list(head.children)
        auxes = {c.lower_ for c in kids if c.dep_ in ("aux", "auxpass")}
        # the modal of a governing verb reaches down an xcomp ("will continue to offer aid")
        if depth == 0 or head.dep_ in ("xcomp", "ccomp", "conj") or came_by == "xcomp":
            if auxes & MODAL_HYPOTHETICAL:
                hypo = True
            if auxes & MODAL_FUTURE:
                fut = True
            if any(c.dep_ == "neg" for c in kids) and depth > 0 and head.dep_ in ("xcomp",):
                neg = True
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in kids):
            hypo = True
        if depth > 0:
            lemma = ann.lemma(head)
            if lemma in HYPOTHETICAL_HEADS or (
                lemma in REQUEST_HEADS and came_by in ("xcomp", "ccomp")
            ):
                hypo = True
            if lemma in FUTURE_HEADS and head.i < verb.i:
                fut = True
            if lemma in NEGATING_HEADS and verb.dep_ == "xcomp":
                neg = True
        if head.head is head or head.dep_ in ("ROOT",):
            break
        infinitival = any(c.dep_ == "aux" and c.lower_ == "to" for c in head.children)
        # an infinitive under a verb is its complement ("could provoke Albania to intervene")
        came_by = "xcomp" if infinitival and head.dep_ in ("advcl", "ccomp") else head.dep_
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
        if t.dep_ == "pobj" and ann.lemma(t) in ("event", "case"):
            hypo = True
            break
    if neg:
        return "negated"
    if hypo:
        return "hypothetical"
    if fut:
        return "future"
    return "asserted"
