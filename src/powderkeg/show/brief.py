"""A readable Markdown brief of one coded article.

Sections: actors with codes, events that happened (asserted, historical), events that did not
(negated), what may happen (hypothetical, future) kept apart, places with coordinates,
quantities, and the indicators the events hit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..types import Actor, Document, Event

FACT_SECTIONS = [
    ("What happened", ("asserted",)),
    ("Background (long before the article)", ("historical",)),
    ("Denied or not done", ("negated",)),
    ("What may happen (hypothetical)", ("hypothetical",)),
    ("Announced or expected (future)", ("future",)),
]


def _actor(a: Actor) -> str:
    label = a.person or a.name
    extra = f"/{a.sector}" if a.sector else ""
    return f"{label} ({a.code}{extra})"


def _actors(actors: list[Actor]) -> str:
    return " + ".join(_actor(a) for a in actors) if actors else "—"


def _event_line(e: Event) -> str:
    mode = f"/{e.mode}" if e.mode else ""
    where = ""
    if e.location:
        where = f" · at {e.location.name}"
        if e.location.country:
            where += f" ({e.location.country})"
    date = f" · {e.date} ({e.date_precision})" if e.date else ""
    qs = f" · {', '.join(q.text for q in e.quantities)}" if e.quantities else ""
    return (
        f"- **{e.type}{mode}** {_actors(e.actor)} → {_actors(e.target)}{where}{date}{qs}"
        f" · intensity {e.intensity if e.intensity is not None else '—'}"
        f" · confidence {e.confidence:.2f}\n  > {e.sentence}"
    )


def render_brief(
    doc: Document, indicators_hit: Callable[[dict[str, Any]], list[str]] | None = None
) -> str:
    if indicators_hit is None:
        indicators_hit = _default_indicators()
    lines: list[str] = []
    title = doc.title or doc.source
    lines.append(f"# Brief: {title}")
    lines.append("")
    lines.append(
        f"Source: `{doc.source}` · date: {doc.date or 'unknown'} · doc_id `{doc.doc_id}` · "
        f"coder {doc.coder} · {len(doc.events)} events"
    )
    lines.append("")
    lines.append("## Actors")
    seen: dict[tuple[str, str | None], list[str]] = {}
    for a in doc.actors:
        seen.setdefault((a.code, a.person), []).append(a.text)
    if not seen:
        lines.append("- none found")
    for (code, person), texts in sorted(seen.items(), key=lambda kv: kv[0][0]):
        names = ", ".join(sorted(set(texts)))
        who = f"{person} — " if person else ""
        lines.append(f"- **{code}** {who}as “{names}”")
    lines.append("")
    for heading, facts in FACT_SECTIONS:
        evs = [e for e in doc.events if e.factuality in facts]
        if not evs:
            continue
        lines.append(f"## {heading}")
        lines.extend(_event_line(e) for e in evs)
        lines.append("")
    lines.append("## Places")
    if not doc.places:
        lines.append("- none found")
    for p in doc.places:
        coords = f"{p.lat:.2f}, {p.lon:.2f}" if p.lat is not None and p.lon is not None else "—"
        lines.append(f"- {p.name} ({p.country or 'no state'}, {p.precision}) — {coords}")
    lines.append("")
    lines.append("## Quantities")
    if not doc.quantities:
        lines.append("- none found")
    for q in doc.quantities:
        lines.append(f"- {q.text} = {q.value:,.0f} {q.unit}")
    lines.append("")
    lines.append("## Indicators hit")
    hits: dict[str, list[Event]] = {}
    for e in doc.events:
        for ind in indicators_hit(e.to_json()):
            hits.setdefault(ind, []).append(e)
    if not hits:
        lines.append("- none")
    for ind, evs in sorted(hits.items()):
        facts = sorted({e.factuality for e in evs})
        lines.append(f"- **{ind}**: {len(evs)} event(s) ({', '.join(facts)})")
    if doc.problems:
        lines.append("")
        lines.append("## Problems")
        lines.extend(f"- {p}" for p in doc.problems)
    return "\n".join(lines) + "\n"


def _default_indicators() -> Callable[[dict[str, Any]], list[str]]:
    from ..watch import indicators_hit

    return indicators_hit
