"""GDELT event exports: ``gdelt2`` (61 columns) and ``gdelt1`` (57 or 58 columns), no header.

Each line is one event. ``row_id`` is GLOBALEVENTID. CAMEO EventCode maps to PLOVER type, mode,
quad and intensity through the ontology's CAMEO table (joined in SQL); GoldsteinScale is kept as
GDELT gives it. Actors: the CAMEO actor country code (ISO 3166 alpha-3 except a few, mapped in
``data/country_aliases.tsv``), else the known-group code (NATO, EU, UN, OSCE mapped), else the raw
actor code. Place: ActionGeo (FIPS country code -> ISO alpha-3). Events whose CAMEO root is 01/02
(statements, appeals) have no PLOVER type and are kept with ``type`` null.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from powderkeg.errors import InputError
from powderkeg.read.datasets import _common as common
from powderkeg.read.datasets._common import Progress
from powderkeg.store.counts import Counts

# 0-based positions; the geography blocks differ between the versions.
_COMMON = {
    "row_id": 0,
    "sqldate": 1,
    "a1_code": 5,
    "a1_name": 6,
    "a1_ctry": 7,
    "a1_group": 8,
    "a1_type": 12,
    "a2_code": 15,
    "a2_name": 16,
    "a2_ctry": 17,
    "a2_group": 18,
    "a2_type": 22,
    "cameo": 26,
    "goldstein_raw": 30,
}
KEEP: dict[str, dict[str, int]] = {
    "gdelt2": {
        **_COMMON,
        "geo_type": 51,
        "place_name": 52,
        "geo_fips": 53,
        "lat_raw": 56,
        "lon_raw": 57,
    },
    "gdelt1": {
        **_COMMON,
        "geo_type": 49,
        "place_name": 50,
        "geo_fips": 51,
        "lat_raw": 53,
        "lon_raw": 54,
    },
}
NCOLS = {"gdelt2": (61,), "gdelt1": (57, 58)}
_IGO = "('NATO', 'EU', 'UN', 'OSCE')"


def _actor_json(s: str) -> str:
    return common.actor_json(
        s,
        text=f"coalesce({s}_name, {s}_code, {s})",
        name=f"coalesce({s}_name, {s})",
        kind=f"""CASE WHEN {s} IN {_IGO} THEN 'igo'
                     WHEN {s}_ctry IS NOT NULL AND {s}_type IS NULL THEN 'state'
                     ELSE 'group' END""",
        sector=f"{s}_type",
    )


def staged_sql(raw: str) -> str:
    """Validation and mapping of GDELT rows in ``raw`` to events-table columns."""
    return f"""
    WITH m AS (
      SELECT raw.*, try_strptime(sqldate, '%Y%m%d')::DATE AS date,
        CASE WHEN a1_ctry IS NOT NULL THEN coalesce(c1.code, a1_ctry)
             WHEN a1_group IS NOT NULL THEN coalesce(g1.code, a1_group) ELSE a1_code END AS a1,
        CASE WHEN a2_ctry IS NOT NULL THEN coalesce(c2.code, a2_ctry)
             WHEN a2_group IS NOT NULL THEN coalesce(g2.code, a2_group) ELSE a2_code END AS a2,
        k.code AS known_code, k.type, k.mode, k.context, k.quad, k.intensity,
        fp.iso3 AS country
      FROM {raw} raw
      LEFT JOIN _pk_cameo k ON k.code = raw.cameo
      LEFT JOIN _pk_cameo_ctry c1 ON c1.cameo = raw.a1_ctry
      LEFT JOIN _pk_cameo_ctry g1 ON g1.cameo = raw.a1_group
      LEFT JOIN _pk_cameo_ctry c2 ON c2.cameo = raw.a2_ctry
      LEFT JOIN _pk_cameo_ctry g2 ON g2.cameo = raw.a2_group
      LEFT JOIN _pk_fips fp ON fp.fips = raw.geo_fips
    )
    SELECT line, {common.cameo_reason("SQLDATE", "sqldate", "event code", "GLOBALEVENTID")},
      row_id, type, mode, context,
      {common.dyad("a1", "a2", _actor_json("a1"), _actor_json("a2"))},
      place_name, country, {common.coordinates()}, {common.gdelt_precision()},
      {common.cameo_columns()}
    FROM m
    """


def import_gdelt(
    path: str | Path, store: Any, fmt: str, *, progress: Progress | None = None
) -> Counts:
    """Import one GDELT 1.0 or 2.0 event file into ``store``."""
    allowed = NCOLS[fmt]
    ncols = allowed[0]
    if len(allowed) > 1:  # GDELT 1.0: 57 columns, or 58 with SOURCEURL (from April 2013)
        seen = [n for n in common.field_counts(path) if n in allowed]
        if not seen and common.field_counts(path):
            raise InputError(
                str(path),
                f"not a {fmt} file: its first lines do not have "
                + " or ".join(map(str, allowed))
                + " tab-separated fields",
            )
        if seen:
            ncols = max(set(seen), key=seen.count)
    with store.import_session(path, fmt, progress=progress) as imp:
        if imp.done:
            return imp.counts
        common.register_cameo_table(imp.con)
        common.register_country_tables(imp.con)
        # GDELT fields are never padded: taken as written (trimming 19 columns costs ~10%)
        common.tab_import(imp, path, ncols=ncols, keep=KEEP[fmt], staged_sql=staged_sql, trim=False)
    return imp.counts
