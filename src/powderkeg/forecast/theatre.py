"""Forecasts of a theatre's counts from the store: the CONTRACT's Forecast JSON.

The counts are the theatre's per-period series from the watch stage (material-conflict events by
default; all events or fatalities on request), for every theatre at once so that the pooled
negative-binomial model learns from all of them. ``model="auto"`` picks, per theatre, the
candidate (NB autoregression, Hawkes, or either ViEWS baseline) with the lowest CRPS in a
rolling-origin backtest over the theatre's own last ``select_periods`` periods before the
forecast origin; when the history is too short for that, the bootstrap baseline is the default,
and the output says so. Threshold probabilities: P(count >= N) for each N asked, and P(at least
25 deaths) from the same procedure applied to the theatre's fatalities.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .data import FREQS, Panel, period_label

MEASURES = {"material_conflict": "quad_material_conflict", "events": "n_events", "fatalities": "fatalities"}
CANDIDATES = ("nbar", "blend", "hawkes")
DEATHS = 25


def theatre_panel(
    events: pd.DataFrame, theatres: dict[str, Any], freq: str, column: str
) -> pd.DataFrame:
    """Periods x theatres frame of one theatre_series column (PeriodIndex, no gaps)."""
    from ..watch import theatre_series

    cols = {}
    for tid, th in theatres.items():
        s = theatre_series(events, th, freq=freq)
        cols[tid] = s[column].astype(float)
    df = pd.DataFrame(cols)
    pfreq = "M" if freq == "M" else "W-SUN"
    df.index = pd.DatetimeIndex(df.index).to_period(pfreq)
    return df


def _select_many(panel: Panel, targets: Sequence[str], horizon: int, select_periods: int, seed: int,
                 candidates: Sequence[str], cross: Sequence[str] = ()) -> dict[str, tuple[str, dict[str, Any]]]:  # fmt: skip
    """Per target, the candidate with the lowest CRPS on its last periods (past data only)."""
    from .backtest import BASELINES, run_backtest

    n = len(panel.counts)
    min_train = 12
    periods = min(select_periods, n - min_train - horizon)
    if periods < 3:
        why = {"periods": 0, "reason": f"{n} periods of history: too short to compare models"}
        return {t: ("bootstrap", why) for t in targets}
    sub = Panel(panel.counts, panel.freq, [], panel.source)
    res = run_backtest(sub, horizon=horizon, test_periods=periods, select_periods=0,
                       min_train=min_train, models=list(candidates), n_samples=300, seed=seed,
                       cross=cross)  # fmt: skip
    order = list(BASELINES) + list(candidates)
    out = {}
    for t in targets:
        crps = res["series"][t]["crps_test"]
        best = min(order, key=lambda m: (round(crps.get(m, np.inf), 9), order.index(m)))
        out[t] = (best, {"periods": periods, "crps": crps, "window": res["test_window"]})
    return out


def _ensemble(name: str, counts: pd.DataFrame, horizon: int, n_samples: int, seed: int,
              times: dict[str, np.ndarray] | None = None, cross: Sequence[str] = ()) -> tuple[np.ndarray, str | None]:  # fmt: skip
    from .backtest import make_forecaster
    from .models import Bootstrap

    f = make_forecaster(name, n_samples=n_samples, seed=seed, cross=cross)
    if times is not None and name == "hawkes":
        f.times = times
    try:
        return f.fit(counts).predict(horizon), None
    except InputError as e:
        return Bootstrap(n_samples=n_samples, seed=seed).fit(counts).predict(horizon), (
            f"{name} could not be fitted ({e.reason}); the bootstrap baseline stands in"
        )


def forecast_store(
    theatre: str,
    events: pd.DataFrame,
    *,
    horizon: int = 6,
    freq: str = "M",
    measure: str = "material_conflict",
    model: str = "auto",
    thresholds: Sequence[int] = (1, 5, 10, 25),
    n_samples: int = 2000,
    seed: int = 0,
    select_periods: int = 12,
    candidates: Sequence[str] = CANDIDATES,
    plot: str | Path | None = None,
    theatres: dict[str, Any] | None = None,
    cross: Sequence[str] = (),
) -> dict[str, Any]:
    """Forecast JSON for one theatre (see the module docstring). ``cross``: theatres whose
    lag-1 counts enter the NB model of every other theatre (cross-theatre lags)."""
    from ..watch import load_theatres

    if measure not in MEASURES:
        raise InputError("measure", f"{measure!r}: use {', '.join(MEASURES)}")
    theatres = theatres or load_theatres()
    if theatre not in theatres:
        raise InputError("theatre", f"unknown theatre {theatre!r}")
    if not len(events) or events["date"].notna().sum() == 0:
        raise InputError("store", "no dated events to forecast from")
    unknown = [c for c in cross if c not in theatres]
    if unknown:
        raise InputError("cross", f"unknown theatre(s) {', '.join(unknown)}")
    counts = theatre_panel(events, theatres, freq, MEASURES[measure])
    out = _forecast_counts(theatre, counts, freq, horizon=horizon, model=model, thresholds=thresholds,
                           n_samples=n_samples, seed=seed, select_periods=select_periods,
                           candidates=candidates, cross=cross)  # fmt: skip
    out["cross"] = list(cross)
    out["measure"] = measure
    # P(at least 25 deaths): the same procedure on the fatalities series
    deaths = theatre_panel(events, theatres, freq, "fatalities")
    dres = _forecast_counts(theatre, deaths, freq, horizon=horizon, model=model, thresholds=(DEATHS,),
                            n_samples=n_samples, seed=seed, select_periods=select_periods,
                            candidates=("nbar",))  # fmt: skip
    for p, d in zip(out["periods"], dres["periods"], strict=True):
        p["p_deaths_at_least"] = {str(DEATHS): d["p_at_least"][str(DEATHS)]}
    out["deaths_model"] = dres["model"]
    if plot is not None:
        from .plots import plot_fan

        hist = counts[theatre].iloc[-36:]
        title = f"{theatre}: {measure.replace('_', ' ')} per {FREQS[freq[0]]}, forecast ({out['model']})"
        out["plot"] = str(plot_fan(hist, out, Path(plot), title))
    return out


def _forecast_counts(
    theatre: str, counts: pd.DataFrame, freq: str, **kwargs: Any
) -> dict[str, Any]:
    return forecast_panel(counts, freq, [theatre], **kwargs)[theatre]


def forecast_panel(
    counts: pd.DataFrame, freq: str, targets: Sequence[str], *, horizon: int, model: str = "auto",
    thresholds: Sequence[int] = (1, 5, 10, 25), n_samples: int = 2000, seed: int = 0,
    select_periods: int = 12, candidates: Sequence[str] = CANDIDATES, cross: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Forecast JSON (without ``measure``) for each target column of ``counts`` (periods x
    series, PeriodIndex): one selection backtest and one fit per model serve every target."""
    panel = Panel(counts, "M" if freq == "M" else "W-SUN", [], "store")
    chosen: dict[str, str] = {}
    notes: dict[str, list[str]] = {t: [] for t in targets}
    selection: dict[str, dict[str, Any]] = {t: {} for t in targets}
    if model == "auto":
        picks = _select_many(panel, targets, horizon, select_periods, seed, candidates, cross)
        for t in targets:
            chosen[t], selection[t] = picks[t]
            sel = selection[t]
            if sel.get("periods"):
                crps = sel["crps"]
                base = min(crps["poisson_last"], crps["bootstrap"])
                best_model = min(crps[c] for c in candidates if c in crps)
                if best_model >= base:
                    notes[t].append(
                        f"No model beat the baselines on {t}'s last {sel['periods']} periods "
                        f"(CRPS {best_model:.3f} vs {base:.3f}); the forecast is the {chosen[t]} baseline."
                    )
            else:
                notes[t].append(f"{sel['reason']}; the forecast is the bootstrap baseline.")
    else:
        chosen = {t: model for t in targets}
    ensembles: dict[str, np.ndarray] = {}
    for m in sorted(set(chosen.values())):
        ensembles[m], note = _ensemble(m, counts, horizon, n_samples, seed, cross=cross)
        if note:
            for t in targets:
                if chosen[t] == m:
                    notes[t].append(note)
    last = counts.index[-1]
    out = {}
    for t in targets:
        ens = ensembles[chosen[t]][list(counts.columns).index(t)]
        periods = []
        for h in range(horizon):
            e = ens[h]
            q = np.quantile(e, [0.05, 0.5, 0.95], method="inverted_cdf")
            periods.append({
                "date": period_label(last + h + 1),
                "mean": round(float(e.mean()), 4),
                "quantiles": {"0.05": float(q[0]), "0.5": float(q[1]), "0.95": float(q[2])},
                "p_at_least": {str(int(n)): round(float(np.mean(e >= n)), 4) for n in thresholds},
            })  # fmt: skip
        out[t] = {
            "theatre": t,
            "model": chosen[t],
            "freq": FREQS[freq[0]],
            "history_end": period_label(last),
            "history_periods": int(len(counts)),
            "history": {period_label(p): float(v) for p, v in counts[t].iloc[-24:].items()},
            "periods": periods,
            "selection": selection[t],
            "n_samples": n_samples,
            "seed": seed,
            "notes": notes[t],
        }
    return out
