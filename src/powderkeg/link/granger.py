"""Granger causality on binned event counts: Poisson or negative-binomial regression with lags.

For each target stream ``i`` the full model regresses its count in bin ``t`` on an intercept, any
exogenous columns (e.g. one dummy per baseline piece, for common shocks) and ``log(1 + count)``
of every stream in bins ``t-1 .. t-lags``; the restricted model drops stream ``j``'s lags.
``p[i, j]`` is the likelihood-ratio test's p-value (chi-squared with ``lags`` degrees of freedom)
of "stream j's past does not help predict stream i", the same orientation as the Hawkes
branching matrix (row: the affected stream, column: the source).  The diagonal tests a stream's
own past.  Fits are by Newton's method (Poisson) and L-BFGS-B on (coefficients, log dispersion)
(negative binomial, NB2: variance = mu + alpha mu^2); no statsmodels needed.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

from powderkeg.errors import InputError
from powderkeg.link._threads import single_blas

FAMILIES = ("poisson", "negbin")


def bin_counts(
    times: np.ndarray, marks: np.ndarray, n_streams: int, start: float, end: float, width: float
) -> np.ndarray:
    """Counts per bin of ``width`` from ``start`` (the last bin may be partial), shape (bins, K)."""
    if width <= 0:
        raise InputError("bin", "bin width must be positive")
    n_bins = max(1, int(math.ceil((end - start) / width - 1e-9)))
    b = np.clip(((np.asarray(times) - start) // width).astype(np.int64), 0, n_bins - 1)
    out = np.zeros((n_bins, n_streams))
    np.add.at(out, (b, np.asarray(marks, dtype=np.int64)), 1.0)
    return out


def _poisson_fit(y: np.ndarray, z: np.ndarray, tol: float = 1e-10, max_iter: int = 100):
    """Maximum-likelihood Poisson regression with log link; returns (coef, loglik)."""
    coef = np.zeros(z.shape[1])
    coef[0] = math.log(max(y.mean(), 1e-12))
    const = -special.gammaln(y + 1).sum()

    def ll_of(c: np.ndarray) -> float:
        eta = np.clip(z @ c, -50, 50)
        return float(y @ eta - np.exp(eta).sum() + const)

    ll = ll_of(coef)
    for _ in range(max_iter):
        mu = np.exp(np.clip(z @ coef, -50, 50))
        g = z.T @ (y - mu)
        h = (z * mu[:, None]).T @ z
        h.flat[:: h.shape[0] + 1] += 1e-9 * (h.trace() / h.shape[0] + 1e-12)
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(h, g, rcond=None)[0]
        t = 1.0
        while True:
            new = coef + t * step
            ll_new = ll_of(new)
            if ll_new >= ll - 1e-12 or t < 1e-8:
                break
            t *= 0.5
        done = abs(ll_new - ll) < tol * (1 + abs(ll))
        coef, ll = new, ll_new
        if done:
            break
    return coef, ll


def _negbin_ll(params: np.ndarray, y: np.ndarray, z: np.ndarray, const: np.ndarray):
    """NB2 log-likelihood and gradient in (coef, log alpha)."""
    coef, log_a = params[:-1], params[-1]
    a = math.exp(log_a)
    r = 1.0 / a
    eta = np.clip(z @ coef, -50, 50)
    mu = np.exp(eta)
    lr = np.log(r + mu)
    ll = (
        special.gammaln(y + r)
        - special.gammaln(r)
        + const
        + r * (math.log(r) - lr)
        + y * (eta - lr)
    ).sum()
    # d/d eta: y - (y + r) mu / (r + mu)
    resid = y - (y + r) * mu / (r + mu)
    g_coef = z.T @ resid
    # d/dr then chain to log alpha: dr/dlog_a = -r
    d_r = (
        special.digamma(y + r) - special.digamma(r) + math.log(r) + 1.0 - lr - (y + r) / (r + mu)
    ).sum()
    g_loga = -r * d_r
    return float(ll), np.r_[g_coef, g_loga]


def _negbin_fit(y: np.ndarray, z: np.ndarray):
    coef0, _ = _poisson_fit(y, z)
    const = -special.gammaln(y + 1)
    mu = np.exp(np.clip(z @ coef0, -50, 50))
    # moment start for alpha
    a0 = max(float(((y - mu) ** 2 - y).sum() / max((mu**2).sum(), 1e-12)), 1e-3)
    x0 = np.r_[coef0, math.log(a0)]

    def fun(p: np.ndarray):
        ll, g = _negbin_ll(p, y, z, const)
        return -ll, -g

    bounds = [(None, None)] * z.shape[1] + [(math.log(1e-8), math.log(1e4))]
    res = optimize.minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8},
    )
    return res.x, -float(res.fun)


def _lagged(counts: np.ndarray, lags: int) -> np.ndarray:
    n, kk = counts.shape
    lc = np.log1p(counts)
    cols = [lc[lags - ell : n - ell] for ell in range(1, lags + 1)]  # each (n-lags, K)
    return np.stack(cols, axis=2)  # (n-lags, K, lags)


def granger(
    counts: np.ndarray,
    lags: int = 7,
    family: str = "negbin",
    exog: np.ndarray | None = None,
    return_stats: bool = False,
):
    """p-values of Granger non-causality for every ordered pair of streams.

    ``counts``: (bins, K) non-negative counts.  ``exog``: optional (bins, E) extra regressors
    (kept in both models).  Returns the (K, K) matrix ``p`` with ``p[i, j]`` for "j's past helps
    predict i" (NaN where a stream has no events, so nothing can be tested); with
    ``return_stats``, also a dict of LR statistics, degrees of freedom and notes.
    """
    with single_blas():
        return _granger(counts, lags, family, exog, return_stats)


def _granger(
    counts: np.ndarray, lags: int, family: str, exog: np.ndarray | None, return_stats: bool
):
    if family not in FAMILIES:
        raise InputError("family", f"must be one of {', '.join(FAMILIES)}, not {family!r}")
    y_all = np.asarray(counts, dtype=float)
    if y_all.ndim != 2 or y_all.shape[1] < 1:
        raise InputError("counts", "needs a (bins, streams) matrix")
    if not np.all(np.isfinite(y_all)) or np.any(y_all < 0):
        raise InputError("counts", "counts must be finite and non-negative")
    lags = int(lags)
    if lags < 1:
        raise InputError("lags", "must be >= 1")
    n, kk = y_all.shape
    if n - lags < 2 * (1 + kk * lags):
        raise InputError(
            "counts",
            f"{n} bins are too few for {lags} lags of {kk} streams "
            f"(need at least {lags + 2 * (1 + kk * lags)})",
        )
    lagged = _lagged(y_all, lags)  # (m, K, lags)
    m = n - lags
    base = [np.ones((m, 1))]
    if exog is not None:
        ex = np.asarray(exog, dtype=float)[lags:]
        # drop constant or empty exogenous columns (they duplicate the intercept)
        keep = ex.std(axis=0) > 0
        if keep.any():
            base.append(ex[:, keep])
    base_z = np.hstack(base)
    fit = _poisson_fit if family == "poisson" else _negbin_fit
    p = np.full((kk, kk), np.nan)
    stat = np.full((kk, kk), np.nan)
    notes: list[str] = []
    active = [j for j in range(kk) if y_all[:-1, j].sum() > 0]
    for i in range(kk):
        y = y_all[lags:, i]
        if y.sum() == 0:
            notes.append(f"stream {i} has no events after the first {lags} bins: not tested")
            continue
        blocks = {j: lagged[:, j, :] for j in active}
        full_z = np.hstack([base_z] + [blocks[j] for j in active])
        _, ll_full = fit(y, full_z)
        for j in active:
            rest = np.hstack([base_z] + [blocks[o] for o in active if o != j])
            _, ll_rest = fit(y, rest)
            lr = max(2.0 * (ll_full - ll_rest), 0.0)
            stat[i, j] = lr
            p[i, j] = float(stats.chi2.sf(lr, lags))
    for j in range(kk):
        if j not in active:
            notes.append(f"stream {j} has no events: its influence cannot be tested")
    if return_stats:
        return p, {"lr": stat, "df": lags, "family": family, "lags": lags, "notes": notes}
    return p
