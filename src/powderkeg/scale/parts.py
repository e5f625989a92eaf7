"""Coded documents as Parquet partitions: what a Dask worker sends back, and the staging folder.

One row per coded document; events, actors, places and quantities are JSON with every field of
the in-memory objects (``dataclasses.asdict``, floats written exactly), so a document read back
from a partition is equal to the one the worker coded and the store gets the same rows as from
a local run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..types import Actor, Document, Event, Place, Quantity

PART_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("title", pa.string()),
        ("date", pa.string()),
        ("text", pa.string()),
        ("coder", pa.string()),
        ("problems", pa.list_(pa.string())),
        ("events", pa.string()),
        ("actors", pa.string()),
        ("places", pa.string()),
        ("quantities", pa.string()),
    ]
)
PART_SUFFIX = ".parquet"


def _dump(items: Iterable[Any]) -> str:
    return json.dumps([dataclasses.asdict(x) for x in items], ensure_ascii=False)


def _event(d: dict[str, Any]) -> Event:
    loc = d.get("location")
    return Event(
        **{
            **d,
            "span": (int(d["span"][0]), int(d["span"][1])),
            "actor": [Actor(**a) for a in d.get("actor") or []],
            "target": [Actor(**a) for a in d.get("target") or []],
            "location": Place(**loc) if loc else None,
            "quantities": [Quantity(**q) for q in d.get("quantities") or []],
        }
    )


def documents_to_table(docs: Iterable[Document]) -> pa.Table:
    """Coded documents as one Arrow table (``PART_SCHEMA``)."""
    rows = [
        {
            "doc_id": d.doc_id,
            "source": d.source,
            "title": d.title,
            "date": d.date,
            "text": d.text,
            "coder": d.coder,
            "problems": [str(p) for p in d.problems],
            "events": _dump(d.events),
            "actors": _dump(d.actors),
            "places": _dump(d.places),
            "quantities": _dump(d.quantities),
        }
        for d in docs
    ]
    return pa.Table.from_pylist(rows, schema=PART_SCHEMA)


def table_to_documents(table: pa.Table) -> list[Document]:
    """The coded documents of a partition table, equal to those written."""
    out = []
    for r in table.to_pylist():
        out.append(
            Document(
                doc_id=r["doc_id"],
                source=r["source"],
                text=r["text"],
                title=r["title"],
                date=r["date"],
                coder=r["coder"],
                events=[_event(e) for e in json.loads(r["events"])],
                actors=[Actor(**a) for a in json.loads(r["actors"])],
                places=[Place(**p) for p in json.loads(r["places"])],
                quantities=[Quantity(**q) for q in json.loads(r["quantities"])],
                problems=list(r["problems"] or []),
            )
        )
    return out


def to_parquet_bytes(docs: Iterable[Document]) -> bytes:
    """A Parquet file (zstd) of coded documents, as bytes."""
    buf = io.BytesIO()
    pq.write_table(documents_to_table(docs), buf, compression="zstd")
    return buf.getvalue()


def part_name(doc_ids: Iterable[str]) -> str:
    """A partition's file name from its documents (the same documents give the same name)."""
    h = hashlib.sha256("\n".join(doc_ids).encode("utf-8")).hexdigest()[:20]
    return f"part-{h}{PART_SUFFIX}"


def stage_dir_for(db: str | Path) -> Path:
    """Where partitions wait to be loaded into the store at ``db``: ``<db>.parts/`` beside it."""
    p = Path(db)
    return p.with_name(p.name + ".parts")


def write_part(folder: Path, name: str, data: bytes) -> Path:
    """Write a partition file atomically (temp file, fsync, rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def read_part(path: Path) -> list[Document]:
    return table_to_documents(pq.read_table(path, schema=PART_SCHEMA))


def staged_parts(folder: Path) -> list[Path]:
    """Partition files left in ``folder`` (by an interrupted run), in name order."""
    if not folder.is_dir():
        return []
    for tmp in folder.glob(".part-*.tmp"):  # a write cut short: its partition is coded again
        tmp.unlink(missing_ok=True)
    return sorted(folder.glob(f"part-*{PART_SUFFIX}"))
