"""Per-label and per-facet quality measures of a tagger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .model import ArticleTagger
    from .taxonomy import Taxonomy

__all__ = [
    "evaluate",
    "evaluate_countries",
    "evaluate_indicators",
    "facet_markdown",
    "format_report",
]


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


def evaluate_indicators(taxonomy: Taxonomy, truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Scores from 0/1 matrices whose columns are the labels of every facet, in schema order.

    Returns, per facet: ``labels`` (precision, recall, F1, support of each label), ``micro`` and
    ``macro`` averages (macro over labels with support), and ``false_positive_rate_unlabelled``:
    the share of documents with no true label in the facet that were given one.
    """
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    report: dict[str, Any] = {}
    start = 0
    for facet in taxonomy.facets:
        cols = slice(start, start + len(facet.labels))
        start += len(facet.labels)
        t, p = truth[:, cols], predicted[:, cols]
        tp, fp, fn = (t & p).sum(0), (~t & p).sum(0), (t & ~p).sum(0)
        per_label = {
            label: {**_prf(tp[j], fp[j], fn[j]), "support": int(t[:, j].sum())}
            for j, label in enumerate(facet.labels)
        }
        supported = [m for m in per_label.values() if m["support"] > 0]
        unlabelled = ~t.any(axis=1)
        report[facet.name] = {
            "labels": per_label,
            "micro": _prf(tp.sum(), fp.sum(), fn.sum()),
            "macro": {
                k: float(np.mean([m[k] for m in supported])) if supported else 0.0
                for k in ("precision", "recall", "f1")
            },
            "n_documents": int(t.shape[0]),
            "false_positive_rate_unlabelled": (
                float(p[unlabelled].any(axis=1).mean()) if unlabelled.any() else 0.0
            ),
        }
    return report


def evaluate(
    tagger: ArticleTagger,
    texts: Iterable[str],
    labels: Mapping[str, Sequence[Sequence[str]]],
    *,
    threshold: Any = None,
) -> dict:
    """Score ``tagger`` on labelled ``texts``; see :func:`evaluate_indicators` for the layout.

    Also reports ``out_of_domain``: how many documents have no label in any facet and the share
    of them that the tagger gave at least one label.
    """
    taxonomy = tagger.taxonomy_
    texts = list(texts)
    predicted = tagger.predict(texts, threshold=threshold)
    truth_blocks, pred_blocks = [], []
    for facet in taxonomy.facets:
        index = {label: j for j, label in enumerate(facet.labels)}
        block = np.zeros((len(texts), len(index)), dtype=bool)
        for i, row in enumerate(labels[facet.name]):
            taxonomy.validate_labels(facet.name, row, where=f"document {i}")
            block[i, [index[label] for label in row]] = True
        truth_blocks.append(block)
        pred_blocks.append(predicted[facet.name].astype(bool))
    truth, pred = np.hstack(truth_blocks), np.hstack(pred_blocks)
    report = evaluate_indicators(taxonomy, truth, pred)
    out_of_domain = ~truth.any(axis=1)
    report["out_of_domain"] = {
        "n_documents": int(out_of_domain.sum()),
        "share_given_a_label": (
            float(pred[out_of_domain].any(axis=1).mean()) if out_of_domain.any() else 0.0
        ),
    }
    return report


def format_report(report: Mapping[str, Any]) -> str:
    """A plain-text table of an :func:`evaluate` report."""
    lines = []
    for facet, scores in report.items():
        if facet == "out_of_domain":
            continue
        width = max(len(label) for label in scores["labels"]) + 2
        lines.append(f"{facet}  ({scores['n_documents']} documents)")
        lines.append(
            f"  {'label':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"
        )
        for label, m in scores["labels"].items():
            lines.append(
                f"  {label:<{width}}{m['precision']:>10.3f}{m['recall']:>10.3f}"
                f"{m['f1']:>10.3f}{m['support']:>10d}"
            )
        for avg in ("micro", "macro"):
            m = scores[avg]
            lines.append(
                f"  {avg + ' avg':<{width}}"
                f"{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
            )
        lines.append("")
    if "out_of_domain" in report:
        ood = report["out_of_domain"]
        lines.append(
            f"out of domain: {ood['n_documents']} documents, "
            f"{ood['share_given_a_label']:.1%} given a label"
        )
    return "\n".join(lines).rstrip() + "\n"


def facet_markdown(
    scores: Mapping[str, Any], thresholds: Mapping[str, float] | None = None
) -> list[str]:
    """Markdown table lines of one facet's scores (and, if given, each label's threshold)."""
    extra = " threshold |" if thresholds is not None else ""
    lines = [
        "| label | precision | recall | F1 | support |" + extra,
        "|---|---:|---:|---:|---:|" + ("---:|" if thresholds is not None else ""),
    ]
    for label, m in scores["labels"].items():
        cut = f" {thresholds[label]:.3f} |" if thresholds is not None else ""
        lines.append(
            f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} "
            f"| {m['support']} |" + cut
        )
    for avg in ("micro", "macro"):
        m = scores[avg]
        lines.append(
            f"| *{avg} average* | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | |"
            + (" |" if thresholds is not None else "")
        )
    return lines


def evaluate_countries(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Scores of :func:`classifier.geo.extract_many` against labelled items (dicts with
    ``text``, ``countries``, ``blocs`` and ``scope``, as in ``datasets/countries_*.jsonl``).

    Returns micro ``countries`` and ``blocs`` precision, recall and F1 over the codes of each
    item, ``scope_accuracy``, the ``scope_confusion`` (truth, then predicted scope, to count),
    and ``n``, the number of items.

    Examples
    --------
    >>> item = {"text": "Seoul and Tokyo signed a pact.", "countries": ["KR", "JP"],
    ...         "blocs": [], "scope": "bilateral"}
    >>> report = evaluate_countries([item])
    >>> report["countries"]["precision"], report["scope_accuracy"]
    (1.0, 1.0)
    """
    from .geo import SCOPES, extract_many

    items = list(items)
    found = extract_many([item["text"] for item in items])
    counts = {kind: [0, 0, 0] for kind in ("countries", "blocs")}
    confusion = {truth: dict.fromkeys(SCOPES, 0) for truth in SCOPES}
    for item, result in zip(items, found):
        for kind, got in (("countries", result.countries), ("blocs", result.blocs)):
            truth, predicted = set(item[kind]), set(got)
            counts[kind][0] += len(truth & predicted)
            counts[kind][1] += len(predicted - truth)
            counts[kind][2] += len(truth - predicted)
        confusion[item["scope"]][result.scope] += 1
    correct = sum(confusion[scope][scope] for scope in SCOPES)
    return {
        "n": len(items),
        "countries": _prf(*counts["countries"]),
        "blocs": _prf(*counts["blocs"]),
        "scope_accuracy": correct / len(items) if items else 0.0,
        "scope_confusion": confusion,
    }
