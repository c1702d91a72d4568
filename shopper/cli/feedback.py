"""`shopper feedback`: complaints, feedback and leaving reasons (seed 001) — import a file,
see and edit the keyword rules that tag them with themes, tag one by hand, share them with
the team's shoppers, and the figures per theme per month."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context, print_json


def register(sub: Subparsers) -> None:
    feedback = sub.add_parser(
        "feedback",
        help="complaints, feedback and leaving reasons: import, rules, tag, share, months",
        description="Imported from a help desk, a survey tool or a cancellation form, each"
        " entry is tagged with the checklist themes by keyword rules you edit.",
    )
    f_sub = feedback.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    imp = f_sub.add_parser("import", help="import a CSV or XLSX file")
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.add_argument("--company", metavar="NAME", required=True, help="company name or id")
    imp.add_argument(
        "--kind", required=True, choices=("complaint", "feedback", "leaving"), help="what it holds"
    )
    imp.add_argument(
        "--map",
        metavar="FIELD=COLUMN,...",
        default="",
        help="which column holds each field (at, text, channel, category, score)",
    )
    imp.add_argument(
        "--scale", metavar="N", type=float, help="the highest score (default: guessed)"
    )
    imp.add_argument(
        "--valid-only",
        metavar="REJECTS.csv",
        type=Path,
        help="import the valid rows and write the rejected ones to this file",
    )
    rules = f_sub.add_parser("rules", help="print the keyword rules, or set them from a file")
    rules_how = rules.add_mutually_exclusive_group()
    rules_how.add_argument("--set", metavar="FILE", type=Path, help="use the rules of this file")
    rules_how.add_argument("--reset", action="store_true", help="go back to the starter set")
    tag = f_sub.add_parser("tag", help="tag an entry by hand (no --themes: back to the rules)")
    tag.add_argument("entry", metavar="ID", help="entry id or a unique prefix")
    tag.add_argument("--themes", metavar="A,B", default="", help="its themes")
    share = f_sub.add_parser("share", help="let the team's shoppers read a company's feedback")
    share.add_argument("--company", metavar="NAME", required=True)
    share.add_argument("--kind", choices=("complaint", "feedback", "leaving"))
    share.add_argument("--off", action="store_true", help="stop sharing")
    export = f_sub.add_parser("export", help="every entry as a row of a CSV or XLSX file")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    export.add_argument("--company", metavar="NAME", help="one company (default: all)")
    export.add_argument("--format", choices=["csv", "xlsx"], help="default: from the name")
    months = f_sub.add_parser("months", help="per theme, per month: counts, trend, phrases")
    months.add_argument("--company", metavar="NAME", required=True)
    months.add_argument("--json", action="store_true")
    feedback.set_defaults(handler=cmd_feedback)


def cmd_feedback(args: argparse.Namespace) -> int:
    from shopper.cli.said_no import print_import, rows_error
    from shopper.services import feedback as service
    from shopper.services import tabular

    ctx = open_context(args)
    command = args.feedback_command
    if command == "import":
        mapping = tabular.parse_map(args.map, service.IMPORT_FIELDS)
        try:
            result = service.import_feedback(
                engine=ctx.engine,
                path=args.file,
                company=args.company,
                kind=args.kind,
                mapping=mapping,
                valid_only=args.valid_only is not None,
                rejects=args.valid_only,
                scale=args.scale,
            )
        except tabular.RowsError as exc:
            return rows_error(exc)
        print_import(result, f"{service.Kind(args.kind).label.casefold()} entr", ("y", "ies"))
        return EXIT_OK
    if command == "rules":
        if args.set is None and not args.reset:
            sys.stdout.write(service.rules_text(engine=ctx.engine))
            return EXIT_OK
        if args.reset:
            text = service.starter_rules()
        else:
            try:
                text = args.set.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = f"{args.set}: cannot read it ({exc})"
                raise UsageError(f"shopper feedback rules: {why}") from None
        changed = service.save_rules(engine=ctx.engine, text=text)
        print(f"Saved the rules; {changed} entr{'y' if changed == 1 else 'ies'} re-tagged")
        return EXIT_OK
    if command == "tag":
        themes = [t for t in args.themes.split(",") if t.strip()]
        item = service.retag(engine=ctx.engine, entry=args.entry, themes=themes)
        how = "by hand" if item.tagged_by_hand else "by the rules"
        print(f"Entry {item.id[:8]}: {', '.join(item.themes) or 'no theme'} ({how})")
        return EXIT_OK
    if command == "export":
        from shopper.cli.said_no import export_table

        return export_table(args, ctx.engine, "feedback")
    if command == "share":
        count = service.share_feedback(
            engine=ctx.engine, company=args.company, kind=args.kind, shared=not args.off
        )
        print(f"{'Unshared' if args.off else 'Shared'} {count} entr{'y' if count == 1 else 'ies'}")
        return EXIT_OK
    figures = service.theme_months(engine=ctx.engine, company=args.company)
    if args.json:
        print_json([f.to_json() for f in figures])
        return EXIT_OK
    from shopper.domain.themes import theme_title

    if not figures:
        print("No feedback imported.")
    for figure in figures:
        phrases = ", ".join(f"{p} ({n})" for p, n in figure.phrases[:3])
        print(f"{theme_title(figure.theme)}: {figure.total} ({figure.trend}); {phrases}")
        for month in figure.months:
            print(f"  {month.line()}")
    return EXIT_OK
