"""Export stored events to Parquet, CSV or GeoJSON.

Parquet and CSV are written by DuckDB's ``COPY`` with every column of the events table (list
columns stay lists in Parquet; in CSV DuckDB writes them as ``[a, b]``). GeoJSON is a
FeatureCollection with one Point Feature per event that has both ``lat`` and ``lon``
(coordinates ``[lon, lat]``, RFC 7946); its ``properties`` are the other event fields, with
dates as ISO strings, list columns as arrays and the JSON columns (``actors``, ``targets``)
parsed. Events without coordinates are counted in ``skipped_no_coordinates``.

A theatre filter uses the watch stage's theatre rule (``powderkeg.watch.theatres``); dates are
inclusive. Only the store's public read API is used, on a read-only store.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powderkeg.errors import InputError, UsageError
from powderkeg.store.schema import EVENT_COLUMN_NAMES
from powderkeg.store.store import Store

FORMATS = ("parquet", "csv", "geojson")
_JSON_COLUMNS = ("actors", "targets")


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _check_out(out: Path) -> None:
    if out.exists() and out.is_dir():
        raise InputError(str(out), "is a folder; give a file path")
    if not out.parent.exists():
        raise InputError(str(out), f"folder {out.parent} does not exist")


def _selected(
    store: Store,
    theatres: Sequence[Any],
    since: str | None,
    until: str | None,
) -> pd.DataFrame:
    """The events to export, ordered by date then id."""
    from powderkeg.watch.theatres import resolve_theatre

    df = store.events(since=since, until=until)
    if theatres:
        ths = [_theatre(resolve_theatre, t) for t in theatres]
        mask = np.zeros(len(df), dtype=bool)
        for th in ths:
            mask |= th.matches(df).to_numpy()
        df = df[mask]
    return df


def _theatre(resolve: Any, t: Any) -> Any:
    try:
        return resolve(t)
    except InputError as exc:
        raise UsageError(str(exc)) from None


def _copy(store: Store, df: pd.DataFrame, fmt: str, out: Path, filtered: bool, where: str,
          params: list[Any]) -> None:  # fmt: skip
    con = store.connection
    options = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
    cols = ", ".join(EVENT_COLUMN_NAMES)
    if filtered:
        ids = pd.DataFrame({"event_id": df["event_id"].astype(str).to_numpy()})
        con.register("_pk_export_ids", ids)
        try:
            con.execute(
                f"COPY (SELECT {cols} FROM events WHERE event_id IN "
                "(SELECT event_id FROM _pk_export_ids) ORDER BY date NULLS LAST, event_id) "
                f"TO {_sql_path(out)} {options}"
            )
        finally:
            con.unregister("_pk_export_ids")
    else:
        con.execute(
            f"COPY (SELECT {cols} FROM events{where} ORDER BY date NULLS LAST, event_id) "
            f"TO {_sql_path(out)} {options}",
            params,
        )


def _json_value(name: str, v: Any) -> Any:
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [_json_value(name, x) for x in v]
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
        return None
    if name in _JSON_COLUMNS and isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if name == "date" else v.isoformat()
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def geojson_features(df: pd.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """GeoJSON Point Features for the events with coordinates, and how many had none."""
    feats: list[dict[str, Any]] = []
    skipped = 0
    cols = [c for c in df.columns if c not in ("lat", "lon")]
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
    records = df[cols].to_dict(orient="records")
    for i, rec in enumerate(records):
        if not (math.isfinite(lat[i]) and math.isfinite(lon[i])):
            skipped += 1
            continue
        props = {k: _json_value(k, v) for k, v in rec.items()}
        feats.append(
            {
                "type": "Feature",
                "id": props.get("event_id"),
                "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
                "properties": props,
            }
        )
    return feats, skipped


def export_events(
    db: str | Path,
    fmt: str,
    out: str | Path,
    *,
    theatres: Sequence[Any] = (),
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """Write the store's events (optionally one or more theatres, a date range) to ``out``.

    Returns ``{"format", "out", "rows", "skipped_no_coordinates"}``; ``rows`` is the number of
    events written (GeoJSON: Features).
    """
    if fmt not in FORMATS:
        raise UsageError(f"export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if since and until and str(since) > str(until):
        raise UsageError(f"--since {since} is after --until {until}")
    path = Path(out)
    _check_out(path)
    with Store(db, read_only=True) as store:
        skipped = 0
        if fmt == "geojson":
            df = _selected(store, theatres, since, until)
            feats, skipped = geojson_features(df)
            doc = {"type": "FeatureCollection", "features": feats}
            try:
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(doc, fh, ensure_ascii=False)
            except OSError as exc:
                raise InputError(str(path), f"cannot write ({exc.strerror or exc})") from None
            rows = len(feats)
        else:
            where_parts: list[str] = []
            params: list[Any] = []
            if since:
                where_parts.append("date >= ?::DATE")
                params.append(str(since))
            if until:
                where_parts.append("date <= ?::DATE")
                params.append(str(until))
            where = (" WHERE " + " AND ".join(where_parts)) if where_parts else ""
            if theatres:
                df = _selected(store, theatres, since, until)
                rows = len(df)
            else:
                df = pd.DataFrame()
                rows = int(
                    store.connection.execute(
                        f"SELECT count(*) FROM events{where}", params
                    ).fetchall()[0][0]
                )
            try:
                _copy(store, df, fmt, path, bool(theatres), where, params)
            except Exception as exc:  # duckdb.IOException and friends: name the output
                if "IO Error" in str(exc) or "Permission" in str(exc):
                    raise InputError(str(path), f"cannot write ({_first(exc)})") from None
                raise
    return {"format": fmt, "out": str(path), "rows": rows, "skipped_no_coordinates": skipped}


def _first(exc: BaseException) -> str:
    s = str(exc).strip()
    return s.splitlines()[0] if s else type(exc).__name__
