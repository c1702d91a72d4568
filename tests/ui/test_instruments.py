"""Instruments in the runner, driven with the keyboard: a call, a website path, an e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from shopper.domain.instruments import Instrument, PhoneStep
from shopper.domain.vocabulary import AnswerSource, MomentKind
from shopper.services.audits import load_audit
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui.runner.email_tracker import EmailTrackerPane
from shopper.ui.runner.evidence import EvidenceModel
from shopper.ui.runner.instrument_base import StepsModel
from shopper.ui.runner.moments import MomentsModel
from shopper.ui.runner.phone_map import describe_phone_step
from shopper.ui.runner.view import AuditRunnerView
from tests.ui.helpers import Keyboard, new_audit, show, when_modal

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


class Clock:
    """A clock the test moves forward, so recorded steps have known times."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def open_view(
    qtbot: QtBot, ctx: AppContext, audit_id: str, clock: Clock | None = None, png: bytes = b""
) -> AuditRunnerView:
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, clock=clock or Clock(), zone="UTC")
    view = AuditRunnerView(runner, ctx.data_dir, (lambda: png) if png else None)
    show(qtbot, view)
    view.focus_item()
    return view


def png_bytes(color: str = "red") -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def stored(ctx: AppContext, audit_id: str) -> dict[str, object]:
    return load_audit(engine=ctx.engine, audit_id=audit_id).values


def test_phone_call_recorded_with_keys_fills_items(qtbot: QtBot, ctx: AppContext) -> None:
    clock = Clock()
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id, clock)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_P, CTRL_SHIFT)
    assert view.phone_map is not None
    assert keys.focus() is view.phone_map
    keys.press("s")
    clock.advance(10)
    keys.press("m")
    assert keys.focus() is view.phone_map  # a step key never takes the keyboard
    keys.press("i")  # ...the details of the last menu prompt are asked for on purpose
    assert isinstance(keys.focus(), QLineEdit)  # the prompt heard
    keys.type("For billing press 2")
    keys.press(Qt.Key.Key_Tab)
    keys.type("1 sales, 2 billing, 3 other")
    keys.press(Qt.Key.Key_Return)
    assert keys.focus() is view.phone_map
    clock.advance(20)
    keys.press("h")
    clock.advance(90)
    keys.press("p")
    clock.advance(30)
    keys.press("r")
    clock.advance(60)
    keys.press("e")

    values = stored(ctx, audit_id)
    assert values["reached_human"] == "yes"
    assert values["menu_depth"] == 1
    assert values["menu_prompts"] == 3  # options read out
    assert values["hold_time"] == 90.0
    assert values["time_to_human"] == 120.0
    assert values["greeting_wait"] == 10.0
    assert values["repeated_info"] == 1
    steps = view.runner.steps(Instrument.PHONE)
    assert [s.kind for s in steps] == [
        "call_start",
        "menu",
        "hold_start",
        "human",
        "repeat",
        "call_end",
    ]
    assert steps[1].data["prompt"] == "For billing press 2"
    assert "Depth 1" in view.phone_map.figures.text()
    # The item panel says where the answer came from.
    view.go_to("hold_time")
    assert "phone-tree map" in view.measured_label.text()


def test_a_call_is_mapped_with_one_key_per_event(qtbot: QtBot, ctx: AppContext) -> None:
    """S M M H P T R E: eight presses, eight steps; no key falls into a text field."""
    clock = Clock()
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id, clock)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_P, CTRL_SHIFT)
    keys.presses = 0
    for key in "smmhptre":
        clock.advance(7)
        keys.press(key)
        assert keys.focus() is view.phone_map, key
    assert keys.presses == 8
    kinds = [s.kind for s in view.runner.steps(Instrument.PHONE)]
    assert kinds == [
        "call_start",
        "menu",
        "menu",
        "hold_start",
        "human",
        "transfer",
        "repeat",
        "call_end",
    ]
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert len([s for s in detail.steps if s.instrument == Instrument.PHONE]) == 8
    assert all(not s.decoded() for s in detail.steps)  # no stray letters as details


def _yes_no_item(view: AuditRunnerView) -> str:
    return next(i.id for i in view.runner.visible_items() if i.type.value == "yes_no")


