"""Documents from a Parquet file: one row per document, columns id, date, url, title, text.

``text`` is required (a string column); the others are optional. Rows are read one record batch
at a time (memory stays bounded by a batch, not the file), validated like JSON Lines records
(a row without usable text is quarantined with its row number) and go through page-furniture
removal like every other format. Source of a document: ``url``, else ``file#id``, else
``file#row-N`` (N counts from 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..types import Document, Problem
from .dates import parse_iso_date

COLUMNS = ("id", "date", "url", "title", "text")
ROWS_PER_BATCH = 1024


def _text_field(value: Any) -> str | None:
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def _date_field(value: Any) -> tuple[str | None, str | None]:
    """(ISO date, note) from a date column value of any Arrow type."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    iso = parse_iso_date(str(value))
    if iso is None:
        return None, f"date {value!r} is not YYYY-MM-DD; ignored"
    return iso, None


def read_parquet(
    fh: IO[bytes],
    name: str,
    make_documents: Callable[
        [str, str, str | None, str | None, list[str], int], Iterator[Document | Problem]
    ],
) -> Iterator[Document | Problem]:
    """Documents and Problems from the Parquet file open in ``fh``.

    ``make_documents(text, source, title, date, notes, row)`` turns one row into Documents
    (furniture removal and long-text parts, as for the other formats).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(fh)
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield Problem(name, f"not a readable Parquet file: {exc}")
        return
    names = set(pf.schema_arrow.names)
    if "text" not in names:
        cols = ", ".join(pf.schema_arrow.names) or "none"
        yield Problem(name, f'Parquet file has no "text" column (columns: {cols})')
        return
    wanted = [c for c in COLUMNS if c in names]
    if pf.metadata.num_rows == 0:
        yield Problem(name, "Parquet file has no rows")
        return
    row = 0
    for batch in pf.iter_batches(batch_size=ROWS_PER_BATCH, columns=wanted):
        for rec in batch.to_pylist():
            row += 1
            text = rec.get("text")
            if not isinstance(text, str):
                what = "null" if text is None else type(text).__name__
                yield Problem(name, f'row {row}: "text" must be a string, got {what}', row)
                continue
            if not text.strip():
                yield Problem(name, f'row {row}: "text" is empty', row)
                continue
            date, note = _date_field(rec.get("date"))
            url, ident = _text_field(rec.get("url")), _text_field(rec.get("id"))
            source = url or (f"{name}#{ident}" if ident is not None else f"{name}#row-{row}")
            yield from make_documents(
                text, source, _text_field(rec.get("title")), date, [note] if note else [], row
            )
