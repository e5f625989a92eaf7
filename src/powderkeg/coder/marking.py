"""Marking a source/target pair in a parsed sentence (the type model's input): the noun phrase
around a mention and ``<s>``/``<t>`` marks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..types import Actor

#: Dependency labels of a noun's pre-modifiers through which a mention ("Russian", "NATO") is
#: widened to the noun phrase it modifies ("Russian troops"); not ``poss``: plv marks
#: "<t>Germany</t>'s decision", not the possessor's phrase.
_NP_MODIFIERS = frozenset({"compound", "amod", "nmod", "nummod"})
#: Right dependents of a noun that stay in its phrase ("the bombing of a military academy",
#: "Saudi Crown Prince Mohammed bin Salman"); the phrase ends at the first other one.
_NP_RIGHT = frozenset({"prep", "compound", "nummod", "appos"})


def noun_phrase_span(sdoc: Any, start: int, end: int) -> tuple[int, int]:
    """Character span of the noun phrase around the mention ``start:end`` of the parsed
    sentence ``sdoc``, as ``plv_train.tsv`` marks actors: the mention's syntactic head, raised
    through pre-modifier links to the noun it modifies, from that noun's left edge (determiner
    and modifiers) to the noun, plus its prepositional, compound and appositive dependents
    on the right. A mention whose head is not a noun, pronoun or number keeps its span."""
    toks = [t for t in sdoc if t.idx < end and t.idx + len(t) > start]
    if not toks:
        return start, end
    ids = {t.i for t in toks}
    head = next((t for t in toks if t.head.i not in ids or t.head.i == t.i), toks[-1])
    while (head.dep_ in _NP_MODIFIERS and head.head.i > head.i
           and head.head.tag_.startswith("NN")):
        head = head.head
    if not head.tag_.startswith(("NN", "PRP", "CD")):
        return start, end
    right = head
    for child in head.rights:
        if child.dep_ not in _NP_RIGHT:
            break
        right = child.right_edge
    return min(head.left_edge.idx, start), max(right.idx + len(right), end)


def mark_pair(sdoc: Any, sources: Sequence[Any], targets: Sequence[Any]) -> str:
    """The parsed sentence's text marked (:func:`mark_spans`) at the noun phrases
    (:func:`noun_phrase_span`) of the source and target spans; where a widened source and
    target span would overlap, both keep their own spans. ``code`` marks a candidate event's
    first actor and target so, and ``eval --format plv`` the file's pair."""
    text = sdoc.text

    def spans(group: Sequence[Any]) -> list[tuple[int, int]]:
        return [(sp.start, sp.end) if hasattr(sp, "start") else tuple(sp) for sp in group]

    src, tgt = spans(sources), spans(targets)
    wide_s = [noun_phrase_span(sdoc, a, b) for a, b in src]
    wide_t = [noun_phrase_span(sdoc, a, b) for a, b in tgt]
    if any(a < y and x < b for a, b in wide_s for x, y in wide_t):
        wide_s, wide_t = src, tgt
    return mark_spans(text, wide_s, wide_t)


_PAIR_SOURCE = Actor(text="", code="source", name="source", kind="group")
_PAIR_TARGET = Actor(text="", code="target", name="target", kind="group")


def mark_spans(text: str, sources: Sequence[Any], targets: Sequence[Any]) -> str:
    """``text`` with ``<s>…</s>`` around the source spans and ``<t>…</t>`` around the target
    spans (``(start, end)`` pairs or mentions); overlapping spans are left unmarked."""
    spans: list[tuple[int, int, str]] = []
    for tag, group in (("s", sources), ("t", targets)):
        for sp in group:
            a, b = (sp.start, sp.end) if hasattr(sp, "start") else sp
            if 0 <= a < b <= len(text) and all(b <= x or a >= y for x, y, _ in spans):
                spans.append((a, b, tag))
    out, pos = [], 0
    for a, b, tag in sorted(spans):
        out += [text[pos:a], f"<{tag}>", text[a:b], f"</{tag}>"]
        pos = b
    out.append(text[pos:])
    return "".join(out)



__all__ = ["mark_pair", "mark_spans", "noun_phrase_span"]
