"""Trend charts of a series frame (from :func:`theatre_series` or :func:`indicator_series`):
a PNG drawn with matplotlib's Agg canvas (no pyplot, no global figure state), and a
self-contained HTML page with an inline SVG chart and the numbers behind it (no scripts).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from powderkeg.errors import InputError, UsageError
from powderkeg.watch.alerts import Alert

_THEATRE_DEFAULT = ("n_events", "quad_material_conflict", "quad_verbal_conflict", "type_ASSAULT")
_PALETTE = ("#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
MAX_LINES = 8


def trend_columns(series_df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[str]:
    """The columns a chart shows: those asked for, else a sensible default for the frame."""
    if columns is not None:
        missing = [c for c in columns if c not in series_df.columns]
        if missing:
            raise UsageError("no such series column(s): " + ", ".join(missing))
        return list(columns)
    if "n_events" in series_df.columns:
        return [c for c in _THEATRE_DEFAULT if c in series_df.columns]
    numeric = [
        c
        for c in series_df.columns
        if pd.api.types.is_numeric_dtype(series_df[c]) and not str(c).endswith("_norm")
    ]
    active = [c for c in numeric if float(np.nansum(series_df[c].to_numpy(dtype=float))) > 0]
    return (active or numeric)[:MAX_LINES]


def _title(series_df: pd.DataFrame, title: str | None) -> str:
    if title:
        return title
    th = series_df.attrs.get("theatre")
    freq = series_df.attrs.get("freq")
    parts = [p for p in (th, f"per {freq}" if freq else None) if p]
    return "Trend: " + ", ".join(parts) if parts else "Trend"


def _check(series_df: pd.DataFrame) -> None:
    if not isinstance(series_df, pd.DataFrame):
        raise UsageError("plot_trend needs a series DataFrame")


def lower_columns(
    series_df: pd.DataFrame, lower: Sequence[str] | str | None = "auto"
) -> list[str]:
    """Columns for the second panel: those given, or (``"auto"``) fatalities when any are known."""
    if lower is None:
        return []
    if isinstance(lower, str) and lower == "auto":
        if "fatalities" in series_df.columns:
            total = float(np.nansum(series_df["fatalities"].to_numpy(dtype=float)))
            if total > 0:
                return ["fatalities"]
        return []
    return trend_columns(series_df, list(lower))


def plot_trend(
    series_df: pd.DataFrame,
    path: Path | str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    alerts: Sequence[Alert] = (),
    lower: Sequence[str] | str | None = "auto",
) -> Path:
    """Write a PNG line chart of ``columns`` over the periods; alert periods are shaded.

    ``lower`` columns (default: fatalities, when the series has any) are drawn as bars in a
    second panel under the first, on their own scale, sharing the time axis.
    """
    _check(series_df)
    cols = trend_columns(series_df, columns)
    low = lower_columns(series_df, lower)
    fig = Figure(figsize=(9, 5.5 if low else 4), dpi=100)
    FigureCanvasAgg(fig)
    if low:
        ax = fig.add_subplot(2, 1, 1)
        ax2 = fig.add_subplot(2, 1, 2, sharex=ax)
    else:
        ax = fig.add_subplot(1, 1, 1)
        ax2 = None
    x = pd.DatetimeIndex(series_df.index)
    for k, c in enumerate(cols):
        ax.plot(
            x,
            series_df[c].to_numpy(dtype=float),
            label=c,
            color=_PALETTE[k % len(_PALETTE)],
            lw=1.5,
        )
    axes = [ax] if ax2 is None else [ax, ax2]
    for a in alerts:
        for axis in axes:
            axis.axvspan(
                pd.Timestamp(a.period),
                pd.Timestamp(a.period_end),
                color="#d62728",
                alpha=0.15,
                lw=0,
            )
    ax.set_title(_title(series_df, title))
    ax.set_ylabel("value")
    ax.grid(True, alpha=0.3)
    if cols:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    if ax2 is not None:
        width = _bar_width(x)
        for k, c in enumerate(low):
            ax2.bar(
                x,
                np.nan_to_num(series_df[c].to_numpy(dtype=float)),
                width=width,
                align="edge",
                label=c,
                color=("#4d4d4d", "#8c564b", "#7f7f7f")[k % 3],
            )
        ax2.set_ylabel(low[0] if len(low) == 1 else "value")
        if float(np.nanmax(series_df[low].to_numpy(dtype=float), initial=0.0)) > 0:
            ax2.set_yscale("symlog", linthresh=10)
        ax2.grid(True, alpha=0.3)
        ax2.legend(loc="upper left", fontsize=8, frameon=False)
        ax2.set_xlabel("period")
    else:
        ax.set_xlabel("period")
    fig.autofmt_xdate()
    fig.tight_layout()
    out = Path(path)
    try:
        fig.savefig(out, format="png")
    except OSError as exc:
        raise InputError(str(out), f"cannot write chart ({exc.strerror or exc})") from None
    return out


def _bar_width(x: pd.DatetimeIndex) -> float:
    if len(x) < 2:
        return 1.0
    return float(np.median(np.diff(x.to_numpy()).astype("timedelta64[s]").astype(float))) / 86400


def _svg_chart(
    x: pd.DatetimeIndex,
    values: np.ndarray,
    cols: Sequence[str],
    alerts: Sequence[Alert],
    label: str,
    width: int,
    height: int,
) -> str:
    """An inline SVG line chart of ``values`` (periods x columns), alert periods shaded."""
    n = len(x)
    pad_l, pad_r, pad_t, pad_b = 50, 20, 20, 40
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    finite_vals = values[np.isfinite(values)]
    vmax = float(finite_vals.max()) if finite_vals.size else 1.0
    vmax = vmax if vmax > 0 else 1.0

    def px(i: int) -> float:
        return pad_l + (w * i / (n - 1) if n > 1 else w / 2)

    def py(v: float) -> float:
        return pad_t + h - h * v / vmax

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}">',
        f'<rect x="{pad_l}" y="{pad_t}" width="{w}" height="{h}" fill="none" stroke="#ccc"/>',
    ]
    pos = {ts.date().isoformat(): i for i, ts in enumerate(x)}
    for a in alerts:
        i = pos.get(a.period)
        if i is not None:
            svg.append(
                f'<rect x="{px(i) - 3:.1f}" y="{pad_t}" width="6" height="{h}" fill="#d62728" '
                f'fill-opacity="0.2"><title>{html.escape(a.theatre)} {html.escape(a.indicator)} '
                f"{a.period}: {a.value} (baseline {a.baseline:.2f}, score {a.score:.2f})</title></rect>"
            )
    for k, c in enumerate(cols):
        pts = [f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values[:, k]) if math.isfinite(v)]
        color = _PALETTE[k % len(_PALETTE)]
        svg.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(pts)}">'
            f"<title>{html.escape(str(c))}</title></polyline>"
        )
        svg.append(
            f'<text x="{pad_l + 8}" y="{pad_t + 14 + 14 * k}" font-size="11" fill="{color}">'
            f"{html.escape(str(c))}</text>"
        )
    svg.append(
        f'<text x="{pad_l - 6}" y="{pad_t + 4}" font-size="10" text-anchor="end">{vmax:g}</text>'
    )
    svg.append(f'<text x="{pad_l - 6}" y="{pad_t + h}" font-size="10" text-anchor="end">0</text>')
    if n:
        svg.append(
            f'<text x="{pad_l}" y="{height - 12}" font-size="10">{x[0].date().isoformat()}</text>'
        )
        svg.append(
            f'<text x="{pad_l + w}" y="{height - 12}" font-size="10" text-anchor="end">'
            f"{x[-1].date().isoformat()}</text>"
        )
    svg.append("</svg>")
    return "".join(svg)


def trend_html(
    series_df: pd.DataFrame,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    alerts: Sequence[Alert] = (),
    width: int = 900,
    height: int = 320,
    lower: Sequence[str] | str | None = "auto",
) -> str:
    """A self-contained HTML page: inline SVG line charts and the table of values.

    ``lower`` columns (default: fatalities when any are known) get a second chart of their own
    scale under the first. No scripts, styles or fonts are fetched: the page works offline.
    """
    _check(series_df)
    cols = trend_columns(series_df, columns)
    low = [c for c in lower_columns(series_df, lower) if c not in cols]
    heading = html.escape(_title(series_df, title))
    x = pd.DatetimeIndex(series_df.index)
    n = len(x)
    values = series_df[cols].to_numpy(dtype=float) if cols else np.zeros((n, 0))
    charts = _svg_chart(x, values, cols, alerts, heading, width, height)
    if low:
        low_values = series_df[low].to_numpy(dtype=float)
        charts += "<br>" + _svg_chart(
            x, low_values, low, alerts, html.escape(", ".join(low)), width, height * 2 // 3
        )
    shown = [*cols, *low]
    table_values = series_df[shown].to_numpy(dtype=float) if shown else np.zeros((n, 0))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown)
    body = []
    for i, ts in enumerate(x):
        cells = "".join(
            f"<td>{'' if not math.isfinite(v) else f'{v:g}'}</td>" for v in table_values[i]
        )
        body.append(f"<tr><th>{ts.date().isoformat()}</th>{cells}</tr>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{heading}</title><style>body{{font-family:sans-serif;margin:1.5em}}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;"
        "padding:2px 6px;text-align:right}</style></head><body>"
        f"<h1>{heading}</h1>{charts}"
        f"<table><thead><tr><th>period</th>{head}</tr></thead><tbody>{''.join(body)}"
        "</tbody></table></body></html>\n"
    )


def plot_trend_html(
    series_df: pd.DataFrame,
    path: Path | str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    alerts: Sequence[Alert] = (),
    lower: Sequence[str] | str | None = "auto",
) -> Path:
    """Write :func:`trend_html` to ``path``."""
    out = Path(path)
    try:
        out.write_text(
            trend_html(series_df, columns, title, alerts, lower=lower), encoding="utf-8"
        )
    except OSError as exc:
        raise InputError(str(out), f"cannot write chart ({exc.strerror or exc})") from None
    return out
