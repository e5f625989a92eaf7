"""Roles and triggers of the coder (coder/roles.py, coder/coref.py), rule by rule.

Most tests read the lexicon triggers and their roles straight from the parse (what
``find_triggers`` and ``assign_roles`` give), so they do not depend on the trained type model;
the coreference tests run the whole coder.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from powderkeg.coder import Coder
from powderkeg.coder.coref import leading_pronoun, same_paragraph
from powderkeg.coder.roles import assign_roles, fallback_roles, find_triggers
from powderkeg.types import Document

DATE = "2022-12-27"


@lru_cache(maxsize=1)
def _coder() -> Coder:
    return Coder(workers=1)


def roles(text: str, date: str = DATE) -> list[tuple[str, str | None, set[str], set[str]]]:
    """(type, mode, actor codes, target codes) of each lexicon trigger that gets roles."""
    c = _coder()
    mentions = c.registry.find(text, date=date)
    out = []
    for trig in find_triggers(c.nlp(text), c.lexicon, c.annotator, c.trigger_forms):
        actors, targets, from_parse = assign_roles(trig, mentions, c.lexicon, c.annotator)
        if not from_parse:
            actors, targets = fallback_roles(trig, mentions, actors, targets)
        if actors or targets:
            out.append(
                (
                    trig.type,
                    trig.mode,
                    {m.actor.code for m in actors},
                    {m.actor.code for m in targets},
                )
            )
    return out


def of_type(text: str, type_: str) -> list[tuple[str, str | None, set[str], set[str]]]:
    return [r for r in roles(text) if r[0] == type_]


# -- 1. posture: readiness put on or raised (PLOVER MOBILIZE) -----------------------------------


@pytest.mark.parametrize(
    ("text", "actor", "mode"),
    [
        (
            "Serbia put its army on the highest level of combat readiness on Monday.",
            "SRB",
            "troops",
        ),
        ("NATO placed its forces on high alert.", "NATO", "troops"),
        ("Russia raised the combat readiness of its troops near the border.", "RUS", "troops"),
        ("Kosovo police were placed on alert after the shooting.", "XKX", "police"),
        (
            "Russia has increased its military presence near the border with Ukraine.",
            "RUS",
            "troops",
        ),
        ("Serbia doubled the number of troops in its special forces.", "SRB", "troops"),
    ],
)
def test_posture_constructions_are_mobilize(text: str, actor: str, mode: str) -> None:
    found = of_type(text, "MOBILIZE")
    assert found, roles(text)
    assert found[0][2] == {actor}
    assert found[0][1] == mode


@pytest.mark.parametrize(
    "text",
    [
        # a budget is neither a move nor a readiness change (PLOVER MOBILIZE is "military or
        # police moves"): no event
        "Serbia doubled its defence budget over the last three years.",
        "Russia increased its military spending by a third.",
        "The minister put the question on the agenda of the meeting with Serbia.",
        "Russia raised concerns about NATO expansion.",
        "Ukraine increased the number of teachers in Kharkiv.",
    ],
)
def test_no_posture_without_forces_or_readiness(text: str) -> None:
    assert of_type(text, "MOBILIZE") == []


# -- 2. forces in a passive clause are the mover ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("Serbian army units were deployed close to the boundary.", "SRB"),
        ("Russian troops were deployed near the border with Ukraine.", "RUS"),
        ("Belarusian soldiers were moved closer to the Ukrainian border.", "BLR"),
        ("Serbian troops were put on the highest state of combat readiness.", "SRB"),
    ],
)
def test_passive_forces_are_the_actor(text: str, actor: str) -> None:
    found = of_type(text, "MOBILIZE")
    assert found, roles(text)
    assert actor in found[0][2]
    assert actor not in found[0][3]


def test_forces_moved_are_not_the_target() -> None:
    [(_, _, actors, targets)] = of_type("Russia deployed Belarusian troops near Kyiv.", "MOBILIZE")
    assert actors == {"RUS"} and "BLR" not in targets
    [(_, _, actors, targets)] = of_type("Russia massed troops on Ukraine's border.", "MOBILIZE")
    assert (actors, targets) == ({"RUS"}, {"UKR"})


def test_passive_subject_of_other_acts_stays_the_target() -> None:
    [(_, _, actors, targets)] = of_type(
        "Serbian protesters were detained by Kosovo police.", "COERCE"
    )
    assert actors == {"XKX"} and "SRB" in targets


# -- 3. event nouns without participants of their own ------------------------------------------


@pytest.mark.parametrize(
    ("text", "type_"),
    [
        (
            "While Biden is focused on Ukraine, another threat is looming in the Western Balkans.",
            "THREATEN",
        ),
        (
            "Transatlantic cooperation is most effective when it comes to sanctions on Russia.",
            "COOPERATE",
        ),
        ("The talks were purely commercial, the Kremlin said.", "CONSULT"),
        ("Leaders of the G7 condemned the attack as a war crime.", "ASSAULT"),
        ("EU foreign ministers will discuss possible sanctions next week.", "SANCTION"),
    ],
)
def test_event_noun_needs_its_own_actor(text: str, type_: str) -> None:
    assert of_type(text, type_) == []


@pytest.mark.parametrize(
    ("text", "type_", "actors", "targets"),
    [
        ("Russia's threat to Ukraine is growing.", "THREATEN", {"RUS"}, {"UKR"}),
        ("The G7 condemned Russia's attack on Ukraine.", "ASSAULT", {"RUS"}, {"UKR"}),
        (
            "Putin cited the precedent to justify Russia's invasion of Georgia.",
            "ASSAULT",
            {"RUS"},
            {"GEO"},
        ),
        ("Denmark announced a suspension of aid to Egypt.", "SANCTION", {"DNK"}, {"EGY"}),
        ("Russia claimed responsibility for the attack on Ukraine.", "ASSAULT", {"RUS"}, {"UKR"}),
        (
            "The US was prepared to implement a package of sanctions on Russia.",
            "SANCTION",
            {"USA"},
            {"RUS"},
        ),
    ],
)
def test_event_noun_roles_from_its_dependents(
    text: str, type_: str, actors: set[str], targets: set[str]
) -> None:
    found = of_type(text, type_)
    assert found, roles(text)
    assert (found[0][2], found[0][3]) == (actors, targets)


@pytest.mark.parametrize(
    "text",
    [
        "Biden would terminate Nord Stream 2, a source of revenue to Russia selling natural gas in Europe.",
        "Moldova bought one million cubic metres of gas from Poland.",
        "Greece sold olive oil to Serbia.",
    ],
)
def test_trade_in_goods_is_not_aid(text: str) -> None:
    assert of_type(text, "AID") == []


@pytest.mark.parametrize(
    "text",
    [
        "Serbia bought MiG-29 jets and T-72 tanks from Russia.",
        "Serbia purchased the FK-3 air defence system from China.",
        "Turkey acquired S-400 missiles from Russia.",
    ],
)
def test_arms_purchase_is_aid_from_the_seller(text: str) -> None:
    [(_, _, actors, targets)] = of_type(text, "AID")
    assert actors.isdisjoint(targets) and len(actors) == 1 and len(targets) == 1
    assert actors != {"SRB"} and actors != {"TUR"}


# -- 7. appositions and clauses inside a role --------------------------------------------------


def test_apposition_of_a_named_target_is_a_description() -> None:
    text = "Serbia is intensifying efforts to destabilize Kosovo, a NATO and EU partner."
    [(_, _, actors, targets)] = of_type(text, "COERCE")
    assert (actors, targets) == ({"SRB"}, {"XKX"})


def test_apposition_naming_a_described_actor_is_the_actor() -> None:
    text = "Even Putin's new best friend, Xi Jinping, opposes recognition for Abkhazia."
    [(_, _, actors, _)] = of_type(text, "REJECT")
    assert actors == {"CHN"}


def test_list_in_apposition_stays_whole() -> None:
    text = "Xi opposes international recognition for Abkhazia, South Ossetia and Transnistria."
    [(_, _, _, targets)] = of_type(text, "REJECT")
    assert {"GEO-SO", "MDA-TR"} <= targets


def test_relative_pronoun_subject_is_the_noun() -> None:
    [(_, _, actors, _)] = of_type("It was Russia, which deployed troops to Belarus.", "MOBILIZE")
    assert actors == {"RUS"}


def test_passive_control_verb_passes_its_subject() -> None:
    found = of_type("The US was prepared to impose sanctions on Russia.", "SANCTION")
    assert found and found[0][2] == {"USA"} and found[0][3] == {"RUS"}


# -- 6. coreference of sentence-initial pronouns -----------------------------------------------


def test_leading_pronoun() -> None:
    assert leading_pronoun("It purchased tanks.") == (0, 2, "it")
    assert leading_pronoun('"They will not pass," he said.') == (1, 5, "they")
    assert leading_pronoun("Italy purchased tanks.") is None
    assert leading_pronoun("IT systems failed.") is None
    assert same_paragraph(" ") and same_paragraph("\n") and not same_paragraph("\n\n")


def _pronoun_actors(text: str) -> set[tuple[str, str]]:
    doc = _coder().code(Document.from_text(text, "coref", date=DATE))
    return {
        (a.text, a.code)
        for e in doc.events
        for a in e.actor + e.target
        if a.text.lower() in ("it", "they", "he", "she")
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Serbia is apparently preparing for war. It purchased MIG warplanes and T-72 tanks from Russia.",
            {("It", "SRB")},
        ),
        (
            "Vucic spoke in Belgrade on Monday. He accused Kosovo of provoking a crisis.",
            {("He", "SRB")},
        ),
        ("The G7 met in the Alps. They pledged to support Ukraine.", {("They", "G7")}),
    ],
)
def test_pronoun_takes_the_previous_subject(text: str, expected: set[tuple[str, str]]) -> None:
    assert _pronoun_actors(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # two candidates: no guess
        "Russia and Serbia signed a deal. It purchased tanks from Russia.",
        # "it" of a cleft or an extraposition is no reference
        "Ukraine is a tinderbox. It was only seven years ago that Russia invaded Crimea.",
        # wrong kind: a person is not "it"
        "Vucic spoke in Belgrade. It purchased tanks from Russia.",
        # the pronoun is not the subject
        "Serbia is preparing for war. Russia sold it tanks.",
    ],
)
def test_pronoun_left_alone(text: str) -> None:
    assert _pronoun_actors(text) == set()
