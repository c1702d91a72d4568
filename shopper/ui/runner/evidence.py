"""Evidence: files attached to an item or a moment, with thumbnails; drop files to attach.

Files are checked and stored by content hash (shopper.services.evidence);
a stored file whose hash no longer matches is flagged as changed.

Thumbnails are decoded off the GUI thread (a placeholder shows until then); on a team
database so is the first fetch of a file that is not in the folder yet (its bytes come
from the database), and opening such a file waits for it without blocking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Qt
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
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
    evidence_path,
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
from shopper.ui.workers import run_quietly

log = logging.getLogger(__name__)

THUMB = 48
KIND_LABELS = {"image": "Image", "audio": "Audio", "email": "E-mail", "pdf": "PDF"}


def thumbnail_image(path: str) -> QImage:
    """An image decoded at thumbnail size (never the full image); null if it cannot be.
    Safe off the GUI thread (a QImage, not a QPixmap)."""
    reader = QImageReader(path)
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(THUMB, THUMB), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


@cache
def placeholder() -> QIcon:
    """What a thumbnail shows while it loads."""
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(QColor("#e0e0e0"))
    return QIcon(pixmap)


@dataclass(frozen=True)
class _Loaded:
    intact: bool
    thumb: QImage | None


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

    def __init__(self, runner: AuditRunner, data_dir: Path, parent: QWidget | None = None) -> None:
        self.runner = runner
        self.data_dir = data_dir
        self.store = EvidenceStore.for_engine(runner.engine, data_dir)
        self.host = parent
        """Runs the loads; without one (a model on its own) they are done at once."""
        self._thumbs: dict[str, QIcon] = {}
        self._fetched: dict[str, bool] = {}
        """On a team database: sha256 -> intact, once fetched off the GUI thread."""
        self._loading: set[str] = set()
        self._then: dict[str, list[Callable[[], None]]] = {}

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
                    decoration=lambda r: self.icon(r) if r.kind == "image" else None,
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
        """Where its file is in the folder (on a team database it may not be there yet:
        `when_here` fetches it)."""
        return evidence_path(self.data_dir, record.sha256, record.extension)

    def here(self, record: Evidence) -> bool:
        """Its file is in the folder, or was fetched (or found missing) already."""
        return record.sha256 in self._fetched or self.path_of(record).exists()

    def intact(self, record: Evidence) -> bool:
        """Whether its file has its recorded hash. On a team database a file not here yet
        counts as intact while it is fetched (the row is shown again then)."""
        sha = record.sha256
        if sha in self._fetched:
            return self._fetched[sha]
        path = self.path_of(record)
        if _verified(str(path), sha, record.extension, str(self.data_dir)):
            return True
        if not self.store.in_database:
            return False
        self._load(record)  # missing or damaged here: the database has the original
        return self._fetched.get(sha, True)

    def icon(self, record: Evidence) -> QIcon:
        if record.sha256 not in self._thumbs:
            self._load(record)
        return self._thumbs.get(record.sha256, placeholder())

    def when_here(self, record: Evidence, call: Callable[[], None]) -> None:
        """Call once its file is in the folder (at once if it is): never waits on the GUI."""
        if not self.store.in_database or self.here(record):
            call()
            return
        self._then.setdefault(record.sha256, []).append(call)
        self._load(record)

    def _load(self, record: Evidence) -> None:
        """Fetch (on a team database), check and decode a thumbnail, off the GUI thread."""
        sha, extension = record.sha256, record.extension
        if sha in self._loading:
            return
        self._loading.add(sha)
        engine, data_dir = self.runner.engine, self.data_dir
        image = record.kind == "image"

        def work() -> _Loaded:
            store = EvidenceStore.for_engine(engine, data_dir)  # its own: not the GUI's
            intact = store.intact(sha, extension)
            path = evidence_path(data_dir, sha, extension)
            return _Loaded(intact, thumbnail_image(str(path)) if image else None)

        if self.host is None:
            self._keep(sha, work())
            return
        run_quietly(
            self.host,
            work,
            on_done=lambda loaded: self._loaded(sha, loaded),
            on_error=lambda exc: self._failed(sha, exc),
        )

    def _failed(self, sha: str, exc: Exception) -> None:
        log.warning("could not fetch evidence %s: %s", sha[:12], exc)
        self._loading.discard(sha)  # tried again when the row is shown again
        self._then.pop(sha, None)
        self._thumbs.setdefault(sha, QIcon())
        self._shown_again(sha)

    def _loaded(self, sha: str, loaded: _Loaded) -> None:
        self._keep(sha, loaded)
        self._shown_again(sha)
        for call in self._then.pop(sha, []):
            call()

    def _keep(self, sha: str, loaded: _Loaded) -> None:
        self._loading.discard(sha)
        if self.store.in_database:
            self._fetched[sha] = loaded.intact
        thumb = loaded.thumb
        self._thumbs[sha] = (
            QIcon(QPixmap.fromImage(thumb)) if thumb is not None and not thumb.isNull() else QIcon()
        )

    def _shown_again(self, sha: str) -> None:
        for row, record in enumerate(self.records):
            if record.sha256 == sha:
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

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
        """The write that attaches it (holding no widget: it may run on the saves' thread)."""
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
        self.run(self._attach_data(png, "screenshot.png", item.id if item else None))

    def selected(self) -> Evidence | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def open_selected(self) -> EvidenceViewer | None:
        """Show the chosen evidence inside the app (pictures, sound, PDF and e-mail text).

        A file of a team database not fetched yet opens once it is (None is returned).
        """
        record = self.selected()
        if record is None:
            return None
        opened: list[EvidenceViewer] = []
        self.model.when_here(record, lambda: opened.append(self._open(record)))
        return opened[0] if opened else None

    def _open(self, record: Evidence) -> EvidenceViewer:
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
