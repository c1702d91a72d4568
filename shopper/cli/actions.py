"""`shopper actions`: the action plan — add an action from an audit's item or a theme, list
the actions with what the later audits say, set an action's status, export them to CSV or
XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path

from shopper.cli._filters import day
from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context, print_json

OPTION_OF = {
    "title": "--title",
    "audit": "--audit",
    "item": "--item",
    "moment": "--moment",
    "theme": "--theme",
    "owner": "--owner",
    "status": "--status",
    "login": "login",
}


def register(sub: Subparsers) -> None:
    actions = sub.add_parser(
        "actions",
        help="the action plan: add, list, set, export",
        description="An action on an audit's item is verified by the next audits of the same"
        ' company and touchpoint: "fixed, verified by audit X on DAY" when one passes the item,'
        ' "still failing" (reopened, owner shown) when it fails again.',
    )
    a_sub = actions.add_subparsers(dest="actions_command", metavar="ACTION", required=True)
    add = a_sub.add_parser("add", help="add an action")
    add.add_argument("--company", metavar="NAME", required=True, help="company name or id prefix")
    add.add_argument("--title", metavar="TEXT", required=True, help="what to change")
    add.add_argument("--audit", metavar="ID", help="the audit whose item (or moment) it is about")
    add.add_argument("--item", metavar="ITEM", help="the checklist item's id (with --audit)")
    add.add_argument("--moment", metavar="ID", help="a bad moment's id (with --audit)")
    add.add_argument("--theme", metavar="THEME", help="the theme (for an action on a theme)")
    add.add_argument("--owner", metavar="WHO", default="", help="a name, or a team login")
    add.add_argument("--due", metavar="DAY", type=day, help="due day, YYYY-MM-DD")
    add.add_argument("--detail", metavar="TEXT", default="", help="more about it")
    add.add_argument(
        "--share", action="store_true", help="on a team database, let shoppers read it"
    )
    a_list = a_sub.add_parser("list", help="list the actions")
    a_list.add_argument("--json", action="store_true")
    a_list.add_argument("--company", metavar="NAME", help="company name or id prefix")
    a_list.add_argument("--owner", metavar="WHO", help="only this owner's")
    a_list.add_argument(
        "--status",
        metavar="S",
        help="open, in_progress, done, wont_do, fixed or still_failing",
    )
    a_list.add_argument("--overdue", action="store_true", help="only those past their due day")
    export = a_sub.add_parser("export", help="write the actions to CSV or XLSX")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--format", choices=["csv", "xlsx"], help="default: from the file name's extension"
    )
    export.add_argument("--company", metavar="NAME", help="company name or id prefix")
    a_set = a_sub.add_parser("set", help="change an action's status")
    a_set.add_argument("id", metavar="ID", help="action id or a unique prefix of it")
    a_set.add_argument(
        "--status", metavar="S", required=True, help="open, in_progress, done or wont_do"
    )
    actions.set_defaults(handler=cmd_actions)


def cmd_actions(args: argparse.Namespace) -> int:
    from shopper.domain.actions import ActionError
    from shopper.services import actions as service
    from shopper.services.companies import find_company

    ctx = open_context(args)
    command = args.actions_command
    try:
        if command == "add":
            data = service.ActionInput(
                company=args.company,
                title=args.title,
                audit=args.audit,
                item=args.item,
                moment=args.moment,
                theme=args.theme,
                owner=args.owner,
                due=args.due,
                detail=args.detail,
                shared=args.share,
            )
            row = service.create_action(engine=ctx.engine, data=data)
            print(f"Added action {row.id[:8]}: {_describe(row)}")
            return EXIT_OK
        if command == "export":
            from shopper.services.action_export import export_actions
            from shopper.services.export import format_for

            fmt = format_for(args.output, args.format)
            company_id = None
            if args.company:
                company_id = find_company(engine=ctx.engine, name_or_id=args.company).id
            rows = service.list_actions(engine=ctx.engine, company_id=company_id)
            count = export_actions(rows=rows, path=args.output, fmt=fmt)
            print(f"Wrote {count:,} action{'s' if count != 1 else ''} to {args.output}")
            return EXIT_OK
        if command == "list":
            company_id = None
            if args.company:
                company_id = find_company(engine=ctx.engine, name_or_id=args.company).id
            state = service.parse_state(args.status) if args.status else None
            rows = service.list_actions(
                engine=ctx.engine,
                company_id=company_id,
                owner=args.owner,
                state=state,
                overdue=args.overdue,
            )
            if args.json:
                print_json([row.to_json() for row in rows])
            elif not rows:
                print("No actions.")
            for row in [] if args.json else rows:
                late = " OVERDUE" if row.overdue else ""
                print(f"{row.id[:8]}  {_describe(row)}: {row.describe}{late}")
            return EXIT_OK
        action_id = service.resolve_action_id(engine=ctx.engine, prefix=args.id)
        row = service.set_status(engine=ctx.engine, action_id=action_id, status=args.status)
        print(f"Action {row.id[:8]}: {row.status.label}; {row.describe}")
        return EXIT_OK
    except ActionError as exc:
        option = OPTION_OF.get(exc.field, exc.field)
        raise UsageError(f"shopper actions {command}: {option}: {exc.why}") from None


def _describe(row: object) -> str:
    from shopper.services.actions import ActionRow

    assert isinstance(row, ActionRow)
    where = f"{row.touchpoint}, {row.item_prompt or row.item_id}" if row.item_id else ""
    owner = f", owner {row.owner}" if row.owner else ""
    due = f", due {row.due.isoformat()}" if row.due else ""
    parts = [row.company, row.theme_title, *([where] if where else [])]
    return f"{row.title} ({', '.join(parts)}{owner}{due})"
