"""The coder as named steps; the learned role tagger and event gate."""

from __future__ import annotations

from functools import lru_cache

import pytest

from powderkeg.coder import Coder
from powderkeg.coder.learned.gate import EventGate
from powderkeg.coder.learned.role_tagger import TAGS, fix_bio, load_role_tagger, role_spans
from powderkeg.coder.units import Batch
from powderkeg.types import Document

TEXT = "Russia massed troops on the border with Ukraine. Serbia condemned the attack on Kosovo."


@lru_cache(maxsize=1)
def _coder() -> Coder:
    return Coder(workers=1)


def test_step_names_in_order() -> None:
    names = _coder().step_names
    assert names[0] == "split"
    for a, b in [("mentions", "parse"), ("parse", "triggers"), ("triggers", "roles"),
                 ("roles", "types"), ("types", "gate"), ("gate", "events")]:
        assert names.index(a) < names.index(b)


def test_replace_step_changes_output_and_unknown_name_fails() -> None:
    coder = Coder(workers=1, nlp=_coder().nlp, registry=_coder().registry,
                  gazetteer=_coder().gazetteer, ontology=_coder().ontology,
                  models=_coder().models)
    assert coder.code(Document.from_text(TEXT, "t")).events

    def no_triggers(_coder: object, batch: Batch) -> None:
        for s in batch.sentences:
            s.triggers = []

    coder.replace_step("triggers", no_triggers)
    assert coder.step("triggers") is no_triggers
    assert coder.code(Document.from_text(TEXT, "t2")).events == []
    with pytest.raises(KeyError):
        coder.replace_step("no-such-step", no_triggers)


def test_each_sentence_step_runs_alone_on_a_batch() -> None:
    """The steps up to ``roles`` fill the batch as documented, one at a time."""
    coder = _coder()
    doc = Document.from_text(TEXT, "t3")
    units: list = []
    folded = coder.step_split(0, doc, units, __import__(
        "powderkeg.coder.pipeline", fromlist=["_Problems"])._Problems())
    assert folded is not None and len(units) == 2
    batch = Batch([doc], units, [folded], [__import__(
        "powderkeg.coder.units", fromlist=["_Result"])._Result() for _ in units])
    coder.step("mentions")(coder, batch)
    assert [len(s.mentions) for s in batch.sentences] == [2, 2]
    coder.step("parse")(coder, batch)
    assert all(s.sdoc is not None for s in batch.sentences)
    coder.step("triggers")(coder, batch)
    assert all(s.triggers for s in batch.sentences)
    coder.step("roles")(coder, batch)
    first = batch.sentences[0].cands[0]
    assert [m.actor.code for m in first.actors] == ["RUS"]


def test_gate_threshold_decides() -> None:
    gate = EventGate({"l=call": -3.0, "l=attack": 2.0}, 0.0, 0.5)
    assert not gate.keep(["b", "l=call"])
    assert gate.keep(["b", "l=attack"])
    again = EventGate.from_json(gate.to_json())
    assert again.weights == gate.weights and again.threshold == gate.threshold


def test_bio_helpers() -> None:
    assert fix_bio(["O", "I-S", "I-S", "B-T", "I-R"]) == ["O", "B-S", "I-S", "B-T", "B-R"]
    assert role_spans(["B-S", "I-S", "O", "B-T", "B-T"]) == [("S", 0, 2), ("T", 3, 4), ("T", 4, 5)]


def test_role_tagger_tags_a_sentence() -> None:
    tagger = load_role_tagger()
    if tagger is None:
        pytest.skip("role tagger files absent (tools/train_coder.py roles)")
    words = ["Russian", "troops", "attacked", "the", "Ukrainian", "town", "of", "Bucha", "on", "Monday", "."]
    tags = tagger.predict([words], nlp=_coder().nlp)[0]
    assert len(tags) == len(words) and set(tags) <= set(TAGS)
    spans = role_spans(tags)
    assert ("S", 0, 2) in spans  # "Russian troops"
    assert any(k == "T" and a <= 4 < b for k, a, b in spans)  # the town


def _events(text: str, date: str = "2022-01-03") -> list[tuple[str, list[str], list[str], str]]:
    doc = _coder().code(Document.from_text(text, "x", date=date))
    return [(e.type, [a.code for a in e.actor], [a.code for a in e.target], e.factuality)
            for e in doc.events]


def test_modal_reaches_down_an_xcomp() -> None:
    got = _events("The United States will continue to offer aid to Ukraine.")
    assert got and all(f == "future" for *_, f in got)


def test_attributive_participles_are_not_triggers() -> None:
    got = _events("Russian-backed separatists attacked Ukrainian troops.")
    assert "SUPPORT" not in {t for t, *_ in got}
    assert "ASSAULT" in {t for t, *_ in got}


def test_called_on_is_not_a_phone_call() -> None:
    """"called on" binds its preposition (lexicon: REQUEST; the type rule may still change
    the type), never the CONSULT/phone of a bare "call"."""
    got = _events("The European Union called on Russia to withdraw its troops.")
    assert any(a == ["EU"] and t == ["RUS"] for _ty, a, t, _f in got)
    assert all(ty != "CONSULT" for ty, *_ in got)
    coder = _coder()
    sdoc = coder.nlp("The European Union called on Russia to withdraw its troops.")
    from powderkeg.coder.triggers import find_triggers

    trigs = find_triggers(sdoc, coder.lexicon, coder.annotator)
    assert [t.type for t in trigs if t.token.lower_ == "called"] == ["REQUEST"]


def test_day_month_without_year_in_a_future_sentence_takes_the_nearest_year() -> None:
    from powderkeg.coder.dates import resolve_date

    assert resolve_date("They will meet on December 30.", "2022-01-03", future=True).date == "2021-12-30"
    assert resolve_date("They met on December 20.", "2021-12-15").date == "2020-12-20"
