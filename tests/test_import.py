from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from powderkeg.errors import InputError, UsageError
from powderkeg.ontology import load_ontology
from powderkeg.read.datasets import FORMATS, import_dataset
from powderkeg.read.datasets.series import import_series, load_series
from powderkeg.read.datasets.ucdp import file_convention, report_dates, resolve_order
from powderkeg.store import Store
from powderkeg.types import Actor, Document, Event, Quantity, event_id_for, sha16

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
PLOVER_TYPES = set(load_ontology().types)


@pytest.fixture
def store() -> Store:
    s = Store(":memory:")
    yield s
    s.close()


def _gdelt_rows(tmp_path: Path, n: int, seed: int = 5) -> list[str]:
    sys.path.insert(0, str(BENCH))
    try:
        from gen_gdelt2 import generate
    finally:
        sys.path.remove(str(BENCH))
    p = tmp_path / "gen.csv"
    generate(p, n, seed=seed)
    return p.read_text(encoding="utf-8").splitlines()


# --- shared samples -------------------------------------------------------------------


def _check_sample(store: Store, path: Path, fmt: str, rows: int) -> None:
    c = import_dataset(path, fmt, store)
    assert c.read == rows and c.quarantined == 0, c.to_json()
    assert c.new_events == c.events == rows
    again = import_dataset(path, fmt, store)
    assert again.new_events == 0 and again.read == rows
    assert store.counts()["by_dataset"][fmt] == rows


@pytest.mark.shared
def test_gdelt1_reduced_sample(shared: Path, store: Store) -> None:
    path = shared / "data/cameo/gdelt1_reduced_sample_19790101-03.txt"
    _check_sample(store, path, "gdelt1-reduced", 999)  # header + 999 rows
    df = store.events(dataset="gdelt1-reduced")
    assert set(df["type"].dropna()) <= PLOVER_TYPES
    assert df["date"].min() == dt.datetime(1979, 1, 1)
    assert df["row_id"].str.match(r"^[0-9a-f]{16}:\d+$").all()
    assert (df["actor_codes"].map(len) > 0).all()


@pytest.mark.shared
def test_icews_raw_sample(shared: Path, store: Store) -> None:
    _check_sample(store, shared / "data/events/icews_events_2018_sample.tab", "icews", 3705)
    df = store.events(dataset="icews")
    counts = df["type"].value_counts()
    assert counts.index[0] == "CONSULT" and set(counts.index) <= PLOVER_TYPES
    assert (df["actor_codes"].map(len) > 0).mean() > 0.9
    first = df.set_index("row_id").loc["32889836"]
    assert list(first["actor_codes"]) == ["BGD"] and list(first["target_codes"]) == ["VNM"]
    assert first["country"] == "VNM" and first["type"] == "CONSULT"
    assert set(df["date"].dt.date.astype(str)) == {"2018-06-01", "2018-06-02"}


@pytest.mark.shared
def test_icews_tkg_sample(shared: Path, store: Store) -> None:
    path = shared / "data/events/icews_2014_test.txt"
    rows = sum(1 for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip())
    _check_sample(store, path, "icews-tkg", rows)
    df = store.events(dataset="icews-tkg")
    # every relation text maps to a CAMEO code; statements/appeals have no PLOVER type
    assert df["cameo"].notna().all()
    assert set(df["type"].dropna()) <= PLOVER_TYPES and df["type"].notna().mean() > 0.6
    stmt = df[df["cameo"] == "010"]
    assert len(stmt) and stmt["type"].isna().all()
    force = df[df["cameo"] == "190"]
    assert len(force) and set(force["type"]) == {"ASSAULT"}
    assert (df["actor_codes"].map(len) > 0).mean() > 0.5


