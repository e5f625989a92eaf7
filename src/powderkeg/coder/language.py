"""Language and script checks for the coder, and text folding for matching. No dependencies.

**Language detection** (:func:`detect_language`). The coder's lexicons, actor names and parser
are English; text in another language would yield noise, so it is skipped with a reason.

1. *Script*: letters are counted per script (Latin, Cyrillic, Greek, Arabic, Hebrew, Han, kana,
   Hangul, Georgian, Armenian, Indic, Thai). When one non-Latin script holds
   :data:`DOC_SCRIPT_SHARE` of a document's letters (half of a sentence's), the text is not
   English; a few letters tell Ukrainian, Serbian, Macedonian and Russian apart, and kana
   Japanese from Chinese.
2. *Function words* (Latin script): the words that are frequent function words of English
   and of 13 other European languages (``data/stopwords.yaml``) are counted. The text is
   English unless another language's function words outnumber the English ones more than two
   to one (and are at least 2; for a single sentence, at least 3 of 6+ words). A document that
   mixes English with another language evenly is coded sentence by sentence.
   Text without any function words (names, tables, headlines too short to tell) counts as
   English: the later steps decide whether it holds events.

A document is checked on up to three slices of :data:`SAMPLE_CHARS` characters (start, middle,
end), so the check costs the same for any length. Sentences of an English document are checked
again (:func:`sentence_language`) with stricter thresholds, so a quoted Russian or German
sentence is skipped while a sentence full of foreign names is kept.

**Folding** (:func:`fold_for_matching`). Text is matched against names and lexicons after
invisible format characters (zero-width space and joiners, soft hyphen, BOM, bidi marks) are
removed, fullwidth and ligature forms are replaced by their compatibility form (NFKC), and
Cyrillic or Greek look-alike letters inside Latin words ("Ѕerbia" with a Cyrillic Ѕ) are read as
the Latin letters (``data/confusables.yaml``). The folded text keeps a map back to the original
offsets, so events still point into the contract text.

**Case** (:func:`is_all_caps`, :func:`recase`). All-capital headlines parse badly; the parser
sees a lower-cased copy (same length) with names kept capitalised.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

SAMPLE_CHARS = 4000
# Share of letters in one non-Latin script from which a whole document is skipped; below it, a
# mixed document (an English report quoting Russian) is coded sentence by sentence.
DOC_SCRIPT_SHARE = 0.8
# Minimum words before a Latin-script text is judged by its function words.
MIN_WORDS = 4

_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("Latin", "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"),
    ("Cyrillic", "\u0400-\u052f"),
    ("Greek", "\u0370-\u03ff\u1f00-\u1fff"),
    ("Arabic", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"),
    ("Hebrew", "\u0590-\u05ff"),
    ("Han", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"),
    ("Kana", "\u3040-\u30ff"),
    ("Hangul", "\u1100-\u11ff\uac00-\ud7af"),
    ("Georgian", "\u10a0-\u10ff"),
    ("Armenian", "\u0530-\u058f"),
    ("Indic", "\u0900-\u0dff"),
    ("Thai", "\u0e00-\u0e7f"),
)
_SCRIPT_RX = {name: re.compile(f"[{chars}]") for name, chars in _SCRIPTS}
_NON_LATIN = re.compile("[" + "".join(chars for name, chars in _SCRIPTS if name != "Latin") + "]")
_WORD = re.compile(r"[^\W\d_]+")

_CYRILLIC_MARKERS = (
    ("Ukrainian", re.compile("[іїєґІЇЄҐ]")),
    ("Serbian", re.compile("[ђћџљњЂЋЏЉЊ]")),
    ("Macedonian", re.compile("[ѓќѕЃЌЅ]")),
    ("Russian", re.compile("[ыэъЫЭЪё]")),
)


@dataclass(frozen=True)
class LanguageGuess:
    """The outcome of a language check: ``english`` and a short ``detail`` for reasons."""

    english: bool
    language: str  # "English", "German", "Russian", ...; "undetermined" when too short
    detail: str

    @property
    def reason(self) -> str:
        """The problem text for a skipped passage: ``not English (…)``."""
        return f"not English ({self.detail})"


@dataclass(frozen=True)
class _Stopwords:
    names: dict[str, str]
    words: dict[str, frozenset[str]]
    langs_of: dict[str, tuple[str, ...]]  # word -> languages listing it


@lru_cache(maxsize=1)
def load_stopwords() -> _Stopwords:
    path = resources.files("powderkeg.coder").joinpath("data/stopwords.yaml")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    words = {
        code: frozenset(str(w).lower() for w in v["words"] if code == "en" or len(str(w)) > 1)
        for code, v in spec.items()
    }
    langs_of: dict[str, list[str]] = {}
    for code, vocab in words.items():
        for w in vocab:
            langs_of.setdefault(w, []).append(code)
    return _Stopwords(
        names={code: str(v["name"]) for code, v in spec.items()},
        words=words,
        langs_of={w: tuple(c) for w, c in langs_of.items()},
    )


def _sample(text: str) -> str:
    if len(text) <= 3 * SAMPLE_CHARS:
        return text
    mid = len(text) // 2 - SAMPLE_CHARS // 2
    return " ".join(
        (text[:SAMPLE_CHARS], text[mid : mid + SAMPLE_CHARS], text[-SAMPLE_CHARS:])
    )


def script_counts(text: str) -> dict[str, int]:
    """Letters per script (only scripts present)."""
    out: dict[str, int] = {}
    for name, rx in _SCRIPT_RX.items():
        n = len(rx.findall(text))
        if n:
            out[name] = n
    return out


_SCRIPT_NAMES = {
    "Greek": "Greek", "Hebrew": "Hebrew", "Thai": "Thai", "Hangul": "Korean", "Kana": "Japanese",
    "Georgian": "Georgian", "Armenian": "Armenian",
}  # fmt: skip


def _script_language(script: str, text: str) -> str:
    if script == "Cyrillic":
        for name, rx in _CYRILLIC_MARKERS:
            if rx.search(text):
                return name
        return "Cyrillic script"
    if script == "Han":
        return "Japanese" if _SCRIPT_RX["Kana"].search(text) else "Chinese"
    return _SCRIPT_NAMES.get(script, f"{script} script")


def _by_script(text: str, share_needed: float) -> LanguageGuess | None:
    """A guess when letters of one non-Latin script make up ``share_needed`` of the letters
    or more, else None."""
    if not _NON_LATIN.search(text):
        return None
    counts = script_counts(text)
    latin = counts.pop("Latin", 0)
    if not counts:
        return None
    script, n = max(counts.items(), key=lambda kv: kv[1])
    if script == "Kana" and "Han" in counts:
        n += counts["Han"]
    share = n / (n + latin)
    if share < share_needed or n <= latin:
        return None
    lang = _script_language(script, text)
    label = lang if lang.endswith("script") else f"{lang}, {script} script"
    return LanguageGuess(False, lang, f"{label}: {share:.0%} of letters")


def _function_words(words: list[str]) -> tuple[int, str, int]:
    """(English hits, best other language code, its hits)."""
    sw = load_stopwords()
    hits = dict.fromkeys(sw.words, 0)
    langs_of = sw.langs_of
    for w in words:
        for code in langs_of.get(w, ()):
            hits[code] += 1
    en = hits.pop("en", 0)
    if not hits:
        return en, "", 0
    best = max(hits, key=lambda c: (hits[c], c == "de"))
    return en, best, hits[best]


def detect_language(text: str) -> LanguageGuess:
    """Is ``text`` English? See the module docstring for the method."""
    sample = _sample(text)
    guess = _by_script(sample, DOC_SCRIPT_SHARE)
    if guess is not None:
        return guess
    words = _WORD.findall(sample.lower())
    if len(words) < MIN_WORDS:
        return LanguageGuess(True, "undetermined", "too short to tell")
    foreign = _foreign_by_words(words, min_other=2)
    if foreign is not None:
        return foreign
    en = _function_words(words)[0]
    return LanguageGuess(True, "English", f"{en} of {len(words)} words are English function words")


def sentence_language(sentence: str) -> LanguageGuess | None:
    """A :class:`LanguageGuess` when a sentence of an English document is clearly in another
    language (stricter than :func:`detect_language`), else None."""
    guess = _by_script(sentence, 0.5)
    if guess is not None:
        return guess
    words = _WORD.findall(sentence.lower())
    if len(words) < 6:
        return None
    return _foreign_by_words(words, min_other=3)


def _foreign_by_words(words: list[str], *, min_other: int) -> LanguageGuess | None:
    """Not English when another language's function words are at least ``min_other`` and more
    than twice the English ones."""
    en, other, n_other = _function_words(words)
    if n_other >= min_other and n_other > 2 * en:
        name = load_stopwords().names[other]
        return LanguageGuess(
            False,
            name,
            f"{name}: {n_other} of {len(words)} words are {name} function words, {en} English",
        )
    return None


def has_non_latin(text: str) -> bool:
    """True when ``text`` holds any letter of a non-Latin script (fast check)."""
    return _NON_LATIN.search(text) is not None


# -- folding for matching -------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_confusables() -> dict[str, str]:
    """Look-alike letter -> Latin letter (``data/confusables.yaml``)."""
    path = resources.files("powderkeg.coder").joinpath("data/confusables.yaml")
    spec: dict[str, dict[str, str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {k: v for table in spec.values() for k, v in table.items()}


# Invisible format characters removed before matching.
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# Compatibility forms replaced by NFKC: ligatures, fullwidth/halfwidth forms, math letters.
_COMPAT = "\ufb00-\ufb06\uff01-\uff5e\uff61-\uffef\u3000"
_MATH = "\U0001d400-\U0001d7ff"
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


@lru_cache(maxsize=1)
def _fold_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    conf = "".join(re.escape(c) for c in load_confusables())
    needs = re.compile(f"[{_INVISIBLE}{_COMPAT}{_MATH}{conf}]")
    step1 = re.compile(f"[{_INVISIBLE}{_COMPAT}{_MATH}]+")
    # a word holding at least one look-alike letter
    conf_word = re.compile(rf"[^\W\d_]*[{conf}][^\W\d_]*")
    return needs, step1, conf_word


@dataclass(frozen=True)
class Folded:
    """Text folded for matching, with offsets back into the original.

    ``index[i]`` is the original offset of folded character ``i`` (None: same offsets).
    """

    text: str
    index: tuple[int, ...] | None = None
    homoglyphs: int = 0
    invisible: int = 0
    compat: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.homoglyphs or self.invisible or self.compat)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``(start, end)`` of the folded span ``[start, end)``."""
        if self.index is None:
            return start, end
        if end <= start:
            a = self.index[start] if start < len(self.index) else self.index[-1] + 1
            return a, a
        return self.index[start], self.index[end - 1] + 1

    def describe(self) -> str:
        parts = []
        if self.homoglyphs:
            parts.append(f"{self.homoglyphs} look-alike letter(s) from other scripts read as Latin")
        if self.invisible:
            parts.append(f"{self.invisible} invisible character(s) removed")
        if self.compat:
            parts.append(f"{self.compat} fullwidth or ligature form(s) normalised")
        return "; ".join(parts) + " for matching"


