"""Triggers, source/target roles and factuality from a spaCy dependency parse.

All functions take spaCy tokens of one parsed sentence plus the actor mentions found in it
(character offsets in the parsed text, i.e. ``tok.idx``; the parser may see several sentences
in it) and return plain values, so each step can be tested on its own.

POS tags and lemmas come from an :class:`Annotator`, which computes them only for the tokens
that are read (the model's ``attribute_ruler`` and ``lemmatizer`` stay disabled), with the same
results; :meth:`Annotator.surface_forms` lists every token text that can carry a trigger lemma,
so sentences without any of them need no parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# Dependency labels that stay inside a noun phrase's "core" (the words that name the entity,
# not prepositional or clausal modifiers that may name other entities).
_CORE_DEPS = {
    "compound", "poss", "amod", "nmod", "appos", "det", "nummod", "quantmod", "case", "flat",
    "conj", "cc", "punct", "npadvmod", "nn", "predet",
}  # fmt: skip
_SUBJ = {"nsubj", "csubj", "expl"}
_CLIMB = {"xcomp", "conj", "advcl", "acl", "pcomp", "relcl", "acomp"}
_CLAUSE_BOUNDARY = {"ccomp", "advcl", "relcl", "conj", "parataxis", "ROOT"}

MODAL_HYPOTHETICAL = {"could", "might", "may", "would", "should", "must"}
MODAL_FUTURE = {"will", "shall", "'ll", "wo"}
HYPOTHETICAL_HEADS = {
    "possibility", "scenario", "risk", "chance", "prospect", "likelihood", "danger", "fear",
    "threaten", "consider", "mull", "contemplate", "weigh", "propose", "suggest", "if", "whether",
    "unless", "hypothetical", "potential", "able", "ready", "prepared", "willing",
}  # fmt: skip
FUTURE_HEADS = {"plan", "intend", "aim", "expect", "schedule", "set", "due", "going", "prepare", "vow", "pledge", "promise"}
NEGATING_HEADS = {"fail", "refuse", "decline", "deny", "avoid", "stop", "cease"}
NEGATING_DETS = {"no", "never", "neither"}


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


_LETTERS = re.compile(r"[^\W\d_]+")
_TOKEN_ATTRS = {"TAG", "LOWER", "DEP", "IS_SPACE"}
_UD_POS = (
    "adj", "adp", "adv", "aux", "cconj", "conj", "det", "intj", "noun", "num", "part", "pron",
    "propn", "punct", "sconj", "sym", "verb", "x",
)  # fmt: skip


class Annotator:
    """Part of speech and lemma of parsed tokens, computed on demand.

    The small English model's ``attribute_ruler`` and ``lemmatizer`` annotate every token (about
    a third of the parse time without NER); the coder reads POS and lemma of only a few tokens
    per sentence (trigger candidates, their heads and prepositions). With both components
    disabled, this class applies the same rules (the ruler's patterns in order, then the rule
    lemmatizer's tables) to a token when asked, with the same results.

    When the pipeline runs those components itself (or they are missing, or their patterns use
    attributes this class does not read), the token's own ``pos_``/``lemma_`` are used.
    """

    def __init__(self, nlp: Any) -> None:
        self.lazy = False
        names = set(getattr(nlp, "component_names", ()))
        disabled = set(getattr(nlp, "disabled", ()))
        if {"attribute_ruler", "lemmatizer"} <= names and {"attribute_ruler", "lemmatizer"} <= disabled:
            try:
                self._load(nlp)
                self.lazy = True
            except (ValueError, KeyError, TypeError, AttributeError):
                self.lazy = False

    # -- set-up -----------------------------------------------------------------------------
    def _load(self, nlp: Any) -> None:
        ruler = nlp.get_pipe("attribute_ruler")
        lemmatizer = nlp.get_pipe("lemmatizer")
        if getattr(lemmatizer, "mode", "") != "rule" or getattr(lemmatizer, "overwrite", False):
            raise ValueError("unsupported lemmatizer")
        # (rule order, token specs, target index, attrs); order = the ruler's precedence
        self._single: list[tuple[int, dict, dict[str, str]]] = []
        self._multi: list[tuple[int, list[dict], int, dict[str, str]]] = []
        for order, rule in enumerate(ruler.patterns):
            attrs = {str(k).upper(): str(v) for k, v in rule["attrs"].items()}
            if not set(attrs) <= {"POS", "MORPH", "LEMMA", "TAG", "DEP"}:
                raise ValueError(f"unsupported attributes {set(attrs)}")
            for pattern in rule["patterns"]:
                if not isinstance(pattern, list) or not pattern:
                    raise ValueError("unsupported pattern")
                for spec in pattern:
                    if not set(spec) <= _TOKEN_ATTRS:
                        raise ValueError(f"unsupported pattern keys {set(spec)}")
                index = int(rule.get("index", 0))
                if len(pattern) == 1:
                    self._single.append((order, pattern[0], attrs))
                else:
                    self._multi.append((order, pattern, index % len(pattern), attrs))
        look = lemmatizer.lookups
        self._index = {
            pos: set(look.get_table("lemma_index").get(pos, ()))
            for pos in _UD_POS
        }
        self._exc = {
            pos: dict(look.get_table("lemma_exc").get(pos, {}))
            for pos in _UD_POS
        }
        self._rules = {
            pos: [tuple(r) for r in look.get_table("lemma_rules").get(pos, ())]
            for pos in _UD_POS
        }
        self._special = {
            key: [str(t.get(65, "")).lower() for t in toks]  # 65: ORTH
            for key, toks in getattr(nlp.tokenizer, "rules", {}).items()
        }
        self._multi_lowers = [_lower_values(p[i]) for _, p, i, _ in self._multi]
        self._by_tag: dict[str, list[tuple[int, dict, dict[str, str]]]] = {}
        # per (TAG, LOWER, DEP, IS_SPACE): the single-token hits, their merged attributes and
        # the multi-token patterns whose own position (``index``) this token already matches
        self._attr_cache: dict[
            tuple[str, str, str, bool],
            tuple[
                list[tuple[int, dict[str, str]]],
                dict[str, str],
                list[tuple[int, list[dict], int, dict[str, str]]],
            ],
        ] = {}
        self._lemma_cache: dict[tuple[str, str, str], str] = {}

    @staticmethod
    def _feats(tok: Any) -> dict[str, Any]:
        return {"TAG": tok.tag_, "LOWER": tok.lower_, "DEP": tok.dep_, "IS_SPACE": tok.is_space}

    @staticmethod
    def _ok(spec: dict, feats: dict[str, Any]) -> bool:
        for key, want in spec.items():
            have = feats[key]
            if isinstance(want, dict):
                for op, val in want.items():
                    if op == "IN" and have not in val:
                        return False
                    if op == "NOT_IN" and have in val:
                        return False
                    if op == "REGEX" and not re.search(val, str(have)):
                        return False
                    if op not in ("IN", "NOT_IN", "REGEX"):
                        raise ValueError(f"unsupported operator {op}")
            elif have != want:
                return False
        return True

    @classmethod
    def _tag_may_match(cls, spec: dict, tag: str) -> bool:
        return "TAG" not in spec or cls._ok({"TAG": spec["TAG"]}, {"TAG": tag})

    def _attrs(self, tok: Any) -> dict[str, str]:
        key = (tok.tag_, tok.lower_, tok.dep_, tok.is_space)  # the values of _feats(tok)
        single = self._attr_cache.get(key)
        feats: dict[str, Any] | None = None
        if single is None:
            feats = self._feats(tok)
            rules = self._by_tag.get(key[0])
            if rules is None:
                rules = [r for r in self._single if self._tag_may_match(r[1], key[0])]
                self._by_tag[key[0]] = rules
            hits = [(o, a) for o, spec, a in rules if self._ok(spec, feats)]
            merged: dict[str, str] = {}
            for _, attrs in hits:
                merged.update(attrs)
            # the token's own position of a multi-token pattern depends on its features only
            low = feats["LOWER"]
            multi = [
                rule
                for rule, lowers in zip(self._multi, self._multi_lowers, strict=True)
                if (lowers is None or low in lowers) and self._ok(rule[1][rule[2]], feats)
            ]
            single = (hits, merged, multi)
            self._attr_cache[key] = single
        if single[2]:
            extra = self._multi_hits(tok, feats or self._feats(tok), single[2])
            if extra:
                hits = sorted(single[0] + extra, key=lambda h: h[0])
                merged = {}
                for _, attrs in hits:
                    merged.update(attrs)
                return merged
        return single[1]

    def _multi_hits(
        self,
        tok: Any,
        feats: dict[str, Any],
        candidates: list[tuple[int, list[dict], int, dict[str, str]]],
    ) -> list[tuple[int, dict[str, str]]]:
        """Multi-token patterns matched around ``tok``, among ``candidates`` (the patterns
        whose position ``index`` the token itself matches, in rule order)."""
        doc, i = tok.doc, tok.i
        n = len(doc)
        out = []
        for order, pattern, index, attrs in candidates:
            start = i - index
            if start < 0 or start + len(pattern) > n:
                continue
            if all(
                start + k == i or self._ok(spec, self._feats(doc[start + k]))
                for k, spec in enumerate(pattern)
            ):
                out.append((order, attrs))
        return out

    # -- public -----------------------------------------------------------------------------
    def pos(self, tok: Any) -> str:
        if not self.lazy:
            return str(tok.pos_)
        return self._attrs(tok).get("POS", "")

    def pos_lemma(self, tok: Any) -> tuple[str, str]:
        """(POS, lower-case lemma) of a token."""
        if not self.lazy:
            return str(tok.pos_), str(tok.lemma_).lower()
        attrs = self._attrs(tok)
        return attrs.get("POS", ""), self._lemma(tok, attrs)

    def lemma(self, tok: Any) -> str:
        """Lower-case lemma."""
        if not self.lazy:
            return str(tok.lemma_).lower()
        return self._lemma(tok, self._attrs(tok))

    def _lemma(self, tok: Any, attrs: dict[str, str]) -> str:
        if "LEMMA" in attrs:
            return attrs["LEMMA"].lower()
        pos, morph = attrs.get("POS", ""), attrs.get("MORPH", "")
        key = (tok.text, pos, morph)
        got = self._lemma_cache.get(key)
        if got is None:
            got = self._rule_lemma(tok.text, pos.lower(), morph).lower()
            self._lemma_cache[key] = got
        return got

    def _rule_lemma(self, text: str, pos: str, morph: str) -> str:
        """spaCy's rule lemmatizer (English ``is_base_form``) for one string."""
        if pos in ("", "eol", "space"):
            return text.lower()
        feats = dict(f.split("=", 1) for f in morph.split("|") if "=" in f)
        if _is_base_form(pos, feats):
            return text.lower()
        index, exceptions, rules = self._index.get(pos), self._exc.get(pos), self._rules.get(pos)
        if not (index or exceptions or rules):
            return text if pos == "propn" else text.lower()
        index, exceptions, rules = index or set(), exceptions or {}, rules or []
        string = text.lower()
        forms: list[str] = []
        oov: list[str] = []
        for old, new in rules:
            if string.endswith(old):
                form = string[: len(string) - len(old)] + new
                if not form:
                    pass
                elif form in index or not form.isalpha():
                    forms.append(form)
                else:
                    oov.append(form)
        forms = list(dict.fromkeys(forms))
        for form in exceptions.get(string, []):
            if form not in forms:
                forms.insert(0, form)
        if not forms:
            forms.extend(oov)
        return forms[0] if forms else text

    def is_word(self, text: str) -> bool:
        """True when lower-case ``text`` is a verb of the lemmatizer's word list ("plan",
        "aid"; not "nato", "us": the noun list holds acronyms too)."""
        return self.lazy and text in self._index.get("verb", ())

    def surface_forms(self, lemmas: Iterable[str]) -> frozenset[str] | None:
        """Every lower-case token text whose lemma (by the rules above) can be one of
        ``lemmas``, or None when that cannot be listed (then nothing may be skipped)."""
        if not self.lazy:
            return None
        want = {lem.lower() for lem in lemmas}
        forms = set(want)
        for lemma in want:
            for rules in self._rules.values():
                for old, new in rules:
                    if lemma.endswith(new):
                        forms.add(lemma[: len(lemma) - len(new)] + old)
        for exc in self._exc.values():
            for form, lems in exc.items():
                if want.intersection(lems):
                    forms.add(form)
        for _, spec_or_pattern, attrs in self._single:
            if attrs.get("LEMMA", "").lower() in want:
                lowers = _lower_values(spec_or_pattern)
                if lowers is None:
                    return None
                forms |= lowers
        for _, pattern, index, attrs in self._multi:
            if attrs.get("LEMMA", "").lower() in want:
                lowers = _lower_values(pattern[index])
                if lowers is None:
                    return None
                forms |= lowers
        return frozenset(forms)

    def surface_pieces(self, forms: frozenset[str]) -> frozenset[str]:
        """Letter runs that any sentence holding a token of ``forms`` contains (the longest run
        of each form; whole tokenizer special cases such as "cannot" for "can")."""
        pieces = set()
        for f in forms:
            runs = _LETTERS.findall(f)
            if runs:
                pieces.add(max(runs, key=len))
        for key, orths in self._special.items():
            if forms.intersection(orths):
                pieces.update(_LETTERS.findall(key.lower()))
        return frozenset(pieces)


def _lower_values(spec: dict) -> set[str] | None:
    want = spec.get("LOWER")
    if isinstance(want, str):
        return {want}
    if isinstance(want, dict) and set(want) == {"IN"}:
        return {str(v) for v in want["IN"]}
    return None


def _is_base_form(pos: str, morph: dict[str, str]) -> bool:
    """spaCy's English lemmatizer ``is_base_form``."""
    if pos == "noun" and morph.get("Number") == "Sing":
        return True
    if pos == "verb" and morph.get("VerbForm") == "Inf":
        return True
    if pos == "verb" and (
        morph.get("VerbForm") == "Fin" and morph.get("Tense") == "Pres" and morph.get("Number") is None
    ):
        return True
    if pos == "adj" and morph.get("Degree") == "Pos":
        return True
    return morph.get("VerbForm") in ("Inf", "None") or morph.get("Degree") == "Pos"


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
_DESIGNATION = re.compile(r"^[A-Z][A-Za-z]{0,4}-\d{1,4}[A-Za-z]{0,2}$")
_REL_PRONOUNS = {"which", "who", "that", "whom"}
_PRONOUNS = {"it", "they", "he", "she"}
#: Prepositions of an eventive noun that name its actor ("the invasion by Russia", "aid from the
#: EU", "talks between Serbia and Kosovo") or its target ("the occupation of Crimea").
_NOUN_ACTOR_PREPS = {"by", "from", "between", "among"}
_NOUN_TARGET_PREPS = {"of", "against", "on", "upon", "to", "toward", "towards", "into", "with", "over", "at", "for"}


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
            prt = next((ann.lemma(c) for c in tok.children if c.dep_ == "prt"), None)
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


def factuality(trig: Trigger, ann: Annotator) -> str:
    """asserted, negated, hypothetical or future, from the trigger's grammatical context.

    "historical" is decided by the caller from the event's date.
    """
    verb = trig.verb
    tokens = [verb] + ([trig.token] if trig.token is not verb else [])
    neg = any(c.dep_ == "neg" for t in tokens for c in t.children)
    if trig.token is not verb:
        neg = neg or any(c.lower_ in NEGATING_DETS for c in trig.token.children if c.dep_ == "det")
    head = verb
    hypo = fut = False
    for depth in range(4):
        kids = list(head.children)
        auxes = {c.lower_ for c in kids if c.dep_ in ("aux", "auxpass")}
        if depth == 0 or head.dep_ in ("xcomp", "ccomp", "conj"):
            if auxes & MODAL_HYPOTHETICAL:
                hypo = True
            if auxes & MODAL_FUTURE:
                fut = True
            if any(c.dep_ == "neg" for c in kids) and depth > 0 and head.dep_ in ("xcomp",):
                neg = True
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in kids):
            hypo = True
        if depth > 0:
            lemma = ann.lemma(head)
            if lemma in HYPOTHETICAL_HEADS:
                hypo = True
            if lemma in FUTURE_HEADS and head.i < verb.i:
                fut = True
            if lemma in NEGATING_HEADS and verb.dep_ == "xcomp":
                neg = True
        if head.head is head or head.dep_ in ("ROOT",):
            break
        head = head.head
    # Negation higher up the same clause: "do not have the appetite for joining sanctions",
    # "there is no appetite for ...".
    for t in trig.token.ancestors:
        if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ in NEGATING_DETS) for c in t.children):
            neg = True
        if t.dep_ in _CLAUSE_BOUNDARY:
            break
    # "in the event of an attack", "in case of"
    for t in trig.token.ancestors:
        if t.dep_ == "pobj" and ann.lemma(t) in ("event", "case"):
            hypo = True
            break
    if neg:
        return "negated"
    if hypo:
        return "hypothetical"
    if fut:
        return "future"
    return "asserted"
