"""Documents from files: plain text, HTML, RSS/Atom feeds and JSON Lines.

:func:`read_documents` is a generator over paths (files, directories, ``-`` for stdin). It yields
a :class:`~powderkeg.types.Document` for every usable item and a
:class:`~powderkeg.types.Problem` for every bad one; one bad item never stops the batch.

Formats, by extension and then by sniffing the first 8 KiB:

- ``.html``/``.htm``/``.xhtml`` or content opening with HTML markup: main text by trafilatura;
  when it finds none, a simple tag stripper (script, style, nav, footer... dropped).
- ``.xml``/``.rss``/``.atom`` or content with an ``<rss``/``<feed``/``<rdf:RDF`` root: one
  Document per item (title; date from published/updated; source = the item's link, else
  ``file#n``). Items are streamed one at a time (see :mod:`powderkeg.read.feeds`).
- ``.jsonl``/``.ndjson``/``.json`` (and, for files without an extension or stdin, content whose
  first line is a JSON object): one object per line with ``text`` (required) and optional
  ``id``, ``title``, ``date``, ``url``; source = ``url``, else ``file#id``, else ``file#line-N``.
- ``.parquet`` (any file that opens with ``PAR1``): one row per document, columns ``text``
  (required), ``id``, ``date``, ``url``, ``title``, read a record batch at a time
  (:mod:`powderkeg.read.parquet`).
- anything else: plain text (``.txt`` files that open with HTML or feed markup are read as such).

Text of every format goes through page-furniture removal (:mod:`powderkeg.read.furniture`) before
``Document.from_text`` (NFC, whitespace collapsed, ``doc_id`` = sha16 of that text).

Date of a document, first found: the item's own date (JSONL ``date``, feed published/updated,
HTML ``<meta article:published_time>``-like fields or ``<time datetime>``), then a dateline or
date line among the first lines of the text, then the ``date`` argument, else None.

Memory stays bounded: files above ``max_bytes`` are quarantined from their size alone; text files
are decoded in 64 KiB blocks and cut into parts of about ``chunk_chars`` characters at paragraph
boundaries (then line, then space), each part its own Document with ``#part-N`` after its
source and title; JSON Lines and feeds are read one line / one item at a time. HTML pages are read
whole (they are at most ``max_bytes``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..errors import UsageError
from ..types import Document, Problem
from .dates import parse_iso_date, parse_partial_date
from .feeds import FeedSplitter, parse_item
from .furniture import clean_text
from .htmltext import declared_charset, extract_main_text, parse_html

DEFAULT_MAX_BYTES = 20_000_000
"""Files larger than this many bytes are quarantined unread (``--max-bytes`` raises it)."""
DEFAULT_CHUNK_CHARS = 1_000_000
"""Text longer than this many characters is split into several Documents (``#part-N``)."""

STDIN_NAME = "<stdin>"
_BLOCK = 1 << 16
_HEAD = 8192
_ERRORS = ("strict", "replace", "ignore", "backslashreplace")
_WIDE = ("utf-16", "utf-32")  # encodings whose text holds NUL bytes

_EXTENSIONS = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".rdf": "feed",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".txt": "text-markup", ".text": "text-markup",
}  # fmt: skip

