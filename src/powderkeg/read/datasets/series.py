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

import json
from pathlib import Path
from typing import Any

import pandas as pd

from powderkeg.errors import InputError, UsageError
from powderkeg.read.datasets._common import load_countries
from powderkeg.store.counts import Counts

SERIES_KINDS = ("acled-admin1", "icews-dyad-year", "gdelt-yearly")
_QUADS = {
    "verbCoop": "verbal_cooperation",
    "matlCoop": "material_cooperation",
    "verbConf": "verbal_conflict",
    "matlConf": "material_conflict",
}


def load_series(path: str | Path, kind: str) -> pd.DataFrame:
    """Read a count table as ``date, series, count[, fatalities]`` (see the module docstring)."""
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
    except (ValueError, KeyError, json.JSONDecodeError, pd.errors.ParserError) as exc:
        raise InputError(str(p), f"not a {kind} table: {exc}") from None


def _acled(p: Path) -> pd.DataFrame:
    data = json.loads(p.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of records")
    df = pd.DataFrame.from_records(data)
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(df["EVENT_DATE"], format="ISO8601").dt.date,
            "series": df["ADMIN1"].astype(str) + "|" + df["EVENT_TYPE"].astype(str),
            "count": pd.to_numeric(df["incidents"]),
            "fatalities": pd.to_numeric(df["fatalities"]),
        }
    )
    return (
        out.groupby(["date", "series"], as_index=False)
        .sum()
        .sort_values(["series", "date"], ignore_index=True)
    )


def _icews(p: Path) -> pd.DataFrame:
    df = pd.read_csv(p, usecols=["i_iso3c", "j_iso3c", "year", *_QUADS])
    df = df.dropna(subset=["year"])
    long = df.melt(
        id_vars=["i_iso3c", "j_iso3c", "year"],
        value_vars=list(_QUADS),
        var_name="q",
        value_name="count",
    )
    src = long["i_iso3c"].fillna("UNK").astype(str)
    tgt = long["j_iso3c"].fillna("UNK").astype(str)
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(long["year"].astype(int).astype(str) + "-01-01").dt.date,
            "series": src + "->" + tgt + ":" + long["q"].map(_QUADS),
            "count": long["count"].fillna(0),
        }
    )
    return (
        out.groupby(["date", "series"], as_index=False)
        .sum()
        .sort_values(["series", "date"], ignore_index=True)
    )


def _gdelt(p: Path) -> pd.DataFrame:
    df = pd.read_csv(
        p, header=None, names=["year", "fips", "count"], dtype={"fips": str}, keep_default_na=False
    )
    fips = load_countries().by_fips

    def name(code: str) -> str:
        code = (code or "").strip()
        if not code:
            return "unknown"
        return fips.get(code, f"FIPS:{code}")

    out = pd.DataFrame(
        {
            "date": pd.to_datetime(df["year"].astype(int).astype(str) + "-01-01").dt.date,
            "series": df["fips"].map(name),
            "count": pd.to_numeric(df["count"]),
        }
    )
    return (
        out.groupby(["date", "series"], as_index=False)
        .sum()
        .sort_values(["series", "date"], ignore_index=True)
    )


def import_series(path: str | Path, kind: str, store: Any) -> Counts:
    """Load a count table and upsert it into the store's ``series`` table."""
    df = load_series(path, kind)
    n = store.add_series(df, kind=kind, source=str(path))
    return Counts(read=n)
