"""Streaming, resumable ingest and Dask ingest (issue 9 item, issue 14), on a small corpus."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from powderkeg import api
from powderkeg.read import read_documents
from powderkeg.store import Store
from powderkeg.types import Document, Problem

ARTICLES = Path(__file__).resolve().parents[1] / "src/powderkeg/demo_data/articles.jsonl"


@pytest.fixture(scope="module")
def coder() -> Any:
    from powderkeg.coder import Coder

    return Coder(workers=1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 sample articles plus one bad line (quarantined) as JSON Lines."""
    lines = ARTICLES.read_text(encoding="utf-8").splitlines()[:12]
    path = tmp_path_factory.mktemp("corpus") / "news.jsonl"
    path.write_text(
        "\n".join([*lines[:6], '{"title": "no text"}', *lines[6:]]) + "\n", encoding="utf-8"
    )
    return path


def stored_events(db: Path) -> pd.DataFrame:
    with Store(db, read_only=True) as s:
        ev = s.events(quantities=True)
    return ev.drop(columns=["ingested_at"]).sort_values("event_id").reset_index(drop=True)


def stored_docs(db: Path) -> pd.DataFrame:
    with Store(db, read_only=True) as s:
        d = s.documents()
    return d.drop(columns=["ingested_at"]).sort_values("doc_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def local_db(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, coder: Any
) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("local") / "local.duckdb"
    counts = api.ingest([corpus], db=db, coder=coder, batch_size=5)
    return db, counts.to_json()


class RecordingCoder:
    """A real Coder that records which documents it was asked to code."""

    def __init__(self, coder: Any) -> None:
        self.coder = coder
        self.version = coder.version
        self.coded: list[str] = []

    def code_documents(self, docs: Iterable[Document]) -> Iterator[Document]:
        for d in docs:
            self.coded.append(d.doc_id)
            yield from self.coder.code_documents([d])


class Interrupt(Exception):
    pass


def test_local_ingest_counts(local_db: tuple[Path, dict[str, Any]]) -> None:
    db, counts = local_db
    assert counts["read"] == 13 and counts["quarantined"] == 1
    assert counts["events"] > 0 and counts["new_events"] == counts["events"]
    assert len(stored_docs(db)) == 12
    assert len(stored_events(db)) == counts["events"]


def test_interrupted_local_ingest_resumes_without_recoding(
    tmp_path: Path, corpus: Path, coder: Any, local_db: tuple[Path, dict[str, Any]]
) -> None:
    db = tmp_path / "resume.duckdb"
    done: list[int] = []

    def stop_after_two_batches(n: int) -> None:
        done.append(n)
        if len(done) == 2:
            raise Interrupt

    first = RecordingCoder(coder)
    with pytest.raises(Interrupt):
        api.ingest([corpus], db=db, coder=first, batch_size=5, progress=stop_after_two_batches)
    kept = set(stored_docs(db)["doc_id"])
    assert len(kept) == 9  # two committed batches: 10 items, one of them the bad line
    second = RecordingCoder(coder)
    counts = api.ingest([corpus], db=db, coder=second, batch_size=5).to_json()
    assert not kept & set(second.coded), "stored documents were coded again"
    assert len(second.coded) == 3
    ref_db, ref_counts = local_db
    assert counts["read"] == ref_counts["read"] and counts["events"] == ref_counts["events"]
    pd.testing.assert_frame_equal(stored_events(db), stored_events(ref_db))
    pd.testing.assert_frame_equal(stored_docs(db), stored_docs(ref_db))
    again = RecordingCoder(coder)
    counts = api.ingest([corpus], db=db, coder=again, batch_size=5).to_json()
    assert (
        again.coded == [] and counts["new_events"] == 0 and counts["events"] == ref_counts["events"]
    )


def test_partition_round_trip_is_exact(coder: Any) -> None:
    from powderkeg.scale.parts import documents_to_table, table_to_documents

    docs = [d for d in read_documents([str(ARTICLES)]) if isinstance(d, Document)][:4]
    coded = list(coder.code_documents(docs))
    assert sum(len(d.events) for d in coded) > 0
    assert table_to_documents(documents_to_table(coded)) == coded


def test_parquet_documents(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "docs.parquet"
    table = pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "date": [dt.date(2021, 12, 15), None, dt.date(2022, 1, 2), None],
            "url": ["https://x.test/a", None, None, None],
            "title": ["Troops massed", None, "T", None],
            "text": [
                "Russia massed troops on the border with Ukraine.",
                None,
                "  ",
                "Serbia put its army on alert.",
            ],
        }
    )
    pq.write_table(table, path)
    items = list(read_documents([str(path)]))
    docs = [i for i in items if isinstance(i, Document)]
    probs = [i for i in items if isinstance(i, Problem)]
    assert [d.source for d in docs] == ["https://x.test/a", f"{path}#d"]
    assert docs[0].date == "2021-12-15" and docs[0].title == "Troops massed"
    assert sorted(p.line for p in probs if p.line) == [2, 3]
    no_text = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"body": ["x"]}), no_text)
    (p,) = list(read_documents([str(no_text)]))
    assert isinstance(p, Problem) and '"text" column' in p.reason


