"""`shopper report`: write a PDF report.

Three kinds, chosen by what is named (one of them, never two):

- `shopper report ID -o FILE.pdf`: one audit;
- `shopper report --compare ID ID... -o FILE.pdf`: chosen audits compared, or
  `shopper report --company NAME --touchpoint KIND -o FILE.pdf`: the company's
  repeated audits at that touchpoint compared (the newest `--last N`);
- `shopper report --company NAME -o FILE.pdf`: the company's journey across
  its touchpoints;
- `shopper report --actions --company NAME -o FILE.pdf`: the company's action plan.

`--since` and `--until` narrow the company's audits by the day they started.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shopper.cli._filters import company_id, date_range, day
from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context
from shopper.domain.template import TOUCHPOINTS

# The paper sizes by name; reportlab itself is imported only when a report is made,
# so every other command (and `shopper gui`) starts without it.
PAPER = ("a4", "letter")
DEFAULT_PAPER = "a4"


def register(sub: Subparsers) -> None:
    report = sub.add_parser(
        "report",
        help="write a PDF report of an audit, a comparison or a company's journey",
        description="Write a PDF report: of one audit (ID), of audits compared (--compare "
        "ID ID..., or --company NAME --touchpoint KIND), or of a company's journey across "
        "its touchpoints (--company NAME).",
    )
    what = report.add_mutually_exclusive_group()
    what.add_argument("id", nargs="?", metavar="ID", help="audit id or a unique prefix of it")
    what.add_argument(
        "--compare",
        nargs="+",
        metavar="ID",
        help="compare these audits (ids or unique prefixes, two or more)",
    )
    what.add_argument(
        "--company",
        metavar="NAME",
        help="the company's journey; with --touchpoint, its audits there compared",
    )
    report.add_argument(
        "--said-no", action="store_true", help="with --company: the summary of its said-no log"
    )
    report.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="the PDF to write"
    )
    report.add_argument(
        "--actions", action="store_true", help="with --company: the company's action plan"
    )
    report.add_argument(
        "--touchpoint",
        metavar="KIND",
        choices=list(TOUCHPOINTS),
        help=f"with --company: compare its audits at this touchpoint ({', '.join(TOUCHPOINTS)})",
    )
    report.add_argument(
        "--last",
        type=int,
        metavar="N",
        help="with --company and --touchpoint: compare the newest N audits (50)",
    )
    report.add_argument(
        "--since", metavar="DATE", type=day, help="with --company: audits started on or after"
    )
    report.add_argument(
        "--until", metavar="DATE", type=day, help="with --company: audits started on or before"
    )
    report.add_argument(
        "--redact",
        nargs="?",
        const="",
        metavar="NAME,...",
        help="mask e-mail addresses and phone numbers, and these names (comma-separated)",
    )
    report.add_argument(
        "--page-size",
        type=str.lower,
        choices=list(PAPER),
        default=DEFAULT_PAPER,
        help=f"paper size (default {DEFAULT_PAPER})",
    )
    report.add_argument(
        "--language",
        default="",
        metavar="LANG",
        help="the checklist's words in this language where it has them (fr, 'French (fr)')",
    )
    report.set_defaults(handler=cmd_report)


def _check(args: argparse.Namespace) -> None:
    """Options that only make sense together; refused before the database is opened."""
    if args.actions:
        if args.company is None:
            raise UsageError("shopper report: --actions goes with --company NAME")
        for name in ("touchpoint", "last", "since", "until"):
            if getattr(args, name) is not None:
                raise UsageError(f"shopper report: --{name} does not go with --actions")
    if args.id is None and args.compare is None and args.company is None:
        raise UsageError(
            "shopper report: give the ID of the audit to report on, --compare ID ID... "
            "or --company NAME (see --help)"
        )
    if args.company is None:
        for name in ("touchpoint", "last", "since", "until"):
            if getattr(args, name) is not None:
                raise UsageError(f"shopper report: --{name} goes with --company (see --help)")
    elif args.last is not None and args.touchpoint is None:
        raise UsageError("shopper report: --last goes with --company and --touchpoint")
    if args.compare is not None and len(set(args.compare)) < 2:
        raise UsageError("shopper report: --compare needs at least two different audit ids")
    since, until = date_range(args)
    if since and until and since >= until:
        raise UsageError("shopper report: --since must not be after --until")


def cmd_report(args: argparse.Namespace) -> int:
    from shopper.services.audits import resolve_audit_id
    from shopper.services.compare import DEFAULT_LAST
    from shopper.services.reports import (
        make_audit_report,
        make_comparison_report,
        make_journey_report,
    )

    if args.said_no:
        return _said_no(args)
    _check(args)
    output: Path = args.output.expanduser()
    redact = args.redact is not None
    from shopper.report.redact import parse_names

    names = parse_names(args.redact or "")
    ctx = open_context(args)
    if args.compare is not None:
        ids = [resolve_audit_id(engine=ctx.engine, prefix=prefix) for prefix in args.compare]
        result = make_comparison_report(
            engine=ctx.engine,
            out_path=output,
            audit_ids=ids,
            page_size=args.page_size,
            redact=redact,
            redact_names=names,
        )
    elif args.actions:
        from shopper.services.action_report import make_action_plan_report

        cid = company_id(ctx, args)
        assert cid is not None
        result = make_action_plan_report(
            engine=ctx.engine,
            company_id=cid,
            out_path=output,
            page_size=args.page_size,
            redact=redact,
            redact_names=names,
        )
    elif args.company is not None:
        cid = company_id(ctx, args)
        assert cid is not None
        since, until = date_range(args)
        if args.touchpoint is not None:
            result = make_comparison_report(
                engine=ctx.engine,
                out_path=output,
                company_id=cid,
                touchpoint=args.touchpoint,
                since=since,
                until=until,
                page_size=args.page_size,
                redact=redact,
                redact_names=names,
                last=DEFAULT_LAST if args.last is None else args.last,
            )
        else:
            result = make_journey_report(
                engine=ctx.engine,
                company_id=cid,
                out_path=output,
                since=since,
                until=until,
                page_size=args.page_size,
                redact=redact,
                redact_names=names,
            )
    else:
        result = make_audit_report(
            engine=ctx.engine,
            audit_id=resolve_audit_id(engine=ctx.engine, prefix=args.id),
            out_path=output,
            page_size=args.page_size,
            redact=redact,
            redact_names=names,
            data_dir=ctx.data_dir,
            language=args.language,
        )
    print(f"Wrote {result.path} ({result.pages} page{'s' if result.pages != 1 else ''})")
    return EXIT_OK


def _said_no(args: argparse.Namespace) -> int:
    from shopper.report.redact import parse_names
    from shopper.services.said_no import make_report

    if args.company is None:
        raise UsageError("shopper report: --said-no goes with --company NAME (see --help)")
    ctx = open_context(args)
    result = make_report(
        engine=ctx.engine,
        company=args.company,
        out_path=args.output.expanduser(),
        page_size=args.page_size,
        redact=args.redact is not None,
        redact_names=parse_names(args.redact or ""),
    )
    print(f"Wrote {result.path} ({result.pages} page{'s' if result.pages != 1 else ''})")
    return EXIT_OK
