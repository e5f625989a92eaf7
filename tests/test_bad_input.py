"""Bad input for the coder (issue 3, "Bad input"): 1,000+ word sentences, tables flattened into
text, all-caps headlines, non-English text, Unicode confusables. No crash, clear reasons on the
Document's ``problems``, bounded work per document (checked by size and step bounds, not time)."""

from __future__ import annotations

from functools import lru_cache

import pytest

from powderkeg.coder import Coder
from powderkeg.coder import pipeline as P
from powderkeg.coder.sentences import MAX_SENTENCE_CHARS, segment
from powderkeg.types import Document

DOC_DATE = "2021-12-15"


@lru_cache(maxsize=1)
def _coder() -> Coder:
    return Coder(workers=1)


def code(text: str) -> Document:
    return _coder().code(Document.from_text(text, "bad", date=DOC_DATE))


def _spans_ok(doc: Document) -> None:
    for e in doc.events:
        assert doc.text[e.span[0] : e.span[1]] == e.sentence


# -- very long sentences ------------------------------------------------------------------------

_PROSE = (
    "the delegation of Serbia discussed the matter with officials from Russia and the talks "
    "continued while observers waited near the border and nobody could say when it would end"
)
_WORDS = _PROSE.split(" ")


def test_5000_word_sentence_is_cut_and_reported() -> None:
    text = " ".join(_WORDS[i % len(_WORDS)] for i in range(5000)) + "."
    seg = segment(text)
    # bounded work: every piece the parser sees is capped, and the number of pieces is linear
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in seg.spans)
    assert len(seg.spans) <= 4 * len(text) // MAX_SENTENCE_CHARS + 1
    assert len(seg.long_runs) == 1 and seg.long_runs[0][2] == 5000
    doc = code(text)
    assert any("sentence of 5,000 words cut into" in p for p in doc.problems), doc.problems
    assert all(e.span[1] - e.span[0] <= MAX_SENTENCE_CHARS for e in doc.events)
    _spans_ok(doc)


def test_long_run_is_cut_at_semicolons_first() -> None:
    clause = "Serbia said it would not recognise Kosovo and Russia backed the decision"
    text = "; ".join([clause] * 60) + "."
    spans = segment(text).spans
    assert len(spans) > 1
    # every piece but the last ends on a clause boundary, never inside a word
    for a, b in spans[:-1]:
        assert text[b - 1] == ";", text[a:b][-30:]


def test_long_sentence_without_separators_is_still_bounded() -> None:
    text = "x" * (5 * MAX_SENTENCE_CHARS)
    spans = segment(text).spans
    assert len(spans) == 5
    assert all(b - a <= MAX_SENTENCE_CHARS for a, b in spans)


def test_document_beyond_the_cap_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "MAX_DOC_CHARS", 120)
    text = "Russia massed troops on the border. " * 10 + "Serbia recognised Kosovo."
    doc = Coder(workers=1, nlp=_coder().nlp, models=_coder().models).code(
        Document.from_text(text, "big", date=DOC_DATE)
    )
    assert any("only the first" in p and "are coded" in p for p in doc.problems), doc.problems
    assert doc.events and all(e.span[1] <= 120 for e in doc.events)
    assert not any(e.type == "SUPPORT" for e in doc.events)  # the Kosovo sentence is past the cap


# -- tables -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "Country | Troops | Tanks | Russia | 120000 | 1200 | Ukraine | 250000 | 900 | Belarus | 45000",
        "Casualties by country Russia 1,200 340 12 Ukraine 3,400 560 98 Belarus 12 4 0 Serbia 0 0 0 "
        "Kosovo 3 1 0 Georgia 45 3 2 Moldova 2 0 0 total 4,662 908 112",
    ],
)
def test_flattened_table_is_skipped_with_reason(table: str) -> None:
    doc = code("Russia attacked Ukraine on Monday. " + table)
    assert [e.sentence for e in doc.events] == ["Russia attacked Ukraine on Monday."]
    assert any(p.startswith("table-like text") and "not coded" in p for p in doc.problems)


def test_prose_with_numbers_is_not_a_table() -> None:
    doc = code(
        "Russia deployed 120,000 troops, 1,200 tanks and 300 aircraft near Ukraine in 2021, "
        "officials said on December 3."
    )
    assert doc.events and not doc.problems


# -- all-caps headlines ----------------------------------------------------------------------------


def test_all_caps_headline_is_coded() -> None:
    doc = code("RUSSIA MASSES TROOPS ON UKRAINE BORDER")
    e = next(e for e in doc.events if e.type == "MOBILIZE")
    assert {a.code for a in e.actor} == {"RUS"}
    assert {a.code for a in e.target} == {"UKR"}
    assert [a.text for a in e.actor] == ["RUSSIA"]  # as written, not as re-cased for the parser


