"""The command line as a user meets it: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from powderkeg.cli import main

ARTICLE = (
    "Russia masses troops near Ukraine\n\n"
    "More than 100,000 Russian troops have massed on Ukraine's eastern border, officials said. "
    "The EU warned Moscow that it would impose sanctions if Russia attacked Ukraine.\n"
)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_code_json_matches_contract(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = run("code", str(f), "--date", "2021-12-15", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert list(out) == ["documents"]
    doc = out["documents"][0]
    assert list(doc) == [
        "doc_id", "source", "title", "date", "coder", "events", "actors", "places", "quantities", "problems",
    ]  # fmt: skip
    assert doc["date"] == "2021-12-15"
    assert any(e["type"] == "MOBILIZE" for e in doc["events"])


def test_brief_keeps_hypotheticals_apart(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = run("brief", str(f), "--date", "2021-12-15")
    assert r.exit_code == 0, r.output
    text = r.stdout
    assert "## Actors" in text and "RUS" in text
    assert "## What happened" in text
    assert "## What may happen (hypothetical)" in text
    assert text.index("What happened") < text.index("What may happen")


def test_bad_date_is_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = CliRunner().invoke(main, ["code", str(f), "--date", "15/12/2021"])
    assert r.exit_code == 2
    assert "YYYY-MM-DD" in r.output


def test_single_unusable_input_exits_1_with_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = CliRunner().invoke(main, ["code", str(empty)])
    assert r.exit_code == 1
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "empty.txt" in lines[0]
    assert "Traceback" not in r.output


def test_invalid_utf8_names_the_flag(tmp_path: Path) -> None:
    bad = tmp_path / "latin.txt"
    bad.write_bytes("Belgrade and Pristina held talks. Caf\xe9".encode("latin-1"))
    r = CliRunner().invoke(main, ["code", str(bad)])
    assert r.exit_code == 1
    assert "--encoding" in r.stderr
    r = CliRunner().invoke(main, ["code", str(bad), "--encoding", "latin-1", "--json"])
    assert r.exit_code == 0


def test_batch_keeps_good_items_and_quarantines_bad(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    db = tmp_path / "x.duckdb"
    r = CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", str(db), "--json"])
    assert r.exit_code == 0, r.output
    counts = json.loads(r.stdout)
    assert counts["quarantined"] == 2
    assert counts["events"] > 0
    assert len(counts["problems"]) == 2
    again = json.loads(CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", str(db), "--json"]).stdout)
    assert again["new_events"] == 0


def test_every_command_help_ends_with_example() -> None:
    for name, _cmd in main.commands.items():
        r = run(name, "--help")
        assert r.exit_code == 0
        assert "Example: powderkeg" in r.output, name


def test_link_from_csv_and_usage_errors(tmp_path: Path) -> None:
    import pandas as pd

    from powderkeg.link import simulate_hawkes

    ev = simulate_hawkes([0.3, 0.2], [[0.3, 0.0], [0.4, 0.2]], 1.0, 1500, seed=3)
    rows = [(t, f"s{i}") for i, a in enumerate(ev) for t in a]
    csv = tmp_path / "streams.csv"
    pd.DataFrame(rows, columns=["time", "stream"]).to_csv(csv, index=False)
    r = run("link", "--events", str(csv), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["verdict"] == "ok"
    assert out["streams"] == ["s0", "s1"]
    assert out["branching"][1][0] > out["branching"][0][1]  # s0 excites s1, not the reverse
    assert CliRunner().invoke(main, ["link"]).exit_code == 2
    assert CliRunner().invoke(main, ["link", "--db", "x.duckdb", "--theatres", "nowhere,ukraine"]).exit_code == 2
