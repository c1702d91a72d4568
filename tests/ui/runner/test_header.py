"""The runner's header on its own: the audit, its score, saved or not, the completed banner."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shopper.domain.vocabulary import MomentKind
from shopper.services import shops
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file
from shopper.ui.runner.header import RunnerHeader
from tests.ui.helpers import new_audit, show, yes_no_template

NOON = datetime(2026, 11, 23, 12, 0, 5, tzinfo=UTC)


def open_header(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> RunnerHeader:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=1))
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="UTC", clock=lambda: NOON)
    header = RunnerHeader(runner)
    show(qtbot, header)
    header.refresh()
    return header


def test_it_names_the_audit_and_scores_it(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    header = open_header(qtbot, ctx, tmp_path)
    assert header.title.text() == "Acme Ltd · Phone · Keyboard test v1"
    assert header.subtitle.text().endswith("· Tess")
    assert header.score_label.text() == "Score so far: —"
    assert not header.banner.isVisibleTo(header)
    header.runner.set_answer("q1", "yes")
    header.runner.add_moment(MomentKind.BAD)
    header.refresh()
    assert header.score_label.text().startswith("Score so far: 100%")
    assert header.moments_label.text() == "Moments: 0 good · 1 bad · 0 friction"


def test_saving_saved_and_not_saved(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    header = open_header(qtbot, ctx, tmp_path)
    header.show_saving()
    assert header.is_saving()
    header.runner.set_answer("q1", "yes")
    header.show_saved(None)
    assert header.saved_label.text() == "Saved 12:00:05" and not header.is_saving()
    header.show_saved("disk full")
    assert header.saved_label.text() == "Not saved!"
    assert header.saved_label.toolTip() == "disk full"


def test_a_completed_audit_shows_the_banner_that_reopens_it(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    header = open_header(qtbot, ctx, tmp_path)
    for item_id, value in (("q1", "yes"), ("rating", 4)):
        header.runner.set_answer(item_id, value)
    header.runner.complete()
    header.refresh()
    header.show_saved(None)
    assert header.banner.isVisibleTo(header)
    assert header.banner_text.text().startswith("Completed 2026-11-23 12:00.")
    assert header.score_label.text().startswith("Score: ")
    assert header.saved_label.text() == "Read-only"
    with qtbot.waitSignal(header.reopen_requested, timeout=1000):
        qtbot.mouseClick(header.reopen_button, Qt.MouseButton.LeftButton)


def test_an_audit_of_a_shop_shows_its_window_and_instructions_as_typed(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    scenario = "Ask how to cancel; say <b>“I'm moving abroad”</b> & wait"
    create_company(engine=ctx.engine, data=CompanyInput(name="Acme Ltd"))
    template = import_template_file(engine=ctx.engine, path=yes_no_template(tmp_path, count=1))
    shop = shops.create_shop(
        engine=ctx.engine,
        data=shops.ShopInput(
            company="Acme Ltd",
            touchpoint=template.touchpoint,
            template=template.id,
            shopper="Tess",
            opens=date(2026, 11, 20),
            due=date(2026, 11, 27),
            instructions=scenario,
        ),
    )
    audit = shops.start_shop(engine=ctx.engine, shop_id=shop.id, at=NOON, zone="UTC")
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone="UTC", clock=lambda: NOON)
    header = RunnerHeader(runner)
    show(qtbot, header)
    header.refresh()
    assert header.instructions.isVisibleTo(header)
    assert header.instructions.textFormat() == Qt.TextFormat.PlainText
    assert header.instructions.text() == (
        f"Shop {shop.id[:8]}, from 2026-11-20 to 2026-11-27. Scenario: {scenario}"
    )


def test_an_audit_without_a_shop_shows_no_instructions(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    header = open_header(qtbot, ctx, tmp_path)
    assert not header.instructions.isVisibleTo(header)
