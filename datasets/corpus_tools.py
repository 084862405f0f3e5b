"""Build, check and describe the project's labelled corpus.

    python datasets/corpus_tools.py check            # validate train/test, near-duplicates, counts
    python datasets/corpus_tools.py split SRC...     # (re)build train.jsonl/test.jsonl from drafts
    python datasets/corpus_tools.py counts           # the per-label table of datasets/README.md
    python datasets/corpus_tools.py crossval         # 5-fold cross-validated scores, whole corpus
    python datasets/corpus_tools.py geo-scores       # countries, blocs and scope: dev and test sets

``check`` is what CI runs (tests/test_datasets.py): valid JSON, unique ids, only schema labels,
no empty texts, and no near-duplicate across the train/test split (word 5-gram shingles,
Jaccard similarity at or above 0.3). ``split`` keeps every group of related articles (Jaccard
0.2 or more, e.g. two retellings of the same event) on one side of the split. ``check`` also
validates the countries sets (COUNTRIES.md): known codes and scopes, unique ids, and no
near-duplicate between their development and test files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAIN, TEST = HERE / "train.jsonl", HERE / "test.jsonl"
COUNTRIES_DEV, COUNTRIES_TEST = HERE / "countries_dev.jsonl", HERE / "countries_test.jsonl"
FACETS = ("sector", "cooperation")
NEAR_DUPLICATE_JACCARD = 0.3
RELATED_JACCARD = 0.2
SHINGLE = 5
TEST_SHARE = 0.2
_WORD = re.compile(r"\w+")


def schema_labels() -> dict[str, set[str]]:
    sys.path.insert(0, str(HERE.parent))
    from classifier import default_taxonomy

    taxonomy = default_taxonomy()
    return {f: set(taxonomy[f].labels) for f in taxonomy.facet_names}


def read_jsonl(path: Path) -> tuple[list[dict], list[str]]:
    """Records of ``path`` and the problems found reading them."""
    records, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            problems.append(f"{path.name}:{number}: blank line")
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problems.append(f"{path.name}:{number}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path.name}:{number}: not a JSON object")
            continue
        obj["_where"] = f"{path.name}:{number}"
        records.append(obj)
    return records, problems


def validate(records: Iterable[dict], labels: dict[str, set[str]]) -> list[str]:
    """Problems of a set of records: ids, texts, label fields and values."""
    problems, seen = [], {}
    for r in records:
        where = r.get("_where", "?")
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            problems.append(f"{where}: id must be a non-empty string")
        elif rid in seen:
            problems.append(f"{where}: duplicate id {rid!r} (also {seen[rid]})")
        else:
            seen[rid] = where
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            problems.append(f"{where}: empty or missing text")
        for facet, allowed in labels.items():
            value = r.get(facet)
            if not isinstance(value, list):
                problems.append(f"{where}: {facet} must be a list")
                continue
            unknown = [v for v in value if v not in allowed]
            if unknown:
                problems.append(f"{where}: unknown {facet} labels {unknown}")
            if len(set(value)) != len(value):
                problems.append(f"{where}: repeated {facet} label")
        extra = set(r) - {"id", "text", "_where", *labels}
        if extra:
            problems.append(f"{where}: unexpected fields {sorted(extra)}")
    return problems


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def near_duplicates(
    left: Sequence[dict], right: Sequence[dict], threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str, float]]:
    """Pairs (left id, right id, Jaccard) of shingle sets at or above ``threshold``.

    An inverted index over shingles restricts the comparison to pairs sharing a shingle.
    """
    index: dict[str, list[int]] = {}
    left_sets = [shingles(r["text"]) for r in left]
    for i, s in enumerate(left_sets):
        for sh in s:
            index.setdefault(sh, []).append(i)
    pairs = []
    for r in right:
        s = shingles(r["text"])
        shared = Counter(i for sh in s for i in index.get(sh, ()))
        for i, common in shared.items():
            jaccard = common / (len(s) + len(left_sets[i]) - common)
            if jaccard >= threshold:
                pairs.append((left[i]["id"], r["id"], round(jaccard, 3)))
    return pairs


def counts_table(train: list[dict], test: list[dict], labels: dict[str, set[str]]) -> str:
    """Markdown table of per-label counts in train, test and all."""
    from classifier import default_taxonomy

    taxonomy = default_taxonomy()
    rows = ["| facet | label | train | test | all |", "|---|---|---:|---:|---:|"]
    for facet in taxonomy.facet_names:
        for label in taxonomy[facet].labels:
            a = sum(label in r[facet] for r in train)
            b = sum(label in r[facet] for r in test)
            rows.append(f"| {facet} | {label} | {a} | {b} | {a + b} |")
    ood = [sum(not any(r[f] for f in FACETS) for r in part) for part in (train, test)]
    rows.append(f"| - | out of domain (no label) | {ood[0]} | {ood[1]} | {sum(ood)} |")
    rows.append(f"| - | articles | {len(train)} | {len(test)} | {len(train) + len(test)} |")
    multi = sum(len(r["sector"]) > 1 or len(r["cooperation"]) > 1 for r in train + test)
    rows.append(f"| - | with 2+ labels in a facet | | | {multi} |")
    return "\n".join(rows)


def check(threshold: float = NEAR_DUPLICATE_JACCARD) -> list[str]:
    labels = schema_labels()
    train, p1 = read_jsonl(TRAIN)
    test, p2 = read_jsonl(TEST)
    problems = p1 + p2 + validate(train + test, labels)
    for a, b, j in near_duplicates(train, test, threshold):
        problems.append(f"near-duplicate across the split: train {a} ~ test {b} (Jaccard {j})")
    return problems + check_countries(threshold)


def check_countries(threshold: float = NEAR_DUPLICATE_JACCARD) -> list[str]:
    """Problems of the countries sets: codes, scopes, ids, and dev/test near-duplicates."""
    from classifier.geo import SCOPES, Gazetteer

    gazetteer = Gazetteer.default()
    known = {
        "countries": {c for c, bloc in zip(gazetteer.codes, gazetteer.is_bloc) if not bloc},
        "blocs": {c for c, bloc in zip(gazetteer.codes, gazetteer.is_bloc) if bloc},
    }
    dev, problems = read_jsonl(COUNTRIES_DEV)
    test, more = read_jsonl(COUNTRIES_TEST)
    problems += more
    seen: set[str] = set()
    for item in dev + test:
        where = f"countries item {item.get('id')!r}"
        if item.get("id") in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(item.get("id"))
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            problems.append(f"{where}: empty or missing text")
        if item.get("scope") not in SCOPES:
            problems.append(f"{where}: scope {item.get('scope')!r} is not one of {SCOPES}")
        for kind, codes in known.items():
            values = item.get(kind)
            if not isinstance(values, list) or len(set(values)) != len(values):
                problems.append(f"{where}: {kind} must be a list of distinct codes")
            elif unknown := set(values) - codes:
                problems.append(f"{where}: unknown {kind} {sorted(unknown)}")
    for a, b, j in near_duplicates(dev, test, threshold):
        problems.append(f"near-duplicate across countries dev/test: {a} ~ {b} (Jaccard {j})")
    return problems


def geo_scores_markdown() -> str:
    """Countries, blocs and scope of classifier.geo on the development and test sets."""
    from classifier.evaluation import evaluate_countries

    rows = [
        "| set | items | country P | country R | bloc P | bloc R | scope accuracy |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path in (("development", COUNTRIES_DEV), ("test (blind)", COUNTRIES_TEST)):
        items, _ = read_jsonl(path)
        r = evaluate_countries(items)
        c, b = r["countries"], r["blocs"]
        rows.append(
            f"| {name} | {r['n']} | {c['precision']:.3f} | {c['recall']:.3f} "
            f"| {b['precision']:.3f} | {b['recall']:.3f} | {r['scope_accuracy']:.3f} |"
        )
    return "\n".join(rows)


def split(sources: Sequence[Path]) -> None:
    """Group related articles (Jaccard >= RELATED_JACCARD, transitively), send each group to test
    when a hash of its smallest id falls in the test share, and write both files sorted by id."""
    labels = schema_labels()
    records = []
    for source in sources:
        part, problems = read_jsonl(source)
        if problems:
            sys.exit("\n".join(problems))
        records.extend(part)
    problems = validate(records, labels)
    if problems:
        sys.exit("\n".join(problems))

    parent = {r["id"]: r["id"] for r in records}

    def root(rid: str) -> str:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    for a, b, _ in near_duplicates(records, records, RELATED_JACCARD):
        if a != b:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for r in records:
        groups.setdefault(root(r["id"]), []).append(r["id"])

    def bucket(rid: str) -> float:
        return int(hashlib.sha256(rid.encode()).hexdigest()[:8], 16) / 16**8

    in_test = {rid for ids in groups.values() if bucket(min(ids)) < TEST_SHARE for rid in ids}
    train = [r for r in records if r["id"] not in in_test]
    test = [r for r in records if r["id"] in in_test]
    for path, part in ((TRAIN, train), (TEST, test)):
        with path.open("w", encoding="utf-8") as out:
            for r in sorted(part, key=lambda r: r["id"]):
                clean = {"id": r["id"], "text": r["text"], **{f: r[f] for f in FACETS}}
                out.write(json.dumps(clean, ensure_ascii=False) + "\n")
    related = sum(len(ids) for ids in groups.values() if len(ids) > 1)
    print(f"train {len(train)}, test {len(test)}; {related} articles in groups of related ones")


def crossval(folds: int = 5, seed: int = 0) -> str:
    """Markdown tables of per-label precision, recall and F1 (and micro/macro averages per
    facet) of the default pipeline, cross-validated over the whole corpus."""
    import numpy as np
    from sklearn.model_selection import KFold

    from classifier import ArticleTagger, default_taxonomy
    from classifier.evaluation import evaluate_indicators

    taxonomy = default_taxonomy()
    records = read_jsonl(TRAIN)[0] + read_jsonl(TEST)[0]
    truth = {f: [[] for _ in records] for f in FACETS}
    predicted = {f: [[] for _ in records] for f in FACETS}
    for train_idx, test_idx in KFold(folds, shuffle=True, random_state=seed).split(records):
        tagger = ArticleTagger(taxonomy=taxonomy).fit(
            [records[i]["text"] for i in train_idx],
            {f: [records[i][f] for i in train_idx] for f in FACETS},
        )
        results = tagger.tag_many([records[i]["text"] for i in test_idx])
        for i, result in zip(test_idx, results):
            for f in FACETS:
                truth[f][i] = records[i][f]
                predicted[f][i] = list(result[f])

    # Score the pooled out-of-fold predictions with the library's own evaluation.
    def matrix(labels_by_facet: dict) -> np.ndarray:
        blocks = []
        for facet in taxonomy.facets:
            index = {label: j for j, label in enumerate(facet.labels)}
            block = np.zeros((len(records), len(index)), dtype=bool)
            for i, row in enumerate(labels_by_facet[facet.name]):
                block[i, [index[label] for label in row]] = True
            blocks.append(block)
        return np.hstack(blocks)

    truth_matrix, predicted_matrix = matrix(truth), matrix(predicted)
    report = evaluate_indicators(taxonomy, truth_matrix, predicted_matrix)
    out_of_domain = ~truth_matrix.any(axis=1)
    report["out_of_domain"] = {
        "n_documents": int(out_of_domain.sum()),
        "share_given_a_label": float(predicted_matrix[out_of_domain].any(axis=1).mean()),
    }
    return scores_markdown(report)


def scores_markdown(report: dict) -> str:
    """Markdown of an evaluation report: one table per facet, then the out-of-domain line."""
    lines = []
    from classifier.evaluation import facet_markdown

    for facet in FACETS:
        lines += [f"**{facet}**", "", *facet_markdown(report[facet])]
        lines.append("")
    ood = report["out_of_domain"]
    lines.append(
        f"Out-of-domain articles given any label: {ood['share_given_a_label']:.1%} "
        f"of {ood['n_documents']}."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate the corpus and its split")
    p_split = sub.add_parser("split", help="build train/test from draft JSONL files")
    p_split.add_argument("sources", nargs="+", type=Path)
    sub.add_parser("counts", help="print the per-label counts table")
    sub.add_parser("crossval", help="5-fold cross-validated scores over the whole corpus")
    sub.add_parser("test-scores", help="scores of the shipped default model on the test split")
    sub.add_parser("geo-scores", help="countries, blocs and scope on the countries sets")
    args = parser.parse_args(argv)
    if args.command == "split":
        split(args.sources)
        return 0
    if args.command == "crossval":
        print(crossval())
        return 0
    if args.command == "test-scores":
        from classifier import ArticleTagger, evaluate, read_corpus

        test = read_corpus(TEST, facets=list(FACETS))
        print(scores_markdown(evaluate(ArticleTagger.load(), test.texts, test.labels)))
        return 0
    if args.command == "geo-scores":
        print(geo_scores_markdown())
        return 0
    if args.command == "counts":
        train, _ = read_jsonl(TRAIN)
        test, _ = read_jsonl(TEST)
        print(counts_table(train, test, schema_labels()))
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
