from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from powderkeg.errors import InputError
from powderkeg.store import EVENT_COLUMN_NAMES, Counts, Store, snapshot_path
from powderkeg.store.schema import DDL, EVENT_COLUMNS, SCHEMA_VERSION
from powderkeg.types import Actor, Document, Event, Place, Problem, Quantity, event_id_for

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _doc(text: str, coder: str, types: list[str], date: str = "2021-12-15") -> Document:
    doc = Document.from_text(text, "news/a.txt", title="A", date=date)
    doc.coder = coder
    for i, typ in enumerate(types):
        start, end = i * 10, i * 10 + 9
        doc.events.append(
            Event(
                id=event_id_for(doc.doc_id, start, end, typ),
                span=(start, end),
                sentence=doc.text[start:end],
                type=typ,
                actor=[Actor("Serbia", "SRB", "Serbia", "state")],
                target=[Actor("separatists", "UKR-DPR", "Donetsk separatists", "substate")],
                location=Place("Belgrade", "Belgrade", "SRB", 44.82, 20.46, "city"),
                date=date,
                date_precision="day",
                confidence=0.7,
            )
        )
    return doc


TEXT = "Serbia and Russia signed a deal in Belgrade on Tuesday. Kosovo protested the deal."


def test_counts_json_is_the_contract_shape() -> None:
    c = Counts(read=2, events=3, new_events=1, quarantined=1, problems=["a.txt: empty"])
    assert list(c.to_json()) == ["read", "events", "new_events", "quarantined", "problems"]
    assert (c + c).to_json()["events"] == 6


def test_add_documents_is_idempotent_and_quarantines_problems() -> None:
    with Store(":memory:") as store:
        doc = _doc(TEXT, "v1", ["AGREE", "PROTEST"])
        first = store.add_documents([doc, Problem("news/b.txt", "empty file")])
        assert first.to_json() == {
            "read": 1,
            "events": 2,
            "new_events": 2,
            "quarantined": 1,
            "problems": ["news/b.txt: empty file"],
        }
        again = store.add_documents([doc, Problem("news/b.txt", "empty file")])
        assert (again.read, again.events, again.new_events) == (1, 2, 0)
        assert store.counts()["events"] == 2
        assert len(store.quarantine()) == 1  # the same problem is kept once
        df = store.events()
        assert list(df.columns) == list(EVENT_COLUMN_NAMES)
        assert set(df["origin"]) == {"coded"} and set(df["coder"]) == {"v1"}
        assert store.document_text(doc.doc_id) == doc.text
        assert set(store.actors()["code"]) == {"SRB", "UKR-DPR"}
        assert store.places()["name"].tolist() == ["Belgrade"]


def test_recoding_replaces_the_documents_events() -> None:
    with Store(":memory:") as store:
        store.add_documents([_doc(TEXT, "v1", ["AGREE", "PROTEST"])])
        v2 = _doc(TEXT, "v2", ["AGREE", "ACCUSE", "THREATEN"])
        c = store.add_documents([v2])
        assert (c.events, c.new_events) == (3, 2)  # AGREE keeps its id, two are new
        df = store.events()
        assert sorted(df["type"]) == ["ACCUSE", "AGREE", "THREATEN"]
        assert set(df["coder"]) == {"v2"}
        assert df["event_id"].is_unique
        assert store.counts()["documents"] == 1


def test_events_filters() -> None:
    with Store(":memory:") as store:
        store.add_documents([_doc(TEXT, "v1", ["AGREE", "PROTEST"], date="2022-03-01")])
        other = _doc("Another text entirely.", "v1", ["ASSAULT"], date="2022-05-01")
        store.add_documents([other])
        assert len(store.events(theatre="SRB")) == 3
        assert len(store.events(theatre="UKR")) == 3  # UKR-DPR belongs to UKR
        assert len(store.events(theatre=["RUS"])) == 0
        assert len(store.events(countries=["SRB"], since="2022-04-01")) == 1
        assert len(store.events(until="2022-03-01")) == 2
        assert store.events(types=["assault"])["type"].tolist() == ["ASSAULT"]

        class Theatre:
            countries = ("XKX",)
            codes = ("UKR-DPR",)

        assert len(store.events(theatre=Theatre())) == 3
        assert len(store.events(codes=["UKR"])) == 3


