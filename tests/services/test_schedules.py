"""Recurring shops through the services: on SQLite, and one run on a team database."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from shopper.domain.errors import ScheduleError
from shopper.services import schedules, shops
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.schedules import ScheduleInput, ScheduleInputError
from shopper.services.shops import ShopInput
from shopper.store import schedules as store
from shopper.store.engine import create_db_engine
from tests.postgres import DATABASES
from tests.services.test_shops import World, make_world

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 1, 5)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    ctx = AppContext.open(tmp_path / "data")
    try:
        create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
        create_company(engine=ctx.engine, data=CompanyInput(name="Contoso"))
        yield ctx
    finally:
        ctx.close()


def weekly(**changes: Any) -> ScheduleInput:
    """Every Monday from 5 January 2026, a week to do each, made 6 days ahead."""
    values: dict[str, Any] = {
        "company": "Northwind",
        "touchpoint": "phone",
        "recurrence": "Every  week",
        "shoppers": ["ana", "ben", "cy"],
        "window_days": 7,
        "ahead_days": 6,
        "starts": MONDAY,
        "instructions": "Ask how to cancel.",
    }
    values.update(changes)
    return ScheduleInput(**values)


def run(engine: Engine, today: date) -> schedules.RunResult:
    return schedules.run_schedules(engine=engine, today=today, at=NOW, zone="Europe/Warsaw")


def shops_of(engine: Engine, company: str = "Northwind") -> list[shops.ShopRow]:
    found = [r for r in shops.list_shops(engine=engine) if r.company == company]
    return sorted(found, key=lambda r: (r.opens, r.created_at))


def test_add_and_list(ctx: AppContext) -> None:
    made = schedules.create_schedule(engine=ctx.engine, data=weekly(), at=NOW)
    [row] = schedules.list_schedules(engine=ctx.engine)
    assert row == made
    assert (row.company, row.touchpoint, row.recurrence, row.every) == (
        "Northwind",
        "phone",
        "Every week",
        "every week",
    )
    assert (row.shoppers, row.window_days, row.ahead_days, row.open_limit) == (
        ("ana", "ben", "cy"),
        7,
        6,
        None,
    )
    assert (row.template_id, row.active, row.last_planned, row.shops_made) == (
        None,
        True,
        None,
        0,
    )
    assert row.to_json()["from"] == "2026-01-05"
    assert schedules.resolve_schedule_id(engine=ctx.engine, prefix=made.id[:6]) == made.id


@pytest.mark.parametrize(
    ("changes", "field", "why"),
    [
        ({"recurrence": "every fortnight"}, "recurrence", "'every fortnight' is not a recurrence"),
        ({"recurrence": "every 99 weeks"}, "recurrence", "from 1 to 52"),
        ({"company": "Nobody Ltd"}, "company", "Nobody Ltd"),
        ({"touchpoint": "fax"}, "touchpoint", "no template audits 'fax'"),
        ({"template": "zzzzzzzz"}, "template", "no template with id"),
        ({"shoppers": []}, "shoppers", "at least one shopper"),
        ({"shoppers": ["ana", " "]}, "shoppers", "empty"),
        ({"shoppers": ["ana", "ben", "ana"]}, "shoppers", "'ana' is listed twice"),
        ({"window_days": 0}, "window", "1 to 366 days, not 0"),
        ({"open_limit": 0}, "limit", "1 or more open shops, not 0"),
        ({"ahead_days": -1}, "ahead", "0 to 366 days, not -1"),
        ({"instructions": "x" * 5000}, "instructions", "too long"),
    ],
)
def test_a_bad_schedule_names_its_field_and_is_not_stored(
    ctx: AppContext, changes: dict[str, Any], field: str, why: str
) -> None:
    with pytest.raises(ScheduleInputError, match=why) as caught:
        schedules.create_schedule(engine=ctx.engine, data=weekly(**changes), at=NOW)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert schedules.list_schedules(engine=ctx.engine) == []


def test_a_run_makes_the_shops_due_ahead_once(ctx: AppContext) -> None:
    made = schedules.create_schedule(
        engine=ctx.engine, data=weekly(ahead_days=14, window_days=7), at=NOW
    )
    first = run(ctx.engine, MONDAY)
    # Mondays 5, 12 and 19 January fall within 14 days; each is due on its Friday.
    assert [(m.shop.opens, m.shop.due, m.shop.shopper) for m in first.made] == [
        (date(2026, 1, 5), date(2026, 1, 9), "ana"),
        (date(2026, 1, 12), date(2026, 1, 16), "ben"),
        (date(2026, 1, 19), date(2026, 1, 23), "cy"),
    ]
    assert first.not_planned == []
    assert {m.schedule_id for m in first.made} == {made.id}
    stored = shops_of(ctx.engine)
    assert [(r.shopper, r.instructions, r.state) for r in stored] == [
        ("ana", "Ask how to cancel.", "assigned"),
        ("ben", "Ask how to cancel.", "assigned"),
        ("cy", "Ask how to cancel.", "assigned"),
    ]
    # Idempotent: again the same day, or the next, nothing more.
    assert run(ctx.engine, MONDAY) == schedules.RunResult([], [])
    assert run(ctx.engine, MONDAY + timedelta(days=1)) == schedules.RunResult([], [])
    assert len(shops_of(ctx.engine)) == 3
    [row] = schedules.list_schedules(engine=ctx.engine)
    assert (row.last_planned, row.shops_made) == (date(2026, 1, 19), 3)
    # A week later the next Monday comes within reach, for the next in the rotation.
    later = run(ctx.engine, date(2026, 1, 12))
    assert [(m.shop.opens, m.shop.shopper) for m in later.made] == [(date(2026, 1, 26), "ana")]


def test_the_rotation_goes_on_across_runs_and_never_repeats_a_shopper(ctx: AppContext) -> None:
    schedules.create_schedule(engine=ctx.engine, data=weekly(shoppers=["ana", "ben"]), at=NOW)
    for week in range(6):
        run(ctx.engine, MONDAY + timedelta(weeks=week))
    names = [r.shopper for r in shops_of(ctx.engine)]
    assert names == ["ana", "ben", "ana", "ben", "ana", "ben"]


def test_two_schedules_of_a_company_never_give_it_the_same_shopper_twice_in_a_row(
    ctx: AppContext,
) -> None:
    # A shop by hand for ana before the schedules start: their first shop is not hers.
    shops.create_shop(
        engine=ctx.engine,
        data=ShopInput("Northwind", "email", "ana", due=date(2026, 1, 2), opens=date(2026, 1, 1)),
        at=NOW,
    )
    schedules.create_schedule(
        engine=ctx.engine, data=weekly(shoppers=["ana", "ben"], ahead_days=30), at=NOW
    )
    schedules.create_schedule(
        engine=ctx.engine,
        data=weekly(touchpoint="email", shoppers=["ana", "ben", "cy"], ahead_days=30),
        at=NOW,
    )
    # Another company's shops do not count.
    schedules.create_schedule(
        engine=ctx.engine, data=weekly(company="Contoso", shoppers=["ana"], ahead_days=0), at=NOW
    )
    result = run(ctx.engine, MONDAY)
    assert result.not_planned == []
    northwind = [m.shop for m in result.made if m.shop.company == "Northwind"]
    assert [r.opens for r in northwind] == sorted(r.opens for r in northwind)  # in day order
    assert len(northwind) == 2 * 5  # Mondays 5 January to 2 February
    assert {r.id for r in northwind} < {r.id for r in shops_of(ctx.engine)}
    names = ["ana"] + [r.shopper for r in northwind]
    assert all(a != b for a, b in itertools.pairwise(names)), names
    assert [r.shopper for r in shops_of(ctx.engine, "Contoso")] == ["ana"]


def test_the_open_shop_limit_counts_the_shop_table(ctx: AppContext) -> None:
    for day in (1, 2):  # ana has two open shops of another company; one cancelled
        shops.create_shop(
            engine=ctx.engine,
            data=ShopInput(
                "Contoso", "phone", "ana", due=date(2026, 1, 20), opens=date(2026, 1, day)
            ),
            at=NOW,
        )
    gone = shops.create_shop(
        engine=ctx.engine,
        data=ShopInput("Contoso", "phone", "ben", due=date(2026, 1, 20), opens=date(2026, 1, 3)),
        at=NOW,
    )
    shops.cancel_shop(engine=ctx.engine, shop_id=gone.id, at=NOW)
    schedules.create_schedule(
        engine=ctx.engine,
        data=weekly(shoppers=["ana", "ben"], open_limit=2, ahead_days=14),
        at=NOW,
    )
    result = run(ctx.engine, MONDAY)
    # ana is at her limit: ben takes the first; ben cannot take the next (twice in a row).
    assert [(m.shop.opens, m.shop.shopper) for m in result.made] == [(MONDAY, "ben")]
    assert [(s.day, s.reason) for s in result.not_planned] == [
        (
            date(2026, 1, 12),
            "ben did the previous shop and every other shopper is at their limit of 2 open shops",
        ),
        (
            date(2026, 1, 19),
            "ben did the previous shop and every other shopper is at their limit of 2 open shops",
        ),
    ]
    assert {s.company for s in result.not_planned} == {"Northwind"}
    # Reported once: the next run does not try those days again.
    assert run(ctx.engine, MONDAY) == schedules.RunResult([], [])


def test_a_past_start_reports_the_windows_that_closed(ctx: AppContext) -> None:
    schedules.create_schedule(
        engine=ctx.engine, data=weekly(starts=date(2025, 12, 22), ahead_days=0), at=NOW
    )
    result = run(ctx.engine, MONDAY)
    assert [(s.day, s.reason) for s in result.not_planned] == [
        (date(2025, 12, 22), "its window closed on 2025-12-26"),
        (date(2025, 12, 29), "its window closed on 2026-01-02"),
    ]
    assert [m.shop.opens for m in result.made] == [MONDAY]


def test_pause_resume_and_remove(ctx: AppContext) -> None:
    made = schedules.create_schedule(engine=ctx.engine, data=weekly(), at=NOW)
    paused = schedules.pause_schedule(engine=ctx.engine, schedule_id=made.id, at=NOW)
    assert not paused.active
    assert run(ctx.engine, MONDAY) == schedules.RunResult([], [])
    assert schedules.resume_schedule(engine=ctx.engine, schedule_id=made.id, at=NOW).active
    [shop] = [m.shop for m in run(ctx.engine, MONDAY).made]
    removed = schedules.remove_schedule(engine=ctx.engine, schedule_id=made.id)
    assert (removed.id, removed.shops_made) == (made.id, 1)
    assert schedules.list_schedules(engine=ctx.engine) == []
    assert [r.id for r in shops_of(ctx.engine)] == [shop.id]  # the shop stays


def test_a_run_that_fails_stores_nothing(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    schedules.create_schedule(engine=ctx.engine, data=weekly(ahead_days=14), at=NOW)

    def broken(**_kwargs: Any) -> bool:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store, "update_schedule", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        run(ctx.engine, MONDAY)
    monkeypatch.undo()
    assert shops_of(ctx.engine) == []
    [row] = schedules.list_schedules(engine=ctx.engine)
    assert row.last_planned is None
    assert len(run(ctx.engine, MONDAY).made) == 3  # and a later run makes them


def test_monthly_on_the_first_working_day_skips_a_holiday(tmp_path: Path) -> None:
    ctx = AppContext.open(tmp_path / "data")
    try:
        create_company(
            engine=ctx.engine, data=CompanyInput(name="Northwind", holidays=["2026-02-02"])
        )
        schedules.create_schedule(
            engine=ctx.engine,
            data=weekly(recurrence="monthly on the first working day", ahead_days=60),
            at=NOW,
        )
        result = run(ctx.engine, MONDAY)
        # 1 February 2026 is a Sunday and the 2nd a holiday; January's first (a Thursday)
        # is before the start.
        assert [m.shop.opens for m in result.made] == [date(2026, 2, 3), date(2026, 3, 2)]
    finally:
        ctx.close()


@pytest.mark.postgres
def test_on_a_team_database_a_manager_runs_and_a_shopper_sees_nothing(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with make_world("postgresql", request, tmp_path) as world:
        _team_case(world, tmp_path)


def _team_case(world: World, tmp_path: Path) -> None:
    with pytest.raises(ScheduleInputError, match="'nobody' is not a user") as caught:
        schedules.create_schedule(
            engine=world.engine, data=weekly(shoppers=["jan", "nobody"]), at=NOW
        )
    assert caught.value.field == "shoppers"
    made = schedules.create_schedule(
        engine=world.engine, data=weekly(shoppers=["jan", "ewa"], ahead_days=14), at=NOW
    )
    result = run(world.engine, MONDAY)
    assert [m.shop.shopper for m in result.made] == ["jan", "ewa", "jan"]
    assert run(world.engine, MONDAY) == schedules.RunResult([], [])
    [row] = schedules.list_schedules(engine=world.engine)
    assert (row.id, row.shops_made, row.created_by) == (made.id, 3, "manager")
    jan = world.as_login("jan", tmp_path / "jan")
    try:
        for call in (
            lambda: schedules.list_schedules(engine=jan.engine),
            lambda: run(jan.engine, MONDAY),
            lambda: schedules.create_schedule(engine=jan.engine, data=weekly(), at=NOW),
        ):
            with pytest.raises(ScheduleError, match="only a manager may"):
                call()
        assert len(shops.list_shops(engine=jan.engine)) == 2  # her own shops only
    finally:
        jan.close()


@pytest.mark.parametrize("kind", DATABASES)
def test_two_runs_at_once_make_each_shop_once(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two managers run the schedules at the same moment: the second waits for the first and
    finds nothing left to make (whichever comes first)."""
    with make_world(kind, request, tmp_path) as world:
        schedules.create_schedule(
            engine=world.engine, data=weekly(shoppers=shoppers_of(world), ahead_days=14), at=NOW
        )
        url = world.engine.url.render_as_string(hide_password=False)
        engines = [world.engine, create_db_engine(url)]  # another manager's app
        start = threading.Barrier(2)
        results: list[schedules.RunResult] = []

        def go(engine: Engine) -> None:
            start.wait()
            results.append(run(engine, MONDAY))

        try:
            threads = [threading.Thread(target=go, args=(engine,)) for engine in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            engines[1].dispose()
        assert sorted(len(result.made) for result in results) == [0, 3]
        assert len(shops_of(world.engine)) == 3


def shoppers_of(world: World) -> list[str]:
    return ["jan", "ewa"] if world.kind == "postgresql" else ["ana", "ben"]
