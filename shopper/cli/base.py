"""Shared pieces of the command line: the parser class, errors, output helpers."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, NoReturn, TextIO

from shopper.domain.errors import ShopperError

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USER = 2


# Control characters (but newline and tab) and the characters that reorder text: from a
# bundle, a name could recolour the terminal, set its title, or show text in another order.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def escape_controls(text: str) -> str:
    """`text` with every control and bidi-override character shown as `\\uXXXX`.

    The escape is JSON's own, so JSON output reads back the same.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class EscapingStream:
    """A text stream that escapes what `escape_controls` escapes before writing it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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
