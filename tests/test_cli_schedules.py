"""`shopper schedules`: add, list, pause, resume, remove and run, on SQLite; a shopper of a team
database is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from tests.test_cli import ok, user_error
from tests.test_cli_shops import Db, manager  # noqa: F401  (the team database fixture)

ADD = (
    "schedules",
    "add",
    "--company",
    "northwind",
    "--touchpoint",
    "phone",
    "--every",
    "every 2 weeks",
    "--shoppers",
    "ana,ben",
    "--from",
    "2026-01-05",
    "--ahead",
    "20",
    "--limit",
    "3",
    "--instructions",
    "Ask how to cancel.",
)


@pytest.fixture
def local(data_dir: Path) -> None:
    ctx = AppContext.open(data_dir)
    try:
        create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    finally:
        ctx.close()


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(ok(capsys, "schedules", "list", "--json"))
    return found


@pytest.mark.usefixtures("local")
def test_add_run_list_pause_resume_remove(capsys: pytest.CaptureFixture[str]) -> None:
    assert ok(capsys, "schedules", "list") == "No schedules.\n"
    out = ok(capsys, *ADD)
    assert out.startswith("Added schedule ")
    assert "Northwind, phone, every 2 weeks from 2026-01-05, ana, ben, at most 3 open each" in out
    [schedule] = listed(capsys)
    assert (schedule["recurrence"], schedule["shoppers"], schedule["ahead_days"]) == (
        "every 2 weeks",
        ["ana", "ben"],
        20,
    )
    short = str(schedule["id"])[:8]

    out = ok(capsys, "schedules", "run", "--today", "2026-01-05")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("Northwind, phone, to ana, 2026-01-05 to 2026-01-09")
    assert lines[1].endswith("Northwind, phone, to ben, 2026-01-19 to 2026-01-23")
    assert ok(capsys, "schedules", "run", "--today", "2026-01-05") == "No shops due.\n"
    shops = json.loads(ok(capsys, "shops", "list", "--json"))
    assert [s["shopper"] for s in shops] == ["ana", "ben"]
    assert f"{short}  active  " in ok(capsys, "schedules", "list")
    assert "(2 shops made, planned to 2026-01-19)" in ok(capsys, "schedules", "list")

    assert ok(capsys, "schedules", "pause", short).startswith(f"Paused schedule {short}")
    assert listed(capsys)[0]["active"] is False
    result = json.loads(ok(capsys, "schedules", "run", "--today", "2026-02-02", "--json"))
    assert result == {"made": [], "not_planned": []}
    assert ok(capsys, "schedules", "resume", short).startswith(f"Resumed schedule {short}")
    result = json.loads(ok(capsys, "schedules", "run", "--today", "2026-02-02", "--json"))
    # 2 and 16 February; the rotation goes on after ben's shop of 19 January.
    assert [(m["from"], m["shopper"]) for m in result["made"]] == [
        ("2026-02-02", "ana"),
        ("2026-02-16", "ben"),
    ]
    assert {m["schedule_id"] for m in result["made"]} == {schedule["id"]}
    assert ok(capsys, "schedules", "remove", short).startswith(f"Removed schedule {short}")
    assert listed(capsys) == []
    assert len(json.loads(ok(capsys, "shops", "list", "--json"))) == 4


@pytest.mark.usefixtures("local")
def test_run_tells_what_it_did_not_plan(capsys: pytest.CaptureFixture[str]) -> None:
    ok(capsys, *[a if a != "ana,ben" else "ana" for a in ADD])
    out = ok(capsys, "schedules", "run", "--today", "2026-01-05")
    assert out.splitlines()[1] == (
        "Not planned: Northwind, phone, 2026-01-19:"
        " ana did the previous shop and no other shopper is chosen"
    )


@pytest.mark.usefixtures("local")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("--every", "fortnightly"), "--every: 'fortnightly' is not a recurrence"),
        (("--company", "nobody"), "--company: "),
        (("--touchpoint", "fax"), "--touchpoint: no template audits 'fax'"),
        (("--shoppers", "ana,,ben"), "--shoppers: a name in the list is empty"),
        (("--window", "0"), "--window: must be 1 to 366 days, not 0"),
        (("--window", "seven"), "invalid int value"),
        (("--limit", "0"), "--limit: must be 1 or more open shops, not 0"),
        (("--ahead", "400"), "--ahead: must be 0 to 366 days, not 400"),
        (("--from", "5 Jan"), "expected a date as YYYY-MM-DD"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], change: tuple[str, str], expected: str
) -> None:
    args = list(ADD)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += change
    line = user_error(capsys, *args)
    assert expected in line
    assert listed(capsys) == []


@pytest.mark.usefixtures("local")
def test_missing_options_and_unknown_ids_are_user_mistakes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "--every" in user_error(
        capsys, "schedules", "add", "--company", "x", "--touchpoint", "phone", "--shoppers", "a"
    )
    assert "no schedule with id 'abcdef'" in user_error(capsys, "schedules", "pause", "abcdef")
    assert "expected a date" in user_error(capsys, "schedules", "run", "--today", "soon")


@pytest.mark.postgres
def test_a_shopper_of_a_team_database_is_refused(
    capsys: pytest.CaptureFixture[str],
    manager: Db,  # noqa: F811
) -> None:
    add = [a if a != "ana,ben" else "jan,ewa" for a in ADD]
    ok(capsys, *manager.args, *add)
    made = json.loads(
        ok(capsys, *manager.args, "schedules", "run", "--today", "2026-01-05", "--json")
    )
    assert [m["shopper"] for m in made["made"]] == ["jan", "ewa"]
    for action in (("list",), ("run",), tuple(add[1:])):
        line = user_error(capsys, *manager.jan, "schedules", *action)
        assert "only a manager may" in line
