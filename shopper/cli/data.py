"""Data safety and exchange: `backup`, `restore`, `check`, `export` and `import`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from shopper.cli.base import EXIT_OK, Subparsers, open_context
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.wording import count_of


def register(sub: Subparsers) -> None:
    backup = sub.add_parser(
        "backup",
        help="back up the database now (online; checked before it is kept)",
        description="Copy the database while it is in use. Without -o the copy goes to the "
        "backups folder of the data folder, where old backups are rotated (12 daily, "
        "10 weekly, 9 monthly).",
    )
    backup.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the copy here")
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser(
        "restore",
        help="replace the database with a backup (the current one is kept first)",
        description="Check FILE, keep the current database (backed up, or set aside unchanged "
        "when it is damaged), then put FILE in its place. An older backup is upgraded.",
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=cmd_restore)

    check = sub.add_parser(
        "check",
        help="check the database and every evidence file (on a team database, the evidence "
        "bytes it keeps); exit 2 if anything is damaged",
    )
    check.set_defaults(handler=cmd_check)

    repair = sub.add_parser(
        "repair",
        help="rebuild the database's indexes when only they are damaged (no data is lost)",
        description="Run a full integrity check; when only indexes disagree with their "
        "tables, keep a copy of the file as it is, rebuild them (REINDEX) and check again. "
        "Other damage is refused: restore a backup instead.",
    )
    repair.set_defaults(handler=cmd_repair)

    export = sub.add_parser(
        "export",
        help="write audits with their evidence to a .shopper bundle",
        description="Write audits, their companies, templates and evidence to a bundle "
        "another Shopper can import (docs/bundle-format.md).",
    )
    export.add_argument("ids", nargs="*", metavar="ID", help="audit ids or unique prefixes")
    export.add_argument("--company", metavar="NAME", help="every audit of this company")
    export.add_argument("--all", action="store_true", help="every audit")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.shopper")
    export.set_defaults(handler=cmd_export)

    imp = sub.add_parser(
        "import",
        help="merge a .shopper bundle into the database (a backup is made first)",
        description="Check the whole bundle, then merge it in one transaction. Audits are "
        "matched by id; where both copies differ, the newer edit wins.",
    )
    imp.add_argument("file", type=Path, metavar="FILE.shopper")
    imp.set_defaults(handler=cmd_import)


def _local_database(args: argparse.Namespace) -> tuple[Path, Path]:
    """The data folder and the SQLite file these commands work on (no team database)."""
    from shopper.paths import default_data_dir
    from shopper.services.context import DB_FILENAME, setup_logging
    from shopper.store.engine import ensure_private_dir, sqlite_path

    folder = (args.data_dir or default_data_dir()).expanduser().resolve()
    url = args.db or os.environ.get("SHOPPER_DB_URL")
    db_path = sqlite_path(url) if url else folder / DB_FILENAME
    if db_path is None:
        from shopper.store.backup import pg_dump_command

        assert url is not None
        raise ShopperError(
            f"shopper {args.command}: works on the local SQLite database only; back up a team "
            f"database with `{pg_dump_command(url)}` and restore it with pg_restore "
            "(docs/team.md)"
        )
    ensure_private_dir(folder)
    setup_logging(folder / "shopper.log")
    args.log_path = folder / "shopper.log"
    return folder, db_path


def cmd_backup(args: argparse.Namespace) -> int:
    from shopper.services.backups import backup_to_file, make_backup

    _local_database(args)
    ctx = open_context(args)
    try:
        if args.output is not None:
            size = backup_to_file(engine=ctx.engine, target=args.output)
            path = args.output
        else:
            info = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
            size, path = info.size, info.path
    finally:
        ctx.close()
    print(f"Backed up to {path} ({size / 1024:,.0f} KiB, checked)")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from shopper.services.backups import check_backup_file, restore_backup, sole_use
    from shopper.services.context import AppContext
    from shopper.store.lock import DatabaseInUseError

    folder, db_path = _local_database(args)
    with sole_use(db_path):  # refused, before anything is touched, while another has it open
        check_backup_file(args.file.expanduser())
        try:
            current: AppContext | None = AppContext.open(folder, args.db)
        except DatabaseInUseError:
            raise
        except StorageError:
            current = None  # damaged or from a newer Shopper: it is set aside unchanged
        result = restore_backup(
            data_dir=folder,
            db_path=db_path,
            source=args.file,
            engine=current.engine if current else None,
        )
        if current is not None and result.engine is not None:
            current.adopt(result.engine)
        (current or AppContext.open(folder, args.db)).close()
    print(f"Restored {result.restored_from}")
    if result.previous is not None:
        print(f"The database it replaced is kept as {result.previous}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from shopper.services.backups import check_data
    from shopper.services.upkeep import CheckResult
    from shopper.store.engine import sqlite_path
    from shopper.store.integrity import clear_damage, note_damage

    url = args.db or os.environ.get("SHOPPER_DB_URL")
    if url and sqlite_path(url) is None:
        return _check_team(url)
    folder, db_path = _local_database(args)
    report = check_data(data_dir=folder, db_path=db_path)
    for line in report.lines():
        print(line)
    if not report.problems:
        clear_damage(folder)
    elif not _quick_check_finds_it(db_path):
        # Damage the check on open misses: every open is read-only until it is mended.
        note_damage(folder, report.problems)
    if not report.ok:
        fix = "; restore a backup (`shopper restore FILE`)" if report.problems else ""
        if report.problems and CheckResult(tuple(report.problems)).indexes_only:
            fix = "; only indexes are damaged: `shopper repair` rebuilds them (no data is lost)"
        raise StorageError(f"shopper check: {report.fault()}{fix}")
    return EXIT_OK


def _check_team(url: str) -> int:
    """A team database keeps the evidence bytes: check them there (the server checks its own
    pages; pg_dump and pg_restore are its backups)."""
    from shopper.services.backups import check_team_data

    report = check_team_data(url=url)
    for line in report.lines():
        print(line)
    if not report.ok:
        raise StorageError(f"shopper check: {report.fault()}")
    return EXIT_OK


def _quick_check_finds_it(db_path: Path) -> bool:
    from shopper.store.integrity import DamagedDatabaseError, problems

    try:
        return bool(problems(db_path))
    except DamagedDatabaseError:
        return True


def cmd_repair(args: argparse.Namespace) -> int:
    from shopper.services.upkeep import repair_indexes

    _local_database(args)
    ctx = open_context(args)
    assert ctx.db_path is not None
    result = repair_indexes(engine=ctx.engine, db_path=ctx.db_path, data_dir=ctx.data_dir)
    if result.kept is None:
        print(f"The database {ctx.db_path} is sound: nothing to repair")
    else:
        print(f"Rebuilt the indexes of {ctx.db_path}; it passes a full check now")
        print(f"The database as it was is kept as {result.kept}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from shopper.services.audits import resolve_audit_id
    from shopper.services.bundles import audit_ids_for, export_bundle
    from shopper.services.companies import find_company

    chosen = sum((bool(args.ids), args.company is not None, args.all))
    if chosen != 1:
        raise ShopperError(
            "shopper export: give audit IDs, or --company NAME, or --all (one of them)"
        )
    ctx = open_context(args)
    try:
        if args.all:
            ids = audit_ids_for(engine=ctx.engine, everything=True)
        elif args.company is not None:
            company = find_company(engine=ctx.engine, name_or_id=args.company)
            ids = audit_ids_for(engine=ctx.engine, company_id=company.id)
        else:
            ids = [resolve_audit_id(engine=ctx.engine, prefix=p) for p in args.ids]
        if not ids:
            raise ShopperError("shopper export: no audits to export")
        result = export_bundle(
            engine=ctx.engine, data_dir=ctx.data_dir, path=args.output, audit_ids=ids
        )
    finally:
        ctx.close()
    print(
        f"Exported {count_of(result.audits, 'audit')} of {count_of(result.companies, 'company')}"
        f" with {count_of(result.evidence, 'evidence file')} to {result.path}"
        f" ({result.size / 1024:,.0f} KiB)"
    )
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from shopper.services.bundles import import_into

    ctx = open_context(args)
    try:
        summary = import_into(ctx, args.file)
    finally:
        ctx.close()
    for line in summary.lines():
        print(line)
    return EXIT_OK
