"""``icews-tkg``: four tab-separated columns, no header: source, relation text, target, date.

The relation text is a CAMEO event name ("Make statement", "Use conventional military force"),
mapped to its CAMEO code by the ontology's CAMEO names and from there to PLOVER. Actor names
("Russia", "Police (Ukraine)", "John Kerry") map to codes by ``_actors.resolve_actor`` (country
names, "X (Country)" patterns, the actor registry). Rows have no id: ``row_id`` is the file's
SHA-256 prefix and the line number. Names are resolved once per distinct name, in Python; the
rows themselves are read, joined and inserted in SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from powderkeg.read.datasets._actors import named_actor_json, register_actor_names
from powderkeg.read.datasets._common import (
    Progress,
    cameo_table,
    file_row_id,
    literal_path,
    register_cameo_table,
    register_names,
    tab_import,
)
from powderkeg.store.counts import Counts

KEEP = {"src": 0, "rel": 1, "tgt": 2, "date_raw": 3}
_REL_SCHEMA = pa.schema([("rel", pa.string()), ("code", pa.string())])


def relation_codes() -> dict[str, str]:
    """Casefolded CAMEO event name -> CAMEO code (the shortest code when names repeat)."""
    t = cameo_table()
    out: dict[str, str] = {}
    for code, name in zip(t.column("code").to_pylist(), t.column("name").to_pylist(), strict=True):
        if name:
            key = " ".join(name.split()).casefold()
            if key not in out or len(code) < len(out[key]):
                out[key] = code
    return out


def import_icews_tkg(path: str | Path, store: Any, *, progress: Progress | None = None) -> Counts:
    """Import one four-column ICEWS file into ``store``."""
    with store.import_session(path, "icews-tkg", progress=progress) as imp:
        if imp.done:
            return imp.counts
        con = imp.con
        register_cameo_table(con)
        # distinct names and relations first (cheap: read the file once more as 4 columns)
        with literal_path(path) as lp:
            names = con.execute(
                """SELECT DISTINCT trim(n) FROM (
                     SELECT column0 AS n FROM read_csv(?, delim = '\t', header = false, quote = '',
                       escape = '', all_varchar = true, auto_detect = false, ignore_errors = true,
                       columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR',
                                  'column2': 'VARCHAR', 'column3': 'VARCHAR'})
                     UNION ALL
                     SELECT column2 FROM read_csv(?, delim = '\t', header = false, quote = '',
                       escape = '', all_varchar = true, auto_detect = false, ignore_errors = true,
                       columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR',
                                  'column2': 'VARCHAR', 'column3': 'VARCHAR'}))
                   WHERE n IS NOT NULL""",
                [lp, lp],
            ).fetchall()
        register_actor_names(con, "_pk_actor_names", [n for (n,) in names])
        rels = relation_codes()
        register_names(
            con, "_pk_rel", [{"rel": k, "code": v} for k, v in rels.items()], _REL_SCHEMA
        )
        row_id = file_row_id(imp.sha256)

        def staged(raw: str) -> str:
            return f"""
            WITH m AS (
              SELECT raw.*, TRY_CAST(date_raw AS DATE) AS date, rl.code AS cameo,
                     a.code AS src_code, a.kind AS src_kind, a.canon AS src_canon,
                     b.code AS tgt_code, b.kind AS tgt_kind, b.canon AS tgt_canon
              FROM {raw} raw
              LEFT JOIN _pk_rel rl ON rl.rel = lower(regexp_replace(raw.rel, '\\s+', ' ', 'g'))
              LEFT JOIN _pk_actor_names a ON a.name = raw.src
              LEFT JOIN _pk_actor_names b ON b.name = raw.tgt
            )
            SELECT line,
              CASE WHEN src IS NULL OR tgt IS NULL THEN 'missing source or target'
                   WHEN date IS NULL
                     THEN 'bad date ' || coalesce('''' || date_raw || '''', '(empty)')
                   WHEN cameo IS NULL
                     THEN 'unknown CAMEO event name ' || coalesce('''' || rel || '''', '(empty)')
              END AS reason,
              {row_id} AS row_id, k.type, k.mode, k.context,
              CASE WHEN src_code IS NULL THEN []::VARCHAR[] ELSE [src_code] END AS actor_codes,
              CASE WHEN tgt_code IS NULL THEN []::VARCHAR[] ELSE [tgt_code] END AS target_codes,
              {named_actor_json("src", "src_code")} AS actors,
              {named_actor_json("tgt", "tgt_code")} AS targets,
              date, 'day' AS date_precision, k.quad, k.intensity, m.cameo, k.goldstein
            FROM m LEFT JOIN _pk_cameo k ON k.code = m.cameo"""

        tab_import(imp, path, ncols=4, keep=KEEP, staged_sql=staged, always_lines=True)
    return imp.counts
