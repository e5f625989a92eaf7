"""Feature extraction for the event classifiers: cheap, pure Python, deterministic.

A document is a sentence (or snippet), optionally *marked*: the source actor in ``<s>…</s>`` and
the target in ``<t>…</t>``. :func:`parse` splits it once into tokens with a region each
(``pre``, ``src``, ``mid``, ``tgt``, ``post``); the analyzers below turn a parsed document into
string features. Analyzers are looked up by name (:data:`ANALYZERS`) so that a saved model names
its analyzers instead of pickling code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from powderkeg.coder.models.lexicon import CameoLexicon, Match

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*|\d+(?:[.,]\d+)*")
_MARK = re.compile(r"(</?[st]>)")
MARK_TAGS = re.compile(r"</?[st]>")

NEGATIONS = frozenset(
    {"NOT", "NO", "NEVER", "N'T", "DENIED", "DENY", "DENIES", "REFUSED", "REFUSE", "REFUSES",
     "WITHOUT", "FAILED", "NOR", "DECLINED", "REJECTED"}
)
INTENT = frozenset(
    {"WILL", "WOULD", "TO", "PLANS", "PLAN", "PLANNED", "PLEDGED", "OFFERED", "PROMISED",
     "AGREED", "VOWED", "COULD", "MAY", "MIGHT", "SHOULD", "THREATENED", "REFUSED", "WANTS",
     "SEEKS", "ASKED", "URGED", "CALLED", "READY", "INTENDS", "DECIDED"}
)


@dataclass
class Parsed:
    """One document split into tokens, each with its region."""

    text: str
    tokens: list[str]
    regions: list[str]
    marked: bool
    order: str  # 'st', 'ts' or '' (unmarked)
    lexicon: CameoLexicon | None = None
    _upper: list[str] | None = field(default=None, repr=False)
    _matches: list[Match] | None = field(default=None, repr=False)

    @property
    def upper(self) -> list[str]:
        if self._upper is None:
            self._upper = [t.upper() for t in self.tokens]
        return self._upper

    @property
    def matches(self) -> list[Match]:
        if self._matches is None:
            self._matches = (
                list(_lexicon_matches(self.lexicon, tuple(self.upper)))
                if self.lexicon is not None
                else []
            )
        return self._matches


@lru_cache(maxsize=8192)
def _lexicon_matches(lexicon: CameoLexicon, upper: tuple[str, ...]) -> tuple[Match, ...]:
    """``lexicon.match`` of upper-case tokens, cached: several models read the same sentence
    (and the pairs of one sentence share its tokens). The lexicon is immutable once loaded."""
    return tuple(lexicon.match(upper))


def parse(doc: str, lexicon: CameoLexicon | None = None) -> Parsed:
    """Split ``doc`` (plain or marked) into tokens and regions."""
    if "<s>" not in doc and "<t>" not in doc:
        toks = _TOKEN.findall(doc)
        return Parsed(doc, toks, ["pre"] * len(toks), False, "", lexicon)
    tokens: list[str] = []
    regions: list[str] = []
    region = "pre"
    closed_s = closed_t = False
    first = ""
    for part in _MARK.split(doc):
        if part == "<s>":
            region = "src"
            first = first or "s"
            continue
        if part == "<t>":
            region = "tgt"
            first = first or "t"
            continue
        if part in ("</s>", "</t>"):
            if part == "</s>":
                closed_s = True
            else:
                closed_t = True
            region = "mid" if closed_s != closed_t else "post"
            continue
        for tok in _TOKEN.findall(part):
            tokens.append(tok)
            regions.append(region)
    return Parsed(MARK_TAGS.sub("", doc), tokens, regions, True, "st" if first == "s" else "ts",
                  lexicon)


# --------------------------------------------------------------------------------------------
# analyzers: Parsed -> list of feature strings


def words12(p: Parsed) -> list[str]:
    """Lower-case word uni- and bigrams; a marked actor span becomes one placeholder token."""
    ws: list[str] = []
    prev_region = ""
    for tok, reg in zip(p.tokens, p.regions, strict=True):
        if reg in ("src", "tgt"):
            if prev_region != reg:
                ws.append("_" + reg + "_")
        else:
            ws.append(tok.lower())
        prev_region = reg
    return ws + [a + " " + b for a, b in zip(ws, ws[1:], strict=False)]


_STOP = frozenset(
    ["a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its", "this", "that", "these", "those", "which", "who", "whom", "their", "his", "her", "they", "he", "she", "we", "our"]
)


def stems12(p: Parsed) -> list[str]:
    """Stemmed content-word uni- and bigrams (stop words dropped, :func:`_stem` suffixes
    stripped): "shelled the village" and "shelling villages" share ``shell`` and
    ``shell villag``; marked actor spans become one placeholder as in :func:`words12`."""
    ws: list[str] = []
    prev_region = ""
    for tok, reg in zip(p.tokens, p.regions, strict=True):
        if reg in ("src", "tgt"):
            if prev_region != reg:
                ws.append("_" + reg + "_")
        else:
            low = tok.lower()
            if low not in _STOP:
                ws.append(_stem(low))
        prev_region = reg
    return ws + [a + " " + b for a, b in zip(ws, ws[1:], strict=False)]


def chars35(p: Parsed) -> list[str]:
    """Character 3-5 grams inside word boundaries (like scikit-learn's ``char_wb``)."""
    return _char_ngrams(t.lower() for t in p.tokens)


def _char_ngrams(words) -> list[str]:
    out: list[str] = []
    for w in words:
        out.extend(_word_char_ngrams(w))
    return out


@lru_cache(maxsize=131072)
def _word_char_ngrams(word: str) -> tuple[str, ...]:
    """Character 3-5 grams of `` word `` (cached: news words repeat a lot)."""
    w = " " + word + " "
    n_w = len(w)
    return tuple(w[i : i + n] for n in (3, 4, 5) if n_w >= n for i in range(n_w - n + 1))


def mid_chars(p: Parsed) -> list[str]:
    """Character n-grams of the words between the two marked actors."""
    return _char_ngrams(t.lower() for t, r in zip(p.tokens, p.regions, strict=True) if r == "mid")


def lexicon_features(p: Parsed) -> list[str]:
    """CAMEO verb-dictionary matches: PLOVER type, CAMEO root and verb, tagged by region."""
    f: list[str] = []
    up = p.upper
    for m in p.matches:
        reg = p.regions[m.index] if p.marked else "x"
        plover = m.plover or "NONE"
        for key, val in (("L", plover), ("C", m.code[:2]), ("V", m.verb)):
            f.append(f"{key}:{val}")
            if p.marked:
                f.append(f"{key}:{val}:{reg}")
        if m.specific:
            f.append(f"LS:{plover}:{reg}")
        before = [t for t in up[max(0, m.index - 3) : m.index] if t in INTENT]
        for t in before:
            f.append(f"ctx:{t}:{plover}")
        if before:
            f.append(f"int:{plover}:{reg}")
    for i, t in enumerate(up):
        if t in NEGATIONS:
            f.append("neg")
            if p.marked:
                f.append("neg:" + p.regions[i])
    return f


def pair_features(p: Parsed) -> list[str]:
    """Structure of a marked pair: the words between the actors, their order, and lexicon hits."""
    f = lexicon_features(p)
    if not p.marked:
        f.append("unmarked")
        return f
    mid = [t.lower() for t, r in zip(p.tokens, p.regions, strict=True) if r == "mid"]
    f.extend("b:" + t for t in mid)
    f.extend("bb:" + a + "_" + b for a, b in zip(mid, mid[1:], strict=False))
    if mid:
        f.append("b0:" + mid[0])
        f.append("bl:" + mid[-1])
    f.append("order:" + p.order)
    return f


def _stem(word: str) -> str:
    """A crude suffix stripper (``shelled`` ~ ``shell``) for the words between the actors."""
    for suf in ("ing", "ed", "es", "s"):
        if len(word) > len(suf) + 3 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def around_features(p: Parsed) -> list[str]:
    """Context of a marked pair: up to 3 words before the first actor (``L1:``, ``L2:`` ...),
    up to 5 words after the second (``R:``, ``R0:``, ``RR:`` bigrams), stemmed words between
    them (``ms:``), and the *head verb*: the first lexicon verb between the actors, else after
    them, else anywhere (``H:`` PLOVER type, ``HV:`` verb group, ``HC:`` CAMEO code prefix)."""
    if not p.marked:
        return ["unmarked"]
    f: list[str] = []
    toks = [t.lower() for t in p.tokens]
    regs = p.regions
    spans = [i for i, r in enumerate(regs) if r in ("src", "tgt")]
    if not spans:
        return f
    first, last = spans[0], spans[-1]
    for k in range(1, 4):
        if first - k >= 0:
            f.append(f"L{k}:" + toks[first - k])
            f.append("L:" + toks[first - k])
    post = [toks[i] for i in range(last + 1, min(len(toks), last + 6)) if regs[i] == "post"]
    for k, w in enumerate(post):
        f.append("R:" + w)
        if k < 2:
            f.append(f"R{k}:" + w)
    f.extend("RR:" + a + "_" + b for a, b in zip(post[:4], post[1:5], strict=False))
    f.extend("ms:" + _stem(toks[i]) for i in range(len(toks)) if regs[i] == "mid")
    matches = p.matches
    head = (
        [m for m in matches if regs[m.index] == "mid"]
        or [m for m in matches if regs[m.index] == "post"]
        or list(matches)
    )
    if head:
        m = head[0]
        f.extend(("H:" + (m.plover or "NONE"), "HV:" + m.verb, "HC:" + m.code[:3]))
    return f


def actor_words(p: Parsed) -> list[str]:
    """The words inside the source (``S:``) and target (``T:``) spans."""
    return [("S:" if r == "src" else "T:") + t.lower()
            for t, r in zip(p.tokens, p.regions, strict=True) if r in ("src", "tgt")]


_CUES_FILE = Path(__file__).resolve().parent / "data" / "event_cues.txt"


@lru_cache(maxsize=1)
def _cue_table() -> tuple[tuple[str, str], ...]:
    """(prefix, group) pairs from the shipped cue list, longest prefix first."""
    pairs = []
    for line in _CUES_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        group, words = line.split(":", 1)
        pairs.extend((w.lower(), group.strip()) for w in words.split())
    return tuple(sorted(set(pairs), key=lambda p: (-len(p[0]), p)))


@lru_cache(maxsize=1)
def _cue_prefixes() -> tuple[dict[str, frozenset[str]], tuple[int, ...]]:
    """The cue table as prefix -> groups, and the distinct prefix lengths."""
    by_prefix: dict[str, set[str]] = {}
    for pre, g in _cue_table():
        by_prefix.setdefault(pre, set()).add(g)
    lengths = tuple(sorted({len(pre) for pre in by_prefix}))
    return {k: frozenset(v) for k, v in by_prefix.items()}, lengths


@lru_cache(maxsize=65536)
def _cues_of(token: str) -> tuple[str, ...]:
    """Cue groups of every prefix in the table that ``token`` starts with, sorted."""
    by_prefix, lengths = _cue_prefixes()
    n = len(token)
    groups: set[str] = set()
    for k in lengths:
        if k > n:
            break
        hit = by_prefix.get(token[:k])
        if hit:
            groups |= hit
    return tuple(sorted(groups))


ACTOR_CUES = frozenset({"NSA_ACTOR", "GOV_ACTOR", "POLICE", "CROWD"})


def cue_features(p: Parsed) -> list[str]:
    """Event cue groups (data/event_cues.txt) present in the text, and pairs of them."""
    seq = [g for t in p.tokens for g in _cues_of(t.lower())]
    groups = sorted(set(seq))
    f = ["cue:" + g for g in groups]
    f.extend("cue2:" + a + "+" + b for i, a in enumerate(groups) for b in groups[i + 1 :])
    # who acts first (the usual subject) and what the first event cue is
    first_actor = next((g for g in seq if g in ACTOR_CUES), None)
    first_event = next((g for g in seq if g not in ACTOR_CUES), None)
    if first_actor:
        f.append("first:" + first_actor)
        if first_event:
            f.append("first:" + first_actor + ">" + first_event)
    return f


def first_actor_cue(text: str) -> str | None:
    """The first actor-kind cue group (NSA_ACTOR, GOV_ACTOR, POLICE, CROWD) in a text."""
    for tok in _TOKEN.findall(MARK_TAGS.sub("", text)):
        for g in _cues_of(tok.lower()):
            if g in ACTOR_CUES:
                return g
    return None


ANALYZERS: dict[str, Callable[[Parsed], list[str]]] = {
    "words12": words12,
    "stems12": stems12,
    "chars35": chars35,
    "mid_chars": mid_chars,
    "lexicon": lexicon_features,
    "pair": pair_features,
    "cues": cue_features,
    "around": around_features,
    "actors": actor_words,
}
#: analyzers that read lexicon matches (the model loads the lexicon only when it needs it)
LEXICON_ANALYZERS = frozenset({"lexicon", "pair", "around"})
