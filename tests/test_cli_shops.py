"""`shopper assign` and `shopper shops`: on SQLite, and on a team database as a manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shopper.cli import main
from shopper.services import team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.shops_csv import MAX_CSV_BYTES
from tests.postgres import (
    MANAGER,
    MANAGER_PASSWORD,
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    team_copy,
)
from tests.test_cli import ok, user_error

HEADER = "company,touchpoint,template,shopper,from,due,instructions\n"
JAN, EWA = "jan-password-1", "ewa-password-1"


@dataclass
class Db:
    args: list[str]
    """What comes before the command: nothing on SQLite, `--db URL` on the team database."""
    jan: list[str]


@pytest.fixture
def local(data_dir: Path) -> Db:
    ctx = AppContext.open(data_dir)
    try:
        create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
        create_company(engine=ctx.engine, data=CompanyInput(name="Żabka „Centrum”"))
    finally:
        ctx.close()
    return Db([], [])


@pytest.fixture
def manager(postgres_server: PostgresServer, data_dir: Path) -> Iterator[Db]:
    """A team database with shoppers jan and ewa and two companies, used as its manager."""
    name = team_copy(postgres_server)
    owner = team.team_engine(postgres_server.url(name, OWNER, OWNER_PASSWORD))
    try:
        team.add_user(engine=owner, login="jan", role="shopper", password=JAN)
        team.add_user(engine=owner, login="ewa", role="shopper", password=EWA)
        create_company(engine=owner, data=CompanyInput(name="Northwind"))
        create_company(engine=owner, data=CompanyInput(name="Żabka „Centrum”"))
    finally:
        owner.dispose()
    try:
        yield Db(
            ["--db", postgres_server.url(name, MANAGER, MANAGER_PASSWORD)],
            ["--db", postgres_server.url(name, "jan", JAN)],
        )
    finally:
        postgres_server.drop_database(name)
        postgres_server.drop_roles()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Db:
    return request.getfixturevalue("local" if request.param == "sqlite" else "manager")


def listed(capsys: pytest.CaptureFixture[str], db: Db, *args: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(
        ok(capsys, *db.args, "shops", "list", "--json", *args)
    )
    return found


def refused_rows(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """Run a CSV import that must fail: exit 2, no traceback, the lines on stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "Traceback" not in err and out == ""
    return err.splitlines()


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n") -> str:
    path = tmp_path / "shops.csv"
    path.write_text(text, encoding=encoding, newline=newline)
    return str(path)


# -- one shop ---------------------------------------------------------------------


def test_assign_list_and_cancel(capsys: pytest.CaptureFixture[str], db: Db) -> None:
    out = ok(
        capsys,
        *db.args,
        "assign",
        "--company",
        "northwind",
        "--touchpoint",
        "phone",
        "--shopper",
        "jan",
        "--from",
        "2025-06-01",
        "--due",
        "2025-06-20",
        "--instructions",
        "Ask how to cancel a contract; say you are moving abroad.",
    )
    assert out.startswith("Assigned shop ")
    assert out.rstrip().endswith(": Northwind, phone, to jan, 2025-06-01 to 2025-06-20")
    [shop] = listed(capsys, db)
    assert (shop["company"], shop["state"], shop["shopper"], shop["due"]) == (
        "Northwind",
        "assigned",
        "jan",
        "2025-06-20",
    )
    assert shop["instructions"] == "Ask how to cancel a contract; say you are moving abroad."
    assert shop["overdue"] is True  # the due day has passed (the tests run after 2025)
    assert listed(capsys, db, "--overdue") == [shop]
    assert listed(capsys, db, "--state", "cancelled") == []
    text = ok(capsys, *db.args, "shops", "list")
    assert text.split() == [
        str(shop["id"])[:8],
        "due",
        "2025-06-20",
        "assigned,",
        "overdue",
        "jan",
        "phone",
        "Northwind",
    ]
    prefix = str(shop["id"])[:6]
    out = ok(capsys, *db.args, "shops", "cancel", prefix)
    assert out == f"Cancelled shop {str(shop['id'])[:8]}: Northwind, phone, jan\n"
    assert [s["state"] for s in listed(capsys, db)] == ["cancelled"]
    assert listed(capsys, db, "--overdue") == []
    line = user_error(capsys, *db.args, "shops", "cancel", prefix)
    assert line.endswith("the shop is cancelled: nothing can change it any more")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--touchpoint", "phone", "--shopper", "jan", "--due", "2025-06-20"], "give --company"),
        (
            [
                "--company",
                "Nowhere",
                "--touchpoint",
                "phone",
                "--shopper",
                "jan",
                "--due",
                "2030-1-1",
            ],
            "argument --due: expected a date as YYYY-MM-DD, got '2030-1-1'",
        ),
        (
            [
                "--company",
                "Nowhere",
                "--touchpoint",
                "phone",
                "--shopper",
                "jan",
                "--due",
                "2030-01-01",
            ],
            "--company: no company named 'Nowhere'",
        ),
        (
            [
                "--company",
                "Northwind",
                "--touchpoint",
                "fax",
                "--shopper",
                "jan",
                "--due",
                "2030-01-01",
            ],
            "--touchpoint: no template audits 'fax'",
        ),
        (
            [
                "--company",
                "Northwind",
                "--touchpoint",
                "phone",
                "--shopper",
                "jan",
                "--due",
                "2030-01-01",
                "--from",
                "2030-01-02",
            ],
            "--from: the shop opens on 2030-01-02, after its due day 2030-01-01",
        ),
        (
            [
                "--company",
                "Northwind",
                "--touchpoint",
                "phone",
                "--shopper",
                "jan",
                "--due",
                "2030-01-01",
                "--instructions",
                "x" * 2001,
            ],
            "--instructions: too long (2001 characters, limit 2000)",
        ),
        (["--from-csv", "a.csv", "--company", "Northwind"], "--from-csv takes no --company"),
    ],
)
def test_assign_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], db: Db, args: list[str], message: str
) -> None:
    line = user_error(capsys, *db.args, "assign", *args)
    assert message in line
    assert listed(capsys, db) == []