@pytest.mark.shared
def test_ucdp_sample(shared: Path, store: Store) -> None:
    _check_sample(store, shared / "data/events/ucdp_ged_ukraine_2014_2023.csv", "ucdp", 3883)
    df = store.events(dataset="ucdp")
    assert set(df["type"]) == {"ASSAULT"}
    assert df["fatalities"].sum() > 10_000
    assert set(df["country"]) == {"UKR"}
    assert df["date"].min() >= dt.datetime(2014, 1, 1)
    one = df.set_index("row_id")
    # 05/03/2014, reported 03/05/2014 (day-first in source_date): 3 May 2014
    assert one.loc["153149", "date"] == dt.datetime(2014, 5, 3)
    # 04/07/2018 with a report of 20/06/2018: 4 July would follow its report, so 7 April
    assert one.loc["264217", "date"] == dt.datetime(2018, 4, 7)


@pytest.mark.shared
def test_count_tables_load_as_series(shared: Path, store: Store) -> None:
    ev = shared / "data/events"
    acled = load_series(ev / "acled_ukraine_daily_admin1_2022_2023.json", "acled-admin1")
    assert list(acled.columns) == ["date", "series", "count", "fatalities"]
    assert acled["count"].sum() > 10_000 and acled["series"].str.contains("|", regex=False).all()
    gd = load_series(ev / "gdelt1_yearly_country_totals.csv", "gdelt-yearly")
    assert {"UKR", "SRB", "RUS"} <= set(gd["series"])
    n = import_dataset(ev / "gdelt1_yearly_country_totals.csv", "gdelt-yearly", store).read
    assert n == len(gd)
    import_series(ev / "gdelt1_yearly_country_totals.csv", "gdelt-yearly", store)
    assert store.counts()["series"] == n  # upsert, not duplicates
    assert len(store.series("gdelt-yearly", ["UKR"])) > 20


# --- GDELT: malformed rows, both versions ------------------------------------------------


def test_gdelt2_quarantines_bad_rows_with_line_numbers(tmp_path: Path, store: Store) -> None:
    lines = _gdelt_rows(tmp_path, 50)
    f = [ln.split("\t") for ln in lines]
    f[4][1] = "2015xx01"  # line 5: bad date
    f[9][26] = "999"  # line 10: unknown CAMEO code
    lines = ["\t".join(x) for x in f]
    lines[14] = "\t".join(f[14][:40])  # line 15: too few fields
    lines.insert(20, "")  # line 21: blank, ignored
    path = tmp_path / "bad.export.CSV"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode() + b"\xff\xfe broken\tline\n")
    c = import_dataset(path, "gdelt2", store)
    assert c.quarantined == 4 and c.events == 47 and c.read == 51
    assert c.problems == [
        f"{path}:5: bad SQLDATE '2015xx01'",
        f"{path}:10: unknown CAMEO event code '999'",
        f"{path}:15: expected 61 tab-separated fields, found 40",
        f"{path}:52: not valid UTF-8 text",
    ]
    q = store.quarantine()
    assert sorted(q["line"].tolist()) == [5, 10, 15, 52]
    assert set(q["input_kind"]) == {"dataset:gdelt2"}
    assert import_dataset(path, "gdelt2", store).new_events == 0


def test_gdelt2_fast_path_reports_field_count_lines(tmp_path: Path, store: Store) -> None:
    lines = _gdelt_rows(tmp_path, 30)
    lines[6] = lines[6] + "\textra"
    path = tmp_path / "g.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = import_dataset(path, "gdelt2", store)
    assert c.problems == [f"{path}:7: expected 61 tab-separated fields, found 62"]
    df = store.events()
    assert len(df) == 29 and set(df["type"].dropna()) <= PLOVER_TYPES
    assert df["event_id"].is_unique and df["row_id"].str.startswith("10000").all()
    assert set(df["dataset"]) == {"gdelt2"}