@pytest.mark.parametrize(
    ("touchpoint", "instrument"),
    [
        ("phone", "phone"),
        ("website", "web"),
        ("email", "email"),
        ("phone", "stopwatch"),
        ("phone", "moments"),
        ("phone", "evidence"),
    ],
)
def test_esc_from_any_instrument_returns_to_the_item(
    qtbot: QtBot, ctx: AppContext, touchpoint: str, instrument: str
) -> None:
    audit_id = new_audit(ctx, touchpoint=touchpoint)
    view = open_view(qtbot, ctx, audit_id)
    item_id = _yes_no_item(view)
    view.go_to(item_id)
    keys = Keyboard(qtbot)
    view.instruments.focus_instrument(instrument)
    assert view.instruments.isAncestorOf(keys.focus())
    keys.press(Qt.Key.Key_Escape)
    assert not view.instruments.isAncestorOf(keys.focus())
    keys.press("y")
    assert stored(ctx, audit_id).get(item_id) == "yes"


def test_the_key_hint_says_esc_goes_back(qtbot: QtBot, ctx: AppContext) -> None:
    view = open_view(qtbot, ctx, new_audit(ctx))
    assert view.phone_map is not None
    assert "Esc" in view.phone_map.hint.text()


def test_override_is_shown_and_kept(qtbot: QtBot, ctx: AppContext) -> None:
    clock = Clock()
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id, clock)
    assert view.phone_map is not None
    view.phone_map.record(PhoneStep.CALL_START)
    clock.advance(5)
    view.phone_map.record(PhoneStep.MENU)
    clock.advance(5)
    view.phone_map.record(PhoneStep.MENU)
    clock.advance(5)
    view.phone_map.record(PhoneStep.HUMAN)  # the menus are over: their depth is final
    view.go_to("menu_depth")
    keys = Keyboard(qtbot)
    line = keys.focus()
    assert isinstance(line, QLineEdit) and line.text() == "2"
    line.selectAll()
    keys.type("3")
    keys.press(Qt.Key.Key_Return)
    assert view.runner.is_override("menu_depth")
    view.go_to("menu_depth")
    assert view.measured_label.text().startswith("Overridden")
    assert view.use_measured_button.isVisible()
    # A later step does not overwrite the shopper's answer.
    view.phone_map.record(PhoneStep.TRANSFER)
    assert stored(ctx, audit_id)["menu_depth"] == 3
    view.use_measured()
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert detail.values["menu_depth"] == 2
    assert detail.answers["menu_depth"].source == AnswerSource.INSTRUMENT


def test_website_path_recorded_with_keyboard(qtbot: QtBot, ctx: AppContext) -> None:
    clock = Clock()
    audit_id = new_audit(ctx, touchpoint="website")
    view = open_view(qtbot, ctx, audit_id, clock, png=png_bytes())
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_W, CTRL_SHIFT)
    pane = view.web_path
    assert pane is not None and keys.focus() is pane.url
    keys.type("https://example.com/")
    keys.press(Qt.Key.Key_Return)
    clock.advance(25)
    keys.type("https://example.com/help")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Help centre")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Help")
    keys.press(Qt.Key.Key_Return)
    clock.advance(20)
    pane.url.setText("https://example.com/contact")
    pane.clicked.setText("Contact us")
    pane.channel_boxes["email"].setChecked(True)
    pane.channel_boxes["web_form"].setChecked(True)
    pane.add_page(screenshot=True)
    clock.advance(5)
    pane.channel.setCurrentIndex(pane.channel.findData("web_form"))
    pane.channel_boxes["web_form"].setChecked(True)
    pane.found()

    values = stored(ctx, audit_id)
    assert values["clicks_to_contact"] == 2
    assert values["time_to_contact"] == 50.0
    assert values["channel_found"] == "web_form"
    assert values["channels_offered"] == ["email", "web_form"]
    assert values["contact_on_home"] == "no"
    steps = view.runner.steps(Instrument.WEB)
    assert steps[1].data["title"] == "Help centre" and steps[1].data["clicked"] == "Help"
    assert steps[2].data.get("evidence_id")
    assert len(view.runner.evidence) == 1


