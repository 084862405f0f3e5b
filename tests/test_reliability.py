"""Bad input loses nothing; interrupted runs leave no truncated output and resume exactly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import TOY_TEXTS

from classifier.cli import main
from classifier.io import read_records


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


BAD_JSONL = (
    b'\xef\xbb\xbf{"id": "bom", "text": "crude oil with a byte-order mark"}\r\n'
    b'{"id": "crlf", "text": "wheat harvest"}\r\n'
    b'{"id": "bad-utf8", "text": "caf\xe9 \xff"}\n'
    b'{"id": "nul", "text": "a\\u0000b"}\n'
    b"{not json\n"
    b"42\n"
    b'{"id": "missing"}\n'
    b'{"id": "number", "text": 7}\n'
    b'{"id": "empty", "text": "   "}\n'
    b'{"id": "zh", "text": "\xe5\x8e\x9f\xe6\xb2\xb9\xe4\xbb\xb7\xe6\xa0\xbc"}\n'
    b'{"id": "ko", "text": "\xec\x84\x9d\xec\x9c\xa0 \xea\xb0\x80\xea\xb2\xa9"}\n'
    b'{"id": "ar", "text": "\xd8\xa7\xd9\x84\xd9\x86\xd9\x81\xd8\xb7"}\n'
)


def test_every_input_record_gives_one_output_record_in_order(capsys, tmp_path, toy_model_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(BAD_JSONL)
    code, out, _ = run(capsys, "tag", feed, "-m", toy_model_path)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert len(records) == 12
    codes = [r.get("error", {}).get("code") for r in records]
    assert codes == [
        None,
        None,
        "invalid_utf8",
        None,
        "invalid_json",
        "not_an_object",
        "missing_text",
        "text_not_a_string",
        "empty_text",
        None,
        None,
        None,
    ]
    assert records[0]["id"] == "bom" and records[0]["topics"] == ["oil"]
    assert records[3]["id"] == "nul"  # a NUL escaped inside JSON text is just a character
    for other_script in records[9:]:
        assert other_script["coverage"]["no_known_terms"] is True
        assert other_script["topics"] == []
    assert records[4]["error"]["message"].startswith(f"{feed}:5: malformed JSON")


def test_csv_bad_rows_and_unterminated_quote(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text('id,text\n1,ok\n2\n3,a,b\n4,"never closed\n5,lost inside the quote\n')
    got = [(r.id, r.line, r.error.code if r.error else None) for r in read_records([path])]
    # The open quote runs to the end of the file: one error record from line 5 on.
    assert got == [
        ("1", 2, None),
        ("2", 3, "wrong_field_count"),
        ("3", 4, "wrong_field_count"),
        (f"{path}:5", 5, "invalid_csv"),
    ]
    stray = tmp_path / "stray.csv"
    stray.write_text('id,text\n1,"a"b\n2,ok\n')
    got = [(r.id, r.error.code if r.error else None) for r in read_records([stray])]
    assert got == [(f"{stray}:2", "invalid_csv"), ("2", None)]


def test_empty_files_and_binary_files_in_a_directory(capsys, tmp_path, toy_model_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "a.txt").write_text("crude oil")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "blank.txt").write_text("")
    code, out, err = run(capsys, "tag", folder, "-m", toy_model_path)
    records = [json.loads(line) for line in out.splitlines()]
    assert [(Path(r["id"]).name, r.get("error", {}).get("code")) for r in records] == [
        ("a.txt", None),
        ("blank.txt", "empty_text"),
        ("image.png", "binary"),
    ]
    assert code == 1 and "2 of 3 records could not be tagged" in err


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak RSS from /proc")
def test_a_200_mb_line_is_an_error_record_in_bounded_memory(tmp_path, toy_model_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.write(b'{"id": "before", "text": "crude oil"}\n{"id": "huge", "text": "')
        chunk = b"wheat " * 100_000
        for _ in range(350):  # 210 MB on one line
            out.write(chunk)
        out.write(b'"}\n{"id": "after", "text": "wheat"}\n')
    argv = ["tag", str(path), "-m", str(toy_model_path), "-o", str(tmp_path / "o.jsonl")]
    code = (
        "import json, re\n"
        "from classifier.cli import main\n"
        f"status = main({argv!r})\n"
        # VmHWM is the peak RSS of this program; ru_maxrss would include the forking parent's.
        "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
        "print(json.dumps([status, int(peak)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, max_rss_kb = json.loads(done.stdout.splitlines()[-1])
    records = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert status == 1
    assert [r["id"] for r in records] == ["before", f"{path}:2", "after"]
    assert records[1]["error"]["code"] == "record_too_large"
    assert max_rss_kb < 200 * 1024, "the long line was held in memory"


def test_skip_sends_rejected_records_to_the_errors_file(capsys, tmp_path, toy_model_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": 1, "text": "crude oil"}\nbroken\n{"id": 3, "text": ""}\n')
    errors, output = tmp_path / "errors.jsonl", tmp_path / "out.jsonl"
    code, _, _ = run(
        capsys,
        "tag",
        feed,
        "-m",
        toy_model_path,
        "--on-error",
        "skip",
        "--errors",
        errors,
        "-o",
        output,
    )
    assert code == 1
    assert [json.loads(x)["id"] for x in output.read_text().splitlines()] == [1]
    rejected = [json.loads(x) for x in errors.read_text().splitlines()]
    assert [(r["id"], r["error"]["code"], r["error"]["line"]) for r in rejected] == [
        (f"{feed}:2", "invalid_json", 2),
        (3, "empty_text", 3),
    ]
    assert all(r["error"]["source"] == str(feed) for r in rejected)


def test_resume_without_an_output_file_is_a_usage_error(capsys, tmp_path, toy_model_path):
    feed = tmp_path / "f.jsonl"
    feed.write_text('{"text": "oil"}\n')
    code, _, err = run(capsys, "tag", feed, "-m", toy_model_path, "--resume")
    assert code == 2 and "--resume needs -o FILE" in err


def _big_feed(path: Path, n: int) -> Path:
    with path.open("w") as out:
        for i in range(n):
            text = "" if i % 97 == 0 else f"{TOY_TEXTS[i % len(TOY_TEXTS)]} item {i}"
            out.write(json.dumps({"id": i, "text": text}) + "\n")
    return path


def _classifier_command() -> list[str]:
    return [sys.executable, "-m", "classifier"]


@pytest.mark.parametrize(("kill", "fmt"), [(signal.SIGKILL, "jsonl"), (signal.SIGTERM, "csv")])
def test_killed_run_resumes_to_byte_identical_output(tmp_path, toy_model_path, kill, fmt):
    feed = _big_feed(tmp_path / "feed.jsonl", 60_000)
    base = [
        *_classifier_command(),
        "tag",
        str(feed),
        "-m",
        str(toy_model_path),
        "--batch-size",
        "100",
        "--quiet",
        "--output-format",
        fmt,
    ]
    reference = tmp_path / f"reference.{fmt}"
    subprocess.run([*base, "-o", str(reference)], check=False)
    target = tmp_path / f"out.{fmt}"
    state = tmp_path / f".out.{fmt}.resume.json"
    process = subprocess.Popen([*base, "-o", str(target)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if state.exists() and json.loads(state.read_text() or '{"records": 0}')["records"] > 2000:
            break
        time.sleep(0.01)
    process.send_signal(kill)
    code = process.wait(timeout=60)
    if code == 0 or code == 1:
        pytest.skip("the run finished before it could be interrupted")
    assert not target.exists(), "an interrupted run left a file under the final name"
    assert (tmp_path / f".out.{fmt}.partial").exists()
    if kill == signal.SIGTERM:
        assert code == 130
    resumed = subprocess.run([*base, "-o", str(target), "--resume"], check=False)
    assert resumed.returncode == 1  # the empty texts are error records
    assert target.read_bytes() == reference.read_bytes()
    assert not state.exists()
