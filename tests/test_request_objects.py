"""A noun that is what someone asks for is not an event of its own."""

from __future__ import annotations

import pytest

from powderkeg.coder import Coder
from powderkeg.types import Document


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


@pytest.mark.parametrize(
    ("sentence", "actor", "target"),
    [
        ("Putin demanded security guarantees from NATO.", "RUS", "NATO"),
        ("Kosovo demanded the withdrawal of Serbian troops.", "XKX", "SRB"),
        ("Ukraine sought military aid from the United States.", "UKR", "USA"),
    ],
)
def test_demand_and_seek_are_requests(coder: Coder, sentence: str, actor: str, target: str) -> None:
    doc = coder.code(Document.from_text(sentence, source="t", date="2022-02-10"))
    types = [e.type for e in doc.events]
    assert types == ["REQUEST"], [(e.type, [a.code for a in e.actor]) for e in doc.events]
    ev = doc.events[0]
    assert [a.code for a in ev.actor] == [actor] and [a.code for a in ev.target] == [target]
