"""`powderkeg trend` and `powderkeg alerts` over a small synthetic store, and the alert methods
on planted series: JSON/CSV shapes, plots, exit codes, one-line errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from powderkeg.cli import main
from powderkeg.ontology import load_ontology
from powderkeg.store import Store
from powderkeg.types import QUADS
from powderkeg.watch import PLOVER_TYPES, alerts, anomaly_scores, load_theatres, theatre_series

MONDAY = dt.date(2022, 1, 3)  # a Monday: week k is MONDAY + 7k .. +6
WEEKS = 21
SPIKE_WEEK = 20
SPIKE_EVENTS = 8
BORDER = "Serbian troops were deployed at the boundary with Kosovo near Jarinje."
SHELLING = "Russian shelling killed two soldiers near Avdiivka."


def synthetic_rows() -> pd.DataFrame:
    """Serbia-Kosovo: one border deployment a week, then SPIKE_EVENTS in the last week.
    Ukraine: two lethal attacks every week (flat), with fatalities and coordinates."""
    rows = []
    for k in range(WEEKS):
        day = MONDAY + dt.timedelta(days=7 * k + 2)
        for j in range(SPIKE_EVENTS if k == SPIKE_WEEK else 1):
            rows.append(
                dict(row_id=f"sk-{k}-{j}", type="MOBILIZE", actor_codes=["SRB"],
                     target_codes=["XKX"], date=day, sentence=f"{BORDER} ({k}.{j})",
                     place_name=None, country=None, lat=None, lon=None, fatalities=None)
            )  # fmt: skip
        for j in range(2):
            rows.append(
                dict(row_id=f"ua-{k}-{j}", type="ASSAULT", actor_codes=["RUS"],
                     target_codes=["UKR"], date=day + dt.timedelta(days=j), sentence=SHELLING,
                     place_name="Avdiivka", country="UKR", lat=48.14 + j / 100, lon=37.74,
                     fatalities=2)
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("watchcli") / "events.duckdb"
    with Store(path) as store:
        counts = store.import_table(synthetic_rows(), "synthetic", source="synthetic-test")
    assert counts.new_events == WEEKS * 3 + SPIKE_EVENTS - 1
    return path


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(r, code: int) -> str:
    assert r.exit_code == code, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.output
    return lines[0]


def test_trend_json_shape(db: Path) -> None:
    r = run("trend", "serbia-kosovo", "--db", db, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)  # exactly one JSON document
    assert out["theatre"] == "serbia-kosovo" and out["freq"] == "W"
    cols = out["columns"]
    assert cols[0] == "period"
    for c in ["n_events", *(f"type_{t}" for t in PLOVER_TYPES), *(f"quad_{q}" for q in QUADS),
              "mean_intensity", "fatalities", "material_conflict_share", "media_volume"]:  # fmt: skip
        assert c in cols, c
    assert not any(c.endswith("_norm") for c in cols)
    rows = out["rows"]
    assert len(rows) == WEEKS
    assert rows[0]["period"] == MONDAY.isoformat()
    assert [r["n_events"] for r in rows] == [1] * SPIKE_WEEK + [SPIKE_EVENTS]
    assert all(r["type_MOBILIZE"] == r["n_events"] for r in rows)
    assert all(r["media_volume"] == r["n_events"] + 2 for r in rows)  # all theatres
    # imported rows carry no quad or intensity: the ontology's for the type fill them
    onto = load_ontology()
    q = onto.quad("MOBILIZE")
    assert all(r[f"quad_{q}"] == r["n_events"] for r in rows)
    assert rows[0]["mean_intensity"] == pytest.approx(onto.intensity("MOBILIZE"))
    assert rows[0]["material_conflict_share"] == (1.0 if q == "material_conflict" else 0.0)

    ua = json.loads(run("trend", "ukraine", "--db", db, "--json", "--normalize").stdout)
    first = ua["rows"][0]
    assert first["fatalities"] == 4 and first["n_events"] == 2
    assert first["n_events_norm"] == pytest.approx(2 / 3)
    assert first["fatalities_norm"] == pytest.approx(4 / 3)


def test_trend_csv_freq_and_dates(db: Path) -> None:
    r = run("trend", "ukraine", "--db", db, "--csv", "--freq", "month")
    assert r.exit_code == 0, r.output
    table = list(csv.reader(io.StringIO(r.stdout)))
    header, body = table[0], table[1:]
    assert header[:2] == ["period", "n_events"] and "fatalities" in header
    months = pd.period_range(MONDAY, MONDAY + dt.timedelta(days=7 * SPIKE_WEEK + 3), freq="M")
    assert [row[0] for row in body] == [str(p.start_time.date()) for p in months]
    assert sum(int(row[1]) for row in body) == 2 * WEEKS

    since, until = (MONDAY + dt.timedelta(days=14)).isoformat(), (MONDAY + dt.timedelta(days=34)).isoformat()
    out = json.loads(run("trend", "ukraine", "--db", db, "--json", "--since", since, "--until", until).stdout)
    assert [r["period"] for r in out["rows"]][0] == since
    assert len(out["rows"]) == 3
    assert run("trend", "ukraine", "--db", db, "--json", "--csv").exit_code == 2


def test_trend_plots(db: Path, tmp_path: Path) -> None:
    png = tmp_path / "t.png"
    r = run("trend", "serbia-kosovo", "--db", db, "--plot", png)
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = tmp_path / "t.html"
    out = json.loads(run("trend", "ukraine", "--db", db, "--plot", page, "--json").stdout)
    assert out["plot"] == str(page)
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 2  # counts, then fatalities on their own scale
    assert "<script" not in text and "<link" not in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    err = one_line_error(run("trend", "ukraine", "--db", db, "--plot", tmp_path / "t.txt"), 2)
    assert ".png or .html" in err


def test_alerts_fire_on_planted_spike_only(db: Path) -> None:
    r = run("alerts", "--db", db, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["method"] == "zscore" and out["measure"] == "events"
    found = out["alerts"]
    assert found, "the planted Serbia-Kosovo spike must alert"
    spike = (MONDAY + dt.timedelta(days=7 * SPIKE_WEEK)).isoformat()
    assert {(a["theatre"], a["period"]) for a in found} == {("serbia-kosovo", spike)}
    dep = [a for a in found if a["indicator"] == "border_deployment"]
    assert dep and dep[0]["value"] == SPIKE_EVENTS
    assert len(dep[0]["events"]) == SPIKE_EVENTS
    assert all(e["sentence"].startswith(BORDER[:20]) for e in dep[0]["events"])
    assert len(dep[0]["sentences"]) == SPIKE_EVENTS
    # the flat Ukraine series, by events or by fatalities, raises nothing
    for extra in ([], ["--measure", "fatalities"], ["--method", "poisson"]):
        flat = json.loads(run("alerts", "--db", db, "--theatre", "ukraine", "--json", *extra).stdout)
        assert flat["alerts"] == [], extra
    # --since keeps reading the history before it
    late = json.loads(run("alerts", "--db", db, "--since", spike, "--json").stdout)
    assert [a["period"] for a in late["alerts"]] == [spike] * len(found)
    text = run("alerts", "--db", db, "--theatre", "serbia-kosovo")
    assert text.exit_code == 0 and "border_deployment" in text.stdout


def test_anomaly_methods_on_synthetic_series() -> None:
    rng = np.random.default_rng(7)
    flat = rng.poisson(4.0, 60).astype(float)
    spiked = flat.copy()
    spiked[50] = 25
    for method in ("zscore", "poisson"):
        _, s = anomaly_scores(spiked, method)
        assert s[50] >= 3, method
        _, s0 = anomaly_scores(np.full(60, 4.0), method)
        assert np.nanmax(s0) < 3, method
    deaths = rng.negative_binomial(1, 1 / 6, 60).astype(float)  # bursty, mean 5
    deaths[50] = 3000
    _, s = anomaly_scores(deaths, "logz")
    assert s[50] >= 3 and np.nanmax(np.delete(s, 50)) < 3


def test_one_sided_events_and_fatalities_measure() -> None:
    th = load_theatres()["serbia-kosovo"]
    df = pd.DataFrame(
        {"event_id": ["a", "b", "c"], "type": ["MOBILIZE", "MOBILIZE", "MOBILIZE"],
         "actor_codes": [[], [], ["SRB"]], "target_codes": [["SRB"], ["FRA"], []],
         "date": pd.to_datetime(["2022-12-27"] * 3), "sentence": ["x", "y", "z"]}
    )  # fmt: skip
    assert th.matches(df).tolist() == [True, False, True]
    series = theatre_series(df, th, freq="W")
    assert int(series["n_events"].iloc[0]) == 2
    with pytest.raises(Exception, match="poisson"):
        alerts(df, [th], freq="W", method="poisson", measure="fatalities")


def test_usage_errors_are_one_line(db: Path, tmp_path: Path) -> None:
    err = one_line_error(run("trend", "atlantis", "--db", db), 2)
    assert "atlantis" in err and "ukraine" in err
    one_line_error(run("alerts", "--db", db, "--theatre", "atlantis"), 2)
    err = one_line_error(run("trend", "ukraine", "--db", tmp_path / "none.duckdb"), 1)
    assert "none.duckdb" in err
    one_line_error(run("alerts", "--db", tmp_path / "none.duckdb"), 1)
    assert run("trend", "ukraine", "--db", db, "--since", "2022-13-01").exit_code == 2
    one_line_error(run("trend", "ukraine", "--db", db, "--since", "2022-03-01", "--until", "2022-01-01"), 2)


def test_help_ends_with_example() -> None:
    for name in ("trend", "alerts", "export"):
        r = run(name, "--help")
        assert r.exit_code == 0
        last = [ln for ln in r.output.splitlines() if ln.strip()]
        example = [ln for ln in last if ln.strip().startswith("Example: powderkeg ")]
        assert example and example[0].strip().startswith(f"Example: powderkeg {name} "), name


def test_demo_flags_the_planted_serbia_kosovo_week(tmp_path: Path) -> None:
    """The bundled demo's late-December 2022 Serbia-Kosovo build-up alerts, and the report shows
    the alert with its sentences, a trend figure per theatre and how to export."""
    from powderkeg import api

    result = api.demo(tmp_path / "demo")
    out = json.loads(run("alerts", "--db", result["db"], "--theatre", "serbia-kosovo",
                         "--since", "2022-12-19", "--until", "2023-01-08", "--json").stdout)  # fmt: skip
    weeks = {(a["period"], a["indicator"]) for a in out["alerts"]}
    assert ("2022-12-26", "border_deployment") in weeks, weeks
    report = Path(result["report"]).read_text(encoding="utf-8")
    assert "serbia-kosovo · border_deployment** in the week of 2022-12-26" in report
    assert "> Serbian troops remained deployed along the boundary" in report
    assert "![trend serbia-kosovo](trend-serbia-kosovo.png)" in report
    assert "## Exports" in report and "powderkeg export --db" in report
    # the link section: an honest verdict on the thin demo data, and the method check on
    # simulated streams recovers the link that was put into the second half only
    assert "## Links between theatres" in report and "Verdict: **insufficient data" in report
    assert "### Method check on simulated streams" in report
    for png in ("link-check-branching.png", "link-check-kernels.png", "link-check-rolling.png"):
        assert (Path(result["report"]).parent / png).stat().st_size > 1000
    m = re.search(r"A → B (\d\.\d+) in days 0–365, (\d\.\d+) in days", report)
    assert m and float(m.group(1)) < 0.1 and float(m.group(2)) > 0.2, m
