"""A fast rule-based sentence splitter over normalised text.

Splitting before parsing lets the coder skip sentences that cannot hold an event (no actor)
without running the parser on them. Spans index the document text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "gov",
    "sen", "rep", "st", "jr", "sr", "no", "vs", "etc", "inc", "ltd", "co", "corp", "dept",
    "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n",
    "e.g", "i.e", "approx", "est", "fig", "mt", "ft", "pres", "amb", "min",
}  # fmt: skip

# End of sentence: . ! ? (possibly followed by closing quotes/brackets), then space, then a
# character that can open a sentence.
# A sentence starts with a capital of Latin, Greek or Cyrillic script (a quoted Russian
# sentence too), a digit, or a CJK character; CJK full stops end a sentence without a space.
_END = re.compile(
    r"[.!?]+[\"'”’)\]]*"
    r"(?=\s+[\"'“‘(\[]?[A-Z0-9À-ÝΑ-ΩА-ЯЁЂЈЉЊЋЏІЇЄҐ\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])"
    r"|[。！？]+"
)
_ABBREV_TAIL = re.compile(r"([\w.]+)\.$")
MAX_SENTENCE_CHARS = 2000
# A long run is cut at a semicolon, else a comma, else a space, no earlier than this share of
# MAX_SENTENCE_CHARS into the run (so pieces stay long enough to parse sensibly).
_MIN_PIECE_SHARE = 0.25


@dataclass(frozen=True)
class Segmentation:
    """Sentence spans, and the over-long runs that were cut into pieces.

    ``long_runs`` holds ``(start, end, words, pieces)`` for every run longer than
    :data:`MAX_SENTENCE_CHARS` (a 1,000-word sentence, a table flattened into text).
    """

    spans: list[tuple[int, int]]
    long_runs: list[tuple[int, int, int, int]] = field(default_factory=list)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of sentences in ``text``.

    Very long runs without sentence punctuation (tables flattened into text, 1,000-word
    sentences) are cut into pieces of at most ``MAX_SENTENCE_CHARS`` at a semicolon, a comma or
    a space, so that no single sentence costs unbounded time.
    """
    return segment(text).spans


def segment(text: str) -> Segmentation:
    """Like :func:`split_sentences`, and reports the runs that had to be cut."""
    seg = Segmentation([])
    start = 0
    n = len(text)
    for m in _END.finditer(text):
        end = m.end()
        if text[m.start()] == ".":
            word = _ABBREV_TAIL.search(text, max(start, m.start() - 12), m.start() + 1)
            if word:
                w = word.group(1).lower()
                if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                    continue
        _add(text, start, end, seg)
        start = end
    if start < n:
        _add(text, start, n, seg)
    return seg


def _add(text: str, start: int, end: int, seg: Segmentation) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > MAX_SENTENCE_CHARS:
        run_start, pieces = start, 0
        while end - start > MAX_SENTENCE_CHARS:
            cut = _cut_point(text, start)
            seg.spans.append((start, cut))
            pieces += 1
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            seg.spans.append((start, end))
            pieces += 1
        words = len(text[run_start:end].split())
        seg.long_runs.append((run_start, end, words, pieces))
        return
    if end > start:
        seg.spans.append((start, end))


def _cut_point(text: str, start: int) -> int:
    """End of the next piece of a long run starting at ``start``."""
    limit = start + MAX_SENTENCE_CHARS
    floor = start + int(MAX_SENTENCE_CHARS * _MIN_PIECE_SHARE)
    for sep in (";", ",", " "):
        cut = text.rfind(sep, floor, limit)
        if cut > start:
            return cut + 1 if sep != " " else cut
    return limit


_TABLE_NUMBER = re.compile(r"^[^\w]*[\d.,%+\-–/:]*\d[\d.,%+\-–/:]*[^\w]*$")


def table_like(sentence: str) -> str | None:
    """A reason when ``sentence`` reads as a table flattened into text, else None.

    Tables: cells separated by ``|``, or runs of 12+ tokens of which at least 40% are numbers.
    Such text has no clauses to parse; actors in it would only be paired at random.
    """
    pipes = sentence.count("|")
    if pipes >= 4:
        return f"table-like text ({pipes} '|' separators)"
    tokens = sentence.split()
    if len(tokens) < 12:
        return None
    numbers = sum(1 for t in tokens if _TABLE_NUMBER.match(t))
    if numbers >= 0.4 * len(tokens):
        return f"table-like text ({numbers} of {len(tokens)} tokens are numbers)"
    return None
