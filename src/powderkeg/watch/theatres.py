"""Theatres: named conflict settings, defined as data (``data/theatres/*.yaml``).

An event belongs to a theatre when any of these holds (see README.md, "Theatre rule"):

1. **dyad**: two different codes among its actor and target codes form one of the theatre's
   dyads, in either direction (co-actors count too: "Serbia and Russia opened a centre");
2. **territory**: its place lies in the theatre's territory (place country in ``countries``,
   place name in ``regions``, coordinates inside a bounding box, or an actor/target that is one of
   the ``substates``) **and** one of its actor or target codes is in the theatre's ``actors``;
3. **unilateral**: it names one side only (no target, or no actor), that side has a code in
   ``unilateral.actors``, and its type is in ``unilateral.types`` (all types when that list is
   absent). The no-actor case catches passive reports ("Serbian army units were deployed close to
   the boundary"), where the coder keeps the only party named as the target.

A listed code covers its sub-units: ``UKR`` covers ``UKR-DPR`` (codes are ``PARENT-NAME``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powderkeg._yaml import parse_yaml
from powderkeg.errors import InputError
from powderkeg.watch.frame import (
    PLOVER_TYPES,
    any_covered,
    covers,
    float_values,
    memo_map,
    str_list,
    str_values,
)

CODE_RE = re.compile(r"^[A-Z]{2,6}(?:-[A-Z0-9]{2,12})?$")
THEATRE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEYS = {"id", "name", "description", "dyads", "actors", "territory", "unilateral"}
_TERRITORY_KEYS = {"countries", "substates", "regions", "bboxes"}


def fold(name: str) -> str:
    """A place name folded for comparison: no diacritics, case-folded, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().replace("-", " ").split())


@dataclass(frozen=True)
class BBox:
    """A latitude/longitude rectangle (degrees, WGS84)."""

    name: str
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (
                (lat >= self.south) & (lat <= self.north) & (lon >= self.west) & (lon <= self.east)
            )


@dataclass(frozen=True)
class Theatre:
    id: str
    name: str
    description: str
    dyads: tuple[tuple[str, str], ...]
    actors: frozenset[str]
    countries: frozenset[str] = frozenset()
    substates: frozenset[str] = frozenset()
    regions: tuple[str, ...] = ()
    bboxes: tuple[BBox, ...] = ()
    unilateral_actors: frozenset[str] = frozenset()
    unilateral_types: frozenset[str] | None = None
    source: str = ""

    def codes(self) -> set[str]:
        """Every actor code the theatre names."""
        out = set(self.actors) | set(self.substates) | set(self.unilateral_actors)
        for a, b in self.dyads:
            out.update((a, b))
        return out

    def matches(self, df: pd.DataFrame) -> pd.Series:
        """Boolean Series over ``df``: which events belong to this theatre (rule in module doc)."""
        n = len(df)
        if n == 0:
            return pd.Series(np.zeros(0, dtype=bool), index=df.index)
        actor_codes = memo_map(_col(df, "actor_codes"), str_list)
        target_codes = memo_map(_col(df, "target_codes"), str_list)
        types = str_values(df, "type")
        countries = str_values(df, "country")
        places = memo_map(str_values(df, "place_name"), lambda p: fold(p) if p else None)
        lat = float_values(df, "lat")
        lon = float_values(df, "lon")

        in_box = np.zeros(n, dtype=bool)
        for box in self.bboxes:
            in_box |= box.contains(lat, lon)
        regions = frozenset(fold(r) for r in self.regions)

        out = np.zeros(n, dtype=bool)
        seen: dict[tuple[Any, ...], bool] = {}
        for i in range(n):
            key = (actor_codes[i], target_codes[i], types[i], countries[i], places[i], in_box[i])
            hit = seen.get(key)
            if hit is None:
                hit = seen[key] = self._match_one(*key, regions)
            out[i] = hit
        return pd.Series(out, index=df.index)

    def _match_one(
        self,
        acts: tuple[str, ...],
        tgts: tuple[str, ...],
        type_: str | None,
        country: str | None,
        place: str | None,
        in_box: bool,
        regions: frozenset[str],
    ) -> bool:
        parts = tuple(dict.fromkeys(acts + tgts))
        if self._dyad(parts):
            return True
        if (
            self.unilateral_actors
            and (self.unilateral_types is None or type_ in self.unilateral_types)
            and (
                (not tgts and any_covered(self.unilateral_actors, acts))
                or (not acts and any_covered(self.unilateral_actors, tgts))
            )
        ):
            return True
        if not any_covered(self.actors, parts):
            return False
        return bool(
            (country is not None and country in self.countries)
            or (place is not None and place in regions)
            or in_box
            or any_covered(self.substates, parts)
        )

    def _dyad(self, parts: tuple[str, ...]) -> bool:
        if len(parts) < 2:
            return False
        for a, b in self.dyads:
            side_a = [p for p in parts if covers(a, p)]
            if not side_a:
                continue
            side_b = [p for p in parts if covers(b, p)]
            if any(p != q for p in side_a for q in side_b):
                return True
        return False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "dyads": [list(d) for d in self.dyads],
            "actors": sorted(self.actors),
            "territory": {
                "countries": sorted(self.countries),
                "substates": sorted(self.substates),
                "regions": list(self.regions),
                "bboxes": [
                    {
                        "name": b.name,
                        "south": b.south,
                        "west": b.west,
                        "north": b.north,
                        "east": b.east,
                    }
                    for b in self.bboxes
                ],
            },
            "unilateral": {
                "actors": sorted(self.unilateral_actors),
                "types": sorted(self.unilateral_types)
                if self.unilateral_types is not None
                else None,
            },
        }


