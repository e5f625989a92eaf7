"""Tests for powderkeg.read: document readers, formats, furniture removal, bad input."""

from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

from powderkeg.errors import UsageError
from powderkeg.read import DEFAULT_MAX_BYTES, STDIN_NAME, clean_text, read_documents
from powderkeg.read import documents as documents_module
from powderkeg.read.feeds import FeedSplitter
from powderkeg.read.furniture import load_furniture
from powderkeg.read.htmltext import parse_html
from powderkeg.types import Document, Problem, doc_id_for, normalize_text, sha16

FIXTURES = Path(__file__).parent / "fixtures" / "read"


def _read(*paths: object, **kw: object) -> tuple[list[Document], list[Problem]]:
    docs: list[Document] = []
    problems: list[Problem] = []
    for item in read_documents([str(p) for p in paths], **kw):  # type: ignore[arg-type]
        (docs if isinstance(item, Document) else problems).append(item)
    return docs, problems


def _one_doc(*paths: object, **kw: object) -> Document:
    docs, problems = _read(*paths, **kw)
    assert problems == []
    assert len(docs) == 1
    return docs[0]


def _one_problem(*paths: object, **kw: object) -> Problem:
    docs, problems = _read(*paths, **kw)
    assert docs == []
    assert len(problems) == 1
    return problems[0]


def _check_contract(doc: Document) -> None:
    assert doc.text == normalize_text(doc.text)
    assert doc.doc_id == sha16(doc.text)


# --- the seed op-ed -----------------------------------------------------------------------------


def test_seed_article_loses_its_furniture_and_keeps_its_body(shared: Path) -> None:
    seed = shared / "seed" / "000_50f92ce781a3b39b.txt"
    doc = _one_doc(seed, date="2021-12-15")
    _check_contract(doc)
    for furniture in (
        "Must read",
        "More articles",
        "Latest article",
        "+ posts",
        "Director of the Program",
    ):
        assert furniture not in doc.text
    assert "Lulzim Peci" not in doc.text
    assert "More than 120,000 Russian troops have massed on Ukraine’s eastern border" in doc.text
    assert (
        doc.title
        == "There is a link between the conflict in Ukraine and brewing tensions in the Balkans"
    )
    assert not doc.text.startswith("There is a link")
    # the photo caption is kept (documented choice), the closing body paragraph too
    assert doc.text.startswith("Columns of naval infantry")
    assert doc.text.endswith("defining characteristics of Putin’s imperial rule.")
    assert doc.date == "2021-12-15"  # no dateline in the text: the fallback
    assert doc.source == str(seed)


def test_seed_author_bios_go_by_the_general_rule_without_markers(shared: Path) -> None:
    raw = (shared / "seed" / "000_50f92ce781a3b39b.txt").read_text(encoding="utf-8")
    cleaned = clean_text(raw.replace("+ posts\n", ""))
    assert "Director of the Program" not in cleaned.text
    assert "Lulzim Peci" not in cleaned.text and "David L. Phillips" not in cleaned.text
    assert cleaned.text.endswith("defining characteristics of Putin’s imperial rule.")


# --- plain text ---------------------------------------------------------------------------------


def test_text_article_furniture_title_byline_and_date() -> None:
    doc = _one_doc(FIXTURES / "article_furniture.txt")
    _check_contract(doc)
    assert doc.title == "Border monitors report new troop movements near the river crossing"
    assert doc.date == "2022-03-14"  # from the "Published: ..." line
    for gone in (
        "Must read", "Published", "Ana Marin", "Share this", "Advertisement", "Read more",
        "cookie", "Marta Kovac", "+ posts", "senior analyst", "Related", "newsletter",
        "More articles",
    ):  # fmt: skip
        assert gone not in doc.text, gone
    assert doc.text.startswith("Armoured vehicles wait in a column")  # the caption stays
    assert "at least 40 armoured vehicles had moved" in doc.text
    assert doc.text.endswith("Neither side has confirmed that a meeting will take place.")


