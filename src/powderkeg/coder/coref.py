"""A small, conservative coreference step for sentence-initial subject pronouns.

"Serbia is preparing for war. It purchased MIG warplanes from Russia." -- the ``It`` that
opens the second sentence is Serbia. The rule, deliberately narrow:

* the sentence opens with ``It``, ``They``, ``He`` or ``She`` (after an optional quote mark),
  and that pronoun is the subject of a verb other than *be* ("It was only seven years ago
  that ..." and "It is clear that ..." are not references);
* the previous sentence (of the same paragraph, where the text keeps paragraph breaks; the
  contract's normalised document text does not) has, in the subject of its main clause, exactly
  one actor of the pronoun's kind: a state or an international organisation for *it* and
  *they*, a person for *he* and *she*;
* the pronoun then stands for that actor; the resolved :class:`~powderkeg.types.Actor` keeps
  the pronoun as its ``text``.

Nothing is chained (a pronoun is never the antecedent of the next one) and nothing is guessed
when two candidates compete.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..types import Actor
from .roles import Annotator, phrase_mentions

#: Pronoun (lower case) -> actor kinds it can stand for.
PRONOUN_KINDS: dict[str, frozenset[str]] = {
    "it": frozenset({"state", "igo"}),
    "they": frozenset({"state", "igo"}),
    "he": frozenset({"person"}),
    "she": frozenset({"person"}),
}
_LEAD = re.compile(r"""^\s*["'\u201c\u2018]?\s*(It|They|He|She|THEY|HE|SHE)\b""")
_SUBJECT_DEPS = ("nsubj", "nsubjpass")


@dataclass(frozen=True)
class PronounMention:
    """A resolved pronoun: ``start``/``end`` are offsets in the sentence; ``actor.text`` is the
    pronoun."""

    start: int
    end: int
    actor: Actor


def leading_pronoun(sentence: str) -> tuple[int, int, str] | None:
    """(start, end, lower-case pronoun) of a sentence-initial subject pronoun candidate."""
    m = _LEAD.match(sentence)
    if m is None:
        return None
    return m.start(1), m.end(1), m.group(1).lower()


def same_paragraph(between: str) -> bool:
    """True when the text between two sentences holds no paragraph break."""
    return "\n\n" not in between and "\n\r\n" not in between and between.count("\n") < 2


class Coreference:
    """Resolves sentence-initial subject pronouns against the previous sentence.

    ``nlp`` parses the previous sentence (only for a sentence that opens with a pronoun and
    whose predecessor names an actor of the right kind); ``registry.find`` finds its actors.
    """

    def __init__(self, nlp: Any, registry: Any, annotator: Annotator) -> None:
        self.nlp = nlp
        self.registry = registry
        self.annotator = annotator

    def _candidates(self, prev_text: str, kinds: frozenset[str], date: str | None) -> list[Any]:
        return [m for m in self.registry.find(prev_text, date=date) if m.actor.kind in kinds]

    def may_resolve(self, sentence: str, prev_text: str | None, date: str | None) -> bool:
        """Cheap test (no parse): the sentence opens with a pronoun and the previous sentence
        names an actor of its kind."""
        if prev_text is None:
            return False
        lead = leading_pronoun(sentence)
        return lead is not None and bool(self._candidates(prev_text, PRONOUN_KINDS[lead[2]], date))

    def resolve(self, sdoc: Any, prev_text: str | None, date: str | None) -> PronounMention | None:
        """The sentence-initial pronoun of the parsed sentence ``sdoc`` resolved to the one
        actor in the subject of ``prev_text``'s main clause, or None."""
        if prev_text is None:
            return None
        lead = leading_pronoun(sdoc.text)
        if lead is None:
            return None
        start, end, word = lead
        tok = next((t for t in sdoc if t.idx == start), None)
        if tok is None or tok.dep_ not in _SUBJECT_DEPS:
            return None
        if tok.dep_ == "nsubj" and self.annotator.lemma(tok.head) == "be":
            return None  # "It was only seven years ago that ...", "It is clear that ..."
        kinds = PRONOUN_KINDS[word]
        cands = self._candidates(prev_text, kinds, date)
        if not cands:
            return None
        antecedent = self._subject_actor(self.nlp(prev_text), cands)
        if antecedent is None:
            return None
        return PronounMention(
            start, end, dataclasses.replace(antecedent, text=sdoc.text[start:end])
        )

    @staticmethod
    def _subject_actor(prev: Any, cands: Sequence[Any]) -> Actor | None:
        """The single candidate actor in the subject of the main clause, or None."""
        subjects = [
            c
            for root in prev
            if root.dep_ == "ROOT"
            for c in root.children
            if c.dep_ in _SUBJECT_DEPS
        ]
        found: dict[tuple[str, str | None], Actor] = {}
        for subj in subjects:
            for m in phrase_mentions(subj, cands):
                found.setdefault((m.actor.code, m.actor.person), m.actor)
        if len(found) != 1:
            return None
        return next(iter(found.values()))


__all__ = ["PRONOUN_KINDS", "Coreference", "PronounMention", "leading_pronoun", "same_paragraph"]
