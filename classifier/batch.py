"""Batch tagging of records: the library call behind ``classifier tag``.

Records that could not be read pass through as error records in their place, so the output has
exactly one record per input record, in input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from .io import Record, error_record

if TYPE_CHECKING:
    from .model import ArticleTagger, Thresholds

__all__ = ["tag_records"]


def tag_records(
    tagger: ArticleTagger,
    records: Iterable[Record],
    *,
    threshold: Thresholds = None,
    top_k: int | None = None,
    batch_size: int = 512,
) -> Iterator[tuple[Record, dict[str, Any]]]:
    """Tag a stream of :class:`~classifier.io.Record`, yielding ``(record, output)`` pairs.

    ``output`` is the result's JSON record, or the error record of a record that could not be
    read. Memory is bounded by ``batch_size`` records.

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> from classifier.io import Record
    >>> recs = [Record(1, "Chip export curbs tightened", "-"), Record(2, None, "-")]
    >>> [sorted(out) for _, out in tag_records(ArticleTagger.load(), recs)][1]
    ['error', 'id']
    """
    iterator = iter(records)
    while True:
        chunk = list(islice(iterator, batch_size))
        if not chunk:
            return
        valid = [r for r in chunk if r.error is None]
        results = iter(
            tagger.tag_many(
                [r.text for r in valid],
                ids=[r.id for r in valid],
                threshold=threshold,
                top_k=top_k,
                batch_size=batch_size,
            )
        )
        for record in chunk:
            if record.error is not None:
                yield record, error_record(record)
            else:
                yield record, next(results).to_dict()
