"""`shopper audits`: list audits, show one, answer its items, attach evidence, complete it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from shopper.cli.base import EXIT_OK, Subparsers, open_context, print_json
from shopper.domain.answers import format_answer, make_datetime_answer, normalize_answer
from shopper.domain.errors import AuditStateError, ShopperError
from shopper.domain.template import TOUCHPOINTS, Item, ItemType, touchpoint_label
from shopper.domain.vocabulary import AuditStatus
from shopper.domain.wording import column


def register(sub: Subparsers) -> None:
    audits = sub.add_parser("audits", help="list audits, show, answer, attach to, complete one")
    a_sub = audits.add_subparsers(dest="audits_command", metavar="ACTION", required=True)
    a_list = a_sub.add_parser("list", help="list audits, newest first")
    a_list.add_argument("--json", action="store_true")
    a_list.add_argument("--company", metavar="NAME")
    a_list.add_argument("--touchpoint", metavar="KIND", choices=list(TOUCHPOINTS))
    a_list.add_argument(
        "--status", metavar="S", choices=list(AuditStatus), help=" | ".join(AuditStatus)
    )
    a_show = a_sub.add_parser("show", help="show one audit with its answers and scores")
    a_show.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    a_show.add_argument("--json", action="store_true")
    a_wait = a_sub.add_parser(
        "waiting", help="enquiries still waiting for a reply, with how long they have waited"
    )
    a_wait.add_argument("--json", action="store_true")
    a_follow = a_sub.add_parser(
        "follow-ups",
        help="audits awaiting follow-up: what still waits in each, and until when",
    )
    a_follow.add_argument("--json", action="store_true")
    a_answer = a_sub.add_parser(
        "answer",
        help="answer items of an audit in progress, checked as the app checks them",
        description=(
            'Each VALUE is written as `audits show --json` prints it (yes, 4, "2026-12-01 '
            '10:15", ["a", "b"], null to clear); plain words need no quotes. '
            "Every value is checked before any is saved: one bad value changes nothing."
        ),
    )
    a_answer.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    a_answer.add_argument("answers", metavar="ITEM=VALUE", nargs="*")
    a_answer.add_argument(
        "--note", metavar="ITEM=TEXT", action="append", default=[], help="the item's note"
    )
    a_attach = a_sub.add_parser(
        "attach",
        help="attach a photo, recording, e-mail or PDF to an audit in progress (or one item)",
    )
    a_attach.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    a_attach.add_argument("file", metavar="FILE", type=Path, help="the file to attach")
    a_attach.add_argument("--item", metavar="ITEM", help="the item it shows (else the audit)")
    a_attach.add_argument("--caption", metavar="TEXT", default="")
    a_history = a_sub.add_parser(
        "history",
        help="what happened to an audit: its shop's moves, reopenings, review comments, and"
        " every change to an answer after it was first completed (who, when, old and new)",
    )
    a_history.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    a_history.add_argument("--item", metavar="ITEM", help="only this item's history")
    a_history.add_argument("--json", action="store_true")
    a_complete = a_sub.add_parser("complete", help="complete an audit in progress")
    a_complete.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    a_complete.add_argument(
        "--wait",
        action="store_true",
        help="items that can only be answered later wait for the follow-up",
    )
    audits.set_defaults(handler=cmd_audits)


def cmd_audits(args: argparse.Namespace) -> int:
    from shopper.services.audits import (
        audit_to_json,
        describe_row,
        list_audits,
        load_audit,
        resolve_audit_id,
    )
    from shopper.services.companies import find_company

    ctx = open_context(args)
    if args.audits_command in ("answer", "attach", "complete"):
        from shopper.services.runner import AuditRunner

        audit_id = resolve_audit_id(engine=ctx.engine, prefix=args.id)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
        if args.audits_command == "answer":
            return _answer(runner, args.answers, args.note)
        if args.audits_command == "attach":
            return _attach(runner, ctx.data_dir, args)
        return _complete(runner, wait=args.wait)
    if args.audits_command == "waiting":
        return _print_waiting(ctx, as_json=args.json)
    if args.audits_command == "follow-ups":
        return _print_follow_ups(ctx, as_json=args.json)
    if args.audits_command == "history":
        return _print_history(ctx, args)
    if args.audits_command == "show":
        audit_id = resolve_audit_id(engine=ctx.engine, prefix=args.id)
        data = audit_to_json(load_audit(engine=ctx.engine, audit_id=audit_id))
        if args.json:
            print_json(data)
        else:
            _print_audit(data)
        return EXIT_OK
    company_id = None
    if args.company:
        company_id = find_company(engine=ctx.engine, name_or_id=args.company).id
    rows = list_audits(
        engine=ctx.engine, company_id=company_id, touchpoint=args.touchpoint, status=args.status
    )
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "company": r.company_name,
                    "company_id": r.company_id,
                    "touchpoint": r.touchpoint,
                    "template": r.template_title,
                    "template_version": r.template_version,
                    "shopper": r.shopper,
                    "shopper_name": r.shopper_name,
                    "status": r.status,
                    "started_at": r.started_at.isoformat(timespec="seconds"),
                    "started_tz": r.started_tz,
                    "completed_at": r.completed_at.isoformat(timespec="seconds")
                    if r.completed_at
                    else None,
                    "score_percent": None if r.score_percent is None else round(r.score_percent, 2),
                    "verdict": r.verdict,
                    "passed": r.passed,
                }
                for r in rows
            ]
        )
        return EXIT_OK
    if not rows:
        print("No audits.", file=sys.stderr)
    for row in rows:
        print(describe_row(row))
    return EXIT_OK


def _print_history(ctx: Any, args: argparse.Namespace) -> int:
    from shopper.domain.clock import in_zone
    from shopper.services.audits import resolve_audit_id
    from shopper.services.review import history

    audit_id = resolve_audit_id(engine=ctx.engine, prefix=args.id)
    entries = history(engine=ctx.engine, audit_id=audit_id, item_id=args.item)
    if args.json:
        print_json([e.to_json() for e in entries])
        return EXIT_OK
    if not entries:
        print("No history." if args.item is None else f"No history for {args.item}.")
        return EXIT_OK
    for e in entries:
        when = in_zone(e.at, e.tz).strftime("%Y-%m-%d %H:%M")
        where = f" [{e.item_id}]" if e.item_id else ""
        line = f"{when}  {e.who or '—'}{where}  {e.what}"
        if e.old or e.new:
            line += f": {e.old or '(blank)'} → {e.new or '(blank)'}"
        elif e.detail and e.kind != "comment":
            line += f" ({e.detail})"
        print(line)
    return EXIT_OK


def _pairs(texts: list[str], what: str) -> list[tuple[str, str]]:
    pairs = []
    for text in texts:
        item_id, equals, value = text.partition("=")
        if not equals or not item_id.strip():
            raise ShopperError(f"{text!r}: write {what} as ITEM={what.rsplit('=', maxsplit=1)[-1]}")
        pairs.append((item_id.strip(), value))
    return pairs


def _value(item: Item, text: str, zone: str) -> Any:
    """A value as `audits show --json` prints it; a plain word needs no quotes, and a
    date-time may be written `2026-12-01 10:15` (in `zone`, unless it gives its offset)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if item.type is ItemType.TEXT and value is not None and not isinstance(value, str):
        return text  # a text answer that happens to look like a number stays as typed
    if item.type is ItemType.DATETIME and isinstance(value, str):
        try:
            return make_datetime_answer(datetime.fromisoformat(value.strip()), zone)
        except ValueError:
            raise ShopperError(
                f"{item.id}: {value!r} is not a date and time like 2026-12-01 10:15"
            ) from None
    return value


