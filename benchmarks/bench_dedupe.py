"""Dedupe precision and recall on generated reports.

Generates ``--events`` distinct events, each reported 1-20 times (dates within ±1 day, places
within 10 km, actor name variants that resolve to one code, some reports without a target or
without coordinates), plus near-miss events that differ from a real one in exactly one of
type / actor / date (3-6 days) / place (30-60 km), reported the same way. Loads the reports into
a Store, runs ``Store.dedupe()`` and prints pairwise precision and recall against the truth, and
the seconds dedupe took.

    python benchmarks/bench_dedupe.py [--events 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from powderkeg.ontology import load_ontology

TYPES = list(load_ontology().types)  # the 16 PLOVER types, in the ontology's order
CODES = [
    "RUS",
    "UKR",
    "SRB",
    "XKX",
    "USA",
    "DEU",
    "FRA",
    "GBR",
    "POL",
    "TUR",
    "BIH",
    "MDA",
    "GEO",
    "ARM",
    "AZE",
    "BLR",
    "HUN",
    "ROU",
    "BGR",
    "GRC",
    "ALB",
    "MNE",
    "MKD",
    "HRV",
    "NATO",
    "EU",
    "UN",
    "OSCE",
    "UKR-DPR",
    "UKR-LPR",
    "BIH-RS",
    "GEO-AB",
    "MDA-TR",
    "CHN",
    "IRN",
    "ISR",
    "SYR",
    "IRQ",
    "ITA",
    "ESP",
]
VARIANTS = ["{c}", "{c} officials", "the {c} government", "{c} forces", "{c} spokesman"]
KM_PER_DEG = 111.2


def _offset(lat: float, lon: float, dist_km: float, bearing: float) -> tuple[float, float]:
    dlat = dist_km * np.cos(bearing) / KM_PER_DEG
    dlon = dist_km * np.sin(bearing) / (KM_PER_DEG * np.cos(np.radians(lat)))
    return lat + dlat, lon + dlon


def generate(
    n_events: int, seed: int = 1, near_miss_share: float = 0.25, max_reports: int = 20
) -> pd.DataFrame:
    """Reports as events-table rows plus a ``truth`` column (the real event they report)."""
    rng = np.random.default_rng(seed)
    n_cities = max(20, n_events // 30)
    cities = np.column_stack([rng.uniform(36, 58, n_cities), rng.uniform(-8, 44, n_cities)])
    city_country = rng.choice(CODES[:24], n_cities)
    start = np.datetime64("2020-01-01")
    events = []
    for k in range(n_events):
        a = rng.choice(CODES)
        t = rng.choice([c for c in CODES if c != a]) if rng.random() < 0.8 else None
        c = rng.integers(n_cities)
        lat, lon = _offset(*cities[c], rng.uniform(0, 8), rng.uniform(0, 2 * np.pi))
        events.append(
            {
                "truth": f"e{k}",
                "type": rng.choice(TYPES),
                "a": a,
                "t": t,
                "day": int(rng.integers(0, 3 * 365)),
                "lat": lat,
                "lon": lon,
                "country": city_country[c],
            }
        )
    near = []
    for k, base in enumerate(rng.choice(n_events, int(n_events * near_miss_share), replace=False)):
        e = dict(events[base])
        e["truth"] = f"n{k}"
        what = rng.choice(["type", "actor", "date", "place"])
        if what == "type":
            e["type"] = rng.choice([x for x in TYPES if x != e["type"]])
        elif what == "actor":
            e["a"] = rng.choice([x for x in CODES if x not in (e["a"], e["t"])])
        elif what == "date":
            e["day"] += int(rng.integers(3, 7)) * int(rng.choice([-1, 1]))
        else:
            e["lat"], e["lon"] = _offset(
                e["lat"], e["lon"], rng.uniform(30, 60), rng.uniform(0, 2 * np.pi)
            )
        near.append(e)
    rows = []
    for e in events + near:
        for r in range(int(rng.integers(1, max_reports + 1))):
            day = e["day"] + int(rng.choice([-1, 0, 1], p=[0.2, 0.6, 0.2]))
            lat, lon = _offset(
                e["lat"], e["lon"], 10 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
            )
            if rng.random() < 0.1:
                lat = lon = np.nan
            target = e["t"] if rng.random() > 0.1 else None
            name = rng.choice(VARIANTS).format(c=e["a"])
            rows.append(
                {
                    "row_id": f"{e['truth']}-{r}",
                    "truth": e["truth"],
                    "type": e["type"],
                    "actor_codes": [e["a"]],
                    "target_codes": [target] if target else [],
                    "actors": json.dumps(
                        [
                            {
                                "text": name,
                                "code": e["a"],
                                "name": e["a"],
                                "kind": "state",
                                "person": None,
                                "sector": None,
                            }
                        ]
                    ),
                    "targets": "[]",
                    "lat": lat,
                    "lon": lon,
                    "country": e["country"],
                    "date": (start + np.timedelta64(day, "D")).astype("datetime64[D]").item(),
                    "date_precision": "day",
                }
            )
    return pd.DataFrame(rows)


def pair_scores(truth: pd.Series, predicted: pd.Series) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the truth."""

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) / 2).sum())

    joint = pd.DataFrame({"t": truth.to_numpy(), "p": predicted.to_numpy()})
    tp = pairs(joint.groupby(["t", "p"]).size().to_numpy())
    pred_pairs = pairs(joint.groupby("p").size().to_numpy())
    true_pairs = pairs(joint.groupby("t").size().to_numpy())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    return precision, recall


def run(n_events: int, seed: int = 1, db: str | Path = ":memory:") -> dict[str, float]:
    """Generate, load, dedupe, score. Returns precision, recall, seconds and sizes."""
    from powderkeg.store import Store

    reports = generate(n_events, seed)
    truth = reports.pop("truth")
    with Store(db, publish_snapshot=False) as store:
        store.import_table(reports, "synthetic", source=f"synthetic:{n_events}:{seed}")
        t0 = time.perf_counter()
        summary = store.dedupe()
        secs = time.perf_counter() - t0
        got = store.connection.execute(
            "SELECT row_id, cluster_id FROM events WHERE dataset = 'synthetic'"
        ).df()
    predicted = reports[["row_id"]].merge(got, on="row_id", how="left")["cluster_id"]
    precision, recall = pair_scores(truth, predicted)
    return {
        "precision": precision,
        "recall": recall,
        "seconds": secs,
        "reports": len(reports),
        "true_events": int(truth.nunique()),
        "clusters": summary["clusters"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    r = run(args.events, args.seed)
    print(
        f"reports {r['reports']}, true events {r['true_events']} "
        f"({args.events} + near misses), clusters {r['clusters']}"
    )
    print(f"precision {r['precision']:.4f}  recall {r['recall']:.4f}  seconds {r['seconds']:.2f}")


if __name__ == "__main__":
    main()