def test_cancel_needs_a_unique_prefix(capsys: pytest.CaptureFixture[str], local: Db) -> None:
    assert "too short" in user_error(capsys, "shops", "cancel", "ab")
    assert "no shop with id 'ffffffff'" in user_error(capsys, "shops", "cancel", "ffffffff")


# -- a CSV file -----------------------------------------------------------------


def test_csv_with_quotes_a_bom_and_crlf(
    capsys: pytest.CaptureFixture[str], db: Db, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "Company,Touchpoint,Template,Shopper,From,Due,Instructions\n"
        'Northwind,phone,,jan,2025-06-01,2025-06-20,"Say ""I am moving"", then\nask for a name"\n'
        '"Żabka „Centrum”",website,,ewa,,2099-01-31,\n',
        encoding="utf-8-sig",
        newline="\r\n",
    )
    assert ok(capsys, *db.args, "assign", "--from-csv", path) == f"Assigned 2 shops from {path}\n"
    first, second = listed(capsys, db)
    assert first["instructions"] == 'Say "I am moving", then\r\nask for a name'
    assert (second["company"], second["shopper"], second["due"]) == (
        "Żabka „Centrum”",
        "ewa",
        "2099-01-31",
    )


def test_every_bad_row_is_named_and_nothing_is_created(
    capsys: pytest.CaptureFixture[str], db: Db, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "Northwind,phone,,jan,2025-06-01,2025-06-20,fine\n"
        + "Nowhere,phone,,jan,,2025-06-31,\n"
        + "\n"
        + 'Northwind,fax,,jan,2025-06-01,2025-06-20,"two\nlines"\n'
        + "Northwind,phone,,,2025-06-09,2025-06-08,\n"
        + "Northwind,phone,,jan\n",
    )
    lines = refused_rows(capsys, *db.args, "assign", "--from-csv", path)
    assert lines == [
        f"shopper: error: {path}: 6 problems in 4 rows; no shop was created",
        f"shopper: error: {path}: line 3, column company: no company named 'Nowhere'",
        f"shopper: error: {path}: line 3, column due: not a day as YYYY-MM-DD: '2025-06-31'",
        f"shopper: error: {path}: line 5, column touchpoint: no template audits 'fax'"
        + lines[3].split("'fax'", 1)[1],
        f"shopper: error: {path}: line 7, column shopper: must not be empty",
        f"shopper: error: {path}: line 7, column from: the shop opens on 2025-06-09, after its"
        " due day 2025-06-08",
        f"shopper: error: {path}: line 8, column from: the row has 4 cells, the header 7",
    ]
    assert listed(capsys, db) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty; it needs a header row"),
        ("\n\n", "the file is empty"),
        (HEADER, "the file has a header row but no shops"),
        ("company,touchpoint,shopper\nNorthwind,phone,jan\n", "line 1: missing column due"),
        ("company,touchpoint,shopper,due,colour\n", "line 1: unknown column 'colour'"),
        ("company,due,due,touchpoint,shopper\n", "line 1: column 'due' twice"),
    ],
)
def test_a_file_that_is_not_a_shops_file_is_one_line(
    capsys: pytest.CaptureFixture[str], local: Db, tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    assert message in user_error(capsys, "assign", "--from-csv", path)


def test_a_file_that_is_not_utf8_or_missing_is_one_line(
    capsys: pytest.CaptureFixture[str], local: Db, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "Caf\xe9,phone,,jan,,2030-01-01,\n").encode("latin-1"))
    assert "not UTF-8 text (byte 62)" in user_error(capsys, "assign", "--from-csv", str(path))
    gone = str(tmp_path / "gone.csv")
    assert "gone.csv: cannot read it" in user_error(capsys, "assign", "--from-csv", gone)


