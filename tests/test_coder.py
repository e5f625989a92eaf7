"""The coder on plain cases: roles, factuality, quantities, places, contract JSON."""

from __future__ import annotations

from functools import lru_cache

import pytest

from powderkeg.coder import Coder
from powderkeg.types import Document, event_id_for

DOC_DATE = "2021-12-15"


@lru_cache(maxsize=1)
def _coder() -> Coder:
    return Coder()


def code(text: str, date: str | None = DOC_DATE) -> Document:
    return _coder().code(Document.from_text(text, "test", date=date))


def only(doc: Document, type_: str):
    evs = [e for e in doc.events if e.type == type_]
    assert evs, f"no {type_} event in {[(e.type, e.sentence) for e in doc.events]}"
    return evs[0]


def codes(actors) -> set[str]:
    return {a.code for a in actors}


def test_troop_massing_is_mobilize_rus_to_ukr() -> None:
    doc = code("More than 120,000 Russian troops have massed on Ukraine's eastern border.")
    e = only(doc, "MOBILIZE")
    assert codes(e.actor) == {"RUS"}
    assert codes(e.target) == {"UKR"}
    assert e.factuality == "asserted"
    assert e.mode == "troops"
    assert e.intensity == -6.5
    assert e.quad == "material_conflict"
    assert [(q.value, q.unit) for q in e.quantities] == [(120000, "troops")]


def test_conditional_is_hypothetical() -> None:
    doc = code("The North Atlantic Council could activate Article 5 if Russia attacks Estonia.")
    assert doc.events
    assert all(e.factuality == "hypothetical" for e in doc.events)


def test_negation() -> None:
    doc = code("Biden made no such guarantee to Putin.")
    assert doc.events and doc.events[0].factuality == "negated"
    doc = code("Serbia did not recognise Kosovo's independence.")
    assert doc.events and doc.events[0].factuality == "negated"


def test_passive_agent_is_actor() -> None:
    doc = code("Crimea was seized by Moscow in March 2014.")
    e = only(doc, "COERCE")
    assert "RUS" in codes(e.actor)
    assert e.factuality == "historical"
    assert e.date == "2014-03-01"


def test_list_of_actors_is_one_event() -> None:
    doc = code("Serbia and Russia established a humanitarian centre in Nis.")
    e = doc.events[0]
    assert codes(e.actor) == {"SRB", "RUS"}
    assert e.location is not None and e.location.country == "SRB"
    assert e.location.lat == pytest.approx(43.32, abs=0.1)


def test_future_and_dates() -> None:
    doc = code("Russia and Ukraine will hold talks in Geneva next week.")
    e = only(doc, "CONSULT")
    assert e.factuality == "future"
    assert e.date == "2021-12-22"


def test_person_resolves_to_state_on_date() -> None:
    doc = code("Vucic threatened to intervene militarily in Kosovo.")
    people = [a for e in doc.events for a in e.actor if a.kind == "person"]
    assert people and people[0].code == "SRB"


def test_sentence_without_actors_has_no_event() -> None:
    assert code("The weather was mild and the markets were calm.").events == []


def test_contract_ids_and_spans() -> None:
    text = "Ukraine accused Russia of shelling Mariupol. Russia denied it."
    doc = code(text)
    for e in doc.events:
        assert doc.text[e.span[0] : e.span[1]] == e.sentence
        assert e.id == event_id_for(doc.doc_id, e.span[0], e.span[1], e.type)
        j = e.to_json()
        assert list(j) == [
            "id", "span", "sentence", "type", "mode", "context", "actor", "target", "location",
            "date", "date_precision", "factuality", "quantities", "quad", "intensity", "cameo",
            "goldstein", "acled_type", "acled_sub_type", "confidence",
        ]  # fmt: skip


def test_recoding_is_deterministic() -> None:
    text = "Russia imposed sanctions on Moldova and cut gas supplies."
    a, b = code(text), code(text)
    assert [e.to_json() for e in a.events] == [e.to_json() for e in b.events]
