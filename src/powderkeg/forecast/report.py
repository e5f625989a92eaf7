"""The report's forecast section: per theatre with events, a fan chart and a table of the next
months' material-conflict counts (mean, 90% interval, P(at least N), P(at least 25 deaths))."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

HORIZON = 6
THRESHOLDS = (1, 5, 10)


def forecast_section(
    events: pd.DataFrame, theatres: dict[str, Any], out_dir: Path, *, horizon: int = HORIZON,
    freq: str = "M", n_samples: int = 1000, seed: int = 0,
) -> list[str]:  # fmt: skip
    """Markdown lines of the section, with one ``forecast-<theatre>.png`` per theatre."""
    from .plots import plot_fan
    from .theatre import MEASURES, forecast_panel, theatre_panel

    lines = ["## Forecasts", ""]
    if not len(events) or events["date"].notna().sum() == 0:
        return lines + ["- no dated events to forecast from"]
    counts = theatre_panel(events, theatres, freq, MEASURES["material_conflict"])
    active = [t for t in counts.columns if counts[t].sum() > 0]
    if not active:
        return lines + ["- no material-conflict events in any theatre"]
    unit = {"M": "month", "W": "week"}[freq[0]]
    lines.append(
        f"Material-conflict events per {unit} for the next {horizon} {unit}s, from the store's own "
        f"history up to {counts.index[-1]}. Each theatre's model is the one (negative-binomial "
        "autoregression, Hawkes simulation, or a ViEWS baseline: Poisson on the last value, "
        "bootstrap of the last 12) with the lowest CRPS on its own recent past; where no model "
        "beat the baselines, the note says so and the forecast is the baseline. Method and "
        "backtests on real event data: docs/forecast.md."
    )
    res = forecast_panel(counts, freq, active, horizon=horizon, thresholds=THRESHOLDS,
                         n_samples=n_samples, seed=seed)  # fmt: skip
    deaths = theatre_panel(events, theatres, freq, "fatalities")
    dres = forecast_panel(deaths, freq, active, horizon=horizon, thresholds=(25,), n_samples=n_samples,
                          seed=seed, candidates=("nbar",))  # fmt: skip
    for t in active:
        f = res[t]
        name = getattr(theatres[t], "name", t)
        png = plot_fan(counts[t].iloc[-36:], f, out_dir / f"forecast-{t}.png",
                       f"{name}: material-conflict events per {unit}, forecast ({f['model']})")  # fmt: skip
        lines += ["", f"### {name} (`{t}`): model {f['model']}", "", f"![forecast {t}]({png.name})", ""]
        head = " | ".join(f"P(≥{n})" for n in THRESHOLDS)
        lines += [f"| {unit} | mean | 90% interval | median | {head} | P(≥25 deaths) |",
                  "|---|---|---|---|" + "---|" * len(THRESHOLDS) + "---|"]  # fmt: skip
        for p, d in zip(f["periods"], dres[t]["periods"], strict=True):
            q = p["quantiles"]
            probs = " | ".join(f"{p['p_at_least'][str(n)]:.2f}" for n in THRESHOLDS)
            lines.append(f"| {p['date'][:7]} | {p['mean']:.1f} | {q['0.05']:g}–{q['0.95']:g} | "
                         f"{q['0.5']:g} | {probs} | {d['p_at_least']['25']:.2f} |")  # fmt: skip
        for note in f["notes"]:
            lines += ["", f"Note: {note}"]
    lines += ["", f"Command: `powderkeg forecast THEATRE --db DB --horizon {horizon} --json`."]
    return lines
