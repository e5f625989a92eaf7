"""link stage: how much escalation in one theatre excites another.

- :class:`HawkesExp`: multivariate Hawkes process with exponential kernels (shared, per-pair or
  sum-of-exponentials decays; constant, piecewise or media-volume background), fitted by
  maximum likelihood with intervals for every branching-matrix entry.
- :func:`simulate_hawkes`: exact simulation of the same model (cluster representation).
- :func:`granger`: Granger tests on binned counts (Poisson or negative-binomial regression).
- :func:`link`: the stage itself, returning the CONTRACT's Link JSON with a ``verdict``.
- :func:`rolling`: estimates on sliding windows.
- :func:`combine_draws`: Rubin's-rules combination of fits to several tie-jitter draws.
- :func:`plot_branching`, :func:`plot_kernels`, :func:`plot_rolling`, :func:`write_report`:
  figures of a Link result (PNG, or a self-contained HTML page for a ``.html`` path).
"""

from powderkeg.link.api import combine_draws, link, rolling
from powderkeg.link.granger import bin_counts, granger
from powderkeg.link.hawkes import HawkesExp, loglik, simulate_hawkes
from powderkeg.link.plots import plot_branching, plot_kernels, plot_rolling, write_report

__all__ = [
    "HawkesExp",
    "bin_counts",
    "combine_draws",
    "granger",
    "link",
    "loglik",
    "plot_branching",
    "plot_kernels",
    "plot_rolling",
    "rolling",
    "simulate_hawkes",
    "write_report",
]
