"""The trigger lexicon (``data/triggers.yaml``) and trigger finding in a parsed sentence:
lexicon verbs, eventive nouns and posture constructions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .annotator import Annotator


@dataclass(frozen=True)
class Posture:
    """Readiness constructions that make a MOBILIZE event (``posture`` in triggers.yaml)."""

    type: str
    states: frozenset[str]
    place_verbs: frozenset[str]
    place_preps: frozenset[str]
    raise_verbs: frozenset[str]
    levels: frozenset[str]
    military_words: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    verbs: dict[str, tuple[str, str | None]]
    nouns: dict[str, tuple[str, str | None]]
    light_verbs: frozenset[str]
    reverse_roles: frozenset[str]
    target_preps: frozenset[str]
    patient_poss_nouns: frozenset[str] = frozenset()
    copular_verbs: frozenset[str] = frozenset()
    container_nouns: frozenset[str] = frozenset()
    force_motion_verbs: frozenset[str] = frozenset()
    commerce_verbs: frozenset[str] = frozenset()
    military_goods: frozenset[str] = frozenset()
    #: head noun (lower case) -> MOBILIZE mode ("troops", "police", "weapons")
    force_nouns: dict[str, str] = field(default_factory=dict)
    #: (type, mode or None) of triggers whose passive subject naming forces is the mover
    moving_types: frozenset[tuple[str, str | None]] = frozenset()
    posture: Posture | None = None


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    path = resources.files("powderkeg.coder").joinpath("data/triggers.yaml")
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))

    def table(d: dict[str, list[Any]]) -> dict[str, tuple[str, str | None]]:
        return {k.lower(): (v[0], v[1]) for k, v in d.items()}

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).lower() for w in spec.get(key) or ())

    force: dict[str, str] = {}
    for mode, nouns in (spec.get("force_nouns") or {}).items():
        for w in nouns:
            force.setdefault(str(w).lower(), str(mode))
    moving = frozenset(
        (t.split("/", 1)[0], t.split("/", 1)[1] if "/" in t else None)
        for t in (str(x) for x in spec.get("moving_types") or ())
    )
    pspec = spec.get("posture")
    posture = None
    if pspec:
        posture = Posture(
            type=str(pspec["type"]),
            **{
                k: frozenset(str(w).lower() for w in pspec[k])
                for k in ("states", "place_verbs", "place_preps", "raise_verbs", "levels", "military_words")
            },
        )
    return Lexicon(
        verbs=table(spec["verbs"]),
        nouns=table(spec["nouns"]),
        light_verbs=frozenset(spec["light_verbs"]),
        reverse_roles=frozenset(spec["reverse_roles"]),
        target_preps=frozenset(spec["target_preps"]),
        patient_poss_nouns=words("patient_poss_nouns"),
        copular_verbs=words("copular_verbs"),
        container_nouns=words("container_nouns"),
        force_motion_verbs=words("force_motion_verbs"),
        commerce_verbs=words("commerce_verbs"),
        military_goods=words("military_goods"),
        force_nouns=force,
        moving_types=moving,
        posture=posture,
    )


@dataclass
class Trigger:
    token: Any  # spacy Token: the trigger word
    verb: Any  # the governing verb (the token itself for verbal triggers)
    type: str
    mode: str | None
    source: str  # "verb", "noun" or "model"
    #: roles from the noun's own dependents only (possessor, actor-naming modifiers, of/by/on...
    #: phrases), not from a governing verb; the event then needs an actor
    own_roles: bool = False
    #: False: no nearest-mention guess (:func:`fallback_roles`) when the parse gives no roles
    fallback: bool = True


#: Model designations of weapons: "S-400", "T-72", "MiG-29s", "F-16", "FK-3".

#: Model designations of weapons: "S-400", "T-72", "MiG-29s", "F-16", "FK-3".
_DESIGNATION = re.compile(r"^[A-Z][A-Za-z]{0,4}-\d{1,4}[A-Za-z]{0,2}$")


#: Dependencies of a participle that modifies a noun rather than reporting an act.
_ATTRIBUTIVE = frozenset({"amod", "compound", "nmod"})


def find_triggers(
    sent: Any, lex: Lexicon, ann: Annotator, forms: frozenset[str] | None = None
) -> list[Trigger]:
    """Event triggers in a parsed sentence: lexicon verbs, eventive nouns and posture
    constructions ("put the army on high alert").

    ``forms`` (from :meth:`Annotator.surface_forms`) lists the token texts that can have a
    lexicon lemma; other tokens are passed over without computing their POS and lemma.

    An eventive noun that is the object of a verb which is an event of its own ("condemned the
    attack", "lifted sanctions") or the subject of a verb of being ("another threat is looming")
    takes its roles from its own dependents and needs an actor there (``own_roles``); only a
    noun that is the object of a light or neutral verb ("launched an invasion", "reached a
    deal") or a headline takes a nearest-mention guess when the parse finds no roles.
    """
    out: list[Trigger] = []
    posture_verbs: set[int] = set()
    for tok in sent:
        low = tok.lower_
        if forms is not None and low not in forms:
            continue
        pos, lemma = ann.pos_lemma(tok)
        if pos in ("VERB", "AUX") or (pos == "ADJ" and tok.dep_ == "ROOT"):
            if tok.dep_ in _ATTRIBUTIVE:
                continue  # "Russian-backed", "alleged", "so-called": a modifier, not an act
            prt = next((ann.lemma(c) for c in tok.children if c.dep_ == "prt"), None)
            if prt is None:  # "called for calm", "called on Russia": the preposition binds
                prt = next((c.lower_ for c in tok.children if c.dep_ == "prep"), None)
            key = f"{lemma} {prt}" if prt and f"{lemma} {prt}" in lex.verbs else lemma
            if key in lex.verbs:
                if lemma in lex.light_verbs and _light_object(tok, lex, ann) is not None:
                    continue  # "impose sanctions": the noun decides
                if lemma in lex.commerce_verbs and not _trades_military_goods(tok, lex, ann):
                    continue  # "selling natural gas": trade, not aid
                t, m = lex.verbs[key]
                if t == "MOBILIZE":
                    m = _moved_mode(tok, lex, ann) or m
                out.append(Trigger(tok, tok, t, m, "verb"))
            elif lemma in lex.force_motion_verbs and _moved_mode(tok, lex, ann, subjects=True):
                # "Russian troops continued to arrive in Belarus", "a US warship entered"
                out.append(Trigger(tok, tok, "MOBILIZE", _moved_mode(tok, lex, ann), "verb"))
        elif pos in ("NOUN", "PROPN"):
            post = _posture_trigger(tok, lemma, lex, ann)
            if post is not None:
                posture_verbs.add(post.verb.i)
                out.append(post)
                continue
            if lemma not in lex.nouns and low not in lex.nouns:
                continue
            t, m = lex.nouns.get(lemma) or lex.nouns[low]
            head, dep = tok.head, tok.dep_
            claimed = False
            if dep == "pobj" and head.lower_ == "of" and ann.lemma(head.head) in lex.container_nouns:
                head, dep = head.head.head, head.head.dep_  # "implement a package of reprisals"
            elif (
                dep == "pobj"
                and head.lower_ == "for"
                and ann.lemma(head.head) == "responsibility"
                and head.head.dep_ == "dobj"
            ):
                head, dep = head.head.head, "dobj"  # "claimed responsibility for the attack"
                claimed = True
            head_verbal = ann.pos(head) in ("VERB", "AUX")
            if dep in ("dobj", "attr", "nsubjpass") and head_verbal:
                hl = ann.lemma(head)
                if hl in lex.verbs and lex.verbs[hl][0] == "REQUEST":
                    continue  # "demanded security guarantees": asked for, not given
                if hl in lex.verbs and hl not in lex.light_verbs and not claimed:
                    out.append(Trigger(tok, tok, t, m, "noun", own_roles=True, fallback=False))
                else:
                    out.append(Trigger(tok, head, t, m, "noun"))
            elif dep == "nsubj" and head_verbal and ann.lemma(head) in lex.copular_verbs:
                out.append(Trigger(tok, tok, t, m, "noun", own_roles=True, fallback=False))
            elif dep in ("nsubj", "ROOT", "pobj", "conj", "appos", "npadvmod"):
                verb = head if head_verbal else tok
                out.append(Trigger(tok, verb, t, m, "noun", fallback=dep == "ROOT"))
    if posture_verbs:  # "expanded its military presence": the posture, not the verb, decides
        out = [t for t in out if not (t.source == "verb" and t.token.i in posture_verbs)]
    return out


def trigger_lemmas(lex: Lexicon) -> set[str]:
    """Lemmas whose tokens can start a trigger (first words of multi-word verbs included)."""
    out = set(lex.verbs) | set(lex.nouns)
    out |= {k.split()[0] for k in lex.verbs if " " in k}
    out |= lex.force_motion_verbs
    if lex.posture is not None:
        out |= lex.posture.states | lex.posture.levels
    return out


def _light_object(verb: Any, lex: Lexicon, ann: Annotator) -> Any | None:
    for c in verb.children:
        if c.dep_ in ("dobj", "attr") and (ann.lemma(c) in lex.nouns or c.lower_ in lex.nouns):
            return c
    return None


def _with_conjuncts(tok: Any) -> list[Any]:
    out = [tok]
    stack = [tok]
    while stack:
        for c in stack.pop().children:
            if c.dep_ in ("conj", "appos"):
                out.append(c)
                stack.append(c)
    return out


def _trades_military_goods(verb: Any, lex: Lexicon, ann: Annotator) -> bool:
    """True when what a commerce verb moves is military ("bought T-72 tanks", "an air defence
    system bought by Serbia"); PLOVER AID counts arms, not trade in goods."""
    goods = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    if verb.dep_ == "acl":
        goods.append(verb.head)
    for g in goods:
        for head in _with_conjuncts(g):
            toks = [head] + [c for c in head.children if c.dep_ in ("compound", "amod", "nmod")]
            for t in toks:
                if t.lower_ in lex.military_goods or ann.lemma(t) in lex.military_goods:
                    return True
                if _DESIGNATION.match(t.text):
                    return True
    return False


def _is_moving(type_: str, mode: str | None, lex: Lexicon) -> bool:
    return (type_, None) in lex.moving_types or (type_, mode) in lex.moving_types


def force_mode(tok: Any, lex: Lexicon, ann: Annotator) -> str | None:
    """MOBILIZE mode of a noun naming armed forces ("troops", "police", "weapons"), or None."""
    mode = lex.force_nouns.get(tok.lower_) or lex.force_nouns.get(ann.lemma(tok))
    if mode is None:
        return None
    mods = {
        lex.force_nouns.get(c.lower_)
        for c in tok.children
        if c.dep_ in ("compound", "amod") and c.lower_ in lex.force_nouns
    }
    if "police" in mods:  # "special police units"
        return "police"
    if "troops" in mods:  # "army officers"
        return "troops"
    return mode


def _moved_mode(verb: Any, lex: Lexicon, ann: Annotator, subjects: bool = False) -> str | None:
    """Mode of a move from what is moved: troops (when any are named), police, else weapons.
    ``subjects``: only the verb's (active or passive) subjects count."""
    deps = ("nsubjpass", "nsubj") if subjects else ("dobj", "nsubjpass", "nsubj")
    moved = [c for c in verb.children if c.dep_ in deps]
    if subjects and not moved and verb.dep_ == "xcomp":  # "troops continued to arrive"
        moved = [c for c in verb.head.children if c.dep_ in deps]
    modes = {force_mode(t, lex, ann) for m in moved for t in _with_conjuncts(m)} - {None}
    for mode in ("troops", "police", "weapons"):
        if mode in modes:
            return mode
    return None


def _posture_trigger(tok: Any, lemma: str, lex: Lexicon, ann: Annotator) -> Trigger | None:
    """A MOBILIZE trigger for a state of readiness placed or raised by a verb ("put its army on
    the highest level of combat readiness", "placed on high alert", "raised combat readiness")
    or a force level raised ("increased its military presence", "doubled the number of
    troops")."""
    post = lex.posture
    if post is None:
        return None
    is_state = lemma in post.states or tok.lower_ in post.states
    if not is_state and lemma not in post.levels and tok.lower_ not in post.levels:
        return None
    if not is_state and not _military_phrase(tok, post, lex, ann):
        return None
    head = tok
    if head.dep_ in ("compound", "amod", "nmod") and ann.pos(head.head) in ("NOUN", "PROPN"):
        head = head.head  # "the alert level", "alert status"
    if head.dep_ == "pobj" and head.head.lower_ == "of" and ann.pos(head.head.head) == "NOUN":
        head = head.head.head  # "the highest level of combat readiness", "a state of alert"
    verb = None
    if is_state and head.dep_ == "pobj" and ann.lemma(head.head) in post.place_preps:
        v = head.head.head
        if ann.pos(v) == "VERB" and ann.lemma(v) in post.place_verbs:
            verb = v
    elif (
        head.dep_ in ("dobj", "nsubjpass")
        and ann.pos(head.head) == "VERB"
        and ann.lemma(head.head) in post.raise_verbs
    ):
        verb = head.head
    if verb is None:
        return None
    moved = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass") and c is not head]
    modes = {force_mode(t, lex, ann) for m in moved for t in _with_conjuncts(m)} - {None}
    mode = "police" if modes == {"police"} else "weapons" if modes == {"weapons"} else "troops"
    return Trigger(tok, verb, post.type, mode, "noun")


def _military_phrase(tok: Any, post: Posture, lex: Lexicon, ann: Annotator) -> bool:
    """A force level with a military word: "military presence", "the number of troops"."""
    words = [c for c in tok.children if c.dep_ in ("compound", "amod", "nmod")]
    for p in tok.children:
        if p.dep_ == "prep" and p.lower_ == "of":
            for o in p.children:
                if o.dep_ == "pobj":
                    words.append(o)
                    words += [c for c in o.children if c.dep_ in ("compound", "amod")]
    for w in words:
        low = w.lower_
        if low in post.military_words or lex.force_nouns.get(low) == "troops":
            return True
        if ann.lemma(w) in post.military_words:
            return True
    return False
