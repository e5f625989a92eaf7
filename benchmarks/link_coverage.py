"""Coverage of the link stage's 95% intervals over repeated simulations.

Goal (link issue): over 200 repetitions, nominal 95% intervals contain the truth 90-98% of the
time.  Each repetition simulates the benchmark process (5 streams, branching matrix with
spectral radius 0.6, decay 1 per day; about 50k events, and a 5k-event variant), fits it with
the decay estimated, and checks the Wald intervals (observed information of all parameters,
decay included) of all 25 branching entries and of the decay.  The branching matrix and
baseline are fixed across repetitions (seed 105, as bench_link.py); only the simulated events
change.  Two more variants floor the times to the day and jitter them within the day, once, and
five times with the fits combined by Rubin's rules (as ``link`` does with day-resolution data),
to show what ties do to coverage.

Usage: ``python benchmarks/link_coverage.py [--reps 200] [--no-write]``; appends a section to
benchmarks/RESULTS-link.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

from powderkeg.link import HawkesExp, combine_draws, simulate_hawkes

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_link import make_case  # noqa: E402


def run(n_target: int, reps: int, day_ties: bool = False, draws: int = 1) -> dict:
    mu, a, _ = make_case(5, n_target, seed=105)
    hits = np.zeros_like(a)
    decay_hits = 0
    widths, maes, n_ev = [], [], []
    fails = 0
    t0 = time.perf_counter()
    for r in range(reps):
        ev = simulate_hawkes(mu, a, 1.0, 2000.0, seed=10_000 + r)
        if day_ties:
            ev = [np.floor(s) for s in ev]
            fits = [
                HawkesExp(resolution=1.0, seed=1000 * r + d).fit(ev, 2000.0) for d in range(draws)
            ]
        else:
            fits = [HawkesExp(resolution=0.0).fit(ev, 2000.0)]
        if any(m.decay_ci_ is None or not np.all(np.isfinite(m.branching_ci_high_)) for m in fits):
            fails += 1
            continue
        c = combine_draws(fits, 0.95)
        hits += (c["low"] <= a) & (a <= c["high"])
        decay_hits += int(c["decay_ci"][0] <= 1.0 <= c["decay_ci"][1])
        widths.append(float(np.mean(c["high"] - c["low"])))
        maes.append(float(np.abs(c["branching"] - a).mean()))
        n_ev.append(sum(len(s) for s in ev))
    done = reps - fails
    per_entry = hits / max(done, 1)
    return {
        "n_target": n_target,
        "reps": reps,
        "fits_with_intervals": done,
        "events_mean": float(np.mean(n_ev)),
        "coverage": float(per_entry.mean()),
        "coverage_min_entry": float(per_entry.min()),
        "coverage_max_entry": float(per_entry.max()),
        "decay_coverage": decay_hits / max(done, 1),
        "mean_width": float(np.mean(widths)),
        "mae_mean": float(np.mean(maes)),
        "seconds": time.perf_counter() - t0,
        "day_ties": day_ties,
        "draws": draws,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = [
        run(50_000, args.reps),
        run(5_000, args.reps),
        run(50_000, args.reps, day_ties=True),
        run(50_000, args.reps, day_ties=True, draws=5),
    ]
    lines = [
        f"### link_coverage.py, {dt.datetime.now():%Y-%m-%d %H:%M} (command: "
        f"`python benchmarks/link_coverage.py --reps {args.reps}`)",
        "",
        "| data | reps (with intervals) | events (mean) | coverage of 95% CIs, 25 branching entries: mean (min-max entry) | decay CI coverage | mean CI width | mean MAE | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        label = (
            "exact times"
            if not r["day_ties"]
            else f"times floored to the day, jittered ({r['draws']} draw{'s' if r['draws'] > 1 else ''}"
            f"{', combined by Rubin' + chr(39) + 's rules' if r['draws'] > 1 else ''})"
        ) + f", ~{r['n_target'] // 1000}k events"
        lines.append(
            f"| {label} | {r['reps']} ({r['fits_with_intervals']}) | {r['events_mean']:.0f} | "
            f"{r['coverage']:.3f} ({r['coverage_min_entry']:.3f}-{r['coverage_max_entry']:.3f}) | "
            f"{r['decay_coverage']:.3f} | {r['mean_width']:.4f} | {r['mae_mean']:.4f} | {r['seconds']:.0f} |"
        )
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        out = HERE / "RESULTS-link.md"
        head = "" if out.exists() else "# link stage: benchmark results\n\n"
        with out.open("a", encoding="utf-8") as fh:
            fh.write(head + text + "\n\n")
        print(f"appended to {out}")


if __name__ == "__main__":
    main()
