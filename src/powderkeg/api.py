"""The Python API. The CLI is a thin layer over these functions.

>>> from powderkeg import api
>>> docs, problems = api.code_paths(["article.txt"], date="2021-12-15")   # doctest: +SKIP
>>> counts = api.ingest(["news/"], db="events.duckdb")                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .read import DEFAULT_MAX_BYTES
from .types import Document, Problem

Progress = Callable[[int], None]


def read(
    paths: Sequence[str | Path],
    *,
    date: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Document | Problem]:
    """Documents (or Problems) from files, folders, feeds, JSONL, or ``-`` for stdin."""
    from .read import read_documents

    return read_documents(
        [str(p) for p in paths], date=date, max_bytes=max_bytes, encoding=encoding
    )


def code_documents(
    docs: Iterable[Document], *, coder: Any = None, progress: Progress | None = None
) -> Iterator[Document]:
    from .coder import Coder

    c = coder or Coder()
    for doc in c.code_documents(docs):
        if progress:
            progress(1)
        yield doc


def code_paths(
    paths: Sequence[str | Path],
    *,
    date: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    coder: Any = None,
    progress: Progress | None = None,
) -> tuple[list[Document], list[Problem]]:
    """Read and code files; returns the coded documents and the problems met."""
    problems: list[Problem] = []

    def good() -> Iterator[Document]:
        for item in read(paths, date=date, encoding=encoding, max_bytes=max_bytes):
            if isinstance(item, Problem):
                problems.append(item)
            else:
                yield item

    docs = list(code_documents(good(), coder=coder, progress=progress))
    return docs, problems


def ingest(
    paths: Sequence[str | Path],
    *,
    db: str | Path,
    date: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    coder: Any = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
    dask: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Any:
    """Read, code and store documents. Idempotent: ingesting the same text twice adds nothing.

    Streams: documents are read, coded and committed ``batch_size`` at a time (one transaction
    each), and documents already stored with the current coder version are skipped without being
    coded again, so an interrupted ingest resumes where it stopped. ``progress(n)``: n more
    inputs done. ``dask`` (a scheduler address) or ``workers`` (a local Dask cluster of that many
    processes) codes partitions on Dask workers, with the same events as a local run
    (:mod:`powderkeg.scale`); ``log`` receives one-line notes such as the dashboard address.
    """
    from .scale import ingest_documents

    items = read(paths, date=date, encoding=encoding, max_bytes=max_bytes)
    return ingest_documents(
        items, db=db, coder=coder, progress=progress, batch_size=batch_size,
        workers=workers, dask=dask, log=log,
    )  # fmt: skip


def import_dataset(path: str | Path, *, fmt: str, db: str | Path, progress: Any = None) -> Any:
    """Import an event dataset file (GDELT, ICEWS, ACLED, UCDP, PLOVER JSON) into the store."""
    from .read.datasets import import_dataset as _import
    from .store import Store

    if not Path(path).exists():
        raise InputError(str(path), "no such file")
    with Store(db) as store:
        return _import(path, fmt, store, progress=progress)


def brief(doc: Document) -> str:
    """A readable Markdown brief of one coded document."""
    from .show.brief import render_brief

    return render_brief(doc)


def evaluate(fmt: str, path: str | Path, *, cv: int = 0, seed: int = 0) -> dict[str, Any]:
    """Score the coder on a labelled file (formats in CONTRACT.md)."""
    from . import evaluate as ev

    if not Path(path).exists():
        raise InputError(str(path), "no such file")
    if cv:
        return ev.cross_validate(fmt, path, folds=cv, seed=seed)
    return ev.evaluate(fmt, path)


def demo(out_dir: str | Path = "powderkeg-demo", *, progress: Progress | None = None) -> dict[str, Any]:
    """The main job end to end on the bundled sample articles. Returns db, report and counts."""
    from .show.demo import run_demo

    return run_demo(Path(out_dir), progress=progress)


def link(
    *,
    events_csv: str | Path | None = None,
    db: str | Path | None = None,
    theatres: Sequence[str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Cross-theatre excitation from a CSV of (time, stream) or from theatres in the store."""
    from .errors import UsageError
    from .link import link as _link

    if (events_csv is None) == (db is None):
        raise UsageError("give either --events CSV or --db DB with --theatres")
    if events_csv is not None:
        if not Path(events_csv).exists():
            raise InputError(str(events_csv), "no such file")
        return _link(str(events_csv), seed=seed)
    if not theatres or len(theatres) < 2:
        raise UsageError("--db needs --theatres with at least two theatre ids, e.g. ukraine,serbia-kosovo")
    from .store import Store
    from .watch import load_theatres, theatre_streams

    known = load_theatres()
    missing = [t for t in theatres if t not in known]
    if missing:
        raise UsageError(f"unknown theatre(s) {', '.join(missing)}; known: {', '.join(sorted(known))}")
    with Store(db, read_only=True) as store:
        events = store.events(quantities=True)
    streams = theatre_streams(events, {t: known[t] for t in theatres})
    return _link(streams, seed=seed, theatres=list(theatres))