def _col(df: pd.DataFrame, name: str) -> list[Any]:
    return df[name].tolist() if name in df.columns else [None] * len(df)


def _codes(value: Any, source: str, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(source, f"'{field}' must be a list of codes")
    out = []
    for code in value:
        if not isinstance(code, str) or not CODE_RE.match(code):
            raise InputError(source, f"'{field}' has an implausible actor code {code!r}")
        out.append(code)
    return out


def parse_theatre(data: Any, source: str) -> Theatre:
    """A Theatre from one parsed YAML mapping; InputError names ``source`` and the problem."""
    if not isinstance(data, dict):
        raise InputError(source, "a theatre file must hold a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise InputError(source, "unknown field(s): " + ", ".join(sorted(unknown)))
    tid = data.get("id")
    if not isinstance(tid, str) or not THEATRE_ID_RE.match(tid):
        raise InputError(source, "'id' must be lower-case letters, digits and hyphens")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(source, "'name' is required")
    dyads_raw = data.get("dyads") or []
    if not isinstance(dyads_raw, list):
        raise InputError(source, "'dyads' must be a list of [code, code] pairs")
    dyads: list[tuple[str, str]] = []
    for pair in dyads_raw:
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(source, f"dyad {pair!r} is not a pair of two codes")
        a, b = _codes(pair, source, "dyads")
        if a == b:
            raise InputError(source, f"dyad {pair!r} pairs a code with itself")
        dyads.append((a, b))
    actors = frozenset(_codes(data.get("actors"), source, "actors"))
    if not actors and not dyads:
        raise InputError(source, "a theatre needs 'dyads' or 'actors'")

    terr = data.get("territory") or {}
    if not isinstance(terr, dict):
        raise InputError(source, "'territory' must be a mapping")
    unknown = set(terr) - _TERRITORY_KEYS
    if unknown:
        raise InputError(source, "unknown territory field(s): " + ", ".join(sorted(unknown)))
    countries = _codes(terr.get("countries"), source, "territory.countries")
    substates = _codes(terr.get("substates"), source, "territory.substates")
    regions = terr.get("regions") or []
    if not isinstance(regions, list) or not all(isinstance(r, str) and r for r in regions):
        raise InputError(source, "'territory.regions' must be a list of names")
    boxes = []
    for box in terr.get("bboxes") or []:
        try:
            b = BBox(
                str(box.get("name", "")),
                float(box["south"]),
                float(box["west"]),
                float(box["north"]),
                float(box["east"]),
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            raise InputError(
                source, f"bounding box {box!r} needs numeric south, west, north, east"
            ) from None
        if not (-90 <= b.south < b.north <= 90 and -180 <= b.west < b.east <= 180):
            raise InputError(source, f"bounding box {b.name!r} is not a valid rectangle")
        boxes.append(b)

    uni = data.get("unilateral") or {}
    if not isinstance(uni, dict):
        raise InputError(source, "'unilateral' must be a mapping")
    uni_actors = frozenset(_codes(uni.get("actors"), source, "unilateral.actors"))
    uni_types_raw = uni.get("types")
    uni_types = None
    if uni_types_raw is not None:
        bad = [t for t in uni_types_raw if t not in PLOVER_TYPES]
        if bad:
            raise InputError(source, f"'unilateral.types' has unknown PLOVER type(s): {bad}")
        uni_types = frozenset(uni_types_raw)

    return Theatre(
        id=tid,
        name=name.strip(),
        description=str(data.get("description") or "").strip(),
        dyads=tuple(dyads),
        actors=actors,
        countries=frozenset(countries),
        substates=frozenset(substates),
        regions=tuple(regions),
        bboxes=tuple(boxes),
        unilateral_actors=uni_actors,
        unilateral_types=uni_types,
        source=source,
    )


def load_theatre_file(path: Path | str) -> Theatre:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(p), f"cannot read theatre file ({exc.strerror or exc})") from None
    return _parse_text(text, str(p))


def _parse_text(text: str, source: str) -> Theatre:
    return parse_theatre(parse_yaml(text, source), source)


@lru_cache(maxsize=1)
def _package_theatres() -> tuple[Theatre, ...]:
    folder = resources.files("powderkeg.watch").joinpath("data/theatres")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out.append(_parse_text(entry.read_text(encoding="utf-8"), f"powderkeg:{entry.name}"))
    return tuple(out)


def load_theatres(extra_dir: Path | str | None = None) -> dict[str, Theatre]:
    """The bundled theatres by id, plus those in ``extra_dir`` (``*.yaml``; same id replaces)."""
    found: dict[str, Theatre] = {}
    for t in _package_theatres():
        if t.id in found:
            raise InputError(t.source, f"theatre id {t.id!r} is defined twice")
        found[t.id] = t
    if extra_dir is not None:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise InputError(str(folder), "theatre folder does not exist")
        seen: dict[str, str] = {}
        for p in sorted(folder.iterdir()):
            if p.suffix in (".yaml", ".yml") and p.is_file():
                t = load_theatre_file(p)
                if t.id in seen:
                    raise InputError(str(p), f"theatre id {t.id!r} also defined in {seen[t.id]}")
                seen[t.id] = str(p)
                found[t.id] = t
    return dict(sorted(found.items()))


def resolve_theatre(theatre: Theatre | str, extra_dir: Path | str | None = None) -> Theatre:
    """A Theatre as given, or the bundled (or ``extra_dir``) theatre with that id."""
    if isinstance(theatre, Theatre):
        return theatre
    known = load_theatres(extra_dir)
    if theatre not in known:
        raise InputError(str(theatre), "no such theatre (known: " + ", ".join(known) + ")")
    return known[theatre]


def theatre_streams(
    df: pd.DataFrame, theatres: Mapping[str, Theatre], quads: Sequence[str] | None = None
) -> pd.DataFrame:
    """Event streams for the link stage: one row (``time`` as an ISO date, ``stream`` the theatre
    id) per dated event of each theatre, optionally only events of the given quad classes. An
    event in two theatres is in both streams."""
    frames = [pd.DataFrame({"time": pd.Series(dtype=str), "stream": pd.Series(dtype=str)})]
    for tid, theatre in theatres.items():
        if not len(df):
            break
        sub = df[theatre.matches(df) & df["date"].notna()]
        if quads is not None:
            sub = sub[sub["quad"].isin(list(quads))]
        dates = pd.to_datetime(sub["date"]).dt.strftime("%Y-%m-%d")
        frames.append(pd.DataFrame({"time": dates.to_numpy(), "stream": tid}))
    return pd.concat(frames, ignore_index=True)
