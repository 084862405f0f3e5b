"""fastText supervised (loss='ova', wordNgrams=2) predict on the same test texts."""

from __future__ import annotations

import pytest
from conftest import BATCH_SIZES, batch_of, record_throughput

fasttext = pytest.importorskip("fasttext", reason="pip install '.[bench]' installs fasttext-wheel")


@pytest.fixture(scope="session")
def fasttext_model(dataset, tmp_path_factory):
    name, texts, labels, test = dataset
    path = tmp_path_factory.mktemp("fasttext") / "train.txt"
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            tags = " ".join(f"__label__{label}" for f in labels for label in labels[f][i])
            out.write(f"{tags} {' '.join(text.lower().split())}\n")
    model = fasttext.train_supervised(
        str(path), loss="ova", wordNgrams=2, epoch=25, lr=0.5, verbose=0
    )
    return name, model, test


@pytest.mark.parametrize("size", BATCH_SIZES)
def test_predict_fasttext(benchmark, fasttext_model, size):
    name, model, test = fasttext_model
    texts = batch_of(test, size)
    benchmark.group = f"end-to-end-{name}-{size}"
    # fasttext-wheel's predict() fails under numpy 2; multilinePredict is the binding it wraps.
    lines = [" ".join(t.lower().split()) for t in texts]
    benchmark(lambda: model.f.multilinePredict(lines, -1, 0.5, "strict"))
    record_throughput(benchmark, texts)
