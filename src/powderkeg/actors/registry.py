"""The actor registry: finds and resolves states, IGOs, sub-state entities, groups and persons.

``load_registry()`` reads the data files once (cached) and builds a token trie. ``find(text)``
tokenises the text, takes the longest name starting at each token (left to right, never
overlapping), then joins neighbouring pieces into one mention:

====================================================  ==========================================
text                                                  mention
====================================================  ==========================================
``Russian troops``                                    RUS, sector MIL
``Serbia's President Aleksander Vucic``               person Aleksandar Vučić, SRB, GOV
``Russia's Ambassador to Serbia, Alexander B.-K.``    person, RUS, GOV
``the Government of Kosovo``                          XKX, GOV
``the Biden administration``, ``Putin's regime``      USA GOV, RUS GOV
``Russia's Black Sea Fleet``                          RUS, MIL (one mention)
``Ukraine's Russian minority``                        group, UKR
``Kosovo Serbs``                                      group XKX "Kosovo Serbs" (not Serbia)
``former President Poroshenko``                       person, UKR, sector ELI
====================================================  ==========================================

Decisions worth knowing:

* **Persons and dates.** A person's ``code`` is the code of the office held on ``date``
  (ISO string or ``datetime.date``; ``YYYY`` means 1 July, ``YYYY-MM`` the 15th). Out of office
  on that date, the person still resolves, to the state written before the name
  (``Serbia's ...``) or else to their home state; the sector is then ``ELI`` (CAMEO's code for
  former officials and other elites) if they held office before the date, else null; the
  mention has ``in_office=False`` and a lower confidence. ``date=None`` means today: an office
  with no end date counts as held. Two persons sharing a surname: the one in office wins.
* **Places.** Capitals and territories (``Moscow``, ``Crimea``) are actors only when they are
  not in a place slot: after ``in``, ``at``, ``near``, ``of``, ``from``... or after verbs such
  as ``occupied``/``annexed``/``seized`` they give no mention (the geo module reports places).
  State names always give a mention; ``locative=True`` marks one after such a preposition.
* **Attributes.** ``pro-Russian``, ``anti-American``, ``Russian-backed``, ``NATO-led``: the
  state is an attribute there and gives no mention.
* **Groups without a state.** ``separatists``, ``rebels``, ``ethnic Russians``: code of the
  state written with them (``Ukrainian separatists``, ``separatists in Transnistria``,
  ``Ukraine's Russian minority``), else ``context`` (the document's main state, when the
  caller passes it), else ``UNK`` with confidence 0.3.
* **Generic agents** (``the president``, ``troops``) with no state in reach are dropped unless
  ``generic=True`` (then coded ``context`` or ``UNK``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from powderkeg.actors._load import (
    UNKNOWN,
    ActorDef,
    AgentDef,
    Catalog,
    ModDef,
    Person,
    read_files,
)
from powderkeg.actors._text import (
    ANY,
    APOSTROPHES,
    case_mode,
    case_ok,
    fold,
    plain,
    split_name,
    tokenize,
)
from powderkeg.errors import InputError
from powderkeg.types import Actor

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILES = (
    "states.yaml",
    "curated_states.yaml",
    "igos.yaml",
    "substates.yaml",
    "groups.yaml",
    "persons.yaml",
    "agents.tsv",
    "agents_curated.yaml",
)

_STOP, _ACTOR, _PERSON, _AGENT, _MOD = 0, 1, 2, 3, 4
_END = ""  # trie key of the terminal list (tokens are never empty)

# Words before a place name that make it a place, not an actor.
_LOCATIVE = frozenset(
    [
        "in",
        "at",
        "near",
        "into",
        "inside",
        "outside",
        "within",
        "across",
        "throughout",
        "around",
        "toward",
        "towards",
        "via",
        "through",
        "of",
        "over",
        "on",
        "beyond",
    ]
)
_PLACE_ONLY = _LOCATIVE | {"from"}
_TERRITORIAL = frozenset(
    [
        "occupied",
        "annexed",
        "seized",
        "invaded",
        "captured",
        "liberated",
        "retook",
        "recaptured",
        "annex",
        "annexing",
        "occupy",
        "occupying",
        "invade",
        "invading",
        "seize",
        "seizing",
        "reclaim",
        "reclaimed",
        "blockaded",
        "shelled",
        "bombed",
        "bombarded",
        "struck",
        "hit",
        "visited",
        "visit",
        "visiting",
    ]
)
_SKIP_BACK = frozenset(
    [
        "the",
        "eastern",
        "western",
        "northern",
        "southern",
        "central",
        "north",
        "south",
        "east",
        "west",
        "northeastern",
        "southeastern",
        "northwestern",
        "southwestern",
        "entire",
        "whole",
        "all",
        "of",
    ]
)
# "Russian-backed", "NATO-led": the state is an attribute
_ATTRIB_SUFFIX = frozenset(
    [
        "backed",
        "led",
        "installed",
        "controlled",
        "sponsored",
        "supported",
        "allied",
        "aligned",
        "friendly",
        "speaking",
        "born",
        "based",
        "funded",
        "trained",
        "armed",
        "leaning",
        "oriented",
        "appointed",
        "brokered",
        "mediated",
        "made",
        "built",
        "style",
        "occupied",
        "held",
        "run",
        "owned",
        "funded",
        "imposed",
    ]
)
_ATTRIB_PREFIX = frozenset({"pro", "anti", "non"})
_CAPTURE_STOP = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "He",
        "She",
        "It",
        "They",
        "We",
        "I",
        "This",
        "That",
        "These",
        "Those",
        "But",
        "And",
        "Or",
        "If",
        "When",
        "While",
        "After",
        "Before",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)
_CONF = {
    "name": 0.95,
    "adjective": 0.9,
    "people": 0.85,
    "capital": 0.8,
    "institution": 0.95,
    "group": 0.85,
}


@dataclass(frozen=True, slots=True)
class ActorMention:
    """One actor found in a text: ``text[start:end]`` is ``actor.text``."""

    start: int
    end: int
    actor: Actor
    confidence: float = 1.0
    via: str = "name"  # name|adjective|people|capital|institution|group|agent|person|title
    possessive: bool = False  # "Russia's"
    locative: bool = False  # after "in", "at", "near"...: maybe a place rather than an actor
    in_office: bool | None = None  # persons: in office on the date asked

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "actor": self.actor.to_json(),
            "confidence": round(self.confidence, 3),
            "via": self.via,
            "possessive": self.possessive,
            "locative": self.locative,
            "in_office": self.in_office,
        }


class _Entry:
    __slots__ = ("sig", "all_any", "tag", "val")

    def __init__(self, sig: tuple[tuple[int, str], ...], tag: int, val: Any) -> None:
        self.sig = sig
        self.all_any = all(m == ANY for m, _ in sig)
        self.tag = tag
        self.val = val


class _Atom:
    __slots__ = ("i", "e", "pe", "tag", "val", "poss")

    def __init__(self, i: int, e: int, pe: int, tag: int, val: Any, poss: bool) -> None:
        self.i = i  # first token
        self.e = e  # one past the last token of the name
        self.pe = pe  # one past the possessive "'s" when there is one, else e
        self.tag = tag
        self.val = val
        self.poss = poss


def _day(date: Any) -> str | None:
    """The date as ``YYYY-MM-DD`` (a year means its 1 July, a month its 15th)."""
    if date is None or date == "":
        return None
    if isinstance(date, _dt.datetime):
        return date.date().isoformat()
    if isinstance(date, _dt.date):
        return date.isoformat()
    text = str(date).strip()
    try:
        if len(text) == 4:
            return _dt.date(int(text), 7, 1).isoformat()
        if len(text) == 7:
            return _dt.date(int(text[:4]), int(text[5:7]), 15).isoformat()
        return _dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise InputError("date", f"{date!r} is not an ISO date (YYYY-MM-DD)") from None


class ActorRegistry:
    """States, IGOs, sub-state entities, groups and persons, with a fast text matcher."""

    def __init__(self, catalog: Catalog) -> None:
        self._cat = catalog
        self._canon = dict(catalog.canon)
        if UNKNOWN not in self._canon:
            self._canon[UNKNOWN] = ActorDef(UNKNOWN, "group", "unknown location")
        self._trie: dict[str, Any] = {}
        for surface, tag, val in self._surfaces():
            self._insert(surface, tag, val)

    # ----------------------------------------------------------------- building
    def _surfaces(self) -> Iterable[tuple[str, int, Any]]:
        cat = self._cat
        for surface in cat.stop_names.values():
            yield surface, _STOP, None
        for surface, d in cat.actor_names.values():
            yield surface, _ACTOR, d
        for surface, persons in cat.person_names.values():
            yield surface, _PERSON, tuple(persons)
        for surface, a in cat.agent_names.values():
            yield surface, _AGENT, a
        for surface, m in cat.mod_names.values():
            yield surface, _MOD, m

    def _insert(self, surface: str, tag: int, val: Any) -> None:
        exact = surface.startswith("=")
        toks = split_name(surface[1:] if exact else surface)
        if not toks:
            return
        sig = tuple((case_mode(plain(t), exact), plain(t)) for t in toks)
        node = self._trie
        for t in toks:
            node = node.setdefault(fold(t), {})
        lst = node.setdefault(_END, [])
        lst[:] = [e for e in lst if not (e.tag == tag and e.sig == sig)]
        lst.append(_Entry(sig, tag, val))
        lst.sort(key=lambda e: (e.tag, e.all_any))

    # ----------------------------------------------------------------- public API
    def get(self, code: str) -> Actor | None:
        """The canonical actor for a code (``RUS``, ``NATO``, ``BIH-RS``), or None."""
        d = self._canon.get(code)
        if d is None or d.kind == "region":
            return None
        return Actor(text=d.name, code=d.code, name=d.name, kind=d.kind)

    def names(self, code: str) -> list[str]:
        """Every surface form (names, demonyms, capitals, institutions, groups) that gives
        ``code``; spellings that differ only in accents or case are listed once."""
        out = [
            s for s, d in self._cat.actor_names.values() if d.code == code and d.kind != "region"
        ]
        return sorted({s.lstrip("=") for s in out})

    def codes(self, kind: str | None = None) -> list[str]:
        """Known codes, optionally of one kind (state, igo, substate)."""
        return sorted(c for c, d in self._canon.items() if kind is None or d.kind == kind)

    @property
    def persons(self) -> tuple[Person, ...]:
        return tuple(self._cat.persons)

    def stats(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for d in self._canon.values():
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        return {
            **kinds,
            "groups": len(self._cat.groups),
            "persons": len(self._cat.persons),
            "actor_names": len(self._cat.actor_names),
            "person_names": len(self._cat.person_names),
            "agent_terms": len(self._cat.agent_names),
        }

    def resolve(self, name: str, date: Any = None, *, context: str | None = None) -> Actor | None:
        """The actor a whole name stands for (``"the Kremlin"``, ``"Vucic"``, ``"RUS"``), or None."""
        text = " ".join(str(name).split())
        if not text:
            return None
        found = self.find(text, date, context=context, generic=True)
        if len(found) == 1:
            m = found[0]
            rest = (text[: m.start] + " " + text[m.end :]).strip(" .,;:!?\"'()")
            if rest.lower() in ("", "the"):
                return m.actor
        if text in self._canon:
            return self.get(text)
        return None

    def find(
        self,
        text: str,
        date: Any = None,
        *,
        context: str | None = None,
        generic: bool = False,
    ) -> list[ActorMention]:
        """Actor mentions in ``text``, left to right, never overlapping.

        ``date`` decides which office a person holds; ``context`` is the code of the state a
        document is about, given to groups and generic agents with no state of their own.
        """
        if not text:
            return []
        toks, starts, ends = tokenize(text)
        keys = [t.lower() if t.isascii() else fold(t) for t in toks]
        atoms = self._scan(toks, keys)
        if not atoms:
            return []
        return _Composer(
            self, text, toks, keys, starts, ends, atoms, _day(date), context, generic
        ).run()

    # ----------------------------------------------------------------- matching
    def _scan(self, toks: list[str], keys: list[str]) -> list[_Atom]:
        root = self._trie
        n = len(keys)
        atoms: list[_Atom] = []
        i = 0
        while i < n:
            node = root.get(keys[i])
            if node is None:
                i += 1
                continue
            best_e = -1
            best: _Entry | None = None
            j = i
            while True:
                terms = node.get(_END)
                if terms is not None:
                    for ent in terms:
                        if ent.all_any or case_ok(ent.sig, toks, i):
                            best_e, best = j + 1, ent
                            break
                j += 1
                if j >= n:
                    break
                node = node.get(keys[j])
                if node is None:
                    break
            if best is None:
                i += 1
                continue
            e = best_e
            pe = e
            poss = False
            if e < n and toks[e] in APOSTROPHES:
                if e + 1 < n and keys[e + 1] == "s":
                    poss, pe = True, e + 2
                elif keys[e - 1].endswith("s"):
                    poss, pe = True, e + 1
            atoms.append(_Atom(i, e, pe, best.tag, best.val, poss))
            i = pe
        return atoms

    def _code_name(self, code: str) -> str:
        d = self._canon.get(code)
        return d.name if d is not None else code

    def _code_kind(self, code: str) -> str:
        d = self._canon.get(code)
        return d.kind if d is not None and d.kind != "region" else "state"


class _Composer:
    """Joins the atoms of one text into mentions (one instance per ``find`` call)."""

    __slots__ = (
        "reg",
        "text",
        "toks",
        "keys",
        "starts",
        "ends",
        "atoms",
        "day",
        "ctx",
        "generic",
        "n",
        "A",
    )

    def __init__(
        self,
        reg: ActorRegistry,
        text: str,
        toks: list[str],
        keys: list[str],
        starts: list[int],
        ends: list[int],
        atoms: list[_Atom],
        day: str | None,
        ctx: str | None,
        generic: bool,
    ) -> None:
        self.reg = reg
        self.text = text
        self.toks = toks
        self.keys = keys
        self.starts = starts
        self.ends = ends
        self.atoms = atoms
        self.day = day
        self.ctx = ctx
        self.generic = generic
        self.n = len(toks)
        self.A = len(atoms)

    # -------------------------------------------------------------- helpers
    def _at(self, p: int, pos: int, tag: int) -> bool:
        return p < self.A and self.atoms[p].i == pos and self.atoms[p].tag == tag

    def _span(self, i: int, e: int) -> tuple[int, int, str]:
        s, t = self.starts[i], self.ends[e - 1]
        return s, t, self.text[s:t]

    def _back(self, i: int) -> tuple[str, bool]:
        """The word before token ``i`` (skipping 'the', 'eastern'...), and whether it was
        a territorial verb seen on the way."""
        k = i - 1
        while k >= 0:
            w = self.keys[k]
            if w in _TERRITORIAL:
                return w, True
            if w in _SKIP_BACK and w != "of":
                k -= 1
                continue
            return w, False
        return "", False

    def _locative(self, i: int) -> bool:
        w, _ = self._back(i)
        return w in _LOCATIVE

    def _place_slot(self, i: int) -> bool:
        w, territorial = self._back(i)
        return territorial or w in _PLACE_ONLY

    def _suppressed(self, a: _Atom) -> bool:
        toks, keys, n = self.toks, self.keys, self.n
        if a.i >= 2 and toks[a.i - 1] == "-" and keys[a.i - 2] in _ATTRIB_PREFIX:
            return True
        return a.e + 1 < n and toks[a.e] in ("-", "–") and keys[a.e + 1] in _ATTRIB_SUFFIX

    def _following_code(self, pos: int) -> str | None:
        """Code of an actor written as 'in X' / 'from X' at token ``pos``."""
        keys = self.keys
        if pos < self.n and keys[pos] in ("in", "from", "of"):
            r = pos + 1
            if r < self.n and keys[r] == "the":
                r += 1
            for a in self.atoms:
                if a.i == r and a.tag == _ACTOR:
                    return a.val.code
                if a.i > r:
                    break
        return None

    def _capture(self, pos: int, limit: int) -> int | None:
        """End token of a capitalised name (2-5 words) starting at ``pos``, or None."""
        toks = self.toks
        i, words, last = pos, 0, None
        limit = min(limit, self.n)
        while i < limit:
            t = toks[i]
            if not (t[0].isalpha() and t[0].isupper()):
                break
            if words == 0 and t in _CAPTURE_STOP:
                break
            words += 1
            i += 1
            last = i
            if len(t) == 1 and i < limit and toks[i] == ".":
                i += 1
                last = i
            if words >= 5:
                break
            if i + 1 < limit and toks[i] in ("-", "–") and toks[i + 1][:1].isupper():
                i += 1
        return last if words >= 2 else None

    def _collect(self, p: int, pos: int) -> tuple[list[_Atom], list[_Atom], int, int]:
        """Adjacent modifiers and agents from atom ``p``; returns (mods, agents, next, pos)."""
        mods: list[_Atom] = []
        agents: list[_Atom] = []
        seq: list[_Atom] = []
        atoms = self.atoms
        while p < self.A and atoms[p].i == pos and atoms[p].tag in (_MOD, _AGENT):
            seq.append(atoms[p])
            pos = atoms[p].pe
            p += 1
            if seq[-1].poss:
                break
        while seq and seq[-1].tag == _MOD:  # a modifier with no agent after it
            seq.pop()
            p -= 1
        if seq:
            pos = seq[-1].pe
        for a in seq:
            (agents if a.tag == _AGENT else mods).append(a)
        return mods, agents, p, pos

    @staticmethod
    def _eli(mods: list[_Atom]) -> bool:
        return any(isinstance(m.val, ModDef) and m.val.sector == "ELI" for m in mods)

    # -------------------------------------------------------------- mentions
    def _mention(
        self,
        i: int,
        e: int,
        code: str,
        kind: str,
        name: str,
        sector: str | None,
        conf: float,
        via: str,
        poss: bool = False,
        person: str | None = None,
        in_office: bool | None = None,
    ) -> ActorMention:
        s, t, surface = self._span(i, e)
        actor = Actor(text=surface, code=code, name=name, kind=kind, person=person, sector=sector)
        return ActorMention(s, t, actor, conf, via, poss, self._locative(i), in_office)

    def _person(
        self,
        i: int,
        e: int,
        persons: tuple[Person, ...] | None,
        captured: str | None,
        prefix: ActorDef | None,
        title: AgentDef | None,
        mods: list[_Atom],
        poss: bool,
        via: str,
    ) -> ActorMention:
        reg = self.reg
        eli = self._eli(mods) or (title is not None and title.sector == "ELI")
        if persons:
            chosen, office, status = _pick(persons, self.day)
            name = chosen.name
            if status == "in_office" and office is not None:
                code, sector = office.code, office.sector
            else:
                code = prefix.code if prefix is not None else chosen.code
                sector = "ELI" if status == "former" else (title.sector if title else None)
            if eli:
                sector = "ELI"
            conf = {"in_office": 0.95, "former": 0.75, "before": 0.6}[status]
            if len(persons) > 1 and sum(1 for p in persons if p.at(self.day)[1] == status) > 1:
                conf *= 0.8
            in_office = status == "in_office"
        else:  # an unknown name after a title: "Serbian Defence Minister Firstname Lastname"
            name = captured or ""
            code = prefix.code if prefix is not None else UNKNOWN
            sector = "ELI" if eli else (title.sector if title else None)
            conf, in_office = 0.7, None
        if prefix is not None and prefix.kind == "group" and not persons:
            code = prefix.code
        return self._mention(
            i, e, code, "person", reg._code_name(code), sector, conf, via, poss, name, in_office
        )

    def _standalone(self, a: _Atom) -> ActorMention | None:
        d: ActorDef = a.val
        if d.kind == "region":
            return None
        if (d.place or d.via == "capital") and self._place_slot(a.i):
            return None
        code, conf = d.code, _CONF.get(d.via, 0.9)
        if d.kind == "group" and d.located:
            found = self._following_code(a.pe)
            if found is not None:
                code, conf = found, 0.8
            elif self.ctx:
                code, conf = self.ctx, 0.6
            elif code == UNKNOWN:
                conf = 0.3
        name = d.name if d.kind == "group" else self.reg._code_name(code)
        kind = d.kind
        return self._mention(a.i, a.e, code, kind, name, d.sector, conf, d.via, a.poss)

    # -------------------------------------------------------------- patterns
    def run(self) -> list[ActorMention]:
        out: list[ActorMention] = []
        atoms, A = self.atoms, self.A
        k = 0
        while k < A:
            j = k
            while j < A and atoms[j].tag == _MOD and j + 1 < A and atoms[j + 1].i == atoms[j].pe:
                j += 1
            head = atoms[j]
            mods = atoms[k:j]
            if head.tag == _ACTOR:
                m, k = self._from_actor(j, mods)
            elif head.tag == _AGENT:
                m, k = self._from_agent(j, mods)
            elif head.tag == _PERSON:
                m, k = self._from_person(j, mods)
            else:  # stop phrase or a lone modifier
                m, k = None, j + 1
            if m is not None:
                out.append(m)
        return out

    def _title_tail(
        self, q: int, pos: int, title: AgentDef
    ) -> tuple[str, int, int, Any, int] | None:
        """After a title: ('person', start, end, persons, next) or ('name', ...) or
        ('to', end, end, None, next) when only "to <state>" follows."""
        atoms, keys, toks = self.atoms, self.keys, self.toks
        to_end = None
        if (
            title.to
            and pos < self.n
            and keys[pos] in ("to", "for", "in")
            and self._at(q, pos + 1, _ACTOR)
        ):
            pos = atoms[q].pe
            to_end = (atoms[q].e, q + 1)
            q += 1
        p2 = pos + 1 if pos < self.n and toks[pos] == "," else pos
        if self._at(q, p2, _PERSON):
            return "person", p2, atoms[q].e, atoms[q], q + 1
        limit = atoms[q].i if q < self.A else self.n
        cap = self._capture(p2, limit)
        if cap is not None:
            if self._at(q, cap, _PERSON):  # "President Aleksander Vucic": unknown first name
                return "person", p2, atoms[q].e, atoms[q], q + 1
            return "name", p2, cap, None, q
        # one unknown capitalised word before a known surname
        if (
            q < self.A
            and atoms[q].tag == _PERSON
            and atoms[q].i == p2 + 1
            and toks[p2][:1].isupper()
            and toks[p2] not in _CAPTURE_STOP
        ):
            return "person", p2, atoms[q].e, atoms[q], q + 1
        if to_end is not None:
            return "to", to_end[0], to_end[0], None, to_end[1]
        return None

    def _from_actor(self, j: int, lead: list[_Atom]) -> tuple[ActorMention | None, int]:
        atoms = self.atoms
        a = atoms[j]
        d: ActorDef = a.val
        if self._suppressed(a):
            return None, j + 1
        if d.kind == "region":
            return None, j + 1
        reg = self.reg
        p, pos = j + 1, a.pe
        start = lead[0].i if lead else a.i
        # "Russia's Black Sea Fleet", "Ukraine's Russian minority"
        if a.poss and self._at(p, pos, _ACTOR):
            b = atoms[p]
            bd: ActorDef = b.val
            if bd.code == d.code and bd.via in ("institution", "group"):
                return self._mention(
                    a.i, b.e, d.code, bd.kind, bd.name, bd.sector, 0.95, bd.via, b.poss
                ), p + 1
            if bd.kind == "group" and bd.located:
                return self._mention(
                    a.i, b.e, d.code, "group", bd.name, bd.sector, 0.85, "group", b.poss
                ), p + 1
        mods, agents, q, qpos = self._collect(p, pos)
        if agents:
            ag: AgentDef = agents[-1].val
            allmods = lead + mods
            if ag.title:
                tail = self._title_tail(q, qpos, ag)
                if tail is not None:
                    what, s2, e2, val, nxt = tail
                    if what == "person":
                        return self._person(
                            start, e2, val.val, None, d, ag, allmods, val.poss, "title"
                        ), nxt
                    if what == "name":
                        captured = self.text[self.starts[s2] : self.ends[e2 - 1]]
                        return self._person(
                            start, e2, None, captured, d, ag, allmods, False, "title"
                        ), nxt
                    if what == "to":  # "Russia's ambassador to Serbia"
                        sector = "ELI" if self._eli(allmods) else ag.sector
                        return self._mention(
                            start,
                            e2,
                            d.code,
                            d.kind if d.kind != "group" else "group",
                            d.name if d.kind == "group" else reg._code_name(d.code),
                            sector,
                            0.9,
                            "agent",
                        ), nxt
            last = agents[-1]
            sector = "ELI" if self._eli(allmods) else ag.sector
            if d.kind == "group":
                kind, name = "group", d.name
            elif ag.group:
                kind = "group"
                name = self._span(agents[0].i, last.e)[2].lower()
            else:
                kind, name = d.kind, reg._code_name(d.code)
            code = d.code
            if d.kind == "group" and d.located:
                code = self._following_code(last.pe) or self.ctx or d.code
            return self._mention(
                start, last.e, code, kind, name, sector, 0.9, "agent", last.poss
            ), q
        # "Russia's Putin", "Russian Vladimir Putin"
        if (a.poss or d.via == "adjective") and self._at(p, pos, _PERSON):
            b = atoms[p]
            return self._person(start, b.e, b.val, None, d, None, lead, b.poss, "title"), p + 1
        return self._standalone(a), j + 1

    def _from_agent(self, j: int, lead: list[_Atom]) -> tuple[ActorMention | None, int]:
        atoms, keys, n = self.atoms, self.keys, self.n
        mods, agents, q, qpos = self._collect(j, atoms[j].i)
        if not agents:
            return None, j + 1
        start = lead[0].i if lead else atoms[j].i
        allmods = lead + mods
        last = agents[-1]
        ag: AgentDef = last.val
        reg = self.reg
        # "the Government of Kosovo", "President of Serbia Aleksandar Vučić"
        if not last.poss and qpos < n and keys[qpos] == "of":
            r = qpos + 1
            if r < n and keys[r] == "the":
                r += 1
            if self._at(q, r, _ACTOR) and not self._suppressed(atoms[q]):
                b = atoms[q]
                bd: ActorDef = b.val
                code = bd.code
                if bd.kind == "region":
                    code = reg._canon[bd.code].code if bd.code in reg._canon else bd.code
                if ag.title:
                    p2 = b.pe + 1 if b.pe < n and self.toks[b.pe] == "," else b.pe
                    if self._at(q + 1, p2, _PERSON):
                        pa = atoms[q + 1]
                        return self._person(
                            start, pa.e, pa.val, None, bd, ag, allmods, pa.poss, "title"
                        ), q + 2
                sector = "ELI" if self._eli(allmods) else ag.sector
                kind = reg._code_kind(code) if bd.kind != "group" else "group"
                name = bd.name if bd.kind == "group" else reg._code_name(code)
                return self._mention(
                    start, b.e, code, kind, name, sector, 0.9, "agent", b.poss
                ), q + 1
        # "President Joe Biden", "the diplomat, Richard Holbrooke"
        if ag.title:
            p2 = qpos + 1 if qpos < n and self.toks[qpos] == "," else qpos
            if self._at(q, p2, _PERSON):
                pa = atoms[q]
                return self._person(
                    start, pa.e, pa.val, None, None, ag, allmods, pa.poss, "title"
                ), q + 1
        # "the Biden administration" is handled from the person; here: groups and generics
        if ag.group:
            code = self._following_code(qpos)
            conf = 0.75
            if code is None:
                code, conf = (self.ctx, 0.6) if self.ctx else (UNKNOWN, 0.3)
            name = self._span(agents[0].i, last.e)[2].lower()
            return self._mention(
                agents[0].i, last.e, code, "group", name, ag.sector, conf, "agent", last.poss
            ), q
        if self.generic:
            code = self.ctx or UNKNOWN
            kind = reg._code_kind(code) if self.ctx else "group"
            sector = "ELI" if self._eli(allmods) else ag.sector
            conf = 0.4 if self.ctx else 0.2
            return self._mention(
                start, last.e, code, kind, reg._code_name(code), sector, conf, "agent", last.poss
            ), q
        return None, q

    def _from_person(self, j: int, lead: list[_Atom]) -> tuple[ActorMention | None, int]:
        atoms = self.atoms
        a = atoms[j]
        start = lead[0].i if lead else a.i
        if self._at(j + 1, a.pe, _AGENT) and atoms[j + 1].val.collective:
            b = atoms[j + 1]
            chosen, office, status = _pick(a.val, self.day)
            code = office.code if status == "in_office" and office is not None else chosen.code
            reg = self.reg
            return self._mention(
                a.i,
                b.e,
                code,
                reg._code_kind(code),
                reg._code_name(code),
                b.val.sector,
                0.9,
                "agent",
                b.poss,
            ), j + 2
        return self._person(start, a.e, a.val, None, None, None, lead, a.poss, "person"), j + 1


def _pick(persons: tuple[Person, ...], day: str | None) -> tuple[Person, Any, str]:
    """Among persons sharing a name: the one in office on ``day``, else the latest former,
    else the first to take office."""
    best = None
    rank = {"in_office": 0, "former": 1, "before": 2}
    for p in persons:
        office, status = p.at(day)
        if status == "former":
            order = "~" if office is None or office.end is None else office.end
            key = (rank[status], _neg(order))
        elif status == "before":
            key = (rank[status], office.start if office is not None else "9999")
        else:
            key = (rank[status], _neg(office.start if office is not None else ""))
        if best is None or key < best[0]:
            best = (key, p, office, status)
    assert best is not None
    return best[1], best[2], best[3]


def _neg(iso: str) -> str:
    """A string that sorts in the reverse order of ISO dates."""
    return "".join(chr(255 - ord(c)) for c in iso)


@lru_cache(maxsize=8)
def _load_cached(extra: tuple[str, ...]) -> ActorRegistry:
    cat = read_files([DATA_DIR / f for f in DATA_FILES])
    if extra:
        cat = read_files(extra, cat)
    return ActorRegistry(cat)


def load_registry(extra_paths: Iterable[str | Path] | None = None) -> ActorRegistry:
    """The registry from the package's data files, plus user files (later ones win).

    Cached: calling it again with the same paths returns the same object. A bad file raises
    :class:`powderkeg.errors.InputError` naming the file and the entry.
    """
    extra = tuple(str(Path(p)) for p in (extra_paths or ()))
    return _load_cached(extra)
