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


def top_confusions(confusion: dict[str, dict[str, int]], k: int = 10) -> list[tuple[str, str, int]]:
    """The ``k`` largest off-diagonal cells ``(gold, predicted, count)``, largest first
    (ties by label, so the order is stable)."""
    cells = [(g, p, c) for g, row in confusion.items() for p, c in row.items() if g != p]
    return sorted(cells, key=lambda t: (-t[2], t[0], t[1]))[:k]


def format_report(metrics: dict, *, top: int = 10, max_matrix: int = 32) -> str:
    """A plain-text report of a Metrics dict: headline figures, sentences/s, per-class
    precision/recall/F1/support, the largest confusions and the full confusion table (gold
    rows x predicted columns; omitted above ``max_matrix`` labels)."""
    lines: list[str] = []
    for key, val in metrics.items():
        if isinstance(val, dict | list) or val is None:
            continue
        lines.append(f"{key:>26}: {val:.4f}" if isinstance(val, float) else f"{key:>26}: {val}")
    cv = metrics.get("cv")
    if isinstance(cv, dict) and cv.get("fold_accuracy"):
        folds = ", ".join(f"{a:.3f}" for a in cv["fold_accuracy"])
        lines.append(f"{'cv':>26}: {cv.get('folds')} folds, seed {cv.get('seed')}, "
                     f"fold accuracy {folds}, extra rows {cv.get('extra_rows', 0)}")
    per_class = metrics.get("per_class") or {}
    if per_class:
        width = max(12, *(len(lab) for lab in per_class))
        lines.append("")
        lines.append(f"{'class':<{width}}  precision  recall     f1  support")
        for lab, m in sorted(per_class.items()):
            lines.append(f"{lab:<{width}}  {m['precision']:9.3f}  {m['recall']:6.3f}  "
                         f"{m['f1']:5.3f}  {m['support']:7d}")
    confusion = metrics.get("confusion") or {}
    worst = top_confusions(confusion, top)
    if worst:
        lines.append("")
        lines.append("largest confusions (gold -> predicted: count):")
        lines.extend(f"  {g} -> {p}: {c}" for g, p, c in worst)
    labels = sorted(set(confusion) | {p for row in confusion.values() for p in row})
    if confusion and len(labels) <= max_matrix:
        short = {lab: lab[:6] for lab in labels}
        width = max(len(lab) for lab in labels)
        lines.append("")
        lines.append("confusion (rows: gold, columns: predicted):")
        lines.append(" " * width + " " + " ".join(f"{short[lab]:>6}" for lab in labels))
        for g in labels:
            row = confusion.get(g, {})
            cells = " ".join(f"{row.get(p, 0) or '.':>6}" for p in labels)
            lines.append(f"{g:<{width}} {cells}")
    return "\n".join(lines)
