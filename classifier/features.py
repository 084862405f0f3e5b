"""TF-IDF features: one vectorization of each document, shared by every facet.

:class:`TfidfVectorizer` is a drop-in for ``sklearn.feature_extraction.text.TfidfVectorizer`` on
the subset of its parameters it supports: with the same parameters it learns the same vocabulary
and produces the same matrix (to float rounding), and it rejects the parameters it does not support
with an error naming them. Counting n-grams, the costly step, runs in a small C extension when it
is installed (see ``native_available``); the pure-Python path gives the same result and is the
reference the native one is tested against.

Its fitted state is plain data (a term list and an idf array), so a saved model does not depend on
scikit-learn's pickled classes.
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
from .text import ngrams, normalize, tokenize

try:  # The native counter is optional: without a C compiler at install time, Python does it.
    from ._fastcount import Vocabulary as _NativeVocabulary
except ImportError:  # pragma: no cover - exercised on installs without the extension
    _NativeVocabulary = None

__all__ = ["TfidfVectorizer", "native_available"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# scikit-learn's parameters that this vectorizer accepts only at their default value.
_FIXED_PARAMETERS = {
    "input": "content",
    "encoding": "utf-8",
    "decode_error": "strict",
    "strip_accents": None,
    "preprocessor": None,
    "tokenizer": None,
    "analyzer": "word",
    "token_pattern": _DEFAULT_TOKEN_PATTERN,
    "vocabulary": None,
}
_COUNT_DTYPES = (np.int64, np.int32, np.float32, np.int32, np.int32)


def native_available() -> bool:
    """Whether the compiled n-gram counter is installed (else vectorizing runs in Python)."""
    return _NativeVocabulary is not None


class TfidfVectorizer(ParamsMixin):
    """Word n-gram TF-IDF vectorizer, a faster drop-in for scikit-learn's ``TfidfVectorizer``.

    Parameters are scikit-learn's, with the same defaults and meaning. Supported: ``lowercase``,
    ``stop_words`` (a list, or ``"english"``), ``ngram_range`` up to ``(1, 3)``, ``max_df``,
    ``min_df``, ``max_features``, ``binary``, ``dtype``, ``norm`` (``"l1"``, ``"l2"`` or None),
    ``use_idf``, ``smooth_idf``, ``sublinear_tf``. The others (``analyzer``, ``tokenizer``,
    ``token_pattern``, ``preprocessor``, ``strip_accents``, ``vocabulary``, ``input``,
    ``encoding``, ``decode_error``) are accepted only at their defaults; ``fit`` rejects any other
    value with an error naming the parameter.

    normalize_text : bool, default=False
        Not in scikit-learn: before lower-casing, decode HTML entities, drop tags, apply Unicode
        NFKC and remove invisible characters (:func:`classifier.text.normalize`), so that
        ``semi\\u00adconductor`` or a full-width word is the plain word. The tagger sets it.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Term to column index (terms sorted, as scikit-learn does).
    idf_ : ndarray of shape (n_features,)
        Inverse document frequency of each term (when ``use_idf``).

    Examples
    --------
    >>> from classifier import TfidfVectorizer
    >>> vec = TfidfVectorizer(ngram_range=(1, 2)).fit(["chip export curbs", "chip subsidies"])
    >>> vec.transform(["new chip curbs"]).shape
    (1, 7)
    """

    def __init__(
        self,
        *,
        input: str = "content",
        encoding: str = "utf-8",
        decode_error: str = "strict",
        strip_accents: Any = None,
        lowercase: bool = True,
        preprocessor: Any = None,
        tokenizer: Any = None,
        analyzer: Any = "word",
        stop_words: Any = None,
        token_pattern: str = _DEFAULT_TOKEN_PATTERN,
        ngram_range: tuple[int, int] = (1, 1),
        max_df: float = 1.0,
        min_df: float = 1,
        max_features: int | None = None,
        vocabulary: Any = None,
        binary: bool = False,
        dtype: Any = np.float64,
        norm: str | None = "l2",
        use_idf: bool = True,
        smooth_idf: bool = True,
        sublinear_tf: bool = False,
        normalize_text: bool = False,
    ) -> None:
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.vocabulary = vocabulary
        self.binary = binary
        self.dtype = dtype
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf
        self.normalize_text = normalize_text

    # ------------------------------------------------------------------ validation
    def _validate_params(self) -> None:
        for name, default in _FIXED_PARAMETERS.items():
            value = getattr(self, name)
            if value != default:
                raise ValueError(
                    f"{name}={value!r} is not supported by classifier.TfidfVectorizer (only "
                    f"{name}={default!r}); use sklearn.feature_extraction.text.TfidfVectorizer"
                )
        low, high = self.ngram_range
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high <= 3):
            raise ValueError(
                "ngram_range must be (low, high) with 1 <= low <= high <= 3; "
                f"got {self.ngram_range!r}"
            )
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"{name} must be a non-negative int or float; got {value!r}")
            if not isinstance(value, numbers.Integral) and value > 1.0:
                raise ValueError(
                    f"{name} as a float is a share of documents in [0, 1]; got {value}"
                )
        if self.max_features is not None and (
            not isinstance(self.max_features, numbers.Integral) or self.max_features < 1
        ):
            raise ValueError(
                f"max_features must be a positive int or None; got {self.max_features!r}"
            )
        if self.norm not in ("l1", "l2", None):
            raise ValueError(f"norm must be 'l1', 'l2' or None; got {self.norm!r}")
        self._stop_words()  # validates stop_words

    def _stop_words(self) -> frozenset[str]:
        if self.stop_words is None:
            return frozenset()
        if isinstance(self.stop_words, str):
            if self.stop_words != "english":
                raise ValueError(
                    "stop_words must be 'english', a list of words or None; "
                    f"got {self.stop_words!r}"
                )
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            return frozenset(ENGLISH_STOP_WORDS)
        words = list(self.stop_words)
        if not all(isinstance(w, str) for w in words):
            raise ValueError("stop_words must contain only strings")
        return frozenset(words)

    # ------------------------------------------------------------------ analysis
    def _preprocess(self, doc: str) -> str:
        if self.normalize_text:
            return normalize(doc, lowercase=self.lowercase)
        return doc.lower() if self.lowercase else doc

    def _tokens(self, doc: str) -> list[str]:
        tokens = tokenize(self._preprocess(doc))
        stop = self._stop_words_cache
        return [t for t in tokens if t not in stop] if stop else tokens

    def build_analyzer(self) -> Any:
        """A callable that turns one document into its n-grams (as scikit-learn's does)."""
        self._stop_words_cache = self._stop_words()
        return lambda doc: ngrams(self._tokens(doc), self.ngram_range)

    # ------------------------------------------------------------------ fitting
    def fit(self, raw_documents: Iterable[str], y: Any = None) -> Self:
        """Learn the vocabulary and idf from ``raw_documents`` (an iterable of str)."""
        self._fit(check_documents(raw_documents))
        return self

    def _fit(self, docs: list[str]) -> list[list[str]]:
        """Fit and return each document's n-grams (reused by ``fit_transform``)."""
        self._validate_params()
        analyze = self.build_analyzer()
        grams_per_doc = [analyze(doc) for doc in docs]
        df: Counter[str] = Counter()
        for grams in grams_per_doc:
            df.update(set(grams))
        n_docs = len(docs)
        if n_docs == 0:
            raise ValueError("fit needs at least one document; got an empty collection")
        integral = isinstance(self.max_df, numbers.Integral)
        max_count = self.max_df if integral else self.max_df * n_docs
        min_count = (
            self.min_df if isinstance(self.min_df, numbers.Integral) else self.min_df * n_docs
        )
        if max_count < min_count:
            raise ValueError("max_df corresponds to < documents than min_df")
        terms = sorted(df)
        document_frequency = np.array([df[t] for t in terms], dtype=np.int64)
        keep = (document_frequency >= min_count) & (document_frequency <= max_count)
        if self.max_features is not None and keep.sum() > self.max_features:
            # As scikit-learn: the most frequent terms by total count (or by document count when
            # binary), ties broken by numpy's default argsort over the sorted terms.
            if self.binary:
                totals = document_frequency
            else:
                tf: Counter[str] = Counter()
                for grams in grams_per_doc:
                    tf.update(grams)
                totals = np.array([tf[t] for t in terms], dtype=np.int64)
            kept = np.flatnonzero(keep)
            chosen = kept[(-totals[kept]).argsort()[: self.max_features]]
            keep = np.zeros_like(keep)
            keep[chosen] = True
        if not keep.any():
            raise ValueError(
                f"after pruning, no terms remain (min_df={self.min_df}, max_df={self.max_df}, "
                f"{n_docs} documents); lower min_df or raise max_df"
            )
        vocabulary_terms = [t for t, k in zip(terms, keep) if k]
        self.vocabulary_ = {t: i for i, t in enumerate(vocabulary_terms)}
        if self.use_idf:
            df_kept = document_frequency[keep].astype(np.float64)
            n = n_docs + int(self.smooth_idf)
            self.idf_ = (np.log(n / (df_kept + int(self.smooth_idf))) + 1.0).astype(self.dtype)
        self._drop_caches()
        return grams_per_doc

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None) -> sp.csr_matrix:
        """Fit, then transform the same documents."""
        docs = check_documents(raw_documents)
        self._fit(docs)
        return self.transform(docs)

    # ------------------------------------------------------------------ transforming
    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        """TF-IDF matrix of shape ``(n_documents, n_features)`` for ``raw_documents``."""
        return self.transform_with_coverage(raw_documents)[0]

    def transform_with_coverage(
        self, raw_documents: Iterable[str]
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The TF-IDF matrix, and per document the number of word tokens and of tokens that
        occur in the vocabulary (how much of the text the model can see)."""
        check_is_fitted(self, "vocabulary_")
        return self._transform(check_documents(raw_documents))

    def _transform(
        self, docs: list[str], column_order: np.ndarray | None = None
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Transform checked documents. With ``column_order`` (a permutation of the columns, and
        the native counter), output column ``k`` is vocabulary column ``column_order[k]``: the
        tagger orders columns by document frequency, so that the weights of frequent terms sit
        together in memory. The result is the same matrix with its columns permuted."""
        counter = self._native_counter(column_order)
        if counter is None:
            if column_order is not None:
                raise ValueError("column_order needs the native counter")
            counts = self._count_reference(docs)
        else:
            raw = counter.count([self._prepare_for_native(d) for d in docs])
            # Copies: the bytes are read-only, and scipy sorts indices in place when it needs to.
            counts = tuple(np.frombuffer(b, dtype=t).copy() for b, t in zip(raw, _COUNT_DTYPES))
        indptr, indices, tf, n_tokens, n_known = counts
        idf = None
        if column_order is not None and self.use_idf:
            idf = self.__dict__["_native_ordered"][2]
        return self._weigh(indptr, indices, tf, len(docs), idf), n_tokens, n_known

    def _prepare_for_native(self, doc: str) -> str:
        """The text the native counter takes. It lower-cases ASCII itself, so plain ASCII passes
        as is; other text is preprocessed here. Lone surrogates, which UTF-8 cannot encode and
        which are never word characters, become U+FFFD (not a word character either)."""
        if doc.isascii() and not (self.normalize_text and ("&" in doc or "<" in doc)):
            return doc
        doc = self._preprocess(doc)
        if not doc.isascii() and _SURROGATE.search(doc):
            doc = _SURROGATE.sub("\ufffd", doc)
        return doc

    def _native_counter(self, column_order: np.ndarray | None = None) -> Any:
        """The compiled counter (built once and cached), or None without the C extension."""
        if _NativeVocabulary is None:
            return None
        cache = self.__dict__
        if column_order is not None:
            cached = cache.get("_native_ordered")
            if cached is None or cached[0] is not column_order or cached[3] is not self.vocabulary_:
                terms = self.get_feature_names_out()[column_order]
                idf = self.idf_[column_order] if self.use_idf else None
                cache["_native_ordered"] = (
                    column_order,
                    self._new_native_counter(list(terms)),
                    idf,
                    self.vocabulary_,
                )
            return cache["_native_ordered"][1]
        if cache.get("_native_for") is not self.vocabulary_:
            cache["_native"] = self._new_native_counter(list(self.get_feature_names_out()))
            cache["_native_for"] = self.vocabulary_
        return cache["_native"]

    def _new_native_counter(self, terms: list[str]) -> Any:
        return _NativeVocabulary(
            terms, *self.ngram_range, bool(self.lowercase), sorted(self._stop_words())
        )

    def _count_reference(self, docs: list[str]) -> tuple[np.ndarray, ...]:
        """Term counts in pure Python: the straightforward path the native one must equal."""
        self._stop_words_cache = self._stop_words()
        vocabulary = self.vocabulary_
        known_tokens = self._known_tokens()
        indptr = [0]
        indices: list[int] = []
        counts: list[int] = []
        n_tokens, n_known = [], []
        for doc in docs:
            row: dict[int, int] = {}
            tokens = self._tokens(doc)
            n_tokens.append(len(tokens))
            n_known.append(sum(t in known_tokens for t in tokens))
            for gram in ngrams(tokens, self.ngram_range):
                j = vocabulary.get(gram)
                if j is not None:
                    row[j] = row.get(j, 0) + 1
            for j in sorted(row):
                indices.append(j)
                counts.append(row[j])
            indptr.append(len(indices))
        return tuple(
            np.asarray(a, dtype=t)
            for a, t in zip((indptr, indices, counts, n_tokens, n_known), _COUNT_DTYPES)
        )

    def _known_tokens(self) -> set[str]:
        cache = self.__dict__
        if cache.get("_known_for") is not self.vocabulary_:
            cache["_known"] = {token for term in self.vocabulary_ for token in term.split(" ")}
            cache["_known_for"] = self.vocabulary_
        return cache["_known"]

    def _weigh(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        counts: np.ndarray,
        n_docs: int,
        idf: np.ndarray | None = None,
    ) -> sp.csr_matrix:
        data = np.array(counts, dtype=self.dtype)
        if self.binary:
            data[:] = 1
        elif self.sublinear_tf:
            np.log(data, out=data)
            data += 1
        if self.use_idf:
            data *= (self.idf_ if idf is None else idf)[indices]
        n_features = len(self.vocabulary_)
        matrix = sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_features), copy=False)
        if self.norm is not None and matrix.nnz:
            lengths = np.diff(indptr)
            rows = np.repeat(np.arange(n_docs), lengths)
            weights = data * data if self.norm == "l2" else np.abs(data)
            norms = np.bincount(rows, weights=weights, minlength=n_docs)
            if self.norm == "l2":
                norms = np.sqrt(norms)
            norms[norms == 0] = 1
            matrix.data /= norms.astype(self.dtype)[rows]
        return matrix

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The terms, in column order."""
        check_is_fitted(self, "vocabulary_")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.__getitem__), dtype=object)

    # ------------------------------------------------------------------ state
    def _drop_caches(self) -> None:
        for key in ("_native", "_native_for", "_native_ordered", "_known", "_known_for"):
            self.__dict__.pop(key, None)

    def __getstate__(self) -> dict[str, Any]:
        # The native counter and the known-token set are caches rebuilt on demand, not state.
        skip = (
            "_native",
            "_native_for",
            "_native_ordered",
            "_known",
            "_known_for",
            "_stop_words_cache",
        )
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def to_state(self) -> dict[str, Any]:
        """Plain-data state used by model files instead of pickling this object."""
        check_is_fitted(self, "vocabulary_")
        params = {k: v for k, v in self.get_params().items() if k not in _FIXED_PARAMETERS}
        params["ngram_range"] = list(self.ngram_range)
        params["dtype"] = np.dtype(self.dtype).name
        if params["stop_words"] is not None and not isinstance(params["stop_words"], str):
            params["stop_words"] = sorted(params["stop_words"])
        return {
            "params": params,
            # One string, not a list: a long list of short strings is slow to unpickle through
            # the safe (pure-Python) loader. Terms never contain a newline.
            "terms": "\n".join(self.get_feature_names_out()),
            "idf": np.asarray(self.idf_) if self.use_idf else None,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TfidfVectorizer:
        params = dict(state["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        params["dtype"] = np.dtype(params.get("dtype", "float32")).type
        vectorizer = cls(**params)
        terms = state["terms"]
        terms = terms.split("\n") if isinstance(terms, str) else terms
        vectorizer.vocabulary_ = {t: i for i, t in enumerate(terms)}
        if state.get("idf") is not None:
            vectorizer.idf_ = np.asarray(state["idf"], dtype=vectorizer.dtype)
        return vectorizer
