"""A fast rule-based sentence splitter over normalised text.

Splitting before parsing lets the coder skip sentences that cannot hold an event (no actor)
without running the parser on them. Spans index the document text.
"""

from __future__ import annotations

import re

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "gov",
    "sen", "rep", "st", "jr", "sr", "no", "vs", "etc", "inc", "ltd", "co", "corp", "dept",
    "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n",
    "e.g", "i.e", "approx", "est", "fig", "mt", "ft", "pres", "amb", "min",
}  # fmt: skip

# End of sentence: . ! ? (possibly followed by closing quotes/brackets), then space, then a
# character that can open a sentence.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-Ý])")
MAX_SENTENCE_CHARS = 2000


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of sentences in ``text``.

    Very long runs without sentence punctuation (tables flattened into text) are cut at
    ``MAX_SENTENCE_CHARS`` on a space so that no single sentence costs unbounded time.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _END.finditer(text):
        end = m.end()
        if text[m.start()] == ".":
            word = re.search(r"([\w.]+)\.$", text[max(start, m.start() - 12) : m.start() + 1])
            if word:
                w = word.group(1).lower()
                if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                    continue
        _add(text, start, end, spans)
        start = end
    if start < n:
        _add(text, start, n, spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        if cut <= start:
            cut = start + MAX_SENTENCE_CHARS
        spans.append((start, cut))
        start = cut + 1
    if end > start:
        spans.append((start, end))
