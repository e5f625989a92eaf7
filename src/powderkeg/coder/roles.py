"""Source/target roles of a trigger from a spaCy dependency parse (triggers: :mod:`.triggers`;
factuality: :mod:`.factuality`; POS and lemmas: :mod:`.annotator`; all re-exported here).

All functions take spaCy tokens of one parsed sentence plus the actor mentions found in it
(character offsets in the parsed text, i.e. ``tok.idx``; the parser may see several sentences
in it) and return plain values, so each step can be tested on its own.

POS tags and lemmas come from an :class:`Annotator`, which computes them only for the tokens
that are read (the model's ``attribute_ruler`` and ``lemmatizer`` stay disabled), with the same
results; :meth:`Annotator.surface_forms` lists every token text that can carry a trigger lemma,
so sentences without any of them need no parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .annotator import Annotator
from .factuality import factuality
from .triggers import (
    Lexicon,
    Posture,
    Trigger,
    _is_moving,
    _with_conjuncts,
    find_triggers,
    force_mode,
    load_lexicon,
    trigger_lemmas,
)

# Dependency labels that stay inside a noun phrase's "core" (the words that name the entity,
# not prepositional or clausal modifiers that may name other entities).
_CORE_DEPS = {
    "compound", "poss", "amod", "nmod", "appos", "det", "nummod", "quantmod", "case", "flat",
    "conj", "cc", "punct", "npadvmod", "nn", "predet",
}  # fmt: skip
_SUBJ = {"nsubj", "csubj", "expl"}
_CLIMB = {"xcomp", "conj", "advcl", "acl", "pcomp", "relcl", "acomp"}
_REL_PRONOUNS = {"which", "who", "that", "whom"}
_PRONOUNS = {"it", "they", "he", "she"}
#: Prepositions of an eventive noun that name its actor ("the invasion by Russia", "aid from the
#: EU", "talks between Serbia and Kosovo") or its target ("the occupation of Crimea").
_NOUN_ACTOR_PREPS = {"by", "from", "between", "among"}
_NOUN_TARGET_PREPS = {"of", "against", "on", "upon", "to", "toward", "towards", "into", "with", "over", "at", "for"}


def _core_tokens(tok: Any, skip: Sequence[Any] = ()) -> list[Any]:
    skipped = {t.i for t in skip}
    toks = [tok]
    stack = [tok]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in _CORE_DEPS and c.i not in skipped:
                toks.append(c)
                stack.append(c)
    return toks


def _span_of(toks: Sequence[Any]) -> tuple[int, int]:
    return min(t.idx for t in toks), max(t.idx + len(t.text) for t in toks)


def core_span(tok: Any) -> tuple[int, int]:
    """Character span (in the parsed text) of a noun phrase's core: no prepositional modifiers."""
    return _span_of(_core_tokens(tok))


def full_span(tok: Any) -> tuple[int, int]:
    """Character span (in the parsed text) of a token's subtree."""
    left, right = tok.left_edge, tok.right_edge
    return left.idx, right.idx + len(right.text)


def mentions_in(span: tuple[int, int], mentions: Sequence[Any]) -> list[Any]:
    a, b = span
    return [m for m in mentions if m.start < b and m.end > a]


def _covered(tok: Any, mentions: Sequence[Any]) -> bool:
    a, b = tok.idx, tok.idx + len(tok.text)
    return any(m.start <= a and m.end >= b for m in mentions)


def phrase_mentions(tok: Any, mentions: Sequence[Any]) -> list[Any]:
    """Mentions in a noun phrase's core, with appositions read as descriptions of a named head
    ("Kosovo, a NATO and EU partner" is Kosovo) or as the name of a described one ("Putin's
    best friend, Xi Jinping" is Xi); a list of names in apposition ("Abkhazia, South Ossetia
    and Transnistria") stays whole."""
    appos = [c for c in tok.children if c.dep_ == "appos"]
    if not appos:
        return mentions_in(core_span(tok), mentions)
    named = [a for a in appos if _covered(a, mentions)]
    if _covered(tok, mentions):
        keep = named
    elif named:
        return _unique_list(m for a in named for m in mentions_in(core_span(a), mentions))
    else:
        keep = appos
    own = mentions_in(_span_of(_core_tokens(tok, appos)), mentions)
    return _unique_list(own + [m for a in keep for m in mentions_in(core_span(a), mentions)])


