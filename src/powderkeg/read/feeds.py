"""RSS and Atom feeds, read one item at a time.

A feed is streamed in blocks: a small scanner finds each ``<item>``/``<entry>`` element (skipping
comments and CDATA sections), and each item is parsed by feedparser on its own, wrapped in the
feed's root elements (so namespaces resolve). Memory stays bounded by one item, and a broken
item (not well-formed beyond repair, not closed, or with no text) spoils only itself: the others
still yield.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from .dates import parse_iso_date
from .htmltext import html_fragment_text

_BLOCK = 1 << 16
_SCAN = re.compile(rb"<!--|<!\[CDATA\[|<(/?)((?:[A-Za-z_][\w.-]*:)?(?:item|entry))(?=[\s/>])")
_HEAD_TOKENS = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>|<(/?)([A-Za-z_][\w.:-]*)([^>]*?)(/?)>",
    re.DOTALL,
)
_FEED_ROOTS = frozenset({b"rss", b"feed", b"RDF", b"channel"})  # local names


@dataclass(frozen=True)
class FeedHead:
    """What encloses the items: the XML declaration and the open elements' start tags."""

    prolog: bytes
    start_tags: tuple[bytes, ...]
    names: tuple[bytes, ...]
    first: bytes | None = None  # the first element, the root

    @property
    def root(self) -> str | None:
        return self.first.decode("ascii", "replace") if self.first else None

    @property
    def is_feed(self) -> bool:
        return self.first is not None and self.first.rsplit(b":", 1)[-1] in _FEED_ROOTS

    def wrap(self, item: bytes) -> bytes:
        closing = b"".join(b"</" + n + b">" for n in reversed(self.names))
        return self.prolog + b"".join(self.start_tags) + item + closing


def parse_head(header: bytes) -> FeedHead:
    """The elements left open at the end of ``header`` (the bytes before the first item)."""
    prolog = b""
    stripped = header.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml"):
        end = stripped.find(b"?>")
        if end >= 0:
            prolog = stripped[: end + 2]
    stack: list[tuple[bytes, bytes]] = []
    first = None
    for m in _HEAD_TOKENS.finditer(header):
        name = m.group(2)
        if name is not None and first is None and not m.group(1):
            first = name
        if name is None or m.group(4):
            continue  # comment, CDATA, declaration, or a self-closed element
        if m.group(1):
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i:]
                    break
        else:
            stack.append((name, m.group(0)))
    return FeedHead(
        prolog=prolog,
        start_tags=tuple(tag for _, tag in stack),
        names=tuple(n for n, _ in stack),
        first=first,
    )


@dataclass(frozen=True)
class RawItem:
    """One item's bytes as found in the file; ``line`` is where it starts (1-based)."""

    number: int
    line: int
    data: bytes
    closed: bool


class FeedSplitter:
    """Streams a feed's items. ``head`` is set once the first item (or the end) is reached."""

    def __init__(self, fh: IO[bytes], block: int = _BLOCK) -> None:
        self.fh = fh
        self.block = block
        self.head: FeedHead | None = None

    def items(self) -> Iterator[RawItem]:
        buf = b""
        base_line = 1  # line number of buf[0]
        pos = 0  # scan position in buf
        header = bytearray()
        start: int | None = None  # start of the open item in buf
        start_line = 0
        number = 0
        eof = False

        def more() -> bool:
            nonlocal buf, eof
            data = self.fh.read(self.block)
            if not data:
                eof = True
                return False
            buf += data
            return True

        more()
        while True:
            m = _SCAN.search(buf, pos)
            if m is None:
                if eof:
                    break
                keep = max(pos, len(buf) - 64)
                if start is None:
                    if self.head is None:
                        header += buf[:keep]
                    base_line += buf.count(b"\n", 0, keep)
                    buf = buf[keep:]
                    pos = 0
                else:
                    pos = keep
                more()
                continue
            token = m.group(0)
            if token in (b"<!--", b"<![CDATA["):
                close = b"-->" if token == b"<!--" else b"]]>"
                end = buf.find(close, m.end())
                if end < 0:
                    if eof:
                        break
                    more()
                    continue
                pos = end + len(close)
                continue
            gt = buf.find(b">", m.end())
            if gt < 0:
                if eof:
                    break
                more()
                continue
            if m.group(1):  # </item>
                if start is not None:
                    number += 1
                    yield RawItem(number, start_line, buf[start : gt + 1], True)
                    base_line += buf.count(b"\n", 0, gt + 1)
                    buf = buf[gt + 1 :]
                    pos = 0
                    start = None
                else:
                    pos = gt + 1
                continue
            # <item ...> or <item/>
            if self.head is None:
                header += buf[: m.start()]
                self.head = parse_head(bytes(header))
                header = bytearray()
            if start is not None:  # the previous item never closed
                number += 1
                yield RawItem(number, start_line, buf[start : m.start()], False)
            line = base_line + buf.count(b"\n", 0, m.start())
            base_line = line
            buf = buf[m.start() :]
            gt -= m.start()
            if buf[gt - 1 : gt] == b"/":  # <item/>: an empty item
                number += 1
                yield RawItem(number, line, buf[: gt + 1], True)
                base_line += buf.count(b"\n", 0, gt + 1)
                buf = buf[gt + 1 :]
                pos = 0
                start = None
                continue
            start = 0
            start_line = line
            pos = gt + 1
        if start is not None:
            number += 1
            yield RawItem(number, start_line, buf[start:], False)
        if self.head is None:
            header += buf
            self.head = parse_head(bytes(header))


@dataclass(frozen=True)
class FeedItem:
    """A feed item as text, with what the feed says about it."""

    title: str | None
    text: str
    date: str | None
    link: str | None
    note: str | None = None


def _entry_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            return parse_iso_date(f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}")
    return None


def _as_text(value: str, kind: str) -> str:
    if "html" in kind or "<" in value:
        return html_fragment_text(value)
    return value.strip()


def parse_item(head: FeedHead, raw: RawItem, encoding: str | None = None) -> FeedItem | str:
    """A :class:`FeedItem`, or the reason the item is broken (one line)."""
    import feedparser  # imported here: only feeds need it

    if not raw.closed:
        return "not closed: its end tag is missing before the next item or the end of the file"
    headers = {"content-type": f"application/xml; charset={encoding}"} if encoding else None
    parsed = feedparser.parse(head.wrap(raw.data), response_headers=headers)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.entries:
        why = f" ({problem})" if problem else ""
        return f"could not be parsed{why}"
    entry = parsed.entries[0]
    candidates: list[tuple[str, str]] = []
    for content in entry.get("content") or []:
        if content.get("value"):
            candidates.append((content["value"], content.get("type", "")))
    if entry.get("summary"):
        detail = entry.get("summary_detail") or {}
        candidates.append((entry["summary"], detail.get("type", "")))
    texts = [_as_text(v, k) for v, k in candidates]
    text = max(texts, key=len, default="")
    title_raw = entry.get("title") or ""
    title = " ".join(_as_text(title_raw, "html" if "<" in title_raw else "").split()) or None
    if not text.strip():
        if title is None:
            return "no text: its title, description and content are all empty"
        text = title
    note = None
    if problem is not None and "encoding" not in type(problem).__name__.lower():
        note = f"item {raw.number} was not well-formed XML ({problem}); read leniently"
    return FeedItem(
        title=title, text=text, date=_entry_date(entry), link=entry.get("link") or None, note=note
    )
