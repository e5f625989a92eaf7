"""Tests for powderkeg.actors: the actor registry and its text matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from powderkeg.actors import ActorMention, ActorRegistry, load_registry
from powderkeg.errors import InputError
from powderkeg.types import Actor


@pytest.fixture(scope="module")
def reg() -> ActorRegistry:
    return load_registry()


def _codes(reg: ActorRegistry, text: str, date: str | None = "2021-12-15") -> list[str]:
    return [m.actor.code for m in reg.find(text, date)]


def _one(reg: ActorRegistry, text: str, date: str | None = "2021-12-15") -> ActorMention:
    found = reg.find(text, date)
    assert len(found) == 1, found
    return found[0]


def test_mentions_are_spans_of_the_text(reg: ActorRegistry) -> None:
    text = "Russia's Ambassador to Serbia, Alexander Botsan-Kharchenko, met Vucic and the Kremlin."
    found = reg.find(text, date="2021-12-15")
    assert all(isinstance(m.actor, Actor) for m in found)
    for m in found:
        assert text[m.start : m.end] == m.actor.text
    amb, vucic, kremlin = found
    assert (amb.actor.kind, amb.actor.code, amb.actor.person) == (
        "person",
        "RUS",
        "Alexander Botsan-Kharchenko",
    )
    assert vucic.actor.person == "Aleksandar Vučić" and vucic.actor.code == "SRB"
    assert (kremlin.actor.code, kremlin.actor.sector) == ("RUS", "GOV")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Russia", "RUS"),
        ("the Russian Federation", "RUS"),
        ("Ukraine", "UKR"),
        ("Serbia", "SRB"),
        ("Kosovo", "XKX"),
        ("Kosova", "XKX"),
        ("the United States", "USA"),
        ("Georgia", "GEO"),
        ("Moldova", "MDA"),
        ("Bosnia and Herzegovina", "BIH"),
        ("the Kremlin", "RUS"),
        ("Moscow", "RUS"),
        ("Pristina", "XKX"),
        ("NATO", "NATO"),
        ("the North Atlantic Council", "NATO"),
        ("the European Union", "EU"),
        ("Republika Srpska", "BIH-RS"),
        ("Transnistria", "MDA-TR"),
    ],
)
def test_resolve_states_capitals_institutions(reg: ActorRegistry, name: str, code: str) -> None:
    actor = reg.resolve(name)
    assert actor is not None, name
    assert actor.code == code


def test_resolve_rejects_unknown_and_partial(reg: ActorRegistry) -> None:
    assert reg.resolve("Atlantis") is None
    assert reg.resolve("Serbia and Russia") is None  # two actors, not one
    assert reg.resolve("") is None


def test_get_and_names(reg: ActorRegistry) -> None:
    xkx = reg.get("XKX")
    assert xkx is not None and (xkx.name, xkx.kind) == ("Kosovo", "state")
    nato = reg.get("NATO")
    assert nato is not None and nato.kind == "igo"
    assert reg.get("NOPE") is None
    assert "Kosovo" in reg.names("XKX")
    assert {"Priština", "Pristina"} & set(reg.names("XKX"))
    assert "Mitrovica" not in reg.names("XKX")  # a region: a place, never an actor
    assert "Kremlin" in reg.names("RUS")


def test_kosovo_serbs_is_a_group_not_serbia(reg: ActorRegistry) -> None:
    m = _one(reg, "Kosovo Serbs blocked the roads.")
    assert m.actor.kind == "group"
    assert m.actor.code == "XKX"
    assert m.actor.name == "Kosovo Serbs"
    assert "SRB" not in _codes(reg, "Kosovo Serbs blocked the roads.")


def test_surname_resolves_to_person_in_office(reg: ActorRegistry) -> None:
    m = _one(reg, "Vucic threatened to send the army.", "2021-12-15")
    assert m.actor.kind == "person"
    assert m.actor.person == "Aleksandar Vučić"
    assert (m.actor.code, m.actor.sector, m.in_office) == ("SRB", "GOV", True)
    # spelling variants share the person
    for text in ("Aleksander Vucic", "Aleksandar Vučić", "VUCIC"):
        assert _one(reg, text).actor.person == "Aleksandar Vučić"


def test_putin_is_russia(reg: ActorRegistry) -> None:
    m = _one(reg, "Putin calculates that escalation pays.", "2021-12-15")
    assert (m.actor.code, m.actor.person, m.actor.sector) == ("RUS", "Vladimir Putin", "GOV")
    r = reg.resolve("Vladimir Putin", date="2010-01-01")  # prime minister then
    assert r is not None and r.code == "RUS"


def test_office_depends_on_date(reg: ActorRegistry) -> None:
    before = _one(reg, "Zelensky spoke.", "2018-06-01")
    during = _one(reg, "Zelensky spoke.", "2020-06-01")
    assert before.actor.person == during.actor.person == "Volodymyr Zelenskyy"
    assert during.in_office is True and during.actor.sector == "GOV"
    assert before.in_office is False and before.actor.sector is None
    assert before.confidence < during.confidence
    # a former officeholder is an elite (ELI)
    former = _one(reg, "Poroshenko spoke.", "2021-12-15")
    assert (former.actor.code, former.actor.sector, former.in_office) == ("UKR", "ELI", False)
    # an office held abroad: Dodik led Republika Srpska, then sat in the BiH presidency
    assert _one(reg, "Dodik spoke.", "2015-01-01").actor.code == "BIH-RS"
    assert _one(reg, "Dodik spoke.", "2020-01-01").actor.code == "BIH"
    # NATO's head changes
    assert _one(reg, "Stoltenberg warned.", "2020-01-01").actor.code == "NATO"
    assert _one(reg, "Rutte warned.", "2025-01-01").actor.code == "NATO"
    assert _one(reg, "Rutte warned.", "2020-01-01").actor.code == "NLD"


def test_former_title_gives_elite(reg: ActorRegistry) -> None:
    m = _one(reg, "former President Poroshenko said", "2021-12-15")
    assert m.actor.text == "former President Poroshenko"
    assert (m.actor.code, m.actor.sector) == ("UKR", "ELI")


def test_two_states_give_two_mentions(reg: ActorRegistry) -> None:
    found = reg.find("Serbia and Russia signed a deal.")
    assert [m.actor.code for m in found] == ["SRB", "RUS"]
    assert [m.actor.text for m in found] == ["Serbia", "Russia"]


def test_possessives(reg: ActorRegistry) -> None:
    m = _one(reg, "Russia's Black Sea Fleet sailed.")
    assert (m.actor.text, m.actor.code, m.actor.sector) == (
        "Russia's Black Sea Fleet",
        "RUS",
        "MIL",
    )
    m = _one(reg, "Ukraine’s Russian minority")  # typographic apostrophe
    assert (m.actor.code, m.actor.kind) == ("UKR", "group")
    m = _one(reg, "Serbia's President Aleksander Vucic said")
    assert (m.actor.code, m.actor.person) == ("SRB", "Aleksandar Vučić")
    m = _one(reg, "Putin's regime")
    assert (m.actor.code, m.actor.sector) == ("RUS", "GOV")


def test_us_is_case_sensitive(reg: ActorRegistry) -> None:
    assert _codes(reg, "the US warned Moscow") == ["USA", "RUS"]
    assert _codes(reg, "Let us hope for peace.") == []
    assert _codes(reg, "the U.S. said") == ["USA"]


def test_military_sector(reg: ActorRegistry) -> None:
    m = _one(reg, "More than 120,000 Russian troops have massed.")
    assert (m.actor.text, m.actor.code, m.actor.sector) == ("Russian troops", "RUS", "MIL")


def test_places_and_attributes_are_not_actors(reg: ActorRegistry) -> None:
    assert _codes(reg, "talks were held in Moscow") == []
    assert _codes(reg, "Moscow said no") == ["RUS"]
    found = reg.find("pro-Russian separatists attacked")
    assert "RUS" not in [m.actor.code for m in found]


def test_collective_after_person(reg: ActorRegistry) -> None:
    m = _one(reg, "the Biden administration responded", "2021-12-15")
    assert (m.actor.code, m.actor.sector, m.actor.kind) == ("USA", "GOV", "state")


def test_government_of(reg: ActorRegistry) -> None:
    m = _one(reg, "the Government of Kosovo decided")
    assert (m.actor.code, m.actor.sector) == ("XKX", "GOV")


def test_bad_date_is_input_error(reg: ActorRegistry) -> None:
    with pytest.raises(InputError):
        reg.find("Putin", date="15/12/2021")


def test_extra_paths_add_an_actor(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "actors:\n"
        "  - {code: XKX, kind: group, name: Lakeside militia, names: [Lakeside Brigade],"
        " sector: UAF}\n"
        "persons:\n"
        "  - name: Jana Examplova\n"
        "    code: SRB\n"
        "    offices: [[SRB, GOV, Mayor of Exampleton, 2020-01-01, null]]\n",
        encoding="utf-8",
    )
    base = load_registry()
    assert base.find("The Lakeside Brigade fired.") == []
    reg = load_registry([extra])
    m = _one(reg, "The Lakeside Brigade fired.")
    assert (m.actor.code, m.actor.kind, m.actor.sector) == ("XKX", "group", "UAF")
    p = _one(reg, "Examplova spoke.", "2022-01-01")
    assert (p.actor.person, p.actor.code) == ("Jana Examplova", "SRB")
    assert load_registry([extra]) is reg  # cached


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("actors: [{code: rus, name: Russia}]\n", "code"),
        ("actors:\n  - {code: XXA, name: X, colour: red}\n", "unknown key"),
        (
            "persons:\n  - {name: A B, code: SRB, offices: [[SRB, GOV, President, 2020-13-01, null]]}\n",
            "office",
        ),
        ("actors: [unclosed\n", "YAML"),
        (
            "persons:\n  - {name: A B, code: SRB, offices: [[SRB, GOV, President, '2020-02-30', null]]}\n",
            "calendar date",
        ),
        (
            "persons:\n  - {name: A B, code: SRB, offices: [[SRB, GOV, President, 2020-01-01, 2019]]}\n",
            "before it starts",
        ),
    ],
)
def test_malformed_file_names_the_file(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad_actors.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_registry([bad])
    assert "bad_actors.yaml" in str(info.value)
    assert needle.lower() in str(info.value).lower()


def test_missing_extra_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_registry([tmp_path / "nope.yaml"])


def test_person_data_is_consistent(reg: ActorRegistry) -> None:
    known = set(reg.codes())
    assert len(reg.persons) >= 200
    for p in reg.persons:
        assert p.code in known, p.name
        for o in p.offices:
            assert o.code in known, (p.name, o)
            assert o.end is None or o.start <= o.end, (p.name, o)
    names = {p.name for p in reg.persons}
    for n in (
        "Xi Jinping",
        "Slobodan Milošević",
        "Alexander Botsan-Kharchenko",
        "António Guterres",
    ):
        assert n in names


def test_seed_article(reg: ActorRegistry, shared: Path) -> None:
    text = (shared / "seed" / "000_50f92ce781a3b39b.txt").read_text(encoding="utf-8")
    found = reg.find(text, date="2021-12-15")
    codes = {m.actor.code for m in found}
    assert {"RUS", "UKR", "SRB", "XKX", "USA", "NATO"} <= codes
    persons = {m.actor.person for m in found if m.actor.person}
    assert {"Vladimir Putin", "Joe Biden", "Aleksandar Vučić"} <= persons
    for m in found:
        assert text[m.start : m.end] == m.actor.text