_CONVERT = "convert it to text first"
_DECOMPRESS = "decompress it first"
_MAGIC: tuple[tuple[int, bytes, str, str], ...] = (  # (offset, signature, what it is, advice)
    (0, b"%PDF", "a PDF document", _CONVERT),
    (
        0,
        b"PK\x03\x04",
        "a ZIP archive (DOCX, XLSX, ODT and EPUB files are ZIP archives too)",
        _CONVERT,
    ),
    (0, b"PK\x05\x06", "an empty ZIP archive", _CONVERT),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image", _CONVERT),
    (0, b"\xff\xd8\xff", "a JPEG image", _CONVERT),
    (0, b"GIF87a", "a GIF image", _CONVERT),
    (0, b"GIF89a", "a GIF image", _CONVERT),
    (0, b"II*\x00", "a TIFF image", _CONVERT),
    (0, b"MM\x00*", "a TIFF image", _CONVERT),
    (0, b"\x00\x00\x01\x00", "an icon image", _CONVERT),
    (0, b"\x1f\x8b", "a gzip archive", _DECOMPRESS),
    (0, b"BZh", "a bzip2 archive", _DECOMPRESS),
    (0, b"\xfd7zXZ\x00", "an xz archive", _DECOMPRESS),
    (0, b"(\xb5/\xfd", "a zstd archive", _DECOMPRESS),
    (0, b"7z\xbc\xaf'\x1c", "a 7-Zip archive", _CONVERT),
    (0, b"Rar!\x1a\x07", "a RAR archive", _CONVERT),
    (
        0,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Microsoft Office document (DOC/XLS/PPT)",
        _CONVERT,
    ),
    (0, b"{\\rtf", "an RTF document", _CONVERT),
    (0, b"\x7fELF", "an executable program", _CONVERT),
    (0, b"SQLite format 3\x00", "an SQLite database", _CONVERT),
    (8, b"DUCK", "a DuckDB database", _CONVERT),
    (0, b"PAR1", "a Parquet file (event datasets go through `powderkeg import`)", _CONVERT),
    (0, b"ARROW1", "an Arrow file", _CONVERT),
    (0, b"OggS", "an Ogg audio/video file", _CONVERT),
    (0, b"ID3", "an MP3 audio file", _CONVERT),
    (0, b"fLaC", "a FLAC audio file", _CONVERT),
    (4, b"ftyp", "an MP4/QuickTime video or HEIC image", _CONVERT),
    (0, b"\x1aE\xdf\xa3", "a Matroska/WebM video", _CONVERT),
    (0, b"wOFF", "a web font", _CONVERT),
    (0, b"wOF2", "a web font", _CONVERT),
)
_RIFF = {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}


@dataclass(frozen=True)
class _Options:
    date: str | None
    max_bytes: int
    encoding: str | None
    errors: str
    chunk_chars: int
    date_precision: str = "day"  # of ``date``: day, month (--date YYYY-MM) or year (--date YYYY)


@dataclass
class _Meta:
    """What the container says about a text before furniture removal."""

    title: str | None = None
    date: str | None = None
    find_title: bool = True
    title_hint: str | None = None
    notes: list[str] = field(default_factory=list)
    empty_reason: str = "no text left after removing page furniture"
    where: tuple[str, int | None] | None = None  # (file, line) a Problem names, if not source


class _DecodeError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# entry point


def read_documents(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    date: str | dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
    errors: str = "strict",
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
) -> Iterator[Document | Problem]:
    """Documents and Problems from ``paths`` (files, directories, ``-`` for stdin), lazily.

    ``date``: fallback document date, ``YYYY-MM-DD``. ``max_bytes``: larger files are
    quarantined unread. ``encoding``: the files' encoding (default: UTF-8, or what a byte-order
    mark says; an HTML page's ``<meta charset>`` is honoured when UTF-8 fails). ``errors``: what
    to do with undecodable bytes (``strict`` quarantines the file; ``replace``/``ignore`` read
    on). ``chunk_chars``: text longer than this is split into ``#part-N`` Documents.

    The arguments are checked at once (:class:`~powderkeg.errors.UsageError`); the files are read
    only as the result is iterated.
    """
    opts = _check_options(date, max_bytes, encoding, errors, chunk_chars)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return _read_all(paths, opts)


