"""`powderkeg export`: Parquet and CSV with every events column, GeoJSON Points [lon, lat],
theatre and date filters, errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from powderkeg.cli import main
from powderkeg.store import EVENT_COLUMN_NAMES, Store

N_UKR = 12  # with coordinates, fatalities, a sentence with a comma and a quote
N_SK = 5  # no coordinates


def rows() -> pd.DataFrame:
    out = []
    for i in range(N_UKR):
        out.append(
            dict(row_id=f"u{i}", type="ASSAULT", actor_codes=["RUS"], target_codes=["UKR", "UKR-DPR"],
                 date=dt.date(2022, 2, 1) + dt.timedelta(days=i), place_name="Kharkiv",
                 country="UKR", lat=49.99 + i / 1000, lon=36.23 - i / 1000, fatalities=i,
                 sentence=f'Shelling hit Kharkiv, officials said, "again" ({i}).')
        )  # fmt: skip
    for i in range(N_SK):
        out.append(
            dict(row_id=f"s{i}", type="MOBILIZE", actor_codes=["SRB"], target_codes=["XKX"],
                 date=dt.date(2022, 12, 20) + dt.timedelta(days=i), place_name=None,
                 country=None, lat=None, lon=None, fatalities=None,
                 sentence="Serbian troops moved to the boundary.")
        )  # fmt: skip
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "events.duckdb"
    with Store(path) as store:
        assert store.import_table(rows(), "synthetic", source="synthetic-export").new_events == N_UKR + N_SK
    return path


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_parquet_round_trip(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.parquet"
    r = run("export", "--db", db, "--format", "parquet", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res == {"format": "parquet", "out": str(out), "rows": N_UKR + N_SK, "skipped_no_coordinates": 0}
    table = pq.read_table(out)
    assert table.num_rows == N_UKR + N_SK
    assert table.column_names == list(EVENT_COLUMN_NAMES)
    back = duckdb.sql(f"SELECT count(*), sum(fatalities) FROM read_parquet('{out}')").fetchall()[0]
    assert back == (N_UKR + N_SK, sum(range(N_UKR)))
    with Store(db, read_only=True) as store:
        stored = store.events()
    got = table.to_pandas().set_index("event_id").loc[stored["event_id"]]
    assert got["sentence"].tolist() == stored["sentence"].tolist()
    assert [list(x) for x in got["target_codes"]] == [list(x) for x in stored["target_codes"]]


def test_filters(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sk.parquet"
    res = json.loads(run("export", "--db", db, "--format", "parquet", "--out", out,
                         "--theatre", "serbia-kosovo", "--json").stdout)  # fmt: skip
    assert res["rows"] == N_SK and pq.read_table(out).num_rows == N_SK
    out2 = tmp_path / "feb.csv"
    res = json.loads(run("export", "--db", db, "--format", "csv", "--out", out2,
                         "--since", "2022-02-03", "--until", "2022-02-05", "--json").stdout)  # fmt: skip
    assert res["rows"] == 3
    assert len(list(csv.reader(io.StringIO(out2.read_text(encoding="utf-8"))))) == 1 + 3
    both = json.loads(run("export", "--db", db, "--format", "geojson", "--out", tmp_path / "b.geojson",
                          "--theatre", "ukraine", "--until", "2022-02-06", "--json").stdout)  # fmt: skip
    assert both["rows"] == 6


def test_csv_header_and_quoting(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    r = run("export", "--db", db, "--format", "csv", "--out", out)
    assert r.exit_code == 0, r.output
    assert f"{N_UKR + N_SK} events" in r.stdout
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert table[0] == list(EVENT_COLUMN_NAMES)
    assert len(table) == 1 + N_UKR + N_SK
    sentences = {row[table[0].index("sentence")] for row in table[1:]}
    assert 'Shelling hit Kharkiv, officials said, "again" (3).' in sentences


def test_geojson_feature_collection(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.geojson"
    r = run("export", "--db", db, "--format", "geojson", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["rows"] == N_UKR and res["skipped_no_coordinates"] == N_SK
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == N_UKR
    with Store(db, read_only=True) as store:
        stored = store.events().set_index("event_id")
    for f in doc["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        p = f["properties"]
        ev = stored.loc[p["event_id"]]
        lon, lat = f["geometry"]["coordinates"]
        assert (lon, lat) == (pytest.approx(ev["lon"]), pytest.approx(ev["lat"]))  # [lon, lat]
        assert -90 <= lat <= 90 and 30 < lon < 40
        assert p["date"] == str(ev["date"])[:10]
        assert p["target_codes"] == ["UKR", "UKR-DPR"]
        assert p["fatalities"] == int(ev["fatalities"])
        assert "lat" not in p and "lon" not in p
        json.dumps(p, allow_nan=False)  # strict JSON: no NaN


def test_export_errors(db: Path, tmp_path: Path) -> None:
    r = run("export", "--db", db, "--format", "csv", "--out", tmp_path / "missing" / "x.csv")
    assert r.exit_code == 1
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1 and "missing" in r.stderr
    r = run("export", "--db", db, "--format", "csv", "--out", tmp_path / "x.csv", "--theatre", "atlantis")
    assert r.exit_code == 2 and "atlantis" in r.stderr
    r = run("export", "--db", tmp_path / "none.duckdb", "--format", "csv", "--out", tmp_path / "x.csv")
    assert r.exit_code == 1 and "none.duckdb" in r.stderr
    assert run("export", "--db", db, "--format", "xlsx", "--out", tmp_path / "x.xlsx").exit_code == 2
