"""``--from-store``: start a scenario from the theatres' currently observed state in the store.

For each scenario theatre with a ``watch`` id (a theatre of :mod:`powderkeg.watch`):
- the starting rung is read from its last ``RECENT_WEEKS`` weeks of events (the latest week in
  the store being "now"): FIGHT or ASSAULT events with at least ``WAR_FATALITIES`` fatalities a
  week on average: war (4); any FIGHT or ASSAULT: limited use of force (3); MOBILIZE or other
  material conflict: militarised dispute (2); THREATEN or other verbal conflict: threats (1);
  else peace (0). These cut-points follow the MID hostility levels the ladder is calibrated on;
- ``indicators`` is the robust z-score of the recent weekly conflict-event count (material and
  verbal) against the theatre's own history (median and MAD);
- excitation weights between two such theatres become ``log(1 + branching)`` from
  :func:`powderkeg.link.link` on the store's theatre streams, when its verdict is ``ok``.
The values enter as overrides, each with the store as its source in the output.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..errors import InputError
from .scenario import read_raw

RECENT_WEEKS = 4
WAR_FATALITIES = 25.0


def _rung(recent: Any) -> int:
    s = recent.sum()
    force = s.get("type_FIGHT", 0) + s.get("type_ASSAULT", 0)
    if force and s.get("fatalities", 0) / max(len(recent), 1) >= WAR_FATALITIES:
        return 4
    if force:
        return 3
    if s.get("type_MOBILIZE", 0) or s.get("quad_material_conflict", 0):
        return 2
    if s.get("type_THREATEN", 0) or s.get("quad_verbal_conflict", 0):
        return 1
    return 0


def store_sets(scenario: str | Path, db: str) -> tuple[list[str], dict[str, str]]:
    from ..store import Store
    from ..watch import load_theatres, theatre_series, theatre_streams

    if not Path(db).exists():
        raise InputError(str(db), "no such database")
    raw = read_raw(scenario)
    known = load_theatres()
    with Store(db, read_only=True) as store:
        events = store.events(quantities=True)
    sets: list[str] = []
    sources: dict[str, str] = {}
    if events is None or len(events) == 0:
        raise InputError(str(db), "the store holds no events to start from")
    watch_of: dict[str, str] = {}
    for tid, th in (raw.get("theatres") or {}).items():
        wid = th.get("watch") if isinstance(th, dict) else None
        if not wid:
            continue
        if wid not in known:
            raise InputError(str(scenario), f"theatres.{tid}.watch: unknown watch theatre {wid!r}")
        series = theatre_series(events, known[wid], freq="W")
        if series.empty:
            continue
        watch_of[tid] = wid
        recent = series.tail(RECENT_WEEKS)
        rung = _rung(recent)
        sets.append(f"theatres.{tid}.start={rung}")
        sources[f"theatres.{tid}.start"] = f"store: {db}, {wid}, last {RECENT_WEEKS} weeks to {series.index[-1].date()}"
        conflict = series.get("quad_material_conflict", 0) + series.get("quad_verbal_conflict", 0)
        med = float(conflict.median())
        mad = float((conflict - med).abs().median()) * 1.4826 or 1.0
        z = (float(conflict.tail(RECENT_WEEKS).mean()) - med) / mad
        z = max(-5.0, min(5.0, z))
        sets.append(f"theatres.{tid}.indicators={z:.4f}")
        sources[f"theatres.{tid}.indicators"] = f"store: {db}, {wid}, robust z of recent conflict events"
    if len(watch_of) >= 2:
        from ..link import link

        wids = sorted(set(watch_of.values()))
        streams = theatre_streams(events, {w: known[w] for w in wids})
        try:
            res = link(streams, seed=0, theatres=wids)
        except Exception:  # noqa: BLE001 - too little data to link: keep the scenario's weights
            res = {"verdict": "failed"}
        if res.get("verdict") == "ok":
            idx = {s: i for i, s in enumerate(res["streams"])}
            for i, x in enumerate(raw.get("excitation") or []):
                a, b = watch_of.get(x.get("from")), watch_of.get(x.get("to"))
                if a in idx and b in idx:
                    w = math.log1p(float(res["branching"][idx[b]][idx[a]]))
                    sets.append(f"excitation.{i}.weight={w:.4f}")
                    sources[f"excitation.{i}.weight"] = f"store: {db}, link branching {a} -> {b}"
    return sets, sources
