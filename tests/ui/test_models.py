"""The audits model reads off the GUI thread: stale results dropped, one page at a time.

The runner here keeps every job until the test finishes it, in the order the test
chooses, so a load that "comes back late" is a line of the test, not a race.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from shopper.domain.errors import StorageError
from shopper.services.records import AuditRow
from shopper.ui.models import AuditTableModel

PAGE = AuditTableModel.PAGE
Job = tuple[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]]


class Deferred:
    """A model's runner that holds each job until `finish` runs it."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def __call__(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
    ) -> None:
        self.jobs.append((work, done, failed))

    def finish(self, index: int = 0) -> None:
        work, done, failed = self.jobs.pop(index)
        try:
            result = work()
        except Exception as exc:
            failed(exc)
        else:
            done(result)

    def finish_all(self) -> None:
        while self.jobs:
            self.finish()


def audit_row(tag: str, number: int) -> AuditRow:
    return AuditRow(
        id=f"{tag}-{number:05}",
        company_id="c",
        company_name=f"Company {tag}",
        touchpoint="phone",
        template_title="Phone",
        template_id="t",
        template_version=1,
        shopper="Tess",
        status="in_progress",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        started_tz="UTC",
        completed_at=None,
        score_percent=None,
        verdict="",
        passed=None,
        critical_failures=0,
        answered=0,
        visible=1,
    )


def rows_of(tag: str, count: int) -> Callable[[str, bool, int, int], list[AuditRow]]:
    """A fetch over `count` audits named after `tag`."""

    def fetch(_order: str, _descending: bool, offset: int, limit: int) -> list[AuditRow]:
        return [audit_row(tag, n) for n in range(offset, min(offset + limit, count))]

    return fetch


def ids(model: AuditTableModel) -> list[str | None]:
    return [model.audit_id(r) for r in range(model.rowCount())]


@pytest.fixture
def run() -> Deferred:
    return Deferred()


def test_a_reload_keeps_the_rows_on_screen_until_the_new_ones_are_in(run: Deferred) -> None:
    model = AuditTableModel(run)
    model.set_fetch(rows_of("old", 3))
    assert model.rowCount() == 0 and model.busy  # nothing read on this call
    run.finish()
    assert ids(model) == ["old-00000", "old-00001", "old-00002"]
    reloaded: list[bool] = []
    model.reloaded.connect(lambda: reloaded.append(True))
    model.set_fetch(rows_of("new", 2))
    assert model.rowCount() == 3 and model.reloading  # no empty list while it loads
    run.finish()
    assert ids(model) == ["new-00000", "new-00001"]
    assert reloaded == [True] and not model.busy


def test_an_older_reload_finishing_late_is_dropped(run: Deferred) -> None:
    model = AuditTableModel(run)
    model.set_fetch(rows_of("phone", 5))
    model.set_fetch(rows_of("email", 2))  # the filter changed while the first load ran
    run.finish(1)  # the newer one comes back first
    run.finish(0)  # the older one comes back late
    assert ids(model) == ["email-00000", "email-00001"]
    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.set_fetch(rows_of("store", 1))
    run.finish(1)
    run.finish(0)  # the sort's reload, overtaken by the filter's
    assert ids(model) == ["store-00000"]


def test_one_page_at_a_time_and_every_row_exactly_once(run: Deferred) -> None:
    model = AuditTableModel(run)
    model.set_fetch(rows_of("a", 2 * PAGE + 10))
    run.finish()
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()  # the view asks again while the page is on its way
    assert len(run.jobs) == 1
    run.finish()
    while model.canFetchMore():
        model.fetchMore()
        run.finish_all()
    assert ids(model) == [f"a-{n:05}" for n in range(2 * PAGE + 10)]
    assert not model.busy


def test_a_page_of_an_older_generation_is_dropped(run: Deferred) -> None:
    model = AuditTableModel(run)
    model.set_fetch(rows_of("a", PAGE + 5))
    run.finish()
    model.fetchMore()  # a page of "a" on its way ...
    model.set_fetch(rows_of("b", PAGE + 5))  # ... when the company changes
    run.finish(1)  # b's first page
    run.finish(0)  # a's second page, late
    assert ids(model) == [f"b-{n:05}" for n in range(PAGE)]
    model.fetchMore()
    run.finish()
    assert ids(model) == [f"b-{n:05}" for n in range(PAGE + 5)]


def test_a_failed_page_keeps_the_rows_and_stops_asking(run: Deferred) -> None:
    model = AuditTableModel(run)
    pages = rows_of("a", PAGE + 5)
    lost = [False]

    def fetch(order: str, descending: bool, offset: int, limit: int) -> list[AuditRow]:
        if lost[0]:
            raise StorageError("the team database is not answering")
        return pages(order, descending, offset, limit)

    model.set_fetch(fetch)
    run.finish()
    lost[0] = True  # the connection is lost between two pages
    failures: list[Exception] = []
    model.load_failed.connect(failures.append)
    model.fetchMore()
    run.finish()
    assert [str(f) for f in failures] == ["the team database is not answering"]
    assert model.rowCount() == PAGE and not model.busy
    assert not model.canFetchMore()  # no loop of failing asks: F5 (a reload) tries again
    lost[0] = False
    model.reload()
    run.finish()
    model.fetchMore()
    run.finish()
    assert ids(model) == [f"a-{n:05}" for n in range(PAGE + 5)]


def test_no_fetch_means_no_rows_and_no_work(run: Deferred) -> None:
    model = AuditTableModel(run)
    model.set_fetch(rows_of("a", 3))
    model.set_fetch(None)  # not attached to a database (yet)
    assert model.rowCount() == 0 and not model.busy
    run.finish()  # the load started before is dropped
    assert model.rowCount() == 0
