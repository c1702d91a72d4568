"""The manager's windows on demo data: compare, journey, findings by theme, and export."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCharts import QDateTimeAxis
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from shopper.domain.compare import (
    CHANGES_MEANING,
    CONSISTENCY_MEANING,
    SPREAD_MEANING,
    TREND_MEANING,
    Change,
)
from shopper.domain.vocabulary import AuditStatus
from shopper.services.compare import compare_pair
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.services.findings import findings_by_theme
from shopper.services.journey import company_journey
from shopper.ui.compare.model import ComparisonModel
from shopper.ui.compare.view import CompareWindow
from shopper.ui.findings import FindingsWindow, finding_columns, item_columns, theme_columns
from shopper.ui.journey import (
    HeatMapModel,
    JourneyWindow,
    timeline_columns,
    touchpoint_columns,
    two_lines,
)
from shopper.ui.main_window import MainWindow
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.workers import pending_work, wait_for_background
from tests.ui.helpers import show, show_window, wait_for_lists

LOAD_TIMEOUT = 15000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """Demo data every test here only reads (the export test writes a file elsewhere)."""
    context = AppContext.open(tmp_path_factory.mktemp("analysis-ui") / "data")
    load_demo(engine=context.engine, audits=90)
    yield context
    assert wait_for_background(30), f"still running after 30 s: {pending_work()}"
    context.close()


@pytest.fixture
def window(qtbot: QtBot, demo: AppContext) -> MainWindow:
    win = show_window(qtbot, MainWindow(demo))
    win.company_list.setCurrentIndex(win.company_model.index(1))
    win.touchpoint_filter.setCurrentIndex(win.touchpoint_filter.findData("phone"))
    wait_for_lists(qtbot, win)
    return win


def company_id(window: MainWindow) -> str:
    return window.selected_company_id()


def wait_loaded(qtbot: QtBot, widget: CompareWindow | JourneyWindow | FindingsWindow) -> None:
    """Wait for the window's latest background load (it may already have ended)."""
    qtbot.waitUntil(lambda: not widget.loading, timeout=LOAD_TIMEOUT)


# -- models under qtmodeltester --------------------------------------------------------


def test_comparison_model(qtmodeltester: object, demo: AppContext, window: MainWindow) -> None:
    result = compare_pair(engine=demo.engine, company_id=company_id(window), touchpoint="phone")
    model = ComparisonModel()
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]  # empty
    model.set_comparison(result.comparison)
    assert model.rowCount() == len(result.comparison.rows) > 0
    assert model.columnCount() == len(result.comparison.audits) + 1
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    agree = model.columnCount() - 1
    assert model.headerData(agree, Qt.Orientation.Horizontal) == "Agree"
    first_prompt = result.comparison.rows[0].prompt
    assert model.headerData(0, Qt.Orientation.Vertical) == first_prompt[:59] + (
        "…" if len(first_prompt) > 60 else first_prompt[59:]
    )
    assert model.target(model.index(0, agree)) is None
    assert model.target(model.index(0, 0)) == (
        result.comparison.audits[0].audit_id,
        result.comparison.rows[0].item_id,
    )


def test_journey_and_findings_models(
    qtmodeltester: object, demo: AppContext, window: MainWindow
) -> None:
    journey = company_journey(engine=demo.engine, company_id=company_id(window))
    report = findings_by_theme(engine=demo.engine, company_id=company_id(window))
    theme = report.themes[0]
    heat = HeatMapModel()
    heat.set_heat_map(journey.heat_map)
    assert heat.rowCount() == len(journey.heat_map.themes) > 0
    qtmodeltester.check(heat, force_py=True)  # type: ignore[attr-defined]
    cases: list[tuple[list[Column[object]], list[object]]] = [
        (touchpoint_columns(), list(journey.touchpoints)),  # type: ignore[list-item]
        (timeline_columns(), list(journey.timeline)),  # type: ignore[list-item]
        (theme_columns(), list(report.themes)),  # type: ignore[list-item]
        (item_columns(), list(theme.items)),  # type: ignore[list-item]
        (finding_columns(), list(theme.findings)),  # type: ignore[list-item]
    ]
    for columns, rows in cases:
        model: RowsModel[object] = RowsModel(columns)
        model.set_rows(rows[:300])
        assert model.rowCount() == min(len(rows), 300) > 0
        qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]


def test_rows_model_sorts_and_keeps_the_order(qtbot: QtBot) -> None:
    columns: list[Column[tuple[str, int | None]]] = [
        Column("Name", lambda r: r[0]),
        Column("Count", lambda r: str(r[1]), sort_key=lambda r: r[1]),
    ]
    model = RowsModel(columns)
    model.set_rows([("b", 2), ("a", None), ("c", 3)])
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert [r[0] for r in model.rows()] == ["c", "b", "a"]  # no value sorts last
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [r[0] for r in model.rows()] == ["b", "c", "a"]
    model.set_rows([("x", 9), ("y", 1)])  # new rows arrive in the view's order
    assert [r[0] for r in model.rows()] == ["y", "x"]


