"""Fixtures of the speed benchmarks (pytest-benchmark); not part of the default test run.

    pip install '.[bench]'
    pytest benchmarks --benchmark-columns=min,median,ops --benchmark-sort=name

Each benchmark records documents/s and MB/s in its ``extra_info`` (shown with
``--benchmark-json``); compare rows of the same run, since the machines are shared and noisy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier import ArticleTagger

REPO = Path(__file__).resolve().parent.parent
REUTERS = REPO.parent / "shared" / "data" / "reuters21578"
BATCH_SIZES = (1, 64, 4096)


def read_texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8")]


def read_labels(path: Path, field: str) -> list[list[str]]:
    return [json.loads(line)[field] for line in path.open(encoding="utf-8")]


@pytest.fixture(scope="session", params=["corpus", "reuters"])
def dataset(request, tmp_path_factory):
    """(name, train texts, train labels per facet, test texts, schema-free flag) per dataset."""
    if request.param == "corpus":
        train = REPO / "datasets" / "train.jsonl"
        test = REPO / "datasets" / "test.jsonl"
        labels = {f: read_labels(train, f) for f in ("sector", "cooperation")}
    else:
        if not REUTERS.exists():
            pytest.skip(f"{REUTERS} is absent (../shared is only in the team's checkouts and CI)")
        train, test = REUTERS / "train.jsonl", REUTERS / "test.jsonl"
        labels = {"topics": read_labels(train, "labels")}
    return request.param, read_texts(train), labels, read_texts(test)


@pytest.fixture(scope="session")
def fitted(dataset):
    """The project's tagger and the plain scikit-learn pipeline, trained on the same data."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    name, texts, labels, test = dataset
    if name == "corpus":
        tagger = ArticleTagger.load()
    else:
        tagger = ArticleTagger(C=1.0, n_jobs=2).fit(texts, labels)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(texts)
    rows = [[label for f in labels for label in labels[f][i]] for i in range(len(texts))]
    model = OneVsRestClassifier(LinearSVC()).fit(matrix, MultiLabelBinarizer().fit_transform(rows))
    return name, tagger, vectorizer, model, test


def batch_of(texts: list[str], size: int) -> list[str]:
    """The first ``size`` texts, cycling when the test set is shorter."""
    return [texts[i % len(texts)] for i in range(size)]


def record_throughput(benchmark, texts: list[str]) -> None:
    if benchmark.stats is None:  # --benchmark-disable: the code ran once, nothing was timed
        return
    seconds = benchmark.stats.stats.min
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    benchmark.extra_info.update(
        docs=len(texts),
        megabytes=round(megabytes, 4),
        docs_per_second=round(len(texts) / seconds),
        mb_per_second=round(megabytes / seconds, 2),
    )
