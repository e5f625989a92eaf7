"""The indicators-and-warnings catalogue (``data/indicators.yaml``) and its rule evaluator.

An indicator is a sign an analyst reads in coded events (troop massing, energy coercion, ...).
Its ``rules`` are alternatives: an event hits the indicator when any rule matches, and a rule
matches when all of its fields match. The field list is documented at the top of the YAML file
and in README.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powderkeg._yaml import parse_yaml
from powderkeg.errors import InputError
from powderkeg.types import FACTUALITIES, QUADS, Event
from powderkeg.watch.frame import (
    PLOVER_TYPES,
    any_covered,
    column,
    dict_list,
    events_frame,
    float_values,
    memo_map,
    str_list,
    str_values,
)

_LIST_FIELDS = (
    "types", "modes", "exclude_modes", "contexts", "quads", "actor_codes", "target_codes",
    "any_codes", "actor_sectors", "target_sectors", "quantity_units", "factuality",
)  # fmt: skip
_RULE_FIELDS = {*_LIST_FIELDS, "keywords", "exclude_keywords", "min_fatalities"}
_INDICATOR_FIELDS = {"id", "name", "description", "rules", "factuality"}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_FACTUALITY = frozenset({"asserted"})


@dataclass(frozen=True)
class Rule:
    """One conjunction of conditions over an event (``None`` = no condition)."""

    types: frozenset[str] | None = None
    modes: frozenset[str] | None = None
    exclude_modes: frozenset[str] | None = None
    contexts: frozenset[str] | None = None
    quads: frozenset[str] | None = None
    actor_codes: frozenset[str] | None = None
    target_codes: frozenset[str] | None = None
    any_codes: frozenset[str] | None = None
    actor_sectors: frozenset[str] | None = None
    target_sectors: frozenset[str] | None = None
    quantity_units: frozenset[str] | None = None
    factuality: frozenset[str] | None = None
    keywords: re.Pattern[str] | None = None
    exclude_keywords: re.Pattern[str] | None = None
    min_fatalities: float | None = None

    def mask(self, view: _View, default_factuality: frozenset[str]) -> np.ndarray:
        n = view.n
        m = np.ones(n, dtype=bool)
        allowed = self.factuality if self.factuality is not None else default_factuality
        m &= np.fromiter((f in allowed for f in view.factuality), bool, n)
        if self.types is not None:
            m &= np.fromiter((t in self.types for t in view.type), bool, n)
        if self.modes is not None:
            m &= np.fromiter((x in self.modes for x in view.mode), bool, n)
        if self.exclude_modes is not None:
            m &= np.fromiter((x not in self.exclude_modes for x in view.mode), bool, n)
        if self.quads is not None:
            m &= np.fromiter((q in self.quads for q in view.quad), bool, n)
        if self.contexts is not None:
            m &= np.fromiter((bool(self.contexts & c) for c in view.context), bool, n)
        if self.actor_codes is not None:
            m &= _codes_mask(self.actor_codes, view.actor_codes, m)
        if self.target_codes is not None:
            m &= _codes_mask(self.target_codes, view.target_codes, m)
        if self.any_codes is not None:
            both = [a + t for a, t in zip(view.actor_codes, view.target_codes, strict=True)]
            m &= _codes_mask(self.any_codes, both, m)
        if self.actor_sectors is not None:
            m &= np.fromiter((bool(self.actor_sectors & s) for s in view.actor_sectors), bool, n)
        if self.target_sectors is not None:
            m &= np.fromiter((bool(self.target_sectors & s) for s in view.target_sectors), bool, n)
        if self.min_fatalities is not None:
            with np.errstate(invalid="ignore"):
                m &= np.nan_to_num(view.fatalities, nan=0.0) >= self.min_fatalities
        if self.keywords is not None:
            m &= view.search(self.keywords, m)
        if self.exclude_keywords is not None:
            m &= ~view.search(self.exclude_keywords, m)
        if self.quantity_units is not None:
            m &= view.has_units(self.quantity_units, m)
        return m


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    description: str
    rules: tuple[Rule, ...]
    factuality: frozenset[str] = DEFAULT_FACTUALITY
    sentence_units: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def matches(self, df: pd.DataFrame) -> pd.Series:
        """Boolean Series over ``df``: which events hit this indicator."""
        view = _View(df, dict(self.sentence_units))
        return pd.Series(self._mask(view), index=df.index, name=self.id)

    def _mask(self, view: _View) -> np.ndarray:
        out = np.zeros(view.n, dtype=bool)
        for rule in self.rules:
            out |= rule.mask(view, self.factuality)
        return out


def match_indicators(df: pd.DataFrame, indicators: Sequence[Indicator]) -> pd.DataFrame:
    """A boolean frame: one column per indicator id, one row per event of ``df``."""
    units: dict[str, re.Pattern[str]] = {}
    for ind in indicators:
        units.update(dict(ind.sentence_units))
    view = _View(df, units)
    data = {ind.id: ind._mask(view) for ind in indicators}
    return pd.DataFrame(data, index=df.index, columns=[i.id for i in indicators], dtype=bool)


def indicators_hit(
    event: Mapping[str, Any] | Event, indicators: Sequence[Indicator] | None = None
) -> list[str]:
    """The ids of the indicators one contract Event (JSON object or Event) hits."""
    inds = list(indicators) if indicators is not None else load_indicators()
    hits = match_indicators(events_frame([event]), inds)
    return [c for c in hits.columns if bool(hits[c].iloc[0])]


class _View:
    """The columns rules read, each parsed on first use and then kept for the frame."""

    def __init__(self, df: pd.DataFrame, sentence_units: Mapping[str, re.Pattern[str]]) -> None:
        self.n = len(df)
        self.df = df
        self.sentence_units = sentence_units

    @cached_property
    def type(self) -> list[str | None]:
        return str_values(self.df, "type")

    @cached_property
    def mode(self) -> list[str | None]:
        return str_values(self.df, "mode")

    @cached_property
    def quad(self) -> list[str | None]:
        return str_values(self.df, "quad")

    @cached_property
    def factuality(self) -> list[str]:
        return [f or "asserted" for f in str_values(self.df, "factuality")]

    @cached_property
    def context(self) -> list[frozenset[str]]:
        return memo_map(column(self.df, "context").tolist(), lambda v: frozenset(str_list(v)))

    @cached_property
    def actor_codes(self) -> list[tuple[str, ...]]:
        return memo_map(column(self.df, "actor_codes").tolist(), str_list)

    @cached_property
    def target_codes(self) -> list[tuple[str, ...]]:
        return memo_map(column(self.df, "target_codes").tolist(), str_list)

    @cached_property
    def actor_sectors(self) -> list[frozenset[str]]:
        return memo_map(column(self.df, "actors").tolist(), _sectors)

    @cached_property
    def target_sectors(self) -> list[frozenset[str]]:
        return memo_map(column(self.df, "targets").tolist(), _sectors)

    @cached_property
    def fatalities(self) -> np.ndarray:
        return float_values(self.df, "fatalities")

    @cached_property
    def sentence(self) -> list[str]:
        return [s or "" for s in str_values(self.df, "sentence")]

    @cached_property
    def units(self) -> list[frozenset[str]]:
        return memo_map(
            self.df["quantities"].tolist(),
            lambda v: frozenset(str(q.get("unit")) for q in dict_list(v)),
        )

    def search(self, pattern: re.Pattern[str], candidates: np.ndarray) -> np.ndarray:
        """Whether ``pattern`` occurs in the sentence, checked only where ``candidates``."""
        out = np.zeros(self.n, dtype=bool)
        sentences = self.sentence
        seen: dict[str, bool] = {}
        for i in np.flatnonzero(candidates):
            s = sentences[i]
            hit = seen.get(s)
            if hit is None:
                hit = seen[s] = bool(pattern.search(s))
            out[i] = hit
        return out

    def has_units(self, units: frozenset[str], candidates: np.ndarray) -> np.ndarray:
        """Whether the event has a quantity in one of ``units``: its stored quantities where the
        row has them (a JSON list, possibly empty), else units found in its sentence (rows
        stored before the column existed, and dataset rows, have null)."""
        out = np.zeros(self.n, dtype=bool)
        stored = self.df["quantities"].tolist() if "quantities" in self.df.columns else None
        have = self.units if stored is not None else None
        pats = [self.sentence_units[u] for u in sorted(units) if u in self.sentence_units]
        sentences = self.sentence
        for i in np.flatnonzero(candidates):
            if have is not None and not _missing(stored[i]):
                out[i] = bool(units & have[i])
            else:
                out[i] = any(p.search(sentences[i]) for p in pats)
        return out


def _missing(value: Any) -> bool:
    """A null cell: None, NaN or pandas NA (an empty list is a value: no quantities)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _codes_mask(
    wanted: frozenset[str], codes: list[tuple[str, ...]], cand: np.ndarray
) -> np.ndarray:
    out = np.zeros(len(codes), dtype=bool)
    for i in np.flatnonzero(cand):
        out[i] = any_covered(wanted, codes[i])
    return out


