"""Every label reads right: no literal "&", nothing clipped, titles whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSizePolicy, QWidget
from pytestqt.qtbot import QtBot

from shopper.services.audits import list_audits
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.ui.analysis_window import AnalysisWindow
from shopper.ui.backups_dialog import RestoreDialog
from shopper.ui.bundle_dialogs import ExportBundleDialog, ExportChoice
from shopper.ui.company_dialog import CompanyDialog
from shopper.ui.compare.view import CompareWindow
from shopper.ui.findings import FindingsWindow
from shopper.ui.journey import JourneyWindow
from shopper.ui.main_window import MainWindow
from shopper.ui.new_audit import NewAuditDialog
from shopper.ui.new_shop import NewShopDialog, load_shop_choices
from shopper.ui.report_export import ExportDialog
from shopper.ui.runner.instrument_base import TimeDialog
from shopper.ui.settings import Settings
from shopper.ui.team_overview import TeamOverviewDialog
from tests.ui.helpers import wait_for_lists


def problems(top: QWidget) -> list[str]:
    found = []
    for label in top.findChildren(QLabel):
        if not label.isVisibleTo(top) or not label.text():
            continue
        text = label.text()
        plain = label.textFormat() != Qt.TextFormat.RichText and not text.lstrip().startswith("<")
        if plain and "&" in text.replace("&&", "") and label.buddy() is None:
            found.append(f"a literal '&' in {text!r}")
        ignored = label.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored
        wanted = label.minimumSizeHint().width()
        if label.isVisible() and not label.wordWrap() and not ignored and label.width() < wanted:
            found.append(f"{text[:40]!r} is clipped ({label.width()} px of its {wanted})")
    for view in top.findChildren(QAbstractItemView):
        header = getattr(view, "horizontalHeader", None)
        if header is None or not view.isVisible():
            continue
        head: QHeaderView = header()
        model = view.model()
        for column in range(model.columnCount() if model else 0):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            needed = head.fontMetrics().horizontalAdvance(title) + 12
            if head.isSectionHidden(column) or not title:
                continue
            if (
                head.sectionSize(column) < needed
                and head.sectionResizeMode(column) != QHeaderView.ResizeMode.Stretch
            ):
                found.append(
                    f"column {title!r} is clipped ({head.sectionSize(column)} px of {needed})"
                )
    return found


@pytest.fixture
def demo(ctx: AppContext) -> AppContext:
    load_demo(engine=ctx.engine, audits=30)
    return ctx


def _dialogs(ctx: AppContext, tmp_path: Path) -> list[Callable[[], QWidget]]:
    settings = Settings(ctx.data_dir)
    return [
        lambda: NewAuditDialog(ctx.engine, settings),
        lambda: CompanyDialog(ctx.engine),
        lambda: NewShopDialog(ctx.engine, load_shop_choices(ctx.engine, team=False)),
        lambda: TeamOverviewDialog(ctx.engine),
        lambda: ExportDialog(settings, tmp_path / "report.pdf"),
        lambda: RestoreDialog([]),
        lambda: ExportBundleDialog([ExportChoice("Every audit (3)", ["a", "b", "c"], "all")]),
        lambda: TimeDialog(
            datetime(2026, 12, 2, 10, 15, tzinfo=UTC), "Europe/Warsaw", "Correct the time"
        ),
        lambda: CompareWindow(ctx.engine),
        lambda: JourneyWindow(ctx.engine),
        lambda: FindingsWindow(ctx.engine),
    ]


def _loaded(window: AnalysisWindow) -> bool:
    return not window.loader.loading


def test_dialogs_and_windows_read_right(qtbot: QtBot, demo: AppContext, tmp_path: Path) -> None:
    found = []
    for make in _dialogs(demo, tmp_path):
        widget = make()
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
        if isinstance(widget, AnalysisWindow):  # its labels as they read once loaded
            qtbot.waitUntil(partial(_loaded, widget), timeout=10_000)
        found += [f"{type(widget).__name__}: {p}" for p in problems(widget)]
        title = widget.windowTitle()
        if (
            widget.isWindow()
            and widget.fontMetrics().horizontalAdvance(title) + 120 > widget.width()
        ):
            found.append(f"{type(widget).__name__}: the title {title!r} does not fit its window")
        widget.close()
    assert found == []


@pytest.mark.parametrize("size", [(1280, 800), (1000, 600)])
@pytest.mark.parametrize("touchpoint", ["phone", "website", "email", "store"])
def test_the_main_window_and_runner_read_right(
    qtbot: QtBot, demo: AppContext, touchpoint: str, size: tuple[int, int]
) -> None:
    window = MainWindow(demo)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    wait_for_lists(qtbot, window)  # the count label has its text before it is measured
    audit = next(a for a in list_audits(engine=demo.engine) if a.touchpoint == touchpoint)
    window.open_audit(audit.id)
    view = window.runner_view
    assert view is not None
    view.set_instruments_visible(True)
    qtbot.wait(50)  # the layout settles (a label's text can still change on the first pass)
    found = list(problems(window))
    for index in range(view.instruments.count()):
        view.instruments.setCurrentIndex(index)
        qtbot.wait(10)
        found += problems(window)
    assert sorted(set(found)) == []