def fold_for_matching(text: str) -> Folded:
    """Fold ``text`` for matching (see the module docstring); cheap when there is nothing to do."""
    if text.isascii():
        return Folded(text)
    needs, step1, conf_word = _fold_patterns()
    if not needs.search(text):
        return Folded(text)
    invisible = compat = 0
    index: tuple[int, ...] | None = None
    folded = text
    if step1.search(text):
        parts: list[str] = []
        idx: list[int] = []
        prev = 0
        for m in step1.finditer(text):
            parts.append(text[prev : m.start()])
            idx.extend(range(prev, m.start()))
            for i in range(m.start(), m.end()):
                ch = text[i]
                if unicodedata.category(ch) == "Cf":
                    invisible += 1
                    continue
                repl = unicodedata.normalize("NFKC", ch)
                compat += 1
                parts.append(repl)
                idx.extend([i] * len(repl))
            prev = m.end()
        parts.append(text[prev:])
        idx.extend(range(prev, len(text)))
        folded = "".join(parts)
        if len(folded) != len(text) or invisible:
            index = tuple(idx)
    folded, homoglyphs = _fold_homoglyphs(folded, conf_word)
    return Folded(folded, index, homoglyphs, invisible, compat)


@lru_cache(maxsize=1)
def _conf_char() -> re.Pattern[str]:
    """One look-alike letter (a text without any has nothing for ``conf_word`` to find)."""
    return re.compile("[" + "".join(re.escape(c) for c in load_confusables()) + "]")


