"""Count tables (not events) that load as series: ``DataFrame(date, series, count[, fatalities])``.

Kinds:
- ``acled-admin1``: ACLED daily counts by first-level region and event type, a JSON list of
  ``{"EVENT_DATE", "ADMIN1", "EVENT_TYPE", "incidents", "fatalities"}``; series
  ``"ADMIN1|EVENT_TYPE"``.
- ``icews-dyad-year``: ICEWS directed dyad-year counts by quad class (CSV or .csv.gz with
  ``i_iso3c, j_iso3c, year, verbCoop, matlCoop, verbConf, matlConf``); series
  ``"SRC->TGT:quad"`` (quad as in the contract, e.g. ``verbal_conflict``), date = 1 January.
- ``gdelt-yearly``: GDELT 1.0 events per country-year, CSV without header ``year, FIPS, count``;
  series = ISO 3166 alpha-3 (FIPS 10-4 mapped; unmapped kept as ``FIPS:XX``, blank as
  ``unknown``), date = 1 January.

``import_series(path, kind, store)`` writes them to the store's ``series`` table (idempotent:
rows are keyed by kind, series and date).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from powderkeg.errors import InputError, UsageError
from powderkeg.read.datasets._common import load_countries
from powderkeg.store.counts import Counts
from powderkeg.types import Problem

SERIES_KINDS = ("acled-admin1", "icews-dyad-year", "gdelt-yearly")
_QUADS = {
    "verbCoop": "verbal_cooperation",
    "matlCoop": "material_cooperation",
    "verbConf": "verbal_conflict",
    "matlConf": "material_conflict",
}


def load_series(path: str | Path, kind: str) -> pd.DataFrame:
    """Read a count table as ``date, series, count[, fatalities]`` (see the module docstring).

    Bad records are left out; ``load_series_checked`` also returns them as Problems."""
    return load_series_checked(path, kind)[0]


def load_series_checked(path: str | Path, kind: str) -> tuple[pd.DataFrame, list[Problem]]:
    """``load_series`` and the Problems (record or line, reason) of the records left out."""
    p = Path(path)
    if kind not in SERIES_KINDS:
        raise UsageError(f"unknown series kind {kind!r}; expected one of {', '.join(SERIES_KINDS)}")
    if not p.is_file():
        raise InputError(str(p), "no such file")
    try:
        if kind == "acled-admin1":
            return _acled(p)
        if kind == "icews-dyad-year":
            return _icews(p)
        return _gdelt(p)
    except (ValueError, KeyError, json.JSONDecodeError, pd.errors.ParserError, RecursionError) as exc:
        raise InputError(str(p), f"not a {kind} table: {exc}") from None
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise InputError(str(p), f"cannot read a {kind} table: {exc}") from None


def _count(value: Any, what: str, required: bool = True) -> tuple[float | None, str | None]:
    """A count as a float, or why it is not one (negative, not a number, missing)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return (None, f"missing {what}") if required else (None, None)
    if isinstance(value, bool):
        return None, f"bad {what} {value!r}"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None, f"bad {what} {value!r} (not a number)"
    if not math.isfinite(f) or f < 0:
        return None, f"bad {what} {value!r} (not a count)"
    return f, None


def _year(value: Any) -> tuple[dt.date | None, str | None]:
    text = str(value if value is not None else "").strip()
    try:
        y = int(float(text))
    except (ValueError, OverflowError):
        return None, f"bad year {text!r}"
    if not 1800 <= y <= dt.date.today().year + 1:
        return None, f"year {y} out of range"
    return dt.date(y, 1, 1), None


def _grouped(rows: list[dict[str, Any]], fatalities: bool) -> pd.DataFrame:
    cols = ["date", "series", "count"] + (["fatalities"] if fatalities else [])
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    return (
        out.groupby(["date", "series"], as_index=False)
        .sum()
        .sort_values(["series", "date"], ignore_index=True)
    )


