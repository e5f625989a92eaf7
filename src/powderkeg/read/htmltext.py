"""HTML to text: main-text extraction (trafilatura) with a simple tag stripper as fallback.

The stripper (stdlib ``html.parser``) also collects the page's metadata: title (``og:title``,
else the first ``<h1>`` when ``<title>`` contains it, else ``<title>``) and publication date (``article:published_time`` and similar
``<meta>`` fields, then the first ``<time datetime>``). It drops everything inside script, style,
noscript, template, nav, footer, aside, form, svg, iframe, button, select, object and canvas
elements, so script content never becomes text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .dates import parse_iso_date
from .furniture import line_key

_DROP = frozenset(
    {"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "svg",
     "iframe", "button", "select", "object", "canvas"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
     "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "blockquote", "pre", "figure",
     "figcaption", "hr", "br", "address", "details", "summary", "caption", "body", "html"}
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
# <meta> fields that carry the publication date, most specific first.
_DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "article.published", "publishdate", "publish-date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "date", "article:modified_time", "datemodified",
)  # fmt: skip
_TITLE_META = ("og:title", "twitter:title", "dc.title", "headline")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlPage:
    """What the stripper saw: fallback text (paragraphs split by blank lines) and metadata."""

    text: str
    title: str | None
    date: str | None


class _Stripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.drop_depth = 0
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self.in_title = False
        self.h1_parts: list[str] = []
        self.in_h1 = False
        self.time_date: str | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower().strip()
            if key and "content" in a and key not in self.meta:
                self.meta[key] = a["content"].strip()
            return
        if tag == "time" and self.time_date is None and self.drop_depth == 0:
            self.time_date = parse_iso_date(a.get("datetime", ""))
        if tag == "title":
            self.in_title = True
            return
        if tag == "head":
            self.in_head = True
            return
        if tag == "body":
            self.in_head = False  # </head> may be left out
        if tag in _DROP:
            if tag not in _VOID:
                self.drop_depth += 1
            return
        if tag == "h1":
            self.in_h1 = True
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            return  # a self-closed <svg/> opens nothing
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        if tag == "head":
            self.in_head = False
            return
        if tag in _DROP:
            if self.drop_depth:
                self.drop_depth -= 1
            return
        if tag == "h1":
            self.in_h1 = False
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.drop_depth or self.in_head:
            return
        if self.in_h1:
            self.h1_parts.append(data)
        self.parts.append(data)


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse_html(html: str) -> HtmlPage:
    """Fallback text and metadata of an HTML page or fragment."""
    p = _Stripper()
    p.feed(html)
    p.close()
    # Within a paragraph, collapse whitespace; paragraphs are separated by blank lines.
    paragraphs = [_squash(chunk) for chunk in "".join(p.parts).split("\n\n")]
    text = "\n\n".join(x for x in paragraphs if x)
    title = None
    for key in _TITLE_META:
        if p.meta.get(key):
            title = _squash(p.meta[key])
            break
    if title is None:
        # <title> often ends in " | Site name"; the page's own <h1> is cleaner when it matches
        head_title = _squash("".join(p.title_parts))
        h1 = _squash("".join(p.h1_parts))
        if h1 and (not head_title or line_key(h1) in line_key(head_title)):
            title = h1
        else:
            title = head_title or h1 or None
    date = None
    for key in _DATE_META:
        if key in p.meta:
            date = parse_iso_date(p.meta[key][:10] if len(p.meta[key]) >= 10 else p.meta[key])
            if date:
                break
    return HtmlPage(text=text, title=title, date=date or p.time_date)


def html_fragment_text(fragment: str) -> str:
    """Text of an HTML fragment (a feed item's description), paragraphs split by blank lines."""
    return parse_html(fragment).text


def extract_main_text(html: str) -> str | None:
    """Main text of a page by trafilatura (paragraphs split by blank lines), or None."""
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    try:
        out = trafilatura.extract(
            html,
            output_format="txt",
            include_comments=False,
            include_tables=False,
            include_images=False,
            deduplicate=False,
        )
    except Exception:  # any failure inside the extractor means: use the fallback
        return None
    if not out or not out.strip():
        return None
    return "\n\n".join(line.strip() for line in out.splitlines() if line.strip())


def declared_charset(head: bytes) -> str | None:
    """The charset a page declares in a <meta> tag within its first bytes, if any."""
    m = _CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None
