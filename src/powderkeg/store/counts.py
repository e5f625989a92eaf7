"""Counts: what a write to the store did, in the contract's JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Counts:
    """Outcome of ``ingest``/``import``: ``{"read", "events", "new_events", "quarantined", "problems"}``.

    ``read``: input items read (documents, or data rows); ``events``: events those items carry
    (already stored ones included); ``new_events``: events not in the store before;
    ``quarantined``: items set aside as unusable; ``problems``: ``"file: reason"`` lines.
    """

    read: int = 0
    events: int = 0
    new_events: int = 0
    quarantined: int = 0
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "read": int(self.read),
            "events": int(self.events),
            "new_events": int(self.new_events),
            "quarantined": int(self.quarantined),
            "problems": [str(p) for p in self.problems],
        }

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            read=self.read + other.read,
            events=self.events + other.events,
            new_events=self.new_events + other.new_events,
            quarantined=self.quarantined + other.quarantined,
            problems=[*self.problems, *other.problems],
        )
