"""``classifier evaluate``: per-label precision, recall and F1 of a model on labelled data."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..corpus import read_corpus
from ..evaluation import evaluate, format_report
from ._common import add_model_options, load_tagger, parse_threshold

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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    tagger = load_tagger(args)
    corpus = read_corpus(
        args.data, facets=list(tagger.taxonomy_.facet_names), text_field=args.text_field
    )
    report = evaluate(
        tagger, corpus.texts, corpus.labels, threshold=parse_threshold(args.threshold)
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report), end="")
    return 0
