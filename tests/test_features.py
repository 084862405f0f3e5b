import numpy as np
import pytest

from classifier import NotFittedError, TfidfVectorizer
from classifier.text import analyze

DOCS = [
    "Chip export curbs on chips and chipmaking tools",
    "New subsidies for chip fabs and foundries",
    "Rare earth export curbs and rare earth magnets",
    "Football club signs a striker",
    "Ｆａｂ construction starts; soft\u00adware delays",
]


def test_matches_scikit_learn_tfidf_on_the_same_analyzer():
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf

    ours = TfidfVectorizer(min_df=1).fit(DOCS)
    reference = SkTfidf(analyzer=analyze, sublinear_tf=True, min_df=1).fit(DOCS)
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())
    np.testing.assert_allclose(ours.idf_, reference.idf_, rtol=1e-6)
    np.testing.assert_allclose(
        ours.transform(DOCS).toarray(), reference.transform(DOCS).toarray(), atol=1e-6
    )


def test_min_df_and_max_features_prune_the_vocabulary():
    vec = TfidfVectorizer(min_df=2).fit(DOCS)
    document_frequency = {t: sum(t in analyze(d) for d in DOCS) for t in vec.vocabulary_}
    assert {"chip", "export curbs", "curbs"} <= set(vec.vocabulary_)
    assert min(document_frequency.values()) >= 2
    assert len(TfidfVectorizer(min_df=1, max_features=5).fit(DOCS).vocabulary_) == 5


def test_rows_are_l2_normalised_and_unknown_text_is_a_zero_row():
    vec = TfidfVectorizer(min_df=1).fit(DOCS)
    X = vec.transform(["chip export curbs", "zzz qqq", ""])
    norms = np.sqrt(X.multiply(X).sum(axis=1)).A1
    np.testing.assert_allclose(norms, [1.0, 0.0, 0.0], atol=1e-6)
    assert X.dtype == np.float32


def test_bare_string_is_an_error_not_a_list_of_characters():
    vec = TfidfVectorizer(min_df=1).fit(DOCS)
    with pytest.raises(TypeError, match="single str"):
        vec.transform("chip export curbs")
    with pytest.raises(TypeError, match=r"raw_documents\[1\] is int"):
        vec.transform(["ok", 3])


def test_not_fitted_and_invalid_parameters():
    with pytest.raises(NotFittedError, match="not fitted"):
        TfidfVectorizer().transform(["x"])
    with pytest.raises(ValueError, match=r"ngram_range .* got \(2, 1\)"):
        TfidfVectorizer(ngram_range=(2, 1)).fit(DOCS)
    with pytest.raises(ValueError, match="min_df"):
        TfidfVectorizer(min_df=-1).fit(DOCS)
    with pytest.raises(ValueError, match="no term is left"):
        TfidfVectorizer(min_df=10).fit(DOCS)


def test_params_protocol_and_scikit_learn_pipeline():
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vec = TfidfVectorizer(min_df=1)
    assert vec.get_params()["min_df"] == 1
    assert clone(vec).set_params(min_df=3).min_df == 3
    with pytest.raises(ValueError, match="invalid parameter 'mindf'"):
        vec.set_params(mindf=3)
    pipe = make_pipeline(TfidfVectorizer(min_df=1), LogisticRegression())
    pipe.fit(DOCS[:4], [1, 1, 0, 0])
    assert pipe.predict(["chip curbs"]).tolist() == [1]


def test_state_round_trip_gives_the_same_matrix():
    vec = TfidfVectorizer(min_df=1).fit(DOCS)
    again = TfidfVectorizer.from_state(vec.to_state())
    assert (vec.transform(DOCS) != again.transform(DOCS)).nnz == 0
