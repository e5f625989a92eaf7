"""Reports: per theatre, the events with their sentences, trends, indicators, alerts and links.

``write_report`` writes ``report.md`` and a self-contained ``report.html`` (figures embedded) into a
folder, plus one PNG trend figure per theatre.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..types import Document

MAX_EVENTS_LISTED = 40
MAX_ALERT_SENTENCES = 5


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _codes(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return "+".join(str(x) for x in v) or "—"


def _events_table(df: pd.DataFrame) -> list[str]:
    lines = [
        "| date | type | actor → target | place | factuality | sentence |",
        "|---|---|---|---|---|---|",
    ]
    rows = df.sort_values(["date", "type"]).head(MAX_EVENTS_LISTED)
    for r in rows.itertuples():
        sentence = str(r.sentence or "").replace("|", "\\|")
        date = r.date.date().isoformat() if hasattr(r.date, "date") and not pd.isna(r.date) else _fmt(r.date)
        lines.append(
            f"| {date} | {r.type}{'/' + r.mode if isinstance(r.mode, str) else ''} | "
            f"{_codes(r.actor_codes)} → {_codes(r.target_codes)} | {_fmt(r.place_name)} | "
            f"{r.factuality} | {sentence} |"
        )
    if len(df) > MAX_EVENTS_LISTED:
        lines.append(f"\n… and {len(df) - MAX_EVENTS_LISTED} more events in the database.")
    return lines


def write_report(
    out_dir: Path,
    events: pd.DataFrame,
    docs: Sequence[Document] = (),
    *,
    title: str = "powderkeg report",
    freq: str = "W",
    db: Path | str | None = None,
    simulation: bool = False,
) -> Path:
    from ..watch import alerts as find_alerts
    from ..watch import load_indicators, load_theatres, plot_trend, theatre_series

    out_dir.mkdir(parents=True, exist_ok=True)
    theatres = load_theatres()
    indicators = load_indicators()
    md: list[str] = [f"# {title}", ""]
    n_docs = len(docs)
    md.append(
        f"{n_docs} documents, {len(events)} events in the store. "
        "Events are coded in the PLOVER ontology; each lists the sentence it came from."
    )
    md.append("")
    md.append("## Events by factuality")
    if len(events):
        for fact, n in events["factuality"].value_counts().items():
            md.append(f"- {fact}: {n}")
    md.append("")
    alerts = find_alerts(events, theatres, indicators, freq=freq) if len(events) else []
    md.append("## Alerts")
    md.append(
        "An alert fires when an indicator's count in a period departs from its own history "
        "(method in the watch module's README)."
    )
    if not alerts:
        md.append("- none")
    for a in alerts:
        j = a.to_json()
        md.append(
            f"- **{j['theatre']} · {j['indicator']}** in {_period_words(freq)}{j['period']} to "
            f"{j['period_end']}: {j['value']} events (baseline {_fmt(j.get('baseline'))}, "
            f"score {_fmt(j.get('score'))}, {j['method']})"
        )
        for s in j.get("sentences", [])[:MAX_ALERT_SENTENCES]:
            md.append(f"  > {s}")
        if len(j.get("sentences", [])) > MAX_ALERT_SENTENCES:
            md.append(f"  > … {len(j['sentences']) - MAX_ALERT_SENTENCES} more sentences")
    md.append("")
    figures: list[tuple[str, Path]] = []
    for tid, theatre in theatres.items():
        mask = theatre.matches(events) if len(events) else pd.Series([], dtype=bool)
        sub = events[mask] if len(events) else events
        md.append(f"## Theatre: {theatre.name} (`{tid}`)")
        md.append("")
        md.append(f"{len(sub)} events.")
        if len(sub):
            series = theatre_series(events, theatre, freq=freq)
            png = out_dir / f"trend-{tid}.png"
            mine = [a for a in alerts if a.theatre == tid]
            plot_trend(
                series,
                png,
                title=f"{theatre.name}: events per {_period_words(freq).split()[1]} (shaded: alerts)",
                alerts=mine,
            )
            figures.append((tid, png))
            md.append(f"![trend {tid}]({png.name})")
            md.append("")
            counts = sub["type"].value_counts()
            md.append("Event types: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
            md.append("")
            hits = {ind.id: int(ind.matches(sub).sum()) for ind in indicators}
            hits = {k: v for k, v in hits.items() if v}
            if hits:
                md.append("Indicators hit: " + ", ".join(f"{k} {v}" for k, v in sorted(hits.items())))
                md.append("")
            md.extend(_events_table(sub))
        md.append("")
    md.extend(_link_section(events, theatres, out_dir))
    md.append("")
    from ..forecast.report import forecast_section

    md.extend(forecast_section(events, theatres, out_dir))
    md.append("")
    md.extend(_exports_section(db))
    if simulation:
        from ..simulate.report import simulation_section

        md += ["", *simulation_section(out_dir)]
    md_path = out_dir / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    (out_dir / "report.html").write_text(_to_html(md, out_dir, title), encoding="utf-8")
    return md_path


def _period_words(freq: str) -> str:
    return {"W": "the week of ", "D": "the day ", "M": "the month "}.get(freq, "")


def _exports_section(db: Path | str | None) -> list[str]:
    """How to take the events, trends and alerts out of the store."""
    where = str(db) if db is not None else "events.duckdb"
    return [
        "## Exports",
        "",
        f"Exports: `powderkeg export --db {where} --format parquet --out events.parquet` "
        "(or `--format csv`, or `--format geojson` for a map layer of the events with "
        "coordinates; `--theatre ID`, `--since`/`--until` narrow it); trends with "
        f"`powderkeg trend serbia-kosovo --db {where} --csv` (or `--json`, `--plot trend.html`); "
        f"alerts with their events and sentences with `powderkeg alerts --db {where} --json`.",
    ]


def _link_section(
    events: pd.DataFrame, theatres: dict[str, Any], out_dir: Path | None = None
) -> list[str]:
    """Cross-theatre excitation, with an honest verdict when data are too thin, its plots, and a
    method check on simulated streams with a known answer."""
    try:
        from ..link import link
    except ImportError:
        return []
    from ..watch import theatre_streams

    lines = ["## Links between theatres", ""]
    data = theatre_streams(events, theatres, quads=("material_conflict", "verbal_conflict"))
    if data.empty:
        return lines + ["- no events"]
    data = data[data["stream"].isin(data["stream"].value_counts().index[:5])]
    try:
        result = link(data, seed=0)
    except Exception as e:  # noqa: BLE001 - the report shows why the link could not be measured
        return lines + [f"- not measured: {e}"]
    lines.append(f"Verdict: **{result['verdict']}** (conflict events, {', '.join(result['streams'])}).")
    if result["verdict"] == "ok":
        lines.extend(_branching_table(result))
        if out_dir is not None:
            lines.extend(_link_figures(result, out_dir, "link"))
    if out_dir is not None:
        lines.extend(_link_method_check(out_dir))
    return lines


def _branching_table(result: dict[str, Any]) -> list[str]:
    lines = ["", "| from → to | branching | 95% interval | Granger p |", "|---|---|---|---|"]
    s = result["streams"]
    for i, to in enumerate(s):
        for j, fr in enumerate(s):
            if i == j:
                continue
            lines.append(
                f"| {fr} → {to} | {result['branching'][i][j]:.3f} | "
                f"[{result['branching_ci_low'][i][j]:.3f}, {result['branching_ci_high'][i][j]:.3f}] | "
                f"{_fmt(result['granger_p'][i][j])} |"
            )
    return lines


def _link_figures(result: dict[str, Any], out_dir: Path, stem: str) -> list[str]:
    from ..link.plots import plot_branching, plot_kernels, plot_rolling

    paths = [plot_branching(result, out_dir / f"{stem}-branching.png")]
    paths.append(plot_kernels(result, out_dir / f"{stem}-kernels.png"))
    if result.get("rolling"):
        paths.append(plot_rolling(result, out_dir / f"{stem}-rolling.png"))
    return ["", *[f"![{p.stem}]({p.name})" for p in paths]]


#: The simulated check: stream "A" excites stream "B" only in the second half of the record.
_CHECK_BASELINE = (0.25, 0.25)
_CHECK_BEFORE = ((0.3, 0.0), (0.0, 0.3))
_CHECK_AFTER = ((0.3, 0.0), (0.35, 0.3))
_CHECK_DAYS = 1500.0


def _link_method_check(out_dir: Path) -> list[str]:
    """Fit the same model to simulated streams whose answer is known, so a reader sees what the
    measurement recovers, how wide its intervals are, and how rolling windows show a link
    appearing. Nothing here is data: it is labelled as a simulation."""
    import numpy as np

    from ..link import link, simulate_hawkes

    parts = []
    for k, branching in enumerate((_CHECK_BEFORE, _CHECK_AFTER)):
        sim = simulate_hawkes(
            np.array(_CHECK_BASELINE), np.array(branching), 1.0, _CHECK_DAYS, seed=11 + k
        )
        for name, times in zip(("A", "B"), sim, strict=True):
            parts.append(pd.DataFrame({"time": times + k * _CHECK_DAYS, "stream": name}))
    data = pd.concat(parts, ignore_index=True)
    result = link(data, seed=0, rolling_window=365.0, rolling_step=91.0)
    after = result["rolling"][-1] if result.get("rolling") else None
    lines = [
        "",
        "### Method check on simulated streams (known answer, not data)",
        "",
        f"Two simulated streams over {2 * _CHECK_DAYS:.0f} days, decay 1 per day: A → B is 0 in "
        f"the first half and {_CHECK_AFTER[1][0]} in the second; self-excitation "
        f"{_CHECK_BEFORE[0][0]}. The whole-record fit gives verdict **{result['verdict']}** and "
        f"A → B {result['branching'][1][0]:.3f} [{result['branching_ci_low'][1][0]:.3f}, "
        f"{result['branching_ci_high'][1][0]:.3f}] (an average of the two halves); decay "
        f"{_fmt(result.get('decay'))}.",
    ]
    if after is not None:
        first = result["rolling"][0]
        lines.append(
            f"Rolling one-year windows show the link appear: A → B {first['branching'][1][0]:.3f} "
            f"in days {first['start']:.0f}–{first['end']:.0f}, {after['branching'][1][0]:.3f} in "
            f"days {after['start']:.0f}–{after['end']:.0f}."
        )
    lines.extend(_link_figures(result, out_dir, "link-check"))
    return lines


def _to_html(md: list[str], out_dir: Path, title: str) -> str:
    """A small Markdown subset to HTML, with images embedded so the file stands alone."""
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
        "color:#222}table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;"
        "padding:3px 6px;vertical-align:top}blockquote{color:#555;margin:.2em 1em}img{max-width:100%}"
        "</style></head><body>",
    ]
    in_table = False
    for line in md:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= {"-"} for c in cells):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
                out.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr>")
            else:
                out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("!["):
            name = line[line.index("(") + 1 : line.rindex(")")]
            data = base64.b64encode((out_dir / name).read_bytes()).decode()
            out.append(f"<img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>")
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.strip().startswith(">"):
            out.append(f"<blockquote>{html.escape(line.strip()[1:].strip())}</blockquote>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:]).replace('**', '')}</li>")
        elif line.strip():
            out.append(f"<p>{html.escape(line).replace('**', '')}</p>")
    if in_table:
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)
