"""The website path recorder: pages on the way to a contact channel, as numbered steps.

Each page is saved when added (URL, title, what was clicked, whether a phone
number or contact link is visible, the channels seen); "Contact found" ends the
path with the channel reached. A screenshot can be captured for any page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration
from shopper.domain.instruments import CHANNELS, Instrument, Step, WebStep
from shopper.domain.wording import count_of
from shopper.services.records import Evidence
from shopper.services.runner import AuditRunner
from shopper.ui.runner.instrument_base import InstrumentPane, StepsModel, list_table

MAX_FIELD = 2000


def describe_web_step(step: Step, row: int) -> str:
    data = step.data
    if step.kind == WebStep.FOUND:
        return f"Reached: {CHANNELS.get(str(data.get('channel')), data.get('channel'))}"
    parts = [f"{row + 1}."]
    if data.get("title"):
        parts.append(str(data["title"]))
    if data.get("url"):
        parts.append(f"<{data['url']}>")
    if data.get("clicked"):
        parts.append(f"via “{data['clicked']}”")
    if data.get("contact_visible"):
        parts.append("· contact visible")
    if data.get("evidence_id"):
        parts.append("· screenshot")
    return " ".join(parts)


class WebPathPane(InstrumentPane):
    def __init__(
        self,
        runner: AuditRunner,
        data_dir: Path,
        capture: Callable[[], bytes] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.data_dir = data_dir
        self.capture = capture
        """A callable returning PNG bytes of the screen (None where unavailable)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        form = QFormLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…")
        self.title = QLineEdit()
        self.title.setPlaceholderText("Page title")
        self.clicked = QLineEdit()
        self.clicked.setPlaceholderText("What you clicked to get here (blank for the first page)")
        for edit in (self.url, self.title, self.clicked):
            edit.setMaxLength(MAX_FIELD)
            edit.returnPressed.connect(self.add_page)
        form.addRow("URL", self.url)
        form.addRow("Title", self.title)
        form.addRow("Clicked", self.clicked)
        self.contact_visible = QCheckBox("A phone number or contact link is visible on this page")
        form.addRow("", self.contact_visible)
        channels_grid = QGridLayout()  # three to a row: the pane fits a laptop screen
        self.channel_boxes: dict[str, QCheckBox] = {}
        for key, label in CHANNELS.items():
            if key == "none":
                continue
            box = QCheckBox(label)
            number = len(self.channel_boxes)
            channels_grid.addWidget(box, number // 3, number % 3)
            self.channel_boxes[key] = box
        form.addRow("Channels seen", channels_grid)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add page (Enter)")
        self.add_button.clicked.connect(self.add_page)
        buttons.addWidget(self.add_button)
        self.shot_button = QPushButton("Add page with screenshot")
        self.shot_button.clicked.connect(lambda: self.add_page(screenshot=True))
        self.shot_button.setEnabled(capture is not None)
        buttons.addWidget(self.shot_button)
        layout.addLayout(buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Contact found:"))
        self.channel = QComboBox()
        for key, label in CHANNELS.items():
            self.channel.addItem(label, key)
        buttons.addWidget(self.channel)
        self.found_button = QPushButton("End path")
        self.found_button.clicked.connect(self.found)
        buttons.addWidget(self.found_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.figures = QLabel()
        self.figures.setWordWrap(True)
        layout.addWidget(self.figures)
        self.model = StepsModel(runner.zone, describe_web_step, self)
        self.table = list_table(self.model, 3)
        self.table.doubleClicked.connect(self.correct_time)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        self.model.set_steps(self.runner.steps(Instrument.WEB))
        self.table.scrollToBottom()
        fig = self.runner.measurements.web
        if fig is None or not fig.pages:
            self.figures.setText("Add the page you start on, then each page you click through to.")
            return
        parts = [count_of(fig.pages, "page")]
        if fig.clicks_to_contact is not None:
            parts.append(f"{count_of(fig.clicks_to_contact, 'click')} to contact")
        if fig.time_to_contact is not None:
            parts.append(f"in {format_duration(fig.time_to_contact)}")
        if fig.channels:
            parts.append("channels: " + ", ".join(CHANNELS[c] for c in fig.channels))
        if fig.contact_on_home is not None:
            parts.append(
                "contact on the first page"
                if fig.contact_on_home
                else "no contact on the first page"
            )
        self.figures.setText(" · ".join(parts))

    def add_page(self, screenshot: bool = False) -> None:
        if self.runner.read_only:
            return
        data: dict[str, Any] = {
            "url": self.url.text().strip(),
            "title": self.title.text().strip(),
            "clicked": self.clicked.text().strip(),
            "contact_visible": self.contact_visible.isChecked(),
            "channels": [k for k, box in self.channel_boxes.items() if box.isChecked()],
        }
        if screenshot and self.capture is not None:
            png = self.capture()
            filename = f"page-{len(self.model.steps) + 1}.png"
            caption = data["url"] or data["title"]
            data_dir = self.data_dir

            def shot(record: Evidence | None) -> None:
                if record is not None:  # None: a retry found it stored, without its id
                    data["evidence_id"] = record.id
                self._add_page(data)

            self.run(
                lambda r: r.attach(data_dir=data_dir, data=png, filename=filename, caption=caption),
                then=shot,
            )
            return
        self._add_page(data)

    def _add_page(self, data: dict[str, Any]) -> None:
        if self.run(lambda r: r.add_step(Instrument.WEB, WebStep.PAGE, data=data)):
            for edit in (self.url, self.title, self.clicked):
                edit.clear()
            self.contact_visible.setChecked(False)
            for box in self.channel_boxes.values():
                box.setChecked(False)
            self.url.setFocus()

    def found(self) -> None:
        if self.runner.read_only:
            return
        channel = self.channel.currentData()
        seen = [k for k, box in self.channel_boxes.items() if box.isChecked()]
        self.run(
            lambda r: r.add_step(
                Instrument.WEB, WebStep.FOUND, data={"channel": channel, "channels": seen}
            )
        )

    def focus_entry(self) -> None:
        self.url.setFocus(Qt.FocusReason.ShortcutFocusReason)
