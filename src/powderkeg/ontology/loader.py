"""Load the PLOVER ontology and its CAMEO, ACLED and CASE 2021 maps from the data files.

Everything here is read from ``data/plover.yaml``, ``data/cameo.tsv`` and ``data/acled.yaml``
(see ``data/README.md``); nothing is hard-coded. ``load_ontology()`` is cached and returns an
immutable :class:`Ontology`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from powderkeg._yaml import parse_yaml
from powderkeg.errors import InputError
from powderkeg.types import QUADS

DATA_DIR = Path(__file__).resolve().parent / "data"

_WS = re.compile(r"\s+")
_CAMEO_CODE = re.compile(r"^\d{2,4}$")


class OntologyError(InputError, ValueError):
    """A name or code the ontology does not know, or a malformed ontology data file.

    It is an :class:`~powderkeg.errors.InputError` (``source`` names the input) and also a
    ``ValueError``, so callers may catch either.
    """


@dataclass(frozen=True)
class Mode:
    name: str
    definition: str
    intensity: float | None  # None: the manual gives no score; the type's score applies
    cameo: str | None  # default CAMEO code for this type and mode, if one fits


@dataclass(frozen=True)
class EventType:
    name: str
    definition: str
    quad: str
    intensity: float
    penta: int
    requires_recipient: bool
    cameo_roots: tuple[str, ...]
    cameo: str
    modes: tuple[Mode, ...]
    intensity_note: str | None = None

    def mode(self, name: str) -> Mode | None:
        return next((m for m in self.modes if m.name == name), None)


@dataclass(frozen=True)
class CameoCode:
    code: str
    name: str
    goldstein: float | None
    goldstein_gdelt: float | None
    penta: int
    plover_type: str | None
    plover_mode: str | None
    plover_contexts: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class AcledSubType:
    event_type: str
    sub_event_type: str
    definition: str
    case2021: str
    plover_type: str
    plover_mode: str | None
    plover_contexts: tuple[str, ...]


@dataclass(frozen=True)
class _Rule:
    type: str | None
    modes: frozenset[str | None] | None
    contexts_any: frozenset[str] | None
    target: Any

    def matches(self, type_: str, mode: str | None, contexts: frozenset[str]) -> bool:
        if self.type is not None and self.type != type_:
            return False
        if self.modes is not None and mode not in self.modes:
            return False
        return not (self.contexts_any is not None and not (self.contexts_any & contexts))


def _key(s: str) -> str:
    """Case- and whitespace-insensitive lookup key."""
    return _WS.sub(" ", s).strip().casefold()


def _float(v: Any) -> float | None:
    if v is None or v == "":
        return None
    return float(v)


@dataclass(frozen=True, eq=False, repr=False)
class Ontology:
    """PLOVER v0.8 types, modes and contexts with CAMEO, ACLED and CASE 2021 maps (read-only)."""

    version: str
    types: tuple[str, ...]
    contexts: tuple[str, ...]
    quads: tuple[str, ...]
    plv_labels: tuple[str, ...]
    case2021_labels: tuple[str, ...]
    acled_event_types: tuple[str, ...]
    penta_labels: Mapping[int, str]
    auxiliary_modes: Mapping[str, str]
    _types: Mapping[str, EventType]
    _context_defs: Mapping[str, str]
    _context_aliases: Mapping[str, str]
    _legacy: Mapping[str, tuple[str, str | None]]
    _unmappable: Mapping[str, str]
    _mode_aliases: Mapping[str, Mapping[str, str | None]]
    _plv_merge: Mapping[str, str]
    _penta_by_root: Mapping[str, int]
    _cameo: Mapping[str, CameoCode]
    _acled: Mapping[tuple[str, str], AcledSubType]
    _acled_by_sub: Mapping[str, AcledSubType]
    _acled_type_names: Mapping[str, str]
    _acled_defaults: Mapping[str, tuple[str, str | None, tuple[str, ...]] | None]
    _acled_type_aliases: Mapping[str, tuple[str, str | None]]
    _acled_type_defs: Mapping[str, str]
    _to_acled: tuple[_Rule, ...]
    _case_to_acled: Mapping[str, AcledSubType]
    _case_extra: Mapping[str, tuple[str, tuple[str | None, str | None, tuple[str, ...]]]]
    _to_case: tuple[_Rule, ...]

    def __repr__(self) -> str:
        return (
            f"Ontology(PLOVER {self.version}: {len(self.types)} types, {len(self.contexts)} "
            f"contexts, {len(self._cameo)} CAMEO codes, {len(self._acled)} ACLED sub-types)"
        )

    # ----------------------------------------------------------------- types, modes, contexts
    def normalize_type(self, name: str) -> str:
        """The v0.8 type for ``name``: a current or legacy name, any case (``demand`` -> REQUEST)."""
        return self.normalize(name)[0]

    def normalize(self, name: str, mode: str | None = None) -> tuple[str, str | None]:
        """``(type, mode)`` in v0.8 terms; a legacy name may imply a mode (INVESTIGATE)."""
        if not isinstance(name, str) or not name.strip():
            raise OntologyError("PLOVER type", f"{name!r} is empty or not a string")
        key = _WS.sub("_", name.strip()).upper()
        if key in self._types:
            type_, implied = key, None
        elif key in self._legacy:
            type_, implied = self._legacy[key]
        elif key in self._unmappable:
            raise OntologyError(f"PLOVER type {name!r}", self._unmappable[key])
        else:
            raise OntologyError(
                f"PLOVER type {name!r}",
                "unknown; expected one of "
                + ", ".join(self.types)
                + " or a legacy name ("
                + ", ".join(sorted(self._legacy))
                + ")",
            )
        if mode is None or (isinstance(mode, str) and not mode.strip()):
            return type_, implied
        return type_, self.normalize_mode(type_, mode)

    def normalize_mode(self, type_: str, mode: str | None) -> str | None:
        """The v0.8 mode of ``type_`` for ``mode`` (aliases such as ``assassinate`` accepted).

        ``None`` or an empty string gives ``None``; so does an old mode that no v0.8 mode fits.
        """
        t = self.normalize_type(type_)
        if mode is None:
            return None
        if not isinstance(mode, str):
            raise OntologyError(f"{t} mode", f"{mode!r} is not a string")
        key = _WS.sub("-", mode.strip().lower()).replace("_", "-")
        if not key:
            return None
        if self._types[t].mode(key) is not None:
            return key
        aliases = self._mode_aliases.get(t, {})
        if key in aliases:
            return aliases[key]
        known = ", ".join(m.name for m in self._types[t].modes) or "none"
        raise OntologyError(f"{t} mode {mode!r}", f"unknown; {t} modes are: {known}")

    def normalize_context(self, name: str) -> str:
        """The v0.8 context for ``name`` (case-insensitive; older names such as ``refugees`` accepted)."""
        if not isinstance(name, str) or not name.strip():
            raise OntologyError("PLOVER context", f"{name!r} is empty or not a string")
        key = re.sub(r"[\s-]+", "_", name.strip().lower())
        if key in self._context_defs:
            return key
        if key in self._context_aliases:
            return self._context_aliases[key]
        raise OntologyError(f"PLOVER context {name!r}", "unknown; see ontology.contexts")

    def event_type(self, name: str) -> EventType:
        return self._types[self.normalize_type(name)]

    def modes(self, type_: str) -> tuple[str, ...]:
        return tuple(m.name for m in self.event_type(type_).modes)

    def context_definition(self, name: str) -> str:
        return self._context_defs[self.normalize_context(name)]

    def quad(self, type_: str, mode: str | None = None) -> str:
        """Quad category of the type (the mode is checked but does not change it)."""
        t, _ = self.normalize(type_, mode)
        return self._types[t].quad

    def intensity(self, type_: str, mode: str | None = None) -> float:
        """The manual's conflict-cooperation score (-10..+10) for the type, or type and mode."""
        return self._mode_or_type(type_, mode, "intensity")

    def penta(self, type_: str) -> int:
        """Five-way penta class (1-4; 0 is for CAMEO statements/appeals, which have no type).

        Accepts the PLV label YIELD, whose two source types share one class.
        """
        key = type_.strip().upper() if isinstance(type_, str) else type_
        merged = [t for t, lab in self._plv_merge.items() if lab == key]
        if merged and key not in self._types:
            classes = {self._types[t].penta for t in merged}
            if len(classes) == 1:
                return classes.pop()
        return self.event_type(type_).penta

    def plv_label(self, type_: str) -> str:
        """The PLV 15-label name of a type (CONCEDE and RETREAT become YIELD)."""
        t = self.normalize_type(type_)
        return self._plv_merge.get(t, t)

    def describe(self, type_: str) -> str:
        """A short plain-text description of a type, its quad, score and modes."""
        et = self.event_type(type_)
        lines = [
            f"{et.name} ({et.quad.replace('_', ' ')}; intensity {et.intensity:+g}; "
            f"penta {et.penta}; CAMEO {', '.join(et.cameo_roots)})",
            et.definition,
        ]
        if et.intensity_note:
            lines.append(f"Note: {et.intensity_note}.")
        if et.modes:
            lines.append("Modes:")
            for m in et.modes:
                score = f"{m.intensity:+g}" if m.intensity is not None else "type score"
                lines.append(f"  - {m.name} ({score}): {m.definition}")
        return "\n".join(lines)

    # ----------------------------------------------------------------------------- CAMEO
    def _cameo_chain(self, code: str) -> list[str]:
        if not isinstance(code, str) or not _CAMEO_CODE.match(code.strip()):
            raise OntologyError(f"CAMEO code {code!r}", "expected 2 to 4 digits, e.g. '0831'")
        c = code.strip()
        return [c[:n] for n in range(len(c), 1, -1)]

    def cameo(self, code: str) -> CameoCode | None:
        """The CAMEO table row for exactly this code, or None."""
        return self._cameo.get(self._cameo_chain(code)[0])

    def cameo_to_plover(self, code: str) -> tuple[str, str | None] | None:
        """``(type, mode)`` for a CAMEO code, falling back to shorter prefixes (0839 -> 083 -> 08).

        None for CAMEO 01/02 (statements, appeals), which PLOVER dropped, or an unknown root.
        """
        row = self._cameo_row(code)
        if row is None or row.plover_type is None:
            return None
        return row.plover_type, row.plover_mode

    def cameo_contexts(self, code: str) -> tuple[str, ...]:
        """PLOVER contexts that CAMEO2PLOVER attaches to a code (prefix fallback as above)."""
        row = self._cameo_row(code)
        return row.plover_contexts if row is not None else ()

    def _cameo_row(self, code: str) -> CameoCode | None:
        for c in self._cameo_chain(code):
            if c in self._cameo:
                return self._cameo[c]
        return None

    def goldstein(self, code: str) -> float | None:
        """Goldstein value of a CAMEO code (ICEWS table), from the nearest prefix that has one."""
        for c in self._cameo_chain(code):
            row = self._cameo.get(c)
            if row is not None and row.goldstein is not None:
                return row.goldstein
        return None

    def penta_of_cameo(self, code: str) -> int | None:
        """Penta class (0-4) of a CAMEO code, from its root; None for an unknown root."""
        return self._penta_by_root.get(self._cameo_chain(code)[-1])

    def plover_to_cameo(self, type_: str, mode: str | None = None) -> str | None:
        """A default CAMEO code for a type, or type and mode (the type's when the mode has none)."""
        return self._mode_or_type(type_, mode, "cameo")

    def _mode_or_type(self, type_: str, mode: str | None, attr: str) -> Any:
        """The mode's value of ``attr`` where the mode has one, else the type's."""
        t, m = self.normalize(type_, mode)
        et = self._types[t]
        if m is not None:
            value = getattr(et.mode(m), attr)
            if value is not None:
                return value
        return getattr(et, attr)

    # ----------------------------------------------------------------------------- ACLED
    def acled_sub_types(self, event_type: str | None = None) -> tuple[str, ...]:
        subs = self._acled.values()
        if event_type is not None:
            et = self._acled_event_type(event_type)
            subs = [s for s in subs if s.event_type == et]
        return tuple(s.sub_event_type for s in subs)

    def acled_definition(self, event_type: str, sub_event_type: str | None = None) -> str:
        if sub_event_type:
            return self._acled_sub(event_type, sub_event_type).definition
        return self._acled_type_defs[self._acled_event_type(event_type)]

    def _acled_event_type(self, event_type: str) -> str:
        if not isinstance(event_type, str) or not event_type.strip():
            raise OntologyError("ACLED event_type", f"{event_type!r} is empty")
        k = _key(event_type)
        if k in self._acled_type_names:
            return self._acled_type_names[k]
        if k in self._acled_type_aliases:
            return self._acled_type_aliases[k][0]
        raise OntologyError(
            f"ACLED event_type {event_type!r}",
            "unknown; expected one of " + ", ".join(self.acled_event_types),
        )

    def _acled_sub(self, event_type: str | None, sub_event_type: str) -> AcledSubType:
        sub = self._acled_by_sub.get(_key(sub_event_type))
        if sub is None:
            raise OntologyError(
                f"ACLED sub_event_type {sub_event_type!r}",
                "unknown; expected one of " + ", ".join(s for _, s in self._acled),
            )
        if event_type:
            et = self._acled_event_type(event_type)
            if et != sub.event_type:
                raise OntologyError(
                    f"ACLED sub_event_type {sub_event_type!r}",
                    f"belongs to {sub.event_type!r}, not {et!r}",
                )
        return sub

    def acled_to_plover(
        self, event_type: str, sub_event_type: str | None = None
    ) -> tuple[str, str | None, tuple[str, ...]]:
        """``(type, mode, contexts)`` for an ACLED event_type and sub_event_type.

        Older event-type names are accepted; a missing sub-type falls back to the event type's
        default where it has one (not for Strategic developments).
        """
        if sub_event_type and sub_event_type.strip():
            s = self._acled_sub(event_type, sub_event_type)
            return s.plover_type, s.plover_mode, s.plover_contexts
        k = _key(event_type) if isinstance(event_type, str) else ""
        if k in self._acled_type_aliases:
            et, sub = self._acled_type_aliases[k]
            if sub is not None:
                return self.acled_to_plover(et, sub)
        et = self._acled_event_type(event_type)
        default = self._acled_defaults.get(et)
        if default is None:
            raise OntologyError(
                f"ACLED event_type {event_type!r}",
                "needs a sub_event_type to map to PLOVER",
            )
        return default

    def plover_to_acled(
        self, type_: str, mode: str | None = None, contexts: Iterable[str] = ()
    ) -> tuple[str, str] | None:
        """ACLED ``(event_type, sub_event_type)`` for a PLOVER event, or None if ACLED would not code it."""
        t, m = self.normalize(type_, mode)
        ctx = self._contexts_set(contexts)
        for rule in self._to_acled:
            if rule.matches(t, m, ctx):
                return (
                    None
                    if rule.target is None
                    else (rule.target.event_type, rule.target.sub_event_type)
                )
        return None

    def _contexts_set(self, contexts: Iterable[str]) -> frozenset[str]:
        if isinstance(contexts, str):
            contexts = [contexts]
        return frozenset(self.normalize_context(c) for c in contexts)

    # --------------------------------------------------------------------------- CASE 2021
    def _case_label(self, label: str) -> str:
        if not isinstance(label, str):
            raise OntologyError("CASE 2021 label", f"{label!r} is not a string")
        key = label.strip().upper()
        if key in self._case_to_acled or key in self._case_extra:
            return key
        raise OntologyError(
            f"CASE 2021 label {label!r}",
            "unknown; expected one of " + ", ".join(self.case2021_labels),
        )

    def case_to_acled(self, label: str) -> tuple[str, str] | None:
        """ACLED ``(event_type, sub_event_type)`` of a CASE 2021 label; None for the 5 non-ACLED labels."""
        key = self._case_label(label)
        s = self._case_to_acled.get(key)
        return None if s is None else (s.event_type, s.sub_event_type)

    def acled_to_case(self, event_type: str | None, sub_event_type: str) -> str:
        return self._acled_sub(event_type, sub_event_type).case2021

    def case_to_plover(self, label: str) -> tuple[str | None, str | None, tuple[str, ...]]:
        """``(type, mode, contexts)`` for a CASE 2021 label; type is None for the disaster and crime labels."""
        key = self._case_label(label)
        s = self._case_to_acled.get(key)
        if s is not None:
            return s.plover_type, s.plover_mode, s.plover_contexts
        return self._case_extra[key][1]

    def case_definition(self, label: str) -> str:
        key = self._case_label(label)
        s = self._case_to_acled.get(key)
        return s.definition if s is not None else self._case_extra[key][0]

    def plover_to_case(
        self, type_: str, mode: str | None = None, contexts: Iterable[str] = ()
    ) -> str | None:
        """CASE 2021 label for a PLOVER event: the label rules first, then the ACLED route."""
        t, m = self.normalize(type_, mode)
        ctx = self._contexts_set(contexts)
        for rule in self._to_case:
            if rule.matches(t, m, ctx):
                return rule.target
        acled = self.plover_to_acled(t, m, ctx)
        if acled is None:
            return None
        return self._acled[acled].case2021


