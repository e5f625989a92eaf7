"""Building one Event from a decided candidate: factuality, date, place, quantities, contexts
and the ontology's mode, quad class, intensity, CAMEO, Goldstein and ACLED fields (a mixin of
:class:`.pipeline.Coder`)."""

from __future__ import annotations

import re
from datetime import date as _date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..types import Document, Event, Place, event_id_for
from .dates import resolve_date
from .language import Folded
from .quantities import QuantityMention
from .roles import Trigger, factuality
from .units import _Mention, _Unit

HISTORICAL_DAYS = 365


@lru_cache(maxsize=1)
def load_context_cues() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """PLOVER context cue words (``data/contexts.yaml``) compiled to one regex per context."""
    path = resources.files("powderkeg.coder").joinpath("data/contexts.yaml")
    spec: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        (ctx, re.compile(r"\b(?:" + "|".join(cues) + r")\b", re.I)) for ctx, cues in spec.items()
    )


@lru_cache(maxsize=1)
def _any_context_cue() -> re.Pattern[str]:
    """One regex for all cue words: a sentence it does not match has no context."""
    return re.compile("|".join(f"(?:{rx.pattern})" for _, rx in load_context_cues()), re.I)



class EventBuilder:
    """Event fields from a candidate (``self.ontology``, ``self.gazetteer``,
    ``self.annotator``, ``self.context_cues``)."""

    ontology: Any
    gazetteer: Any
    annotator: Any
    context_cues: Any

    def _make_event(
        self,
        doc: Document,
        unit: _Unit,
        trig: Trigger,
        actors: list[_Mention],
        targets: list[_Mention],
        qmentions: list[QuantityMention],
        p_type: float,
        from_parse: bool,
        shared: dict[Any, Any],
    ) -> Event:
        sentence = unit.text
        fact = factuality(trig, self.annotator)
        date_key = ("date", fact == "future")
        dm = shared.get(date_key)
        if dm is None:
            dm = shared[date_key] = resolve_date(
                sentence, doc.date, future=fact == "future", doc_precision=doc.date_precision
            )
        if fact == "asserted" and dm.relative == "future":
            fact = "future"
        if fact == "asserted" and dm.date and doc.date and dm.relative == "past":
            try:
                gap = (_date.fromisoformat(doc.date[:10]) - _date.fromisoformat(dm.date)).days
            except ValueError:
                gap = 0
            if gap > HISTORICAL_DAYS:
                fact = "historical"
        mode = trig.mode
        quantities = [q.quantity for q in qmentions]
        if trig.type == "MOBILIZE" and any(q.unit in ("troops",) for q in quantities):
            mode = "troops"
        mode = self._valid_mode(trig.type, mode)
        location = self._location(sentence, trig, actors + targets, shared, len(targets))
        onto = self.ontology
        if "contexts" not in shared:
            shared["contexts"] = (
                [c for c, rx in self.context_cues if c in onto.contexts and rx.search(sentence)]
                if _any_context_cue().search(sentence)
                else []
            )
        contexts = list(shared["contexts"])
        quad = onto.quad(trig.type, mode)
        intensity = onto.intensity(trig.type, mode)
        cameo = onto.plover_to_cameo(trig.type, mode)
        goldstein = onto.goldstein(cameo) if cameo else None
        acled = onto.plover_to_acled(trig.type, mode, tuple(contexts))
        confidence = 0.55 if trig.source != "model" else 0.4
        if from_parse:
            confidence += 0.15
        if actors and targets:
            confidence += 0.1
        confidence += 0.2 * p_type  # the type model's probability of the decided type
        start, end = unit.start, unit.end
        return Event(
            id=event_id_for(doc.doc_id, start, end, trig.type),
            span=(start, end),
            sentence=doc.text[start:end],
            type=trig.type,
            mode=mode,
            context=contexts,
            actor=[m.actor for m in actors],
            target=[m.actor for m in targets],
            location=location,
            date=dm.date,
            date_precision=dm.precision,
            factuality=fact,
            quantities=quantities,
            quad=quad,
            intensity=intensity,
            cameo=cameo,
            goldstein=goldstein,
            acled_type=acled[0] if acled else None,
            acled_sub_type=acled[1] if acled else None,
            confidence=min(confidence, 0.99),
        )

    def _valid_mode(self, type_: str, mode: str | None) -> str | None:
        if mode is None:
            return None
        try:
            return mode if mode in self.ontology.modes(type_) else None
        except (KeyError, ValueError):
            return None

    def _location(
        self, sentence: str, trig: Trigger, people: list[_Mention], shared: dict[Any, Any],
        n_targets: int = 0,
    ) -> Place | None:
        countries = tuple(dict.fromkeys(m.actor.code.split("-")[0] for m in people))
        key = ("places", countries)
        found = shared.get(key)
        if found is None:
            found = self.gazetteer.find(sentence, context_countries=countries)
            shared[key] = found
        from ..geo.sense import event_place

        n_actors = len(people) - n_targets
        return event_place(found, [(m.start, m.end) for m in people[:n_actors]],
                           [(m.start, m.end) for m in people[n_actors:]],
                           _subtree_spans(trig.verb) + _subtree_spans(trig.token), sentence,
                           target_first=trig.type in ("ASSAULT", "AID"))

    def _doc_places(self, folds: list[Folded | None]) -> list[list[Place]]:
        """Places named anywhere in each document (none for a document not coded)."""
        out: list[list[Place]] = []
        for folded in folds:
            places: list[Place] = []
            if folded is not None:  # first mention order, each place once (Place is hashable)
                places = list(dict.fromkeys(p.place for p in self.gazetteer.find(folded.text)))
            out.append(places)
        return out



def _subtree_spans(tok: Any) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``tok``'s subtree (offsets in the parsed text)."""
    return [(t.idx, t.idx + len(t)) for t in tok.subtree]

