"""The store: one DuckDB database holding documents, coded and imported events, and bookkeeping.

Every write runs in one transaction, so a crash (even SIGKILL) leaves the database as it was
before the write or after it, never between. Writes are idempotent: documents by content hash,
events by id, dataset files by SHA-256. See README.md in this folder for the design, including
how readers see the data while a writer runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from powderkeg.errors import InputError
from powderkeg.store.counts import Counts
from powderkeg.store.schema import (
    DDL,
    EVENT_COLUMN_NAMES,
    EVENT_COLUMN_TYPES,
    MIGRATIONS,
    SCHEMA_VERSION,
    STORED_EVENT_COLUMN_NAMES,
    events_ddl,
)
from powderkeg.types import Document, Event, Problem

MAX_PROBLEMS_LISTED = 100
"""Counts.problems lists at most this many lines; the quarantine table keeps them all."""

SNAPSHOT_SUFFIX = ".snapshot"

_EVENT_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "VARCHAR[]": pa.list_(pa.string()),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}
EVENT_ARROW_SCHEMA = pa.schema(
    [(name, _EVENT_ARROW_TYPES[EVENT_COLUMN_TYPES[name]]) for name in STORED_EVENT_COLUMN_NAMES]
)
_STORED_COLS = ", ".join(STORED_EVENT_COLUMN_NAMES)


def file_sha256(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def snapshot_path(path: str | Path) -> Path:
    """Where the writer publishes the read-only snapshot of the database at ``path``."""
    p = Path(path)
    return p.with_name(p.name + SNAPSHOT_SUFFIX)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# Every connection the project opens: never download or load DuckDB extensions behind the
# user's back (an SQLite file passed as --db would otherwise make DuckDB fetch one).
DUCKDB_CONFIG: dict[str, Any] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect(path: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with the project's settings (no extension auto-install or auto-load)."""
    return duckdb.connect(path, read_only=read_only, config=dict(DUCKDB_CONFIG))


def _is_lock_error(exc: Exception) -> bool:
    """A lock held by another process: DuckDB raises ``IOException`` (a corrupted or foreign
    file raises other types, or IOException from the file's checks, which the caller tells apart
    by trying the file's header: see ``_file_problem``)."""
    return type(exc) is duckdb.IOException


_DUCKDB_MAGIC = b"DUCK"


def _file_problem(path: str) -> str | None:
    """Why ``path`` is not a DuckDB database file, judged from its header; None if it may be one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not head:
        return None  # an empty file: DuckDB makes it a new database
    if head.startswith(b"SQLite format 3"):
        return "an SQLite database, not a DuckDB one; give a DuckDB file (or a new path) as --db"
    if len(head) < 12 or head[8:12] != _DUCKDB_MAGIC:
        return "not a DuckDB database file (unknown or corrupted header)"
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def remove_stale_snapshot_tmps(path: str | Path) -> list[Path]:
    """Remove ``.<db>.snapshot.<pid>.tmp`` files beside ``path`` left by a writer that died
    (SIGKILL, full disk) while publishing a snapshot: those whose pid is no longer alive."""
    p = Path(path)
    removed: list[Path] = []
    prefix = f".{p.name}{SNAPSHOT_SUFFIX}."
    try:
        entries = list(p.parent.iterdir()) if p.parent.is_dir() else []
    except OSError:
        return removed
    for e in entries:
        name = e.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) : -len(".tmp")]
        if not pid_text.isdigit() or (int(pid_text) != os.getpid() and _pid_alive(int(pid_text))):
            continue
        if int(pid_text) == os.getpid():
            continue  # our own, being written
        with contextlib.suppress(OSError):
            e.unlink()
            removed.append(e)
    return removed


MIN_EVENT_DATE = "1800-01-01"
"""Event dates before this, or more than a year after today, are quarantined as impossible."""


def range_reason_sql(columns: Iterable[str]) -> str | None:
    """SQL for why a staged row's values are out of range (NULL when they are fine), over the
    ``columns`` it has: latitude in [-90, 90], longitude in [-180, 180] (both finite), fatalities
    >= 0, date from 1800-01-01 to a year after today, confidence in [0, 1], finite intensity and
    Goldstein in [-10, 10]. None when the rows have none of these columns."""
    have = set(columns)
    checks: list[str] = []

    def num(col: str, label: str, lo: float | None, hi: float | None) -> None:
        if col not in have:
            return
        v = f"CAST({col} AS DOUBLE)"
        checks.append(
            f"WHEN {col} IS NOT NULL AND NOT isfinite({v}) "
            f"THEN '{label} ' || CAST({col} AS VARCHAR) || ' is not a finite number'"
        )
        cond = []
        if lo is not None:
            cond.append(f"{v} < {lo}")
        if hi is not None:
            cond.append(f"{v} > {hi}")
        if not cond:
            return
        rng = f" out of range [{lo:g}, {hi:g}]" if lo is not None and hi is not None else f" below {lo:g}"
        checks.append(
            f"WHEN {col} IS NOT NULL AND ({' OR '.join(cond)}) "
            f"THEN '{label} ' || CAST({col} AS VARCHAR) || '{rng}'"
        )

    num("lat", "latitude", -90, 90)
    num("lon", "longitude", -180, 180)
    num("fatalities", "fatalities", 0, None)
    num("confidence", "confidence", 0, 1)
    num("intensity", "intensity", -10, 10)
    num("goldstein", "goldstein", -10, 10)
    if "date" in have:
        checks.append(
            f"WHEN date IS NOT NULL AND (CAST(date AS DATE) < DATE '{MIN_EVENT_DATE}' OR "
            "CAST(date AS DATE) > current_date + INTERVAL 366 DAY) "
            "THEN 'date ' || CAST(date AS VARCHAR) || ' out of range "
            f"({MIN_EVENT_DATE} to a year from today)'"
        )
    if not checks:
        return None
    return "CASE " + " ".join(checks) + " END"


def event_rows(doc: Document, ingested_at: dt.datetime) -> list[dict[str, Any]]:
    """One events-table row per Event of a coded document."""
    rows: list[dict[str, Any]] = []
    for ev in doc.events:
        rows.append(coded_event_row(ev, doc.doc_id, doc.coder, ingested_at))
    return rows


def coded_event_row(
    ev: Event, doc_id: str | None, coder: str | None, ingested_at: dt.datetime | None
) -> dict[str, Any]:
    """The events-table row for one coded Event."""
    loc = ev.location
    return {
        "event_id": ev.id,
        "origin": "coded",
        "doc_id": doc_id,
        "dataset": None,
        "row_id": None,
        "coder": coder,
        "type": ev.type,
        "mode": ev.mode,
        "context": list(ev.context),
        "actor_codes": [a.code for a in ev.actor],
        "target_codes": [a.code for a in ev.target],
        "actors": json.dumps([a.to_json() for a in ev.actor], ensure_ascii=False),
        "targets": json.dumps([a.to_json() for a in ev.target], ensure_ascii=False),
        "place_name": loc.name if loc else None,
        "country": loc.country if loc else None,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "place_precision": loc.precision if loc else None,
        "date": _parse_date(ev.date),
        "date_precision": ev.date_precision,
        "factuality": ev.factuality,
        "quad": ev.quad,
        "intensity": ev.intensity,
        "cameo": ev.cameo,
        "goldstein": ev.goldstein,
        "acled_type": ev.acled_type,
        "acled_sub_type": ev.acled_sub_type,
        "fatalities": None,
        "confidence": ev.confidence,
        "sentence": ev.sentence,
        "span_start": int(ev.span[0]),
        "span_end": int(ev.span[1]),
        "cluster_id": None,
        "mentions": 1,
        "ingested_at": ingested_at,
        "quantities": json.dumps([q.to_json() for q in ev.quantities], ensure_ascii=False),
    }


def rows_to_arrow(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table with the stored events columns from a list of row dicts."""
    cols = {name: [r.get(name) for r in rows] for name in STORED_EVENT_COLUMN_NAMES}
    return pa.table(cols, schema=EVENT_ARROW_SCHEMA)