def _acled(p: Path) -> tuple[pd.DataFrame, list[Problem]]:
    data = json.loads(p.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of records")
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for i, rec in enumerate(data, start=1):
        reason = None
        if not isinstance(rec, dict):
            reason = "not a JSON object"
        else:
            day = None
            with contextlib.suppress(ValueError, TypeError):
                day = pd.Timestamp(str(rec.get("EVENT_DATE") or "")).date()
            missing = [k for k in ("ADMIN1", "EVENT_TYPE") if not str(rec.get(k) or "").strip()]
            n, bad_n = _count(rec.get("incidents"), "incidents")
            f, bad_f = _count(rec.get("fatalities"), "fatalities", required=False)
            if day is None or pd.isna(day):
                reason = f"bad EVENT_DATE {rec.get('EVENT_DATE')!r}"
            elif missing:
                reason = f"missing {' and '.join(missing)}"
            else:
                reason = bad_n or bad_f
            if reason is None:
                rows.append({"date": day, "series": f"{rec['ADMIN1']}|{rec['EVENT_TYPE']}",
                             "count": n, "fatalities": f or 0.0})  # fmt: skip
        if reason is not None:
            problems.append(Problem(str(p), f"record {i}: {reason}"))
    return _grouped(rows, fatalities=True), problems


def _csv_rows(p: Path) -> Iterator[tuple[int, list[str]]]:
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        reader = csv.reader(fh)
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                yield reader.line_num, fields


def _icews(p: Path) -> tuple[pd.DataFrame, list[Problem]]:
    it = _csv_rows(p)
    first = next(it, None)
    if first is None:
        raise ValueError("empty file")
    header = [h.strip() for h in first[1]]
    need = ["i_iso3c", "j_iso3c", "year", *_QUADS]
    missing = [c for c in need if c not in header]
    if missing:
        raise KeyError(f"missing columns {', '.join(missing)}")
    at = {c: header.index(c) for c in need}
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for line, fields in it:
        if len(fields) != len(header):
            problems.append(Problem(str(p), f"expected {len(header)} fields, found {len(fields)}", line))
            continue
        day, reason = _year(fields[at["year"]])
        counts = {}
        for q in _QUADS:
            if reason is None:
                counts[q], reason = _count(fields[at[q]], q, required=False)
        if reason is not None:
            problems.append(Problem(str(p), reason, line))
            continue
        src = fields[at["i_iso3c"]].strip() or "UNK"
        tgt = fields[at["j_iso3c"]].strip() or "UNK"
        for q, name in _QUADS.items():
            rows.append({"date": day, "series": f"{src}->{tgt}:{name}", "count": counts[q] or 0.0})
    return _grouped(rows, fatalities=False), problems


def _gdelt(p: Path) -> tuple[pd.DataFrame, list[Problem]]:
    fips = load_countries().by_fips

    def name(code: str) -> str:
        code = (code or "").strip()
        if not code:
            return "unknown"
        return fips.get(code, f"FIPS:{code}")

    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for line, fields in _csv_rows(p):
        if len(fields) != 3:
            problems.append(Problem(str(p), f"expected 3 fields (year, FIPS, count), found {len(fields)}", line))
            continue
        day, reason = _year(fields[0])
        n, bad = _count(fields[2], "count")
        reason = reason or bad
        if reason is not None:
            problems.append(Problem(str(p), reason, line))
            continue
        rows.append({"date": day, "series": name(fields[1]), "count": n})
    return _grouped(rows, fatalities=False), problems


def import_series(path: str | Path, kind: str, store: Any) -> Counts:
    """Load a count table and upsert it into the store's ``series`` table; bad records go to
    the quarantine with their line (or record number) and the reason."""
    df, problems = load_series_checked(path, kind)
    n = store.add_series(df, kind=kind, source=str(path)) if len(df) else 0
    counts = Counts(read=n + len(problems))
    if problems:
        q = store.add_problems(problems, input_kind=f"dataset:{kind}")
        counts.quarantined, counts.problems = q.quarantined, q.problems
    return counts
