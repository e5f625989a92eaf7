"""Convert the event tables in ../shared/data/events to backtest CSVs (``date, series, count``).

Writes, into ``--out`` (default /tmp/pk-series, never the repository):

- ``ucdp_ukraine_oblast_month.csv``: UCDP GED Ukraine, events per oblast (``adm_1``) and month
  (dates resolved by the project's UCDP reader, ``read/datasets/ucdp.py``); every oblast gets
  every month from 2014-01 to 2021-12 (a month without events is a 0, since GED lists every
  event it codes; 2022-2023 are left out because the file covers them only in fragments);
- ``ucdp_ukraine_oblast_week.csv``: the same per week (weeks starting on Monday);
- ``acled_ukraine_oblast_week.csv`` / ``..._month.csv``: ACLED Ukraine daily counts by oblast
  (all event types summed), 2022-2023, per week / month (``read/datasets/series.py``);
- ``acled_pv_country_month.csv``: ACLED political violence per country-month 1997-2024; each
  country from its first month in the table (ACLED's coverage start) on; months inside a
  country's coverage without a row are 0 (the table lists only months with events);
- ``icews_dyad_year.csv``: ICEWS dyad-year material-conflict counts 2002-2014 for the 60 dyads
  with the most events (dates YYYY: the backtest reads them as yearly);
- ``acled_balkans_month.csv``: ACLED all-event-type counts per country-month 2021-01 to 2024-09
  for Serbia, Kosovo and Bosnia and Herzegovina (the thesis test itself is
  benchmarks/forecast_balkans_thesis.py).

    python tools/forecast_series.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO.parent / "shared" / "data" / "events"
#: the file's 2022-2023 rows are fragmentary (508 events in 2022-09, none at all in 2022-10 to
#: 2022-12 or after 2023-02, during the full-scale war): a zero there is missing data, not calm,
#: so the series end with 2021, the last year the file covers completely.
UCDP_END = "2021-12-31"
MONTHS = {m: i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}  # fmt: skip


def _grid(df: pd.DataFrame, freq: str, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Sum ``count`` per series and period; every series gets every period in [start, end]."""
    df = df.copy()
    df["period"] = pd.to_datetime(df["date"]).dt.to_period(freq)
    g = df.groupby(["series", "period"])["count"].sum()
    lo = pd.Period(start, freq) if start else g.index.get_level_values(1).min()
    hi = pd.Period(end, freq) if end else g.index.get_level_values(1).max()
    idx = pd.MultiIndex.from_product([sorted(df["series"].unique()), pd.period_range(lo, hi, freq=freq)],
                                     names=["series", "period"])  # fmt: skip
    g = g.reindex(idx, fill_value=0).reset_index()
    g["date"] = g["period"].map(lambda p: p.start_time.date().isoformat())
    return g[["date", "series", "count"]].astype({"count": int})


def ucdp(freq: str) -> pd.DataFrame:
    from powderkeg.read.datasets.ucdp import map_rows, read_ged

    path = EVENTS / "ucdp_ged_ukraine_2014_2023.csv"
    raw = read_ged(path)
    mapped, _, _ = map_rows(raw, str(path))
    adm = dict(zip(raw["id"].astype(str).str.strip(), raw["adm_1"].fillna("").astype(str), strict=True))
    oblast = mapped["row_id"].map(adm).str.replace(r"\s+(oblast|province)$", "", regex=True, case=False)
    df = pd.DataFrame({"date": mapped["date"], "series": oblast.where(oblast.str.len() > 0, "unknown"),
                       "count": 1})  # fmt: skip
    f = "M" if freq == "M" else "W-SUN"
    return _grid(df, f, "2014-01-01" if freq == "M" else "2013-12-30", UCDP_END)


def acled_ukraine(freq: str) -> pd.DataFrame:
    from powderkeg.read.datasets.series import load_series

    df = load_series(EVENTS / "acled_ukraine_daily_admin1_2022_2023.json", "acled-admin1")
    df["series"] = df["series"].str.split("|").str[0]
    return _grid(df[["date", "series", "count"]], "M" if freq == "M" else "W-SUN")


def acled_pv() -> pd.DataFrame:
    raw = pd.read_csv(EVENTS / "acled_political_violence_country_month_1997_2024.csv")
    raw["date"] = pd.to_datetime(dict(year=raw["YEAR"], month=raw["MONTH"].map(MONTHS), day=1))
    raw = raw.rename(columns={"COUNTRY": "series", "EVENTS": "count"})
    end = raw["date"].max()
    parts = []
    for _, g in raw.groupby("series"):
        parts.append(_grid(g[["date", "series", "count"]], "M", g["date"].min().strftime("%Y-%m-%d"),
                           end.strftime("%Y-%m-%d")))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def icews_dyads(top: int = 60) -> pd.DataFrame:
    from powderkeg.read.datasets.series import load_series

    df = load_series(EVENTS / "icews_dyad_year_2002_2014.csv.gz", "icews-dyad-year")
    df = df[df["series"].str.endswith(":material_conflict")]
    keep = df.groupby("series")["count"].sum().nlargest(top).index
    df = df[df["series"].isin(keep)].copy()
    df["date"] = pd.to_datetime(df["date"]).dt.year.astype(str)
    return df[["date", "series", "count"]].astype({"count": int}).sort_values(["series", "date"])


def acled_balkans() -> pd.DataFrame:
    raw = pd.read_csv(EVENTS / "acled_country_month_event_type_2021_2024.csv")
    want = {"Serbia": "Serbia", "Kosovo": "Kosovo", "Bosnia and Herzegovina": "Bosnia"}
    raw = raw[raw["Country"].isin(want)]
    df = pd.DataFrame({"date": raw["Event.month"], "series": raw["Country"].map(want), "count": raw["Events"]})
    return _grid(df, "M", "2021-01-01", "2024-09-30")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/pk-series")
    out = Path(ap.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = {
        "ucdp_ukraine_oblast_month.csv": lambda: ucdp("M"),
        "ucdp_ukraine_oblast_week.csv": lambda: ucdp("W"),
        "acled_ukraine_oblast_month.csv": lambda: acled_ukraine("M"),
        "acled_ukraine_oblast_week.csv": lambda: acled_ukraine("W"),
        "acled_pv_country_month.csv": acled_pv,
        "icews_dyad_year.csv": icews_dyads,
        "acled_balkans_month.csv": acled_balkans,
    }
    for name, make in jobs.items():
        df = make()
        df.to_csv(out / name, index=False)
        print(f"{out / name}: {df['series'].nunique()} series, {len(df)} rows, "
              f"{df['date'].min()} to {df['date'].max()}")  # fmt: skip


if __name__ == "__main__":
    main()
