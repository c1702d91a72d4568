"""`shopper schedules`: recurring shops — add one, list them, pause, resume or remove one, and
run them (make the shops due ahead)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from shopper.cli._filters import day
from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context, print_json

if TYPE_CHECKING:  # the parser is built without the services (see shopper.cli)
    from shopper.services.schedules import ScheduleRow

OPTION_OF = {
    "company": "--company",
    "touchpoint": "--touchpoint",
    "template": "--template",
    "recurrence": "--every",
    "shoppers": "--shoppers",
    "window": "--window",
    "limit": "--limit",
    "ahead": "--ahead",
    "instructions": "--instructions",
    "from": "--from",
}


def register(sub: Subparsers) -> None:
    schedules = sub.add_parser(
        "schedules",
        help="recurring shops: add, list, pause, resume, remove, run",
        description="A schedule makes a company's shops ahead of time, rotating among its"
        " shoppers (never the same one twice in a row for a company) within a limit of open"
        " shops each. `shopper schedules run` (daily, from cron) makes the shops due.",
    )
    s_sub = schedules.add_subparsers(dest="schedules_command", metavar="ACTION", required=True)
    add = s_sub.add_parser("add", help="add a schedule")
    add.add_argument("--company", metavar="NAME", required=True, help="company name or id prefix")
    add.add_argument("--touchpoint", metavar="KIND", required=True, help="the touchpoint")
    add.add_argument(
        "--every",
        metavar="TEXT",
        required=True,
        help='"every N days", "every N weeks", "monthly on day D", "monthly on the last day",'
        ' "monthly on the first working day" or "monthly on the last working day"',
    )
    add.add_argument(
        "--shoppers", metavar="A,B,C", required=True, help="the shoppers, in rotation order"
    )
    add.add_argument(
        "--template", metavar="ID", help="template id (default: the touchpoint's newest)"
    )
    add.add_argument(
        "--window", metavar="DAYS", type=int, default=7, help="days to do each shop (default 7)"
    )
    add.add_argument(
        "--limit", metavar="N", type=int, help="most open shops a shopper may have (default: none)"
    )
    add.add_argument(
        "--ahead",
        metavar="DAYS",
        type=int,
        default=14,
        help="how far ahead shops are made (default 14)",
    )
    add.add_argument("--instructions", metavar="TEXT", default="", help="the scenario")
    add.add_argument(
        "--from",
        dest="starts",
        metavar="DAY",
        type=day,
        help="the first day a shop may fall on (default: today)",
    )
    s_list = s_sub.add_parser("list", help="list the schedules")
    s_list.add_argument("--json", action="store_true")
    for action, what in (
        ("pause", "stop making a schedule's shops"),
        ("resume", "make a paused schedule's shops again"),
        ("remove", "delete a schedule (the shops it made stay)"),
    ):
        one = s_sub.add_parser(action, help=what)
        one.add_argument("id", metavar="ID", help="schedule id or a unique prefix of it")
    s_run = s_sub.add_parser("run", help="make the shops every active schedule has due ahead")
    s_run.add_argument(
        "--today", metavar="DAY", type=day, help="the day of the run (default: today)"
    )
    s_run.add_argument("--json", action="store_true")
    schedules.set_defaults(handler=cmd_schedules)


def cmd_schedules(args: argparse.Namespace) -> int:
    from shopper.services import schedules as service

    ctx = open_context(args)
    command = args.schedules_command
    if command == "add":
        data = service.ScheduleInput(
            company=args.company,
            touchpoint=args.touchpoint,
            recurrence=args.every,
            shoppers=args.shoppers.split(","),
            template=args.template,
            window_days=args.window,
            open_limit=args.limit,
            ahead_days=args.ahead,
            instructions=args.instructions,
            starts=args.starts,
        )
        try:
            row = service.create_schedule(engine=ctx.engine, data=data)
        except service.ScheduleInputError as exc:
            option = OPTION_OF.get(exc.field, exc.field)
            raise UsageError(f"shopper schedules add: {option}: {exc.why}") from None
        print(f"Added schedule {row.id[:8]}: {_describe(row)}")
        return EXIT_OK
    if command == "list":
        rows = service.list_schedules(engine=ctx.engine)
        if args.json:
            print_json([row.to_json() for row in rows])
        elif not rows:
            print("No schedules.")
        for row in [] if args.json else rows:
            state = "active" if row.active else "paused"
            count = f"{row.shops_made} shop{'s' if row.shops_made != 1 else ''} made"
            upto = f", planned to {row.last_planned.isoformat()}" if row.last_planned else ""
            print(f"{row.id[:8]}  {state:<6}  {_describe(row)} ({count}{upto})")
        return EXIT_OK
    if command == "run":
        result = service.run_schedules(engine=ctx.engine, today=args.today)
        if args.json:
            print_json(result.to_json())
            return EXIT_OK
        if not result.made and not result.not_planned:
            print("No shops due.")
        for made in result.made:
            shop = made.shop
            print(
                f"Made shop {shop.id[:8]}: {shop.company}, {shop.touchpoint}, to {shop.shopper},"
                f" {shop.opens.isoformat()} to {shop.due.isoformat()}"
            )
        for skipped in result.not_planned:
            print(
                f"Not planned: {skipped.company}, {skipped.touchpoint}, {skipped.day.isoformat()}:"
                f" {skipped.reason}"
            )
        return EXIT_OK
    schedule_id = service.resolve_schedule_id(engine=ctx.engine, prefix=args.id)
    if command == "remove":
        row = service.remove_schedule(engine=ctx.engine, schedule_id=schedule_id)
        print(f"Removed schedule {row.id[:8]}: {_describe(row)}")
        return EXIT_OK
    change = service.pause_schedule if command == "pause" else service.resume_schedule
    row = change(engine=ctx.engine, schedule_id=schedule_id)
    print(
        f"{'Paused' if command == 'pause' else 'Resumed'} schedule {row.id[:8]}: {_describe(row)}"
    )
    return EXIT_OK


def _describe(row: ScheduleRow) -> str:
    limit = f", at most {row.open_limit} open each" if row.open_limit is not None else ""
    return (
        f"{row.company}, {row.touchpoint}, {row.every} from {row.starts.isoformat()},"
        f" {', '.join(row.shoppers)}{limit}"
    )
