"""A learned source/target role labeller: a linear token classifier over parse features.

Each token of a parsed sentence gets a BIO tag of the ConfliBERT role scheme (``B-S``/``I-S``
source, ``B-T``/``I-T`` target, ``B-R``/``I-R`` parties of a joint act, ``O``), decided left to
right from features of the token, its neighbours, its dependency path to the governing verb and
the previous token's tag (a greedy maximum-entropy Markov model: cheap, and what a linear CRF
reduces to at decoding when transitions are folded into features).

The weights are a multinomial logistic regression (scikit-learn) trained by
``tools/train_coder.py`` on the development half of ``cameo_ner_train.txt``; they ship as
``data/role_tagger.npz`` + ``role_tagger.json`` (no pickle). Prediction is plain numpy: a
feature string -> column lookup and a row sum per tag (written here rather than through
sklearn's ``predict`` so that no vectorizer is pickled; the cost is a dict lookup per feature).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

TAGS = ("O", "B-S", "I-S", "B-T", "I-T", "B-R", "I-R")
_VERBAL = ("VB", "MD")
_PUNCT_NO_SPACE_BEFORE = {".", ",", ":", ";", "!", "?", ")", "'s", "’s", "'", "’", "%", "n't"}
DATA_FILES = ("role_tagger.json", "role_tagger.npz")


def doc_from_words(nlp: Any, words: Sequence[str]) -> Any:
    """A parsed spaCy Doc over given tokens (CoNLL input keeps its tokenisation)."""
    from spacy.tokens import Doc

    spaces = [
        i + 1 < len(words) and words[i + 1] not in _PUNCT_NO_SPACE_BEFORE and w not in ("(", "“")
        for i, w in enumerate(words)
    ]
    doc = Doc(nlp.vocab, words=list(words), spaces=spaces)
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def _shape(text: str) -> str:
    if text.isupper() and len(text) > 1:
        return "AA"
    if text[:1].isupper():
        return "Aa"
    if text[:1].isdigit():
        return "9"
    if text.isalpha():
        return "a"
    return "p"


def _governor(tok: Any) -> tuple[Any, Any, str, str]:
    """(the verb that governs ``tok``, the verb's child on the path, the prepositions on it,
    the clause-like dependencies crossed on the way)."""
    child, t, preps, crossed = tok, tok.head, [], []
    if tok.tag_.startswith(_VERBAL):
        return tok, tok, "", ""
    for _ in range(8):
        if child.dep_ == "prep":
            preps.append(child.lower_)
        if child.dep_ in ("relcl", "acl", "appos", "conj", "poss"):
            crossed.append(child.dep_)
        if t.tag_.startswith(_VERBAL) or t.head is t:
            break
        child, t = t, t.head
    return t, child, "/".join(preps[-2:]), "/".join(crossed[-2:])


def coder_cues(doc: Any, registry: Any, lexicon: Any, ann: Any,
               forms: frozenset[str] | None = None) -> tuple[dict[int, str], dict[int, str]]:
    """What the coder knows of a parsed sentence: the actor kind of each token inside an actor
    mention (``B:`` on its first token) and the lexicon type of each token that can trigger
    (``forms``: the token texts that can carry a lexicon lemma, others are passed over)."""
    actor: dict[int, str] = {}
    if registry is not None:
        for m in registry.find(doc.text):
            toks = [t for t in doc if t.idx < m.end and t.idx + len(t) > m.start]
            for j, t in enumerate(toks):
                actor[t.i] = ("B:" if j == 0 else "I:") + str(getattr(m.actor, "kind", "?"))
    trig: dict[int, str] = {}
    if lexicon is not None and ann is not None:
        for t in doc:
            if t.is_alpha and (forms is None or t.lower_ in forms):
                lemma = ann.lemma(t)
                hit = lexicon.verbs.get(lemma) or lexicon.nouns.get(lemma)
                if hit:
                    trig[t.i] = hit[0]
    return actor, trig


def token_features(doc: Any, cues: tuple[dict[int, str], dict[int, str]] | None = None
                   ) -> list[list[str]]:
    """Static features of every token of a parsed sentence (the previous tag is added when
    decoding); ``cues``: :func:`coder_cues`."""
    actor, trig = cues if cues is not None else ({}, {})
    root = next((t for t in doc if t.head is t), doc[0]) if len(doc) else None
    out: list[list[str]] = []
    for tok in doc:
        low = tok.lower_
        gov, via, preps, crossed = _governor(tok)
        edge = ("L" if tok.i == via.left_edge.i else "") + ("R" if tok.i == via.right_edge.i else "")
        f = [
            "b", f"w={low}", f"s3={low[-3:]}", f"sh={_shape(tok.text)}", f"t={tok.tag_}",
            f"d={tok.dep_}", f"hd={tok.head.dep_}", f"ht={tok.head.tag_}", f"hw={tok.head.lower_}",
            f"td={tok.tag_}|{tok.dep_}", f"dhd={tok.dep_}|{tok.head.dep_}",
            f"via={via.dep_}", f"via={via.dep_}|{preps}", f"gov={gov.lower_}",
            f"gov={gov.lower_}|{via.dep_}", f"side={'L' if gov.i > tok.i else 'R' if gov.i < tok.i else '0'}",
            f"viaside={via.dep_}|{'L' if gov.i > tok.i else 'R'}",
            f"groot={gov is root}", f"gdep={gov.dep_}",
            f"edge={edge}", f"edge|via={edge}|{via.dep_}", f"x={crossed}",
            f"hedge={'L' if tok.i == tok.head.left_edge.i else ''}",
            f"gov2={gov.dep_}|{via.dep_}|{gov.head.lower_ if gov.dep_ != 'ROOT' else '-'}",
        ]
        a = actor.get(tok.i)
        f += [f"ac={a}", f"ac|via={a}|{via.dep_}|{'L' if gov.i > tok.i else 'R'}",
              f"gt={trig.get(gov.i)}", f"gt|via={trig.get(gov.i)}|{via.dep_}|{preps}",
              f"ac-1={actor.get(tok.i - 1)}", f"ac+1={actor.get(tok.i + 1)}"]
        if root is not None:
            f.append(f"rd={min(abs(tok.i - root.i), 6) * (1 if tok.i > root.i else -1)}")
        for k in (-2, -1, 1, 2):
            j = tok.i + k
            if 0 <= j < len(doc):
                n = doc[j]
                f += [f"w{k}={n.lower_}", f"t{k}={n.tag_}", f"d{k}={n.dep_}"]
            else:
                f.append(f"w{k}=<>")
        f.append(f"t-1t={doc[tok.i - 1].tag_ if tok.i else '<>'}|{tok.tag_}")
        out.append(f)
    return out


def with_prev(feats: list[str], prev: str, prev2: str) -> list[str]:
    """Static features plus the previous tags (the Markov part)."""
    return [*feats, f"p={prev}", f"pp={prev2}|{prev}", f"p|t={prev}|{feats[4]}",
            f"p|d={prev}|{feats[5]}", f"p|via={prev}|{feats[12]}"]


def fix_bio(tags: list[str]) -> list[str]:
    """An ``I-X`` that does not continue an ``X`` span starts one."""
    out, prev = [], "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


class RoleTagger:
    """BIO role tags for tokenised sentences (see the module doc).

    ``vocab``: feature -> column; ``coef_`` (n_tags x n_features) and ``intercept_``.
    """

    def __init__(self, vocab: dict[str, int], coef: np.ndarray, intercept: np.ndarray,
                 tags: Sequence[str] = TAGS, meta: dict[str, Any] | None = None) -> None:
        self.vocab = vocab
        self.coef_ = np.asarray(coef, dtype=np.float32)
        self.intercept_ = np.asarray(intercept, dtype=np.float32)
        self.tags = tuple(tags)
        self.meta = meta or {}
        self._colT = np.ascontiguousarray(self.coef_.T)  # feature -> tag scores

    # -- prediction ------------------------------------------------------------------------
    def tag_doc(self, doc: Any, cues: Any = None) -> list[str]:
        return self.tag_features(token_features(doc, cues))

    def tag_features(self, feats: list[list[str]]) -> list[str]:
        """Tags from precomputed :func:`token_features`, left to right. The static features'
        scores of all tokens come from one gather and a cumulative sum; only the five
        previous-tag features are looked up per token."""
        vocab, colT = self.vocab, self._colT
        n = len(feats)
        idx: list[int] = []
        bounds = [0]
        for f in feats:
            idx.extend([vocab[x] for x in f if x in vocab])
            bounds.append(len(idx))
        cs = np.zeros((len(idx) + 1, colT.shape[1]), dtype=np.float32)
        if idx:
            np.cumsum(colT[idx], axis=0, out=cs[1:])
        b = np.asarray(bounds)
        base = cs[b[1:]] - cs[b[:-1]] + self.intercept_
        tags = self.tags
        out: list[str] = []
        prev, prev2 = "<s>", "<s>"
        for i in range(n):
            f = feats[i]
            score = base[i]
            cols = [vocab[x] for x in (f"p={prev}", f"pp={prev2}|{prev}", f"p|t={prev}|{f[4]}",
                                       f"p|d={prev}|{f[5]}", f"p|via={prev}|{f[12]}")
                    if x in vocab]
            if cols:
                score = score + colT[cols].sum(axis=0)
            tag = tags[int(np.argmax(score))]
            if tag.startswith("I-") and prev[2:] != tag[2:]:
                tag = "B-" + tag[2:]
            out.append(tag)
            prev2, prev = prev, tag
        return out

    def predict(self, sentences: Iterable[Sequence[str]], nlp: Any = None, *,
                registry: Any = None) -> list[list[str]]:
        """Tags for each tokenised sentence (words as given); ``registry``: the actor registry
        (default: the shipped one) for the actor cues."""
        from ..annotator import Annotator
        from ..triggers import load_lexicon

        if nlp is None:
            from ..pipeline import load_nlp

            nlp = load_nlp()
        if registry is None:
            from ...actors import load_registry

            registry = load_registry()
        ann, lex = Annotator(nlp), load_lexicon()
        out = []
        for ws in sentences:
            if not ws:
                out.append([])
                continue
            doc = doc_from_words(nlp, list(ws))
            out.append(self.tag_doc(doc, coder_cues(doc, registry, lex, ann)))
        return out

    # -- files -----------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        feats = sorted(self.vocab, key=self.vocab.__getitem__)
        (folder / DATA_FILES[0]).write_text(
            json.dumps({"tags": list(self.tags), "features": feats, "meta": self.meta},
                       ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        np.savez_compressed(folder / DATA_FILES[1], coef=self.coef_.astype(np.float16),
                            intercept=self.intercept_)

    @classmethod
    def from_files(cls, spec: str, arrays: Any) -> RoleTagger:
        d = json.loads(spec)
        vocab = {f: i for i, f in enumerate(d["features"])}
        return cls(vocab, arrays["coef"].astype(np.float32), arrays["intercept"], d["tags"],
                   d.get("meta"))


@lru_cache(maxsize=1)
def load_role_tagger() -> RoleTagger | None:
    """The shipped role tagger, or None when its files are absent."""
    base = resources.files("powderkeg.coder.learned").joinpath("data")
    try:
        spec = base.joinpath(DATA_FILES[0]).read_text(encoding="utf-8")
        with base.joinpath(DATA_FILES[1]).open("rb") as fh:
            arrays = dict(np.load(fh))
    except (FileNotFoundError, OSError):
        return None
    return RoleTagger.from_files(spec, arrays)


def role_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(role, first token, end token) spans of a BIO sequence (seqeval's reading)."""
    spans: list[tuple[str, int, int]] = []
    start, kind = -1, ""
    for i, t in enumerate([*tags, "O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != kind):
            if start >= 0:
                spans.append((kind, start, i))
            start, kind = (i, t[2:]) if t != "O" else (-1, "")
    return spans


__all__ = ["TAGS", "RoleTagger", "coder_cues", "doc_from_words", "fix_bio", "load_role_tagger", "role_spans",
           "token_features", "with_prev"]
