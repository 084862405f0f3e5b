"""``classifier tag``: batch-tag files, directories, JSON Lines, CSV or standard input."""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import signal
import stat
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ..batch import tag_records
from ..io import (
    FORMATS,
    MAX_RECORD_BYTES,
    CsvWriter,
    JsonlWriter,
    Record,
    ResumableOutput,
    read_records,
)
from ..model import ArticleTagger
from ._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RECORD_ERRORS,
    CommandError,
    add_input_options,
    add_model_options,
    load_tagger,
    parse_threshold,
)

HELP = "tag articles and write one JSON (or CSV) record per input record"
DESCRIPTION = """\
Tag articles by sector and cooperation type. INPUT is a text file (one article), a directory
(read recursively), a JSON Lines (.jsonl) or CSV (.csv/.tsv) file, or '-' for standard input
(JSON Lines if it starts with '{', otherwise one article per line). Output: one record per input
record, in input order; records that cannot be read become error records.

exit codes: 0 all records tagged; 1 some records could not be tagged (error records written);
2 usage error; 3 the model cannot be loaded.
"""
EXAMPLES = """\
examples:
  classifier tag articles/                          # every file under articles/
  classifier tag feed.jsonl --text-field body -o tagged.jsonl
  classifier tag dump.csv --text-column title --text-column body --output-format csv
  cat headlines.txt | classifier tag - --format lines --top-k 2
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tag",
        help=HELP,
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="files, directories, or '-'")
    parser.add_argument(
        "--format",
        "-f",
        choices=("auto", *FORMATS),
        default="auto",
        help="input format (default: from each file's extension)",
    )
    add_input_options(parser)
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write here instead of standard output (written whole or not at all)",
    )
    parser.add_argument(
        "--output-format",
        choices=("jsonl", "csv"),
        help="default: csv for an -o FILE ending in .csv, else jsonl",
    )
    add_model_options(parser)
    parser.add_argument(
        "--threshold",
        "-t",
        action="append",
        metavar="P|LABEL=P",
        help="override the model's thresholds: one probability for every label, "
        "or LABEL=P (or FACET.LABEL=P) for one label; repeatable",
    )
    parser.add_argument("--top-k", type=int, metavar="K", help="keep at most K labels per facet")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=512,
        metavar="N",
        help="records vectorized together (default: 512)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=1,
        metavar="N",
        help="worker processes that vectorize and score (default: 1)",
    )
    parser.add_argument(
        "--on-error",
        choices=("record", "skip", "fail"),
        default="record",
        help="a record that cannot be read: write an error record in its place "
        "(default, so output and input line up), skip it, or stop",
    )
    parser.add_argument(
        "--scheduler",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run on a Dask cluster: tcp://HOST:PORT, or local[:N] for N local worker "
        "processes (the default when the flag has no value); one task per input file; "
        "-o DIR/ writes one part file per input plus manifest.json, -o FILE one merged file",
    )
    parser.add_argument(
        "--countries",
        action="store_true",
        help="add the countries and blocs each article involves (ISO codes) and the scope of "
        "the action: none, unilateral, bilateral, trilateral or multilateral",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="add, for every assigned label, the terms that pushed its score up and down",
    )
    parser.add_argument(
        "--errors",
        metavar="FILE",
        help="also write every error record (with file, line and reason) to this JSON Lines file; "
        "with --on-error skip, this is where the skipped records go",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run with the same -o FILE from its last checkpoint "
        "(the result is byte-identical to an uninterrupted run)",
    )
    parser.add_argument(
        "--max-record-bytes",
        type=int,
        default=MAX_RECORD_BYTES,
        metavar="N",
        help=f"longer lines or files become error records (default: {MAX_RECORD_BYTES:,})",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress bar or summary on standard error"
    )
    parser.set_defaults(run=run)


def _explanation(tagger: ArticleTagger, text: str, output: dict) -> dict:
    from ..explain import explain

    chosen = [f"{f.name}.{label}" for f in tagger.taxonomy_.facets for label in output[f.name]]
    return explain(tagger, text, labels=chosen) if chosen else {}


# How often progress is recorded for --resume: often enough to lose little, rarely enough that
# writing the checkpoint costs nothing.
CHECKPOINT_SECONDS = 1.0


class _TerminationError(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the run stops at a clean point."""


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise _TerminationError


@contextlib.contextmanager
def _scorer(tagger: ArticleTagger, jobs: int) -> Iterator[Any]:
    """The tagger itself, or a pool of ``jobs`` worker processes."""
    if jobs == 1:
        yield tagger
        return
    with tagger.pool(n_jobs=jobs) as pool:
        yield pool


def _progress(records: Iterator[tuple[Record, dict]], quiet: bool) -> Iterator[tuple[Record, dict]]:
    if quiet or not sys.stderr.isatty():
        yield from records
        return
    from tqdm import tqdm

    with tqdm(records, unit=" docs", file=sys.stderr, dynamic_ncols=True, mininterval=0.5) as bar:
        yield from bar


