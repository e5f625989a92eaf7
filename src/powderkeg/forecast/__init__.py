"""forecast stage: probabilistic count forecasts per theatre, backtested against the baselines of
the ViEWS prediction challenge.

- :mod:`.data`: the backtest CSV (``date, series, count``) read into a :class:`Panel`, with the
  bad-input rules in its docstring.
- :mod:`.models`: :class:`PoissonLast`, :class:`Bootstrap` (the two ViEWS baselines) and
  :class:`NBAutoregression` (pooled negative-binomial autoregression with own, cross-series and
  indicator lags, simulated forward); :mod:`.hawkes`: forecasts simulated from the link stage's
  fitted Hawkes model.
- :mod:`.backtest`: :func:`run_backtest`, rolling origins that never see the future.
- :mod:`.theatre`: forecasts of a theatre's counts from the store (CONTRACT's Forecast JSON).
- :mod:`.scores`: CRPS (scoringrules), Brier, log score, coverage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .data import Panel, panel_from_frame, read_series_csv
from .models import Bootstrap, NBAutoregression, PoissonLast

__all__ = [
    "Bootstrap",
    "NBAutoregression",
    "Panel",
    "PoissonLast",
    "backtest_csv",
    "panel_from_frame",
    "read_series_csv",
]


def backtest_csv(series_csv: str | Path, *, fill_gaps: str = "quarantine", **kwargs: Any) -> dict[str, Any]:
    """Read a backtest CSV and run :func:`powderkeg.forecast.backtest.run_backtest` on it."""
    from .backtest import run_backtest

    panel = read_series_csv(series_csv, fill_gaps=fill_gaps)
    return run_backtest(panel, **kwargs)