# ------------------------------------------------------------------------------- loading
def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise OntologyError(str(path), "file not found") from exc
    data = parse_yaml(text, str(path), error=OntologyError)
    if not isinstance(data, dict):
        raise OntologyError(str(path), "expected a mapping at the top level")
    return data


def _read_cameo(path: Path, types: Mapping[str, EventType]) -> dict[str, CameoCode]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise OntologyError(str(path), "file not found") from exc
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out: dict[str, CameoCode] = {}
    for lineno, row in enumerate(csv.DictReader(lines, delimiter="\t"), start=2):
        try:
            code = row["code"].strip()
            t = row["plover_type"].strip() or None
            m = row["plover_mode"].strip() or None
            if not _CAMEO_CODE.match(code):
                raise ValueError(f"bad code {code!r}")
            if t is not None and t not in types:
                raise ValueError(f"unknown PLOVER type {t!r}")
            if m is not None and (t is None or types[t].mode(m) is None):
                raise ValueError(f"mode {m!r} is not a v0.8 mode of {t}")
            out[code] = CameoCode(
                code=code,
                name=row["name"],
                goldstein=_float(row["goldstein"]),
                goldstein_gdelt=_float(row["goldstein_gdelt"]),
                penta=int(row["penta"]),
                plover_type=t,
                plover_mode=m,
                plover_contexts=tuple(c for c in row["plover_contexts"].split(";") if c),
                basis=row["basis"],
            )
        except (KeyError, ValueError, AttributeError) as exc:
            raise OntologyError(f"{path} data row {lineno}", str(exc)) from exc
    return out


