import numpy as np
import pytest
from helpers import TOY_TEXTS, TOY_TOPICS

from classifier import ArticleTagger, NotFittedError, SchemaError, TagResult, Taxonomy


def test_fit_learns_the_schema_and_plain_state(toy_tagger):
    assert toy_tagger.taxonomy_.facet_names == ("topics",)
    assert toy_tagger.coef_.dtype == np.float32
    assert toy_tagger.coef_.shape == (len(toy_tagger.vectorizer_.vocabulary_), 3)
    assert toy_tagger.thresholds_.shape == (3,)
    assert toy_tagger.training_["n_documents"] == len(TOY_TEXTS)
    assert toy_tagger.training_["label_counts"] == {"topics": {"grain": 4, "oil": 4, "metals": 2}}
    assert toy_tagger.training_["fingerprint"].startswith("sha256:")
    assert set(toy_tagger.cv_scores_["topics"]) >= {"labels", "micro", "macro"}


def test_tags_what_it_learned_and_nothing_out_of_domain(toy_tagger):
    assert toy_tagger.tag("wheat and grain exports").labels == {"topics": ("grain",)}
    assert toy_tagger.tag("crude oil output cut by opec").labels == {"topics": ("oil",)}
    assert toy_tagger.tag("a poem: waves, gulls, salt").is_empty
    assert toy_tagger.tag("").is_empty


def test_scores_are_probabilities_for_every_label(toy_tagger):
    result = toy_tagger.tag("crude oil and wheat")
    assert set(result.scores["topics"]) == {"grain", "oil", "metals"}
    assert all(0.0 <= p <= 1.0 for p in result.scores["topics"].values())
    proba = toy_tagger.predict_proba(["crude oil", "wheat"])["topics"]
    assert proba.shape == (2, 3)


def test_same_random_state_gives_an_identical_model():
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil", "metals"]})
    a = ArticleTagger(taxonomy=taxonomy, min_df=1, cv=2, random_state=3).fit(
        TOY_TEXTS, {"topics": TOY_TOPICS}
    )
    b = ArticleTagger(taxonomy=taxonomy, min_df=1, cv=2, random_state=3).fit(
        TOY_TEXTS, {"topics": TOY_TOPICS}
    )
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_batch_results_equal_single_results(toy_tagger):
    texts = [*TOY_TEXTS, "crude oil and copper", ""]
    batch = list(toy_tagger.tag_many(texts, batch_size=4))
    single = [toy_tagger.tag(t, id=i) for i, t in enumerate(texts)]
    assert batch == single
    assert [r.id for r in batch] == list(range(len(texts)))


def test_tag_many_streams_any_iterable_with_ids(toy_tagger):
    generator = (t for t in TOY_TEXTS)
    results = toy_tagger.tag_many(
        generator, ids=(f"doc{i}" for i in range(len(TOY_TEXTS))), batch_size=5
    )
    assert next(results).id == "doc0"
    assert len(list(results)) == len(TOY_TEXTS) - 1


def test_threshold_override_and_top_k(toy_tagger):
    everything = toy_tagger.tag("crude oil", threshold=0.0)
    assert len(everything["topics"]) == 3
    assert toy_tagger.tag("crude oil", threshold=0.0, top_k=1)["topics"] == ("oil",)
    assert toy_tagger.tag("crude oil", threshold=1.0)["topics"] == ()
    assert toy_tagger.tag("crude oil", threshold={"topics.oil": 1.0})["topics"] == ()
    ranked = everything["topics"]
    scores = everything.scores["topics"]
    assert [scores[label] for label in ranked] == sorted(scores.values(), reverse=True)


def test_invalid_calls_are_clear_errors(toy_tagger):
    with pytest.raises(TypeError, match="single string"):
        list(toy_tagger.tag_many("crude oil"))
    with pytest.raises(TypeError, match="text must be str"):
        toy_tagger.tag(None)
    with pytest.raises(ValueError, match="unknown label 'gold'"):
        toy_tagger.tag("x", threshold={"gold": 0.5})
    with pytest.raises(ValueError, match="top_k"):
        toy_tagger.tag("x", top_k=0)
    with pytest.raises(NotFittedError):
        ArticleTagger().tag("x")


