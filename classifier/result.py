"""The result of tagging one article."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TagResult"]

# Scores are probabilities; four decimals are plenty for a reader and keep JSON lines short.
SCORE_DECIMALS = 4


@dataclass(frozen=True)
class TagResult:
    """Labels and scores of one article, per facet.

    Attributes
    ----------
    id : object
        The article's id (``None`` when none was given).
    labels : dict of str to tuple of str
        Per facet, the labels whose score passed their threshold, highest score first.
    scores : dict of str to dict of str to float
        Per facet, the probability of every label of the schema.

    Examples
    --------
    >>> r = TagResult(id=1, labels={"sector": ("space",)}, scores={"sector": {"space": 0.91}})
    >>> r["sector"]
    ('space',)
    >>> r.to_dict()
    {'id': 1, 'sector': ['space'], 'scores': {'sector': {'space': 0.91}}}
    """

    id: Any
    labels: Mapping[str, tuple[str, ...]]
    scores: Mapping[str, Mapping[str, float]]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, facet: str) -> tuple[str, ...]:
        return self.labels[facet]

    @property
    def is_empty(self) -> bool:
        """True when no facet has a label: the article is out of the schema's domain."""
        return not any(self.labels.values())

    def to_dict(self, *, decimals: int | None = SCORE_DECIMALS) -> dict[str, Any]:
        """The JSON record: ``{"id", <facet>: [...], ..., "scores": {<facet>: {label: p}}}``."""
        record: dict[str, Any] = {"id": self.id}
        for facet, labels in self.labels.items():
            record[facet] = list(labels)
        record["scores"] = {
            facet: {
                label: (round(p, decimals) if decimals is not None else p)
                for label, p in label_scores.items()
            }
            for facet, label_scores in self.scores.items()
        }
        record.update(self.extra)
        return record

    def to_json(self, **kwargs: Any) -> str:
        """One JSON line (no trailing newline); keyword arguments go to :meth:`to_dict`."""
        return json.dumps(self.to_dict(**kwargs), ensure_ascii=False)
