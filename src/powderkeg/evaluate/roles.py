"""The ``cameo-roles`` evaluation format: source, target and joint-party spans of a sentence.

File (CONTRACT.md): CoNLL style as ``../shared/data/cameo/cameo_ner_train.txt``: one
``token tag`` per line, a blank line between sentences; tags ``B-S I-S`` (source), ``B-T I-T``
(target), ``B-R I-R`` (the parties of a joint action with no direction), ``O``.

Scoring: entity level, exact span and role, as seqeval (an entity starts at ``B-X``, or at an
``I-X`` that does not continue an entity of role X, and runs over the following ``I-X``).
Headline: ``f1`` (all three roles, micro), ``source_f1``, ``target_f1``, ``joint_f1``;
also ``partial_f1``, a diagnostic: a predicted span counts when it overlaps a gold span of
the same role (one to one), so boundary errors and missing roles can be told apart;
``per_class`` by role ``S``/``T``/``R``; ``confusion`` gold role -> predicted role over
spans of the same extent, ``O`` for a span the other side lacks.

Adapter (outside the Coder): each sentence (its tokens joined by single spaces) is coded as one
document by the Coder ``powderkeg code`` runs. The sentence's *main* event is its most
confident one (ties: the first). Its actors become ``S`` spans and its targets ``T`` spans;
both sides are ``R`` when the event has no direction: a CONSULT event (meetings, talks,
visits between the two) or two or more actors and no target. An actor's span is the noun
phrase around its mention (the actor's ``text`` found in the sentence, the occurrence nearest
the event's other actors being irrelevant here: the first occurrence not yet used), widened
by :func:`powderkeg.coder.pipeline.noun_phrase_span`, the same rule ``code`` uses to mark an
actor/target pair for the type model; the character span is then mapped to tokens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powderkeg.errors import InputError

ROLES = ("S", "T", "R")
#: PLOVER types whose two sides are joint parties (``R``) rather than source and target
JOINT_TYPES = frozenset({"CONSULT"})

Span = tuple[int, int, str]  # token start, token end (exclusive), role


@dataclass
class RoleSentence:
    """One labelled sentence: tokens and their BIO role tags."""

    line: int
    tokens: list[str]
    tags: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def read_roles(path: str | Path) -> list[RoleSentence]:
    """The sentences of a cameo-roles CoNLL file (InputError naming ``path:line``)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text ({exc.reason})") from None
    out: list[RoleSentence] = []
    cur: RoleSentence | None = None
    for no, raw in enumerate(lines, 1):
        if not raw.strip():
            cur = None
            continue
        parts = raw.split()
        if len(parts) < 2:
            raise InputError(f"{path}:{no}", "expected 'token tag'")
        tok, tag = " ".join(parts[:-1]), parts[-1]
        if tag != "O" and (len(tag) != 3 or tag[:2] not in ("B-", "I-") or tag[2] not in ROLES):
            raise InputError(f"{path}:{no}", f"tag {tag!r} is not O, B-S/I-S, B-T/I-T, B-R/I-R")
        if cur is None:
            cur = RoleSentence(no, [], [])
            out.append(cur)
        cur.tokens.append(tok)
        cur.tags.append(tag)
    if not out:
        raise InputError(str(path), "no labelled sentences")
    return out


def write_roles(sentences: Sequence[RoleSentence], path: str | Path) -> None:
    """Write sentences in the same CoNLL form."""
    with Path(path).open("w", encoding="utf-8") as fh:
        for s in sentences:
            for tok, tag in zip(s.tokens, s.tags, strict=True):
                fh.write(f"{tok} {tag}\n")
            fh.write("\n")


def spans_of(tags: Sequence[str]) -> set[Span]:
    """Entity spans of a BIO tag sequence, as seqeval reads them (IOB2, lenient start)."""
    out: set[Span] = set()
    start, role = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        cont = tag.startswith("I-") and tag[2:] == role and start >= 0
        if cont:
            continue
        if start >= 0:
            out.add((start, i, role))
            start, role = -1, ""
        if tag != "O":
            start, role = i, tag[2:]
    return out


def tags_of(n: int, spans: Sequence[Span]) -> list[str]:
    """BIO tags of ``n`` tokens from spans (a later span never overwrites an earlier one)."""
    tags = ["O"] * n
    for a, b, role in spans:
        if a >= b or any(t != "O" for t in tags[a:b]):
            continue
        tags[a] = f"B-{role}"
        for i in range(a + 1, b):
            tags[i] = f"I-{role}"
    return tags