def _sectors(value: Any) -> frozenset[str]:
    return frozenset(str(a["sector"]) for a in dict_list(value) if a.get("sector"))


# ---------------------------------------------------------------- loading


def _str_set(value: Any, source: str, field: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(source, f"'{field}' must be a non-empty list of strings")
    return frozenset(value)


def _regex(value: Any, source: str, field: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise InputError(source, f"'{field}' must be a regular expression string")
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise InputError(source, f"'{field}' is not a valid regular expression ({exc})") from None


def parse_rule(data: Any, source: str) -> Rule:
    if not isinstance(data, dict) or not data:
        raise InputError(source, "a rule must be a non-empty mapping")
    unknown = set(data) - _RULE_FIELDS
    if unknown:
        raise InputError(source, "unknown rule field(s): " + ", ".join(sorted(unknown)))
    kw: dict[str, Any] = {}
    for f in _LIST_FIELDS:
        if f in data:
            kw[f] = _str_set(data[f], source, f)
    for f, allowed in (
        ("types", PLOVER_TYPES),
        ("quads", QUADS),
        ("factuality", FACTUALITIES),
    ):
        if f in kw and not kw[f] <= set(allowed):
            bad = sorted(kw[f] - set(allowed))
            raise InputError(source, f"'{f}' has unknown value(s): {', '.join(bad)}")
    for f in ("keywords", "exclude_keywords"):
        if f in data:
            kw[f] = _regex(data[f], source, f)
    if "min_fatalities" in data:
        v = data["min_fatalities"]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise InputError(source, "'min_fatalities' must be a non-negative number")
        kw["min_fatalities"] = float(v)
    return Rule(**kw)


def parse_catalogue(data: Any, source: str) -> list[Indicator]:
    """Indicators from a parsed catalogue mapping; InputError names ``source`` and the problem."""
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise InputError(source, "an indicator catalogue needs an 'indicators' list")
    units_raw = data.get("sentence_units") or {}
    if not isinstance(units_raw, dict):
        raise InputError(source, "'sentence_units' must map unit names to patterns")
    units = tuple(
        (str(u), _regex(p, source, f"sentence_units.{u}")) for u, p in sorted(units_raw.items())
    )
    out: list[Indicator] = []
    seen: set[str] = set()
    for k, item in enumerate(data["indicators"]):
        where = f"{source} indicator #{k + 1}"
        if not isinstance(item, dict):
            raise InputError(where, "an indicator must be a mapping")
        unknown = set(item) - _INDICATOR_FIELDS
        if unknown:
            raise InputError(where, "unknown field(s): " + ", ".join(sorted(unknown)))
        iid = item.get("id")
        if not isinstance(iid, str) or not _ID_RE.match(iid):
            raise InputError(where, "'id' must be lower-case letters, digits and underscores")
        where = f"{source} indicator {iid}"
        if iid in seen:
            raise InputError(where, "indicator id defined twice")
        seen.add(iid)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError(where, "'name' is required")
        rules_raw = item.get("rules")
        if not isinstance(rules_raw, list) or not rules_raw:
            raise InputError(where, "'rules' must be a non-empty list")
        rules = tuple(parse_rule(r, where) for r in rules_raw)
        fact = DEFAULT_FACTUALITY
        if "factuality" in item:
            fact = _str_set(item["factuality"], where, "factuality")
            if not fact <= set(FACTUALITIES):
                raise InputError(where, f"'factuality' must be among {', '.join(FACTUALITIES)}")
        for r in rules:
            for u in r.quantity_units or ():
                if u not in dict(units):
                    raise InputError(where, f"quantity unit {u!r} has no sentence_units pattern")
        out.append(
            Indicator(
                id=iid,
                name=name.strip(),
                description=str(item.get("description") or "").strip(),
                rules=rules,
                factuality=fact,
                sentence_units=units,
            )
        )
    return out


def _parse_text(text: str, source: str) -> list[Indicator]:
    return parse_catalogue(parse_yaml(text, source), source)


@lru_cache(maxsize=1)
def _package_catalogue() -> tuple[Indicator, ...]:
    res = resources.files("powderkeg.watch").joinpath("data/indicators.yaml")
    return tuple(_parse_text(res.read_text(encoding="utf-8"), "powderkeg:indicators.yaml"))


def load_indicators(path: Path | str | None = None) -> list[Indicator]:
    """The bundled catalogue, or the one in ``path`` (same YAML schema)."""
    if path is None:
        return list(_package_catalogue())
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            str(p), f"cannot read indicator catalogue ({exc.strerror or exc})"
        ) from None
    return _parse_text(text, str(p))


def select_indicators(indicators: Iterable[Indicator], ids: Iterable[str]) -> list[Indicator]:
    """The indicators with the given ids, in that order; InputError for an unknown id."""
    by_id = {i.id: i for i in indicators}
    out = []
    for i in ids:
        if i not in by_id:
            raise InputError(i, "no such indicator (known: " + ", ".join(sorted(by_id)) + ")")
        out.append(by_id[i])
    return out