def test_gdelt2_fast_and_line_paths_map_rows_alike(tmp_path: Path) -> None:
    lines = _gdelt_rows(tmp_path, 40, seed=3)
    good = tmp_path / "good.csv"
    good.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"  # one bad row sends the whole file down the line path
    mixed.write_text("\n".join([*lines, "1\t2"]) + "\n", encoding="utf-8")
    frames = []
    for path in (good, mixed):
        with Store(":memory:") as s:
            c = import_dataset(path, "gdelt2", s)
            assert c.new_events == 40
            frames.append(s.events().drop(columns=["ingested_at"]).set_index("event_id"))
            assert len(s.actors()) and len(s.places())
    fast, slow = frames
    pd.testing.assert_frame_equal(fast.sort_index(), slow.sort_index())
    row = fast.loc[event_id_for_row("gdelt2", lines[0].split("\t")[0])]
    fields = lines[0].split("\t")
    actors = json.loads(row["actors"])
    assert list(actors[0]) == ["text", "code", "name", "kind", "person", "sector"]
    assert actors[0]["code"] == fields[7] and actors[0]["name"] == fields[6]
    assert row["cameo"] == fields[26] and row["goldstein"] == float(fields[30])
    assert (row["lat"], row["lon"]) == (float(fields[56]), float(fields[57]))
    assert row["place_name"] == fields[52] and row["place_precision"] == "city"
    assert row["country"] is not None and len(row["country"]) == 3


def event_id_for_row(dataset: str, row_id: str) -> str:
    """The stored id of an imported row: sha16 of ``dataset:row_id`` (store README)."""
    return sha16(f"{dataset}:{row_id}")


def test_gdelt1_57_and_58_columns(tmp_path: Path, store: Store) -> None:
    rows = [ln.split("\t") for ln in _gdelt_rows(tmp_path, 20, seed=9)]
    # GDELT 1.0 = GDELT 2.0 without the three ADM2Code columns (39, 47, 55) [and SOURCEURL]
    v58 = ["\t".join(r[:39] + r[40:47] + r[48:55] + r[56:]) for r in rows]
    v57 = ["\t".join((r[:39] + r[40:47] + r[48:55] + r[56:])[:57]) for r in rows]
    for name, lines in (("g58.csv", v58), ("g57.csv", v57)):
        p = tmp_path / name
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        c = import_dataset(p, "gdelt1", store)
        assert c.quarantined == 0
    df = store.events(dataset="gdelt1")
    assert len(df) == 20  # same GLOBALEVENTIDs in both files: stored once
    assert df["country"].notna().all() and df["lat"].notna().all()
    with pytest.raises(InputError, match="57 or 58 tab-separated fields"):
        import_dataset(tmp_path / "gen.csv", "gdelt1", store)


# --- ACLED, written here (no ACLED event file is shared) ----------------------------------

ACLED_HEADER = (
    "id,iso,event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,region,country,admin1,admin2,"
    "admin3,location,latitude,longitude,source_scale,notes,fatalities,timestamp,geo_precision,"
    "source,civilian_targeting,disorder_type,tags,actor_dyad"
)


def _acled_row(
    i: int, date: str, et: str, st: str, a1: str, a2: str, country: str, notes: str, fat: str = "0"
) -> str:
    return (
        f"{i},804,TST{i},{date},2022,1,{et},{st},{a1},,8,{a2},,1,18,Europe,{country},Region,,,"
        f'Town{i},48.0,37.8,National,"{notes}",{fat},1650000000,1,Test,,Political violence,,'
    )


