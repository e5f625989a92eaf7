"""Reading and checking the actor data files (YAML and TSV) into plain definitions.

File schema (YAML; every key optional)::

    actors:                      # states, IGOs, sub-state entities, groups, regions
      - code: RUS                # ISO alpha-3, IGO acronym, PARENT-NAME, or UNK
        kind: state              # state | igo | substate | group | region (region: never an actor)
        name: Russia             # canonical English name (required the first time a code appears)
        names: [Russian Federation]     # proper names and aliases
        adjectives: [Russian]           # demonym adjectives
        people: [Russians]              # plural demonyms
        capitals: [Moscow]              # capitals used as metonyms (also place names)
        place: false             # are these names also place names? (see ``find``)
        sector: null             # sector every mention of this entry carries (groups: REB...)
        located: false           # group whose code is the state where it is (context, "in X")
        parent: UKR              # sub-state entities and regions
        institutions:
          - {names: [Kremlin, the Kremlin], sector: GOV}
    persons:
      - name: Aleksandar Vučić   # canonical spelling
        code: SRB                # home code, used when not in office
        aliases: [Aleksander Vucic]
        short: [Vučić]           # surname forms; default: last word of ``name``; [] for none
        offices:                 # [code, sector, title, start, end-or-null], ISO dates
          - [SRB, GOV, President, 2017-05-31, null]
    agents:                      # generic agent words
      - {terms: [troops, soldiers], sector: MIL}
      - {terms: [president], sector: GOV, title: true}     # may precede a person's name
      - {terms: [ambassador], sector: GOV, title: true, to: true}   # "ambassador to Serbia"
      - {terms: [separatists], sector: REB, group: true}   # an actor even without a state
      - {terms: [administration], sector: GOV, collective: true}   # "the Biden administration"
    modifiers:
      - {terms: [former, ex-], sector: ELI}
    stop: [Latin America, Minsk agreements]   # phrases that are never actors

A name written with a leading ``=`` is matched with exact case in every token. TSV files hold
agents: ``term<TAB>sector[<TAB>code]`` with a header row or ``#`` comments.
Later files extend earlier ones: names add up, scalar fields of the same code are replaced, and
a name defined again points to the later definition.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powderkeg._yaml import parse_yaml
from powderkeg.errors import InputError

KINDS = ("state", "igo", "substate", "group", "region")
UNKNOWN = "UNK"

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")
_SECTOR_RE = re.compile(r"^[A-Z]{3}$")
_DATE_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_ACTOR_KEYS = {
    "code", "kind", "name", "names", "adjectives", "people", "capitals", "place", "sector",
    "located", "parent", "institutions", "note",
}  # fmt: skip
_PERSON_KEYS = {"name", "code", "aliases", "short", "offices", "note"}
_AGENT_KEYS = {"terms", "sector", "title", "to", "group", "collective", "note"}
_TOP_KEYS = {"actors", "persons", "agents", "modifiers", "stop", "source"}


@dataclass(frozen=True, slots=True)
class ActorDef:
    """What one surface name of a state, IGO, sub-state entity, group or region stands for."""

    code: str
    kind: str
    name: str
    sector: str | None = None
    place: bool = False
    located: bool = False
    via: str = "name"


@dataclass(frozen=True, slots=True)
class Office:
    code: str
    sector: str | None
    title: str
    start: str
    end: str | None

    def holds(self, day: str) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    code: str
    offices: tuple[Office, ...] = ()

    def at(self, day: str | None) -> tuple[Office | None, str]:
        """The office held on ``day`` and a status: ``in_office``, ``former`` or ``before``.

        ``day`` None means today: an office with no end date is held, else the person is former.
        """
        if not self.offices:
            return None, "before"
        if day is None:
            ongoing = [o for o in self.offices if o.end is None]
            if ongoing:
                return max(ongoing, key=lambda o: o.start), "in_office"
            return max(self.offices, key=lambda o: o.end or ""), "former"
        held = [o for o in self.offices if o.holds(day)]
        if held:
            return max(held, key=lambda o: o.start), "in_office"
        past = [o for o in self.offices if o.end is not None and o.end <= day]
        if past:
            return max(past, key=lambda o: o.end or ""), "former"
        return min(self.offices, key=lambda o: o.start), "before"


@dataclass(frozen=True, slots=True)
class AgentDef:
    term: str
    sector: str | None
    title: bool = False
    to: bool = False
    group: bool = False
    collective: bool = False


@dataclass(frozen=True, slots=True)
class ModDef:
    term: str
    sector: str | None = None


@dataclass
class Catalog:
    """Every definition read so far, keyed so that later files override earlier ones."""

    canon: dict[str, ActorDef] = field(default_factory=dict)  # code -> canonical definition
    actor_names: dict[str, tuple[str, ActorDef]] = field(default_factory=dict)
    person_names: dict[str, tuple[str, list[Person]]] = field(default_factory=dict)
    persons: list[Person] = field(default_factory=list)
    agent_names: dict[str, tuple[str, AgentDef]] = field(default_factory=dict)
    mod_names: dict[str, tuple[str, ModDef]] = field(default_factory=dict)
    stop_names: dict[str, str] = field(default_factory=dict)
    groups: dict[tuple[str, str], ActorDef] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    from powderkeg.actors._text import fold, split_name

    return " ".join(fold(t) for t in split_name(name.lstrip("=")))


def _str_list(value: Any, where: str, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: '{what}' must be a list of non-empty strings")
    return [" ".join(v.split()) for v in value]


def _sector(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SECTOR_RE.match(value):
        raise ValueError(f"{where}: sector {value!r} is not a three-letter code such as GOV or MIL")
    return value


def _date(value: Any, where: str, *, end: bool) -> str | None:
    if value is None:
        if end:
            return None
        raise ValueError(f"{where}: an office needs a start date")
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if not _DATE_RE.match(text):
        raise ValueError(f"{where}: {text!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if len(text) == 4:
        text += "-12-31" if end else "-01-01"
    elif len(text) == 7:
        text += "-28" if end else "-01"
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a calendar date") from None
    return text


def _check_entry(entry: Any, where: str, what: str, keys: set[str]) -> dict[str, Any]:
    """The entry as a mapping with only known keys, or a ValueError naming where it is."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: {what} entry must be a mapping")
    unknown = set(entry) - keys
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    return entry


