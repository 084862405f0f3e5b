"""Readers of article inputs and writers of tagging results.

Readers stream :class:`Record` objects from text files, directories, JSON Lines, CSV and
standard input, detecting the format from the file extension. A record that cannot be read
(invalid UTF-8, malformed JSON, a missing text field, an empty text) becomes a record carrying an
:class:`RecordError` in its place, so every input record yields exactly one output record.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .exceptions import InputFormatError

__all__ = [
    "FORMATS",
    "Record",
    "RecordError",
    "detect_format",
    "read_records",
]

FORMATS = ("text", "lines", "jsonl", "csv")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
}
STDIN = "-"
# A record longer than this is reported as an error (its bytes are skipped, not held in memory).
MAX_RECORD_BYTES = 10_000_000
# Stands for an over-long physical line in the CSV stream, so the row becomes an error record.
_OVERSIZE_MARK = f"__classifier_oversize_line_{uuid.uuid4().hex}__"
# Lone surrogates are what undecodable bytes become under "surrogateescape".
_UNDECODABLE = re.compile("[\udc80-\udcff]")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class RecordError:
    """Why a record could not be tagged: a stable ``code`` and a message saying what to do."""

    code: str
    message: str


@dataclass(frozen=True)
class Record:
    """One input article, or the error that stands in its place.

    ``source`` is the file path (``"-"`` for standard input) and ``line`` the 1-based line where
    the record starts (``None`` for one-article-per-file text).
    """

    id: Any
    text: str | None
    source: str
    line: int | None = None
    error: RecordError | None = None

    @property
    def location(self) -> str:
        where = "<stdin>" if self.source == STDIN else self.source
        return f"{where}:{self.line}" if self.line is not None else where


def detect_format(path: str | Path) -> str:
    """Input format of ``path`` from its extension: ``jsonl``, ``csv``, or ``text`` (one
    article per file) for anything else."""
    return _EXTENSIONS.get(Path(path).suffix.lower(), "text")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="surrogateescape")


def _text_problem(text: str) -> RecordError | None:
    if "\x00" in text:
        return RecordError("binary", "the text contains NUL bytes; this looks like a binary file")
    if _UNDECODABLE.search(text):
        return RecordError(
            "invalid_utf8", "the text is not valid UTF-8; re-encode the input as UTF-8"
        )
    if not text.strip():
        return RecordError("empty_text", "the text is empty; nothing to tag")
    return None


def _failed(record_id: Any, source: str, line: int | None, code: str, message: str) -> Record:
    """The record that stands for an input record that cannot be read."""
    return Record(record_id, None, source, line, RecordError(code, message))


def _make(record_id: Any, text: str, source: str, line: int | None) -> Record:
    problem = _text_problem(text)
    if problem:
        return Record(record_id, None, source, line, problem)
    return Record(record_id, text, source, line)


def _default_id(source: str, line: int) -> Any:
    # Standard input has no name: its records are numbered by line alone.
    return line if source == STDIN else f"{source}:{line}"


def _open_binary(source: str) -> IO[bytes]:
    if source == STDIN:
        return sys.stdin.buffer
    try:
        return open(source, "rb")
    except FileNotFoundError:
        raise InputFormatError(f"{source}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputFormatError(f"{source}: is a directory") from None
    except PermissionError:
        raise InputFormatError(
            f"{source}: permission denied; check the file's permissions"
        ) from None


def _raw_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered raw lines, without a leading byte-order mark; ``None`` for a line longer than
    ``limit`` bytes, whose bytes are read past in chunks rather than held in memory."""
    number = 0
    while raw := stream.readline(limit + 1):
        number += 1
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, raw


def _too_large(limit: int, what: str = "line") -> RecordError:
    return RecordError(
        "record_too_large",
        f"the {what} is over the {limit:,}-byte limit (--max-record-bytes); it was skipped",
    )


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, str | None]]:
    for number, raw in _raw_lines(stream, limit):
        yield number, None if raw is None else _decode(raw).rstrip("\r\n")


def _read_text_file(source: str, limit: int) -> Iterator[Record]:
    with _open_binary(source) as stream:
        raw = stream.read(limit + 1)
    if len(raw) > limit:
        yield Record(source, None, source, None, _too_large(limit, "file"))
        return
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    yield _make(source, _decode(raw).replace("\r\n", "\n"), source, None)


