"""Page furniture removal: what a web page carries around an article that is not its text.

The rules are general (nothing here knows any one site or file); their word lists live in
``data/furniture.yaml``. :func:`clean_text` applies them to one plain-text part of a document:

1. **Boilerplate lines** are dropped wherever they stand: a line whose key (lower case, outer
   bullets and punctuation removed) is a known phrase ("Must read", "More articles", "Latest
   article", "Related", "Share this", "Subscribe", "Advertisement", "Read more", "+ posts"), a short
   line matching a boilerplate pattern ("Read more: ...", "Photo: AP/...", "Follow us on ...",
   "Tags: ...", "© 2022 ..."), or a consent/disclaimer line ("We use cookies ...", "Sign up for
   our newsletter ...", "The views expressed ...").
2. **Author boxes** are dropped: a name line followed by a "+ posts"/"View all posts" marker,
   together with the biography paragraph after it when that starts with the same name.
3. **Title** (first part, when asked): the first remaining line, if it is short (at most 20 words
   and 150 characters), has no final punctuation and stands alone in its paragraph (or is followed
   by a line that starts with a capital), is the title; it leaves the text. When the container
   knows the title (an HTML ``<title>``), the first line is the title when it matches that.
4. **Datelines and bylines** (first part): among the first eight remaining lines, a line that
   holds only a date and perhaps a byline ("Published: 15 Dec 2021 | By Jane Doe") gives the
   document date and is dropped; a dateline that opens a paragraph ("KYIV, Dec. 15, 2021 (Reuters)
   - ...") gives the date and stays; a short "By Jane Doe" line is dropped.
5. **Trailing blocks** (last part): from the end backwards, paragraphs are dropped while they are
   furniture: a lone name line, an author biography (starts with a person's name followed by a
   title such as "Director"/"Professor" or by "is a"/"served"/"writes"..., mentions a biography
   word, and has no reported speech such as "said"), a "He/She served ..." paragraph after a
   biography, and everything after an "About the author" heading.
6. Every remaining paragraph but the last that does not end in final punctuation gets a full
   stop, so that a heading or caption does not run into the next sentence once whitespace is
   collapsed (``Document.from_text`` joins paragraphs with one space).

Photo captions are kept: a caption describes the scene in full sentences and often carries facts
(place, date, units). Photo *credits* ("Photo: Reuters/...", "(AP Photo/...)") are furniture.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .dates import dateline_date, metadata_line_date

_STRIP = " \t•·▪▫►▶◆■□*-–—|>»«›‹+#~=_()[]{}\"'“”‘’:;,.…!?/\\"
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_FINAL = ".!?…:;"
_CLOSERS = "\"'”’)]»"
_PARTICLES = frozenset(
    {"de", "da", "del", "della", "der", "den", "van", "von", "bin", "ibn", "al", "el", "la",
     "le", "di", "du", "dos", "das", "ter", "ten", "y"}
)  # fmt: skip
_NOT_NAMES = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "our", "their", "his", "her", "its",
     "in", "on", "at", "for", "from", "with", "after", "before", "when", "while", "as", "if"}
)  # fmt: skip
_PRONOUNS = re.compile(r"^(?:he|she|they|his|her|their)\b", re.IGNORECASE)
_BYLINE = re.compile(
    r"^(?:by|written by|words by|reporting by)\s+[A-Z][\w.'’-]*(?:\s+(?:and\s+|&\s+)?[A-Z][\w.'’-]*){0,6}\s*$",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"(?:\d+ )?posts|(?:view|see) all (?:posts|articles|stories)(?: by .*)?|"
    r"(?:more|all) (?:posts|articles|stories) (?:by|from) .*"
)
_ABOUT = re.compile(r"about the authors?")


@dataclass(frozen=True)
class Furniture:
    """Compiled furniture rules (see ``data/furniture.yaml``)."""

    exact: frozenset[str]
    short_words: int
    short: re.Pattern[str]
    long_words: int
    long: tuple[re.Pattern[str], ...]
    bio_start: re.Pattern[str]
    bio_title_words: frozenset[str]
    bio_words: re.Pattern[str]
    news_words: re.Pattern[str]

    def is_furniture(self, line: str) -> bool:
        """True when the line is boilerplate by rule 1."""
        k = line_key(line)
        if not k:
            # A line of bullets or punctuation only ("* * *", "---") is furniture too.
            return bool(line.strip())
        if k in self.exact:
            return True
        n = len(k.split())
        if n <= self.short_words and self.short.fullmatch(k):
            return True
        return n <= self.long_words and any(p.search(k) for p in self.long)


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def load_furniture() -> Furniture:
    """The furniture rules shipped in ``powderkeg/read/data/furniture.yaml``."""
    raw = yaml.safe_load(
        resources.files("powderkeg.read").joinpath("data/furniture.yaml").read_text("utf-8")
    )
    titles = [str(t) for t in raw["bio_titles"]]
    verbs = [str(v) for v in raw["bio_verbs"]]
    bio_start = re.compile(
        r"^\s*,?\s*(?:\(@?[\w.]+\)\s*,?\s*)?(?:(?:"
        + r"(?:(?:is|was)\s+(?:a|an|the)?\s*)?"
        + r"(?:(?:former|senior|current|non-resident|nonresident|visiting|associate|assistant|"
        + r"deputy|executive|founding|chief|managing|lead|principal)\s+)*"
        + rf"(?:{_alternation(titles)})\b)|(?:{_alternation(verbs)})\b)",
        re.IGNORECASE,
    )
    return Furniture(
        exact=frozenset(line_key(str(e)) for e in raw["exact"]),
        short_words=int(raw["short_words"]),
        short=re.compile("|".join(f"(?:{p})" for p in raw["short"])),
        long_words=int(raw["long_words"]),
        long=tuple(re.compile(p) for p in raw["long"]),
        bio_start=bio_start,
        bio_title_words=frozenset(w for t in titles for w in t.lower().split()),
        bio_words=re.compile(rf"\b(?:{_alternation([str(w) for w in raw['bio_words']])})\b", re.I),
        news_words=re.compile(
            rf"\b(?:{_alternation([str(w) for w in raw['news_words']])})\b", re.I
        ),
    )


def line_key(line: str) -> str:
    """The form a line is matched in: NFC, lower case, straight quotes, outer symbols removed."""
    k = unicodedata.normalize("NFC", line).translate(_QUOTES).lower()
    return " ".join(k.strip(_STRIP).split())


def _is_name_token(tok: str, f: Furniture) -> bool:
    word = tok.rstrip(",")
    low = word.lower()
    if low in _PARTICLES:
        return True
    if not word or not word[0].isupper() or low in f.bio_title_words or low in _NOT_NAMES:
        return False
    if low.endswith(("'s", "’s", "s'", "s’")):
        return False  # a possessive ("Serbia's ambassador") is not how a biography opens
    core = word.replace(".", "").replace("'", "").replace("’", "").replace("-", "")
    return core.isalpha() and not (len(core) > 3 and core.isupper())


def _leading_name(text: str, f: Furniture) -> tuple[str, str] | None:
    """A person's name (2-5 capitalised tokens) opening ``text``: (name, rest), else None."""
    tokens = text.split(" ", 6)
    name: list[str] = []
    for tok in tokens[:5]:
        if not _is_name_token(tok, f):
            break
        name.append(tok)
        if tok.endswith(","):
            break
    while name and name[-1].rstrip(",").lower() in _PARTICLES:
        name.pop()
    if len(name) < 2:
        return None
    joined = " ".join(name)
    return joined.rstrip(","), text[len(joined.rstrip(",")) :]


