"""``classifier explain``: why a text gets its labels, readably, in the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..explain import explain, render
from ._common import CommandError, add_model_options, load_tagger

HELP = "show the terms behind each label of one text (terms that support a label are highlighted)"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help=HELP,
        description=HELP + ".",
        epilog='examples:\n  classifier explain "Seoul and Tokyo agreed to pool chip stockpiles."\n'
        "  classifier explain - < article.txt --label cooperation.dialogue",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "text", metavar="TEXT", help="the article text, or '-' to read it from standard input"
    )
    add_model_options(parser)
    parser.add_argument(
        "--label",
        action="append",
        metavar="FACET.LABEL",
        help="explain this label even if it is not assigned; repeatable",
    )
    parser.add_argument(
        "--terms",
        type=int,
        default=8,
        metavar="N",
        help="terms listed for and against each label (default: 8)",
    )
    parser.add_argument("--json", action="store_true", help="print the explanation as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise CommandError("the text is empty; give the article text or '-' to read standard input")
    if args.terms < 1:
        raise CommandError(f"--terms must be at least 1; got {args.terms}")
    tagger = load_tagger(args)
    try:
        explanation = explain(tagger, text, labels=args.label, n_terms=args.terms)
    except KeyError as exc:
        raise CommandError(f"--label: {exc}") from None
    if args.json:
        print(json.dumps(explanation, indent=2, ensure_ascii=False))
    else:
        print(render(text, explanation, color=sys.stdout.isatty()))
    return 0
