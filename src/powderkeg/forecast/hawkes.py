"""Count forecasts simulated from the link stage's fitted Hawkes model.

:class:`HawkesCountForecaster` fits :class:`powderkeg.link.HawkesExp` (exponential kernels,
constant background, maximum likelihood) to each series' event times, one period = one time unit,
and forecasts the next periods by simulating the process forward *conditionally on the history*:
the future holds (a) new immigrants at the background rate and (b) the offspring still to come
from past events; for an exponential kernel the offspring of kernel r still due after the origin T
number Poisson(a_r * sum_k exp(-b_r (T - t_k))) and arrive at T + Exp(b_r) (memorylessness); each
new event then has Poisson(a_r) children of its own after Exp(b_r) delays (the cluster
representation that :func:`powderkeg.link.simulate_hawkes` uses from an empty start).

Counts without times (a backtest CSV) are spread uniformly at random inside their period
(seeded), as the link stage does with day-resolution ties.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from .models import _Forecaster

MAX_EVENTS = 5_000_000


def _fitted_kernels(model: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """Background rate, kernel weights (q,) and decays (q,) of a univariate fitted HawkesExp."""
    mu = float(np.asarray(model.baseline_).reshape(-1)[0])
    w = np.asarray(model.kernel_weights_, float)[0, 0]
    d = np.asarray(model.decay_, float).reshape(-1)
    d = np.broadcast_to(d, w.shape) if d.size in (1, w.size) else d[: w.size]
    return mu, w, np.asarray(d, float)


def simulate_forward(
    times: np.ndarray, origin: float, mu: float, weights: np.ndarray, decays: np.ndarray,
    horizon: int, n_samples: int, rng: np.random.Generator,
) -> np.ndarray:  # fmt: skip
    """Counts per unit period in (origin, origin + horizon], shape (horizon, n_samples)."""
    end = origin + horizon
    t_list, s_list = [], []
    n_imm = rng.poisson(mu * horizon, n_samples)
    t_list.append(origin + rng.random(int(n_imm.sum())) * horizon)
    s_list.append(np.repeat(np.arange(n_samples), n_imm))
    past = np.asarray(times, float)
    for a, b in zip(weights, decays, strict=True):
        due = a * float(np.sum(np.exp(-b * (origin - past[past <= origin]))))
        n = rng.poisson(due, n_samples)
        t_list.append(origin + rng.exponential(1.0 / b, int(n.sum())))
        s_list.append(np.repeat(np.arange(n_samples), n))
    gen_t, gen_s = np.concatenate(t_list), np.concatenate(s_list)
    keep = gen_t < end
    gen_t, gen_s = gen_t[keep], gen_s[keep]
    all_t, all_s = [gen_t], [gen_s]
    total = gen_t.size
    while gen_t.size:
        nt, ns = [], []
        for a, b in zip(weights, decays, strict=True):
            k = rng.poisson(a, gen_t.size)
            if not k.any():
                continue
            par = np.repeat(np.arange(gen_t.size), k)
            tc = gen_t[par] + rng.exponential(1.0 / b, par.size)
            ok = tc < end
            nt.append(tc[ok])
            ns.append(gen_s[par][ok])
        gen_t = np.concatenate(nt) if nt else np.empty(0)
        gen_s = np.concatenate(ns) if ns else np.empty(0, dtype=np.int64)
        total += gen_t.size
        if total > MAX_EVENTS:
            raise InputError("hawkes forecast", "simulation exploded: the fitted process is near-critical")
        all_t.append(gen_t)
        all_s.append(gen_s)
    t = np.concatenate(all_t)
    s = np.concatenate(all_s).astype(np.int64)
    step = np.clip(np.floor(t - origin).astype(np.int64), 0, horizon - 1)
    out = np.zeros((horizon, n_samples))
    np.add.at(out, (step, s), 1.0)
    return out


class HawkesCountForecaster(_Forecaster):
    """Per-series univariate Hawkes fits (``powderkeg.link.HawkesExp``), simulated forward.

    ``fit(history)`` takes counts (periods x series) or, with ``times``, the event times of each
    series in period units (0 = start of the first period). Series with fewer than
    ``min_events`` events are forecast by their background rate alone (a Poisson at the mean
    count), said in ``notes_``. Fitted: ``models_`` (name -> HawkesExp or None), ``params_``
    (name -> (mu, weights, decays)), ``notes_``.
    """

    def __init__(self, *, n_samples: int = 1000, seed: int | None = 0, min_events: int = 30,
                 max_events: int = 20_000, times: dict[str, np.ndarray] | None = None) -> None:  # fmt: skip
        self.n_samples = n_samples
        self.seed = seed
        self.min_events = min_events
        self.max_events = max_events
        self.times = times

    def fit(self, history: Any) -> HawkesCountForecaster:
        from ..link import HawkesExp

        df = self._start(history)
        rng = np.random.default_rng(self.seed)
        self.origin_ = float(len(df))
        self.models_: dict[str, Any] = {}
        self.params_: dict[str, tuple[float, np.ndarray, np.ndarray]] = {}
        self._times: dict[str, np.ndarray] = {}
        self.notes_: list[str] = []
        for name in self.series_:
            col = df[name].to_numpy(float)
            if self.times is not None and name in self.times:
                t = np.sort(np.asarray(self.times[name], float))
                t = t[t < self.origin_]
            else:
                c = np.nan_to_num(col).astype(np.int64)
                t = np.repeat(np.arange(len(c)), c) + rng.random(int(c.sum()))
            start = float(np.argmax(np.isfinite(col))) if np.isfinite(col).any() else 0.0
            t = t[t >= start]
            self._times[name] = t
            if t.size < self.min_events or t.size > self.max_events:
                span = max(self.origin_ - start, 1.0)
                why = "too few" if t.size < self.min_events else "too many"
                self.notes_.append(f"{name}: {t.size} events, {why} for a Hawkes fit; Poisson at the mean rate")
                self.models_[name] = None
                self.params_[name] = (t.size / span, np.zeros(1), np.ones(1))
                continue
            m = HawkesExp(ci="none", seed=self.seed, ties="error", decay_bounds=(0.05, 50.0))
            try:
                m.fit([t - start], horizon=self.origin_ - start)
                self.models_[name] = m
                self.params_[name] = _fitted_kernels(m)
            except Exception as e:  # noqa: BLE001 - a failed fit falls back, and says so
                span = max(self.origin_ - start, 1.0)
                self.notes_.append(f"{name}: Hawkes fit failed ({e}); Poisson at the mean rate")
                self.models_[name] = None
                self.params_[name] = (t.size / span, np.zeros(1), np.ones(1))
        return self

    def predict(self, horizon: int = 1) -> np.ndarray:
        self._check()
        rng = np.random.default_rng(self.seed)
        out = np.zeros((len(self.series_), horizon, self.n_samples))
        for i, name in enumerate(self.series_):
            mu, w, d = self.params_[name]
            out[i] = simulate_forward(self._times[name], self.origin_, mu, w, d, horizon,
                                      self.n_samples, rng)  # fmt: skip
        out[~np.isfinite(self.last_)] = np.nan
        return out
