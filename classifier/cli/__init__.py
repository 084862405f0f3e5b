"""Command-line interface: ``classifier tag | train | evaluate | explain | info | suggest``.

Each subcommand is a small module over the library. Exit codes: 0 success; 1 finished, but some
records could not be tagged; 2 usage error (bad option, missing or unreadable input); 3 the model
cannot be loaded; 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._version import __version__
from ..exceptions import InputFormatError, ModelFormatError, SchemaError
from . import evaluate, explain, info, suggest, tag, train
from ._common import EXIT_INTERRUPTED, EXIT_MODEL, EXIT_USAGE, CommandError

__all__ = ["main"]

_COMMANDS = (tag, train, evaluate, explain, info, suggest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="classifier",
        description="Tag news articles by technology sector and type of international cooperation.",
        epilog="Run 'classifier COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"classifier {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``classifier`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as exc:
        print(f"classifier {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (ModelFormatError, EOFError) as exc:
        print(f"classifier {args.command}: error: cannot load the model: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except (InputFormatError, SchemaError, FileNotFoundError, IsADirectoryError) as exc:
        print(f"classifier {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"classifier {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as other Unix tools do.
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
