"""``ucdp``: UCDP Georeferenced Event Dataset (GED) CSV, with a header, cp1252 or UTF-8.

One row per event of organised violence with at least one death. ``row_id`` is ``id``;
fatalities are ``best``. Violence types map to PLOVER: every GED event is lethal violence, so
all map to ASSAULT; type 1 (state-based) and 2 (non-state) carry the ``military`` context, type 3
(one-sided violence against civilians) the ``human_rights`` context.

Dates. ``date_start``/``date_end`` come in three forms: ISO ``YYYY-MM-DD``, ``M/D/YYYY h:mm:ss
AM`` and ``NN/NN/YYYY HH:MM``. A slash date whose first number is over 12 is day-first, one
whose second number is over 12 is month-first. When both numbers are 12 or less the order is
decided, for the row's start and end together, by this rule (``resolve_order``):

1. Try both orders (month-first, day-first). Drop an order that gives an impossible date, a
   start in another year than the row's ``year``, a start after the end, a start-to-end span
   longer than the row's ``date_prec`` allows (1: 1 day, 2: 7, 3: 14, 4: 62, 5: 366 days), or a
   start after the earliest report in ``source_date`` (reports dated before 1989, such as
   1753-01-01 placeholders, are ignored; ``source_date`` itself writes slash dates day-first).
2. If exactly one order is left, use it.
3. If both are left and the earliest report falls within 7 days after the start for exactly
   one order, use that order.
4. Otherwise use the file's convention: the order that the file's unambiguous slash dates
   show (month-first in the UCDP Ukraine file: every unambiguous slash date has its second
   number over 12).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from powderkeg.errors import InputError
from powderkeg.read.csvrows import csv_records
from powderkeg.read.datasets._actors import resolve_actor
from powderkeg.read.datasets._common import Progress, load_countries, staged_frame
from powderkeg.store.counts import Counts
from powderkeg.types import Problem

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_SLASH = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$", re.IGNORECASE
)
MAX_SPAN_DAYS = {1: 1, 2: 7, 3: 14, 4: 62, 5: 366}
REPORT_WINDOW_DAYS = 7
MIN_REPORT_YEAR = 1989

VIOLENCE = {
    "1": ("ASSAULT", None, ["military"], "state-based conflict"),
    "2": ("ASSAULT", None, ["military"], "non-state conflict"),
    "3": ("ASSAULT", None, ["human_rights"], "one-sided violence"),
}
_PLACE_PRECISION = {
    "1": "city",
    "2": "city",
    "3": "region",
    "4": "region",
    "5": "region",
    "6": "country",
    "7": "country",
}


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def parse_slash(value: str) -> tuple[int, int, int] | None:
    """``(a, b, year)`` of an ``a/b/YYYY[ time]`` date, or None."""
    m = _SLASH.match(value.strip())
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def parse_fixed(value: str) -> dt.date | None | str:
    """A date when the form fixes it; ``"ambiguous"`` for a slash date with both parts <= 12;
    None when it is no date at all."""
    v = (value or "").strip()
    m = _ISO.match(v)
    if m:
        return _date(int(m[1]), int(m[2]), int(m[3]))
    s = parse_slash(v)
    if s is None:
        return None
    a, b, y = s
    if a > 12:
        return _date(y, b, a)
    if b > 12:
        return _date(y, a, b)
    return "ambiguous"


def file_convention(values: Iterable[str]) -> str:
    """``"mdy"`` or ``"dmy"``: the order the unambiguous slash dates of a file show."""
    md = dm = 0
    for v in values:
        s = parse_slash(v or "")
        if s is None:
            continue
        if s[1] > 12 >= s[0]:
            md += 1
        elif s[0] > 12 >= s[1]:
            dm += 1
    return "dmy" if dm > md else "mdy"


def report_dates(source_date: str | None) -> list[dt.date]:
    """Dates in a GED ``source_date`` field (``;``-separated ISO or day-first slash dates)."""
    out = []
    for part in str(source_date or "").split(";"):
        part = part.strip()
        if not part:
            continue
        m = _ISO.match(part)
        d = None
        if m:
            d = _date(int(m[1]), int(m[2]), int(m[3]))
        else:
            s = parse_slash(part)
            if s is not None:
                d = _date(s[2], s[1], s[0])  # source_date slash dates are day-first
        if d is not None and d.year >= MIN_REPORT_YEAR:
            out.append(d)
    return out


def _in_order(value: str, order: str) -> dt.date | None:
    fixed = parse_fixed(value)
    if fixed != "ambiguous":
        return fixed  # type: ignore[return-value]
    a, b, y = parse_slash(value)  # type: ignore[misc]
    return _date(y, a, b) if order == "mdy" else _date(y, b, a)


def resolve_order(
    start: str,
    end: str,
    year: int | None,
    date_prec: int | None,
    source_date: str | None,
    convention: str,
) -> tuple[dt.date | None, dt.date | None, str]:
    """``(start, end, how)`` for one GED row: see the module docstring for the rule.

    ``how`` is ``fixed`` (no ambiguity), ``only`` (one order survived the checks), ``reports``
    (decided by the report window) or ``convention`` (the file's order).
    """
    fs, fe = parse_fixed(start), parse_fixed(end)
    if fs != "ambiguous" and fe != "ambiguous":
        return fs, fe, "fixed"  # type: ignore[return-value]
    reports = report_dates(source_date)
    first_report = min(reports) if reports else None
    span = MAX_SPAN_DAYS.get(date_prec or 0)
    alive: dict[str, tuple[dt.date, dt.date | None]] = {}
    for order in ("mdy", "dmy"):
        s, e = _in_order(start, order), _in_order(end, order)
        if s is None:
            continue
        if year is not None and s.year != year:
            continue
        if e is not None and s > e:
            continue
        if e is not None and span is not None and (e - s).days > span:
            continue
        if first_report is not None and s > first_report:
            continue
        alive[order] = (s, e)
    if len(alive) == 1:
        order = next(iter(alive))
        return alive[order][0], alive[order][1], "only"
    if len(alive) == 2 and first_report is not None:
        near = [
            o for o, (s, _) in alive.items() if 0 <= (first_report - s).days <= REPORT_WINDOW_DAYS
        ]
        if len(near) == 1:
            return alive[near[0]][0], alive[near[0]][1], "reports"
    s, e = _in_order(start, convention), _in_order(end, convention)
    return s, e, "convention"


def _int(v: Any) -> int | None:
    try:
        return int(float(v))
    except (TypeError, ValueError, OverflowError):
        return None


def _float(v: Any) -> float | None:
    try:
        return float(v)  # NaN and infinities are kept, for the range check to quarantine
    except (TypeError, ValueError):
        return None


def _actor(name: str | None, fallback_country: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    r = resolve_actor(name)
    if r is not None:
        return {
            "text": name,
            "code": r[0],
            "name": r[2],
            "kind": r[1],
            "person": None,
            "sector": None,
        }
    # a group with no entry: the code of the state where it fights (contract rule)
    return {
        "text": name,
        "code": fallback_country,
        "name": name,
        "kind": "group",
        "person": None,
        "sector": None,
    }


MAX_FATALITIES = 2**31 - 1


def read_ged(path: str | Path, problems: list[Problem] | None = None) -> pd.DataFrame:
    """The GED CSV as strings (UTF-8 if it decodes, else cp1252), with a ``_line`` column (the
    record's first line). A record with the wrong number of fields or broken quoting is left out
    and, when ``problems`` is given, listed there with its line; the other records are read."""
    raw = Path(path).read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(str(path), "neither UTF-8 nor cp1252 text")
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines_of: list[int] = []
    for line, fields, reason in csv_records(text):
        if header is None:
            if fields is None:
                raise InputError(str(path), f"not a readable CSV: header {reason}")
            header = [f.strip() for f in fields]
            continue
        if fields is not None and len(fields) != len(header):
            reason = f"expected {len(header)} comma-separated fields, found {len(fields)}"
            fields = None
        if fields is None:
            if problems is not None:
                problems.append(Problem(str(path), str(reason), line))
            continue
        rows.append(fields)
        lines_of.append(line)
    if header is None:
        raise InputError(str(path), "empty file")
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header)
    df["_line"] = lines_of
    return df


def _fatalities(v: Any) -> tuple[int | None, str | None]:
    """``best`` as a whole number of deaths, or the reason it is not one."""
    text = str(v or "").strip()
    if not text:
        return None, None
    try:
        f = float(text)
    except ValueError:
        return None, f"bad best {text!r} (not a number)"
    if not math.isfinite(f) or f != int(f) or abs(f) > MAX_FATALITIES:
        return None, f"bad best {text!r} (not a whole number of deaths below {MAX_FATALITIES})"
    return int(f), None


def map_rows(df: pd.DataFrame, path: str) -> tuple[pd.DataFrame, list[Problem], dict[str, int]]:
    """GED rows -> events-table rows, problems (with CSV line numbers), and how dates resolved."""
    need = {"id", "year", "type_of_violence", "date_start", "date_end", "best"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(path, f"not a UCDP GED file: missing columns {', '.join(sorted(missing))}")
    countries = load_countries()
    convention = file_convention([*df["date_start"], *df["date_end"]])
    out: list[dict[str, Any]] = []
    problems: list[Problem] = []
    how_counts: dict[str, int] = {}
    for i, r in enumerate(df.to_dict("records")):
        line = int(r.get("_line") or i + 2)  # header is line 1
        rid = (r.get("id") or "").strip()
        if not rid:
            problems.append(Problem(path, "missing id", line))
            continue
        viol = VIOLENCE.get((r.get("type_of_violence") or "").strip())
        if viol is None:
            problems.append(
                Problem(path, f"unknown type_of_violence {r.get('type_of_violence')!r}", line)
            )
            continue
        start, end, how = resolve_order(
            r.get("date_start", ""),
            r.get("date_end", ""),
            _int(r.get("year")),
            _int(r.get("date_prec")),
            r.get("source_date"),
            convention,
        )
        if start is None:
            problems.append(Problem(path, f"bad date_start {r.get('date_start')!r}", line))
            continue
        how_counts[how] = how_counts.get(how, 0) + 1
        country = countries.code(r.get("country"))
        a = _actor(r.get("side_a"), country)
        b = _actor(r.get("side_b"), country)
        prec = _int(r.get("date_prec"))
        fatalities, bad_best = _fatalities(r.get("best"))
        lat, lon = _float(r.get("latitude")), _float(r.get("longitude"))
        for name, v in (("latitude", lat), ("longitude", lon)):
            if v is not None and not math.isfinite(v) and not bad_best:
                bad_best = f"{name} {r.get(name)!r} is not a finite number"
        if bad_best:
            problems.append(Problem(path, bad_best, line))
            continue
        typ, mode, ctx, _ = viol
        out.append(
            {
                "row_id": rid,
                "type": typ,
                "mode": mode,
                "context": ctx,
                "actor_codes": [a["code"]] if a and a["code"] else [],
                "target_codes": [b["code"]] if b and b["code"] else [],
                "actors": json.dumps([a] if a else [], ensure_ascii=False),
                "targets": json.dumps([b] if b else [], ensure_ascii=False),
                "place_name": r.get("where_coordinates")
                or r.get("adm_1")
                or r.get("country")
                or None,
                "country": country,
                "lat": lat,
                "lon": lon,
                "place_precision": _PLACE_PRECISION.get((r.get("where_prec") or "").strip()),
                "date": start,
                "date_precision": "day"
                if prec in (1, 2)
                else "month"
                if prec in (3, 4)
                else "year",
                "fatalities": fatalities,
                "line": line,
                "sentence": (r.get("source_headline") or "").split(";")[0] or None,
            }
        )
    frame = staged_frame(out, ("row_id", "type", "fatalities"))
    return frame, problems, how_counts


def import_ucdp(path: str | Path, store: Any, *, progress: Progress | None = None) -> Counts:
    """Import one UCDP GED CSV into ``store``."""
    p = str(path)
    with store.import_session(path, "ucdp", progress=progress) as imp:
        if imp.done:
            return imp.counts
        unreadable: list[Problem] = []
        df = read_ged(path, unreadable)
        frame, problems, _ = map_rows(df, p)
        problems = sorted([*unreadable, *problems], key=lambda q: q.line or 0)
        imp.counts.read += len(df) + len(unreadable)
        imp.step("read", len(df))
        if len(frame):
            imp.insert_frame(frame)
        imp.quarantine(problems)
    return imp.counts
