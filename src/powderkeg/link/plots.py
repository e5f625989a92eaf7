"""Plots of a Link result: branching heat map, fitted kernels, rolling estimates, each as PNG
or as a self-contained HTML page, and one HTML page with all three.

For the report:

- ``plot_branching(result, path)``: heat map of the branching matrix with its intervals.
- ``plot_kernels(result, path, max_days=None)``: the fitted excitation kernels per pair.
- ``plot_rolling(rolling, path, streams=None)``: cross-stream branching on sliding windows;
  ``rolling`` is a Link result with a ``rolling`` key (``link(..., rolling_window=...)``) or
  the list returned by :func:`powderkeg.link.rolling` (then ``streams`` names the streams).
- ``write_report(result, folder)``: all of them as PNG plus one HTML page.

``path`` ending in ``.html`` gives a self-contained page (the PNG embedded); anything else a
PNG.  Each returns the path written.
"""

from __future__ import annotations

import base64
import html
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _tight(fig) -> None:
    with warnings.catch_warnings():  # a crowded figure keeps its default layout
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()


def _matrix(result: dict[str, Any], key: str) -> np.ndarray:
    m = result.get(key)
    k = len(result["streams"])
    if m is None:
        return np.full((k, k), np.nan)
    return np.array([[np.nan if v is None else v for v in row] for row in m], dtype=float)


def branching_figure(result: dict[str, Any]):
    """Heat map of branching[i][j] (row: affected stream, column: source) with intervals."""
    plt = _plt()
    names = result["streams"]
    b = _matrix(result, "branching")
    lo, hi = _matrix(result, "branching_ci_low"), _matrix(result, "branching_ci_high")
    k = len(names)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * k, 1.2 + 1.1 * k))
    im = ax.imshow(
        np.nan_to_num(b),
        cmap="Reds",
        vmin=0,
        vmax=max(0.05, float(np.nanmax(b)) if np.isfinite(b).any() else 1),
    )
    for i in range(k):
        for j in range(k):
            txt = (
                "n/a"
                if not np.isfinite(b[i, j])
                else f"{b[i, j]:.2f}\n[{lo[i, j]:.2f}, {hi[i, j]:.2f}]"
            )
            ax.text(j, i, txt, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(k), names, rotation=30, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("source stream (j)")
    ax.set_ylabel("affected stream (i)")
    ax.set_title(f"Branching matrix - verdict: {result.get('verdict', '')[:60]}", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.8, label="expected events in i per event in j")
    _tight(fig)
    return fig


def kernels_figure(result: dict[str, Any], max_days: float | None = None):
    """Fitted excitation kernels branching[i][j] * decay * exp(-decay * lag), per pair."""
    plt = _plt()
    names = result["streams"]
    b = _matrix(result, "branching")
    d = result.get("decay")
    fig, ax = plt.subplots(figsize=(7, 4))
    if d is None or not np.isfinite(b).any():
        ax.text(0.5, 0.5, "no fitted kernels", ha="center")
    else:
        dec = np.array(d, dtype=float)
        scale = float(np.mean(dec))
        lags = np.linspace(0, max_days or 5.0 / scale, 200)
        for i in range(len(names)):
            for j in range(len(names)):
                beta = dec if dec.ndim == 0 else (dec[i, j] if dec.ndim == 2 else dec.mean())
                ax.plot(
                    lags,
                    b[i, j] * beta * np.exp(-beta * lags),
                    label=f"{names[j]} -> {names[i]}",
                    ls="-" if i != j else ":",
                )
        ax.legend(fontsize=7, ncol=2)
    ax.set_xlabel("lag (days)")
    ax.set_ylabel("excitation rate (events/day per event)")
    ax.set_title("Fitted kernels", fontsize=9)
    _tight(fig)
    return fig


def rolling_figure(result: dict[str, Any] | list[dict[str, Any]], streams=None):
    """Cross-stream branching on sliding windows with intervals.  ``result``: a Link result
    with a ``rolling`` key, or the window list of :func:`powderkeg.link.rolling`."""
    plt = _plt()
    if isinstance(result, dict):
        names = list(streams or result["streams"])
        roll = result.get("rolling") or []
    else:
        roll = list(result)
        if streams is None:
            first = next((w for w in roll if w.get("n_events")), {})
            streams = list(first.get("n_events", {}))
        names = list(streams)
    fig, ax = plt.subplots(figsize=(8, 4))
    if not roll:
        ax.text(0.5, 0.5, "no rolling estimates (give rolling_window)", ha="center")
    k = len(names)
    x = np.arange(len(roll))
    for i in range(k):
        for j in range(k):
            if i == j:
                continue
            est = np.array(
                [w["branching"][i][j] if w.get("branching") else np.nan for w in roll], dtype=float
            )
            lo = np.array(
                [w["branching_ci_low"][i][j] if w.get("branching") else np.nan for w in roll],
                dtype=float,
            )
            hi = np.array(
                [w["branching_ci_high"][i][j] if w.get("branching") else np.nan for w in roll],
                dtype=float,
            )
            line = ax.plot(x, est, marker="o", label=f"{names[j]} -> {names[i]}")[0]
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15)
    labels = [f"{w['start']:g}" if isinstance(w["start"], float) else str(w["start"]) for w in roll]
    ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("branching")
    ax.set_title("Rolling estimates (windows with too few events are blank)", fontsize=9)
    if roll:
        ax.legend(fontsize=7)
    _tight(fig)
    return fig


