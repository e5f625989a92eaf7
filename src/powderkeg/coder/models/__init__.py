"""Trained classifiers of the event coder: cheap sparse linear models over word/char n-grams,
the structure of a marked source/target pair, and CAMEO verb-dictionary matches.

``load_models()`` loads the shipped files (``data/``; numpy ``.npz`` + JSON, no pickle) once and
returns a :class:`Models` with batch APIs (list in, arrays out):

- ``type_proba(sentences, marked=None)`` / ``predict_type``: PLOVER type (15 labels, CONCEDE and
  RETREAT merged as YIELD) of the event between the marked source ``<s>…</s>`` and target
  ``<t>…</t>`` (plain sentences work too, less accurately);
- ``predict_quad(sentences)``: 5-way "penta" class (0 neutral, 1 verbal cooperation, 2 material
  cooperation, 3 verbal conflict, 4 material conflict);
- ``predict_case(snippets)``: CASE 2021 label (ACLED-style sub-type or one of five others);
- ``predict_acled(notes)``: ACLED ``event_type`` and ``sub_event_type``;
- ``is_event(sentences)``: a cheap pre-filter (CAMEO verb or event-noun cue present).

The models are rebuilt from ``../shared/data`` by ``tools/train_models.py``; see MODEL_CARD.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from powderkeg.coder.models.lexicon import CameoLexicon, tokens_upper
from powderkeg.coder.models.linear import (
    DATA_DIR,
    LEXICON_FILE,
    LinearTextClassifier,
    load_lexicon,
)
from powderkeg.coder.models.text import first_actor_cue
from powderkeg.errors import PowderkegError

__all__ = [
    "CaseClassifier",
    "DATA_DIR",
    "PENTA_NAMES",
    "TYPE_LABELS",
    "LinearTextClassifier",
    "Models",
    "load_models",
    "make_acled_model",
    "make_case_model",
    "make_quad_model",
    "make_type_model",
]

TYPE_LABELS = (
    "ACCUSE", "AGREE", "AID", "ASSAULT", "COERCE", "CONSULT", "COOPERATE", "MOBILIZE",
    "PROTEST", "REJECT", "REQUEST", "SANCTION", "SUPPORT", "THREATEN", "YIELD",
)
PENTA_NAMES = {
    0: "neutral",
    1: "verbal_cooperation",
    2: "material_cooperation",
    3: "verbal_conflict",
    4: "material_conflict",
}
META_FILE = "models.json"

# -- model specifications (shared by tools/train_models.py and evaluate.cross_validate) -------


def make_type_model(lexicon_path: str | None = None) -> LinearTextClassifier:
    """PLOVER type of a marked pair: placeholder word n-grams, pair structure, mid-span chars,
    the words around the pair with its head verb, and the actors' own words."""
    return LinearTextClassifier(
        blocks=(("words12", 1.0, 1), ("pair", 1.0, 1), ("mid_chars", 0.5, 1), ("around", 0.5, 1),
                ("actors", 0.3, 1)),
        C=1.0, loss="svm", lexicon_path=lexicon_path,
    )


def make_quad_model(lexicon_path: str | None = None) -> LinearTextClassifier:
    """Penta class of a sentence: word n-grams, char n-grams, lexicon hits, stemmed
    content-word n-grams (+0.2 points in grouped CV, seeds 0 and 1)."""
    return LinearTextClassifier(
        blocks=(("words12", 1.0, 1), ("chars35", 1.0, 2), ("lexicon", 0.5, 1),
                ("stems12", 0.7, 1)),
        C=1.0, loss="svm", lexicon_path=lexicon_path,
    )


GOV_TERRITORY = "GOV_REGAINS_TERIT"
NSA_TERRITORY = "NON_STATE_ACTOR_OVERTAKES_TER"


