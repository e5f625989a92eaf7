"""Actor names in event datasets -> contract actor codes.

Order of rules for a name:
1. ``"X (Country)"`` (ICEWS: "Police (Ukraine)", "Citizen (Serbia)"): the country in brackets;
   kind ``group`` (an agent or group of that state). A bracketed name that is not a country
   (``"Militant (Taliban)"``) goes to the actor registry.
2. A country name ("Russia", "Russian Federation"): that state, kind ``state``.
3. ``"Government of X"``, ``"Military Forces of X"``, ``"Police Forces of X"`` (UCDP, ACLED),
   with a trailing year range such as ``(2000-)`` ignored: the state X.
4. The actor registry, ``powderkeg.actors.load_registry().resolve(name)`` (persons, IGOs,
   sub-state entities), when it is installed and loads.
Otherwise None: the event keeps the name in its ``actors`` JSON with no code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from powderkeg.read.datasets._common import actor_json, load_countries, register_names

_PAREN = re.compile(r"^(?P<head>.*?)\s*\((?P<inner>[^()]+)\)\s*$")
_YEARS = re.compile(r"\s*\(\s*\d{4}\s*-\s*(\d{4})?\s*\)\s*$")
_OF = re.compile(
    r"^(?:the\s+)?(?:government|military forces|police forces|armed forces|forces|"
    r"navy|air force|army|ministry of defen[cs]e|president)\s+of\s+(?:the\s+)?(?P<x>.+)$",
    re.IGNORECASE,
)
_STATE_SECTORS = ("government", "military", "police", "army", "ministry", "executive")


@lru_cache(maxsize=1)
def _registry() -> Any:
    """The actor registry, or None when it is not available (the importers then use countries)."""
    try:
        from powderkeg.actors import load_registry  # type: ignore[attr-defined]

        return load_registry()
    except Exception:  # noqa: BLE001 - any failure to load means: no registry, use countries
        return None


def resolve_actor(name: str | None, date: Any = None) -> tuple[str, str, str] | None:
    """``(code, kind, name)`` for a dataset actor name, or None (see the module docstring)."""
    if name is None:
        return None
    text = " ".join(str(name).replace("\xa0", " ").split())
    if not text or text.upper() == "NA":
        return None
    countries = load_countries()
    base = _YEARS.sub("", text)
    m = _PAREN.match(base)
    if m:
        code = countries.code(m["inner"])
        if code:
            head = m["head"].lower()
            kind = "state" if any(s in head for s in _STATE_SECTORS) else "group"
            return code, kind, text
    code = countries.code(base)
    if code:
        return code, "state", countries.names.get(code, base)
    m2 = _OF.match(base)
    if m2:
        inner = _PAREN.sub(lambda mm: mm["head"], m2["x"]) if _PAREN.match(m2["x"]) else m2["x"]
        code = countries.code(inner) or countries.code(m2["x"])
        if code:
            return code, "state", text
    reg = _registry()
    if reg is not None:
        for cand in (text, base, m["inner"] if m else None):
            if not cand:
                continue
            try:
                actor = reg.resolve(cand, date)
            except Exception:  # noqa: BLE001 - a registry failure on one name is not fatal
                actor = None
            if actor is not None:
                return actor.code, actor.kind, actor.name
    return None


ACTOR_NAMES_SCHEMA = pa.schema(
    [("name", pa.string()), ("code", pa.string()), ("kind", pa.string()), ("canon", pa.string())]
)


def register_actor_names(con: duckdb.DuckDBPyConnection, table: str, names: Iterable[str]) -> None:
    """Temp ``table(name, code, kind, canon)``: each distinct dataset actor name resolved once
    (``resolve_actor``; code, kind and canonical name NULL when it does not resolve)."""
    rows = []
    for n in names:
        r = resolve_actor(n)
        rows.append(
            {
                "name": n,
                "code": r[0] if r else None,
                "kind": r[1] if r else None,
                "canon": r[2] if r else None,
            }
        )
    register_names(con, table, rows, ACTOR_NAMES_SCHEMA)


def named_actor_json(side: str, code: str) -> str:
    """SQL: the actor JSON for the name in column ``side`` joined with ``register_actor_names``
    columns ``<side>_kind``, ``<side>_canon`` and the code expression ``code`` (``[]`` when the
    name is NULL; an unresolved name is kept with its text, kind ``group``)."""
    return actor_json(
        code,
        text=side,
        name=f"coalesce({side}_canon, {side})",
        kind=f"coalesce({side}_kind, 'group')",
        when=f"{side} IS NULL",
    )