def is_name_line(line: str, f: Furniture | None = None) -> bool:
    """A line that is only a person's name, e.g. "David L. Phillips"."""
    f = f or load_furniture()
    s = line.strip()
    if not s or s[-1] in _FINAL or len(s) > 60:
        return False
    tokens = s.split()
    if not 2 <= len(tokens) <= 5:
        return False
    return all(_is_name_token(t, f) for t in tokens) and tokens[-1].lower() not in _PARTICLES


def _is_bio(text: str, f: Furniture) -> bool:
    if len(text.split()) > 150:
        return False
    lead = _leading_name(text, f)
    if lead is None:
        return False
    return bool(
        f.bio_start.match(lead[1]) and f.bio_words.search(text) and not f.news_words.search(text)
    )


def _is_bio_continuation(text: str, f: Furniture) -> bool:
    return bool(
        len(text.split()) <= 150
        and _PRONOUNS.match(text)
        and f.bio_words.search(text)
        and not f.news_words.search(text)
    )


def _similar(line: str, hint: str) -> bool:
    a, b = line_key(line), line_key(hint)
    return bool(a) and (a == b or (len(a) >= 10 and (a in b or b in a)))


def _ends_sentence(text: str) -> bool:
    t = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(t) and t[-1] in _FINAL


@dataclass(frozen=True)
class Cleaned:
    """One part of a document after furniture removal."""

    text: str
    title: str | None = None
    date: str | None = None


