"""Readers for the labelled evaluation files (CONTRACT.md, "Evaluation formats").

Each reader returns a list of :class:`EvalItem`; a malformed file raises
:class:`~powderkeg.errors.InputError` whose source is ``path:line``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from powderkeg.errors import InputError

PLV_LABELS = frozenset(
    {"ACCUSE", "AGREE", "AID", "ASSAULT", "COERCE", "CONSULT", "COOPERATE", "MOBILIZE",
     "PROTEST", "REJECT", "REQUEST", "SANCTION", "SUPPORT", "THREATEN", "YIELD"}
)
PLV_MERGED = {"CONCEDE": "YIELD", "RETREAT": "YIELD"}
PENTA_LABELS = frozenset({"0", "1", "2", "3", "4"})
ACLED_REQUIRED = ("event_type", "sub_event_type", "notes")


@dataclass(frozen=True)
class EvalItem:
    """One labelled input. ``gold`` is the scored label (for acled: the sub_event_type)."""

    line: int
    text: str
    gold: str
    marked: str | None = None
    source: str | None = None
    target: str | None = None
    gold_event_type: str | None = None
    gold_country: str | None = None
    gold_iso: str | None = None
    gold_lat: float | None = None
    gold_lon: float | None = None


def _open_rows(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) per record; the line number is where the record starts."""
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    with fh:
        reader = csv.reader(fh, delimiter=delimiter)
        start = 1
        try:
            for fields in reader:
                yield start, fields
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}:{start}", f"not UTF-8 text ({exc.reason})") from None
        except csv.Error as exc:
            raise InputError(f"{path}:{start}", f"malformed record ({exc})") from None


def _header(path: Path, rows: Iterator[tuple[int, list[str]]], required: tuple[str, ...]
            ) -> dict[str, int]:
    try:
        line, fields = next(rows)
    except StopIteration:
        raise InputError(str(path), "empty file: expected a header row") from None
    cols = {name.strip(): i for i, name in enumerate(fields)}
    missing = [c for c in required if c not in cols]
    if missing:
        raise InputError(f"{path}:{line}", f"header lacks column(s) {', '.join(missing)}")
    return cols


def _field(path: Path, line: int, fields: list[str], cols: dict[str, int], name: str,
           required: bool = True) -> str:
    i = cols[name]
    if i >= len(fields):
        raise InputError(f"{path}:{line}", f"row has {len(fields)} fields, no '{name}' column")
    value = fields[i].strip()
    if required and not value:
        raise InputError(f"{path}:{line}", f"empty '{name}'")
    return value


def _nonempty(path: Path, items: list[EvalItem]) -> list[EvalItem]:
    if not items:
        raise InputError(str(path), "no labelled rows")
    return items


def read_plv(path: Path) -> list[EvalItem]:
    """PLV TSV with header; only sentence, marked_sentence, source, target, gold_root are read."""
    path = Path(path)
    rows = _open_rows(path, "\t")
    cols = _header(path, rows, ("sentence", "marked_sentence", "source", "target", "gold_root"))
    items = []
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        label = _field(path, line, fields, cols, "gold_root").upper()
        label = PLV_MERGED.get(label, label)
        if label not in PLV_LABELS:
            raise InputError(f"{path}:{line}", f"gold_root {label!r} is not a PLV label")
        items.append(EvalItem(
            line=line,
            text=_field(path, line, fields, cols, "sentence"),
            gold=label,
            marked=_field(path, line, fields, cols, "marked_sentence", required=False) or None,
            source=_field(path, line, fields, cols, "source", required=False) or None,
            target=_field(path, line, fields, cols, "target", required=False) or None,
        ))
    return _nonempty(path, items)


def read_cameo_quad(path: Path) -> list[EvalItem]:
    """TSV without header: ``sentence<TAB>label`` with labels 0-4."""
    path = Path(path)
    items = []
    for line, fields in _open_rows(path, "\t"):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != 2:
            raise InputError(f"{path}:{line}", f"expected 2 tab-separated fields, got {len(fields)}")
        text, label = fields[0].strip(), fields[1].strip()
        if not text:
            raise InputError(f"{path}:{line}", "empty sentence")
        if label not in PENTA_LABELS:
            raise InputError(f"{path}:{line}", f"label {label!r} is not one of 0-4")
        items.append(EvalItem(line=line, text=text, gold=label))
    return _nonempty(path, items)


def read_case2021(path: Path) -> list[EvalItem]:
    """TSV with header ``id``, ``EventSnippet``, ``SubType``."""
    path = Path(path)
    rows = _open_rows(path, "\t")
    cols = _header(path, rows, ("id", "EventSnippet", "SubType"))
    items = []
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        items.append(EvalItem(
            line=line,
            text=_field(path, line, fields, cols, "EventSnippet"),
            gold=_field(path, line, fields, cols, "SubType"),
        ))
    return _nonempty(path, items)


def _float(path: Path, line: int, value: str, name: str, lo: float, hi: float) -> float | None:
    if not value:
        return None
    try:
        x = float(value)
    except ValueError:
        raise InputError(f"{path}:{line}", f"{name} {value!r} is not a number") from None
    if not (math.isfinite(x) and lo <= x <= hi):
        raise InputError(f"{path}:{line}", f"{name} {value!r} is out of range")
    return x


def read_acled(path: Path) -> list[EvalItem]:
    """ACLED CSV export with header; scored from ``notes``: types, country and location."""
    path = Path(path)
    rows = _open_rows(path, ",")
    cols = _header(path, rows, ACLED_REQUIRED)
    items = []
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            continue

        def get(name: str, _line: int = line, _fields: list[str] = fields) -> str:
            return _field(path, _line, _fields, cols, name, required=False) if name in cols else ""

        items.append(EvalItem(
            line=line,
            text=_field(path, line, fields, cols, "notes"),
            gold=_field(path, line, fields, cols, "sub_event_type"),
            gold_event_type=_field(path, line, fields, cols, "event_type"),
            gold_country=get("country") or None,
            gold_iso=get("iso") or None,
            gold_lat=_float(path, line, get("latitude"), "latitude", -90, 90),
            gold_lon=_float(path, line, get("longitude"), "longitude", -180, 180),
        ))
    return _nonempty(path, items)


READERS = {
    "plv": read_plv,
    "cameo-quad": read_cameo_quad,
    "case2021": read_case2021,
    "acled": read_acled,
}
