"""`shopper said-no`: the 30-day log of every time staff said no to a customer (seed 002) —
start one, add an entry, import a spreadsheet of them, move one to another list, and the
summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shopper.cli._filters import day
from shopper.cli.base import EXIT_OK, EXIT_USER, Subparsers, UsageError, open_context, print_json
from shopper.domain.said_no import DEFAULT_DAYS, reason_words

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.services.tabular import ImportResult, RowsError

OPTION_OF = {
    "asked": "--asked",
    "reason": "--reason",
    "channel": "--channel",
    "theme": "--theme",
    "said_by": "--by",
    "refused": "--refused",
    "note": "--note",
    "at": "--at",
    "list": "--to",
    "team": "--team",
    "kept_by": "--kept-by",
}


def register(sub: Subparsers) -> None:
    said_no = sub.add_parser(
        "said-no",
        help='the "said no" log: start, add, import, move, summary',
        description="For 30 days customer-facing staff note every time they said no to a"
        " customer; the summary lists the policies to revisit, the training gaps and the"
        " product or service ideas.",
    )
    s_sub = said_no.add_subparsers(dest="said_no_command", metavar="ACTION", required=True)
    start = s_sub.add_parser("start", help="start a company's said-no log")
    start.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    start.add_argument(
        "--days", metavar="N", type=int, default=DEFAULT_DAYS, help="how long (default 30)"
    )
    start.add_argument("--team", metavar="TEXT", default="", help="a team or department")
    start.add_argument("--kept-by", metavar="TEXT", default="", help="who keeps it")
    start.add_argument(
        "--from", dest="starts", metavar="DAY", type=day, help="its first day (default today)"
    )
    add = s_sub.add_parser("add", help="note one time a customer was told no")
    add.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    add.add_argument("--asked", metavar="TEXT", required=True, help="what the customer asked")
    add.add_argument("--reason", metavar="KIND", required=True, help=f"one of: {reason_words()}")
    add.add_argument("--refused", metavar="TEXT", default="", help="what we said no to, and why")
    add.add_argument("--channel", metavar="C", default="", help="phone, e-mail, chat, counter...")
    add.add_argument("--at", metavar="TIME", help="when (YYYY-MM-DD HH:MM; default now)")
    add.add_argument("--theme", metavar="T", default="", help="a theme tag (speed, clarity...)")
    add.add_argument("--by", metavar="WHO", default="", help="who said it (default: anonymous)")
    add.add_argument("--note", metavar="TEXT", default="")
    imp = s_sub.add_parser("import", help="import entries from a CSV or XLSX file")
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    imp.add_argument(
        "--map", metavar="FIELD=COLUMN,...", default="", help="which column holds each field"
    )
    imp.add_argument(
        "--valid-only",
        metavar="REJECTS.csv",
        type=Path,
        help="import the valid rows and write the rejected ones to this file",
    )
    move = s_sub.add_parser("move", help="put an entry on another list of the summary")
    move.add_argument("entry", metavar="ID", help="entry id or a unique prefix")
    move.add_argument(
        "--to", required=True, metavar="LIST", help="policies, training, ideas, none or reason"
    )
    export = s_sub.add_parser("export", help="every entry as a row of a CSV or XLSX file")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    export.add_argument("--company", metavar="NAME", help="one company (default: all)")
    export.add_argument("--format", choices=["csv", "xlsx"], help="default: from the name")
    summary = s_sub.add_parser("summary", help="what the log taught, and the e-mail to send")
    summary.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    summary.add_argument("--today", metavar="DAY", type=day, help="as of this day")
    out = summary.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--email", action="store_true", help="print the e-mail body only")
    said_no.set_defaults(handler=cmd_said_no)


def cmd_said_no(args: argparse.Namespace) -> int:
    from shopper.services import said_no as service

    ctx = open_context(args)
    command = args.said_no_command
    try:
        if command == "start":
            row = service.start_campaign(
                engine=ctx.engine,
                company=args.company,
                days=args.days,
                team=args.team,
                kept_by=args.kept_by,
                starts=args.starts,
            )
            print(
                f"Started the said-no log of {row.company}: {row.days} days from"
                f" {row.starts.isoformat()}"
            )
            return EXIT_OK
        if command == "add":
            return _add(args, ctx.engine)
        if command == "import":
            return _import(args, ctx.engine)
        if command == "export":
            return export_table(args, ctx.engine, "said-no")
        if command == "move":
            entry = service.move_entry(engine=ctx.engine, entry=args.entry, to=args.to)
            print(f"Entry {entry.id[:8]} is on: {entry.on_list.label}")
            return EXIT_OK
    except service.SaidNoInputError as exc:
        option = OPTION_OF.get(exc.field, exc.field)
        raise UsageError(f"shopper said-no {command}: {option}: {exc.why}") from None
    summary = service.summary(engine=ctx.engine, company=args.company, today=args.today)
    if args.json:
        print_json(summary.to_json())
        return EXIT_OK
    from shopper.domain.said_no import email_body

    if not args.email:
        print(f"Said-no log of {summary.company}: {summary.progress()}")
        if summary.empty_days and not summary.finished:
            print(f"Reminder: no entry on {len(summary.empty_days)} day(s) so far")
        print()
    sys.stdout.write(email_body(summary))
    return EXIT_OK


def _add(args: argparse.Namespace, engine: Engine) -> int:
    from shopper.domain.clock import parse_typed_moment
    from shopper.domain.errors import ShopperError
    from shopper.services import said_no as service

    at = None
    if args.at:
        zone = service.company_timezone(engine=engine, company=args.company)
        try:
            at = parse_typed_moment(args.at, zone)
        except ShopperError as exc:
            raise service.SaidNoInputError("at", str(exc)) from None
    entry = service.add_entry(
        engine=engine,
        company=args.company,
        data=service.SaidNoInput(
            asked=args.asked,
            reason=args.reason,
            refused=args.refused,
            channel=args.channel,
            at=at,
            theme=args.theme,
            said_by=args.by,
            note=args.note,
        ),
    )
    print(f"Noted {entry.id[:8]}: {entry.asked} ({entry.on_list.label})")
    return EXIT_OK


def _import(args: argparse.Namespace, engine: Engine) -> int:
    from shopper.services import said_no as service
    from shopper.services import tabular

    mapping = tabular.parse_map(args.map, service.IMPORT_FIELDS)
    try:
        result = service.import_said_no(
            engine=engine,
            path=args.file,
            company=args.company,
            mapping=mapping,
            valid_only=args.valid_only is not None,
            rejects=args.valid_only,
        )
    except tabular.RowsError as exc:
        return rows_error(exc)
    print_import(result, "said-no entr", ("y", "ies"))
    return EXIT_OK


def rows_error(exc: RowsError) -> int:
    """Every bad row on stderr, the count first; exit 2 (nothing was imported)."""
    for line in exc.lines():
        print(f"shopper: error: {line}", file=sys.stderr)
    return EXIT_USER


def print_import(result: ImportResult, noun: str, ends: tuple[str, str] = ("", "s")) -> None:
    print(f"Imported {result.imported} {noun}{ends[result.imported != 1]}")
    if result.rejects_file is not None:
        print(f"Rejected {result.rejected} row(s), written to {result.rejects_file}")


def export_table(args: argparse.Namespace, engine: Engine, what: str) -> int:
    """`said-no export` and `feedback export`: one row per entry."""
    from shopper.services import said_no_export as export
    from shopper.services.export import format_for

    fmt = format_for(args.output, args.format)
    columns: tuple[str, ...]
    if what == "said-no":
        rows = export.said_no_rows(engine=engine, company=args.company)
        columns, sheet = export.SAID_NO_COLUMNS, "Said no"
    else:
        rows = export.feedback_rows(engine=engine, company=args.company)
        columns, sheet = export.FEEDBACK_COLUMNS, "Feedback"
    count = export.write_table(args.output, fmt, columns, rows, sheet)
    print(f"Wrote {count:,} entr{'y' if count == 1 else 'ies'} to {args.output}")
    return EXIT_OK