def clean_text(
    raw: str,
    *,
    first: bool = True,
    last: bool = True,
    find_title: bool = True,
    title_hint: str | None = None,
    furniture: Furniture | None = None,
) -> Cleaned:
    """Remove page furniture from ``raw`` (see the module docstring for the rules).

    ``first``: this is the document's first part (title, byline and dateline rules apply);
    ``last``: its last part (trailing author blocks are removed); ``find_title``: take the title
    from the first line; ``title_hint``: a title known from elsewhere (an HTML page's
    ``<title>``); then the first line is the title only if it matches the hint (equal, or one
    contains the other), whatever its punctuation. Paragraphs (blank-line separated) come back
    separated by blank lines; a title loses leading Markdown ``#`` marks.
    """
    f = furniture or load_furniture()
    # Paragraphs as lists of [line, keep] pairs.
    paras: list[list[list]] = []
    current: list[list] = []
    for line in raw.splitlines():
        s = line.strip()
        if s:
            current.append([s, True])
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    flat = [item for p in paras for item in p]

    # 1. boilerplate lines
    for item in flat:
        if f.is_furniture(item[0]):
            item[1] = False

    # 2. author boxes: name line + "+ posts" marker (+ the bio that starts with the name)
    drop_bio_of: list[str] = []
    for i, item in enumerate(flat[:-1]):
        if item[1] and is_name_line(item[0], f) and _MARKER.fullmatch(line_key(flat[i + 1][0])):
            item[1] = False
            flat[i + 1][1] = False
            drop_bio_of.append(item[0])
    if drop_bio_of:
        for p in paras:
            text = " ".join(s for s, keep in p if keep)
            if any(
                text.startswith(name) or text.startswith(name.split()[-1] + " ")
                for name in drop_bio_of
            ) and not f.news_words.search(text):
                for item in p:
                    item[1] = False

    title = None
    date = None
    if first:
        # 4. metadata lines (date, byline) among the first lines
        seen = 0
        for item in flat:
            if not item[1]:
                continue
            seen += 1
            if seen > 8:
                break
            s = item[0]
            if len(s.split()) <= 12:
                d = metadata_line_date(s)
                if d is not None:
                    date = date or d
                    item[1] = False
                    continue
                if _BYLINE.match(s):
                    item[1] = False
                    continue
            if date is None:
                date = dateline_date(s)
        # 3. title
        if find_title:
            for p in paras:
                kept = [item for item in p if item[1]]
                if not kept:
                    continue
                cand = kept[0][0]
                alone = len(kept) == 1
                follows_cap = len(kept) > 1 and kept[1][0][:1].isupper()
                other_text = sum(1 for item in flat if item[1]) > 1
                if title_hint is not None:
                    if other_text and _similar(cand, title_hint):
                        title = cand.lstrip("#").strip() or cand
                        kept[0][1] = False
                elif (
                    len(cand) <= 150
                    and len(cand.split()) <= 20
                    and not _ends_sentence(cand)
                    and (alone or follows_cap)
                    and other_text
                ):
                    title = cand.lstrip("#").strip() or cand
                    kept[0][1] = False
                break

    # 5. trailing blocks
    if last:
        texts = [" ".join(s for s, keep in p if keep) for p in paras]
        for i, p in enumerate(paras[-6:], start=max(0, len(paras) - 6)):
            if any(_ABOUT.fullmatch(line_key(s)) for s, _ in p):
                for q in paras[i:]:
                    for item in q:
                        item[1] = False
                texts[i:] = [""] * (len(paras) - i)
                break
        i = len(paras) - 1
        while i >= 0:
            t = texts[i]
            if not t or is_name_line(t, f) or _is_bio(t, f):
                pass
            elif _is_bio_continuation(t, f):
                j = i - 1
                while j >= 0 and not texts[j]:
                    j -= 1
                if j < 0 or not _is_bio(texts[j], f):
                    break
            else:
                break
            for item in paras[i]:
                item[1] = False
            i -= 1

    # 6. join, closing each paragraph but the last with final punctuation
    out = [text for text in ("\n".join(s for s, keep in p if keep) for p in paras) if text]
    for i in range(len(out) - 1):
        if not _ends_sentence(out[i]):
            out[i] += "."
    return Cleaned(text="\n\n".join(out), title=title, date=date)