def _add_actor(cat: Catalog, entry: Any, where: str) -> None:
    entry = _check_entry(entry, where, "an actor", _ACTOR_KEYS)
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise ValueError(f"{where}: code {code!r} must be upper case, e.g. RUS, NATO, BIH-RS")
    kind = entry.get("kind") or (cat.canon[code].kind if code in cat.canon else "state")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    where = f"{where} ({code})"
    sector = _sector(entry.get("sector"), where)
    place = bool(entry.get("place", kind == "region"))
    located = bool(entry.get("located", False))
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"{where}: name must be a non-empty string")
    parent = entry.get("parent")
    if parent is not None and (not isinstance(parent, str) or not _CODE_RE.match(parent)):
        raise ValueError(f"{where}: parent {parent!r} must be a code")

    if kind in ("group", "region"):
        if not name:
            raise ValueError(f"{where}: a {kind} needs a name saying who or where it is")
        base = ActorDef(code, kind, name.strip(), sector, place, located, kind)
        prev = cat.groups.get((code, base.name))
        if prev is not None and entry.get("sector") is None:
            base = ActorDef(code, kind, base.name, prev.sector, place, located, kind)
        cat.groups[(code, base.name)] = base
        if code not in cat.canon and code == UNKNOWN:
            cat.canon[code] = ActorDef(code, "group", "unknown location", None, False, False)
    else:
        prev = cat.canon.get(code)
        if prev is None:
            if not name:
                raise ValueError(f"{where}: the first entry for a code needs a name")
            base = ActorDef(code, kind, name.strip(), sector, place, located)
        else:
            base = ActorDef(
                code,
                kind,
                name.strip() if name else prev.name,
                sector if "sector" in entry else prev.sector,
                place if "place" in entry else prev.place,
                located if "located" in entry else prev.located,
            )
        cat.canon[code] = base
        if prev is not None and (prev.name, prev.kind, prev.located) != (
            base.name,
            base.kind,
            base.located,
        ):  # a later file renaming a code: earlier names follow the new definition
            for k, (surface, d) in list(cat.actor_names.items()):
                if d.code == code and d.kind == prev.kind:
                    cat.actor_names[k] = (surface, _with(d, base))

    def put(names: list[str], via: str, place_: bool, sector_: str | None) -> None:
        for n in names:
            d = ActorDef(base.code, base.kind, base.name, sector_, place_, base.located, via)
            cat.actor_names[_key(n)] = (n, d)

    fields = (("names", "name"), ("adjectives", "adjective"), ("people", "people"))
    for key, via in fields:
        names = _str_list(entry.get(key), where, key)
        if key == "names" and name and kind != "group":
            names = [name.strip(), *names]
        elif key == "names" and kind in ("group", "region"):
            names = names or [name.strip()]
        put(
            names,
            via if kind not in ("group", "region") else kind,
            place and key == "names",
            base.sector,
        )
    put(_str_list(entry.get("capitals"), where, "capitals"), "capital", True, base.sector)
    insts = entry.get("institutions") or []
    if not isinstance(insts, list):
        raise ValueError(f"{where}: institutions must be a list")
    for j, inst in enumerate(insts):
        w = f"{where} institution {j + 1}"
        if not isinstance(inst, dict) or "names" not in inst:
            raise ValueError(f"{w}: needs 'names' and 'sector'")
        bad = set(inst) - {"names", "sector", "place", "note"}
        if bad:
            raise ValueError(f"{w}: unknown key(s) {', '.join(sorted(map(str, bad)))}")
        put(
            _str_list(inst["names"], w, "names"),
            "institution",
            bool(inst.get("place", False)),
            _sector(inst.get("sector"), w),
        )


