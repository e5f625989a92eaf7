"""The coder's named steps over a run of sentences (:class:`.units.Batch`).

Each step is a plain function ``step(coder, batch) -> None`` that reads what the steps before it
left in the batch and adds its own part, so each can be tested on its own and replaced
(:meth:`.pipeline.Coder.replace_step`). In order (:data:`SENTENCE_STEPS`):

- ``mentions``: sentence language check, quantities, actor mentions (registry), re-casing of
  all-capital headlines; sentences with no mention (and no pronoun to resolve) stop here;
- ``prefilter``: the unmarked type model per sentence; a sentence with no word that can be a
  trigger and no sure model type is not parsed (so skipping changes no output);
- ``parse``: spaCy tok2vec, tagger and parser;
- ``coref``: a leading pronoun resolved to the previous sentence's subject;
- ``triggers``: lexicon verbs and eventive nouns, else the model's fallback on the root;
- ``roles``: actors and targets of each trigger from the parse rules (nearest mentions as a
  fallback), completed by the learned role tagger (:func:`step_roles_tagged`), and the
  pair's marked sentence for the type model (``step_roles``: the rules alone);
- ``types``: the type decision (lexicon, type model, shipped rule), batched;
- ``gate``: the learned event gate (:mod:`.learned.gate`) drops candidates that are not events;
- ``events``: Event objects (factuality, date, place, quantities, ontology fields);
- ``statements``: CAMEO statement code for verbal events of neutral sentences;
- ``acled``: ACLED fields from the case classifier where it agrees with the type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .language import is_all_caps, recase, sentence_language
from .learned.gate import candidate_features
from .marking import mark_pair
from .roles import Trigger, find_triggers
from .units import Batch, SentenceState, TypeDecision, _Candidate, _Mention

Step = Callable[[Any, Batch], None]

#: The type model's fallback (no lexicon trigger) needs at least this probability.
MODEL_FALLBACK_P = 0.5
MAX_EVENTS_PER_SENTENCE = 3
#: Sentences longer than this (tokens) keep the rules' roles: the tagger's cost grows with the
#: length, and its training sentences (news leads) are shorter.
TAGGER_MAX_TOKENS = 45
_LETTERS = re.compile(r"[^\W\d_]+")


def step_mentions(coder: Any, batch: Batch) -> None:
    for k, unit in enumerate(batch.units):
        doc = batch.docs[unit.doc]
        sentence = unit.text
        res = batch.results[k]
        guess = sentence_language(sentence)
        if guess is not None:
            res.problem = f"{guess.reason}; not coded"
            continue
        qms = coder.quantities.find(sentence)
        res.quantities = [q.quantity for q in qms]
        found = coder.registry.find(sentence, date=doc.date)
        if not found and not coder.coref.may_resolve(sentence, unit.prev_text, doc.date):
            continue
        parse_text = sentence
        if is_all_caps(sentence):
            names = [(m.start, m.end) for m in found]
            parse_text = recase(sentence, names, coder.annotator.is_word)
            found = coder.registry.find(parse_text, date=doc.date) or found
        folded = batch.folds[unit.doc]
        mentions = [coder._mention(doc, folded, unit, m) for m in found]
        res.actors = [m.actor for m in mentions]
        batch.sentences.append(SentenceState(k, parse_text, mentions, qms))


def step_prefilter(coder: Any, batch: Batch) -> None:
    probs = coder._type_probabilities([s.text for s in batch.sentences])
    for s, p in zip(batch.sentences, probs, strict=True):
        s.probs = p
    batch.sentences = [s for s in batch.sentences if coder._may_hold_event(s.text, s.probs)]


def step_parse(coder: Any, batch: Batch) -> None:
    parsed = coder.nlp.pipe([s.text for s in batch.sentences], batch_size=coder.batch_size)
    for s, sdoc in zip(batch.sentences, parsed, strict=True):
        s.sdoc = sdoc


def step_coref(coder: Any, batch: Batch) -> None:
    for s in batch.sentences:
        unit = batch.units[s.k]
        pronoun = coder.coref.resolve(s.sdoc, unit.prev_text, batch.docs[unit.doc].date)
        if pronoun is not None:  # "It purchased ...": the previous sentence's subject
            s.mentions = [_Mention(pronoun.start, pronoun.end, pronoun.actor), *s.mentions]


def step_triggers(coder: Any, batch: Batch) -> None:
    for s in batch.sentences:
        triggers = find_triggers(s.sdoc, coder.lexicon, coder.annotator, coder.trigger_forms)
        probs = s.probs
        if not triggers and probs:
            best = max(probs, key=probs.__getitem__)
            if probs[best] >= MODEL_FALLBACK_P:
                root = next((t for t in s.sdoc if t.dep_ == "ROOT"), None)
                if root is not None:
                    type_ = coder._from_model_label(best)
                    if type_:
                        triggers = [Trigger(root, root, type_, None, "model")]
        s.triggers = triggers


def step_roles(coder: Any, batch: Batch) -> None:
    for s in batch.sentences:
        out: list[_Candidate] = []
        for trig in s.triggers:
            actors, targets, from_parse = coder._trigger_roles(trig, s.mentions)
            if actors or targets:
                out.append(_Candidate(trig, actors, targets, from_parse,
                                      mark_pair(s.sdoc, actors[:1], targets[:1])))
        s.cands = out


def step_types(coder: Any, batch: Batch) -> None:
    """One batched type decision for every candidate of the run: the shipped rule for an
    actor/target pair (what ``eval --format plv`` scores), the lexicon first otherwise."""
    flat = [(s, c) for s in batch.sentences for c in s.cands]
    got = coder.decide_types(
        [s.text for s, _ in flat],
        [c.marked for _s, c in flat],
        [None if c.trig.source == "model" else c.trig.type for _, c in flat],
        trigger_words=[c.trig.token.text for _, c in flat],
        pairs=[bool(c.actors and c.targets) for _, c in flat],
        prior_p=[s.probs for s, _c in flat],
        quad_cache=batch.quad_cache,
    )
    it = iter(got)
    for s in batch.sentences:
        s.decisions = [next(it) for _ in s.cands]


def step_gate(coder: Any, batch: Batch) -> None:
    """Drop candidates the learned gate reads as no event (none without a gate)."""
    gate = coder.gate
    if gate is None:
        return
    for s in batch.sentences:
        keep_c, keep_d = [], []
        for c, d in zip(s.cands, s.decisions, strict=True):
            c.gate_p = gate.proba(gate_features(coder, c, d))
            if c.gate_p >= gate.threshold:
                keep_c.append(c)
                keep_d.append(d)
        s.cands, s.decisions = keep_c, keep_d


def gate_features(coder: Any, cand: _Candidate, dec: TypeDecision) -> list[str]:
    """The gate's features of a decided candidate (:func:`.learned.gate.candidate_features`)."""
    return candidate_features(cand.trig, cand.actors, cand.targets, cand.from_parse, dec.type,
                              dec.p, dec.by, coder.annotator)


