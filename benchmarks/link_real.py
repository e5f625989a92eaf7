"""The link stage on the real event data in ../shared/data/events.

What it runs (streams built here from the shared files; nothing from them is copied into the
repository, only the estimates are printed):

1. ICEWS 2005-2015 sample (icews_2005-2015_{test,valid}.txt, four columns: source, relation,
   target, date).  An event belongs to a theatre when its source or target names the country:
   ``ukraine`` (Ukraine), ``georgia`` (Georgia, Abkhazia, South Ossetia), ``balkans`` (Serbia,
   Kosovo).  Escalation = CAMEO roots 10-20 (verbal and material conflict; the relation text
   is mapped to its CAMEO code with cameo/icews_cameo_codes.csv).  Also: all event types, and
   a wider Balkans (adding Bosnia, Montenegro, Macedonia, Albania, Croatia).
2. UCDP GED Ukraine 2014-2023: events by oblast (adm_1), Donetsk and Luhansk.  Dates: the
   ``date_start`` field (three layouts; the ``NN/NN/YYYY HH:MM`` layout is read month first,
   and day first where that is the only reading consistent with the ISO source dates).
3. ACLED Ukraine daily counts by oblast, 2022-01 to 2023-03 (a count table: each incident
   becomes one event on its day): battles and explosions/remote violence in Donetsk, Luhansk,
   Kharkiv, Zaporizhia, Kherson.

Usage: ``python benchmarks/link_real.py [--shared ../shared] [--no-write] [--json DIR]``.
Appends a section to benchmarks/RESULTS-link.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from powderkeg.link import link

ROOT = Path(__file__).resolve().parents[1]


def icews(shared: Path, conflict_only: bool = True, wide_balkans: bool = False) -> pd.DataFrame:
    codes = pd.read_csv(shared / "data/cameo/icews_cameo_codes.csv", encoding="latin-1", dtype=str)
    root = {
        n.strip().lower(): int(c[:2]) for n, c in zip(codes["name"], codes["code"], strict=True)
    }
    df = pd.concat(
        [
            pd.read_csv(
                shared / f"data/events/icews_2005-2015_{s}.txt",
                sep="\t",
                header=None,
                names=["source", "relation", "target", "date"],
                dtype=str,
            )
            for s in ("test", "valid")
        ]
    )
    if conflict_only:
        df = df[df["relation"].str.strip().str.lower().map(root).fillna(0) >= 10]
    actors = df["source"] + " | " + df["target"]
    balkans = r"Serbia|Kosovo" + (
        r"|Bosnia|Montenegro|Macedonia|Albania|Croatia" if wide_balkans else ""
    )
    theatres = {"ukraine": r"Ukrain", "georgia": r"Georgia|Abkhaz|Ossetia", "balkans": balkans}
    return pd.concat(
        [
            pd.DataFrame(
                {"date": df.loc[actors.str.contains(rx, flags=re.I), "date"], "stream": name}
            )
            for name, rx in theatres.items()
        ],
        ignore_index=True,
    )


def _ucdp_date(text: str, sources: str) -> pd.Timestamp | None:
    text = text.strip()
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not m:
        return None
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    options = []
    if a <= 12:
        options.append(pd.Timestamp(y, a, b) if b <= 31 else None)
    if b <= 12 and a != b:
        with contextlib.suppress(ValueError):
            options.append(pd.Timestamp(y, b, a))
    options = [o for o in options if o is not None]
    if len(options) <= 1:
        return options[0] if options else None
    iso = [pd.Timestamp(s) for s in re.findall(r"\d{4}-\d{2}-\d{2}", sources)]
    if iso:  # the reading nearest the earliest source date
        first = min(iso)
        return min(options, key=lambda o: abs((o - first).days))
    return options[0]  # month first, the file's usual order


def ucdp(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(
        shared / "data/events/ucdp_ged_ukraine_2014_2023.csv",
        encoding="cp1252",
        dtype=str,
        keep_default_na=False,
    )
    dates = [_ucdp_date(d, s) for d, s in zip(df["date_start"], df["source_date"], strict=True)]
    stream = df["adm_1"].str.extract(r"^(\w+)", expand=False).str.lower()
    out = pd.DataFrame({"date": dates, "stream": stream})
    return out[out["date"].notna() & out["stream"].isin(["donetsk", "luhansk"])]


def acled(shared: Path) -> pd.DataFrame:
    rows = json.loads(
        (shared / "data/events/acled_ukraine_daily_admin1_2022_2023.json").read_text()
    )
    df = pd.DataFrame(rows)
    df = df[
        df["EVENT_TYPE"].isin(["Battles", "Explosions/Remote violence"])
        & df["ADMIN1"].isin(["Donetsk", "Luhansk", "Kharkiv", "Zaporizhia", "Kherson"])
    ]
    df = df.loc[df.index.repeat(df["incidents"].astype(int))]
    return pd.DataFrame(
        {"date": df["EVENT_DATE"].to_numpy(), "stream": df["ADMIN1"].str.lower().to_numpy()}
    )


def summary(name: str, r: dict) -> list[str]:
    names = r["streams"]
    lines = [
        f"**{name}** - events: "
        + ", ".join(f"{k} {v}" for k, v in r["n_events"].items())
        + f"; window {r['window']['start']} to {r['window']['end']}; {r['baseline_kind']}; ties: "
        + (r["ties"] or "-").split(";")[0]
        + f"; {r['seconds']:.2f} s"
    ]
    if r.get("decay") is not None:
        ci = r.get("decay_ci") or [None, None]
        lines.append(
            f"decay {r['decay']:.3g}/day (95% CI {ci[0] if ci[0] is None else round(ci[0], 3)}-"
            f"{ci[1] if ci[1] is None else round(ci[1], 3)}), spectral radius {r['spectral_radius']:.2f}, loglik {r['loglik']:.1f}"
        )
        lines.append("")
        lines.append(
            "| from -> to | branching | 95% CI | Hawkes reading | Granger p | Granger reading |"
        )
        lines.append("|---|---|---|---|---|---|")
        b, lo, hi, gp = (
            r["branching"],
            r["branching_ci_low"],
            r["branching_ci_high"],
            r["granger_p"],
        )
        for i in range(len(names)):
            for j in range(len(names)):
                pair = next(
                    (p for p in r["pairs"] if p["to"] == names[i] and p["from"] == names[j]), None
                )
                reading = pair["hawkes"] if pair else "self"
                g = gp[i][j] if gp else None
                lines.append(
                    f"| {names[j]} -> {names[i]} | {b[i][j]:.3f} | "
                    f"[{'-' if lo[i][j] is None else f'{lo[i][j]:.3f}'}, {'-' if hi[i][j] is None else f'{hi[i][j]:.3f}'}] | "
                    f"{reading} | {'-' if g is None else f'{g:.3g}'} | {pair['granger'] if pair else '-'} |"
                )
        lines.append("")
    lines.append(f"verdict: {r['verdict']}")
    for d in r.get("disagreements", []):
        lines.append(f"- disagreement: {d}")
    for n in r.get("notes", []):
        lines.append(f"- note: {n}")
    if r.get("rolling"):
        parts = []
        for w in r["rolling"]:
            if w.get("branching"):
                cross = [
                    f"{names[j]}->{names[i]} {w['branching'][i][j]:.2f} [{w['branching_ci_low'][i][j]:.2f}, {w['branching_ci_high'][i][j]:.2f}]"
                    for i in range(len(names))
                    for j in range(len(names))
                    if i != j
                ]
                parts.append(f"{w['start']}: " + "; ".join(cross))
            else:
                parts.append(f"{w['start']}: {w['verdict']}")
        lines.append("- rolling: " + " | ".join(parts))
    lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--json", help="also write each Link JSON into this folder")
    args = ap.parse_args()
    shared = Path(args.shared)
    runs = [
        (
            "ICEWS 2005-2015, conflict events (CAMEO 10-20)",
            icews(shared),
            {"theatres": ["ukraine", "georgia", "balkans"]},
        ),
        (
            "ICEWS 2005-2015, conflict events, Ukraine and Balkans only",
            icews(shared),
            {"theatres": ["ukraine", "balkans"]},
        ),
        (
            "ICEWS 2005-2015, all event types",
            icews(shared, conflict_only=False),
            {"theatres": ["ukraine", "georgia", "balkans"], "rolling_window": 1461},
        ),
        (
            "ICEWS 2005-2015, conflict events, wider Balkans",
            icews(shared, wide_balkans=True),
            {"theatres": ["ukraine", "balkans"]},
        ),
        (
            "UCDP GED Ukraine 2014-2023, Donetsk and Luhansk",
            ucdp(shared),
            {"theatres": ["donetsk", "luhansk"], "rolling_window": 730},
        ),
        (
            "ACLED Ukraine 2022-01 to 2023-03, battles and explosions by oblast",
            acled(shared),
            {
                "theatres": ["donetsk", "luhansk", "kharkiv", "zaporizhia", "kherson"],
                "baseline_piece_days": 30,
                "rolling_window": 180,
            },
        ),
    ]
    lines = [
        f"### link_real.py, {dt.datetime.now():%Y-%m-%d %H:%M} (command: `python benchmarks/link_real.py`)",
        "",
    ]
    for name, df, kw in runs:
        r = link(df, seed=0, **kw)
        lines += summary(name, r)
        if args.json:
            Path(args.json).mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]
            (Path(args.json) / f"{slug}.json").write_text(json.dumps(r, indent=1))
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        out = Path(__file__).resolve().parent / "RESULTS-link.md"
        head = "" if out.exists() else "# link stage: benchmark results\n\n"
        with out.open("a", encoding="utf-8") as fh:
            fh.write(head + text + "\n")
        print(f"appended to {out}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