def _read_lines(stream: IO[bytes], source: str, limit: int) -> Iterator[Record]:
    for number, line in _lines(stream, limit):
        if line is None:
            yield Record(_default_id(source, number), None, source, number, _too_large(limit))
        elif line.strip():
            yield _make(_default_id(source, number), line, source, number)


def _join_fields(values: Sequence[Any]) -> str:
    return "\n\n".join(str(v) for v in values if v)


def _read_jsonl(
    stream: IO[bytes], source: str, text_fields: Sequence[str], id_field: str, limit: int
) -> Iterator[Record]:
    for number, line in _lines(stream, limit):
        fallback_id = _default_id(source, number)
        if line is None:
            yield Record(fallback_id, None, source, number, _too_large(limit))
            continue
        if not line.strip():
            continue
        if _UNDECODABLE.search(line):
            yield Record(fallback_id, None, source, number, _text_problem(line))
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield _failed(
                fallback_id,
                source,
                number,
                "invalid_json",
                f"malformed JSON ({exc.msg} at column {exc.colno}); fix or remove the line",
            )
            continue
        if not isinstance(obj, dict):
            yield _failed(
                fallback_id,
                source,
                number,
                "not_an_object",
                f"expected a JSON object, got {type(obj).__name__}",
            )
            continue
        record_id = obj.get(id_field, fallback_id)
        if isinstance(record_id, dict | list):
            record_id = json.dumps(record_id, ensure_ascii=False)
        missing = [f for f in text_fields if f not in obj]
        if len(missing) == len(text_fields):
            available = ", ".join(sorted(obj)) or "none"
            yield _failed(
                record_id,
                source,
                number,
                "missing_text",
                f"no text field {text_fields[0]!r} (fields: {available}); "
                "name the field with --text-field",
            )
            continue
        values = [obj.get(f) for f in text_fields]
        bad = [f for f, v in zip(text_fields, values) if v is not None and not isinstance(v, str)]
        if bad:
            yield _failed(
                record_id,
                source,
                number,
                "text_not_a_string",
                f"field {bad[0]!r} is {type(obj[bad[0]]).__name__}, expected a string",
            )
            continue
        # A NUL escaped inside JSON ("\u0000") is a stray character, not a sign of binary data.
        yield _make(record_id, _join_fields(values).replace("\x00", ""), source, number)


def _csv_header_error(
    source: str, wanted: Sequence[str], header: Sequence[str]
) -> InputFormatError:
    return InputFormatError(
        f"{source}: no column {wanted[0]!r} in the CSV header "
        f"(columns: {', '.join(header) or 'none'}); name the text column with --text-column"
    )


def _read_csv(
    stream: IO[bytes], source: str, text_fields: Sequence[str], id_field: str, limit: int
) -> Iterator[Record]:
    delimiter = "\t" if source.lower().endswith(".tsv") else ","
    text = (
        _OVERSIZE_MARK + "\n" if raw is None else _decode(raw)
        for _, raw in _raw_lines(stream, limit)
    )
    # strict: a stray or unterminated quote is an error record, not a row silently glued to the
    # rows after it.
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputFormatError(f"{source}:1: unreadable CSV header ({exc})") from None
    columns = {name: i for i, name in enumerate(header)}
    text_columns = [columns[f] for f in text_fields if f in columns]
    if not text_columns:
        raise _csv_header_error(source, text_fields, header)
    id_column = columns.get(id_field)
    start_line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _failed(
                _default_id(source, start_line),
                source,
                start_line,
                "invalid_csv",
                f"unreadable CSV row ({exc}); check its quotes",
            )
            start_line = reader.line_num + 1
            continue
        line, start_line = start_line, reader.line_num + 1
        if not row:
            continue
        if _OVERSIZE_MARK in row:
            yield Record(_default_id(source, line), None, source, line, _too_large(limit))
            continue
        record_id = row[id_column] if id_column is not None and id_column < len(row) else None
        record_id = record_id or _default_id(source, line)
        if len(row) != len(header):
            yield _failed(
                record_id,
                source,
                line,
                "wrong_field_count",
                f"row has {len(row)} fields, the header has {len(header)}; check quoting",
            )
            continue
        yield _make(record_id, _join_fields([row[i] for i in text_columns]), source, line)