def test_date_argument_is_the_fallback_and_a_dateline_wins(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("Troops crossed the river on Monday, officials said.\n", encoding="utf-8")
    assert _one_doc(plain, date="2022-05-01").date == "2022-05-01"
    assert _one_doc(plain).date is None

    dated = tmp_path / "dated.txt"
    dated.write_text(
        "KYIV, Dec. 15, 2021 (Wire) - Troops crossed the river on Monday, officials said.\n",
        encoding="utf-8",
    )
    doc = _one_doc(dated, date="2022-05-01")
    assert doc.date == "2021-12-15"
    assert doc.text.startswith("KYIV, Dec. 15, 2021")  # a dateline opening a paragraph stays

    # a date inside an ordinary sentence is not a dateline
    body = tmp_path / "body.txt"
    body.write_text(
        "The two leaders met on December 7, 2021 to discuss the border, officials said later.\n",
        encoding="utf-8",
    )
    assert _one_doc(body, date="2022-05-01").date == "2022-05-01"


@pytest.mark.parametrize("bad", ["2021-13-01", "15/12/2021", "yesterday", "2021-02-30", ""])
def test_bad_date_argument_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        read_documents(["whatever.txt"], date=bad)


def test_bad_options_fail_before_reading() -> None:
    with pytest.raises(UsageError, match="--max-bytes"):
        read_documents(["x"], max_bytes=0)
    with pytest.raises(UsageError, match="--encoding"):
        read_documents(["x"], encoding="no-such-codec")
    with pytest.raises(UsageError, match="errors"):
        read_documents(["x"], errors="surrogateescape")


def test_latin1_file_names_the_flag_and_reads_with_it() -> None:
    problem = _one_problem(FIXTURES / "latin1.txt")
    assert problem.source == str(FIXTURES / "latin1.txt")
    assert problem.reason == (
        "invalid UTF-8 at byte 18; pass --encoding latin-1 (or cp1252) to read it"
    )
    doc = _one_doc(FIXTURES / "latin1.txt", encoding="latin-1")
    assert doc.title == "Delegates met in Zürich"
    assert "a café in Zürich" in doc.text and "São Paulo" in doc.text
    replaced = _one_doc(FIXTURES / "latin1.txt", errors="replace")
    assert "\ufffd" in replaced.text


def test_cp1252_file_reads_with_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "quotes.txt"
    path.write_bytes(
        "The minister called the plan \u201ca provocation\u201d on Friday.\n".encode("cp1252")
    )
    assert "--encoding latin-1 (or cp1252)" in _one_problem(path).reason
    doc = _one_doc(path, encoding="cp1252")
    assert doc.text == "The minister called the plan \u201ca provocation\u201d on Friday."


def test_markdown_heading_is_a_title(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Sanctions extended\n\nThe council extended the sanctions by a year.\n")
    doc = _one_doc(path)
    assert doc.title == "Sanctions extended"
    assert doc.text == "The council extended the sanctions by a year."


def test_invalid_utf8_offset_is_exact_across_blocks(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    prefix = ("word " * 20 + "\n") * 1000
    assert len(prefix) > 65536
    # a two-byte character cut by the 64 KiB block boundary is fine; a lone 0xff is not
    data = prefix.encode("ascii")[:65535] + "é".encode() + b" more text " + b"\xff" + b" tail\n"
    path.write_bytes(data)
    bad_at = data.index(b"\xff")
    assert bad_at > 65536
    assert _one_problem(path).reason.startswith(f"invalid UTF-8 at byte {bad_at};")


def test_bom_encodings_are_honoured(tmp_path: Path) -> None:
    text = "Envoys met in Priština on Friday to discuss the border.\n"
    utf8 = tmp_path / "bom8.txt"
    utf8.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    utf16 = tmp_path / "bom16.txt"
    utf16.write_bytes(text.encode("utf-16"))  # with its BOM, and NUL bytes
    docs, problems = _read(utf8, utf16)
    assert problems == []
    assert [d.text for d in docs] == [normalize_text(text)] * 2


def test_empty_whitespace_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n\t \n", encoding="utf-8")
    only_furniture = tmp_path / "furniture.txt"
    only_furniture.write_text("Share this\n\nAdvertisement\n\nMore articles\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    docs, problems = _read(empty, blank, only_furniture, missing)
    assert docs == []
    assert [(p.source, p.reason) for p in problems] == [
        (str(empty), "empty file"),
        (str(blank), "empty file (only whitespace)"),
        (str(only_furniture), "no text left after removing page furniture"),
        (str(missing), "no such file"),
    ]


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "ZIP"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
        (b"some text\x00\x00\x01\x02 more", "NUL bytes"),
    ],
)
def test_binary_files_are_quarantined(tmp_path: Path, data: bytes, looks_like: str) -> None:
    path = tmp_path / "upload.txt"
    path.write_bytes(data)
    problem = _one_problem(path)
    assert problem.reason.startswith("binary file (")
    assert looks_like in problem.reason


def test_nul_byte_after_the_head_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "late_nul.txt"
    path.write_bytes(b"Plain words here. " * 1000 + b"\x00binary tail")
    assert _one_problem(path).reason == "binary file (NUL byte at byte 18000, so not text)"


def test_huge_file_is_quarantined_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    size = 100 * 1024 * 1024
    with open(path, "wb") as fh:  # sparse: seek and write one byte
        fh.seek(size - 1)
        fh.write(b"\n")
    tracemalloc.start()
    try:
        problem = _one_problem(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem.reason == (
        "file is 104857600 bytes, above the 20000000-byte limit; raise it with --max-bytes"
    )
    assert DEFAULT_MAX_BYTES == 20_000_000
    assert peak < 1_000_000
    small = tmp_path / "small.txt"
    small.write_text("Envoys met on Friday to discuss the border crossing.\n", encoding="utf-8")
    assert "raise it with --max-bytes" in _one_problem(small, max_bytes=10).reason


def test_large_text_is_split_into_parts_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    para = "Officials said the convoy of 40 trucks crossed the border at dawn. " * 6
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Convoys cross the border\n\n")
        while fh.tell() < 3_000_000:
            fh.write(para + "\n\n")
            n += 1
    tracemalloc.start()
    try:
        count = 0
        sources: list[str] = []
        titles: list[str | None] = []
        longest = 0
        for item in read_documents([path], chunk_chars=50_000):
            assert isinstance(item, Document)
            _check_contract(item)
            count += item.text.count("crossed the border at dawn")
            sources.append(item.source)
            titles.append(item.title)
            longest = max(longest, len(item.text))
            del item
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 6 * n  # nothing lost at the cuts
    assert len(sources) >= 60
    assert sources[0] == f"{path}#part-1" and sources[-1] == f"{path}#part-{len(sources)}"
    assert titles[1] == "Convoys cross the border #part-2"
    assert longest <= 50_000
    assert peak < 1_500_000  # the file is 3 MB


# --- HTML ---------------------------------------------------------------------------------------


def test_html_page_main_text_without_scripts_or_navigation() -> None:
    doc = _one_doc(FIXTURES / "page.html", date="2030-01-01")
    _check_contract(doc)
    assert doc.title == "Ceasefire talks resume in the capital"
    assert doc.date == "2022-02-03"  # <meta article:published_time> wins over the fallback
    for gone in ("SCRIPT_IN_HEAD", "SCRIPT_IN_BODY", "NAV_LINK_TEXT", "FOOTER_TEXT", "Share this"):
        assert gone not in doc.text
    assert doc.text.startswith("Negotiators from both parties returned to the table")
    assert "exchange of prisoners" in doc.text and "A second round is planned" in doc.text


def test_html_fallback_stripper_drops_script_nav_footer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents_module, "extract_main_text", lambda html: None)
    doc = _one_doc(FIXTURES / "page.html")
    for gone in ("SCRIPT_IN_HEAD", "SCRIPT_IN_BODY", "NAV_LINK_TEXT", "FOOTER_TEXT", "Share this"):
        assert gone not in doc.text
    assert doc.title == "Ceasefire talks resume in the capital"
    assert doc.text.startswith("Negotiators from both parties")


def test_parse_html_metadata_and_unclosed_head() -> None:
    page = parse_html(
        "<html><head><title>Site title</title><body><h1>Heading</h1>"
        "<time datetime='2021-11-02T10:00'>2 Nov</time><p>First &amp; only"
        "<script>var x = '<p>not text</p>';</script> paragraph.</p><svg/><p>After svg.</p>"
    )
    assert page.title == "Site title"
    assert page.date == "2021-11-02"
    assert page.text == "Heading\n\n2 Nov\n\nFirst & only paragraph.\n\nAfter svg."


def test_html_is_sniffed_without_extension_and_meta_charset_used(tmp_path: Path) -> None:
    path = tmp_path / "saved_page"
    path.write_bytes(
        b"<!DOCTYPE html><html><head><meta charset='windows-1252'><title>Talks</title></head>"
        b"<body><p>Delegates met in Z\xfcrich on Friday to agree on a new monitoring mission for "
        b"the border region.</p></body></html>"
    )
    doc = _one_doc(path)
    assert "Delegates met in Zürich on Friday" in doc.text
    assert "<" not in doc.text


def test_html_headline_matching_the_page_title_leaves_the_text(tmp_path: Path) -> None:
    path = tmp_path / "question.htm"
    path.write_text(
        "<html><head><title>Will the talks resume? | Example Daily</title></head><body>"
        "<h1>Will the talks resume?</h1><p>Mediators said on Monday that both delegations had "
        "accepted an invitation to a second round in Geneva next week.</p></body></html>",
        encoding="utf-8",
    )
    doc = _one_doc(path)
    assert doc.title == "Will the talks resume?"
    assert doc.text.startswith("Mediators said on Monday")


# --- feeds --------------------------------------------------------------------------------------


def test_rss_feed_with_a_broken_item() -> None:
    path = FIXTURES / "feed_rss.xml"
    docs, problems = _read(path, date="2030-01-01")
    assert [(p.source, p.line, p.reason) for p in problems] == [
        (str(path), 14, "item 2: no text: its title, description and content are all empty")
    ]
    assert (
        str(problems[0])
        == f"{path}:14: item 2: no text: its title, description and content are all empty"
    )
    assert [d.source for d in docs] == [
        "https://wire.example.org/europe/1",
        "https://wire.example.org/europe/3",
        f"{path}#4",
    ]
    assert [d.date for d in docs] == ["2022-02-01", "2022-02-02", "2030-01-01"]
    assert docs[0].title == "Parliament approves new defence budget"
    assert (
        docs[0].text == "The parliament approved a defence budget of 1.2 billion euros on Tuesday."
    )
    # content:encoded (the longer text) is preferred; WordPress' "The post ... appeared first" goes
    assert docs[1].text.startswith("The foreign ministers of the two neighbouring states")
    assert "appeared first" not in docs[1].text
    for d in docs:
        _check_contract(d)
        assert "FEED_SCRIPT" not in d.text


def test_atom_feed() -> None:
    docs, problems = _read(FIXTURES / "feed_atom.xml")
    assert problems == []
    assert [(d.source, d.title, d.date) for d in docs] == [
        (
            "https://monitor.example.org/reports/1",
            "Observers count shelling incidents",
            "2022-03-01",
        ),
        ("https://monitor.example.org/reports/2", "Aid convoy reaches the city", "2022-03-02"),
    ]
    assert docs[0].text == (
        "Observers recorded 12 shelling incidents along the line of contact in the past 24 hours."
    )


_RSS_UNCLOSED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>t</title>
<item><title>First report</title><description>Police detained 12 protesters in the square.</description></item>
<item><title>Never closed</title><description>This item has no end tag.</description>
<item><title>Third report</title><description>The army withdrew two battalions from the border.</description></item>
<item><title>Bad entity</title><description>Talks &amp; more talks&nbsp;in Geneva ended on Monday.</description></item>
</channel></rss>
"""


def test_feed_unclosed_item_spoils_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "wire.rss"
    path.write_bytes(_RSS_UNCLOSED)
    docs, problems = _read(path)
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [(4, "item 2")]
    assert "not closed" in problems[0].reason
    assert [d.title for d in docs] == ["First report", "Third report", "Bad entity"]
    # an undefined entity is read leniently, and the Document says so
    assert "Talks & more talks in Geneva" in docs[2].text
    assert docs[2].problems and "read leniently" in docs[2].problems[0]


@pytest.mark.parametrize("block", [1, 3, 7, 64, 1 << 16])
def test_feed_splitter_is_independent_of_block_size(block: int) -> None:
    data = (FIXTURES / "feed_rss.xml").read_bytes()
    splitter = FeedSplitter(io.BytesIO(data), block=block)
    items = [(r.number, r.line, r.closed, r.data[:6]) for r in splitter.items()]
    assert items == [
        (1, 8, True, b"<item>"),
        (2, 14, True, b"<item>"),
        (3, 18, True, b"<item>"),
        (4, 25, True, b"<item>"),
    ]
    assert splitter.head is not None and splitter.head.names == (b"rss", b"channel")


_ATOM_PREFIXED = b"""<?xml version="1.0"?>
<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>x</a:title>
<a:entry><a:title>Prefixed</a:title><a:summary>Shelling hit the fuel depot on Sunday.</a:summary>
<a:updated>2022-01-02T00:00:00Z</a:updated></a:entry></a:feed>"""
_RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="x"><title>c</title><items><rdf:Seq><rdf:li resource="u1"/></rdf:Seq></items>
</channel><item rdf:about="u1"><title>RDF item</title><link>http://e.example/1</link>
<description>Parliament voted on the budget.</description></item></rdf:RDF>"""
_TRUNCATED = b"""<?xml version="1.0"?><rss><channel><item><title>A</title>
<description>Troops moved north.</description></item><item><title>B</title><descr"""


@pytest.mark.parametrize(
    ("data", "expected_docs", "expected_problems"),
    [
        (_ATOM_PREFIXED, [("Prefixed", "2022-01-02")], []),
        (_RSS1, [("RDF item", None)], []),
        (_TRUNCATED, [("A", None)], ["item 2: not closed"]),
    ],
)
def test_feed_variants(
    tmp_path: Path,
    data: bytes,
    expected_docs: list[tuple[str, str | None]],
    expected_problems: list[str],
) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    docs, problems = _read(path)
    assert [(d.title, d.date) for d in docs] == expected_docs
    assert [p.reason.split(":")[0] + ":" + p.reason.split(":")[1] for p in problems] == (
        expected_problems
    )


def test_feed_streams_with_bounded_memory(tmp_path: Path) -> None:
    body = "Police detained 12 protesters outside the ministry. " * 100
    path = tmp_path / "big.rss"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>\n')
        for i in range(150):
            fh.write(f"<item><title>Report {i}</title><description>{body}</description></item>\n")
        fh.write("</channel></rss>\n")
    assert path.stat().st_size > 750_000
    list(read_documents([FIXTURES / "feed_rss.xml"]))  # imports feedparser outside the trace
    tracemalloc.start()
    try:
        n = sum(1 for _ in read_documents([path]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 150
    assert peak < 400_000


def test_xml_that_is_not_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "config.xml"
    path.write_text("<?xml version='1.0'?><settings><value>3</value></settings>", encoding="utf-8")
    assert _one_problem(path).reason == "not an RSS or Atom feed (root element <settings>)"
    empty_feed = tmp_path / "empty.rss"
    empty_feed.write_text("<rss><channel><title>Quiet</title></channel></rss>", encoding="utf-8")
    assert _one_problem(empty_feed).reason == "feed has no items"


# --- JSON Lines ---------------------------------------------------------------------------------


def test_jsonl_good_and_bad_lines() -> None:
    path = FIXTURES / "docs.jsonl"
    items = list(read_documents([path], date="2022-01-01"))
    summary = [(i.source, i.date) if isinstance(i, Document) else (i.line, i.reason) for i in items]
    assert summary == [
        ("https://news.example.org/a1", "2022-04-05"),
        (f"{path}#17", "2022-01-01"),
        (3, "not JSON (Expecting value at column 1)"),
        (4, 'missing "text" (each line needs a "text" field)'),
        (f"{path}#line-6", "2022-01-01"),
        (7, 'expected a JSON object with a "text" field, got an array'),
        (8, '"text" is empty'),
    ]
    docs = [i for i in items if isinstance(i, Document)]
    assert docs[0].title == "Troops leave the border area"
    # clean text passes through unchanged: doc_id is the contract's hash of the given text
    first = json.loads((FIXTURES / "docs.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert docs[0].doc_id == doc_id_for(first["text"])
    assert docs[2].problems == ["date 'last Tuesday' is not YYYY-MM-DD; ignored"]
    for d in docs:
        _check_contract(d)
    assert all(p.source == str(path) for p in items if isinstance(p, Problem))


def test_items_left_empty_by_furniture_name_file_and_position(tmp_path: Path) -> None:
    jsonl = tmp_path / "ads.jsonl"
    jsonl.write_text(
        json.dumps({"text": "Advertisement", "url": "https://ads.example/1"}) + "\n",
        encoding="utf-8",
    )
    problem = _one_problem(jsonl)
    assert (problem.source, problem.line) == (str(jsonl), 1)
    assert problem.reason == "no text left after removing page furniture"
    feed = tmp_path / "ads.rss"
    feed.write_text(
        "<rss><channel>\n<item><link>https://ads.example/2</link>"
        "<description>Share this</description></item></channel></rss>",
        encoding="utf-8",
    )
    problem = _one_problem(feed)
    assert (problem.source, problem.line) == (str(feed), 2)
    assert problem.reason == "item 1: no text left after removing page furniture"


def test_jsonl_bad_utf8_line_and_json_array(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    good = json.dumps({"text": "Envoys agreed to meet again in March."}).encode() + b"\n"
    path.write_bytes(good + b'{"text": "caf\xe9 owners protested"}\n' + good)
    docs, problems = _read(path)
    assert len(docs) == 2
    assert [(p.line, p.reason) for p in problems] == [
        (
            2,
            f"invalid UTF-8 at byte {len(good) + 13}; pass --encoding latin-1 (or cp1252) to read it",
        )
    ]
    array = tmp_path / "docs.json"
    array.write_text('[{"text": "a"}]', encoding="utf-8")
    assert "JSON Lines" in _one_problem(array).reason


def test_jsonl_streams_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    line = json.dumps({"text": "Police detained 12 protesters outside the ministry. " * 20})
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(1_500):
            fh.write(line[:-1] + f', "id": {i}}}\n')
    assert path.stat().st_size > 1_500_000
    tracemalloc.start()
    try:
        n = sum(1 for _ in read_documents([path]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 1_500
    assert peak < 500_000


# --- paths: directories, stdin, laziness --------------------------------------------------------


def test_directory_is_walked_sorted_and_hidden_entries_skipped(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    (root / "b_sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "notes.txt").write_text("Hidden folder text that must be skipped.\n")
    (root / ".hidden.txt").write_text("Hidden file text that must be skipped.\n")
    (root / "c.txt").write_text("Troops withdrew from the third village on Sunday.\n")
    (root / "a.txt").write_text("Troops withdrew from the first village on Friday.\n")
    (root / "b_sub" / "inner.txt").write_text(
        "Troops withdrew from the second village on Saturday.\n"
    )
    (root / "empty_sub").mkdir()  # an empty folder inside is no problem
    docs, problems = _read(root)
    assert problems == []
    assert [d.source for d in docs] == [
        os.path.join(str(root), "a.txt"),
        os.path.join(str(root), "b_sub", "inner.txt"),
        os.path.join(str(root), "c.txt"),
    ]


def test_directory_with_nothing_readable(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    hidden_only = tmp_path / "hidden_only"
    hidden_only.mkdir()
    (hidden_only / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    bad_only = tmp_path / "bad_only"
    bad_only.mkdir()
    (bad_only / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (bad_only / "blank.txt").write_text("\n\n")
    docs, problems = _read(empty, hidden_only, bad_only)
    assert docs == []
    reason = "directory has no files to read (hidden files are skipped)"
    assert [(p.source, p.reason) for p in problems] == [
        (str(empty), reason),
        (str(hidden_only), reason),
        (
            os.path.join(str(bad_only), "blank.txt"),
            "empty file (only whitespace)",
        ),
        (
            os.path.join(str(bad_only), "scan.pdf"),
            "binary file (looks like a PDF document); convert it to text first",
        ),
    ]


def test_stdin_is_sniffed(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = (
        json.dumps({"text": "The council adopted a resolution on Tuesday.", "id": "r1"})
        + "\n"
        + json.dumps({"text": "Rebels shelled the airport on Wednesday.", "id": "r2"})
        + "\n"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    docs, problems = _read("-")
    assert problems == []
    assert [d.source for d in docs] == [f"{STDIN_NAME}#r1", f"{STDIN_NAME}#r2"]

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 50)))
    assert _one_problem("-", max_bytes=20).reason == (
        "input is more than 20 bytes, above the limit; raise it with --max-bytes"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert _one_problem("-").reason == "empty input"


def test_reading_is_lazy_across_paths(tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text("Negotiators met in Geneva on Monday.\n", encoding="utf-8")
    touched: list[str] = []

    def paths():
        touched.append("first")
        yield first
        touched.append("second")
        raise AssertionError("the second path must not be needed for the first document")

    it = read_documents(paths())
    assert touched == []  # nothing is read before iteration
    doc = next(it)
    assert isinstance(doc, Document) and touched == ["first"]
    # a single path may be given as such
    assert [d.source for d in read_documents(first)] == [str(first)]


# --- furniture rules in isolation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Must read", True),
        ("» Read more «", True),
        ("+ posts", True),
        ("Related: Why the crossing matters", True),
        ("Related to this, the ministry said the talks failed.", False),
        ("© 2022 Example Daily", True),
        ("Copyright infringement cases rose sharply last year.", False),
        ("Advertisement - Scroll to continue", True),
        ("Advertisement revenue fell.", False),
        ("(AP Photo/Jane Roe)", True),
        ("Sign up for our daily briefing", True),
        ("Register to vote by Friday, officials urged.", False),
        ("This site uses cookies to give you the best browsing experience, see our policy.", True),
        ("Follow us on Telegram", True),
        ("Share on Facebook", True),
        ("Tags: Kosovo, Serbia, NATO", True),
        ("* * *", True),
        ("Shelling resumed on Sunday.", False),
    ],
)
def test_furniture_lines(line: str, furniture: bool) -> None:
    assert load_furniture().is_furniture(line) is furniture


def test_furniture_keeps_a_closing_news_paragraph_that_looks_like_a_bio() -> None:
    raw = (
        "Talks collapse\n\nThe talks in Geneva collapsed on Friday after six hours.\n\n"
        "John Smith, a former ambassador to Serbia, said the failure would embolden hardliners."
    )
    cleaned = clean_text(raw)
    assert cleaned.title == "Talks collapse"
    assert cleaned.text.endswith("said the failure would embolden hardliners.")


def test_furniture_drops_trailing_bios_and_about_the_author() -> None:
    raw = (
        "The ministry confirmed that two battalions had been moved to the north.\n\n"
        "Jane A. Doe is a senior fellow at a policy institute and the author of two books.\n\n"
        "She previously served as an adviser to the foreign ministry.\n\n"
        "About the author\n\nRandom line kept only by accident."
    )
    cleaned = clean_text(raw, find_title=False)
    assert cleaned.text == (
        "The ministry confirmed that two battalions had been moved to the north."
    )


def test_headings_get_a_full_stop_and_long_first_lines_are_not_titles() -> None:
    raw = (
        "Troops gathered near the border on Monday and officials in the capital said they were "
        "watching closely while diplomats prepared a statement for the press\n\n"
        "Reaction abroad\n\nThe foreign ministry summoned the ambassador."
    )
    cleaned = clean_text(raw)
    assert cleaned.title is None
    assert normalize_text(cleaned.text) == (
        "Troops gathered near the border on Monday and officials in the capital said they were "
        "watching closely while diplomats prepared a statement for the press. Reaction abroad. "
        "The foreign ministry summoned the ambassador."
    )