def _with(old: ActorDef, base: ActorDef) -> ActorDef:
    return ActorDef(old.code, base.kind, base.name, old.sector, old.place, base.located, old.via)


def _add_person(cat: Catalog, entry: Any, where: str) -> None:
    entry = _check_entry(entry, where, "a person", _PERSON_KEYS)
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: a person needs a name")
    name = " ".join(name.split())
    where = f"{where} ({name})"
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise ValueError(f"{where}: code {code!r} must be the person's state code, e.g. SRB")
    offices = []
    for j, off in enumerate(entry.get("offices") or []):
        w = f"{where} office {j + 1}"
        if not isinstance(off, list) or len(off) != 5:
            raise ValueError(f"{w}: an office is [code, sector, title, start, end]")
        ocode, osector, title, start, end = off
        if not isinstance(ocode, str) or not _CODE_RE.match(ocode):
            raise ValueError(f"{w}: code {ocode!r} must be upper case")
        s = _date(start, w, end=False)
        e = _date(end, w, end=True)
        if s is None or (e is not None and e < s):
            raise ValueError(f"{w}: the office ends ({e}) before it starts ({s})")
        offices.append(Office(ocode, _sector(osector, w), str(title), s, e))
    person = Person(name, code, tuple(sorted(offices, key=lambda o: o.start)))
    cat.persons.append(person)
    names = [name, *_str_list(entry.get("aliases"), where, "aliases")]
    words = name.split()
    if len(words) >= 3 and all(len(w.rstrip(".")) <= 2 for w in words[1:-1]):
        names.append(f"{words[0]} {words[-1]}")  # "Richard C. Holbrooke" -> "Richard Holbrooke"
    if "short" in entry:
        names += _str_list(entry.get("short"), where, "short")
    elif len(words) >= 2:
        names.append(words[-1])
    for n in names:
        k = _key(n)
        surface, lst = cat.person_names.get(k, (n, []))
        lst = [p for p in lst if p.name != person.name] + [person]
        cat.person_names[k] = (surface, lst)