# ---------------------------------------------------------------- watch: trend, alerts, export

FREQ_NAMES = {"day": "D", "week": "W", "month": "M", "D": "D", "W": "W", "M": "M"}
TREND_TEXT_COLUMNS = (
    "n_events", "quad_material_conflict", "quad_verbal_conflict", "type_ASSAULT", "type_MOBILIZE",
    "fatalities", "mean_intensity", "material_conflict_share", "media_volume",
)  # fmt: skip


def _freq(freq: str) -> str:
    from .errors import UsageError

    if freq not in FREQ_NAMES:
        raise UsageError(f"--freq {freq!r}: use day, week or month")
    return FREQ_NAMES[freq]


def _iso_date(value: str | None, flag: str) -> str | None:
    from datetime import date

    from .errors import UsageError

    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def _dates(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    from .errors import UsageError

    s, u = _iso_date(since, "--since"), _iso_date(until, "--until")
    if s and u and s > u:
        raise UsageError(f"--since {s} is after --until {u}")
    return s, u


def _known_theatre(theatre: str) -> Any:
    from .errors import UsageError
    from .watch import load_theatres

    known = load_theatres()
    if theatre not in known:
        raise UsageError(f"unknown theatre {theatre!r}; known: {', '.join(sorted(known))}")
    return known[theatre]


def _history_start(since: str | None, freq: str, periods: int) -> str | None:
    """A date ``periods`` periods before ``since``: the history an alert window needs."""
    if since is None:
        return None
    import pandas as pd

    step = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1), "M": pd.Timedelta(days=31)}
    return (pd.Timestamp(since) - step[freq] * (periods + 1)).date().isoformat()


def _cell(v: Any) -> Any:
    import math

    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
    return v


def trend(
    theatre: str,
    *,
    db: str | Path,
    freq: str = "week",
    since: str | None = None,
    until: str | None = None,
    normalize: bool = False,
    plot: str | Path | None = None,
) -> dict[str, Any]:
    """Per-period series of one theatre from the store (see ``powderkeg.watch.theatre_series``).

    Returns ``{"theatre", "name", "freq", "since", "until", "normalize", "media_volume",
    "undated_events", "columns", "rows": [{"period": ISO, column: value, ...}], "plot",
    "alerts"}``. Columns: ``n_events``, ``type_<TYPE>`` (16), ``quad_<quad>`` (4),
    ``mean_intensity``, ``fatalities``, ``material_conflict_share``, ``media_volume``; with
    ``normalize`` also every count and fatalities divided by media volume (``<name>_norm``).
    ``plot`` writes a PNG (``.png``) or self-contained HTML (``.html``) chart, alert periods
    shaded (normalised columns when ``normalize``).
    """
    from .errors import UsageError
    from .store import Store
    from .watch import alerts as find_alerts
    from .watch import load_indicators, plot_trend, plot_trend_html, theatre_series

    th = _known_theatre(theatre)
    f = _freq(freq)
    since, until = _dates(since, until)
    kind = None
    if plot is not None:
        kind = Path(plot).suffix.lower()
        if kind not in (".png", ".html", ".htm"):
            raise UsageError(f"--plot {plot}: give a .png or .html path")
    window = 12
    with Store(db, read_only=True) as store:
        events = store.events(
            since=_history_start(since, f, window) if plot else since, until=until, quantities=True
        )
    series = theatre_series(events, th, freq=f, start=since, end=until)
    base = [c for c in series.columns if not c.endswith("_norm")]
    cols = base + ([c for c in series.columns if c.endswith("_norm")] if normalize else [])
    rows = []
    for ts, rec in zip(series.index, series[cols].to_dict(orient="records"), strict=True):
        rows.append({"period": ts.date().isoformat(), **{k: _cell(v) for k, v in rec.items()}})
    found: list[Any] = []
    plot_path = None
    if plot is not None:
        found = [
            a
            for a in find_alerts(events, [th], load_indicators(), freq=f, window=window)
            if (since is None or a.period >= since) and (until is None or a.period <= until)
        ]
        chart_cols = ["n_events", "quad_material_conflict", "quad_verbal_conflict", "type_ASSAULT"]
        if normalize:
            chart_cols = [c + "_norm" for c in chart_cols]
        title = f"{th.name}: per {dict(D='day', W='week', M='month')[f]}" + (
            " (share of media volume)" if normalize else ""
        )
        writer = plot_trend if kind == ".png" else plot_trend_html
        plot_path = str(writer(series, plot, columns=chart_cols, title=title, alerts=found))
    return {
        "theatre": th.id,
        "name": th.name,
        "freq": f,
        "since": since,
        "until": until,
        "normalize": normalize,
        "media_volume": "events in the store per period, all theatres",
        "undated_events": int(series.attrs.get("undated_events", 0)),
        "columns": ["period", *cols],
        "rows": rows,
        "plot": plot_path,
        "alerts": [{"period": a.period, "indicator": a.indicator, "value": a.value} for a in found],
    }


