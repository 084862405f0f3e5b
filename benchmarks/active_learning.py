"""Simulated labelling: do suggested articles improve the model faster than random ones?

    python benchmarks/active_learning.py [--seed-size 300] [--step 150] [--rounds 4]

Hides the labels of most of the project's training split, starts from a random labelled seed,
and in each round adds ``--step`` articles to the labelled set, either those
``classifier.suggest`` picks with the current model or random ones (averaged over three random
draws), retrains, and scores micro-F1 per facet on the test split. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from classifier import ArticleTagger, default_taxonomy, evaluate
from classifier.suggest import suggest

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
FACETS = ("sector", "cooperation")


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATASETS / name).open(encoding="utf-8")]


def train_and_score(labelled: list[dict], test: list[dict]) -> tuple[ArticleTagger, tuple]:
    tagger = ArticleTagger(taxonomy=default_taxonomy(), cv=3).fit(
        [r["text"] for r in labelled], {f: [r[f] for r in labelled] for f in FACETS}
    )
    report = evaluate(tagger, [r["text"] for r in test], {f: [r[f] for r in test] for f in FACETS})
    return tagger, tuple(report[f]["micro"]["f1"] for f in FACETS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed-size", type=int, default=300)
    parser.add_argument("--step", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    train, test = load("train.jsonl"), load("test.jsonl")
    rng = random.Random(0)
    rng.shuffle(train)
    seed, pool = train[: args.seed_size], train[args.seed_size :]
    curves: dict[str, list[tuple[float, float]]] = {}

    labelled, remaining = list(seed), list(pool)
    tagger, score = train_and_score(labelled, test)
    curves["suggested"] = [score]
    for _ in range(args.rounds):
        picked = suggest(
            tagger, [r["text"] for r in remaining], args.step, ids=range(len(remaining))
        )
        chosen = {r["id"] for r in picked}
        labelled += [remaining[i] for i in chosen]
        remaining = [r for i, r in enumerate(remaining) if i not in chosen]
        tagger, score = train_and_score(labelled, test)
        curves["suggested"].append(score)

    random_runs = []
    for draw in range(3):
        order = list(pool)
        random.Random(100 + draw).shuffle(order)
        run = [curves["suggested"][0]]
        for k in range(1, args.rounds + 1):
            run.append(train_and_score(seed + order[: k * args.step], test)[1])
        random_runs.append(run)
    curves["random (mean of 3)"] = [
        tuple(sum(run[k][f] for run in random_runs) / 3 for f in range(2))
        for k in range(args.rounds + 1)
    ]
    print("| labelled | suggested: sector / cooperation micro-F1 | random: sector / cooperation |")
    print("|---:|---|---|")
    for k in range(args.rounds + 1):
        s, r = curves["suggested"][k], curves["random (mean of 3)"][k]
        size = args.seed_size + k * args.step
        print(f"| {size} | {s[0]:.3f} / {s[1]:.3f} | {r[0]:.3f} / {r[1]:.3f} |")


if __name__ == "__main__":
    main()