def _add_agents(cat: Catalog, entry: Any, where: str, *, modifier: bool) -> None:
    from powderkeg.actors._text import plural

    entry = _check_entry(entry, where, "an agent", _AGENT_KEYS)
    terms = _str_list(entry.get("terms"), where, "terms")
    if not terms:
        raise ValueError(f"{where}: needs 'terms'")
    sector = _sector(entry.get("sector"), where)
    for t in terms:
        if modifier:
            cat.mod_names[_key(t)] = (t, ModDef(t, sector))
            continue
        a = AgentDef(
            t,
            sector,
            bool(entry.get("title", False)),
            bool(entry.get("to", False)),
            bool(entry.get("group", False)),
            bool(entry.get("collective", False)),
        )
        cat.agent_names[_key(t)] = (t, a)
        p = plural(t.lower()) if t.islower() else None
        if p:
            cat.agent_names[_key(p)] = (p, a)


def _read_yaml(cat: Catalog, path: Path, label: str) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(label, f"cannot read actor file: {exc}") from None
    try:
        doc = parse_yaml(text, label)
    except ValueError as exc:  # e.g. a date such as 2020-13-01 that YAML reads as a timestamp
        raise InputError(label, f"bad value (an office date?): {exc}") from None
    if doc is None:
        return
    if not isinstance(doc, dict):
        raise InputError(label, "an actor file must be a mapping with 'actors', 'persons', ...")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise InputError(label, f"unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}")
    try:
        for section, adder in (("actors", _add_actor), ("persons", _add_person)):
            items = doc.get(section) or []
            if not isinstance(items, list):
                raise ValueError(f"'{section}' must be a list")
            for i, entry in enumerate(items):
                adder(cat, entry, f"{section}[{i}]")
        for section, modifier in (("agents", False), ("modifiers", True)):
            items = doc.get(section) or []
            if not isinstance(items, list):
                raise ValueError(f"'{section}' must be a list")
            for i, entry in enumerate(items):
                _add_agents(cat, entry, f"{section}[{i}]", modifier=modifier)
        for s in _str_list(doc.get("stop"), "stop", "stop"):
            cat.stop_names[_key(s)] = s
    except ValueError as exc:
        raise InputError(label, str(exc)) from None


def _read_tsv(cat: Catalog, path: Path, label: str) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(label, f"cannot read agent file: {exc}") from None
    from powderkeg.actors._text import plural

    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#") or line.startswith("term\t"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip():
            raise InputError(label, f"line {n}: expected term<TAB>sector")
        term, sector = parts[0].strip(), parts[1].strip() or None
        if sector is not None and not _SECTOR_RE.match(sector):
            raise InputError(label, f"line {n}: sector {sector!r} is not a three-letter code")
        a = AgentDef(term, sector)
        cat.agent_names[_key(term)] = (term, a)
        p = plural(term)
        if p and _key(p) not in cat.agent_names:
            cat.agent_names[_key(p)] = (p, a)


def read_files(paths: Iterable[Path | str], cat: Catalog | None = None) -> Catalog:
    """Read actor files in order into a catalog; raise InputError naming a bad file."""
    cat = cat or Catalog()
    for p in paths:
        path = Path(p)
        label = str(p)
        if not path.is_file():
            raise InputError(label, "actor file not found")
        if path.suffix.lower() in (".yaml", ".yml"):
            _read_yaml(cat, path, label)
        elif path.suffix.lower() in (".tsv", ".txt"):
            _read_tsv(cat, path, label)
        else:
            raise InputError(label, "actor files must be .yaml/.yml (actors) or .tsv (agents)")
        cat.files.append(label)
    return cat
