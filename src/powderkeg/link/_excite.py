"""The O(N*K) exponential-kernel recursion, vectorised with numpy.

For events ``t_0 < t_1 < ...`` with stream labels ``k_n`` and a decay ``beta``, the excitation
felt at time ``s`` from stream ``j`` is

    F_j(s) = sum_{t_m < s, k_m = j} beta * exp(-beta * (s - t_m))

(the kernel ``beta * exp(-beta u)`` integrates to one, so a branching coefficient multiplies it).

The textbook recursion ``S_m = 1 + exp(-beta (t_m - t_{m-1})) S_{m-1}`` over one stream's own
events is sequential.  Here it runs as a parallel prefix scan (Hillis-Steele doubling: log2(N)
vectorised passes, stopping early once the kernel has decayed below 1e-20 across the pass
distance, where what is left is below double precision).
The scan carries the moments ``S_r = sum (t_m - t_l)^r exp(-beta (t_m - t_l))`` for r <= 2, so
the first and second derivatives in ``beta`` come out of the same pass; composing two steps is a
time shift of the moments, which involves only additions of positive terms (no cancellation).
A query time then needs only the last event of each stream before it: with lag ``D``,
``E0 = e^{-beta D} S0``, ``E1 = e^{-beta D} (D S0 + S1)``, ``E2 = e^{-beta D} (D^2 S0 + 2 D S1 + S2)``.
The last-event indices and lags do not depend on ``beta`` and are computed once.
"""

from __future__ import annotations

import numpy as np

_EXP_FLOOR = -700.0  # exp(-700) ~ 1e-304: below this exp is slow and the value irrelevant
_FAR = 60.0  # decay * lag beyond which a kernel term is negligible next to the compensator's 1


def _shift_scan(
    t: np.ndarray, first: np.ndarray, beta: float, order: int, buf: dict | None = None
) -> list[np.ndarray]:
    """Within-stream moment sums at each event, the event itself included.

    ``t``: the events of all streams concatenated stream by stream, each stream sorted.
    ``first``: True at the first event of each stream (the recursion restarts there).
    Returns ``[S0, S1, S2][:order+1]`` with ``S_r[m] = sum_{l <= m, same stream}
    (t_m - t_l)^r exp(-beta (t_m - t_l))``, each with one extra trailing zero (index ``n``).
    ``buf`` holds reusable work arrays.
    """
    n = t.size
    buf = {} if buf is None else buf

    def work(name: str, size: int = n) -> np.ndarray:
        arr = buf.get(name)
        if arr is None or arr.shape != (size,):
            arr = buf[name] = np.empty(size)
        return arr

    a = work("a")
    a[0] = 0.0
    np.subtract(t[1:], t[:-1], out=a[1:])
    a *= -beta
    a[first] = 0.0  # (set to zero after the exp: the recursion restarts at each stream start)
    np.maximum(a, _EXP_FLOOR, out=a)  # exp of very negative numbers takes a slow path
    np.exp(a, out=a)
    a[first] = 0.0
    # outputs carry one extra trailing zero: the index used where a stream has no earlier event
    s0 = work("s0", n + 1)
    s0[n] = 0.0
    b0 = s0[:n]
    b0.fill(1.0)
    b1 = b2 = None
    outs = [s0]
    if order >= 1:
        s1 = work("s1", n + 1)
        s1.fill(0.0)
        b1 = s1[:n]
        outs.append(s1)
    if order >= 2:
        s2 = work("s2", n + 1)
        s2.fill(0.0)
        b2 = s2[:n]
        outs.append(s2)
    lag_all, tmp_all, tmp2_all = work("lag"), work("tmp"), work("tmp2")
    d = 1
    while d < n:
        m = n - d
        p = a[d:]
        y0 = b0[:m]
        tmp = tmp_all[:m]
        if order >= 1:
            lag = lag_all[:m]
            np.subtract(t[d:], t[:m], out=lag)
            y1 = b1[:m]
            if order >= 2:
                tmp2 = tmp2_all[:m]
                np.multiply(lag, y0, out=tmp2)  # D y0
                np.multiply(y1, 2.0, out=tmp)
                tmp += tmp2  # 2 y1 + D y0
                tmp *= lag
                tmp += b2[:m]
                tmp *= p
                b2[d:] += tmp
                np.add(y1, tmp2, out=tmp)  # y1 + D y0
            else:
                np.multiply(lag, y0, out=tmp)
                tmp += y1
            tmp *= p
            b1[d:] += tmp
        np.multiply(p, y0, out=tmp)
        b0[d:] += tmp
        np.multiply(p, a[:m], out=tmp)
        a[d:] = tmp
        d *= 2
        if d >= 32 and d < n and a[d:].max() < 1e-20:
            break  # every window of length d has decayed below 1e-20: the rest cannot matter
    return outs


