"""Development check of NB-autoregression variants on windows that end before every test window
of docs/forecast.md (how the defaults were chosen): pooled vs per-series NB, each alone and blended
with the bootstrap, against the two ViEWS baselines; rolling origins over the last N periods of the
given CSV, horizons 1..6, no per-series selection (``select_periods=0``).

    python tools/forecast_series.py --out /tmp/pk-series
    python -c "import pandas as pd; d = pd.read_csv('/tmp/pk-series/ucdp_ukraine_oblast_month.csv'); \
d[d.date <= '2019-12-01'].to_csv('/tmp/pk-series/dev_ucdp_to2019.csv', index=False)"
    python benchmarks/forecast_dev_variants.py /tmp/pk-series/dev_ucdp_to2019.csv 24 12
"""

from __future__ import annotations

import sys

import powderkeg.forecast.backtest as bt
from powderkeg.forecast import NBAutoregression, read_series_csv
from powderkeg.forecast.models import Blend

orig = bt.make_forecaster
V = {"pooled": dict(param_draws=False), "unpooled": dict(param_draws=False, pooled=False)}
def mk(name: str, *, n_samples: int, seed: int, cross: tuple[str, ...] = ()):  # noqa: ANN201
    if name in V:
        return NBAutoregression(n_samples=n_samples, seed=seed, **V[name])
    if name == "blend_pooled":
        return Blend(n_samples=n_samples, seed=seed, nbar_options=dict(param_draws=False))
    if name == "blend_unpooled":
        return Blend(n_samples=n_samples, seed=seed, nbar_options=dict(param_draws=False, pooled=False))
    return orig(name, n_samples=n_samples, seed=seed, cross=cross)
bt.make_forecaster = mk
p = read_series_csv(sys.argv[1])
r = bt.run_backtest(p, horizon=6, test_periods=int(sys.argv[2]), select_periods=int(sys.argv[3]), models=list(V)+["blend_pooled", "blend_unpooled"], n_samples=300)
print(sys.argv[1])
for h in ("all","1","3","6"):
    b = r if h=="all" else r["by_horizon"][h]
    print(h, "auto", round(b["model"]["crps"],3), {m: (round(s["crps"],3), round(s["coverage90"],3), round(s["skill_vs_best_baseline"],3)) for m,s in b["models"].items()}, {k: round(v["crps"],3) for k,v in b["baselines"].items()})