def test_a_huge_file_is_refused_before_it_is_read(
    capsys: pytest.CaptureFixture[str], local: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(HEADER.encode())
        handle.truncate(MAX_CSV_BYTES + 1)  # sparse: no disk, and never read
    read: list[Path] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        if self == path:
            read.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    line = user_error(capsys, "assign", "--from-csv", str(path))
    assert line == f"shopper: error: {path}: 10.0 MB is too big for a shops file (limit 10 MB)"
    assert read == []


# -- on the team database, the shopper is a team login -----------------------------


@pytest.mark.postgres
def test_on_the_team_database_the_shopper_must_be_a_team_shopper(
    capsys: pytest.CaptureFixture[str], manager: Db, tmp_path: Path
) -> None:
    single = ["assign", "--company", "Northwind", "--touchpoint", "phone", "--due", "2099-01-01"]
    line = user_error(capsys, *manager.args, *single, "--shopper", "zosia")
    assert line == "shopper assign: --shopper: 'zosia' is not a user of this team database"
    line = user_error(capsys, *manager.args, *single, "--shopper", MANAGER)
    assert line == f"shopper assign: --shopper: '{MANAGER}' is a manager, not a shopper"
    path = write(
        tmp_path,
        HEADER
        + "Northwind,phone,,jan,,2099-01-01,\n"
        + "Northwind,phone,,zosia,,2099-01-01,\n"
        + f"Northwind,phone,,{MANAGER},,2099-01-01,\n",
    )
    assert refused_rows(capsys, *manager.args, "assign", "--from-csv", path)[1:] == [
        f"shopper: error: {path}: line 3, column shopper: 'zosia' is not a user of this team"
        " database",
        f"shopper: error: {path}: line 4, column shopper: '{MANAGER}' is a manager, not a shopper",
    ]
    assert listed(capsys, manager) == []
    ok(capsys, *manager.args, *single, "--shopper", "jan")
    ok(capsys, *manager.args, *single, "--shopper", "ewa")
    assert {s["shopper"] for s in listed(capsys, manager)} == {"jan", "ewa"}
    # jan sees his own shop only, and cannot cancel it or assign one.
    [own] = listed(capsys, Db(manager.jan, []))
    assert own["shopper"] == "jan" and own["created_by"] == MANAGER
    line = user_error(capsys, *manager.jan, "shops", "cancel", str(own["id"]))
    assert line.endswith("only a manager may cancel a shop")
    line = user_error(capsys, *manager.jan, *single, "--shopper", "jan")
    assert line == "shopper: error: only a manager may assign shops"


def test_start_a_shop_from_the_command_line(capsys: pytest.CaptureFixture[str], local: Db) -> None:
    ok(
        capsys,
        "assign",
        "--company",
        "northwind",
        "--touchpoint",
        "phone",
        "--shopper",
        "jan",
        "--due",
        "2099-01-31",
    )
    [shop] = listed(capsys, local)
    started = json.loads(ok(capsys, "shops", "start", str(shop["id"])[:8], "--json"))
    [now] = listed(capsys, local)
    assert started == {"shop_id": shop["id"], "audit_id": now["audit_id"]}
    assert now["state"] == "in_progress"
    audits = json.loads(ok(capsys, "audits", "list", "--json"))
    assert [(a["id"], a["shopper"]) for a in audits] == [(now["audit_id"], "jan")]
    # In progress already: one line, nothing changes.
    assert "in progress" in user_error(capsys, "shops", "start", str(shop["id"]))
    assert listed(capsys, local) == [now]


def test_start_own_only_for_a_company_that_allows_it(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    ctx = AppContext.open(data_dir)
    try:
        create_company(engine=ctx.engine, data=CompanyInput(name="Closed Ltd"))
        create_company(engine=ctx.engine, data=CompanyInput(name="Open Ltd", allow_unassigned=True))
    finally:
        ctx.close()
    line = user_error(
        capsys,
        "shops",
        "start-own",
        "--company",
        "Closed Ltd",
        "--touchpoint",
        "phone",
        "--shopper",
        "jan",
    )
    assert "lets no shopper start a shop of their own" in line
    assert "--shopper" in user_error(
        capsys, "shops", "start-own", "--company", "Open Ltd", "--touchpoint", "phone"
    )
    out = ok(
        capsys,
        "shops",
        "start-own",
        "--company",
        "Open Ltd",
        "--touchpoint",
        "phone",
        "--shopper",
        "jan",
    )
    audit_id = out.split()[2]
    [shop] = json.loads(ok(capsys, "shops", "list", "--json"))
    assert (shop["audit_id"], shop["shopper"], shop["created_by"], shop["state"]) == (
        audit_id,
        "jan",
        "jan",
        "in_progress",
    )
    assert json.loads(ok(capsys, "audits", "show", audit_id[:8], "--json"))["shopper"] == "jan"