def _unique_list(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for m in items:
        if m not in out:
            out.append(m)
    return out


def _collect(
    tokens: Iterable[Any], mentions: Sequence[Any], exclude: tuple[int, int] | None = None
) -> list[Any]:
    """Mentions of a list of role tokens: each token's core phrase, else its whole subtree
    ("the president of Serbia"), leaving out the ``exclude`` span (the trigger's own clause
    inside a subject: "efforts to destabilize Kosovo")."""
    found: list[Any] = []
    for t in tokens:
        hit = phrase_mentions(t, mentions) or mentions_in(full_span(t), mentions)
        if exclude is not None:
            hit = [m for m in hit if not (m.start >= exclude[0] and m.end <= exclude[1])]
        for m in hit:
            if m not in found:
                found.append(m)
    return found


def _is_infinitival(v: Any) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children)


def _subjects(
    verb: Any, ann: Annotator, mentions: Sequence[Any] = ()
) -> tuple[list[Any], list[Any], list[Any]]:
    """(active subjects, passive subjects, agents) of a verb, climbing to a governing verb.

    A relative pronoun subject stands for the noun it modifies ("Russia, which deployed ...");
    an infinitive that modifies the object of a verb belongs to that verb's subject ("Serbia is
    intensifying efforts to destabilize Kosovo") unless the object names an actor itself; the
    passive subject of a verb that governs an infinitive is that infinitive's subject ("the US
    was prepared to implement sanctions")."""
    v = verb
    via_xcomp = False
    for _ in range(4):
        subj = [c for c in v.children if c.dep_ in _SUBJ]
        pas = [c for c in v.children if c.dep_ in ("nsubjpass", "csubjpass")]
        agents = [g for c in v.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if subj and v.dep_ == "relcl" and all(s.lower_ in _REL_PRONOUNS for s in subj):
            return [v.head], pas, agents
        if pas and not subj and via_xcomp:
            return pas, [], []  # "the US was prepared to implement", "Serbia was urged to ..."
        if subj or pas or agents:
            return subj, pas, agents
        via_xcomp = v.dep_ == "xcomp"
        if v.dep_ in _CLIMB and v.head is not v:
            if v.dep_ in ("acl", "relcl") and ann.pos(v.head) in ("NOUN", "PROPN"):
                noun = v.head
                if (
                    v.dep_ == "acl"
                    and _is_infinitival(v)
                    and noun.dep_ in ("dobj", "attr")
                    and ann.pos(noun.head) in ("VERB", "AUX")
                    and not mentions_in(core_span(noun), mentions)
                ):
                    v = noun.head
                    continue
                return [noun], [], []
            v = v.head
        else:
            break
    return [], [], []


def _noun_roles(noun: Any, mentions: Sequence[Any], lex: Lexicon, ann: Annotator) -> tuple[list[Any], list[Any]]:
    """Actor and target mentions among an eventive noun's own dependents: the possessor and
    actor-naming modifiers ("Russia's invasion", "the Russian invasion", "EU sanctions") are
    the actor, except of nouns whose possessor suffers the act ("Navalny's arrest"); by/from/
    between phrases name actors, of/against/on/to/with phrases targets."""
    actors: list[Any] = []
    targets: list[Any] = []
    patient = ann.lemma(noun) in lex.patient_poss_nouns or noun.lower_ in lex.patient_poss_nouns
    for c in noun.children:
        dep = c.dep_
        if dep == "poss":
            (targets if patient else actors).extend(_collect([c], mentions))
        elif dep in ("compound", "amod", "nmod", "nn"):
            (targets if patient else actors).extend(mentions_in(full_span(c), mentions))
        elif dep == "prep":
            p = ann.lemma(c)
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if p in _NOUN_ACTOR_PREPS:
                actors.extend(_collect(objs, mentions))
            elif p in _NOUN_TARGET_PREPS:
                targets.extend(_collect(objs, mentions))
    head = noun.head
    if noun.dep_ == "pobj" and head.dep_ == "agent" and not targets:
        # "websites ... were knocked offline by a cyberattack": what the passive verb did it to
        targets.extend(
            _collect([c for c in head.head.children if c.dep_ in ("nsubjpass", "csubjpass")], mentions)
        )
    actors = _unique_list(actors)
    targets = [m for m in _unique_list(targets) if m not in actors]
    return actors, targets


def assign_roles(
    trig: Trigger, mentions: Sequence[Any], lex: Lexicon, ann: Annotator
) -> tuple[list[Any], list[Any], bool]:
    """Actor and target mentions of a trigger. Returns (actors, targets, from_parse).

    Mention offsets are character offsets in the parsed text (``tok.idx``).
    """
    verb = trig.verb
    if trig.source == "noun" and trig.token is verb:
        actors, targets = _noun_roles(trig.token, mentions, lex, ann)
        if trig.own_roles and not actors:
            return [], [], False
        return actors, targets, bool(actors or targets)
    if trig.source == "noun":
        own_actors, own_targets = _noun_roles(trig.token, mentions, lex, ann)
        if own_actors:  # "to justify Russia's occupation of Abkhazia": the possessor acts
            return own_actors, own_targets, True
    subj, pas, agents = _subjects(verb, ann, mentions)
    # a subject reached by climbing out of the trigger's clause: not the clause itself
    exclude = full_span(verb) if any(verb in s.subtree for s in subj) else None

    def collect(tokens: Iterable[Any]) -> list[Any]:
        return _collect(tokens, mentions)

    moving = _is_moving(trig.type, trig.mode, lex)

    def movers(tokens: list[Any]) -> tuple[list[Any], list[Any]]:
        """(tokens naming armed forces, the rest): forces are the ones that move."""
        if not moving:
            return [], tokens
        forces = [t for t in tokens if force_mode(t, lex, ann) is not None]
        return forces, [t for t in tokens if t not in forces]

    if agents:
        forces, pas = movers(pas)
        actors = collect(agents)
        actors += [m for m in collect(forces) if m not in actors]
        targets = collect(pas)
    else:
        actors = _collect(subj, mentions, exclude)
        objs = [c for c in verb.children if c.dep_ in ("dobj", "dative", "attr", "oprd")]
        if trig.source == "noun" and trig.token is not verb:
            objs = [o for o in objs if o is not trig.token]
        forces, objs = movers(objs)
        targets = collect(objs)
        # where the forces go: "massed troops on Ukraine's border", "sent troops to Belarus"
        targets += [
            m
            for f in forces
            for p in f.children
            if p.dep_ == "prep" and ann.lemma(p) in lex.target_preps
            for m in collect(c for c in p.children if c.dep_ == "pobj")
            if m not in targets
        ]
        if forces and not actors:  # "... deployed Serbian troops": the troops' side moves
            actors = collect(forces)
        if pas and not actors:
            forces, pas = movers(pas)
            actors = collect(forces)  # "Serbian army units were deployed"
            targets = targets or collect(pas)
    if not targets:
        noun_preps = lex.target_preps | {"of"}
        prep_heads = [(verb, lex.target_preps)]
        if trig.token is not verb:
            prep_heads.append((trig.token, noun_preps))
        for h, preps in prep_heads:
            for p in h.children:
                if p.dep_ in ("prep", "agent") and ann.lemma(p) in preps:
                    targets += [m for m in collect(c for c in p.children if c.dep_ == "pobj") if m not in targets]
        if trig.token is not verb:
            targets += [m for m in collect(c for c in trig.token.children if c.dep_ == "poss") if m not in targets]
    if ann.lemma(trig.verb) in lex.reverse_roles and not agents:
        # "bought tanks from Russia": the seller is the actor ("from" may hang on the goods)
        holders = [verb] + [t for o in verb.children if o.dep_ == "dobj" for t in _with_conjuncts(o)]
        sources = _unique_list(
            m
            for h in holders
            for p in h.children
            if p.dep_ == "prep" and ann.lemma(p) == "from"
            for m in collect(c for c in p.children if c.dep_ == "pobj")
        )
        if sources:
            actors, targets = sources, actors
    targets = [t for t in targets if t not in actors]
    from_parse = bool(actors or targets)
    if not actors and not targets:
        return [], [], False
    return actors, targets, from_parse


def fallback_roles(
    trig: Trigger, mentions: Sequence[Any], actors: list[Any], targets: list[Any]
) -> tuple[list[Any], list[Any]]:
    """Fill a missing actor or target from the nearest mentions around the trigger (not for a
    trigger whose roles must come from the parse, ``Trigger.fallback``)."""
    if not trig.fallback:
        return actors, targets
    pos = trig.token.idx
    # a resolved pronoun (coref) fills only the roles the parse gives it
    used = {id(m) for m in actors + targets} | {
        id(m) for m in mentions if getattr(m.actor, "text", "").lower() in _PRONOUNS
    }
    if not actors:
        before = [m for m in mentions if m.end <= pos and id(m) not in used]
        if before:
            actors = [before[-1]]
            used.add(id(before[-1]))
    if not targets:
        after = [m for m in mentions if m.start >= pos and id(m) not in used]
        if after:
            targets = [after[0]]
    return actors, targets


__all__ = [
    "Annotator", "Lexicon", "Posture", "Trigger", "assign_roles", "core_span", "factuality",
    "fallback_roles", "find_triggers", "force_mode", "full_span", "load_lexicon", "mentions_in",
    "phrase_mentions", "trigger_lemmas",
]