def test_acled_import(tmp_path: Path, store: Store) -> None:
    rows = [
        ACLED_HEADER,
        _acled_row(
            1,
            "24/02/2022 00:00:00",
            "Explosions/Remote violence",
            "Shelling/artillery/missile attack",
            "Military Forces of Russia (2000-)",
            "Military Forces of Ukraine (2019-)",
            "Ukraine",
            'Invented row: shells hit a depot, ""two"" killed.',
            "2",
        ),
        _acled_row(
            2,
            "2022-03-01",
            "Protests",
            "Peaceful protest",
            "Protesters (Serbia)",
            "",
            "Serbia",
            "Invented row: a march in the centre.",
        ),
        _acled_row(
            3,
            "15 March 2022",
            "Riots",
            "Violent demonstration",
            "Rioters (Kosovo)",
            "Police Forces of Kosovo (2008-)",
            "Kosovo",
            "Invented row.",
        ),
        _acled_row(
            4,
            "31/02/2022 00:00:00",
            "Battles",
            "Armed clash",
            "Military Forces of Russia (2000-)",
            "",
            "Ukraine",
            "Impossible date.",
        ),
        _acled_row(
            5,
            "01/03/2022 00:00:00",
            "Battles",
            "Chess match",
            "Military Forces of Russia (2000-)",
            "",
            "Ukraine",
            "Unknown sub-type.",
        ),
        _acled_row(
            6,
            "02/03/2022 00:00:00",
            "Battles",
            "Armed clash",
            "Unnamed militia",
            "",
            "Ukraine",
            "Bad fatalities.",
            "several",
        ),
    ]
    path = tmp_path / "acled.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    c = import_dataset(path, "acled", store)
    assert (c.read, c.events, c.quarantined) == (6, 3, 3)
    assert [p.split(": ")[0] for p in c.problems] == [f"{path}:5", f"{path}:6", f"{path}:7"]
    assert "Chess match" in c.problems[1] and "'several'" in c.problems[2]
    df = store.events().set_index("row_id")
    assert df.loc["TST1", "type"] == "ASSAULT" and df.loc["TST1", "fatalities"] == 2
    assert list(df.loc["TST1", "actor_codes"]) == ["RUS"]
    assert list(df.loc["TST1", "target_codes"]) == ["UKR"]
    assert df.loc["TST1", "acled_sub_type"] == "Shelling/artillery/missile attack"
    assert df.loc["TST2", "type"] == "PROTEST" and df.loc["TST2", "country"] == "SRB"
    assert df.loc["TST3", "date"] == dt.datetime(2022, 3, 15)
    assert list(df.loc["TST3", "actor_codes"]) == ["XKX"]
    assert import_dataset(path, "acled", store).new_events == 0


# --- PLOVER JSON --------------------------------------------------------------------------


def test_plover_json_and_jsonl(tmp_path: Path, store: Store) -> None:
    doc = Document.from_text("Serbia and Russia signed an energy deal.", "a.txt", date="2021-12-15")
    doc.coder = "0.1"
    doc.events = [
        Event(
            id=event_id_for(doc.doc_id, 0, 40, "AGREE"),
            span=(0, 40),
            sentence=doc.text,
            type="AGREE",
            actor=[Actor("Serbia", "SRB", "Serbia", "state")],
            target=[Actor("Russia", "RUS", "Russia", "state")],
            date="2021-12-15",
            date_precision="day",
            confidence=0.8,
            quantities=[Quantity("2 billion cubic metres", 2e9, "m3")],
        )
    ]
    (tmp_path / "code.json").write_text(json.dumps({"documents": [doc.to_json()]}))
    c = import_dataset(tmp_path / "code.json", "plover", store)
    assert (c.read, c.new_events) == (1, 1)
    row = store.events().iloc[0]
    assert row["doc_id"] == doc.doc_id and row["coder"] == "0.1" and row["confidence"] == 0.8
    assert row["quad"] == "verbal_cooperation" and row["span_end"] == 40
    quantities = json.loads(store.events(quantities=True).iloc[0]["quantities"])
    assert quantities == [{"text": "2 billion cubic metres", "value": 2000000000, "unit": "m3"}]
    ev = doc.events[0].to_json()
    lines = [
        json.dumps({**ev, "id": "b1"}),
        "{not json",
        "",
        json.dumps({**ev, "id": "b2", "type": "DANCE"}),
        json.dumps({**ev, "id": "b3", "type": "fight"}),
    ]
    (tmp_path / "ev.jsonl").write_text("\n".join(lines) + "\n")
    c = import_dataset(tmp_path / "ev.jsonl", "plover", store)
    assert (c.read, c.events, c.quarantined) == (4, 2, 2)
    assert c.problems[0].startswith(f"{tmp_path / 'ev.jsonl'}:2: not JSON")
    assert c.problems[1].startswith(f"{tmp_path / 'ev.jsonl'}:4: ")
    assert sorted(store.events(dataset="plover")["type"]) == ["AGREE", "AGREE", "ASSAULT"]


