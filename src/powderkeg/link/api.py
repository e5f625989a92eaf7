"""``link``: cross-theatre excitation as the CONTRACT's Link JSON.

Input: a CSV path (columns ``time`` and ``stream``; ``time`` an ISO date or a number of days) or
a pandas DataFrame with ``stream`` and ``date`` (or ``time``).  Output: a dict with exactly the
contract's keys (``streams``, ``n_events``, ``baseline``, ``decay``, ``branching``,
``branching_ci_low``, ``branching_ci_high``, ``granger_p``, ``loglik``, ``verdict``,
``seconds``) plus extra keys that say how the numbers were made (``ties``, ``notes``,
``disagreements``, ``rolling``...).  Rows that cannot be read are quarantined and listed in
``problems``; nothing is dropped silently.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from powderkeg.errors import InputError
from powderkeg.link._events import Events, prepare
from powderkeg.link.granger import bin_counts, granger
from powderkeg.link.hawkes import HawkesExp

DEFAULT_MIN_EVENTS = 100
DEFAULT_MAX_CI_WIDTH = 0.5
# Bounds that keep memory and time in proportion to the data (a 5-row file spanning years 1 to
# 9999 once asked for a 3.6-million-bin by 10,000-piece matrix): the Hawkes fit's cost grows with
# the square of the number of streams; the baseline gets at most one piece per stream's worth of
# events; Granger bins are widened when the window would need more than MAX_BINS, or more than
# BINS_PER_EVENT per event (bins with no events add cost, not information).
MAX_STREAMS = 12
MAX_BASELINE_PIECES = 200
MAX_BINS = 50_000
MIN_BINS_CAP = 2_000
BINS_PER_EVENT = 20


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------
def _read_input(data: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        return data.copy(), "events"
    if isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise InputError(str(path), "no such file")
        return _read_csv(path), str(path)
    raise InputError(
        "link", f"expected a CSV path or a pandas DataFrame, got {type(data).__name__}"
    )


def _read_csv(path: Path) -> pd.DataFrame:
    """The CSV as strings, one record at a time (``powderkeg.read.csvrows``): a badly quoted or
    ragged record is listed in ``df.attrs["problems"]`` with its line, and the rest is read;
    ``df.attrs["lines"]`` holds each row's line number."""
    from powderkeg.read.csvrows import csv_records

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not a readable CSV (not UTF-8: {exc.reason})") from None
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[str] = []
    for line, fields, reason in csv_records(text):
        if header is None:
            if fields is None:
                raise InputError(str(path), f"not a readable CSV: header {reason}")
            header = [f.strip() for f in fields]
            continue
        if fields is not None and len(fields) != len(header):
            reason, fields = f"expected {len(header)} fields, found {len(fields)}", None
        if fields is None:
            problems.append(f"{path} line {line}: {reason}")
            continue
        rows.append(fields)
        lines.append(line)
    if header is None:
        raise InputError(str(path), "not a readable CSV (empty file)")
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header)
    df.attrs["problems"] = problems
    df.attrs["lines"] = lines
    return df


