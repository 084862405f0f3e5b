"""Side-by-side comparison of classifier, a plain scikit-learn pipeline and fastText.

Trains the three on the same training data and measures them on the same test texts in one run:

  (a) classifier: ``ArticleTagger`` with a one-facet schema taken from the data, its ``C`` chosen
      on training folds only (the cross-validated scores ``fit`` computes), at 1 and 2 workers;
  (b) scikit-learn: ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)`` +
      ``OneVsRestClassifier(LinearSVC())``;
  (c) fastText supervised (``fasttext-wheel``), ``loss='ova'``, ``wordNgrams=2``, labels above
      probability 0.5, on lower-cased text with punctuation split off (fastText tokenizes on
      spaces only), ``epoch=25, lr=0.5`` (its defaults, 5 epochs, reach 0.57 micro-F1 here).
      Its predict time is measured on text already prepared that way, which favours fastText.

Every system is trained in one child process and measured in another, which loads the saved
model and tags the test texts, so the peak memory (max RSS) of each is its own. Times are the best
of ``--repeat`` runs after a warm-up. Usage (from the repository root)::

    pip install '.[bench]'
    python benchmarks/compare.py                       # Reuters-21578 ModApte from ../shared
    python benchmarks/compare.py --train T.jsonl --test S.jsonl --label-field topics
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REUTERS = REPO.parent / "shared" / "data" / "reuters21578"
C_GRID = (0.25, 0.5, 1.0)


def read_jsonl(path: Path, label_field: str) -> tuple[list[str], list[list[str]]]:
    texts, labels = [], []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts.append(record["text"])
            labels.append(list(record.get(label_field, [])))
    return texts, labels


def best_time(function, repeat: int) -> float:
    function()  # warm-up: caches, lazily built structures, page faults
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def f1_scores(truth: list[list[str]], predicted: list[list[str]], labels: list[str]) -> dict:
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer(classes=labels)
    y_true = binarizer.fit_transform(truth)
    known = set(labels)
    y_pred = binarizer.transform([[label for label in p if label in known] for p in predicted])
    return {
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------- training (child)
def fit_classifier(texts, labels, model_dir: Path) -> dict:
    from classifier import ArticleTagger

    tried = {}
    for c in C_GRID:
        tagger = ArticleTagger(C=c, n_jobs=2).fit(texts, {"topics": labels})
        cv = tagger.cv_scores_["topics"]
        tried[c] = (cv["micro"]["f1"] + cv["macro"]["f1"], tagger)
    chosen = max(tried, key=lambda c: tried[c][0])
    start = time.perf_counter()
    tagger = ArticleTagger(C=chosen, n_jobs=2).fit(texts, {"topics": labels})
    seconds = time.perf_counter() - start
    tagger.save(model_dir / "classifier.tagger")
    objective = {str(c): round(v[0], 4) for c, v in tried.items()}
    return {"fit_seconds": seconds, "chosen_C": chosen, "cv_objective": objective}


def fit_sklearn(texts, labels, model_dir: Path) -> dict:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    binarizer = MultiLabelBinarizer()
    matrix = vectorizer.fit_transform(texts)
    model = OneVsRestClassifier(LinearSVC()).fit(matrix, binarizer.fit_transform(labels))
    seconds = time.perf_counter() - start
    joblib.dump((vectorizer, binarizer, model), model_dir / "sklearn.joblib")
    return {"fit_seconds": seconds}


_FASTTEXT_TOKEN = re.compile(r"\w+|[^\w\s]")


def _fasttext_line(text: str) -> str:
    return " ".join(_FASTTEXT_TOKEN.findall(text.lower()))


def fit_fasttext(texts, labels, model_dir: Path) -> dict:
    import fasttext

    train_file = model_dir / "fasttext.train"
    with train_file.open("w", encoding="utf-8") as out:
        for text, row in zip(texts, labels):
            prefix = " ".join(f"__label__{label}" for label in row)
            out.write(f"{prefix} {_fasttext_line(text)}\n")
    start = time.perf_counter()
    model = fasttext.train_supervised(
        str(train_file), loss="ova", wordNgrams=2, epoch=25, lr=0.5, verbose=0
    )
    seconds = time.perf_counter() - start
    model.save_model(str(model_dir / "fasttext.bin"))
    return {"fit_seconds": seconds}


# ---------------------------------------------------------------------------- measuring (child)
def measure_classifier(texts, truth, labels, model_dir: Path, repeat: int, workers: int) -> dict:
    from classifier import ArticleTagger

    tagger = ArticleTagger.load(model_dir / "classifier.tagger")
    from classifier.model import _linear_scores, _sigmoid

    out = {"vectorize_seconds": best_time(lambda: tagger._vectorize(texts), repeat)}
    matrix, n_tokens, n_known, weights = tagger._vectorize(texts)
    thresholds = tagger._thresholds(None)
    ids = list(range(len(texts)))

    def predict():
        proba = _sigmoid(_linear_scores(matrix, weights, tagger.intercept_))
        return list(tagger._results(ids, (proba, n_tokens, n_known), thresholds, None))

    out["predict_seconds"] = best_time(predict, repeat)
    if workers == 1:
        out["end_to_end_seconds"] = best_time(lambda: list(tagger.tag_many(texts)), repeat)
        results = list(tagger.tag_many(texts))
    else:
        with tagger.pool(n_jobs=workers) as pool:
            out["end_to_end_seconds"] = best_time(lambda: list(pool.tag_many(texts)), repeat)
            results = list(pool.tag_many(texts))
    out.update(f1_scores(truth, [list(r["topics"]) for r in results], labels))
    return out


def measure_sklearn(texts, truth, labels, model_dir: Path, repeat: int, workers: int) -> dict:
    import joblib

    vectorizer, binarizer, model = joblib.load(model_dir / "sklearn.joblib")
    matrix = vectorizer.transform(texts)
    out = {
        "vectorize_seconds": best_time(lambda: vectorizer.transform(texts), repeat),
        "predict_seconds": best_time(lambda: model.predict(matrix), repeat),
    }
    out["end_to_end_seconds"] = best_time(
        lambda: model.predict(vectorizer.transform(texts)), repeat
    )
    predicted = binarizer.inverse_transform(model.predict(matrix))
    out.update(f1_scores(truth, [list(p) for p in predicted], labels))
    return out


def measure_fasttext(texts, truth, labels, model_dir: Path, repeat: int, workers: int) -> dict:
    import fasttext

    model = fasttext.load_model(str(model_dir / "fasttext.bin"))

    lines = [_fasttext_line(t) for t in texts]

    # fasttext-wheel's Python predict() breaks under numpy 2 (np.array(copy=False)); the binding
    # it wraps, multilinePredict, is the same computation.
    def predict():
        return model.f.multilinePredict(lines, -1, 0.5, "strict")

    seconds = best_time(predict, repeat)
    predicted = [[label.replace("__label__", "") for label in row] for row in predict()[0]]
    out = {"vectorize_seconds": None, "predict_seconds": seconds, "end_to_end_seconds": seconds}
    out.update(f1_scores(truth, predicted, labels))
    return out


FIT = {"classifier": fit_classifier, "sklearn": fit_sklearn, "fasttext": fit_fasttext}
MEASURE = {
    "classifier": measure_classifier,
    "sklearn": measure_sklearn,
    "fasttext": measure_fasttext,
}


def child(args: argparse.Namespace) -> None:
    train_texts, train_labels = read_jsonl(args.train, args.label_field)
    model_dir = Path(args.model_dir)
    if args.phase == "fit":
        result = FIT[args.system](train_texts, train_labels, model_dir)
    else:
        texts, truth = read_jsonl(args.test, args.label_field)
        labels = sorted({label for row in train_labels + truth for label in row})
        result = MEASURE[args.system](texts, truth, labels, model_dir, args.repeat, args.workers)
        result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


# ---------------------------------------------------------------------------- parent
def run_child(
    args: argparse.Namespace, system: str, phase: str, model_dir: str, workers: int = 1
) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--system",
        system,
        "--phase",
        phase,
        "--model-dir",
        model_dir,
        "--train",
        str(args.train),
        "--test",
        str(args.test),
        "--label-field",
        args.label_field,
        "--repeat",
        str(args.repeat),
        "--workers",
        str(workers),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{system} {phase} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def format_table(rows: list[dict], n_docs: int, megabytes: float) -> str:
    base = next(r for r in rows if r["system"].startswith("classifier") and r["workers"] == 1)
    header = (
        "| system | fit s | vectorize s | predict s | end-to-end s | docs/s | MB/s | peak RSS MB "
        "| micro-F1 | macro-F1 | classifier (1 worker) is N x faster |"
    )
    lines = [header, "|" + "---|" * 11]
    for r in rows:
        e2e = r["end_to_end_seconds"]
        vec = "-" if r["vectorize_seconds"] is None else f"{r['vectorize_seconds']:.3f}"
        lines.append(
            f"| {r['system']} | {r['fit_seconds']:.1f} | {vec} | {r['predict_seconds']:.3f} | "
            f"{e2e:.3f} | {n_docs / e2e:,.0f} | {megabytes / e2e:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['micro_f1']:.3f} | {r['macro_f1']:.3f} | {e2e / base['end_to_end_seconds']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=REUTERS / "train.jsonl")
    parser.add_argument("--test", type=Path, default=REUTERS / "test.jsonl")
    parser.add_argument("--label-field", default="labels")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--system", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    for path in (args.train, args.test):
        if not path.exists():
            sys.exit(
                f"{path}: not found; pass --train and --test (JSON Lines with text and labels)"
            )
    texts, _ = read_jsonl(args.test, args.label_field)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    rows = []
    with tempfile.TemporaryDirectory() as model_dir:
        for system in ("classifier", "sklearn", "fasttext"):
            fitted = run_child(args, system, "fit", model_dir)
            for workers in (1, 2) if system == "classifier" else (1,):
                measured = run_child(args, system, "measure", model_dir, workers)
                name = system
                if system == "classifier":
                    name += f" ({workers} worker{'s' if workers > 1 else ''})"
                rows.append({"system": name, "workers": workers, **fitted, **measured})
    print(
        f"{date.today()} on {platform.machine()} ({platform.processor() or 'cpu'}), "
        f"{len(texts):,} test documents, {megabytes:.2f} MB; times are the best of {args.repeat}"
    )
    print(format_table(rows, len(texts), megabytes))
    chosen = rows[0].get("chosen_C")
    objective = rows[0].get("cv_objective")
    print(f"classifier C={chosen}, chosen on training folds (cv micro+macro F1: {objective})")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
