"""A validated scenario to the arrays the kernel runs on, and its parameter list with sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scenario import RUNGS, Energy, Scenario, event_order, trigger_ids

MAX_CONDS = 8


@dataclass
class Compiled:
    arrays: dict[str, Any]
    theatres: list[str]
    events: list[str]
    steps: int
    outcome_names: list[str] = field(default_factory=list)

    @property
    def token_names(self) -> list[str]:
        return list(RUNGS) + [e.replace("_", " ") for e in self.events[:27]]


def compile_scenario(sc: Scenario) -> Compiled:
    tids = list(sc.theatres)
    tix = {t: i for i, t in enumerate(tids)}
    order = event_order(sc, sc.name)
    eix = {e: i for i, e in enumerate(order)}
    items = trigger_ids(sc)
    # only actors that play a part are compiled (a 10,000-actor file costs nothing extra)
    used: list[str] = []

    def aix(name: str) -> int:
        if name not in used:
            used.append(name)
        return used.index(name)

    T, E = len(tids), len(order)
    tr = sc.transition
    W = np.array(tr.weekly, dtype=float)
    U = np.array([W[k, k + 1 :].sum() for k in range(5)])
    D = np.array([W[k, :k].sum() for k in range(5)]) * tr.down_scale
    D = np.minimum(D, 1.0)
    JU = np.ones((5, 5))
    JD = np.ones((5, 5))
    for k in range(5):
        if U[k] > 0:
            JU[k, k + 1 :] = np.cumsum(W[k, k + 1 :]) / U[k]
        if W[k, :k].sum() > 0:
            JD[k, :k] = np.cumsum(W[k, :k]) / W[k, :k].sum()
    static_up = np.zeros(T)
    aggr = np.zeros(T, dtype=np.int64)
    closed = np.zeros(T, dtype=np.bool_)
    start = np.zeros(T, dtype=np.int64)
    floor0 = np.zeros(T, dtype=np.int64)
    parts: list[tuple[int, int]] = []
    for tid, th in sc.theatres.items():
        i = tix[tid]
        ag, df = sc.actors[th.aggressor], sc.actors[th.defender]
        static_up[i] = (
            np.log(max(tr.up_scale, 1e-12))
            + tr.indicator_effect * th.indicators
            + tr.capability_effect * (ag.capability - df.capability)
            + tr.resolve_effect * (ag.resolve - df.resolve)
        )
        aggr[i] = aix(th.aggressor)
        parts += [(aggr[i], i), (aix(th.defender), i)]
        closed[i], start[i], floor0[i] = th.closed, max(th.start, th.floor), th.floor
    for tr_ in sc.arms_transfers.values():
        if tr_.enabled:
            static_up[tix[tr_.theatre]] += tr_.effect
    for pr in sc.presence.values():
        if pr.enabled:
            static_up[tix[pr.theatre]] += pr.effect
    for lv in sc.leverage.values():
        if lv.enabled:
            static_up[tix[lv.theatre]] -= lv.effect
    exc = np.zeros((T, T))
    for ex in sc.excitation:
        exc[tix[ex.source], tix[ex.to]] += ex.weight
    pats = [(aix(p.patron), tix[p.theatre], p.support) for p in sc.patrons.values() if p.enabled]
    cds = [(aix(c.guarantor), tix[c.theatre], c.deterrence * c.reliability)
           for c in sc.commitments.values() if c.enabled and c.deterrence]  # fmt: skip
    ev = {k: np.zeros(E, dtype=np.int64) - 1 for k in ("sa", "st", "esc_t", "esc_to", "com_a", "com_t")}
    ev_ncond = np.zeros(E, dtype=np.int64)
    ev_ckind = np.zeros((E, MAX_CONDS), dtype=np.int64)
    ev_carg = np.zeros((E, MAX_CONDS), dtype=np.int64)
    ev_crung = np.zeros((E, MAX_CONDS), dtype=np.int64)
    ev_prob = np.zeros(E)
    ev_week = np.zeros(E, dtype=np.bool_)
    ev_init = np.zeros(E, dtype=np.bool_)
    ev_pre = np.zeros((E, T))
    ev_post = np.zeros((E, T))
    aggressor_theatres: dict[str, list[int]] = {}
    for tid, th in sc.theatres.items():
        aggressor_theatres.setdefault(th.aggressor, []).append(tix[tid])
    for p in sc.patrons.values():
        if p.enabled:
            aggressor_theatres.setdefault(p.patron, []).append(tix[p.theatre])
    for eid in order:
        e = eix[eid]
        section, item = items[eid]
        if isinstance(item, Energy):
            conds = [(1, eix[s], 0) for s, sv in sc.sanctions.items() if sv.energy == eid[: -len("_cut")]]
            prob, actor, week = item.retaliation, item.supplier, False
            enabled = item.enabled
        else:
            conds = [(0, tix[c.theatre], c.rung) if c.theatre else (1, eix[c.event], 0) for c in item.trigger.any]
            enabled = item.enabled
            if section == "commitments":
                prob, actor, week = item.reliability, item.guarantor, False
            elif section == "sanctions":
                prob, actor, week = item.probability, item.imposer, False
                if item.energy and sc.energy[item.energy].enabled:
                    prob *= 1.0 - sc.energy[item.energy].dependence
                ev_init[e] = item.in_force and enabled
                trig_t = {tix[c.theatre] for c in item.trigger.any if c.theatre}
                for t in trig_t:
                    ev_pre[e, t] -= item.deterrence * prob if enabled else 0.0
                for t in aggressor_theatres.get(item.target, []):
                    ev_post[e, t] -= item.cost if enabled else 0.0
            else:
                prob, actor, week = item.probability, item.actor, item.per == "week"
        ev_ncond[e] = len(conds)
        for m, (kind, arg, r) in enumerate(conds[:MAX_CONDS]):
            ev_ckind[e, m], ev_carg[e, m], ev_crung[e, m] = kind, arg, r
        ev_prob[e] = prob if enabled else 0.0
        ev_week[e] = week
        eff = getattr(item, "effects", None)
        scaled = section == "commitments" or (section == "events" and item.capacity_scaled)
        if eff is not None:
            if eff.escalate is not None:
                ev["esc_t"][e], ev["esc_to"][e] = tix[eff.escalate.theatre], eff.escalate.to
            if eff.commit is not None:
                ev["com_a"][e], ev["com_t"][e] = aix(actor), tix[eff.commit]
            for t, v in eff.deter.items():
                ev_post[e, tix[t]] -= v
        if scaled:
            where = eff.commit if eff is not None and eff.commit else None
            if where is None:
                where = next((c.theatre for c in item.trigger.any if c.theatre), None) or tids[0]
            ev["sa"][e], ev["st"][e] = aix(actor), tix[where]
    A = len(used)
    part = np.zeros((A, T), dtype=np.bool_)
    for a, t in parts:
        part[a, t] = True
    cap = np.array([sc.actors[a].capacity for a in used])

    def arr(rows: list[tuple[int, int, float]], k: int, dtype: Any) -> np.ndarray:
        return np.array([r[k] for r in rows], dtype=dtype)

    arrays = dict(
        U=U, D=D, JU=JU, JD=JD, static_up=static_up, exc=exc, aggr=aggr, part=part, closed=closed,
        start=start, floor0=floor0, pat_a=arr(pats, 0, np.int64), pat_t=arr(pats, 1, np.int64), pat_s=arr(pats, 2, float),
        cd_a=arr(cds, 0, np.int64), cd_t=arr(cds, 1, np.int64), cd_v=arr(cds, 2, float),
        ev_ncond=ev_ncond, ev_ckind=ev_ckind, ev_carg=ev_carg, ev_crung=ev_crung, ev_prob=ev_prob,
        ev_week=ev_week, ev_sa=ev["sa"], ev_st=ev["st"], ev_esc_t=ev["esc_t"], ev_esc_to=ev["esc_to"],
        ev_com_a=ev["com_a"], ev_com_t=ev["com_t"], ev_init=ev_init, ev_pre=ev_pre, ev_post=ev_post,
        cap=cap, ov=float(tr.overextension), commit_rung=int(tr.commit_rung),
    )  # fmt: skip
    names = [f"force:{t}" for t in tids] + [f"war:{t}" for t in tids] + list(order) + ["two_fronts"]
    return Compiled(arrays=arrays, theatres=tids, events=list(order), steps=sc.steps, outcome_names=names)


ARG_ORDER = (
    "U", "D", "JU", "JD", "static_up", "exc", "aggr", "part", "closed", "start", "floor0", "pat_a", "pat_t",
    "pat_s", "cd_a", "cd_t", "cd_v", "ev_ncond", "ev_ckind", "ev_carg", "ev_crung", "ev_prob",
    "ev_week", "ev_sa", "ev_st", "ev_esc_t", "ev_esc_to", "ev_com_a", "ev_com_t", "ev_init",
    "ev_pre", "ev_post", "cap", "ov", "commit_rung",
)  # fmt: skip


def parameters(sc: Scenario, sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every numeric or switch parameter of the scenario with its value and source."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(node, list) and path.endswith("weekly"):
            out[path] = {"value": node, "source": sources.get(path, "analyst: scenario file")}
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}.{i}")
        elif isinstance(node, bool | int | float) and not path.startswith(("whatif", "steps")):
            out[path] = {"value": node, "source": sources.get(path, "default of the schema")}

    dump = sc.model_dump(by_alias=True, exclude={"name", "as_of", "description", "whatif"})
    walk(dump, "")
    return out
