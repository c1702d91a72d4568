"""The instruments under the item, one tab each.

The touchpoint's measuring instruments (phone-tree map, website path, e-mail
tracker) come first, then the stopwatch, moments and evidence every audit has.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget

from shopper.domain.instruments import Instrument
from shopper.domain.template import Item
from shopper.services.instruments import INSTRUMENTS_FOR_TOUCHPOINT
from shopper.services.runner import AuditRunner
from shopper.ui.runner.email_tracker import EmailTrackerPane
from shopper.ui.runner.evidence import EvidencePane
from shopper.ui.runner.instrument_base import InstrumentPane, Saver
from shopper.ui.runner.moments import MomentsPane
from shopper.ui.runner.phone_map import PhoneMapPane
from shopper.ui.runner.stopwatch import StopwatchPane
from shopper.ui.runner.web_path import WebPathPane


class InstrumentsPane(QTabWidget):
    """The instrument tabs of one audit.

    `changed` follows every write an instrument made (answers it fills may have
    changed); the other instruments are refreshed after it. `item_focus_wanted`
    says an instrument is done with the keyboard.
    """

    changed = Signal()
    item_focus_wanted = Signal()

    def __init__(
        self,
        runner: AuditRunner,
        data_dir: Path,
        current_item: Callable[[], Item | None],
        capture: Callable[[], bytes] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setDocumentMode(True)
        offered = INSTRUMENTS_FOR_TOUCHPOINT.get(runner.audit.touchpoint, ())
        self.phone_map: PhoneMapPane | None = None
        self.web_path: WebPathPane | None = None
        self.email_tracker: EmailTrackerPane | None = None
        panes: list[tuple[InstrumentPane, str]] = []
        if Instrument.PHONE in offered:
            self.phone_map = PhoneMapPane(runner)
            panes.append((self.phone_map, "Phone-tree map"))
        if Instrument.WEB in offered:
            self.web_path = WebPathPane(runner, data_dir, capture)
            panes.append((self.web_path, "Website path"))
        if Instrument.EMAIL in offered:
            self.email_tracker = EmailTrackerPane(runner)
            panes.append((self.email_tracker, "E-mail"))
        self.stopwatch = StopwatchPane(runner, current_item)
        self.moments_pane = MomentsPane(runner, current_item)
        self.moments_pane.return_focus = self.item_focus_wanted.emit
        self.evidence_pane = EvidencePane(runner, data_dir, current_item, capture)
        panes += [
            (self.stopwatch, "Stopwatch"),
            (self.moments_pane, "Moments"),
            (self.evidence_pane, "Evidence"),
        ]
        self.panes = [pane for pane, _title in panes]
        for pane, title in panes:
            pane.changed.connect(self._pane_changed)
            pane.set_read_only(not runner.can_change(None))
            self.addTab(_scrolled(pane), title)
        # Esc anywhere in an instrument: back to the checklist item.
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.setWhatsThis("From an instrument: back to the checklist item")
        back.activated.connect(self.leave)

    # Each pane sits in a scroll area, so the item above it is never squeezed out of view:
    # these keep the pane, not its scroll area, as what the tabs hold.

    def currentWidget(self) -> QWidget:
        return _unscrolled(super().currentWidget())

    def indexOf(self, widget: QWidget) -> int:
        for index in range(self.count()):
            tab = self.widget(index)
            if tab is not None and _unscrolled(tab) is widget:
                return index
        return -1

    def setCurrentWidget(self, widget: QWidget) -> None:
        index = self.indexOf(widget)
        if index >= 0:
            self.setCurrentIndex(index)

    def _pane_changed(self) -> None:
        changed_by = self.sender()
        self.changed.emit()
        for pane in self.panes:
            if pane is not changed_by:
                pane.refresh()

    def set_read_only(self, read_only: bool) -> None:
        """The audit was completed or reopened."""
        for pane in self.panes:
            pane.set_read_only(read_only)
            pane.refresh()

    def set_saver(self, saver: Saver) -> None:
        """On a team database: every pane's writes go to the view's queue."""
        for pane in self.panes:
            pane.saver = saver

    def flush(self) -> bool:
        """Save what is typed in an instrument (a moment's note, a prompt's details);
        False if that failed."""
        ok = self.moments_pane.flush()
        if self.phone_map is not None:
            ok = self.phone_map.flush() and ok
        return ok

    def leave(self) -> None:
        """Esc: save what is typed here, then give the keyboard back to the item."""
        self.flush()
        self.item_focus_wanted.emit()

    # -- going to an instrument ------------------------------------------------------

    def show_instrument(self, title: str) -> None:
        for index in range(self.count()):
            if self.tabText(index) == title:
                self.setCurrentIndex(index)

    def log_moment(self, kind: str) -> None:
        self.setCurrentWidget(self.moments_pane)
        self.moments_pane.log(kind)

    def focus_phone_map(self) -> None:
        if self.phone_map is not None:
            self.setCurrentWidget(self.phone_map)
            self.phone_map.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_web_path(self) -> None:
        if self.web_path is not None:
            self.setCurrentWidget(self.web_path)
            self.web_path.focus_entry()

    def focus_email(self) -> None:
        if self.email_tracker is not None:
            self.setCurrentWidget(self.email_tracker)
            self.email_tracker.focus_entry()

    def focus_instrument(self, name: str) -> None:
        """Show an instrument and give it the keyboard: "phone", "web", "email",
        "stopwatch", "moments" or "evidence"."""
        goes = {
            "phone": self.focus_phone_map,
            "web": self.focus_web_path,
            "email": self.focus_email,
        }
        if name in goes:
            goes[name]()
            return
        pane = {
            "stopwatch": self.stopwatch,
            "moments": self.moments_pane,
            "evidence": self.evidence_pane,
        }[name]
        self.setCurrentWidget(pane)
        pane.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- evidence for the item ---------------------------------------------------------

    def attach_files(self, paths: list[Path], item_id: str | None) -> None:
        self.evidence_pane.attach_files(paths, item_id=item_id)

    def choose_files(self) -> None:
        self.evidence_pane.choose_files()

    def capture_screen(self) -> None:
        self.evidence_pane.capture_screen()


def _scrolled(pane: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(pane)
    area.setFocusProxy(pane)
    return area


def _unscrolled(widget: QWidget) -> QWidget:
    inner = widget.widget() if isinstance(widget, QScrollArea) else None
    return inner if inner is not None else widget
