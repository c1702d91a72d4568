"""`shopper report`: write a PDF report.

One audit today: `shopper report ID -o FILE.pdf`. The parser is laid out for
the other kinds the same command will make (a comparison of audits, a
company's journey): each is one more option in the `what` group below, and
`cmd_report` picks the builder by which of them was given.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context
from shopper.report.document import DEFAULT_PAGE_SIZE, PAGE_SIZES
from shopper.report.redact import parse_names


def register(sub: Subparsers) -> None:
    report = sub.add_parser(
        "report",
        help="write a PDF report of an audit",
        description="Write a PDF report of an audit.",
    )
    what = report.add_mutually_exclusive_group()
    what.add_argument("id", nargs="?", metavar="ID", help="audit id or a unique prefix of it")
    report.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="the PDF to write"
    )
    report.add_argument(
        "--redact",
        nargs="?",
        const="",
        metavar="NAME,...",
        help="mask e-mail addresses and phone numbers, and these names (comma-separated)",
    )
    report.add_argument(
        "--page-size",
        type=str.lower,
        choices=list(PAGE_SIZES),
        default=DEFAULT_PAGE_SIZE,
        help=f"paper size (default {DEFAULT_PAGE_SIZE})",
    )
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from shopper.services.audits import resolve_audit_id
    from shopper.services.reports import make_audit_report

    if args.id is None:
        raise UsageError("shopper report: give the ID of the audit to report on (see --help)")
    output: Path = args.output.expanduser()
    ctx = open_context(args)
    audit_id = resolve_audit_id(engine=ctx.engine, prefix=args.id)
    result = make_audit_report(
        engine=ctx.engine,
        audit_id=audit_id,
        out_path=output,
        page_size=args.page_size,
        redact=args.redact is not None,
        redact_names=parse_names(args.redact or ""),
        data_dir=ctx.data_dir,
    )
    print(f"Wrote {result.path} ({result.pages} page{'s' if result.pages != 1 else ''})")
    return EXIT_OK