def _event_summary(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of an events row an analyst reads next to an alert, JSON-ready."""
    import json as _json

    import pandas as pd

    def scalar(v: Any) -> Any:
        if v is None or (not isinstance(v, (list, tuple, dict)) and not hasattr(v, "__len__")
                         and pd.isna(v)):  # fmt: skip
            return None
        return _cell(v)

    def codes(v: Any) -> list[str]:
        if v is None:
            return []
        if isinstance(v, str):
            try:
                return [str(x) for x in _json.loads(v)]
            except ValueError:
                return [v]
        return [str(x) for x in list(v)]

    date = scalar(row.get("date"))
    fat = scalar(row.get("fatalities"))
    return {
        "event_id": row.get("event_id"),
        "date": date.date().isoformat() if hasattr(date, "date") else None,
        "type": scalar(row.get("type")),
        "mode": scalar(row.get("mode")),
        "actor_codes": codes(row.get("actor_codes")),
        "target_codes": codes(row.get("target_codes")),
        "place_name": scalar(row.get("place_name")),
        "country": scalar(row.get("country")),
        "fatalities": int(fat) if fat is not None else None,
        "factuality": scalar(row.get("factuality")),
        "origin": scalar(row.get("origin")),
        "dataset": scalar(row.get("dataset")),
        "sentence": scalar(row.get("sentence")),
    }


def alerts(
    *,
    db: str | Path,
    theatres: Sequence[str] | None = None,
    method: str | None = None,
    measure: str = "events",
    freq: str = "week",
    since: str | None = None,
    until: str | None = None,
    window: int = 12,
    threshold: float | None = None,
    min_count: int = 3,
    normalize: bool = False,
) -> dict[str, Any]:
    """Alerts from the store: indicator counts per theatre that depart from their own history.

    Returns ``{"method", "measure", "freq", "window", "threshold", "min_count", "normalize",
    "theatres", "alerts": [Alert JSON + "events": [event summary]]}``. ``since``/``until`` select
    the alert periods; the history before ``since`` is still read for the baselines.
    ``measure="fatalities"`` scores the indicator's fatalities (method ``logz`` by default).
    """
    from .store import Store
    from .watch import alerts as find_alerts
    from .watch import load_indicators, load_theatres
    from .watch.alerts import DEFAULT_THRESHOLD

    f = _freq(freq)
    since, until = _dates(since, until)
    if method is None:
        method = "logz" if measure == "fatalities" else "zscore"
    ths = [_known_theatre(t) for t in theatres] if theatres else list(load_theatres().values())
    with Store(db, read_only=True) as store:
        events = store.events(since=_history_start(since, f, window), until=until, quantities=True)
    found = find_alerts(
        events, ths, load_indicators(), freq=f, method=method, window=window,
        threshold=threshold, measure=measure, min_count=min_count, normalize=normalize,
    )  # fmt: skip
    by_id = {}
    if found:
        idx = events.set_index("event_id", drop=False)
        wanted = {e for a in found for e in a.event_ids}
        sub = idx[idx.index.isin(wanted)]
        by_id = {r["event_id"]: _event_summary(r) for r in sub.to_dict(orient="records")}
    out = []
    for a in found:
        if (since is not None and a.period_end < since) or (until is not None and a.period > until):
            continue
        j = a.to_json()
        j["events"] = [by_id[e] for e in a.event_ids if e in by_id]
        out.append(j)
    return {
        "method": method,
        "measure": measure,
        "freq": f,
        "window": window,
        "threshold": DEFAULT_THRESHOLD if threshold is None else float(threshold),
        "min_count": min_count,
        "normalize": normalize,
        "theatres": [t.id for t in ths],
        "alerts": out,
    }


def export(
    *,
    db: str | Path,
    fmt: str,
    out: str | Path,
    theatres: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Export stored events to Parquet, CSV (all events columns) or GeoJSON (events with lat/lon).

    Returns ``{"format", "out", "rows", "skipped_no_coordinates"}``.
    """
    from .store.export import export_events

    since, until = _dates(since, until)
    for t in theatres or ():
        _known_theatre(t)
    return export_events(db, fmt, out, theatres=list(theatres or ()), since=since, until=until)


# ---------------------------------------------------------------- forecast: forecasts and backtests


def backtest(
    series_csv: str | Path,
    *,
    horizon: int = 6,
    test_periods: int = 24,
    models: Sequence[str] = ("nbar", "blend"),
    select_periods: int = 12,
    min_train: int = 24,
    n_samples: int = 1000,
    seed: int = 0,
    cross: Sequence[str] = (),
    fill_gaps: str = "quarantine",
    plot: str | Path | None = None,
) -> dict[str, Any]:
    """Rolling-origin backtest of count forecasts against the ViEWS baselines (CONTRACT.md's
    Backtest JSON plus ``models``, ``series``, ``notes``, ``problems``); see
    :mod:`powderkeg.forecast.backtest`. ``plot`` writes the reliability plot (PNG)."""
    from .forecast import backtest_csv

    return backtest_csv(
        series_csv, horizon=horizon, test_periods=test_periods, models=models,
        select_periods=select_periods, min_train=min_train, n_samples=n_samples, seed=seed,
        cross=cross, fill_gaps=fill_gaps, plot=plot,
    )  # fmt: skip


def forecast(
    theatre: str,
    *,
    db: str | Path,
    horizon: int = 6,
    freq: str = "month",
    measure: str = "material_conflict",
    model: str = "auto",
    thresholds: Sequence[int] = (1, 5, 10, 25),
    n_samples: int = 2000,
    seed: int = 0,
    plot: str | Path | None = None,
    cross: Sequence[str] = (),
) -> dict[str, Any]:
    """Predictive distribution of a theatre's counts for the next ``horizon`` periods
    (CONTRACT.md's Forecast JSON plus ``history``, ``selection``, ``notes``); see
    :mod:`powderkeg.forecast.theatre`. ``plot`` writes a fan chart (PNG); ``cross``: theatres
    whose lag-1 counts enter the other theatres' NB models."""
    from .forecast.theatre import forecast_store

    th = _known_theatre(theatre)
    for c in cross:
        _known_theatre(c)
    f = _freq(freq)
    from .errors import UsageError
    from .store import Store

    if f == "D":
        raise UsageError("--freq day: forecasts are weekly or monthly")
    if horizon < 1:
        raise UsageError(f"--horizon {horizon}: must be at least 1")
    with Store(db, read_only=True) as store:
        events = store.events(quantities=True)
    return forecast_store(
        th.id, events, horizon=horizon, freq=f, measure=measure, model=model,
        thresholds=thresholds, n_samples=n_samples, seed=seed, plot=plot, cross=cross,
    )  # fmt: skip
# ---------------------------------------------------------------- simulate


def simulate(
    scenario: str | Path,
    *,
    runs: int,
    seed: int,
    sets: Sequence[str] = (),
    from_store: str | None = None,
    workers: int = 1,
    dask: str | None = None,
) -> dict[str, Any]:
    """Monte Carlo over a scenario file: the contract's Simulation JSON (runs, seed, seconds,
    outcomes, parameters, paths, sensitivity). ``sets`` are ``PATH=VALUE`` overrides (what-ifs);
    ``from_store`` starts the theatres from a store's observed state; ``workers`` local processes
    or ``dask`` (a scheduler address) share the chunks with the same result."""
    from .simulate import simulate as _simulate

    return _simulate(scenario, runs=runs, seed=seed, sets=list(sets), from_store=from_store, workers=workers, dask=dask)
