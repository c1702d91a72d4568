"""Shared pieces of the command line: the parser class, errors, output helpers."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn

from shopper.domain.errors import ShopperError

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USER = 2


class UsageError(ShopperError):
    """The command line itself is wrong (unknown option, missing argument)."""


class Parser(argparse.ArgumentParser):
    """Reports usage mistakes as `UsageError`, so they print as one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


Subparsers = Any
"""The object `add_subparsers` returns; each command module adds its parsers to it."""


def open_context(args: argparse.Namespace) -> Any:
    """Open the data folder and database; from here on, errors are logged there."""
    from shopper.services.context import AppContext, setup_logging

    ctx = AppContext.open(args.data_dir, args.db)
    args.context = ctx  # closed by `shopper.cli.main` however the command ends
    setup_logging(ctx.log_path)
    args.log_path = ctx.log_path
    return ctx


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
