"""Sharing a large batch with forked worker processes (same code and models; results merged
in order, so output does not depend on the number of workers)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import signal
import threading
from typing import Any

from ..types import Document, Place
from .language import Folded
from .units import _Result, _Unit

#: Sentences per worker below which a batch is not split across processes.
MIN_SENTENCES_PER_WORKER = 150
#: Runs of sentences per worker process (claimed one by one, so that workers finish together).
TASKS_PER_WORKER = 4


def run_batch(
    coder: Any, docs: list[Document], units: list[_Unit], folds: list[Folded | None]
) -> tuple[list[_Result], list[list[Place]]]:
    """Results of all units, in order, and the places of each document.

    Large batches are shared with forked worker processes: the work is cut into tasks
    (the documents' places, then runs of sentences of about equal length) that the main
    process and the workers claim one after another from a shared counter, so none waits
    for a slow one. A worker that fails leaves its tasks to the main process.
    """
    workers = min(coder.workers, len(units) // MIN_SENTENCES_PER_WORKER)
    coder.last_workers = 1
    if workers < 2 or threading.active_count() > 1:
        return coder._code_units(docs, units, folds), coder._doc_places(folds)
    try:
        ctx = multiprocessing.get_context("fork")
        counter = ctx.Value("i", 0)
    except (ValueError, OSError, ImportError):
        return coder._code_units(docs, units, folds), coder._doc_places(folds)
    bounds = _balanced_bounds([len(u.text) for u in units], workers * TASKS_PER_WORKER)
    runs = [(lo, hi) for lo, hi in zip(bounds, bounds[1:], strict=False) if hi > lo]
    job = _Job(coder, docs, units, folds, runs, counter)
    children = []
    gc.freeze()  # forked children then leave the parent's objects (and pages) alone
    try:
        for _ in range(workers - 1):
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child_main, args=(job, writer), daemon=False)
            try:
                proc.start()
            except (OSError, AssertionError, RuntimeError):
                reader.close()
                writer.close()
                break
            writer.close()
            children.append((reader, proc))
    finally:
        gc.unfreeze()
    coder.last_workers = 1 + len(children)
    try:
        done = job.work()
        for reader, _proc in children:
            try:
                got = reader.recv()
            except (EOFError, OSError):
                got = None
            if isinstance(got, dict):
                done.update(got)
    finally:  # also on Ctrl-C or an error here: no worker outlives the call
        for reader, proc in children:
            reader.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()
    # tasks a failed worker had claimed are redone here
    for task in range(job.n_tasks):
        if task not in done:
            done[task] = job.run_task(task)
    places = done[0]
    out: list[_Result] = []
    for task in range(1, job.n_tasks):
        out.extend(done[task])
    return out, places


def _balanced_bounds(sizes: list[int], parts: int) -> list[int]:
    """Cut points splitting ``sizes`` into ``parts`` contiguous runs of about equal total."""
    total = sum(sizes)
    share = total / parts
    bounds = [0]
    acc = 0
    for i, s in enumerate(sizes):
        acc += s
        if len(bounds) < parts and acc >= share * len(bounds):
            bounds.append(i + 1)
    while len(bounds) < parts:
        bounds.append(len(sizes))
    bounds.append(len(sizes))
    return bounds


class _Job:
    """Tasks of one batch shared by the main process and forked workers: task 0 collects the
    documents' places, task ``k`` codes the ``k``-th run of sentences."""

    def __init__(
        self,
        coder: Any,
        docs: list[Document],
        units: list[_Unit],
        folds: list[Folded | None],
        runs: list[tuple[int, int]],
        counter: Any,
    ) -> None:
        self.coder, self.docs, self.units, self.folds = coder, docs, units, folds
        self.runs, self.counter = runs, counter
        self.n_tasks = len(runs) + 1

    def run_task(self, task: int) -> Any:
        if task == 0:
            return self.coder._doc_places(self.folds)
        lo, hi = self.runs[task - 1]
        return self.coder._code_units(self.docs, self.units[lo:hi], self.folds)

    def work(self) -> dict[int, Any]:
        """Claim and run tasks until none is left; returns ``{task: result}``."""
        done: dict[int, Any] = {}
        while True:
            with self.counter.get_lock():
                task = self.counter.value
                self.counter.value = task + 1
            if task >= self.n_tasks:
                return done
            done[task] = self.run_task(task)


def _child_main(job: _Job, conn: Any) -> None:
    """Entry of a forked worker: run tasks and send their results back; on failure the main
    process redoes the tasks this worker claimed."""
    gc.disable()  # short-lived: reference counting frees enough
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    try:
        conn.send(job.work())
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which redoes the work
        with contextlib.suppress(OSError, ValueError):
            conn.send(f"worker failed: {exc}")
    finally:
        conn.close()