def test_import_table_and_dedupe_small() -> None:
    rows = pd.DataFrame(
        {
            "row_id": ["a", "b", "c", "d"],
            "type": ["ASSAULT"] * 4,
            "actor_codes": [["RUS"], ["RUS"], ["RUS"], ["RUS"]],
            "target_codes": [["UKR"], [], ["UKR"], ["UKR"]],
            "lat": [48.0, 48.03, 48.0, 48.6],
            "lon": [37.8, 37.85, 37.8, 37.8],
            "country": ["UKR"] * 4,
            "date": pd.to_datetime(["2022-03-01", "2022-03-02", "2022-03-05", "2022-03-01"]),
        }
    )
    with Store(":memory:") as store:
        c = store.import_table(rows, "test", source="rows.csv")
        assert (c.read, c.new_events) == (4, 4)
        assert store.import_table(rows, "test", source="rows.csv").new_events == 0
        summary = store.dedupe()
        assert summary["clusters"] == 3
        df = store.events().set_index("row_id")
        assert df.loc["a", "cluster_id"] == df.loc["b", "cluster_id"]  # same event, 2 reports
        assert df.loc["a", "mentions"] == 2
        assert df.loc["c", "cluster_id"] != df.loc["a", "cluster_id"]  # 4 days later
        assert df.loc["d", "cluster_id"] != df.loc["a", "cluster_id"]  # 66 km away
        src = store.sources(df.loc["a", "cluster_id"])
        assert sorted(src["row_id"]) == ["a", "b"] and set(src["dataset"]) == {"test"}
        assert len(store.events(clusters=True)) == 3


def test_dedupe_precision_recall_on_500_events() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from bench_dedupe import run
    finally:
        sys.path.remove(str(BENCH))
    r = run(500, seed=3)
    assert r["precision"] >= 0.95, r
    assert r["recall"] >= 0.95, r


def test_coded_events_keep_their_quantities() -> None:
    doc = _doc(TEXT, "v1", ["MOBILIZE", "AGREE"])
    doc.events[0].quantities = [
        Quantity("40,000 troops", 40000, "troops"),
        Quantity("$1.5 billion", 1.5e9, "USD"),
    ]
    with Store(":memory:") as store:
        store.add_documents([doc])
        assert "quantities" not in store.events().columns  # the fixed columns by default
        df = store.events(quantities=True).set_index("type")
        assert list(df.columns)[-1] == "quantities"
        assert json.loads(df.loc["MOBILIZE", "quantities"]) == [
            {"text": "40,000 troops", "value": 40000, "unit": "troops"},
            {"text": "$1.5 billion", "value": 1500000000, "unit": "USD"},
        ]
        assert json.loads(df.loc["AGREE", "quantities"]) == []
        rows = pd.DataFrame({"row_id": ["r1"], "type": ["ASSAULT"]})
        store.import_table(rows, "test", source="rows.csv")
        qs = store.events(quantities=True, dataset="test")["quantities"]
        assert qs.isna().all()  # dataset rows carry no quantities


def _v1_database(path: Path) -> None:
    """A database as schema version 1 wrote it: the events table without ``quantities``."""
    con = duckdb.connect(str(path))
    v1_events = "CREATE TABLE events (" + ", ".join(f"{n} {t}" for n, t in EVENT_COLUMNS) + ")"
    for stmt in DDL:
        con.execute(v1_events if "CREATE TABLE IF NOT EXISTS events " in stmt else stmt)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute(
        "INSERT INTO events (event_id, origin, dataset, row_id, type) "
        "VALUES ('0123456789abcdef', 'dataset', 'old', 'r1', 'ASSAULT')"
    )
    con.close()


