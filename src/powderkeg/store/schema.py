"""The store's DuckDB schema: one events table for coded and imported events, plus bookkeeping.

``EVENT_COLUMNS`` is the fixed column list every stage relies on (team brief); analysis code reads
``Store.events()`` as a pandas DataFrame with exactly these columns. ``EXTRA_EVENT_COLUMNS`` are
stored after them (``Store.events(quantities=True)`` adds ``quantities``); databases written by an
older schema version get them on open (``MIGRATIONS``).
"""

from __future__ import annotations

SCHEMA_VERSION = 2
"""1: the fixed events columns; 2: adds ``events.quantities``."""

# (name, DuckDB type) in table order. Fixed by the shared interface: do not rename.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "VARCHAR PRIMARY KEY"),
    ("origin", "VARCHAR NOT NULL"),  # 'coded' | 'dataset'
    ("doc_id", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("row_id", "VARCHAR"),
    ("coder", "VARCHAR"),
    ("type", "VARCHAR"),
    ("mode", "VARCHAR"),
    ("context", "VARCHAR[]"),
    ("actor_codes", "VARCHAR[]"),
    ("target_codes", "VARCHAR[]"),
    ("actors", "JSON"),
    ("targets", "JSON"),
    ("place_name", "VARCHAR"),
    ("country", "VARCHAR"),
    ("lat", "DOUBLE"),
    ("lon", "DOUBLE"),
    ("place_precision", "VARCHAR"),
    ("date", "DATE"),
    ("date_precision", "VARCHAR"),
    ("factuality", "VARCHAR"),
    ("quad", "VARCHAR"),
    ("intensity", "DOUBLE"),
    ("cameo", "VARCHAR"),
    ("goldstein", "DOUBLE"),
    ("acled_type", "VARCHAR"),
    ("acled_sub_type", "VARCHAR"),
    ("fatalities", "INTEGER"),
    ("confidence", "DOUBLE"),
    ("sentence", "VARCHAR"),
    ("span_start", "INTEGER"),
    ("span_end", "INTEGER"),
    ("cluster_id", "VARCHAR"),
    ("mentions", "INTEGER"),
    ("ingested_at", "TIMESTAMP"),
)
EVENT_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in EVENT_COLUMNS)

# Stored after the fixed columns, in this order (new columns are only ever appended).
EXTRA_EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    # coded events: a JSON list of contract Quantity objects (``[]`` when the sentence has none);
    # NULL for dataset rows and for events stored before schema version 2
    ("quantities", "JSON"),
)
STORED_EVENT_COLUMNS: tuple[tuple[str, str], ...] = EVENT_COLUMNS + EXTRA_EVENT_COLUMNS
STORED_EVENT_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in STORED_EVENT_COLUMNS)
EVENT_COLUMN_TYPES: dict[str, str] = {
    name: typ.replace(" PRIMARY KEY", "").replace(" NOT NULL", "")
    for name, typ in STORED_EVENT_COLUMNS
}


def events_ddl(name: str = "events", *, primary_key: bool = True) -> str:
    """``CREATE TABLE`` for the events table (without its primary key when not ``primary_key``)."""
    cols = [
        f"{col} {typ if primary_key else typ.replace(' PRIMARY KEY', '')}"
        for col, typ in STORED_EVENT_COLUMNS
    ]
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(cols)})"


DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS documents (
        doc_id VARCHAR PRIMARY KEY, source VARCHAR, title VARCHAR, date DATE, text VARCHAR,
        coder VARCHAR, ingested_at TIMESTAMP)""",
    events_ddl(),
    """CREATE TABLE IF NOT EXISTS event_sources (
        event_id VARCHAR PRIMARY KEY, cluster_id VARCHAR, origin VARCHAR, dataset VARCHAR,
        row_id VARCHAR, doc_id VARCHAR, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS actors (
        code VARCHAR PRIMARY KEY, name VARCHAR, kind VARCHAR, first_seen TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS places (
        name VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE, precision VARCHAR,
        first_seen TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
        source VARCHAR, line BIGINT, reason VARCHAR, input_kind VARCHAR, "at" TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS imports (
        file_sha256 VARCHAR, dataset VARCHAR, path VARCHAR, rows BIGINT, events BIGINT,
        new_events BIGINT, quarantined BIGINT, finished_at TIMESTAMP,
        PRIMARY KEY (file_sha256, dataset))""",
    """CREATE TABLE IF NOT EXISTS series (
        kind VARCHAR, series VARCHAR, date DATE, count DOUBLE, fatalities DOUBLE, source VARCHAR,
        PRIMARY KEY (kind, series, date))""",
)

# Run on every writable open, in order: each brings a database of an older version up to date
# (idempotent, so a crash between a migration and the version bump is harmless).
MIGRATIONS: tuple[str, ...] = tuple(
    f"ALTER TABLE events ADD COLUMN IF NOT EXISTS {name} {typ}" for name, typ in EXTRA_EVENT_COLUMNS
)