def _fold_homoglyphs(text: str, conf_word: re.Pattern[str]) -> tuple[str, int]:
    """Replace look-alike letters inside Latin words, keeping the length."""
    if _conf_char().search(text) is None:  # fast path: ``conf_word`` needs one
        return text, 0
    table = load_confusables()
    out: list[str] | None = None
    n = 0
    for m in conf_word.finditer(text):
        w = m.group()
        if any(c not in table and not _LATIN_LETTER.match(c) for c in w):
            continue  # a real Cyrillic/Greek word with a few round letters
        if all(c in table for c in w):
            # Entirely look-alikes ("АТО"): read as Latin only between Latin words.
            before = _WORD.findall(text, max(0, m.start() - 40), m.start())
            after = _WORD.findall(text, m.end(), m.end() + 40)
            near = before[-1:] + after[:1]
            if not near or not all(_is_latin_word(x) for x in near):
                continue
        if out is None:
            out = list(text)
        for i, c in enumerate(w, start=m.start()):
            if c in table:
                out[i] = table[c]
                n += 1
    return ("".join(out) if out is not None else text), n


def _is_latin_word(w: str) -> bool:
    return bool(w) and all(_LATIN_LETTER.match(c) for c in w)


# -- case -------------------------------------------------------------------------------------

_UPPER = re.compile(r"[A-Z\u00c0-\u00de]")
_LOWER = re.compile(r"[a-z\u00df-\u00ff]")


