"""Classification metrics in the contract's Metrics shape, and great-circle distance."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def classification_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """accuracy, macro_f1, per_class and confusion for paired gold/predicted labels.

    ``per_class`` covers every label seen in gold or predictions: ``{label: {"precision",
    "recall", "f1", "support"}}`` (support = gold count; a ratio with a zero denominator is 0).
    ``macro_f1`` is the unweighted mean F1 over those labels. ``confusion`` is
    ``{gold: {predicted: count}}`` with only non-zero cells.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    gold = [str(g) for g in gold]
    pred = [str(p) for p in pred]
    n = len(gold)
    pairs = Counter(zip(gold, pred, strict=True))
    g_count = Counter(gold)
    p_count = Counter(pred)
    labels = sorted(set(g_count) | set(p_count))
    per_class: dict[str, dict[str, float | int]] = {}
    for lab in labels:
        tp = pairs.get((lab, lab), 0)
        prec = tp / p_count[lab] if p_count[lab] else 0.0
        rec = tp / g_count[lab] if g_count[lab] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": g_count[lab]}
    confusion: dict[str, dict[str, int]] = {}
    for (g, p), c in sorted(pairs.items()):
        confusion.setdefault(g, {})[p] = c
    correct = sum(c for (g, p), c in pairs.items() if g == p)
    return {
        "accuracy": correct / n if n else 0.0,
        "macro_f1": sum(v["f1"] for v in per_class.values()) / len(labels) if labels else 0.0,
        "per_class": per_class,
        "confusion": confusion,
    }


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (mean Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))
