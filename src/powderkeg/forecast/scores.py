"""Scores of ensemble count forecasts against outcomes.

- CRPS: ``scoringrules.crps_ensemble`` (the unbiased "fair" estimator would reward spread; we use
  the library's default quantile-decomposition estimator of the ensemble's own CDF, as ViEWS).
- Brier score of the probability of a count of at least 1 (``scoringrules.brier_score``).
- Log score (ignorance, nats): minus the log of the ensemble's probability of the outcome,
  smoothed so that an outcome no member hit costs log(n + 1) rather than infinity:
  P(y) = (#members == y + 1 / (n + 1)) / (n + 1).  Discrete counts have no density, so the
  kernel-density ``logs_ensemble`` does not apply.
- Coverage of the central 90% interval: the outcome lies between the ensemble's 5% and 95%
  quantiles (the inverse-CDF quantiles of a discrete distribution, endpoints included).
- PIT: a randomised probability integral transform for counts (uniform when calibrated).
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr

QUANTILES = (0.05, 0.5, 0.95)


def crps(y: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """CRPS of each ensemble (last axis) against ``y``."""
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        return np.zeros(0)
    return np.asarray(sr.crps_ensemble(y, np.asarray(samples, dtype=float), backend="numpy"))


def prob_at_least(samples: np.ndarray, n: float) -> np.ndarray:
    return np.mean(np.asarray(samples) >= n, axis=-1)


def brier(y: np.ndarray, samples: np.ndarray, threshold: float = 1) -> np.ndarray:
    """Brier score of P(count >= threshold)."""
    p = prob_at_least(samples, threshold)
    return np.asarray(sr.brier_score((np.asarray(y) >= threshold).astype(float), p, backend="numpy"))


def log_score(y: np.ndarray, samples: np.ndarray) -> np.ndarray:
    s = np.asarray(samples)
    n = s.shape[-1]
    hits = np.sum(s == np.asarray(y)[..., None], axis=-1)
    return -np.log((hits + 1.0 / (n + 1)) / (n + 1))


def interval(samples: np.ndarray, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    a = (1 - level) / 2
    q = np.quantile(samples, [a, 1 - a], axis=-1, method="inverted_cdf")
    return q[0], q[1]


def covered(y: np.ndarray, samples: np.ndarray, level: float = 0.9) -> np.ndarray:
    lo, hi = interval(samples, level)
    y = np.asarray(y)
    return ((y >= lo) & (y <= hi)).astype(float)


def pit(y: np.ndarray, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomised PIT: uniform between F(y - 1) and F(y)."""
    s = np.asarray(samples)
    y = np.asarray(y)[..., None]
    lo = np.mean(s < y, axis=-1)
    hi = np.mean(s <= y, axis=-1)
    return lo + rng.random(lo.shape) * (hi - lo)


def all_scores(y: np.ndarray, samples: np.ndarray) -> dict[str, np.ndarray]:
    """Every per-forecast score: crps, brier, log, cover90, and P(count >= 1)."""
    return {
        "crps": crps(y, samples),
        "brier": brier(y, samples),
        "log": log_score(y, samples),
        "cover90": covered(y, samples),
        "p1": prob_at_least(samples, 1),
    }
