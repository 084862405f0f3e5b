"""``classifier evaluate``: per-label precision, recall and F1 of a model on labelled data."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..corpus import read_corpus
from ..evaluation import evaluate, format_report
from ._common import CommandError, add_model_options, load_tagger, parse_threshold

HELP = "score a model on labelled JSON Lines (precision, recall, F1 per label and facet)"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help=HELP,
        description=HELP + ".",
        epilog="example:\n  classifier evaluate datasets/test.jsonl --model models/default.tagger",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data", nargs="+", metavar="DATA", help="labelled JSON Lines file(s)")
    add_model_options(parser)
    parser.add_argument("--text-field", default="text", metavar="NAME", help="default: text")
    parser.add_argument(
        "--threshold",
        "-t",
        action="append",
        metavar="P|LABEL=P",
        help="evaluate with these thresholds instead of the model's",
    )
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="write report.json, report.md, precision-recall, calibration and label heat-map "
        "figures (PNG, needs matplotlib) and the worst errors with their explanations to DIR",
    )
    parser.add_argument(
        "--errors-shown",
        type=int,
        default=10,
        metavar="N",
        help="worst false positives and false negatives listed in the report (default: 10)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    tagger = load_tagger(args)
    corpus = read_corpus(
        args.data, facets=list(tagger.taxonomy_.facet_names), text_field=args.text_field
    )
    if args.report:
        from ..report import write_report

        if args.threshold:
            raise CommandError("--report uses the model's thresholds; drop --threshold")
        written = write_report(
            tagger,
            corpus.texts,
            corpus.labels,
            args.report,
            ids=corpus.ids,
            n_errors=args.errors_shown,
        )
        for name in written["files"]:
            print(f"wrote {Path(args.report) / name}", file=sys.stderr)
        if "plots_skipped" in written:
            print(f"figures skipped: {written['plots_skipped']}", file=sys.stderr)
    report = evaluate(
        tagger, corpus.texts, corpus.labels, threshold=parse_threshold(args.threshold)
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report), end="")
    return 0
