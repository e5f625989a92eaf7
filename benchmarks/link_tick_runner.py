"""Runs tick's Hawkes learners on saved data; executed by bench_link.py with tick's own Python.

tick (https://github.com/X-DataInitiative/tick) needs its own environment here: create it with
``python3.11 -m venv /work/team/tickenv && /work/team/tickenv/bin/pip install tick numpydoc six``
(numpydoc and six are needed but not declared by tick).

Usage: ``python link_tick_runner.py DATA.npz REPEATS`` -> JSON on stdout: for the
least-squares and the maximum-likelihood learner, the fit seconds of each repeat, the fitted
baseline and adjacency, and tick's own score at the fit and at the true parameters.  Both learners are given the true decay (tick
cannot estimate it).  Settings: tick's defaults for least squares (penalty l2, C=1e3, solver agd);
for likelihood the BFGS solver (the default agd solver stops with "the sum of the influence on
someone cannot be negative" on this data), max_iter 1000, tol 1e-10, and where BFGS fails in
the same way, agd started at 0.1 (which solver ran is reported).
"""

import json
import sys
import time

import numpy as np
from tick.hawkes import HawkesExpKern

data = np.load(sys.argv[1])
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
k = int(data["K"])
decay = float(data["decay"])
events = [np.ascontiguousarray(data[f"s{i}"], dtype=float) for i in range(k)]
out = {}
ml_bfgs = {"gofit": "likelihood", "solver": "bfgs", "max_iter": 1000, "tol": 1e-10}
ml_agd = {"gofit": "likelihood", "solver": "agd", "max_iter": 1000, "tol": 1e-10}
for name, tries in (
    ("least_squares", [({"gofit": "least-squares"}, None)]),
    ("likelihood", [(ml_bfgs, None), (ml_agd, 0.1)]),
):
    for kw, start in tries:
        times = []
        learner = None
        try:
            for _ in range(repeats):
                learner = HawkesExpKern(decay, **kw)
                t0 = time.perf_counter()
                learner.fit(events, start=start)
                times.append(time.perf_counter() - t0)
        except RuntimeError as exc:  # tick's solvers can step outside the positive orthant
            out.setdefault("failures", []).append(f"{name} {kw.get('solver', 'agd')}: {exc}")
            continue
        out[name] = {
            "seconds": times,
            "baseline": learner.baseline.tolist(),
            "solver": kw.get("solver", "agd"),
            "start": start,
            "adjacency": learner.adjacency.tolist(),
            "score": float(learner.score()),
            "score_truth": float(learner.score(baseline=data["mu"], adjacency=data["A"])),
        }
        break
print(json.dumps(out))
