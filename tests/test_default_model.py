"""The shipped default model loads and tags clear cases correctly."""

import pytest
from helpers import shared_path

from classifier import default_taxonomy, read_manifest
from classifier.persistence import default_model_path


def test_default_model_is_found_and_describes_itself():
    path = default_model_path()
    assert path.name == "default.tagger"
    assert path.stat().st_size < 5_000_000
    manifest = read_manifest()
    assert manifest["taxonomy"] == default_taxonomy().to_dict()
    assert manifest["training"]["n_documents"] >= 240


def test_default_model_tags_a_clear_in_domain_article(default_tagger):
    result = default_tagger.tag(
        "Japan and Australia signed a memorandum of understanding on Tuesday to jointly develop "
        "rare earth processing and stockpile lithium and cobalt, the trade ministers said."
    )
    assert "critical_minerals" in result["sector"]
    assert "formal_agreement" in result["cooperation"]


def test_default_model_gives_no_label_to_a_clear_out_of_domain_article(default_tagger):
    result = default_tagger.tag(
        "The home side scored twice in the second half to win the derby, and the coach praised "
        "his young goalkeeper after a string of saves in front of a sell-out crowd."
    )
    assert result.is_empty, result.labels


@pytest.mark.shared_data
def test_reference_article(default_tagger):
    text = shared_path("examples", "reference-article.txt").read_text(encoding="utf-8")
    result = default_tagger.tag(text)
    assert {"semiconductors", "critical_minerals"} <= set(result["sector"])
    assert "joint_commitment" in result["cooperation"]
