"""Tokens, accent folding and case rules shared by the actor loader and matcher.

A token is a run of word characters or one other non-space character, so ``Russia's`` is
``Russia`` ``'`` ``s`` and ``Botsan-Kharchenko`` is ``Botsan`` ``-`` ``Kharchenko``; names in the
data files are tokenised the same way. Matching keys are accent-free and lower case
(``Vučić`` and ``Vucic`` share a key); typographic quotes and dashes fold to ASCII.

Case rules, decided per token of a name as written in a data file:

* lower-case token (``troops``, ``of``): any case matches;
* capitalised or mixed-case token (``Russia``): the same spelling, or all upper case
  (``RUSSIA`` in a headline); never all lower case (``china``, ``turkey``);
* all-capitals token of 4+ letters (``NATO``): the same, or capitalised (``Nato``);
* all-capitals token of up to 3 characters (``US``, ``UN``, ``EU``): exactly that spelling,
  so ``us`` is never the United States. A name written with a leading ``=`` in a data file
  is exact in every token.
"""

from __future__ import annotations

import re
import unicodedata

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
APOSTROPHES = frozenset("'’ʼ‘`´")

ANY, EXACT, TITLE, UPPER = 0, 1, 2, 3

_TRANS = str.maketrans(
    {
        "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae",
        "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "ð": "d",
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
        "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "“": '"', "”": '"', "„": '"',
    }
)  # fmt: skip


def plain(token: str) -> str:
    """``token`` without accents, case kept (``Vučić`` -> ``Vucic``)."""
    if token.isascii():
        return token
    t = token.translate(_TRANS)
    if t.isascii():
        return t
    d = unicodedata.normalize("NFKD", t)
    return "".join(c for c in d if not unicodedata.combining(c))


def fold(token: str) -> str:
    """The matching key of a token: accent-free, lower case."""
    if token.isascii():
        return token.lower()
    return plain(token).lower()


def tokenize(text: str) -> tuple[list[str], list[int], list[int]]:
    """Tokens of ``text`` with their start and end character offsets."""
    toks: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in TOKEN_RE.finditer(text):
        toks.append(m.group())
        s, e = m.span()
        starts.append(s)
        ends.append(e)
    return toks, starts, ends


def split_name(name: str) -> list[str]:
    """Tokens of a name as written in a data file."""
    return TOKEN_RE.findall(name)


def case_mode(token_plain: str, exact: bool) -> int:
    """The case rule for one token of a data-file name (see module docstring)."""
    if exact:
        return EXACT if any(c.isalpha() for c in token_plain) else ANY
    if not any(c.isalpha() for c in token_plain) or token_plain.islower():
        return ANY
    if token_plain.isupper():
        letters = sum(c.isalpha() for c in token_plain)
        return UPPER if letters >= 4 else EXACT
    return TITLE


def case_ok(sig: tuple[tuple[int, str], ...], toks: list[str], i: int) -> bool:
    """Do ``toks[i:i+len(sig)]`` satisfy the case signature of a name?"""
    for k, (mode, want) in enumerate(sig):
        if mode == ANY:
            continue
        got = plain(toks[i + k])
        if got == want:
            continue
        if mode == TITLE and got == want.upper():
            continue
        if mode == UPPER and got == want.capitalize():
            continue
        return False
    return True


def plural(term: str) -> str | None:
    """Regular English plural of a (multi-word) agent term, or None when it looks plural."""
    words = term.split(" ")
    idx = len(words) - 1
    for k, w in enumerate(words):  # "minister of defence" -> "ministers of defence"
        if k > 0 and w in ("of", "for", "to", "in", "on", "at"):
            idx = k - 1
            break
    w = words[idx]
    if not w or not w[-1].isalpha():
        return None
    if w.endswith("s") or w in _INVARIANT:
        return None
    if w.endswith("man"):
        p = w[:-3] + "men"
    elif w.endswith(("x", "z", "ch", "sh")):
        p = w + "es"
    elif w.endswith("y") and len(w) > 1 and w[-2] not in "aeiou":
        p = w[:-1] + "ies"
    else:
        p = w + "s"
    words[idx] = p
    return " ".join(words)


_INVARIANT = frozenset(
    {"police", "military", "personnel", "staff", "people", "public", "clergy", "media",
     "infantry", "cavalry", "artillery", "intelligence", "gendarmerie", "press", "aircraft",
     "security", "leadership", "judiciary"}
)  # fmt: skip