def step_events(coder: Any, batch: Batch) -> None:
    """Events of each sentence: one per decided type, at most ``MAX_EVENTS_PER_SENTENCE``."""
    for s in batch.sentences:
        unit = batch.units[s.k]
        doc = batch.docs[unit.doc]
        events = []
        seen_types: set[str] = set()
        shared: dict[Any, Any] = {}
        for cand, dec in zip(s.cands, s.decisions, strict=True):
            if dec.type is None or dec.type in seen_types or len(events) >= MAX_EVENTS_PER_SENTENCE:
                continue
            trig = cand.trig
            if dec.type != trig.type:  # the model overrode the lexicon: its mode does not apply
                trig = Trigger(trig.token, trig.verb, dec.type, None, "model")
            ev = coder._make_event(doc, unit, trig, cand.actors, cand.targets, s.qms, dec.p,
                                   cand.from_parse, shared)
            seen_types.add(dec.type)
            events.append(ev)
        batch.results[s.k].events = events


def step_statements(coder: Any, batch: Batch) -> None:
    coder._statements([(s.text, batch.results[s.k].events) for s in batch.sentences],
                      batch.quad_cache)


def step_acled(coder: Any, batch: Batch) -> None:
    coder._acled_from_models([ev for res in batch.results for ev in res.events])




