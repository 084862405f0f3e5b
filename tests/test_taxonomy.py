import json

import pytest

from classifier import SchemaError, Taxonomy, default_taxonomy, load_taxonomy


def test_default_schema_has_the_two_facets_and_all_labels():
    taxonomy = default_taxonomy()
    assert taxonomy.facet_names == ("sector", "cooperation")
    assert taxonomy["sector"].labels == (
        "semiconductors",
        "critical_minerals",
        "clean_energy",
        "cybersecurity",
        "artificial_intelligence",
        "telecommunications",
        "quantum",
        "biotechnology",
        "space",
    )
    assert taxonomy["cooperation"].labels == (
        "joint_commitment",
        "formal_agreement",
        "dialogue",
        "joint_research",
        "investment",
        "supply_chain_coordination",
        "export_controls",
        "sanctions_enforcement",
        "trade_dispute",
    )
    assert taxonomy.version == "1.0.0"
    for facet in taxonomy.facets:
        for label in facet.labels:
            assert facet.definitions[label].strip(), label


def test_custom_schema_from_toml_and_json(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text(
        'name = "mine"\nversion = "2"\n[facets.topics.labels]\ngrain = "Cereals."\noil = "Crude."\n'
    )
    data = Taxonomy.from_dict(json.loads(json.dumps(load_taxonomy(toml).to_dict())))
    js = tmp_path / "s.json"
    js.write_text(json.dumps(data.to_dict()))
    loaded = load_taxonomy(js)
    assert loaded.facet_names == ("topics",)
    assert loaded["topics"].labels == ("grain", "oil")
    assert loaded["topics"].definitions["oil"] == "Crude."
    assert loaded.version == "2"


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({}, "no facets"),
        ({"topics": []}, "has no labels"),
        ({"scores": ["a"]}, "not allowed"),
        ({"bad name": ["a"]}, "not allowed"),
    ],
)
def test_invalid_schemas_are_rejected(labels, message):
    with pytest.raises(SchemaError, match=message):
        Taxonomy.from_labels(labels)


def test_unreadable_schema_file_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("this is = = not toml")
    with pytest.raises(SchemaError, match="broken.toml"):
        load_taxonomy(path)
    with pytest.raises(SchemaError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.toml")


def test_validate_labels_names_unknown_labels():
    with pytest.raises(SchemaError, match=r"unknown sector label\(s\) \['chips'\]"):
        default_taxonomy().validate_labels("sector", ["semiconductors", "chips"])
