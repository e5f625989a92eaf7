"""Quantities with units: "120,000 Russian troops", "$1.5 billion", "40 percent".

The units, their surface forms, multipliers and number words live in ``data/units.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from ..types import Quantity

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


@dataclass(frozen=True)
class QuantityMention:
    start: int
    end: int
    quantity: Quantity


class QuantityFinder:
    """Finds quantities in a sentence. Build with :func:`load_quantity_finder`."""

    def __init__(self, spec: dict) -> None:
        self.multipliers: dict[str, float] = {
            k.lower(): float(v) for k, v in spec["multipliers"].items()
        }
        self.number_words: dict[str, float] = {
            k.lower(): float(v) for k, v in spec["number_words"].items()
        }
        self.noun_unit: dict[str, str] = {}
        for unit, words in spec["nouns"].items():
            for w in words:
                self.noun_unit[str(w).lower()] = unit
        self.symbol_unit: dict[str, str] = {}
        self.word_currency: dict[str, str] = {}
        for unit, forms in spec["currencies"].items():
            for s in forms["symbols"]:
                self.symbol_unit[s] = unit
            for w in forms["words"]:
                self.word_currency[w.lower()] = unit
        mult = "|".join(sorted((re.escape(m) for m in self.multipliers), key=len, reverse=True))
        numw = "|".join(sorted((re.escape(w) for w in self.number_words), key=len, reverse=True))
        sym = "|".join(sorted((re.escape(s) for s in self.symbol_unit), key=len, reverse=True))
        nouns = sorted(set(self.noun_unit) | set(self.word_currency), key=len, reverse=True)
        noun = "|".join(re.escape(n) for n in nouns)
        number = rf"(?P<num>{_NUM}|(?i:{numw}))"
        multiplier = rf"(?:\s?(?P<mult>(?i:{mult}))\b)?"
        # Currency first: "$1.5 billion", "€300m", "US$ 2 million".
        self._money = re.compile(rf"(?P<sym>{sym})\s?(?P<num>{_NUM}){multiplier}")
        # Number, optional multiplier, up to three modifier words, then a unit noun.
        # A number joined to letters by a hyphen is a model designation, not a count:
        # "T-72 tanks", "MiG-29s", "S-400 missiles", "Su-35 jets".
        self._count = re.compile(
            rf"(?<![\w.,])(?<![^\W\d_]-){number}{multiplier}"
            rf"(?P<mods>(?:[\s-]+(?!(?:{noun})\b)[A-Za-z][\w'-]*){{0,3}})"
            rf"[\s-]*(?P<noun>(?i:{noun}))(?!\w)"
        )
        self._percent = re.compile(rf"(?<![\w.,])(?P<num>{_NUM})\s?%")

    def _value(self, num: str, mult: str | None) -> float:
        key = num.lower()
        value = self.number_words[key] if key in self.number_words else float(num.replace(",", ""))
        if mult:
            value *= self.multipliers.get(mult.lower(), 1.0)
        return value

    def find(self, text: str) -> list[QuantityMention]:
        out: list[QuantityMention] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        for m in self._money.finditer(text):
            unit = self.symbol_unit[m.group("sym")]
            q = Quantity(m.group(0).strip(), self._value(m.group("num"), m.group("mult")), unit)
            out.append(QuantityMention(m.start(), m.end(), q))
            taken.append((m.start(), m.end()))
        for m in self._percent.finditer(text):
            if free(m.start(), m.end()):
                q = Quantity(m.group(0), float(m.group("num").replace(",", "")), "percent")
                out.append(QuantityMention(m.start(), m.end(), q))
                taken.append((m.start(), m.end()))
        for m in self._count.finditer(text):
            if not free(m.start(), m.end()):
                continue
            num = m.group("num")
            if re.fullmatch(r"(19|20)\d\d", num) and not m.group("mult"):
                continue  # a year, not a count
            noun = m.group("noun").lower()
            unit = self.noun_unit.get(noun) or self.word_currency.get(noun)
            if unit is None:
                continue
            q = Quantity(m.group(0).strip(), self._value(num, m.group("mult")), unit)
            out.append(QuantityMention(m.start(), m.end(), q))
            taken.append((m.start(), m.end()))
        out.sort(key=lambda x: x.start)
        return out


@lru_cache(maxsize=1)
def load_quantity_finder() -> QuantityFinder:
    path = resources.files("powderkeg.coder").joinpath("data/units.yaml")
    return QuantityFinder(yaml.safe_load(path.read_text(encoding="utf-8")))


def units() -> list[str]:
    """The documented list of units the coder can emit."""
    f = load_quantity_finder()
    return sorted(set(f.noun_unit.values()) | set(f.symbol_unit.values()) | {"percent"})
