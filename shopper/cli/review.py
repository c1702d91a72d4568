"""`shopper review`: the manager's review of submitted shops — the queue, accept, return."""

from __future__ import annotations

import argparse
from typing import Any

from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context, print_json


def register(sub: Subparsers) -> None:
    review = sub.add_parser(
        "review",
        help="review submitted shops: list them, accept one, return one to its shopper",
    )
    r_sub = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    r_list = r_sub.add_parser("list", help="submitted shops, the longest waiting first")
    r_list.add_argument("--json", action="store_true")
    accept = r_sub.add_parser("accept", help="accept a submitted audit: it is locked")
    accept.add_argument("id", metavar="ID", help="the audit's (or the shop's) id or prefix")
    accept.add_argument("--comment", metavar="TEXT", default="", help="a word for the shopper")
    back = r_sub.add_parser(
        "return", help="return a submitted audit to its shopper, with what to change"
    )
    back.add_argument("id", metavar="ID", help="the audit's (or the shop's) id or prefix")
    back.add_argument("--comment", metavar="TEXT", default="", help="on the whole audit")
    back.add_argument(
        "--item",
        metavar="ITEM=TEXT",
        action="append",
        default=[],
        help="a comment on one item (repeat for more)",
    )
    correct = r_sub.add_parser(
        "correct",
        help="correct answers of a submitted audit, kept in their history as the reviewer's",
        description="Each VALUE is written as `audits show --json` prints it; every value is"
        " checked before any is saved.",
    )
    correct.add_argument("id", metavar="ID", help="the audit's (or the shop's) id or prefix")
    correct.add_argument("answers", metavar="ITEM=VALUE", nargs="*")
    correct.add_argument(
        "--note", metavar="ITEM=TEXT", action="append", default=[], help="the item's note"
    )
    review.set_defaults(handler=cmd_review)


def cmd_review(args: argparse.Namespace) -> int:
    from shopper.services import review

    ctx = open_context(args)
    if args.review_command == "list":
        rows = review.review_queue(engine=ctx.engine)
        if args.json:
            print_json([r.to_json() for r in rows])
            return EXIT_OK
        if not rows:
            print("Nothing waits for review.")
            return EXIT_OK
        width = max(len(r.shopper_name) for r in rows)
        for r in rows:
            score = f"{r.score_percent:5.1f}%" if r.score_percent is not None else "    —"
            when = r.submitted_at.date().isoformat() if r.submitted_at else "?"
            late = ", late" if r.late else ""
            audit = (r.audit_id or "")[:8]
            print(
                f"{audit:<8}  submitted {when}  due {r.due.isoformat()}{late}  {score}"
                f"  {r.shopper_name:<{width}}  {r.touchpoint:<10} {r.company}"
            )
        return EXIT_OK
    _shop_id, audit_id = review.resolve_review(engine=ctx.engine, prefix=args.id)
    if args.review_command == "correct":
        return _correct(ctx, audit_id, args.answers, args.note)
    if args.review_command == "accept":
        shop = review.accept(engine=ctx.engine, audit_id=audit_id, comment=args.comment)
        print(f"Accepted {audit_id[:8]}: shop {shop.id[:8]} is reviewed ({shop.shopper})")
        return EXIT_OK
    items: dict[str, str] = {}
    for given in args.item:
        item_id, sep, text = given.partition("=")
        if not sep or not item_id.strip():
            raise UsageError(f"--item {given!r}: write ITEM=TEXT")
        if item_id.strip() in items:
            raise UsageError(f"--item {item_id.strip()}: given twice")
        items[item_id.strip()] = text
    shop = review.return_to_shopper(
        engine=ctx.engine, audit_id=audit_id, comment=args.comment, items=items
    )
    count = len(items) + bool(args.comment.strip())
    print(
        f"Returned {audit_id[:8]} to {shop.shopper} with {count} comment(s);"
        " they see them after their next sync"
    )
    return EXIT_OK


def _correct(ctx: Any, audit_id: str, answers: list[str], notes: list[str]) -> int:
    """Check every value first (nothing is saved unless all fit), then correct each."""
    from shopper.cli.audits import _pairs, _value
    from shopper.domain.answers import format_answer, normalize_answer
    from shopper.services import review

    if not answers and not notes:
        raise UsageError("give at least one ITEM=VALUE or --note ITEM=TEXT")
    login = review.reviewer_login(engine=ctx.engine, audit_id=audit_id)
    runner = review.reviewer_runner(engine=ctx.engine, audit_id=audit_id, login=login)
    template = runner.template
    values: dict[str, Any] = {}
    for item_id, text in _pairs(answers, "an answer as ITEM=VALUE"):
        if not template.has_item(item_id):
            raise UsageError(f"{item_id}: no such item in this audit's checklist")
        item = template.item(item_id)
        values[item_id] = normalize_answer(item, _value(item, text, runner.zone))
    written = dict(_pairs(notes, "a note as ITEM=TEXT"))
    for item_id in written:
        if not template.has_item(item_id):
            raise UsageError(f"{item_id}: no such item in this audit's checklist")
    for item_id in dict.fromkeys([*values, *written]):
        value = values[item_id] if item_id in values else runner.value(item_id)
        runner.correct(item_id, value, written.get(item_id))
        shown = format_answer(template.item(item_id), value) if value is not None else "cleared"
        print(f"{item_id}: {shown} (corrected by {login})")
    return EXIT_OK
