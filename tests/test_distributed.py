"""Tagging on a real Dask LocalCluster gives the same records as the local path."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from helpers import TOY_TEXTS

from classifier.batch import tag_records
from classifier.cli import main
from classifier.io import read_records

distributed = pytest.importorskip("distributed", reason="pip install 'classifier[dask]'")
dask_bag = pytest.importorskip("dask.bag")
dask_dataframe = pytest.importorskip("dask.dataframe")

from classifier.distributed import tag_bag, tag_dataframe, tag_files  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def local_records(tagger, paths):
    return [out for _, out in tag_records(tagger, read_records([str(p) for p in paths]))]


def read_parts(manifest):
    records = []
    for part in manifest["parts"]:
        with open(part["part"]) as handle:
            records += [json.loads(line) for line in handle]
    return records


def write_feeds(folder, n_files, n_lines):
    paths = []
    for f in range(n_files):
        path = folder / f"feed-{f:02d}.jsonl"
        with path.open("w") as out:
            for i in range(n_lines):
                text = "" if i % 50 == 7 else f"{TOY_TEXTS[(i + f) % len(TOY_TEXTS)]} {f}-{i}"
                out.write(json.dumps({"id": f"{f}-{i}", "text": text}) + "\n")
        paths.append(path)
    return paths


def test_tag_bag_matches_tag_many(client, toy_tagger):
    texts = [f"{t} {i}" for i, t in enumerate(TOY_TEXTS * 5)]
    bag = dask_bag.from_sequence(texts, npartitions=4)
    got = tag_bag(bag, toy_tagger).compute()
    want = [r.to_dict() for r in toy_tagger.tag_many(texts)]
    assert [(g["topics"], g["scores"]) for g in got] == [(w["topics"], w["scores"]) for w in want]


def test_tag_dataframe_adds_facet_and_score_columns(client, toy_tagger):
    import pandas as pd

    frame = pd.DataFrame({"body": TOY_TEXTS, "n": range(len(TOY_TEXTS))})
    tagged = tag_dataframe(dask_dataframe.from_pandas(frame, npartitions=3), toy_tagger, "body")
    result = tagged.compute()
    expected = list(toy_tagger.tag_many(TOY_TEXTS))
    assert result["topics"].tolist() == [list(r["topics"]) for r in expected]
    assert result["topics.oil"].tolist() == pytest.approx(
        [r.scores["topics"]["oil"] for r in expected]
    )
    assert list(result.columns[:2]) == ["body", "n"]


def test_files_on_the_cluster_equal_the_local_run(client, toy_tagger, tmp_path):
    paths = write_feeds(tmp_path, 5, 300)
    manifest = tag_files(client, toy_tagger, [str(p) for p in paths], tmp_path / "parts")
    got = read_parts(manifest)
    assert got == local_records(toy_tagger, paths)
    assert manifest["records"] == 1500 and manifest["errors"] == 30
    assert json.loads((tmp_path / "parts" / "manifest.json").read_text())["records"] == 1500


def test_a_killed_worker_is_recovered_and_the_output_is_complete(client, toy_tagger, tmp_path):
    paths = write_feeds(tmp_path, 16, 4000)
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(
            tag_files(client, toy_tagger, [str(p) for p in paths], tmp_path / "parts")
        )
    )
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((tmp_path / "parts").glob("part-*.jsonl")):
        time.sleep(0.05)
    pids = client.run(os.getpid)
    victim = next(iter(pids.values()))
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive()
    got = read_parts(result)
    assert got == local_records(toy_tagger, paths)


def test_cli_scheduler_local_gives_the_same_output(capsys, tmp_path, toy_model_path, toy_tagger):
    paths = write_feeds(tmp_path, 3, 100)
    assert (
        main(
            [
                "tag",
                *map(str, paths),
                "-m",
                str(toy_model_path),
                "-o",
                str(tmp_path / "local.jsonl"),
            ]
        )
        == 1
    )
    code = main(
        [
            "tag",
            str(tmp_path / "feed-*.jsonl"),
            "-m",
            str(toy_model_path),
            "--scheduler",
            "local:2",
            "-o",
            str(tmp_path / "cluster.jsonl"),
        ]
    )
    assert code == 1
    assert (tmp_path / "cluster.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    out_dir = tmp_path / "parts"
    out_dir.mkdir()
    assert (
        main(
            [
                "tag",
                *map(str, paths),
                "-m",
                str(toy_model_path),
                "--scheduler",
                "local:1",
                "-o",
                f"{out_dir}/",
            ]
        )
        == 1
    )
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert [p["input"] for p in manifest["parts"]] == list(map(str, paths))
    capsys.readouterr()


COUNTRY_TEXTS = [
    "Seoul and Tokyo signed a chip pact.",
    "G7 leaders agreed to map mineral supply chains.",
    "Rain is forecast for the weekend.",
    "Beijing imposed export controls on gallium.",
]


def test_countries_on_the_cluster(client, toy_tagger, tmp_path):
    texts = COUNTRY_TEXTS * 5
    want = [r.to_dict() for r in toy_tagger.tag_many(texts, countries=True)]
    bag = dask_bag.from_sequence(texts, npartitions=3)
    got = tag_bag(bag, toy_tagger, countries=True).compute()
    assert [(g["countries"], g["scope"]) for g in got] == [
        (w["countries"], w["scope"]) for w in want
    ]

    import pandas as pd

    frame = dask_dataframe.from_pandas(pd.DataFrame({"text": texts}), npartitions=2)
    result = tag_dataframe(frame, toy_tagger, countries=True, scores=False).compute()
    assert list(result.columns) == ["text", "topics", "countries", "blocs", "scope"]
    assert result["countries"].tolist()[:4] == [["KR", "JP"], [], [], ["CN"]]
    assert result["scope"].tolist()[:4] == ["bilateral", "multilateral", "none", "unilateral"]

    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    manifest = tag_files(client, toy_tagger, [str(path)], tmp_path / "parts", countries=True)
    local = [out for _, out in tag_records(toy_tagger, read_records([str(path)]), countries=True)]
    assert read_parts(manifest) == local and local[0]["scope"] == "bilateral"
