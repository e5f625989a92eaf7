"""Unit tests of the coder's pure steps: sentences, dates, quantities."""

from __future__ import annotations

import pytest

from powderkeg.coder.dates import resolve_date
from powderkeg.coder.quantities import load_quantity_finder, units
from powderkeg.coder.sentences import MAX_SENTENCE_CHARS, split_sentences


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = 'Mr. Smith met Gen. Ivanov in the U.S. capital. "We agreed," he said. Did they? Yes.'
    assert _sents(text) == [
        "Mr. Smith met Gen. Ivanov in the U.S. capital.",
        '"We agreed," he said.',
        "Did they?",
        "Yes.",
    ]


def test_sentences_bound_long_runs() -> None:
    text = "word " * 3000
    spans = split_sentences(text.strip())
    assert len(spans) > 1
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)


@pytest.mark.parametrize(
    ("sentence", "expected", "precision"),
    [
        ("Putin and Biden met on December 7, and talked.", "2021-12-07", "day"),
        ("It was only seven years ago that Russia invaded Crimea.", "2014-01-01", "year"),
        ("The crisis was instigated by Serbia in September 2021.", "2021-09-01", "month"),
        ("On 24 February 2022 the invasion began.", "2022-02-24", "day"),
        ("Troops moved on Tuesday.", "2021-12-14", "day"),
        ("Officials met yesterday.", "2021-12-14", "day"),
        ("They will meet next week.", "2021-12-22", "day"),
        ("Russia annexed the peninsula in 2014.", "2014-01-01", "year"),
        ("No date here.", "2021-12-15", "day"),
    ],
)
def test_dates_resolve_against_document_date(sentence: str, expected: str, precision: str) -> None:
    m = resolve_date(sentence, "2021-12-15")
    assert (m.date, m.precision) == (expected, precision)


def test_month_later_than_document_is_last_year_unless_future() -> None:
    assert resolve_date("They met on December 20.", "2021-12-15").date == "2020-12-20"
    assert resolve_date("They will meet on December 20.", "2021-12-15", future=True).date == "2021-12-20"


def test_no_document_date_gives_unknown() -> None:
    m = resolve_date("Nothing dated.", None)
    assert (m.date, m.precision) == (None, "unknown")
    assert resolve_date("In March 2020 they met.", None).date == "2020-03-01"


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("More than 120,000 Russian troops have massed", 120000, "troops"),
        ("raised its budget to $1.5 billion", 1.5e9, "USD"),
        ("about 100 km from the border", 100, "km"),
        ("support fell 40 percent", 40, "percent"),
        ("support fell 12% in a month", 12, "percent"),
        ("two million people fled", 2e6, "people"),
        ("the EU pledged €300m in aid", 3e8, "EUR"),
        ("it bought 30 T-72 tanks", 30, "tanks"),
    ],
)
def test_quantities(text: str, value: float, unit: str) -> None:
    found = load_quantity_finder().find(text)
    assert [(q.quantity.value, q.quantity.unit) for q in found] == [(value, unit)]


def test_years_are_not_counts() -> None:
    assert load_quantity_finder().find("in 2014 Russia moved") == []


@pytest.mark.parametrize(
    "text",
    [
        "It purchased MIG warplanes, T-72 tanks and other armor from Russia.",
        "Turkey took delivery of S-400 missiles.",
        "Russia flew Su-35 jets over the sea.",
        "Tensions were exacerbated by MIG-29s skirting Kosovo's airspace.",
    ],
)
def test_model_designations_are_not_counts(text: str) -> None:
    assert load_quantity_finder().find(text) == []


def test_count_before_a_model_designation_is_kept() -> None:
    found = load_quantity_finder().find("Serbia received 6 MiG-29 jets and 30 T-72 tanks.")
    assert [(q.quantity.value, q.quantity.unit) for q in found] == [(6, "aircraft"), (30, "tanks")]


def test_units_listed() -> None:
    assert {"troops", "USD", "EUR", "km", "percent", "tanks", "aircraft"} <= set(units())


def test_weekday_of_a_thursday_report() -> None:
    # a report dated Thursday 2022-02-24: "on Thursday" is that day, "last Thursday" a week before
    assert resolve_date("Russia attacked on Thursday.", "2022-02-24").date == "2022-02-24"
    assert resolve_date("Troops massed last Thursday.", "2022-02-24").date == "2022-02-17"
    assert resolve_date("Troops massed on Monday.", "2022-02-24").date == "2022-02-21"
    assert resolve_date("They will meet next Thursday.", "2022-02-24").date == "2022-03-03"


def test_sentence_initial_year_and_weekday() -> None:
    assert resolve_date("In 2008 Russia fought a war with Georgia.", "2021-11-23").date == "2008-01-01"
    assert resolve_date("On Monday troops moved.", "2021-11-24").date == "2021-11-22"


# -- segmentation of bad input -----------------------------------------------------------------


def test_segment_reports_long_runs_and_keeps_normal_text_whole() -> None:
    from powderkeg.coder.sentences import segment

    normal = "Russia massed troops. Ukraine protested."
    assert segment(normal).long_runs == []
    long = ", ".join(["the column moved on"] * 400) + "."
    seg = segment(long)
    [(start, end, words, pieces)] = seg.long_runs
    assert (start, end) == (0, len(long)) and words == 1600 and pieces == len(seg.spans) > 1
    assert all(long[b - 1] == "," for a, b in seg.spans[:-1])