def _check_options(
    date: str | dt.date | None, max_bytes: int, encoding: str | None, errors: str, chunk_chars: int
) -> _Options:
    iso = None
    precision = "day"
    if date is not None:
        if isinstance(date, str):
            iso, precision = parse_partial_date(date)
        else:
            iso = parse_iso_date(date)
        if iso is None:
            raise UsageError(
                f"--date {date!r}: not a valid date; use YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2021-12-15"
            )
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise UsageError(f"--max-bytes {max_bytes!r}: must be a whole number of bytes above 0")
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise UsageError(
                f"--encoding {encoding!r}: unknown encoding; try utf-8, latin-1 or cp1252"
            ) from None
    if errors not in _ERRORS:
        raise UsageError(f"errors {errors!r}: must be one of {', '.join(_ERRORS)}")
    if isinstance(chunk_chars, bool) or not isinstance(chunk_chars, int) or chunk_chars < 1000:
        raise UsageError(f"chunk_chars {chunk_chars!r}: must be a whole number, at least 1000")
    return _Options(iso, max_bytes, encoding, errors, chunk_chars, precision)


def _read_all(
    paths: Iterable[str | os.PathLike[str]], opts: _Options
) -> Iterator[Document | Problem]:
    for p in paths:
        name = os.fspath(p)
        if name == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            if stdin is None:
                yield Problem(STDIN_NAME, "standard input is not readable")
            else:
                yield from _read_spooled(stdin, STDIN_NAME, opts)
        else:
            yield from _read_path(Path(name), name, opts)


# ---------------------------------------------------------------------------------------------
# paths, directories, stdin


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "cannot read: permission denied"
    return f"cannot read: {exc.strerror or exc}"


# Pipes that have a writer by construction: bash's <(...) (/dev/fd/N, /proc/self/fd/N) and
# /dev/stdin. Any other FIFO (a named pipe made by mkfifo) may have no writer, and opening it
# would wait forever: it is skipped with a reason, like every other non-regular file.
_PIPE_PREFIXES = ("/dev/fd/", "/proc/self/fd/", "/dev/stdin")


def _read_path(
    path: Path, name: str, opts: _Options, in_dir: bool = False
) -> Iterator[Document | Problem]:
    try:
        st = path.stat()
    except FileNotFoundError:
        broken = path.is_symlink()
        yield Problem(name, "no such file (broken symbolic link)" if broken else "no such file")
        return
    except NotADirectoryError:
        yield Problem(name, "no such file")
        return
    except OSError as exc:
        yield Problem(name, _os_reason(exc))
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _read_dir(path, name, opts)
    elif stat.S_ISREG(st.st_mode):
        yield from _read_file(path, name, st.st_size, opts)
    elif (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)) and (
        in_dir or not name.startswith(_PIPE_PREFIXES)
    ):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a device"
        yield Problem(
            name,
            f"not a regular file ({kind}): skipped, reading it could wait forever; "
            "pipe its content to '-' (stdin) instead",
        )
    elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        # a pipe such as bash's <(...) or /dev/stdin: read it like stdin
        try:
            with open(path, "rb") as fh:
                yield from _read_spooled(fh, name, opts)
        except OSError as exc:
            yield Problem(name, _os_reason(exc))
    else:
        yield Problem(name, "not a regular file or directory: skipped")


def _walk(path: Path, name: str) -> Iterator[tuple[Path, str] | Problem]:
    """Files under a directory, sorted by name, hidden entries (".name") skipped."""
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Problem(name, _os_reason(exc))
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        child = os.path.join(name, e.name)
        try:
            is_dir = e.is_dir(follow_symlinks=False)
            if e.is_symlink() and Path(e.path).is_dir():
                yield Problem(child, "symbolic link to a directory: not followed")
                continue
        except OSError as exc:
            yield Problem(child, _os_reason(exc))
            continue
        if is_dir:
            yield from _walk(Path(e.path), child)
        else:
            yield Path(e.path), child


def _read_dir(path: Path, name: str, opts: _Options) -> Iterator[Document | Problem]:
    found = False
    for entry in _walk(path, name):
        found = True
        if isinstance(entry, Problem):
            yield entry
        else:
            yield from _read_path(entry[0], entry[1], opts, in_dir=True)
    if not found:
        yield Problem(name, "directory has no files to read (hidden files are skipped)")