def _answer(runner: Any, answers: list[str], notes: list[str]) -> int:
    """Check every value first (nothing is saved unless all fit), then save each."""
    from shopper.services.runner import MAX_NOTE

    if not answers and not notes:
        raise ShopperError("give at least one ITEM=VALUE or --note ITEM=TEXT")
    template = runner.template
    checked: list[tuple[str, Any]] = []
    for item_id, text in _pairs(answers, "an answer as ITEM=VALUE"):
        if not template.has_item(item_id):
            raise ShopperError(f"{item_id}: no such item in this audit's checklist")
        item = template.item(item_id)
        if not item.answerable:
            raise ShopperError(f"{item_id}: an information item is read, not answered")
        checked.append((item_id, normalize_answer(item, _value(item, text, runner.zone))))
    written = _pairs(notes, "a note as ITEM=TEXT")
    for item_id, note in written:
        if not template.has_item(item_id):
            raise ShopperError(f"{item_id}: no such item in this audit's checklist")
        if not template.item(item_id).answerable:
            raise ShopperError(f"{item_id}: an information item is read, not answered")
        if len(note) > MAX_NOTE:
            raise ShopperError(
                f"{item_id}: the note is {len(note):,} characters; the limit is {MAX_NOTE:,}"
            )
    for item_id in [i for i, _v in checked] + [i for i, _n in written]:
        if runner.read_only or not runner.can_change(item_id):
            raise AuditStateError(
                "this audit is completed; reopen it in the app to change it"
                if runner.read_only
                else f"{item_id}: this audit awaits follow-up: only the follow-up can be answered"
            )
    for item_id, value in checked:
        runner.set_answer(item_id, value)
        shown = format_answer(template.item(item_id), value) if value is not None else "cleared"
        print(f"{item_id}: {shown}")
    for item_id, note in written:
        runner.set_note(item_id, note)
        print(f"{item_id}: note saved")
    score = runner.score
    percent = "—" if score.percent is None else f"{score.percent:.1f}%"
    print(f"Audit {runner.audit_id[:8]}: score so far {percent}")
    return EXIT_OK


