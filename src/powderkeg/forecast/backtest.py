"""Rolling-origin backtests that never see the future, scored against the ViEWS baselines.

For every series, forecasts are made for each of its last ``test_periods`` dates at each horizon
h = 1..H, each from the data up to h periods before that date only: the models are refitted at
every origin on ``counts.iloc[: origin + 1]`` (all series cut at the origin, so cross-series
features see nothing later either). Scores are averaged over series, dates and horizons, and per
horizon (CONTRACT.md's Backtest JSON).

Model selection never peeks at the test window: the same rolling forecasts are made for the
``select_periods`` dates before it, and each series' default forecaster is the candidate (model or
baseline) with the lowest mean CRPS there. The contract's ``model`` entry scores those defaults
on the test window ("auto"); ``models`` scores each candidate on its own. Where no model beats
the best baseline on a series' selection window, the series' default is that baseline and
``notes`` says so by name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .data import Panel, period_label
from .models import Bootstrap, NBAutoregression, PoissonLast
from .scores import QUANTILES, all_scores

BASELINES = ("poisson_last", "bootstrap")
MODELS = ("nbar", "blend")
SCORE_KEYS = {"crps": "crps", "brier": "brier", "coverage90": "cover90", "log_score": "log"}


def make_forecaster(name: str, *, n_samples: int, seed: int, cross: Sequence[str] = ()) -> Any:
    if name == "poisson_last":
        return PoissonLast(n_samples=n_samples, seed=seed)
    if name == "bootstrap":
        return Bootstrap(n_samples=n_samples, seed=seed)
    if name == "nbar":
        return NBAutoregression(n_samples=n_samples, seed=seed, cross=cross)
    if name == "blend":
        from .models import Blend

        return Blend(n_samples=n_samples, seed=seed, nbar_options={"cross": cross})
    if name == "nbar_own":
        return NBAutoregression(n_samples=n_samples, seed=seed, cross=())
    if name == "hawkes":
        from .hawkes import HawkesCountForecaster

        return HawkesCountForecaster(n_samples=n_samples, seed=seed)
    raise InputError("models", f"unknown model {name!r}; use nbar, blend, hawkes, poisson_last or bootstrap")


def _targets(panel: Panel, horizon: int, test_periods: int, select_periods: int, min_train: int):
    """Per series: test target positions, selection target positions; and problems."""
    counts = panel.counts
    plan: dict[str, tuple[list[int], list[int]]] = {}
    problems: list[str] = []
    need = min_train + horizon + test_periods
    for j, name in enumerate(panel.series):
        col = counts.iloc[:, j]
        first = counts.index.get_loc(col.first_valid_index())
        last = counts.index.get_loc(col.last_valid_index())
        length = last - first + 1
        if length < need or length <= horizon:
            problems.append(
                f"{name}: {length} periods; a backtest with --horizon {horizon} and --test-periods "
                f"{test_periods} needs at least {need} ({min_train} to train on first)"
            )
            continue
        test = list(range(last - test_periods + 1, last + 1))
        lo = max(first + min_train + horizon - 1, test[0] - select_periods)
        select = list(range(lo, test[0]))
        plan[name] = (test, select)
    return plan, problems


def forecast_at(
    counts: pd.DataFrame, origin: int, horizon: int, name: str, *, n_samples: int, seed: int,
    cross: Sequence[str] = (),
) -> tuple[np.ndarray, str | None]:  # fmt: skip
    """Ensembles (series x horizon x samples) from the data up to position ``origin`` only.
    Returns the samples and a note when the model could not be fitted there (the bootstrap
    baseline stands in)."""
    history = counts.iloc[: origin + 1]
    f = make_forecaster(name, n_samples=n_samples, seed=seed + origin, cross=cross)
    try:
        return f.fit(history).predict(horizon), None
    except InputError as e:
        if name in BASELINES:
            raise
        fb = Bootstrap(n_samples=n_samples, seed=seed + origin).fit(history)
        return fb.predict(horizon), f"{name} at {period_label(counts.index[origin])}: {e.reason}"


def run_backtest(
    panel: Panel,
    *,
    horizon: int = 6,
    test_periods: int = 24,
    models: Sequence[str] = MODELS,
    select_periods: int = 12,
    min_train: int = 24,
    n_samples: int = 1000,
    seed: int = 0,
    cross: Sequence[str] = (),
    plot: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The contract's Backtest JSON for a :class:`Panel`, plus ``models``, ``series``, ``notes``,
    ``problems`` and the settings used."""
    t0 = time.perf_counter()
    if horizon < 1 or test_periods < 1:
        raise InputError("backtest", "--horizon and --test-periods must be at least 1")
    models = list(dict.fromkeys(models))
    names = list(BASELINES) + models  # baselines first: blend reuses the bootstrap's draws
    plan, short = _targets(panel, horizon, test_periods, select_periods, min_train)
    problems = list(panel.problems) + short
    if not plan:
        raise InputError(panel.source, "no series long enough to backtest: " + "; ".join(short))
    counts = panel.counts
    y_all = counts.to_numpy(float)
    col = {s: counts.columns.get_loc(s) for s in plan}
    # (origin) -> list of (series, h, target, window)
    jobs: dict[int, list[tuple[str, int, int, str]]] = {}
    for s, (test, select) in plan.items():
        for window, targets in (("test", test), ("select", select)):
            for p in targets:
                for h in range(1, horizon + 1):
                    jobs.setdefault(p - h, []).append((s, h, p, window))
    rows: list[dict[str, Any]] = []
    fit_notes: list[str] = []
    for origin in sorted(jobs):
        made: dict[str, np.ndarray] = {}
        for m in names:
            if m == "blend" and "nbar" in made:
                # the same mixture as models.Blend, from draws already made at this origin
                half = n_samples // 2
                samples = np.concatenate([made["nbar"][..., :half], made["bootstrap"][..., half:]], axis=2)
            else:
                samples, note = forecast_at(counts, origin, horizon, m, n_samples=n_samples, seed=seed,
                                            cross=cross)  # fmt: skip
                if note:
                    fit_notes.append(note)
            made[m] = samples
            batch = jobs[origin]
            idx = np.array([col[s] for s, *_ in batch])
            hs = np.array([h for _, h, _, _ in batch])
            ens = samples[idx, hs - 1]
            y = np.array([y_all[p, col[s]] for s, _, p, _ in batch])
            sc = all_scores(y, ens)
            qs = np.quantile(ens, QUANTILES, axis=1, method="inverted_cdf")
            for k, (s, h, p, window) in enumerate(batch):
                rows.append({
                    "model": m, "series": s, "h": h, "target": p, "window": window, "y": y[k],
                    **{key: float(v[k]) for key, v in sc.items()},
                    "q05": qs[0, k], "q50": qs[1, k], "q95": qs[2, k],
                })  # fmt: skip
        if progress:
            progress(1)
    df = pd.DataFrame(rows)
    result = _summarise(df, models, horizon)
    result.update(
        freq=panel.kind,
        test_periods=test_periods,
        select_periods=select_periods,
        min_train=min_train,
        n_samples=n_samples,
        seed=seed,
        cross=list(cross),
        n_series=len(plan),
        n_forecasts=int((df["window"] == "test").sum() // len(names)),
        problems=problems,
        fit_notes=sorted(set(fit_notes))[:20] + ([f"... {len(set(fit_notes)) - 20} more"] if len(set(fit_notes)) > 20 else []),
        test_window=[period_label(counts.index[min(t[0] for t, _ in plan.values())]),
                     period_label(counts.index[max(t[-1] for t, _ in plan.values())])],
    )  # fmt: skip
    if plot is not None:
        from .plots import plot_reliability

        tested = df[df["window"] == "test"]
        result["plot"] = str(plot_reliability(tested, result["series"], Path(plot)))
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def _mean(df: pd.DataFrame) -> dict[str, float | None]:
    if df.empty:
        return {k: None for k in SCORE_KEYS}
    return {k: round(float(df[v].mean()), 6) for k, v in SCORE_KEYS.items()}


def _skill(model: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> float | None:
    best = min(b["crps"] for b in baselines.values())
    if model["crps"] is None or best is None:
        return None
    if best == 0:
        return 0.0 if model["crps"] == 0 else None
    return round(1 - model["crps"] / best, 6)


def _block(df: pd.DataFrame, auto: pd.DataFrame, models: list[str]) -> dict[str, Any]:
    base = {b: _mean(df[df["model"] == b]) for b in BASELINES}
    model = _mean(auto)
    per_model: dict[str, Any] = {}
    for m in models:
        sc = _mean(df[df["model"] == m])
        per_model[m] = {**sc, "skill_vs_best_baseline": _skill(sc, base)}
    return {"model": model, "baselines": base, "skill_vs_best_baseline": _skill(model, base),
            "models": per_model}  # fmt: skip


def _summarise(df: pd.DataFrame, models: list[str], horizon: int) -> dict[str, Any]:
    sel = df[df["window"] == "select"]
    test = df[df["window"] == "test"]
    defaults: dict[str, str] = {}
    series_info: dict[str, Any] = {}
    order = list(BASELINES) + models  # ties go to the baseline
    for s in test["series"].unique():
        mine = sel[sel["series"] == s]
        crps_sel = mine.groupby("model")["crps"].mean().to_dict() if len(mine) else {}
        if crps_sel:
            default = min(order, key=lambda m: (round(crps_sel.get(m, np.inf), 9), order.index(m)))
        else:
            default = models[0]
        defaults[s] = default
        t = test[test["series"] == s].groupby("model")["crps"].mean()
        best_base = min(t[b] for b in BASELINES)
        best_model = min(t[m] for m in models)
        series_info[s] = {
            "default": default,
            "selected_on": "earlier periods" if crps_sel else "none (too short to select; model by default)",
            "model_beats_baselines_before": bool(crps_sel) and min(crps_sel[m] for m in models) < min(crps_sel[b] for b in BASELINES),
            "model_beats_baselines_test": bool(best_model < best_base),
            "crps_test": {m: round(float(v), 4) for m, v in t.items()},
        }  # fmt: skip
    pick = np.array([defaults[s] == m for s, m in zip(test["series"], test["model"], strict=True)])
    auto = test[pick]
    out: dict[str, Any] = {"horizon": horizon}
    block = _block(test, auto, models)
    out.update(block)
    out["by_horizon"] = {
        str(h): _block(test[test["h"] == h], auto[auto["h"] == h], models) for h in range(1, horizon + 1)
    }
    out["series"] = series_info
    baseline_default = sorted(s for s, d in defaults.items() if d in BASELINES)
    notes = []
    if baseline_default:
        notes.append(
            f"No model beat the best baseline on the earlier periods of {len(baseline_default)} of "
            f"{len(defaults)} series; their default forecast is that baseline: "
            + ", ".join(f"{s} ({defaults[s]})" for s in baseline_default[:30])
            + (" ..." if len(baseline_default) > 30 else "")
        )
    lost = sorted(s for s, i in series_info.items() if not i["model_beats_baselines_test"])
    if lost:
        notes.append(
            f"On the test window no model beat the best baseline on {len(lost)} of "
            f"{len(series_info)} series: " + ", ".join(lost[:30]) + (" ..." if len(lost) > 30 else "")
        )
    sk = out["skill_vs_best_baseline"]
    if sk is not None and sk <= 0:
        notes.append("Overall the forecasts do not beat the best baseline on the test window.")
    out["notes"] = notes
    return out
