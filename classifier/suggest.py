"""Which unlabelled articles to label next: uncertain, diverse, and covering rare labels.

Each candidate gets a priority: for every label, how close its probability is to the label's
threshold (1 at the threshold, falling to 0 at a distance of 0.5 in probability), weighted by the
inverse square root of the label's count in the training data, so rare labels count more; the
candidate's priority is the largest of these. Candidates are then picked greedily, each time the
one with the best priority minus its highest cosine similarity to an article already picked, so
that the batch does not repeat one story.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .model import ArticleTagger

__all__ = ["suggest"]


def suggest(
    tagger: ArticleTagger,
    texts: Sequence[str],
    n: int = 50,
    *,
    ids: Iterable[Any] | None = None,
    diversity: float = 0.5,
) -> list[dict[str, Any]]:
    """The ``n`` articles of ``texts`` most worth labelling next, best first.

    Returns records in the corpus format, with the model's guesses pre-filled (to be corrected
    by the annotator) and a ``suggested_because`` note naming the labels the model is unsure of.

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> pool = ["Chip talks between Seoul and Tokyo", "A football match", "Lithium deal talks"]
    >>> [r["id"] for r in suggest(ArticleTagger.load(), pool, n=2)]  # doctest: +SKIP
    [2, 0]
    """
    texts = list(texts)
    ids = list(ids) if ids is not None else list(range(len(texts)))
    if n < 1 or not texts:
        return []
    proba = tagger.predict_proba_stacked(texts).astype(np.float64)
    thresholds = np.asarray(tagger.thresholds_, dtype=np.float64)
    closeness = np.clip(1.0 - np.abs(proba - thresholds) / 0.5, 0.0, 1.0)
    counts = np.array(
        [
            tagger.training_.get("label_counts", {}).get(facet, {}).get(label, 1)
            for facet, label in tagger.labels_
        ],
        dtype=np.float64,
    )
    weighted = closeness / np.sqrt(np.maximum(counts, 1.0))
    weighted /= weighted.max() or 1.0
    priority = weighted.max(axis=1)
    vectors = tagger.vectorizer_.transform(texts)
    chosen: list[int] = []
    similarity_to_chosen = np.zeros(len(texts))
    available = np.ones(len(texts), dtype=bool)
    for _ in range(min(n, len(texts))):
        gain = np.where(available, priority - diversity * similarity_to_chosen, -np.inf)
        best = int(np.argmax(gain))
        chosen.append(best)
        available[best] = False
        similarity = np.asarray((vectors @ vectors[best].T).todense()).ravel()
        similarity_to_chosen = np.maximum(similarity_to_chosen, similarity)
    names = [f"{facet}.{label}" for facet, label in tagger.labels_]
    results = list(tagger.tag_many([texts[i] for i in chosen], ids=[ids[i] for i in chosen]))
    records = []
    for i, result in zip(chosen, results):
        unsure = [names[j] for j in np.argsort(-weighted[i])[:3] if weighted[i, j] > 0]
        record = {"id": ids[i], "text": texts[i]}
        record.update({facet: list(labels) for facet, labels in result.labels.items()})
        record["suggested_because"] = (
            "model unsure of " + ", ".join(unsure)
            if unsure
            else ("unlike the articles already picked")
        )
        records.append(record)
    return records