def _parse(df: pd.DataFrame, source: str) -> tuple[pd.DataFrame, bool, list[str]]:
    """Rows with a usable time and stream: columns ``t`` (days) and ``stream``; ``is_date``;
    problems for the rows that were quarantined (1-based data line numbers, header = line 1)."""
    cols = {c.lower().strip(): c for c in df.columns}
    tcol = cols.get("time") or cols.get("date")
    scol = cols.get("stream")
    if tcol is None or scol is None:
        raise InputError(
            source,
            "needs columns 'time' (or 'date') and 'stream'; found "
            + ", ".join(map(str, df.columns)),
        )
    raw_t = df[tcol]
    stream = df[scol].astype("string").str.strip()
    problems: list[str] = list(df.attrs.get("problems") or [])
    line_of = list(df.attrs.get("lines") or [])
    is_date = True
    t = None
    if pd.api.types.is_datetime64_any_dtype(raw_t):
        dt = pd.to_datetime(raw_t)
    elif pd.api.types.is_numeric_dtype(raw_t):
        t = pd.to_numeric(raw_t, errors="coerce").astype(float)
        is_date = False
    else:
        text = raw_t.astype("string").str.strip()
        num = pd.to_numeric(text, errors="coerce")
        nonblank = text.fillna("").str.len() > 0
        # numbers if most non-blank entries are numbers (the rest, e.g. "nan", quarantined)
        if nonblank.any() and num[nonblank].notna().mean() >= 0.5:
            t = num.astype(float)
            is_date = False
        else:
            dt = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if is_date:
        dt = pd.to_datetime(dt)
        if getattr(dt.dt, "tz", None) is not None:
            dt = dt.dt.tz_convert(None)
        day = dt.dt.floor("D")
        t = (day - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    bad_t = ~np.isfinite(t.to_numpy(dtype=float, na_value=np.nan))
    bad_s = stream.isna() | (stream.fillna("") == "")
    for pos in np.flatnonzero(bad_t | bad_s.to_numpy()):
        line = line_of[pos] if pos < len(line_of) else int(pos) + 2
        if bad_t[pos]:
            problems.append(
                f"{source} line {line}: time {str(raw_t.iloc[pos])!r} is not an ISO date or a number"
            )
        else:
            problems.append(f"{source} line {line}: empty stream")
    keep = ~(bad_t | bad_s.to_numpy())
    out = pd.DataFrame(
        {
            "t": t.to_numpy(dtype=float, na_value=np.nan)[keep],
            "stream": stream.to_numpy()[keep].astype(str),
        }
    )
    return out, is_date, problems


def _iso(day: float) -> str:
    return (pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(day))).date().isoformat()


def _bin_width(bin_spec: str | float, is_date: bool) -> float:
    if isinstance(bin_spec, (int, float)):
        return float(bin_spec)
    try:
        td = pd.Timedelta(pd.tseries.frequencies.to_offset(bin_spec))
    except (ValueError, TypeError):
        raise InputError(
            "bin", f"{bin_spec!r} is not a fixed bin width such as '1D' or '7D'"
        ) from None
    return td / pd.Timedelta(days=1)


