"""Core types shared by every stage.

The JSON form of each type is the one fixed in the project's outside contract
(CONTRACT.md): ``to_json()`` returns exactly those fields, in that order.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

FACTUALITIES = ("asserted", "negated", "hypothetical", "future", "historical")
QUADS = ("verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")
ACTOR_KINDS = ("state", "igo", "substate", "group", "person")
PLACE_PRECISIONS = ("city", "region", "country", "border", "sea")
DATE_PRECISIONS = ("day", "month", "year", "unknown")

_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """The text as the coder sees it: NFC, whitespace runs collapsed to one space, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def sha16(value: str) -> str:
    """First 16 hex digits of SHA-256 over the UTF-8 bytes of ``value``."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def doc_id_for(text: str) -> str:
    """Contract doc_id: sha16 of the normalised text."""
    return sha16(normalize_text(text))


def event_id_for(doc_id: str, start: int, end: int, type_: str) -> str:
    """Contract event id: sha16 of ``doc_id:start:end:type``."""
    return sha16(f"{doc_id}:{start}:{end}:{type_}")


@dataclass(frozen=True)
class Actor:
    text: str
    code: str
    name: str
    kind: str
    person: str | None = None
    sector: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "person": self.person,
            "sector": self.sector,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Actor:
        return cls(
            text=d.get("text", ""),
            code=d["code"],
            name=d.get("name", d["code"]),
            kind=d.get("kind", "state"),
            person=d.get("person"),
            sector=d.get("sector"),
        )


@dataclass(frozen=True)
class Place:
    text: str
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    precision: str

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "name": self.name,
            "country": self.country,
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Place:
        return cls(
            text=d.get("text", ""),
            name=d.get("name", ""),
            country=d.get("country"),
            lat=d.get("lat"),
            lon=d.get("lon"),
            precision=d.get("precision", "city"),
        )


@dataclass(frozen=True)
class Quantity:
    text: str
    value: float
    unit: str

    def to_json(self) -> dict[str, Any]:
        value: float | int = self.value
        if float(value).is_integer():
            value = int(value)
        return {"text": self.text, "value": value, "unit": self.unit}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Quantity:
        return cls(text=d.get("text", ""), value=float(d["value"]), unit=d["unit"])


@dataclass
class Event:
    id: str
    span: tuple[int, int]
    sentence: str
    type: str
    mode: str | None = None
    context: list[str] = field(default_factory=list)
    actor: list[Actor] = field(default_factory=list)
    target: list[Actor] = field(default_factory=list)
    location: Place | None = None
    date: str | None = None
    date_precision: str = "unknown"
    factuality: str = "asserted"
    quantities: list[Quantity] = field(default_factory=list)
    quad: str | None = None
    intensity: float | None = None
    cameo: str | None = None
    goldstein: float | None = None
    acled_type: str | None = None
    acled_sub_type: str | None = None
    confidence: float = 0.5

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "span": [self.span[0], self.span[1]],
            "sentence": self.sentence,
            "type": self.type,
            "mode": self.mode,
            "context": list(self.context),
            "actor": [a.to_json() for a in self.actor],
            "target": [a.to_json() for a in self.target],
            "location": self.location.to_json() if self.location else None,
            "date": self.date,
            "date_precision": self.date_precision,
            "factuality": self.factuality,
            "quantities": [q.to_json() for q in self.quantities],
            "quad": self.quad,
            "intensity": self.intensity,
            "cameo": self.cameo,
            "goldstein": self.goldstein,
            "acled_type": self.acled_type,
            "acled_sub_type": self.acled_sub_type,
            "confidence": round(float(self.confidence), 4),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Event:
        span = d.get("span") or [0, 0]
        loc = d.get("location")
        return cls(
            id=d["id"],
            span=(int(span[0]), int(span[1])),
            sentence=d.get("sentence", ""),
            type=d["type"],
            mode=d.get("mode"),
            context=list(d.get("context") or []),
            actor=[Actor.from_json(a) for a in d.get("actor") or []],
            target=[Actor.from_json(a) for a in d.get("target") or []],
            location=Place.from_json(loc) if loc else None,
            date=d.get("date"),
            date_precision=d.get("date_precision", "unknown"),
            factuality=d.get("factuality", "asserted"),
            quantities=[Quantity.from_json(q) for q in d.get("quantities") or []],
            quad=d.get("quad"),
            intensity=d.get("intensity"),
            cameo=d.get("cameo"),
            goldstein=d.get("goldstein"),
            acled_type=d.get("acled_type"),
            acled_sub_type=d.get("acled_sub_type"),
            confidence=float(d.get("confidence", 0.5)),
        )


@dataclass
class Document:
    """A document as the coder sees it.

    ``text`` is already normalised (see :func:`normalize_text`); spans index it.
    """

    doc_id: str
    source: str
    text: str
    title: str | None = None
    date: str | None = None
    coder: str | None = None
    events: list[Event] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # precision of ``date`` when it came from ``--date YYYY-MM`` (month) or ``--date YYYY``
    # (year); events dated from the document date take it. Not part of the JSON (CONTRACT.md).
    date_precision: str = "day"

    @classmethod
    def from_text(
        cls, text: str, source: str, title: str | None = None, date: str | None = None
    ) -> Document:
        norm = normalize_text(text)
        return cls(doc_id=sha16(norm), source=source, text=norm, title=title, date=date)

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "coder": self.coder,
            "events": [e.to_json() for e in self.events],
            "actors": [a.to_json() for a in self.actors],
            "places": [p.to_json() for p in self.places],
            "quantities": [q.to_json() for q in self.quantities],
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class Problem:
    """A bad input item: which input, and what is wrong with it. Goes to the quarantine."""

    source: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"
