"""Streaming ingest in one process: read, code and commit documents batch by batch.

Memory stays bounded by one batch (``batch_size`` documents), each batch is committed in its own
transaction, and a re-run skips the documents already stored with the current coder version
without coding them again, so an ingest interrupted half-way resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..store import Counts, Store
from ..types import Document, Problem

DEFAULT_BATCH_SIZE = 256
"""Documents read, coded and committed together (one transaction per batch)."""

Progress = Callable[[int], None]


def batches(
    items: Iterable[Document | Problem], size: int
) -> Iterator[tuple[list[Document], list[Problem]]]:
    """(documents, problems) in groups of ``size`` items read, lazily."""
    docs: list[Document] = []
    problems: list[Problem] = []
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
        else:
            docs.append(item)
        if len(docs) + len(problems) >= size:
            yield docs, problems
            docs, problems = [], []
    if docs or problems:
        yield docs, problems


def split_stored(
    store: Store, docs: list[Document], coder_version: str
) -> tuple[list[Document], Counts]:
    """The documents still to code, and the Counts of those already stored with this coder.

    Skipped documents count as read, with the events they have in the store, so a resumed run
    reports what a full run would.
    """
    stored = store.stored_with_coder([d.doc_id for d in docs], coder_version)
    todo = [d for d in docs if d.doc_id not in stored]
    skipped = Counts()
    seen: set[str] = set()
    for d in docs:
        if d.doc_id in stored:
            skipped.read += 1
            # a repeated text counts its events once, as add_documents does
            if d.doc_id not in seen:
                skipped.events += stored[d.doc_id]
                seen.add(d.doc_id)
    return todo, skipped


def quarantine(store: Store, problems: list[Problem]) -> Counts:
    """Problems met while reading, into the quarantine; counted as read and quarantined."""
    if not problems:
        return Counts()
    c = store.add_problems(problems)
    c.read += len(problems)
    return c


def ingest_stream(
    items: Iterable[Document | Problem],
    store: Store,
    *,
    coder: Any,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> Counts:
    """Code and store ``items`` batch by batch; documents stored with ``coder.version`` are skipped.

    ``progress(n)`` is called after each batch is committed with the number of items it held
    (documents coded or skipped, and problems).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    counts = Counts()
    for docs, problems in batches(items, batch_size):
        todo, skipped = split_stored(store, docs, coder.version)
        counts = counts + skipped
        if todo:
            counts = counts + store.add_documents(coder.code_documents(todo), batch_size=len(todo))
        counts = counts + quarantine(store, problems)
        if progress:
            progress(len(docs) + len(problems))
    return cap_problems(counts)


def cap_problems(counts: Counts, limit: int = 100) -> Counts:
    """At most ``limit`` problem lines in ``counts`` (the quarantine table keeps them all)."""
    listed = [p for p in counts.problems if not p.endswith("(see the quarantine table)")]
    if len(listed) > limit or len(listed) < len(counts.problems):
        more = counts.quarantined - min(limit, len(listed))
        counts.problems = listed[:limit] + (
            [f"{more} more problems (see the quarantine table)"] if more > 0 else []
        )
    return counts