def _save(fig, path: str | Path, title: str) -> Path:
    """Write ``fig`` as PNG, or as a self-contained HTML page when ``path`` ends in .html."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".html", ".htm"):
        img = _png_b64(fig)
        path.write_text(
            "<!doctype html><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
            f'<img alt="{html.escape(title)}" src="data:image/png;base64,{img}">',
            encoding="utf-8",
        )
        return path
    return save_png(fig, path)


def plot_branching(result: dict[str, Any], path: str | Path) -> Path:
    """Branching-matrix heat map (estimates and intervals) of a Link result, to ``path``
    (.png, or .html for a self-contained page)."""
    return _save(branching_figure(result), path, "Branching matrix")


def plot_kernels(result: dict[str, Any], path: str | Path, max_days: float | None = None) -> Path:
    """Fitted excitation kernels of a Link result, to ``path`` (.png or .html)."""
    return _save(kernels_figure(result, max_days), path, "Fitted kernels")


def plot_rolling(
    rolling: dict[str, Any] | list[dict[str, Any]], path: str | Path, streams=None
) -> Path:
    """Rolling-window branching estimates with intervals, to ``path`` (.png or .html).
    ``rolling``: a Link result with a ``rolling`` key, or the list from
    :func:`powderkeg.link.rolling` (``streams``: the stream names, else taken from the
    windows' ``n_events``)."""
    return _save(rolling_figure(rolling, streams), path, "Rolling estimates")


def save_png(fig, path: str | Path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def _png_b64(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    _plt().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_report(
    result: dict[str, Any], directory: str | Path, stem: str = "link"
) -> dict[str, Path]:
    """Write ``<stem>_branching.png``, ``<stem>_kernels.png``, ``<stem>_rolling.png`` (when
    rolling estimates exist) and a self-contained ``<stem>.html``; return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    figs = {"branching": branching_figure(result), "kernels": kernels_figure(result)}
    if result.get("rolling"):
        figs["rolling"] = rolling_figure(result)
    paths: dict[str, Path] = {}
    imgs = []
    for name, fig in figs.items():
        p = directory / f"{stem}_{name}.png"
        fig.savefig(p, dpi=110)
        imgs.append(
            f'<h2>{name}</h2><img alt="{name}" src="data:image/png;base64,{_png_b64(fig)}">'
        )
        paths[name] = p
    items = "".join(
        f"<li>{html.escape(str(n))}</li>"
        for n in result.get("notes", []) + result.get("disagreements", [])
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>powderkeg link</title>"
        f"<h1>Cross-theatre excitation</h1><p><b>Verdict:</b> {html.escape(str(result.get('verdict')))}</p>"
        f"<p>Streams: {html.escape(', '.join(result['streams']))}; events: {html.escape(str(result.get('n_events')))}; "
        f"decay: {html.escape(str(result.get('decay')))} per day; ties: {html.escape(str(result.get('ties')))}</p>"
        f"<ul>{items}</ul>" + "".join(imgs)
    )
    p = directory / f"{stem}.html"
    p.write_text(page, encoding="utf-8")
    paths["html"] = p
    return paths
