"""Count series for forecasting: reading the backtest CSV, inferring the period, checking input.

The backtest CSV (CONTRACT.md) has columns ``date``, ``series``, ``count``: one row per series and
period. The period is inferred from the dates of the whole file:

- monthly: every date on the 1st of a month (``2021-03-01``), or written ``YYYY-MM``;
- weekly: every date on the same weekday (``2021-03-01``, ``2021-03-08``, ...);
- yearly: every date written ``YYYY`` (an extension for annual tables such as ICEWS dyad-years).

Bad input, and what happens to it (tested in ``tests/test_forecast_input.py``):

- a row whose count is negative, not an integer, or not a number, or whose date cannot be read:
  that series is quarantined with the line and the reason (dropping the row would leave a gap);
- two rows for one series and date: that series is quarantined;
- a gap (a period missing between a series' first and last date): the series is quarantined,
  unless ``fill_gaps="zero"`` says that a missing row means no events;
- dates that are monthly in one place and weekly in another, or neither: an error for the file;
- a series shorter than the history a backtest needs (``min_train + horizon + test_periods``) or
  than the horizon: quarantined with its length and the length it needs;
- a series with all zeros: kept (forecasts near zero are right for it, and its scores count);
  its skill is undefined when every forecast is exact, which the output says.

The other series go on; every quarantined one is listed in ``problems`` with its reason. If none
is left the call fails with one line naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

FREQS = {"M": "month", "W": "week", "Y": "year"}
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
_YEAR_RE = re.compile(r"^\d{4}$")


@dataclass
class Panel:
    """Count series on one regular period grid.

    ``counts``: DataFrame indexed by ``pd.PeriodIndex`` (one row per period, no gaps), one column
    per series; NaN before a series starts and after it ends. ``freq``: ``M``, ``W-XXX`` (weeks
    starting on the dates' weekday) or ``Y``; ``kind`` says ``month``, ``week`` or ``year``.
    ``problems``: ``"series: reason"`` for every quarantined series.
    """

    counts: pd.DataFrame
    freq: str
    problems: list[str] = field(default_factory=list)
    source: str = "series"

    @property
    def kind(self) -> str:
        return FREQS[self.freq[0]]

    @property
    def series(self) -> list[str]:
        return [str(c) for c in self.counts.columns]

    def history(self, name: str) -> pd.Series:
        """One series without its leading and trailing NaN."""
        s = self.counts[name]
        return s.loc[s.first_valid_index() : s.last_valid_index()]


def _is_int(x: float) -> bool:
    return bool(np.isfinite(x) and float(x).is_integer())


def _parse_dates(raw: pd.Series, source: str) -> tuple[pd.Series, str]:
    """Timestamps and the inferred period code, for the non-empty date strings of a file."""
    text = raw.astype(str).str.strip()
    if len(text) and text.map(lambda s: bool(_YEAR_RE.match(s))).all():
        return pd.to_datetime(text + "-01-01"), "Y"
    monthly_text = text.map(lambda s: bool(_MONTH_RE.match(s)))
    ts = pd.to_datetime(text.where(~monthly_text, text + "-01"), errors="coerce", format="mixed")
    ok = ts.notna()
    if not ok.any():
        raise InputError(source, "no readable dates in the date column")
    good = ts[ok]
    if monthly_text[ok].all() or (good.dt.day == 1).all():
        # all on the 1st: monthly unless they are 7 days apart throughout (weekly on the 1st)
        days = np.diff(np.sort(good.unique()).astype("datetime64[D]").astype(np.int64))
        if not (len(days) and np.all(days % 7 == 0) and not monthly_text[ok].any()):
            return ts, "M"
    weekdays = good.dt.day_of_week.unique()
    if len(weekdays) == 1:
        # a weekly period that starts on the dates' weekday (W-SUN starts on Monday)
        return ts, "W-" + _DAYS[(int(weekdays[0]) - 1) % 7]
    first = good[good.dt.day == 1]
    if len(first) and len(first) < len(good):
        example = good[good.dt.day != 1].iloc[0].date()
        raise InputError(
            source,
            f"mixed weekly and monthly dates (some on the 1st of a month, others such as "
            f"{example} not): use one period length per file",
        )
    raise InputError(
        source,
        "dates are neither monthly (all on the 1st of a month, or YYYY-MM) nor weekly (all on "
        f"one weekday): found weekdays {sorted(int(w) for w in weekdays)}",
    )


def panel_from_frame(
    df: pd.DataFrame,
    *,
    source: str = "series",
    fill_gaps: str = "quarantine",
    min_length: int = 1,
) -> Panel:
    """A :class:`Panel` from a frame with columns ``date``, ``series``, ``count`` (strings or
    values). See the module docstring for what happens to bad input."""
    if fill_gaps not in ("quarantine", "zero"):
        raise InputError("fill_gaps", f"must be 'quarantine' or 'zero', not {fill_gaps!r}")
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in ("date", "series", "count") if c not in cols]
    if missing:
        raise InputError(
            source, f"missing column(s) {', '.join(missing)}; need date, series, count"
        )
    data = pd.DataFrame(
        {
            "date": df[cols["date"]].astype(str).str.strip(),
            "series": df[cols["series"]].astype(str).str.strip(),
            "count": pd.to_numeric(df[cols["count"]], errors="coerce"),
            "raw": df[cols["count"]].astype(str),
            "line": np.arange(len(df)) + 2,
        }
    )
    if data.empty:
        raise InputError(source, "no rows")
    ts, freq = _parse_dates(data["date"], source)
    data["ts"] = ts
    problems: dict[str, str] = {}

    def bad(name: str, reason: str) -> None:
        problems.setdefault(name, reason)

    for r in data[data["ts"].isna()].itertuples():
        bad(r.series, f"line {r.line}: date {r.date!r} cannot be read")
    for r in data.itertuples():
        c = r.count
        if not np.isfinite(c):
            bad(r.series, f"line {r.line}: count {r.raw.strip()!r} is not a number")
        elif c < 0:
            bad(r.series, f"line {r.line}: count {r.raw.strip()} is negative")
        elif not _is_int(c):
            bad(r.series, f"line {r.line}: count {r.raw.strip()} is not an integer")
    good = data[~data["series"].isin(problems) & data["ts"].notna()].copy()
    good["period"] = good["ts"].dt.to_period(freq)
    dup = good.duplicated(["series", "period"], keep=False)
    for name, grp in good[dup].groupby("series"):
        bad(str(name), f"two or more rows for {grp['period'].iloc[0]} (lines "
                       f"{', '.join(str(x) for x in grp['line'].head(3))})")  # fmt: skip
    good = good[~good["series"].isin(problems)]
    if good.empty:
        raise InputError(source, "no usable series: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))
    lo, hi = good["period"].min(), good["period"].max()
    index = pd.period_range(lo, hi, freq=freq)
    wide = good.pivot(index="period", columns="series", values="count").reindex(index)
    keep = []
    for name in wide.columns:
        s = wide[name]
        s = s.loc[s.first_valid_index() : s.last_valid_index()]
        holes = s.index[s.isna()]
        if len(holes):
            if fill_gaps == "zero":
                wide.loc[holes, name] = 0.0
            else:
                bad(str(name), f"gap: {len(holes)} missing period(s) from {holes[0]} (a missing "
                               "row is not read as zero; pass fill_gaps='zero' / --fill-gaps zero "
                               "if it means no events)")  # fmt: skip
                continue
        if len(s) < min_length:
            bad(str(name), f"{len(s)} periods; the backtest needs at least {min_length}")
            continue
        keep.append(name)
    if not keep:
        raise InputError(source, "no usable series: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))
    wide = wide[keep].astype(float)
    wide.columns = [str(c) for c in wide.columns]
    return Panel(wide, freq, [f"{k}: {v}" for k, v in problems.items()], source)


def read_series_csv(path: str | Path, **kwargs: Any) -> Panel:
    """Read a backtest CSV (``date, series, count``) into a :class:`Panel`."""
    p = Path(path)
    if not p.is_file():
        raise InputError(str(p), "no such file")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(str(p), f"not a readable CSV ({exc})") from None
    return panel_from_frame(df, source=str(p), **kwargs)


def period_label(period: pd.Period) -> str:
    """ISO date of a period's first day (what the contract's ``date`` fields carry)."""
    return period.start_time.date().isoformat()
