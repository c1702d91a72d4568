"""`shopper sync`, `shopper submit` and `shopper outbox`: this data folder's audits and the team
database it is linked to (`shopper team connect URL`), as `shopper.services.sync` says."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shopper.cli.base import EXIT_OK, Subparsers, open_context, print_json
from shopper.domain.errors import ShopperError


def register(sub: Subparsers) -> None:
    s = sub.add_parser(
        "sync",
        help="send this data folder's audits to its team database and fetch its shops",
        description="Uses the team database of `shopper team connect URL`; the password comes"
        " from ~/.pgpass or PGPASSWORD.",
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_sync)
    submit = sub.add_parser(
        "submit", help="hand in an audit completed here: send it, then submit its shop"
    )
    submit.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    submit.set_defaults(handler=cmd_submit)
    box = sub.add_parser("outbox", help="what waits to go to the team database, and why")
    box.add_argument("--json", action="store_true")
    box.set_defaults(handler=cmd_outbox)


@contextmanager
def _team(args: argparse.Namespace) -> Iterator[tuple[Any, Any]]:
    """This data folder's own database and the engine of the team database it is linked to."""
    from shopper.services.team import team_engine
    from shopper.services.team_link import load_link

    if args.db is not None:
        raise ShopperError("sync works on this data folder's own database: leave out --db")
    ctx = open_context(args)
    target = load_link(ctx.data_dir)
    if target is None:
        raise ShopperError(
            f"{ctx.data_dir} is not linked to a team database: run `shopper team connect URL`"
        )
    engine = team_engine(target.url())
    try:
        yield ctx, engine
    finally:
        engine.dispose()


def cmd_sync(args: argparse.Namespace) -> int:
    from shopper.services.sync import sync

    with _team(args) as (ctx, engine):
        result = sync(local=ctx, team_engine=engine)
    if args.json:
        print_json(result.to_json())
        return EXIT_OK
    print(
        f"Fetched {result.pulled_shops} shop(s), {result.pulled_companies} company(ies),"
        f" {result.pulled_templates} new template version(s), {result.pulled_audits} audit(s)"
        + (f", {result.pulled_comments} review comment(s)" if result.pulled_comments else "")
        + (
            f"; removed {result.removed_shops} shop(s) no longer yours"
            if result.removed_shops
            else ""
        )
    )
    print(f"Sent {len(result.pushed)} audit(s); {result.up_to_date} already there")
    for pushed in result.pushed:
        print(f"  sent {pushed.audit_id[:8]} (version {pushed.version})")
    for refused in result.refused:
        print(f"  refused {refused.audit_id[:8]}: {refused.why}")
    for failed in result.failed:
        print(f"  failed {failed.audit_id[:8]}: {failed.why}")
    for conflict in result.conflicts:
        print(
            f"  conflict {conflict.audit_id[:8]}: changed on the team database; this machine's"
            f" version is kept as audit {conflict.copy_id[:8]}"
        )
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
    from shopper.services.audits import resolve_audit_id
    from shopper.services.sync import submit

    with _team(args) as (ctx, engine):
        audit_id = resolve_audit_id(engine=ctx.engine, prefix=args.id)
        done = submit(ctx, engine, audit_id)
    sent = "sent and " if done.pushed else ""
    moved = "submitted" if done.moved else "was submitted already"
    print(f"Audit {audit_id[:8]} {sent}{moved} (shop {done.shop_id[:8]})")
    return EXIT_OK


def cmd_outbox(args: argparse.Namespace) -> int:
    from shopper.services.sync import outbox

    ctx = open_context(args)
    entries = outbox(ctx)
    if args.json:
        print_json([e.to_json() for e in entries])
        return EXIT_OK
    if not entries:
        print("Nothing waits to go")
    for e in entries:
        tried = e.tried_at.isoformat(timespec="seconds") if e.tried_at else "never tried"
        if e.conflict_of is not None:
            print(f"{e.audit_id[:8]}  conflict copy of {e.conflict_of[:8]}")
            continue
        why = f"  {e.error}" if e.error else ""
        print(f"{e.audit_id[:8]}  {e.state:<8}  version {e.version}  {tried}{why}")
    return EXIT_OK
