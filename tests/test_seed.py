"""The seed op-ed (../shared/seed): plain cases must be right; furniture yields no events."""

from __future__ import annotations

from pathlib import Path

from powderkeg import api


def _seed_docs(shared: Path):
    docs, problems = api.code_paths(sorted((shared / "seed").glob("*.txt")), date="2021-12-15")
    assert not problems
    assert len(docs) == 1
    return docs[0]


def test_seed_plain_cases(shared: Path) -> None:
    doc = _seed_docs(shared)
    by_sentence = {e.sentence: e for e in doc.events}
    massing = [e for s, e in by_sentence.items() if "120,000 Russian troops" in s]
    assert massing and massing[0].type == "MOBILIZE"
    assert {a.code for a in massing[0].actor} == {"RUS"}
    assert {a.code for a in massing[0].target} == {"UKR"}
    assert massing[0].factuality == "asserted"
    article5 = [e for s, e in by_sentence.items() if "Article 5" in s]
    assert article5 and all(e.factuality == "hypothetical" for e in article5)
    for e in doc.events:
        assert "+ posts" not in e.sentence
        assert "More articles" not in e.sentence
        assert "Columbia University" not in e.sentence


def test_seed_actors(shared: Path) -> None:
    doc = _seed_docs(shared)
    found = {a.code for a in doc.actors}
    assert {"RUS", "UKR", "SRB", "XKX", "USA", "NATO", "EU"} <= found


def test_seed_roles_and_spurious_events(shared: Path) -> None:
    doc = _seed_docs(shared)

    def events_of(fragment: str):
        return [e for e in doc.events if fragment in e.sentence]

    # "It purchased MIG warplanes, T-72 tanks ... from Russia": It is Serbia (previous subject),
    # the seller Russia; T-72 is a model, not 72 tanks
    [buy] = events_of("It purchased MIG warplanes")
    assert {(a.code, a.text) for a in buy.actor + buy.target} == {("RUS", "Russia"), ("SRB", "It")}
    assert buy.quantities == []
    # the target's apposition ("a ... country that aspires to membership in NATO and the EU")
    # names no actors
    destabilize = events_of("efforts to destabilize Kosovo")
    assert destabilize
    for e in destabilize:
        assert {a.code for a in e.actor} <= {"SRB", "RUS"}
    # event nouns with no participants of their own make no event
    assert events_of("another threat is looming") == []
    assert events_of("Transatlantic cooperation is most effective") == []
    assert [e for e in events_of("source of revenue") if e.type == "AID"] == []
    # "Xi Jinping", not "Putin's new best friend", opposes
    for e in events_of("new best friend, Xi Jinping"):
        assert {a.code for a in e.actor} == {"CHN"}
    # a defence budget is not a military move
    assert [e for e in events_of("doubled its defense budget") if e.type == "MOBILIZE"] == []

