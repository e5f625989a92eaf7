"""CSV records read one at a time, so that one badly quoted record cannot swallow the rest.

Python's and pandas' CSV readers, on a quote that is never closed, read on to the end of the file
as one field: every later row is lost without a word. ``csv_records`` lets a quoted field span
at most ``MAX_RECORD_LINES`` lines; a record whose quote is still open then is reported alone
(with its line) and reading goes on at the next line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

MAX_RECORD_LINES = 20
"""A quoted field may span lines; a quote still open after this many lines is a broken record."""


def csv_records(text: str, delimiter: str = ",") -> Iterable[tuple[int, list[str] | None, str | None]]:
    """``(first line, fields or None, reason or None)`` for each CSV record of ``text``; blank
    lines are skipped; a record whose quotes never balance is reported alone and reading goes
    on at the next line."""
    lines = [ln.removesuffix("\r") for ln in text.split("\n")]
    i = 0
    while i < len(lines):
        start = i
        buf = lines[i]
        i += 1
        if not buf.strip():
            continue
        while buf.count('"') % 2 and i < len(lines) and i - start < MAX_RECORD_LINES:
            buf += "\n" + lines[i]
            i += 1
        if buf.count('"') % 2:
            yield start + 1, None, "badly quoted CSV record (a quote is never closed)"
            i = start + 1
            continue
        try:
            fields = next(csv.reader(io.StringIO(buf, newline=""), delimiter=delimiter, strict=True))
        except (csv.Error, StopIteration) as exc:
            yield start + 1, None, f"badly quoted CSV record ({exc})"
            continue
        yield start + 1, fields, None
