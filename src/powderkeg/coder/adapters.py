"""Evaluation adapters: how ``eval --format plv`` and ``cameo-quad`` read the coder (outside
the coding steps; :class:`.pipeline.Coder` delegates its methods of the same names here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .marking import _PAIR_SOURCE, _PAIR_TARGET, mark_pair
from .models.decision import TypeRule
from .roles import find_triggers
from .units import TypeDecision, _Mention


class EvalAdapters:
    """The methods ``evaluate`` calls on a coder, kept apart from the coding steps."""

    def pair_lexicon_types(
        self,
        sentences: Sequence[str],
        sources: Sequence[Sequence[tuple[int, int]]],
        targets: Sequence[Sequence[tuple[int, int]]],
    ) -> list[tuple[str, str] | None]:
        """The lexicon's (type, trigger word) for a given actor/target pair per sentence: the
        sentence is parsed once, and of its lexicon triggers the one whose roles (same steps
        as ``code``) put the source among the actors and the target among the targets wins
        (else one whose roles hold both, else one that holds either); ``None`` if no
        trigger's roles hold the pair, as ``code`` would then make no lexicon event for it."""
        return [found for found, _ in self.pair_inputs(sentences, sources, targets)]

    def pair_inputs(
        self,
        sentences: Sequence[str],
        sources: Sequence[Sequence[tuple[int, int]]],
        targets: Sequence[Sequence[tuple[int, int]]],
    ) -> list[tuple[tuple[str, str] | None, str]]:
        """Per sentence, from one parse: :meth:`pair_lexicon_types`' answer and the sentence
        marked at the pair's noun phrases (:func:`mark_pair`, as ``code`` marks an event)."""
        out: list[tuple[tuple[str, str] | None, str]] = []
        docs = self.nlp.pipe(list(sentences), batch_size=self.batch_size)
        for src, tgt, sdoc in zip(sources, targets, docs, strict=True):
            mentions = sorted(
                [_Mention(a, b, _PAIR_SOURCE) for a, b in src]
                + [_Mention(a, b, _PAIR_TARGET) for a, b in tgt],
                key=lambda m: m.start,
            )
            best, best_score = None, 0
            for trig in find_triggers(sdoc, self.lexicon, self.annotator, self.trigger_forms):
                actors, targs, _ = self._trigger_roles(trig, mentions)
                a = {m.actor.code for m in actors}
                t = {m.actor.code for m in targs}
                both = a | t
                score = (3 if "source" in a and "target" in t
                         else 2 if {"source", "target"} <= both
                         else 1 if both else 0)
                if score > best_score:
                    best, best_score = (trig.type, trig.token.text), score
            out.append((best, mark_pair(sdoc, src, tgt)))
        return out

    def pair_types(
        self,
        sentences: Sequence[str],
        sources: Sequence[Sequence[tuple[int, int]]],
        targets: Sequence[Sequence[tuple[int, int]]],
        *,
        models: Any = None,
        rule: TypeRule | None = None,
    ) -> list[TypeDecision]:
        """The type ``code`` gives the event of a known actor/target pair: character spans of
        the source and target mentions per sentence (:meth:`pair_lexicon_types`, then
        :meth:`decide_types` on the sentence marked at the noun phrases of those spans,
        :func:`mark_pair`). ``eval --format plv`` scores this."""
        got = self.pair_inputs(sentences, sources, targets)
        found = [f for f, _ in got]
        marked = [m for _, m in got]
        return self.decide_types(
            sentences, marked, [f[0] if f else None for f in found],
            trigger_words=[f[1] if f else None for f in found], models=models, rule=rule)

    # -- sentence penta class: `eval --format cameo-quad` -----------------------------------
    def sentence_pentas(self, texts: Sequence[str], *, models: Any = None) -> list[int]:
        """Penta class (0-4) of each sentence as the coder reads it: the quad model's most
        probable class (the sentence-level reading that ``code`` also uses for the type
        rule's prior and the statement code). The class of the most confident event's CAMEO
        code scored 0.77 against the quad model's 0.89 in grouped CV (MODEL_CARD.md): one
        trigger's type is a poor proxy for the whole sentence. ``models`` overrides
        :attr:`models` (cross-validation); without a quad model, 0."""
        n = len(texts)
        if not n:
            return []
        models = self.models if models is None else models
        Q = self.penta_proba(list(texts), models)
        if Q is None:
            return [0] * n
        return [int(v) for v in Q.argmax(axis=1)]
