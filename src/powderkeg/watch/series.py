"""Per-period series for a theatre: event counts by type and quad, intensity, fatalities,
indicator counts, and the same normalised by media volume.

Periods: ``"D"`` days, ``"W"`` weeks (Monday to Sunday), ``"M"`` calendar months. A series is
indexed by the start date of each period (index name ``period``) and runs, with zero-filled gaps,
from the first to the last dated non-historical event of the whole frame (all theatres), unless
``start``/``end`` are given, so that series of different theatres line up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from powderkeg.errors import UsageError
from powderkeg.types import QUADS
from powderkeg.watch.frame import (
    PLOVER_TYPES,
    dates,
    float_values,
    require_columns,
    str_values,
)
from powderkeg.watch.indicators import Indicator, match_indicators
from powderkeg.watch.theatres import Theatre, resolve_theatre

FREQS: dict[str, str] = {"D": "D", "W": "W-SUN", "M": "M"}
MediaVolume = str | pd.Series | None


def period_freq(freq: str) -> str:
    """The pandas period alias for ``"D"``, ``"W"`` or ``"M"``."""
    try:
        return FREQS[freq]
    except (KeyError, TypeError):
        raise UsageError(f"freq {freq!r}: use one of D, W, M") from None


def _factuality(df: pd.DataFrame) -> np.ndarray:
    return np.array([f or "asserted" for f in str_values(df, "factuality")], dtype=object)


def _type_defaults(types: list[str | None]) -> dict[str, tuple[str | None, float]]:
    """Quad and intensity of each PLOVER type named, from the ontology (for rows lacking them)."""
    from powderkeg.ontology import load_ontology

    onto = load_ontology()
    out: dict[str, tuple[str | None, float]] = {}
    for t in set(types):
        if t is None or t in out:
            continue
        try:
            out[t] = (onto.quad(t), float(onto.intensity(t)))
        except (KeyError, ValueError):
            out[t] = (None, float("nan"))
    return out


def quads_and_intensity(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each event's quad and intensity; where a row has none (imported datasets such as UCDP
    carry only a type), the type's quad and its PLOVER manual intensity fill the gap."""
    types = str_values(df, "type")
    quads = np.array(str_values(df, "quad"), dtype=object)
    inten = float_values(df, "intensity").copy()
    need = [i for i, q in enumerate(quads) if q is None] + [
        i for i in np.flatnonzero(np.isnan(inten)) if types[i] is not None
    ]
    if need:
        defaults = _type_defaults([types[i] for i in need])
        for i, t in enumerate(types):
            if t is None or t not in defaults:
                continue
            q, v = defaults[t]
            if quads[i] is None:
                quads[i] = q
            if math.isnan(inten[i]):
                inten[i] = v
    return quads, inten


@dataclass(frozen=True)
class _Periods:
    """Each event's period (NaT where undated) and the series' period range."""

    freq: str
    index: pd.PeriodIndex
    period: pd.Series  # Period per row, NaT where undated

    @property
    def starts(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.index.start_time, name="period")


def _periods(df: pd.DataFrame, freq: str, start: Any = None, end: Any = None) -> _Periods:
    p = period_freq(freq)
    d = dates(df)
    per = d.dt.to_period(p)
    span = d[d.notna() & (_factuality(df) != "historical")]
    lo = pd.Timestamp(start) if start is not None else (span.min() if len(span) else None)
    hi = pd.Timestamp(end) if end is not None else (span.max() if len(span) else None)
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi) or lo > hi:
        idx = pd.PeriodIndex([], freq=p)
    else:
        idx = pd.period_range(lo.to_period(p), hi.to_period(p), freq=p)
    return _Periods(p, idx, per)


def _count(per: pd.Series, mask: np.ndarray, index: pd.PeriodIndex) -> np.ndarray:
    sel = per[mask & per.notna().to_numpy()]
    return sel.value_counts().reindex(index, fill_value=0).to_numpy(dtype="int64")


