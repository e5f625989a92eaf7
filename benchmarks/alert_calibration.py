"""False-alarm rate and detection of the alert methods on seeded synthetic series.

For each setting, 300 seeded series of 80 periods are drawn with no change in them, and scored
with ``powderkeg.watch.anomaly_scores`` and the defaults (window 12). A false alarm is a scored
period with score >= 3, and, for the count methods, count >= 3 (the alerts' ``min_count``).
Detection: the last period of each series is replaced by a spike and counted as found when it
alerts. Settings:

- ``zscore`` and ``poisson`` on Poisson counts, lambda in {0.1, 0.3, 1, 2, 4, 20, 100}; spike 3*lambda + 8;
- ``logz`` on negative-binomial values (mean mu, dispersion k), mu in {1, 5, 50}, k in {0.5, 2};
  spike 20*mu + 20 (an order-of-magnitude jump, as fatalities jump when a war widens).

Run: ``python benchmarks/alert_calibration.py [--series 300] [--periods 80]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from powderkeg.watch import anomaly_scores

THRESHOLD = 3.0
MIN_COUNT = 3


def rates(draw, method: str, spike: float, n_series: int, periods: int, seed: int, counts: bool):
    rng = np.random.default_rng(seed)
    alarms = scored = found = 0
    for _ in range(n_series):
        x = draw(rng, periods).astype(float)
        _, score = anomaly_scores(x, method)
        ok = np.isfinite(score)
        hit = ok & (score >= THRESHOLD)
        if counts:
            hit &= x >= MIN_COUNT
        alarms += int(hit.sum())
        scored += int(ok.sum())
        y = x.copy()
        y[-1] = spike
        _, s2 = anomaly_scores(y, method)
        found += bool(np.isfinite(s2[-1]) and s2[-1] >= THRESHOLD and (not counts or spike >= MIN_COUNT))
    return alarms / max(scored, 1), found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=300)
    ap.add_argument("--periods", type=int, default=80)
    args = ap.parse_args()
    n, p = args.series, args.periods
    print(f"{n} seeded series of {p} periods per setting; alert: score >= {THRESHOLD:g}"
          f" (and count >= {MIN_COUNT} for counts)")  # fmt: skip
    print("\nmethod   series               false alarms/period   spike found (of series)")
    for method in ("zscore", "poisson"):
        for k, lam in enumerate((0.1, 0.3, 1, 2, 4, 20, 100)):
            fa, found = rates(
                lambda rng, m, lam=lam: rng.poisson(lam, m), method, 3 * lam + 8, n, p, 100 + k, True
            )
            print(f"{method:8} Poisson({lam:g}){'':{10 - len(f'{lam:g}')}} {fa:10.5f}"
                  f"            {found:4d}")  # fmt: skip
    for k, (mu, disp) in enumerate(((1, 0.5), (5, 0.5), (5, 2), (50, 0.5), (50, 2))):
        def draw(rng, m, mu=mu, disp=disp):
            return rng.negative_binomial(disp, disp / (disp + mu), m)

        fa, found = rates(draw, "logz", 20 * mu + 20, n, p, 200 + k, False)
        print(f"logz     NB(mu={mu:g}, k={disp:g}){'':{7 - len(f'{mu:g}{disp:g}')}} {fa:10.5f}"
              f"            {found:4d}")  # fmt: skip


if __name__ == "__main__":
    main()
