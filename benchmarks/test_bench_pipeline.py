"""Vectorize, predict and end-to-end tag_many, side by side with scikit-learn, per batch size."""

from __future__ import annotations

import pytest
from conftest import BATCH_SIZES, batch_of, record_throughput


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_vectorize_classifier(benchmark, fitted, size):
    name, tagger, _, _, test = fitted
    texts = batch_of(test, size)
    benchmark.group = f"vectorize-{name}-{size}"
    benchmark(tagger._vectorize, texts)
    record_throughput(benchmark, texts)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_vectorize_sklearn(benchmark, fitted, size):
    name, _, vectorizer, _, test = fitted
    texts = batch_of(test, size)
    benchmark.group = f"vectorize-{name}-{size}"
    benchmark(vectorizer.transform, texts)
    record_throughput(benchmark, texts)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_predict_classifier(benchmark, fitted, size):
    """Scores of every label of every facet from one stacked product, thresholds, results."""
    from classifier.model import _linear_scores, _sigmoid

    name, tagger, _, _, test = fitted
    texts = batch_of(test, size)
    matrix, n_tokens, n_known, weights = tagger._vectorize(texts)
    thresholds = tagger._thresholds(None)
    ids = list(range(size))

    def predict():
        proba = _sigmoid(_linear_scores(matrix, weights, tagger.intercept_))
        return list(tagger._results(ids, (proba, n_tokens, n_known, None), thresholds, None))

    benchmark.group = f"predict-{name}-{size}"
    benchmark(predict)
    record_throughput(benchmark, texts)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_predict_sklearn(benchmark, fitted, size):
    name, _, vectorizer, model, test = fitted
    texts = batch_of(test, size)
    matrix = vectorizer.transform(texts)
    benchmark.group = f"predict-{name}-{size}"
    benchmark(model.predict, matrix)
    record_throughput(benchmark, texts)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_tag_many_classifier(benchmark, fitted, size):
    name, tagger, _, _, test = fitted
    texts = batch_of(test, size)
    benchmark.group = f"end-to-end-{name}-{size}"
    benchmark(lambda: list(tagger.tag_many(texts)))
    record_throughput(benchmark, texts)


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_end_to_end_sklearn(benchmark, fitted, size):
    name, _, vectorizer, model, test = fitted
    texts = batch_of(test, size)
    benchmark.group = f"end-to-end-{name}-{size}"
    benchmark(lambda: model.predict(vectorizer.transform(texts)))
    record_throughput(benchmark, texts)


@pytest.mark.parametrize("workers", [1, 2])
def test_tag_many_workers(benchmark, fitted, workers):
    """Scaling with worker processes (the pool is started once, outside the timing)."""
    name, tagger, _, _, test = fitted
    texts = batch_of(test, 4096)
    benchmark.group = f"workers-{name}"
    if workers == 1:
        benchmark(lambda: list(tagger.tag_many(texts)))
    else:
        with tagger.pool(n_jobs=workers) as pool:
            benchmark(lambda: list(pool.tag_many(texts)))
    record_throughput(benchmark, texts)


def test_tag_one_article(benchmark, fitted):
    """Latency of tag(text) after load (goal: under 1 ms median)."""
    name, tagger, _, _, test = fitted
    text = test[0]
    benchmark.group = f"latency-{name}"
    benchmark(tagger.tag, text)


def test_load_default_model(benchmark):
    """Loading the shipped model (goal: under 0.5 s)."""
    from classifier import ArticleTagger

    benchmark.group = "load"
    benchmark(ArticleTagger.load)


@pytest.mark.parametrize("countries", [False, True])
def test_tag_many_countries_overhead(benchmark, fitted, countries):
    """Throughput with and without countries/blocs/scope extraction (goal: under 15% slower)."""
    name, tagger, _, _, test = fitted
    texts = batch_of(test, 4096)
    benchmark.group = f"countries-{name}"
    benchmark(lambda: list(tagger.tag_many(texts, countries=countries)))
    record_throughput(benchmark, texts)


def test_countries_scan_alone(benchmark, fitted):
    """The countries scan by itself (classifier.geo.extract_records), on the same texts."""
    from classifier.geo import extract_records

    name, _, _, _, test = fitted
    texts = batch_of(test, 4096)
    benchmark.group = f"countries-{name}"
    benchmark(extract_records, texts)
    record_throughput(benchmark, texts)
