"""``plover``: PLOVER events as JSON, the way ``powderkeg code --json`` writes them.

Accepted: one JSON document ``{"documents": [Document, ...]}`` (each with ``events``), a JSON
list of Documents or of Events, or JSON Lines with one Event (or one Document) per line.
``row_id`` is the event's own ``id``; ``doc_id``, ``coder``, ``sentence`` and ``span`` are kept,
and ``confidence`` and ``factuality`` come from the event. An event whose type is not a PLOVER
type (or that is not an object) is quarantined with its line (JSON Lines) or its position.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from powderkeg.errors import InputError
from powderkeg.read.datasets._common import STAGED_COLUMNS, Progress, ontology, staged_frame
from powderkeg.store.counts import Counts
from powderkeg.store.store import coded_event_row
from powderkeg.types import Event, Problem


def _items(path: Path) -> list[tuple[dict[str, Any], dict[str, Any] | None, int | None, str]]:
    """``(event_json, document_json, line, where)`` for every event in the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text") from None
    out: list[tuple[Any, Any, int | None, str]] = []
    stripped = text.strip()
    whole: Any = None
    if stripped.startswith(("{", "[")):
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            whole = None  # perhaps JSON Lines
        except RecursionError:
            whole = None  # too deep as one document: read as JSON Lines, line by line
    if whole is not None:
        docs: list[Any]
        if isinstance(whole, dict) and "documents" in whole:
            docs = whole["documents"] if isinstance(whole["documents"], list) else []
        elif isinstance(whole, dict):
            docs = [whole]
        else:
            docs = whole
        for i, d in enumerate(docs):
            if isinstance(d, dict) and "events" in d:
                for j, ev in enumerate(d.get("events") or []):
                    out.append((ev, d, None, f"document {i + 1} event {j + 1}"))
            else:
                out.append((d, None, None, f"item {i + 1}"))
        return out
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(({"__error__": f"not JSON ({exc.msg})"}, None, n, f"line {n}"))
            continue
        except RecursionError:
            out.append(({"__error__": "not JSON (nested too deeply)"}, None, n, f"line {n}"))
            continue
        if isinstance(obj, dict) and "events" in obj:
            for ev in obj.get("events") or []:
                out.append((ev, obj, n, f"line {n}"))
        else:
            out.append((obj, None, n, f"line {n}"))
    return out


def _number_ok(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _bad_numbers(event: Event) -> str | None:
    """Why an event's numeric fields cannot be stored (a word where a number belongs)."""
    for name in ("intensity", "confidence", "goldstein"):
        v = getattr(event, name, None)
        if not _number_ok(v):
            return f"{name} {v!r} is not a number"
    loc = event.location
    if loc is not None:
        for name in ("lat", "lon"):
            v = getattr(loc, name, None)
            if not _number_ok(v):
                return f"location {name} {v!r} is not a number"
            if v is not None and not math.isfinite(v):
                return f"location {name} {v!r} is not a finite number"
    return None


def import_plover(path: str | Path, store: Any, *, progress: Progress | None = None) -> Counts:
    """Import a PLOVER JSON / JSON Lines event file into ``store``."""
    p = Path(path)
    with store.import_session(p, "plover", progress=progress) as imp:
        if imp.done:
            return imp.counts
        onto = ontology()
        rows: list[dict[str, Any]] = []
        problems: list[Problem] = []
        items = _items(p)
        seen: dict[str, tuple[str, str]] = {}  # event id -> (content, where first seen)
        for ev, doc, line, where in items:
            if not isinstance(ev, dict):
                problems.append(
                    Problem(
                        str(p), "not a JSON object" if line else f"{where}: not a JSON object", line
                    )
                )
                continue
            if "__error__" in ev:
                problems.append(Problem(str(p), ev["__error__"], line))
                continue
            try:
                event = Event.from_json(ev)
                typ, mode = onto.normalize(event.type, event.mode)
            except Exception as exc:  # noqa: BLE001 - report any unusable event and go on
                reason = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
                problems.append(Problem(str(p), reason if line else f"{where}: {reason}", line))
                continue
            bad = _bad_numbers(event)
            if bad is None and event.id:
                content = json.dumps(ev, sort_keys=True, default=str)
                first = seen.setdefault(str(event.id), (content, where))
                if first[0] != content:
                    bad = (
                        f"event id {event.id!r} repeated with different content "
                        f"(first at {first[1]}; the first is kept)"
                    )
            if bad is not None:
                problems.append(Problem(str(p), bad if line else f"{where}: {bad}", line))
                continue
            event.type, event.mode = typ, mode
            if event.quad is None:
                event.quad = onto.quad(typ, mode)
            if event.intensity is None:
                event.intensity = float(onto.intensity(typ, mode))
            doc_id = (doc or {}).get("doc_id")
            row = coded_event_row(event, doc_id, (doc or {}).get("coder"), None)
            row["row_id"] = event.id
            rows.append({**{k: row[k] for k in STAGED_COLUMNS if k in row}, "line": line})
        imp.counts.read += len(items)
        imp.step("read", len(items))
        if rows:
            imp.insert_frame(staged_frame(rows))
        imp.quarantine(problems)
    return imp.counts