def media_volume_series(
    df: pd.DataFrame,
    freq: str = "W",
    kind: str = "events",
    *,
    factuality: Sequence[str] | None = ("asserted",),
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """Media volume per period over the whole frame (all theatres).

    ``kind="events"`` counts events; ``kind="documents"`` counts distinct source documents
    (``doc_id``; an imported dataset row counts as its own document).
    """
    per = _periods(df, freq, start, end)
    return pd.Series(_volume(df, per, kind, factuality), index=per.starts, name="media_volume")


def _volume(
    df: pd.DataFrame, per: _Periods, kind: str, factuality: Sequence[str] | None
) -> np.ndarray:
    keep = np.array(per.period.notna(), dtype=bool)
    if factuality is not None:
        keep = keep & np.isin(_factuality(df), list(factuality))
    if kind == "events":
        return _count(per.period, keep, per.index).astype("float64")
    if kind == "documents":
        doc = str_values(df, "doc_id")
        eid = str_values(df, "event_id")
        keys = pd.Series(
            [
                d if d is not None else f"row:{e}:{i}"
                for i, (d, e) in enumerate(zip(doc, eid, strict=True))
            ],
            index=df.index,
        )
        frame = pd.DataFrame({"p": per.period, "k": keys})[keep]
        counts = frame.groupby("p", observed=True)["k"].nunique()
        return counts.reindex(per.index, fill_value=0).to_numpy(dtype="float64")
    raise UsageError(f"media volume {kind!r}: use 'events', 'documents' or a pandas Series")


def _given_volume(series: pd.Series, per: _Periods) -> np.ndarray:
    try:
        when = pd.to_datetime(pd.Index(series.index), errors="raise")
    except (ValueError, TypeError):
        raise UsageError("media volume series must be indexed by dates") from None
    values = pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce")
    grouped = values.groupby(when.to_period(per.freq).to_numpy()).sum(min_count=1)
    return grouped.reindex(per.index).to_numpy(dtype="float64")


def resolve_volume(
    df: pd.DataFrame, per: _Periods, media_volume: MediaVolume, factuality: Sequence[str] | None
) -> np.ndarray:
    if media_volume is None:
        return _volume(df, per, "events", factuality)
    if isinstance(media_volume, str):
        return _volume(df, per, media_volume, factuality)
    if isinstance(media_volume, pd.Series):
        return _given_volume(media_volume, per)
    raise UsageError("media_volume must be None, 'events', 'documents' or a pandas Series")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num.astype("float64") / den
    out[~np.isfinite(out)] = np.nan
    return out


def theatre_series(
    df: pd.DataFrame,
    theatre: Theatre | str | None,
    freq: str = "W",
    media_volume: MediaVolume = None,
    *,
    factuality: Sequence[str] = ("asserted",),
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Per-period activity of one theatre (``None``: every event).

    Columns: ``n_events``; ``type_<PLOVER TYPE>`` for the 16 types; ``quad_<quad>`` for the four
    quads; ``mean_intensity`` (NaN for an empty period); ``fatalities`` (sum);
    ``material_conflict_share`` (material-conflict events / events, NaN when empty);
    ``media_volume``; and ``<count>_norm`` = count / media volume for every count column and
    fatalities. Rows without a quad or intensity (dataset imports that carry only a PLOVER type)
    take those of their type from the ontology. Media volume is, per period, the number of events in the whole frame (default or
    ``"events"``), of distinct documents (``"documents"``), or a given date-indexed Series summed
    into periods. Only events whose factuality is in ``factuality`` count (null = asserted).
    ``attrs`` records the theatre, freq, and how many theatre events were undated.
    """
    require_columns(df, ("date", "type"))
    theatre = resolve_theatre(theatre) if theatre is not None else None
    per = _periods(df, freq, start, end)
    fact = _factuality(df)
    keep = np.isin(fact, list(factuality))
    in_theatre = theatre.matches(df).to_numpy() if theatre is not None else np.ones(len(df), bool)
    sel = keep & in_theatre
    dated = per.period.notna().to_numpy()
    idx = per.index

    out: dict[str, np.ndarray] = {"n_events": _count(per.period, sel, idx)}
    types = np.array(str_values(df, "type"), dtype=object)
    for t in PLOVER_TYPES:
        out[f"type_{t}"] = _count(per.period, sel & (types == t), idx)
    quads, intensity = quads_and_intensity(df)
    for q in QUADS:
        out[f"quad_{q}"] = _count(per.period, sel & (quads == q), idx)

    frame = pd.DataFrame(
        {
            "p": per.period,
            "intensity": intensity,
            "fatalities": float_values(df, "fatalities"),
        }
    )[sel & dated]
    grouped = frame.groupby("p", observed=True)
    mean_int = grouped["intensity"].mean().reindex(idx).to_numpy(dtype="float64")
    fat = grouped["fatalities"].sum().reindex(idx, fill_value=0).to_numpy(dtype="float64")
    volume = resolve_volume(df, per, media_volume, factuality)

    result = pd.DataFrame(out, index=per.starts)
    result["mean_intensity"] = mean_int
    result["fatalities"] = fat
    result["material_conflict_share"] = _ratio(
        out["quad_material_conflict"], out["n_events"].astype(float)
    )
    result["media_volume"] = volume
    for name in [*out, "fatalities"]:
        result[f"{name}_norm"] = _ratio(result[name].to_numpy(), volume)
    result.attrs.update(
        theatre=theatre.id if theatre is not None else None,
        freq=freq,
        undated_events=int((keep & in_theatre & ~dated).sum()),
    )
    return result


@dataclass(frozen=True)
class IndicatorHits:
    """Indicator counts per period for one theatre, and the rows behind each count."""

    starts: pd.DatetimeIndex
    index: pd.PeriodIndex
    counts: pd.DataFrame  # periods x indicator ids
    matched: np.ndarray  # events x indicators: hit, in the theatre, inside the series' span
    pos: np.ndarray  # each event's period position (-1: undated or outside the span)
    volume: np.ndarray

    def rows(self, indicator_id: str, t: int) -> np.ndarray:
        """Row positions of the events behind ``counts[indicator_id]`` in period ``t``."""
        j = self.counts.columns.get_loc(indicator_id)
        return np.flatnonzero(self.matched[:, j] & (self.pos == t))


@dataclass(frozen=True)
class Prepared:
    """What every theatre shares when many are watched over one frame: computed once."""

    per: _Periods
    pos: np.ndarray
    matched: np.ndarray
    volume: np.ndarray
    ids: tuple[str, ...]


def prepare(
    df: pd.DataFrame,
    indicators: Sequence[Indicator],
    freq: str = "W",
    *,
    media_volume: MediaVolume = None,
    start: Any = None,
    end: Any = None,
) -> Prepared:
    require_columns(df, ("date", "type"))
    per = _periods(df, freq, start, end)
    pos = (
        per.index.get_indexer(pd.PeriodIndex(per.period, freq=per.freq))
        if len(df)
        else np.zeros(0, dtype=int)
    )
    matched = match_indicators(df, indicators).to_numpy(dtype=bool)
    volume = resolve_volume(df, per, media_volume, ("asserted",))
    return Prepared(per, pos, matched, volume, tuple(i.id for i in indicators))


def hits_for(df: pd.DataFrame, theatre: Theatre | str | None, prep: Prepared) -> IndicatorHits:
    """Indicator counts of one theatre from a :class:`Prepared` frame."""
    theatre = resolve_theatre(theatre) if theatre is not None else None
    n, k = prep.matched.shape
    in_theatre = theatre.matches(df).to_numpy() if theatre is not None else np.ones(n, bool)
    m = prep.matched & (in_theatre & (prep.pos >= 0))[:, None]
    nper = len(prep.per.index)
    counts = np.zeros((nper, k), dtype="int64")
    for j in range(k):
        counts[:, j] = np.bincount(prep.pos[m[:, j]], minlength=nper)[:nper]
    frame = pd.DataFrame(counts, index=prep.per.starts, columns=list(prep.ids))
    return IndicatorHits(prep.per.starts, prep.per.index, frame, m, prep.pos, prep.volume)


def indicator_hits(
    df: pd.DataFrame,
    theatre: Theatre | str | None,
    indicators: Sequence[Indicator],
    freq: str = "W",
    *,
    media_volume: MediaVolume = None,
    start: Any = None,
    end: Any = None,
) -> IndicatorHits:
    """Indicator counts of one theatre per period, with the rows behind them."""
    prep = prepare(df, indicators, freq, media_volume=media_volume, start=start, end=end)
    return hits_for(df, theatre, prep)


def indicator_series(
    df: pd.DataFrame,
    theatre: Theatre | str | None,
    indicators: Sequence[Indicator],
    freq: str = "W",
    *,
    media_volume: MediaVolume = None,
    normalize: bool = False,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Per-period counts of events that hit each indicator in a theatre (one column per id).

    Each indicator applies its own factuality filter. With ``normalize=True`` the counts are
    divided by the media volume of the period (see :func:`theatre_series`).
    """
    h = indicator_hits(
        df, theatre, indicators, freq, media_volume=media_volume, start=start, end=end
    )
    out = h.counts.astype("float64") if normalize else h.counts.copy()
    if normalize:
        for c in out.columns:
            out[c] = _ratio(h.counts[c].to_numpy(), h.volume)
    out.attrs.update(theatre=_theatre_id(theatre), freq=freq)
    return out


def _theatre_id(theatre: Theatre | str | None) -> str | None:
    if theatre is None:
        return None
    return theatre if isinstance(theatre, str) else theatre.id
