"""Evidence: files attached to an item or a moment, with thumbnails; drop files to attach.

Files are checked and stored by content hash (shopper.services.evidence);
a stored file whose hash no longer matches is flagged as changed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, QStandardPaths, Qt
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImageReader,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.template import Item
from shopper.domain.vocabulary import MomentKind
from shopper.services.evidence import (
    FILE_FILTER,
    EvidenceStore,
    read_evidence_file,
    verify_stored,
)
from shopper.services.records import Evidence
from shopper.services.runner import AuditRunner
from shopper.ui.crash import show_error
from shopper.ui.dates import moment_text
from shopper.ui.evidence_viewer import EvidenceViewer
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.runner.instrument_base import InstrumentPane, list_table
from shopper.ui.settings import Options, Settings
from shopper.ui.widgets import FlowLayout

THUMB = 48
KIND_LABELS = {"image": "Image", "audio": "Audio", "email": "E-mail", "pdf": "PDF"}


@cache
def thumbnail(path: str) -> QIcon:
    """A small icon of an image, decoded at thumbnail size (never the full image)."""
    reader = QImageReader(path)
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(THUMB, THUMB), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return QIcon()
    return QIcon(QPixmap.fromImage(image))


@cache
def _verified(path: str, sha256: str, extension: str, data_dir: str) -> bool:
    return verify_stored(Path(data_dir), sha256, extension)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"


class EvidenceModel(RowsModel[Evidence]):
    """The audit's attachments: file (with a thumbnail), what it belongs to, kind, size."""

    def __init__(self, runner: AuditRunner, data_dir: Path, parent: Any = None) -> None:
        self.runner = runner
        self.data_dir = data_dir
        self.store = EvidenceStore.for_engine(runner.engine, data_dir)

        def name(record: Evidence) -> str:
            shown = record.filename or f"{record.sha256[:12]}.{record.extension}"
            return shown if self.intact(record) else f"{shown} — CHANGED since attached!"

        super().__init__(
            [
                Column(
                    "File",
                    name,
                    tooltip=lambda r: f"sha256 {r.sha256}\n{r.caption}".strip(),
                    foreground=lambda r: None if self.intact(r) else QColor("#c62828"),
                    decoration=lambda r: (
                        thumbnail(str(self.path_of(r))) if r.kind == "image" else None
                    ),
                ),
                Column("Attached to", self.target_text),
                Column("Kind", lambda r: KIND_LABELS.get(r.kind, r.kind)),
                Column("Size", lambda r: human_size(r.size), sort_key=lambda r: r.size),
                Column(
                    "Added",
                    lambda r: moment_text(r.added_at, r.added_tz),
                    sort_key=lambda r: r.added_at,
                ),
            ],
            parent,
        )

    def reload(self) -> None:
        self.set_rows(self.runner.evidence)

    @property
    def records(self) -> list[Evidence]:
        return self.rows()

    def record_at(self, row: int) -> Evidence | None:
        return self.row(row)

    def path_of(self, record: Evidence) -> Path:
        return self.store.path(record.sha256, record.extension)

    def intact(self, record: Evidence) -> bool:
        path = self.path_of(record)
        return _verified(str(path), record.sha256, record.extension, str(self.data_dir))

    def target_text(self, record: Evidence) -> str:
        template = self.runner.template
        if record.item_id and template.has_item(record.item_id):
            return template.item(record.item_id).prompt
        if record.moment_id:
            moment = next((m for m in self.runner.moments if m.id == record.moment_id), None)
            if moment is not None:
                return f"{MomentKind.label_of(moment.kind)}: {moment.note[:60]}"
        return "The audit (e.g. a website path step)"


class EvidencePane(InstrumentPane):
    def __init__(
        self,
        runner: AuditRunner,
        data_dir: Path,
        current_item: Callable[[], Item | None],
        capture: Callable[[], bytes] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.data_dir = data_dir
        self.current_item = current_item
        self.capture = capture
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        buttons = FlowLayout()  # onto two lines in a narrow pane
        attach = QPushButton("Attach file to the current item…")
        attach.clicked.connect(self.choose_files)
        buttons.addWidget(attach)
        self.capture_button = QPushButton("Capture screen")
        self.capture_button.clicked.connect(self.capture_screen)
        self.capture_button.setEnabled(capture is not None)
        buttons.addWidget(self.capture_button)
        self.open_button = open_button = QPushButton("Open")
        open_button.setToolTip("Show it here (Enter, or double-click): also in a completed audit")
        open_button.clicked.connect(self.open_selected)
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        buttons.addWidget(open_button)
        buttons.addWidget(remove)
        layout.addLayout(buttons)
        hint = QLabel(
            "Drop files here to attach them to the current item. Images, audio, "
            ".eml e-mails and PDFs up to 50 MiB."
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.model = EvidenceModel(runner, data_dir, self)
        self.table = list_table(self.model, 1)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.table.setColumnWidth(0, 220)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        self.model.reload()

    def attach_files(self, paths: list[Path], item_id: str | None = None) -> int:
        """Attach files to the current item (or `item_id`); returns how many were stored."""
        if self.runner.read_only:
            return 0
        target = item_id
        if target is None:
            item = self.current_item()
            target = item.id if item else None
        stored = 0
        for path in paths:
            try:
                data = read_evidence_file(path)
            except ShopperError as exc:
                show_error(self, str(exc))
                continue
            if self.run(self._attach_data(data, path.name, target)):
                stored += 1
        return stored

    def _attach_data(
        self, data: bytes, filename: str, item_id: str | None
    ) -> Callable[[AuditRunner], Evidence]:
        data_dir = self.data_dir
        return lambda runner: runner.attach(
            data_dir=data_dir, data=data, filename=filename, item_id=item_id
        )

    def choose_files(self) -> None:
        """Pick files to attach, starting in the folder used last (at first, Pictures)."""
        settings = Settings(self.data_dir)
        start = settings.get(Options.ATTACH_FOLDER) or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.PicturesLocation
        )
        if not Path(start).is_dir():
            start = str(Path.home())
        names, _ = QFileDialog.getOpenFileNames(self, "Attach evidence", start, FILE_FILTER)
        if names:
            settings.set(Options.ATTACH_FOLDER, str(Path(names[0]).parent))
            settings.sync()
        self.attach_files([Path(n) for n in names])

    def capture_screen(self) -> None:
        if self.capture is None or self.runner.read_only:
            return
        png = self.capture()
        item = self.current_item()
        self.run(
            lambda r: r.attach(
                data_dir=self.data_dir,
                data=png,
                filename="screenshot.png",
                item_id=item.id if item else None,
            )
        )

    def selected(self) -> Evidence | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def open_selected(self) -> EvidenceViewer | None:
        """Show the chosen evidence inside the app (pictures, sound, PDF and e-mail text)."""
        record = self.selected()
        if record is None:
            return None
        viewer = EvidenceViewer(
            self.model.path_of(record),
            kind=record.kind,
            title=record.filename or "Evidence",
            caption=record.caption,
            intact=self.model.intact(record),
            parent=self,
        )
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer = viewer
        viewer.open()
        return viewer

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.open_button.setEnabled(True)  # evidence is looked at in a completed audit too

    def remove_selected(self) -> None:
        record = self.selected()
        if record is not None and not self.runner.read_only:
            self.run(lambda r: r.detach(record.id))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and not self.runner.read_only:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.attach_files(paths)
            event.acceptProposedAction()
