"""Evaluation reports: metrics, thresholds, calibration, plots and the worst errors, in a folder.

``write_report`` scores a tagger on labelled data and writes ``report.json`` and ``report.md``
(per-label precision, recall, F1 and support, micro/macro averages per facet, the thresholds and
how they were chosen, the expected calibration error, the worst false positives and false
negatives with the terms behind them) and, when matplotlib is installed
(``pip install 'classifier[report]'``), PNG figures: precision-recall curves per label with the
chosen threshold marked, a reliability diagram per facet, and a heat map of true against
predicted labels per facet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .card import threshold_goal
from .evaluation import evaluate_indicators, facet_markdown
from .explain import explain

if TYPE_CHECKING:
    from .model import ArticleTagger

__all__ = ["expected_calibration_error", "write_report"]


def expected_calibration_error(
    probability: np.ndarray, truth: np.ndarray, bins: int = 10
) -> tuple[float, list[dict[str, float]]]:
    """ECE over equal-width probability bins, and the bins (mean confidence, accuracy, count).

    Examples
    --------
    >>> import numpy as np
    >>> expected_calibration_error(np.array([0.9, 0.1]), np.array([True, False]))[0] < 0.11
    True
    """
    probability, truth = np.ravel(probability), np.ravel(truth).astype(bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        inside = which == b
        if not inside.any():
            continue
        confidence, accuracy = float(probability[inside].mean()), float(truth[inside].mean())
        ece += abs(accuracy - confidence) * inside.sum() / probability.size
        table.append({"confidence": confidence, "accuracy": accuracy, "count": int(inside.sum())})
    return float(ece), table


def _truth_matrix(
    tagger: ArticleTagger, labels: dict[str, Sequence[Sequence[str]]], n: int
) -> np.ndarray:
    blocks = []
    for facet in tagger.taxonomy_.facets:
        index = {label: j for j, label in enumerate(facet.labels)}
        block = np.zeros((n, len(index)), dtype=bool)
        for i, row in enumerate(labels[facet.name]):
            tagger.taxonomy_.validate_labels(facet.name, row, where=f"document {i}")
            block[i, [index[label] for label in row]] = True
        blocks.append(block)
    return np.hstack(blocks)


def _worst_errors(
    tagger: ArticleTagger,
    texts: Sequence[str],
    ids: Sequence[Any],
    proba: np.ndarray,
    truth: np.ndarray,
    predicted: np.ndarray,
    n: int,
) -> list[dict[str, Any]]:
    names = [f"{facet}.{label}" for facet, label in tagger.labels_]
    errors = []
    for kind, mask, severity in (
        ("false_positive", predicted & ~truth, proba),
        ("false_negative", truth & ~predicted, 1.0 - proba),
    ):
        rows, cols = np.nonzero(mask)
        order = np.argsort(-severity[rows, cols], kind="stable")[:n]
        for k in order:
            i, j = int(rows[k]), int(cols[k])
            explanation = explain(tagger, texts[i], labels=[names[j]], n_terms=5)
            facet, label = names[j].split(".", 1)
            detail = explanation[facet][label]
            errors.append(
                {
                    "kind": kind,
                    "id": ids[i],
                    "label": names[j],
                    "probability": round(float(proba[i, j]), 4),
                    "threshold": round(float(tagger.thresholds_[j]), 4),
                    "text": texts[i][:400],
                    "for": detail["for"],
                    "against": detail["against"],
                }
            )
    return errors


def write_report(
    tagger: ArticleTagger,
    texts: Sequence[str],
    labels: dict[str, Sequence[Sequence[str]]],
    directory: str | Path,
    *,
    ids: Sequence[Any] | None = None,
    n_errors: int = 10,
    plots: bool = True,
) -> dict[str, Any]:
    """Evaluate ``tagger`` on labelled ``texts`` and write the report files to ``directory``.

    Returns the report (the content of ``report.json``); ``report["files"]`` lists what was
    written. Plots are skipped, with a note in the report, when matplotlib is not installed.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    texts = list(texts)
    ids = list(ids) if ids is not None else list(range(len(texts)))
    proba = tagger.predict_proba_stacked(texts).astype(np.float64)
    thresholds = np.asarray(tagger.thresholds_, dtype=np.float64)
    truth = _truth_matrix(tagger, labels, len(texts))
    predicted = proba >= thresholds
    metrics = evaluate_indicators(tagger.taxonomy_, truth, predicted)
    out_of_domain = ~truth.any(axis=1)
    metrics["out_of_domain"] = {
        "n_documents": int(out_of_domain.sum()),
        "share_given_a_label": float(predicted[out_of_domain].any(axis=1).mean())
        if out_of_domain.any()
        else 0.0,
    }
    calibration = {}
    for facet in tagger.taxonomy_.facets:
        columns = tagger._facet_columns(facet.name)
        ece, table = expected_calibration_error(proba[:, columns], truth[:, columns])
        calibration[facet.name] = {"ece": ece, "bins": table}
    objective = threshold_goal(tagger.get_params(deep=False))
    report: dict[str, Any] = {
        "n_documents": len(texts),
        "metrics": metrics,
        "thresholds": {
            f.name: {
                label: float(thresholds[j])
                for label, j in zip(f.labels, tagger._facet_columns(f.name))
            }
            for f in tagger.taxonomy_.facets
        },
        "threshold_objective": objective,
        "calibration": calibration,
        "worst_errors": _worst_errors(tagger, texts, ids, proba, truth, predicted, n_errors),
        "files": ["report.json", "report.md"],
    }
    if plots:
        try:
            report["files"] += _plots(tagger, proba, truth, thresholds, calibration, directory)
        except ImportError:
            report["plots_skipped"] = (
                "matplotlib is not installed: pip install 'classifier[report]'"
            )
    (directory / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (directory / "report.md").write_text(_markdown(report), encoding="utf-8")
    return report


def _plots(
    tagger: ArticleTagger,
    proba: np.ndarray,
    truth: np.ndarray,
    thresholds: np.ndarray,
    calibration: dict[str, Any],
    directory: Path,
) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    for facet in tagger.taxonomy_.facets:
        columns = list(tagger._facet_columns(facet.name))
        n = len(columns)
        cols = 3
        rows = -(-n // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
        for ax, j, label in zip(axes.flat, columns, facet.labels):
            precision, recall, cut = _pr_curve(proba[:, j], truth[:, j])
            ax.plot(recall, precision, lw=1.5)
            if cut is not None:
                k = int(np.argmin(np.abs(cut - thresholds[j])))
                ax.plot(
                    recall[k],
                    precision[k],
                    "o",
                    color="crimson",
                    label=f"threshold {thresholds[j]:.2f}",
                )
                ax.legend(loc="lower left", fontsize=7)
            ax.set_title(label, fontsize=9)
            ax.set_xlim(0, 1.02)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("recall", fontsize=8)
            ax.set_ylabel("precision", fontsize=8)
        for ax in list(axes.flat)[n:]:
            ax.axis("off")
        fig.suptitle(f"{facet.name}: precision-recall per label (dot: chosen threshold)")
        fig.tight_layout()
        files.append(_save(plt, fig, directory, f"precision_recall_{facet.name}.png"))

        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        bins = calibration[facet.name]["bins"]
        ax.plot([0, 1], [0, 1], "--", color="grey", lw=1)
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-")
        ax.set_xlabel("predicted probability")
        ax.set_ylabel("observed frequency")
        ax.set_title(f"{facet.name}: reliability, ECE {calibration[facet.name]['ece']:.3f}")
        fig.tight_layout()
        files.append(_save(plt, fig, directory, f"calibration_{facet.name}.png"))

        predicted = proba[:, columns] >= thresholds[columns]
        true_block = truth[:, columns]
        matrix = true_block.T.astype(int) @ predicted.astype(int)
        fig, ax = plt.subplots(figsize=(7, 6))
        image = ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(n), facet.labels, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(n), facet.labels, fontsize=8)
        ax.set_xlabel("predicted label")
        ax.set_ylabel("true label")
        for a in range(n):
            for b in range(n):
                if matrix[a, b]:
                    ax.text(b, a, str(matrix[a, b]), ha="center", va="center", fontsize=6)
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title(f"{facet.name}: documents with true label (row) and predicted (column)")
        fig.tight_layout()
        files.append(_save(plt, fig, directory, f"cooccurrence_{facet.name}.png"))
    return files


def _save(plt: Any, fig: Any, directory: Path, name: str) -> str:
    fig.savefig(directory / name, dpi=90)
    plt.close(fig)
    return name


def _pr_curve(scores: np.ndarray, positive: np.ndarray):
    positive = positive.astype(bool)
    if not positive.any():
        return np.array([0.0]), np.array([0.0]), None
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(positive[order])
    precision = hits / np.arange(1, scores.size + 1)
    recall = hits / positive.sum()
    return precision, recall, scores[order]


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Evaluation report ({report['n_documents']} documents)", ""]
    for facet, scores in report["metrics"].items():
        if facet == "out_of_domain":
            continue
        lines += [f"## {facet}", "", *facet_markdown(scores, report["thresholds"][facet])]
        lines += ["", f"Expected calibration error: {report['calibration'][facet]['ece']:.3f}", ""]
    ood = report["metrics"]["out_of_domain"]
    lines += [
        f"Out-of-domain documents given a label: {ood['share_given_a_label']:.1%} of "
        f"{ood['n_documents']}.",
        "",
        f"Thresholds chosen on held-out folds of the training data for: "
        f"{report['threshold_objective']}.",
        "",
    ]
    figures = [f for f in report["files"] if f.endswith(".png")]
    if figures:
        lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [""]
    elif "plots_skipped" in report:
        lines += [f"Figures skipped: {report['plots_skipped']}.", ""]
    lines += ["## Worst errors", ""]
    for e in report["worst_errors"]:
        evidence = ", ".join(f"{t['term']} {t['contribution']:+.2f}" for t in e["for"][:5])
        against = ", ".join(f"{t['term']} {t['contribution']:+.2f}" for t in e["against"][:3])
        lines.append(
            f"- **{e['kind'].replace('_', ' ')}** `{e['label']}` p={e['probability']:.3f} "
            f"(threshold {e['threshold']:.3f}), id `{e['id']}`: for: {evidence or '-'}; "
            f"against: {against or '-'}  \n  > {e['text'][:200].replace(chr(10), ' ')}"
        )
    return "\n".join(lines) + "\n"
