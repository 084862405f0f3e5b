"""``classifier suggest``: the unlabelled articles most worth labelling next."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..io import read_records
from ..suggest import suggest
from ._common import CommandError, add_input_options, add_model_options, load_tagger

HELP = "pick the unlabelled articles most worth labelling next (corpus format, guesses pre-filled)"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "suggest",
        help=HELP,
        description=HELP + ". The pool is read into memory.",
        epilog="example:\n  classifier suggest unlabelled.jsonl -n 50 -o to_label.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pool", nargs="+", metavar="POOL", help="files or directories of articles")
    add_model_options(parser)
    parser.add_argument("-n", type=int, default=50, help="how many to suggest (default: 50)")
    add_input_options(parser)
    parser.add_argument(
        "--diversity",
        type=float,
        default=0.5,
        help="penalty for similarity to articles already picked (default: 0.5)",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write here instead of standard output"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise CommandError(f"-n must be at least 1; got {args.n}")
    tagger = load_tagger(args)
    records = [
        r
        for r in read_records(
            args.pool, text_fields=args.text_fields or ["text"], id_field=args.id_field
        )
        if r.error is None
    ]
    if not records:
        raise CommandError("the pool has no readable article")
    chosen = suggest(
        tagger,
        [r.text for r in records],
        args.n,
        ids=[r.id for r in records],
        diversity=args.diversity,
    )
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(lines)
    else:
        sys.stdout.write(lines)
    return 0
