"""The dashboard's view of the store: a read-only snapshot connection and per-snapshot caches.

The server never holds the live database file for long (that would block an import): when the
writer has published ``<db>.snapshot`` (every ``Store`` writer does on close), the server reads
that file and reopens it when a newer one appears (checked at most once a second); a store with no
snapshot yet is opened read-only per request. Derived results that need the whole events frame
(theatre membership, trends, alerts, escalation levels, links, actor networks) are computed once
per snapshot version and cached; queries over single events go to DuckDB with parameters.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..store.schema import EVENT_COLUMN_NAMES
from ..store.store import snapshot_path

ESCALATION_LEVELS = ("calm", "watch", "warning", "alarm")
RECENT_PERIODS = 4  # weeks before the store's last event date that set the "current" level


def _stat_key(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_mtime_ns, st.st_size)


class DataSource:
    """Read access to one store for a long-running server (thread-safe)."""

    def __init__(self, db: str | Path, *, check_every: float = 1.0) -> None:
        self.db = Path(db)
        self.snap = snapshot_path(self.db)
        self.check_every = check_every
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._key: tuple[str, int, int] | None = None
        self._checked = 0.0
        self._caches: dict[str, OrderedDict[Any, Any]] = {}
        self._compute_locks: dict[Any, threading.Lock] = {}
        if not self.db.exists() and not self.snap.exists():
            raise InputError(str(db), "no such database")
        self.theatres()  # parse the theatre files now, not on the first request
        with self.cursor() as cur:  # fail at start, not on the first request
            try:
                row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            except duckdb.Error:
                raise InputError(str(db), "not a powderkeg database (no meta table)") from None
            if row is None:
                raise InputError(str(db), "not a powderkeg database (no schema version)")

    # -- connections ---------------------------------------------------------------------

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._con is not None and now - self._checked < self.check_every:
            return
        self._checked = now
        key = _stat_key(self.snap)
        if key is None:
            self._con, self._key = None, None
            return
        if key != self._key:
            try:
                con = duckdb.connect(str(self.snap), read_only=True)
            except duckdb.Error as exc:  # a half-renamed file cannot happen; keep the old one
                if self._con is None:
                    raise InputError(str(self.snap), f"cannot open snapshot: {exc}") from None
                return
            self._con, self._key = con, key  # the old connection closes with its last cursor
            self._caches.clear()

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB cursor of its own for one request (snapshot, else the live file read-only)."""
        with self._lock:
            self._refresh()
            con = self._con
            cur = con.cursor() if con is not None else None
        if cur is not None:
            try:
                yield cur
            finally:
                cur.close()
            return
        try:
            live = duckdb.connect(str(self.db), read_only=True)
        except duckdb.Error as exc:
            raise InputError(
                str(self.db), f"cannot read the database now (no snapshot published yet): {exc}"
            ) from None
        try:
            yield live
        finally:
            live.close()

    @property
    def version(self) -> Any:
        """Identifies the data the caches were computed from."""
        with self._lock:
            self._refresh()
            return self._key or _stat_key(self.db)

    # -- caches --------------------------------------------------------------------------

    def cached(self, name: str, key: Any, compute: Callable[[], Any], *, size: int = 64) -> Any:
        """``compute()`` once per snapshot version and key (one computation at a time per key)."""
        version = self.version
        full = (version, key)
        with self._lock:
            cache = self._caches.setdefault(name, OrderedDict())
            if full in cache:
                cache.move_to_end(full)
                return cache[full]
            lock = self._compute_locks.setdefault((name, full), threading.Lock())
        with lock:
            with self._lock:
                cache = self._caches.setdefault(name, OrderedDict())
                if full in cache:
                    return cache[full]
            value = compute()
            with self._lock:
                cache = self._caches.setdefault(name, OrderedDict())
                cache[full] = value
                while len(cache) > size:
                    cache.popitem(last=False)
                self._compute_locks.pop((name, full), None)
            return value

    # -- the whole frame and what derives from it ----------------------------------------

    def frame(self) -> pd.DataFrame:
        """Every event (the store's columns plus ``quantities``), cached per snapshot."""

        def load() -> pd.DataFrame:
            with self.cursor() as cur:
                has_q = bool(
                    cur.execute(
                        "SELECT count(*) FROM information_schema.columns "
                        "WHERE table_name = 'events' AND column_name = 'quantities'"
                    ).fetchone()[0]  # type: ignore[index]
                )
                cols = list(EVENT_COLUMN_NAMES) + [
                    "quantities" if has_q else "CAST(NULL AS JSON) AS quantities"
                ]
                return cur.execute(
                    f"SELECT {', '.join(cols)} FROM events ORDER BY date NULLS LAST, event_id"
                ).df()

        return self.cached("frame", None, load, size=1)  # type: ignore[no-any-return]

    def theatres(self) -> dict[str, Any]:
        from ..watch import load_theatres

        return load_theatres()

    def members(self) -> pd.DataFrame:
        """(event_id, theatre) for every event of every theatre (the watch theatre rule)."""

        def compute() -> pd.DataFrame:
            df = self.frame()
            parts = []
            for tid, th in self.theatres().items():
                mask = th.matches(df).to_numpy(dtype=bool) if len(df) else []
                ids = df["event_id"].to_numpy()[mask] if len(df) else []
                parts.append(pd.DataFrame({"event_id": ids, "theatre": tid}))
            out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
            if out.empty:
                out = pd.DataFrame({"event_id": pd.Series([], dtype=str), "theatre": pd.Series([], dtype=str)})
            return out

        return self.cached("members", None, compute, size=1)  # type: ignore[no-any-return]

    def theatre_ids(self, theatre: str) -> pa.Table:
        """The theatre's event ids, newest first (as the events endpoint orders), as Arrow:
        paging a theatre is a slice, and a filtered query joins it without copying."""

        def compute() -> pa.Table:
            return _newest_first(self.theatre_frame(theatre)[["event_id", "date"]])

        return self.cached("theatre_ids", theatre, compute, size=16)  # type: ignore[no-any-return]

    def actor_rows(self) -> dict[str, list[int]]:
        """Row positions in the frame of each actor code's events (as actor or target; a code
        also indexes its parent state: ``UKR-DPR`` rows are under ``UKR`` too)."""

        def compute() -> dict[str, list[int]]:
            df = self.frame()
            index: dict[str, list[int]] = {}
            for i, (a, t) in enumerate(zip(df["actor_codes"], df["target_codes"], strict=True)):
                keys = set()
                for codes in (a, t):
                    if codes is None:
                        continue
                    for c in codes:
                        keys.add(c)
                        keys.add(c.split("-", 1)[0])
                for k in keys:
                    index.setdefault(k, []).append(i)
            return index

        return self.cached("actor_rows", None, compute, size=1)  # type: ignore[no-any-return]

    def actor_ids(self, code: str) -> pa.Table:
        """The actor's event ids, newest first, as Arrow (see :meth:`theatre_ids`)."""

        def compute() -> pa.Table:
            rows = self.actor_rows().get(code, [])
            sub = self.frame().iloc[rows][["event_id", "date"]]
            return _newest_first(sub)

        return self.cached("actor_ids", code, compute, size=64)  # type: ignore[no-any-return]

    def theatre_frame(self, theatre: str) -> pd.DataFrame:
        def compute() -> pd.DataFrame:
            df = self.frame()
            m = self.members()
            ids = set(m.loc[m["theatre"] == theatre, "event_id"])
            return df[df["event_id"].isin(ids)]

        return self.cached("theatre_frame", theatre, compute, size=16)  # type: ignore[no-any-return]


def _newest_first(sub: pd.DataFrame) -> pa.Table:
    sub = sub.sort_values(["date", "event_id"], ascending=[False, True], na_position="last")
    return pa.table({"event_id": pa.array(sub["event_id"].to_numpy(dtype=object), type=pa.string())})


def period_end(start: pd.Timestamp, freq: str) -> str:
    """The last day of the period starting at ``start``."""
    if freq == "D":
        end = start
    elif freq == "W":
        end = start + pd.Timedelta(days=6)
    else:
        end = start + pd.offsets.MonthEnd(0)
    return end.date().isoformat()


def escalation_level(alerts: list[dict[str, Any]], threshold: float) -> int:
    """0 calm .. 3 alarm from the alerts of a theatre's recent periods (README: levels)."""
    if not alerts:
        return 0
    indicators = {a["indicator"] for a in alerts}
    top = max((a.get("score") or 0.0) for a in alerts)
    if len(indicators) >= 4 or top >= 2 * threshold:
        return 3
    if len(indicators) >= 2:
        return 2
    return 1
