"""The values the coder's steps pass along: mentions, sentences (units), per-sentence results,
candidate events and decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..types import Actor, Event, Quantity
from .roles import Trigger


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
    #: the event gate's probability that this candidate is an event (None: no gate)
    gate_p: float | None = None


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


@dataclass
class SentenceState:
    """One sentence on its way through the steps after ``mentions``."""

    k: int  # index of the unit in the batch
    text: str  # the text that is parsed (re-cased for an all-capital headline)
    mentions: list[_Mention]
    qms: list[Any]  # QuantityMention
    probs: dict[str, float] | None = None  # the unmarked type model's probabilities
    sdoc: Any = None  # the parse
    triggers: list[Trigger] = field(default_factory=list)
    cands: list[_Candidate] = field(default_factory=list)
    decisions: list[TypeDecision] = field(default_factory=list)


@dataclass
class Batch:
    """What the steps read and fill for a run of sentences of one or more documents."""

    docs: list[Any]  # Document
    units: Any  # Sequence[_Unit]
    folds: list[Any]  # Folded | None
    results: list[_Result]
    sentences: list[SentenceState] = field(default_factory=list)
    #: per-sentence penta probabilities, computed once (type rule prior, statements)
    quad_cache: dict[str, Any] = field(default_factory=dict)
