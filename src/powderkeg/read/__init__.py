"""read stage: documents (text, HTML, feeds, JSON Lines) into Documents.

``read_documents`` is the entry point for news input; see :mod:`powderkeg.read.documents`.
Dataset importers live in :mod:`powderkeg.read.datasets` (imported on their own, not here).
"""

from .documents import DEFAULT_CHUNK_CHARS, DEFAULT_MAX_BYTES, STDIN_NAME, read_documents
from .furniture import clean_text

__all__ = [
    "DEFAULT_CHUNK_CHARS",
    "DEFAULT_MAX_BYTES",
    "STDIN_NAME",
    "clean_text",
    "read_documents",
]