def test_sentences_split_before_cyrillic_and_after_cjk_stops() -> None:
    text = "Russia massed troops. Россия перебросила войска. 俄罗斯增派军队。基辅抗议。"
    assert _sents(text) == [
        "Russia massed troops.",
        "Россия перебросила войска.",
        "俄罗斯增派军队。",
        "基辅抗议。",
    ]


@pytest.mark.parametrize(
    ("text", "table"),
    [
        ("a | b | c | d | e", True),
        ("2019 12 4 2020 15 7 2021 19 9 2022 30 12 2023 8 2", True),
        ("Russia 1,200 340 Ukraine 3,400 560 Belarus 12 4 Serbia 0 0 Kosovo 3 1", True),
        ("In 2021 Russia moved 120,000 troops and 1,200 tanks to the border of Ukraine.", False),
        ("Short 1 2 3.", False),
    ],
)
def test_table_like(text: str, table: bool) -> None:
    from powderkeg.coder.sentences import table_like

    assert (table_like(text) is not None) is table


# -- language, folding, case --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "english", "language"),
    [
        ("Russia massed troops on the border of Ukraine, officials said on Monday.", True, "English"),
        ("Die Regierung hat am Montag die Truppen an die Grenze verlegt, sagte der Minister.", False, "German"),
        ("Le gouvernement a déployé des troupes à la frontière, selon le ministre.", False, "French"),
        ("El gobierno ha enviado tropas a la frontera, según el ministro de defensa.", False, "Spanish"),
        ("Qeveria dërgoi trupa në kufi me Serbinë, tha ministri i mbrojtjes për shtypin.", False, "Albanian"),
        ("Міністр оборони заявив, що війська перекинуті до кордону.", False, "Ukrainian"),
        ("Министар одбране је рекао да ће војска остати у касарнама, јавља Танјуг.", False, "Serbian"),
        ("Το υπουργείο άμυνας ανακοίνωσε ασκήσεις στο Αιγαίο.", False, "Greek"),
        ("Vucic, Kurti.", True, "undetermined"),
    ],
)
def test_detect_language(text: str, english: bool, language: str) -> None:
    from powderkeg.coder.language import detect_language

    guess = detect_language(text)
    assert (guess.english, guess.language) == (english, language)
    if not english:
        assert guess.reason.startswith(f"not English ({language}")


def test_english_us_abbreviation_is_not_foreign() -> None:
    from powderkeg.coder.language import sentence_language

    # "U.S." splits into "u" and "s", which are Serbo-Croatian/Albanian function words.
    assert sentence_language("U.S. officials said Iran's and Iraq's leaders met in Ali's office.") is None


def test_fold_keeps_offsets_into_the_original() -> None:
    from powderkeg.coder.language import fold_for_matching

    text = "A \u200bfe\ufb01ne \uff32ussia and \u0405erbia."
    f = fold_for_matching(text)
    assert f.text == "A fefine Russia and Serbia."
    assert (f.invisible, f.compat, f.homoglyphs) == (1, 2, 1)
    a = f.text.index("Russia")
    assert f.original_span(a, a + 6) == (text.index("\uff32"), text.index("\uff32") + 6)
    s = f.text.index("Serbia")
    o = f.original_span(s, s + 6)
    assert text[o[0] : o[1]] == "\u0405erbia"
    assert f.original_span(0, len(f.text)) == (0, len(text))
    plain = fold_for_matching("Plain ASCII text.")
    assert plain.text == "Plain ASCII text." and not plain.changed and plain.index is None


def test_all_caps_and_recase() -> None:
    from powderkeg.coder.language import is_all_caps, recase

    head = "RUSSIA MASSES TROOPS ON UKRAINE BORDER"
    assert is_all_caps(head)
    assert not is_all_caps("Russia masses troops on the border near NATO and EU states")
    assert not is_all_caps("NATO AND EU")  # too short to tell
    out = recase(head, [(0, 6), (24, 31)])
    assert out == "Russia masses troops on Ukraine border"
    assert len(out) == len(head)
    assert recase("US AND EU DENY PLAN", [(0, 2), (7, 9), (15, 19)], lambda w: w == "plan") == (
        "US and EU deny plan"
    )


@pytest.mark.parametrize(
    ("sentence", "expected", "precision"),
    [
        # a "since"/"until" phrase is a point of reference for a lasting state, not the event date
        ("Bosnia faced its greatest threat since the end of the war in 1995.", "2021-12-15", "day"),
        ("Russia has occupied Crimea since 2014.", "2021-12-15", "day"),
        ("Sanctions stay in force until 2025.", "2021-12-15", "day"),
        # a later date in another clause still counts
        ("Fighting has gone on since March, and in May 2021 the town fell.", "2021-05-01", "month"),
        ("Russia annexed Crimea in 2014.", "2014-01-01", "year"),
    ],
)
def test_since_and_until_phrases_are_not_event_dates(
    sentence: str, expected: str, precision: str
) -> None:
    m = resolve_date(sentence, "2021-12-15")
    assert (m.date, m.precision) == (expected, precision)