def _too_big(size: int, opts: _Options) -> str:
    return f"file is {size} bytes, above the {opts.max_bytes}-byte limit; raise it with --max-bytes"


def _read_file(path: Path, name: str, size: int, opts: _Options) -> Iterator[Document | Problem]:
    if size == 0:
        yield Problem(name, "empty file")
        return
    if size > opts.max_bytes:
        yield Problem(name, _too_big(size, opts))
        return
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, also when the consumer stops early
    except OSError as exc:
        yield Problem(name, _os_reason(exc))
        return
    try:
        yield from _read_stream(fh, name, path.suffix.lower(), opts)
    except OSError as exc:
        yield Problem(name, _os_reason(exc))
    finally:
        fh.close()


def _read_spooled(stream: IO[bytes], name: str, opts: _Options) -> Iterator[Document | Problem]:
    """Stdin or a pipe: copied to a temporary file (at most max_bytes + 1 bytes), then read."""
    with tempfile.TemporaryFile() as tmp:
        size = 0
        while True:
            block = stream.read(min(_BLOCK, opts.max_bytes + 1 - size))
            if not block:
                break
            tmp.write(block)
            size += len(block)
            if size > opts.max_bytes:
                yield Problem(
                    name,
                    f"input is more than {opts.max_bytes} bytes, above the limit; "
                    "raise it with --max-bytes",
                )
                return
        if size == 0:
            yield Problem(name, "empty input")
            return
        tmp.seek(0)
        yield from _read_stream(tmp, name, "", opts)


# ---------------------------------------------------------------------------------------------
# sniffing


def _binary_reason(head: bytes, wide: bool) -> str | None:
    for offset, magic, what, advice in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return f"binary file (looks like {what}); {advice}"
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return f"binary file (looks like {_RIFF[head[8:12]]}); {_CONVERT}"
    if wide:
        return None
    if b"\x00" in head:
        return "binary file (contains NUL bytes, so not text); convert it to text first"
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    if head and control / len(head) > 0.1:
        return "binary file (mostly control characters, so not text); convert it to text first"
    return None


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


_HTML_START = re.compile(
    rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|article|div|p|h1)\b",
    re.IGNORECASE | re.DOTALL,
)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf)\b", re.IGNORECASE)


def _sniff(head: bytes, ext: str) -> str:
    """The format of a file: 'text', 'html', 'feed' or 'jsonl'."""
    kind = _EXTENSIONS.get(ext)
    if kind in ("html", "feed", "jsonl"):
        return kind
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    low = lead[:_HEAD].lower()
    if low.startswith(b"<?xml") or _FEED_ROOT.match(low):
        if _FEED_ROOT.search(low):
            return "feed"
        return "html" if b"<html" in low else "feed"
    if _HTML_START.match(low):
        return "html"
    if kind is None and lead.startswith(b"{"):
        first = lead.split(b"\n", 1)[0]
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except (ValueError, RecursionError):
            pass
    return "text"


# ---------------------------------------------------------------------------------------------
# decoding


def _decode_reason(encoding: str | None, offset: int) -> str:
    if encoding in (None, "utf-8", "utf-8-sig"):
        return f"invalid UTF-8 at byte {offset}; pass --encoding latin-1 (or cp1252) to read it"
    return (
        f"cannot decode as {encoding} at byte {offset}; pass another --encoding "
        "(latin-1 reads any byte)"
    )


