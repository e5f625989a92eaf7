"""Speed of ``powderkeg simulate`` against the same model written with Mesa, in one run.

The Mesa model (mesa 3) reads the same compiled scenario and applies the same rules, the way an
agent-based modeller would write them: a Theatre agent per theatre moves on the escalation
ladder, an Element agent per commitment, sanction, retaliation or action fires when its trigger
holds, and the model recomputes every hazard each step. The script prints both timings, the
ratio, peak memory, and checks that every outcome probability agrees within Monte Carlo error.

Usage (the numbers in BENCHMARKS.md):
    python benchmarks/bench_simulate.py --runs 1000000 --workers 2 --mesa-runs 2000
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from typing import Any

import mesa
import numpy as np

from powderkeg.simulate import list_scenarios, load, simulate
from powderkeg.simulate.compile import compile_scenario


class Theatre(mesa.Agent):
    def __init__(self, model: LadderModel, t: int) -> None:
        super().__init__(model)
        a = model.arr
        self.t = t
        self.rung = 0 if a["closed"][t] else int(a["start"][t])
        self.floor = int(a["floor0"][t])

    def log_multiplier(self) -> float:
        m, a, t = self.model, self.model.arr, self.t
        lm = a["static_up"][t] + m.dyn_ev[t]
        for other in m.theatres:
            if other.t != t and other.rung >= 3:
                lm += a["exc"][other.t, t]
        lm += math.log(max(m.strength(int(a["aggr"][t]), t), 1e-12))
        for p in range(len(a["pat_a"])):
            if a["pat_t"][p] == t:
                lm += a["pat_s"][p] * m.strength(int(a["pat_a"][p]), t)
        for c in range(len(a["cd_a"])):
            if a["cd_t"][c] == t:
                lm -= a["cd_v"][c] * m.strength(int(a["cd_a"][c]), t)
        return lm

    def step(self) -> None:
        a, t = self.model.arr, self.t
        u = self.model.random.random()
        if a["closed"][t]:
            return
        k = self.rung
        up = 1.0 - (1.0 - a["U"][k]) ** math.exp(self.model.lm[t]) if a["U"][k] > 0 else 0.0
        down = a["D"][k] if k > self.floor else 0.0
        down = min(down, 1.0 - up)
        if u < up:
            v, j = u / up, k + 1
            while j < 4 and v >= a["JU"][k, j]:
                j += 1
            self.rung = j
        elif u < up + down:
            v, j = (u - up) / down, 0
            while j < k - 1 and v >= a["JD"][k, j]:
                j += 1
            self.rung = max(j, self.floor)


class Element(mesa.Agent):
    def __init__(self, model: LadderModel, e: int) -> None:
        super().__init__(model)
        self.e = e
        self.fired = bool(model.arr["ev_init"][e])
        self.decided = self.fired

    def step(self) -> None:
        m, a, e = self.model, self.model.arr, self.e
        if self.fired or (self.decided and not a["ev_week"][e]):
            return
        cond = False
        for c in range(a["ev_ncond"][e]):
            arg = a["ev_carg"][e, c]
            if a["ev_ckind"][e, c] == 0:
                cond |= m.theatres[arg].rung >= a["ev_crung"][e, c]
            else:
                cond |= m.elements[arg].fired
        if not cond:
            return
        self.decided = True
        p = a["ev_prob"][e]
        if a["ev_sa"][e] >= 0:
            p *= m.strength(int(a["ev_sa"][e]), int(a["ev_st"][e]))
        if m.random.random() < p:
            self.fired = True
            m.dyn_ev += a["ev_post"][e] - a["ev_pre"][e]
            if a["ev_esc_t"][e] >= 0:
                th = m.theatres[a["ev_esc_t"][e]]
                th.floor = max(th.floor, int(a["ev_esc_to"][e]))
                if th.rung < a["ev_esc_to"][e] and not a["closed"][th.t]:
                    th.rung = int(a["ev_esc_to"][e])
            if a["ev_com_a"][e] >= 0:
                m.committed[a["ev_com_a"][e], a["ev_com_t"][e]] = True


class LadderModel(mesa.Model):
    def __init__(self, arr: dict[str, Any], steps: int, seed: int) -> None:
        super().__init__(seed=seed)
        self.arr, self.steps = arr, steps
        T, E, A = len(arr["static_up"]), len(arr["ev_prob"]), len(arr["cap"])
        self.committed = np.zeros((A, T), dtype=bool)
        self.dyn_ev = arr["ev_pre"].sum(axis=0) + ((arr["ev_post"] - arr["ev_pre"]) * arr["ev_init"][:, None]).sum(axis=0)
        self.theatres = [Theatre(self, t) for t in range(T)]
        self.elements = [Element(self, e) for e in range(E)]
        self.out = np.zeros(2 * T + E + 1, dtype=bool)
        self.lm = np.zeros(T)
        self.record()

    def engaged(self, a: int, t: int) -> bool:
        return bool(self.committed[a, t] or (self.arr["part"][a, t] and self.theatres[t].rung >= self.arr["commit_rung"]))

    def strength(self, a: int, t: int) -> float:
        if a < 0:
            return 1.0
        elsewhere = sum(self.engaged(a, j) for j in range(len(self.theatres)) if j != t)
        s = self.arr["cap"][a] / (1.0 + elsewhere)
        return 1.0 if s >= 1.0 else s ** self.arr["ov"]

    def record(self) -> None:
        T, E = len(self.theatres), len(self.elements)
        force = [th.rung >= 3 for th in self.theatres]
        for t, th in enumerate(self.theatres):
            self.out[t] |= force[t]
            self.out[T + t] |= th.rung >= 4
        for e, el in enumerate(self.elements):
            self.out[2 * T + e] |= el.fired
        self.out[2 * T + E] |= sum(force) >= 2

    def step(self) -> None:
        self.lm = np.array([th.log_multiplier() for th in self.theatres])
        for th in self.theatres:
            th.step()
        for el in self.elements:
            el.step()
        self.record()


def run_mesa(arr: dict[str, Any], steps: int, runs: int, seed: int) -> np.ndarray:
    counts = None
    for r in range(runs):
        m = LadderModel(arr, steps, seed * 1_000_003 + r)
        for _ in range(steps):
            m.step()
        counts = m.out.astype(np.int64) if counts is None else counts + m.out
    assert counts is not None
    return counts


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mesa-runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    path = next(p for p in list_scenarios() if p.stem == "ukraine-balkans-2021")
    sc, _ = load(path)
    comp = compile_scenario(sc)
    simulate(path, runs=1000, seed=0, with_sensitivity=False)  # compile / load the numba cache
    one_n = max(args.runs // 10, 1000)
    t0, c0 = time.perf_counter(), time.process_time()
    simulate(path, runs=one_n, seed=args.seed, with_sensitivity=False)
    one, one_cpu = time.perf_counter() - t0, time.process_time() - c0
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    ours = simulate(path, runs=args.runs, seed=args.seed, workers=args.workers, with_sensitivity=False)
    full = time.perf_counter() - t0
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    full_cpu = time.process_time() - c0 + (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    t0, c0 = time.perf_counter(), time.process_time()
    mcounts = run_mesa(comp.arrays, comp.steps, args.mesa_runs, args.seed)
    mesa_s, mesa_cpu = time.perf_counter() - t0, time.process_time() - c0
    load1 = f"{os.getloadavg()[0]:.1f}"
    print(f"scenario {path.stem}: {len(comp.theatres)} theatres, {len(comp.events)} firing elements, {comp.steps} weekly steps")
    print(f"machine: {os.cpu_count()} cores, load average {load1} at the end (shared machine: wall times vary, CPU times less)")
    print(f"powderkeg: {args.runs} runs with {args.workers} workers in {full:.2f} s wall, {full_cpu:.2f} s CPU "
          f"(goal <= 20 s on 2 cores); peak RSS {peak_rss_mb():.0f} MB (goal <= 4096)")
    print(f"powderkeg, one process: {one_n} runs in {one:.2f} s wall, {one_cpu:.2f} s CPU = {1e6 * one_cpu / one_n:.2f} us CPU/run")
    print(f"mesa {mesa.__version__}, one process: {args.mesa_runs} runs in {mesa_s:.2f} s wall, {mesa_cpu:.2f} s CPU = {1e6 * mesa_cpu / args.mesa_runs:.0f} us CPU/run")
    ratio = (mesa_cpu / args.mesa_runs) / (one_cpu / one_n)
    ratio_wall = (mesa_s / args.mesa_runs) / (one / one_n)
    print(f"ratio (per run, one process each): {ratio:.0f}x by CPU time, {ratio_wall:.0f}x by wall time (goal >= 300x)")
    worst, bad = 0.0, []
    print(f"{'outcome':<32} {'powderkeg':>9} {'mesa':>7} {'z':>6}")
    for i, name in enumerate(comp.outcome_names):
        p1 = ours["outcomes"][name]["p"]
        p2 = mcounts[i] / args.mesa_runs
        pool = max((p1 * args.runs + mcounts[i]) / (args.runs + args.mesa_runs), 1e-9)
        se = math.sqrt(pool * (1 - pool) * (1 / args.runs + 1 / args.mesa_runs))
        z = (p2 - p1) / se if se > 0 else 0.0
        worst = max(worst, abs(z))
        if abs(z) > 3.5:
            bad.append(name)
        print(f"{name:<32} {p1:>9.4f} {p2:>7.4f} {z:>6.2f}")
    print(f"largest |z| {worst:.2f} over {len(comp.outcome_names)} outcomes; "
          + ("all agree within Monte Carlo error (|z| <= 3.5)" if not bad else f"DISAGREE: {bad}"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