# --- UCDP day/month rule ----------------------------------------------------------------


_D = dt.date
# (date_start, date_end, year, date_prec, source_date, file convention) -> (start, end, how);
# None in the expectation: not checked
UCDP_DATE_CASES = [
    # unambiguous forms
    (
        ("1/22/2014 12:00:00 AM", "1/22/2014 12:00:00 AM", 2014, 1, "", "mdy"),
        (_D(2014, 1, 22), _D(2014, 1, 22), None),
    ),
    (("2014-05-02", "2014-05-02", 2014, 1, "", "mdy"), (None, None, "fixed")),
    (("22/01/2014 00:00", "22/01/2014 00:00", 2014, 1, "", "mdy"), (_D(2014, 1, 22), None, None)),
    # 2: only one order fits: day-first start would follow the first report
    (
        ("04/07/2018 00:00", "04/07/2018 00:00", 2018, 1, "20/06/2018", "mdy"),
        (_D(2018, 4, 7), _D(2018, 4, 7), "only"),
    ),
    # 2: only one order fits: the end date is unambiguous (20 September)
    (
        ("09/10/2022 00:00", "9/20/2022 12:00:00 AM", 2022, 4, "", "mdy"),
        (_D(2022, 9, 10), None, None),
    ),
    # 2: date_prec 2 allows at most a week: month-first 6 March-6 April is too long
    (
        ("03/06/2014 00:00", "04/06/2014 00:00", 2014, 2, "", "mdy"),
        (_D(2014, 6, 3), _D(2014, 6, 4), "only"),
    ),
    # 3: both fit, the report comes 0 days after 1 February, 30 after 2 January
    (
        ("01/02/2021 00:00", "01/02/2021 00:00", 2021, 1, "2021-02-01;2021-02-01", "mdy"),
        (_D(2021, 2, 1), _D(2021, 2, 1), "reports"),
    ),
    # 4: nothing decides: the file's convention
    (
        ("03/04/2015 00:00", "03/04/2015 00:00", 2015, 1, "", "mdy"),
        (_D(2015, 3, 4), _D(2015, 3, 4), "convention"),
    ),
    (("03/04/2015 00:00", "03/04/2015 00:00", 2015, 1, "", "dmy"), (_D(2015, 4, 3), None, None)),
]


@pytest.mark.parametrize("args, want", UCDP_DATE_CASES)
def test_ucdp_date_rule(args: tuple, want: tuple) -> None:
    got = resolve_order(*args)[:3]
    assert tuple(g if w is not None else None for g, w in zip(got, want, strict=True)) == want


def test_ucdp_report_dates_and_file_convention() -> None:
    d = dt.date
    # placeholders before 1989 in source_date are ignored
    assert report_dates("1753-01-01;2021-09-01") == [d(2021, 9, 1)]
    assert file_convention(["1/22/2014 12:00:00 AM", "05/02/2014 00:00"]) == "mdy"
    assert file_convention(["22/01/2014", "05/02/2014"]) == "dmy"


# --- general --------------------------------------------------------------------------------


def test_bad_format_and_missing_file(tmp_path: Path, store: Store) -> None:
    assert "gdelt2" in FORMATS and "plover" in FORMATS
    with pytest.raises(UsageError):
        import_dataset(tmp_path, "nope", store)
    with pytest.raises(InputError, match="no such file"):
        import_dataset(tmp_path / "missing.csv", "gdelt2", store)


