"""CLI tests: exact output and exit codes, run in-process through classifier.cli.main."""

import io
import json
import sys

import pytest
from helpers import TOY_TEXTS, TOY_TOPICS, write_jsonl

from classifier import ArticleTagger
from classifier.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def expected_jsonl(model_path, texts, ids):
    tagger = ArticleTagger.load(model_path)
    return "".join(r.to_json() + "\n" for r in tagger.tag_many(texts, ids=ids))


def test_tag_jsonl_writes_one_record_per_input_in_order(capsys, tmp_path, toy_model_path):
    feed = write_jsonl(
        tmp_path / "feed.jsonl", [{"id": f"n{i}", "text": t} for i, t in enumerate(TOY_TEXTS)]
    )
    code, out, err = run(capsys, "tag", str(feed), "--model", str(toy_model_path))
    assert (code, err) == (0, "")
    assert out == expected_jsonl(
        toy_model_path, TOY_TEXTS, [f"n{i}" for i in range(len(TOY_TEXTS))]
    )
    first = json.loads(out.splitlines()[0])
    assert list(first) == ["id", "topics", "scores", "coverage"]
    assert set(first["coverage"]) == {"tokens", "known_share", "no_known_terms"}


def test_tag_error_records_keep_the_count_and_exit_1(capsys, tmp_path, toy_model_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": 1, "text": "crude oil"}\n{"id": 2, "body": "x"}\nnot json\n')
    code, out, err = run(capsys, "tag", str(feed), "--model", str(toy_model_path))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["id"] for r in lines] == [1, 2, f"{feed}:3"]
    assert lines[1]["error"] == {
        "code": "missing_text",
        "message": f"{feed}:2: no text field 'text' (fields: body, id); "
        "name the field with --text-field",
        "source": str(feed),
        "line": 2,
    }
    first = lines[1]["error"]["message"]
    assert err == f"classifier tag: 2 of 3 records could not be tagged; first: {first}\n"


def test_tag_on_error_skip_and_fail(capsys, tmp_path, toy_model_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": 1, "text": "crude oil"}\n{"id": 2, "text": ""}\n')
    code, out, _ = run(capsys, "tag", str(feed), "-m", str(toy_model_path), "--on-error", "skip")
    assert code == 1 and [json.loads(x)["id"] for x in out.splitlines()] == [1]
    code, _, err = run(capsys, "tag", str(feed), "-m", str(toy_model_path), "--on-error", "fail")
    assert code == 1 and "the text is empty" in err and "stopped: --on-error fail" in err


def test_tag_csv_in_and_out_with_text_columns(capsys, tmp_path, toy_model_path):
    dump = tmp_path / "dump.csv"
    dump.write_text('key,title,body\nk1,Crude oil,"opec cuts, prices jump"\n')
    out_file = tmp_path / "tags.csv"
    code, out, err = run(
        capsys,
        "tag",
        str(dump),
        "-m",
        str(toy_model_path),
        "--text-column",
        "title",
        "--text-column",
        "body",
        "--id-column",
        "key",
        "-o",
        str(out_file),
    )
    assert (code, out, err) == (0, "", "")
    rows = out_file.read_text().splitlines()
    assert rows[0] == "id,topics,topics.grain,topics.metals,topics.oil,error_code,error_message"
    assert rows[1].startswith("k1,oil,")
    assert not list(tmp_path.glob(".*partial"))


def test_tag_stdin_lines_top_k_and_threshold(capsys, monkeypatch, toy_model_path):
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(b"crude oil\nwheat\n")))
    )
    code, out, _ = run(
        capsys, "tag", "-", "-m", str(toy_model_path), "--threshold", "0", "--top-k", "1"
    )
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(r["id"], r["topics"]) for r in records] == [(1, ["oil"]), (2, ["grain"])]


def test_tag_directory_of_text_files(capsys, tmp_path, toy_model_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "1.txt").write_text("crude oil rallies")
    (folder / "2.txt").write_text("wheat harvest")
    code, out, _ = run(capsys, "tag", str(folder), "-m", str(toy_model_path))
    assert code == 0
    assert out == expected_jsonl(
        toy_model_path,
        ["crude oil rallies", "wheat harvest"],
        [str(folder / "1.txt"), str(folder / "2.txt")],
    )


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["tag", "missing.jsonl"],
            2,
            "classifier tag: error: missing.jsonl: no such file or directory; check the path\n",
        ),
        (
            ["tag", "{feed}", "--top-k", "0"],
            2,
            "classifier tag: error: --top-k must be at least 1; got 0\n",
        ),
        (
            ["tag", "{feed}", "--threshold", "x"],
            2,
            "classifier tag: error: --threshold 'x': expected a number like 0.4 or LABEL=0.4\n",
        ),
        (["tag", "{feed}", "--threshold", "gold=0.5"], 2, None),
        (
            ["tag", "{feed}", "--model", "{tmp}/none.tagger"],
            3,
            "classifier tag: error: {tmp}/none.tagger: no such model file; check --model\n",
        ),
        (["tag", "{feed}", "--model", "{feed}"], 3, None),
        (["tag", "{csv}"], 2, None),
    ],
)
def test_usage_errors_are_one_line_with_exit_code(
    capsys, tmp_path, toy_model_path, argv, code, message
):
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"text": "oil"}])
    csv_file = tmp_path / "d.csv"
    csv_file.write_text("a,b\n1,2\n")
    argv = [a.format(feed=feed, tmp=tmp_path, csv=csv_file) for a in argv]
    if "--model" not in argv:
        argv += ["--model", str(toy_model_path)]
    got, out, err = run(capsys, *argv)
    assert got == code
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    if message:
        assert err == message.format(tmp=tmp_path)


