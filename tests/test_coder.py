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


# -- speed-ups that must not change output --------------------------------------------------------

_VARIED = [
    "Russia massed troops on Ukraine's eastern border.",
    "Serbia and Russia established a humanitarian centre in Nis.",
    "Crimea was seized by Moscow in March 2014.",
    "Biden made no such guarantee to Putin.",
    "The EU imposed sanctions on Belarus and froze assets of officials.",
    "Kosovo police arrested three Serbs near the Jarinje crossing.",
    "NATO will hold exercises in Estonia next week.",
    "Georgia accused Russia of moving the border fence in South Ossetia.",
    "Moldova asked the OSCE to mediate talks with Transnistria.",
    "Ukraine's president met the German chancellor in Kyiv on Tuesday.",
    "Protesters in Belgrade demanded that Vucic resign.",
    "Turkey's parliament has ratified Sweden's bid to join NATO.",
    "They're gonna sign the deal, ain't they? There is no doubt y'all saw it.",
    "The ministers could not agree whether to send more aid to the refugees.",
    "Officials said the talks had been called off after shelling near Donetsk.",
]


@lru_cache(maxsize=1)
def _full_nlp():
    """The model with attribute_ruler and lemmatizer running (NER off)."""
    import spacy

    from powderkeg.coder.pipeline import SPACY_MODEL

    return spacy.load(SPACY_MODEL, disable=["ner"])


def test_lazy_pos_and_lemmas_equal_the_model_components() -> None:
    """The Annotator (POS and lemma on demand) gives what attribute_ruler + lemmatizer give."""
    coder = _coder()
    assert coder.annotator.lazy
    full = _full_nlp()
    n = 0
    for a_doc, b_doc in zip(full.pipe(_VARIED), coder.nlp.pipe(_VARIED), strict=True):
        for a, b in zip(a_doc, b_doc, strict=True):
            assert (a.pos_, a.lemma_.lower()) == coder.annotator.pos_lemma(b), a.text
            n += 1
    assert n > 150


def test_trigger_forms_cover_irregular_inflections() -> None:
    coder = _coder()
    forms = coder.trigger_forms
    assert forms is not None
    for word in ("met", "meets", "sent", "sold", "bought", "fought", "struck", "seized", "sanctions"):
        assert word in forms, word
    assert "weather" not in forms


def test_prefilter_only_skips_sentences_without_events() -> None:
    """A sentence the pre-filter keeps from the parser would have yielded no event."""
    coder = _coder()
    sentences = _VARIED + [
        "Russia said the weather in Moscow was mild.",
        "The Serbian capital is home to many museums.",
        "Ukraine's economy grew by 3 percent last year.",
    ]
    probs = coder._type_probabilities(sentences)
    skipped = [s for s, p in zip(sentences, probs, strict=True) if not coder._may_hold_event(s, p)]
    assert skipped  # the test must exercise the filter
    for s in skipped:
        from powderkeg.coder.roles import find_triggers

        assert find_triggers(coder.nlp(s), coder.lexicon, coder.annotator, None) == [], s


def test_worker_processes_give_the_same_output() -> None:
    from powderkeg.coder import pipeline as P

    base = _coder()
    text = " ".join(_VARIED * (2 * P.MIN_SENTENCES_PER_WORKER // len(_VARIED) + 2))
    one = Coder(nlp=base.nlp, models=base.models, workers=1)
    two = Coder(nlp=base.nlp, models=base.models, workers=2)
    a = one.code(Document.from_text(text, "big", date=DOC_DATE))
    b = two.code(Document.from_text(text, "big", date=DOC_DATE))
    assert one.last_workers == 1
    assert two.last_workers == 2
    assert len(a.events) > 100
    assert a.to_json() == b.to_json()


def test_pipeline_with_all_components_gives_the_same_events() -> None:
    """A caller's own spaCy pipeline (ruler and lemmatizer running) is read directly, without
    the pre-filter, and gives the same events."""
    base = _coder()
    own = Coder(nlp=_full_nlp(), models=base.models, workers=1)
    assert not own.annotator.lazy and own.trigger_forms is None
    text = " ".join(_VARIED)
    a = base.code(Document.from_text(text, "v", date=DOC_DATE))
    b = own.code(Document.from_text(text, "v", date=DOC_DATE))
    assert len(a.events) > 10
    assert [e.to_json() for e in a.events] == [e.to_json() for e in b.events]
