"""Coding stage: sentences in, PLOVER events out. Public entry: :func:`code_documents`."""

from __future__ import annotations

from .pipeline import Coder, code_documents, load_nlp

__all__ = ["Coder", "code_documents", "load_nlp"]
