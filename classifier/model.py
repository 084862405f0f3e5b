"""The tagger: TF-IDF features, one-vs-rest linear models per facet, calibrated scores, thresholds.

Every facet's labels are scored together: the document is vectorized once, multiplied by one
stacked weight matrix (one column per label of every facet), and passed through the sigmoid. The
Platt calibration of each label is folded into its column, so the product gives probabilities
directly; a label is assigned when its probability reaches the label's threshold.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from ._params import ParamsMixin
from ._validation import check_documents, check_is_fitted
from .calibration import best_threshold, fit_platt
from .evaluation import evaluate_indicators
from .exceptions import SchemaError
from .features import TfidfVectorizer
from .geo import extract_records
from .result import TagResult
from .taxonomy import Taxonomy

if TYPE_CHECKING:
    from .parallel import TaggerPool

__all__ = ["ArticleTagger", "Thresholds"]

# A threshold override: one cut-off for every label, or per label ("label" or "facet.label").
Thresholds = float | Mapping[str, float] | None
# What scoring a batch gives: probabilities (n_texts, n_labels), tokens and known tokens per
# text, and the countries records of classifier.geo.extract_records (or None).
Scores = tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]] | None]

_LOSSES = ("squared_hinge", "logistic")
# Bias of a label that never occurs in training: its probability is ~1e-13, never assigned.
_ABSENT_LABEL_BIAS = -30.0
# Log-odds of every label for a document in which no term of the vocabulary occurs.
_NO_EVIDENCE = -30.0
# Batches from this size on have their countries found in a thread, alongside the scoring.
_OVERLAP_MIN_BATCH = 32
_COUNTRIES_THREAD: tuple[int, ThreadPoolExecutor] | None = None


def _countries_thread() -> ThreadPoolExecutor:
    """One thread per process for the countries scan, started on first use (and again in a
    forked child, which does not inherit the thread)."""
    global _COUNTRIES_THREAD
    if _COUNTRIES_THREAD is None or _COUNTRIES_THREAD[0] != os.getpid():
        executor = ThreadPoolExecutor(1, thread_name_prefix="classifier-countries")
        _COUNTRIES_THREAD = (os.getpid(), executor)
    return _COUNTRIES_THREAD[1]


class ArticleTagger(ParamsMixin):
    """Multi-facet, multi-label news tagger.

    Parameters
    ----------
    taxonomy : Taxonomy or None, default=None
        The label schema. ``None`` takes the facets and labels found in the training labels.
    ngram_range, min_df, max_df, max_features, sublinear_tf
        Passed to :class:`classifier.TfidfVectorizer`.
    loss : {"squared_hinge", "logistic"}, default="squared_hinge"
        Linear model of each label: a linear SVM or logistic regression (liblinear).
    C : float, default=0.5
        Inverse regularisation strength of the linear models.
    class_weight : {"balanced", None}, default=None
        Reweight positive examples of rare labels.
    cv : int, default=5
        Number of folds of the training data used to calibrate scores and choose thresholds.
    min_precision : float or None, default=None
        Choose each threshold for this held-out precision instead of the best F1.
    min_recall : float or None, default=None
        Choose each threshold for this held-out recall instead of the best F1.
    random_state : int, default=0
        Seed of the folds and of the solvers: a fixed seed gives an identical model.
    n_jobs : int or None, default=None
        Threads used to fit the per-label models.

    Attributes
    ----------
    taxonomy_ : Taxonomy
    vectorizer_ : TfidfVectorizer
    coef_ : ndarray of shape (n_features, n_labels_total), float32
        Calibrated weights of every label of every facet, stacked in schema order.
    intercept_ : ndarray of shape (n_labels_total,), float32
    thresholds_ : ndarray of shape (n_labels_total,)
    cv_scores_ : dict
        Held-out (cross-validated) precision, recall and F1 per label and per facet.
    training_ : dict
        Fingerprint, size and per-label counts of the training data.

    Examples
    --------
    >>> from classifier import ArticleTagger
    >>> tagger = ArticleTagger.load()                     # the shipped default model
    >>> result = tagger.tag("The US and Japan signed a pact on rare earth supply chains.")
    >>> "critical_minerals" in result["sector"]
    True
    """

    def __init__(
        self,
        *,
        taxonomy: Taxonomy | None = None,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: float = 2,
        max_df: float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        loss: str = "squared_hinge",
        C: float = 0.5,
        class_weight: str | None = None,
        cv: int = 5,
        min_precision: float | None = None,
        min_recall: float | None = None,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.loss = loss
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.min_precision = min_precision
        self.min_recall = min_recall
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fitting
    def _validate_params(self) -> None:
        if self.taxonomy is not None and not isinstance(self.taxonomy, Taxonomy):
            raise TypeError(
                f"taxonomy must be a Taxonomy or None; got {type(self.taxonomy).__name__}"
            )
        if self.loss not in _LOSSES:
            raise ValueError(f"loss must be one of {_LOSSES}; got {self.loss!r}")
        if isinstance(self.C, bool) or not isinstance(self.C, numbers.Real) or self.C <= 0:
            raise ValueError(f"C must be a positive number; got {self.C!r}")
        if self.class_weight not in ("balanced", None):
            raise ValueError(f"class_weight must be 'balanced' or None; got {self.class_weight!r}")
        if not isinstance(self.cv, int) or isinstance(self.cv, bool) or self.cv < 2:
            raise ValueError(f"cv must be an int >= 2; got {self.cv!r}")
        for name in ("min_precision", "min_recall"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 1:
                raise ValueError(f"{name} must be in (0, 1] or None; got {value!r}")
        if self.min_precision is not None and self.min_recall is not None:
            raise ValueError("set min_precision or min_recall, not both")

    def _new_vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            normalize_text=True,
            dtype=np.float32,
        )

    def _new_linear_model(self) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        if self.loss == "logistic":
            return LogisticRegression(
                C=self.C,
                solver="liblinear",
                class_weight=self.class_weight,
                random_state=self.random_state,
            )
        return LinearSVC(
            C=self.C, class_weight=self.class_weight, random_state=self.random_state, dual=True
        )

    def _fit_linear(self, X: Any, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw (uncalibrated) weights and biases of one binary model per column of ``Y``."""
        from joblib import Parallel, delayed

        def fit_one(column: np.ndarray) -> tuple[np.ndarray, float]:
            n_pos = int(column.sum())
            if n_pos == 0 or n_pos == column.size:
                bias = _ABSENT_LABEL_BIAS if n_pos == 0 else -_ABSENT_LABEL_BIAS
                return np.zeros(X.shape[1]), bias
            model = self._new_linear_model().fit(X, column)
            return model.coef_.ravel(), float(model.intercept_[0])

        fitted = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(fit_one)(Y[:, j]) for j in range(Y.shape[1])
        )
        coef = np.column_stack([w for w, _ in fitted]) if fitted else np.zeros((X.shape[1], 0))
        return coef, np.array([b for _, b in fitted])

    def fit(self, texts: Iterable[str], labels: Mapping[str, Sequence[Sequence[str]]]) -> Self:
        """Train on ``texts`` and their labels.

        Parameters
        ----------
        texts : iterable of str
            The training articles.
        labels : mapping of facet name to a sequence of label lists
            ``labels[facet][i]`` lists the labels of ``texts[i]`` in that facet (possibly empty).

        Returns
        -------
        self
        """
        from sklearn.model_selection import KFold

        self._validate_params()
        docs = check_documents(texts, name="texts")
        taxonomy, Y = self._label_matrix(labels, len(docs))
        if len(docs) < self.cv:
            raise ValueError(f"fit needs at least cv={self.cv} documents; got {len(docs)}")

        # Held-out decision values: the vectorizer is refitted inside each fold so that idf and
        # vocabulary never see the held-out documents.
        held_out = np.zeros(Y.shape, dtype=np.float64)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        for train_idx, test_idx in folds.split(docs):
            vectorizer = self._new_vectorizer()
            X_train = vectorizer.fit_transform([docs[i] for i in train_idx])
            coef, bias = self._fit_linear(X_train, Y[train_idx])
            X_test = vectorizer.transform([docs[i] for i in test_idx])
            held_out[test_idx] = _linear_scores(X_test, coef, bias)

        vectorizer = self._new_vectorizer()
        X = vectorizer.fit_transform(docs)
        coef, bias = self._fit_linear(X, Y)

        n_labels = Y.shape[1]
        slopes, offsets, thresholds = np.ones(n_labels), np.zeros(n_labels), np.full(n_labels, 0.5)
        held_out_proba = np.zeros_like(held_out)
        for j in range(n_labels):
            positive = Y[:, j].astype(bool)
            if 0 < positive.sum() < positive.size:
                slopes[j], offsets[j] = fit_platt(held_out[:, j], positive)
                if slopes[j] <= 0:
                    # Held-out scores rank the label no better than chance (a label with one or
                    # two examples): keep the linear model's own boundary, sigmoid(decision).
                    slopes[j], offsets[j] = 1.0, 0.0
            held_out_proba[:, j] = _sigmoid(slopes[j] * held_out[:, j] + offsets[j])
            thresholds[j] = best_threshold(
                held_out_proba[:, j],
                positive,
                min_precision=self.min_precision,
                min_recall=self.min_recall,
            )
        absent = Y.sum(axis=0) == 0
        slopes[absent], offsets[absent] = 1.0, 0.0

        self.taxonomy_ = taxonomy
        self.vectorizer_ = vectorizer
        self.coef_ = (coef * slopes).astype(np.float32)
        self.intercept_ = (bias * slopes + offsets).astype(np.float32)
        self.thresholds_ = thresholds
        self.cv_scores_ = evaluate_indicators(
            taxonomy, Y.astype(bool), held_out_proba >= thresholds
        )
        self.training_ = {
            "fingerprint": fingerprint(docs, labels, taxonomy.facet_names),
            "n_documents": len(docs),
            "label_counts": {
                facet: {
                    label: int(Y[:, j].sum())
                    for label, j in zip(taxonomy[facet].labels, self._facet_columns(facet))
                }
                for facet in taxonomy.facet_names
            },
        }
        return self

    def _label_matrix(
        self, labels: Mapping[str, Sequence[Sequence[str]]], n_docs: int
    ) -> tuple[Taxonomy, np.ndarray]:
        if not isinstance(labels, Mapping):
            raise TypeError(
                "labels must map each facet name to a list of label lists, "
                f"e.g. {{'sector': [['space'], []]}}; got {type(labels).__name__}"
            )
        for facet, lists in labels.items():
            if isinstance(lists, str) or len(lists) != n_docs:
                raise ValueError(
                    f"labels[{facet!r}] must hold one label list per text ({n_docs}); "
                    f"got {len(lists) if not isinstance(lists, str) else 'a string'}"
                )
            for i, row in enumerate(lists):
                if isinstance(row, str):
                    raise TypeError(
                        f"labels[{facet!r}][{i}] is a string; give a list of labels, e.g. [{row!r}]"
                    )
        taxonomy = self.taxonomy
        if taxonomy is None:
            taxonomy = Taxonomy.from_labels(
                {
                    facet: (label for row in lists for label in row)
                    for facet, lists in labels.items()
                }
            )
        missing = [f for f in taxonomy.facet_names if f not in labels]
        extra = [f for f in labels if f not in taxonomy]
        if missing or extra:
            raise SchemaError(
                f"labels must have exactly the facets of schema {taxonomy.name!r} "
                f"{list(taxonomy.facet_names)}; missing {missing}, unexpected {extra}"
            )
        columns = []
        for facet in taxonomy.facet_names:
            index = {label: j for j, label in enumerate(taxonomy[facet].labels)}
            block = np.zeros((n_docs, len(index)), dtype=np.int8)
            for i, row in enumerate(labels[facet]):
                taxonomy.validate_labels(facet, row, where=f"labels[{facet!r}][{i}]")
                block[i, [index[label] for label in row]] = 1
            columns.append(block)
        return taxonomy, np.hstack(columns)

    # ------------------------------------------------------------------ scoring
    def _facet_columns(self, facet: str) -> range:
        start = 0
        for f in self.taxonomy_.facets:
            if f.name == facet:
                return range(start, start + len(f.labels))
            start += len(f.labels)
        raise KeyError(facet)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "coef_")

    def decision_function(self, texts: Iterable[str]) -> np.ndarray:
        """Calibrated log-odds of every label, shape ``(n_texts, n_labels_total)``, float32.

        A text in which no term of the model's vocabulary occurs gets -30 for every label (a
        probability of about 1e-13): it is out of the model's reach and gets no label.
        """
        return self._score(check_documents(texts, name="texts"))[0]

    def _score(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Log-odds of every label of checked documents, and per document the number of tokens
        and of known tokens."""
        X, n_tokens, n_known, weights = self._vectorize(docs)
        return _linear_scores(X, weights, self.intercept_), n_tokens, n_known

    def _vectorize(self, docs: list[str]) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
        """The feature matrix of checked documents, their coverage, and the weight matrix whose
        rows match its columns (frequency-ordered on the native path)."""
        self._check_fitted()
        order = self._column_order()
        if order is None:
            return (*self.vectorizer_._transform(docs), self.coef_)
        return (*self.vectorizer_._transform(docs, order), self.__dict__["_ordered_coef"][1])

    def _column_order(self) -> np.ndarray | None:
        """Columns ordered by document frequency (ascending idf) for the native path: the weight
        rows of frequent terms then sit together in memory, which makes the sparse product and
        the counting several times more cache-friendly. Same scores, columns permuted."""
        from .features import native_available

        if not native_available() or not self.vectorizer_.use_idf:
            return None
        cached = self.__dict__.get("_ordered_coef")
        if cached is None or cached[2] is not self.coef_:
            order = np.argsort(self.vectorizer_.idf_, kind="stable")
            cached = (order, np.ascontiguousarray(self.coef_[order]), self.coef_)
            self.__dict__["_ordered_coef"] = cached
        return cached[0]

    def __getstate__(self) -> dict[str, Any]:
        # The frequency-ordered copy of the weights is a cache, rebuilt on demand.
        return {k: v for k, v in self.__dict__.items() if k != "_ordered_coef"}

    def predict_proba(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """Per facet, the probability of each label: ``{facet: array (n_texts, n_labels)}``."""
        proba = self.predict_proba_stacked(texts)
        return {f: proba[:, self._facet_columns(f)] for f in self.taxonomy_.facet_names}

    def predict(
        self, texts: Iterable[str], *, threshold: Thresholds = None
    ) -> dict[str, np.ndarray]:
        """Per facet, a 0/1 indicator matrix of the assigned labels (schema order)."""
        assigned = self.predict_proba_stacked(texts) >= self._thresholds(threshold)
        return {
            f: assigned[:, self._facet_columns(f)].astype(np.int8)
            for f in self.taxonomy_.facet_names
        }

    def _thresholds(self, override: Thresholds) -> np.ndarray:
        thresholds = np.array(self.thresholds_, dtype=np.float64)
        if override is None:
            return thresholds
        if isinstance(override, numbers.Real):
            if not 0 <= override <= 1:
                raise ValueError(f"threshold must be in [0, 1]; got {override}")
            return np.full_like(thresholds, float(override))
        names = {}
        for facet in self.taxonomy_.facets:
            for label, j in zip(facet.labels, self._facet_columns(facet.name)):
                names[f"{facet.name}.{label}"] = j
                names.setdefault(label, j)
        for key, value in sorted(override.items(), key=lambda kv: kv[0] != "*"):
            if key == "*":
                thresholds[:] = float(value)
                continue
            if key not in names:
                raise ValueError(f"threshold for unknown label {key!r}; labels: {sorted(names)}")
            if not 0 <= value <= 1:
                raise ValueError(f"threshold for {key!r} must be in [0, 1]; got {value}")
            thresholds[names[key]] = float(value)
        return thresholds

    @property
    def labels_(self) -> list[tuple[str, str]]:
        """``(facet, label)`` of every column of the stacked weight matrix."""
        self._check_fitted()
        return [(f.name, label) for f in self.taxonomy_.facets for label in f.labels]

    # ------------------------------------------------------------------ tagging
    def tag(
        self,
        text: str,
        *,
        threshold: Thresholds = None,
        top_k: int | None = None,
        id: Any = None,
        explain: bool = False,
        countries: bool = False,
    ) -> TagResult:
        """Tag one article.

        Parameters
        ----------
        text : str
        threshold : float or mapping, optional
            Override the stored thresholds: one value for every label, or ``{label: value}``
            (``"facet.label"`` keys disambiguate; ``"*"`` sets every other label).
        top_k : int, optional
            Keep at most this many labels per facet (the highest scores).
        id : object, optional
            Carried into the result.
        explain : bool, default=False
            Add ``extra["explanation"]``: for every assigned label, the terms that pushed its
            score up most and the strongest evidence against (see
            :func:`classifier.explain.explain`).
        countries : bool, default=False
            Add the countries, blocs and scope of the action (see :meth:`tag_many`).

        Examples
        --------
        >>> from classifier import ArticleTagger
        >>> r = ArticleTagger.load().tag("Arsenal beat Chelsea 2-1 in the league on Sunday.")
        >>> r.is_empty
        True
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        result = next(
            self.tag_many([text], ids=[id], threshold=threshold, top_k=top_k, countries=countries)
        )
        if explain:
            from .explain import explain as explain_text

            chosen = [
                f"{facet}.{label}" for facet, labels in result.labels.items() for label in labels
            ]
            result.extra["explanation"] = explain_text(self, text, labels=chosen)
        return result

    def tag_many(
        self,
        texts: Iterable[str],
        *,
        ids: Iterable[Any] | None = None,
        threshold: Thresholds = None,
        top_k: int | None = None,
        batch_size: int = 512,
        n_jobs: int = 1,
        countries: bool = False,
    ) -> Iterator[TagResult]:
        """Tag a stream of articles, yielding one :class:`TagResult` per text in input order.

        The input is consumed ``batch_size`` texts at a time, so memory stays constant however
        long the stream is.

        Parameters
        ----------
        texts : iterable of str
            Any iterable (list, generator, file reader). A bare ``str`` is an error.
        ids : iterable, optional
            One id per text; defaults to the position in the stream (0, 1, ...).
        threshold, top_k
            As in :meth:`tag`.
        batch_size : int, default=512
            Texts vectorized and scored together.
        n_jobs : int, default=1
            Worker processes scoring batches in parallel (see :meth:`pool`, which keeps the
            workers alive across calls).
        countries : bool, default=False
            Also extract the countries and blocs the article involves (tuples of ISO codes
            and bloc ids) and the scope of the action (``extra["countries"]``, ``["blocs"]``,
            ``["scope"]``; see :func:`classifier.geo.extract`). On batches of 32 texts or
            more, the scan runs in a thread while the batch is scored.

        Examples
        --------
        >>> from classifier import ArticleTagger
        >>> tagger = ArticleTagger.load()
        >>> [r.id for r in tagger.tag_many(["a", "b"], ids=["x", "y"])]
        ['x', 'y']
        """
        if n_jobs == 1:
            return self._tag_stream(self, texts, ids, threshold, top_k, batch_size, countries)
        stream = self._tag_stream(None, texts, ids, threshold, top_k, batch_size, countries)
        return self._tag_in_pool(stream, n_jobs)

    def _tag_in_pool(self, stream: Any, n_jobs: int) -> Iterator[TagResult]:
        with self.pool(n_jobs=n_jobs) as pool:
            stream.scorer = pool
            yield from stream

    def _tag_stream(
        self,
        scorer: Any,
        texts: Iterable[str],
        ids: Iterable[Any] | None,
        threshold: Thresholds,
        top_k: int | None,
        batch_size: int,
        countries: bool = False,
    ) -> _ResultStream:
        """Results of ``texts`` scored by ``scorer`` (this tagger, or a pool of workers); the
        arguments are checked now, the texts are read as the results are consumed."""
        batches = self._batches(texts, ids, top_k, batch_size)
        thresholds = self._thresholds(threshold)
        return _ResultStream(self, scorer, batches, thresholds, top_k, countries)

    def score_batches(
        self, batches: Iterable[list[str]], *, countries: bool = False
    ) -> Iterator[Scores]:
        """For each batch of texts, in order: the stacked probabilities (see
        :meth:`predict_proba_stacked`), per text the number of word tokens and of tokens the
        model knows, and with ``countries`` the records of :func:`classifier.geo.extract_records`
        (else None). :class:`~classifier.parallel.TaggerPool` has the same method, run by worker
        processes."""
        for batch in batches:
            docs = check_documents(batch, name="texts")
            # The countries scan releases the GIL: on a batch worth it, it runs in a thread while
            # this one scores the batch.
            pending = None
            if countries and len(docs) >= _OVERLAP_MIN_BATCH:
                pending = _countries_thread().submit(extract_records, docs)
            log_odds, n_tokens, n_known = self._score(docs)
            if pending is not None:
                records = pending.result()
            else:
                records = extract_records(docs) if countries else None
            yield _sigmoid(log_odds), n_tokens, n_known, records

    def pool(self, n_jobs: int = 2) -> TaggerPool:
        """Worker processes that tag with this model: ``with tagger.pool(2) as p: p.tag_many(...)``.

        The model is sent to each worker once, when it starts.
        """
        from .parallel import TaggerPool

        return TaggerPool(self, n_jobs)

    def _batches(
        self, texts: Iterable[str], ids: Iterable[Any] | None, top_k: int | None, batch_size: int
    ) -> Iterator[tuple[list[Any], list[str]]]:
        """Validate the arguments of tag_many now, then yield ``(ids, texts)`` batches."""
        self._check_fitted()
        if isinstance(texts, str | bytes):
            raise TypeError("texts must be an iterable of str, got a single string; use tag(text)")
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"top_k must be a positive int or None; got {top_k!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int; got {batch_size!r}")
        return self._iter_batches(iter(texts), None if ids is None else iter(ids), batch_size)

    @staticmethod
    def _iter_batches(
        text_iter: Iterator[str], id_iter: Iterator[Any] | None, batch_size: int
    ) -> Iterator[tuple[list[Any], list[str]]]:
        position = 0
        while batch := list(islice(text_iter, batch_size)):
            if id_iter is None:
                batch_ids = list(range(position, position + len(batch)))
            else:
                batch_ids = list(islice(id_iter, len(batch)))
                if len(batch_ids) < len(batch):
                    raise ValueError("ids is shorter than texts; give one id per text")
            position += len(batch)
            yield batch_ids, batch

    def predict_proba_stacked(self, texts: Iterable[str]) -> np.ndarray:
        """Probabilities of every label of every facet, ``(n_texts, n_labels_total)`` float32,
        columns in the order of :attr:`labels_`."""
        return _sigmoid(self.decision_function(texts))

    def _results(
        self, ids: list[Any], scores: Scores, thresholds: np.ndarray, top_k: int | None
    ) -> Iterator[TagResult]:
        proba, n_tokens, n_known, countries = scores
        facets = self.taxonomy_.facets
        layout = [
            (f.name, f.labels, c.start, c.stop)
            for f, c in ((f, self._facet_columns(f.name)) for f in facets)
        ]
        column_facet = [name for name, _, start, stop in layout for _ in range(start, stop)]
        column_label = [label for f in facets for label in f.labels]
        # Assigned labels for the whole batch at once, ordered by row, then by score: most news
        # is out of domain, so only the few (row, label) pairs that pass are visited in Python.
        rows, columns = np.nonzero(proba >= thresholds)
        order = np.lexsort((-proba[rows, columns], rows))
        assigned: dict[int, dict[str, list[str]]] = {}
        for row, column in zip(rows[order].tolist(), columns[order].tolist()):
            per_facet = assigned.get(row)
            if per_facet is None:
                per_facet = assigned[row] = {name: [] for name, _, _, _ in layout}
            per_facet[column_facet[column]].append(column_label[column])
        nothing = {name: () for name, _, _, _ in layout}
        coverage = zip(n_tokens.tolist(), n_known.tolist())
        # Rows stay numpy views until a caller reads the scores: most callers want labels only.
        for row, (doc_id, probabilities, (tokens, known)) in enumerate(zip(ids, proba, coverage)):
            per_facet = assigned.get(row)
            if per_facet is None:
                labels = nothing.copy()
            else:
                labels = {name: tuple(found[:top_k]) for name, found in per_facet.items()}
            yield TagResult(
                doc_id,
                labels,
                row=probabilities,
                layout=layout,
                tokens=tokens,
                known=known,
                extra=countries[row] if countries is not None else None,
            )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, *, evaluation: Mapping[str, Any] | None = None) -> Path:
        """Write the fitted tagger to ``path`` (see :func:`classifier.persistence.save_model`)."""
        from .persistence import save_model

        return save_model(self, path, evaluation=evaluation)

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        allow_version_mismatch: bool = False,
        trust: bool = False,
    ) -> Self:
        """Load a saved tagger; without ``path``, the shipped default model.

        Loading checks the file's manifest (format version, library versions, payload digest)
        and unpickles with an allow-list, so a crafted file cannot run code; ``trust=True``
        lifts the allow-list for files you produced. See
        :func:`classifier.persistence.load_model`.
        """
        from .persistence import load_model

        return load_model(path, allow_version_mismatch=allow_version_mismatch, trust=trust, cls=cls)

    def save_skops(self, path: str | Path) -> Path:
        """Write the tagger in the skops format, safe to share (see
        :func:`classifier.persistence.save_skops`); ``load`` reads it back."""
        from .persistence import save_skops

        return save_skops(self, path)


