"""Options shared by the analysis commands: company, touchpoint and a date range."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shopper.domain.template import TOUCHPOINTS


def day(text: str) -> date:
    """An argparse type: a calendar day as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def add_filters(parser: argparse.ArgumentParser, *, touchpoint_required: bool = False) -> None:
    parser.add_argument("--company", metavar="NAME", help="company name or id prefix")
    parser.add_argument(
        "--touchpoint",
        metavar="KIND",
        choices=list(TOUCHPOINTS),
        required=touchpoint_required,
        help=f"one of: {', '.join(TOUCHPOINTS)}",
    )
    parser.add_argument(
        "--since", metavar="DATE", type=day, help="audits started on or after this day (UTC)"
    )
    parser.add_argument(
        "--until", metavar="DATE", type=day, help="audits started on or before this day (UTC)"
    )


def date_range(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    """--since and --until as [since, until) in UTC: --until's whole day is included."""
    since = _midnight(args.since) if args.since else None
    until = _midnight(args.until) + timedelta(days=1) if args.until else None
    return since, until


def _midnight(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def company_id(ctx: Any, args: argparse.Namespace) -> str | None:
    if not args.company:
        return None
    from shopper.services.companies import find_company

    return find_company(engine=ctx.engine, name_or_id=args.company).id
