"""Showing a simulation: the text summary of the CLI, and the report section (outcome table,
commonest paths to war per theatre, the what-if pair, a tornado chart per outcome)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError

#: Runs for the demo report: a couple of seconds on two busy cores.
DEMO_RUNS = 5_000
DEMO_SENSITIVITY_RUNS = 1_000
DEMO_SEED = 2021
WHATIF_OUTCOME = "nato_strong_response_ukraine"
TORNADO_BARS = 10


def resolve_scenario(name: str | Path) -> Path:
    """A path as given, or the bundled scenario of that name (with or without ``.yaml``)."""
    p = Path(name)
    if p.exists():
        return p
    from . import list_scenarios

    for s in list_scenarios():
        if s.stem == str(name) or s.name == str(name):
            return s
    known = ", ".join(s.stem for s in list_scenarios())
    raise InputError(str(name), f"no such scenario file (bundled scenarios: {known})")


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def text_summary(result: dict[str, Any], top: int = 3) -> str:
    lines = [f"{result['runs']} runs, seed {result['seed']}, {result['seconds']:.2f} s", "",
             f"{'outcome':<34} {'p':>7}  95% interval"]  # fmt: skip
    for name, o in result["outcomes"].items():
        lines.append(f"{name:<34} {_pct(o['p']):>7}  [{_pct(o['ci'][0])}, {_pct(o['ci'][1])}]")
    war = {k: v for k, v in result["paths"].items() if k.startswith("war:")}
    if war:
        lines += ["", "commonest paths to war:"]
        for k, paths in war.items():
            lines.append(f"  {k}: " + " | ".join(" → ".join(p) for p in paths[:2]))
    if result["sensitivity"]:
        lines += ["", "parameters that move each outcome most (effect of 0.5x → 1.5x):"]
        for k, eff in result["sensitivity"].items():
            if k.startswith("war:") or k == WHATIF_OUTCOME:
                best = list(eff.items())[:top]
                lines.append(f"  {k}: " + ", ".join(f"{p} {v:+.3f}" for p, v in best))
    changed = [f"{p}={v['value']}" for p, v in result["parameters"].items() if v["source"].startswith(("--set", "store"))]
    if changed:
        lines += ["", "overrides: " + ", ".join(changed)]
    return "\n".join(lines)


def plot_tornado(result: dict[str, Any], outcome: str, path: Path, bars: int = TORNADO_BARS) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eff = list(result["sensitivity"].get(outcome, {}).items())[:bars][::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * max(len(eff), 3) + 1.2))
    if eff:
        names, vals = zip(*eff, strict=True)
        ax.barh(range(len(vals)), vals, color=["#b2182b" if v > 0 else "#2166ac" for v in vals])
        ax.set_yticks(range(len(vals)), names, fontsize=8)
    ax.axvline(0, color="#444", lw=0.8)
    base = result["outcomes"][outcome]["p"]
    ax.set_xlabel(f"change in P, parameter 0.5x → 1.5x (base P = {base:.3f})", fontsize=9)
    ax.set_title(f"What moves {outcome}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def simulation_section(out_dir: Path, *, runs: int = DEMO_RUNS, seed: int = DEMO_SEED) -> list[str]:
    """The report section for the shipped scenario: outcomes, paths, the what-if pair, tornados."""
    from . import compare, list_scenarios, load, simulate

    path = next(s for s in list_scenarios() if s.stem == "ukraine-balkans-2021")
    result = simulate(path, runs=runs, seed=seed, sensitivity_runs=min(runs, DEMO_SENSITIVITY_RUNS))
    sc, _ = load(path)
    md = [
        "## Simulation: Ukraine and the Western Balkans, December 2021",
        "",
        f"`powderkeg simulate {path.stem} --runs {runs} --seed {seed}`: {runs} runs of "
        f"{sc.steps} weekly steps ({result['seconds']:.1f} s). The scenario encodes the seed "
        "article's system; hazards are calibrated on MID dispute histories (docs/simulate.md), "
        "the rest are analyst values named in the scenario file. Probabilities within one year, "
        "with 95% Wilson intervals.",
        "",
        "| outcome | p | 95% interval |",
        "|---|---|---|",
    ]
    for name, o in result["outcomes"].items():
        md.append(f"| {name} | {o['p']:.3f} | [{o['ci'][0]:.3f}, {o['ci'][1]:.3f}] |")
    md += ["", "### Commonest paths to war", ""]
    for k, paths in result["paths"].items():
        if k.startswith("war:"):
            md.append(f"- **{k[4:]}**: " + "; ".join(" → ".join(p) for p in paths[:3]))
    a, b = sc.whatif.get("no_kosovo_crisis", []), sc.whatif.get("kosovo_crisis", [])
    if a and b:
        cmp = compare(path, WHATIF_OUTCOME, a, b, runs=4 * runs, seed=seed, given="force:ukraine")
        ga, gb = cmp["a"]["given"], cmp["b"]["given"]
        md += [
            "",
            "### What-if: a concurrent Kosovo crisis and NATO's response in Ukraine",
            "",
            f"P(strong NATO response in Ukraine within a year), without a Kosovo crisis "
            f"(`{' '.join('--set ' + s for s in a)}`): **{cmp['a']['p']:.3f}** "
            f"[{cmp['a']['ci'][0]:.3f}, {cmp['a']['ci'][1]:.3f}]; with Kosovo held at use of force "
            f"(`{' '.join('--set ' + s for s in b)}`): **{cmp['b']['p']:.3f}** "
            f"[{cmp['b']['ci'][0]:.3f}, {cmp['b']['ci'][1]:.3f}]. Difference {cmp['difference']:+.3f} "
            f"[{cmp['ci'][0]:+.3f}, {cmp['ci'][1]:+.3f}] ({cmp['runs']} runs per arm). Two effects "
            f"pull apart: Russia's use of force in Ukraine is likelier with Kosovo at use of force "
            f"({ga['p']:.3f} → {gb['p']:.3f}, the excitation weight), while NATO's response to it is "
            f"weaker (P(strong | use of force) {ga['conditional']:.3f} → {gb['conditional']:.3f}, "
            "overextension). Both rest on analyst values (NATO capacity, overextension, excitation); "
            "the tornado chart shows how much.",
        ]
    md += ["", "### Parameters that move each outcome most", ""]
    for outcome in ("war:ukraine", "war:serbia-kosovo", WHATIF_OUTCOME):
        if outcome in result["sensitivity"]:
            png = plot_tornado(result, outcome, out_dir / f"tornado-{outcome.replace(':', '-')}.png")
            md.append(f"![tornado {outcome}]({png.name})")
            md.append("")
    return md
