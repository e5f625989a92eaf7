"""Alerts: an indicator's count in a theatre departs from its own recent history.

For every theatre, indicator and period the count ``x`` is compared with the ``window`` periods
before it (never with itself or the future):

``zscore`` (default)
    robust z-score: ``baseline`` = median of the trailing counts; spread = 1.4826 x their median
    absolute deviation, floored at ``sqrt(level) + 1`` where ``level`` is the larger of the
    trailing median and mean; ``score = (x - baseline) / spread``. The floor is Poisson noise plus
    an allowance for its skew at low counts; taking the mean into account keeps a sparse history
    (mostly zeros, some ones) from being read as silence. On pure Poisson noise the false-alarm
    rate at score 3 is then about 0.001 or less per period at every count level (see README.md).
``poisson``
    Poisson tail: ``baseline`` = (sum of trailing counts + 0.5) / number of trailing periods (the
    0.5 keeps a silent history from giving probability zero); ``score = -log10 P(X >= x)``.
``logz``
    robust z-score on a log scale, for heavy-tailed quantities such as fatalities (one dataset row
    can carry thousands of deaths): ``y = log1p(x)``; ``baseline`` = median of the trailing ``y``;
    spread = 1.4826 x their MAD, floored at 1 (a factor of e); ``score = (y - baseline) / spread``.
    After a silent history a score of 3 needs at least 20; after a history of about 5 a week it
    needs about 120. The baseline is reported back on the count scale (``expm1``).

``measure="events"`` (default) scores the number of events that hit the indicator;
``measure="fatalities"`` scores the sum of their fatalities (default method ``logz``; ``poisson``
is refused, deaths are not independent events), still requiring ``min_count`` events.

An alert fires when ``score >= threshold`` (default 3.0 for both methods: z of 3, or p <= 0.001),
``x >= min_count`` (default 3) and at least ``min_history`` trailing periods exist (default
``max(4, window // 2)``). With ``normalize=True`` the history is read as rates per unit of media
volume and the baseline is that rate times the period's volume, so a period in which all news
rises does not alert by itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from powderkeg.errors import UsageError
from powderkeg.watch.frame import finite, float_values, str_values
from powderkeg.watch.indicators import Indicator, load_indicators
from powderkeg.watch.series import MediaVolume, hits_for, period_freq, prepare
from powderkeg.watch.theatres import Theatre, resolve_theatre

METHODS = ("zscore", "poisson", "logz")
MEASURES = ("events", "fatalities")
DEFAULT_THRESHOLD = 3.0
LOG_SPREAD_FLOOR = 1.0


@dataclass(frozen=True)
class Alert:
    theatre: str
    indicator: str
    period: str  # first day of the period, ISO
    period_end: str  # last day of the period, ISO
    freq: str
    value: int
    baseline: float
    score: float
    method: str
    threshold: float
    event_ids: tuple[str, ...]
    sentences: tuple[str, ...]
    measure: str = "events"
    n_events: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "theatre": self.theatre,
            "indicator": self.indicator,
            "period": self.period,
            "period_end": self.period_end,
            "freq": self.freq,
            "value": self.value,
            "baseline": _round(self.baseline),
            "score": _round(self.score),
            "method": self.method,
            "threshold": self.threshold,
            "event_ids": list(self.event_ids),
            "sentences": list(self.sentences),
            "measure": self.measure,
            "n_events": self.n_events or len(self.event_ids),
        }


def _round(x: float) -> float | None:
    v = finite(x)
    return round(v, 4) if v is not None else None


def anomaly_scores(
    counts: Sequence[float] | np.ndarray,
    method: str = "zscore",
    window: int = 12,
    min_history: int | None = None,
    exposure: Sequence[float] | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and score of each period against its trailing window (NaN: too little history).

    ``exposure`` (media volume per period), when given, turns the history into rates: the
    baseline becomes rate x this period's exposure. Periods with zero or missing exposure are
    left out of histories and get no score.
    """
    if method not in METHODS:
        raise UsageError(f"alert method {method!r}: use one of {', '.join(METHODS)}")
    if not isinstance(window, int) or window < 2:
        raise UsageError("alert window must be an integer of at least 2 periods")
    need = max(4, window // 2) if min_history is None else int(min_history)
    if need < 1 or need > window:
        raise UsageError("min_history must be between 1 and the window length")
    x = np.asarray(counts, dtype="float64")
    v = np.ones_like(x) if exposure is None else np.asarray(exposure, dtype="float64")
    if v.shape != x.shape:
        raise UsageError("exposure must have one value per period")
    n = len(x)
    baseline = np.full(n, np.nan)
    score = np.full(n, np.nan)
    usable = np.isfinite(v) & (v > 0) & np.isfinite(x)
    for t in range(n):
        if not usable[t]:
            continue
        lo = max(0, t - window)
        hist = np.flatnonzero(usable[lo:t]) + lo
        if len(hist) < need:
            continue
        if method == "logz":
            logs = np.log1p(x[hist]) - np.log(v[hist])
            med = float(np.median(logs))
            mad = float(np.median(np.abs(logs - med)))
            spread = max(1.4826 * mad, LOG_SPREAD_FLOOR)
            level = med + math.log(v[t])
            baseline[t] = math.expm1(level)
            score[t] = (math.log1p(x[t]) - level) / spread
        elif method == "zscore":
            rates = x[hist] / v[hist]
            med = float(np.median(rates))
            mad = float(np.median(np.abs(rates - med)))
            base = med * v[t]
            level = max(med, float(rates.mean())) * v[t]
            spread = max(1.4826 * mad * v[t], math.sqrt(level) + 1.0)
            baseline[t] = base
            score[t] = (x[t] - base) / spread
        else:
            lam = (x[hist].sum() + 0.5) / v[hist].sum() * v[t]
            baseline[t] = lam
            if x[t] <= 0:
                score[t] = 0.0
            else:
                score[t] = -float(stats.poisson.logsf(x[t] - 1, lam)) / math.log(10)
    return baseline, score


def alerts(
    df: pd.DataFrame,
    theatres: Mapping[str, Theatre] | Iterable[Theatre | str],
    indicators: Sequence[Indicator] | None = None,
    freq: str = "W",
    method: str | None = None,
    window: int = 12,
    threshold: float | None = None,
    *,
    measure: str = "events",
    min_count: int = 3,
    min_history: int | None = None,
    normalize: bool = False,
    media_volume: MediaVolume = None,
    start: Any = None,
    end: Any = None,
) -> list[Alert]:
    """Every (theatre, indicator, period) whose count departs from its own history.

    See the module documentation for the methods; ``method=None`` picks ``zscore`` for
    ``measure="events"`` and ``logz`` for ``measure="fatalities"``. Alerts come sorted by period, theatre and
    indicator, each with the event ids and distinct sentences behind its count.
    """
    period_freq(freq)
    if method is None:
        method = "logz" if measure == "fatalities" else "zscore"
    if method not in METHODS:
        raise UsageError(f"alert method {method!r}: use one of {', '.join(METHODS)}")
    if not isinstance(min_count, int) or min_count < 1:
        raise UsageError("min_count must be a positive integer")
    if measure not in MEASURES:
        raise UsageError(f"alert measure {measure!r}: use one of {', '.join(MEASURES)}")
    if measure == "fatalities" and method == "poisson":
        raise UsageError(
            "the poisson method assumes independent events; fatalities are clustered "
            "(use logz or zscore)"
        )
    thr = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    inds = list(indicators) if indicators is not None else load_indicators()
    given = list(theatres.values()) if isinstance(theatres, Mapping) else list(theatres)
    ths = [resolve_theatre(t) for t in given]
    event_ids = (
        str_values(df, "event_id") if "event_id" in df.columns else [str(i) for i in df.index]
    )
    sentences = str_values(df, "sentence")
    fatalities = np.nan_to_num(float_values(df, "fatalities"), nan=0.0)

    found: list[Alert] = []
    prep = prepare(df, inds, freq, media_volume=media_volume, start=start, end=end)
    exposure = prep.volume if normalize else None
    for th in ths:
        h = hits_for(df, th, prep)
        for ind in inds:
            n_ev = h.counts[ind.id].to_numpy()
            if measure == "fatalities":
                j = h.counts.columns.get_loc(ind.id)
                sel = h.matched[:, j]
                x = np.bincount(
                    h.pos[sel], weights=fatalities[sel], minlength=len(n_ev)
                )[: len(n_ev)]
            else:
                x = n_ev
            base, score = anomaly_scores(x, method, window, min_history, exposure)
            fire = np.flatnonzero(np.nan_to_num(score, nan=-np.inf) >= thr)
            for t in fire:
                if n_ev[t] < min_count:
                    continue
                rows = h.rows(ind.id, int(t))
                ids = tuple(event_ids[r] or "" for r in rows)
                sents = tuple(dict.fromkeys(sentences[r] for r in rows if sentences[r]))
                period = h.index[t]
                found.append(
                    Alert(
                        theatre=th.id,
                        indicator=ind.id,
                        period=period.start_time.date().isoformat(),
                        period_end=period.end_time.date().isoformat(),
                        freq=freq,
                        value=int(round(float(x[t]))),
                        baseline=float(base[t]),
                        score=float(score[t]),
                        method=method,
                        threshold=thr,
                        event_ids=ids,
                        sentences=sents,
                        measure=measure,
                        n_events=int(n_ev[t]),
                    )
                )
    found.sort(key=lambda a: (a.period, a.theatre, a.indicator))
    return found
