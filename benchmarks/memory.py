"""Peak memory of `classifier tag` over large JSON Lines files: constant, whatever the size.

    python benchmarks/memory.py --sizes 100 1000      # MB of input; files go to a temp folder

Writes each input file from the project's corpus (texts repeated with fresh ids until the size is
reached), runs the installed ``classifier tag FILE -o OUT --quiet`` on it in a child process, and
reports the peak RSS of the child and its workers (``VmHWM`` from /proc, polled while it runs),
time, documents/s and MB/s. Goal: peak RSS under 500 MB at every size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write_input(path: Path, megabytes: int) -> int:
    texts = [json.loads(line)["text"] for line in (REPO / "datasets" / "train.jsonl").open()]
    target, written, n = megabytes * 1_000_000, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            line = (
                json.dumps({"id": f"doc-{n}", "text": texts[n % len(texts)]}, ensure_ascii=False)
                + "\n"
            )
            out.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    return n


def tree_peak_kb(pid: int) -> int:
    """Peak RSS (VmHWM) of a process plus its current children (the worker processes)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+)", status)
        total += int(match.group(1)) if match else 0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100, 1000], help="input sizes in MB"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (classifier tag --jobs)"
    )
    parser.add_argument(
        "--dir", type=Path, help="where to write the files (default: a temp folder)"
    )
    args = parser.parse_args()
    command = shutil.which("classifier")
    if command is None:
        sys.exit("the classifier command is not installed: pip install .")
    folder = Path(args.dir or tempfile.mkdtemp(prefix="classifier-memory-"))
    print("| input MB | documents | seconds | docs/s | MB/s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    try:
        for size in args.sizes:
            source, target = folder / f"input-{size}MB.jsonl", folder / f"output-{size}MB.jsonl"
            n_docs = write_input(source, size)
            start = time.perf_counter()
            child = subprocess.Popen(
                [
                    command,
                    "tag",
                    str(source),
                    "-o",
                    str(target),
                    "--quiet",
                    "--jobs",
                    str(args.jobs),
                ]
            )
            peak_kb = 0
            while child.poll() is None:
                peak_kb = max(peak_kb, tree_peak_kb(child.pid))
                time.sleep(0.2)
            seconds = time.perf_counter() - start
            if child.returncode not in (0, 1):
                sys.exit(f"classifier tag failed with exit code {child.returncode}")
            real_mb = source.stat().st_size / 1e6
            print(
                f"| {real_mb:.0f} | {n_docs:,} | {seconds:.1f} | {n_docs / seconds:,.0f} | "
                f"{real_mb / seconds:.1f} | {peak_kb / 1024:.0f} |"
            )
            source.unlink()
            target.unlink()
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
        os.sync()


if __name__ == "__main__":
    main()
