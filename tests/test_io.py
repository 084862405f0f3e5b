import io
import sys

import pytest

from classifier import InputFormatError
from classifier.io import (
    CsvWriter,
    JsonlWriter,
    Record,
    RecordError,
    detect_format,
    error_record,
    read_records,
)


def records(*inputs, **kwargs):
    return [
        (r.id, r.text, r.error.code if r.error else None) for r in read_records(inputs, **kwargs)
    ]


def test_detect_format_from_extension():
    assert detect_format("a/b.JSONL") == "jsonl"
    assert detect_format("x.ndjson") == "jsonl"
    assert detect_format("x.csv") == "csv"
    assert detect_format("x.tsv") == "csv"
    assert detect_format("x.txt") == "text"
    assert detect_format("README") == "text"


def test_jsonl_ids_text_fields_and_per_record_errors(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"id": "a", "title": "Chip curbs", "body": "New rules."}\r\n'
        b'{"title": "Only a title"}\n'
        b"\n"
        b"{broken\n"
        b"[1, 2]\n"
        b'{"id": 5, "body": 7}\n'
        b'{"id": 6, "other": "x"}\n'
        b'{"id": 7, "title": "  "}\n'
        b'{"id": 8, "title": "caf\xe9"}\n'
    )
    got = records(path, text_fields=["title", "body"])
    assert got == [
        ("a", "Chip curbs\n\nNew rules.", None),
        (f"{path}:2", "Only a title", None),
        (f"{path}:4", None, "invalid_json"),
        (f"{path}:5", None, "not_an_object"),
        (5, None, "text_not_a_string"),
        (6, None, "missing_text"),
        (7, None, "empty_text"),
        (f"{path}:9", None, "invalid_utf8"),
    ]


def test_missing_text_field_message_says_what_to_do(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": 1, "body": "x"}\n')
    (record,) = read_records([path])
    assert (
        record.error.message
        == "no text field 'text' (fields: body, id); name the field with --text-field"
    )
    assert error_record(record)["error"]["message"].startswith(f"{path}:1: no text field")


def test_csv_rows_quotes_and_bad_rows(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text(
        'id,text\n1,"Chip, curbs\nspanning lines"\n2,plain\n3,too,many\n\n4,last\n',
        encoding="utf-8",
    )
    assert records(path) == [
        ("1", "Chip, curbs\nspanning lines", None),
        ("2", "plain", None),
        ("3", None, "wrong_field_count"),
        ("4", "last", None),
    ]


def test_csv_without_the_text_column_is_a_usage_error(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text("id,body\n1,x\n")
    with pytest.raises(
        InputFormatError, match=r"no column 'text' .*columns: id, body.*--text-column"
    ):
        list(read_records([path]))


def test_directories_are_read_recursively_in_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("First article.")
    (tmp_path / "b" / "c.txt").write_text("Second article.")
    (tmp_path / "b" / "d.jsonl").write_text('{"id": "x", "text": "Third."}\n')
    (tmp_path / ".hidden").write_text("skipped")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    assert records(tmp_path) == [
        (str(tmp_path / "a.txt"), "First article.", None),
        (str(tmp_path / "b" / "c.txt"), "Second article.", None),
        ("x", "Third.", None),
        (str(tmp_path / "blob.bin"), None, "binary"),
    ]


def test_missing_input_names_the_path(tmp_path):
    with pytest.raises(InputFormatError, match="nope.jsonl: no such file"):
        list(read_records([tmp_path / "nope.jsonl"]))


def test_format_override_reads_lines(tmp_path):
    path = tmp_path / "headlines.txt"
    path.write_text("one\n\ntwo\n")
    assert records(path, format="lines") == [(f"{path}:1", "one", None), (f"{path}:3", "two", None)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"id": "s", "text": "json"}\n', [("s", "json", None)]),
        (b"first line\nsecond line\n", [(1, "first line", None), (2, "second line", None)]),
    ],
)
def test_stdin_is_sniffed(monkeypatch, data, expected):
    stream = io.BufferedReader(io.BytesIO(data))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    assert records("-") == expected


def test_writers():
    out = io.StringIO()
    JsonlWriter(out).write({"id": 1, "sector": ["é"]})
    assert out.getvalue() == '{"id": 1, "sector": ["é"]}\n'
    out = io.StringIO()
    writer = CsvWriter(out, [("topics", ("grain", "oil"))])
    writer.write({"id": 1, "topics": ["oil"], "scores": {"topics": {"grain": 0.1, "oil": 0.9}}})
    writer.write(error_record(Record(2, None, "f.jsonl", 3, RecordError("empty_text", "empty"))))
    assert out.getvalue() == (
        "id,topics,topics.grain,topics.oil,error_code,error_message\n"
        "1,oil,0.1,0.9,,\n"
        "2,,,,empty_text,f.jsonl:3: empty\n"
    )