def stable_order(k: np.ndarray, n_streams: int) -> np.ndarray:
    """Stable argsort of stream indices (a radix sort when they fit in 16 bits: ~10x faster)."""
    if n_streams < 2**15:
        return np.argsort(k.astype(np.int16), kind="stable")
    return np.argsort(k, kind="stable")


class Lagged:
    """Kernel sums at fixed query times, for any decay, from fixed events.

    ``t``, ``k``: events (times sorted, strictly increasing) and their stream indices.
    ``query``: times at which the sums are wanted (any order), e.g. the events themselves.
    Sums are over events strictly before each query time.  Internally everything is laid out
    stream-major, ``(K, n_query)``, so that each stream's row is contiguous.
    """

    def __init__(
        self,
        t: np.ndarray,
        k: np.ndarray,
        n_streams: int,
        query: np.ndarray | None = None,
        query_index: np.ndarray | None = None,
        order: np.ndarray | None = None,
    ) -> None:
        """``query``: arbitrary query times; or ``query_index``: positions in ``t`` (the events
        themselves, in any order), which skips the binary searches.  ``order``: a stable argsort
        of ``k``, if the caller has one."""
        kk = self.K = n_streams
        if order is None:
            order = stable_order(k, n_streams)
        self.cat = t[order]
        sizes = np.bincount(k, minlength=n_streams)
        self.offsets = np.r_[0, np.cumsum(sizes)]
        self.first = np.zeros(self.cat.size, dtype=bool)
        self.first[self.offsets[:-1][sizes > 0]] = True
        n = t.size
        if query_index is not None:
            # earlier events of stream j before event n: an exclusive running count, per stream
            onehot = k[None, :] == np.arange(kk)[:, None]  # (K, N)
            before = onehot.astype(np.intp)
            np.cumsum(before, axis=1, out=before)  # in place: several times faster here
            before -= onehot
            idx = np.take(before, query_index, axis=1, mode="clip")
            none = idx == 0
            # position in ``cat`` of the last earlier event of each stream; where there is none,
            # the trailing zero of the scan outputs (index N) and a zero lag
            idx += (self.offsets[:-1] - 1)[:, None]
            idx[none] = n
            lag = np.take(np.r_[self.cat, 0.0], idx, mode="clip")
            np.subtract(t[query_index][None, :], lag, out=lag)
            lag[none] = 0.0
            self.idx, self.lag = idx, lag
        else:
            nq = query.size
            self.idx = np.full((kk, nq), n, dtype=np.intp)
            self.lag = np.zeros((kk, nq))
            for j in range(kk):
                tj = self.cat[self.offsets[j] : self.offsets[j + 1]]
                pos = np.searchsorted(tj, query, side="left") - 1
                ok = pos >= 0
                self.idx[j, ok] = self.offsets[j] + pos[ok]
                self.lag[j, ok] = query[ok] - tj[pos[ok]]
        self.max_lag = float(self.lag.max()) if self.lag.size else 0.0
        self._buf: dict[str, np.ndarray] = {}

    def _work(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        arr = self._buf.get(name)
        if arr is None or arr.shape != shape:
            arr = self._buf[name] = np.empty(shape)
        return arr

    def sums_t(self, beta: float, order: int = 0, col: int | None = None) -> tuple[np.ndarray, ...]:
        """``E_r[j, q] = sum_{t_m < query_q, k_m = j} (query_q - t_m)^r exp(-beta (query_q - t_m))``
        for r <= order; shape (K, nq), or (1, nq) for one stream ``col``.  The arrays returned
        are work buffers, valid until the next call."""
        if col is None:
            s = _shift_scan(self.cat, self.first, beta, order, self._buf)
            idx, lag = self.idx, self.lag
        else:
            a, z = self.offsets[col], self.offsets[col + 1]
            if z == a:
                zero = np.zeros((1, self.idx.shape[1]))
                return tuple(zero for _ in range(order + 1))
            s = _shift_scan(self.cat[a:z], self.first[a:z], beta, order)
            sl = slice(col, col + 1)
            idx = self.idx[sl] - a
            idx[self.idx[sl] == self.cat.size] = z - a  # the trailing zero
            lag = self.lag[sl]
        shape = idx.shape
        dec = self._work("dec", shape)
        np.multiply(lag, -beta, out=dec)
        np.maximum(dec, _EXP_FLOOR, out=dec)
        np.exp(dec, out=dec)
        e0 = self._work("e0", shape)
        np.take(s[0], idx, out=e0, mode="clip")
        if order == 0:
            e0 *= dec
            return (e0,)
        e1 = self._work("e1", shape)
        np.take(s[1], idx, out=e1, mode="clip")
        tmp = self._work("df", shape)  # scratch here; kernel_t() reuses it for dF
        np.multiply(lag, e0, out=tmp)
        e1 += tmp
        e1 *= dec
        if order == 1:
            e0 *= dec
            return e0, e1
        e2 = self._work("e2", shape)
        np.take(s[2], idx, out=e2, mode="clip")
        # e2 + 2 lag s1 + lag^2 s0 = e2 + lag (2 s1 + lag s0), s1 still in tmp's place below
        np.take(s[1], idx, out=tmp, mode="clip")
        tmp *= 2.0
        lag_e0 = self._work("tmp2", shape)
        np.multiply(lag, e0, out=lag_e0)
        tmp += lag_e0
        tmp *= lag
        e2 += tmp
        e2 *= dec
        e0 *= dec
        return e0, e1, e2

    def kernel_t(
        self, beta: float, order: int = 0, col: int | None = None, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...]:
        """``F = beta * E0`` and its derivatives ``dF/dbeta``, ``d2F/dbeta2`` up to ``order``,
        shape (K, nq) (work buffers, valid until the next call; ``out``, where given for all
        streams, receives ``F``)."""
        if col is None:
            return self._kernel_all(beta, order, out)
        sums = self.sums_t(beta, order, col)
        e0 = sums[0]
        if order == 0:
            e0 *= beta
            return (e0,)
        e1 = sums[1]
        df = self._work("df", e0.shape)
        np.multiply(e1, -beta, out=df)
        df += e0
        e0 *= beta
        if order == 1:
            return e0, df
        e2 = sums[2]
        e2 *= beta
        e1 *= 2.0
        e2 -= e1
        return e0, df, e2

    def _kernel_all(
        self, beta: float, order: int, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...]:
        """``kernel_t`` for all streams in few passes over the (K, nq) arrays and few work
        arrays (``F`` goes to ``out`` if given).  With ``g`` the sums gathered at the last
        earlier event and ``e = exp(-beta D)``: ``E0 = e g0``, ``E1 = e (g1 + D g0)``,
        ``E2 = e (g2 + D (2 g1 + D g0))``; ``F = beta E0``, ``dF = E0 - beta E1``,
        ``d2F = beta E2 - 2 E1``."""
        s = _shift_scan(self.cat, self.first, beta, order, self._buf)
        shape = self.idx.shape
        dec = self._work("dec", shape)
        np.multiply(self.lag, -beta, out=dec)
        if beta * self.max_lag > -_EXP_FLOOR:
            np.maximum(dec, _EXP_FLOOR, out=dec)  # exp of very negative numbers is slow
        np.exp(dec, out=dec)
        f = self._work("e0", shape) if out is None else out
        np.take(s[0], self.idx, out=f, mode="clip")  # g0
        if order == 0:
            f *= dec
            f *= beta
            return (f,)
        df = self._work("df", shape)
        np.take(s[1], self.idx, out=df, mode="clip")  # g1
        e1 = self._work("e1", shape)
        np.multiply(self.lag, f, out=e1)  # D g0
        e1 += df  # g1 + D g0
        d2 = None
        if order >= 2:
            d2 = self._work("e2", shape)
            np.take(s[2], self.idx, out=d2, mode="clip")  # g2
            df += e1  # 2 g1 + D g0
            df *= self.lag
            d2 += df
            d2 *= dec  # E2
        f *= dec  # E0
        e1 *= dec  # E1
        np.multiply(e1, -beta, out=df)
        df += f  # dF
        f *= beta  # F
        if d2 is None:
            return f, df
        d2 *= beta
        e1 *= 2.0
        d2 -= e1  # d2F
        return f, df, d2

    def sums(self, beta: float, order: int = 0, col: int | None = None) -> tuple[np.ndarray, ...]:
        """As :meth:`sums_t`, shape (nq, K) or (nq, 1) (transposed views)."""
        return tuple(x.T for x in self.sums_t(beta, order, col))

    def kernel(self, beta: float, order: int = 0, col: int | None = None) -> tuple[np.ndarray, ...]:
        """As :meth:`kernel_t`, shape (nq, K) or (nq, 1) (transposed views)."""
        return tuple(x.T for x in self.kernel_t(beta, order, col))


def kernel_from_sums(beta: float, sums: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Kernel sum ``F = beta * E0`` and its derivatives in ``beta`` from the raw sums."""
    e0 = sums[0]
    f = beta * e0
    if len(sums) == 1:
        return (f,)
    e1 = sums[1]
    df = e0 - beta * e1
    if len(sums) == 2:
        return f, df
    d2f = -2.0 * e1 + beta * sums[2]
    return f, df, d2f


def excitation(
    t: np.ndarray, k: np.ndarray, n_streams: int, beta: float, order: int = 0
) -> tuple[np.ndarray, ...]:
    """Kernel sums at every event from the events strictly before it, shape (N, K), and their
    derivatives in ``beta`` up to ``order``."""
    return Lagged(t, k, n_streams, query_index=np.arange(t.size)).kernel(beta, order)


def compensator(
    t: np.ndarray, k: np.ndarray, n_streams: int, beta: float, end: float, order: int = 0
) -> tuple[np.ndarray, ...]:
    """Integrated kernel mass to ``end`` per source stream,
    ``G[j] = sum_{k_m = j} (1 - exp(-beta (end - t_m)))``, and its derivatives in ``beta``.

    ``t`` is sorted: events more than ``_FAR / beta`` before ``end`` contribute exactly 1 to
    ``G`` (``exp(-60)`` ~ 1e-26 is below double precision next to 1) and nothing to the
    derivatives (``s exp(-beta s)`` < 1e-20 per event), so only the recent suffix is computed."""
    cut = int(np.searchsorted(t, end - _FAR / beta, side="left")) if beta > 0 else 0
    g = np.bincount(k[:cut], minlength=n_streams).astype(float)
    ts, ks = t[cut:], k[cut:]
    s = end - ts
    x = np.maximum(-beta * s, _EXP_FLOOR)
    g += np.bincount(ks, weights=-np.expm1(x), minlength=n_streams)
    if order == 0:
        return (g,)
    se = s * np.exp(x)
    dg = np.bincount(ks, weights=se, minlength=n_streams)
    if order == 1:
        return g, dg
    d2g = -np.bincount(ks, weights=s * se, minlength=n_streams)
    return g, dg, d2g
