"""Scenario files: a pydantic schema with field-level errors, ``--set`` overrides and sources.

A parameter in the YAML is a plain value (an analyst's value), ``{value: V, source: "..."}``
(an analyst's value with what it rests on), or the string ``calibration`` /
``calibration:KEY`` (a default estimated from ../shared/data/calibration by
``tools/calibrate_simulate.py``, shipped as ``data/calibration.json``). Every parameter's value
and source appear in the simulation output.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._yaml import parse_yaml
from ..errors import InputError, UsageError

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Effect = Annotated[float, Field(ge=-10.0, le=10.0)]
RUNGS = ("peace", "threats", "militarised dispute", "limited use of force", "war")
MAX_THEATRES = 64
MAX_EVENTS = 256
MAX_ACTORS = 50_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Actor(_Model):
    name: str = ""
    capability: Prob = 0.5  # share of the strongest actor's military capability (COW CINC-like)
    resolve: Prob = 0.5
    capacity: Annotated[float, Field(gt=0.0, le=20.0)] = 1.0  # concurrent commitments at full strength


class Theatre(_Model):
    name: str = ""
    aggressor: str
    defender: str
    start: Annotated[int, Field(ge=0, le=4)] = 0
    floor: Annotated[int, Field(ge=0, le=4)] = 0  # the theatre cannot fall below this rung (a what-if)
    indicators: Effect = 0.0  # coded-indicator pressure, standardised (0 = usual)
    closed: bool = False
    watch: str | None = None  # the watch stage's theatre id, for --from-store


class Condition(_Model):
    theatre: str | None = None
    rung: Annotated[int, Field(ge=1, le=4)] = 3
    event: str | None = None

    def model_post_init(self, __context: Any) -> None:
        if (self.theatre is None) == (self.event is None):
            raise ValueError("a trigger names exactly one of theatre (with rung) or event")


class Trigger(_Model):
    any: list[Condition] = Field(min_length=1, max_length=8)


class Escalate(_Model):
    theatre: str
    to: Annotated[int, Field(ge=1, le=4)]


class Effects(_Model):
    escalate: Escalate | None = None
    commit: str | None = None  # theatre the acting actor commits forces to
    deter: dict[str, Effect] = Field(default_factory=dict)  # theatre -> log-hazard change on up-moves


class Event(_Model):
    actor: str
    trigger: Trigger
    probability: Prob
    per: Literal["decision", "week"] = "decision"
    capacity_scaled: bool = False  # probability times the actor's free capacity (overextension)
    effects: Effects = Field(default_factory=Effects)
    enabled: bool = True


class Commitment(_Model):
    guarantor: str
    protects: str
    theatre: str  # where the protected party faces the threat
    reliability: Prob
    deterrence: Effect = 0.0  # log-hazard cut on up-moves there, times reliability and free capacity
    trigger: Trigger
    effects: Effects = Field(default_factory=Effects)
    enabled: bool = True


class Patron(_Model):
    patron: str
    proxy: str
    theatre: str
    support: Effect  # log-hazard rise on the proxy's up-moves, times the patron's free capacity
    enabled: bool = True


class Transfer(_Model):
    supplier: str
    recipient: str
    theatre: str
    effect: Effect
    enabled: bool = True


class Presence(_Model):
    actor: str
    theatre: str
    effect: Effect
    enabled: bool = True


class Leverage(_Model):
    actor: str
    target: str
    theatre: str
    effect: Effect  # log-hazard cut on the target's up-moves while it holds
    enabled: bool = True


class Sanction(_Model):
    imposer: str
    target: str
    trigger: Trigger
    probability: Prob
    deterrence: Effect = 0.0  # threat: log-hazard cut on the trigger theatres' up-moves, times probability
    cost: Effect = 0.0  # once in force: log-hazard cut on up-moves where the target is aggressor or patron
    in_force: bool = False
    enabled: bool = True
    energy: str | None = None  # an energy tie whose dependence lowers the probability


class Energy(_Model):
    supplier: str
    consumer: str
    dependence: Prob
    retaliation: Prob  # probability the supplier cuts supply once sanctions tied to this are in force
    enabled: bool = True


class Excitation(_Model):
    source: str = Field(alias="from")
    to: str
    weight: Effect  # log-hazard rise on `to`'s up-moves while `from` is at use of force or war
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Transition(_Model):
    weekly: list[list[Prob]]  # 5x5 weekly chain, rows sum to 1
    up_scale: Annotated[float, Field(ge=0.0, le=20.0)] = 1.0
    down_scale: Annotated[float, Field(ge=0.0, le=20.0)] = 1.0
    indicator_effect: Effect = 0.0
    capability_effect: Effect = 0.0
    resolve_effect: Effect = 0.0
    overextension: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    commit_rung: Annotated[int, Field(ge=1, le=4)] = 3

    @field_validator("weekly")
    @classmethod
    def _square(cls, v: list[list[float]]) -> list[list[float]]:
        if len(v) != 5 or any(len(r) != 5 for r in v):
            raise ValueError("weekly must be 5 rows of 5 probabilities (peace .. war)")
        for i, r in enumerate(v):
            if abs(sum(r) - 1.0) > 1e-4:
                raise ValueError(f"row {i} sums to {sum(r):.6f}, not 1")
        return v


class Scenario(_Model):
    name: str
    as_of: str = ""
    description: str = ""
    steps: Annotated[int, Field(ge=1, le=520)] = 52
    actors: dict[str, Actor] = Field(min_length=1)
    theatres: dict[str, Theatre] = Field(min_length=1)
    transition: Transition
    excitation: list[Excitation] = Field(default_factory=list)
    patrons: dict[str, Patron] = Field(default_factory=dict)
    arms_transfers: dict[str, Transfer] = Field(default_factory=dict)
    presence: dict[str, Presence] = Field(default_factory=dict)
    leverage: dict[str, Leverage] = Field(default_factory=dict)
    commitments: dict[str, Commitment] = Field(default_factory=dict)
    sanctions: dict[str, Sanction] = Field(default_factory=dict)
    energy: dict[str, Energy] = Field(default_factory=dict)
    events: dict[str, Event] = Field(default_factory=dict)
    whatif: dict[str, list[str]] = Field(default_factory=dict)  # named --set lists for reports


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def calibration_table() -> dict[str, Any]:
    res = resources.files("powderkeg.simulate").joinpath("data/calibration.json")
    return json.loads(res.read_text(encoding="utf-8"))


def _calibration_value(key: str, where: str) -> tuple[Any, str]:
    table = calibration_table()
    src = table["sources"]
    if key in ("", "weekly"):
        return table["weekly"], f"calibration: weekly ladder chain ({src['transition']})"
    if key == "alliance_defense_joined":
        return table[key]["rate"], f"calibration: ATOP defence-pact allies joining MIDs with force ({src['alliance']})"
    if key == "ucdp_onset_weekly":
        return table["ucdp_onset"]["weekly"], f"calibration: UCDP onset rate per week ({src['onset']})"
    raise InputError(where, f"unknown calibration key {key!r} (weekly, alliance_defense_joined, ucdp_onset_weekly)")


def _resolve(node: Any, path: str, sources: dict[str, str], source_file: str) -> Any:
    """Replace {value, source} and calibration strings by values, recording each leaf's source."""
    if isinstance(node, dict):
        keys = set(node)
        if "value" in keys and keys <= {"value", "source"}:
            sources[path] = f"analyst: {node.get('source') or 'scenario file'}"
            return _resolve(node["value"], path, {}, source_file)
        return {k: _resolve(v, f"{path}.{k}" if path else str(k), sources, source_file) for k, v in node.items()}
    if isinstance(node, list):
        if path.endswith("weekly"):
            sources.setdefault(path, "analyst: scenario file")
            return node
        return [_resolve(v, f"{path}.{i}", sources, source_file) for i, v in enumerate(node)]
    if isinstance(node, str) and (node == "calibration" or node.startswith("calibration:")):
        value, src = _calibration_value(node.partition(":")[2], f"{source_file}: {path}")
        sources[path] = src
        return value
    if isinstance(node, bool | int | float):
        sources.setdefault(path, "analyst: scenario file")
    return node


