"""Monte Carlo over a scenario: chunks with their own seeded streams, local processes or Dask,
outcome probabilities with Wilson intervals, the commonest paths, and one-at-a-time sensitivity.

Runs are cut into chunks of ``CHUNK`` runs whatever the number of workers; chunk ``i`` draws from
``SeedSequence(seed, spawn_key=(i,))``. Chunk results are integer counts, summed, so the output
is the same on one process, several, or a Dask cluster.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from statsmodels.stats.proportion import proportion_confint  # type: ignore[import-untyped]

from ..errors import UsageError
from .compile import ARG_ORDER, Compiled, compile_scenario, parameters
from .engine import decode_path, run_chunk
from .scenario import build, resolved

CHUNK = 32_768
MAX_RUNS = 100_000_000
TOP_PATHS = 5
SENSITIVITY_RUNS = 2_000
#: Fields varied in the sensitivity analysis (capabilities and resolve act through their effects).
SENSITIVE_FIELDS = {
    "indicators", "up_scale", "down_scale", "indicator_effect", "capability_effect", "resolve_effect",
    "overextension", "capacity", "weight", "support", "effect", "reliability", "deterrence",
    "probability", "cost", "dependence", "retaliation",
}  # fmt: skip
SENSITIVITY_SEED_OFFSET = 7919


def chunk_seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1, np.uint32)[0])


def _chunks(runs: int) -> list[tuple[int, int]]:
    return [(i, min(CHUNK, runs - i * CHUNK)) for i in range((runs + CHUNK - 1) // CHUNK)]


def run_one_chunk(arrays: dict[str, Any], steps: int, seed: int, index: int, n: int) -> dict[str, Any]:
    """One chunk: outcome counts and path-code counts (top-level so processes and Dask can call it)."""
    counts, force_paths, war_paths = run_chunk(n, chunk_seed(seed, index), steps, *[arrays[k] for k in ARG_ORDER])
    paths: dict[str, dict[int, int]] = {}
    for kind, codes in (("force", force_paths), ("war", war_paths)):
        for t in range(codes.shape[1]):
            col = codes[:, t]
            col = col[col != 0]
            if len(col):
                u, c = np.unique(col, return_counts=True)
                paths[f"{kind}:{t}"] = dict(zip(u.tolist(), c.tolist(), strict=True))
    return {"counts": counts, "paths": paths}


def _gather(results: Sequence[dict[str, Any]]) -> tuple[np.ndarray, dict[str, Counter[int]]]:
    counts = np.sum([r["counts"] for r in results], axis=0)
    paths: dict[str, Counter[int]] = {}
    for r in results:
        for k, d in r["paths"].items():
            paths.setdefault(k, Counter()).update(d)
    return counts, paths


def execute(comp: Compiled, runs: int, seed: int, *, workers: int = 1, dask: str | None = None) -> tuple[np.ndarray, dict[str, Counter[int]]]:
    jobs = _chunks(runs)
    if dask:
        from dask.distributed import Client

        try:
            client = Client(dask, timeout="20s")
        except OSError as e:
            raise UsageError(f"--dask {dask}: cannot reach the scheduler ({e})") from None
        try:
            arr = client.scatter(comp.arrays, broadcast=True)
            futs = client.map(run_one_chunk, [arr] * len(jobs), [comp.steps] * len(jobs), [seed] * len(jobs),
                              [i for i, _ in jobs], [n for _, n in jobs], pure=False)  # fmt: skip
            results = client.gather(futs)
        finally:
            client.close()
        return _gather(results)
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # fork where there is one: the children inherit the loaded kernel instead of importing
        # numba again (seconds on a busy machine); the kernel starts no threads
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=mp.get_context(method)) as ex:
            local = [ex.submit(run_one_chunk, comp.arrays, comp.steps, seed, i, n) for i, n in jobs]
            return _gather([f.result() for f in local])
    return _gather([run_one_chunk(comp.arrays, comp.steps, seed, i, n) for i, n in jobs])


def wilson(k: int, n: int) -> list[float]:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return [round(float(lo), 6), round(float(hi), 6)]


def _paths_out(comp: Compiled, paths: dict[str, Counter[int]]) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    names = comp.token_names
    for kind in ("war", "force"):
        for t, tid in enumerate(comp.theatres):
            c = paths.get(f"{kind}:{t}")
            if c:
                top = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PATHS]
                out[f"{kind}:{tid}"] = [decode_path(code, names) for code, _ in top]
    return out


def path_counts(comp: Compiled, paths: dict[str, Counter[int]], outcome: str) -> list[tuple[list[str], int]]:
    kind, _, tid = outcome.partition(":")
    c = paths.get(f"{kind}:{comp.theatres.index(tid)}", Counter())
    top = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PATHS]
    return [(decode_path(code, comp.token_names), n) for code, n in top]


def _sensitive(path: str, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value != 0 and path.rsplit(".", 1)[-1] in SENSITIVE_FIELDS


def sensitivity(base: dict[str, Any], raw_sets: list[str], source: str, params: dict[str, dict[str, Any]],
                seed: int, runs: int, base_names: list[str], max_runs: int = SENSITIVITY_RUNS) -> dict[str, dict[str, float]]:  # fmt: skip
    """Effect on each outcome of moving each parameter from half to one and a half times its value
    (probabilities clipped to [0, 1]), with common random numbers for both arms."""
    effects: dict[str, dict[str, float]] = {name: {} for name in base_names}
    n = min(runs, max_runs)
    for p, info in params.items():
        v = info["value"]
        if not _sensitive(p, v):
            continue
        arms: list[np.ndarray] = []
        for f in (0.5, 1.5):
            new = v * f
            if p.rsplit(".", 1)[-1] in ("reliability", "probability", "dependence", "retaliation", "capability", "resolve"):
                new = min(1.0, new)
            try:
                sc2, _ = build(base, {}, [*raw_sets, f"{p}={new!r}"], source)
            except Exception:  # noqa: BLE001 - a value out of its schema range is not varied
                arms = []
                break
            comp = compile_scenario(sc2)
            counts, _ = execute(comp, n, seed + SENSITIVITY_SEED_OFFSET)
            arms.append(counts / n)
        if len(arms) == 2:
            for i, name in enumerate(base_names):
                effects[name][p] = round(float(arms[1][i] - arms[0][i]), 6)
    return {k: dict(sorted(v.items(), key=lambda kv: -abs(kv[1]))) for k, v in effects.items()}


def simulate(
    scenario: str | Path,
    *,
    runs: int,
    seed: int,
    sets: Sequence[str] = (),
    from_store: str | None = None,
    workers: int = 1,
    dask: str | None = None,
    with_sensitivity: bool = True,
    sensitivity_runs: int = SENSITIVITY_RUNS,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The contract's Simulation JSON for ``runs`` runs of ``scenario`` with seed ``seed``."""
    if not 1 <= runs <= MAX_RUNS:
        raise UsageError(f"--runs {runs}: give 1 to {MAX_RUNS}")
    if workers < 1:
        raise UsageError(f"--workers {workers}: give at least 1")
    t0 = time.perf_counter()
    sets = list(sets)
    extra_sources: dict[str, str] = {}
    if from_store:
        from .fromstore import store_sets

        store_items, extra_sources = store_sets(scenario, from_store)
        sets = store_items + sets
    base, base_sources = resolved(scenario)
    sc, sources = build(base, base_sources, sets, str(scenario))
    for k, v in extra_sources.items():
        if sources.get(k, "").startswith("--set"):
            sources[k] = v
    comp = compile_scenario(sc)
    counts, paths = execute(comp, runs, seed, workers=workers, dask=dask)
    params = parameters(sc, sources)
    outcomes = {name: {"p": round(float(counts[i] / runs), 6), "ci": wilson(int(counts[i]), runs)}
                for i, name in enumerate(comp.outcome_names)}  # fmt: skip
    sens = (
        sensitivity(base, sets, str(scenario), params, seed, runs, comp.outcome_names, sensitivity_runs)
        if with_sensitivity
        else {}
    )
    if details is not None:
        details.update(compiled=comp, counts=counts, paths=paths, scenario=sc)
    return {
        "runs": runs,
        "seed": seed,
        "seconds": round(time.perf_counter() - t0, 3),
        "outcomes": outcomes,
        "parameters": params,
        "paths": _paths_out(comp, paths),
        "sensitivity": sens,
    }