def _nan_to_none(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return _nan_to_none(x.tolist())
    if isinstance(x, (list, tuple)):
        return [_nan_to_none(v) for v in x]
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return None if not math.isfinite(v) else round(v, 6)
    if isinstance(x, np.integer):
        return int(x)
    return x


# ----------------------------------------------------------------------------------------------
# the stage
# ----------------------------------------------------------------------------------------------
def link(
    data: str | Path | pd.DataFrame,
    *,
    seed: int = 0,
    theatres: Sequence[str] | None = None,
    bin: str | float = "1D",  # noqa: A002 - the contract's word
    lags: int = 7,
    family: str = "negbin",
    baseline: str = "piecewise",
    baseline_piece_days: float = 365.0,
    decay: str | float = "estimate",
    decay_bounds: tuple[float, float] = (0.01, 10.0),
    n_exp: int = 1,
    per_pair: bool = False,
    ties: str = "jitter",
    ci: str = "wald",
    n_boot: int = 200,
    level: float = 0.95,
    min_events: int = DEFAULT_MIN_EVENTS,
    max_ci_width: float = DEFAULT_MAX_CI_WIDTH,
    start: str | float | None = None,
    end: str | float | None = None,
    rolling_window: float | None = None,
    rolling_step: float | None = None,
    jitter_draws: int = 5,
) -> dict[str, Any]:
    """Fit the Hawkes model and the Granger tests to event streams; return the Link JSON.

    Times are in days.  Date input is at day resolution, so ties are resolved by seeded jitter
    within the day (``ties="jitter"``; ``"error"`` refuses ties), ``jitter_draws`` times, and the
    fits are combined by Rubin's rules (multiple imputation), so that the unknown order within
    a day widens the intervals instead of deciding them.  The background rate is
    piecewise constant by default (one level per ``baseline_piece_days``), so that common shocks
    and changes in coverage are not read as excitation.  ``verdict`` is "ok" only when every
    stream has ``min_events`` events, the time scale is identified, and every cross-stream
    interval is narrower than ``max_ci_width``; otherwise "insufficient data: <reason>".
    """
    t0 = time.perf_counter()
    df, source = _read_input(data)
    rows, is_date, problems = _parse(df, source)
    if rows.empty:
        raise InputError(
            source,
            "no usable events" + (f" ({len(problems)} rows quarantined)" if problems else ""),
        )
    names = list(theatres) if theatres is not None else sorted(rows["stream"].unique())
    if len(set(names)) != len(names):
        raise InputError("theatres", "names a stream twice")
    unused = sorted(set(rows["stream"]) - set(names))
    rows = rows[rows["stream"].isin(names)]
    kk = len(names)
    if kk > MAX_STREAMS:
        raise InputError(
            source,
            f"{kk} streams: link fits at most {MAX_STREAMS} at once (its memory and time grow "
            "with the square of the number of streams); keep fewer streams (fewer --theatres, "
            "or filter or merge the CSV's stream column)",
        )
    index = {n: i for i, n in enumerate(names)}

    def as_day(v: str | float | None, default: float) -> float:
        if v is None:
            return default
        if isinstance(v, (int, float)):
            return float(v)
        return float((pd.Timestamp(v).floor("D") - pd.Timestamp("1970-01-01")).days)

    t_all = rows["t"].to_numpy(dtype=float)
    k_all = rows["stream"].map(index).to_numpy(dtype=np.int64)
    whole = bool(np.all(t_all == np.round(t_all))) if t_all.size else True
    resolution = 1.0 if (is_date or whole) else 0.0
    lo = as_day(start, float(t_all.min()) if t_all.size else 0.0)
    hi = as_day(end, float(t_all.max()) if t_all.size else 0.0) + resolution
    inside = (t_all >= lo) & (t_all < hi + (0.0 if resolution else 1e-12))
    if not inside.all():
        problems.append(
            f"{source}: {int((~inside).sum())} events outside the window [start, end] were left out"
        )
    t_all, k_all = t_all[inside], k_all[inside]
    counts = np.bincount(k_all, minlength=kk)
    out: dict[str, Any] = {
        "streams": names,
        "n_events": {n: int(c) for n, c in zip(names, counts, strict=True)},
        "baseline": None,
        "decay": None,
        "branching": None,
        "branching_ci_low": None,
        "branching_ci_high": None,
        "granger_p": None,
        "loglik": None,
        "verdict": "",
        "seconds": 0.0,
        "time_unit": "day",
        "window": {
            "start": _iso(lo) if is_date else lo,
            "end": _iso(hi - resolution) if is_date else hi,
            "days": hi - lo,
        },
        "ties": None,
        "baseline_kind": None,
        "ci_method": None,
        "level": level,
        "min_events": min_events,
        "notes": [],
        "disagreements": [],
        "quarantined": len(problems),
        "problems": problems,
        "unused_streams": unused,
        "seed": seed,
    }

    def finish(verdict: str) -> dict[str, Any]:
        out["verdict"] = verdict
        out["seconds"] = round(time.perf_counter() - t0, 4)
        return {k: _nan_to_none(v) for k, v in out.items()}

    # -- checks before fitting -------------------------------------------------------------
    if kk < 2:
        return finish(
            f"insufficient data: a link needs at least two streams; got {kk} ({', '.join(names) or 'none'})"
        )
    few = [n for n, c in zip(names, counts, strict=True) if c < 2]
    if few:
        return finish(
            "insufficient data: "
            + "; ".join(f"stream '{n}' has {int(counts[index[n]])} event(s)" for n in few)
            + " (a fit needs at least 2 each)"
        )
    if hi - lo <= 0:
        raise InputError(source, "the observation window has zero length")

    # -- Hawkes --------------------------------------------------------------------------------
    span = hi - lo
    pieces = max(1, int(round(span / baseline_piece_days))) if baseline == "piecewise" else 1
    cap = max(1, min(MAX_BASELINE_PIECES, int(t_all.size) // max(kk, 1)))
    early_notes: list[str] = []
    if pieces > cap:
        early_notes.append(
            f"the {span:.0f}-day window would need {pieces} baseline pieces of "
            f"{baseline_piece_days:g} days; {cap} are used (at most {MAX_BASELINE_PIECES}, and "
            "no more than the events per stream)"
        )
        pieces = cap
    draws = max(1, int(jitter_draws)) if (resolution > 0 and ci != "bootstrap") else 1
    seeds = [seed] + [int(x) for x in np.random.SeedSequence(seed).generate_state(draws - 1)]
    models, evs = [], []
    for s_d in seeds:
        ev_d = prepare(
            (t_all - lo, k_all),
            horizon=span,
            start=0.0,
            n_streams=kk,
            ties=ties,
            resolution=resolution,
            seed=s_d,
            source=source,
        )
        models.append(
            HawkesExp(
                decay=decay,
                n_exp=n_exp,
                per_pair=per_pair,
                baseline=baseline,
                n_baseline_pieces=pieces,
                ties=ties,
                resolution=resolution,
                ci=ci,
                n_boot=n_boot,
                level=level,
                decay_bounds=decay_bounds,
                seed=s_d,
            ).fit(ev_d)
        )
        evs.append(ev_d)
    model, ev = models[0], evs[0]
    comb = combine_draws(models, level)
    out["ties"] = (
        ev.ties
        if draws == 1
        else (
            f"{ev.ties.split(' (seed')[0]}; {draws} jitter draws (first seed {seed}) combined by "
            "Rubin's rules: the unknown times within the day are imputed several times and the spread "
            "between draws is added to the intervals"
        )
    )
    out["baseline_kind"] = (
        f"piecewise constant, {pieces} pieces of {span / pieces:.0f} days"
        if baseline == "piecewise" and pieces > 1
        else baseline
    )
    out["ci_method"] = {
        "wald": "Wald, observed information (decay estimated jointly)",
        "bootstrap": f"parametric bootstrap, {n_boot} refits, percentile",
        "none": "none",
    }[ci]
    out["baseline"] = comb["baseline"]
    if baseline == "piecewise" and pieces > 1:
        out["baseline_pieces"] = comb["baseline_pieces"]
    out["decay"] = comb["decay"]
    if comb["decay_ci"] is not None:
        out["decay_ci"] = comb["decay_ci"]
    out["branching"] = comb["branching"]
    out["branching_ci_low"] = comb["low"]
    out["branching_ci_high"] = comb["high"]
    if draws > 1:
        out["branching_jitter_sd"] = comb["between_sd"]
    out["loglik"] = comb["loglik"]
    out["spectral_radius"] = float(np.max(np.abs(np.linalg.eigvals(comb["branching"]))))
    notes = early_notes + sorted({n for m in models for n in m.notes_})
    gof = model.residual_pvalues()
    out["fit_check"] = {
        "test": "time-rescaling: KS test of compensator increments against Exp(1), per stream",
        "p": {n: float(v) for n, v in zip(names, gof, strict=True)},
    }
    for n, v in zip(names, gof, strict=True):
        if np.isfinite(v) and v < 0.01:
            notes.append(
                f"the model fits stream '{n}' poorly (time-rescaling KS p = {v:.2g}): "
                "read its numbers with care"
            )
    if out["spectral_radius"] >= 1:
        notes.append(
            f"spectral radius {out['spectral_radius']:.2f} >= 1: the fitted process is explosive; "
            "the background is probably not capturing a trend"
        )

    # -- Granger -------------------------------------------------------------------------------
    width = _bin_width(bin, is_date)
    max_bins = min(MAX_BINS, max(MIN_BINS_CAP, BINS_PER_EVENT * int(t_all.size)))
    if width > 0 and span / width > max_bins:
        wider = float(np.ceil(span / max_bins)) if is_date or whole else span / max_bins
        notes.append(
            f"Granger bins widened from {width:g} to {wider:g} days: the {span:.0f}-day window "
            f"would need more than {max_bins} bins for {t_all.size} events"
        )
        width = wider
    cmat = bin_counts(ev.t, ev.k, kk, 0.0, span, width)
    exog = None
    if pieces > 1:
        centres = (np.arange(cmat.shape[0]) + 0.5) * width
        piece = np.minimum((centres / (span / pieces)).astype(int), pieces - 1)
        exog = np.eye(pieces)[piece][:, 1:]
    try:
        gp, gstats = granger(cmat, lags=lags, family=family, exog=exog, return_stats=True)
        out["granger_p"] = gp
        out["granger"] = {
            "bin_days": width,
            "lags": lags,
            "family": family,
            "exog": "baseline-piece dummies" if exog is not None else "none",
        }
        notes.extend(f"granger: {n}" for n in gstats["notes"])
    except InputError as exc:
        gp = np.full((kk, kk), np.nan)
        out["granger_p"] = gp
        notes.append(f"granger not run: {exc.reason}")

    # -- per-entry reading and disagreements ---------------------------------------------------
    low, high, best = comb["low"], comb["high"], comb["branching"]
    entries = []
    for i in range(kk):
        for j in range(kk):
            if i == j:
                continue
            w = high[i, j] - low[i, j]
            if not np.isfinite(w):
                h = "no interval"
            elif w > max_ci_width:
                h = "too uncertain"
            elif low[i, j] > 0:
                h = "link"
            else:
                h = "no evidence"
            g = gp[i, j]
            gl = "untested" if not np.isfinite(g) else ("link" if g < 0.05 else "no evidence")
            entries.append(
                {
                    "to": names[i],
                    "from": names[j],
                    "branching": float(best[i, j]),
                    "ci": [float(low[i, j]), float(high[i, j])],
                    "hawkes": h,
                    "granger_p": None if not np.isfinite(g) else float(g),
                    "granger": gl,
                }
            )
            if h in ("link", "no evidence") and gl in ("link", "no evidence") and h != gl:
                out["disagreements"].append(
                    f"{names[j]} -> {names[i]}: Hawkes says {h} (branching {best[i, j]:.3f}, "
                    f"CI [{low[i, j]:.3f}, {high[i, j]:.3f}]), Granger says {gl} (p = {g:.3g})"
                )
    out["pairs"] = entries

    # -- rolling -------------------------------------------------------------------------------
    if rolling_window:
        out["rolling"] = rolling(
            ev,
            window=rolling_window,
            step=rolling_step or rolling_window / 2,
            decay=float(np.exp(np.mean(np.log(comb["decay"])))),
            min_events=max(10, min_events // 4),
            names=names,
            origin=lo if is_date else None,
            level=level,
        )

    # -- verdict -------------------------------------------------------------------------------
    out["notes"] = notes
    reasons = []
    thin = [(n, int(c)) for n, c in zip(names, counts, strict=True) if c < min_events]
    if thin:
        reasons.append(
            "; ".join(f"stream '{n}' has {c} events" for n, c in thin)
            + f" (at least {min_events} per stream are needed for a cross-stream estimate)"
        )
    spans = [(ev.t[ev.k == i].min(), ev.t[ev.k == i].max()) for i in range(kk)]
    for i in range(kk):
        for j in range(i + 1, kk):
            ov = min(spans[i][1], spans[j][1]) - max(spans[i][0], spans[j][0])
            shorter = min(spans[i][1] - spans[i][0], spans[j][1] - spans[j][0])
            if ov <= 0.5 * shorter:
                reasons.append(f"streams '{names[i]}' and '{names[j]}' hardly overlap in time")
    if any(m.decay_at_bound_ for m in models):
        reasons.append(
            "the excitation time scale is not identified (a decay at its search bound "
            f"{decay_bounds[0]:g}-{decay_bounds[1]:g}/day)"
        )
    if ci != "none" and not np.all(np.isfinite(high)):
        reasons.append("the information matrix is singular, so no intervals")
    if not reasons and ci != "none":
        off = ~np.eye(kk, dtype=bool)
        widths = np.where(off, high - low, -np.inf)
        wi, wj = np.unravel_index(np.argmax(widths), widths.shape)
        if widths[wi, wj] > max_ci_width:
            reasons.append(
                f"intervals too wide for a claim: {names[wj]} -> {names[wi]} branching "
                f"{best[wi, wj]:.2f} with {int(level * 100)}% interval "
                f"[{low[wi, wj]:.2f}, {high[wi, wj]:.2f}] (width > {max_ci_width})"
            )
    return finish("ok" if not reasons else "insufficient data: " + "; ".join(reasons))


def combine_draws(models: list[HawkesExp], level: float) -> dict[str, Any]:
    """Combine fits to several jitter draws of the same data by Rubin's rules: the estimate is
    the mean, its variance the mean within-draw variance plus (1 + 1/m) times the between-draw
    variance (branching on its own scale, the decay on the log scale)."""
    z = float(stats.norm.ppf(0.5 + level / 2))
    m = len(models)
    adj = np.array([x.adjacency_ for x in models])
    est = adj.mean(axis=0)
    between = adj.var(axis=0, ddof=1) if m > 1 else np.zeros_like(est)
    within = np.mean([x.branching_se_**2 for x in models], axis=0)
    total = within + (1 + 1 / m) * between
    if m == 1:
        low, high = models[0].branching_ci_low_, models[0].branching_ci_high_
    else:
        se = np.sqrt(total)
        low, high = np.maximum(est - z * se, 0.0), est + z * se
    dec = np.array([np.asarray(x.decay_, dtype=float) for x in models])
    log_dec = np.log(dec)
    decay = np.exp(log_dec.mean(axis=0))
    decay_ci = None
    if all(x.decay_ci_ is not None for x in models):
        u = np.array(
            [
                ((np.log(x.decay_ci_[1]) - np.log(x.decay_ci_[0])) / (2 * z)).reshape(dec.shape[1:])
                ** 2
                for x in models
            ]
        ).mean(axis=0)
        b = log_dec.var(axis=0, ddof=1) if m > 1 else 0.0
        half = z * np.sqrt(u + (1 + 1 / m) * b)
        lo_d, hi_d = decay * np.exp(-half), decay * np.exp(half)
        decay_ci = [float(lo_d), float(hi_d)] if np.ndim(decay) == 0 else [lo_d, hi_d]
    return {
        "branching": est,
        "low": low,
        "high": high,
        "between_sd": np.sqrt(between),
        "decay": float(decay) if np.ndim(decay) == 0 else decay,
        "decay_ci": decay_ci,
        "baseline": np.mean([x.baseline_ for x in models], axis=0),
        "baseline_pieces": np.mean([x.baseline_pieces_ for x in models], axis=0),
        "loglik": float(np.mean([x.loglik_ for x in models])),
    }


def rolling(
    events: Events,
    *,
    window: float,
    step: float,
    decay: float,
    min_events: int = 25,
    names: Sequence[str] | None = None,
    origin: float | None = None,
    level: float = 0.95,
) -> list[dict[str, Any]]:
    """Branching matrix with intervals on sliding windows (decay fixed), to show a link
    appearing or fading.  Windows where a stream has fewer than ``min_events`` events are
    reported with ``verdict`` "insufficient data" and no numbers."""
    if window <= 0 or step <= 0:
        raise InputError("rolling", "window and step must be positive")
    kk = events.n_streams
    names = list(names) if names is not None else [str(i) for i in range(kk)]
    out = []
    a = events.start
    while a + window <= events.end + 1e-9 or not out:
        b = min(a + window, events.end)
        sel = (events.t >= a) & (events.t < b)
        counts = np.bincount(events.k[sel], minlength=kk)
        item: dict[str, Any] = {
            "start": _iso(origin + a) if origin is not None else a,
            "end": _iso(origin + b - 1) if origin is not None else b,
            "n_events": {n: int(c) for n, c in zip(names, counts, strict=True)},
        }
        if counts.min() < min_events:
            item["verdict"] = f"insufficient data: fewer than {min_events} events in a stream"
        else:
            sub = Events(
                t=events.t[sel] - a,
                k=events.k[sel],
                n_streams=kk,
                start=0.0,
                end=b - a,
                ties=events.ties,
                n_tied=0,
            )
            m = HawkesExp(decay=decay, ci="wald", level=level).fit(sub)
            item.update(
                {
                    "branching": _nan_to_none(m.adjacency_),
                    "branching_ci_low": _nan_to_none(m.branching_ci_low_),
                    "branching_ci_high": _nan_to_none(m.branching_ci_high_),
                    "verdict": "ok",
                }
            )
        out.append(item)
        a += step
        if a + window > events.end + 1e-9:
            break
    return out
