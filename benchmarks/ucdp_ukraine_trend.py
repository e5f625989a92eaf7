"""The closing-note figure: the `ukraine` theatre 2014-2023 from UCDP GED, and the alerts it
raises around February 2022.

Imports the UCDP GED Ukraine file(s) from ../shared/data/events into a temporary DuckDB through
the ordinary `powderkeg import --format ucdp` command, computes the theatre's trend (events and
fatalities per week or month), writes a PNG (default /tmp/ucdp_ukraine_trend.png, never into the
repository) and prints the alerts raised between 2021-12-01 and 2022-04-30: for each measure
(events, fatalities) and method, the period, indicator, value, baseline, score and a couple of
the events behind it. The temporary database is removed afterwards.

    python benchmarks/ucdp_ukraine_trend.py [--freq week|month] [--out PATH.png] [--data FILE ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_EVENTS = REPO.parent / "shared" / "data" / "events"
WINDOW = ("2021-12-01", "2022-04-30")


def find_files() -> list[Path]:
    return sorted(p for p in SHARED_EVENTS.glob("ucdp*ukraine*.csv") if p.is_file())


def import_file(path: Path, db: Path) -> dict[str, object]:
    cmd = [sys.executable, "-c", "from powderkeg.cli import main; main()", "import",
           "--format", "ucdp", str(path), "--db", str(db), "--json"]  # fmt: skip
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"import failed ({run.returncode}): {run.stderr.strip()}")
    return json.loads(run.stdout)


BARS = " ▁▂▃▄▅▆▇█"


def _bar(value: float, top: float) -> str:
    """One block character on a log scale (0 blank, top full)."""
    import math

    if not value or value <= 0:
        return BARS[0]
    level = 1 + int((len(BARS) - 2) * math.log1p(value) / math.log1p(top))
    return BARS[min(level, len(BARS) - 1)]


def print_text_chart(rows: list[dict]) -> None:
    """The monthly trend as text: one line per year, one block per month (log scale)."""
    ev_top = max(r["n_events"] for r in rows) or 1
    fat_top = max((r["fatalities"] or 0) for r in rows) or 1
    print(f"\nmonthly, log scale (full block = {ev_top} events / {fat_top:.0f} deaths)")
    print("year  events JFMAMJJASOND  deaths JFMAMJJASOND")
    for year in range(2014, 2024):
        yr = {r["period"][5:7]: r for r in rows if r["period"].startswith(str(year))}
        months = [yr.get(f"{m:02d}") for m in range(1, 13)]
        ev = "".join(_bar(r["n_events"] if r else 0, ev_top) for r in months)
        fat = "".join(_bar((r["fatalities"] or 0) if r else 0, fat_top) for r in months)
        print(f"{year}         {ev}          {fat}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--freq", choices=["week", "month"], default="week")
    ap.add_argument("--out", default="/tmp/ucdp_ukraine_trend.png", help="PNG to write")
    ap.add_argument("--data", nargs="*", type=Path, help="UCDP GED CSV file(s); default: find them")
    args = ap.parse_args()

    out = Path(args.out).resolve()
    if out.is_relative_to(REPO):
        sys.exit(f"--out {out}: write the figure outside the repository")
    files = args.data or find_files()
    if not files:
        sys.exit(f"no UCDP GED Ukraine file under {SHARED_EVENTS}")

    from powderkeg import api
    from powderkeg.store import Store
    from powderkeg.watch import alerts as find_alerts
    from powderkeg.watch import load_indicators, load_theatres, plot_trend, theatre_series

    with tempfile.TemporaryDirectory(prefix="pk-ucdp-") as tmp:
        db = Path(tmp) / "ucdp.duckdb"
        for f in files:
            counts = import_file(f, db)
            print(f"import {f.name}: {json.dumps(counts)}")

        t = api.trend("ukraine", db=db, freq=args.freq, since="2014-01-01", until="2023-12-31")
        rows = t["rows"]
        print(f"\nukraine theatre, per {args.freq}: {len(rows)} periods 2014-2023")
        print("year  events  fatalities  busiest period (events)   deadliest period (fatalities)")
        for year in range(2014, 2024):
            yr = [r for r in rows if r["period"].startswith(str(year))]
            if not yr:
                continue
            ev = sum(r["n_events"] for r in yr)
            fat = sum(r["fatalities"] or 0 for r in yr)
            busy = max(yr, key=lambda r: r["n_events"])
            dead = max(yr, key=lambda r: r["fatalities"] or 0)
            print(f"{year}  {ev:6d}  {fat:10.0f}  {busy['period']} ({busy['n_events']:>4})"
                  f"        {dead['period']} ({dead['fatalities']:.0f})")  # fmt: skip

        if args.freq == "month":
            print_text_chart(rows)

        with Store(db, read_only=True) as store:
            events = store.events()
        theatre = load_theatres()["ukraine"]
        inds = load_indicators()
        f = t["freq"]
        print(f"\nalerts raised between {WINDOW[0]} and {WINDOW[1]} (per {args.freq}, window 12, "
              "threshold 3, min 3 events):")  # fmt: skip
        shade = []
        for measure, method in (
            ("events", "zscore"),
            ("events", "poisson"),
            ("fatalities", "logz"),
        ):
            found = find_alerts(events, [theatre], inds, freq=f, method=method, measure=measure)
            total = len(found)
            near = [a for a in found if a.period_end >= WINDOW[0] and a.period <= WINDOW[1]]
            print(f"- measure {measure}, method {method}: {len(near)} in the window "
                  f"({total} in 2014-2023, in years {sorted({a.period[:4] for a in found})})")  # fmt: skip
            if measure == "fatalities":
                shade = found
            by_id = events.set_index("event_id")
            for a in near:
                print(f"    {a.period}..{a.period_end}  {a.indicator}: value {a.value} "
                      f"({a.n_events} events), baseline {a.baseline:.2f}, score {a.score:.2f}")  # fmt: skip
                ids = sorted(a.event_ids, key=lambda e: -(by_id.at[e, "fatalities"] or 0))
                for e in ids[:2]:
                    r = by_id.loc[e]
                    print(f"      {str(r['date'])[:10]} {r['type']} "
                          f"{'+'.join(r['actor_codes'])}->{'+'.join(r['target_codes'])} "
                          f"{r['fatalities']} killed, {r['place_name']}: {r['sentence'][:90]}")  # fmt: skip

        series = theatre_series(events, theatre, freq=f, start="2014-01-01", end="2023-12-31")
        plot_trend(
            series,
            out,
            columns=["n_events"],
            title=f"Russia–Ukraine (UCDP GED), events and fatalities per {args.freq}, 2014–2023; "
            "shaded: fatalities alerts",
            alerts=shade,
        )
        print(f"\nfigure: {out}")


if __name__ == "__main__":
    main()
