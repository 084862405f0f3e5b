"""Pieces shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..model import ArticleTagger
from ..persistence import default_model_path

EXIT_OK = 0
EXIT_RECORD_ERRORS = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A user error: printed as one line, no traceback, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_model_options(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--model",
        "-m",
        metavar="PATH",
        required=required,
        help="model file (default: the shipped default model)" if not required else "model file",
    )
    parser.add_argument(
        "--allow-version-mismatch",
        action="store_true",
        help="load a model written by another model format or library version anyway",
    )
    parser.add_argument(
        "--trust",
        action="store_true",
        help="unpickle the model without the safety allow-list (only for files you produced)",
    )


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """--text-field and --id-field, shared by the commands that read articles."""
    parser.add_argument(
        "--text-field",
        "--text-column",
        dest="text_fields",
        action="append",
        metavar="NAME",
        help="JSON field / CSV column with the text; repeat to join several "
        "(e.g. title and body); default: text",
    )
    parser.add_argument(
        "--id-field",
        "--id-column",
        dest="id_field",
        default="id",
        metavar="NAME",
        help="JSON field / CSV column with the id (default: id; else path:line)",
    )


def load_tagger(args: argparse.Namespace) -> ArticleTagger:
    path = Path(args.model) if args.model else default_model_path()
    if not path.exists():
        raise CommandError(f"{path}: no such model file; check --model", EXIT_MODEL)
    return ArticleTagger.load(
        path, allow_version_mismatch=args.allow_version_mismatch, trust=args.trust
    )


def parse_threshold(values: list[str] | None) -> Any:
    """``--threshold 0.4`` (every label) and/or ``--threshold label=0.7`` (one label)."""
    if not values:
        return None
    overall: float | None = None
    per_label: dict[str, float] = {}
    for value in values:
        key, sep, number = value.rpartition("=")
        try:
            parsed = float(number)
        except ValueError:
            raise CommandError(
                f"--threshold {value!r}: expected a number like 0.4 or LABEL=0.4"
            ) from None
        if not 0 <= parsed <= 1:
            raise CommandError(f"--threshold {value!r}: the value must be between 0 and 1")
        if sep:
            per_label[key] = parsed
        else:
            overall = parsed
    if overall is not None and not per_label:
        return overall
    return per_label if overall is None else {"*": overall, **per_label}
