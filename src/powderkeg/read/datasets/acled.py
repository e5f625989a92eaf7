"""``acled``: an ACLED CSV export with a header (columns in CONTRACT.md).

``row_id`` is ``event_id_cnty`` (else ``id``). ``event_date`` may be ``dd/mm/YYYY HH:MM:SS``,
``dd/mm/YYYY``, ISO ``YYYY-MM-DD`` or ``15 January 2022``. ``event_type``/``sub_event_type`` map
to PLOVER type, mode and contexts by the ontology's ACLED table and are kept as ``acled_type`` and
``acled_sub_type``; ``fatalities`` is kept. Actor names ("Military Forces of Russia (2000-)",
"Protesters (Ukraine)") map to codes by ``_actors.resolve_actor``; an unknown group takes the code
of the event's country (contract rule for groups). Rows are read and mapped in SQL; the type map
and actor names are resolved once per distinct value in Python.

Line numbers in the quarantine count CSV records (header = line 1); they equal file lines unless
a quoted field spans lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from powderkeg.errors import InputError
from powderkeg.read.datasets._actors import named_actor_json, register_actor_names
from powderkeg.read.datasets._common import (
    Progress,
    literal_path,
    mark_out_of_range,
    ontology,
    register_country_tables,
    register_names,
    sql_str,
)
from powderkeg.store.counts import Counts

COLUMNS = (
    "id",
    "iso",
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
    "geo_precision",
    "source",
    "civilian_targeting",
    "disorder_type",
    "tags",
    "actor_dyad",
)
REQUIRED = ("event_date", "event_type", "country")
_TYPE_SCHEMA = pa.schema(
    [
        ("et", pa.string()),
        ("st", pa.string()),
        ("type", pa.string()),
        ("mode", pa.string()),
        ("context", pa.list_(pa.string())),
        ("quad", pa.string()),
        ("intensity", pa.float64()),
        ("err", pa.string()),
    ]
)


def import_acled(path: str | Path, store: Any, *, progress: Progress | None = None) -> Counts:
    """Import one ACLED CSV export into ``store``."""
    p = str(path)
    with store.import_session(path, "acled", progress=progress) as imp:
        if imp.done:
            return imp.counts
        con = imp.con
        con.execute("DROP TABLE IF EXISTS _pk_acled_rej")
        con.execute("DROP TABLE IF EXISTS _pk_acled_scan")
        try:
            with literal_path(p) as lp:
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE _pk_acled AS
                    SELECT row_number() OVER () AS rn, *
                    FROM read_csv({sql_str(lp)}, header = true, all_varchar = true,
                                  delim = ',', quote = '"', escape = '"',
                                  store_rejects = true, rejects_table = '_pk_acled_rej',
                                  rejects_scan = '_pk_acled_scan')"""
                )
        except Exception as exc:  # noqa: BLE001 - DuckDB raises several error types here
            raise InputError(p, f"not a readable CSV: {str(exc).splitlines()[0]}") from None
        have = {r[0] for r in con.execute("DESCRIBE _pk_acled").fetchall()}
        missing = [c for c in REQUIRED if c not in have]
        if missing:
            raise InputError(p, f"not an ACLED export: missing columns {', '.join(missing)}")
        for c in COLUMNS:
            if c not in have:
                con.execute(f"ALTER TABLE _pk_acled ADD COLUMN {c} VARCHAR")
        rejects = con.execute(
            "SELECT line, min(error_type), min(error_message) FROM _pk_acled_rej "
            "GROUP BY line ORDER BY line"
        ).fetchall()
        con.execute("DROP TABLE IF EXISTS _pk_acled_rej")
        con.execute("DROP TABLE IF EXISTS _pk_acled_scan")
        bad = [
            (int(line), f"unreadable CSV record ({etype.lower()})") for line, etype, _ in rejects
        ]
        imp.step("read", 0)

        onto = ontology()
        pairs = con.execute(
            "SELECT DISTINCT trim(event_type), trim(sub_event_type) FROM _pk_acled "
            "WHERE nullif(trim(event_type), '') IS NOT NULL"
        ).fetchall()
        trows = []
        for et, st in pairs:
            row: dict[str, Any] = {"et": et, "st": st}
            try:
                typ, mode, ctx = onto.acled_to_plover(et, st or None)
                row.update(
                    type=typ,
                    mode=mode,
                    context=list(ctx),
                    quad=onto.quad(typ, mode),
                    intensity=float(onto.intensity(typ, mode)),
                )
            except Exception as exc:  # noqa: BLE001 - the ontology names the bad value
                row["err"] = str(exc)
            trows.append(row)
        register_names(con, "_pk_acled_types", trows, _TYPE_SCHEMA)
        names = con.execute(
            "SELECT DISTINCT trim(n) FROM (SELECT actor1 AS n FROM _pk_acled UNION ALL "
            "SELECT actor2 FROM _pk_acled) WHERE nullif(trim(n), '') IS NOT NULL"
        ).fetchall()
        register_actor_names(con, "_pk_acled_actors", [n for (n,) in names])
        register_country_tables(con)
        # accepted record rn sits at line rn + 1 + (rejected records before it)
        thr = [line - 1 - i for i, (line, _) in enumerate(bad)]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _pk_thr AS SELECT unnest(?::BIGINT[]) AS t", [thr]
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _pk_staged AS
            WITH r AS (
              SELECT rn + 1 + (SELECT count(*) FROM _pk_thr WHERE t <= rn) AS line,
                     nullif(trim(coalesce(event_id_cnty, id)), '') AS row_id,
                     trim(event_date) AS date_raw, trim(event_type) AS et,
                     trim(sub_event_type) AS st, nullif(trim(actor1), '') AS a1,
                     nullif(trim(actor2), '') AS a2, nullif(trim(location), '') AS location,
                     nullif(trim(country), '') AS country_name,
                     TRY_CAST(latitude AS DOUBLE) AS lat, TRY_CAST(longitude AS DOUBLE) AS lon,
                     trim(fatalities) AS fat_raw, trim(geo_precision) AS geo_precision,
                     trim(time_precision) AS time_precision, notes
              FROM _pk_acled
            ), m AS (
              SELECT r.*, coalesce(
                  try_strptime(date_raw, '%d/%m/%Y %H:%M:%S'), try_strptime(date_raw, '%d/%m/%Y'),
                  try_strptime(date_raw, '%Y-%m-%d'), try_strptime(date_raw, '%Y-%m-%d %H:%M:%S'),
                  try_strptime(date_raw, '%d %B %Y'))::DATE AS date,
                t.type, t.mode, t.context, t.quad, t.intensity, t.err, t.et IS NOT NULL AS known,
                cn.iso3 AS country_code,
                x1.code AS a1_code, x1.kind AS a1_kind, x1.canon AS a1_canon,
                x2.code AS a2_code, x2.kind AS a2_kind, x2.canon AS a2_canon
              FROM r
              LEFT JOIN _pk_acled_types t ON t.et = r.et AND t.st IS NOT DISTINCT FROM r.st
              LEFT JOIN _pk_cname cn ON cn.name = lower(r.country_name)
              LEFT JOIN _pk_acled_actors x1 ON x1.name = r.a1
              LEFT JOIN _pk_acled_actors x2 ON x2.name = r.a2
            )
            SELECT line,
              CASE WHEN row_id IS NULL THEN 'missing event_id_cnty'
                   WHEN date IS NULL
                     THEN 'bad event_date ' || coalesce('''' || date_raw || '''', '(empty)')
                   WHEN et IS NULL OR et = '' THEN 'missing event_type'
                   WHEN err IS NOT NULL THEN err
                   WHEN fat_raw IS NOT NULL AND fat_raw <> '' AND TRY_CAST(fat_raw AS INTEGER) IS NULL
                     THEN 'bad fatalities ' || '''' || fat_raw || ''''
              END AS reason,
              row_id, type, mode, context,
              CASE WHEN a1 IS NULL OR coalesce(a1_code, country_code) IS NULL THEN []::VARCHAR[]
                   ELSE [coalesce(a1_code, country_code)] END AS actor_codes,
              CASE WHEN a2 IS NULL OR coalesce(a2_code, country_code) IS NULL THEN []::VARCHAR[]
                   ELSE [coalesce(a2_code, country_code)] END AS target_codes,
              """
            + named_actor_json("a1", "coalesce(a1_code, country_code)")
            + " AS actors, "
            + named_actor_json("a2", "coalesce(a2_code, country_code)")
            + """ AS targets,
              location AS place_name, country_code AS country, lat, lon,
              CASE geo_precision WHEN '1' THEN 'city' WHEN '2' THEN 'city' WHEN '3' THEN 'region'
              END AS place_precision,
              date, CASE time_precision WHEN '2' THEN 'month' WHEN '3' THEN 'year' ELSE 'day' END
                AS date_precision,
              quad, intensity, et AS acled_type, nullif(st, '') AS acled_sub_type,
              TRY_CAST(fat_raw AS INTEGER) AS fatalities, notes AS sentence
            FROM m"""
        )
        mark_out_of_range(con, "_pk_staged")
        n = con.execute("SELECT count(*) FROM _pk_acled").fetchall()[0][0]
        con.execute("DROP TABLE _pk_acled")
        imp.counts.read += int(n) + len(bad)
        imp.quarantine_lines(bad)
        imp.quarantine_sql("SELECT line, reason FROM _pk_staged WHERE reason IS NOT NULL")
        imp.insert_from("_pk_staged", "reason IS NULL")
    return imp.counts
