"""Turning held-out linear scores into probabilities and per-label decision thresholds."""

from __future__ import annotations

import numpy as np

__all__ = ["best_threshold", "fit_platt"]


def fit_platt(
    decision: np.ndarray, positive: np.ndarray, *, max_iter: int = 100
) -> tuple[float, float]:
    """Platt scaling: ``a, b`` such that ``sigmoid(a * decision + b)`` is a calibrated probability.

    Fitted by Newton's method on held-out decision values with Platt's smoothed targets
    (``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)``), which keeps the fit finite when the classes
    are perfectly separated.

    Parameters
    ----------
    decision : ndarray of shape (n_samples,)
        Held-out decision values of one label.
    positive : ndarray of shape (n_samples,) of bool
        Whether each sample carries the label.

    Returns
    -------
    (a, b) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> a, b = fit_platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1], bool))
    >>> a > 0
    True
    """
    decision = np.asarray(decision, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(a: float, b: float) -> float:
        z = a * decision + b
        # log(1 + exp(-z)) + (1 - t) * z, written to stay finite for large |z|.
        return float(np.sum(np.logaddexp(0.0, -z) + (1.0 - target) * z))

    # Newton's method with backtracking line search (Lin, Lin and Weng, 2007).
    a, b = 0.0, float(np.log((n_pos + 1.0) / (n_neg + 1.0)))
    current = loss(a, b)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * decision + b, -500, 500)))
        w = p * (1.0 - p)
        g_a, g_b = np.dot(p - target, decision), np.sum(p - target)
        if abs(g_a) < 1e-5 and abs(g_b) < 1e-5:
            break
        h_aa = np.dot(w, decision * decision) + 1e-12
        h_ab = np.dot(w, decision)
        h_bb = np.sum(w) + 1e-12
        det = h_aa * h_bb - h_ab * h_ab
        d_a = -(h_bb * g_a - h_ab * g_b) / det
        d_b = -(h_aa * g_b - h_ab * g_a) / det
        slope = g_a * d_a + g_b * d_b
        step = 1.0
        while step >= 1e-10:
            new = loss(a + step * d_a, b + step * d_b)
            if new < current + 1e-4 * step * slope:
                break
            step /= 2.0
        else:
            break
        a, b, current = a + step * d_a, b + step * d_b, new
    return float(a), float(b)


def best_threshold(
    probability: np.ndarray,
    positive: np.ndarray,
    *,
    min_precision: float | None = None,
    min_recall: float | None = None,
    default: float = 0.5,
    fallback_f1: float = 0.2,
) -> float:
    """The probability cut-off of one label chosen on held-out predictions.

    Maximises F1 by default; with ``min_precision``, takes the lowest cut-off whose precision
    reaches it (the highest recall at that precision); with ``min_recall``, the highest cut-off
    whose recall reaches it (the best precision at that recall). The cut-off sits halfway
    between the chosen held-out score and the next lower one, so it does not hug a single
    training example.

    Returns ``default`` when the label has no positive example, or when even the best cut-off
    reaches a held-out F1 below ``fallback_f1``: a label with one or two examples would otherwise
    get a cut-off near zero and be assigned to almost every document (the "SCutFBR" rule).
    """
    probability = np.asarray(probability, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    if n_pos == 0 or probability.size == 0:
        return default
    order = np.argsort(-probability, kind="stable")
    scores = probability[order]
    hits = positive[order]
    true_pos = np.cumsum(hits)
    predicted = np.arange(1, scores.size + 1)
    # Only cut between distinct scores: predicting k means predicting every tie of the k-th.
    last_of_tie = np.r_[scores[1:] != scores[:-1], True]
    precision = true_pos / predicted
    recall = true_pos / n_pos
    f1 = np.where(true_pos > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
    candidates = np.flatnonzero(last_of_tie)
    if min_precision is not None:
        ok = candidates[precision[candidates] >= min_precision]
        k = int(ok[-1]) if ok.size else int(candidates[0])
    elif min_recall is not None:
        ok = candidates[recall[candidates] >= min_recall]
        k = int(ok[0]) if ok.size else int(candidates[-1])
    else:
        k = int(candidates[np.argmax(f1[candidates])])
    if f1[k] < fallback_f1:
        return default
    below = scores[k + 1] if k + 1 < scores.size else 0.0
    return float((scores[k] + below) / 2.0)
