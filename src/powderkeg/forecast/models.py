"""Count forecasters in the scikit-learn style: ``fit(history)``, ``predict(horizon)``, ``score``.

Every forecaster is fitted to a wide frame of counts (rows: consecutive periods up to the
forecast origin; columns: series; NaN before a series starts) and predicts the next ``horizon``
periods of every series as an ensemble: an array of shape ``(n_series, horizon, n_samples)`` of
integer counts drawn from the predictive distribution. Seeds make every draw repeatable.

- :class:`PoissonLast`: the ViEWS prediction challenge's "last historical value" benchmark, a
  Poisson with its mean at the series' last observed count, for every step ahead.
- :class:`Bootstrap`: the ViEWS "bootstrap" benchmark, draws from the series' last ``window``
  observed counts.
- :class:`NBAutoregression`: a negative-binomial (NB2) regression of each count on log1p of its
  own lags, its recent level, lags of other series (cross-theatre) and indicator features,
  pooled over series and fitted by maximum likelihood (statsmodels); multi-step forecasts by
  simulating paths forward, drawing the coefficients from their estimated sampling distribution.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

MAX_MEAN = 1e7
#: simulated means are capped at CAP_FACTOR x (the series' largest fitted count + 1): a fitted
#: autoregression whose lag coefficients sum above 1 is explosive, and unchecked paths reach
#: astronomical counts within a few steps (seen on UCDP Ukraine oblast-months).
CAP_FACTOR = 3.0


def _as_frame(history: pd.DataFrame | pd.Series | np.ndarray) -> pd.DataFrame:
    if isinstance(history, pd.Series):
        return history.to_frame(name=str(history.name or "series"))
    if isinstance(history, np.ndarray):
        arr = np.asarray(history, dtype=float)
        return pd.DataFrame(arr if arr.ndim == 2 else arr[:, None])
    return history


class _Forecaster:
    """Shared plumbing: the fitted series names and ``score`` (mean CRPS, negated)."""

    n_samples: int
    seed: int | None

    def _start(self, history: Any) -> pd.DataFrame:
        df = _as_frame(history).astype(float)
        if df.shape[0] == 0 or df.shape[1] == 0:
            raise InputError("history", "no periods to fit")
        if (df < 0).to_numpy()[np.isfinite(df.to_numpy())].any():
            raise InputError("history", "negative counts")
        self.series_ = [str(c) for c in df.columns]
        self.last_ = np.array([_last_valid(df[c]) for c in df.columns])
        return df

    def _check(self) -> None:
        if not hasattr(self, "series_"):
            raise InputError(type(self).__name__, "not fitted yet: call fit() first")

    def predict(self, horizon: int = 1) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict_quantiles(self, horizon: int, q: Sequence[float] = (0.05, 0.5, 0.95)) -> np.ndarray:
        """Quantiles of the predictive ensemble, shape ``(n_series, horizon, len(q))``."""
        return np.quantile(self.predict(horizon), q, axis=2, method="inverted_cdf").transpose(1, 2, 0)

    def score(self, future: pd.DataFrame | np.ndarray) -> float:
        """Minus the mean CRPS of the forecasts of the next periods against ``future`` (rows:
        periods after the fitted history, columns: the fitted series); higher is better."""
        from .scores import crps

        y = np.asarray(_as_frame(future), dtype=float)
        samples = self.predict(y.shape[0])
        ok = np.isfinite(y.T)
        return -float(np.mean(crps(y.T[ok], samples[ok])))


def _last_valid(s: pd.Series) -> float:
    v = s.dropna()
    return float(v.iloc[-1]) if len(v) else np.nan


class PoissonLast(_Forecaster):
    """Poisson with mean equal to the last observed count (ViEWS benchmark)."""

    def __init__(self, *, n_samples: int = 1000, seed: int | None = 0) -> None:
        self.n_samples = n_samples
        self.seed = seed

    def fit(self, history: Any) -> PoissonLast:
        self._start(history)
        self.mean_ = np.nan_to_num(self.last_, nan=0.0)
        return self

    def predict(self, horizon: int = 1) -> np.ndarray:
        self._check()
        rng = np.random.default_rng(self.seed)
        lam = np.broadcast_to(self.mean_[:, None, None], (len(self.mean_), horizon, self.n_samples))
        return rng.poisson(lam).astype(float)


class Bootstrap(_Forecaster):
    """Draws with replacement from the last ``window`` observed counts (ViEWS benchmark)."""

    def __init__(self, *, window: int = 12, n_samples: int = 1000, seed: int | None = 0) -> None:
        self.window = window
        self.n_samples = n_samples
        self.seed = seed

    def fit(self, history: Any) -> Bootstrap:
        df = self._start(history)
        self.pool_ = [df[c].dropna().to_numpy()[-int(self.window) :] for c in df.columns]
        return self

    def predict(self, horizon: int = 1) -> np.ndarray:
        self._check()
        rng = np.random.default_rng(self.seed)
        out = np.zeros((len(self.pool_), horizon, self.n_samples))
        for i, pool in enumerate(self.pool_):
            if len(pool):
                out[i] = rng.choice(pool, size=(horizon, self.n_samples), replace=True)
        return out


class NBAutoregression(_Forecaster):
    """Pooled negative-binomial autoregression on counts, simulated forward for k steps.

    log E[y_s,t] = b0 + sum_l b_l log1p(y_s,t-l) + c log1p(mean of y_s over the last ``level``
    periods) + z0 1{y_s,t-1 = 0} + z1 1{that mean = 0} + sum_{x in cross} d_x log1p(y_x,t-1)
    + sum_f e_f log1p(z_s,f,t-1). Quiet rows (``zero_terms``: every count in the level window
    is 0) are not in the regression: a quiet series' next count is drawn from the pooled
    empirical distribution of counts that followed quiet windows in the history (the onset
    distribution, ``onset_``); the indicator 1{y_s,t-1 = 0} covers the other zeros. Without
    this, pooling a few active series with many all-zero ones fits an explosive lag coefficient
    (1.48 on UCDP Ukraine oblast-months to 2017) and a quiet series cannot be forecast as
    quiet (intercepts must go to minus infinity, and the NB fit fails). The variance is
    mu + alpha mu^2 (NB2), alpha estimated with the coefficients (statsmodels
    ``NegativeBinomial``). The cross-series terms are 0 on the rows of the cross series itself.
    Indicator features ``exog`` (series -> frame of features per period) enter at lag 1 and are
    held at their last observed value beyond the origin.

    Parameters: ``lags`` (own lags), ``level`` (window of the level term, 0 = none), ``cross``
    (names of series whose lag-1 counts are features for every other series), ``param_draws``
    (draw coefficients from their asymptotic normal per path, so forecasts carry estimation
    uncertainty), ``n_samples``, ``seed``, ``min_rows`` (fewest usable rows to fit; fewer
    raises), ``pooled`` (one model for all series; ``False``: one per series, the pooled one
    standing in for series too short for their own), ``max_history`` (periods fitted).

    Fitted attributes: ``params_`` (pooled coefficients by name), ``alpha_``, ``cov_``,
    ``loglik_`` (pooled), ``series_params_`` (coefficients per series), ``alphas_``,
    ``pooled_`` (per series: uses the pooled model), ``n_obs_``, ``feature_names_``,
    ``series_``, ``converged_``.
    """

    def __init__(
        self,
        *,
        lags: Sequence[int] = (1, 2, 3),
        level: int = 12,
        cross: Sequence[str] = (),
        exog: Mapping[str, pd.DataFrame] | None = None,
        param_draws: bool = False,
        n_samples: int = 1000,
        seed: int | None = 0,
        min_rows: int = 20,
        max_history: int | None = 240,
        pooled: bool = False,
        zero_terms: bool = True,
    ) -> None:
        self.pooled = pooled
        self.zero_terms = zero_terms
        self.lags = lags
        self.level = level
        self.cross = cross
        self.exog = exog
        self.param_draws = param_draws
        self.n_samples = n_samples
        self.seed = seed
        self.min_rows = min_rows
        self.max_history = max_history

    # -- features ------------------------------------------------------------------------------
    def _design(self, y: np.ndarray, t: int, exog_row: np.ndarray | None) -> np.ndarray:
        """Features for period ``t`` from counts ``y`` (periods x series x [paths]) before it."""
        lags = [int(v) for v in self.lags]
        cols = [np.ones_like(y[t - 1])]
        for lag in lags:
            cols.append(np.log1p(y[t - lag]))
        if self.zero_terms:
            cols.append((y[t - 1] == 0).astype(float))
        if self.level:
            win = y[max(0, t - int(self.level)) : t]
            seen = np.isfinite(win)
            total = np.where(seen, win, 0.0).sum(axis=0)
            n = seen.sum(axis=0)
            lev = np.where(n > 0, total / np.maximum(n, 1), np.nan)
            cols.append(np.log1p(lev))
        for j in self._cross_idx:
            x = np.log1p(y[t - 1, j])
            c = np.broadcast_to(x, y[t - 1].shape).copy()
            c[j] = 0.0
            cols.append(c)
        if exog_row is not None:
            for f in range(exog_row.shape[-1]):
                e = exog_row[:, f]
                cols.append(np.broadcast_to(e.reshape(e.shape + (1,) * (y.ndim - 2)), y[t - 1].shape))
        return np.stack(cols, axis=-1)

    def _quiet(self, y: np.ndarray, t: int) -> np.ndarray:
        """Series (x paths) whose counts in the level window before ``t`` are all 0."""
        if not (self.zero_terms and self.level):
            return np.zeros(y[t - 1].shape, dtype=bool)
        win = y[max(0, t - int(self.level)) : t]
        seen = np.isfinite(win)
        return (seen.sum(axis=0) >= min(int(self.level), len(win))) & np.all(np.where(seen, win, 0) == 0, axis=0)

    def _exog_array(self, index: pd.Index, names: list[str]) -> np.ndarray | None:
        if not self.exog:
            return None
        frames = []
        for s in names:
            f = self.exog.get(s)
            if f is None:
                raise InputError("exog", f"no indicator features for series {s!r}")
            frames.append(np.log1p(f.reindex(index).ffill().fillna(0.0).clip(lower=0).to_numpy(float)))
        return np.stack(frames, axis=1)  # periods x series x features

    def fit(self, history: Any) -> NBAutoregression:
        df = self._start(history)
        if self.max_history and len(df) > self.max_history:
            df = df.iloc[-int(self.max_history) :]
        names = self.series_
        missing = [c for c in self.cross if c not in names]
        if missing:
            raise InputError("cross", f"series {', '.join(missing)} not in the history")
        self._cross_idx = [names.index(c) for c in self.cross]
        y = df.to_numpy(float)
        self.max_ = np.array([np.nanmax(c) if np.isfinite(c).any() else np.nan for c in y.T])
        self._exog_hist = self._exog_array(df.index, names)
        p = max([int(v) for v in self.lags] + [1])
        rows_x, rows_y, rows_s, onset = [], [], [], []
        for t in range(p, len(y)):
            ex = self._exog_hist[t - 1] if self._exog_hist is not None else None
            x = self._design(y, t, ex)
            ok = np.isfinite(y[t]) & np.all(np.isfinite(x), axis=1)
            quiet = self._quiet(y, t)
            onset.append(y[t][ok & quiet])
            ok &= ~quiet
            rows_x.append(x[ok])
            rows_y.append(y[t][ok])
            rows_s.append(np.flatnonzero(ok))
        self.onset_ = np.concatenate(onset) if onset else np.zeros(0)
        if not self.onset_.size:
            self.onset_ = np.zeros(1)
        self.feature_names_ = self._feature_names()
        if not rows_x or sum(len(r) for r in rows_y) < self.min_rows:
            raise InputError("history", f"too short to fit: fewer than {self.min_rows} usable rows")
        X = np.concatenate(rows_x)
        Y = np.concatenate(rows_y)
        sid = np.concatenate(rows_s)
        self.n_obs_ = len(Y)
        self._history = y[-max(p, int(self.level) or 1, 1) :]
        params, alpha, cov, ll, conv = _nb_fit(X, Y)
        self.params_ = pd.Series(params, index=self.feature_names_)
        self.alpha_, self.cov_, self.loglik_, self.converged_ = alpha, cov, ll, conv
        k = len(names)
        self.coef_ = np.tile(params, (k, 1))
        self.alphas_ = np.full(k, alpha)
        self.covs_ = np.tile(cov, (k, 1, 1))
        self.pooled_ = np.ones(k, dtype=bool)
        self.series_loglik_ = np.full(k, np.nan)
        if not self.pooled:
            for j in range(k):
                mine = sid == j
                if mine.sum() < max(self.min_rows, 3 * X.shape[1]):
                    continue  # too short for its own model: the pooled one stands in
                try:
                    pj, aj, cj, lj, cv = _nb_fit(X[mine], Y[mine])
                except InputError:
                    continue  # the pooled model stands in
                del cv  # a Poisson fallback (no overdispersion) is a fine model for one series
                self.coef_[j], self.alphas_[j], self.covs_[j] = pj, aj, cj
                self.pooled_[j] = False
                self.series_loglik_[j] = lj
        self.series_params_ = pd.DataFrame(self.coef_, index=names, columns=self.feature_names_)
        return self

    def _feature_names(self) -> list[str]:
        names = ["const"] + [f"log1p_lag{int(v)}" for v in self.lags]
        if self.zero_terms:
            names.append("zero_lag1")
        if self.level:
            names.append(f"log1p_level{int(self.level)}")
        names += [f"log1p_{c}_lag1" for c in self.cross]
        if self.exog:
            first = next(iter(self.exog.values()))
            names += [f"log1p_{c}_lag1" for c in first.columns]
        return names

    def predict(self, horizon: int = 1) -> np.ndarray:
        self._check()
        rng = np.random.default_rng(self.seed)
        n, k = self.n_samples, len(self.series_)
        beta = np.repeat(self.coef_[:, None, :], n, axis=1)  # series x paths x features
        if self.param_draws:
            for j in range(k):
                cov = (self.covs_[j] + self.covs_[j].T) / 2
                if not np.any(cov):
                    continue
                with contextlib.suppress(np.linalg.LinAlgError, ValueError):
                    beta[j] = rng.multivariate_normal(self.coef_[j], cov, size=n, method="eigh")
        hist = np.repeat(self._history[:, :, None], n, axis=2)  # periods x series x paths
        last_ex = self._exog_hist[-1] if self._exog_hist is not None else None
        out = np.zeros((k, horizon, n))
        r = (1.0 / self.alphas_)[:, None]
        cap = (CAP_FACTOR * (np.nan_to_num(self.max_, nan=0.0) + 1.0))[:, None]
        for step in range(horizon):
            t = hist.shape[0]
            ext = np.concatenate([hist, np.zeros((1, k, n))], axis=0)
            x = np.nan_to_num(self._design(ext, t, last_ex), nan=0.0)  # series x paths x features
            eta = np.einsum("spf,spf->sp", x, beta)
            mu = np.minimum(np.exp(np.clip(eta, -50, np.log(MAX_MEAN))), cap)
            draw = rng.negative_binomial(r, r / (r + mu)).astype(float)
            quiet = self._quiet(ext, t)
            if quiet.any():
                draw[quiet] = rng.choice(self.onset_, size=int(quiet.sum()))
            out[:, step, :] = draw
            hist = np.concatenate([hist[1:], draw[None]], axis=0)
        # series without a value at the origin are not forecast
        out[~np.isfinite(self.last_)] = np.nan
        return out


def _nb_fit(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, float, bool]:
    """NB2 maximum likelihood (statsmodels); Poisson GLM when it fails. Returns coefficients,
    alpha, their covariance, log-likelihood, and whether the NB fit converged."""
    import statsmodels.api as sm

    f = X.shape[1]
    if not np.any(Y > 0):  # nothing to learn: every forecast is zero
        return np.r_[-30.0, np.zeros(f - 1)], 1e-8, np.zeros((f, f)), 0.0, True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.NegativeBinomial(Y, X, loglike_method="nb2").fit(disp=0, maxiter=200)
            params = np.asarray(res.params, float)
            cov = np.asarray(res.cov_params(), float)
            ok = bool(np.all(np.isfinite(params)) and np.all(np.isfinite(cov)))
            conv = ok and bool(res.mle_retvals.get("converged", True))
            if ok:
                return params[:-1], float(max(params[-1], 1e-8)), cov[:-1, :-1], float(res.llf), conv
        except Exception:  # noqa: BLE001 - the Poisson fit below stands in, said by the flag
            pass
        try:
            res = sm.GLM(Y, X, family=sm.families.Poisson()).fit()
        except (ValueError, np.linalg.LinAlgError) as e:
            raise InputError("history", f"the NB and Poisson fits both failed ({e})") from None
        cov = np.nan_to_num(np.asarray(res.cov_params(), float))
        return np.asarray(res.params, float), 1e-6, cov, float(res.llf), False


class Blend(_Forecaster):
    """An equal-weight mixture of the NB autoregression's ensemble and the bootstrap baseline's
    (half the members from each): forecast combination, which the forecasting literature finds
    hard to beat; it keeps the model's dynamics and the baseline's robustness to regime change.
    ``nbar_options`` go to :class:`NBAutoregression`."""

    def __init__(self, *, window: int = 12, n_samples: int = 1000, seed: int | None = 0,
                 nbar_options: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        self.window = window
        self.n_samples = n_samples
        self.seed = seed
        self.nbar_options = nbar_options

    def fit(self, history: Any) -> Blend:
        self._start(history)
        half = max(1, self.n_samples // 2)
        self.nbar_ = NBAutoregression(n_samples=half, seed=self.seed, **dict(self.nbar_options or {}))
        self.nbar_.fit(history)
        self.bootstrap_ = Bootstrap(window=self.window, n_samples=self.n_samples - half, seed=self.seed)
        self.bootstrap_.fit(history)
        return self

    def predict(self, horizon: int = 1) -> np.ndarray:
        self._check()
        return np.concatenate([self.nbar_.predict(horizon), self.bootstrap_.predict(horizon)], axis=2)
