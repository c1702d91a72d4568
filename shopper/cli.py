"""The `shopper` command line, on top of the services.

Exit codes: 0 success, 2 a user mistake (one line on stderr, never a
traceback), 1 an unexpected error (logged with its traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from shopper import __version__
from shopper.domain.errors import ShopperError
from shopper.domain.template import TOUCHPOINTS, touchpoint_label
from shopper.store.tables import AuditStatus

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USER = 2


class UsageError(ShopperError):
    """The command line itself is wrong (unknown option, missing argument)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shopper",
        description="Mystery-shopping audits: checklists, evidence, comparison and reports.",
    )
    parser.add_argument("--version", action="version", version=f"shopper {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder for the database, evidence, backups and log (default: the user data "
        "folder, or $SHOPPER_DATA_DIR)",
    )
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: SQLite in the data folder)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("gui", help="open the app (the default)")

    demo = sub.add_parser("demo", help="add demo companies and audits")
    demo.add_argument("--audits", type=int, default=120, help="how many audits (default 120)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    templates = sub.add_parser("templates", help="list or validate checklist templates")
    t_sub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    t_list = t_sub.add_parser("list", help="list the stored templates")
    t_list.add_argument("--json", action="store_true")
    t_validate = t_sub.add_parser("validate", help="check template files")
    t_validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    t_import = t_sub.add_parser("import", help="validate and store template files")
    t_import.add_argument("files", nargs="+", type=Path, metavar="FILE")

    audits = sub.add_parser("audits", help="list audits or show one")
    a_sub = audits.add_subparsers(dest="audits_command", metavar="ACTION", required=True)
    a_list = a_sub.add_parser("list", help="list audits, newest first")
    a_list.add_argument("--json", action="store_true")
    a_list.add_argument("--company", metavar="NAME")
    a_list.add_argument("--touchpoint", metavar="KIND", choices=list(TOUCHPOINTS))
    a_list.add_argument(
        "--status", metavar="S", choices=[AuditStatus.IN_PROGRESS, AuditStatus.COMPLETED]
    )
    a_show = a_sub.add_parser("show", help="show one audit with its answers and scores")
    a_show.add_argument("id", metavar="ID", help="audit id or a unique prefix of it")
    a_show.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = argparse.Namespace()
    try:
        args = build_parser().parse_args(args_list)
        command = args.command or "gui"
        if command == "gui":
            from shopper.app import main as gui_main

            return gui_main(data_dir=args.data_dir, db_url=args.db)
        handler = _HANDLERS[command]
        return handler(args)
    except ShopperError as exc:
        _user_error(str(exc))
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("shopper: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        log_path = getattr(args, "log_path", None)
        if log_path is None:
            raise  # no log yet: Python's own traceback is the only record
        log.exception("unexpected error in: shopper %s", " ".join(args_list))
        print(
            f"shopper: unexpected error: {type(exc).__name__}: {exc}; details are in {log_path}",
            file=sys.stderr,
        )
        return EXIT_BUG
    return EXIT_OK


def _user_error(message: str) -> NoReturn:
    line = " ".join(message.split())
    prefix = "" if line.startswith("shopper") else "shopper: error: "
    print(f"{prefix}{line}", file=sys.stderr)
    raise SystemExit(EXIT_USER)


def _context(args: argparse.Namespace) -> Any:
    """Open the data folder and database; from here on, errors are logged there."""
    from shopper.services.context import AppContext, setup_logging

    ctx = AppContext.open(args.data_dir, args.db)
    setup_logging(ctx.log_path)
    args.log_path = ctx.log_path
    return ctx


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cmd_demo(args: argparse.Namespace) -> int:
    from shopper.services.demo import load_demo

    ctx = _context(args)
    result = load_demo(engine=ctx.engine, audits=args.audits, seed=args.seed)
    print(
        f"Added {result.companies} companies, {result.audits} audits and "
        f"{result.answers} answers to {ctx.data_dir}"
    )
    return EXIT_OK


def cmd_templates(args: argparse.Namespace) -> int:
    from shopper.domain.template_loader import load_template_file

    if args.templates_command == "validate":
        for path in args.files:
            loaded = load_template_file(path)
            tpl = loaded.template
            print(
                f"{path}: ok — {tpl.title} v{tpl.version}, {touchpoint_label(tpl.touchpoint)}, "
                f"{len(tpl.sections)} sections, {tpl.item_count} items"
            )
        return EXIT_OK
    from shopper.services.templates import import_template_file, list_templates

    ctx = _context(args)
    if args.templates_command == "import":
        for path in args.files:
            tpl = import_template_file(engine=ctx.engine, path=path)
            print(f"{path}: stored {tpl.title} v{tpl.version} ({tpl.id})")
        return EXIT_OK
    infos = list_templates(engine=ctx.engine)
    if args.json:
        _print_json(
            [
                {
                    "id": i.id,
                    "version": i.version,
                    "title": i.title,
                    "touchpoint": i.touchpoint,
                    "builtin": i.builtin,
                    "items": i.items,
                    "older_versions": list(i.older_versions),
                }
                for i in infos
            ]
        )
        return EXIT_OK
    for i in infos:
        origin = "built-in" if i.builtin else "imported"
        print(
            f"{i.id[:8]}  v{i.version:<3} {touchpoint_label(i.touchpoint):<20} "
            f"{i.items:>3} items  {origin:<9} {i.title}"
        )
    return EXIT_OK


def cmd_audits(args: argparse.Namespace) -> int:
    from shopper.services.audits import (
        audit_to_json,
        describe_row,
        list_audits,
        load_audit,
        resolve_audit_id,
    )
    from shopper.services.companies import find_company

    ctx = _context(args)
    if args.audits_command == "show":
        audit_id = resolve_audit_id(engine=ctx.engine, prefix=args.id)
        data = audit_to_json(load_audit(engine=ctx.engine, audit_id=audit_id))
        if args.json:
            _print_json(data)
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
        _print_json(
            [
                {
                    "id": r.id,
                    "company": r.company_name,
                    "company_id": r.company_id,
                    "touchpoint": r.touchpoint,
                    "template": r.template_title,
                    "template_version": r.template_version,
                    "shopper": r.shopper,
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


def _print_audit(data: dict[str, Any]) -> None:
    score = data["score"]
    percent = "—" if score["percent"] is None else f"{score['percent']:.1f}%"
    print(f"Audit {data['id']}")
    print(f"  Company:    {data['company']['name']}")
    print(f"  Touchpoint: {touchpoint_label(data['touchpoint'])}")
    print(f"  Template:   {data['template']['title']} v{data['template']['version']}")
    print(f"  Shopper:    {data['shopper'] or '—'}")
    print(f"  Status:     {AuditStatus.LABELS.get(data['status'], data['status'])}")
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


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo,
    "templates": cmd_templates,
    "audits": cmd_audits,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
