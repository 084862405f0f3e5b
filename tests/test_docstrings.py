"""The examples in the public docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "classifier.distributed",
    "classifier",
    "classifier.batch",
    "classifier.calibration",
    "classifier.card",
    "classifier.corpus",
    "classifier.evaluation",
    "classifier.explain",
    "classifier.features",
    "classifier.geo",
    "classifier.io",
    "classifier.model",
    "classifier.parallel",
    "classifier.persistence",
    "classifier.report",
    "classifier.result",
    "classifier.suggest",
    "classifier.taxonomy",
    "classifier.text",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert failures == 0, f"{failures} docstring example(s) of {name} failed; run doctest on it"
