"""TF-IDF features: one vectorization of each document, shared by every facet.

The vectorizer follows scikit-learn's transformer conventions (keyword-only constructor that only
stores parameters, validation in ``fit``, learned state ending in ``_``) and reproduces
``sklearn.feature_extraction.text.TfidfVectorizer`` with ``smooth_idf=True`` on the analyzer of
:mod:`classifier.text`. Its fitted state is plain data (a term list and an idf array), so a saved
model does not depend on scikit-learn's pickled classes.
"""

from __future__ import annotations

import numbers
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from ._params import ParamsMixin
from ._validation import check_documents, check_is_fitted
from .text import analyze, ngrams, normalize, tokenize

try:  # The native counter is optional: without a C compiler at install time, Python does it.
    from ._fastcount import Vocabulary as _NativeVocabulary
except ImportError:  # pragma: no cover - exercised on installs without the extension
    _NativeVocabulary = None

__all__ = ["TfidfVectorizer", "native_available"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def native_available() -> bool:
    """Whether the compiled n-gram counter is installed (else vectorizing runs in Python)."""
    return _NativeVocabulary is not None


def _prepare_for_native(doc: str) -> str:
    """Text the native counter can take: it lower-cases ASCII itself, so plain ASCII passes as
    is; anything else gets the full normalisation first. Lone surrogates, which cannot be
    encoded as UTF-8 and are never word characters, become U+FFFD (not a word character either)."""
    if doc.isascii() and "&" not in doc and "<" not in doc:
        return doc
    doc = normalize(doc)
    if not doc.isascii() and _SURROGATE.search(doc):
        doc = _SURROGATE.sub("\ufffd", doc)
    return doc


class TfidfVectorizer(ParamsMixin):
    """Word n-gram TF-IDF vectorizer with Unicode-aware normalisation.

    Parameters
    ----------
    ngram_range : tuple of (int, int), default=(1, 2)
        Smallest and largest word n-gram length.
    min_df : int or float, default=2
        Ignore terms found in fewer documents than this (a count), or in a smaller share of
        documents (a float in (0, 1]).
    max_df : int or float, default=1.0
        Ignore terms found in more documents than this (a count or a share).
    max_features : int or None, default=None
        Keep only the most frequent terms across the corpus.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of raw counts.
    norm : {"l2", None}, default="l2"
        Row normalisation of the output.
    dtype : numpy dtype, default=np.float32
        Type of the output matrix.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Term to column index.
    idf_ : ndarray of shape (n_features,)
        Inverse document frequency of each term.

    Examples
    --------
    >>> from classifier import TfidfVectorizer
    >>> vec = TfidfVectorizer(min_df=1).fit(["chip export curbs", "chip subsidies"])
    >>> vec.transform(["new chip curbs"]).shape
    (1, 7)
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: float = 2,
        max_df: float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        norm: str | None = "l2",
        dtype: Any = np.float32,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.dtype = dtype

    def _validate_params(self) -> None:
        low, high = self.ngram_range
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
            raise ValueError(
                f"ngram_range must be (low, high) with 1 <= low <= high; got {self.ngram_range!r}"
            )
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"{name} must be a non-negative int or a float; got {value!r}")
            if isinstance(value, float) and value > 1.0:
                raise ValueError(
                    f"{name} as a float is a share of documents in [0, 1]; got {value}"
                )
        if self.max_features is not None and (
            not isinstance(self.max_features, int) or self.max_features < 1
        ):
            raise ValueError(
                f"max_features must be a positive int or None; got {self.max_features!r}"
            )
        if self.norm not in ("l2", None):
            raise ValueError(f"norm must be 'l2' or None; got {self.norm!r}")

    def _analyze(self, doc: str) -> list[str]:
        return analyze(doc, self.ngram_range)

    def fit(self, raw_documents: Iterable[str], y: Any = None) -> Self:
        """Learn the vocabulary and idf from ``raw_documents`` (an iterable of str)."""
        self._validate_params()
        docs = check_documents(raw_documents)
        df: Counter[str] = Counter()
        tf: Counter[str] = Counter()
        for doc in docs:
            grams = self._analyze(doc)
            tf.update(grams)
            df.update(set(grams))
        n_docs = len(docs)
        if n_docs == 0:
            raise ValueError("fit needs at least one document; got an empty collection")
        min_count = self.min_df if isinstance(self.min_df, int) else self.min_df * n_docs
        max_count = self.max_df if isinstance(self.max_df, int) else self.max_df * n_docs
        terms = [t for t, c in df.items() if min_count <= c <= max_count]
        if self.max_features is not None and len(terms) > self.max_features:
            # Most frequent first; ties broken by the term so the result is deterministic.
            terms = sorted(terms, key=lambda t: (-tf[t], t))[: self.max_features]
        if not terms:
            raise ValueError(
                f"no term is left after pruning (min_df={self.min_df}, max_df={self.max_df}) "
                f"on {n_docs} documents; lower min_df or pass more documents"
            )
        terms.sort()
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        counts = np.array([df[t] for t in terms], dtype=np.float64)
        self.idf_ = (np.log((1.0 + n_docs) / (1.0 + counts)) + 1.0).astype(self.dtype)
        return self

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        """TF-IDF matrix of shape ``(n_documents, n_features)`` for ``raw_documents``."""
        return self.transform_with_coverage(raw_documents)[0]

    def transform_with_coverage(
        self, raw_documents: Iterable[str]
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The TF-IDF matrix, and per document the number of word tokens and of tokens that are
        terms of the vocabulary (how much of the text the model can see)."""
        check_is_fitted(self, "vocabulary_")
        docs = check_documents(raw_documents)
        counter = self._native_counter()
        if counter is None:
            counts = self._count_reference(docs)
        else:
            counts = counter.count([_prepare_for_native(d) for d in docs])
            counts = tuple(
                np.frombuffer(b, dtype=t)
                for b, t in zip(counts, (np.int64, np.int32, np.float32, np.int32, np.int32))
            )
        indptr, indices, tf, n_tokens, n_known = counts
        return self._weigh(indptr, indices, tf, len(docs)), n_tokens, n_known

    def _native_counter(self) -> _NativeVocabulary | None:
        if _NativeVocabulary is None or not (1 <= self.ngram_range[0] <= self.ngram_range[1] <= 2):
            return None
        counter = self.__dict__.get("_native")
        if counter is None or self.__dict__.get("_native_for") is not self.vocabulary_:
            counter = _NativeVocabulary(list(self.get_feature_names_out()), *self.ngram_range)
            self.__dict__["_native"], self.__dict__["_native_for"] = counter, self.vocabulary_
        return counter

    def _count_reference(self, docs: list[str]) -> tuple[np.ndarray, ...]:
        """Term counts in pure Python: the straightforward path the native one must equal."""
        vocabulary = self.vocabulary_
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        n_tokens, n_known = [], []
        for doc in docs:
            row: dict[int, int] = {}
            tokens = tokenize(normalize(doc))
            n_tokens.append(len(tokens))
            n_known.append(sum(t in vocabulary for t in tokens))
            for gram in ngrams(tokens, self.ngram_range):
                j = vocabulary.get(gram)
                if j is not None:
                    row[j] = row.get(j, 0) + 1
            for j in sorted(row):
                indices.append(j)
                counts.append(row[j])
            indptr.append(len(indices))
        return (
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int32),
            np.asarray(counts, dtype=np.float32),
            np.asarray(n_tokens, dtype=np.int32),
            np.asarray(n_known, dtype=np.int32),
        )

    def _weigh(
        self, indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray, n_docs: int
    ) -> sp.csr_matrix:
        data = np.array(counts, dtype=self.dtype)
        if self.sublinear_tf:
            np.log(data, out=data)
            data += 1
        data *= self.idf_[indices]
        matrix = sp.csr_matrix((data, indices, indptr), shape=(n_docs, len(self.idf_)), copy=False)
        if self.norm == "l2" and matrix.nnz:
            lengths = np.diff(indptr)
            rows = np.repeat(np.arange(n_docs), lengths)
            norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_docs))
            norms[norms == 0] = 1
            matrix.data /= norms.astype(self.dtype)[rows]
        return matrix

    def __getstate__(self) -> dict[str, Any]:
        # The native counter is a cache rebuilt on demand, not state.
        return {k: v for k, v in self.__dict__.items() if k not in ("_native", "_native_for")}

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None) -> sp.csr_matrix:
        """Fit, then transform the same documents."""
        docs = check_documents(raw_documents)
        return self.fit(docs).transform(docs)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The terms, in column order."""
        check_is_fitted(self, "vocabulary_")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.__getitem__), dtype=object)

    # Plain-data state, used by persistence instead of pickling this object.
    def to_state(self) -> dict[str, Any]:
        check_is_fitted(self, "vocabulary_")
        return {
            "params": {
                "ngram_range": list(self.ngram_range),
                "min_df": self.min_df,
                "max_df": self.max_df,
                "max_features": self.max_features,
                "sublinear_tf": self.sublinear_tf,
                "norm": self.norm,
            },
            "terms": list(self.get_feature_names_out()),
            "idf": np.asarray(self.idf_),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TfidfVectorizer:
        params = dict(state["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        vectorizer = cls(**params)
        vectorizer.vocabulary_ = {t: i for i, t in enumerate(state["terms"])}
        vectorizer.idf_ = np.asarray(state["idf"], dtype=vectorizer.dtype)
        return vectorizer
