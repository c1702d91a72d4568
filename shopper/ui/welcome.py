"""The first-run pane: what Shopper does, and two ways to begin."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from shopper.ui.lazy_qt import Qt


class WelcomePane(QWidget):
    start_audit = Signal()
    load_demo = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.addStretch(1)
        title = QLabel("Welcome to Shopper")
        title.setObjectName("welcomeTitle")
        layout.addWidget(title)
        text = QLabel(
            "Audit a company's touchpoints the way a customer meets them: the website, the "
            "phone line, e-mail, chat, the shop and the delivery.\n\n"
            "Pick a company and a checklist, then answer with the keyboard: Y, N or A for "
            "yes, no and N/A, digits for ratings and choices, Enter to move on. Every answer "
            "is saved the moment you give it.\n\n"
            "Repeat audits of the same company to see whether the experience is consistent."
        )
        text.setObjectName("welcomeText")
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addSpacing(16)
        buttons = QHBoxLayout()
        start = QPushButton("Start an audit…")
        start.setDefault(True)
        start.clicked.connect(self.start_audit)
        demo = self.demo_button = QPushButton("Load demo data")
        demo.clicked.connect(self.load_demo)
        buttons.addWidget(start)
        buttons.addWidget(demo)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(2)
        for child in (start, demo):
            child.setMinimumHeight(36)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
