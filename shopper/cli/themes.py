"""`shopper themes`: one company's themes with every source side by side, by priority (the
rule is in docs/scoring.md)."""

from __future__ import annotations

import argparse

from shopper.cli.base import EXIT_OK, Subparsers, open_context, print_json


def register(sub: Subparsers) -> None:
    themes = sub.add_parser(
        "themes",
        help="do they chime? each theme's audits, complaints, feedback and said-no side by side",
        description="Per theme: what the audits found (failed items, bad moments, friction"
        " points) beside what the other sources say, whether they agree, and the priority"
        " (docs/scoring.md).",
    )
    themes.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    themes.add_argument("--json", action="store_true")
    themes.set_defaults(handler=cmd_themes)


def cmd_themes(args: argparse.Namespace) -> int:
    from shopper.services.chime import company_chime
    from shopper.services.companies import find_company

    ctx = open_context(args)
    company = find_company(engine=ctx.engine, name_or_id=args.company)
    view = company_chime(engine=ctx.engine, company_id=company.id)
    if args.json:
        print_json(view.to_json())
        return EXIT_OK
    print(f"{view.company}: {view.audits} completed audit{'s' if view.audits != 1 else ''}")
    if not view.rows:
        print("No themes yet: no completed audit, complaint or said-no entry.")
    for row in view.rows:
        a = row.audits
        other = row.other
        score = (
            f"{other.mean_score:.1f}/{other.score_scale:g}"
            if other.mean_score is not None and other.score_scale
            else "-"
        )
        print(
            f"{row.priority:6.1f}  {row.title}: {row.agreement.label} — {row.summary}\n"
            f"        audits {a.failed} failed of {a.scored} scored, {a.moments} bad moments;"
            f" complaints {other.complaints}; feedback {score}; said no {other.said_no};"
            f" leaving {other.leaving}"
        )
    return EXIT_OK