def test_icews_tkg_line_numbers_and_row_ids(tmp_path: Path, store: Store) -> None:
    text = (
        "Russia\tMake statement\tUkraine\t2014-03-06\n"
        "Police (Ukraine)\tUse conventional military force\tCitizen (Ukraine)\t2014-05-02\n"
        "\n"
        "Serbia\tDance wildly\tKosovo\t2014-01-01\n"
        "Serbia\tExpress intent to meet or negotiate\tKosovo\tlast year\n"
        "Serbia\tConsult\n"
        "Citizen (Serbia)\tProtest violently, riot\tGovernment (Serbia)\t2014-02-03\n"
    )
    path = tmp_path / "tkg.txt"
    path.write_text(text, encoding="utf-8")
    c = import_dataset(path, "icews-tkg", store)
    assert (c.read, c.events, c.quarantined) == (6, 3, 3)
    assert [p.split(": ", 1)[0] for p in c.problems] == [f"{path}:{n}" for n in (4, 5, 6)]
    df = store.events().sort_values("row_id")
    assert df["row_id"].str.split(":").str[1].tolist() == ["1", "2", "7"]
    by_line = df.set_index(df["row_id"].str.split(":").str[1])
    assert by_line.loc["2", "type"] == "ASSAULT"
    assert list(by_line.loc["2", "actor_codes"]) == ["UKR"]
    assert by_line.loc["7", "type"] == "PROTEST"
    assert list(by_line.loc["7", "target_codes"]) == ["SRB"]


def test_same_content_under_another_name_adds_nothing(tmp_path: Path, store: Store) -> None:
    lines = _gdelt_rows(tmp_path, 40)
    a, b = tmp_path / "a.csv", tmp_path / "copy-of-a.csv"
    a.write_text("\n".join(lines) + "\n", encoding="utf-8")
    b.write_bytes(a.read_bytes())
    assert import_dataset(a, "gdelt2", store).new_events == 40
    c = import_dataset(b, "gdelt2", store)
    assert (c.read, c.events, c.new_events) == (40, 40, 0)
    assert len(store.imports()) == 1 and store.counts()["events"] == 40


def test_many_bad_rows_are_all_quarantined_but_listed_briefly(tmp_path: Path, store: Store) -> None:
    lines = _gdelt_rows(tmp_path, 160)
    bad = ["\t".join(ln.split("\t")[:10]) for ln in lines[:150]]
    path = tmp_path / "mostly-bad.csv"
    path.write_text("\n".join(bad + lines[150:]) + "\n", encoding="utf-8")
    c = import_dataset(path, "gdelt2", store)
    assert (c.quarantined, c.events) == (150, 10)
    assert len(c.problems) == 101 and "50 more rows quarantined" in c.problems[-1]
    assert len(store.quarantine()) == 150


def test_cli_imports_count_tables_as_series_idempotently(tmp_path: Path) -> None:
    """`powderkeg import --format icews-dyad-year` stores series rows (not events); twice adds
    nothing new, and the quad columns become contract quad names."""
    from click.testing import CliRunner

    from powderkeg.cli import main

    csv = tmp_path / "dyads.csv"
    csv.write_text(
        "i_iso3c,j_iso3c,year,verbCoop,matlCoop,verbConf,matlConf\n"
        "SRB,XKX,2012,4,1,7,2\nRUS,UKR,2014,10,3,40,25\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "s.duckdb")
    args = ["import", "--format", "icews-dyad-year", str(csv), "--db", db, "--json"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["events"] == 0
    assert CliRunner().invoke(main, args).exit_code == 0
    with Store(db, read_only=True) as s:
        df = s.series(kind="icews-dyad-year")
    assert len(df) == 8
    row = df[df["series"] == "RUS->UKR:material_conflict"].iloc[0]
    assert pd.Timestamp(row["date"]).date() == dt.date(2014, 1, 1) and int(row["count"]) == 25
