"""The events frame the watch stage works on, and helpers to read its columns.

Analysis code works on a pandas DataFrame with the store's events columns (see ``EVENT_COLUMNS``).
List columns (``context``, ``actor_codes``, ``target_codes``) may hold Python lists, NumPy arrays
(as DuckDB returns them), JSON strings or nulls; JSON columns (``actors``, ``targets``) may hold
JSON text or already-parsed lists. An optional ``quantities`` column (a JSON list of contract
Quantity objects) is used when present. :func:`events_frame` builds such a frame from contract
Event JSON objects (as ``powderkeg code --json`` writes them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from powderkeg.errors import InputError
from powderkeg.types import Event

T = TypeVar("T")
_MISSING: Any = object()

# The store's events table, column by column (BRIEF/DESIGN: fixed names).
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id", "origin", "doc_id", "dataset", "row_id", "coder", "type", "mode", "context",
    "actor_codes", "target_codes", "actors", "targets", "place_name", "country", "lat", "lon",
    "place_precision", "date", "date_precision", "factuality", "quad", "intensity", "cameo",
    "goldstein", "acled_type", "acled_sub_type", "fatalities", "confidence", "sentence",
    "span_start", "span_end", "cluster_id", "mentions", "ingested_at",
)  # fmt: skip

# The 16 event types of PLOVER v0.8 (a fixed fact of the ontology).
PLOVER_TYPES: tuple[str, ...] = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)  # fmt: skip


def is_null(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (not for lists or arrays)."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, np.ndarray, dict, set, frozenset)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_list(value: Any) -> list[Any]:
    """A list from a list cell: list, tuple, array, JSON text, a single scalar, or null."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return [v for v in value if v is not None and v == v]
    if is_null(value):
        return []
    if isinstance(value, (list, tuple, np.ndarray, set, frozenset)):
        return [v for v in value if not is_null(v)]
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return []
        if s[0] == "[":
            try:
                parsed = json.loads(s)
            except json.JSONDecodeError:
                return [s]
            return [v for v in parsed if v is not None] if isinstance(parsed, list) else [parsed]
        return [s]
    return [value]


def str_list(value: Any) -> tuple[str, ...]:
    """The non-empty strings of a list cell."""
    return tuple(str(v) for v in as_list(value) if str(v))


def dict_list(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list cell (actors, targets, quantities)."""
    return [v for v in as_list(value) if isinstance(v, dict)]


def column(df: pd.DataFrame, name: str) -> pd.Series:
    """A column, or a column of nulls when the frame lacks it (optional columns)."""
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def str_values(df: pd.DataFrame, name: str) -> list[str | None]:
    """A scalar string column as a Python list with None for nulls."""
    col = column(df, name)
    nulls = col.isna().to_numpy()
    return [None if null else str(v) for v, null in zip(col.tolist(), nulls, strict=True)]


def memo_map(values: Iterable[Any], fn: Callable[[Any], T]) -> list[T]:
    """``[fn(v) for v in values]``, computing ``fn`` once per distinct text or null value.

    Store columns repeat a lot (the same actor JSON or code list on thousands of imported rows).
    """
    cache: dict[Any, T] = {}
    out: list[T] = []
    for v in values:
        if v is None or isinstance(v, str):
            r = cache.get(v, _MISSING)
            if r is _MISSING:
                r = cache[v] = fn(v)
            out.append(r)  # type: ignore[arg-type]
        elif isinstance(v, (np.ndarray, list, tuple)):
            try:
                key: Any = ("\0seq", *(v.tolist() if isinstance(v, np.ndarray) else v))
                r = cache.get(key, _MISSING)
            except TypeError:  # unhashable elements: no caching
                out.append(fn(v))
                continue
            if r is _MISSING:
                r = cache[key] = fn(v)
            out.append(r)  # type: ignore[arg-type]
        else:
            out.append(fn(v))
    return out


def float_values(df: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float64 with NaN for nulls."""
    return pd.to_numeric(column(df, name), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def dates(df: pd.DataFrame) -> pd.Series:
    """The ``date`` column as datetime64 (NaT where missing or unparseable)."""
    return pd.to_datetime(column(df, "date"), errors="coerce")


def covers(wanted: str, code: str) -> bool:
    """Whether a listed code covers an event code: equal, or the event code is a sub-unit.

    ``UKR`` covers ``UKR-DPR``; ``UKR-DPR`` covers only itself.
    """
    return code == wanted or code.startswith(wanted + "-")


def any_covered(wanted: Iterable[str], codes: Iterable[str]) -> bool:
    codes = tuple(codes)
    return any(covers(w, c) for w in wanted for c in codes)


def require_columns(df: pd.DataFrame, names: Iterable[str], source: str = "events frame") -> None:
    """Raise InputError naming the frame when a needed column is missing."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(source, f"expected a pandas DataFrame, got {type(df).__name__}")
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise InputError(source, "missing column(s): " + ", ".join(missing))


def event_row(event: Mapping[str, Any] | Event, doc_id: str | None = None) -> dict[str, Any]:
    """One store-shaped row from a contract Event (JSON object or :class:`Event`)."""
    d = event.to_json() if isinstance(event, Event) else dict(event)
    if "type" not in d:
        raise InputError(str(d.get("id", "event")), "event has no 'type'")
    actors = [a for a in d.get("actor") or [] if isinstance(a, dict)]
    targets = [a for a in d.get("target") or [] if isinstance(a, dict)]
    loc = d.get("location") or {}
    span = d.get("span") or [None, None]
    row: dict[str, Any] = {c: None for c in EVENT_COLUMNS}
    row.update(
        event_id=d.get("id"),
        origin="coded",
        doc_id=doc_id,
        type=d.get("type"),
        mode=d.get("mode"),
        context=list(d.get("context") or []),
        actor_codes=[a["code"] for a in actors if a.get("code")],
        target_codes=[a["code"] for a in targets if a.get("code")],
        actors=json.dumps(actors, ensure_ascii=False),
        targets=json.dumps(targets, ensure_ascii=False),
        place_name=loc.get("name"),
        country=loc.get("country"),
        lat=loc.get("lat"),
        lon=loc.get("lon"),
        place_precision=loc.get("precision"),
        date=d.get("date"),
        date_precision=d.get("date_precision"),
        factuality=d.get("factuality"),
        quad=d.get("quad"),
        intensity=d.get("intensity"),
        cameo=d.get("cameo"),
        goldstein=d.get("goldstein"),
        acled_type=d.get("acled_type"),
        acled_sub_type=d.get("acled_sub_type"),
        fatalities=d.get("fatalities"),
        confidence=d.get("confidence"),
        sentence=d.get("sentence"),
        span_start=span[0],
        span_end=span[1],
    )
    row["quantities"] = json.dumps(list(d.get("quantities") or []), ensure_ascii=False)
    return row


def events_frame(
    events: Iterable[Mapping[str, Any] | Event], doc_id: str | None = None
) -> pd.DataFrame:
    """A store-shaped events frame (plus ``quantities``) from contract Event objects."""
    rows = [event_row(e, doc_id) for e in events]
    df = pd.DataFrame(rows, columns=[*EVENT_COLUMNS, "quantities"])
    df["date"] = pd.to_datetime(df["date"], errors="coerce")
    for name in ("lat", "lon", "intensity", "goldstein", "confidence", "fatalities"):
        df[name] = pd.to_numeric(df[name], errors="coerce")
    return df


def finite(x: float) -> float | None:
    """A JSON-safe float: None for NaN/inf."""
    return float(x) if x is not None and math.isfinite(x) else None