def _dask_ingest(corpus: Path, db: Path, cluster: Any, **kw: Any) -> dict[str, Any]:
    from distributed import Client

    from powderkeg.scale.distributed import ingest_distributed
    from powderkeg.scale.parts import stage_dir_for

    with Client(cluster) as client, Store(db) as store:
        counts = ingest_distributed(
            read_documents([str(corpus)]), store, client, stage=stage_dir_for(db), **kw
        )
    return counts.to_json()


def test_dask_ingest_same_events_as_local(
    tmp_path: Path, corpus: Path, coder: Any, local_db: tuple[Path, dict[str, Any]]
) -> None:
    from distributed import LocalCluster

    from powderkeg.scale.parts import stage_dir_for, to_parquet_bytes, write_part

    db = tmp_path / "dask.duckdb"
    # a partition an interrupted job left staged: loaded without coding
    first = [d for d in read_documents([str(corpus)]) if isinstance(d, Document)][:2]
    write_part(
        stage_dir_for(db), "part-left-over.parquet", to_parquet_bytes(coder.code_documents(first))
    )
    seen: list[int] = []
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        counts = _dask_ingest(corpus, db, cluster, partition_size=3, progress=seen.append)
    ref_db, ref_counts = local_db
    assert counts == ref_counts
    pd.testing.assert_frame_equal(stored_events(db), stored_events(ref_db))
    pd.testing.assert_frame_equal(stored_docs(db), stored_docs(ref_db))
    assert sum(seen) == 13
    assert list(stage_dir_for(db).glob("*")) == []


@pytest.mark.slow
def test_worker_killed_mid_job_loses_and_duplicates_nothing(tmp_path: Path, corpus: Path) -> None:
    """SIGKILL one of two worker processes while partitions are being coded.

    The coder runs without its statistical models here (``use_models=False``, on the workers and
    for the local reference alike) so that the three worker starts stay fast; the models play no
    part in what is tested: that every partition is stored once.
    """
    from distributed import Client, LocalCluster

    from powderkeg.coder import Coder

    ref_db = tmp_path / "ref.duckdb"
    ref_counts = api.ingest([corpus], db=ref_db, coder=Coder(workers=1, use_models=False)).to_json()
    db = tmp_path / "fault.duckdb"
    killed: list[tuple[int, int]] = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as watcher,
    ):

        def kill_one_worker(n: int) -> None:
            if killed:
                return
            processing = watcher.processing()
            pids = watcher.run(os.getpid)
            busy = [a for a, tasks in processing.items() if tasks]
            assert busy, "no worker was busy: the kill would not interrupt a partition"
            killed.append((pids[busy[0]], len(processing[busy[0]])))
            os.kill(pids[busy[0]], signal.SIGKILL)

        counts = _dask_ingest(
            corpus, db, cluster, partition_size=2, progress=kill_one_worker,
            coder_options={"use_models": False},
        )  # fmt: skip
    assert killed and killed[0][1] >= 1
    assert counts["read"] == ref_counts["read"] and counts["events"] == ref_counts["events"]
    assert counts["new_events"] == ref_counts["new_events"]
    ev = stored_events(db)
    assert ev["event_id"].is_unique
    pd.testing.assert_frame_equal(ev, stored_events(ref_db))


def test_cli_ingest_options(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from powderkeg.cli import main

    r = CliRunner().invoke(
        main,
        [
            "ingest",
            "x.jsonl",
            "--db",
            str(tmp_path / "d.duckdb"),
            "--workers",
            "1",
            "--dask",
            "tcp://127.0.0.1:1",
        ],
    )
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(main, ["ingest", "--help"])
    assert "--dask ADDRESS" in r.output and "--batch-size" in r.output


def test_synthetic_corpus_generator_is_deterministic(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import gen_corpus
    finally:
        sys.path.pop(0)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.parquet"
    gen_corpus.write(a, 300, seed=3)
    gen_corpus.write(b, 300, seed=3)
    rows = [json.loads(x) for x in a.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 300 and len({r["text"] for r in rows}) == 300
    assert pq.read_table(b).to_pylist() == rows
    assert a.read_bytes() == (
        gen_corpus.write(tmp_path / "c.jsonl", 300, seed=3) and (tmp_path / "c.jsonl").read_bytes()
    )


def test_folder_holding_the_store_is_not_read_as_input(tmp_path: Path, coder: Any) -> None:
    (tmp_path / "a.txt").write_text(
        "Serbia put its army on high alert on Monday.", encoding="utf-8"
    )
    db = tmp_path / "in-folder.duckdb"
    for _ in range(2):
        counts = api.ingest([tmp_path], db=db, coder=coder).to_json()
        assert counts["read"] == 1 and counts["quarantined"] == 0, counts
