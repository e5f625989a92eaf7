"""Goal check: on series simulated from a known negative-binomial autoregression, the fitted
model's CRPS is within 5% of the true model's own forecasts.

Simulates ``--series`` monthly series of ``--periods`` months from
log mu_t = b0 + b1 log1p(y_t-1) + b2 log1p(y_t-2), y_t ~ NB2(mu_t, alpha), then makes rolling-origin
forecasts for the last ``--test`` months at horizons 1..H exactly as ``powderkeg backtest`` does
(each from the data up to h months before the target): the fitted
:class:`powderkeg.forecast.NBAutoregression` (default settings: lags 1-3 and a 12-month level,
so a superset of the truth, coefficients estimated at every origin) against the same simulation
with the true coefficients (the oracle), both as ensembles of ``--samples`` draws scored by
``scoringrules.crps_ensemble``. Prints both CRPS, their ratio overall and per horizon, and the
baselines for scale.

    python benchmarks/forecast_nb_oracle.py [--series 20] [--periods 150] [--test 24] [--horizon 6]
        [--pooled] [--param-draws]     (default: per-series fits without coefficient draws, as
                                        powderkeg backtest uses)
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from powderkeg.forecast import Bootstrap, NBAutoregression, PoissonLast
from powderkeg.forecast.scores import crps

TRUE = {"b0": 0.6, "b1": 0.55, "b2": 0.2, "alpha": 0.4}


def simulate(k: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros((n + 50, k))
    r = 1 / TRUE["alpha"]
    for t in range(2, n + 50):
        mu = np.exp(TRUE["b0"] + TRUE["b1"] * np.log1p(y[t - 1]) + TRUE["b2"] * np.log1p(y[t - 2]))
        y[t] = rng.negative_binomial(r, r / (r + mu))
    return y[50:]  # burn-in dropped


def oracle(history: np.ndarray, horizon: int, n_samples: int, seed: int) -> np.ndarray:
    """True-model ensembles (series x horizon x samples) from the end of ``history``."""
    rng = np.random.default_rng(seed)
    k = history.shape[1]
    prev2 = np.repeat(history[-2][:, None], n_samples, axis=1)
    prev1 = np.repeat(history[-1][:, None], n_samples, axis=1)
    out = np.zeros((k, horizon, n_samples))
    r = 1 / TRUE["alpha"]
    for h in range(horizon):
        mu = np.exp(TRUE["b0"] + TRUE["b1"] * np.log1p(prev1) + TRUE["b2"] * np.log1p(prev2))
        draw = rng.negative_binomial(r, r / (r + mu)).astype(float)
        out[:, h] = draw
        prev2, prev1 = prev1, draw
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=20)
    ap.add_argument("--periods", type=int, default=150)
    ap.add_argument("--test", type=int, default=24)
    ap.add_argument("--horizon", type=int, default=6)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pooled", action="store_true", help="one model for all series (the truth's structure)")
    ap.add_argument("--param-draws", action="store_true", help="draw coefficients per path")
    a = ap.parse_args()
    opts = {"pooled": a.pooled, "param_draws": a.param_draws}
    y = simulate(a.series, a.periods, a.seed)
    counts = pd.DataFrame(y, columns=[f"s{i}" for i in range(a.series)])
    n = len(counts)
    scores: dict[str, dict[int, list[np.ndarray]]] = {}
    for origin in range(n - a.test - a.horizon, n - 1):
        hist = counts.iloc[: origin + 1]
        ens = {
            "nbar": NBAutoregression(n_samples=a.samples, seed=a.seed + origin, **opts).fit(hist).predict(a.horizon),
            "oracle": oracle(hist.to_numpy(), a.horizon, a.samples, a.seed + origin),
            "poisson_last": PoissonLast(n_samples=a.samples, seed=origin).fit(hist).predict(a.horizon),
            "bootstrap": Bootstrap(n_samples=a.samples, seed=origin).fit(hist).predict(a.horizon),
        }
        for h in range(1, a.horizon + 1):
            target = origin + h
            if target < n - a.test or target >= n:
                continue
            obs = y[target]
            for name, e in ens.items():
                scores.setdefault(name, {}).setdefault(h, []).append(crps(obs, e[:, h - 1]))
    table = {}
    for name, by_h in scores.items():
        table[name] = {"all": float(np.mean(np.concatenate(list(by_h.values()))))}
        table[name].update({str(h): float(np.mean(np.concatenate(v))) for h, v in by_h.items()})
    ratio = {k: table["nbar"][k] / table["oracle"][k] for k in table["nbar"]}
    print(json.dumps({"settings": vars(a), "true": TRUE, "crps": table,
                      "nbar_over_oracle": ratio}, indent=1))  # fmt: skip
    print(f"CRPS fitted NB-AR {table['nbar']['all']:.4f}, true model {table['oracle']['all']:.4f}: "
          f"ratio {ratio['all']:.4f} ({'within' if ratio['all'] <= 1.05 else 'NOT within'} 5%)")  # fmt: skip


if __name__ == "__main__":
    main()