class CaseClassifier(LinearTextClassifier):
    """The CASE/ACLED classifier plus ACLED's actor rule for territory: who takes the ground
    decides between *Government regains territory* and *Non-state actor overtakes territory*.
    Bag-of-words features see "recaptured the town" in both; the first actor cue of the text
    (``first:NSA_ACTOR`` or ``first:GOV_ACTOR``/``first:POLICE`` from data/event_cues.txt,
    usually the subject) does not. Where that cue disagrees with the order of the two territory
    scores, the two scores are swapped; nothing else changes."""

    def decision_function(self, X: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        d = super().decision_function(X, extra)
        classes = list(self.classes_)
        if GOV_TERRITORY not in classes or NSA_TERRITORY not in classes:
            return d
        g, n = classes.index(GOV_TERRITORY), classes.index(NSA_TERRITORY)
        for i, x in enumerate(X):
            actor = first_actor_cue(x)
            if (actor == "NSA_ACTOR" and d[i, g] > d[i, n]) or (
                actor in ("GOV_ACTOR", "POLICE") and d[i, n] > d[i, g]
            ):
                d[i, g], d[i, n] = d[i, n], d[i, g]
        return d


def make_case_model(lexicon_path: str | None = None) -> CaseClassifier:
    """CASE 2021 / ACLED sub-type of a snippet: n-grams, lexicon hits and event-cue groups
    (data/event_cues.txt); balanced class weights (many small classes); the territory actor
    rule of :class:`CaseClassifier`. C = 0.25 (was 0.5): +1.2 points of macro-F1 in grouped
    CV (seeds 0, 1; C 0.1-1 tried, see MODEL_CARD.md)."""
    return CaseClassifier(
        blocks=(("words12", 1.0, 1), ("chars35", 1.0, 2), ("lexicon", 0.5, 1), ("cues", 0.5, 1)),
        C=0.25, loss="svm", class_weight="balanced", lexicon_path=lexicon_path,
    )


def make_acled_model(lexicon_path: str | None = None) -> LinearTextClassifier:
    """ACLED sub_event_type from notes (trained by ``cross_validate('acled', ...)``)."""
    return make_case_model(lexicon_path)


# -- the loaded bundle ------------------------------------------------------------------------

_EVENT_NOUNS_FILE = "event_nouns.txt"


class Models:
    """The shipped classifiers and label maps. Use :func:`load_models`."""

    def __init__(self, data_dir: Path) -> None:
        data_dir = Path(data_dir)
        meta_path = data_dir / META_FILE
        if not meta_path.is_file():
            raise PowderkegError(
                f"{meta_path}: model files are missing; rebuild them with tools/train_models.py"
            )
        self.meta: dict = json.loads(meta_path.read_text(encoding="utf-8"))
        digest = hashlib.sha256()
        for name in ("type", "quad", "case"):
            for suffix in (".json", ".npz"):
                digest.update((data_dir / (name + suffix)).read_bytes())
        if "type_rule" in self.meta:  # the coder's type decision changes with it too
            digest.update(json.dumps(self.meta["type_rule"], sort_keys=True).encode())
        #: short content hash of the model files (goes into the coder version string)
        self.version: str = digest.hexdigest()[:8]
        lex = str(data_dir / LEXICON_FILE)
        self.lexicon: CameoLexicon = load_lexicon(lex)
        self.type_model = LinearTextClassifier.load(data_dir / "type", lex)
        self.quad_model = LinearTextClassifier.load(data_dir / "quad", lex)
        self.case_model = CaseClassifier.load(data_dir / "case", lex)
        self.case_to_acled: dict[str, list[str]] = self.meta["case_to_acled"]
        lines = (data_dir / _EVENT_NOUNS_FILE).read_text(encoding="utf-8").splitlines()
        self.event_nouns = frozenset(
            w.upper() for line in lines for w in line.split("#", 1)[0].split()
        )
        self._event_codes_excluded = tuple(self.meta.get("is_event_excluded_roots", ["01"]))
        classes = list(self.case_model.classes_)
        self._acled_cols = np.array([i for i, c in enumerate(classes) if c in self.case_to_acled])

    # -- PLOVER type ------------------------------------------------------------------------
    def type_proba(
        self, sentences: Sequence[str], marked: Sequence[str | None] | None = None
    ) -> tuple[list[str], np.ndarray]:
        """(labels, probabilities [n, len(labels)]) of the PLOVER type per sentence/pair."""
        docs = _docs(sentences, marked)
        if not docs:
            return list(self.type_model.classes_), np.zeros((0, len(self.type_model.classes_)))
        return list(self.type_model.classes_), self.type_model.predict_proba(docs)

    def type_knows(self, words: Sequence[str | None]) -> list[bool]:
        """Whether each word (lower-cased) is a word feature of the type model, i.e. it was in
        its training text; the coder's type rule lets the model overrule a lexicon trigger
        only on a word it knows."""
        vocab = next((b.vocab for b in self.type_model.blocks_ if b.analyzer == "words12"), {})
        return [bool(w) and w.lower() in vocab for w in words]

    def predict_type(
        self, sentences: Sequence[str], marked: Sequence[str | None] | None = None
    ) -> np.ndarray:
        labels, p = self.type_proba(sentences, marked)
        return np.asarray(labels, dtype=object)[p.argmax(axis=1)] if len(p) else np.empty(0, object)

    # -- penta ------------------------------------------------------------------------------
    def quad_proba(self, sentences: Sequence[str]) -> tuple[list[int], np.ndarray]:
        docs = [_plain(s) for s in sentences]
        labels = [int(c) for c in self.quad_model.classes_]
        if not docs:
            return labels, np.zeros((0, len(labels)))
        extra = None
        if self.quad_model.n_extra_:
            extra = self.type_model.predict_proba(docs)
        return labels, self.quad_model.predict_proba(docs, extra)

    def predict_quad(self, sentences: Sequence[str]) -> np.ndarray:
        """Penta labels 0-4 (see :data:`PENTA_NAMES`) as an int array."""
        labels, p = self.quad_proba(sentences)
        if not len(p):
            return np.empty(0, dtype=np.int64)
        return np.asarray(labels, dtype=np.int64)[p.argmax(axis=1)]

    # -- CASE / ACLED -----------------------------------------------------------------------
    def predict_case(self, snippets: Sequence[str]) -> np.ndarray:
        """CASE 2021 labels (25 ACLED sub-types plus OTHER-like classes) as a str array."""
        if not len(snippets):
            return np.empty(0, dtype=object)
        return self.case_model.predict([_plain(s) for s in snippets])

    def case_scores(self, snippets: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(CASE labels, decision scores [n, labels]) of the case/ACLED classifier, with the
        territory rule applied; ``Coder.acled_decisions`` picks from these."""
        classes = [str(c) for c in self.case_model.classes_]
        if not len(snippets):
            return classes, np.zeros((0, len(classes)))
        return classes, self.case_model.decision_function([_plain(s) for s in snippets])

    def predict_acled(self, notes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(event_type, sub_event_type) arrays; only ACLED's own sub-types are predicted."""
        if not len(notes):
            return np.empty(0, dtype=object), np.empty(0, dtype=object)
        d = self.case_model.decision_function([_plain(s) for s in notes])
        cols = self._acled_cols
        best = self.case_model.classes_[cols[d[:, cols].argmax(axis=1)]]
        et = np.array([self.case_to_acled[b][0] for b in best], dtype=object)
        st = np.array([self.case_to_acled[b][1] for b in best], dtype=object)
        return et, st

    # -- pre-filter ---------------------------------------------------------------------------
    def is_event(self, sentences: Sequence[str]) -> np.ndarray:
        """True where a sentence may hold an event: a CAMEO verb (not a bare statement verb)
        or an event noun. Cheap (no model); recall is reported in MODEL_CARD.md."""
        out = np.zeros(len(sentences), dtype=bool)
        excluded = self._event_codes_excluded
        for i, s in enumerate(sentences):
            toks = tokens_upper(_plain(s))
            if any(t in self.event_nouns for t in toks):
                out[i] = True
                continue
            out[i] = any(not m.code.startswith(excluded) for m in self.lexicon.match(toks))
        return out


_TAGS = re.compile(r"</?[st]>")


def _plain(s: str) -> str:
    return _TAGS.sub("", s)


def _docs(sentences: Sequence[str], marked: Sequence[str | None] | None) -> list[str]:
    if marked is None:
        return list(sentences)
    if len(marked) != len(sentences):
        raise ValueError("marked must have one entry per sentence")
    return [m if m else s for s, m in zip(sentences, marked, strict=True)]


@lru_cache(maxsize=2)
def load_models(data_dir: str | None = None) -> Models:
    """The shipped models (or those in ``data_dir``), loaded once."""
    return Models(Path(data_dir) if data_dir else DATA_DIR)