class _ResultStream:
    """Iterator of tagging results: batches of texts go to the scorer's ``score_batches`` and
    the probabilities come back in order, each matched with its batch of ids."""

    def __init__(
        self,
        tagger: ArticleTagger,
        scorer: Any,
        batches: Iterator,
        thresholds: np.ndarray,
        top_k: int | None,
        countries: bool = False,
    ) -> None:
        self.tagger, self.scorer, self.batches = tagger, scorer, batches
        self.thresholds, self.top_k, self.countries = thresholds, top_k, countries
        self._results: Iterator[TagResult] | None = None

    def __iter__(self) -> _ResultStream:
        return self

    def __next__(self) -> TagResult:
        if self._results is None:
            self._results = self._generate()
        return next(self._results)

    def _generate(self) -> Iterator[TagResult]:
        pending: deque[list[Any]] = deque()

        def texts_only() -> Iterator[list[str]]:
            for batch_ids, batch in self.batches:
                pending.append(batch_ids)
                yield batch

        for scores in self.scorer.score_batches(texts_only(), countries=self.countries):
            yield from self.tagger._results(pending.popleft(), scores, self.thresholds, self.top_k)


def _linear_scores(X: Any, coef: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``X @ coef + bias``, except that a document with no known term gets the lowest score:
    with no evidence at all, the intercept alone would tag it with the most frequent labels."""
    scores = np.asarray(X @ coef) + bias
    scores[np.diff(X.indptr) == 0] = _NO_EVIDENCE
    return scores


def _sigmoid(z: np.ndarray) -> np.ndarray:
    z = np.clip(z, -60, 60)
    return 1.0 / (1.0 + np.exp(-z))


def fingerprint(
    texts: Sequence[str], labels: Mapping[str, Sequence[Sequence[str]]], facets: Iterable[str]
) -> str:
    """SHA-256 of the training texts and labels, in order: two models with the same
    fingerprint were trained on the same data."""
    digest = hashlib.sha256()
    facets = list(facets)
    for i, text in enumerate(texts):
        record = [text, [sorted(labels[f][i]) for f in facets]]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()