def is_all_caps(text: str) -> bool:
    """True for a capitalised headline: at least 10 capitals and at most 10% lower case."""
    up = len(_UPPER.findall(text))
    if up < 10:
        return False
    low = len(_LOWER.findall(text))
    return low <= 0.1 * (up + low)


def recase(
    text: str, names: list[tuple[int, int]], is_word: Callable[[str], bool] | None = None
) -> str:
    """A lower-cased copy of an all-caps ``text`` (same length) for the parser: the first
    letter and the ``names`` spans stay capitalised. Short names ("US", "NATO") stay upper case
    unless ``is_word`` says their lower-case form is an English word ("PLAN" -> "plan", which
    the actor finder then no longer reads as an acronym); longer ones become "Russia"."""
    out = [c.lower() if len(c.lower()) == 1 else c for c in text]
    for a, b in names:
        span = text[a:b]
        if len(span.replace(" ", "")) <= 4:
            if is_word is None or not is_word(span.lower()):
                out[a:b] = list(span)
            continue
        start_of_word = True
        for i in range(a, b):
            c = text[i]
            if c.isalpha():
                if start_of_word:
                    out[i] = c
                start_of_word = False
            else:
                start_of_word = True
    for i, c in enumerate(out):
        if c.isalpha():
            out[i] = text[i]
            break
    return "".join(out)
