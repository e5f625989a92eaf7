"""The seed's thesis at monthly resolution: do Ukraine's war months help predict events in Serbia,
Kosovo and Bosnia?

Data (../shared/data/events, read only):
- ``acled_country_month_event_type_2021_2024.csv``: ACLED events per country, month and type,
  2021-01 to 2024-09. Targets: all ACLED events in Serbia, Kosovo, Bosnia and Herzegovina
  (mostly protests and riots). Driver: Ukraine's battles plus explosions/remote violence (the
  war's activity).
- ``acled_political_violence_country_month_1997_2024.csv``: political-violence events per
  country-month; here 2018-01 (Ukraine's ACLED coverage start) to the table's end. Targets:
  political violence in Serbia, Kosovo, Bosnia; driver: Ukraine's political violence.

For each target, two negative-binomial (NB2) regressions fitted with statsmodels:
``own``: log mu_t = b0 + b1 log1p(y_t-1) + b2 log1p(mean of y over the last 6 months);
``+ukraine``: the same plus c log1p(driver_t-1). In-sample: the likelihood-ratio (Granger-type)
test of c = 0 (chi-square, 1 df) and c's estimate. Out of sample: rolling origins over the last
24 months, horizons 1..3, each forecast from the data up to its origin only (both models refitted
at every origin, multi-step by simulation, ``powderkeg.forecast.NBAutoregression`` with
``pooled=False``), mean CRPS (scoringrules) with and without the driver, and the two ViEWS
baselines for scale.

    python benchmarks/forecast_balkans_thesis.py [--json]
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from powderkeg.forecast import Bootstrap, NBAutoregression, PoissonLast
from powderkeg.forecast.scores import crps

EVENTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "events"
TARGETS = {"Serbia": "Serbia", "Kosovo": "Kosovo", "Bosnia and Herzegovina": "Bosnia"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]  # fmt: skip
LEVEL = 6


def event_type_panel() -> pd.DataFrame:
    raw = pd.read_csv(EVENTS / "acled_country_month_event_type_2021_2024.csv")
    raw["period"] = pd.to_datetime(raw["Event.month"]).dt.to_period("M")
    idx = pd.period_range("2021-01", "2024-09", freq="M")
    out = {}
    for country, name in TARGETS.items():
        out[name] = raw[raw["Country"] == country].groupby("period")["Events"].sum().reindex(idx, fill_value=0)
    war = raw[(raw["Country"] == "Ukraine") & raw["Event.Type"].isin(["Battles", "Explosions/Remote violence"])]
    out["Ukraine"] = war.groupby("period")["Events"].sum().reindex(idx, fill_value=0)
    return pd.DataFrame(out).astype(float)


def pv_panel() -> pd.DataFrame:
    raw = pd.read_csv(EVENTS / "acled_political_violence_country_month_1997_2024.csv")
    raw["period"] = [pd.Period(f"{y}-{MONTHS.index(m) + 1:02d}", "M") for y, m in zip(raw["YEAR"], raw["MONTH"], strict=True)]
    idx = pd.period_range("2018-01", raw["period"].max(), freq="M")
    out = {}
    for country, name in {**TARGETS, "Ukraine": "Ukraine"}.items():
        out[name] = raw[raw["COUNTRY"] == country].groupby("period")["EVENTS"].sum().reindex(idx, fill_value=0)
    return pd.DataFrame(out).astype(float)


def in_sample(panel: pd.DataFrame, target: str) -> dict[str, float]:
    """LR test of Ukraine's lag-1 term in the target's NB regression (same rows for both)."""
    import statsmodels.api as sm

    y = panel[target].to_numpy()
    d = panel["Ukraine"].to_numpy()
    t = np.arange(LEVEL, len(y))
    level = np.array([np.log1p(y[i - LEVEL : i].mean()) for i in t])
    base = np.column_stack([np.ones(len(t)), np.log1p(y[t - 1]), level])
    full = np.column_stack([base, np.log1p(d[t - 1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r0 = sm.NegativeBinomial(y[t], base).fit(disp=0, maxiter=300)
        r1 = sm.NegativeBinomial(y[t], full).fit(disp=0, maxiter=300)
    lr = max(0.0, 2 * (r1.llf - r0.llf))
    return {"n_months": int(len(t)), "coef_ukraine_lag1": float(r1.params[3]), "se": float(r1.bse[3]),
            "lr_stat": lr, "p_value": float(stats.chi2.sf(lr, 1))}  # fmt: skip


def out_of_sample(panel: pd.DataFrame, test: int = 24, horizon: int = 3, n_samples: int = 2000) -> dict:
    n = len(panel)
    scores: dict[str, dict[str, list[float]]] = {}
    for origin in range(n - test - horizon, n - 1):
        hist = panel.iloc[: origin + 1]
        kw = dict(lags=(1,), level=LEVEL, pooled=False, n_samples=n_samples, seed=origin, min_rows=10)
        ens = {
            "own": NBAutoregression(**kw).fit(hist).predict(horizon),
            "+ukraine": NBAutoregression(cross=["Ukraine"], **kw).fit(hist).predict(horizon),
            "poisson_last": PoissonLast(n_samples=n_samples, seed=origin).fit(hist).predict(horizon),
            "bootstrap": Bootstrap(n_samples=n_samples, seed=origin).fit(hist).predict(horizon),
        }
        for h in range(1, horizon + 1):
            target = origin + h
            if target < n - test or target >= n:
                continue
            for j, name in enumerate(panel.columns):
                if name == "Ukraine":
                    continue
                obs = np.array([panel.iloc[target, j]])
                for m, e in ens.items():
                    scores.setdefault(name, {}).setdefault(m, []).append(float(crps(obs, e[j, h - 1][None])[0]))
    out = {}
    for name, by_model in scores.items():
        mean = {m: float(np.mean(v)) for m, v in by_model.items()}
        diff = np.array(by_model["+ukraine"]) - np.array(by_model["own"])
        se = float(diff.std(ddof=1) / np.sqrt(len(diff)))
        out[name] = {"crps": mean, "n_forecasts": len(diff),
                     "crps_change_with_ukraine": float(diff.mean()), "change_se": se,
                     "relative_change": float(diff.mean() / mean["own"])}  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    result = {}
    for label, make in (("acled_all_events_2021_2024", event_type_panel), ("acled_political_violence_2018_2024", pv_panel)):
        panel = make()
        p = panel.index
        result[label] = {
            "months": [str(p[0]), str(p[-1])],
            "in_sample": {t: in_sample(panel, t) for t in TARGETS.values()},
            "out_of_sample": out_of_sample(panel),
            "totals": {c: int(panel[c].sum()) for c in panel.columns},
        }
    if a.json:
        print(json.dumps(result, indent=1))
        return
    for label, r in result.items():
        print(f"== {label} ({r['months'][0]} to {r['months'][1]}; events: {r['totals']})")
        print(f"{'target':<8} {'coef':>7} {'se':>6} {'LR':>6} {'p':>6} | {'CRPS own':>9} {'+ukraine':>9} {'change':>8} {'(se)':>7} {'pois_last':>9} {'bootstr':>8}")
        for t in TARGETS.values():
            i, o = r["in_sample"][t], r["out_of_sample"][t]
            c = o["crps"]
            print(f"{t:<8} {i['coef_ukraine_lag1']:>7.3f} {i['se']:>6.3f} {i['lr_stat']:>6.2f} {i['p_value']:>6.3f} | "
                  f"{c['own']:>9.3f} {c['+ukraine']:>9.3f} {o['relative_change']:>+8.1%} {o['change_se']:>7.3f} "
                  f"{c['poisson_last']:>9.3f} {c['bootstrap']:>8.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
