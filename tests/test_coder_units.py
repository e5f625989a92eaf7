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


def test_units_listed() -> None:
    assert {"troops", "USD", "EUR", "km", "percent", "tanks", "aircraft"} <= set(units())


def test_sentence_initial_year_and_weekday() -> None:
    assert resolve_date("In 2008 Russia fought a war with Georgia.", "2021-11-23").date == "2008-01-01"
    assert resolve_date("On Monday troops moved.", "2021-11-24").date == "2021-11-22"