def read_raw(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise InputError(str(path), "no such scenario file")
    if p.stat().st_size > 20_000_000:
        raise InputError(str(path), "scenario file larger than 20 MB")
    raw = parse_yaml(p.read_text(encoding="utf-8"), str(path))
    if not isinstance(raw, dict):
        raise InputError(str(path), "a scenario is a YAML mapping (name, actors, theatres, transition, ...)")
    return raw


def _schema_field(keys: list[str]) -> bool:
    """Whether ``keys`` names a field the schema has (left out of the file, so at its default)."""
    sections: dict[str, type[BaseModel]] = {
        "actors": Actor, "theatres": Theatre, "patrons": Patron, "arms_transfers": Transfer,
        "presence": Presence, "leverage": Leverage, "commitments": Commitment, "sanctions": Sanction,
        "energy": Energy, "events": Event,
    }  # fmt: skip
    if len(keys) == 3 and keys[0] in sections:
        return keys[2] in sections[keys[0]].model_fields
    if len(keys) == 2 and keys[0] == "transition":
        return keys[1] in Transition.model_fields
    return False


def _parse_set(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise UsageError(f"--set {item!r}: write PATH=VALUE, e.g. commitments.article5.reliability=0.5")
    path, _, value = item.partition("=")
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        parsed = value
    return [p for p in path.strip().split(".")], parsed


def apply_sets(raw: dict[str, Any], sets: list[str] | tuple[str, ...], sources: dict[str, str]) -> dict[str, Any]:
    """Apply ``PATH=VALUE`` overrides; a path that does not exist is a usage error naming it."""
    raw = copy.deepcopy(raw)
    for item in sets:
        keys, value = _parse_set(item)
        node: Any = raw
        for i, k in enumerate(keys):
            last = i == len(keys) - 1
            here = ".".join(keys[: i + 1])
            if isinstance(node, list):
                if not k.isdigit() or int(k) >= len(node):
                    raise UsageError(f"--set {item}: {here} does not exist (index out of range)")
                k2: Any = int(k)
            elif isinstance(node, dict):
                if k not in node and not (last and _schema_field(keys)):
                    known = ", ".join(sorted(map(str, node))[:12])
                    raise UsageError(f"--set {item}: {here} does not exist (known here: {known})")
                k2 = k
            else:
                raise UsageError(f"--set {item}: {'.'.join(keys[:i])} is a value, not a section")
            if last:
                old = node[k2] if (isinstance(node, list) or k2 in node) else None
                if isinstance(old, dict) and not (set(old) <= {"value", "source"}):
                    raise UsageError(f"--set {item}: {here} is a section; set one of its fields")
                node[k2] = value
                sources[".".join(keys)] = f"--set {item}"
            else:
                node = node[k2]
    return raw


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(x) for x in loc if not str(x).startswith("function-"))


def validate(raw: dict[str, Any], source: str) -> Scenario:
    if isinstance(raw.get("actors"), dict) and len(raw["actors"]) > MAX_ACTORS:
        raise InputError(source, f"actors: {len(raw['actors'])} actors, more than the {MAX_ACTORS} a scenario may have")
    for section, cap in (("theatres", MAX_THEATRES), ("events", MAX_EVENTS)):
        if isinstance(raw.get(section), dict) and len(raw[section]) > cap:
            raise InputError(source, f"{section}: {len(raw[section])} entries, more than {cap}")
    try:
        sc = Scenario.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        more = f" (and {e.error_count() - 1} more problems)" if e.error_count() > 1 else ""
        raise InputError(source, f"{_fmt_loc(err['loc'])}: {err['msg']}{more}") from None
    check_references(sc, source)
    return sc


def _need(kind: str, known: dict[str, Any], name: str | None, field: str, source: str) -> None:
    if name is not None and name not in known:
        raise InputError(source, f"{field}: unknown {kind} {name!r}")


def _check_trigger(sc: Scenario, trig: Trigger, field: str, source: str) -> None:
    for i, c in enumerate(trig.any):
        _need("theatre", sc.theatres, c.theatre, f"{field}.any.{i}.theatre", source)
        if c.event is not None and c.event not in trigger_ids(sc):
            raise InputError(source, f"{field}.any.{i}.event: unknown event {c.event!r}")


def _check_effects(sc: Scenario, eff: Effects, field: str, source: str) -> None:
    if eff.escalate is not None:
        _need("theatre", sc.theatres, eff.escalate.theatre, f"{field}.escalate.theatre", source)
    _need("theatre", sc.theatres, eff.commit, f"{field}.commit", source)
    for t in eff.deter:
        _need("theatre", sc.theatres, t, f"{field}.deter.{t}", source)


def trigger_ids(sc: Scenario) -> dict[str, tuple[str, Any]]:
    """Every firing element (commitments, sanctions, energy retaliation, events) by id."""
    out: dict[str, tuple[str, Any]] = {}
    out.update({k: ("commitments", v) for k, v in sc.commitments.items()})
    out.update({k: ("sanctions", v) for k, v in sc.sanctions.items()})
    out.update({f"{k}_cut": ("energy", v) for k, v in sc.energy.items()})
    out.update({k: ("events", v) for k, v in sc.events.items()})
    return out


def check_references(sc: Scenario, source: str) -> None:
    A, T = sc.actors, sc.theatres
    for tid, t in T.items():
        _need("actor", A, t.aggressor, f"theatres.{tid}.aggressor", source)
        _need("actor", A, t.defender, f"theatres.{tid}.defender", source)
    for i, x in enumerate(sc.excitation):
        _need("theatre", T, x.source, f"excitation.{i}.from", source)
        _need("theatre", T, x.to, f"excitation.{i}.to", source)
    for sec, fields in (("patrons", ("patron", "proxy")), ("arms_transfers", ("supplier", "recipient")),
                        ("presence", ("actor",)), ("leverage", ("actor", "target")),
                        ("commitments", ("guarantor", "protects")), ("sanctions", ("imposer", "target")),
                        ("energy", ("supplier", "consumer")), ("events", ("actor",))):  # fmt: skip
        for key, item in getattr(sc, sec).items():
            for f in fields:
                _need("actor", A, getattr(item, f), f"{sec}.{key}.{f}", source)
            if hasattr(item, "theatre"):
                _need("theatre", T, item.theatre, f"{sec}.{key}.theatre", source)
            if hasattr(item, "trigger"):
                _check_trigger(sc, item.trigger, f"{sec}.{key}.trigger", source)
            if hasattr(item, "effects"):
                _check_effects(sc, item.effects, f"{sec}.{key}.effects", source)
            if sec == "sanctions" and item.energy is not None:
                _need("energy tie", sc.energy, item.energy, f"sanctions.{key}.energy", source)
    ids = trigger_ids(sc)
    overlap = set(sc.commitments) & set(sc.sanctions) | set(sc.events) & (set(sc.commitments) | set(sc.sanctions))
    if overlap:
        raise InputError(source, f"{sorted(overlap)[0]}: the same id in two sections; ids must be unique")
    event_order(sc, source, ids)
    for name, sets in sc.whatif.items():
        if not isinstance(sets, list):
            raise InputError(source, f"whatif.{name}: a list of PATH=VALUE strings")


def event_order(sc: Scenario, source: str, ids: dict[str, tuple[str, Any]] | None = None) -> list[str]:
    """Firing elements in an order where every event comes after the events that trigger it; a
    cycle in triggers is an error naming the events on it."""
    ids = ids if ids is not None else trigger_ids(sc)
    deps: dict[str, list[str]] = {}
    for k, (_, item) in ids.items():
        trig = item.trigger if hasattr(item, "trigger") else None
        deps[k] = [c.event for c in trig.any if c.event] if trig else []
        if isinstance(item, Energy):
            deps[k] = [s for s, sv in sc.sanctions.items() if sv.energy == k[: -len("_cut")]]
    order: list[str] = []
    state: dict[str, int] = {}
    for start in ids:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                if state.get(node) == 1:
                    cyc = path[path.index(node):] + [node]
                    raise InputError(source, f"{ids[node][0]}.{node}.trigger: cycle in triggers: {' -> '.join(cyc)}")
                if state.get(node) == 2:
                    continue
                state[node] = 1
                path.append(node)
            d = deps[node]
            if i < len(d):
                stack.append((node, i + 1))
                stack.append((d[i], 0))
            else:
                state[node] = 2
                path.pop()
                order.append(node)
    return order


def resolved(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The scenario file with calibration values filled in, and each leaf's source."""
    sources: dict[str, str] = {}
    return _resolve(read_raw(path), "", sources, str(path)), sources


def build(base: dict[str, Any], base_sources: dict[str, str], sets: list[str] | tuple[str, ...], source: str) -> tuple[Scenario, dict[str, str]]:
    sources = dict(base_sources)
    return validate(apply_sets(base, sets, sources), source), sources


def load(path: str | Path, sets: list[str] | tuple[str, ...] = ()) -> tuple[Scenario, dict[str, str]]:
    """Read, override (``--set``), resolve calibration values and validate a scenario."""
    base, sources = resolved(path)
    return build(base, sources, sets, str(path))
