"""Likelihood machinery of the exponential Hawkes model: baseline designs, kernel features,
per-stream projected Newton solves, and derivatives in the decays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powderkeg.errors import InputError
from powderkeg.link._events import Events
from powderkeg.link._excite import Lagged, compensator


# ----------------------------------------------------------------------------------------------
# baseline designs
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Baseline:
    edges: np.ndarray  # (P+1,) piece boundaries covering [start, end]
    values: np.ndarray  # (P, B) basis function values on each piece (non-negative)
    names: tuple[str, ...]

    @property
    def n_basis(self) -> int:
        return self.values.shape[1]

    def design(self, t: np.ndarray) -> np.ndarray:
        piece = np.clip(np.searchsorted(self.edges, t, side="right") - 1, 0, len(self.edges) - 2)
        return self.values[piece]

    def integral(self) -> np.ndarray:
        return np.diff(self.edges) @ self.values


def _make_baseline(
    kind: str, start: float, end: float, n_pieces: int, volume: tuple | None
) -> _Baseline:
    if kind == "constant":
        return _Baseline(np.array([start, end]), np.ones((1, 1)), ("constant",))
    if kind == "piecewise":
        if n_pieces < 1:
            raise InputError("n_baseline_pieces", "must be >= 1")
        edges = np.linspace(start, end, n_pieces + 1)
        return _Baseline(edges, np.eye(n_pieces), tuple(f"piece{p}" for p in range(n_pieces)))
    if kind == "volume":
        if volume is None:
            raise InputError("baseline", "baseline='volume' needs volume=(edges, values)")
        vedges = np.asarray(volume[0], dtype=float)
        vvals = np.asarray(volume[1], dtype=float)
        if vedges.ndim != 1 or vvals.shape != (vedges.size - 1,) or np.any(np.diff(vedges) <= 0):
            raise InputError("volume", "needs increasing edges (P+1,) and values (P,)")
        if not np.all(np.isfinite(vvals)) or np.any(vvals < 0):
            raise InputError("volume", "values must be finite and non-negative")
        if vedges[0] > start or vedges[-1] < end:
            raise InputError("volume", "edges must cover the observation window")
        scale = float(vvals.mean()) or 1.0
        cut = np.clip(vedges, start, end)
        keep = np.diff(cut) > 0
        edges = np.r_[cut[:-1][keep], end]
        vals = np.column_stack([np.ones(keep.sum()), vvals[keep] / scale])
        return _Baseline(edges, vals, ("constant", "volume"))
    raise InputError("baseline", f"must be constant, piecewise or volume, not {kind!r}")


# ----------------------------------------------------------------------------------------------
# the likelihood machinery for fixed data
# ----------------------------------------------------------------------------------------------
class _Problem:
    """Features and per-stream Newton solves for one data set and decay structure."""

    def __init__(self, ev: Events, base: _Baseline, n_exp: int, per_pair: bool) -> None:
        self.ev = ev
        kk = ev.n_streams
        self.K, self.q, self.B = kk, n_exp, base.n_basis
        self.p = self.B + kk * n_exp
        self.perm = np.argsort(ev.k, kind="stable")
        counts = ev.counts
        self.bounds = np.r_[0, np.cumsum(counts)]
        self.X = np.empty((ev.t.size, self.p))
        if self.B == 1 and base.values.shape[0] == 1:
            self.X[:, 0] = base.values[0, 0]
        else:
            self.X[:, : self.B] = base.design(ev.t[self.perm])
        self.cb = base.integral()
        # decay index for (row i, source j, component r)
        if per_pair:
            if n_exp != 1:
                raise InputError("per_pair", "per_pair=True needs n_exp=1")
            self.dmap = np.arange(kk * kk).reshape(kk, kk, 1)
        else:
            self.dmap = np.broadcast_to(np.arange(n_exp), (kk, kk, n_exp)).copy()
        self.n_decay = int(self.dmap.max()) + 1
        self.per_pair = per_pair
        if per_pair:
            self.lagged_rows = [
                Lagged(
                    ev.t,
                    ev.k,
                    kk,
                    query_index=self.perm[self.bounds[i] : self.bounds[i + 1]],
                    order=self.perm,
                )
                for i in range(kk)
            ]
        else:
            self.lagged = Lagged(ev.t, ev.k, kk, query_index=self.perm, order=self.perm)

    # -- features ------------------------------------------------------------------------------
    def features(self, decays: np.ndarray, order: int = 0) -> list[dict]:
        """Per row (stream i): ``X`` (view, n_i x p) and compensator ``c`` (p,); for ``order`` >= 1
        also ``dX[d] = (cols, dX/d decay_d)``, ``dc[d]``, and for 2 the second derivatives."""
        ev, kk, q, b = self.ev, self.K, self.q, self.B
        rows: list[dict] = [
            {"c": np.empty(self.p), "dX": {}, "dc": {}, "d2X": {}, "d2c": {}} for _ in range(kk)
        ]
        for i in range(kk):
            rows[i]["c"][:b] = self.cb
        if not self.per_pair:
            for r in range(q):
                beta = float(decays[r])
                out = self.lagged.kernel(beta, order)
                if q > 1:  # the kernel's arrays are work buffers, reused by the next decay
                    out = tuple(x.copy() for x in out)
                comp = compensator(ev.t, ev.k, kk, beta, ev.end, order)
                cols = b + np.arange(kk) * q + r
                self.X[:, cols] = out[0]
                for i in range(kk):
                    rows[i]["c"][cols] = comp[0]
                    if order >= 1:
                        sl = slice(self.bounds[i], self.bounds[i + 1])
                        rows[i]["dX"][r] = (cols, out[1][sl])
                        rows[i]["dc"][r] = (cols, comp[1])
                        if order >= 2:
                            rows[i]["d2X"][r] = (cols, out[2][sl])
                            rows[i]["d2c"][r] = (cols, comp[2])
        else:
            for j in range(kk):
                col = b + j
                for i in range(kk):
                    d = int(self.dmap[i, j, 0])
                    beta = float(decays[d])
                    sl = slice(self.bounds[i], self.bounds[i + 1])
                    out = tuple(x.copy() for x in self.lagged_rows[i].kernel(beta, order, col=j))
                    comp = compensator(ev.t, ev.k, kk, beta, ev.end, order)
                    self.X[sl, col] = out[0][:, 0]
                    rows[i]["c"][col] = comp[0][j]
                    if order >= 1:
                        rows[i]["dX"][d] = ([col], out[1])
                        rows[i]["dc"][d] = ([col], comp[1][j : j + 1])
                        if order >= 2:
                            rows[i]["d2X"][d] = ([col], out[2])
                            rows[i]["d2c"][d] = ([col], comp[2][j : j + 1])
        for i in range(kk):
            rows[i]["X"] = self.X[self.bounds[i] : self.bounds[i + 1]]
        return rows

    # -- inner solve ---------------------------------------------------------------------------
    @staticmethod
    def solve_row(
        x: np.ndarray, c: np.ndarray, theta: np.ndarray, tol: float = 1e-9, max_iter: int = 200
    ) -> tuple[np.ndarray, float, int, np.ndarray]:
        """Maximise ``sum(log(x @ theta)) - c @ theta`` over ``theta >= 0`` (concave) by projected
        Newton: exact Hessian on the free variables, variables at zero whose gradient points
        outward held fixed, projected backtracking (Armijo) line search.  Stops when the Newton
        decrement (the predicted gain) is below ``tol``.  Returns (theta, objective, iterations,
        negative Hessian at theta)."""
        theta = np.maximum(theta, 0.0)
        lam = x @ theta
        if not np.all(lam > 0):
            theta[: x.shape[1]] += 1e-3 * max(float(x.shape[0] / max(c.sum(), 1e-300)), 1e-12)
            lam = x @ theta
            if not np.all(lam > 0):
                theta[:] = x.shape[0] / max(float(c.sum()), 1e-300)
                lam = x @ theta
        f = float(np.log(lam).sum() - c @ theta)
        p = theta.size
        it = 0
        h = np.zeros((p, p))
        for it in range(1, max_iter + 1):  # noqa: B007
            xw = x / lam[:, None]
            g = xw.sum(axis=0)
            g -= c
            h = xw.T @ xw
            free = (theta > 0.0) | (g > 0.0)
            ridge = 1e-12 * float(h.trace()) / p + 1e-300
            if free.all():
                h.flat[:: p + 1] += ridge
                try:
                    d = np.linalg.solve(h, g)
                except np.linalg.LinAlgError:
                    d = g / np.maximum(h.diagonal(), 1e-300)
            else:
                d = np.zeros(p)
                if free.any():
                    hf = h[np.ix_(free, free)]
                    hf.flat[:: hf.shape[0] + 1] += ridge
                    try:
                        d[free] = np.linalg.solve(hf, g[free])
                    except np.linalg.LinAlgError:
                        d[free] = g[free] / np.maximum(hf.diagonal(), 1e-300)
            dec = float(g @ d)
            if dec < 2.0 * tol:
                break
            step = 1.0
            while True:
                new = theta + step * d
                np.maximum(new, 0.0, out=new)
                lam_new = x @ new
                if np.all(lam_new > 0):
                    f_new = float(np.log(lam_new).sum() - c @ new)
                    if f_new >= f + 1e-4 * float(g @ (new - theta)):
                        break
                step *= 0.5
                if step < 1e-10:
                    break
            if step < 1e-10:
                break
            theta, lam, f = new, lam_new, f_new
        return theta, f, it, h

    def solve(
        self, rows: list[dict], theta: np.ndarray, tol: float = 1e-9
    ) -> tuple[np.ndarray, float]:
        """Solve every stream's problem; keeps each stream's negative Hessian in ``last_h``."""
        out = np.empty_like(theta)
        total = 0.0
        self.last_h = []
        for i, row in enumerate(rows):
            th, f, _, h = self.solve_row(row["X"], row["c"], theta[i], tol=tol)
            out[i] = th
            total += f
            self.last_h.append(h)
        return out, total

    def theta_slope(self, rows: list[dict], theta: np.ndarray) -> tuple[np.ndarray, float]:
        """For one shared decay: d theta* / d log(decay) by the implicit function theorem
        (Hneg^-1 d2l/dtheta ddecay * decay, on the free parameters), from first-order kernel
        derivatives and the Hessians kept by the last ``solve``; and the second term of the
        profile curvature, l_bt Hneg^-1 l_tb (>= 0)."""
        slope = np.zeros_like(theta)
        extra = 0.0
        for i, row in enumerate(rows):
            x, th = row["X"], theta[i]
            cols, dx = row["dX"][0]
            lam = x @ th
            inv = 1.0 / lam
            dl = dx @ th[cols]
            htd = -(x.T @ (dl * inv * inv))
            htd[cols] += dx.T @ inv - row["dc"][0][1]
            free = th > 0
            if not free.any():
                continue
            hf = self.last_h[i][np.ix_(free, free)]
            try:
                v = np.linalg.solve(hf, htd[free])
            except np.linalg.LinAlgError:
                continue
            slope[i, free] = v
            extra += float(htd[free] @ v)
        return slope, extra

    # -- derivatives in the decays -------------------------------------------------------------
    def decay_derivatives(self, rows: list[dict], theta: np.ndarray, second: bool):
        """Gradient of the log-likelihood in the decays (theta fixed) and, with ``second``, the
        Hessian blocks: per-row H_tt (negative Hessian in theta), H_td (d2l / dtheta ddecay),
        and H_dd (d2l / ddecay2)."""
        nd = self.n_decay
        grad = np.zeros(nd)
        h_dd = np.zeros((nd, nd)) if second else None
        h_tt, h_td = [], []
        for i, row in enumerate(rows):
            x, th = row["X"], theta[i]
            lam = x @ th
            inv = 1.0 / lam
            dl = {}  # d lambda / d decay_d, per event
            for d, (cols, dx) in row["dX"].items():
                dl[d] = dx @ th[cols]
                grad[d] += float(dl[d] @ inv - row["dc"][d][1] @ th[cols])
            if not second:
                continue
            xw = x * inv[:, None]
            h_tt.append(xw.T @ xw)
            htd = np.zeros((self.p, nd))
            inv2 = inv * inv
            for d, (cols, dx) in row["dX"].items():
                htd[:, d] -= x.T @ (dl[d] * inv2)
                htd[cols, d] += dx.T @ inv - row["dc"][d][1]
                cols2, d2x = row["d2X"][d]
                h_dd[d, d] += float((d2x @ th[cols2]) @ inv - row["d2c"][d][1] @ th[cols2])
                for e in dl:
                    h_dd[d, e] -= float((dl[d] * dl[e]) @ inv2)
            h_td.append(htd)
        if not second:
            return grad
        return grad, h_tt, h_td, h_dd