def test_older_database_is_migrated_on_open(tmp_path: Path) -> None:
    db = tmp_path / "v1.duckdb"
    _v1_database(db)
    with Store(db, read_only=True) as reader:  # a reader leaves the file as it is
        assert reader.events(quantities=True)["quantities"].isna().all()
    doc = _doc(TEXT, "v1", ["MOBILIZE"])
    doc.events[0].quantities = [Quantity("5,000 troops", 5000, "troops")]
    with Store(db, publish_snapshot=False) as store:  # a writer migrates it, keeping its rows
        store.add_documents([doc])
        df = store.events(quantities=True).set_index("row_id", drop=False)
        assert len(df) == 2 and df.loc["r1", "type"] == "ASSAULT"
        assert pd.isna(df.loc["r1", "quantities"])
        coded = df[df["origin"] == "coded"].iloc[0]
        assert json.loads(coded["quantities"])[0]["unit"] == "troops"
    con = duckdb.connect(str(db), read_only=True)
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        cols = [r[0] for r in con.execute("DESCRIBE events").fetchall()]
    finally:
        con.close()
    assert version == [(str(SCHEMA_VERSION),)]
    assert cols == [*EVENT_COLUMN_NAMES, "quantities"]


def test_bulk_import_into_an_empty_store_keeps_the_primary_key(tmp_path: Path) -> None:
    rows = pd.DataFrame({"row_id": ["a", "b", "a"], "type": ["ASSAULT", "PROTEST", "ASSAULT"]})
    db = tmp_path / "e.duckdb"
    with Store(db, publish_snapshot=False) as store:
        c = store.import_table(rows, "test", source="rows.csv")
        assert (c.events, c.new_events) == (3, 2)  # a repeated row id is stored once
        more = pd.DataFrame({"row_id": ["b", "c"], "type": ["PROTEST", "AID"]})
        assert store.import_table(more, "test", source="more.csv").new_events == 1
    with Store(db, publish_snapshot=False) as store:  # the key holds after reopening
        con = store.connection
        keys = con.execute(
            "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'events' "
            "AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()
        assert keys == [("PRIMARY KEY",)]
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "INSERT INTO events (event_id, origin) SELECT event_id, origin FROM events LIMIT 1"
            )
        assert sorted(store.events()["row_id"]) == ["a", "b", "c"]
        assert [r[0] for r in con.execute("DESCRIBE events").fetchall()][-1] == "quantities"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(InputError, match="newer"):
        Store(db)