def test_all_caps_common_word_is_not_an_acronym_actor() -> None:
    doc = code("US AND EU WARN PUTIN OVER KOSOVO; SERBIA DENIES PLAN")
    codes = {a.code for a in doc.actors}
    assert {"USA", "EU", "RUS", "SRB"} <= codes
    assert "CHN" not in codes  # "PLAN" is the word, not the Chinese navy


# -- other languages ---------------------------------------------------------------------------------

FOREIGN = {
    "German": "Die russische Armee hat am Montag Truppen an die Grenze zur Ukraine verlegt, sagte "
    "der Minister. Die Regierung in Kiew protestierte gegen die Verlegung der Truppen.",
    "Russian": "Россия перебросила войска к границе с Украиной, заявил министр обороны. "
    "Правительство в Киеве выразило протест.",
    "Chinese": "俄罗斯向乌克兰边境增派军队，国防部长表示。基辅政府对此提出抗议。",
    "French": "La Russie a massé des troupes à la frontière de l'Ukraine, selon le ministre. Le "
    "gouvernement de Kiev a protesté contre cette décision.",
    "Serbo-Croatian": "Srbija je u ponedeljak saopštila da neće priznati nezavisnost Kosova, a "
    "predsednik Vučić je rekao da će se sastati sa predstavnicima EU.",
}


@pytest.mark.parametrize("language", sorted(FOREIGN))
def test_non_english_document_is_skipped_with_reason(language: str) -> None:
    doc = code(FOREIGN[language])
    assert doc.events == [] and doc.actors == []
    assert len(doc.problems) == 1
    assert doc.problems[0].startswith(f"not English ({language}")
    assert doc.problems[0].endswith("not coded")


def test_foreign_sentence_in_english_document_is_skipped_alone() -> None:
    text = (
        "Russia massed troops on the border. Россия перебросила войска к границе с Украиной, "
        "заявил министр обороны Шойгу. Ukraine protested on Monday."
    )
    doc = code(text)
    assert {e.sentence for e in doc.events} == {
        "Russia massed troops on the border.",
        "Ukraine protested on Monday.",
    }
    [problem] = doc.problems
    assert problem.startswith("not English (Russian")
    start = text.index("Россия")
    assert f"characters {start}-" in problem


def test_english_with_foreign_names_is_english() -> None:
    doc = code(
        "Vučić, Dačić and Brnabić met Kurti and Osmani in Priština on Monday to discuss the "
        "Ibar bridge in Mitrovica."
    )
    assert not any(p.startswith("not English") for p in doc.problems)
    assert doc.events


# -- Unicode confusables ---------------------------------------------------------------------------


def test_cyrillic_homoglyph_resolves_to_latin_name() -> None:
    text = "\u0405erbia recognised Kosovo's independence."  # Cyrillic DZE for S
    doc = code(text)
    assert any(a.code == "SRB" for e in doc.events for a in e.actor)
    srb = next(a for a in doc.actors if a.code == "SRB")
    assert srb.text == "\u0405erbia"  # the document's own characters
    assert any("look-alike" in p for p in doc.problems)
    _spans_ok(doc)


def test_greek_and_cyrillic_letters_inside_names() -> None:
    # Cyrillic dze and ie; Greek capital nu and alpha
    doc = code("Ru\u0455sia thr\u0435atened Ukrain\u0435 and \u039d\u0391TO on Monday.")
    e = doc.events[0]
    assert {a.code for a in e.actor} == {"RUS"}
    assert {a.code for a in e.target} == {"UKR", "NATO"}
    _spans_ok(doc)


def test_real_cyrillic_words_are_not_folded() -> None:
    from powderkeg.coder.language import fold_for_matching

    text = "Москва and Сербия are names; the word АТО stands between Latin words."
    f = fold_for_matching(text)
    assert f.text.startswith("Москва and Сербия")  # whole Cyrillic words stay
    assert "the word ATO stands" in f.text  # an all-look-alike word among Latin words folds


def test_zero_width_and_fullwidth_characters() -> None:
    text = "Rus\u200bsia attacked \uff35\uff4b\uff52\uff41\uff49\uff4e\uff45 on Monday. Serbia\u00ad protested."
    doc = code(text)
    first = doc.events[0]
    assert {a.code for a in first.actor} == {"RUS"} and {a.code for a in first.target} == {"UKR"}
    assert first.actor[0].text == "Rus\u200bsia"
    _spans_ok(doc)
    # routine normalisation is not a problem (it would land in the quarantine table)
    assert not any("invisible" in p or "fullwidth" in p for p in doc.problems)


# -- junk ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "....!!!???",
        "\u200b\u200b\u200b",
        "🙂" * 500,
        "\x00\x01\x02 binary \ufffd\ufffd garbage \x7f",
        "a" * 30000,
        ("Russia " * 3000).strip(),
    ],
)
def test_junk_does_not_crash(junk: str) -> None:
    doc = code(junk)
    _spans_ok(doc)
    for e in doc.events:
        assert e.span[1] - e.span[0] <= MAX_SENTENCE_CHARS