def test_two_line_headers() -> None:
    assert two_lines("Phone") == "Phone"
    assert two_lines("Satisfaction survey") == "Satisfaction\nsurvey"
    assert two_lines("Order & delivery") == "Order &\ndelivery"


# -- the windows -----------------------------------------------------------------------


def test_compare_window_opens_on_the_selection(qtbot: QtBot, window: MainWindow) -> None:
    compare = window.analysis.open_compare()
    qtbot.addWidget(compare)
    wait_loaded(qtbot, compare)
    assert compare.company_id == company_id(window)
    assert compare.touchpoint == "phone"
    assert compare.result is not None
    audits = compare.result.comparison.audits
    assert len(audits) >= 2
    assert compare.model.columnCount() == len(audits) + 1
    assert "completed audit" in compare.title_label.text()
    assert "/ 100" in compare.consistency_label.text()
    assert "fixed" in compare.changes_label.text()
    # Each figure says in one line what it means, as the PDF does; the tooltip says it all.
    for label, meaning in (
        (compare.consistency_label, CONSISTENCY_MEANING),
        (compare.spread_label, SPREAD_MEANING),
        (compare.trend_label, TREND_MEANING),
        (compare.changes_label, CHANGES_MEANING),
    ):
        assert html.escape(meaning.short) in label.text()
        assert label.toolTip() == meaning.full
    assert len(compare.chart.points) == len([a for a in audits if a.percent is not None])
    # The chart's dates in the app's one format (ISO in the tests' C locale), not "8 Mar 26".
    axes = compare.chart.chart().axes(Qt.Orientation.Horizontal)
    assert [axis.format() for axis in axes if isinstance(axis, QDateTimeAxis)] == ["yyyy-MM-dd"]
    assert compare.table.isVisible()
    assert compare in window.analysis.windows

    compare.touchpoint_combo.setCurrentIndex(compare.touchpoint_combo.findData("email"))
    wait_loaded(qtbot, compare)
    assert compare.result is not None and compare.result.touchpoint == "email"


def test_compare_cell_opens_the_audit_at_the_item(qtbot: QtBot, window: MainWindow) -> None:
    compare = window.analysis.open_compare()
    qtbot.addWidget(compare)
    wait_loaded(qtbot, compare)
    assert compare.result is not None
    rows = compare.result.comparison.rows
    row = next(n for n, r in enumerate(rows) if r.cells[-1].outcome is not None)
    index = compare.model.index(row, len(compare.result.comparison.audits) - 1)
    compare.table.setCurrentIndex(index)
    compare.table.setFocus()
    qtbot.keyClick(compare.table, Qt.Key.Key_Return)
    assert window.runner_view is not None
    assert window.runner_view.runner.audit_id == compare.result.comparison.audits[-1].audit_id
    assert window.runner_view.current.id == rows[row].item_id


def test_compare_window_without_audits(qtbot: QtBot, window: MainWindow) -> None:
    compare = window.analysis.open_compare(touchpoint="other")
    qtbot.addWidget(compare)
    wait_loaded(qtbot, compare)
    assert compare.model.rowCount() == 0
    assert compare.empty_label.isVisible()
    assert "No completed audits" in compare.empty_label.text()


def test_journey_window(qtbot: QtBot, window: MainWindow) -> None:
    journey = window.analysis.open_journey()
    qtbot.addWidget(journey)
    wait_loaded(qtbot, journey)
    assert journey.journey is not None
    assert journey.touchpoint_model.rowCount() == len(journey.journey.touchpoints) >= 5
    assert journey.heat_model.rowCount() > 3
    assert journey.heat_model.columnCount() == journey.touchpoint_model.rowCount()
    shown = journey.timeline_model.rowCount()
    assert shown == len(journey.journey.timeline) > 0
    assert journey.timeline_view.points
    assert "good" in journey.moments_label.text()
    journey.kind_combo.setCurrentIndex(journey.kind_combo.findData("bad"))
    assert 0 < journey.timeline_model.rowCount() < shown
    assert {e.kind for e in journey.timeline_model.rows()} == {"bad"}

    # The newest event opens its audit in the main window, at its item.
    event = journey.timeline_model.rows()[0]
    journey.timeline_table.activated.emit(journey.timeline_model.index(0, 0))
    assert window.runner_view is not None
    assert window.runner_view.runner.audit_id == event.audit_id
    if event.item_id:
        assert window.runner_view.current.id == event.item_id

    # A touchpoint opens its comparison; a heat-map cell its findings.
    before = len(window.analysis.windows)
    journey.touchpoint_table.activated.emit(journey.touchpoint_model.index(0, 0))
    assert len(window.analysis.windows) == before + 1
    compare = window.analysis.windows[-1]
    assert isinstance(compare, CompareWindow)
    qtbot.addWidget(compare)
    assert compare.touchpoint == journey.journey.touchpoints[0].touchpoint
    journey.heat_table.activated.emit(journey.heat_model.index(0, 0))
    themes = window.analysis.windows[-1]
    assert isinstance(themes, FindingsWindow)
    qtbot.addWidget(themes)
    wait_loaded(qtbot, themes)
    assert themes.selected_theme() == journey.journey.heat_map.themes[0]


