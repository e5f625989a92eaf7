"""store stage: one DuckDB database for documents, coded and imported events, and bookkeeping."""

from powderkeg.store.counts import Counts
from powderkeg.store.schema import EVENT_COLUMN_NAMES, SCHEMA_VERSION
from powderkeg.store.store import ImportSession, Store, file_sha256, snapshot_path

__all__ = [
    "EVENT_COLUMN_NAMES",
    "SCHEMA_VERSION",
    "Counts",
    "ImportSession",
    "Store",
    "file_sha256",
    "snapshot_path",
]
