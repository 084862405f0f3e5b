"""The project's labelled corpus: valid, split without near-duplicates, and large enough."""

import importlib.util
import json

from helpers import REPO

spec = importlib.util.spec_from_file_location("corpus_tools", REPO / "datasets" / "corpus_tools.py")
corpus_tools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus_tools)


def load(name):
    return [
        json.loads(line)
        for line in (REPO / "datasets" / name).read_text(encoding="utf-8").splitlines()
    ]


def test_corpus_is_valid_and_the_split_has_no_near_duplicates():
    assert corpus_tools.check() == []


def test_corpus_size_label_coverage_and_out_of_domain_share():
    records = load("train.jsonl") + load("test.jsonl")
    assert len(records) >= 300
    for facet, labels in corpus_tools.schema_labels().items():
        for label in labels:
            assert sum(label in r[facet] for r in records) >= 15, (facet, label)
    out_of_domain = sum(not r["sector"] and not r["cooperation"] for r in records)
    assert out_of_domain / len(records) >= 1 / 3


def test_validator_catches_problems():
    labels = corpus_tools.schema_labels()
    bad = [
        {"id": "a", "text": "x", "sector": ["chips"], "cooperation": [], "_where": "f:1"},
        {"id": "a", "text": " ", "sector": [], "cooperation": "investment", "_where": "f:2"},
    ]
    problems = corpus_tools.validate(bad, labels)
    assert "f:1: unknown sector labels ['chips']" in problems
    assert "f:2: duplicate id 'a' (also f:1)" in problems
    assert "f:2: empty or missing text" in problems
    assert "f:2: cooperation must be a list" in problems


def test_near_duplicate_detection():
    base = "the ministers agreed on a new plan to build chip plants in the region next year"
    left = [{"id": "l", "text": base}]
    right = [
        {"id": "r1", "text": base + " officials said"},
        {"id": "r2", "text": "a different story entirely about football"},
    ]
    assert [(a, b) for a, b, _ in corpus_tools.near_duplicates(left, right)] == [("l", "r1")]
