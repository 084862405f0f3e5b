"""Explanations, top terms, model cards, evaluation reports and threshold goals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import TOY_TEXTS, TOY_TOPICS, write_jsonl

from classifier import ArticleTagger, Taxonomy
from classifier.cli import main
from classifier.explain import explain, render, top_terms
from classifier.report import expected_calibration_error, write_report


def test_contributions_add_up_to_the_models_score(default_tagger):
    text = "Japan and the Netherlands agreed to tighten export controls on chipmaking tools."
    explanation = explain(default_tagger, text, n_terms=1000)
    scores = default_tagger.decision_function([text])[0]
    names = [f"{f}.{label}" for f, label in default_tagger.labels_]
    assert explanation["cooperation"]["export_controls"]
    for facet, labels in explanation.items():
        for label, detail in labels.items():
            terms = detail["for"] + detail["against"]
            total = detail["intercept"] + sum(t["contribution"] for t in terms) + detail["other"]
            assert total == pytest.approx(detail["score"], abs=1e-3)
            assert detail["score"] == pytest.approx(
                scores[names.index(f"{facet}.{label}")], abs=1e-4
            )
            assert 1 / (1 + math.exp(-detail["score"])) == pytest.approx(
                detail["probability"], abs=1e-4
            )


def test_explanation_lists_evidence_for_and_against(default_tagger):
    result = default_tagger.tag(
        "Seoul and Washington signed a memorandum on chip supply chains.", explain=True
    )
    explanation = result.extra["explanation"]
    assert set(explanation) == {f for f, labels in result.labels.items() if labels}
    detail = explanation["sector"]["semiconductors"]
    assert detail["for"][0]["contribution"] > 0
    assert all(e["contribution"] < 0 for e in detail["against"])
    assert "explanation" in result.to_dict()
    shown = render("Seoul and Washington signed a memorandum on chip supply chains.", explanation)
    assert "sector: semiconductors" in shown and "[[" in shown


def test_top_terms_are_the_largest_weights(toy_tagger):
    terms = top_terms(toy_tagger, 3)["topics"]
    assert [t for t, _ in terms["oil"]][:1] in (["crude"], ["oil"], ["crude oil"], ["opec"])
    weights = [w for _, w in terms["grain"]]
    assert weights == sorted(weights, reverse=True)


def test_explain_and_info_commands(capsys, toy_model_path):
    assert main(["explain", "crude oil output", "-m", str(toy_model_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("topics: oil  p=")
    assert main(["explain", "crude oil", "-m", str(toy_model_path), "--json"]) == 0
    assert "oil" in json.loads(capsys.readouterr().out)["topics"]
    assert main(["info", str(toy_model_path), "--top-terms", "3"]) == 0
    assert "topics.oil:" in capsys.readouterr().out
    assert main(["info", str(toy_model_path), "--card"]) == 0
    card = capsys.readouterr().out
    assert card.startswith("# Model card: toy 0") and "## Known limitations" in card


def test_tag_explain_flag(capsys, tmp_path, toy_model_path):
    feed = write_jsonl(
        tmp_path / "f.jsonl", [{"id": 1, "text": "crude oil rallies"}, {"id": 2, "text": "a poem"}]
    )
    assert main(["tag", str(feed), "-m", str(toy_model_path), "--explain"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert "oil" in first["explanation"]["topics"]
    assert second["explanation"] == {}


def test_evaluation_report_files(tmp_path, toy_tagger):
    report = write_report(toy_tagger, TOY_TEXTS, {"topics": TOY_TOPICS}, tmp_path / "r", n_errors=3)
    files = set(report["files"])
    assert {"report.json", "report.md"} <= files
    if "plots_skipped" not in report:
        assert {
            "precision_recall_topics.png",
            "calibration_topics.png",
            "cooccurrence_topics.png",
        } <= files
        assert (tmp_path / "r" / "calibration_topics.png").read_bytes().startswith(b"\x89PNG")
    saved = json.loads((tmp_path / "r" / "report.json").read_text())
    assert saved["metrics"]["topics"]["labels"]["oil"]["support"] == 4
    assert 0 <= saved["calibration"]["topics"]["ece"] <= 1
    assert "Worst errors" in (tmp_path / "r" / "report.md").read_text()


def test_evaluate_command_writes_a_report(capsys, tmp_path, toy_model_path):
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": str(i), "text": t, "topics": y}
            for i, (t, y) in enumerate(zip(TOY_TEXTS, TOY_TOPICS))
        ],
    )
    assert (
        main(["evaluate", str(data), "-m", str(toy_model_path), "--report", str(tmp_path / "rep")])
        == 0
    )
    assert (tmp_path / "rep" / "report.md").exists()


def test_expected_calibration_error():
    perfect = np.array([0.0, 0.0, 1.0, 1.0])
    assert expected_calibration_error(perfect, np.array([0, 0, 1, 1]))[0] == 0.0
    assert expected_calibration_error(np.array([0.9] * 10), np.array([1] * 5 + [0] * 5))[
        0
    ] == pytest.approx(0.4)


def test_thresholds_for_a_precision_or_recall_goal():
    taxonomy = Taxonomy.from_labels({"topics": ["grain", "oil", "metals"]})
    kwargs = {"taxonomy": taxonomy, "min_df": 1, "cv": 2}
    recall = ArticleTagger(min_recall=1.0, **kwargs).fit(TOY_TEXTS, {"topics": TOY_TOPICS})
    precision = ArticleTagger(min_precision=1.0, **kwargs).fit(TOY_TEXTS, {"topics": TOY_TOPICS})
    assert (recall.thresholds_ <= precision.thresholds_ + 1e-12).all()
    with pytest.raises(ValueError, match="not both"):
        ArticleTagger(min_recall=0.9, min_precision=0.9, **kwargs).fit(
            TOY_TEXTS, {"topics": TOY_TOPICS}
        )


def test_suggestions_are_uncertain_diverse_and_prefilled(
    capsys, tmp_path, toy_model_path, toy_tagger
):
    from classifier.suggest import suggest

    pool = [
        "crude oil and wheat prices",
        "crude oil and wheat prices",
        "a poem about the sea",
        "copper and oil",
        "grain grain grain",
    ]
    picked = suggest(toy_tagger, pool, 3)
    assert len(picked) == 3 and len({r["id"] for r in picked}) == 3
    assert not {0, 1} <= {r["id"] for r in picked}  # the duplicate is not picked twice first
    assert all("topics" in r and "suggested_because" in r for r in picked)
    feed = write_jsonl(
        tmp_path / "pool.jsonl", [{"id": f"p{i}", "text": t} for i, t in enumerate(pool)]
    )
    assert main(["suggest", str(feed), "-m", str(toy_model_path), "-n", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2 and all(r["id"].startswith("p") for r in rows)