def _mode_set(raw: Any) -> frozenset[str | None] | None:
    if raw is None:
        return None
    return frozenset(raw)


def _build(data_dir: Path) -> Ontology:
    pv = _read_yaml(data_dir / "plover.yaml")
    src = str(data_dir / "plover.yaml")
    try:
        penta_by_root = {str(k): int(v) for k, v in pv["penta"]["by_cameo_root"].items()}
        penta_labels = {int(k): str(v) for k, v in pv["penta"]["labels"].items()}
        contexts = {str(k): str(v) for k, v in pv["contexts"].items()}
        types: dict[str, EventType] = {}
        for name, d in pv["types"].items():
            if d["quad"] not in QUADS:
                raise ValueError(f"{name}: quad {d['quad']!r} not one of {QUADS}")
            pentas = {penta_by_root[r] for r in d["cameo_roots"]}
            if len(pentas) != 1:
                raise ValueError(f"{name}: CAMEO roots fall in several penta classes")
            modes = tuple(
                Mode(
                    name=mn,
                    definition=md["definition"],
                    intensity=_float(md.get("intensity")),
                    cameo=md.get("cameo"),
                )
                for mn, md in (d.get("modes") or {}).items()
            )
            scores = [float(d["intensity"])] + [
                m.intensity for m in modes if m.intensity is not None
            ]
            if any(not -10 <= s <= 10 for s in scores):
                raise ValueError(f"{name}: intensity outside -10..10")
            types[name] = EventType(
                name=name,
                definition=" ".join(d["definition"].split()),
                quad=d["quad"],
                intensity=float(d["intensity"]),
                penta=pentas.pop(),
                requires_recipient=bool(d["requires_recipient"]),
                cameo_roots=tuple(d["cameo_roots"]),
                cameo=str(d["cameo"]),
                modes=modes,
                intensity_note=d.get("intensity_note"),
            )
        legacy = {
            k.upper(): (v["type"], v.get("mode")) for k, v in (pv.get("legacy_names") or {}).items()
        }
        for k, (t, m) in legacy.items():
            if t not in types or (m is not None and types[t].mode(m) is None):
                raise ValueError(f"legacy name {k}: bad target {t}/{m}")
        mode_aliases: dict[str, Mapping[str, str | None]] = {}
        for t, al in (pv.get("mode_aliases") or {}).items():
            for a, target in al.items():
                if target is not None and types[t].mode(target) is None:
                    raise ValueError(f"mode alias {t}/{a}: {target!r} is not a mode of {t}")
            mode_aliases[t] = MappingProxyType(dict(al))
        ctx_aliases = dict(pv.get("context_aliases") or {})
        for a, target in ctx_aliases.items():
            if target not in contexts:
                raise ValueError(f"context alias {a}: {target!r} is not a context")
        plv_merge = dict(pv["plv"]["merge"])
        plv_labels = tuple(dict.fromkeys(plv_merge.get(t, t) for t in types))
        aux = dict(pv.get("auxiliary_modes") or {})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise OntologyError(src, f"malformed: {exc}") from exc

    cameo = _read_cameo(data_dir / "cameo.tsv", types)
    for et in types.values():
        for code in [et.cameo, *(m.cameo for m in et.modes if m.cameo)]:
            row = cameo.get(code)
            if row is None or row.plover_type != et.name:
                raise OntologyError(
                    src, f"{et.name}: default CAMEO code {code} does not map back to it"
                )

    ac = _read_yaml(data_dir / "acled.yaml")
    asrc = str(data_dir / "acled.yaml")
    try:
        acled: dict[tuple[str, str], AcledSubType] = {}
        defaults: dict[str, tuple[str, str | None, tuple[str, ...]] | None] = {}
        type_defs: dict[str, str] = {}

        def plover_triple(p: Mapping[str, Any], where: str) -> tuple[Any, Any, tuple[str, ...]]:
            t, m = p.get("type"), p.get("mode")
            if t is not None and t not in types:
                raise ValueError(f"{where}: unknown PLOVER type {t!r}")
            if m is not None and (t is None or types[t].mode(m) is None):
                raise ValueError(f"{where}: {m!r} is not a mode of {t}")
            ctx = tuple(p.get("contexts") or ())
            for c in ctx:
                if c not in contexts:
                    raise ValueError(f"{where}: unknown context {c!r}")
            return t, m, ctx

        for et, ed in ac["event_types"].items():
            type_defs[et] = ed["definition"]
            defaults[et] = None if ed.get("default") is None else plover_triple(ed["default"], et)
            for st, sd in ed["sub_event_types"].items():
                t, m, ctx = plover_triple(sd["plover"], f"{et}/{st}")
                if t is None:
                    raise ValueError(f"{et}/{st}: every ACLED sub-type needs a PLOVER type")
                acled[(et, st)] = AcledSubType(
                    event_type=et,
                    sub_event_type=st,
                    definition=sd["definition"],
                    case2021=sd["case2021"],
                    plover_type=t,
                    plover_mode=m,
                    plover_contexts=ctx,
                )
        by_sub = {_key(st): s for (_, st), s in acled.items()}
        if len(by_sub) != len(acled):
            raise ValueError("ACLED sub-event type names must be unique")
        type_names = {_key(et): et for et in type_defs}
        type_aliases: dict[str, tuple[str, str | None]] = {}
        for alias, (et, st) in (ac.get("event_type_aliases") or {}).items():
            if et not in type_defs or (st is not None and (et, st) not in acled):
                raise ValueError(f"event type alias {alias}: bad target {et}/{st}")
            type_aliases[_key(alias)] = (et, st)

        def rule(r: Mapping[str, Any], target: Any) -> _Rule:
            t = r.get("type")
            if t is not None and t not in types:
                raise ValueError(f"rule {r}: unknown type")
            modes = _mode_set(r.get("modes"))
            for m in modes or ():
                if m is not None and (t is None or types[t].mode(m) is None):
                    raise ValueError(f"rule {r}: {m!r} is not a mode of {t}")
            cx = r.get("contexts_any")
            for c in cx or ():
                if c not in contexts:
                    raise ValueError(f"rule {r}: unknown context {c!r}")
            return _Rule(t, modes, None if cx is None else frozenset(cx), target)

        to_acled = []
        for r in ac["plover_to_acled"]:
            tgt = r["acled"]
            if tgt is not None:
                tgt = acled.get(tuple(tgt))
                if tgt is None:
                    raise ValueError(f"rule {r}: unknown ACLED pair")
            to_acled.append(rule(r, tgt))

        case_to_acled = {s.case2021: s for s in acled.values()}
        if len(case_to_acled) != len(acled):
            raise ValueError("CASE 2021 labels of ACLED sub-types must be unique")
        case_extra = {
            lab: (d["definition"], plover_triple(d["plover"], lab))
            for lab, d in ac["case2021"]["extra"].items()
        }
        if set(case_extra) & set(case_to_acled):
            raise ValueError("a CASE 2021 label is both an ACLED and an extra label")
        labels = sorted(set(case_to_acled) | set(case_extra))
        to_case = []
        for r in ac["case2021"].get("plover_to_case") or ():
            if r["label"] not in labels:
                raise ValueError(f"rule {r}: unknown CASE label")
            to_case.append(rule(r, r["label"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise OntologyError(asrc, f"malformed: {exc}") from exc

    ro = MappingProxyType
    return Ontology(
        version=str(pv.get("version", "")),
        types=tuple(types),
        contexts=tuple(contexts),
        quads=tuple(pv.get("quads") or QUADS),
        plv_labels=plv_labels,
        case2021_labels=tuple(labels),
        acled_event_types=tuple(type_defs),
        penta_labels=ro(penta_labels),
        auxiliary_modes=ro(aux),
        _types=ro(types),
        _context_defs=ro(contexts),
        _context_aliases=ro(ctx_aliases),
        _legacy=ro(legacy),
        _unmappable=ro({k.upper(): v for k, v in (pv.get("unmappable_names") or {}).items()}),
        _mode_aliases=ro(mode_aliases),
        _plv_merge=ro(plv_merge),
        _penta_by_root=ro(penta_by_root),
        _cameo=ro(cameo),
        _acled=ro(acled),
        _acled_by_sub=ro(by_sub),
        _acled_type_names=ro(type_names),
        _acled_defaults=ro(defaults),
        _acled_type_aliases=ro(type_aliases),
        _acled_type_defs=ro(type_defs),
        _to_acled=tuple(to_acled),
        _case_to_acled=ro(case_to_acled),
        _case_extra=ro(case_extra),
        _to_case=tuple(to_case),
    )


@lru_cache(maxsize=8)
def _load_cached(data_dir: Path) -> Ontology:
    return _build(data_dir)


def load_ontology(data_dir: str | Path | None = None) -> Ontology:
    """The ontology from the package's data files, or from ``data_dir`` holding the same three files.

    Cached: repeated calls return the same immutable object.
    """
    path = DATA_DIR if data_dir is None else Path(data_dir).expanduser().resolve()
    return _load_cached(path)
