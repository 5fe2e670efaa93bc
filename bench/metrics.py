"""Classification metrics for the evaluation harness (balanced accuracy, AUROC, F1, ECE)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score


def binary_report(gold_supported: Sequence[bool], predicted_supported: Sequence[bool],
                  scores: Sequence[float]) -> dict[str, float]:  # fmt: skip
    """Supported-vs-not metrics: balanced accuracy of the labels, AUROC and ECE of the scores."""
    y = np.asarray(gold_supported, dtype=bool)
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y, np.asarray(predicted_supported))),
        "auroc": float(roc_auc_score(y, np.asarray(scores)))
        if 0 < y.sum() < len(y)
        else float("nan"),
        "ece": expected_calibration_error(y, np.asarray(scores, dtype=float)),
    }


def per_label_f1(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    labels = sorted(set(gold))
    values = f1_score(list(gold), list(predicted), labels=labels, average=None, zero_division=0)
    return {label: float(v) for label, v in zip(labels, values, strict=True)}


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width score bins, weighted by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(float(y[mask].mean()) - float(p[mask].mean()))
    return total / max(1, len(p))


def best_threshold(sets: Sequence[tuple[Sequence[bool], Sequence[float]]]) -> tuple[float, float]:
    """The cut-off on scores (supported when score >= it) with the highest balanced accuracy
    averaged over ``sets`` of (gold supported, score), the lowest such cut-off on ties, and that
    mean balanced accuracy."""
    arrays = [(np.asarray(y, dtype=bool), np.asarray(s, dtype=float)) for y, s in sets]
    candidates = np.unique(np.concatenate([s for _, s in arrays]))
    best, best_value = float(candidates[0]), -1.0
    for cut in candidates:
        value = float(np.mean([balanced_accuracy_score(y, s >= cut) for y, s in arrays]))
        if value > best_value:
            best, best_value = float(cut), value
    return best, best_value
