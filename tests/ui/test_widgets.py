"""Small widgets: a row of buttons that wraps, a label that says it is cut."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from shopper.ui.widgets import ElidedLabel, FlowLayout


def test_buttons_wrap_onto_more_lines_instead_of_widening_the_pane(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host)
    buttons = [QPushButton(f"Person answered {n}  (P)") for n in range(6)]
    for button in buttons:
        flow.addWidget(button)
    widest = max(b.sizeHint().width() for b in buttons)
    assert host.minimumSizeHint().width() <= widest + 12  # one button's width is enough
    host.resize(widest * 2 + 30, 400)
    host.show()
    qtbot.waitExposed(host)
    rows = sorted({b.geometry().top() for b in buttons})
    assert len(rows) == 3  # two to a line
    assert all(b.geometry().right() <= host.width() for b in buttons)
    one_line = flow.heightForWidth(widest * 7)
    assert flow.heightForWidth(widest * 2 + 30) > 2 * one_line


def test_a_cut_label_ends_in_an_ellipsis_and_its_tooltip_has_it_all(qtbot: QtBot) -> None:
    label = ElidedLabel()
    qtbot.addWidget(label)
    text = "Audit 56ccfb74 · started 2026-11-15 13:01 (America/New_York) · Priya Natarajan"
    label.setText(text)
    label.resize(label.fontMetrics().horizontalAdvance(text) // 2, 30)
    label.show()
    qtbot.waitExposed(label)

    assert label.shown_text().endswith("…")
    assert label.toolTip() == text
    label.resize(label.fontMetrics().horizontalAdvance(text) + 40, 30)

    assert label.shown_text() == text
    assert label.toolTip() == ""
