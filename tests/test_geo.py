"""Countries, blocs and scope: the gazetteer matcher against the labelled sets in datasets/."""

from __future__ import annotations

import json

import pytest
from helpers import REPO

from classifier.geo import Gazetteer, extract


def scores(path):
    items = [json.loads(line) for line in path.open(encoding="utf-8")]
    tp = fp = fn = scope_ok = 0
    for item in items:
        result = extract(item["text"])
        truth, got = set(item["countries"]), set(result.countries)
        tp, fp, fn = tp + len(truth & got), fp + len(got - truth), fn + len(truth - got)
        scope_ok += result.scope == item["scope"]
    return tp / (tp + fp), tp / (tp + fn), scope_ok / len(items)


def test_development_set_scores():
    """datasets/countries_test.jsonl (327 items) was used to develop the rules: a regression
    guard, not a held-out estimate (see datasets/countries_holdout.jsonl for that)."""
    precision, recall, scope = scores(REPO / "datasets" / "countries_test.jsonl")
    assert precision >= 0.97 and recall >= 0.95
    assert scope >= 0.80


def test_holdout_set_is_scored_without_error():
    path = REPO / "datasets" / "countries_holdout.jsonl"
    if not path.exists():
        pytest.skip("no holdout set")
    precision, recall, scope = scores(path)
    assert 0 <= precision <= 1 and 0 <= recall <= 1 and 0 <= scope <= 1


@pytest.mark.parametrize(
    ("text", "countries", "blocs", "scope"),
    [
        (
            "The U.S., Japan and South Korea pledged to coordinate chip export controls.",
            ("US", "JP", "KR"),
            (),
            "trilateral",
        ),
        (
            "Beijing and Brussels held talks on electric-vehicle tariffs.",
            ("CN",),
            ("EU",),
            "bilateral",
        ),
        (
            "Japan's trade ministry tightened export rules on chipmaking tools.",
            ("JP",),
            (),
            "unilateral",
        ),
        ("G7 leaders agreed to map critical mineral supply chains.", (), ("G7",), "multilateral"),
        ("Michael Jordan ordered a turkey sandwich served on fine china.", (), (), "none"),
        ("Hyundai opened a battery plant in Atlanta, Georgia, this week.", (), (), "none"),
        ("A Taiwanese chipmaker reported record profits.", ("TW",), (), "none"),
        (
            "The Kremlin said Moscow would respond to new EU sanctions.",
            ("RU",),
            ("EU",),
            "unilateral",
        ),
        (
            "The ROK and the PRC signed a memorandum on supply-chain early warnings.",
            ("KR", "CN"),
            (),
            "bilateral",
        ),
    ],
)
def test_examples(text, countries, blocs, scope):
    result = extract(text)
    assert (result.countries, result.blocs, result.scope) == (countries, blocs, scope)


def test_gazetteer_covers_the_world_and_the_blocs():
    gazetteer = Gazetteer.default()
    assert sum(1 for code in gazetteer.names if len(code) == 2) >= 199
    for bloc in ("EU", "G7", "G20", "QUAD", "AUKUS", "ASEAN", "IPEF", "NATO", "BRICS", "OPEC"):
        assert gazetteer.bloc_members[bloc], bloc
    assert len(gazetteer.bloc_members["EU"]) == 27


def test_tagging_results_carry_countries(default_tagger):
    result = default_tagger.tag("Seoul and Tokyo signed a chip supply-chain pact.", countries=True)
    assert result.extra["countries"] == ("KR", "JP") and result.extra["scope"] == "bilateral"
    assert result.to_dict()["scope"] == "bilateral"
    assert "countries" not in default_tagger.tag("Seoul and Tokyo signed a pact.").to_dict()