def step_roles_tagged(coder: Any, batch: Batch) -> None:
    """``roles``, then the learned role tagger (:mod:`.learned.role_tagger`) fills what the
    parse rules left open: a candidate with no actor takes the mentions inside the tagger's
    source spans, one with no target those inside its target spans (not its actors); a
    candidate whose roles were only the nearest-mention guess takes the tagger's where it
    has both."""
    step_roles(coder, batch)
    tagger = coder.role_tagger
    if tagger is None:
        return
    for s in batch.sentences:
        # only where the rules left a role open or only guessed (the tagger costs a pass)
        if len(s.sdoc) > TAGGER_MAX_TOKENS or not any(
                not (c.actors and c.targets) or not c.from_parse for c in s.cands):
            continue
        spans = _tagged_spans(coder, tagger, s)
        src = [m for m in s.mentions if any(a <= m.start and m.end <= b for a, b in spans["S"])]
        tgt = [m for m in s.mentions if any(a <= m.start and m.end <= b for a, b in spans["T"])]
        joint = [m for m in s.mentions if any(a <= m.start and m.end <= b for a, b in spans["R"])]
        if not src and len(joint) >= 2:
            src, tgt = joint[:1], tgt or joint[1:2]
        for c in s.cands:
            before = (c.actors, c.targets)
            if not c.from_parse and src and tgt:
                c.actors, c.targets = src[:1], [m for m in tgt if m.actor.code != src[0].actor.code][:1]
            else:
                if not c.actors and src:
                    c.actors = [m for m in src if m not in c.targets][:1]
                if not c.targets and tgt:
                    codes = {m.actor.code for m in c.actors}
                    c.targets = [m for m in tgt if m.actor.code not in codes][:1]
            if (c.actors[:1], c.targets[:1]) != (before[0][:1], before[1][:1]):
                c.marked = mark_pair(s.sdoc, c.actors[:1], c.targets[:1])


def _tagged_spans(coder: Any, tagger: Any, s: SentenceState) -> dict[str, list[tuple[int, int]]]:
    """Character spans of the tagger's S, T and R spans in the sentence's parse."""
    from .learned.role_tagger import coder_cues, role_spans

    doc = s.sdoc
    actor: dict[int, str] = {}
    for m in s.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        toks = list(span) if span is not None else []
        for j, t in enumerate(toks):
            actor[t.i] = ("B:" if j == 0 else "I:") + str(getattr(m.actor, "kind", "?"))
    _none, trig = coder_cues(doc, None, coder.lexicon, coder.annotator, coder.trigger_forms)
    tags = tagger.tag_doc(doc, (actor, trig))
    out: dict[str, list[tuple[int, int]]] = {"S": [], "T": [], "R": []}
    for role, a, b in role_spans(tags):
        out[role].append((doc[a].idx, doc[b - 1].idx + len(doc[b - 1])))
    return out


#: The steps after the document split, in order.
SENTENCE_STEPS: tuple[tuple[str, Step], ...] = (
    ("mentions", step_mentions),
    ("prefilter", step_prefilter),
    ("parse", step_parse),
    ("coref", step_coref),
    ("triggers", step_triggers),
    ("roles", step_roles_tagged),
    ("types", step_types),
    ("gate", step_gate),
    ("events", step_events),
    ("statements", step_statements),
    ("acled", step_acled),
)

__all__ = ["MAX_EVENTS_PER_SENTENCE", "MODEL_FALLBACK_P", "SENTENCE_STEPS", "Step",
           "gate_features", "step_roles", "step_roles_tagged"]
