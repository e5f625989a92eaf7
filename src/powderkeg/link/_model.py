"""Likelihood machinery of the exponential Hawkes model: baseline designs, kernel features,
per-stream projected Newton solves, and derivatives in the decays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powderkeg.errors import InputError
from powderkeg.link._events import Events
from powderkeg.link._excite import Lagged, compensator, stable_order


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
        self.perm = stable_order(ev.k, kk)
        counts = ev.counts
        self.bounds = np.r_[0, np.cumsum(counts)]
        self.slices = [slice(int(self.bounds[i]), int(self.bounds[i + 1])) for i in range(kk)]
        # a padded (K, n_max) layout of the events, for solving small problems in one batch
        n_max = int(counts.max()) if kk else 0
        pos = np.arange(n_max)[None, :]
        self.pad_idx = np.where(pos < counts[:, None], self.bounds[:-1, None] + pos, ev.t.size)
        self.pad_mask = (pos >= counts[:, None]).astype(float)
        # the design, stream-major and transposed: column n of XT is event n's features (events
        # sorted by stream, then time), so each stream's block is a contiguous column range
        self.XT = np.empty((self.p, ev.t.size))
        if self.B == 1 and base.values.shape[0] == 1:
            self.XT[0] = base.values[0, 0]
        else:
            self.XT[: self.B] = base.design(ev.t[self.perm]).T
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
        self.fast = None
        if not self.per_pair:
            for r in range(q):
                beta = float(decays[r])
                out = self.lagged.kernel_t(beta, order, out=self.XT[b:] if q == 1 else None)
                if q > 1:  # the kernel's arrays are work buffers, reused by the next decay
                    out = tuple(x.copy() for x in out)
                comp = compensator(ev.t, ev.k, kk, beta, ev.end, order)
                cols = b + np.arange(kk) * q + r
                if q == 1:
                    self.fast = (out, comp)
                else:
                    self.XT[cols] = out[0]
                for i in range(kk):
                    rows[i]["c"][cols] = comp[0]
                    if order >= 1:
                        sl = self.slices[i]
                        rows[i]["dX"][r] = (cols, out[1][:, sl].T)
                        rows[i]["dc"][r] = (cols, comp[1])
                        if order >= 2:
                            rows[i]["d2X"][r] = (cols, out[2][:, sl].T)
                            rows[i]["d2c"][r] = (cols, comp[2])
        else:
            comps = {}
            for j in range(kk):
                col = b + j
                for i in range(kk):
                    d = int(self.dmap[i, j, 0])
                    beta = float(decays[d])
                    sl = self.slices[i]
                    out = tuple(x.copy() for x in self.lagged_rows[i].kernel(beta, order, col=j))
                    if d not in comps:
                        comps[d] = compensator(ev.t, ev.k, kk, beta, ev.end, order)
                    comp = comps[d]
                    self.XT[col, sl] = out[0][:, 0]
                    rows[i]["c"][col] = comp[0][j]
                    if order >= 1:
                        rows[i]["dX"][d] = ([col], out[1])
                        rows[i]["dc"][d] = ([col], comp[1][j : j + 1])
                        if order >= 2:
                            rows[i]["d2X"][d] = ([col], out[2])
                            rows[i]["d2c"][d] = ([col], comp[2][j : j + 1])
        for i in range(kk):
            rows[i]["X"] = self.XT[:, self.slices[i]].T
        return rows

    # -- inner solve ---------------------------------------------------------------------------
    def solve(
        self, rows: list[dict], theta: np.ndarray, tol: float = 1e-9, max_iter: int = 200
    ) -> tuple[np.ndarray, float]:
        """Maximise each stream's ``sum(log(x @ theta)) - c @ theta`` over ``theta >= 0``
        (concave) by projected Newton: exact Hessian on the free variables (variables at zero
        whose gradient points outward are held fixed), projected backtracking (Armijo) line
        search starting from twice the last accepted step, stop when the Newton decrement (the
        predicted gain) is below ``tol``.  All streams move in step: per stream a few BLAS calls
        on its contiguous block of the transposed design, the Newton systems one batched solve;
        small problems go to :meth:`_solve_padded`.  Keeps each stream's negative Hessian in
        ``last_h`` and the intensities in ``last_lam``."""
        kk, p = theta.shape
        xt_all = self.XT
        sls = self.slices
        c = np.stack([row["c"] for row in rows])
        theta = np.maximum(theta, 0.0)
        if self.pad_idx.size * p <= self.small:
            return self._solve_padded(c, theta, tol, max_iter)
        lam = np.empty(xt_all.shape[1])
        f = np.empty(kk)
        for i, sl in enumerate(sls):
            xt = xt_all[:, sl]
            li = lam[sl]
            np.dot(theta[i], xt, out=li)
            if not li.min() > 0:  # start outside the domain: lift it, or restart flat
                n_i = xt.shape[1]
                theta[i] += 1e-3 * max(float(n_i / max(c[i].sum(), 1e-300)), 1e-12)
                np.dot(theta[i], xt, out=li)
                if not li.min() > 0:
                    theta[i] = n_i / max(float(c[i].sum()), 1e-300)
                    np.dot(theta[i], xt, out=li)
            f[i] = np.log(li).sum()
        f -= np.einsum("ij,ij->i", c, theta)
        h = np.zeros((kk, p, p))
        g = np.empty((kk, p))
        active = np.ones(kk, dtype=bool)
        diag = np.eye(p, dtype=bool)
        new = np.empty(p)
        shape = (p, int(np.diff(self.bounds).max()))
        work = getattr(self, "_solve_work", None)
        if work is None or work.shape != shape:  # kept across calls: fresh pages are slow here
            work = self._solve_work = np.empty(shape)
        last_step = np.ones(kk)
        for _ in range(max_iter):
            act = np.flatnonzero(active)
            if act.size == 0:
                break
            for i in act:
                sl = sls[i]
                xw = work[:, : sl.stop - sl.start]
                np.divide(xt_all[:, sl], lam[sl], out=xw)
                xw.sum(axis=1, out=g[i])
                np.dot(xw, xw.T, out=h[i])
            g[act] -= c[act]
            ga, ha = g[act], h[act]
            free = (theta[act] > 0.0) | (ga > 0.0)
            hs = np.where(free[:, :, None] & free[:, None, :], ha, 0.0)
            ridge = 1e-12 * np.trace(ha, axis1=1, axis2=2) / p + 1e-300
            hs[:, diag] += np.where(free, ridge[:, None], 1.0)
            gs = np.where(free, ga, 0.0)
            try:
                d = np.linalg.solve(hs, gs[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                d = gs / np.maximum(np.diagonal(hs, axis1=1, axis2=2), 1e-300)
            dec = np.einsum("ij,ij->i", gs, d)
            go = dec >= 2.0 * tol
            active[act[~go]] = False
            for r in np.flatnonzero(go):
                i = act[r]
                sl = sls[i]
                xt = xt_all[:, sl]
                th, di, fi, ci = theta[i], d[r], f[i], c[i]
                step = min(1.0, 2.0 * last_step[i])
                while True:
                    np.multiply(di, step, out=new)
                    new += th
                    np.maximum(new, 0.0, out=new)
                    ln = new @ xt
                    if ln.min() > 0:
                        f_new = float(np.log(ln).sum() - ci @ new)
                        if f_new >= fi + 1e-4 * float(g[i] @ (new - th)):
                            break
                    step *= 0.5
                    if step < 1e-10:
                        break
                if step < 1e-10:
                    active[i] = False
                    continue
                theta[i], f[i] = new, f_new
                lam[sl] = ln
                last_step[i] = step
        self.last_h = list(h)
        self.last_lam = lam
        return theta, float(f.sum())

    small = 60_000  # problems with at most this many padded design entries: one batch

    def _solve_padded(
        self, c: np.ndarray, theta: np.ndarray, tol: float, max_iter: int
    ) -> tuple[np.ndarray, float]:
        """:meth:`solve` for small problems: every stream's events in a zero-padded (K, p, n_max)
        block, so each Newton step and each backtracking trial is a few batched numpy calls
        for all streams together (padding has intensity 1 and no features: it adds nothing)."""
        kk, p = theta.shape
        xp = np.take(
            np.concatenate([self.XT, np.zeros((p, 1))], axis=1), self.pad_idx, axis=1
        ).transpose(1, 0, 2)  # (K, p, n_max)
        pad = self.pad_mask
        n_i = np.diff(self.bounds).astype(float)

        def intensity(th: np.ndarray) -> np.ndarray:
            return np.matmul(th[:, None, :], xp)[:, 0, :] + pad

        lam = intensity(theta)
        bad = ~(lam > 0).all(axis=1)
        if bad.any():  # start outside the domain: as in solve
            cs = np.maximum(c.sum(axis=1), 1e-300)
            theta[bad] += (1e-3 * np.maximum(n_i / cs, 1e-12))[bad, None]
            lam = intensity(theta)
            bad = ~(lam > 0).all(axis=1)
            if bad.any():
                theta[bad] = (n_i / cs)[bad, None]
                lam = intensity(theta)
        f = np.log(lam).sum(axis=1) - np.einsum("ij,ij->i", c, theta)
        active = np.ones(kk, dtype=bool)
        diag = np.eye(p, dtype=bool)
        h = np.zeros((kk, p, p))
        last_step = np.ones(kk)
        for _ in range(max_iter):
            w = xp / lam[:, None, :]
            g = w.sum(axis=2) - c
            h = np.matmul(w, w.transpose(0, 2, 1))
            free = (theta > 0.0) | (g > 0.0)
            hs = np.where(free[:, :, None] & free[:, None, :], h, 0.0)
            ridge = 1e-12 * np.trace(h, axis1=1, axis2=2) / p + 1e-300
            hs[:, diag] += np.where(free, ridge[:, None], 1.0)
            gs = np.where(free, g, 0.0)
            try:
                d = np.linalg.solve(hs, gs[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                d = gs / np.maximum(np.diagonal(hs, axis1=1, axis2=2), 1e-300)
            dec = np.einsum("ij,ij->i", gs, d)
            active &= dec >= 2.0 * tol
            if not active.any():
                break
            # first trial: twice the last accepted step (1 near the optimum; far from it, where
            # the projection cuts long steps short, this saves most of the halvings)
            step = np.where(active, np.minimum(1.0, 2.0 * last_step), 0.0)
            pending = active.copy()
            new, lam_new, f_new = theta.copy(), lam.copy(), f.copy()
            while pending.any():
                trial = np.maximum(theta + step[:, None] * d, 0.0)
                lt = intensity(trial)
                ok = (lt > 0).all(axis=1)
                ft = np.full(kk, -np.inf)
                ft[ok] = np.log(lt[ok]).sum(axis=1) - np.einsum("ij,ij->i", c[ok], trial[ok])
                gain = np.einsum("ij,ij->i", g, trial - theta)
                acc = pending & ok & (ft >= f + 1e-4 * gain)
                new[acc], lam_new[acc], f_new[acc] = trial[acc], lt[acc], ft[acc]
                last_step[acc] = step[acc]
                pending &= ~acc
                step[pending] *= 0.5
                stuck = pending & (step < 1e-10)
                active &= ~stuck
                pending &= ~stuck
            theta, lam, f = new, lam_new, f_new
            if not active.any():
                break
        self.last_h = list(h)
        self.last_lam = lam.ravel()[(self.pad_mask == 0).ravel()]
        return theta, float(f.sum())

    def envelope(self, theta: np.ndarray) -> tuple[float, np.ndarray, float, float | None]:
        """For one shared decay, from the features of the last ``features`` call and the
        intensities and Hessians of the last ``solve`` (at ``theta``): the log-likelihood's
        derivative in the decay (the envelope theorem), d theta* / d decay (the implicit
        function theorem, on the free parameters), l_bt Hneg^-1 l_tb (>= 0), and the second
        derivative in the decay at fixed theta when the features have order 2 (else None)."""
        (out, comp), b = self.fast, self.B
        dxt_all, dc = out[1], comp[1]
        second = len(out) > 2
        lam = self.last_lam
        kk, p = theta.shape
        grad = 0.0
        h_dd = 0.0
        htd = np.empty((kk, p))
        for i, sl in enumerate(self.slices):
            inv = 1.0 / lam[sl]
            dxt = dxt_all[:, sl]
            th = theta[i, b:]
            dl = th @ dxt
            dl *= inv  # d log lambda / d decay
            grad += float(dl.sum()) - float(dc @ th)
            if second:
                h_dd += float((th @ out[2][:, sl]) @ inv) - float(comp[2] @ th) - float(dl @ dl)
            dl *= inv
            np.dot(self.XT[:, sl], dl, out=htd[i])
            htd[i] *= -1.0
            htd[i, b:] += dxt @ inv
            htd[i, b:] -= dc
        free = theta > 0
        h = np.array(self.last_h)
        hs = np.where(free[:, :, None] & free[:, None, :], h, 0.0)
        hs[:, np.eye(p, dtype=bool)] += np.where(free, 0.0, 1.0)
        rhs = np.where(free, htd, 0.0)
        try:
            slope = np.linalg.solve(hs, rhs[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            slope = np.zeros_like(theta)
            for i in range(kk):
                try:
                    slope[i] = np.linalg.solve(hs[i], rhs[i])
                except np.linalg.LinAlgError:
                    slope[i] = 0.0
        extra = float(np.einsum("ij,ij->", rhs, slope))
        return grad, slope, extra, (h_dd if second else None)

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
