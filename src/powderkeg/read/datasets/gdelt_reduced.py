"""``gdelt1-reduced``: the reduced GDELT 1.0 format, tab-separated with a header.

Columns: Date, Source, Target, CAMEOCode, NumEvents, NumArts, QuadClass, Goldstein, then Type,
Lat and Long for SourceGeo, TargetGeo and ActionGeo (17 in all; trailing empty fields may be
missing). Rows have no id: ``row_id`` is the file's SHA-256 prefix and the line number. Source and
Target are CAMEO actor codes; their first three letters name the country when they are one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from powderkeg.read.datasets import _common as common
from powderkeg.read.datasets._common import Progress
from powderkeg.store.counts import Counts

KEEP = {
    "sqldate": 0,
    "src": 1,
    "tgt": 2,
    "cameo": 3,
    "goldstein_raw": 7,
    "geo_type": 14,
    "lat_raw": 15,
    "lon_raw": 16,
}


def _actor(side: str) -> str:
    return f"""CASE WHEN {side} IS NULL THEN NULL
        ELSE coalesce(cc_{side}.code, {side}) END"""


def _actor_json(side: str, code: str) -> str:
    return common.actor_json(
        code,
        text=side,
        name=side,
        kind=f"CASE WHEN cc_{side}_code IS NOT NULL AND length({side}) = 3 THEN 'state' "
        "ELSE 'group' END",
    )


def import_gdelt_reduced(
    path: str | Path, store: Any, *, progress: Progress | None = None
) -> Counts:
    """Import one reduced-format GDELT 1.0 file into ``store``."""
    with store.import_session(path, "gdelt1-reduced", progress=progress) as imp:
        if imp.done:
            return imp.counts
        common.register_cameo_table(imp.con)
        common.register_country_tables(imp.con)
        row_id = common.file_row_id(imp.sha256)

        def staged(raw: str) -> str:
            return f"""
            WITH m AS (
              SELECT raw.*, try_strptime(sqldate, '%Y%m%d')::DATE AS date,
                     k.code AS known_code, k.type, k.mode, k.context, k.quad, k.intensity,
                     {_actor("src")} AS a1, {_actor("tgt")} AS a2,
                     cc_src.code AS cc_src_code, cc_tgt.code AS cc_tgt_code
              FROM {raw} raw
              LEFT JOIN _pk_cameo k ON k.code = raw.cameo
              LEFT JOIN _pk_cameo_ctry cc_src ON cc_src.cameo = left(raw.src, 3)
              LEFT JOIN _pk_cameo_ctry cc_tgt ON cc_tgt.cameo = left(raw.tgt, 3)
            )
            SELECT line, {common.cameo_reason("Date", "sqldate", "code")},
              {row_id} AS row_id, type, mode, context,
              {common.dyad("a1", "a2", _actor_json("src", "a1"), _actor_json("tgt", "a2"))},
              {common.coordinates()}, {common.gdelt_precision()}, {common.cameo_columns()}
            FROM m"""

        common.tab_import(
            imp,
            path,
            ncols=17,
            min_cols=8,
            keep=KEEP,
            staged_sql=staged,
            header=common.has_header(path, "Date"),  # a header-less file keeps its first row
            always_lines=True,
        )
    return imp.counts