def _decoded_blocks(fh: IO[bytes], encoding: str, errors: str) -> Iterator[str]:
    """The file decoded in blocks; raises _DecodeError naming the byte offset on bad input."""
    consumed = 0
    if encoding == "utf-8-sig":  # skip the byte-order mark here, so offsets stay file offsets
        encoding = "utf-8"
        if fh.read(3) == codecs.BOM_UTF8:
            consumed = 3
        else:
            fh.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    wide = encoding.startswith(_WIDE)
    while True:
        block = fh.read(_BLOCK)
        final = not block
        pending = len(decoder.getstate()[0])
        if not wide and b"\x00" in block:
            at = consumed + block.index(b"\x00")
            raise _DecodeError(f"binary file (NUL byte at byte {at}, so not text)")
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            raise _DecodeError(_decode_reason(encoding, consumed - pending + exc.start)) from None
        consumed += len(block)
        if text:
            yield text
        if final:
            return


def _decode_all(data: bytes, encoding: str, errors: str) -> str:
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise _DecodeError(_decode_reason(encoding, exc.start)) from None


# ---------------------------------------------------------------------------------------------
# parts and documents


_PARA_BREAK = re.compile(r"\n[ \t\r\f\v\xa0]*\n")


def _cut(buf: str, limit: int) -> int:
    """Where to cut ``buf`` (longer than ``limit``): paragraph, else line, else space boundary."""
    half = limit // 2
    window = buf[:limit]
    last = None
    for m in _PARA_BREAK.finditer(window, half):
        last = m.end()
    if last is not None:
        return last
    for sep in ("\n", " "):
        i = window.rfind(sep, half)
        if i >= 0:
            return i + 1
    return limit


def _parts(chunks: Iterable[str], limit: int) -> Iterator[str]:
    """Text in parts of at most ``limit`` characters, cut at paragraph boundaries if possible."""
    buf = ""
    for chunk in chunks:
        buf += chunk
        while len(buf) > limit:
            at = _cut(buf, limit)
            yield buf[:at]
            buf = buf[at:]
    if buf:
        yield buf


def _documents(
    raw_parts: Iterable[str], source: str, meta: _Meta, opts: _Options
) -> Iterator[Document | Problem]:
    """Furniture-free Documents from the parts of one text; ``#part-N`` when more than one."""
    it = iter(raw_parts)
    cur = next(it, None)
    first = True
    title, date = meta.title, meta.date
    precision = "day"
    pending: str | None = None
    n = 0

    def make(text: str, number: int, multi: bool) -> Document:
        src = f"{source}#part-{number}" if multi else source
        ttl = f"{title} #part-{number}" if multi and title else title
        doc = Document.from_text(text, src, title=ttl, date=date)
        doc.date_precision = precision
        doc.problems.extend(meta.notes)
        return doc

    while cur is not None:
        nxt = next(it, None)
        cleaned = clean_text(
            cur,
            first=first,
            last=nxt is None,
            find_title=first and meta.find_title,
            title_hint=meta.title_hint,
        )
        if first:
            title = " ".join((cleaned.title or title or "").split()) or None
            date = date or cleaned.date
            if date is None and opts.date is not None:
                date, precision = opts.date, opts.date_precision
            first = False
        if cleaned.text.strip():
            if pending is not None:
                n += 1
                yield make(pending, n, True)
            pending = cleaned.text
        cur = nxt
    if pending is None:
        file, line = meta.where or (source, None)
        yield Problem(file, meta.empty_reason, line)
    else:
        n += 1
        yield make(pending, n, n > 1)


# ---------------------------------------------------------------------------------------------
# formats


def _read_stream(
    fh: IO[bytes], name: str, ext: str, opts: _Options
) -> Iterator[Document | Problem]:
    head = fh.read(_HEAD)
    fh.seek(0)
    if not head:
        yield Problem(name, "empty file")
        return
    if head.startswith(b"PAR1"):
        yield from _read_parquet(fh, name, opts)
        return
    encoding = opts.encoding or _bom_encoding(head)
    reason = _binary_reason(head, wide=(encoding or "").startswith(_WIDE))
    if reason:
        yield Problem(name, reason)
        return
    kind = _sniff(head, ext)
    try:
        if kind == "html":
            yield from _read_html(fh, name, encoding, opts)
        elif kind == "feed":
            yield from _read_feed(fh, name, head, encoding, opts)
        elif kind == "jsonl":
            yield from _read_jsonl(fh, name, ext, head, encoding, opts)
        else:
            yield from _read_text(fh, name, encoding or "utf-8", opts)
    except OSError:
        raise
    except Exception as exc:  # a parser failing on odd input must not stop the batch
        yield Problem(name, f"could not be read as {kind}: {type(exc).__name__}: {exc}")


