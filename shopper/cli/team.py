"""`shopper team`: set up a team database on PostgreSQL and manage its users (see docs/team.md).

Run by the database's owner: `shopper --db postgresql://owner@host/shopper team init`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopper.cli.base import EXIT_OK, Subparsers, print_json
from shopper.domain.errors import ShopperError
from shopper.domain.vocabulary import SSL_MODES
from shopper.domain.wording import count_of

if TYPE_CHECKING:
    from shopper.services.connect import TeamTarget
    from shopper.services.evidence import EvidenceUpload


def register(sub: Subparsers) -> None:
    team = sub.add_parser("team", help="a team database on PostgreSQL: set-up and users")
    t_sub = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    t_sub.add_parser(
        "init",
        help="create or upgrade the schema, the groups shopper_manager and shopper_field, "
        "row-level security and grants (running it again changes nothing)",
    )
    add = t_sub.add_parser("add-user", help="create a login in the team")
    add.add_argument("login", metavar="LOGIN", help="lower-case letters, digits and _")
    add.add_argument("--role", required=True, choices=["manager", "shopper"])
    add.add_argument("--name", default="", help="the person's full name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else one is generated and printed once)",
    )
    users = t_sub.add_parser("users", help="list the team's logins, roles and names")
    users.add_argument("--json", action="store_true")
    set_role = t_sub.add_parser("set-role", help="make a login a manager or a shopper")
    set_role.add_argument("login", metavar="LOGIN")
    set_role.add_argument("role", metavar="ROLE", choices=["manager", "shopper"])
    remove = t_sub.add_parser(
        "remove-user", help="drop a login (its audits stay, attributed to it)"
    )
    remove.add_argument("login", metavar="LOGIN")
    t_sub.add_parser(
        "upload-evidence",
        help="send the evidence files of this data folder that the team database has no "
        "bytes for (attached before they lived in it); team init does it too",
    )
    connect = t_sub.add_parser(
        "connect",
        help="link this data folder to a team database (what sync and the app use); the "
        "password comes from ~/.pgpass, PGPASSWORD or a prompt, and is never stored",
    )
    connect.add_argument("target", metavar="URL", help="a postgresql:// URL or a service name")
    connect.add_argument(
        "--sslmode", default="", choices=[m for m in SSL_MODES if m], help="libpq's sslmode"
    )
    t_sub.add_parser("disconnect", help="forget the team database this data folder is linked to")
    team.set_defaults(handler=cmd_team)


def cmd_team(args: argparse.Namespace) -> int:
    from shopper.services import team

    if args.team_command in ("connect", "disconnect"):
        return _link(args)
    engine = team.team_engine(args.db or os.environ.get("SHOPPER_DB_URL"))
    try:
        if args.team_command == "init":
            result = team.init_team(engine=engine, data_dir=_data_dir(args))
            what = "created" if result.created_schema else "checked"
            if result.upgraded_from:
                what = f"upgraded from revision {result.upgraded_from}"
            groups = (
                f"; created {', '.join(result.created_groups)}" if result.created_groups else ""
            )
            print(
                f"Team database {result.database}: schema {what}{groups}; "
                "row-level security and grants in place"
            )
            if result.evidence is not None:
                _print_upload(result.evidence, _data_dir(args), quiet=True)
        elif args.team_command == "add-user":
            password = _read_password(args.login) if args.password_stdin else None
            generated = team.add_user(
                engine=engine, login=args.login, role=args.role, name=args.name, password=password
            )
            print(f"Added {args.login} as {args.role}")
            if generated is not None:
                print(f"Password for {args.login} (shown once, not stored): {generated}")
        elif args.team_command == "users":
            found = team.list_users(engine=engine)
            if args.json:
                print_json([{"login": u.login, "role": u.role, "name": u.name} for u in found])
            else:
                width = max((len(u.login) for u in found), default=5)
                for u in found:
                    print(f"{u.login:<{width}}  {u.role:<8}  {u.name}".rstrip())
        elif args.team_command == "set-role":
            user = team.set_role(engine=engine, login=args.login, role=args.role)
            print(f"{user.login} is now a {user.role}")
        elif args.team_command == "upload-evidence":
            from shopper.services.evidence import upload_missing_evidence

            folder = _data_dir(args)
            _print_upload(upload_missing_evidence(engine=engine, data_dir=folder), folder)
        elif args.team_command == "remove-user":
            user = team.remove_user(engine=engine, login=args.login)
            print(f"Removed {user.login}; their audits stay, attributed to them")
    finally:
        engine.dispose()
    return EXIT_OK


def _link(args: argparse.Namespace) -> int:
    """`team connect URL`: check the team database answers as this user, then remember it
    for this data folder; `team disconnect`: forget it."""
    from shopper.services.connect import TeamTarget
    from shopper.services.team_link import forget_link, load_link, save_link

    folder = _data_dir(args)
    if args.team_command == "disconnect":
        known = load_link(folder)
        if forget_link(folder) and known is not None:
            print(f"{folder} is no longer linked to {known.text}")
        else:
            print(f"{folder} was not linked to a team database")
        return EXIT_OK
    target = TeamTarget.parse(args.target, args.sslmode)
    ctx = _open_asking(folder, target)
    try:
        facts = ctx.connection
    finally:
        ctx.close()
    save_link(folder, target)
    print(f"Linked {folder} to the {facts.status_line() if facts else target.text}")
    return EXIT_OK


def _open_asking(folder: Path, target: TeamTarget) -> Any:
    """The team database opened as psql would: ~/.pgpass or PGPASSWORD first, then (at a
    terminal) a prompt; without a terminal, one line saying where the password goes."""
    import getpass

    from shopper.services.connect import PasswordNeededError
    from shopper.services.context import AppContext

    try:
        return AppContext.open(folder, target.url())
    except PasswordNeededError as asked:
        if not sys.stdin or not sys.stdin.isatty():
            raise ShopperError(
                f"{asked}: put it in ~/.pgpass (or PGPASSWORD), or run this at a terminal"
            ) from None
        password = getpass.getpass(f"Password for {asked.login or 'the team database'}: ")
        return AppContext.open(folder, target.url(), password=password)


def _data_dir(args: argparse.Namespace) -> Path:
    from shopper.paths import default_data_dir

    return Path(args.data_dir or default_data_dir()).expanduser().resolve()


def _print_upload(result: EvidenceUpload, folder: Path, *, quiet: bool = False) -> None:
    """What was sent; `quiet` says nothing when there was nothing to send."""
    if result.uploaded or not quiet:
        files = count_of(result.uploaded, "evidence file")
        print(f"Uploaded {files} from {folder} into the team database")
    if result.missing:
        print(
            f"{count_of(len(result.missing), 'evidence file')} still without bytes in the team "
            f"database and not in {folder}: run `shopper team upload-evidence` with the data "
            "folder of the machine that attached them"
        )


def _read_password(login: str) -> str:
    """The first line of standard input, without its line ending; typed without echo when
    standard input is a terminal."""
    if sys.stdin is None or sys.stdin.closed:
        raise ShopperError("--password-stdin: nothing on standard input")
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Password for {login}: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ShopperError("--password-stdin: standard input held no password")
    return password
