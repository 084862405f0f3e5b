"""What extracting countries, blocs and scope costs: tagging with and without it, in one run.

    python benchmarks/countries.py [--repeat 9]

On the corpus test split and on Reuters-21578 (when ../shared/data is there), it measures, with
the shipped model and the best of ``--repeat`` interleaved runs:

- ``tag_many`` in one process without and with ``countries=True`` (the scan runs in a thread,
  alongside the scoring of the same batch), and with the scan in line (no overlap): the CPU it
  costs where no core is free;
- the scan alone (``classifier.geo.extract_records``), in C and in the pure-Python reference;
- ``classifier tag`` on a JSON Lines file, without and with ``--countries``.

Throughput is in documents/s and MB/s of UTF-8 text, with each ratio to tagging without
countries measured in the same run (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from classifier import ArticleTagger, geo, model

REPO = Path(__file__).resolve().parent.parent
SETS = {
    "corpus": REPO / "datasets" / "test.jsonl",
    "reuters": REPO.parent / "shared" / "data" / "reuters21578" / "test.jsonl",
}
N_DOCS = 3000


def best_of(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The fastest of ``repeat`` rounds of each run, the runs interleaved within a round."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def cli_seconds(path: Path, countries: bool, repeat: int) -> float:
    command = [sys.executable, "-m", "classifier", "tag", str(path), "-o", "/dev/null", "--quiet"]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([*command, *(["--countries"] if countries else [])], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def row(name: str, run: str, docs: int, megabytes: float, seconds: float, base: float) -> str:
    ratio = "1" if seconds is base else f"{seconds / base:.3f}x time"
    return f"| {name} | {run} | {docs / seconds:,.0f} | {megabytes / seconds:.1f} | {ratio} |"


def measure_library(name: str, texts: list[str], tagger: ArticleTagger, repeat: int) -> None:
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    def in_line() -> object:
        saved = model._OVERLAP_MIN_BATCH
        model._OVERLAP_MIN_BATCH = 1 << 60
        try:
            return list(tagger.tag_many(texts, countries=True))
        finally:
            model._OVERLAP_MIN_BATCH = saved

    timings = best_of(
        repeat,
        {
            "tag_many": lambda: list(tagger.tag_many(texts)),
            "tag_many, countries": lambda: list(tagger.tag_many(texts, countries=True)),
            "tag_many, countries in line": in_line,
            "scan alone (C)": lambda: geo.extract_records(texts),
        },
    )
    sample, gazetteer = texts[:300], geo.Gazetteer.default()
    start = time.perf_counter()
    for text in sample:
        geo._extract_reference(text, gazetteer)
    timings["scan alone (Python reference)"] = (time.perf_counter() - start) * len(texts) / 300
    for run, seconds in timings.items():
        print(row(name, run, len(texts), megabytes, seconds, timings["tag_many"]))


def measure_cli(name: str, texts: list[str], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        with feed.open("w", encoding="utf-8") as out:
            for copy in range(5):
                for i, text in enumerate(texts):
                    out.write(json.dumps({"id": f"{copy}-{i}", "text": text}) + "\n")
        megabytes = feed.stat().st_size / 1e6
        plain = cli_seconds(feed, False, repeat)
        countries = cli_seconds(feed, True, repeat)
        print(row(name, "classifier tag", 5 * len(texts), megabytes, plain, plain))
        print(row(name, "classifier tag --countries", 5 * len(texts), megabytes, countries, plain))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    tagger = ArticleTagger.load()
    print(f"native scanner: {geo.native_available()}")
    print("| set | run | docs/s | MB/s | vs tagging without countries |")
    print("|---|---|---:|---:|---:|")
    for name, path in SETS.items():
        if not path.exists():
            print(f"| {name} | skipped: {path} is absent | | | |")
            continue
        texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
        texts = [texts[i % len(texts)] for i in range(N_DOCS)]
        measure_library(name, texts, tagger, args.repeat)
        measure_cli(name, texts, max(1, args.repeat // 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
