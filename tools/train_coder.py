"""Train (and cross-validate) the coder's learned structure from ../shared/data.

    python tools/train_coder.py roles [--folds 5] [--out src/powderkeg/coder/learned/data]
    python tools/train_coder.py gate --gold DEV.jsonl [DEV2.jsonl ...] [--folds 5]

``roles``: the role tagger (:mod:`powderkeg.coder.learned.role_tagger`) on the development half
of ``cameo/cameo_ner_train.txt`` (:func:`dev_half`: the held-back half is never read here);
prints the cross-validated entity-level F1 (seqeval's exact-span reading) and writes the model.

``gate``: the event gate (:mod:`powderkeg.coder.learned.gate`) on ``events``-format gold files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "powderkeg" / "coder" / "learned" / "data"


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    sents, words, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if words:
                sents.append((words, tags))
            words, tags = [], []
            continue
        words.append(parts[0])
        tags.append(parts[-1] if len(parts) > 1 else "O")
    if words:
        sents.append((words, tags))
    return sents


def dev_half(sents: list[tuple[list[str], list[str]]]) -> list[tuple[list[str], list[str]]]:
    """The development half, as ``tools/build_gold.py`` (``roles.dev.conll``) defines it: the
    first 8 hex digits of the SHA-256 of the space-joined tokens are even (the other half is
    held back for ``eval --format cameo-roles``)."""
    return [s for s in sents
            if int(hashlib.sha256(" ".join(s[0]).encode("utf-8")).hexdigest()[:8], 16) % 2 == 0]


def span_prf(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    from powderkeg.coder.learned.role_tagger import role_spans

    tp: Counter[str] = Counter()
    ng: Counter[str] = Counter()
    np_: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(role_spans(g)), set(role_spans(p))
        for k, *_ in gs:
            ng[k] += 1
        for k, *_ in ps:
            np_[k] += 1
        for k, *_ in gs & ps:
            tp[k] += 1

    def f1(t: int, a: int, b: int) -> float:
        return 2 * t / (a + b) if a + b else 0.0

    out = {"f1": f1(sum(tp.values()), sum(ng.values()), sum(np_.values()))}
    for k, name in (("S", "source_f1"), ("T", "target_f1"), ("R", "joint_f1")):
        out[name] = f1(tp[k], ng[k], np_[k])
    return out


def fit_tagger(docs_feats: list[list[list[str]]], tags: list[list[str]], c: float) -> object:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from powderkeg.coder.learned.role_tagger import TAGS, RoleTagger, with_prev

    rows, ys = [], []
    for feats, ts in zip(docs_feats, tags, strict=True):
        prev, prev2 = "<s>", "<s>"
        for f, t in zip(feats, ts, strict=True):
            rows.append(dict.fromkeys(with_prev(f, prev, prev2), 1))
            ys.append(t)
            prev2, prev = prev, t
    counts = Counter(k for r in rows for k in r)
    rows = [{k: v for k, v in r.items() if counts[k] >= 2} for r in rows]
    vec = DictVectorizer()
    X = vec.fit_transform(rows)
    clf = LogisticRegression(C=c, max_iter=300)
    clf.fit(X, ys)
    classes = list(clf.classes_)
    coef = np.zeros((len(TAGS), X.shape[1]), dtype=np.float32)
    icpt = np.full(len(TAGS), -1e4, dtype=np.float32)
    for j, t in enumerate(classes):
        coef[TAGS.index(t)] = clf.coef_[j]
        icpt[TAGS.index(t)] = clf.intercept_[j]
    return RoleTagger(dict(vec.vocabulary_), coef, icpt)


def cmd_roles(args: argparse.Namespace) -> int:
    from powderkeg.actors import load_registry
    from powderkeg.coder.annotator import Annotator
    from powderkeg.coder.learned.role_tagger import coder_cues, doc_from_words, token_features
    from powderkeg.coder.pipeline import load_nlp
    from powderkeg.coder.triggers import load_lexicon

    sents = dev_half(read_conll(SHARED / "cameo" / "cameo_ner_train.txt"))
    nlp = load_nlp()
    registry, lex, ann = load_registry(), load_lexicon(), Annotator(nlp)
    t0 = time.perf_counter()
    docs = [doc_from_words(nlp, w) for w, _ in sents]
    feats = [token_features(d, coder_cues(d, registry, lex, ann)) for d in docs]
    tags = [t for _, t in sents]
    print(f"dev half: {len(sents)} sentences, parsed in {time.perf_counter() - t0:.1f}s",
          file=sys.stderr)
    rng = np.random.default_rng(args.seed)
    fold = rng.permutation(len(sents)) % args.folds
    cv: dict[float, dict[str, float]] = {}
    for c in args.c:
        preds: list[list[str]] = [[] for _ in sents]
        for k in range(args.folds):
            tr = [i for i in range(len(sents)) if fold[i] != k]
            te = [i for i in range(len(sents)) if fold[i] == k]
            model = fit_tagger([feats[i] for i in tr], [tags[i] for i in tr], c)
            for i in te:
                preds[i] = _decode(model, feats[i])
        cv[c] = span_prf(tags, preds)
        print(f"C={c}: {args.folds}-fold CV on the dev half: "
              + ", ".join(f"{k} {v:.3f}" for k, v in cv[c].items()), file=sys.stderr)
    best = max(cv, key=lambda c: cv[c]["f1"])
    model = fit_tagger(feats, tags, best)
    model.meta = {"trained_on": "cameo_ner_train.txt dev half (tools/build_gold.py roles.dev.conll)",
                  "sentences": len(sents), "C": best, "cv_folds": args.folds,
                  "cv": {k: round(v, 4) for k, v in cv[best].items()},
                  "command": "python tools/train_coder.py roles"}
    model.save(Path(args.out))
    print(json.dumps(model.meta), flush=True)
    return 0


def _decode(model: object, feats: list[list[str]]) -> list[str]:
    return model.tag_features(feats)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("roles")
    r.add_argument("--folds", type=int, default=5)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--c", type=float, nargs="+", default=[1.0])
    r.add_argument("--out", default=str(OUT))
    g = sub.add_parser("gate")
    g.add_argument("--gold", nargs="+", required=True)
    g.add_argument("--folds", type=int, default=5)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--c", type=float, default=0.5)
    g.add_argument("--cache", help="pickle of the recorded candidates (reused when present)")
    g.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    if args.cmd == "roles":
        return cmd_roles(args)
    from powderkeg.coder.learned.gate import train_gate_cli

    return train_gate_cli(args)


if __name__ == "__main__":
    raise SystemExit(main())