def compare(scenario: str | Path, outcome: str, sets_a: Sequence[str], sets_b: Sequence[str], *, runs: int, seed: int,
            given: str | None = None) -> dict[str, Any]:  # fmt: skip
    """P(outcome) under two sets of overrides and their difference with a 95% interval (the two
    arms use different seeds, so the interval is that of two independent proportions). With
    ``given``, each arm also reports P(given) and P(outcome | given) = P(outcome) / P(given) (for
    an outcome that implies ``given``)."""
    res = []
    for i, sets in enumerate((sets_a, sets_b)):
        r = simulate(scenario, runs=runs, seed=seed + i, sets=list(sets), with_sensitivity=False)
        for name in (outcome, given):
            if name is not None and name not in r["outcomes"]:
                raise UsageError(f"unknown outcome {name!r}; known: {', '.join(r['outcomes'])}")
        arm = dict(r["outcomes"][outcome])
        if given is not None:
            g = r["outcomes"][given]["p"]
            arm["given"] = {"outcome": given, "p": g, "conditional": round(arm["p"] / g, 6) if g else None}
        res.append(arm)
    pa, pb = res[0]["p"], res[1]["p"]
    se = float(np.sqrt(pa * (1 - pa) / runs + pb * (1 - pb) / runs))
    diff = pb - pa
    return {"outcome": outcome, "a": res[0], "b": res[1], "difference": round(diff, 6),
            "ci": [round(diff - 1.96 * se, 6), round(diff + 1.96 * se, 6)], "runs": runs, "seed": seed}  # fmt: skip
