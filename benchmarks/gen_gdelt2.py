"""Generate a synthetic GDELT 2.0 event export (61 tab-separated columns, no header).

The rows are made up: random but plausible values in the GDELT 2.0 layout (CONTRACT.md, format
``gdelt2``), so that the importer can be benchmarked on a realistic file size without shipping
GDELT data. Deterministic for a given ``--rows`` and ``--seed``.

    python benchmarks/gen_gdelt2.py OUT.csv --rows 1000000 [--seed 7]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

# A spread of real CAMEO event codes (root, base, code) and their GDELT quad classes.
CAMEO = [
    ("01", "010", "010", 1),
    ("01", "012", "012", 1),
    ("02", "020", "020", 1),
    ("03", "036", "036", 1),
    ("04", "040", "040", 1),
    ("04", "042", "042", 1),
    ("04", "043", "043", 1),
    ("05", "051", "051", 1),
    ("05", "057", "057", 1),
    ("06", "061", "061", 2),
    ("07", "070", "070", 2),
    ("08", "084", "0841", 2),
    ("09", "090", "090", 3),
    ("10", "100", "100", 3),
    ("11", "111", "111", 3),
    ("12", "120", "120", 3),
    ("13", "130", "130", 3),
    ("13", "138", "1384", 3),
    ("14", "141", "141", 3),
    ("15", "150", "150", 4),
    ("16", "163", "163", 4),
    ("17", "173", "173", 4),
    ("18", "183", "1831", 4),
    ("19", "190", "190", 4),
    ("19", "193", "193", 4),
    ("19", "195", "195", 4),
    ("20", "202", "202", 4),
]
# FIPS country codes GDELT uses for geography, CAMEO actor country codes for actors.
COUNTRIES = [
    ("RUS", "RS", "Russia", 55.75, 37.62),
    ("UKR", "UP", "Ukraine", 50.45, 30.52),
    ("SRB", "RI", "Serbia", 44.82, 20.46),
    ("USA", "US", "United States", 38.9, -77.04),
    ("DEU", "GM", "Germany", 52.52, 13.40),
    ("FRA", "FR", "France", 48.86, 2.35),
    ("CHN", "CH", "China", 39.90, 116.40),
    ("GBR", "UK", "United Kingdom", 51.51, -0.13),
    ("TUR", "TU", "Turkey", 39.93, 32.86),
    ("POL", "PL", "Poland", 52.23, 21.01),
]


def generate(out: Path, rows: int, seed: int = 7) -> float:
    """Write ``rows`` synthetic GDELT 2.0 rows to ``out``; returns seconds taken."""
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE cameo(k INT, root VARCHAR, base VARCHAR, code VARCHAR, quad INT)"
    )
    con.executemany(
        "INSERT INTO cameo VALUES (?, ?, ?, ?, ?)", [(i, *c) for i, c in enumerate(CAMEO)]
    )
    con.execute(
        "CREATE TEMP TABLE ctry(k INT, iso VARCHAR, fips VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE)"
    )
    con.executemany(
        "INSERT INTO ctry VALUES (?, ?, ?, ?, ?, ?)", [(i, *c) for i, c in enumerate(COUNTRIES)]
    )
    nc, nk = len(CAMEO), len(COUNTRIES)
    # r(i, salt) is a deterministic pseudo-random integer per row.
    sql = f"""
    COPY (
      WITH base AS (
        SELECT i,
          CAST(hash(i, {seed}, 1) % 1000000007 AS BIGINT) AS h1, CAST(hash(i, {seed}, 2) % 1000000007 AS BIGINT) AS h2, CAST(hash(i, {seed}, 3) % 1000000007 AS BIGINT) AS h3,
          CAST(hash(i, {seed}, 4) % 1000000007 AS BIGINT) AS h4, CAST(hash(i, {seed}, 5) % 1000000007 AS BIGINT) AS h5
        FROM range({rows}) t(i)
      ), r AS (
        SELECT i, h1, h2, h3, h4, h5,
          DATE '2015-02-18' + CAST(h1 % 3650 AS INT) AS d,
          CAST(h2 % {nc} AS INT) AS ck, CAST(h3 % {nk} AS INT) AS a1, CAST(h4 % {nk} AS INT) AS a2,
          CAST(h5 % {nk} AS INT) AS g
        FROM base
      )
      SELECT
        1000000000 + r.i AS GLOBALEVENTID,
        strftime(r.d, '%Y%m%d') AS SQLDATE, strftime(r.d, '%Y%m') AS MonthYear,
        year(r.d) AS Year, round(year(r.d) + dayofyear(r.d) / 365.0, 4) AS FractionDate,
        c1.iso || CASE WHEN r.h1 % 3 = 0 THEN 'GOV' ELSE '' END, upper(c1.name), c1.iso,
        '', '', '', '', CASE WHEN r.h1 % 3 = 0 THEN 'GOV' ELSE '' END, '', '',
        CASE WHEN r.h2 % 5 = 0 THEN '' ELSE c2.iso END, CASE WHEN r.h2 % 5 = 0 THEN '' ELSE upper(c2.name) END,
        CASE WHEN r.h2 % 5 = 0 THEN '' ELSE c2.iso END, '', '', '', '', '', '', '',
        CAST(r.h3 % 2 AS INT) AS IsRootEvent, cm.code, cm.base, cm.root, cm.quad,
        round(((r.h4 % 200) - 100) / 10.0, 1) AS GoldsteinScale,
        CAST(1 + r.h5 % 20 AS INT), CAST(1 + r.h5 % 4 AS INT), CAST(1 + r.h5 % 20 AS INT),
        round(((r.h1 % 2000) - 1000) / 100.0, 6) AS AvgTone,
        4, c1.name, c1.fips, c1.fips || '0' || CAST(r.h2 % 9 AS INT), '', round(c1.lat, 4), round(c1.lon, 4), '-' || CAST(r.h3 % 99999 AS VARCHAR),
        CASE WHEN r.h2 % 5 = 0 THEN 0 ELSE 1 END, CASE WHEN r.h2 % 5 = 0 THEN '' ELSE c2.name END,
        CASE WHEN r.h2 % 5 = 0 THEN '' ELSE c2.fips END, CASE WHEN r.h2 % 5 = 0 THEN '' ELSE c2.fips END, '',
        CASE WHEN r.h2 % 5 = 0 THEN NULL ELSE round(c2.lat, 4) END, CASE WHEN r.h2 % 5 = 0 THEN NULL ELSE round(c2.lon, 4) END,
        CASE WHEN r.h2 % 5 = 0 THEN '' ELSE c2.fips END,
        4, cg.name || ' (general), ' || cg.name, cg.fips, cg.fips || '0' || CAST(r.h4 % 9 AS INT), cg.fips || CAST(r.h5 % 977 AS VARCHAR),
        round(cg.lat + ((r.h4 % 2000) - 1000) / 2000.0, 4), round(cg.lon + ((r.h5 % 2000) - 1000) / 2000.0, 4),
        '-' || CAST(r.h4 % 99999 AS VARCHAR),
        strftime(r.d + 1, '%Y%m%d') || lpad(CAST(r.h3 % 24 AS VARCHAR), 2, '0') || '1500' AS DATEADDED,
        'https://news.example.org/' || year(r.d) || '/' || CAST(r.h5 % 100000 AS VARCHAR) || '/story-' || r.i || '.html'
      FROM r
      JOIN cameo cm ON cm.k = r.ck
      JOIN ctry c1 ON c1.k = r.a1 JOIN ctry c2 ON c2.k = r.a2 JOIN ctry cg ON cg.k = r.g
      ORDER BY r.i
    ) TO '{out.as_posix()}' (FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '')
    """
    con.execute(sql)
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    secs = generate(args.out, args.rows, args.seed)
    size = args.out.stat().st_size
    print(f"wrote {args.rows} rows, {size / 1e6:.1f} MB to {args.out} in {secs:.2f} s")


if __name__ == "__main__":
    main()
