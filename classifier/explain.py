"""Why a label was given: per-term contributions to a label's score, and each label's top terms.

The tagger is linear: the calibrated log-odds of label ``j`` for a document is
``intercept[j] + sum over terms t of tfidf[t] * weight[t, j]``. Each term's contribution is that
product, so the contributions and the intercept add up exactly to the score, and the probability
is ``sigmoid(score)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .model import _linear_scores

if TYPE_CHECKING:
    from .model import ArticleTagger

__all__ = ["explain", "render", "top_terms"]


def _label_columns(tagger: ArticleTagger) -> list[tuple[str, str, int]]:
    return [
        (facet.name, label, j)
        for facet in tagger.taxonomy_.facets
        for label, j in zip(facet.labels, tagger._facet_columns(facet.name))
    ]


def explain(
    tagger: ArticleTagger,
    text: str,
    *,
    labels: Iterable[str] | None = None,
    n_terms: int = 8,
) -> dict[str, dict[str, Any]]:
    """Per-term evidence for and against labels of one text.

    Parameters
    ----------
    tagger : ArticleTagger
    text : str
    labels : iterable of str, optional
        ``"facet.label"`` or ``"label"`` names to explain; by default the labels the text gets.
    n_terms : int, default=8
        How many terms to list for and against each label.

    Returns
    -------
    dict
        ``{facet: {label: {"probability", "score", "intercept", "for": [{"term", "weight",
        "tfidf", "contribution"}], "against": [...], "other": float}}}`` where ``score`` equals
        ``intercept`` plus the sum of all contributions (``other`` is the part not listed).

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> from classifier.explain import explain
    >>> e = explain(ArticleTagger.load(), "Tokyo tightened export controls on chipmaking tools.")
    >>> sorted(e["cooperation"])
    ['export_controls']
    """
    tagger._check_fitted()
    matrix = tagger.vectorizer_.transform([text])
    terms = tagger.vectorizer_.get_feature_names_out()
    columns, tfidf = matrix.indices, matrix.data.astype(np.float64)
    # The scores come from the same product the tagger computes; the text is not tagged again.
    scores = _linear_scores(matrix, tagger.coef_, tagger.intercept_)[0].astype(np.float64)
    probabilities = 1.0 / (1.0 + np.exp(-scores))
    wanted = set(labels) if labels is not None else None
    explanation: dict[str, dict[str, Any]] = {}
    for facet, label, j in _label_columns(tagger):
        chosen = (
            probabilities[j] >= tagger.thresholds_[j]
            if wanted is None
            else (label in wanted or f"{facet}.{label}" in wanted)
        )
        if not chosen:
            continue
        weights = tagger.coef_[columns, j].astype(np.float64)
        contributions = tfidf * weights
        intercept = float(tagger.intercept_[j])
        score = intercept + float(contributions.sum()) if columns.size else float(scores[j])
        order = np.argsort(-contributions, kind="stable")

        positive = [i for i in order if contributions[i] > 0][:n_terms]
        negative = [i for i in order[::-1] if contributions[i] < 0][:n_terms]
        listed = float(contributions[positive].sum() + contributions[negative].sum())
        explanation.setdefault(facet, {})[label] = {
            "probability": float(probabilities[j]),
            "score": score,
            "intercept": intercept,
            "for": _entries(positive, terms[columns], weights, tfidf, contributions),
            "against": _entries(negative, terms[columns], weights, tfidf, contributions),
            "other": (float(contributions.sum()) - listed) if columns.size else 0.0,
        }
    return explanation


def _entries(
    indices: list[int],
    terms: np.ndarray,
    weights: np.ndarray,
    tfidf: np.ndarray,
    contributions: np.ndarray,
) -> list[dict[str, Any]]:
    return [
        {
            "term": str(terms[i]),
            "weight": round(float(weights[i]), 4),
            "tfidf": round(float(tfidf[i]), 4),
            "contribution": round(float(contributions[i]), 4),
        }
        for i in indices
    ]


def top_terms(tagger: ArticleTagger, n: int = 15) -> dict[str, dict[str, list[tuple[str, float]]]]:
    """The ``n`` n-grams with the largest positive weight for every label.

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> from classifier.explain import top_terms
    >>> "quantum" in [t for t, _ in top_terms(ArticleTagger.load(), 5)["sector"]["quantum"]]
    True
    """
    tagger._check_fitted()
    terms = tagger.vectorizer_.get_feature_names_out()
    out: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for facet, label, j in _label_columns(tagger):
        column = tagger.coef_[:, j]
        best = np.argsort(-column, kind="stable")[:n]
        out.setdefault(facet, {})[label] = [
            (str(terms[i]), round(float(column[i]), 4)) for i in best if column[i] > 0
        ]
    return out


def render(text: str, explanation: dict[str, dict[str, Any]], *, color: bool = False) -> str:
    """A readable terminal rendering: each explained label with its evidence, then the text
    with the terms that support any label highlighted (bold, or ``[[term]]`` without color)."""
    lines = []
    supporting: set[str] = set()
    for facet, labels in explanation.items():
        for label, detail in labels.items():
            lines.append(
                f"{facet}: {label}  p={detail['probability']:.3f}  "
                f"(log-odds {detail['score']:+.2f} = intercept {detail['intercept']:+.2f} "
                f"+ terms)"
            )
            for side in ("for", "against"):
                if detail[side]:
                    shown = ", ".join(f"{e['term']} {e['contribution']:+.2f}" for e in detail[side])
                    lines.append(f"    {side:<8}{shown}")
            supporting.update(e["term"] for e in detail["for"])
    if not lines:
        lines.append("no label: the text scored below every label's threshold")
    phrases = sorted(supporting, key=len, reverse=True)
    if phrases:
        alternatives = (r"\W+".join(map(re.escape, phrase.split())) for phrase in phrases)
        pattern = re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.IGNORECASE)
        mark = (
            (lambda m: f"\033[1;33m{m.group(0)}\033[0m")
            if color
            else (lambda m: f"[[{m.group(0)}]]")
        )
        text = pattern.sub(mark, text)
    return "\n".join([*lines, "", text])
