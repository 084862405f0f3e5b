"""Tagging with worker processes on one machine.

Each worker receives the model once, as the bytes of its model file, when it starts, and loads it
with the same verified loader as :meth:`ArticleTagger.load`. Batches of texts go to the workers,
which vectorize and score them; the calibrated probabilities come back and the calling process
turns them into results, in input order. At most ``2 * n_jobs`` batches are in flight, so memory
stays bounded however long the input is.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import ArticleTagger, Scores, Thresholds
    from .result import TagResult

__all__ = ["TaggerPool"]

_worker_tagger: Any = None


def _start_worker(model: bytes) -> None:
    global _worker_tagger
    from .persistence import loads_model

    _worker_tagger = loads_model(model, source="<model sent to worker>")


def _score(texts: list[str], countries: bool) -> Scores:
    return next(_worker_tagger.score_batches([texts], countries=countries))


class TaggerPool:
    """A pool of worker processes that tag with one model.

    Parameters
    ----------
    tagger : ArticleTagger
        A fitted tagger; it is serialised once and sent to each worker when the worker starts.
    n_jobs : int
        Number of worker processes.

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> tagger = ArticleTagger.load()
    >>> with tagger.pool(n_jobs=2) as pool:
    ...     results = list(pool.tag_many(["Chip export curbs", "A football match"]))
    >>> [r.is_empty for r in results]
    [False, True]
    """

    def __init__(self, tagger: ArticleTagger, n_jobs: int) -> None:
        from .persistence import dumps_model

        if not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(f"n_jobs must be a positive int; got {n_jobs!r}")
        tagger._check_fitted()
        self.tagger = tagger
        self.n_jobs = n_jobs
        # forkserver: workers do not inherit this process's threads (BLAS, progress bars).
        # multiprocessing.Pool starts every worker now, so no worker starts mid-run.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
        self._pool = multiprocessing.get_context(method).Pool(
            n_jobs, initializer=_start_worker, initargs=(dumps_model(tagger),)
        )

    def tag_many(
        self,
        texts: Iterable[str],
        *,
        ids: Iterable[Any] | None = None,
        threshold: Thresholds = None,
        top_k: int | None = None,
        batch_size: int = 512,
    ) -> Iterator[TagResult]:
        """As :meth:`ArticleTagger.tag_many`, with the scoring spread over the workers."""
        return self.tagger._tag_stream(self, texts, ids, threshold, top_k, batch_size)

    def score_batches(
        self, batches: Iterable[list[str]], *, countries: bool = False
    ) -> Iterator[Scores]:
        """As :meth:`ArticleTagger.score_batches`, computed by the workers (countries too); at
        most ``2 * n_jobs`` batches are in flight."""
        batches = iter(batches)

        def submit(batch: list[str]) -> Any:
            return self._pool.apply_async(_score, (batch, countries))

        pending = deque(submit(batch) for batch in islice(batches, 2 * self.n_jobs))
        while pending:
            scores = pending.popleft().get()
            for batch in islice(batches, 1):
                pending.append(submit(batch))
            yield scores

    def close(self) -> None:
        """Stop the workers."""
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> TaggerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
