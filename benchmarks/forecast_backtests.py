"""The forecast goals on the event series in ../shared/data/events: one `powderkeg backtest` per
dataset (CSV from tools/forecast_series.py), and a Markdown table per dataset and horizon.

Each run is exactly the CLI's ``powderkeg backtest --series CSV --horizon H --test-periods N
[--min-train M --select-periods S] --json --plot PNG`` (the equivalent command is printed above
each table); JSON and reliability plots go to ``--out`` (default /tmp/pk-backtests).

    python tools/forecast_series.py --out /tmp/pk-series
    python benchmarks/forecast_backtests.py [--series-dir /tmp/pk-series] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from powderkeg import api

#: name -> (csv, options). Monthly: the last 24 months; weekly: the last 26 weeks; horizon 6.
RUNS = {
    "ucdp_ukraine_oblast_month": ("ucdp_ukraine_oblast_month.csv", {}),
    "ucdp_ukraine_oblast_week": ("ucdp_ukraine_oblast_week.csv", {"test_periods": 26}),
    "acled_ukraine_oblast_week": ("acled_ukraine_oblast_week.csv", {"test_periods": 26, "select_periods": 8}),
    "acled_pv_country_month": ("acled_pv_country_month.csv", {}),
    "acled_balkans_month": ("acled_balkans_month.csv", {"min_train": 12, "select_periods": 3}),
    "icews_dyad_year": ("icews_dyad_year.csv", {"test_periods": 4, "horizon": 3, "min_train": 5, "select_periods": 1}),
}


def command(csv: Path, opts: dict, plot: Path) -> str:
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in opts.items())
    return f"powderkeg backtest --series {csv} {flags} --json --plot {plot}".replace("  ", " ")


def table(name: str, r: dict) -> list[str]:
    rows = [f"| {name} | h | CRPS model | poisson_last | bootstrap | skill | cov90 | Brier model / best baseline |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    blocks = [("all", r)] + [(h, r["by_horizon"][h]) for h in ("1", "3", "6") if h in r["by_horizon"]]
    for h, b in blocks:
        base = b["baselines"]
        best_brier = min(v["brier"] for v in base.values())
        rows.append(
            f"| | {h} | {b['model']['crps']:.3f} | {base['poisson_last']['crps']:.3f} | "
            f"{base['bootstrap']['crps']:.3f} | {b['skill_vs_best_baseline']:+.3f} | "
            f"{b['model']['coverage90']:.3f} | {b['model']['brier']:.3f} / {best_brier:.3f} |"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series-dir", default="/tmp/pk-series")
    ap.add_argument("--out", default="/tmp/pk-backtests")
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, (csv, opts) in RUNS.items():
        if a.only and name not in a.only:
            continue
        path = Path(a.series_dir) / csv
        if not path.exists():
            print(f"{name}: {path} missing (run tools/forecast_series.py)")
            continue
        plot = out / f"{name}.png"
        t0 = time.perf_counter()
        try:
            r = api.backtest(path, plot=plot, **opts)
        except Exception as e:  # noqa: BLE001 - one dataset's failure is reported, the rest go on
            print(f"{name}: failed: {e}")
            continue
        (out / f"{name}.json").write_text(json.dumps(r, indent=1), encoding="utf-8")
        print(f"\n`{command(path, opts, plot)}` ({time.perf_counter() - t0:.0f} s; {r['n_series']} series, "
              f"test window {r['test_window'][0]} to {r['test_window'][1]})\n")  # fmt: skip
        print("\n".join(table(name, r)))
        defaults = [i["default"] for i in r["series"].values()]
        print("\nseries defaults: " + ", ".join(f"{m} {defaults.count(m)}" for m in sorted(set(defaults))))
        for n in r["notes"]:
            print(f"note: {n[:400]}")
        if r["problems"]:
            print(f"quarantined: {len(r['problems'])} series, e.g. {r['problems'][0]}")


if __name__ == "__main__":
    main()