def _walk(directory: Path) -> Iterator[Path]:
    """Files under ``directory`` in path order (depth first, by name); hidden entries skipped."""
    entries = sorted(
        (e for e in os.scandir(directory) if not e.name.startswith(".")), key=lambda e: e.name
    )
    for entry in entries:
        if entry.is_dir():
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


def _sniff_stdin() -> str:
    peek = sys.stdin.buffer.peek(64) if hasattr(sys.stdin.buffer, "peek") else b""
    return "jsonl" if peek.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "lines"


def read_records(
    inputs: Iterable[str | Path],
    *,
    format: str = "auto",
    text_fields: Sequence[str] = ("text",),
    id_field: str = "id",
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> Iterator[Record]:
    """Stream the records of ``inputs`` in order.

    Parameters
    ----------
    inputs : iterable of str or Path
        Files, directories (read recursively, one format per file by extension) or ``"-"`` for
        standard input (JSON Lines when it starts with ``{``, else one article per line).
    format : {"auto", "text", "lines", "jsonl", "csv"}, default="auto"
        Force one format for every input instead of detecting it.
    text_fields : sequence of str, default=("text",)
        JSON fields or CSV columns holding the text; several are joined by a blank line
        (e.g. title and body).
    id_field : str, default="id"
        JSON field or CSV column holding the id; without it, ids are ``path:line`` (or the file
        path for one-article files, the line number for standard input).
    max_record_bytes : int, default=10_000_000
        A line or file longer than this becomes a ``record_too_large`` error record; it is read
        past in chunks, so memory stays bounded whatever the input.

    Raises
    ------
    InputFormatError
        For problems with a whole input (missing file, CSV without the text column), naming it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"id": 7, "text": "Chip curbs"}\\n{"text": ""}\\n')
    >>> [(r.id, r.text, r.error and r.error.code) for r in read_records([p])]
    [(7, 'Chip curbs', None), ('...a.jsonl:2', None, 'empty_text')]
    """
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"format must be 'auto' or one of {FORMATS}; got {format!r}")
    if isinstance(text_fields, str):
        text_fields = (text_fields,)
    for item in inputs:
        source = str(item)
        if source != STDIN and Path(source).is_dir():
            for path in _walk(Path(source)):
                yield from _read_one(str(path), format, text_fields, id_field, max_record_bytes)
        else:
            yield from _read_one(source, format, text_fields, id_field, max_record_bytes)


def _read_one(
    source: str, format: str, text_fields: Sequence[str], id_field: str, limit: int
) -> Iterator[Record]:
    if source == STDIN:
        kind = _sniff_stdin() if format == "auto" else format
    else:
        kind = detect_format(source) if format == "auto" else format
        if not Path(source).exists():
            raise InputFormatError(f"{source}: no such file or directory; check the path")
    if kind == "text":
        if source == STDIN:
            raw = sys.stdin.buffer.read(limit + 1)
            if len(raw) > limit:
                yield Record(1, None, source, 1, _too_large(limit, "input"))
            else:
                yield _make(1, _decode(raw), source, 1)
        else:
            yield from _read_text_file(source, limit)
        return
    stream = _open_binary(source)
    try:
        if kind == "lines":
            yield from _read_lines(stream, source, limit)
        elif kind == "jsonl":
            yield from _read_jsonl(stream, source, text_fields, id_field, limit)
        else:
            yield from _read_csv(stream, source, text_fields, id_field, limit)
    finally:
        if source != STDIN:
            stream.close()


# ---------------------------------------------------------------------------- writers
def error_record(record: Record) -> dict[str, Any]:
    """The output record that stands for an input record that could not be tagged."""
    assert record.error is not None
    return {
        "id": record.id,
        "error": {
            "code": record.error.code,
            "message": f"{record.location}: {record.error.message}",
            "source": "<stdin>" if record.source == STDIN else record.source,
            "line": record.line,
        },
    }


