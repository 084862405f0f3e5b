"""``classifier info``: what a model file is, read from its manifest without loading it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..persistence import default_model_path, read_manifest
from ._common import CommandError

HELP = "show a model's manifest: versions, schema, training data, thresholds, scores"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("info", help=HELP, description=HELP + ".")
    parser.add_argument(
        "model", nargs="?", metavar="MODEL", help="model file (default: the shipped default model)"
    )
    parser.add_argument("--json", action="store_true", help="print the whole manifest as JSON")
    parser.add_argument("--card", action="store_true", help="print the model card (Markdown)")
    parser.add_argument(
        "--top-terms",
        type=int,
        nargs="?",
        const=15,
        metavar="N",
        help="also list the N n-grams that most indicate each label (default N: 15)",
    )
    parser.set_defaults(run=run)


def _f1(scores: dict, facet: str) -> str:
    if facet not in scores:
        return "-"
    return (
        f"micro-F1 {scores[facet]['micro']['f1']:.3f}, macro-F1 {scores[facet]['macro']['f1']:.3f}"
    )


def run(args: argparse.Namespace) -> int:
    path = args.model or default_model_path()
    manifest = read_manifest(path)
    if args.json:
        print(json.dumps(manifest, indent=2))
        return 0
    if args.card:
        from ..card import model_card

        print(manifest.get("card") or model_card(manifest))
        return 0
    if args.top_terms is not None and args.top_terms < 1:
        raise CommandError(f"--top-terms must be at least 1; got {args.top_terms}")
    versions = manifest.get("versions", {})
    training = manifest.get("training", {})
    taxonomy = manifest.get("taxonomy", {})
    evaluation = manifest.get("evaluation", {})
    lines = [
        f"model:      {path}",
        f"format:     {manifest['format']} v{manifest['format_version']}",
        "written by: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v),
        f"schema:     {taxonomy.get('name')} v{taxonomy.get('version')}",
        f"training:   {training.get('n_documents')} documents, {training.get('fingerprint')}",
        f"features:   {manifest.get('n_features')}",
    ]
    for facet, labels in manifest.get("thresholds", {}).items():
        counts = training.get("label_counts", {}).get(facet, {})
        lines.append(
            f"\n{facet}:  cross-validated {_f1(evaluation.get('cross_validated', {}), facet)}"
            + (f"; test {_f1(evaluation.get('test', {}), facet)}" if evaluation.get("test") else "")
        )
        lines.append(f"  {'label':<28}{'threshold':>10}{'examples':>10}")
        for label, threshold in labels.items():
            lines.append(f"  {label:<28}{threshold:>10.3f}{counts.get(label, 0):>10}")
    if args.top_terms:
        lines += _top_terms_lines(args, path)
    print("\n".join(lines))
    return 0


def _top_terms_lines(args: argparse.Namespace, path: Any) -> list[str]:
    from ..explain import top_terms
    from ..model import ArticleTagger

    tagger = ArticleTagger.load(path, allow_version_mismatch=True)
    lines = [f"\nmost indicative n-grams (top {args.top_terms}):"]
    for facet, labels in top_terms(tagger, args.top_terms).items():
        for label, terms in labels.items():
            lines.append(f"  {facet}.{label}: " + ", ".join(f"{t} ({w:.2f})" for t, w in terms))
    return lines
