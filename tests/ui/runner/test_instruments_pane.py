"""The instruments pane on its own: the touchpoint's tabs, writes reported, read-only."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shopper.domain.instruments import PhoneStep
from shopper.domain.vocabulary import MomentKind
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui.runner.instruments_pane import InstrumentsPane
from tests.ui.helpers import new_audit, show


def open_pane(qtbot: QtBot, ctx: AppContext, touchpoint: str = "phone") -> InstrumentsPane:
    runner = AuditRunner(
        engine=ctx.engine, audit_id=new_audit(ctx, touchpoint=touchpoint), zone="UTC"
    )
    item = runner.template.item(runner.resume_item())
    pane = InstrumentsPane(runner, ctx.data_dir, lambda: item, lambda: b"")
    show(qtbot, pane)
    return pane


def titles(pane: InstrumentsPane) -> list[str]:
    return [pane.tabText(n) for n in range(pane.count())]


@pytest.mark.parametrize(
    ("touchpoint", "measuring"),
    [
        ("phone", ["Phone-tree map"]),
        ("website", ["Website path", "E-mail"]),
        ("email", ["E-mail"]),
    ],
)
def test_the_touchpoints_instruments_come_first(
    qtbot: QtBot, ctx: AppContext, touchpoint: str, measuring: list[str]
) -> None:
    pane = open_pane(qtbot, ctx, touchpoint)
    assert titles(pane) == [*measuring, "Stopwatch", "Moments", "Evidence"]
    present = {
        "Phone-tree map": pane.phone_map,
        "Website path": pane.web_path,
        "E-mail": pane.email_tracker,
    }
    assert [title for title, widget in present.items() if widget is not None] == measuring


def test_a_write_is_reported_and_the_other_tabs_refreshed(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    pane = open_pane(qtbot, ctx)
    assert pane.phone_map is not None
    refreshed: list[str] = []
    for widget in pane.panes:
        title = pane.tabText(pane.indexOf(widget))
        monkeypatch.setattr(widget, "refresh", lambda t=title: refreshed.append(t))
    with qtbot.waitSignal(pane.changed, timeout=1000):
        pane.phone_map.record(PhoneStep.CALL_START)
    # The map shows its own step; the pane refreshes the others once.
    assert sorted(refreshed) == sorted(["Phone-tree map", "Stopwatch", "Moments", "Evidence"])
    assert pane.runner.steps("phone")[0].kind == "call_start"


def test_a_moment_is_logged_in_its_tab_and_enter_hands_the_keyboard_back(
    qtbot: QtBot, ctx: AppContext
) -> None:
    pane = open_pane(qtbot, ctx)
    pane.log_moment(MomentKind.GOOD)
    assert pane.currentWidget() is pane.moments_pane
    assert [m.kind for m in pane.runner.moments] == [MomentKind.GOOD]
    qtbot.keyClicks(pane.moments_pane.note, "Kind agent")
    with qtbot.waitSignal(pane.item_focus_wanted, timeout=1000):
        qtbot.keyClick(pane.moments_pane.note, Qt.Key.Key_Return)
    assert pane.runner.moments[0].note == "Kind agent"


def test_going_to_an_instrument(qtbot: QtBot, ctx: AppContext) -> None:
    pane = open_pane(qtbot, ctx)
    pane.show_instrument("Evidence")
    assert pane.currentWidget() is pane.evidence_pane
    pane.focus_phone_map()
    assert pane.currentWidget() is pane.phone_map
    assert QApplication.focusWidget() is pane.phone_map
    pane.focus_web_path()  # not offered for a phone audit: nothing happens
    assert pane.currentWidget() is pane.phone_map


def test_files_are_attached_to_the_given_item(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    pane = open_pane(qtbot, ctx)
    picture = tmp_path / "receipt.png"
    buffer = BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "PNG")
    picture.write_bytes(buffer.getvalue())
    with qtbot.waitSignal(pane.changed, timeout=1000):
        pane.attach_files([picture], item_id="hold_time")
    assert [(e.item_id, e.filename) for e in pane.runner.evidence] == [("hold_time", "receipt.png")]


def test_read_only_disables_the_inputs_of_every_tab(qtbot: QtBot, ctx: AppContext) -> None:
    pane = open_pane(qtbot, ctx)
    assert pane.phone_map is not None
    pane.set_read_only(True)
    assert not any(b.isEnabled() for b in pane.phone_map.buttons.values())
    assert not pane.moments_pane.note.isEnabled()
    assert not pane.stopwatch.assign_button.isEnabled()
    pane.set_read_only(False)
    assert all(b.isEnabled() for b in pane.phone_map.buttons.values())
    assert pane.flush() is True  # no moment note waiting
