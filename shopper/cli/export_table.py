"""`shopper export-table`: every answer as a row of a CSV or XLSX file."""

from __future__ import annotations

import argparse
from pathlib import Path

from shopper.cli._filters import add_filters, company_id, date_range
from shopper.cli.base import EXIT_OK, Subparsers, open_context
from shopper.domain.errors import ShopperError
from shopper.domain.vocabulary import AuditStatus


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "export-table",
        help="export answers to CSV or XLSX, one row per answer",
        description="One row per answer with its audit, company, touchpoint, template and "
        "version, section, item, theme, value, points and note. Every audit by default; "
        "the options narrow it. The file appears only once it is complete.",
    )
    parser.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        help="file format (default: from the file name's extension)",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    add_filters(parser)
    parser.add_argument(
        "--status", metavar="S", choices=list(AuditStatus), help=" | ".join(AuditStatus)
    )
    parser.set_defaults(handler=cmd_export_table)


def cmd_export_table(args: argparse.Namespace) -> int:
    from shopper.services.export import export_answers, format_for
    from shopper.store.analysis import Scope

    fmt = format_for(args.output, args.format)
    since, until = date_range(args)
    if since and until and since >= until:
        raise ShopperError("--since: must not be after --until")
    ctx = open_context(args)
    try:
        scope = Scope(
            company_id=company_id(ctx, args),
            touchpoint=args.touchpoint,
            since=since,
            until=until,
            status=args.status,
        )
        result = export_answers(engine=ctx.engine, path=args.output, fmt=fmt, scope=scope)
    finally:
        ctx.close()
    print(f"Wrote {result.rows:,} answers of {result.audits:,} audits to {result.path}")
    return EXIT_OK
