"""Load test of `powderkeg serve` with a million events (bounded, loopback only).

1. Generates N synthetic events (default 1,000,000) straight into a store with DuckDB SQL
   (theatre dyads, places with coordinates, dates over 2018-2024), unless --db names one.
2. Starts `powderkeg serve` in a subprocess on 127.0.0.1 and warms it (first /api/overview).
3. Anchor: the same per-theatre trend computed the way the CLI does it (``powderkeg.api.trend``,
   which reads the store on each call), a few times.
4. Open-loop load at --rate requests/s for --seconds (a fixed schedule, not waiting for answers)
   over a mix of API calls; prints p50/p95/p99/max per endpoint and overall.
5. Overview page in headless Chromium (Debian's /usr/bin/chromium): time from navigation to the
   page saying it is ready (map, theatres and alerts drawn), cold browser cache, --page-runs times.

    python benchmarks/bench_serve.py                       # 1M events, 100 req/s for 20 s
    python benchmarks/bench_serve.py --events 100000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THEATRE_PAIRS = [  # (actor, target, country, lat, lon, weight)
    ("SRB", "XKX", "XKX", 42.9, 20.9, 2), ("XKX", "SRB", "XKX", 42.9, 20.9, 1),
    ("RUS", "UKR", "UKR", 48.5, 37.5, 6), ("UKR", "RUS", "UKR", 48.0, 37.8, 3),
    ("BIH-RS", "BIH", "BIH", 44.6, 17.6, 1), ("RUS", "GEO", "GEO", 42.2, 43.9, 1),
    ("MDA-TR", "MDA", "MDA", 46.8, 29.5, 1), ("USA", "RUS", "USA", 38.9, -77.0, 1),
    ("FRA", "DEU", "FRA", 48.8, 2.3, 2),
]  # fmt: skip
TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
         "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]  # fmt: skip


def generate(path: Path, n: int) -> None:
    from powderkeg.store import Store

    pairs = [p for p in THEATRE_PAIRS for _ in range(p[5])]
    values = ", ".join(f"({i}, '{a}', '{t}', '{c}', {la}, {lo})" for i, (a, t, c, la, lo, _) in enumerate(pairs))
    types = ", ".join(f"'{t}'" for t in TYPES)
    t0 = time.perf_counter()
    with Store(path) as store:
        con = store.connection
        con.execute(f"CREATE TEMP TABLE pairs(k INT, a VARCHAR, t VARCHAR, c VARCHAR, la DOUBLE, lo DOUBLE); INSERT INTO pairs VALUES {values}")
        con.execute(f"""
            INSERT INTO events (event_id, origin, dataset, row_id, type, actor_codes, target_codes,
                                place_name, country, lat, lon, date, sentence, fatalities, ingested_at)
            SELECT substr(sha256('bench:' || i::VARCHAR), 1, 16), 'dataset', 'bench', i::VARCHAR,
                   ([{types}])[1 + (hash(i * 7 + 1) % 16)::INT],
                   [p.a], [p.t], 'place ' || (hash(i) % 50)::VARCHAR, p.c,
                   p.la + ((hash(i * 3) % 1000) / 1000.0 - 0.5), p.lo + ((hash(i * 5) % 1000) / 1000.0 - 0.5),
                   DATE '2018-01-01' + ((hash(i * 11) % 2555)::INT),
                   'Synthetic event ' || (hash(i) % 1000)::VARCHAR || ' between ' || p.a || ' and ' || p.t || '.',
                   CASE WHEN hash(i * 13) % 10 = 0 THEN (hash(i) % 5)::INT ELSE NULL END,
                   now()::TIMESTAMP
            FROM range({n}) r(i) JOIN pairs p ON p.k = (hash(i * 17) % {len(pairs)})::INT
        """)  # fmt: skip
    print(f"generated {n:,} events into {path} in {time.perf_counter() - t0:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)", flush=True)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q / 100 * len(xs) + 0.5)) - 1))]


def request_mix(rng: random.Random, ids: list[str]) -> tuple[str, str]:
    th = rng.choice(["ukraine", "serbia-kosovo", "bosnia", "georgia", "moldova"])
    y = rng.randint(2018, 2024)
    m = rng.randint(1, 12)
    kinds = [
        ("events?theatre", f"/api/events?theatre={th}&page={rng.randint(1, 20)}&page_size=50"),
        ("events?type&dates", f"/api/events?type={rng.choice(TYPES)}&since={y}-{m:02d}-01&until={y}-{m:02d}-28"),
        ("events?actor", f"/api/events?actor={rng.choice(['RUS', 'SRB', 'UKR', 'BIH'])}&page_size=25"),
        ("events?bbox", "/api/events?bbox=42.5,20.4,43.4,21.4&page_size=50"),
        ("event", f"/api/events/{rng.choice(ids)}"),
        ("trend", f"/api/trend/{th}?freq={rng.choice(['week', 'month'])}"),
        ("alerts", f"/api/alerts?theatre={th}"),
        ("overview", "/api/overview"),
        ("points", "/api/points?limit=2000"),
    ]  # fmt: skip
    return kinds[rng.randrange(len(kinds))]


async def load(base: str, rate: float, seconds: float, ids: list[str], seed: int) -> dict[str, list[float]]:
    import httpx

    rng = random.Random(seed)
    plan = [request_mix(rng, ids) for _ in range(int(rate * seconds))]
    lat: dict[str, list[float]] = {}
    errors: list[str] = []
    slow: list[str] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(name: str, path: str) -> None:
            t = time.perf_counter()
            try:
                r = await client.get(path)
                if r.status_code != 200:
                    errors.append(f"{path}: {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {type(exc).__name__}")
            dt = time.perf_counter() - t
            if dt > 1.0:
                slow.append(f"{path}: {dt:.1f} s")
            lat.setdefault(name, []).append(dt)

        start = time.perf_counter()
        tasks = []
        for k, (name, path) in enumerate(plan):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(name, path)))
        await asyncio.gather(*tasks)
        took = time.perf_counter() - start
    print(f"sent {len(plan)} requests in {took:.1f} s ({len(plan) / took:.1f}/s achieved), {len(errors)} errors {errors[:3]}; {len(slow)} slower than 1 s {slow[:5]}")
    return lat


def sequential(base: str, ids: list[str], seed: int, n: int) -> dict[str, list[float]]:
    import httpx

    rng = random.Random(seed + 1)
    lat: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=120) as client:
        for _ in range(n):
            name, path = request_mix(rng, ids)
            t = time.perf_counter()
            client.get(path)
            lat.setdefault(name, []).append(time.perf_counter() - t)
    return lat


def overview_page(base: str, runs: int) -> list[float]:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        print("overview page: skipped (no /usr/bin/chromium)")
        return []
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"]  # fmt: skip
    out = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=args)
        for _ in range(runs):
            ctx = b.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            t = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready='1']", timeout=120_000)
            out.append(time.perf_counter() - t)
            ctx.close()
        b.close()
    return out


def report(lat: dict[str, list[float]], anchor: list[float]) -> None:
    allv = [x for v in lat.values() for x in v]
    print("\n| endpoint | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|")
    for name in sorted(lat):
        v = lat[name]
        print(f"| {name} | {len(v)} | {pct(v, 50) * 1e3:.1f} | {pct(v, 95) * 1e3:.1f} | {pct(v, 99) * 1e3:.1f} | {max(v) * 1e3:.1f} |")
    print(f"| **all** | {len(allv)} | {pct(allv, 50) * 1e3:.1f} | {pct(allv, 95) * 1e3:.1f} | {pct(allv, 99) * 1e3:.1f} | {max(allv) * 1e3:.1f} |")
    if anchor:
        trend_p50 = pct(lat.get("trend", allv), 50)
        print(f"\nanchor: powderkeg.api.trend per call (reads the store each time): median {statistics.median(anchor):.2f} s "
              f"over {len(anchor)} calls; served trend p50 {trend_p50 * 1e3:.1f} ms; ratio {statistics.median(anchor) / trend_p50:.0f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", help="use this store instead of generating one")
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second (open loop)")
    ap.add_argument("--seconds", type=float, default=20.0, help="load duration (bounded: at most 120)")
    ap.add_argument("--page-runs", type=int, default=3)
    ap.add_argument("--anchor-runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--url", help="load an already running, warmed server instead (skips generate, start, warm-up, anchor)")
    a = ap.parse_args()
    seconds = min(a.seconds, 120.0)
    if a.url:
        import httpx

        ids = [e["event_id"] for e in httpx.get(a.url + "/api/events?page_size=500", timeout=60).json()["events"]]
        report(asyncio.run(load(a.url, a.rate, seconds, ids, a.seed)), [])
        pages = overview_page(a.url, a.page_runs)
        if pages:
            print(f"overview page ready in: {', '.join(f'{p:.2f}' for p in pages)} s (median {statistics.median(pages):.2f} s)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="pk-bench-serve-"))
    db = Path(a.db) if a.db else tmp / "bench.duckdb"
    if not a.db:
        generate(db, a.events)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("powderkeg")
    proc = subprocess.Popen([str(exe), "serve", "--db", str(db), "--port", str(port)], stderr=subprocess.PIPE)
    try:
        import httpx

        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise SystemExit(f"server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.2)
        t1 = time.perf_counter()
        httpx.get(base + "/api/overview", timeout=600).raise_for_status()
        for th in ("ukraine", "serbia-kosovo", "bosnia", "georgia", "moldova"):
            for f in ("week", "month"):
                httpx.get(base + f"/api/trend/{th}?freq={f}", timeout=600).raise_for_status()
        httpx.get(base + "/api/actors", timeout=600)
        for actor in ("RUS", "SRB", "UKR", "BIH"):
            httpx.get(base + f"/api/events?actor={actor}", timeout=600)
        httpx.get(base + "/api/points?limit=2000", timeout=600)
        warm = time.perf_counter() - t1
        print(f"server up in {t1 - t0:.1f} s; warm-up (frame, theatre membership, alerts, trends) {warm:.1f} s", flush=True)
        ids = [e["event_id"] for e in httpx.get(base + "/api/events?page_size=500", timeout=60).json()["events"]]

        seq = sequential(base, ids, a.seed, 300)
        print("\nsequential (one request at a time: service time without queueing):")
        report(seq, [])
        lat = asyncio.run(load(base, a.rate, seconds, ids, a.seed))
        print(f"\nopen loop at {a.rate:.0f} requests/s:")
        report(lat, [])
        pages = overview_page(base, a.page_runs)
        if pages:
            print(f"overview page ready (map, theatres, alerts, 2000 points) in: {', '.join(f'{p:.2f}' for p in pages)} s "
                  f"(median {statistics.median(pages):.2f} s)")
        anchor = []
        from powderkeg import api

        snap = Path(str(db) + ".snapshot")
        for _ in range(a.anchor_runs):
            t = time.perf_counter()
            api.trend("ukraine", db=snap, freq="week")
            anchor.append(time.perf_counter() - t)

        if anchor:
            print(f"anchor: powderkeg.api.trend per call (reads the store each time): median {statistics.median(anchor):.2f} s "
                  f"over {len(anchor)} calls; served trend p50 {pct(lat['trend'], 50) * 1e3:.1f} ms; "
                  f"ratio {statistics.median(anchor) / pct(lat['trend'], 50):.0f}x")
        print(f"\nmachine: {os.cpu_count()} cores, shared with other jobs during the run")
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