class JsonlWriter:
    """Writes one JSON object per line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")


class CsvWriter:
    """Writes a CSV table: id, one column per facet (labels joined by ``;``), one score column
    per label (``facet.label``), and the error code and message of records that failed."""

    def __init__(
        self,
        stream: IO[str],
        facets: Sequence[tuple[str, Sequence[str]]],
        *,
        header: bool = True,
        extra: Sequence[str] = (),
    ) -> None:
        self.facets = facets
        self.extra = tuple(extra)
        self.writer = csv.writer(stream, lineterminator="\n")
        if header:
            self.writer.writerow(
                [
                    "id",
                    *(f for f, _ in facets),
                    *(f"{f}.{label}" for f, labels in facets for label in labels),
                    *self.extra,
                    "error_code",
                    "error_message",
                ]
            )

    def write(self, record: dict[str, Any]) -> None:
        error = record.get("error")
        if error:
            n_cells = len(self.facets) + sum(len(labels) for _, labels in self.facets)
            n_cells += len(self.extra)
            self.writer.writerow([record["id"], *[""] * n_cells, error["code"], error["message"]])
            return
        scores = record["scores"]
        extra = [
            ";".join(value) if isinstance(value := record.get(name, ""), list | tuple) else value
            for name in self.extra
        ]
        self.writer.writerow(
            [
                record["id"],
                *(";".join(record[f]) for f, _ in self.facets),
                *(scores[f][label] for f, labels in self.facets for label in labels),
                *extra,
                "",
                "",
            ]
        )


class ResumableOutput:
    """Output files written under temporary names, renamed into place when the run completes.

    ``path`` is written as ``.NAME.partial`` beside it; :meth:`checkpoint` records in
    ``.NAME.resume.json`` how many input records are done and how many bytes of each file hold
    them, so a run that is interrupted (a signal, a crash) leaves the final name untouched and can
    be resumed: with ``resume=True`` the partial files are cut back to the last checkpoint and
    :attr:`records_done` input records are to be skipped. Running to the end and resuming give
    byte-identical files.

    Parameters
    ----------
    path : str or Path
        The main output file.
    extra : dict of str to Path, optional
        Further files written alongside (e.g. an errors file), checkpointed with the main one.
    resume : bool, default=False
        Continue from the checkpoint of an earlier, interrupted run, if there is one.
    """

    def __init__(
        self, path: str | Path, *, extra: dict[str, Path] | None = None, resume: bool = False
    ) -> None:
        self.path = Path(path)
        self.state_path = self.path.with_name(f".{self.path.name}.resume.json")
        self.targets = {"output": self.path, **(extra or {})}
        self.partials = {k: p.with_name(f".{p.name}.partial") for k, p in self.targets.items()}
        self.records_done = 0
        offsets: dict[str, int] = {}
        if resume and self.state_path.exists():
            state = json.loads(self.state_path.read_text())
            if state.get("files", {}).keys() == self.targets.keys() and all(
                self.partials[k].exists() for k in self.targets
            ):
                self.records_done = int(state["records"])
                offsets = state["files"]
        self.records_saved = self.records_done  # as of the last checkpoint
        self.streams: dict[str, IO[str]] = {}
        for key, partial in self.partials.items():
            if key in offsets:
                with partial.open("r+b") as handle:
                    handle.truncate(offsets[key])
                self.streams[key] = partial.open("a", encoding="utf-8", newline="")
            else:
                self.streams[key] = partial.open("w", encoding="utf-8", newline="")

    @property
    def resumed(self) -> bool:
        """True when this run continues an earlier one."""
        return self.records_done > 0

    def checkpoint(self, records_done: int) -> None:
        """Record that ``records_done`` input records are completely written."""
        sizes = {}
        for key, stream in self.streams.items():
            stream.flush()
            sizes[key] = stream.tell()
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"records": records_done, "files": sizes}))
        os.replace(tmp, self.state_path)
        self.records_saved = records_done

    def commit(self) -> None:
        """Close and move every file into place; the run is complete."""
        for stream in self.streams.values():
            stream.close()
        for key, partial in self.partials.items():
            os.replace(partial, self.targets[key])
        self.state_path.unlink(missing_ok=True)

    def abandon(self, *, keep: bool) -> None:
        """Close without moving into place; ``keep`` the partial files to resume them later."""
        for stream in self.streams.values():
            stream.close()
        if not keep:
            for partial in self.partials.values():
                partial.unlink(missing_ok=True)
            self.state_path.unlink(missing_ok=True)
