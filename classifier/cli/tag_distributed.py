"""``classifier tag --scheduler``: the same tagging, one task per input file on a Dask cluster."""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..io import _walk
from ._common import EXIT_OK, EXIT_RECORD_ERRORS, CommandError


def _files(inputs: list[str]) -> list[str]:
    files: list[str] = []
    for item in inputs:
        if item == "-":
            raise CommandError("--scheduler reads files, not standard input")
        matches = [item] if os.path.exists(item) else sorted(glob.glob(item))
        for match in matches:
            files += [str(p) for p in _walk(Path(match))] if os.path.isdir(match) else [match]
    if not files:
        raise CommandError(f"no input file matches {inputs}")
    return files


def run_distributed(
    args: argparse.Namespace, tagger: Any, threshold: Any, inputs: list[str]
) -> int:
    for option in ("resume", "explain"):
        if getattr(args, option):
            raise CommandError(f"--{option} is not available with --scheduler")
    if args.errors or args.jobs != 1 or args.output_format == "csv":
        raise CommandError("--errors, --jobs and CSV output are not available with --scheduler")
    try:
        from ..distributed import connect, tag_files
    except ImportError:
        raise CommandError("--scheduler needs Dask: pip install 'classifier[dask]'") from None
    files = _files(inputs)
    to_dir = args.output is not None and (args.output.endswith("/") or Path(args.output).is_dir())
    parts_dir = (
        Path(args.output)
        if to_dir
        else Path(
            tempfile.mkdtemp(
                prefix=".classifier-parts-", dir=Path(args.output).parent if args.output else None
            )
        )
    )
    try:
        client, cluster = connect(args.scheduler)
    except (ValueError, OSError) as exc:
        raise CommandError(f"--scheduler {args.scheduler}: {exc}") from None
    try:
        manifest = tag_files(
            client,
            tagger,
            files,
            parts_dir,
            format=args.format,
            text_fields=args.text_fields or ["text"],
            id_field=args.id_field,
            threshold=threshold,
            top_k=args.top_k,
            batch_size=args.batch_size,
            max_record_bytes=args.max_record_bytes,
            on_error=args.on_error,
            countries=args.countries,
        )
        if not to_dir:
            _merge(manifest, args.output)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        if not to_dir:
            shutil.rmtree(parts_dir, ignore_errors=True)
    if manifest["errors"]:
        first = next(p["first_error"] for p in manifest["parts"] if p["first_error"])
        print(
            f"classifier tag: {manifest['errors']} of {manifest['records']} records could not be "
            f"tagged; first: {first}",
            file=sys.stderr,
        )
        if args.on_error == "fail":
            return EXIT_RECORD_ERRORS
    return EXIT_RECORD_ERRORS if manifest["errors"] else EXIT_OK


def _merge(manifest: dict[str, Any], output: str | None) -> None:
    """Concatenate the part files in input order into ``output`` (or standard output)."""
    if output is None or output == "-":
        for part in manifest["parts"]:
            with open(part["part"], encoding="utf-8") as handle:
                shutil.copyfileobj(handle, sys.stdout)
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as out:
        for part in manifest["parts"]:
            with open(part["part"], "rb") as handle:
                shutil.copyfileobj(handle, out)
    os.replace(partial, target)
