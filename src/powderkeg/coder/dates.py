"""Dates of events, resolved against the document date.

``resolve_date(sentence, doc_date)`` finds the temporal expression that dates the event in a
sentence ("on December 7", "in September 2021", "seven years ago", "last week", "on Tuesday",
"in 2014") and returns the ISO date, its precision and the character span of the expression.
Without an expression the event is dated to the document date (precision ``day``) when one is
known, else ``unknown``.

Rules for dates with no year: a day or month later than the document date is taken to be in the
previous year (news reports the past), unless the sentence is about the future ("will", "next").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "a few": 3, "several": 3, "a couple of": 2,
}  # fmt: skip

_MON = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_NUMW = "|".join(sorted((re.escape(k) for k in NUMBER_WORDS), key=len, reverse=True))

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")),
    ("mdy", re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:19|20)\d\d))?\b")),
    ("dmy", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}(?:,?\s+(?P<y>(?:19|20)\d\d))?\b")),
    ("my", re.compile(rf"\b(?:in|since|during|by|early|late|mid-?)\s+{_MON}(?:\s+(?P<y>(?:19|20)\d\d))?\b", re.I)),
    ("ago", re.compile(rf"\b(?P<n>\d+|{_NUMW})\s+(?P<unit>day|week|month|year|decade)s?\s+ago\b", re.I)),
    ("rel", re.compile(r"\b(?P<rel>yesterday|today|tonight|tomorrow|(?:last|this|next|past)\s+(?:week|month|year|weekend|night))\b", re.I)),
    ("wd", re.compile(r"\b(?i:on|last|this|next)\s+(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    ("year", re.compile(r"\b(?:in|since|during|by|of|until|from)\s+(?P<y>(?:19|20)\d\d)\b", re.I)),
]  # fmt: skip


@dataclass(frozen=True)
class DateMatch:
    date: str | None
    precision: str  # day | month | year | unknown
    start: int = -1
    end: int = -1
    relative: str = ""  # past | future | same | ""


def _parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _month(tok: str) -> int:
    key = tok.lower().rstrip(".")
    return MONTHS[key] if key in MONTHS else MONTHS[key[:3]]


def _shift_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


_COARSE = {"day": 0, "month": 1, "year": 2}


def resolve_date(
    sentence: str, doc_date: str | None, future: bool = False, doc_precision: str = "day"
) -> DateMatch:
    """The event date of ``sentence`` given the document date (ISO) or None.

    ``doc_precision`` (``day``, ``month`` or ``year``) is how precisely the document date is
    known (``--date 2015-02`` is month): an event dated from the document date, or relative to
    it ("yesterday", "two weeks ago"), is no more precise than that."""
    ref = _parse_iso(doc_date)
    ref_rank = _COARSE.get(doc_precision, 0)
    for kind, pat in _PATTERNS:
        found = None
        for m in pat.finditer(sentence):
            if _reference_point(sentence, m.start()) or _SINCE.match(m.group(0)):
                continue
            try:
                found = _resolve(kind, m, ref, future)
            except (ValueError, KeyError):
                found = None
            if found is not None:
                break
        if found is None:
            continue
        d, prec = found
        relative = kind not in ("iso", "year") and not (kind in ("mdy", "dmy", "my") and m.group("y"))
        if ref_rank and relative and _COARSE.get(prec, 0) < ref_rank:
            # finer than a document date known only to the month or year ("yesterday" in a
            # report of 2015-02): the document's month or year, at its precision
            prec, d = doc_precision, ref if ref is not None else d
        rel = ""
        if ref is not None:
            rel = "past" if d < ref else ("future" if d > ref else "same")
        return DateMatch(d.isoformat(), prec, m.start(), m.end(), rel)
    if ref is not None:
        return DateMatch(ref.isoformat(), doc_precision if ref_rank else "day", relative="same")
    return DateMatch(None, "unknown")


_SINCE = re.compile(r"\b(?:since|until|till|ever since)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:()]|\b(?:and|but|while|when|after|before)\b", re.I)


def _reference_point(sentence: str, start: int) -> bool:
    """True when the date at ``start`` sits in a "since ..."/"until ..." phrase of its clause
    ("the greatest threat since the end of the war in 1995"): a point of reference for a state
    that still holds or will hold, not the date of the event reported."""
    before = sentence[max(0, start - 60) : start]
    cut = 0
    for b in _CLAUSE_BREAK.finditer(before):
        cut = b.end()
    return bool(_SINCE.search(before[cut:]))


#: A date with no year before the document date in a sentence about the future counts this many
#: times farther (a report of the past never takes a date after the document's).
WRONG_SIDE_FACTOR = 2.0


def _nearest_year(ref: date, future: bool, make: Any, month: bool = False) -> date | None:
    """The date of the year before, of or after ``ref``'s that is nearest to ``ref``: in a
    report of the past, the nearest not after ``ref``; in a sentence about the future, a date
    before ``ref`` counts :data:`WRONG_SIDE_FACTOR` times farther ("December 30" early in
    January is last December, also in a sentence with "will"). A month counts from its last
    day."""
    best, best_d = None, float("inf")
    for y in (ref.year - 1, ref.year, ref.year + 1):
        try:
            d = make(y)
        except ValueError:  # 29 February
            continue
        end = _shift_months(d, 1) if month else d
        if month and d <= ref < end:
            return d
        gap = (d - ref).days if d > ref else (ref - (end if month else d)).days
        if d > ref and not future:
            continue
        score = gap * (WRONG_SIDE_FACTOR if future and d <= ref else 1.0)
        if score < best_d:
            best, best_d = d, score
    return best


def _resolve(kind: str, m: re.Match[str], ref: date | None, future: bool) -> tuple[date, str] | None:
    g = m.groupdict()
    if kind == "iso":
        return date(int(g["y"]), int(g["m"]), int(g["d"])), "day"
    if kind in ("mdy", "dmy"):
        mon, day = _month(g["mon"]), int(g["d"])
        if g.get("y"):
            return date(int(g["y"]), mon, day), "day"
        if ref is None:
            return None
        d = _nearest_year(ref, future, lambda y: date(y, mon, day))
        return (d, "day") if d else None
    if kind == "my":
        mon = _month(g["mon"])
        if g.get("y"):
            return date(int(g["y"]), mon, 1), "month"
        if ref is None:
            return None
        d = _nearest_year(ref, future, lambda y: date(y, mon, 1), month=True)
        return (d, "month") if d else None
    if ref is None:
        return None
    if kind == "ago":
        n_raw = g["n"].lower()
        n = NUMBER_WORDS.get(n_raw) or int(n_raw)
        unit = g["unit"].lower()
        if unit == "day":
            return ref - timedelta(days=n), "day"
        if unit == "week":
            return ref - timedelta(weeks=n), "day"
        if unit == "month":
            return _shift_months(ref, -n).replace(day=1), "month"
        years = n * (10 if unit == "decade" else 1)
        return date(ref.year - years, 1, 1), "year"
    if kind == "rel":
        rel = " ".join(g["rel"].lower().split())
        table = {
            "yesterday": (ref - timedelta(days=1), "day"),
            "today": (ref, "day"),
            "tonight": (ref, "day"),
            "tomorrow": (ref + timedelta(days=1), "day"),
            "last night": (ref - timedelta(days=1), "day"),
            "last week": (ref - timedelta(weeks=1), "day"),
            "past week": (ref - timedelta(weeks=1), "day"),
            "last weekend": (ref - timedelta(days=(ref.weekday() + 2) % 7 or 7), "day"),
            "this week": (ref, "day"),
            "this weekend": (ref, "day"),
            "next week": (ref + timedelta(weeks=1), "day"),
            "next weekend": (ref + timedelta(weeks=1), "day"),
            "last month": (_shift_months(ref, -1).replace(day=1), "month"),
            "past month": (_shift_months(ref, -1).replace(day=1), "month"),
            "this month": (ref.replace(day=1), "month"),
            "next month": (_shift_months(ref, 1).replace(day=1), "month"),
            "last year": (date(ref.year - 1, 1, 1), "year"),
            "past year": (date(ref.year - 1, 1, 1), "year"),
            "this year": (date(ref.year, 1, 1), "year"),
            "next year": (date(ref.year + 1, 1, 1), "year"),
            "this night": (ref, "day"),
            "next night": (ref + timedelta(days=1), "day"),
        }
        return table.get(rel)
    if kind == "wd":
        wd = WEEKDAYS[g["wd"].lower()]
        text = m.group(0).lower()
        if text.startswith("next") or (future and not text.startswith("last")):
            delta = (wd - ref.weekday()) % 7 or 7
            return ref + timedelta(days=delta), "day"
        # "on Thursday" in a report dated a Thursday is that day (news style); "last Thursday" is
        # the week before.
        delta = (ref.weekday() - wd) % 7
        if delta == 0 and text.startswith("last"):
            delta = 7
        return ref - timedelta(days=delta), "day"
    if kind == "year":
        return date(int(g["y"]), 1, 1), "year"
    return None
