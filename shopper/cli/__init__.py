"""The `shopper` command line, on top of the services.

Each module in this package that defines `register(subparsers)` adds its
commands; a command's parser sets `handler` to the function that runs it.

Exit codes: 0 success, 2 a user mistake (one line on stderr, never a
traceback), 1 an unexpected error (logged with its traceback in the data
folder's log).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from shopper import __version__
from shopper.cli.base import EXIT_BUG, EXIT_OK, EXIT_USER, EscapingStream, Parser
from shopper.domain.errors import ShopperError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="shopper",
        description="Mystery-shopping audits: checklists, evidence, comparison and reports.",
    )
    parser.add_argument("--version", action="version", version=f"shopper {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder for the database, evidence, backups and log (default: the user data "
        "folder, or $SHOPPER_DATA_DIR)",
    )
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: SQLite in the data folder)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument(
        "--open",
        metavar="ID",
        dest="open_audit",
        help="open this audit (a unique prefix of its id is enough) at its current item",
    )
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: text on stdout and stderr is shown with control characters escaped."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingStream(out), EscapingStream(err)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = argparse.Namespace()
    try:
        args = build_parser().parse_args(args_list)
        if args.command in (None, "gui"):
            from shopper.app import main as gui_main

            return gui_main(
                data_dir=args.data_dir, db_url=args.db, open_audit=getattr(args, "open_audit", None)
            )
        try:
            code: int = args.handler(args)
        finally:
            context = getattr(args, "context", None)
            if context is not None:
                context.close()
        return code
    except ShopperError as exc:
        _user_error(str(exc))
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("shopper: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        log_path = getattr(args, "log_path", None)
        if log_path is None:
            raise  # no log yet: Python's own traceback is the only record
        log.exception("unexpected error in: shopper %s", " ".join(args_list))
        print(
            f"shopper: unexpected error: {type(exc).__name__}: {exc}; details are in {log_path}",
            file=sys.stderr,
        )
        return EXIT_BUG


def _user_error(message: str) -> NoReturn:
    line = " ".join(message.split())
    prefix = "" if line.startswith("shopper") else "shopper: error: "
    print(f"{prefix}{line}", file=sys.stderr)
    raise SystemExit(EXIT_USER)
