"""What extracting countries, blocs and scope costs: tagging with and without it, in one run.

    python benchmarks/countries.py [--repeat 15]

On the corpus test split and on Reuters-21578 (when ../shared/data is there), it measures, with
the shipped model and ``--repeat`` rounds in which the runs are interleaved:

- ``tag_many`` in one process without and with ``countries=True`` (the scan runs in a thread,
  alongside the scoring of the same batch), and with the scan in line (no overlap): the CPU it
  costs where no core is free;
- the scan alone (``classifier.geo.extract_records``), in C and in the pure-Python reference;
- ``classifier tag`` on a JSON Lines file, without and with ``--countries``.

Throughput (documents/s, MB/s of UTF-8 text) is that of the fastest round; the ratios of time
and of CPU time (all threads) to tagging without countries are medians over rounds of the ratio
within a round, since the speed of these shared machines drifts from one second to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
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


def rounds(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, list[tuple]]:
    """Wall-clock and CPU seconds of each run in each of ``repeat`` rounds; within a round the
    runs go in a random order, so that no run always follows the same one."""
    times: dict[str, list[tuple]] = {name: [] for name in runs}
    rng = random.Random(0)
    for _ in range(repeat):
        for name in rng.sample(list(runs), len(runs)):
            wall, cpu = time.perf_counter(), cpu_seconds()
            runs[name]()
            times[name].append((time.perf_counter() - wall, cpu_seconds() - cpu))
    return times


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of its finished children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def row(name: str, run: str, docs: int, megabytes: float, times: list, base: list) -> str:
    """Throughput from the fastest round; ratios to ``base`` as the median over rounds of the
    ratio within a round (the speed of these machines drifts more between rounds than within)."""
    wall = min(t[0] for t in times)
    ratio = statistics.median(t[0] / b[0] for t, b in zip(times, base))
    cpu = statistics.median(t[1] / b[1] for t, b in zip(times, base))
    return (
        f"| {name} | {run} | {docs / wall:,.0f} | {megabytes / wall:.1f} "
        f"| {ratio:.3f} | {cpu:.3f} |"
    )


def measure_library(name: str, texts: list[str], tagger: ArticleTagger, repeat: int) -> None:
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    def in_line() -> object:
        saved = model._OVERLAP_MIN_BATCH
        model._OVERLAP_MIN_BATCH = 1 << 60
        try:
            return list(tagger.tag_many(texts, countries=True))
        finally:
            model._OVERLAP_MIN_BATCH = saved

    timings = rounds(
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
    seconds = (time.perf_counter() - start) * len(texts) / len(sample)
    timings["scan alone (Python reference)"] = [(seconds, seconds)] * repeat
    for run, timing in timings.items():
        print(row(name, run, len(texts), megabytes, timing, timings["tag_many"]))


def measure_cli(name: str, texts: list[str], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        with feed.open("w", encoding="utf-8") as out:
            for copy in range(5):
                for i, text in enumerate(texts):
                    out.write(json.dumps({"id": f"{copy}-{i}", "text": text}) + "\n")
        megabytes = feed.stat().st_size / 1e6
        command = [sys.executable, "-m", "classifier", "tag", str(feed), "-o", os.devnull, "-q"]
        timings = rounds(
            repeat,
            {
                "classifier tag": lambda: subprocess.run(command, check=True),
                "classifier tag --countries": lambda: subprocess.run(
                    [*command, "--countries"], check=True
                ),
            },
        )
        for run, timing in timings.items():
            print(row(name, run, 5 * len(texts), megabytes, timing, timings["classifier tag"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    tagger = ArticleTagger.load()
    print(f"native scanner: {geo.native_available()}")
    print("| set | run | docs/s | MB/s | time, vs no countries | CPU time, vs no countries |")
    print("|---|---|---:|---:|---:|---:|")
    for name, path in SETS.items():
        if not path.exists():
            print(f"| {name} | skipped: {path} is absent | | | | |")
            continue
        texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
        texts = [texts[i % len(texts)] for i in range(N_DOCS)]
        measure_library(name, texts, tagger, args.repeat)
        measure_cli(name, texts, max(3, args.repeat // 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
