"""Tokens and folded keys shared by the gazetteer index and the text scanner.

A name and a piece of text are compared token by token after folding: diacritics removed
(Niš -> nis, Priština -> pristina), a few letters that Unicode does not decompose mapped by
hand (ß, ł, đ, ø, ı ...), dots of acronyms dropped (U.S. -> us) and lower-cased. Hyphens,
dashes, apostrophes and spaces between tokens are all the same to a key, so "Ivano-Frankivsk",
"Ivano Frankivsk" and "Côte d'Ivoire" / "Cote d Ivoire" fold alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# An acronym written with dots ("U.S.", "D.C.") is one token; otherwise a run of letters/digits.
TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+")

# Characters that may stand between two tokens of one name in running text.
_JOIN_CHARS = frozenset(" \t\u00a0-\u2010\u2011\u2012\u2013\u2014'\u2019\u02bc`&")
# Abbreviations after which a dot may stand inside a name ("St. Petersburg").
_ABBREV = frozenset({"st", "ste", "mt", "ft", "pt", "sv"})

_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
        "ħ": "h",
        "Ħ": "H",
        "þ": "th",
        "Þ": "Th",
        "ŧ": "t",
        "ə": "e",
        "Ə": "E",
        "ʻ": "",
        "ʿ": "",
        "ʾ": "",
    }
)


@lru_cache(maxsize=131072)
def fold_cased(token: str) -> str:
    """A token without diacritics and acronym dots, case kept (``Niš`` -> ``Nis``)."""
    if token.isascii():
        return token.replace(".", "") if "." in token else token
    t = unicodedata.normalize("NFKD", token.translate(_SPECIAL))
    return "".join(c for c in t if not unicodedata.combining(c)).replace(".", "")


_SEP = str.maketrans(
    {
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2013": " ",
        "\u2014": " ",
        "'": " ",
        "\u2019": " ",
        "`": " ",
        ".": "",
    }
)


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_SPACES = re.compile(r"  +")


def plain_keys(names: list[str]) -> list[str]:
    """``key_of`` for many names known to hold only letters, spaces, hyphens, apostrophes and
    dots (the GeoNames names the index takes), folded in one pass."""
    raw = "\n".join(names)
    block = raw
    if not block.isascii():
        block = _COMBINING.sub("", unicodedata.normalize("NFKD", block.translate(_SPECIAL)))
    block = _SPACES.sub(" ", block.lower().translate(_SEP))
    keys = [k.strip() for k in block.split("\n")]
    if "." in raw:  # dots inside words ("St.John's", "a.d.Donau") split tokens in key_of
        keys = [key_of(n) if "." in n else k for n, k in zip(names, keys, strict=True)]
    return keys


def fold(token: str) -> str:
    """The comparison form of one token: folded and lower-cased."""
    return fold_cased(token).lower()


def tokens(text: str) -> list[str]:
    """The tokens of a name, in order (punctuation dropped)."""
    return TOKEN.findall(text)


def key_of(name: str) -> str:
    """The index key of a name: its folded tokens joined by single spaces."""
    return " ".join(fold(t) for t in TOKEN.findall(name))


def joinable(gap: str, left_folded: str) -> bool:
    """Whether ``gap`` (the text between two tokens) may lie inside one place name."""
    if not gap:
        return False
    if len(gap) <= 3 and all(c in _JOIN_CHARS for c in gap):
        return True
    return left_folded in _ABBREV and gap in (".", ". ")


def is_capitalised(token: str) -> bool:
    return token[:1].isupper()


def case_pattern(name: str) -> tuple[str, ...]:
    """Per token of ``name``: ``"U"`` must be capitalised in text, ``"-"`` any case,
    or the exact (folded, cased) spelling for acronyms and mixed-case words ("US", "BiH")."""
    out: list[str] = []
    for tok in TOKEN.findall(name):
        f = fold_cased(tok)
        if sum(1 for c in f if c.isupper()) >= 2:
            out.append(f)
        elif f[:1].isupper():
            out.append("U")
        else:
            out.append("-")
    return tuple(out)