def _special_file(path: str | None) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a directory: a device such as
    /dev/null, or a named pipe."""
    if not path or path == "-":
        return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _check_arguments(args: argparse.Namespace) -> list[str]:
    for name in ("top_k", "batch_size", "jobs", "max_record_bytes"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be at least 1; got {value}")
    if args.resume and (args.output is None or args.output == "-"):
        raise CommandError("--resume needs -o FILE: standard output cannot be resumed")
    for option in ("output", "errors"):
        value = getattr(args, option)
        if option == "output" and args.scheduler:
            continue  # with --scheduler, -o DIR/ receives one part file per input
        if value and value != "-" and Path(value).is_dir():
            raise CommandError(f"--{option} {value}: is a directory; give a file name")
    inputs = args.inputs or ["-"]
    if inputs == ["-"] and sys.stdin.isatty():
        raise CommandError("no input: give files or directories, or pipe articles into '-'")
    expanded = []
    for item in inputs:
        if item == "-" or os.path.exists(item):
            expanded.append(item)
            continue
        # A quoted glob (the shell did not expand it, e.g. too many files for one command line).
        matches = sorted(glob.glob(item))
        if not matches:
            raise CommandError(f"{item}: no such file or directory; check the path")
        expanded += matches
    return expanded


def run(args: argparse.Namespace) -> int:
    inputs = _check_arguments(args)
    threshold = parse_threshold(args.threshold)
    tagger = load_tagger(args)
    try:
        tagger._thresholds(threshold)
    except ValueError as exc:
        raise CommandError(f"--threshold: {exc}") from None
    if args.scheduler:
        from .tag_distributed import run_distributed

        return run_distributed(args, tagger, threshold, inputs)
    output_format = args.output_format or (
        "csv" if args.output and args.output.lower().endswith(".csv") else "jsonl"
    )
    # A device or a pipe (-o /dev/null) is written as it is: renaming a finished file onto it
    # would replace the device.
    output_special, errors_special = _special_file(args.output), _special_file(args.errors)
    if args.resume and output_special:
        raise CommandError(f"--resume needs -o FILE: {args.output} is a device or a pipe")
    to_file = args.output is not None and args.output != "-" and not output_special
    # The errors file goes with the output when that is resumable, and is written as it is else.
    resumable_errors = bool(args.errors) and to_file and not errors_special
    own_streams: list[Any] = []  # opened here rather than by ResumableOutput; closed at the end
    try:
        files = (
            ResumableOutput(
                args.output,
                extra={"errors": Path(args.errors)} if resumable_errors else None,
                resume=args.resume,
            )
            if to_file
            else None
        )
        if output_special:
            own_streams.append(open(args.output, "w", encoding="utf-8"))  # noqa: SIM115
        if args.errors and not resumable_errors:
            own_streams.append(open(args.errors, "w", encoding="utf-8"))  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"cannot write the output ({exc.strerror}: {exc.filename})") from None
    if files:
        stream = files.streams["output"]
    else:
        stream = own_streams[0] if output_special else sys.stdout
    errors_stream = (
        files.streams["errors"] if resumable_errors else (own_streams[-1] if args.errors else None)
    )
    done = files.records_done if files else 0
    records = islice(
        read_records(
            inputs,
            format=args.format,
            text_fields=args.text_fields or ["text"],
            id_field=args.id_field,
            max_record_bytes=args.max_record_bytes,
        ),
        done,
        None,
    )
    if output_format == "csv":
        writer: JsonlWriter | CsvWriter = CsvWriter(
            stream,
            [(f.name, f.labels) for f in tagger.taxonomy_.facets],
            header=done == 0,
            extra=("countries", "blocs", "scope") if args.countries else (),
        )
    else:
        writer = JsonlWriter(stream)
    error_writer = JsonlWriter(errors_stream) if errors_stream else None
    previous_handler = signal.signal(signal.SIGTERM, _raise_interrupted)
    started = time.perf_counter()
    n_records = n_errors = 0
    first_error = None
    finished = False
    next_checkpoint = 0.0
    try:
        with _scorer(tagger, args.jobs) as scorer:
            pairs = tag_records(
                tagger,
                records,
                threshold=threshold,
                top_k=args.top_k,
                batch_size=args.batch_size,
                scorer=scorer,
                countries=args.countries,
            )
            for record, output in _progress(pairs, args.quiet):
                n_records += 1
                if record.error is not None:
                    n_errors += 1
                    first_error = first_error or output["error"]["message"]
                    if error_writer:
                        error_writer.write(output)
                    if args.on_error == "fail":
                        raise CommandError(
                            f"{first_error} (stopped: --on-error fail)", EXIT_RECORD_ERRORS
                        )
                if args.explain and record.error is None:
                    output["explanation"] = _explanation(tagger, record.text, output)
                if record.error is None or args.on_error == "record":
                    writer.write(output)
                if (
                    files
                    and n_records % args.batch_size == 0
                    and time.monotonic() >= next_checkpoint
                ):
                    files.checkpoint(done + n_records)
                    next_checkpoint = time.monotonic() + CHECKPOINT_SECONDS
        finished = True
    except KeyboardInterrupt:  # SIGINT, or SIGTERM as _TerminationError
        if files:
            # No checkpoint here: the signal may have come in the middle of a record, and the
            # last periodic checkpoint is the last point known to be complete.
            print(
                f"classifier tag: interrupted after {done + n_records} records, "
                f"{files.records_saved} saved; rerun the same command with --resume to continue",
                file=sys.stderr,
            )
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        if files:
            if finished:
                files.commit()
            else:
                # Interrupted or crashed: keep the partial files and checkpoint for --resume.
                files.abandon(keep=True)
        for own in own_streams:
            own.close()
    elapsed = time.perf_counter() - started
    if n_errors:
        print(
            f"classifier tag: {n_errors} of {n_records} records could not be tagged; "
            f"first: {first_error}",
            file=sys.stderr,
        )
    elif not args.quiet and sys.stderr.isatty():
        rate = n_records / elapsed if elapsed > 0 else 0.0
        print(
            f"classifier tag: tagged {n_records} records in {elapsed:.1f}s ({rate:,.0f} docs/s)",
            file=sys.stderr,
        )
    return EXIT_RECORD_ERRORS if n_errors else EXIT_OK