def _read_parquet(fh: IO[bytes], name: str, opts: _Options) -> Iterator[Document | Problem]:
    from .parquet import read_parquet

    def make(
        text: str, source: str, title: str | None, date: str | None, notes: list[str], row: int
    ) -> Iterator[Document | Problem]:
        meta = _Meta(title=title, date=date, find_title=False, notes=notes, where=(name, row))
        return _documents(_parts([text], opts.chunk_chars), source, meta, opts)

    yield from read_parquet(fh, name, make)


def _read_text(
    fh: IO[bytes], name: str, encoding: str, opts: _Options
) -> Iterator[Document | Problem]:
    # A first pass checks the whole file decodes, so a file yields all its parts or one Problem.
    has_text = False
    try:
        for block in _decoded_blocks(fh, encoding, opts.errors):
            has_text = has_text or not block.isspace()
    except _DecodeError as exc:
        yield Problem(name, exc.reason)
        return
    if not has_text:
        yield Problem(name, "empty file (only whitespace)")
        return
    fh.seek(0)
    chunks = _decoded_blocks(fh, encoding, opts.errors)
    yield from _documents(_parts(chunks, opts.chunk_chars), name, _Meta(), opts)


def _read_html(
    fh: IO[bytes], name: str, encoding: str | None, opts: _Options
) -> Iterator[Document | Problem]:
    data = fh.read()
    wide = (encoding or "").startswith(_WIDE)
    nul = -1 if wide else data.find(b"\x00")
    if nul >= 0:
        yield Problem(name, f"binary file (NUL byte at byte {nul}, so not text)")
        return
    try:
        html = _decode_html(data, encoding, opts.errors)
    except _DecodeError as exc:
        yield Problem(name, exc.reason)
        return
    del data
    if not html.strip():
        yield Problem(name, "empty file (only whitespace)")
        return
    page = parse_html(html)
    text = extract_main_text(html) or page.text
    del html
    meta = _Meta(
        title=page.title,
        date=page.date,
        title_hint=page.title,
        empty_reason="no article text found in the page",
    )
    yield from _documents(_parts([text], opts.chunk_chars), name, meta, opts)


def _decode_html(data: bytes, encoding: str | None, errors: str) -> str:
    """The page as text: the given encoding, else UTF-8, else the charset its <meta> declares."""
    if encoding is not None:
        return _decode_all(data, encoding, errors)
    try:
        return _decode_all(data, "utf-8", "strict")
    except _DecodeError:
        declared = declared_charset(data[:_HEAD])
        try:
            declared = codecs.lookup(declared).name if declared else None
        except LookupError:
            declared = None
        if declared and declared != "utf-8":
            return _decode_all(data, declared, errors)
        if errors != "strict":
            return data.decode("utf-8", errors)
        raise


