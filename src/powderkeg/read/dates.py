"""Dates for documents: the ``--date`` argument, metadata dates, and datelines in text.

Only unambiguous forms are recognised: ``December 15, 2021``, ``Dec. 15 2021``, ``Wednesday,
15 December 2021``, ``15th Dec 2021``, ``2021-12-15`` (also with a time, as in
``2021-12-15T08:00:00Z``) and ``2021/12/15``. Day-first and month-first numeric forms
(``15/12/2021``, ``12/15/2021``) are ambiguous and never read.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"

_PATTERNS = (
    # December 15, 2021 / Wednesday, Dec. 15 2021
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    # 15 December 2021 / Wednesday 15th Dec, 2021
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    # 2021-12-15, 2021/12/15, 2021-12-15T08:00
    re.compile(
        r"\b(?P<year>(?:1[89]|20)\d\d)(?P<sep>[-/])(?P<mon>[01]?\d)(?P=sep)(?P<day>[0-3]?\d)(?![\d/-])"
    ),
)

_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")


def _make(year: str, month: str, day: str) -> str | None:
    mon = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
    if mon is None:
        return None
    try:
        return dt.date(int(year), mon, int(day)).isoformat()
    except ValueError:
        return None


def parse_iso_date(value: object) -> str | None:
    """``YYYY-MM-DD`` (optionally followed by a time) as an ISO date string, else None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    m = _ISO.match(value)
    if not m:
        return None
    return _make(m.group(1), m.group(2), m.group(3))


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_partial_date(value: str) -> tuple[str | None, str]:
    """A ``--date`` value: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` -> (ISO date of its first day,
    precision ``day``/``month``/``year``); (None, "day") when it is none of these."""
    m = _PARTIAL.match(value.strip())
    if not m or (m.group(3) and not m.group(2)):
        return None, "day"
    year, month, day = m.group(1), m.group(2), m.group(3)
    if int(year) < 1:
        return None, "day"
    iso = _make(year, month or "1", day or "1")
    return iso, "day" if day else ("month" if month else "year")


def find_date(text: str) -> tuple[str, int, int] | None:
    """The first unambiguous calendar date in ``text``: (ISO date, start, end), or None."""
    best: tuple[str, int, int] | None = None
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            iso = _make(m.group("year"), m.group("mon"), m.group("day"))
            if iso is None:
                continue
            if best is None or m.start() < best[1]:
                best = (iso, m.start(), m.end())
            break
    return best


# What may stand beside the date on a line that carries only metadata:
# "Published: 15 December 2021, 10:30 GMT | By Jane Doe", "Updated Dec 15, 2021".
_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,5}\b)?", re.IGNORECASE
)
_META_WORDS = re.compile(
    r"\b(?:published|updated|posted|last|modified|first|created|date[d]?|on|at|am|pm|gmt|utc|"
    r"est|edt|cet|cest|eet|eest|msk|bst|local|time)\b",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[|•·,:;()\[\]/—–-]+")
_DATELINE_PREFIX = re.compile(r"^[A-Z][\w.'’ -]{0,40}?[,(]?\s*$")
_DATELINE_SUFFIX = re.compile(r"^\s*\)?\s*(?:$|[-–—|:•(])")


def metadata_line_date(line: str) -> str | None:
    """The date of a line that is only a date, a time and perhaps a byline, else None.

    "December 15, 2021", "Published: 15 Dec 2021 10:30 GMT", "By Jane Doe | Dec 15, 2021".
    What is left after removing the date, times, words such as "published"/"updated" and
    separators must be at most six words, all capitalised apart from "by" and "and" (a name).
    """
    found = find_date(line)
    if found is None:
        return None
    iso, start, end = found
    rest = line[:start] + " " + line[end:]
    rest = _TIME.sub(" ", rest)
    rest = _META_WORDS.sub(" ", rest)
    rest = _SEPARATORS.sub(" ", rest)
    words = rest.split()
    if len(words) > 6:
        return None
    for w in words:
        if w.lower() in ("by", "and", "&") or w[:1].isupper():
            continue
        return None
    return iso


def dateline_date(line: str) -> str | None:
    """The date of a news dateline that opens a paragraph, else None.

    "KYIV, Dec. 15, 2021 (Reuters) - Russian troops ..." or "December 15, 2021 — Troops ...":
    the date stands at most 40 characters in, after nothing but a capitalised place name, and is
    followed by a dash, a bracket, a bar or the end of the line.
    """
    found = find_date(line[:80])
    if found is None:
        return None
    iso, start, end = found
    if start and not _DATELINE_PREFIX.match(line[:start]):
        return None
    if not _DATELINE_SUFFIX.match(line[end:]):
        return None
    return iso
