"""Multivariate Hawkes process with exponential kernels: fit, score, simulate.

Intensity of stream ``i``::

    lambda_i(t) = mu_i(t) + sum_j sum_r A[i,j,r] sum_{t_m in j, t_m < t} b[i,j,r] exp(-b[i,j,r] (t - t_m))

Each kernel integrates to one, so ``A[i, j, r]`` is an expected number of children and the
branching matrix is ``branching[i, j] = sum_r A[i, j, r]``: the expected number of events in
stream ``i`` triggered by one event in stream ``j``.

Decays ``b`` are shared by all pairs (``per_pair=False``; ``n_exp`` of them for a sum of
exponentials) or one per pair (``per_pair=True``).  The background rate ``mu_i(t)`` is a
non-negative combination of piecewise-constant basis functions: a constant, one level per time
piece (``baseline="piecewise"``), or a constant plus a multiple of a media-volume series
(``baseline="volume"``), so that common shocks and coverage surges are not read as excitation.

Fit: maximum likelihood.  For fixed decays the log-likelihood is concave in (baseline,
adjacency) and separates by stream; each stream's problem is solved by a projected Newton method
(exact Hessian, non-negativity by an active set).  The decays are profiled out: a safeguarded
Newton iteration on log-decay for one shared decay (derivative from the envelope theorem,
curvature from the implicit function theorem), L-BFGS-B otherwise.  Kernel sums come from the
O(N*K) recursion in ``_excite`` (vectorised numpy).  Intervals: Wald intervals from the observed
information matrix of all parameters, decays included (``ci="wald"``), or a parametric bootstrap
(``ci="bootstrap"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import optimize, stats

from powderkeg.errors import InputError
from powderkeg.link._events import Events, prepare
from powderkeg.link._excite import Lagged, compensator
from powderkeg.link._model import _Baseline, _make_baseline, _Problem
from powderkeg.link._threads import single_blas


class HawkesExp:
    """Multivariate Hawkes process with exponential kernels, fitted by maximum likelihood.

    Parameters
    ----------
    decay : "estimate", or positive float(s): one shared, one per kernel (``n_exp``), or K*K
        (``per_pair``).
    per_pair : one decay per (i, j) pair instead of one shared decay.
    n_exp : number of exponential kernels summed per pair (their decays are shared by all pairs).
    baseline : "constant", "piecewise" (``n_baseline_pieces`` equal pieces of the window) or
        "volume" (``volume=(edges, values)``: background = a + b * volume(t), both >= 0).
    ties, resolution : tie handling, see :func:`powderkeg.link._events.prepare`.
    ci : "wald" (observed information, decays included), "bootstrap" (parametric, ``n_boot``
        refits of data simulated from the fit, percentile intervals) or "none".
    decay_bounds : search range for estimated decays (per time unit).
    seed : seeds the tie jitter and the bootstrap.

    Fitted attributes: ``baseline_`` (K,) time-averaged background rate, ``baseline_pieces_``
    (K, B) coefficients, ``adjacency_`` (K, K) branching matrix, ``kernel_weights_`` (K, K, q),
    ``decay_`` (float, (q,) or (K, K)), ``decay_ci_``, ``branching_ci_low_``,
    ``branching_ci_high_``, ``branching_se_``, ``loglik_``, ``n_events_``, ``ties_``,
    ``spectral_radius_``, ``decay_at_bound_``, ``n_iter_``, ``notes_``.
    """

    def __init__(
        self,
        decay: str | float | Sequence[float] = "estimate",
        *,
        per_pair: bool = False,
        n_exp: int = 1,
        baseline: str = "constant",
        n_baseline_pieces: int = 1,
        volume: tuple | None = None,
        ties: str = "jitter",
        resolution: float | None = None,
        ci: str = "wald",
        n_boot: int = 100,
        level: float = 0.95,
        decay_bounds: tuple[float, float] = (1e-3, 1e3),
        decay_init: float | None = None,
        warm_start_events: int = 1500,
        seed: int | None = 0,
    ) -> None:
        self.decay = decay
        self.per_pair = per_pair
        self.n_exp = n_exp
        self.baseline = baseline
        self.n_baseline_pieces = n_baseline_pieces
        self.volume = volume
        self.ties = ties
        self.resolution = resolution
        self.ci = ci
        self.n_boot = n_boot
        self.level = level
        self.decay_bounds = decay_bounds
        self.decay_init = decay_init
        self.warm_start_events = warm_start_events
        self.seed = seed

    # -- helpers -------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if int(self.n_exp) < 1:
            raise InputError("n_exp", "must be >= 1")
        if self.ci not in ("wald", "bootstrap", "none"):
            raise InputError("ci", f"must be wald, bootstrap or none, not {self.ci!r}")
        lo, hi = self.decay_bounds
        if not (0 < lo < hi):
            raise InputError("decay_bounds", "needs 0 < low < high")
        if not (0 < self.level < 1):
            raise InputError("level", "must be in (0, 1)")

    def _fixed_decays(self, n_decay: int) -> np.ndarray | None:
        if isinstance(self.decay, str):
            if self.decay != "estimate":
                raise InputError(
                    "decay", f"must be 'estimate' or positive numbers, not {self.decay!r}"
                )
            return None
        d = np.atleast_1d(np.asarray(self.decay, dtype=float)).ravel()
        if d.size == 1:
            d = np.full(n_decay, d[0])
        if d.size != n_decay or not np.all(np.isfinite(d)) or np.any(d <= 0):
            raise InputError("decay", f"needs {n_decay} positive finite value(s)")
        return d

    def _initial_decays(self, ev: Events, n_decay: int) -> np.ndarray:
        lo, hi = self.decay_bounds
        if self.decay_init is not None:
            b0 = float(self.decay_init)
        else:
            # ten times the mean event rate of one stream: kernels shorter than the typical gap
            b0 = 10.0 * ev.t.size / (ev.end - ev.start) / max(ev.n_streams, 1)
        b0 = float(np.clip(b0, lo * 1.01, hi / 1.01))
        if self.n_exp > 1 and not self.per_pair:
            return b0 * np.logspace(-1, 1, self.n_exp)
        return np.full(n_decay, b0)

    @staticmethod
    def _initial_theta(pb: _Problem, ev: Events, base: _Baseline) -> np.ndarray:
        theta = np.zeros((pb.K, pb.p))
        span = ev.end - ev.start
        level = max(float(base.integral().sum()) / span, 1e-12)
        for i, n in enumerate(ev.counts):
            theta[i, : pb.B] = 0.5 * n / span / level
            theta[i, pb.B :] = 0.5 / (pb.K * pb.q)
        return theta

    # -- decay optimisation --------------------------------------------------------------------
    def _profile_1d(
        self,
        pb: _Problem,
        theta: np.ndarray,
        b0: float,
        hphi: float | None = None,
        tol_se: float = 0.02,
    ):
        """Safeguarded Newton on log(decay) for a single shared decay.

        The profile derivative comes from the envelope theorem (d loglik / d decay at the
        optimal baseline and adjacency for that decay).  The curvature comes from the implicit
        function theorem (l_bb + l_bt Hneg^-1 l_tb over the free parameters) on the first step,
        or from ``hphi`` (a warm start's curvature scaled to this data size), and is then taken
        from the cubic through the last two points' profile values and derivatives (or their
        secant where that cubic is not concave), which needs only first-order kernel
        derivatives.
        The implicit function theorem also predicts the optimal baseline and adjacency at the
        next decay, so each inner solve starts close.  Points with derivatives of opposite sign
        bracket the optimum; steps leaving the bracket bisect.  It stops when the next step is
        below ``tol_se`` standard errors of log-decay (default 0.02: the log-likelihood gain
        left is below 2e-4); inner solves stop when their own gain left is below 1e-4 times the
        outer one (at most 1e-4)."""
        lo, hi = math.log(self.decay_bounds[0]), math.log(self.decay_bounds[1])
        phi = min(max(math.log(b0), lo), hi)
        left, right = None, None  # evaluated points with derivative > 0 / < 0
        at_bound = False
        prev = None
        n_iter = 0
        tol_inner = 1e-4
        for n_iter in range(1, 80):  # noqa: B007
            beta = math.exp(phi)
            exact = hphi is None or hphi >= 0
            rows = pb.features(np.array([beta]), order=2 if exact else 1)
            theta, ll = pb.solve(rows, theta, tol=tol_inner)
            g, slope, extra, h_dd = pb.envelope(theta)
            gphi = beta * g
            if exact:
                hphi = beta * beta * (h_dd + extra) + gphi
            elif prev is not None and phi != prev[0]:
                # curvature at phi of the cubic through the last two points' values and slopes
                # (a secant of the slopes if that cubic is not concave here)
                h = phi - prev[0]
                sec = (gphi - prev[1]) / h
                c = 6.0 * ((ll - prev[2]) / h - 0.5 * (gphi + prev[1]))
                cub = sec - c / h
                hphi = cub if cub < 0 else (sec if sec < 0 else None)
            slope *= beta  # d theta / d log(decay)
            prev = (phi, gphi, ll)
            if gphi > 0:
                left = phi if left is None else max(left, phi)
            else:
                right = phi if right is None else min(right, phi)
            if (phi >= hi and gphi > 0) or (phi <= lo and gphi < 0):
                at_bound = True
                break
            if hphi is not None and hphi < 0:
                step = -gphi / hphi
                gain = 0.5 * step * step * -hphi
                if gain < 0.5 * tol_se * tol_se:
                    break
                tol_inner = min(1e-4, max(1e-9, 1e-4 * gain))
            else:
                step = math.copysign(1.0, gphi)
            step = max(-1.5, min(1.5, step))
            new = min(max(phi + step, lo), hi)
            a = lo if left is None else left
            z = hi if right is None else right
            if (
                not (a < new < z)
                and not (new == lo and left is None)
                and not (new == hi and right is None)
            ):
                new = 0.5 * (a + z)
            if abs(new - phi) < 1e-9:
                break
            theta = np.maximum(theta + slope * (new - phi), 0.0)
            phi = new
        self._hphi = hphi
        self._ll = ll
        return np.array([math.exp(phi)]), theta, at_bound, n_iter

    def _grid_start(self, pb: _Problem, theta: np.ndarray, n: int = 6) -> tuple[float, np.ndarray]:
        """Best of a coarse log grid of decays (the profile likelihood can have several local
        maxima), over the search bounds narrowed to what the data can show: from a few times
        the inverse of the window to a few dozen times the pooled event rate."""
        ev = pb.ev
        span = ev.end - ev.start
        lo = max(self.decay_bounds[0], 3.0 / span)
        hi = min(self.decay_bounds[1], 30.0 * ev.t.size / span)
        if hi <= lo:
            lo, hi = self.decay_bounds
        best = (-math.inf, lo, theta)
        for beta in np.geomspace(lo, hi, n):
            rows = pb.features(np.array([beta]), order=0)
            # a ranking needs no precision: a loose tolerance and a cap on the iterations
            theta, ll = pb.solve(rows, theta, tol=1e-2, max_iter=5)
            if ll > best[0]:
                best = (ll, float(beta), theta.copy())
        return best[1], best[2]

    def _warm_start(
        self, ev: Events, pb: _Problem
    ) -> tuple[float, np.ndarray, float | None] | None:
        """A starting decay (and adjacency) for the full fit of a large data set.

        Several streams: the decay of the pooled process (all streams merged into one, a
        univariate Hawkes fit with a constant baseline on the whole window).  Its kernel sums
        need one pass over the events instead of one per stream pair, and on the benchmark
        processes its decay lies within a few percent of the full model's, much closer than a
        fit to a sixth of the window (whose decay scatters by +-50%); the full-data Newton then
        needs 2-3 steps.  One stream: a fit to the first sixth of the events (recursively)."""
        n_w = max(self.warm_start_events, ev.t.size // 6)
        if ev.t.size < 3 * n_w:
            return None
        if ev.n_streams > 1:
            return self._pooled_start(ev, pb)
        end = float(ev.t[n_w - 1] + 0.5 * (ev.t[n_w] - ev.t[n_w - 1]))
        sub = Events(
            t=ev.t[:n_w],
            k=ev.k[:n_w],
            n_streams=ev.n_streams,
            start=ev.start,
            end=end,
            ties=ev.ties,
            n_tied=0,
        )
        if np.any(sub.counts < 5):
            return None
        # a warm start only needs to be well inside its own sampling error
        warm = self._quick_fit(sub, tol_se=0.3)
        if warm is None:
            return None
        theta = self._initial_theta(pb, ev, self._base_tmp)
        level = max(float(self._base_tmp.integral().sum()) / (ev.end - ev.start), 1e-12)
        theta[:, : pb.B] = np.maximum(warm.baseline_, 1e-6)[:, None] / level
        theta[:, pb.B :] = np.maximum(warm.kernel_weights_.reshape(pb.K, -1), 1e-3)
        hphi = warm._hphi
        if hphi is not None:
            hphi *= ev.t.size / n_w
        return float(warm.decay_), theta, hphi

    def _quick_fit(self, ev: Events, *, tol_se: float) -> HawkesExp | None:
        """A coarse fit (no intervals, loose decay tolerance in standard errors) used as a
        starting point; None when its decay ends at a bound."""
        warm = HawkesExp(
            ci="none",
            decay_bounds=self.decay_bounds,
            decay_init=self.decay_init,
            warm_start_events=self.warm_start_events,
        )
        warm._check_params()
        warm._tol_se = tol_se
        warm._fit_events(ev)
        return None if warm.decay_at_bound_ else warm

    def _pooled_start(
        self, ev: Events, pb: _Problem
    ) -> tuple[float, np.ndarray, float | None] | None:
        pooled = Events(
            t=ev.t,
            k=np.zeros_like(ev.k),
            n_streams=1,
            start=ev.start,
            end=ev.end,
            ties=ev.ties,
            n_tied=0,
        )
        warm = self._quick_fit(pooled, tol_se=1.0)  # only needs to be inside the sampling error
        if warm is None:
            return None
        # background and excitation shared out in proportion to each stream's events
        share = ev.counts / ev.t.size
        theta = self._initial_theta(pb, ev, self._base_tmp)
        level = max(float(self._base_tmp.integral().sum()) / (ev.end - ev.start), 1e-12)
        theta[:, : pb.B] = max(float(warm.baseline_[0]), 1e-6) * share[:, None] / level
        theta[:, pb.B :] = max(float(warm.adjacency_[0, 0]), 1e-3) * share[:, None]
        return float(warm.decay_), theta, None  # None: exact curvature at the first step

    def _profile_nd(self, pb: _Problem, theta: np.ndarray, d0: np.ndarray):
        """L-BFGS-B on log-decays (several kernels, or one decay per pair), with the
        envelope-theorem gradient; the best point evaluated is kept."""
        lo, hi = math.log(self.decay_bounds[0]), math.log(self.decay_bounds[1])
        state = {"theta": theta, "best": (-math.inf, None, None)}

        def fun(phi: np.ndarray):
            dec = np.exp(phi)
            rows = pb.features(dec, order=1)
            th, ll = pb.solve(rows, state["theta"])
            state["theta"] = th
            if ll > state["best"][0]:
                state["best"] = (ll, phi.copy(), th.copy())
            g = pb.decay_derivatives(rows, th, second=False)
            return -ll, -(g * dec)

        res = optimize.minimize(
            fun,
            np.clip(np.log(d0), lo, hi),
            jac=True,
            method="L-BFGS-B",
            bounds=[(lo, hi)] * d0.size,
            options={"maxiter": 500, "ftol": 1e-12, "gtol": 1e-6},
        )
        ll, phi, theta = state["best"]
        at_bound = bool(np.any(phi <= lo + 1e-6) or np.any(phi >= hi - 1e-6))
        self._ll = ll
        self._hphi = None
        return np.exp(phi), theta, at_bound, int(res.nit)

    def _nd_start(self, ev: Events, pb: _Problem, base: _Baseline) -> tuple[np.ndarray, np.ndarray]:
        """Start several decays from the one-decay fit: every pair at its decay (per pair), or
        kernels spread around it with the weight on the one nearest to it."""
        one = HawkesExp(
            ci="none",
            baseline=self.baseline,
            n_baseline_pieces=self.n_baseline_pieces,
            volume=self.volume,
            decay_bounds=self.decay_bounds,
            decay_init=self.decay_init,
        )
        one._check_params()
        one._fit_events(ev)
        b = float(one.decay_)
        theta = np.zeros((pb.K, pb.p))
        theta[:, : pb.B] = one.baseline_pieces_
        if self.per_pair:
            theta[:, pb.B :] = one.adjacency_
            return np.full(pb.n_decay, b), theta
        q = pb.q
        spread = b * np.logspace(-1.0, 1.0, q)
        near = int(np.argmin(np.abs(np.log(spread / b))))
        spread[near] = b
        w = np.full((pb.K, pb.K, q), 1e-3)
        w[:, :, near] = one.adjacency_ + 1e-3
        theta[:, pb.B :] = w.reshape(pb.K, -1)
        return spread, theta

    # -- fit -----------------------------------------------------------------------------------
    def fit(
        self,
        events,
        horizon: float | None = None,
        *,
        start: float = 0.0,
        n_streams: int | None = None,
    ) -> HawkesExp:
        """Fit to ``events``: a list of per-stream time arrays, or a tuple ``(times, marks)`` with
        integer marks, observed on ``[start, horizon]`` (default horizon: the last event)."""
        self._check_params()
        ev = (
            events
            if isinstance(events, Events)
            else prepare(
                events,
                horizon=horizon,
                start=start,
                n_streams=n_streams,
                ties=self.ties,
                resolution=self.resolution,
                seed=self.seed,
            )
        )
        # the linear algebra is on small matrices: BLAS threads only add contention
        with single_blas():
            self._fit_events(ev)
            if self.ci == "wald":
                self._wald()
            elif self.ci == "bootstrap":
                self._bootstrap()
        return self

    def _fit_events(self, ev: Events) -> None:
        base = _make_baseline(
            self.baseline, ev.start, ev.end, int(self.n_baseline_pieces), self.volume
        )
        pb = _Problem(ev, base, int(self.n_exp), self.per_pair)
        fixed = self._fixed_decays(pb.n_decay)
        theta = self._initial_theta(pb, ev, base)
        if fixed is not None:
            rows = pb.features(fixed, order=0)
            theta, self._ll = pb.solve(rows, theta)
            decays, at_bound, n_iter = fixed, False, 1
        elif pb.n_decay == 1:
            b0 = float(self._initial_decays(ev, 1)[0])
            self._base_tmp = base
            warm = self._warm_start(ev, pb) if self.warm_start_events else None
            hphi = None
            if warm is not None:
                b0, theta, hphi = warm
            elif self.decay_init is None:
                b0, theta = self._grid_start(pb, theta)
            decays, theta, at_bound, n_iter = self._profile_1d(
                pb, theta, b0, hphi, tol_se=getattr(self, "_tol_se", 0.02)
            )
        else:
            d0, theta = self._nd_start(ev, pb, base)
            decays, theta, at_bound, n_iter = self._profile_nd(pb, theta, d0)
        self.loglik_ = self._ll
        self._pb, self._base, self._ev = pb, base, ev
        self._theta, self._decays, self._estimated = theta, decays, fixed is None
        self.decay_at_bound_ = at_bound
        self.n_iter_ = n_iter
        kk, q, b = pb.K, pb.q, pb.B
        self.baseline_pieces_ = theta[:, :b].copy()
        span = ev.end - ev.start
        self.baseline_ = theta[:, :b] @ base.integral() / span
        self.kernel_weights_ = theta[:, b:].reshape(kk, kk, q).copy()
        self.adjacency_ = self.kernel_weights_.sum(axis=2)
        if self.per_pair:
            self.decay_ = decays.reshape(kk, kk).copy()
        elif q > 1:
            self.decay_ = decays.copy()
        else:
            self.decay_ = float(decays[0])
        self.n_events_ = ev.counts
        self.ties_ = ev.ties
        self.horizon_ = (ev.start, ev.end)
        self.spectral_radius_ = float(np.max(np.abs(np.linalg.eigvals(self.adjacency_))))
        self.notes_: list[str] = []
        if at_bound:
            self.notes_.append(
                "decay estimate at the search bound: the time scale is not identified"
            )
        self.branching_ci_low_ = np.full((kk, kk), np.nan)
        self.branching_ci_high_ = np.full((kk, kk), np.nan)
        self.branching_se_ = np.full((kk, kk), np.nan)
        self.decay_ci_ = None
        self.information_ok_ = None

    # -- intervals -----------------------------------------------------------------------------
    def _wald(self) -> None:
        """Intervals from the observed information of all free parameters, decays included.

        Parameters at zero (the non-negativity constraint is active) are held at zero in the
        information matrix; a branching entry at zero gets the interval [0, u], with u where the
        profile log-likelihood, to second order (its slope at zero and the Schur complement of
        the information), has dropped by chi2_1(level) / 2: the likelihood-ratio bound that a
        symmetric Wald interval cannot give at a boundary.  Entries away from zero get
        estimate +- z * se, cut at zero."""
        pb, theta, decays = self._pb, self._theta, self._decays
        kk, p, q, b = pb.K, pb.p, pb.q, pb.B
        z = stats.norm.ppf(0.5 + self.level / 2)
        half_chi2 = 0.5 * stats.chi2.ppf(self.level, 1)
        rows = pb.features(decays, order=2)
        _, h_tt, h_td, h_dd = pb.decay_derivatives(rows, theta, second=True)
        grad = np.zeros((kk, p))
        for i, row in enumerate(rows):
            grad[i] = row["X"].T @ (1.0 / (row["X"] @ theta[i])) - row["c"]
        nd = pb.n_decay if self._estimated else 0
        n = kk * p + nd
        info = np.zeros((n, n))
        for i in range(kk):
            s = slice(i * p, (i + 1) * p)
            info[s, s] = h_tt[i]
            if nd:
                info[s, kk * p :] = -h_td[i]
                info[kk * p :, s] = -h_td[i].T
        if nd:
            info[kk * p :, kk * p :] = -h_dd
        diag = np.diag(info)
        has_info = diag > 1e-12 * (float(diag.max()) if diag.size else 1.0)
        free = np.r_[theta.ravel() > 0, np.ones(nd, dtype=bool)] & has_info
        cov = np.full((n, n), np.nan)
        sub = info[np.ix_(free, free)]
        try:
            evals = np.linalg.eigvalsh(sub)
            if evals.size == 0 or evals.min() <= 1e-13 * evals.max():
                raise np.linalg.LinAlgError("singular")
            inv_sub = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            self.information_ok_ = False
            self.notes_.append("observed information matrix is singular: no intervals")
            return
        cov[np.ix_(free, free)] = inv_sub
        self.information_ok_ = True
        fidx = np.flatnonzero(free)
        se = np.full((kk, kk), np.inf)
        low = np.zeros((kk, kk))
        high = np.full((kk, kk), np.inf)
        for i in range(kk):
            for j in range(kk):
                idx = [i * p + b + j * q + r for r in range(q)]
                on = [k for k in idx if free[k]]
                if on:
                    block = cov[np.ix_(on, on)]
                    se[i, j] = math.sqrt(max(float(block.sum()), 0.0))
                    low[i, j] = max(self.adjacency_[i, j] - z * se[i, j], 0.0)
                    high[i, j] = self.adjacency_[i, j] + z * se[i, j]
                else:  # every component at zero: likelihood-ratio bound from the boundary
                    k = idx[int(np.argmax([grad.ravel()[m] for m in idx]))]
                    if not has_info[k]:
                        continue
                    cross = info[k, fidx]
                    h_eff = float(info[k, k] - cross @ inv_sub @ cross)
                    g = max(-float(grad.ravel()[k]), 0.0)
                    if h_eff > 0:
                        high[i, j] = (-g + math.sqrt(g * g + 2.0 * h_eff * half_chi2)) / h_eff
                    elif g > 0:
                        high[i, j] = half_chi2 / g
                    se[i, j] = high[i, j] / z
        self.branching_se_ = se
        self.branching_ci_low_ = low
        self.branching_ci_high_ = high
        if nd:
            dse = np.sqrt(np.maximum(np.diag(cov[kk * p :, kk * p :]), 0.0)) / decays  # log scale
            self.decay_ci_ = (decays * np.exp(-z * dse), decays * np.exp(z * dse))

    def _bootstrap(self) -> None:
        ev = self._ev
        rng = np.random.default_rng(self.seed)
        reps = []
        for _ in range(int(self.n_boot)):
            sim = simulate_hawkes(
                self.baseline_pieces_,
                self.kernel_weights_,
                self._decay_tensor(),
                ev.end - ev.start,
                seed=int(rng.integers(2**62)),
                baseline_edges=self._base.edges - ev.start,
                baseline_values=self._base.values,
            )
            est = HawkesExp(
                "estimate" if self._estimated else self.decay,
                per_pair=self.per_pair,
                n_exp=self.n_exp,
                baseline=self.baseline,
                n_baseline_pieces=self.n_baseline_pieces,
                volume=None
                if self.volume is None
                else (np.asarray(self.volume[0], float) - ev.start, self.volume[1]),
                ties="jitter",
                resolution=0.0,
                ci="none",
                decay_bounds=self.decay_bounds,
                decay_init=float(np.mean(self._decays)),
                seed=0,
            )
            try:
                est.fit(sim, horizon=ev.end - ev.start)
            except InputError:
                continue  # a replicate with a near-empty stream cannot be refitted
            reps.append(est.adjacency_)
        self.n_boot_used_ = len(reps)
        if len(reps) < max(2, int(self.n_boot) // 2):
            self.notes_.append(
                f"bootstrap: only {len(reps)} of {self.n_boot} replicates could be refitted"
            )
            if len(reps) < 2:
                return
        reps_a = np.array(reps)
        alpha = 1 - self.level
        self.branching_ci_low_ = np.quantile(reps_a, alpha / 2, axis=0)
        self.branching_ci_high_ = np.quantile(reps_a, 1 - alpha / 2, axis=0)
        self.branching_se_ = reps_a.std(axis=0, ddof=1)

    def _decay_tensor(self) -> np.ndarray:
        return self._decays[self._pb.dmap]

    # -- scoring -------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "adjacency_"):
            raise InputError("HawkesExp", "not fitted yet: call fit() first")

    def score(self, events, horizon: float | None = None, *, start: float = 0.0) -> float:
        """Log-likelihood of ``events`` under the fitted parameters.  A time-varying baseline can
        only score its own observation window."""
        self._check_fitted()
        ev = (
            events
            if isinstance(events, Events)
            else prepare(
                events,
                horizon=horizon,
                start=start,
                n_streams=self._pb.K,
                ties=self.ties,
                resolution=self.resolution,
                seed=self.seed,
            )
        )
        if self.baseline == "constant":
            return loglik(ev, self.baseline_, self.kernel_weights_, self._decay_tensor())
        if (ev.start, ev.end) != self.horizon_:
            raise InputError("score", "a time-varying baseline can only score its own window")
        return loglik(
            ev, self.baseline_pieces_, self.kernel_weights_, self._decay_tensor(), design=self._base
        )

    def residuals(self) -> list[np.ndarray]:
        """Time-rescaled inter-event times of each stream: the fitted compensator's increments
        between successive events (from the window start), i.i.d. Exp(1) if the model is right."""
        self._check_fitted()
        ev, base = self._ev, self._base
        d = self._decay_tensor()
        # integral of the background design from the window start to each event
        widths = np.diff(base.edges)
        out = []
        for i in range(ev.n_streams):
            qi = np.flatnonzero(ev.k == i)
            t = ev.t[qi]
            piece = np.clip(np.searchsorted(base.edges, t, side="right") - 1, 0, len(widths) - 1)
            before = np.r_[
                np.zeros((1, base.n_basis)), np.cumsum(widths[:, None] * base.values, axis=0)
            ][piece]
            design_int = before + (t - base.edges[piece])[:, None] * base.values[piece]
            lam_int = design_int @ self.baseline_pieces_[i]
            lagged = Lagged(ev.t, ev.k, ev.n_streams, query_index=qi)
            for j in range(ev.n_streams):
                n_before = np.searchsorted(ev.t[ev.k == j], t, side="left")
                for r in range(d.shape[2]):
                    beta = float(d[i, j, r])
                    f = lagged.kernel(beta, 0, col=j)[0][:, 0]
                    lam_int += self.kernel_weights_[i, j, r] * (n_before - f / beta)
            out.append(np.diff(np.r_[0.0, lam_int]))
        return out

    def residual_pvalues(self) -> np.ndarray:
        """Kolmogorov-Smirnov p-value per stream of the rescaled times against Exp(1)."""
        return np.array(
            [stats.kstest(r, "expon").pvalue if r.size > 1 else np.nan for r in self.residuals()]
        )

    def kernel(self, i: int, j: int, lags: np.ndarray) -> np.ndarray:
        """The fitted excitation kernel of stream j on stream i at the given lags."""
        self._check_fitted()
        lags = np.asarray(lags, dtype=float)
        d = self._decay_tensor()[i, j]
        a = self.kernel_weights_[i, j]
        return np.sum(
            a[None, :] * d[None, :] * np.exp(-np.outer(np.maximum(lags, 0), d)), axis=1
        ) * (lags >= 0)

    def simulate(self, horizon: float | None = None, seed: int | None = 0) -> list[np.ndarray]:
        """Simulate from the fitted model (constant baseline at its time average if no horizon
        match)."""
        self._check_fitted()
        span = self.horizon_[1] - self.horizon_[0]
        if horizon is None or horizon == span:
            return simulate_hawkes(
                self.baseline_pieces_,
                self.kernel_weights_,
                self._decay_tensor(),
                span,
                seed,
                baseline_edges=self._base.edges - self.horizon_[0],
                baseline_values=self._base.values,
            )
        return simulate_hawkes(
            self.baseline_, self.kernel_weights_, self._decay_tensor(), horizon, seed
        )


# ----------------------------------------------------------------------------------------------
# log-likelihood at given parameters (used to score other software's estimates)
# ----------------------------------------------------------------------------------------------
def _decay_array(decay, kk: int, q: int) -> np.ndarray:
    d = np.asarray(decay, dtype=float)
    if d.ndim == 0:
        return np.full((kk, kk, q), float(d))
    if d.ndim == 1:
        return np.broadcast_to(d, (kk, kk, q)).copy()
    if d.ndim == 2:
        return np.broadcast_to(d[:, :, None], (kk, kk, q)).copy()
    return d


def loglik(
    events,
    baseline,
    branching,
    decay,
    *,
    horizon: float | None = None,
    start: float = 0.0,
    design: _Baseline | None = None,
) -> float:
    """Log-likelihood of events at given parameters.

    ``baseline``: (K,) constant rates, or (K, B) coefficients of a ``design`` (time-varying
    background); ``branching``: (K, K) or (K, K, q); ``decay``: float, (q,), (K, K) or (K, K, q).
    Times must be tie-free (an ``Events`` object, or times with no shared values).
    """
    ev = (
        events
        if isinstance(events, Events)
        else prepare(events, horizon=horizon, start=start, ties="error", resolution=0.0)
    )
    kk = ev.n_streams
    a = np.asarray(branching, dtype=float)
    if a.ndim == 2:
        a = a[:, :, None]
    d = _decay_array(decay, kk, a.shape[2])
    mu = np.asarray(baseline, dtype=float)
    base = design
    if base is None:
        base = _Baseline(np.array([ev.start, ev.end]), np.ones((1, 1)), ("constant",))
        mu = mu.reshape(kk, 1)
    lam = np.sum(base.design(ev.t) * mu[ev.k], axis=1)
    comp = float(np.sum(mu @ base.integral()))
    lagged = Lagged(ev.t, ev.k, kk, query_index=np.arange(ev.t.size))
    for beta in np.unique(d):
        f = lagged.kernel(float(beta))[0]
        g = compensator(ev.t, ev.k, kk, float(beta), ev.end)[0]
        coef = np.where(d == beta, a, 0.0).sum(axis=2)  # (K, K)
        lam += np.sum(f * coef[ev.k], axis=1)
        comp += float(np.sum(coef @ g))
    if np.any(lam <= 0):
        return -math.inf
    return float(np.sum(np.log(lam)) - comp)


# ----------------------------------------------------------------------------------------------
# simulation (cluster representation)
# ----------------------------------------------------------------------------------------------
def simulate_hawkes(
    baseline,
    branching,
    decay,
    horizon: float,
    seed: int | None = 0,
    *,
    baseline_edges: np.ndarray | None = None,
    baseline_values: np.ndarray | None = None,
    max_events: int = 50_000_000,
) -> list[np.ndarray]:
    """Simulate a multivariate exponential Hawkes process on ``[0, horizon]``, started empty.

    Cluster (branching) representation: immigrants of stream i arrive as a Poisson process with
    rate ``baseline[i]`` (or piecewise, with ``baseline_edges``/``baseline_values`` and
    ``baseline`` of shape (K, B)); each event of stream j has Poisson(``branching[i, j, r]``)
    children in stream i, each after an Exp(``decay[i, j, r]``) delay; children after the horizon
    are dropped.  Exact for the model, vectorised by generation.  Returns one sorted array per
    stream.
    """
    rng = np.random.default_rng(seed)
    a = np.asarray(branching, dtype=float)
    if a.ndim == 2:
        a = a[:, :, None]
    kk, _, q = a.shape
    d = np.asarray(decay, dtype=float)
    if d.ndim == 0:
        d = np.full((kk, kk, q), float(d))
    elif d.ndim == 1:
        d = np.broadcast_to(d, (kk, kk, q))
    elif d.ndim == 2:
        d = np.broadcast_to(d[:, :, None], (kk, kk, q))
    if horizon <= 0 or not np.isfinite(horizon):
        raise InputError("horizon", "must be a positive finite number")
    if np.any(a < 0) or np.any(d <= 0):
        raise InputError("parameters", "branching must be >= 0 and decays > 0")
    mu = np.asarray(baseline, dtype=float)
    times: list[np.ndarray] = []
    marks: list[np.ndarray] = []
    if baseline_edges is None:
        mu = mu.reshape(kk)
        for i in range(kk):
            n = rng.poisson(mu[i] * horizon)
            times.append(rng.uniform(0, horizon, n))
            marks.append(np.full(n, i))
    else:
        edges = np.asarray(baseline_edges, dtype=float)
        vals = np.asarray(baseline_values, dtype=float)
        rates = mu.reshape(kk, -1) @ vals.T  # (K, P)
        for i in range(kk):
            for pidx in range(len(edges) - 1):
                lo, hi = edges[pidx], min(edges[pidx + 1], horizon)
                if hi <= lo:
                    continue
                n = rng.poisson(max(rates[i, pidx], 0.0) * (hi - lo))
                times.append(rng.uniform(lo, hi, n))
                marks.append(np.full(n, i))
    gen_t = np.concatenate(times) if times else np.empty(0)
    gen_k = np.concatenate(marks).astype(np.int64) if marks else np.empty(0, dtype=np.int64)
    all_t, all_k = [gen_t], [gen_k]
    total = gen_t.size
    while gen_t.size:
        nt, nk = [], []
        for i in range(kk):
            for r in range(q):
                lam = a[i, gen_k, r]
                n_child = rng.poisson(lam)
                if not n_child.any():
                    continue
                parents = np.repeat(np.arange(gen_t.size), n_child)
                delay = rng.exponential(1.0, parents.size) / d[i, gen_k[parents], r]
                tc = gen_t[parents] + delay
                keep = tc < horizon
                nt.append(tc[keep])
                nk.append(np.full(int(keep.sum()), i))
        gen_t = np.concatenate(nt) if nt else np.empty(0)
        gen_k = np.concatenate(nk).astype(np.int64) if nk else np.empty(0, dtype=np.int64)
        total += gen_t.size
        if total > max_events:
            raise InputError(
                "simulate_hawkes", f"more than {max_events} events: is the process explosive?"
            )
        all_t.append(gen_t)
        all_k.append(gen_k)
    t = np.concatenate(all_t)
    k = np.concatenate(all_k)
    return [np.sort(t[k == i]) for i in range(kk)]