def test_fit_rejects_bad_labels():
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil"]})
    with pytest.raises(SchemaError, match=r"labels\['topics'\]\[0\]: unknown topics label"):
        ArticleTagger(taxonomy=taxonomy).fit(["a", "b"], {"topics": [["gold"], []]})
    with pytest.raises(SchemaError, match="missing"):
        ArticleTagger(taxonomy=taxonomy).fit(["a", "b"], {"other": [[], []]})
    with pytest.raises(ValueError, match="one label list per text"):
        ArticleTagger().fit(["a", "b"], {"topics": [[]]})
    with pytest.raises(TypeError, match="is a string"):
        ArticleTagger().fit(["a", "b"], {"topics": ["grain", "oil"]})
    with pytest.raises(ValueError, match="loss must be one of"):
        ArticleTagger(loss="hinge").fit(TOY_TEXTS, {"topics": TOY_TOPICS})


def test_labels_are_inferred_from_data_without_a_schema():
    tagger = ArticleTagger(min_df=1, cv=2, loss="logistic").fit(TOY_TEXTS, {"topics": TOY_TOPICS})
    assert tagger.taxonomy_["topics"].labels == ("grain", "metals", "oil")
    assert isinstance(tagger.tag("wheat"), TagResult)


def test_a_schema_label_without_examples_is_never_assigned():
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil", "metals", "cocoa"]})
    tagger = ArticleTagger(taxonomy=taxonomy, min_df=1, cv=2).fit(TOY_TEXTS, {"topics": TOY_TOPICS})
    assert tagger.tag("cocoa beans").scores["topics"]["cocoa"] < 1e-6


def test_params_protocol_works_with_scikit_learn_clone(toy_tagger):
    from sklearn.base import clone

    copy = clone(toy_tagger)
    assert copy.get_params()["cv"] == 2
    assert not hasattr(copy, "coef_")
    assert "min_df=1" in repr(copy)


def test_multiple_facets_share_one_vectorization():
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil", "metals"], "tone": ["up", "down"]})
    tone = [["up"], ["down"], [], ["down"], ["up"], ["up"], [], ["up"], ["up"], ["up"], [], []]
    tagger = ArticleTagger(taxonomy=taxonomy, min_df=1, cv=2).fit(
        TOY_TEXTS, {"topics": TOY_TOPICS, "tone": tone}
    )
    assert tagger.coef_.shape[1] == 5
    assert tagger.labels_[3:] == [("tone", "down"), ("tone", "up")]
    assert set(tagger.tag("crude oil rallies").to_dict()) == {
        "id",
        "topics",
        "tone",
        "scores",
        "coverage",
    }


def test_worker_processes_give_the_same_results(toy_tagger):
    texts = [TOY_TEXTS[i % len(TOY_TEXTS)] + f" {i}" for i in range(40)]
    expected = list(toy_tagger.tag_many(texts, batch_size=3))
    assert list(toy_tagger.tag_many(texts, batch_size=3, n_jobs=2)) == expected
    with toy_tagger.pool(n_jobs=2) as pool:
        assert list(pool.tag_many(texts, batch_size=5)) == expected
        assert list(pool.tag_many(texts[:1])) == expected[:1]
    with pytest.raises(ValueError, match="n_jobs"):
        toy_tagger.pool(n_jobs=0)


def test_coverage_signals_text_out_of_reach(toy_tagger):
    known = toy_tagger.tag("crude oil and zebras")
    assert known.tokens == 4 and 0 < known.coverage < 1 and not known.no_known_terms
    for text in ["原油价格上涨", "석유 가격", "ارتفاع أسعار النفط", "", "!!! ???"]:
        result = toy_tagger.tag(text)
        assert result.no_known_terms and result.is_empty, text
        assert result.to_dict()["coverage"]["no_known_terms"] is True


def test_fast_path_equals_the_straightforward_reference_path(default_tagger):
    """Native counter and frequency-ordered columns give the scores of the plain Python path:
    pure-Python counting, alphabetical columns, the stored weights."""
    from classifier.features import native_available
    from classifier.model import _linear_scores

    texts = [
        *TOY_TEXTS,
        "Ｓｅｍｉ\u00adconductor export &amp; <b>curbs</b> on chipmaking tools",
        "",
        "日本",
    ]
    vectorizer = default_tagger.vectorizer_
    indptr, indices, counts, *_ = vectorizer._count_reference(texts)
    reference = vectorizer._weigh(indptr, indices, counts, len(texts))
    expected = _linear_scores(reference, default_tagger.coef_, default_tagger.intercept_)
    np.testing.assert_allclose(default_tagger.decision_function(texts), expected, atol=1e-5)
    assert abs(vectorizer.transform(texts) - reference).max() <= 1e-6
    if native_available():
        assert default_tagger._column_order() is not None
