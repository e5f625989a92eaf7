"""scale stage: ingest that streams in one process, or codes partitions on a Dask cluster.

Public entry: :func:`ingest_documents` (``api.ingest`` calls it). See ``docs/scale.md``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..store import Counts, Store
from ..types import Document, Problem
from .stream import DEFAULT_BATCH_SIZE, ingest_stream

__all__ = ["DEFAULT_BATCH_SIZE", "ingest_documents", "ingest_stream"]


def ingest_documents(
    items: Iterable[Document | Problem],
    *,
    db: str | Path,
    coder: Any = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
    dask: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Counts:
    """Store ``items`` (Documents and Problems) coded, in the store at ``db``.

    Without ``dask``/``workers``: streamed in this process, ``batch_size`` documents per
    transaction (:func:`ingest_stream`). With ``dask`` (a scheduler address, e.g.
    ``tcp://10.0.0.5:8786``) or ``workers`` (a LocalCluster of that many processes): partitions of
    ``batch_size`` documents coded on the Dask workers (:mod:`powderkeg.scale.distributed`);
    ``log`` gets the dashboard address. Both skip documents already stored with the coder's
    version, so an interrupted run resumes without coding them again.
    """
    from ..errors import UsageError

    size = DEFAULT_BATCH_SIZE if batch_size is None else int(batch_size)
    if size < 1:
        raise UsageError(f"--batch-size {batch_size}: must be at least 1")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    if dask is not None and workers is not None:
        raise UsageError("give --dask ADDRESS or --workers N, not both")
    if str(db) != ":memory:":
        items = _without_store_files(items, Path(db))
    if dask is None and workers is None:
        from ..coder import Coder

        with Store(db) as store:
            return ingest_stream(
                items, store, coder=coder or Coder(), batch_size=size, progress=progress
            )
    if coder is not None:
        raise UsageError("a Coder object cannot be sent to Dask workers; give coder options")
    from .distributed import ingest_distributed, open_client
    from .parts import stage_dir_for

    client, cluster = open_client(dask, workers)
    try:
        if log:
            log(f"Dask dashboard: {client.dashboard_link}")
        with Store(db) as store, tempfile.TemporaryDirectory() as tmp:
            stage = Path(tmp) if str(db) == ":memory:" else stage_dir_for(db)
            return ingest_distributed(
                items, store, client, stage=stage, partition_size=size, progress=progress
            )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _without_store_files(
    items: Iterable[Document | Problem], db: Path
) -> Iterator[Document | Problem]:
    """``items`` less those read from the store's own files (database, WAL, snapshot, staged
    partitions), which the store creates before a folder that holds it is read."""
    base = db.name
    own = {base, base + ".wal", base + ".snapshot", base + ".snapshot.wal"}
    home = db.resolve().parent
    for item in items:
        src = item.source.split("#", 1)[0]
        parent, name = os.path.split(src)
        staged = os.path.basename(parent) == base + ".parts"
        if name in own or staged:
            p = Path(src).resolve()
            if p.parent == home or (staged and p.parent == home / (base + ".parts")):
                continue
        yield item
