"""Place names that are no place of the text (geo/sense.py, issue 10 pattern 4)."""

from __future__ import annotations

import pytest

from powderkeg.geo import load_gazetteer
from powderkeg.geo.gazetteer import PlaceMention
from powderkeg.geo.sense import continents_of, event_place
from powderkeg.types import Place


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def names(gaz, text, ctx=()):
    return [(m.place.name, m.place.country) for m in gaz.find(text, ctx)]


@pytest.mark.parametrize("text,absent", [
    ("Moscow-backed authorities in Crimea detained three activists.", "Moscow"),
    ("The Belgrade-based analyst wrote three books.", "Belgrade"),
    ("Two civilians were killed, a pro-Kiev official said.", "Kyiv"),
    ("Russia-led forces violated the ceasefire in Donbas.", "Russia"),
    ("The Dayton Agreement ended the war.", "Dayton"),
    ("Paris said the Minsk agreements must be respected.", "Minsk"),
])
def test_modifiers_and_treaties_are_no_places(gaz, text, absent):
    assert absent not in [n for n, _ in names(gaz, text)]


def test_places_beside_them_stay(gaz):
    assert ("Crimea", "UKR") in names(gaz, "Moscow-backed authorities in Crimea detained them.")
    assert ("Donbas", "UKR") in names(gaz, "Russia-led forces violated the ceasefire in Donbas.")


def test_person_name_is_no_town(gaz):
    got = names(gaz, "Stanislav Bohuslavsky was killed near Avdiyivka, Donetsk Obl.")
    assert "Ivano-Frankivsk" not in [n for n, _ in got]
    assert ("Avdiyivka", "UKR") in got
    assert ("Kyiv", "UKR") in names(gaz, "Kyiv Mayor Vitali Klitschko said three people died.")


def test_namesakes_abroad(gaz):
    assert names(gaz, "Marshall told reporters in Kyiv that more aid would come.") == [
        ("Kyiv", "UKR")]
    got = names(gaz, "Ukrainian troops were hit in the Orekhovo district of the Zaporozhye region",
                ["UKR"])
    assert all(c == "UKR" for _, c in got)
    assert ("Sarajevo", "BIH") in names(gaz, "The US embassy in Sarajevo called it a mistake.")
    # a context country's small namesake does not beat a large city on another continent
    assert names(gaz, "American and Russian negotiators met in Geneva.", ["USA", "RUS"]) == [
        ("Geneva", "CHE")]
    # unless the text says so
    assert ("Paris", "USA") in names(gaz, "Protesters marched in Paris, Texas.", ["USA"])


def test_quoted_names_and_capitals_for_governments(gaz):
    assert names(gaz, 'Grouping "Vostok" destroyed 70 units') == []
    assert names(gaz, "One serviceman killed in separatist attacks - Kiev military") == []
    assert names(gaz, "Two Ukrainian soldiers killed in separatist east: Kiev") == []
    assert names(gaz, "Kiev reports first combat death since new truce") == []
    assert names(gaz, "Three people were killed in Kiev on Monday.") == [("Kyiv", "UKR")]


def test_continents():
    assert continents_of("UKR-DPR") == ("EU",)
    assert set(continents_of("TUR")) == {"EU", "AS"}
    assert continents_of(None) == ()


def _m(a, b, name, precision="city", country="XXX"):
    return PlaceMention(a, b, Place(name, name, country, 0.0, 0.0, precision))


def test_event_place_prefers_locative_and_non_party_places():
    text = "Envoys from Belgrade and Pristina met in Vienna for talks."
    found = [_m(12, 20, "Belgrade"), _m(25, 33, "Pristina"), _m(41, 47, "Vienna")]
    # Pristina is an actor's name; Belgrade and Vienna both sit in the clause
    got = event_place(found, [(25, 33)], [], [(0, len(text))], text)
    assert got.name == "Vienna"
    # every place names a party: the actor's place (the target's for an assault)
    found = [_m(0, 6, "Moscow"), _m(14, 21, "Ukraine", "country")]
    assert event_place(found, [(0, 6)], [(14, 21)], [], "Moscow blames Ukraine").name == "Moscow"
    assert event_place(found, [(0, 6)], [(14, 21)], [], "Moscow shells Ukraine",
                       target_first=True).name == "Ukraine"
    # a country before a capital that stands for its government
    found = [_m(0, 4, "Kyiv"), _m(10, 17, "Ukraine", "country")]
    assert event_place(found, [(0, 4), (10, 17)], [], [], "Kyiv says Ukraine ...").name == "Ukraine"
    # inside a party's name, after "in": a place all the same
    text = "The US embassy in Sarajevo called the vote an escalation."
    found = [_m(4, 6, "United States", "country"), _m(18, 26, "Sarajevo")]
    assert event_place(found, [(0, 26)], [], [], text).name == "Sarajevo"
    assert event_place([], [], [], []) is None
