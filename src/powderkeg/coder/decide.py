"""Type and ACLED decisions of candidate events (a mixin of :class:`.pipeline.Coder`): the
shipped type rule over the lexicon trigger and the type model, the quad model's penta
probabilities, the statement code, and the case/ACLED classifier. ``code`` and the
evaluation adapters (:mod:`.adapters`) both go through these methods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..types import Event
from .models.decision import TypeRule, acled_column, apply_quad_prior
from .units import AcledDecision, TypeDecision

#: its score reaches this (a sentence unlike the CASE 2021 snippets it was trained on scores
#: low on every class). On the CASE snippets the coder makes an ACLED-coded event for (261, 5-fold
#: out-of-fold scores), event_type accuracy is 0.732 without it, 0.728 with it, 0.406 for the map.
ACLED_MIN_SCORE = -0.6
#: CAMEO code of a verbal event (PLOVER quad verbal cooperation or verbal conflict) in a sentence
#: the quad model reads as neutral (its most probable penta class is 0: statements, calls): CAMEO
#: "010" (make statement), Goldstein 0. The PLOVER type, mode and quad stay; PLOVER has no
#: statement type. ``eval --format cameo-quad`` reads a sentence by its events' CAMEO codes.
STATEMENT_CAMEO = "010"


class TypeDecisions:
    """Decisions of the coder that need its models and ontology (``self.models``,
    ``self.ontology``)."""

    models: Any
    ontology: Any

    def _statements(self, sentences: list[tuple[str, list[Event]]],
                    cache: dict[str, Any] | None = None) -> None:
        """Verbal events of sentences the quad model reads as neutral statements get the
        CAMEO statement code (:data:`STATEMENT_CAMEO`); one quad call per such sentence."""
        verbal = ("verbal_cooperation", "verbal_conflict")
        todo = [(t, evs) for t, evs in sentences if any(ev.quad in verbal for ev in evs)]
        if not todo:
            return
        Q = self.penta_proba([t for t, _ in todo], cache=cache)
        if Q is None:
            return
        goldstein = self.ontology.goldstein(STATEMENT_CAMEO)
        for (_t, evs), row in zip(todo, Q, strict=True):
            if int(np.argmax(row)) == 0:
                for ev in evs:
                    if ev.quad in verbal:
                        ev.cameo, ev.goldstein = STATEMENT_CAMEO, goldstein


    # -- the type decision: `code` and `eval --format plv` both go through it --------------
    @property
    def type_rule(self) -> TypeRule:
        """The shipped rule (``models.json`` ``type_rule``); lexicon-first without models."""
        return TypeRule.from_meta(getattr(self.models, "meta", None))

    def decide_types(
        self,
        texts: Sequence[str],
        marked: Sequence[str | None],
        lexicon_types: Sequence[str | None],
        *,
        trigger_words: Sequence[str | None] | None = None,
        pairs: Sequence[bool] | None = None,
        prior_p: Sequence[dict[str, float] | None] | None = None,
        models: Any = None,
        rule: TypeRule | None = None,
        quad_cache: dict[str, Any] | None = None,
    ) -> list[TypeDecision]:
        """The PLOVER type of each candidate event, batched: the lexicon trigger's type
        (``None`` where no lexicon trigger) combined by ``rule`` (default :attr:`type_rule`)
        with the type model's probabilities for the sentence with ``<s>…</s>``/``<t>…</t>``
        around the actor and target (``marked``). Where ``pairs`` is False (an event with an
        actor or a target but not both: the model was trained and scored on pairs) the
        lexicon's type stands and the model only types a trigger the lexicon did not give; so
        it does where the trigger word (``trigger_words``) is not in the model's training
        text. ``models`` overrides :attr:`models` (cross-validation with a fold's model)."""
        models = self.models if models is None else models
        n = len(texts)
        if models is None or not n:  # lexicon alone (no type for a pair without a trigger)
            return [TypeDecision(t, self._plv(t) if t else None, 0.0, "lexicon")
                    for t in lexicon_types]
        known = None if trigger_words is None else models.type_knows(list(trigger_words))
        # a lexicon type the rule cannot change (not a pair, or a word the model does not
        # know) needs no model call: same decision, its ``p`` from ``prior_p`` (else 0)
        fixed = [
            t is not None and ((pairs is not None and not pairs[i])
                               or (known is not None and not known[i]))
            for i, t in enumerate(lexicon_types)
        ]
        out: list[TypeDecision | None] = [None] * n
        ask = [i for i in range(n) if not fixed[i]]
        if ask:
            labels, P = models.type_proba([texts[i] for i in ask], [marked[i] for i in ask])
            rule = self.type_rule if rule is None else rule
            Q = (self.penta_proba([texts[i] for i in ask], models, cache=quad_cache)
                 if rule.quad_prior > 0 else None)
            got = self.decisions_from_proba(labels, P, [lexicon_types[i] for i in ask], rule,
                                            quad=Q)
            for i, dec in zip(ask, got, strict=True):
                out[i] = dec
        for i in range(n):
            if fixed[i]:
                t = str(lexicon_types[i])
                label = self._plv(t)
                prior = prior_p[i] if prior_p is not None else None
                out[i] = TypeDecision(t, label, float((prior or {}).get(label, 0.0)), "lexicon")
        return [d for d in out if d is not None]

    def decisions_from_proba(
        self,
        labels: Sequence[str],
        P: Any,
        lexicon_types: Sequence[str | None],
        rule: TypeRule | None = None,
        *,
        pairs: Sequence[bool] | None = None,
        known: Sequence[bool] | None = None,
        quad: Any = None,
    ) -> list[TypeDecision]:
        """:meth:`decide_types` for probabilities already computed (``P`` rows per candidate;
        ``known``: whether the model knows each trigger word, default yes; ``quad``: the quad
        model's penta probabilities per row (:meth:`penta_proba`) for the rule's
        ``quad_prior``, none if None)."""
        rule = self.type_rule if rule is None else rule
        lexicon_first = TypeRule(float("inf"), 0.0)
        labels = [str(lab) for lab in labels]
        P = apply_quad_prior(P, [self.ontology.penta(lab) for lab in labels], quad,
                             rule.quad_prior)
        out = []
        for i, (lex_type, row) in enumerate(zip(lexicon_types, P, strict=True)):
            lex_label = self._plv(lex_type) if lex_type else None
            use = rule if pairs is None or pairs[i] else lexicon_first
            j = use.choose(lex_label, labels, row, True if known is None else bool(known[i]))
            label = labels[j]
            if lex_type is not None and label == lex_label:
                out.append(TypeDecision(lex_type, label, float(row[j]), "lexicon"))
            else:
                out.append(TypeDecision(self._from_model_label(label) or label, label,
                                        float(row[j]), "model"))
        return out

    def penta_proba(self, texts: Sequence[str], models: Any = None,
                    cache: dict[str, Any] | None = None) -> Any:
        """The quad model's probabilities of the penta classes 0-4 (columns in that order) for
        each text, one model call per distinct text not in ``cache`` (text -> row; filled);
        ``None`` without a quad model."""
        models = self.models if models is None else models
        if models is None or getattr(models, "quad_model", True) is None:
            return None
        cache = {} if cache is None else cache
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            labels, P = models.quad_proba(new)
            Q = np.zeros((len(new), 5))
            for j, lab in enumerate(labels):
                Q[:, int(lab)] = P[:, j]
            cache.update(zip(new, Q, strict=True))
        return np.array([cache[t] for t in texts]).reshape(len(texts), 5)

    def _plv(self, type_: str) -> str:
        try:
            return str(self.ontology.plv_label(type_))
        except (KeyError, ValueError):
            return type_

    # -- ACLED type: `code` and `eval --format acled/case2021` both go through it ----------
    def acled_decisions(
        self,
        texts: Sequence[str],
        plover_types: Sequence[str | None] | None = None,
        *,
        models: Any = None,
    ) -> list[AcledDecision]:
        """The case/ACLED classifier on each sentence, batched (one score row per distinct
        sentence): the best CASE 2021 label, and the best of the 25 ACLED sub-types, as
        ``eval --format case2021/acled`` score them. Where the event's PLOVER type is given,
        that ACLED answer is kept only if it agrees with the type (:meth:`acled_family`), else
        it is ``None`` (the coder then keeps the ontology map's pair). ``models`` overrides
        :attr:`models` (cross-validation)."""
        models = self.models if models is None else models
        n = len(texts)
        if models is None or not n:
            return [AcledDecision(None, None, None)] * n
        distinct = list(dict.fromkeys(texts))
        row_of = {t: i for i, t in enumerate(distinct)}
        classes, scores = models.case_scores(distinct)
        classes = [str(c) for c in classes]
        c2a = models.case_to_acled
        acled_cols = [j for j, c in enumerate(classes) if c in c2a]
        temperature = float(getattr(getattr(models, "case_model", None), "temperature_", 1.0))
        out = []
        for i, text in enumerate(texts):
            row = scores[row_of[text]]
            case_label = classes[int(row.argmax())]
            if not acled_cols:
                out.append(AcledDecision(case_label, None, None))
                continue
            # the event type with the most probability over its sub-types, then its best one
            j = acled_column(classes, row, c2a, temperature)
            et, st = c2a[classes[j]]
            t = plover_types[i] if plover_types is not None else None
            if t is not None and (
                (et, st) not in self.acled_family(t) or row[j] < ACLED_MIN_SCORE
            ):
                et = st = None
            out.append(AcledDecision(case_label, et, st))
        return out

    def acled_family(self, type_: str) -> frozenset[tuple[str, str]]:
        """ACLED (event_type, sub_event_type) pairs that agree with a PLOVER type: those the
        ontology reads as that type (``acled.yaml`` ``plover:``) and those its
        ``plover_to_acled`` rules give for the type under any mode and ACLED-relevant context."""
        cache = self.__dict__.setdefault("_acled_families", {})
        fam = cache.get(type_)
        if fam is None:
            onto = self.ontology
            pairs: set[tuple[str, str]] = set()
            for et in onto.acled_event_types:
                for st in onto.acled_sub_types(et):
                    if onto.acled_to_plover(et, st)[0] == type_:
                        pairs.add((et, st))
            try:
                modes = [None, *onto.modes(type_)]
            except (KeyError, ValueError):
                modes = [None]
            for mode in modes:
                for ctx in ((), ("military",), ("territory",), ("peacekeeping",),
                            ("repression",), ("terrorism",)):
                    try:
                        got = onto.plover_to_acled(type_, mode, ctx)
                    except (KeyError, ValueError):
                        continue
                    if got:
                        pairs.add((got[0], got[1]))
            fam = cache[type_] = frozenset(pairs)
        return fam

    def _acled_from_models(self, events: list[Event]) -> None:
        """ACLED fields of events ACLED codes (the ontology map gave a pair) from the
        classifier where its answer agrees with the event's PLOVER type; the map's pair stays
        where it does not (or where there is no model)."""
        # a type with one agreeing pair (AGREE: Agreement) is the map's pair whatever the model
        todo = [ev for ev in events
                if ev.acled_type is not None and len(self.acled_family(ev.type)) > 1]
        if not todo or self.models is None:
            return
        for ev, dec in zip(todo, self.acled_decisions([ev.sentence for ev in todo],
                                                       [ev.type for ev in todo]), strict=True):
            if dec.event_type is not None:
                ev.acled_type, ev.acled_sub_type = dec.event_type, dec.sub_event_type

    def _from_model_label(self, label: str) -> str | None:
        if label == "YIELD":
            return "CONCEDE"
        try:
            return str(self.ontology.normalize_type(label))
        except (KeyError, ValueError):
            return None