def _attach(runner: Any, data_dir: Path, args: argparse.Namespace) -> int:
    from shopper.services.evidence import read_evidence_file

    evidence = runner.attach(
        data_dir=data_dir,
        data=read_evidence_file(args.file),
        filename=args.file.name,
        item_id=args.item,
        caption=args.caption,
    )
    where = f"to {args.item}" if args.item else "to the audit"
    print(f"Attached {evidence.filename} {where}: {evidence.kind}, sha256 {evidence.sha256[:12]}")
    return EXIT_OK


def _complete(runner: Any, *, wait: bool) -> int:
    from shopper.services.runner import FollowUpPendingError

    try:
        runner.complete(wait=wait)
    except FollowUpPendingError as exc:
        raise ShopperError(f"{exc} (complete with --wait to await the follow-up)") from exc
    state = "awaits follow-up" if runner.awaiting else "is completed"
    score = runner.score
    percent = "—" if score.percent is None else f"{score.percent:.1f}%"
    print(f"Audit {runner.audit_id[:8]} {state}: {percent}")
    return EXIT_OK


def _print_audit(data: dict[str, Any]) -> None:
    score = data["score"]
    percent = "—" if score["percent"] is None else f"{score['percent']:.1f}%"
    print(f"Audit {data['id']}")
    print(f"  Company:    {data['company']['name']}")
    print(f"  Touchpoint: {touchpoint_label(data['touchpoint'])}")
    print(f"  Template:   {data['template']['title']} v{data['template']['version']}")
    print(f"  Shopper:    {data['shopper'] or '—'}")
    print(f"  Status:     {AuditStatus.label_of(data['status'])}")
    print(f"  Started:    {data['started_at']} ({data['started_tz']})")
    if data["completed_at"]:
        print(f"  Completed:  {data['completed_at']} ({data['completed_tz']})")
    print(f"  Score:      {percent} — {score['verdict']}")
    for section in data["sections"]:
        s_percent = "" if section["percent"] is None else f"  {section['percent']:.0f}%"
        print(f"\n{section['title']}{s_percent}")
        for item in section["items"]:
            if item["outcome"] == "hidden":
                continue
            answer = item["display"] or "(unanswered)"
            print(f"  [{item['outcome']:<10}] {item['prompt']}: {answer}")
            if item["note"]:
                print(f"               note: {item['note']}")


def _print_waiting(ctx: Any, *, as_json: bool) -> int:
    from shopper.services.instruments import waiting_replies

    rows = waiting_replies(engine=ctx.engine)
    if as_json:
        print_json(
            [
                {
                    "audit_id": r.audit_id,
                    "company": r.company_name,
                    "touchpoint": r.touchpoint,
                    "sent_at": r.sent_at.isoformat(timespec="seconds"),
                    "waited_hours": round(r.waited_hours, 2),
                    "waited_business_hours": round(r.waited_business_hours, 2),
                }
                for r in rows
            ]
        )
        return EXIT_OK
    if not rows:
        print("No enquiry is waiting for a reply.", file=sys.stderr)
    for r in rows:
        print(
            f"{r.audit_id[:8]}  {r.sent_at:%Y-%m-%d %H:%M} UTC  {column(r.company_name, 28)}  "
            f"{touchpoint_label(r.touchpoint):<18}  waited {r.waited_hours:6.1f} h "
            f"({r.waited_business_hours:.1f} business h)"
        )
    return EXIT_OK


def _print_follow_ups(ctx: Any, *, as_json: bool) -> int:
    from shopper.domain.clock import now_utc
    from shopper.services.follow_up import waiting_audits

    rows = waiting_audits(engine=ctx.engine)
    if as_json:
        print_json(
            [
                {
                    "audit_id": r.audit_id,
                    "company": r.company_name,
                    "touchpoint": r.touchpoint,
                    "completed_at": r.completed_at.isoformat(timespec="seconds"),
                    "items": [
                        {
                            "id": item.item_id,
                            "prompt": item.prompt,
                            "due": item.due.isoformat(timespec="seconds"),
                        }
                        for item in r.items
                    ],
                }
                for r in rows
            ]
        )
        return EXIT_OK
    if not rows:
        print("No audit is awaiting follow-up.", file=sys.stderr)
    now = now_utc()
    for r in rows:
        head = (
            f"{r.audit_id[:8]}  {column(r.company_name, 28)}  {touchpoint_label(r.touchpoint):<18}"
        )
        if not r.items:
            print(f"{head}  answered: complete it")
        for item in r.items:
            state = "window passed" if item.due <= now else f"due {item.due:%Y-%m-%d %H:%M} UTC"
            print(f"{head}  {state}  {item.prompt}")
    return EXIT_OK