def score_roles(items: Sequence[RoleSentence], preds: Sequence[Sequence[str]],
                seconds: float) -> dict[str, Any]:
    """The cameo-roles Metrics of predicted tag sequences against ``items``."""
    if len(preds) != len(items):
        raise ValueError(f"coder returned {len(preds)} predictions for {len(items)} items")
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = {}
    overlap = 0
    for it, pt in zip(items, preds, strict=True):
        if len(pt) != len(it.tokens):
            raise ValueError(f"line {it.line}: {len(pt)} tags for {len(it.tokens)} tokens")
        g, p = spans_of(it.tags), spans_of(pt)
        overlap += _overlaps(g, p)
        for s in g:
            n_gold[s[2]] += 1
        for s in p:
            n_pred[s[2]] += 1
        for s in g & p:
            tp[s[2]] += 1
        p_ext = {(a, b): r for a, b, r in p}
        g_ext = {(a, b): r for a, b, r in g}
        for (a, b), r in g_ext.items():
            confusion.setdefault(r, Counter())[p_ext.get((a, b), "O")] += 1
        for (a, b), r in p_ext.items():
            if (a, b) not in g_ext:
                confusion.setdefault("O", Counter())[r] += 1

    def f1(t: int, np_: int, ng: int) -> tuple[float, float, float]:
        prec = t / np_ if np_ else 0.0
        rec = t / ng if ng else 0.0
        return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)

    per_class = {}
    for r in ROLES:
        prec, rec, f = f1(tp[r], n_pred[r], n_gold[r])
        per_class[r] = {"precision": prec, "recall": rec, "f1": f, "support": n_gold[r]}
    prec, rec, f = f1(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    partial = f1(overlap, sum(n_pred.values()), sum(n_gold.values()))[2]
    n = len(items)
    return {
        "n": n,
        "sentences_per_second": n / seconds if seconds > 0 else float("inf"),
        "f1": f,
        "precision": prec,
        "recall": rec,
        "source_f1": per_class["S"]["f1"],
        "target_f1": per_class["T"]["f1"],
        "joint_f1": per_class["R"]["f1"],
        "partial_f1": partial,
        "per_class": per_class,
        "confusion": {g: dict(sorted(row.items())) for g, row in sorted(confusion.items())},
    }


def _overlaps(gold: set[Span], pred: set[Span]) -> int:
    """Pairs of a same-role gold and predicted span that overlap, one to one (greedy in
    text order): the lenient count behind ``partial_f1``."""
    used: set[Span] = set()
    hits = 0
    for p in sorted(pred):
        for g in sorted(gold):
            if g not in used and g[2] == p[2] and g[0] < p[1] and p[0] < g[1]:
                used.add(g)
                hits += 1
                break
    return hits


# -- the adapter: coded events -> role tags ---------------------------------------------------


def _token_offsets(tokens: Sequence[str]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for t in tokens:
        out.append((pos, pos + len(t)))
        pos += len(t) + 1
    return out


def char_to_tokens(offsets: Sequence[tuple[int, int]], a: int, b: int) -> tuple[int, int]:
    """Token range ``[i, j)`` of the tokens overlapping the character span ``a:b``."""
    idx = [i for i, (x, y) in enumerate(offsets) if x < b and y > a]
    return (idx[0], idx[-1] + 1) if idx else (0, 0)


def main_event(events: Sequence[Any]) -> Any:
    """The most confident event (ties: the first), or None."""
    best = None
    for ev in events:
        if best is None or ev.confidence > best.confidence:
            best = ev
    return best


def event_roles(ev: Any) -> list[tuple[Any, str]]:
    """(actor, role) pairs of an event: S/T, or R for both sides of an undirected event."""
    if ev is None:
        return []
    joint = ev.type in JOINT_TYPES or (len(ev.actor) >= 2 and not ev.target)
    if joint:
        return [(a, "R") for a in [*ev.actor, *ev.target]]
    return [(a, "S") for a in ev.actor] + [(a, "T") for a in ev.target]


def role_tags(sentence: RoleSentence, doc: Any, nlp: Any, sdoc: Any = None) -> list[str]:
    """The predicted tags of one sentence from its coded document ``doc`` (``sdoc``: its
    text parsed by ``nlp``, parsed here when not given)."""
    from powderkeg.coder.pipeline import noun_phrase_span

    ev = main_event(doc.events)
    pairs = event_roles(ev)
    if not pairs:
        return ["O"] * len(sentence.tokens)
    text = doc.text
    if sdoc is None:
        sdoc = nlp(text)
    used: list[tuple[int, int]] = []
    spans: list[Span] = []
    offsets = _token_offsets(sentence.tokens)
    for actor, role in pairs:
        needle = actor.text
        if not needle:
            continue
        k = text.find(needle)
        while k >= 0 and any(k < y and k + len(needle) > x for x, y in used):
            k = text.find(needle, k + 1)
        if k < 0:
            continue
        used.append((k, k + len(needle)))
        a, b = noun_phrase_span(sdoc, k, k + len(needle))
        i, j = char_to_tokens(offsets, a, b)
        if j > i:
            spans.append((i, j, role))
    return tags_of(len(sentence.tokens), spans)


def code_roles(items: Sequence[RoleSentence], coder: Any = None) -> list[list[str]]:
    """Predicted tags of each sentence by the Coder ``powderkeg code`` runs."""
    from powderkeg.types import Document

    if coder is None:
        from powderkeg.evaluate import the_coder

        coder = the_coder()
    from powderkeg.coder.learned.role_tagger import load_role_tagger

    tagger = load_role_tagger()
    if tagger is not None:  # the coder's learned role tagger (tools/train_coder.py roles)
        return tagger.predict([it.tokens for it in items], nlp=coder.nlp)
    docs = [Document.from_text(it.text, f"line {it.line}") for it in items]
    coded = list(coder.code_documents(docs))
    # one batched parse of the sentences that have an event (for their noun phrases)
    todo = [k for k, d in enumerate(coded) if d.events]
    parsed = dict(zip(todo, coder.nlp.pipe([coded[k].text for k in todo]), strict=True))
    return [role_tags(it, d, coder.nlp, parsed.get(k))
            for k, (it, d) in enumerate(zip(items, coded, strict=True))]