def test_findings_window(qtbot: QtBot, window: MainWindow) -> None:
    window.touchpoint_filter.setCurrentIndex(0)  # every touchpoint
    themes = window.analysis.open_findings()
    qtbot.addWidget(themes)
    wait_loaded(qtbot, themes)
    assert themes.report is not None and themes.report.total > 0
    assert themes.theme_model.rowCount() == len(themes.report.themes)
    selected = themes.selected_theme()
    assert selected == themes.report.themes[0].theme  # the theme with most findings
    top = themes.report.themes[0]
    assert themes.finding_model.rowCount() == top.total
    assert themes.finding_table.isColumnHidden(1)  # one company: its name says nothing
    assert not themes.finding_table.isColumnHidden(2)

    # Picking an item narrows the findings to it.
    themes.item_table.selectRow(0)
    item = themes.item_model.rows()[0]
    assert themes.finding_model.rowCount() == item.failed
    assert {f.item_id for f in themes.finding_model.rows()} == {item.item_id}
    themes.all_items_button.click()
    assert themes.finding_model.rowCount() == top.total

    finding = themes.finding_model.rows()[0]
    themes.finding_table.setCurrentIndex(themes.finding_model.index(0, 0))
    themes.finding_table.setFocus()
    qtbot.keyClick(themes.finding_table, Qt.Key.Key_Return)
    assert window.runner_view is not None
    assert window.runner_view.runner.audit_id == finding.audit_id
    assert window.runner_view.current.id == finding.item_id


def test_findings_window_dates(qtbot: QtBot, demo: AppContext) -> None:
    themes = FindingsWindow(demo.engine)
    show(qtbot, themes)
    wait_loaded(qtbot, themes)
    everything = themes.report
    assert everything is not None
    themes.from_edit.setDate(themes.to_edit.date().addDays(-30))
    themes.reload()
    wait_loaded(qtbot, themes)
    assert themes.report is not None
    assert 0 < themes.report.audits < everything.audits
    themes.from_edit.setDate(themes.to_edit.date().addDays(1))
    themes.reload()
    assert "start date is after the end date" in themes.title_label.text()
    assert themes.theme_model.rowCount() == 0


def test_export_answers_in_view(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "phone.csv"
    window.analysis.export(in_view=True, path=path)
    qtbot.waitUntil(path.exists, timeout=LOAD_TIMEOUT)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("audit_id,audit_started")
    company = window.company_model.index(1).data().rsplit(" (", 1)[0]
    assert all(",Phone," in line for line in lines[1:])
    assert all(company in line for line in lines[1:] if line.count(",") > 10)
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=5000)


def test_export_refuses_an_unknown_extension(window: MainWindow, tmp_path: Path) -> None:
    window.analysis.export(in_view=False, path=tmp_path / "answers.txt")
    assert not (tmp_path / "answers.txt").exists()


def test_analyse_menu(window: MainWindow) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[-1] == "&Help" and "&Analyse" in titles
    menu = window.analysis.compare_action.associatedObjects()[0]
    assert isinstance(menu, QMenu)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == [
        "&Compare audits…",
        "Company &journey…",
        "&Findings by theme…",
        "&Export answers in view…",
        "Export &all answers…",
    ]


def test_change_markers_reach_the_table(demo: AppContext, window: MainWindow) -> None:
    result = compare_pair(engine=demo.engine, company_id=company_id(window), touchpoint="phone")
    model = ComparisonModel()
    model.set_comparison(result.comparison)
    for row, item in enumerate(result.comparison.rows):
        for column, cell in enumerate(item.cells):
            if cell.change in (Change.FIXED, Change.REGRESSED):
                text = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                assert text.startswith(cell.change.marker)
                return
    pytest.fail("the demo comparison has no fixed or regressed item")


def test_in_progress_audits_stay_out(demo: AppContext, window: MainWindow) -> None:
    result = compare_pair(engine=demo.engine, company_id=company_id(window), touchpoint="phone")
    statuses = {m.status for m in result.metas}
    assert statuses == {AuditStatus.COMPLETED}
