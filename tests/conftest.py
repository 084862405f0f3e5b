from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TOY_TEXTS, TOY_TOPICS

from classifier import ArticleTagger, Taxonomy


@pytest.fixture(scope="session")
def toy_tagger() -> ArticleTagger:
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil", "metals"]}, name="toy")
    return ArticleTagger(taxonomy=taxonomy, min_df=1, cv=2).fit(TOY_TEXTS, {"topics": TOY_TOPICS})


@pytest.fixture(scope="session")
def default_tagger() -> ArticleTagger:
    return ArticleTagger.load()


@pytest.fixture(scope="session")
def toy_model_path(toy_tagger, tmp_path_factory) -> Path:
    return toy_tagger.save(tmp_path_factory.mktemp("models") / "toy.tagger")
