"""Batch tagging of records: the library call behind ``classifier tag``.

Records that could not be read pass through as error records in their place, so the output has
exactly one record per input record, in input order.
"""

from __future__ import annotations

from collections import deque
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
    scorer: Any = None,
    countries: bool = False,
) -> Iterator[tuple[Record, dict[str, Any]]]:
    """Tag a stream of :class:`~classifier.io.Record`, yielding ``(record, output)`` pairs.

    ``output`` is the result's JSON record, or the error record of a record that could not be
    read. Records are read ``batch_size`` at a time; ``scorer`` (default: ``tagger`` itself) may be
    a :class:`~classifier.parallel.TaggerPool` of worker processes, which keeps a bounded number
    of batches in flight, so memory stays bounded either way.

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> from classifier.io import Record, RecordError
    >>> bad = RecordError("empty_text", "the text is empty")
    >>> recs = [Record(1, "Chip export curbs tightened", "-"), Record(2, None, "-", 2, bad)]
    >>> [sorted(out) for _, out in tag_records(ArticleTagger.load(), recs)][1]
    ['error', 'id']
    """
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be a positive int or None; got {top_k!r}")
    thresholds = tagger._thresholds(threshold)
    iterator = iter(records)
    pending: deque[list[Record]] = deque()

    def valid_texts() -> Iterator[list[str]]:
        while chunk := list(islice(iterator, batch_size)):
            pending.append(chunk)
            yield [r.text for r in chunk if r.error is None]

    for scores in (scorer or tagger).score_batches(valid_texts(), countries=countries):
        chunk = pending.popleft()
        valid_ids = [r.id for r in chunk if r.error is None]
        results = tagger._results(valid_ids, scores, thresholds, top_k)
        for record in chunk:
            if record.error is not None:
                yield record, error_record(record)
            else:
                yield record, next(results).to_dict()
