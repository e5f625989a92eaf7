"""Regression tests for the bad inputs a probe found (issue 9): each bad item is quarantined with a
reason (or refused with a clear error), the good items go on, nothing hangs or vanishes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from powderkeg.cli import _link_text, main
from powderkeg.errors import InputError
from powderkeg.read import read_documents
from powderkeg.read.datasets import import_dataset
from powderkeg.store import Store
from powderkeg.store.store import remove_stale_snapshot_tmps
from powderkeg.types import Document, Problem

ARTICLE = (
    "Russia masses troops near Ukraine\n\n"
    "More than 100,000 Russian troops have massed on Ukraine's eastern border, officials said.\n"
)


@pytest.fixture
def store() -> Store:
    s = Store(":memory:")
    yield s
    s.close()


def _reasons(store: Store) -> list[str]:
    return list(store.quarantine()["reason"])


def _read_with_deadline(paths: list[str], seconds: float = 120) -> list[Document | Problem]:
    """read_documents in a thread: a hang fails the test instead of hanging the suite."""
    out: list[Document | Problem] = []
    t = threading.Thread(target=lambda: out.extend(read_documents(paths)), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "reading hung"
    return out


# --- readers: FIFO, deep JSON -------------------------------------------------------------


def test_fifo_in_folder_or_as_argument_is_skipped_with_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "lone.fifo")
    items = _read_with_deadline([str(folder), str(tmp_path / "lone.fifo")])
    docs = [i for i in items if isinstance(i, Document)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert len(docs) == 1 and docs[0].source.endswith("a.txt")
    assert len(problems) == 2
    assert all("not a regular file" in p.reason for p in problems)
    assert {Path(p.source).name for p in problems} == {"pipe.txt", "lone.fifo"}


def test_fifo_given_to_ingest_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "powderkeg.cli", "ingest", str(tmp_path / "pipe"), str(tmp_path / "a.txt"),
         "--db", str(tmp_path / "x.duckdb"), "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    counts = json.loads(r.stdout)
    assert counts["quarantined"] == 1 and counts["read"] == 2
    assert "not a regular file" in counts["problems"][0]


def test_jsonl_line_nested_100000_deep_is_quarantined_and_next_line_kept(tmp_path: Path) -> None:
    f = tmp_path / "docs.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    f.write_text(deep + "\n" + json.dumps({"text": ARTICLE}) + "\n", encoding="utf-8")
    items = _read_with_deadline([str(f)])
    problems = [i for i in items if isinstance(i, Problem)]
    docs = [i for i in items if isinstance(i, Document)]
    assert len(docs) == 1 and "Russian troops" in docs[0].text
    assert [(p.line, "nested too deeply" in p.reason) for p in problems] == [(1, True)]


def test_plover_jsonl_deep_line_is_quarantined(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "ev.jsonl"
    good = {"id": "e1", "type": "ASSAULT", "date": "2022-03-01", "date_precision": "day"}
    f.write_text("[" * 100_000 + "]" * 100_000 + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    c = import_dataset(f, "plover", store)
    assert (c.read, c.new_events, c.quarantined) == (2, 1, 1)
    assert "nested too deeply" in _reasons(store)[0]


# --- import paths, headers ---------------------------------------------------------------

ICEWS_HEADER = (
    "Event ID\tEvent Date\tSource Name\tSource Sectors\tSource Country\tEvent Text\tCAMEO Code\t"
    "Intensity\tTarget Name\tTarget Sectors\tTarget Country\tStory ID\tSentence Number\tPublisher\t"
    "City\tDistrict\tProvince\tCountry\tLatitude\tLongitude"
)


def _icews_row(i: int, lat: str = "50.45", lon: str = "30.52", date: str = "2022-03-01") -> str:
    return (
        f"{i}\t{date}\tUkraine\tGovernment\tUkraine\tMake statement\t010\t0.0\tRussia\tGovernment\t"
        f"Russia\t{100 + i}\t1\tTest\tKyiv\tNA\tKyiv\tUkraine\t{lat}\t{lon}"
    )


def test_import_path_with_glob_characters_is_read_literally(tmp_path: Path, store: Store) -> None:
    for name, ids in (("g1.tab", [1, 2]), ("g2.tab", [3, 4, 5]), ("g[12].tab", [6])):
        (tmp_path / name).write_text("\n".join([ICEWS_HEADER, *(_icews_row(i) for i in ids)]) + "\n")
    c = import_dataset(tmp_path / "g[12].tab", "icews", store)
    assert (c.read, c.new_events) == (1, 1)
    assert list(store.events()["row_id"]) == ["6"]


def test_headerless_icews_keeps_its_first_row(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "nohead.tab"
    f.write_text("\n".join(_icews_row(i) for i in (1, 2, 3)) + "\n")
    c = import_dataset(f, "icews", store)
    assert (c.read, c.new_events, c.quarantined) == (3, 3, 0)


def _gdelt_reduced_row(day: str) -> str:
    return f"{day}\tUKR\tRUS\t190\t1\t1\t4\t-10.0\t1\t49.0\t32.0\t1\t55.0\t37.0\t1\t49.0\t32.0"


def test_headerless_gdelt1_reduced_keeps_its_first_row(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "reduced.txt"
    f.write_text("\n".join(_gdelt_reduced_row(d) for d in ("20220301", "20220302")) + "\n")
    c = import_dataset(f, "gdelt1-reduced", store)
    assert (c.read, c.new_events) == (2, 2)
    header = "Date\tSource\tTarget\tCAMEOCode\tNumEvents\tNumArts\tQuadClass\tGoldstein"
    g = tmp_path / "reduced_h.txt"
    g.write_text(header + "\n" + _gdelt_reduced_row("20220303") + "\n")
    assert import_dataset(g, "gdelt1-reduced", store).read == 1


# --- link: quoting, bounds, text ------------------------------------------------------------


def test_link_csv_with_unbalanced_quote_quarantines_that_row_only(tmp_path: Path) -> None:
    from powderkeg.link.api import _parse, _read_input

    rows = ["time,stream"] + [f"2022-01-{1 + i % 28:02d},{'ab'[i % 2]}" for i in range(30)]
    rows[8] = '2022-01-08,"a'  # a quote that is never closed
    f = tmp_path / "streams.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    df, source = _read_input(f)
    parsed, _, problems = _parse(df, source)
    assert len(parsed) == 29
    assert len(problems) == 1 and "line 9" in problems[0] and "quote" in problems[0]


def test_link_bounds_huge_span_and_many_streams(tmp_path: Path) -> None:
    from powderkeg.link import link

    f = tmp_path / "span.csv"
    f.write_text("time,stream\n0001-01-01,a\n2000-01-01,a\n5000-06-01,b\n7000-01-01,b\n9999-12-31,a\n")
    out = link(str(f))  # once grew past 6 GB and 120 s; now a few pieces and bins
    assert out["verdict"].startswith("insufficient data")
    assert any("baseline pieces" in n for n in out["notes"])
    assert any("Granger bins widened" in n for n in out["notes"])
    many = tmp_path / "many.csv"
    many.write_text("time,stream\n" + "".join(f"{d}.5,s{s}\n" for s in range(200) for d in (1, 2)))
    with pytest.raises(InputError, match="at most"):
        link(str(many))


def test_link_text_handles_null_intervals_and_prints_granger() -> None:
    result = {
        "streams": ["ukraine", "serbia-kosovo"], "n_events": {"ukraine": 3, "serbia-kosovo": 2},
        "verdict": "insufficient data: too few events", "branching": [[0.5, None], [0.1, 0.2]],
        "branching_ci_low": None, "branching_ci_high": [[None, None], [0.3, None]],
        "granger_p": [[None, 0.04], [0.5, None]], "notes": ["n1"],
    }  # fmt: skip
    text = _link_text(result)
    assert "verdict: insufficient data" in text
    assert "Granger p-values" in text and "0.040" in text and "0.500" in text
    assert "n/a" in text and "0.500 [n/a]" in text
    assert _link_text({"streams": [], "verdict": "x"}).startswith("verdict: x")


# --- series formats ----------------------------------------------------------------------------


def test_series_formats_quarantine_bad_records(tmp_path: Path, store: Store) -> None:
    acled = tmp_path / "admin1.json"
    acled.write_text(json.dumps([
        {"EVENT_DATE": "2022-03-01", "ADMIN1": "Kyiv", "EVENT_TYPE": "Battles", "incidents": 2, "fatalities": 1},
        {"EVENT_DATE": "2022-03-01", "EVENT_TYPE": "Battles", "incidents": 3, "fatalities": 0},
        {"EVENT_DATE": "2022-03-02", "ADMIN1": "Kyiv", "EVENT_TYPE": "Battles", "incidents": "abc"},
    ]))  # fmt: skip
    c = import_dataset(acled, "acled-admin1", store)
    assert (c.read, c.quarantined) == (3, 2)
    assert any("missing ADMIN1" in r for r in _reasons(store))
    dyad = tmp_path / "dyad.csv"
    dyad.write_text(
        "i_iso3c,j_iso3c,year,verbCoop,matlCoop,verbConf,matlConf\n"
        "RUS,UKR,2014,1,2,3,4\nRUS,UKR,2015,1\nSRB,XKX,2015,abc,0,0,0\n"
    )
    c = import_dataset(dyad, "icews-dyad-year", store)
    assert c.quarantined == 2
    reasons = " ".join(_reasons(store))
    assert "expected 7 fields, found 4" in reasons and "'abc'" in reasons
    gd = tmp_path / "yearly.csv"
    gd.write_text("2015,UP,10\n2016,UP\nxx,UP,3\n")
    c = import_dataset(gd, "gdelt-yearly", store)
    assert (c.read, c.quarantined) == (3, 2)
    assert len(store.series("gdelt-yearly")) == 1


# --- PLOVER ------------------------------------------------------------------------------------


def _plover(**kw: object) -> str:
    ev = {"id": "e1", "type": "ASSAULT", "date": "2022-03-01", "date_precision": "day"}
    ev.update(kw)
    return json.dumps(ev)


def test_plover_repeated_id_with_different_content_is_quarantined(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "ev.jsonl"
    f.write_text("\n".join([_plover(), _plover(), _plover(type="PROTEST"), _plover(id="e2")]) + "\n")
    c = import_dataset(f, "plover", store)
    assert c.quarantined == 1 and c.new_events == 2
    assert "repeated with different content" in _reasons(store)[0]
    assert set(store.events()["type"]) == {"ASSAULT"}


def test_plover_bad_values_quarantine_their_row(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "ev.jsonl"
    f.write_text("\n".join([
        _plover(id="ok"), _plover(id="word", intensity="high"), _plover(id="conf", confidence=7),
        _plover(id="lat", location={"name": "x", "country": "UKR", "lat": 95.5, "lon": 30.0, "precision": "city"}),
        _plover(id="far", date="9999-12-31"),
    ]) + "\n")  # fmt: skip
    c = import_dataset(f, "plover", store)
    assert (c.read, c.new_events, c.quarantined) == (5, 1, 4)
    reasons = " ".join(_reasons(store))
    for want in ("intensity 'high' is not a number", "confidence 7", "latitude 95.5", "date 9999-12-31"):
        assert want in reasons


# --- UCDP / ACLED / ICEWS: one bad value quarantines one row -------------------------------------

UCDP_HEADER = "id,year,type_of_violence,side_a,side_b,country,latitude,longitude,date_prec,date_start,date_end,best"


def _ucdp(i: int, best: str = "3", lat: str = "50.4", lon: str = "30.5", date: str = "2022-03-01") -> str:
    return f"{i},2022,1,Government of Ukraine,Government of Russia (Soviet Union),Ukraine,{lat},{lon},1,{date},{date},{best}"


def test_ucdp_bad_values_quarantine_their_row(tmp_path: Path, store: Store) -> None:
    rows = [
        UCDP_HEADER, _ucdp(1), _ucdp(2, best="inf"), _ucdp(3, best="1e12"), _ucdp(4, best="-5"),
        _ucdp(5, lat="95.5"), _ucdp(6, lon="200"), _ucdp(7, lat="nan", lon="inf"),
        "8,2022,1,only,five", _ucdp(9).replace("Government of Ukraine", '"Government of Ukraine'),
        _ucdp(10, date="9999-12-31"), _ucdp(11),
    ]  # fmt: skip
    f = tmp_path / "ged.csv"
    f.write_text("\n".join(rows) + "\n")
    c = import_dataset(f, "ucdp", store)
    assert (c.read, c.new_events, c.quarantined) == (11, 2, 9)
    q = store.quarantine().sort_values("line")
    assert list(q["line"]) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    reasons = " ".join(q["reason"])
    for want in ("bad best 'inf'", "bad best '1e12'", "fatalities -5", "latitude 95.5", "longitude 200",
                 "is not a finite number", "expected 12 comma-separated fields", "quote", "date 9999-12-31"):  # fmt: skip
        assert want in reasons, want
    assert sorted(store.events()["row_id"]) == ["1", "11"]


def test_acled_ragged_and_out_of_range_rows_are_quarantined(tmp_path: Path, store: Store) -> None:
    from tests.test_import import ACLED_HEADER, _acled_row

    def row(i: int, **kw: str) -> str:
        r = _acled_row(i, "2022-03-01", "Protests", "Peaceful protest", "Protesters (Serbia)", "",
                       "Serbia", "Invented row.", kw.get("fat", "0"))  # fmt: skip
        return r.replace("48.0,37.8", f"{kw.get('lat', '48.0')},37.8")

    rows = [ACLED_HEADER, row(1), row(2, fat="-5"), row(3, lat="95.5"), "4,804,TST4,2022-03-01", row(5)]
    f = tmp_path / "acled.csv"
    f.write_text("\n".join(rows) + "\n")
    c = import_dataset(f, "acled", store)
    assert c.new_events == 2 and c.quarantined == 3
    reasons = " ".join(_reasons(store))
    assert "fatalities -5" in reasons and "latitude 95.5" in reasons


def test_icews_out_of_range_coordinates_are_quarantined(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "e.tab"
    f.write_text("\n".join([ICEWS_HEADER, _icews_row(1), _icews_row(2, lat="95.5"),
                            _icews_row(3, lon="200"), _icews_row(4, date="9999-12-31")]) + "\n")  # fmt: skip
    c = import_dataset(f, "icews", store)
    assert (c.new_events, c.quarantined) == (1, 3)
    assert sorted(store.quarantine()["line"]) == [3, 4, 5]


def test_one_bad_value_never_gives_internal_error_in_cli(tmp_path: Path) -> None:
    f = tmp_path / "ged.csv"
    f.write_text("\n".join([UCDP_HEADER, _ucdp(1), _ucdp(2, best="inf")]) + "\n")
    r = CliRunner().invoke(main, ["import", "--format", "ucdp", str(f), "--db", str(tmp_path / "x.duckdb")])
    assert r.exit_code == 0, r.output
    assert "internal error" not in r.output and "quarantined: 1" in r.output


# --- store: corrupted file, stale snapshot temp files, SQLite, extensions -------------------------


def test_corrupted_database_is_not_taken_for_a_locked_one(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    with Store(db) as s:
        s.add_problems([Problem("x", "y")])
    assert (tmp_path / "a.duckdb.snapshot").exists()  # the old snapshot a reader could fall back to
    with open(db, "r+b") as fh:
        fh.write(b"\0" * 16)  # the header's checksum and magic gone
    with pytest.raises(InputError, match="not a DuckDB database"):
        Store(db, read_only=True)
    r = CliRunner().invoke(main, ["trend", "ukraine", "--db", str(db)])
    assert r.exit_code == 1 and "not a DuckDB database" in r.output


def test_lock_errors_are_told_by_type() -> None:
    from powderkeg.store.store import _is_lock_error

    assert _is_lock_error(duckdb.IOException("Could not set lock on file"))
    assert not _is_lock_error(duckdb.Error("Corrupt database file: block lock checksum"))
    assert not _is_lock_error(RuntimeError("lock"))


def test_stale_snapshot_temp_files_are_removed_on_open_and_close(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".a.duckdb.snapshot.{dead.pid}.tmp"
    live = tmp_path / f".a.duckdb.snapshot.{os.getppid()}.tmp"
    for f in (stale, live):
        f.write_bytes(b"partial")
    s = Store(db)
    assert not stale.exists() and live.exists()
    stale.write_bytes(b"partial again")
    s.close()
    assert not stale.exists() and live.exists()
    assert remove_stale_snapshot_tmps(db) == []


def test_sqlite_file_as_db_is_a_clear_error_and_nothing_is_downloaded(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    for ro in (False, True):
        with pytest.raises(InputError, match="SQLite"):
            Store(path, read_only=ro)
    with Store(tmp_path / "ok.duckdb") as s:
        got = s.connection.execute(
            "SELECT current_setting('autoinstall_known_extensions'), "
            "current_setting('autoload_known_extensions')"
        ).fetchall()[0]
    assert got == (False, False)


# --- CLI: control characters, --date precision ------------------------------------------------


def test_code_text_output_strips_control_characters(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(
        "Russia \x1b[31mmasses\x1b[0m troops\x07\n\nMore than 100,000 Russian troops \x1b]0;pwned\x07"
        "have massed on Ukraine's eastern border, officials said.\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, ["code", str(f), "--date", "2021-12-15"])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "troops" in r.stdout
    j = CliRunner().invoke(main, ["code", str(f), "--date", "2021-12-15", "--json"])
    assert "\\u001b" in j.stdout  # JSON escapes them; the data itself is kept


@pytest.mark.parametrize(("date", "precision", "first_day"), [
    ("2015-02", "month", "2015-02-01"), ("2015", "year", "2015-01-01"), ("2015-02-17", "day", "2015-02-17"),
])  # fmt: skip
def test_date_accepts_year_and_month_and_sets_precision(
    tmp_path: Path, date: str, precision: str, first_day: str
) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = CliRunner().invoke(main, ["code", str(f), "--date", date, "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)["documents"][0]
    assert doc["date"] == first_day
    dated = [e for e in doc["events"] if e["date"] == first_day]
    assert dated and all(e["date_precision"] == precision for e in dated)


@pytest.mark.parametrize("bad", ["2015-13", "15/02/2015", "2015-02-30", "20150"])
def test_bad_date_forms_are_usage_errors(tmp_path: Path, bad: str) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = CliRunner().invoke(main, ["code", str(f), "--date", bad])
    assert r.exit_code == 2 and "YYYY-MM" in r.output


def test_relative_dates_are_no_more_precise_than_the_document_date() -> None:
    from powderkeg.coder.dates import resolve_date

    m = resolve_date("Troops shelled the town yesterday.", "2015-02-01", doc_precision="month")
    assert (m.date, m.precision) == ("2015-02-01", "month")
    m = resolve_date("Troops shelled the town on 3 March 2014.", "2015-02-01", doc_precision="year")
    assert (m.date, m.precision) == ("2014-03-03", "day")
    m = resolve_date("Troops shelled the town.", "2015-01-01", doc_precision="year")
    assert (m.date, m.precision) == ("2015-01-01", "year")
