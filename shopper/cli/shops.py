"""`shopper assign` and `shopper shops`: assign shops (one, or a CSV file of them), list them,
start one, cancel one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shopper.cli._filters import day
from shopper.cli.base import EXIT_OK, EXIT_USER, Subparsers, UsageError, open_context, print_json
from shopper.domain.shops import ShopState, state_label

OPTION_OF = {
    "company": "--company",
    "touchpoint": "--touchpoint",
    "template": "--template",
    "shopper": "--shopper",
    "from": "--from",
    "due": "--due",
    "instructions": "--instructions",
}
ONE_SHOP = ("company", "touchpoint", "shopper", "due")


def register(sub: Subparsers) -> None:
    assign = sub.add_parser(
        "assign",
        help="assign a shop to a shopper, or every shop of a CSV file",
        description="Give --company, --touchpoint, --shopper and --due for one shop, or"
        " --from-csv FILE alone (columns company, touchpoint, template, shopper, from, due,"
        " instructions; a header row); a file's shops are created all or none.",
    )
    assign.add_argument("--company", metavar="NAME", help="company name or id prefix")
    assign.add_argument("--touchpoint", metavar="KIND", help="the touchpoint to audit")
    assign.add_argument(
        "--template", metavar="ID", help="template id (default: the touchpoint's latest)"
    )
    assign.add_argument("--shopper", metavar="LOGIN", help="the shopper (a team login)")
    assign.add_argument("--due", metavar="DAY", type=day, help="the last day, YYYY-MM-DD")
    assign.add_argument(
        "--from",
        dest="opens",
        metavar="DAY",
        type=day,
        help="the first day it may be done (default: today)",
    )
    assign.add_argument("--instructions", metavar="TEXT", default="", help="the scenario")
    assign.add_argument("--from-csv", metavar="FILE", type=Path, help="assign a file's shops")
    assign.set_defaults(handler=cmd_assign)

    shops = sub.add_parser("shops", help="list shops, start one or cancel one")
    s_sub = shops.add_subparsers(dest="shops_command", metavar="ACTION", required=True)
    s_list = s_sub.add_parser("list", help="list shops by due day")
    s_list.add_argument("--json", action="store_true")
    s_list.add_argument(
        "--state", metavar="S", choices=ShopState.values(), help=" | ".join(ShopState.values())
    )
    s_list.add_argument("--shopper", metavar="LOGIN")
    s_list.add_argument("--overdue", action="store_true", help="only shops past their due day")
    s_start = s_sub.add_parser(
        "start", help="start an assigned (or returned) shop: its audit, in the shopper's name"
    )
    s_start.add_argument("id", metavar="ID", help="shop id or a unique prefix of it")
    s_start.add_argument("--json", action="store_true")
    s_cancel = s_sub.add_parser("cancel", help="cancel a shop not yet reviewed")
    s_cancel.add_argument("id", metavar="ID", help="shop id or a unique prefix of it")
    s_own = s_sub.add_parser(
        "start-own",
        help="start a shop of your own (for a company whose manager allows that) and its audit",
    )
    s_own.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    s_own.add_argument("--touchpoint", metavar="KIND", required=True)
    s_own.add_argument("--template", metavar="ID", help="default: the touchpoint's latest")
    s_own.add_argument(
        "--shopper",
        metavar="LOGIN",
        help="your team login (default: the shopper of the shops synced here)",
    )
    shops.set_defaults(handler=cmd_shops)


def cmd_assign(args: argparse.Namespace) -> int:
    from shopper.services.shops import ShopInput, ShopInputError, create_shop
    from shopper.services.shops_csv import ShopCsvError, import_shops_csv

    if args.from_csv is not None:
        given = [OPTION_OF[name] for name in OPTION_OF if _given(args, name)]
        if given:
            raise UsageError(f"shopper assign: --from-csv takes no {given[0]} (see --help)")
        ctx = open_context(args)
        try:
            made = import_shops_csv(engine=ctx.engine, path=args.from_csv)
        except ShopCsvError as exc:
            for line in exc.lines():
                print(f"shopper: error: {line}", file=sys.stderr)
            return EXIT_USER
        print(f"Assigned {len(made)} shop{'s' if len(made) != 1 else ''} from {args.from_csv}")
        return EXIT_OK
    missing = [OPTION_OF[name] for name in ONE_SHOP if not _given(args, name)]
    if missing:
        raise UsageError(f"shopper assign: give {', '.join(missing)}, or --from-csv FILE")
    ctx = open_context(args)
    data = ShopInput(
        company=args.company,
        touchpoint=args.touchpoint,
        template=args.template,
        shopper=args.shopper,
        due=args.due,
        opens=args.opens,
        instructions=args.instructions,
    )
    try:
        shop = create_shop(engine=ctx.engine, data=data)
    except ShopInputError as exc:
        _index, problem = exc.problems[0]
        raise UsageError(f"shopper assign: {OPTION_OF[problem.field]}: {problem.why}") from None
    print(
        f"Assigned shop {shop.id[:8]}: {shop.company}, {shop.touchpoint}, to {shop.shopper},"
        f" {shop.opens.isoformat()} to {shop.due.isoformat()}"
    )
    return EXIT_OK


def _given(args: argparse.Namespace, name: str) -> bool:
    value = getattr(args, "opens" if name == "from" else name)
    return value is not None and value != ""


def cmd_shops(args: argparse.Namespace) -> int:
    from shopper.services.shops import cancel_shop, list_shops, resolve_shop_id, start_shop

    ctx = open_context(args)
    if args.shops_command == "start-own":
        return _start_own(ctx, args)
    if args.shops_command == "start":
        shop_id = resolve_shop_id(engine=ctx.engine, prefix=args.id)
        audit = start_shop(engine=ctx.engine, shop_id=shop_id)
        if args.json:
            print_json({"shop_id": shop_id, "audit_id": audit.id})
        else:
            print(f"Started shop {shop_id[:8]}: audit {audit.id[:8]}")
        return EXIT_OK
    if args.shops_command == "cancel":
        shop_id = resolve_shop_id(engine=ctx.engine, prefix=args.id)
        shop = cancel_shop(engine=ctx.engine, shop_id=shop_id)
        print(f"Cancelled shop {shop.id[:8]}: {shop.company}, {shop.touchpoint}, {shop.shopper}")
        return EXIT_OK
    rows = list_shops(
        engine=ctx.engine, state=args.state, shopper=args.shopper, overdue=args.overdue
    )
    if args.json:
        print_json([row.to_json() for row in rows])
        return EXIT_OK
    if not rows:
        print("No shops.")
        return EXIT_OK
    width = max(len(r.shopper) for r in rows)
    for r in rows:
        state = state_label(r.state) + (", overdue" if r.overdue else "")
        print(
            f"{r.id[:8]}  due {r.due.isoformat()}  {state:<21} {r.shopper:<{width}}"
            f"  {r.touchpoint:<10} {r.company}"
        )
    return EXIT_OK


def _start_own(ctx: Any, args: argparse.Namespace) -> int:
    from shopper.services.shops import shops_login, start_own_shop

    login = args.shopper or shops_login(engine=ctx.engine)
    if not login:
        raise UsageError("give --shopper LOGIN: your team login")
    audit = start_own_shop(
        engine=ctx.engine,
        company=args.company,
        touchpoint=args.touchpoint,
        template=args.template,
        shopper=login,
    )
    print(f"Started audit {audit.id} of a shop of your own; `shopper sync` sends it")
    return EXIT_OK