@dataclass
class ImportSession:
    """One dataset file being imported (see ``Store.import_session``).

    The importer stages rows in temp tables (no transaction needed: temp tables never reach the
    database file) and hands them over with :meth:`insert_from` / :meth:`insert_frame`, and the
    bad rows with :meth:`quarantine_sql` / :meth:`quarantine` / :meth:`quarantine_lines`. When
    the ``with`` block ends, the store writes all of it in ONE transaction: the events whose id
    is not stored yet (``event_id = sha16(dataset:row_id)``; origin, dataset, ingested_at filled
    in), the quarantine rows, the actors and places seen, and the ``imports`` record.
    """

    store: Store
    dataset: str
    path: str
    _sha: str | Future[str]
    done: bool
    counts: Counts
    progress: Callable[[str, int], None] | None = None
    _pending: list[tuple[str, str, bool | None]] = field(default_factory=list)
    _n_bad_tables: int = 0
    _scratch: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        """The file's SHA-256 (hashed in a background thread while the importer stages)."""
        if isinstance(self._sha, Future):
            self._sha = self._sha.result()
        return self._sha

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.store.connection

    def step(self, stage: str, n: int = 0) -> None:
        """Report progress (``stage`` name, rows so far) to the caller's callback, if any."""
        if self.progress is not None:
            self.progress(stage, n)

    def insert_events(self, select_sql: str, params: Sequence[Any] | None = None) -> None:
        """Stage the rows of ``select_sql`` (columns named as in the events table)."""
        name = f"_pk_import_{len(self._pending)}"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ({select_sql})", params or []
        )
        self.insert_from(name)

    def insert_frame(self, frame: pd.DataFrame | pa.Table) -> None:
        """Stage rows from a DataFrame or Arrow table with events-table column names."""
        table = (
            pa.Table.from_pandas(frame, preserve_index=False)
            if isinstance(frame, pd.DataFrame)
            else frame
        )
        name = f"_pk_import_{len(self._pending)}"
        self.con.register("_pk_frame", table)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _pk_frame")
        finally:
            self.con.unregister("_pk_frame")
        self.quarantine_out_of_range(name)
        self.insert_from(name)

    def quarantine_out_of_range(self, table: str) -> None:
        """Move the rows of temp table ``table`` whose values are out of range (latitude 95.5,
        fatalities -5, date 9999-12-31, ...: see ``range_reason_sql``) to the quarantine, with
        the reason, their ``line`` if the table has one, else their ``row_id``."""
        have = [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
        expr = range_reason_sql(have)
        if expr is None:
            return
        line = "line" if "line" in have else "NULL"
        # without a line number, the reason names the row's id
        reason = (
            f"CASE WHEN {line} IS NULL THEN coalesce('row ' || CAST(row_id AS VARCHAR) || ': ', '')"
            f" ELSE '' END || {expr}"
        )
        self.quarantine_sql(
            f"SELECT {line} AS line, {reason} AS reason FROM {table} WHERE ({expr}) IS NOT NULL"
        )
        self.con.execute(f"DELETE FROM {table} WHERE ({expr}) IS NOT NULL")

    def insert_from(
        self,
        table: str,
        where: str = "",
        *,
        rows: int | None = None,
        unique_ids: bool | None = None,
    ) -> None:
        """Insert the rows of temp table or view ``table`` (filtered by ``where``) at the commit.

        The table needs ``row_id`` and any events-table columns it knows; the store drops it
        after the commit. A view is computed once, by the insert; its ``event_id``, if it has
        one, must be ``sha16(dataset:row_id)``. ``rows`` (how many rows pass ``where``) and
        ``unique_ids`` (whether their row ids are all different), when the caller knows them,
        spare the store a pass over the rows to find out.
        """
        have = {r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()}
        if "row_id" not in have:
            raise ValueError("staged rows need a row_id column")
        if rows is None:
            cond = f" WHERE {where}" if where else ""
            rows = int(self.con.execute(f"SELECT count(*) FROM {table}{cond}").fetchall()[0][0])
        self.counts.events += rows
        self._pending.append((table, where, unique_ids))
        self.step("staged", rows)

    def drop_later(self, *names: str) -> None:
        """Temp tables or views the staged rows read from: dropped after the commit."""
        self._scratch.extend(names)

    def quarantine(self, problems: Iterable[Problem]) -> None:
        """Set rows aside (``Problem(source, reason, line)``); they count as quarantined."""
        items = list(problems)
        if not items:
            return
        table = pa.table(
            {"line": [p.line for p in items], "reason": [p.reason for p in items]},
            schema=pa.schema([("line", pa.int64()), ("reason", pa.string())]),
        )
        self.con.register("_pk_qsrc", table)
        try:
            self.quarantine_sql("SELECT line, reason FROM _pk_qsrc")
        finally:
            self.con.unregister("_pk_qsrc")

    def quarantine_lines(self, lines: Iterable[tuple[int, str]]) -> None:
        """Quarantine ``(line, reason)`` pairs of this file."""
        self.quarantine(Problem(self.path, reason, line) for line, reason in lines)

    def quarantine_sql(self, select_sql: str, params: Sequence[Any] | None = None) -> None:
        """Quarantine the rows of a query with columns ``line`` and ``reason``."""
        con = self.con
        name = f"_pk_bad_{self._n_bad_tables}"
        self._n_bad_tables += 1
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT CAST(line AS BIGINT) AS line, "
            f"CAST(reason AS VARCHAR) AS reason FROM ({select_sql})",
            params or [],
        )
        n = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
        if n:
            room = max(0, MAX_PROBLEMS_LISTED - len(self.counts.problems))
            listed = con.execute(
                f"SELECT line, reason FROM {name} ORDER BY line LIMIT {room}"
            ).fetchall()
            self.counts.problems.extend(
                str(Problem(self.path, reason, int(line) if line is not None else None))
                for line, reason in listed
            )
            if n > len(listed):
                self.counts.problems.append(
                    f"{self.path}: {n - len(listed)} more rows quarantined "
                    "(see the quarantine table)"
                )
        self.counts.quarantined += n

    def _commit(self) -> None:
        """Write everything staged, the quarantine and the imports record in one transaction."""
        store, con = self.store, self.con
        prev = store._previous_import(self.sha256, self.dataset)
        if prev is not None:  # the same content was imported before under another name
            self._cleanup()
            self.counts = prev
            self.done = True
            return
        now = _now()
        con.execute("SET preserve_insertion_order = false")  # faster bulk insert; order is moot
        try:
            self._write(now)
        finally:
            con.execute("RESET preserve_insertion_order")
        self._cleanup()

    def _write(self, now: dt.datetime) -> None:
        store, con = self.store, self.con
        with store.transaction():
            before = store._count("events")
            # into an empty events table, the primary key index is built once, after the rows
            rebuild = before == 0 and store._drop_primary_key()
            for table, where, unique in self._pending:
                store._insert_staged(table, where, self.dataset, now, unique_ids=unique)
            if rebuild:
                con.execute("ALTER TABLE events ADD PRIMARY KEY (event_id)")
            self.counts.new_events = store._count("events") - before
            if self._pending:
                store._note_seen_from(
                    "events",
                    f"dataset = {_sql_str(self.dataset)} AND ingested_at = "
                    f"TIMESTAMP '{now.isoformat(sep=' ')}'",
                )
            self.step("inserted", self.counts.new_events)
            for i in range(self._n_bad_tables):
                con.execute(
                    f"INSERT INTO quarantine SELECT ?, line, reason, ?, ? FROM _pk_bad_{i}",
                    [self.path, f"dataset:{self.dataset}", now],
                )
            con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    self.sha256,
                    self.dataset,
                    self.path,
                    self.counts.read,
                    self.counts.events,
                    self.counts.new_events,
                    self.counts.quarantined,
                    now,
                ],
            )
            self.step("commit", self.counts.new_events)

    def _cleanup(self) -> None:
        names = [t for t, _, _ in self._pending] + [
            f"_pk_bad_{i}" for i in range(self._n_bad_tables)
        ]
        for name in [*names, *self._scratch]:  # views first: they read the scratch tables
            _drop_temp(self.con, name)
        self._pending.clear()
        self._scratch.clear()
        self._n_bad_tables = 0