def test_email_exchange_in_business_hours(qtbot: QtBot, ctx: AppContext) -> None:
    audit_id = new_audit(ctx, touchpoint="email")
    view = open_view(qtbot, ctx, audit_id)
    pane = view.email_tracker
    assert isinstance(pane, EmailTrackerPane)
    keys = Keyboard(qtbot)
    alt = Qt.KeyboardModifier.AltModifier
    # The company (Acme Ltd) keeps the default hours: Mon-Fri 09:00-17:00, here in UTC.
    keys.press(Qt.Key.Key_E, CTRL_SHIFT)
    assert keys.focus() is pane.when.line
    keys.type("2026-11-20 16:00")  # a Friday, an hour before closing
    keys.press(Qt.Key.Key_S, alt)
    assert "No reply yet" in pane.figures.text()
    keys.press(Qt.Key.Key_E, CTRL_SHIFT)
    keys.type("2026-11-23 10:00")  # Monday, an hour after opening
    keys.press(Qt.Key.Key_R, alt)
    values = stored(ctx, audit_id)
    assert values["reply_received"] == "yes"
    assert values["response_business_hours"] == 2.0
    assert values["response_calendar_hours"] == 66.0
    assert "2.0 h" in pane.figures.text()
    # A reply dated before the enquiry is refused and nothing changes.
    keys.press(Qt.Key.Key_E, CTRL_SHIFT)
    keys.type("2026-11-19 16:00")
    keys.press(Qt.Key.Key_R, alt)
    assert len(view.runner.steps(Instrument.EMAIL)) == 2
    assert stored(ctx, audit_id)["response_business_hours"] == 2.0


def test_moments_by_shortcut_with_note(qtbot: QtBot, ctx: AppContext) -> None:
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id)
    keys = Keyboard(qtbot)
    current = view.current.id
    keys.press(Qt.Key.Key_B, CTRL_SHIFT)
    assert keys.focus() is view.moments_pane.note
    keys.type("Agent sighed loudly")
    keys.press(Qt.Key.Key_Return)
    keys.press(Qt.Key.Key_G, CTRL_SHIFT)
    keys.type("Offered a callback")
    view.flush()
    moments = load_audit(engine=ctx.engine, audit_id=audit_id).moments
    assert [(m.kind, m.note, m.item_id) for m in moments] == [
        (MomentKind.BAD, "Agent sighed loudly", current),
        (MomentKind.GOOD, "Offered a callback", current),
    ]
    assert "1 good · 1 bad · 0 friction" in view.moments_label.text()


def test_stopwatch_split_fills_current_duration_item(qtbot: QtBot, ctx: AppContext) -> None:
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id)
    view.go_to("hold_time")
    stopwatch = view.stopwatch
    stopwatch._accumulated = 95_000  # 1:35 already timed
    stopwatch.split()
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F8)
    assert stored(ctx, audit_id)["hold_time"] == 95.0
    # Or give a split to any duration item from the list.
    stopwatch.target.setCurrentIndex(stopwatch.target.findData("greeting_wait"))
    stopwatch.assign_selected()
    assert stored(ctx, audit_id)["greeting_wait"] == 95.0


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent.*deprecated:DeprecationWarning")
def test_evidence_attached_by_drop_and_refused_when_bad(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id)
    good = tmp_path / "receipt.png"
    good.write_bytes(png_bytes())
    fake = tmp_path / "photo.png"
    fake.write_text("not an image", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(fake))])
    where, action = QPointF(5, 5), Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    # Qt delivers a drop only to a widget that accepted the drag entering it.
    enter = QDragEnterEvent(where.toPoint(), action, mime, buttons, mods)
    QApplication.sendEvent(view.panel, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view.panel, QDropEvent(where, action, mime, buttons, mods))
    records = view.runner.evidence
    assert len(records) == 1
    assert records[0].item_id == view.current.id and records[0].filename == "receipt.png"
    assert "1 file attached" in view.evidence_label.text()
    assert len(load_audit(engine=ctx.engine, audit_id=audit_id).evidence) == 1


