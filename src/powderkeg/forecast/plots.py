"""Figures: the reliability plot of a backtest and the fan chart of a forecast (PNG, matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLOURS = {"auto": "#d62728", "nbar": "#1f77b4", "blend": "#ff7f0e", "hawkes": "#9467bd", "poisson_last": "#7f7f7f",
           "bootstrap": "#2ca02c"}  # fmt: skip


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_reliability(tested: pd.DataFrame, series: dict[str, Any], path: Path, bins: int = 10) -> Path:
    """Left: observed frequency of a count >= 1 against the forecast probability, per model (the
    diagonal is perfect calibration; marker size ~ forecasts in the bin). Right: share of outcomes
    inside the central 90% interval, per horizon (target band 85-95%)."""
    plt = _plt()
    defaults = {s: info["default"] for s, info in series.items()}
    auto = tested[[defaults.get(s) == m for s, m in zip(tested["series"], tested["model"], strict=True)]]
    frames = {"auto": auto, **{m: g for m, g in tested.groupby("model", sort=False)}}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    edges = np.linspace(0, 1, bins + 1)
    for name, g in frames.items():
        if g.empty:
            continue
        b = np.clip(np.digitize(g["p1"], edges) - 1, 0, bins - 1)
        obs = (g["y"] >= 1).astype(float)
        stats = pd.DataFrame({"b": b, "p": g["p1"], "o": obs}).groupby("b").agg(
            p=("p", "mean"), o=("o", "mean"), n=("o", "size")
        )
        c = COLOURS.get(name)
        ax1.plot(stats["p"], stats["o"], "-", color=c, label=name, alpha=0.8)
        ax1.scatter(stats["p"], stats["o"], s=10 + 60 * stats["n"] / stats["n"].max(), color=c)
        cov = g.groupby("h")["cover90"].mean()
        ax2.plot(cov.index, cov.to_numpy(), "o-", color=c, label=name)
    ax1.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax1.set_xlabel("forecast P(count >= 1)")
    ax1.set_ylabel("observed frequency")
    ax1.set_title("Reliability of P(count >= 1)")
    ax1.legend(fontsize=8)
    ax2.axhspan(0.85, 0.95, color="0.9")
    ax2.axhline(0.9, color="k", lw=0.8, ls="--")
    ax2.set_xlabel("horizon (periods ahead)")
    ax2.set_ylabel("share inside the 90% interval")
    ax2.set_ylim(0, 1.02)
    ax2.set_title("90% interval coverage")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_fan(history: pd.Series, forecast: dict[str, Any], path: Path, title: str) -> Path:
    """History as bars, the forecast's median and 5-95% band as a fan."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    hx = pd.to_datetime([str(p) for p in history.index.astype(str)]) if not isinstance(
        history.index, pd.DatetimeIndex) else history.index  # fmt: skip
    ax.plot(hx, history.to_numpy(float), "o-", color="0.3", ms=3, label="observed")
    per = forecast["periods"]
    fx = pd.to_datetime([p["date"] for p in per])
    lo = [p["quantiles"]["0.05"] for p in per]
    med = [p["quantiles"]["0.5"] for p in per]
    hi = [p["quantiles"]["0.95"] for p in per]
    ax.fill_between(fx, lo, hi, color="#d62728", alpha=0.2, label="90% interval")
    ax.plot(fx, med, "o--", color="#d62728", ms=3, label=f"median ({forecast['model']})")
    ax.plot(fx, [p["mean"] for p in per], ":", color="#d62728", label="mean")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
