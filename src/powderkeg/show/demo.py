"""`powderkeg demo`: the main job end to end on the sample articles bundled in the package."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ..types import Document, Problem

SAMPLE = "articles.jsonl"


def sample_articles() -> Iterator[Document | Problem]:
    """The bundled sample articles (illustrative texts written for the demo)."""
    from ..read import read_documents

    res = resources.files("powderkeg.demo_data").joinpath(SAMPLE)
    with resources.as_file(res) as path:
        yield from read_documents([str(path)])


def run_demo(out_dir: Path, *, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    from ..coder import Coder
    from ..store import Store
    from .report import write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "demo.duckdb"
    items = list(sample_articles())
    docs = [d for d in items if isinstance(d, Document)]
    problems = [p for p in items if isinstance(p, Problem)]
    coder = Coder()
    coded: list[Document] = []
    for doc in coder.code_documents(docs):
        coded.append(doc)
        if progress:
            progress(1)
    with Store(db) as store:
        counts = store.add_documents(coded)
        if problems:
            store.add_problems(problems)
        events = store.events(quantities=True)
    counts.read += len(problems)
    counts.quarantined += len(problems)
    counts.problems.extend(str(p) for p in problems)
    report = write_report(out_dir, events, coded, title="powderkeg demo report", db=db, simulation=True)
    result = {"db": str(db), "report": str(report), "counts": counts.to_json()}
    (out_dir / "demo.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result
