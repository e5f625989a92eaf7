"""Sample articles bundled for ``powderkeg demo`` (see README.md: illustrative, not real news)."""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any


def articles_path() -> Traversable:
    """The bundled ``articles.jsonl`` (JSONL documents: id, title, date, url, text, note)."""
    return resources.files("powderkeg.demo_data").joinpath("articles.jsonl")


def load_articles() -> list[dict[str, Any]]:
    """The bundled articles, one dict per line, in file order."""
    text = articles_path().read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
