"""Evidence opened inside the app: pictures, sound, PDFs and e-mails, also in completed audits.

A picture is shown fitted to the window; a PDF and an e-mail (.eml) as their text, exactly
as they are; a recording plays where this system can play sound. "Open with…" hands the
file to the system's own app, and says so when there is none. A file whose content no
longer matches its hash is shown with a warning, never silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.services.evidence import read_email
from shopper.ui.crash import show_error

MAX_TEXT = 2_000_000
"""Characters of a document shown at most (a longer one says where it was cut)."""


def pdf_text(path: Path) -> str:
    """Every page's text, a page after another; raises ShopperError when unreadable."""
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    if document.load(str(path)) != QPdfDocument.Error.None_:
        raise ShopperError(f"{path.name}: this PDF cannot be read here")
    pages = []
    for page in range(document.pageCount()):
        pages.append(f"— Page {page + 1} of {document.pageCount()} —\n")
        pages.append(document.getAllText(page).text())
    document.close()
    return "\n".join(pages)


class EvidenceViewer(QDialog):
    """One piece of evidence, shown the way its kind is read."""

    def __init__(
        self,
        path: Path,
        *,
        kind: str,
        title: str,
        caption: str = "",
        intact: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.kind = kind
        self.setWindowTitle(f"{title} — Shopper")
        self.resize(900, 680)
        layout = QVBoxLayout(self)
        self.warning = QLabel(
            "This file has changed since it was attached: what you see is not the evidence "
            "that was recorded."
        )
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.warning.setVisible(not intact)
        layout.addWidget(self.warning)
        if caption:
            shown = QLabel(caption)
            shown.setWordWrap(True)
            shown.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(shown)
        self.picture: QLabel | None = None
        self.text: QPlainTextEdit | None = None
        self._pixmap = QPixmap()
        self.player: Any = None
        self.body = self._build_body()
        layout.addWidget(self.body, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        system = QPushButton("Open with the system's app")
        system.clicked.connect(self.open_outside)
        buttons.addButton(system, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)

    def _build_body(self) -> QWidget:
        if self.kind == "image":
            self._pixmap = QPixmap(str(self.path))
            self.picture = QLabel()
            self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.picture.setMinimumSize(200, 150)
            if self._pixmap.isNull():
                self.picture.setText("This picture cannot be shown here.")
            return self.picture
        if self.kind in ("pdf", "email"):
            self.text = QPlainTextEdit()
            self.text.setReadOnly(True)
            try:
                content = pdf_text(self.path) if self.kind == "pdf" else read_email(self.path)
            except (OSError, ShopperError, ValueError) as exc:
                content = f"This file cannot be read here: {exc}"
            if len(content) > MAX_TEXT:
                content = content[:MAX_TEXT] + "\n\n[… the rest is not shown]"
            self.text.setPlainText(content)
            return self.text
        return self._build_player()

    def _build_player(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        self.sound_label = QLabel()
        self.sound_label.setWordWrap(True)
        column.addWidget(self.sound_label)
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        except ImportError as exc:  # Qt's sound needs system libraries (PulseAudio, FFmpeg)
            self.sound_label.setText(
                f"This system cannot play sound in Shopper ({exc}). "
                "Open it with the system's app instead."
            )
            return box
        self.player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self.player.setAudioOutput(self._output)
        self.player.setSource(QUrl.fromLocalFile(str(self.path)))
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle_play)
        column.addWidget(self.play_button)
        column.addStretch(1)
        self.sound_label.setText(self.path.name)
        return box

    def toggle_play(self) -> None:
        if self.player is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            self.play_button.setText("Play")
        else:
            self.player.play()
            self.play_button.setText("Pause")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.picture is not None and not self._pixmap.isNull():
            self.picture.setPixmap(
                self._pixmap.scaled(
                    self.picture.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def open_outside(self) -> bool:
        """Hand the file to the system's app; say so when the system has none."""
        if launch(self.path):
            return True
        show_error(
            self,
            f"No app on this system opens {self.path.suffix or 'this'} files. The file is "
            f"kept at {self.path}.",
            title="Cannot open it outside Shopper",
        )
        return False

    def done(self, result: int) -> None:
        if self.player is not None:
            self.player.stop()
        super().done(result)


def launch(path: Path) -> bool:
    """Open a file with the system's own app (replaced in tests)."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
