"""Part of speech and lemma of parsed tokens, computed on demand (:class:`Annotator`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

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
