"""`shopper templates`: list, validate and import checklist templates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from shopper.cli.base import EXIT_OK, Subparsers, UsageError, open_context, print_json
from shopper.domain.template import touchpoint_label

if TYPE_CHECKING:
    from sqlalchemy import Engine


def register(sub: Subparsers) -> None:
    templates = sub.add_parser(
        "templates", help="list, validate or import checklist templates, XLSForm in and out"
    )
    t_sub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    t_list = t_sub.add_parser("list", help="list the stored templates")
    t_list.add_argument("--json", action="store_true")
    t_validate = t_sub.add_parser("validate", help="check template files")
    t_validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    t_import = t_sub.add_parser("import", help="validate and store template files")
    t_import.add_argument("files", nargs="+", type=Path, metavar="FILE")
    t_xin = t_sub.add_parser(
        "import-xlsform", help="read an XLSForm workbook (.xlsx .xls .csv .md) as a template"
    )
    t_xin.add_argument("file", type=Path, metavar="FILE")
    t_xin.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="import what a checklist can hold and list the rest (default: refuse)",
    )
    t_xout = t_sub.add_parser("export-xlsform", help="write a template as an XLSForm workbook")
    t_xout.add_argument("template", metavar="ID", help="the template's id, or its start")
    t_xout.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")
    t_xout.add_argument("--version", type=int, help="that version (default: the latest)")
    templates.set_defaults(handler=cmd_templates)


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

    ctx = open_context(args)
    if args.templates_command == "import-xlsform":
        return _import_xlsform(args, ctx.engine)
    if args.templates_command == "export-xlsform":
        return _export_xlsform(args, ctx.engine)
    if args.templates_command == "import":
        for path in args.files:
            tpl = import_template_file(engine=ctx.engine, path=path)
            print(f"{path}: stored {tpl.title} v{tpl.version} ({tpl.id})")
        return EXIT_OK
    infos = list_templates(engine=ctx.engine)
    if args.json:
        print_json(
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


def _import_xlsform(args: argparse.Namespace, engine: Engine) -> int:
    from shopper.domain.xlsform import XlsformUnsupportedError
    from shopper.services.templates import import_xlsform_file

    try:
        result = import_xlsform_file(
            engine=engine, path=args.file, skip_unsupported=args.skip_unsupported
        )
    except XlsformUnsupportedError as exc:
        raise UsageError(f"{exc} (--skip-unsupported imports the rest)") from exc
    tpl = result.template
    for entry in result.unsupported:
        print(f"{args.file}: left out: {entry}")
    print(
        f"{args.file}: stored {tpl.title} v{tpl.version} ({tpl.id}), "
        f"{len(tpl.sections)} sections, {tpl.item_count} items"
    )
    return EXIT_OK


def _export_xlsform(args: argparse.Namespace, engine: Engine) -> int:
    from shopper.domain.xlsform import xlsform_bytes
    from shopper.services.templates import find_template

    out: Path = args.output
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out}: the workbook is written as .xlsx; name it FILE.xlsx")
    tpl = find_template(engine=engine, ref=args.template, version=args.version)
    data = xlsform_bytes(tpl)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    print(f"{out}: wrote {tpl.title} v{tpl.version} as XLSForm ({tpl.item_count} items)")
    return EXIT_OK
