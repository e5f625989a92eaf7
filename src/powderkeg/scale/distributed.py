"""Ingest on a Dask cluster: partitions of documents coded on the workers, stored here.

The client process reads the inputs lazily and cuts them into partitions of ``partition_size``
documents. Documents already stored with the workers' coder version are left out before a
partition is sent (a resumed job codes only what is missing). Each worker holds one
:class:`~powderkeg.coder.Coder`, loaded once per worker process by a worker plugin
(:class:`CoderPlugin`), codes its partition and sends it back as a Parquet file. The client writes
the file to the staging folder (``<db>.parts/``), loads it into the store with the same
``Store.add_documents`` as a local run (idempotent: by document id and coder version, events by
id) and deletes it. Partition files left by an interrupted job are loaded first, without coding.

Only the client opens the store; workers need the powderkeg package (same version), not the
inputs or the database. At most ``2 x workers + 1`` partitions are in flight, so the client's
memory stays bounded however large the corpus. A worker that dies mid-partition loses nothing:
Dask runs its partition again on another worker, and the idempotent load stores it once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from ..errors import PowderkegError
from ..store import Counts, Store
from ..types import Document, Problem
from .parts import part_name, read_part, staged_parts, to_parquet_bytes, write_part
from .stream import batches, cap_problems, quarantine, split_stored

PLUGIN_NAME = "powderkeg-coder"
DEFAULT_PARTITION_SIZE = 256

Progress = Callable[[int], None]
Log = Callable[[str], None]


class CoderPlugin(WorkerPlugin):
    """Dask worker plugin: one Coder per worker, loaded on the worker's first partition.

    ``coder_options`` are passed to :class:`~powderkeg.coder.Coder` (``workers`` is fixed to 1:
    a Dask worker codes in its own process; scale out with more Dask workers instead).
    """

    name = PLUGIN_NAME

    def __init__(self, coder_options: dict[str, Any] | None = None) -> None:
        self.coder_options = dict(coder_options or {})
        self._coder: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"coder_options": self.coder_options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["coder_options"])  # type: ignore[misc]

    def setup(self, worker: Any) -> None:  # a WorkerPlugin hook; the model loads lazily
        pass

    def teardown(self, worker: Any) -> None:
        self._coder = None

    def coder(self) -> Any:
        with self._lock:
            if self._coder is None:
                from ..coder import Coder

                self._coder = Coder(**{**self.coder_options, "workers": 1})
            return self._coder


def _worker_coder() -> Any:
    from distributed import get_worker

    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, CoderPlugin):
        raise RuntimeError(f"the {PLUGIN_NAME} worker plugin is not registered on this worker")
    return plugin.coder()


def coder_version() -> str:
    """Task: load the worker's Coder (if not loaded yet) and return its version."""
    return str(_worker_coder().version)


def code_partition(docs: list[Document]) -> bytes:
    """Task: code one partition on a worker; the coded documents as a Parquet file."""
    return to_parquet_bytes(_worker_coder().code_documents(docs))


def prepare_workers(client: Any, coder_options: dict[str, Any] | None = None) -> str:
    """Register the coder plugin (once) and load the Coder on every worker; its version.

    The plugin is registered with the scheduler, so workers that join later (or replace a dead
    one) get it too. Workers that report different coder versions are refused: their events
    would not match.
    """
    from ..errors import UsageError

    client.wait_for_workers(1, timeout=60)
    have = client.run(_has_plugin, coder_options or {})
    if not have or not all(have.values()):
        client.register_plugin(CoderPlugin(coder_options), name=PLUGIN_NAME)
    futures = [
        client.submit(coder_version, pure=False, workers=[addr], allow_other_workers=False)
        for addr in client.scheduler_info()["workers"]
    ]
    versions = set(client.gather(futures))
    if len(versions) != 1:
        raise UsageError(
            f"Dask workers run different coder versions: {', '.join(sorted(versions))}"
        )
    return versions.pop()


def _has_plugin(options: dict[str, Any], dask_worker: Any = None) -> bool:
    plugin = dask_worker.plugins.get(PLUGIN_NAME) if dask_worker is not None else None
    return isinstance(plugin, CoderPlugin) and plugin.coder_options == options


def open_client(dask: str | None, workers: int | None) -> tuple[Any, Any]:
    """(client, cluster): a client of the scheduler at ``dask``, else of a new LocalCluster with
    ``workers`` single-threaded worker processes (the cluster is None for a remote scheduler)."""
    from distributed import Client, LocalCluster

    from ..errors import InputError, UsageError

    if dask:
        try:
            return Client(dask, timeout="30s"), None
        except (OSError, TimeoutError) as exc:
            raise InputError(dask, f"cannot reach the Dask scheduler: {exc}") from None
    n = int(workers or 1)
    if n < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    cluster = LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=logging.ERROR,  # no nanny warnings on the user's stderr
    )  # fmt: skip
    return Client(cluster), cluster


def load_staged(store: Store, folder: Path) -> Counts:
    """Load partition files an interrupted job left in ``folder`` (no coding), then delete them.

    Only their new events are counted: their documents are counted as read (and skipped as
    stored) when the inputs are read again.
    """
    counts = Counts()
    for path in staged_parts(folder):
        docs = read_part(path)
        counts.new_events += store.add_documents(docs, batch_size=max(1, len(docs))).new_events
        path.unlink()
    return counts


def ingest_distributed(
    items: Iterable[Document | Problem],
    store: Store,
    client: Any,
    *,
    stage: Path,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    coder_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    max_in_flight: int | None = None,
) -> Counts:
    """Code ``items`` on the Dask cluster of ``client`` and store them (see the module doc).

    ``stage``: the staging folder for partition files. ``progress(n)`` is called with the number
    of items (documents and problems) each committed partition held.
    """
    from distributed import as_completed

    if partition_size < 1:
        raise ValueError("partition_size must be at least 1")
    version = prepare_workers(client, coder_options)
    counts = load_staged(store, stage)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    limit = max_in_flight or 2 * n_workers + 1
    pending = as_completed()
    meta: dict[str, tuple[str, int]] = {}  # future key -> (part name, items it stands for)

    def collect(block: bool) -> None:
        nonlocal counts
        while pending.count() and (block or pending.count() >= limit):
            fut = next(pending)
            name, n_items = meta.pop(fut.key)
            try:
                data = fut.result()
            except Exception as exc:  # the partition failed on every try; stored work stays
                raise PowderkegError(
                    f"Dask partition {name} failed ({type(exc).__name__}: {exc}); the partitions "
                    "stored so far are kept: run the same command again to resume"
                ) from exc
            fut.release()
            path = write_part(stage, name, data)
            docs = read_part(path)
            counts = counts + store.add_documents(docs, batch_size=max(1, len(docs)))
            path.unlink()
            if progress:
                progress(n_items)
            if not block:
                return

    for docs, problems in batches(items, partition_size):
        todo, skipped = split_stored(store, docs, version)
        counts = counts + skipped + quarantine(store, problems)
        done_here = len(docs) - len(todo) + len(problems)
        if todo:
            fut = client.submit(code_partition, todo, pure=False, retries=2)
            meta[fut.key] = (part_name(d.doc_id for d in todo), len(todo) + done_here)
            pending.add(fut)
            collect(block=False)
        elif progress and done_here:
            progress(done_here)
    collect(block=True)
    with contextlib.suppress(OSError):  # the staging folder, when empty
        stage.rmdir()
    return cap_problems(counts)
