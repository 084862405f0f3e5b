"""classifier.TfidfVectorizer against scikit-learn's TfidfVectorizer as the oracle."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

from classifier import NotFittedError, TfidfVectorizer
from classifier.features import native_available

DOCS = [
    "Chip export curbs on chips and chipmaking tools",
    "New subsidies for chip fabs and foundries; 5G and 6G",
    "Rare earth export curbs and rare earth magnets, 2024-25",
    "Football club signs a striker",
    "Ｆａｂ construction starts; soft\u00adware delays — café Straße İstanbul",
    "",
    "CHIP Chip chip_design x_y 3d a b c",
]

PARAMETER_SETS = [
    {},
    {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2},
    {"ngram_range": (1, 3), "norm": "l1", "smooth_idf": False},
    {"ngram_range": (2, 3), "use_idf": False, "binary": True},
    {"lowercase": False, "max_features": 7, "norm": None},
    {"stop_words": ["and", "on", "the", "for"], "ngram_range": (1, 2), "max_df": 0.5},
    {"stop_words": "english", "ngram_range": (1, 2), "dtype": np.float32, "min_df": 0.2},
    {"ngram_range": (1, 2), "max_features": 5, "binary": True},
]


def assert_same_as_sklearn(params, docs, new_docs=None):
    ours = TfidfVectorizer(**params).fit(docs)
    oracle = SkTfidf(**params).fit(docs)
    assert list(ours.get_feature_names_out()) == list(oracle.get_feature_names_out())
    if params.get("use_idf", True):
        np.testing.assert_allclose(ours.idf_, oracle.idf_, rtol=1e-6)
    for batch in (docs, new_docs or docs):
        got, want = ours.transform(batch), oracle.transform(batch)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got.toarray(), want.toarray(), atol=1e-6)
    np.testing.assert_allclose(
        ours.fit_transform(docs).toarray(), oracle.fit_transform(docs).toarray(), atol=1e-6
    )


@pytest.mark.parametrize("params", PARAMETER_SETS, ids=str)
def test_same_vocabulary_and_matrix_as_scikit_learn(params):
    assert_same_as_sklearn(params, DOCS, ["chip curbs", "Rare EARTH", "", "nothing known here"])


text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(" aAbB_-.\n"),
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(text, min_size=1, max_size=8),
    new_docs=st.lists(text, min_size=1, max_size=4),
    params=st.sampled_from(PARAMETER_SETS[:4] + PARAMETER_SETS[5:6]),
)
def test_property_same_as_scikit_learn_on_any_text(docs, new_docs, params):
    params = {**params, "min_df": 1, "max_df": 1.0}
    try:
        oracle = SkTfidf(**params).fit(docs)
    except ValueError:  # e.g. an empty vocabulary: ours must refuse too
        with pytest.raises(ValueError):
            TfidfVectorizer(**params).fit(docs)
        return
    assert oracle is not None
    assert_same_as_sklearn(params, docs, new_docs)


@pytest.mark.skipif(not native_available(), reason="the C extension is not built")
@settings(max_examples=200, deadline=None)
@given(st.lists(text, min_size=1, max_size=6))
def test_native_counter_equals_the_python_reference(docs):
    vec = TfidfVectorizer(ngram_range=(1, 3), normalize_text=True, min_df=1)
    try:
        vec.fit([*docs, "seed words for a vocabulary"])
    except ValueError:
        return
    native = vec._native_counter().count([vec._prepare_for_native(d) for d in docs])
    indptr, indices, counts, n_tokens, n_known = (
        np.frombuffer(b, dtype=t)
        for b, t in zip(native, (np.int64, np.int32, np.float32, np.int32, np.int32))
    )
    ref_indptr, ref_indices, ref_counts, ref_tokens, ref_known = vec._count_reference(docs)
    np.testing.assert_array_equal(indptr, ref_indptr)
    np.testing.assert_array_equal(n_tokens, ref_tokens)
    np.testing.assert_array_equal(n_known, ref_known)
    shape = (len(docs), len(vec.vocabulary_))
    got = sp.csr_matrix((counts, indices, indptr), shape=shape)
    want = sp.csr_matrix((ref_counts, ref_indices, ref_indptr), shape=shape)
    assert (got != want).nnz == 0


def test_normalize_text_makes_disguised_words_plain():
    vec = TfidfVectorizer(normalize_text=True).fit(["semiconductor exports"])
    for disguised in [
        "semi\u00adconductor",
        "ＳＥＭＩＣＯＮＤＵＣＴＯＲ",
        "<b>semiconductor</b>",
        "semi\u200bconductor",
    ]:
        assert vec.transform([disguised]).toarray().tolist() == [[0.0, 1.0]], disguised


def test_coverage_counts_tokens_and_known_tokens():
    vec = TfidfVectorizer(ngram_range=(1, 2)).fit(["chip export curbs"])
    _, n_tokens, n_known = vec.transform_with_coverage(["chip curbs for farmers", "", "x"])
    assert n_tokens.tolist() == [4, 0, 0]
    assert n_known.tolist() == [2, 0, 0]


def test_rows_are_normalised_and_unknown_text_is_a_zero_row():
    vec = TfidfVectorizer().fit(DOCS)
    matrix = vec.transform(["chip export curbs", "zzz qqq", ""])
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    np.testing.assert_allclose(norms, [1.0, 0.0, 0.0], atol=1e-6)


def test_bare_string_is_an_error_not_a_list_of_characters():
    vec = TfidfVectorizer().fit(DOCS)
    with pytest.raises(TypeError, match="single str"):
        vec.transform("chip export curbs")
    with pytest.raises(TypeError, match=r"raw_documents\[1\] is int"):
        vec.transform(["ok", 3])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"analyzer": "char"}, "analyzer='char' is not supported"),
        ({"tokenizer": str.split}, "tokenizer=.* is not supported"),
        ({"token_pattern": r"\w+"}, "token_pattern=.* is not supported"),
        ({"strip_accents": "unicode"}, "strip_accents='unicode' is not supported"),
        ({"ngram_range": (1, 4)}, r"ngram_range .* got \(1, 4\)"),
        ({"ngram_range": (2, 1)}, r"got \(2, 1\)"),
        ({"min_df": -1}, "min_df"),
        ({"max_df": 1.5}, "max_df as a float"),
        ({"norm": "max"}, "norm must be"),
        ({"stop_words": "french"}, "stop_words must be"),
        ({"min_df": 7}, "no terms remain"),
    ],
)
def test_unsupported_or_invalid_parameters_are_clear_errors(params, message):
    with pytest.raises(ValueError, match=message):
        TfidfVectorizer(**params).fit(DOCS)


def test_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        TfidfVectorizer().transform(["x"])


def test_pipeline_and_grid_search():
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(min_df=1)
    assert clone(vec).set_params(min_df=3).min_df == 3
    with pytest.raises(ValueError, match="invalid parameter 'mindf'"):
        vec.set_params(mindf=3)
    texts = [
        "chip curbs",
        "chip export",
        "new chip rules",
        "football match",
        "tennis match",
        "golf",
    ]
    labels = [1, 1, 1, 0, 0, 0]
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression())
    search = GridSearchCV(pipe, {"tfidfvectorizer__ngram_range": [(1, 1), (1, 2)]}, cv=2)
    search.fit(texts, labels)
    assert search.predict(["chip rules"]).tolist() == [1]


def test_state_round_trip_gives_the_same_matrix():
    vec = TfidfVectorizer(ngram_range=(1, 2), stop_words=["and"], normalize_text=True).fit(DOCS)
    again = TfidfVectorizer.from_state(vec.to_state())
    assert again.get_params() == vec.get_params() | {"stop_words": ["and"]}
    assert (vec.transform(DOCS) != again.transform(DOCS)).nnz == 0


def test_pickle_drops_the_native_cache():
    import pickle

    vec = TfidfVectorizer().fit(DOCS)
    vec.transform(DOCS)
    again = pickle.loads(pickle.dumps(vec))
    assert (vec.transform(DOCS) != again.transform(DOCS)).nnz == 0