class Store:
    """A DuckDB-backed event store at ``path`` (a file, or ``":memory:"``).

    ``Store(path)`` opens for writing (one writer process at a time; it waits up to
    ``lock_timeout`` seconds for readers to let go). ``Store(path, read_only=True)`` opens for
    reading: the live file when no writer holds it, else the snapshot the last writer published
    (``is_snapshot`` tells which); ``snapshot=True`` always reads the snapshot, so a long-lived
    reader never blocks writers. A writer publishes its snapshot on ``close()`` and on
    ``snapshot()``.
    """

    def __init__(
        self,
        path: str | Path,
        read_only: bool = False,
        *,
        snapshot: bool = False,
        lock_timeout: float = 10.0,
        publish_snapshot: bool = True,
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.is_snapshot = False
        self.publish_snapshot = publish_snapshot and not read_only and self.path != ":memory:"
        self._closed = False
        self._con = self._open(snapshot, lock_timeout)
        if not read_only:
            self._init_schema()
        else:
            self._check_schema()

    # -- opening -------------------------------------------------------------------------

    def _open(self, snapshot: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
        if self.path == ":memory:":
            if self.read_only:
                raise InputError(self.path, "an in-memory store cannot be opened read-only")
            return connect(":memory:")
        p = Path(self.path)
        if self.read_only:
            snap = snapshot_path(p)
            if not snapshot:
                if not p.exists():
                    raise InputError(self.path, "no such database")
                bad = _file_problem(self.path)
                if bad is not None:
                    raise InputError(self.path, bad)
                try:
                    return connect(self.path, read_only=True)
                except duckdb.Error as exc:
                    if not _is_lock_error(exc):
                        raise InputError(
                            self.path, f"cannot open database: {_first_line(exc)}"
                        ) from None
            if not snap.exists():
                raise InputError(
                    self.path, "database is held by a writer and no snapshot has been published yet"
                )
            self.is_snapshot = True
            try:
                return connect(str(snap), read_only=True)
            except duckdb.Error as exc:
                raise InputError(str(snap), f"cannot open snapshot: {_first_line(exc)}") from None
        if p.parent and not p.parent.exists():
            raise InputError(self.path, f"folder {p.parent} does not exist")
        if p.exists():
            bad = _file_problem(self.path)
            if bad is not None:
                raise InputError(self.path, bad)
        remove_stale_snapshot_tmps(p)
        deadline = time.monotonic() + lock_timeout
        while True:
            try:
                return connect(self.path)
            except duckdb.Error as exc:
                if _is_lock_error(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise InputError(self.path, f"cannot open database: {_first_line(exc)}") from None

    def _init_schema(self) -> None:
        con = self._con
        with self.transaction():
            for stmt in DDL:
                con.execute(stmt)
            rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
            row = rows[0] if rows else None
            if row is None:
                con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            elif int(row[0]) > SCHEMA_VERSION:
                raise InputError(
                    self.path,
                    f"database schema version {row[0]} is newer than this powderkeg "
                    f"({SCHEMA_VERSION}); upgrade powderkeg",
                )
            elif int(row[0]) < SCHEMA_VERSION:  # an older file: add what is new, keep its rows
                for stmt in MIGRATIONS:
                    con.execute(stmt)
                con.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)]
                )

    def _check_schema(self) -> None:
        try:
            rows = self._con.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchall()
            row = rows[0] if rows else None
        except duckdb.Error:
            raise InputError(self.path, "not a powderkeg database (no meta table)") from None
        if row is None or int(row[0]) > SCHEMA_VERSION:
            raise InputError(self.path, f"unsupported schema version {row and row[0]}")

    # -- basics --------------------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (for importers and queries inside the package)."""
        if self._closed:
            raise InputError(self.path, "store is closed")
        return self._con

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close; a writer first publishes the read-only snapshot for concurrent readers."""
        if self._closed:
            return
        try:
            if self.publish_snapshot:
                self.snapshot()
        finally:
            self._con.close()
            self._closed = True

    def snapshot(self, dest: str | Path | None = None) -> Path:
        """Publish a consistent read-only copy of the database (default ``<path>.snapshot``).

        The copy is written beside the target and renamed over it, so a reader sees either the
        old snapshot or the new one, never a partial file.
        """
        if self.path == ":memory:":
            raise InputError(self.path, "an in-memory store has no file to snapshot")
        if self.read_only:
            raise InputError(self.path, "only the writer publishes snapshots")
        target = Path(dest) if dest is not None else snapshot_path(self.path)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self._con.execute("CHECKPOINT")
        try:
            shutil.copyfile(self.path, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:  # a full disk or an interrupt: leave no partial copy behind
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        if dest is None:
            remove_stale_snapshot_tmps(self.path)
        return target

    def refresh(self) -> None:
        """Reader on a snapshot: reopen to see the newest published snapshot."""
        if not self.read_only:
            return
        self._con.close()
        self._con = self._open(self.is_snapshot, 0.0)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN ... COMMIT around the block; ROLLBACK if it raises."""
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _count(self, table: str, where: str = "", params: Sequence[Any] | None = None) -> int:
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return int(self.connection.execute(sql, params or []).fetchall()[0][0])  # type: ignore[index]

    # -- writing documents -----------------------------------------------------------------

    def add_documents(self, docs: Iterable[Document | Problem], *, batch_size: int = 200) -> Counts:
        """Store coded documents and their events; Problems go to the quarantine.

        Idempotent: a document already stored with the same coder version is skipped; one
        stored with another coder version has its events replaced (in the same transaction as
        the new ones are written). Each batch of documents is one transaction.
        """
        self._writable()
        counts = Counts()
        batch: list[Document] = []
        problems: list[Problem] = []
        for item in docs:
            if isinstance(item, Problem):
                problems.append(item)
                continue
            counts.read += 1
            batch.append(item)
            if len(batch) >= batch_size:
                counts = counts + self._write_batch(batch)
                batch = []
        if batch:
            counts = counts + self._write_batch(batch)
        if problems:
            counts = counts + self.add_problems(problems)
        return counts

    def _write_batch(self, docs: list[Document]) -> Counts:
        counts = Counts()
        con = self.connection
        now = _now()
        # the last copy of a doc_id in a batch wins
        by_id: dict[str, Document] = {}
        for d in docs:
            by_id[d.doc_id] = d
        with self.transaction():
            ids = list(by_id)
            stored = dict(
                con.execute(
                    "SELECT doc_id, coalesce(coder, '') FROM documents "
                    "WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                    [ids],
                ).fetchall()
            )
            fresh: list[Document] = []
            replaced: list[str] = []
            for d in by_id.values():
                counts.events += len(d.events)
                if d.doc_id in stored and stored[d.doc_id] == (d.coder or ""):
                    continue
                if d.doc_id in stored:
                    replaced.append(d.doc_id)
                fresh.append(d)
            if not fresh:
                return counts
            old_ids: set[str] = set()
            if replaced:
                old_ids = {
                    r[0]
                    for r in con.execute(
                        "SELECT event_id FROM events WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                        [replaced],
                    ).fetchall()
                }
                con.execute(
                    "DELETE FROM event_sources WHERE event_id IN "
                    "(SELECT event_id FROM events WHERE doc_id IN (SELECT unnest(?::VARCHAR[])))",
                    [replaced],
                )
                con.execute(
                    "DELETE FROM events WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [replaced]
                )
                con.execute(
                    "DELETE FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                    [replaced],
                )
            doc_table = pa.table(
                {
                    "doc_id": [d.doc_id for d in fresh],
                    "source": [d.source for d in fresh],
                    "title": [d.title for d in fresh],
                    "date": [_parse_date(d.date) for d in fresh],
                    "text": [d.text for d in fresh],
                    "coder": [d.coder for d in fresh],
                    "ingested_at": [now] * len(fresh),
                },
                schema=pa.schema(
                    [
                        ("doc_id", pa.string()),
                        ("source", pa.string()),
                        ("title", pa.string()),
                        ("date", pa.date32()),
                        ("text", pa.string()),
                        ("coder", pa.string()),
                        ("ingested_at", pa.timestamp("us")),
                    ]
                ),
            )
            con.register("_pk_docs", doc_table)
            con.execute("INSERT INTO documents SELECT * FROM _pk_docs")
            con.unregister("_pk_docs")
            rows: list[dict[str, Any]] = []
            for d in fresh:
                seen_here: set[str] = set()
                for r in event_rows(d, now):
                    if r["event_id"] in seen_here:
                        continue
                    seen_here.add(r["event_id"])
                    rows.append(r)
            if rows:
                before = self._count("events")
                con.register("_pk_ev", rows_to_arrow(rows))
                con.execute("CREATE OR REPLACE TEMP TABLE _pk_evt AS SELECT * FROM _pk_ev")
                con.unregister("_pk_ev")
                # an event id can only belong to one document; keep the first writer's row
                con.execute(
                    f"INSERT OR IGNORE INTO events ({_STORED_COLS}) SELECT {_STORED_COLS} FROM _pk_evt"
                )
                added = self._count("events") - before
                new_ids = {r["event_id"] for r in rows}
                counts.new_events += len(new_ids - old_ids) if replaced else added
                self._note_seen_from("_pk_evt")
                con.execute("DROP TABLE _pk_evt")
            doc_problems = [Problem(d.source, str(p)) for d in fresh for p in (d.problems or [])]
            if doc_problems:
                self._quarantine(doc_problems, input_kind="document")
        return counts

    def add_problems(self, problems: Iterable[Problem], input_kind: str = "document") -> Counts:
        """Quarantine unusable inputs (each a Problem naming its source, reason, line)."""
        self._writable()
        with self.transaction():
            n, listed = self._quarantine(problems, input_kind=input_kind)
        return Counts(quarantined=n, problems=listed)

    def _quarantine(self, problems: Iterable[Problem], input_kind: str) -> tuple[int, list[str]]:
        items = list(problems)
        if not items:
            return 0, []
        table = pa.table(
            {
                "source": [p.source for p in items],
                "line": [p.line for p in items],
                "reason": [p.reason for p in items],
            },
            schema=pa.schema(
                [("source", pa.string()), ("line", pa.int64()), ("reason", pa.string())]
            ),
        )
        con = self.connection
        con.register("_pk_q", table)
        try:
            # the same problem reported again (re-run of the same input) is kept once
            con.execute(
                """INSERT INTO quarantine
                   SELECT DISTINCT q.source, q.line, q.reason, ?, ? FROM _pk_q q
                   WHERE NOT EXISTS (SELECT 1 FROM quarantine o WHERE o.source = q.source
                     AND o.line IS NOT DISTINCT FROM q.line AND o.reason = q.reason)""",
                [input_kind, _now()],
            )
        finally:
            con.unregister("_pk_q")
        listed = [str(p) for p in items[:MAX_PROBLEMS_LISTED]]
        if len(items) > MAX_PROBLEMS_LISTED:
            listed.append(
                f"{len(items) - MAX_PROBLEMS_LISTED} more problems (see the quarantine table)"
            )
        return len(items), listed

    def _note_seen_from(self, table: str, where: str = "") -> None:
        """Record the actors and places the rows of ``table`` mention (first sighting wins)."""
        con = self.connection
        cond = f" WHERE {where}" if where else ""
        now = _now()
        if self._has_columns(table, ("actors", "targets")):
            con.execute(
                f"""INSERT INTO actors
                SELECT a.code, any_value(a.name), any_value(a.kind), ?::TIMESTAMP FROM (
                  SELECT unnest(CAST(json_extract(v, '$[*]') AS JSON[])) AS j FROM (
                    SELECT DISTINCT actors AS v FROM {table}{cond}
                    UNION SELECT DISTINCT targets AS v FROM {table}{cond})
                ) s, LATERAL (SELECT s.j->>'code' AS code, s.j->>'name' AS name,
                                     s.j->>'kind' AS kind) a
                WHERE a.code IS NOT NULL
                  AND a.code NOT IN (SELECT code FROM actors)
                GROUP BY a.code""",
                [now],
            )
        if self._has_columns(table, ("place_name", "country", "lat", "lon", "place_precision")):
            con.execute(
                f"""INSERT INTO places
                    SELECT place_name, country, any_value(lat), any_value(lon),
                           any_value(place_precision), ?::TIMESTAMP
                    FROM {table} t
                    WHERE place_name IS NOT NULL {"AND (" + where + ")" if where else ""} AND NOT EXISTS (
                      SELECT 1 FROM places p WHERE p.name = t.place_name
                        AND p.country IS NOT DISTINCT FROM t.country)
                    GROUP BY place_name, country""",
                [now],
            )

    def _has_columns(self, table: str, cols: Sequence[str]) -> bool:
        have = {r[0] for r in self.connection.execute(f"DESCRIBE {table}").fetchall()}
        return all(c in have for c in cols)

    def _writable(self) -> None:
        if self.read_only:
            raise InputError(self.path, "store is open read-only")

    # -- importing datasets --------------------------------------------------------------

    @contextlib.contextmanager
    def import_session(
        self,
        path: str | Path,
        dataset: str,
        *,
        sha256: str | None = None,
        progress: Callable[[str, int], None] | None = None,
    ) -> Iterator[ImportSession]:
        """One file's import, recorded in ``imports`` by the file's SHA-256.

        If the file was imported before for this dataset, ``session.done`` is True and the
        importer should stage nothing (re-import adds 0 rows). Everything the importer stages is
        written in one transaction when the block ends; if the block raises, or the process dies
        at any point, the database is left as it was and a rerun starts from the beginning.
        """
        self._writable()
        spath = str(path)
        sha: str | Future[str]
        if sha256 is not None:
            sha = sha256
        elif self._count("imports", "dataset = ? AND path = ?", [dataset, spath]):
            sha = file_sha256(path)  # probably a re-import: find out before staging
        else:
            # hash while the importer stages (hashlib releases the GIL); checked at commit
            pool = ThreadPoolExecutor(max_workers=1)
            sha = pool.submit(file_sha256, path)
            pool.shutdown(wait=False)
        if isinstance(sha, str):
            prev = self._previous_import(sha, dataset)
            if prev is not None:
                yield ImportSession(self, dataset, spath, sha, True, prev, progress)
                return
        session = ImportSession(self, dataset, spath, sha, False, Counts(), progress)
        session.step("begin", 0)
        try:
            yield session
        except BaseException:
            session._cleanup()
            raise
        session._commit()
        session.step("done", session.counts.new_events)

    def _previous_import(self, sha: str, dataset: str) -> Counts | None:
        prevs = self.connection.execute(
            "SELECT rows, events, quarantined FROM imports WHERE file_sha256 = ? AND dataset = ?",
            [sha, dataset],
        ).fetchall()
        if not prevs:
            return None
        rows, events, quarantined = prevs[0]
        return Counts(read=int(rows), events=int(events), quarantined=int(quarantined))

    def _drop_primary_key(self) -> bool:
        """Inside an import's transaction, with ``events`` empty: recreate it without its primary
        key, so that a bulk insert skips the index (the caller adds the key back, built in one
        pass, before the commit). False, and nothing changed, when the table is not exactly the
        one ``schema`` defines (other columns, or indexes of its own)."""
        con = self.connection
        deps = con.execute(
            "SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'events' "
            "AND schema_name = 'main' AND database_name = current_database()"
        ).fetchall()[0][0]
        cols = tuple(r[0] for r in con.execute("DESCRIBE events").fetchall())
        if deps or cols != STORED_EVENT_COLUMN_NAMES:
            return False
        con.execute("DROP TABLE events")
        con.execute(events_ddl(primary_key=False))
        return True

    def _insert_staged(
        self,
        table: str,
        where: str,
        dataset: str,
        now: dt.datetime,
        *,
        unique_ids: bool | None = None,
    ) -> None:
        con = self.connection
        have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
        fixed = {
            "origin": "'dataset'",
            "dataset": _sql_str(dataset),
            "ingested_at": "?::TIMESTAMP",
            "mentions": "1",
            "factuality": "'asserted'",
            "confidence": "1.0",
        }
        # event_id = sha16(dataset:row_id) unless staged; ids repeat exactly when row ids do
        id_expr = f"substr(sha256({_sql_str(dataset + ':')} || row_id), 1, 16)"
        key = "row_id"
        if "event_id" in have:
            id_expr = key = "event_id"
        select: list[str] = []
        for name in STORED_EVENT_COLUMN_NAMES:
            typ = EVENT_COLUMN_TYPES[name]
            if name == "event_id":
                select.append("_pk_id AS event_id")
            elif name in have and name not in ("origin", "dataset", "ingested_at"):
                select.append(f"CAST({name} AS {typ}) AS {name}")
            elif name in fixed:
                select.append(f"{fixed[name]} AS {name}")
            else:
                select.append(f"CAST(NULL AS {typ}) AS {name}")
        cond = f"({where})" if where else "true"
        # A plain INSERT is 2-3x faster than INSERT OR IGNORE on DuckDB's primary-key index,
        # so leave out ids already stored and, only when the file repeats ids, repeats.
        if unique_ids is None:
            unique_ids = not con.execute(
                f"SELECT count(*) - count(DISTINCT {key}) FROM {table} WHERE {cond}"
            ).fetchall()[0][0]
        dups = not unique_ids
        once = " QUALIFY row_number() OVER (PARTITION BY _pk_id) = 1" if dups else ""
        new_only = (
            " WHERE _pk_id NOT IN (SELECT event_id FROM events)" if self._count("events") else ""
        )
        con.execute(
            f"INSERT INTO events ({_STORED_COLS}) SELECT {', '.join(select)} FROM "
            f"(SELECT *, {id_expr} AS _pk_id FROM {table} WHERE {cond}){new_only}{once}",
            [now],
        )

    def import_table(
        self,
        data: pd.DataFrame | pa.Table,
        dataset: str,
        *,
        source: str,
        sha256: str | None = None,
        read: int | None = None,
        problems: Iterable[Problem] = (),
        progress: Callable[[str, int], None] | None = None,
    ) -> Counts:
        """Import rows already mapped to events-table columns (``row_id`` required).

        ``source`` names the input (a path); ``sha256`` identifies it for idempotent re-import
        (default: a hash of the rows' ids and the dataset). Rows whose event id exists are
        skipped.
        """
        if sha256 is None:
            ids = data["row_id"] if isinstance(data, pd.DataFrame) else data.column("row_id")
            sha256 = hashlib.sha256(
                ("\n".join(map(str, list(ids))) + dataset).encode("utf-8")
            ).hexdigest()
        with self.import_session(source, dataset, sha256=sha256, progress=progress) as imp:
            if imp.done:
                return imp.counts
            n = len(data)
            probs = list(problems)
            imp.counts.read = n + len(probs) if read is None else read
            if n:
                imp.insert_frame(data)
            imp.quarantine(probs)
        return imp.counts

    # -- series --------------------------------------------------------------------------

    def add_series(self, frame: pd.DataFrame, kind: str, source: str) -> int:
        """Upsert count series rows (``date, series, count[, fatalities]``); returns rows written."""
        self._writable()
        df = frame.copy()
        if "fatalities" not in df.columns:
            df["fatalities"] = None
        df = df[["date", "series", "count", "fatalities"]]
        con = self.connection
        with self.transaction():
            con.register("_pk_series", df)
            try:
                con.execute(
                    """INSERT OR REPLACE INTO series
                       SELECT ?, series, CAST(date AS DATE), CAST(count AS DOUBLE),
                              CAST(fatalities AS DOUBLE), ? FROM _pk_series""",
                    [kind, source],
                )
            finally:
                con.unregister("_pk_series")
        return len(df)

    def series(self, kind: str | None = None, series: Sequence[str] | None = None) -> pd.DataFrame:
        """Stored count series: ``kind, series, date, count, fatalities, source``."""
        where, params = [], []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if series is not None:
            where.append("series IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(series))
        sql = "SELECT * FROM series" + (f" WHERE {' AND '.join(where)}" if where else "")
        return self.connection.execute(sql + " ORDER BY kind, series, date", params).df()

    # -- reading ---------------------------------------------------------------------------

    def events(
        self,
        theatre: Any = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        *,
        countries: Iterable[str] | None = None,
        codes: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        origin: str | None = None,
        dataset: str | None = None,
        doc_id: str | None = None,
        clusters: bool = False,
        limit: int | None = None,
        quantities: bool = False,
    ) -> pd.DataFrame:
        """Events as a pandas DataFrame with the events-table columns, ordered by date.

        ``theatre``: a country code, a list of codes, or an object with ``countries`` (and
        optionally ``codes``) attributes; an event belongs to it when its place's country is one
        of them or one of its actor/target codes is (sub-state codes match their parent state:
        ``UKR-DPR`` is in ``UKR``). ``countries``/``codes`` filter on place country or on actor
        and target codes only. ``since``/``until`` are inclusive dates. ``clusters=True`` keeps
        one row per dedupe cluster (the cluster's representative, with ``mentions``).
        ``quantities=True`` adds a last column ``quantities``: JSON text, a list of contract
        Quantity objects for coded events (``[]`` when none), null for dataset rows and for
        events stored before schema version 2.
        """
        where, params = date_window(since, until)
        if theatre is not None:
            t_countries, t_codes = _theatre_codes(theatre)
            where.append(
                "(list_contains(?::VARCHAR[], country) OR "
                "list_has_any(list_transform(list_concat(actor_codes, target_codes), "
                "lambda c: split_part(c, '-', 1)), ?::VARCHAR[]) OR "
                "list_has_any(list_concat(actor_codes, target_codes), ?::VARCHAR[]))"
            )
            params += [t_countries, t_countries, t_codes]
        if countries is not None:
            where.append("list_contains(?::VARCHAR[], country)")
            params.append(list(countries))
        if codes is not None:
            cl = list(codes)
            where.append(
                "(list_has_any(list_concat(actor_codes, target_codes), ?::VARCHAR[]) OR "
                "list_has_any(list_transform(list_concat(actor_codes, target_codes), "
                "lambda c: split_part(c, '-', 1)), ?::VARCHAR[]))"
            )
            params += [cl, cl]
        if types is not None:
            where.append("type IN (SELECT unnest(?::VARCHAR[]))")
            params.append([t.upper() for t in types])
        for col, val in (("origin", origin), ("dataset", dataset), ("doc_id", doc_id)):
            if val is not None:
                where.append(f"{col} = ?")
                params.append(val)
        if clusters:
            where.append("(cluster_id IS NULL OR cluster_id = event_id)")
        cols = list(EVENT_COLUMN_NAMES)
        if quantities:  # a read-only store may be an older file without the column
            cols.append(
                "quantities"
                if self._has_columns("events", ("quantities",))
                else "CAST(NULL AS JSON) AS quantities"
            )
        sql = f"SELECT {', '.join(cols)} FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY date NULLS LAST, event_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.connection.execute(sql, params).df()

    def documents(self) -> pd.DataFrame:
        """Stored documents (without their text): doc_id, source, title, date, coder, ingested_at."""
        return self.connection.execute(
            "SELECT doc_id, source, title, date, coder, ingested_at FROM documents ORDER BY doc_id"
        ).df()

    def document_text(self, doc_id: str) -> str | None:
        rows = self.connection.execute(
            "SELECT text FROM documents WHERE doc_id = ?", [doc_id]
        ).fetchall()
        return str(rows[0][0]) if rows else None

    def stored_with_coder(self, doc_ids: Sequence[str], coder: str | None) -> dict[str, int]:
        """Which of ``doc_ids`` are stored coded by ``coder``: ``{doc_id: its stored events}``.

        A resumed ingest skips these documents without coding them again (``add_documents``
        would skip them too, but only after they were coded).
        """
        if not doc_ids:
            return {}
        rows = self.connection.execute(
            """SELECT d.doc_id, count(e.event_id) FROM documents d
               LEFT JOIN events e ON e.doc_id = d.doc_id AND e.origin = 'coded'
               WHERE d.doc_id IN (SELECT unnest(?::VARCHAR[])) AND coalesce(d.coder, '') = ?
               GROUP BY d.doc_id""",
            [list(doc_ids), coder or ""],
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def quarantine(self) -> pd.DataFrame:
        """The quarantine: source, line, reason, input_kind, at."""
        return self.connection.execute('SELECT * FROM quarantine ORDER BY "at", source, line').df()

    def imports(self) -> pd.DataFrame:
        return self.connection.execute("SELECT * FROM imports ORDER BY finished_at").df()

    def actors(self) -> pd.DataFrame:
        """Actors seen in stored events: code, name, kind, first_seen."""
        return self.connection.execute("SELECT * FROM actors ORDER BY code").df()

    def places(self) -> pd.DataFrame:
        """Places seen in stored events: name, country, lat, lon, precision, first_seen."""
        return self.connection.execute("SELECT * FROM places ORDER BY country, name").df()

    def sources(self, cluster_id: str | None = None) -> pd.DataFrame:
        """Provenance after dedupe: event_id, cluster_id, origin, dataset, row_id, doc_id, source."""
        sql = "SELECT * FROM event_sources"
        params: list[Any] = []
        if cluster_id is not None:
            sql += " WHERE cluster_id = ?"
            params.append(cluster_id)
        return self.connection.execute(sql + " ORDER BY cluster_id, event_id", params).df()

    def counts(self) -> dict[str, Any]:
        """Table sizes and per-origin/dataset event counts."""
        out: dict[str, Any] = {
            t: self._count(t)
            for t in (
                "documents",
                "events",
                "event_sources",
                "actors",
                "places",
                "quarantine",
                "imports",
                "series",
            )
        }
        out["by_dataset"] = {
            str(k): int(v)
            for k, v in self.connection.execute(
                "SELECT coalesce(dataset, origin), count(*) FROM events GROUP BY 1 ORDER BY 1"
            ).fetchall()
        }
        out["clusters"] = int(
            self.connection.execute(
                "SELECT count(DISTINCT coalesce(cluster_id, event_id)) FROM events"
            ).fetchall()[0][0]
        )
        return out

    # -- dedupe ----------------------------------------------------------------------------

    def dedupe(self, **kwargs: Any) -> dict[str, Any]:
        """Cluster events that report the same real event; see ``powderkeg.store.dedupe``."""
        from powderkeg.store.dedupe import dedupe_store

        self._writable()
        return dedupe_store(self, **kwargs)


def date_window(
    since: str | dt.date | None, until: str | dt.date | None
) -> tuple[list[str], list[Any]]:
    """SQL conditions and parameters for ``since <= date <= until`` (either may be None)."""
    where: list[str] = []
    params: list[Any] = []
    if since is not None:
        where.append("date >= ?::DATE")
        params.append(str(since))
    if until is not None:
        where.append("date <= ?::DATE")
        params.append(str(until))
    return where, params


def _theatre_codes(theatre: Any) -> tuple[list[str], list[str]]:
    if isinstance(theatre, str):
        return [theatre], [theatre]
    countries = getattr(theatre, "countries", None)
    if countries is not None:
        codes = getattr(theatre, "codes", None) or getattr(theatre, "actors", None) or []
        codes = [c if isinstance(c, str) else getattr(c, "code", str(c)) for c in codes]
        return list(countries), [*countries, *codes]
    items = [str(c) for c in theatre]
    return items, items


def _drop_temp(con: duckdb.DuckDBPyConnection, name: str) -> None:
    kind = con.execute(
        "SELECT any_value(table_type) FROM information_schema.tables "
        "WHERE table_name = ? AND table_catalog = 'temp'",
        [name],
    ).fetchall()[0][0]
    if kind is not None:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS temp.{name}")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
