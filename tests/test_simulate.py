"""`powderkeg simulate`: properties of the Monte Carlo that can fail, the contract's JSON, what-ifs,
determinism across processes and Dask, from-store starts, and bad scenario files."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from powderkeg import api
from powderkeg.cli import main
from powderkeg.errors import InputError, UsageError
from powderkeg.simulate import list_scenarios, load, simulate
from powderkeg.simulate import run as simrun

SHIPPED = next(p for p in list_scenarios() if p.stem == "ukraine-balkans-2021")
CONTRACT_KEYS = {"runs", "seed", "seconds", "outcomes", "parameters", "paths", "sensitivity"}


def _chain(p: float) -> list[list[float]]:
    """Weekly chain: from peace, jump to use of force with probability p; nothing else moves."""
    rows = [[1.0 - p, 0.0, 0.0, p, 0.0]]
    for k in range(1, 5):
        rows.append([1.0 if j == k else 0.0 for j in range(5)])
    return rows


def tiny(tmp_path: Path, **over: object) -> Path:
    sc: dict = {
        "name": "tiny",
        "steps": 20,
        "actors": {"A": {"capacity": 1.0}, "B": {}, "G": {"capacity": 1.0}},
        "theatres": {"t1": {"aggressor": "A", "defender": "B"}},
        "transition": {"weekly": _chain(0.03)},
    }
    sc.update(over)
    p = tmp_path / "tiny.yaml"
    p.write_text(json.dumps(sc), encoding="utf-8")  # JSON is YAML, and fast to write
    return p


def strip(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "seconds"}


# ------------------------------------------------------------------ properties


def test_contract_shape_and_probabilities_in_unit_interval() -> None:
    r = simulate(SHIPPED, runs=3000, seed=3)
    assert set(r) == CONTRACT_KEYS
    assert r["runs"] == 3000 and r["seed"] == 3
    for name, o in r["outcomes"].items():
        assert 0.0 <= o["ci"][0] <= o["p"] <= o["ci"][1] <= 1.0, name
    assert "nato_strong_response_ukraine" in r["outcomes"] and "war:serbia-kosovo" in r["outcomes"]
    for path, info in r["parameters"].items():
        assert set(info) == {"value", "source"}, path
        assert info["source"].split(":")[0] in {"analyst", "calibration", "default of the schema"}, path
    assert r["parameters"]["transition.weekly"]["source"].startswith("calibration")
    for outcome, paths in r["paths"].items():
        assert outcome in r["outcomes"]
        assert all(isinstance(p, list) and all(isinstance(s, str) for s in p) for p in paths)
    eff = r["sensitivity"]["nato_strong_response_ukraine"]
    assert eff["events.nato_strong_response_ukraine.probability"] > 0


def test_interval_width_shrinks_like_one_over_sqrt_n(tmp_path: Path) -> None:
    p = tiny(tmp_path)
    w = []
    for n in (1000, 16000):
        o = simulate(p, runs=n, seed=1, with_sensitivity=False)["outcomes"]["force:t1"]
        w.append(o["ci"][1] - o["ci"][0])
    assert 3.2 < w[0] / w[1] < 4.8  # sqrt(16) = 4


def test_constant_hazard_matches_closed_form(tmp_path: Path) -> None:
    p, steps, n = 0.03, 20, 40000
    r = simulate(tiny(tmp_path), runs=n, seed=5, with_sensitivity=False)
    exact = 1 - (1 - p) ** steps
    got = r["outcomes"]["force:t1"]["p"]
    assert abs(got - exact) < 4 * math.sqrt(exact * (1 - exact) / n)
    # the closed form is not matched by a wrong horizon
    assert abs(got - (1 - (1 - p) ** (steps - 2))) > 4 * math.sqrt(exact * (1 - exact) / n)


def test_higher_alliance_reliability_never_makes_attack_on_member_likelier() -> None:
    ps = []
    for rel in (0.1, 0.5, 1.0):
        r = simulate(SHIPPED, runs=20000, seed=11, sets=[f"commitments.article5.reliability={rel}",
                     "commitments.article5.deterrence=3.0"], with_sensitivity=False)  # fmt: skip
        ps.append(r["outcomes"]["force:serbia-albania"]["p"])
    se = math.sqrt(0.1 * 0.9 / 20000)
    assert ps[1] <= ps[0] + 2 * se and ps[2] <= ps[1] + 2 * se
    assert ps[2] < ps[0]  # and the effect is there at all


def test_closing_a_front_and_removing_a_patron(tmp_path: Path) -> None:
    base = simulate(SHIPPED, runs=5000, seed=2, with_sensitivity=False)["outcomes"]
    closed = simulate(SHIPPED, runs=5000, seed=2, sets=["theatres.serbia-kosovo.closed=true"], with_sensitivity=False)
    assert closed["outcomes"]["force:serbia-kosovo"]["p"] == 0.0
    assert closed["parameters"]["theatres.serbia-kosovo.closed"]["source"].startswith("--set")
    nopatron = simulate(SHIPPED, runs=20000, seed=2, sets=["patrons.rus_srb.enabled=false"], with_sensitivity=False)
    withp = simulate(SHIPPED, runs=20000, seed=2, with_sensitivity=False)
    assert nopatron["outcomes"]["force:serbia-kosovo"]["p"] < withp["outcomes"]["force:serbia-kosovo"]["p"]
    assert base["force:serbia-kosovo"]["p"] > 0


def test_kosovo_crisis_lowers_strong_nato_response_in_ukraine() -> None:
    from powderkeg.simulate import compare

    sc, _ = load(SHIPPED)
    c = compare(SHIPPED, "nato_strong_response_ukraine", sc.whatif["no_kosovo_crisis"], sc.whatif["kosovo_crisis"], runs=20000, seed=4)
    assert c["ci"][0] <= c["difference"] <= c["ci"][1]
    assert c["ci"][1] < 0


# ------------------------------------------------------------------ determinism


def test_same_seed_same_output_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simrun, "CHUNK", 700)
    a = simulate(SHIPPED, runs=2500, seed=9)
    b = simulate(SHIPPED, runs=2500, seed=9)
    c = simulate(SHIPPED, runs=2500, seed=10, with_sensitivity=False)
    assert strip(a) == strip(b)
    assert a["outcomes"] != c["outcomes"]


def test_same_output_across_worker_processes_and_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simrun, "CHUNK", 1000)
    one = simulate(SHIPPED, runs=4500, seed=9, with_sensitivity=False)
    two = simulate(SHIPPED, runs=4500, seed=9, workers=2, with_sensitivity=False)
    assert strip(one) == strip(two)
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cl:
        viadask = simulate(SHIPPED, runs=4500, seed=9, dask=cl.scheduler_address, with_sensitivity=False)
    assert strip(one) == strip(viadask)


# ------------------------------------------------------------------ from the store


def test_from_store_sets_start_rungs_with_store_source(tmp_path: Path) -> None:
    from powderkeg.store import Store

    rows, day0 = [], dt.date(2022, 1, 3)
    for k in range(12):
        day = day0 + dt.timedelta(days=7 * k + 2)
        rows.append(dict(row_id=f"sk-{k}", type="MOBILIZE", actor_codes=["SRB"], target_codes=["XKX"], date=day,
                         sentence="Serbian troops were deployed at the boundary with Kosovo near Jarinje.",
                         place_name=None, country=None, lat=None, lon=None, fatalities=None))  # fmt: skip
        rows.append(dict(row_id=f"ua-{k}", type="ASSAULT", actor_codes=["RUS"], target_codes=["UKR"], date=day,
                         sentence="Russian shelling killed two soldiers near Avdiivka.", place_name="Avdiivka",
                         country="UKR", lat=48.14, lon=37.74, fatalities=2))  # fmt: skip
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.import_table(pd.DataFrame(rows), "synthetic", source="synthetic-test")
    r = simulate(SHIPPED, runs=2000, seed=1, from_store=str(db), with_sensitivity=False)
    assert r["parameters"]["theatres.ukraine.start"]["value"] == 3
    assert r["parameters"]["theatres.serbia-kosovo.start"]["value"] == 2
    assert r["parameters"]["theatres.ukraine.start"]["source"].startswith("store:")
    assert r["outcomes"]["force:ukraine"]["p"] == 1.0


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "over, field",
    [
        ({"theatres": {"t1": {"aggressor": "ZZZ", "defender": "B"}}}, "theatres.t1.aggressor: unknown actor 'ZZZ'"),
        ({"excitation": [{"from": "t1", "to": "nowhere", "weight": 0.2}]}, "excitation.0.to: unknown theatre 'nowhere'"),
        ({"events": {"e": {"actor": "A", "trigger": {"any": [{"theatre": "t1"}]}, "probability": 1.5}}}, "events.e.probability"),
        ({"theatres": {"t1": {"aggressor": "A", "defender": "B", "start": 7}}}, "theatres.t1.start"),
        ({"transition": {"weekly": [[0.5, 0.5]]}}, "transition.weekly"),
        ({"events": {"x": {"actor": "A", "trigger": {"any": [{"event": "y"}]}, "probability": 0.5},
                     "y": {"actor": "A", "trigger": {"any": [{"event": "x"}]}, "probability": 0.5}}}, "cycle in triggers"),
        ({"events": {"x": {"actor": "A", "trigger": {"any": [{"theatre": "t9"}]}, "probability": 0.5}}}, "events.x.trigger.any.0.theatre: unknown theatre"),
        ({"surprise": 1}, "surprise"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_the_field(tmp_path: Path, over: dict, field: str) -> None:
    with pytest.raises(InputError) as e:
        simulate(tiny(tmp_path, **over), runs=10, seed=1, with_sensitivity=False)
    assert field in str(e.value)


def test_ten_thousand_actors_run_and_a_huge_file_is_refused(tmp_path: Path) -> None:
    actors = {f"X{i}": {} for i in range(10_000)} | {"A": {}, "B": {}, "G": {}}
    r = simulate(tiny(tmp_path, actors=actors), runs=500, seed=1, with_sensitivity=False)
    assert r["outcomes"]["force:t1"]["p"] > 0  # only actors that play a part are compiled
    huge = {f"X{i}": {} for i in range(60_000)}
    with pytest.raises(InputError, match="actors: 60000 actors"):
        simulate(tiny(tmp_path, actors=huge), runs=10, seed=1)


def test_unknown_set_path_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="commitments.article5.reliablity does not exist"):
        simulate(SHIPPED, runs=10, seed=1, sets=["commitments.article5.reliablity=0.2"])
    with pytest.raises(InputError, match="commitments.article5.reliability"):
        simulate(SHIPPED, runs=10, seed=1, sets=["commitments.article5.reliability=1.7"])


# ------------------------------------------------------------------ CLI


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_json_is_one_contract_document() -> None:
    r = run("simulate", "ukraine-balkans-2021", "--runs", "1500", "--seed", "7", "--json", "--set", "theatres.bosnia.closed=true")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) == CONTRACT_KEYS
    assert doc["outcomes"]["force:bosnia"]["p"] == 0.0
    again = json.loads(run("simulate", str(SHIPPED), "--runs", "1500", "--seed", "7", "--json", "--set", "theatres.bosnia.closed=true").stdout)
    assert strip(doc) == strip(again)
    assert strip(doc) == strip(api.simulate(SHIPPED, runs=1500, seed=7, sets=["theatres.bosnia.closed=true"]))


def test_cli_text_and_errors(tmp_path: Path) -> None:
    r = run("simulate", "ukraine-balkans-2021", "--runs", "1000", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "nato_strong_response_ukraine" in r.stdout and "95% interval" in r.stdout
    assert "commonest paths to war" in r.stdout
    bad = run("simulate", "ukraine-balkans-2021", "--runs", "10", "--seed", "1", "--set", "nope.x=1")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1 and "nope" in bad.stderr
    missing = run("simulate", str(tmp_path / "none.yaml"), "--runs", "10", "--seed", "1")
    assert missing.exit_code == 1 and "no such scenario" in missing.stderr
    t = tiny(tmp_path, theatres={"t1": {"aggressor": "A", "defender": "Q"}})
    badref = run("simulate", str(t), "--runs", "10", "--seed", "1")
    assert badref.exit_code == 1 and "theatres.t1.defender: unknown actor 'Q'" in badref.stderr
    h = run("simulate", "--help")
    assert any(ln.strip().startswith("Example: powderkeg simulate ") for ln in h.output.splitlines())


def test_list_scenarios_and_every_parameter_has_a_source() -> None:
    assert SHIPPED in list_scenarios()
    sc, sources = load(SHIPPED)
    assert {"kfor", "article5"} <= set(sc.commitments) and "nord_stream_2" in sc.sanctions
    assert {"nis_centre", "agents_north_kosovo"} <= set(sc.presence) and "chapter35" in sc.leverage
    assert any(x.source == "serbia-kosovo" and x.to == "georgia" for x in sc.excitation)  # Kosovo precedent
    text = SHIPPED.read_text(encoding="utf-8")
    for key in ("reliability: 0.9", "probability: 0.9", "dependence: 0.4"):
        line = next(ln for ln in text.splitlines() if key in ln)
        assert "#" in line or key == "dependence: 0.4"
    assert np.isclose(np.array(sc.transition.weekly).sum(axis=1), 1).all()


def test_report_section_has_table_paths_whatif_and_tornados(tmp_path: Path) -> None:
    from powderkeg.simulate.report import simulation_section

    md = "\n".join(simulation_section(tmp_path, runs=2000, seed=1))
    assert "| nato_strong_response_ukraine |" in md and "Commonest paths to war" in md
    assert "What-if: a concurrent Kosovo crisis" in md and "Difference" in md
    pngs = sorted(p.name for p in tmp_path.glob("tornado-*.png"))
    assert pngs == ["tornado-nato_strong_response_ukraine.png", "tornado-war-serbia-kosovo.png", "tornado-war-ukraine.png"]
    assert all((tmp_path / p).stat().st_size > 5000 for p in pngs)
