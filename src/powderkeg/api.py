"""The Python API. The CLI is a thin layer over these functions.

>>> from powderkeg import api
>>> docs, problems = api.code_paths(["article.txt"], date="2021-12-15")   # doctest: +SKIP
>>> counts = api.ingest(["news/"], db="events.duckdb")                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .read import DEFAULT_MAX_BYTES
from .types import Document, Problem

Progress = Callable[[int], None]


def read(
    paths: Sequence[str | Path],
    *,
    date: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Document | Problem]:
    """Documents (or Problems) from files, folders, feeds, JSONL, or ``-`` for stdin."""
    from .read import read_documents

    return read_documents(
        [str(p) for p in paths], date=date, max_bytes=max_bytes, encoding=encoding
    )


def code_documents(
    docs: Iterable[Document], *, coder: Any = None, progress: Progress | None = None
) -> Iterator[Document]:
    from .coder import Coder

    c = coder or Coder()
    for doc in c.code_documents(docs):
        if progress:
            progress(1)
        yield doc


def code_paths(
    paths: Sequence[str | Path],
    *,
    date: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    coder: Any = None,
    progress: Progress | None = None,
) -> tuple[list[Document], list[Problem]]:
    """Read and code files; returns the coded documents and the problems met."""
    problems: list[Problem] = []

    def good() -> Iterator[Document]:
        for item in read(paths, date=date, encoding=encoding, max_bytes=max_bytes):
            if isinstance(item, Problem):
                problems.append(item)
            else:
                yield item

    docs = list(code_documents(good(), coder=coder, progress=progress))
    return docs, problems


def ingest(
    paths: Sequence[str | Path],
    *,
    db: str | Path,
    date: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    coder: Any = None,
    progress: Progress | None = None,
) -> Any:
    """Read, code and store documents. Idempotent: ingesting the same text twice adds nothing."""
    from .store import Store

    docs, problems = code_paths(
        paths, date=date, encoding=encoding, max_bytes=max_bytes, coder=coder, progress=progress
    )
    with Store(db) as store:
        counts = store.add_documents(docs)
        if problems:
            store.add_problems(problems)
    counts.quarantined += len(problems)
    counts.read += len(problems)
    counts.problems.extend(str(p) for p in problems)
    return counts


def import_dataset(path: str | Path, *, fmt: str, db: str | Path, progress: Any = None) -> Any:
    """Import an event dataset file (GDELT, ICEWS, ACLED, UCDP, PLOVER JSON) into the store."""
    from .read.datasets import import_dataset as _import
    from .store import Store

    if not Path(path).exists():
        raise InputError(str(path), "no such file")
    with Store(db) as store:
        return _import(path, fmt, store, progress=progress)


def brief(doc: Document) -> str:
    """A readable Markdown brief of one coded document."""
    from .show.brief import render_brief

    return render_brief(doc)


def evaluate(fmt: str, path: str | Path, *, cv: int = 0, seed: int = 0) -> dict[str, Any]:
    """Score the coder on a labelled file (formats in CONTRACT.md)."""
    from . import evaluate as ev

    if not Path(path).exists():
        raise InputError(str(path), "no such file")
    if cv:
        return ev.cross_validate(fmt, path, folds=cv, seed=seed)
    return ev.evaluate(fmt, path)


def demo(out_dir: str | Path = "powderkeg-demo", *, progress: Progress | None = None) -> dict[str, Any]:
    """The main job end to end on the bundled sample articles. Returns db, report and counts."""
    from .show.demo import run_demo

    return run_demo(Path(out_dir), progress=progress)


def link(
    *,
    events_csv: str | Path | None = None,
    db: str | Path | None = None,
    theatres: Sequence[str] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Cross-theatre excitation from a CSV of (time, stream) or from theatres in the store."""
    from .errors import UsageError
    from .link import link as _link

    if (events_csv is None) == (db is None):
        raise UsageError("give either --events CSV or --db DB with --theatres")
    if events_csv is not None:
        if not Path(events_csv).exists():
            raise InputError(str(events_csv), "no such file")
        return _link(str(events_csv), seed=seed)
    if not theatres or len(theatres) < 2:
        raise UsageError("--db needs --theatres with at least two theatre ids, e.g. ukraine,serbia-kosovo")
    import pandas as pd

    from .store import Store
    from .watch import load_theatres

    known = load_theatres()
    missing = [t for t in theatres if t not in known]
    if missing:
        raise UsageError(f"unknown theatre(s) {', '.join(missing)}; known: {', '.join(sorted(known))}")
    with Store(db, read_only=True) as store:
        events = store.events()
    frames = []
    for tid in theatres:
        sub = events[known[tid].matches(events) & events["date"].notna()]
        frames.append(pd.DataFrame({"time": pd.to_datetime(sub["date"]).dt.strftime("%Y-%m-%d"), "stream": tid}))
    return _link(pd.concat(frames, ignore_index=True), seed=seed, theatres=list(theatres))
