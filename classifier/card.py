"""Model cards: what a trained model is for, what it was trained on, how well it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["model_card", "threshold_goal"]

_DEFAULT_LIMITATIONS = (
    "- Trained on English-language news; other languages and scripts get no label (their "
    "`coverage.no_known_terms` is true).\n"
    "- Labels follow the schema's definitions (and, for the default schema, "
    "`datasets/GUIDELINES.md`); an article is labelled from its text alone.\n"
    "- The training articles describe events up to the date of training; new actors, "
    "programmes and vocabulary may be missed until the model is retrained.\n"
    "- Scores are calibrated on held-out folds of the training data; on a very different source "
    "check them with `classifier evaluate --report` before relying on thresholds.\n"
    "- A bag of n-grams: negation and who-did-what are not understood, a sector named in a "
    "list gets less weight in a long article than one discussed at length."
)


def threshold_goal(params: Mapping[str, Any]) -> str:
    """What the thresholds were chosen for, from a tagger's parameters."""
    if params.get("min_precision"):
        return f"minimum precision {params['min_precision']}"
    if params.get("min_recall"):
        return f"minimum recall {params['min_recall']}"
    return "best F1"


def _scores_table(scores: Mapping[str, Any]) -> list[str]:
    lines = ["| facet | micro-F1 | macro-F1 |", "|---|---:|---:|"]
    for facet, s in scores.items():
        if isinstance(s, Mapping) and "micro" in s:
            lines.append(f"| {facet} | {s['micro']['f1']:.3f} | {s['macro']['f1']:.3f} |")
    return lines


def model_card(manifest: Mapping[str, Any]) -> str:
    """A Markdown model card built from a model's manifest.

    Examples
    --------
    >>> from classifier import read_manifest
    >>> model_card(read_manifest()).splitlines()[0]
    '# Model card: tech-cooperation 1.0.0'
    """
    taxonomy = manifest["taxonomy"]
    training = manifest.get("training", {})
    evaluation = manifest.get("evaluation", {})
    versions = manifest.get("versions", {})
    lines = [
        f"# Model card: {taxonomy.get('name')} {taxonomy.get('version')}",
        "",
        "## Intended use",
        "",
        "Tagging news articles with the labels of the schema below, in batch or one at a time, "
        "to filter, route and count articles for analysts. Not for decisions about individuals, "
        "and not a substitute for reading the article when a label matters.",
        "",
        "## Schema",
        "",
    ]
    for facet, spec in taxonomy.get("facets", {}).items():
        lines.append(f"**{facet}**: {spec.get('description', '')}")
        lines.append("")
        thresholds = manifest.get("thresholds", {}).get(facet, {})
        counts = training.get("label_counts", {}).get(facet, {})
        lines += ["| label | definition | training examples | threshold |", "|---|---|---:|---:|"]
        for label, definition in spec.get("labels", {}).items():
            lines.append(
                f"| {label} | {definition} | {counts.get(label, 0)} | "
                f"{thresholds.get(label, float('nan')):.3f} |"
            )
        lines.append("")
    params = manifest.get("params", {})
    objective = threshold_goal(params)
    lines += [
        "## Training data",
        "",
        f"- {training.get('n_documents')} documents; fingerprint `{training.get('fingerprint')}`",
        f"- features: {manifest.get('n_features')} word n-grams; model parameters: "
        + ", ".join(f"{k}={v}" for k, v in sorted(params.items())),
        f"- thresholds chosen per label on {params.get('cv', 5)} held-out folds for: {objective}",
        "",
        "## Scores",
        "",
        "Cross-validated on the training data:",
        "",
        *_scores_table(evaluation.get("cross_validated", {})),
        "",
    ]
    test = evaluation.get("test") or {}
    if test:
        ood = test.get("out_of_domain", {})
        lines += ["On held-out test data:", "", *_scores_table(test), ""]
        if ood:
            lines += [
                f"Out-of-domain test documents given a label: "
                f"{ood.get('share_given_a_label', 0):.1%} of {ood.get('n_documents')}.",
                "",
            ]
    lines += [
        "## Known limitations",
        "",
        _DEFAULT_LIMITATIONS,
        "",
        "## Provenance",
        "",
        "Written by " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + ".",
        "",
    ]
    return "\n".join(lines)
