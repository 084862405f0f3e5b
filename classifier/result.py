"""The result of tagging one article."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["TagResult"]

# Scores are probabilities; four decimals are plenty for a reader and keep JSON lines short.
SCORE_DECIMALS = 4


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
    extra : dict
        Further per-article fields carried into :meth:`to_dict` (empty by default).
    tokens, known : int or None
        How many word tokens the text has, and how many of them the model knows (occur in its
        vocabulary). See :attr:`coverage` and :attr:`no_known_terms`.

    Examples
    --------
    >>> r = TagResult(id=1, labels={"sector": ("space",)}, scores={"sector": {"space": 0.91}})
    >>> r["sector"]
    ('space',)
    >>> r.to_dict()
    {'id': 1, 'sector': ['space'], 'scores': {'sector': {'space': 0.91}}}
    """

    # A plain slotted class: millions are created per run. The per-label score dictionaries are
    # built on first access from the row of probabilities, since many callers read labels only.
    __slots__ = ("_layout", "_row", "_scores", "extra", "id", "known", "labels", "tokens")

    def __init__(
        self,
        id: Any,
        labels: Mapping[str, tuple[str, ...]],
        scores: Mapping[str, Mapping[str, float]] | None = None,
        extra: Mapping[str, Any] | None = None,
        *,
        row: Any = None,
        layout: Sequence[tuple[str, Sequence[str], int, int]] | None = None,
        tokens: int | None = None,
        known: int | None = None,
    ) -> None:
        if scores is None and (row is None or layout is None):
            raise TypeError("TagResult needs scores, or a row of probabilities and its layout")
        self.id = id
        self.labels = labels
        self.extra = extra if extra is not None else {}
        self._scores = scores
        self._row = row
        self._layout = layout
        self.tokens = tokens
        self.known = known

    @property
    def coverage(self) -> float | None:
        """Share of the text's word tokens that the model knows (None when not measured)."""
        if self.tokens is None or self.known is None:
            return None
        return self.known / self.tokens if self.tokens else 0.0

    @property
    def no_known_terms(self) -> bool:
        """True when the model saw no word it knows: the text is out of its reach (another
        language or script, or no words at all), and it gets no label."""
        return self.known == 0

    @property
    def scores(self) -> Mapping[str, Mapping[str, float]]:
        """Per facet, the probability of every label of the schema."""
        if self._scores is None:
            row = self._row
            self._scores = {
                name: dict(zip(names, row[start:stop].tolist()))
                for name, names, start, stop in self._layout
            }
        return self._scores

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TagResult):
            return NotImplemented
        return (self.id, self.labels, self.scores, self.extra, self.tokens, self.known) == (
            other.id,
            other.labels,
            other.scores,
            other.extra,
            other.tokens,
            other.known,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TagResult(id={self.id!r}, labels={self.labels!r})"

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
        if decimals is not None and self._scores is None:
            # Round the whole row at once in numpy (float64, so 0.1234 stays 0.1234).
            row = np.round(np.asarray(self._row, dtype=np.float64), decimals).tolist()
            record["scores"] = {
                name: dict(zip(names, row[start:stop])) for name, names, start, stop in self._layout
            }
        else:
            record["scores"] = {
                facet: {
                    label: (round(p, decimals) if decimals is not None else p)
                    for label, p in label_scores.items()
                }
                for facet, label_scores in self.scores.items()
            }
        if self.tokens is not None:
            share = self.coverage
            record["coverage"] = {
                "tokens": self.tokens,
                "known_share": round(share, 4) if decimals is not None else share,
                "no_known_terms": self.no_known_terms,
            }
        # Tuples (countries, blocs) become lists, as the labels do: the record equals its JSON.
        record.update((k, list(v) if type(v) is tuple else v) for k, v in self.extra.items())
        return record

    def to_json(self, **kwargs: Any) -> str:
        """One JSON line (no trailing newline); keyword arguments go to :meth:`to_dict`."""
        return json.dumps(self.to_dict(**kwargs), ensure_ascii=False)