def test_snapshot_published_on_close(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.add_documents([_doc(TEXT, "v1", ["AGREE"])])
    snap = snapshot_path(db)
    assert snap.exists()
    with Store(db, read_only=True, snapshot=True) as reader:
        assert reader.is_snapshot and len(reader.events()) == 1
        with pytest.raises(InputError):
            reader.add_documents([])


_WRITER = textwrap.dedent(
    """
    import sys, time
    from powderkeg.store import Store
    from powderkeg.types import Document, Event
    db = sys.argv[1]
    store = Store(db)
    doc = Document.from_text("A second text about a protest.", "b.txt", date="2022-01-01")
    doc.coder = "v1"
    doc.events = [Event(id="e2", span=(0, 5), sentence="A", type="PROTEST")]
    store.add_documents([doc])
    print("holding", flush=True)
    sys.stdin.readline()
    store.close()
    print("closed", flush=True)
    """
)


def test_reader_during_write(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with Store(db) as store:
        store.add_documents([_doc(TEXT, "v1", ["AGREE"])])
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "holding"
        # the writer holds the file: a reader gets the last published snapshot, at once
        t0 = time.perf_counter()
        with Store(db, read_only=True) as reader:
            assert reader.is_snapshot
            assert reader.events()["type"].tolist() == ["AGREE"]
        assert time.perf_counter() - t0 < 5
        # a second writer cannot get in while the first holds the file
        with pytest.raises(InputError, match=str(db.name)):
            Store(db, lock_timeout=0.2)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "closed"
    finally:
        proc.wait(timeout=30)
    with Store(db, read_only=True) as reader:  # writer gone: the live file, with its write
        assert not reader.is_snapshot
        assert sorted(reader.events()["type"]) == ["AGREE", "PROTEST"]
    with Store(db, read_only=True, snapshot=True) as reader:  # and the snapshot caught up
        assert sorted(reader.events()["type"]) == ["AGREE", "PROTEST"]


# --- crash safety: SIGKILL in the middle of an import, then rerun -----------------------

_IMPORTER = textwrap.dedent(
    """
    import sys, time
    from powderkeg.store import Store
    from powderkeg.read.datasets import import_dataset
    db, path, stop_at = sys.argv[1], sys.argv[2], sys.argv[3]
    def progress(stage, n):
        print(stage, flush=True)
        if stage == stop_at:
            time.sleep(60)  # the test kills us here
    store = Store(db, publish_snapshot=False)
    import_dataset(path, "gdelt2", store, progress=progress)
    store.close()
    print("finished", flush=True)
    """
)

N_ROWS = 100_000


@pytest.fixture(scope="module")
def gdelt_200k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(BENCH))
    try:
        from gen_gdelt2 import generate
    finally:
        sys.path.remove(str(BENCH))
    path = tmp_path_factory.mktemp("gdelt") / "g100k.csv"
    generate(path, N_ROWS, seed=11)
    return path


def _kill_during(db: Path, path: Path, stop_at: str | None, after: float | None) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _IMPORTER, str(db), str(path), stop_at or "-"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        if stop_at is not None:
            for line in proc.stdout:
                if line.strip() == stop_at:
                    break
            else:
                pytest.fail(f"import never reached {stop_at}")
        else:  # a timed kill, counted from the start of the import (not of the interpreter,
            # whose start-up time varies far more than the import's)
            for line in proc.stdout:
                if line.strip() == "begin":
                    break
            time.sleep(after or 0)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _state(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(  # type: ignore[return-value]
            con.execute(
                "SELECT (SELECT count(*) FROM events), (SELECT count(DISTINCT event_id) "
                "FROM events), (SELECT count(*) FROM imports)"
            ).fetchall()[0]
        )
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "stop_at, after, earlier",
    [
        ("read", None, 1),  # (and "staged": both before the import's transaction begins)
        ("inserted", None, 1),
        ("inserted", None, 0),  # into an empty store the primary key is rebuilt: killed here
        ("commit", None, 0),
        ("done", None, 1),
        (None, 0.05, 0),  # 50 ms into an import that takes ~0.3 s here
    ],
)
def test_sigkill_mid_import_then_rerun(
    tmp_path: Path, gdelt_200k: Path, stop_at: str | None, after: float | None, earlier: int
) -> None:
    db = tmp_path / "k.duckdb"
    with Store(db, publish_snapshot=False) as store:  # a database with earlier content, or none
        if earlier:
            store.add_documents([_doc(TEXT, "v1", ["AGREE"])])
    _kill_during(db, gdelt_200k, stop_at, after)
    events, distinct, imports = _state(db)  # consistent: before or after the import
    assert events == distinct
    assert (events, imports) in ((earlier, 0), (N_ROWS + earlier, 1))
    if stop_at in ("read", "staged", "inserted", "commit"):
        assert (events, imports) == (earlier, 0)
    from powderkeg.read.datasets import import_dataset

    with Store(db, publish_snapshot=False) as store:
        c = import_dataset(gdelt_200k, "gdelt2", store)
        assert c.events == N_ROWS
        assert c.new_events == (0 if imports else N_ROWS)
    assert _state(db) == (N_ROWS + earlier, N_ROWS + earlier, 1)
    with Store(db, read_only=True) as reader:
        assert reader.counts()["by_dataset"] == {"gdelt2": N_ROWS} | (
            {"coded": 1} if earlier else {}
        )
        assert json.dumps(reader.counts())  # serialisable
    con = duckdb.connect(str(db))  # the primary key survived the crash and the rerun
    try:
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO events SELECT * FROM events LIMIT 1")
    finally:
        con.close()