def test_unknown_format_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["tag", "x", "--format", "xml"])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_train_evaluate_info_with_a_custom_facet(capsys, tmp_path):
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            {"id": str(i), "text": t, "topics": y}
            for i, (t, y) in enumerate(zip(TOY_TEXTS, TOY_TOPICS))
        ],
    )
    model = tmp_path / "m.tagger"
    code, out, _ = run(
        capsys,
        "train",
        str(data),
        "--facet",
        "topics",
        "--min-df",
        "1",
        "--cv",
        "2",
        "-o",
        str(model),
        "--test",
        str(data),
    )
    assert code == 0 and model.exists()
    assert out.startswith("trained on 12 documents in ")
    assert f"saved {model}" in out

    code, out, _ = run(capsys, "evaluate", str(data), "--model", str(model))
    assert code == 0
    assert out.splitlines()[0] == "topics  (12 documents)"
    assert "micro avg" in out and "out of domain: 2 documents" in out

    code, out, _ = run(capsys, "evaluate", str(data), "--model", str(model), "--json")
    report = json.loads(out)
    assert report["topics"]["labels"]["oil"]["support"] == 4

    code, out, _ = run(capsys, "info", str(model))
    assert (
        code == 0 and "schema:     custom v0" in out and "training:   12 documents, sha256:" in out
    )
    code, out, _ = run(capsys, "info", str(model), "--json")
    assert json.loads(out)["training"]["n_documents"] == 12


def test_train_rejects_labels_outside_the_schema(capsys, tmp_path):
    data = write_jsonl(
        tmp_path / "d.jsonl", [{"id": "1", "text": "x", "sector": ["chips"], "cooperation": []}]
    )
    code, out, err = run(capsys, "train", str(data), "-o", str(tmp_path / "m.tagger"))
    assert code == 2
    assert "unknown sector label(s) ['chips']" in err


def test_every_command_has_help(capsys):
    for command in ("tag", "train", "evaluate", "info"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        assert f"usage: classifier {command}" in capsys.readouterr().out


def test_tag_with_worker_processes_gives_the_same_output(capsys, tmp_path, toy_model_path):
    rows = [{"id": i, "text": TOY_TEXTS[i % len(TOY_TEXTS)]} for i in range(50)]
    rows[7] = {"id": 7, "text": ""}
    feed = write_jsonl(tmp_path / "feed.jsonl", rows)
    args = ["tag", str(feed), "-m", str(toy_model_path), "--batch-size", "8"]
    one = run(capsys, *args)
    two = run(capsys, *args, "--jobs", "2")
    assert one == two
    assert one[0] == 1 and len(one[1].splitlines()) == 50


COUNTRY_ROWS = [
    {"id": "a", "text": "Seoul and Tokyo signed a chip pact."},
    {"id": "b", "text": ""},
    {"id": "c", "text": "G7 leaders agreed to map mineral supply chains with the EU."},
    {"id": "d", "text": "Rain is forecast for the weekend."},
]


def test_tag_countries_in_json_lines(capsys, tmp_path, toy_model_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", COUNTRY_ROWS)
    code, out, err = run(capsys, "tag", str(feed), "-m", str(toy_model_path), "--countries")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and "1 of 4 records could not be tagged" in err
    assert [(r.get("countries"), r.get("blocs"), r.get("scope")) for r in records] == [
        (["KR", "JP"], [], "bilateral"),
        (None, None, None),  # the error record of the empty text
        ([], ["G7", "EU"], "multilateral"),
        ([], [], "none"),
    ]
    assert list(records[0])[-3:] == ["countries", "blocs", "scope"]


def test_tag_countries_in_csv(capsys, tmp_path, toy_model_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", COUNTRY_ROWS)
    out_file = tmp_path / "tags.csv"
    args = ["tag", str(feed), "-m", str(toy_model_path), "--countries", "-o", str(out_file)]
    assert run(capsys, *args)[0] == 1
    rows = out_file.read_text().splitlines()
    assert rows[0] == (
        "id,topics,topics.grain,topics.metals,topics.oil,countries,blocs,scope,"
        "error_code,error_message"
    )
    assert [row.split(",")[-5:-1] for row in rows[1:]] == [
        ["KR;JP", "", "bilateral", ""],
        ["", "", "", "empty_text"],
        ["", "G7;EU", "multilateral", ""],
        ["", "", "none", ""],
    ]


def test_tag_countries_with_worker_processes(capsys, tmp_path, toy_model_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", COUNTRY_ROWS * 20)
    args = ["tag", str(feed), "-m", str(toy_model_path), "--countries", "--batch-size", "8"]
    assert run(capsys, *args) == run(capsys, *args, "--jobs", "2")


def test_tag_writes_into_a_pipe_or_device_in_place(capsys, tmp_path, toy_model_path):
    """-o /dev/null or a named pipe is written as it is, never replaced by a renamed file."""
    import os
    import stat
    import threading

    feed = write_jsonl(tmp_path / "feed.jsonl", [{"id": 1, "text": TOY_TEXTS[0]}])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    code, out, err = run(capsys, "tag", str(feed), "-m", str(toy_model_path), "-o", str(fifo))
    reader.join(timeout=30)
    assert (code, out, err) == (0, "", "")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and json.loads(received[0])["id"] == 1
    args = ["tag", str(feed), "-m", str(toy_model_path), "-o", os.devnull, "--errors", os.devnull]
    assert run(capsys, *args)[0] == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    code, _, err = run(capsys, *args, "--resume")
    assert code == 2 and "is a device or a pipe" in err
