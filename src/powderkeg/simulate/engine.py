"""The simulation kernel: one chunk of runs of a compiled scenario (numba, vectorless loops).

Written with numba rather than vectorised numpy because the state is small per run (a rung per
theatre, a few flags) and changes rarely: a loop that recomputes hazards only when something
changed beats array passes over every run and step (benchmarks/bench_simulate.py measures it).

Per run and weekly step:
1. each open theatre draws one uniform ``u``; with hazards ``up`` and ``down`` at its rung it
   moves up when ``u < up``, down when ``u < up + down``; the destination rung comes from the
   calibrated jump distribution, reusing ``u`` rescaled (an exact conditional uniform);
2. firing elements (commitments, sanctions, retaliation, actions), in trigger order, whose
   trigger holds draw and fire (``decision``: one draw the first time; ``week``: every week);
3. outcomes: a theatre at use of force (rung >= 3) or war (4), two theatres at force at once.

``up = 1 - (1 - U[k]) ** exp(lm)`` where ``lm`` sums the theatre's static log-effects
(indicators, capabilities, arms, presence, leverage), excitation from theatres at force, the
aggressor's overextension, patron support and guarantor deterrence scaled by free capacity,
and the effects of fired or threatened elements. Free capacity of actor a in theatre t:
``min(1, capacity_a / (1 + theatres elsewhere where a is engaged)) ** overextension``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_TOKENS = 12
OVERFLOW = np.int64(1) << np.int64(62)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SLOT = np.uint64(0xD1B54A32D192ED03)


@njit(cache=True)
def _uniform(key: np.uint64, counter: np.uint64, slot: np.uint64) -> float:
    """A counter-based uniform in [0, 1): the SplitMix64 finaliser of (key, run-step, slot).

    Counter-based rather than a sequential generator so that each (run, step, theatre or
    element) always gets the same number: two what-if arms then share their random numbers
    wherever their runs agree (common random numbers), which makes sensitivity estimates far
    less noisy, and the kernel stays deterministic per chunk."""
    z = key + counter * _GOLDEN + slot * _SLOT
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _push(code: np.int64, n: np.int64, token: np.int64) -> tuple[np.int64, np.int64]:
    if n >= MAX_TOKENS:
        return code | OVERFLOW, n
    return (code << np.int64(5)) | token, n + 1


@njit(cache=True)
def _strength(a: int, t: int, eng: np.ndarray, cap: np.ndarray, ov: float) -> float:
    if a < 0:
        return 1.0
    T = eng.shape[1]
    elsewhere = 0
    for j in range(T):
        if j != t and eng[a, j]:
            elsewhere += 1
    s = cap[a] / (1.0 + elsewhere)
    if s >= 1.0:
        return 1.0
    return s**ov


@njit(cache=True)
def run_chunk(
    n: int, seed: int, steps: int, U: np.ndarray, D: np.ndarray, JU: np.ndarray, JD: np.ndarray,
    static_up: np.ndarray, exc: np.ndarray, aggr: np.ndarray, part: np.ndarray, closed: np.ndarray,
    start: np.ndarray, floor0: np.ndarray, pat_a: np.ndarray, pat_t: np.ndarray, pat_s: np.ndarray, cd_a: np.ndarray,
    cd_t: np.ndarray, cd_v: np.ndarray, ev_ncond: np.ndarray, ev_ckind: np.ndarray,
    ev_carg: np.ndarray, ev_crung: np.ndarray, ev_prob: np.ndarray, ev_week: np.ndarray,
    ev_sa: np.ndarray, ev_st: np.ndarray, ev_esc_t: np.ndarray, ev_esc_to: np.ndarray,
    ev_com_a: np.ndarray, ev_com_t: np.ndarray, ev_init: np.ndarray, ev_pre: np.ndarray,
    ev_post: np.ndarray, cap: np.ndarray, ov: float, commit_rung: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    key = np.uint64(seed) * _M2 + _GOLDEN
    T = static_up.shape[0]
    A = cap.shape[0]
    E = ev_prob.shape[0]
    n_out = 2 * T + E + 1
    counts = np.zeros(n_out, dtype=np.int64)
    force_paths = np.zeros((n, T), dtype=np.int64)
    war_paths = np.zeros((n, T), dtype=np.int64)
    rung = np.zeros(T, dtype=np.int64)
    floor = np.zeros(T, dtype=np.int64)
    committed = np.zeros((A, T), dtype=np.bool_)
    eng = np.zeros((A, T), dtype=np.bool_)
    fired = np.zeros(E, dtype=np.bool_)
    decided = np.zeros(E, dtype=np.bool_)
    dyn_ev = np.zeros(T)
    up = np.zeros(T)
    up_tab = np.zeros((T, 5))
    up_tab0 = np.zeros((T, 5))
    first = True
    any_init = False
    for e in range(E):
        if ev_init[e]:
            any_init = True
    down = np.zeros(T)
    code = np.zeros(T, dtype=np.int64)
    ntok = np.zeros(T, dtype=np.int64)
    hit_force = np.zeros(T, dtype=np.bool_)
    hit_war = np.zeros(T, dtype=np.bool_)
    out = np.zeros(n_out, dtype=np.bool_)
    for r in range(n):
        out[:] = False
        committed[:, :] = False
        fired[:] = False
        decided[:] = False
        dyn_ev[:] = 0.0
        for t in range(T):
            rung[t] = 0 if closed[t] else start[t]
            floor[t] = floor0[t]
            code[t] = 1
            ntok[t] = 0
            code[t], ntok[t] = _push(code[t], ntok[t], rung[t])
            hit_force[t] = False
            hit_war[t] = False
        for e in range(E):
            for t in range(T):
                dyn_ev[t] += ev_pre[e, t]
        for e in range(E):
            if ev_init[e]:
                fired[e] = True
                decided[e] = True
                out[2 * T + e] = True
                for t in range(T):
                    dyn_ev[t] += ev_post[e, t] - ev_pre[e, t]
        n_force = 0
        for t in range(T):  # a theatre that starts at use of force or war has reached it
            if rung[t] >= 3:
                n_force += 1
                hit_force[t] = True
                force_paths[r, t] = code[t]
                if rung[t] >= 4:
                    hit_war[t] = True
                    war_paths[r, t] = code[t]
        if n_force >= 2:
            out[2 * T + E] = True
        dirty = True
        if r > 0 and not any_init:
            up_tab[:, :] = up_tab0  # every run starts from the same state: reuse its hazards
            dirty = False
        for _s in range(steps):
            counter = np.uint64(r) * np.uint64(steps + 1) + np.uint64(_s)
            if dirty:
                # log-multipliers change only when a theatre crosses the use-of-force line or an
                # element fires; moves below that line just look up the rung's hazard
                for a in range(A):
                    for t in range(T):
                        eng[a, t] = committed[a, t] or (part[a, t] and rung[t] >= commit_rung)
                for t in range(T):
                    if closed[t]:
                        for k in range(5):
                            up_tab[t, k] = 0.0
                        continue
                    lm = static_up[t] + dyn_ev[t]
                    for j in range(T):
                        if j != t and rung[j] >= 3:
                            lm += exc[j, t]
                    st = _strength(aggr[t], t, eng, cap, ov)
                    lm += np.log(max(st, 1e-12))
                    for p in range(pat_a.shape[0]):
                        if pat_t[p] == t:
                            lm += pat_s[p] * _strength(pat_a[p], t, eng, cap, ov)
                    for c in range(cd_a.shape[0]):
                        if cd_t[c] == t:
                            lm -= cd_v[c] * _strength(cd_a[c], t, eng, cap, ov)
                    m = np.exp(lm)
                    for k in range(5):
                        up_tab[t, k] = 1.0 - (1.0 - U[k]) ** m if U[k] > 0.0 else 0.0
                dirty = False
                if first:
                    up_tab0[:, :] = up_tab
                    first = False
            for t in range(T):
                k = rung[t]
                up[t] = up_tab[t, k]
                down[t] = D[k] if (k > floor[t] and not closed[t]) else 0.0
                if up[t] + down[t] > 1.0:
                    down[t] = 1.0 - up[t]
            # 1. ladder moves
            for t in range(T):
                u = _uniform(key, counter, np.uint64(t))
                k = rung[t]
                if u < up[t]:
                    v = u / up[t]
                    j = k + 1
                    while j < 4 and v >= JU[k, j]:
                        j += 1
                    rung[t] = j
                elif u < up[t] + down[t]:
                    v = (u - up[t]) / down[t]
                    j = 0
                    while j < k - 1 and v >= JD[k, j]:
                        j += 1
                    rung[t] = max(j, floor[t])
                if rung[t] != k:
                    if (rung[t] >= 3) != (k >= 3) or (rung[t] >= commit_rung) != (k >= commit_rung):
                        dirty = True
                    if not hit_war[t]:
                        code[t], ntok[t] = _push(code[t], ntok[t], rung[t])
            # 2. firing elements, in trigger order
            for e in range(E):
                if fired[e] or (decided[e] and not ev_week[e]):
                    continue
                cond = False
                for m in range(ev_ncond[e]):
                    if ev_ckind[e, m] == 0:
                        if rung[ev_carg[e, m]] >= ev_crung[e, m]:
                            cond = True
                    elif fired[ev_carg[e, m]]:
                        cond = True
                if not cond:
                    continue
                decided[e] = True
                p = ev_prob[e]
                if ev_sa[e] >= 0:
                    for a in range(A):
                        for t in range(T):
                            eng[a, t] = committed[a, t] or (part[a, t] and rung[t] >= commit_rung)
                    p *= _strength(ev_sa[e], ev_st[e], eng, cap, ov)
                if _uniform(key, counter, np.uint64(T + e)) < p:
                    fired[e] = True
                    dirty = True
                    out[2 * T + e] = True
                    for t in range(T):
                        dyn_ev[t] += ev_post[e, t] - ev_pre[e, t]
                        if not hit_war[t] and e < 27:
                            code[t], ntok[t] = _push(code[t], ntok[t], np.int64(5 + e))
                    if ev_esc_t[e] >= 0:
                        t = ev_esc_t[e]
                        floor[t] = max(floor[t], ev_esc_to[e])
                        if rung[t] < ev_esc_to[e] and not closed[t]:
                            rung[t] = ev_esc_to[e]
                            if not hit_war[t]:
                                code[t], ntok[t] = _push(code[t], ntok[t], rung[t])
                    if ev_com_a[e] >= 0:
                        committed[ev_com_a[e], ev_com_t[e]] = True
            # 3. outcomes
            n_force = 0
            for t in range(T):
                if rung[t] >= 3:
                    n_force += 1
                    if not hit_force[t]:
                        hit_force[t] = True
                        force_paths[r, t] = code[t]
                    if rung[t] >= 4 and not hit_war[t]:
                        hit_war[t] = True
                        war_paths[r, t] = code[t]
            if n_force >= 2:
                out[2 * T + E] = True
        for t in range(T):
            out[t] = hit_force[t]
            out[T + t] = hit_war[t]
        for i in range(n_out):
            if out[i]:
                counts[i] += 1
    return counts, force_paths, war_paths


def decode_path(code: int, names: list[str]) -> list[str]:
    """The tokens of a path code: rung names (0-4) and firing elements (5 + index)."""
    overflow = bool(code & int(OVERFLOW))
    code &= ~int(OVERFLOW)
    tokens: list[int] = []
    while code > 1:
        tokens.append(code & 31)
        code >>= 5
    words = [names[t] if t < len(names) else f"#{t}" for t in reversed(tokens)]
    return words + (["…"] if overflow else [])
