"""`shopper templates`: list, validate and import checklist templates."""

from __future__ import annotations

import argparse
from pathlib import Path

from shopper.cli.base import EXIT_OK, Subparsers, open_context, print_json
from shopper.domain.template import touchpoint_label


def register(sub: Subparsers) -> None:
    templates = sub.add_parser("templates", help="list, validate or import checklist templates")
    t_sub = templates.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    t_list = t_sub.add_parser("list", help="list the stored templates")
    t_list.add_argument("--json", action="store_true")
    t_validate = t_sub.add_parser("validate", help="check template files")
    t_validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    t_import = t_sub.add_parser("import", help="validate and store template files")
    t_import.add_argument("files", nargs="+", type=Path, metavar="FILE")
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