def _read_feed(
    fh: IO[bytes], name: str, head: bytes, encoding: str | None, opts: _Options
) -> Iterator[Document | Problem]:
    if (encoding or "").startswith(_WIDE):
        yield Problem(name, f"{encoding} feeds are not read; convert the file to UTF-8")
        return
    splitter = FeedSplitter(fh)
    count = 0
    for raw in splitter.items():
        feed_head = splitter.head
        if feed_head is None or not feed_head.is_feed:
            root = feed_head.root if feed_head and feed_head.root else "none"
            yield Problem(name, f"not an RSS or Atom feed (root element <{root}>)")
            return
        count += 1
        item = parse_item(feed_head, raw, encoding)
        if isinstance(item, str):
            yield Problem(name, f"item {raw.number}: {item}", raw.line)
            continue
        meta = _Meta(
            title=item.title,
            date=item.date,
            find_title=False,
            notes=[item.note] if item.note else [],
            empty_reason=f"item {raw.number}: no text left after removing page furniture",
            where=(name, raw.line),
        )
        source = item.link or f"{name}#{raw.number}"
        yield from _documents(_parts([item.text], opts.chunk_chars), source, meta, opts)
    if count == 0:
        feed_head = splitter.head
        if feed_head is None or not feed_head.is_feed:
            root = feed_head.root if feed_head and feed_head.root else None
            what = f"root element <{root}>" if root else "no XML elements found"
            yield Problem(name, f"not an RSS or Atom feed ({what})")
        else:
            yield Problem(name, "feed has no items")


def _read_jsonl(
    fh: IO[bytes], name: str, ext: str, head: bytes, encoding: str | None, opts: _Options
) -> Iterator[Document | Problem]:
    if ext == ".json" and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        yield Problem(
            name,
            "a JSON array; documents are read as JSON Lines: one object per line with a "
            '"text" field (save it as .jsonl)',
        )
        return
    enc = encoding or "utf-8"
    if enc.startswith(_WIDE):
        yield Problem(name, f"{enc} JSON Lines are not read; convert the file to UTF-8")
        return
    offset = 0
    any_line = False
    for lineno, raw in enumerate(fh, start=1):
        start = offset
        offset += len(raw)
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
            start += len(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        any_line = True
        try:
            line = raw.decode(enc, opts.errors)
        except UnicodeDecodeError as exc:
            yield Problem(name, _decode_reason(encoding, start + exc.start), lineno)
            continue
        item = _jsonl_item(line)
        if isinstance(item, str):
            yield Problem(name, item, lineno)
            continue
        text, title, date, url, ident, notes = item
        if url:
            source = url
        elif ident is not None:
            source = f"{name}#{ident}"
        else:
            source = f"{name}#line-{lineno}"
        meta = _Meta(
            title=title,
            date=date,
            find_title=False,
            notes=notes,
            empty_reason="no text left after removing page furniture",
            where=(name, lineno),
        )
        yield from _documents(_parts([text], opts.chunk_chars), source, meta, opts)
    if not any_line:
        yield Problem(name, "empty file (only whitespace)")


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "true/false",
               int: "a number", float: "a number", type(None): "null"}  # fmt: skip


def _jsonl_item(
    line: str,
) -> tuple[str, str | None, str | None, str | None, str | None, list[str]] | str:
    """(text, title, date, url, id, notes) of one JSON Lines record, or why it is unusable."""
    try:
        obj = json.loads(line)
    except RecursionError:
        return "not JSON (nested too deeply)"
    except ValueError as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        col = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        return f"not JSON ({msg}{col})"
    if not isinstance(obj, dict):
        return f'expected a JSON object with a "text" field, got {_JSON_TYPES.get(type(obj), "a value")}'
    if "text" not in obj:
        return 'missing "text" (each line needs a "text" field)'
    text = obj["text"]
    if not isinstance(text, str):
        return f'"text" must be a string, got {_JSON_TYPES.get(type(text), "a value")}'
    if not text.strip():
        return '"text" is empty'
    notes: list[str] = []
    date = None
    raw_date = obj.get("date")
    if raw_date not in (None, ""):
        date = parse_iso_date(raw_date)
        if date is None:
            notes.append(f"date {raw_date!r} is not YYYY-MM-DD; ignored")
    return (
        text,
        _opt_str(obj.get("title")),
        date,
        _opt_str(obj.get("url")),
        _opt_str(obj.get("id")),
        notes,
    )


def _opt_str(value: object) -> str | None:
    """An optional JSON field as one line of text, or None when absent or empty."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None
