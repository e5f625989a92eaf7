"""forecast stage: models, the no-future guarantee, backtest JSON, bad input, CLI and API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from powderkeg import api
from powderkeg.cli import main
from powderkeg.errors import InputError
from powderkeg.forecast import Bootstrap, NBAutoregression, PoissonLast, panel_from_frame
from powderkeg.forecast.backtest import forecast_at
from powderkeg.forecast.hawkes import HawkesCountForecaster, simulate_forward
from powderkeg.forecast.models import Blend
from powderkeg.store import Store


def nb_ar(n: int, *, b0: float = 0.8, b1: float = 0.6, alpha: float = 0.3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = [3.0]
    for _ in range(n - 1):
        mu = np.exp(b0 + b1 * np.log1p(y[-1]))
        r = 1 / alpha
        y.append(float(rng.negative_binomial(r, r / (r + mu))))
    return np.array(y)


def monthly_csv(path: Path, series: dict[str, np.ndarray], start: str = "2016-01") -> Path:
    rows = []
    for name, ys in series.items():
        for p, v in zip(pd.period_range(start, periods=len(ys), freq="M"), ys, strict=True):
            rows.append({"date": p.start_time.date().isoformat(), "series": name, "count": int(v)})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fc")
    return monthly_csv(d / "counts.csv", {"a": nb_ar(60, seed=1), "b": nb_ar(60, b0=1.2, seed=2),
                                          "zeros": np.zeros(60)})  # fmt: skip


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


# ---------------------------------------------------------------------------------------------- models
def test_baselines_follow_their_definition() -> None:
    hist = pd.DataFrame({"x": [1.0, 2, 3, 40], "y": [0.0, 0, 0, 0]})
    pl = PoissonLast(n_samples=4000, seed=1).fit(hist).predict(3)
    assert pl.shape == (2, 3, 4000)
    assert abs(pl[0].mean() - 40) < 1 and pl[1].max() == 0
    bs = Bootstrap(window=2, n_samples=500, seed=1).fit(hist).predict(2)
    assert set(np.unique(bs[0])) == {3.0, 40.0}


def test_nbar_recovers_coefficients_and_is_seeded() -> None:
    y = nb_ar(600, b0=0.8, b1=0.6, alpha=0.3, seed=3)
    m = NBAutoregression(lags=(1,), level=0, n_samples=200, seed=5).fit(pd.DataFrame({"s": y}))
    assert abs(m.params_["log1p_lag1"] - 0.6) < 0.1
    assert abs(m.alpha_ - 0.3) < 0.1
    a, b = m.predict(4), m.predict(4)
    assert a.shape == (1, 4, 200) and np.array_equal(a, b)
    assert m.score(pd.DataFrame({"s": [5.0, 6.0]})) < 0


def test_nbar_cross_series_feature_is_used() -> None:
    rng = np.random.default_rng(0)
    lead = rng.poisson(np.exp(rng.uniform(0, 4, 300))).astype(float)
    follow = rng.poisson(np.exp(0.2 + 0.5 * np.log1p(np.r_[0.0, lead[:-1]])))
    hist = pd.DataFrame({"lead": lead, "follow": follow.astype(float)})
    m = NBAutoregression(lags=(1,), level=0, cross=["lead"], pooled=False, n_samples=100).fit(hist)
    assert "log1p_lead_lag1" in m.params_.index
    assert not m.pooled_[1] and abs(m.series_params_.loc["follow", "log1p_lead_lag1"] - 0.5) < 0.15


def test_quiet_series_stay_quiet_and_active_ones_do_not_explode() -> None:
    """Many all-zero series pooled with a few active ones: the quiet ones are forecast from the
    onset distribution (near zero), the active ones keep their level (no explosive lag term)."""
    hist = pd.DataFrame({f"quiet{i}": np.zeros(80) for i in range(8)})
    for i in range(2):
        hist[f"active{i}"] = nb_ar(80, seed=20 + i)
    for pooled in (True, False):
        m = NBAutoregression(pooled=pooled, n_samples=400, seed=1).fit(hist)
        out = m.predict(6)
        assert out[:8].max() == 0  # no onset ever seen in the history
        active_mean = out[8:].mean(axis=(1, 2))
        assert np.all(active_mean < 3 * hist.iloc[:, 8:].mean().to_numpy() + 5)
    blend = Blend(n_samples=400, seed=1).fit(hist)
    assert blend.predict(2).shape == (10, 2, 400)


def test_hawkes_forward_simulation() -> None:
    rng = np.random.default_rng(0)
    empty = simulate_forward(np.array([]), 10.0, 2.0, np.array([0.0]), np.array([1.0]), 3, 4000, rng)
    assert empty.shape == (3, 4000) and abs(empty.mean() - 2.0) < 0.1
    # a burst just before the origin raises the first period's count, less the later ones
    burst = simulate_forward(np.full(50, 9.9), 10.0, 2.0, np.array([0.5]), np.array([1.0]), 3, 4000, rng)
    assert burst[0].mean() > empty[0].mean() + 10 and burst[0].mean() > burst[2].mean()
    hist = pd.DataFrame({"s": nb_ar(40, seed=4)})
    f = HawkesCountForecaster(n_samples=100, seed=1).fit(hist)
    out = f.predict(2)
    assert out.shape == (1, 2, 100) and np.all(out >= 0)


# ---------------------------------------------------------------------------------------------- no future
@pytest.mark.parametrize("model", ["nbar", "blend", "poisson_last", "bootstrap", "hawkes"])
def test_forecast_never_sees_after_the_origin(csv_path: Path, model: str) -> None:
    from powderkeg.forecast import read_series_csv

    panel = read_series_csv(csv_path)
    origin = 40
    changed = panel.counts.copy()
    changed.iloc[origin + 1 :] = changed.iloc[origin + 1 :] * 7 + 100
    a, _ = forecast_at(panel.counts, origin, 3, model, n_samples=100, seed=0)
    b, _ = forecast_at(changed, origin, 3, model, n_samples=100, seed=0)
    assert np.array_equal(a, b, equal_nan=True)
    changed.iloc[origin] += 50  # the origin itself is history: it must matter
    c, _ = forecast_at(changed, origin, 3, model, n_samples=100, seed=0)
    assert not np.array_equal(a, c, equal_nan=True)


# ---------------------------------------------------------------------------------------------- backtest
def test_backtest_json_follows_the_contract(csv_path: Path, tmp_path: Path) -> None:
    r = api.backtest(csv_path, horizon=2, test_periods=6, select_periods=4, n_samples=200,
                     plot=tmp_path / "rel.png")  # fmt: skip
    assert r["horizon"] == 2
    for block in (r, *r["by_horizon"].values()):
        assert set(block["model"]) >= {"crps", "brier", "coverage90"}
        assert set(block["baselines"]) == {"poisson_last", "bootstrap"}
        best = min(b["crps"] for b in block["baselines"].values())
        assert block["skill_vs_best_baseline"] == pytest.approx(1 - block["model"]["crps"] / best, abs=1e-5)
        assert 0 <= block["model"]["coverage90"] <= 1 and 0 <= block["model"]["brier"] <= 1
    assert set(r["by_horizon"]) == {"1", "2"}
    assert r["n_series"] == 3 and r["n_forecasts"] == 3 * 6 * 2
    assert set(r["series"]) == {"a", "b", "zeros"}
    assert r["series"]["zeros"]["crps_test"]["poisson_last"] == 0
    assert (tmp_path / "rel.png").stat().st_size > 1000
    # averaged over series, dates and horizons: the overall score is the mean of the horizons'
    h = [r["by_horizon"][k]["baselines"]["bootstrap"]["crps"] for k in ("1", "2")]
    assert r["baselines"]["bootstrap"]["crps"] == pytest.approx(np.mean(h), abs=1e-5)


def test_baseline_becomes_default_where_no_model_beats_it(tmp_path: Path) -> None:
    """A constant series: the bootstrap of recent history is exact and no model beats it; that
    series is named and defaults to the baseline, the autoregressive ones do not."""
    series = {"flat": np.full(70, 5.0), "ar1": nb_ar(70, seed=11), "ar2": nb_ar(70, b0=1.5, seed=12)}
    r = api.backtest(monthly_csv(tmp_path / "flat.csv", series), horizon=1, test_periods=6,
                     select_periods=10, n_samples=200)  # fmt: skip
    defaults = {s: i["default"] for s, i in r["series"].items()}
    on_baseline = [s for s, d in defaults.items() if d in ("poisson_last", "bootstrap")]
    assert "flat" in on_baseline and defaults["flat"] == "bootstrap"
    assert any(all(s in n for s in on_baseline) for n in r["notes"] if "default forecast is that baseline" in n)


# ---------------------------------------------------------------------------------------------- bad input
def frame(rows: list[tuple[str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "series", "count"]).astype(str)


def months(name: str, n: int, start: str = "2020-01", value: object = 1) -> list[tuple[str, str, object]]:
    return [(p.start_time.date().isoformat(), name, value) for p in pd.period_range(start, periods=n, freq="M")]


def test_bad_counts_quarantine_their_series() -> None:
    rows = months("good", 10) + months("neg", 10) + months("frac", 10) + months("text", 10)
    rows[12] = (rows[12][0], "neg", -3)
    rows[25] = (rows[25][0], "frac", 2.5)
    rows[31] = (rows[31][0], "text", "many")
    p = panel_from_frame(frame(rows))
    assert p.series == ["good"]
    text = " | ".join(p.problems)
    assert "neg: line 14: count -3 is negative" in text
    assert "frac: line 27: count 2.5 is not an integer" in text
    assert "text: line 33: count 'many' is not a number" in text


def test_gaps_are_quarantined_or_zero_filled() -> None:
    rows = months("gappy", 12)
    del rows[5]
    rows += months("full", 12)
    p = panel_from_frame(frame(rows))
    assert p.series == ["full"] and "gap: 1 missing period(s) from 2020-06" in p.problems[0]
    z = panel_from_frame(frame(rows), fill_gaps="zero")
    assert z.counts.loc[pd.Period("2020-06", "M"), "gappy"] == 0


def test_frequency_inference_and_mixed_dates() -> None:
    weekly = [((dt.date(2021, 1, 4) + dt.timedelta(weeks=k)).isoformat(), "w", 1) for k in range(10)]
    p = panel_from_frame(frame(weekly))
    assert p.kind == "week" and str(p.counts.index[0].start_time.date()) == "2021-01-04"
    assert panel_from_frame(frame([(f"2021-{m:02d}", "m", 2) for m in range(1, 13)])).kind == "month"
    with pytest.raises(InputError, match="mixed weekly and monthly"):
        panel_from_frame(frame(months("m", 6) + weekly))
    with pytest.raises(InputError, match="missing column"):
        panel_from_frame(pd.DataFrame({"date": ["2021-01-01"], "count": [1]}))


def test_short_series_and_all_zero_series(tmp_path: Path) -> None:
    series = {"long": nb_ar(50, seed=7), "short": nb_ar(5, seed=8), "zeros": np.zeros(50)}
    r = api.backtest(monthly_csv(tmp_path / "s.csv", series, start="2018-01"), horizon=6,
                     test_periods=6, select_periods=3, n_samples=100)  # fmt: skip
    assert set(r["series"]) == {"long", "zeros"}
    assert any(p.startswith("short: 5 periods") and "needs at least" in p for p in r["problems"])
    only_short = monthly_csv(tmp_path / "short.csv", {"short": nb_ar(5, seed=8)})
    with pytest.raises(InputError, match="no series long enough"):
        api.backtest(only_short, horizon=6, test_periods=6, n_samples=100)


# ---------------------------------------------------------------------------------------------- CLI
def test_backtest_cli_text_and_json(csv_path: Path) -> None:
    args = ["backtest", "--series", csv_path, "--horizon", "2", "--test-periods", "4",
            "--select-periods", "3", "--samples", "100"]  # fmt: skip
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert "baseline poisson_last" in r.output and "horizon 2:" in r.output and "CRPS" in r.output
    j = run(*args, "--json")
    assert j.exit_code == 0, j.output
    doc = json.loads(j.output)
    assert doc["horizon"] == 2 and "skill_vs_best_baseline" in doc


def test_backtest_cli_errors_are_one_line(tmp_path: Path) -> None:
    r = run("backtest", "--series", tmp_path / "missing.csv")
    assert r.exit_code == 1 and "missing.csv: no such file" in r.stderr and "Traceback" not in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,series,count\n2021-01-01,a,-1\n", encoding="utf-8")
    r = run("backtest", "--series", bad)
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1 and "negative" in r.stderr
    assert run("backtest", "--series", bad, "--horizon", "0").exit_code == 2


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(2)
    rows = []
    for k, n in enumerate(nb_ar(30, b0=1.0, seed=9)):
        month = pd.Period("2021-01", "M") + k
        for j in range(int(n)):
            day = month.start_time.date() + dt.timedelta(days=int(rng.integers(0, 27)))
            rows.append(dict(row_id=f"ua-{k}-{j}", type="ASSAULT", actor_codes=["RUS"], target_codes=["UKR"],
                             date=day, sentence="Russian shelling killed two soldiers near Avdiivka.",
                             place_name="Avdiivka", country="UKR", lat=48.1, lon=37.7, fatalities=2))  # fmt: skip
    path = tmp_path_factory.mktemp("fcstore") / "events.duckdb"
    with Store(path) as s:
        s.import_table(pd.DataFrame(rows), "synthetic", source="synthetic-test")
    return path


def test_forecast_api_and_cli(store: Path, tmp_path: Path) -> None:
    f = api.forecast("ukraine", db=store, horizon=3, n_samples=300, plot=tmp_path / "fan.png")
    assert f["theatre"] == "ukraine" and len(f["periods"]) == 3
    assert f["periods"][0]["date"] == "2023-07-01"
    for p in f["periods"]:
        q = p["quantiles"]
        assert q["0.05"] <= q["0.5"] <= q["0.95"]
        assert set(p["p_at_least"]) == {"1", "5", "10", "25"}
        assert p["p_at_least"]["1"] >= p["p_at_least"]["25"]
        assert 0 <= p["p_deaths_at_least"]["25"] <= 1
    assert f["model"] in ("nbar", "hawkes", "poisson_last", "bootstrap")
    assert (tmp_path / "fan.png").exists()
    r = run("forecast", "ukraine", "--db", store, "--horizon", "2")
    assert r.exit_code == 0, r.output
    assert "2023-07-01" in r.output and "P>=1" in r.output
    j = run("forecast", "ukraine", "--db", store, "--horizon", "2", "--json", "--model", "nbar")
    doc = json.loads(j.output)
    assert doc["model"] == "nbar" and len(doc["periods"]) == 2
    e = run("forecast", "atlantis", "--db", store)
    assert e.exit_code == 2 and "atlantis" in e.stderr
    c = api.forecast("serbia-kosovo", db=store, horizon=2, model="nbar", cross=["ukraine"], n_samples=200)
    assert c["cross"] == ["ukraine"] and c["model"] == "nbar" and len(c["periods"]) == 2
    assert run("forecast", "ukraine", "--db", store, "--cross", "atlantis").exit_code == 2


def test_help_ends_with_example() -> None:
    for name in ("forecast", "backtest"):
        lines = [ln for ln in run(name, "--help").output.splitlines() if ln.strip()]
        assert any(ln.strip().startswith(f"Example: powderkeg {name} ") for ln in lines)


def test_report_forecast_section(store: Path, tmp_path: Path) -> None:
    from powderkeg.forecast.report import forecast_section
    from powderkeg.watch import load_theatres

    with Store(store, read_only=True) as s:
        events = s.events(quantities=True)
    lines = forecast_section(events, load_theatres(), tmp_path, horizon=2, n_samples=200)
    text = "\n".join(lines)
    assert lines[0] == "## Forecasts" and "(`ukraine`)" in text and "P(≥25 deaths)" in text
    assert (tmp_path / "forecast-ukraine.png").stat().st_size > 1000
    assert "| 2023-07 |" in text and "| 2023-08 |" in text


def test_nbar_indicator_features_enter_at_lag_one() -> None:
    rng = np.random.default_rng(3)
    z = rng.poisson(np.exp(rng.uniform(0, 3, 300))).astype(float)
    y = rng.poisson(np.exp(0.3 + 0.6 * np.log1p(np.r_[0.0, z[:-1]]))).astype(float)
    hist = pd.DataFrame({"s": y})
    exog = {"s": pd.DataFrame({"mobilize": z}, index=hist.index)}
    m = NBAutoregression(lags=(1,), level=0, exog=exog, n_samples=100).fit(hist)
    assert abs(m.params_["log1p_mobilize_lag1"] - 0.6) < 0.15
    assert m.predict(3).shape == (1, 3, 100)