@pytest.mark.parametrize("model_name", ["steps", "moments", "evidence"])
def test_instrument_models(qtmodeltester: object, ctx: AppContext, model_name: str) -> None:
    audit_id = new_audit(ctx)
    clock = Clock()
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, clock=clock, zone="UTC")
    runner.add_step("phone", "call_start")
    clock.advance(3)
    runner.add_step("phone", "menu", data={"prompt": "Hello & <b>welcome</b>"})
    runner.add_moment(MomentKind.FRICTION, note="Long wait")
    runner.attach(data_dir=ctx.data_dir, data=png_bytes(), filename="a.png", item_id="hold_time")
    model: object
    if model_name == "steps":
        steps_model = StepsModel("UTC", describe_phone_step)
        steps_model.set_steps(runner.steps("phone"))
        assert steps_model.index(1, 3).data() == "“Hello & <b>welcome</b>”"
        model = steps_model
    elif model_name == "moments":
        moments_model = MomentsModel(runner)
        moments_model.reload()
        model = moments_model
    else:
        evidence_model = EvidenceModel(runner, ctx.data_dir)
        evidence_model.reload()
        assert evidence_model.index(0, 0).data() == "a.png"
        model = evidence_model
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]


def test_a_step_time_is_corrected_by_double_click(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.ui.runner import instrument_base

    clock = Clock()
    audit_id = new_audit(ctx)
    view = open_view(qtbot, ctx, audit_id, clock)
    assert view.phone_map is not None
    view.phone_map.record(PhoneStep.CALL_START)
    clock.advance(30)
    view.phone_map.record(PhoneStep.HUMAN)
    corrected = clock.now + timedelta(seconds=45)
    monkeypatch.setattr(instrument_base.TimeDialog, "exec", lambda _self: 1)
    monkeypatch.setattr(instrument_base.TimeDialog, "moment", lambda _self: corrected)
    view.phone_map.table.doubleClicked.emit(view.phone_map.model.index(1, 0))
    assert [s.at for s in view.runner.steps(Instrument.PHONE)][1] == corrected
    assert stored(ctx, audit_id)["time_to_human"] == 75.0


# -- typed times are never misread --------------------------------------------------------


def _correct_first_step(qtbot: QtBot, view: AuditRunnerView, typed: str) -> list[str]:
    """Open "Correct the time" on the first step, type `typed` over it, press Enter."""
    from shopper.ui.runner.instrument_base import TimeDialog

    seen: list[str] = []

    def act(dialog: QWidget) -> None:
        assert isinstance(dialog, TimeDialog)
        keys = Keyboard(qtbot)
        assert keys.focus() is dialog.edit.line
        assert dialog.edit.line.selectedText() == dialog.edit.line.text()  # over a selection
        keys.type(typed)
        seen.append(dialog.edit.understood.text())
        keys.press(Qt.Key.Key_Return)

    errors = when_modal(TimeDialog, act)
    assert view.phone_map is not None
    view.phone_map.correct_time(view.phone_map.model.index(0, 0))
    assert errors == []
    return seen


def test_a_corrected_time_is_read_as_typed_and_shown_first(qtbot: QtBot, ctx: AppContext) -> None:
    clock = Clock()
    view = open_view(qtbot, ctx, new_audit(ctx), clock)
    assert view.phone_map is not None
    view.phone_map.record(PhoneStep.CALL_START)
    seen = _correct_first_step(qtbot, view, "2026-12-02 10:15:00")
    assert seen == ["Understood as Wed 2 Dec 2026, 10:15:00 (UTC)"]
    step = view.runner.steps(Instrument.PHONE)[0]
    assert step.at == datetime(2026, 12, 2, 10, 15, tzinfo=UTC)


def test_a_time_far_from_now_is_kept_only_when_confirmed(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.ui import moment_field

    asked: list[str] = []

    def refuse(_parent: QWidget, question: str) -> bool:
        asked.append(question)
        return False

    monkeypatch.setattr(moment_field, "ask", refuse)
    clock = Clock()
    view = open_view(qtbot, ctx, new_audit(ctx), clock)
    assert view.phone_map is not None
    view.phone_map.record(PhoneStep.CALL_START)
    before = view.runner.steps(Instrument.PHONE)[0].at
    _correct_first_step(qtbot, view, "2027-06-01 10:00")
    assert asked and "days from now" in asked[0]
    assert view.runner.steps(Instrument.PHONE)[0].at == before


def test_email_times_are_typed_naturally_and_tab_goes_to_the_subject(
    qtbot: QtBot, ctx: AppContext
) -> None:
    clock = Clock()
    view = open_view(qtbot, ctx, new_audit(ctx, touchpoint="email"), clock)
    tracker = view.email_tracker
    assert tracker is not None
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_E, CTRL_SHIFT)
    assert keys.focus() is tracker.when.line
    keys.type("2026-11-20 16:05")
    assert "Fri 20 Nov 2026, 16:05:00" in tracker.when.understood.text()
    keys.press(Qt.Key.Key_Tab)
    assert keys.focus() is tracker.subject
    keys.type(" Refund")  # a space no longer lands on a "Now" button
    keys.press(Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    step = view.runner.steps(Instrument.EMAIL)[0]
    assert step.at == datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
    assert step.data == {"subject": "Refund"}
    # What does not read as a time is refused, and nothing is recorded.
    keys.press(Qt.Key.Key_E, CTRL_SHIFT)
    keys.type("02/12 10:15")
    assert "not a date and time" in tracker.when.understood.text()


def test_a_date_time_item_takes_iso_text(qtbot: QtBot, ctx: AppContext) -> None:
    view = open_view(qtbot, ctx, new_audit(ctx, touchpoint="email"))
    item_id = next(i.id for i in view.runner.visible_items() if i.type.value == "datetime")
    view.go_to(item_id)
    keys = Keyboard(qtbot)
    view.focus_item()
    keys.type("2026-12-02 10:15")
    keys.press(Qt.Key.Key_Return)
    assert stored(ctx, view.runner.audit_id)[item_id] == {
        "utc": "2026-12-02T10:15:00+00:00",
        "tz": "UTC",
    }


def test_steps_on_another_day_show_the_day(qtmodeltester: object) -> None:
    from shopper.domain.instruments import EmailStep, Step

    model = StepsModel("Europe/Warsaw", lambda _s, _r: "", None)
    sent = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday 16:00 in Warsaw
    model.set_steps(
        [
            Step("a", EmailStep.SENT, sent),
            Step("b", EmailStep.REPLY, sent + timedelta(minutes=20)),
            Step("c", EmailStep.REPLY, sent + timedelta(days=3, hours=-6)),
        ]
    )
    times = [model.index(row, 0).data() for row in range(3)]
    assert times == ["16:00:00", "16:20:00", "Mon 2026-11-23 10:00"]  # the day, as dates read


def test_instrument_figures_count_in_the_singular(qtbot: QtBot, ctx: AppContext) -> None:
    clock = Clock()
    audit_id = new_audit(ctx, touchpoint="website")
    view = open_view(qtbot, ctx, audit_id, clock, png=png_bytes())
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_W, CTRL_SHIFT)
    pane = view.web_path
    assert pane is not None
    keys.type("https://example.com/")
    keys.press(Qt.Key.Key_Return)
    assert pane.figures.text().startswith("1 page")
    assert "1 pages" not in pane.figures.text()
    clock.advance(20)
    pane.url.setText("https://example.com/contact")
    pane.clicked.setText("Contact us")
    pane.channel_boxes["email"].setChecked(True)
    pane.add_page(screenshot=False)
    pane.channel.setCurrentIndex(pane.channel.findData("email"))
    pane.found()
    assert "2 pages · 1 click to contact" in pane.figures.text()


def test_a_date_time_answer_reads_in_the_zone_it_was_recorded_in(
    qtbot: QtBot, ctx: AppContext
) -> None:
    from shopper.ui.runner.editors import DateTimeEditor

    audit_id = new_audit(ctx, touchpoint="email")
    shopper = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="America/New_York")
    item_id = next(i.id for i in shopper.visible_items() if i.type.value == "datetime")
    shopper.set_answer(item_id, {"utc": "2026-11-15T18:05:32+00:00", "tz": "America/New_York"})
    view = open_view(qtbot, ctx, audit_id)  # a manager's machine, in UTC
    view.go_to(item_id)
    editor = view.item_panel.editor
    assert isinstance(editor, DateTimeEditor)
    assert editor.edit.line.text() == "2026-11-15 13:05:32"
    assert "America/New_York" in editor.edit.understood.text()
