"""``classifier train``: fit a tagger on a labelled corpus and save it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ..corpus import read_corpus
from ..evaluation import evaluate, format_report
from ..model import ArticleTagger
from ..taxonomy import default_taxonomy, load_taxonomy

HELP = "train a model on labelled JSON Lines and save it"
DESCRIPTION = """\
Train a tagger. DATA is JSON Lines in the corpus format: {"id", "text", <facet>: [labels], ...}.
Labels are checked against the schema: --schema FILE (TOML or JSON), or, with --facet, the labels
found in the data for those facets; by default the shipped sector/cooperation schema.
"""
EXAMPLES = """\
examples:
  classifier train datasets/train.jsonl --test datasets/test.jsonl -o models/default.tagger
  classifier train reuters.jsonl --facet topics -o reuters.tagger
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help=HELP,
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data", nargs="+", metavar="DATA", help="labelled JSON Lines file(s)")
    parser.add_argument(
        "--output", "-o", required=True, metavar="MODEL", help="model file to write"
    )
    schema = parser.add_mutually_exclusive_group()
    schema.add_argument("--schema", metavar="FILE", help="label schema (TOML or JSON)")
    schema.add_argument(
        "--facet",
        action="append",
        metavar="NAME",
        help="train on this label field, labels taken from the data; repeatable",
    )
    parser.add_argument("--text-field", default="text", metavar="NAME", help="default: text")
    parser.add_argument(
        "--test", metavar="FILE", help="held-out labelled data: evaluated and stored in the model"
    )
    model = parser.add_argument_group("model")
    defaults = ArticleTagger()
    model.add_argument("--loss", choices=("squared_hinge", "logistic"), default=defaults.loss)
    model.add_argument("--C", type=float, default=defaults.C, help=f"default: {defaults.C}")
    model.add_argument(
        "--min-df",
        type=int,
        default=defaults.min_df,
        help=f"ignore n-grams in fewer documents (default: {defaults.min_df})",
    )
    model.add_argument("--max-features", type=int, help="keep the most frequent n-grams only")
    model.add_argument(
        "--ngram-max",
        type=int,
        default=defaults.ngram_range[1],
        help=f"longest word n-gram (default: {defaults.ngram_range[1]})",
    )
    model.add_argument("--class-weight", choices=("balanced",), help="reweight rare labels")
    model.add_argument(
        "--cv",
        type=int,
        default=defaults.cv,
        help=f"folds for calibration and thresholds (default: {defaults.cv})",
    )
    model.add_argument(
        "--min-precision",
        type=float,
        help="choose thresholds for this held-out precision instead of best F1",
    )
    model.add_argument(
        "--min-recall",
        type=float,
        help="choose thresholds for this held-out recall instead of best F1",
    )
    model.add_argument("--random-state", type=int, default=defaults.random_state)
    model.add_argument("--n-jobs", type=int, help="threads for fitting")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.schema:
        taxonomy = load_taxonomy(args.schema)
        facets = list(taxonomy.facet_names)
    elif args.facet:
        taxonomy, facets = None, args.facet
    else:
        taxonomy = default_taxonomy()
        facets = list(taxonomy.facet_names)
    corpus = read_corpus(args.data, facets=facets, text_field=args.text_field)
    tagger = ArticleTagger(
        taxonomy=taxonomy,
        loss=args.loss,
        C=args.C,
        min_df=args.min_df,
        max_features=args.max_features,
        ngram_range=(1, args.ngram_max),
        class_weight=args.class_weight,
        cv=args.cv,
        min_precision=args.min_precision,
        min_recall=args.min_recall,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
    )
    started = time.perf_counter()
    tagger.fit(corpus.texts, corpus.labels)
    elapsed = time.perf_counter() - started
    test_report = None
    if args.test:
        test = read_corpus(
            args.test, facets=list(tagger.taxonomy_.facet_names), text_field=args.text_field
        )
        test_report = evaluate(tagger, test.texts, test.labels)
    path = tagger.save(args.output, evaluation=test_report)
    if not args.quiet:
        out = sys.stdout
        print(
            f"trained on {len(corpus)} documents in {elapsed:.1f}s: "
            f"{tagger.coef_.shape[0]} features, {tagger.coef_.shape[1]} labels",
            file=out,
        )
        print("\ncross-validated on the training data:", file=out)
        print(format_report(tagger.cv_scores_), file=out)
        if test_report:
            print(f"test ({args.test}):", file=out)
            print(format_report(test_report), file=out)
        print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB)", file=out)
        json.dumps(tagger.training_)  # fail here, not later, if training info is not JSON-able
    return 0
