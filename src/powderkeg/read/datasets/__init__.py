"""Dataset importers: event datasets into the store, one module per format (CONTRACT.md).

``import_dataset(path, fmt, store)`` imports one file in one transaction and returns Counts.
Re-importing a file adds nothing (files are recorded by SHA-256); malformed rows go to the
quarantine with their line numbers and the rest imports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from powderkeg.errors import InputError, UsageError
from powderkeg.read.datasets._common import Progress
from powderkeg.read.datasets.series import SERIES_KINDS, import_series, load_series
from powderkeg.store.counts import Counts

FORMATS: tuple[str, ...] = (
    "gdelt2",
    "gdelt1",
    "gdelt1-reduced",
    "icews",
    "icews-tkg",
    "acled",
    "ucdp",
    "plover",
)


def import_dataset(
    path: str | Path, fmt: str, store: Any, *, progress: Progress | None = None
) -> Counts:
    """Import the event file ``path`` of format ``fmt`` (one of FORMATS) into ``store``.

    ``progress(stage, n)`` is called as the import advances (stages: begin, read, staged,
    inserted, commit, done). Count tables (``SERIES_KINDS``) go to the ``series`` table instead.
    """
    if fmt not in FORMATS and fmt not in SERIES_KINDS:
        raise UsageError(
            f"unknown dataset format {fmt!r}; expected one of {', '.join(FORMATS)} "
            f"(or a count table: {', '.join(SERIES_KINDS)})"
        )
    p = Path(path)
    if not p.is_file():
        raise InputError(str(path), "no such file")
    if fmt in SERIES_KINDS:
        return import_series(p, fmt, store)
    if fmt in ("gdelt2", "gdelt1"):
        from powderkeg.read.datasets.gdelt import import_gdelt

        return import_gdelt(p, store, fmt, progress=progress)
    if fmt == "gdelt1-reduced":
        from powderkeg.read.datasets.gdelt_reduced import import_gdelt_reduced

        return import_gdelt_reduced(p, store, progress=progress)
    if fmt == "icews":
        from powderkeg.read.datasets.icews import import_icews

        return import_icews(p, store, progress=progress)
    if fmt == "icews-tkg":
        from powderkeg.read.datasets.icews_tkg import import_icews_tkg

        return import_icews_tkg(p, store, progress=progress)
    if fmt == "acled":
        from powderkeg.read.datasets.acled import import_acled

        return import_acled(p, store, progress=progress)
    if fmt == "ucdp":
        from powderkeg.read.datasets.ucdp import import_ucdp

        return import_ucdp(p, store, progress=progress)
    from powderkeg.read.datasets.plover import import_plover

    return import_plover(p, store, progress=progress)


__all__ = ["FORMATS", "SERIES_KINDS", "import_dataset", "import_series", "load_series"]
