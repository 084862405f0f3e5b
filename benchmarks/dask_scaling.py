"""Throughput of tagging files on a local Dask cluster with 1 and 2 worker processes.

    pip install '.[dask]'
    python benchmarks/dask_scaling.py [--files 16] [--records 4000]

Writes ``--files`` JSON Lines files of ``--records`` corpus articles each, then times
``classifier.distributed.tag_files`` on a ``LocalCluster`` of 1 and of 2 worker processes (the
cluster is started before the timing; the model is sent to the workers inside it), and the local
single-process path on the same files for reference.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from classifier import ArticleTagger
from classifier.batch import tag_records
from classifier.io import read_records

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    from distributed import Client, LocalCluster

    from classifier.distributed import tag_files

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--records", type=int, default=4000)
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in (REPO / "datasets" / "train.jsonl").open()]
    tagger = ArticleTagger.load()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for f in range(args.files):
            path = Path(folder) / f"feed-{f:03d}.jsonl"
            with path.open("w") as out:
                for i in range(args.records):
                    record = {"id": f"{f}-{i}", "text": texts[(f * args.records + i) % len(texts)]}
                    out.write(json.dumps(record) + "\n")
            paths.append(str(path))
        megabytes = sum(Path(p).stat().st_size for p in paths) / 1e6
        n_docs = args.files * args.records
        start = time.perf_counter()
        for _ in tag_records(tagger, read_records(paths)):
            pass
        rows = [("local, 1 process", time.perf_counter() - start)]
        for workers in (1, 2):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            with Client(cluster) as client:
                start = time.perf_counter()
                tag_files(client, tagger, paths, Path(folder) / f"parts-{workers}")
                rows.append(
                    (f"Dask LocalCluster, {workers} worker(s)", time.perf_counter() - start)
                )
            cluster.close()
    print(f"{n_docs:,} documents in {args.files} files, {megabytes:.0f} MB")
    print("| run | seconds | docs/s | MB/s |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} | {n_docs / seconds:,.0f} | {megabytes / seconds:.1f} |")


if __name__ == "__main__":
    main()
