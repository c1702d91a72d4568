"""The template editor: sections and items in a tree, the chosen one's fields beside it.

Keyboard first: the tree takes Insert (new item), Ctrl+Insert (new section), Delete, and
Alt+Up / Alt+Down to move (an item moves on into the next section at either end); F6 goes
between the tree and the form, F8 to the field the loader finds at fault. Ctrl+S saves
(a changed template becomes its next version), Ctrl+T tries it in the real runner, where
nothing is saved. Every change undoes with Ctrl+Z.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.wording import count_of
from shopper.ui.crash import headless, show_error
from shopper.ui.screen import fit_on_screen
from shopper.ui.style import STYLE_SHEET
from shopper.ui.template_editor.forms import (
    ItemForm,
    NodeForm,
    SectionForm,
    TemplateForm,
    first_focusable,
)
from shopper.ui.template_editor.model import Fault, TemplateModel
from shopper.ui.template_editor.model import Path as NodePath
from shopper.ui.workers import Operation, on_a_server, run_soon

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.ui.template_editor.preview import PreviewWindow
    from shopper.ui.template_editor.versions import VersionsDialog

PAGE_NONE, PAGE_SECTION, PAGE_ITEM = range(3)
KEYS_HINT = (
    "Insert new item · Ctrl+Insert new section · Delete · Alt+↑/↓ move · F6 tree or form · "
    "F8 the fault · Ctrl+T try it · Ctrl+S save · Ctrl+Z undo"
)


class TemplateEditor(QMainWindow):
    """Edits one template; `saved` says which version was stored."""

    saved = Signal(object)
    """The `Template` as stored (its version), after a save that stored one."""

    def __init__(
        self,
        engine: Engine,
        data: dict[str, Any],
        *,
        stored: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Args:
        data: the template as its file's data (see `services.template_edits`).
        stored: it has versions in the database already (else it is new).
        """
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet(STYLE_SHEET)  # a window of its own: Try it's runner needs it too
        self.engine = engine
        self.stored = stored
        self.model = TemplateModel(data, self)
        self._operation: Operation | None = None
        self.preview: PreviewWindow | None = None
        self.versions_dialog: VersionsDialog | None = None
        self._build()
        self._build_actions()
        self.model.validated.connect(self._show_fault)
        self.model.fields_changed.connect(self._node_changed)
        self.model.undo_stack.cleanChanged.connect(self._clean_changed)
        self.model.rowsInserted.connect(self._rows_inserted)
        self.model.rowsRemoved.connect(self._refresh_current)
        self._show_fault(self.model.fault)
        self._retitle()
        self.tree.expandAll()
        first = self.model.index_of((0, 0)) if self.model.sections else QModelIndex()
        if first.isValid():
            self.tree.setCurrentIndex(first)
        self.tree.setFocus()  # keyboard first: arrows pick, Insert adds
        self.resize(1180, 760)

    # -- construction --------------------------------------------------------------------

    def _build(self) -> None:
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(6, 6, 6, 6)
        self.template_form = TemplateForm(self.model)
        left_column.addWidget(self.template_form)
        heading = QLabel("Sections and items")
        heading.setObjectName("heading")
        left_column.addWidget(heading)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setUniformRowHeights(True)
        self.tree.selectionModel().currentChanged.connect(self._refresh_current)
        left_column.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.add_item_button = QPushButton("New item")
        self.add_section_button = QPushButton("New section")
        self.delete_button = QPushButton("Delete")
        for button, keys in (
            (self.add_item_button, "Insert"),
            (self.add_section_button, "Ctrl+Insert"),
            (self.delete_button, "Delete in the tree, Ctrl+Delete anywhere"),
        ):
            button.setToolTip(keys)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            buttons.addWidget(button)
        buttons.addStretch(1)
        left_column.addLayout(buttons)
        hint = QLabel(KEYS_HINT)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        left_column.addWidget(hint)

        self.pages = QStackedWidget()
        empty = QLabel("Pick a section or an item on the left, or add one (Insert).")
        empty.setObjectName("placeholder")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        self.section_form = SectionForm(self.model)
        self.item_form = ItemForm(self.model)
        for page in (empty, self.section_form, self.item_form):
            self.pages.addWidget(page)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.pages)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([440, 720])
        self.setCentralWidget(self.splitter)
        self.fault_label = QLabel()
        self.fault_label.setWordWrap(True)
        self.fault_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.fault_label, 1)

    def _action(self, text: str, slot: Any, *keys: QKeySequence | str, tip: str = "") -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(slot)
        if tip:
            action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        stack = self.model.undo_stack
        self.save_action = self._action(
            "&Save",
            self.save,
            "Ctrl+S",
            tip="Store the checklist; a changed one becomes its next version",
        )
        self.try_action = self._action(
            "&Try it", self.try_it, "Ctrl+T", tip="Run it in the audit runner; nothing is saved"
        )
        self.versions_action = self._action(
            "&Versions…", self.show_versions, "Ctrl+Shift+V", tip="What changed between versions"
        )
        self.close_action = self._action("&Close", self.close, "Ctrl+W")
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.add_item_action = self._action("New &item", self.add_item, "Ins", "Ctrl+Shift+I")
        self.add_section_action = self._action(
            "New &section", self.add_section, "Ctrl+Ins", "Ctrl+Shift+O"
        )
        self.delete_action = self._action("&Delete", self.delete_current, "Ctrl+Del")
        self.move_up_action = self._action("Move &up", lambda: self.move_current(-1), "Alt+Up")
        self.move_down_action = self._action("Move do&wn", lambda: self.move_current(1), "Alt+Down")
        self.fault_action = self._action("Go to the &fault", self.go_to_fault, "F8")
        self.switch_action = self._action("Tree or form", self.switch_pane, "F6")
        # Delete in the tree deletes the node; in a text field it deletes a character.
        tree_delete = QAction(self.tree)
        tree_delete.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        tree_delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        tree_delete.triggered.connect(self.delete_current)
        self.tree.addAction(tree_delete)
        self.add_item_button.clicked.connect(self.add_item)
        self.add_section_button.clicked.connect(self.add_section)
        self.delete_button.clicked.connect(self.delete_current)
        bar = self.menuBar()
        menu = bar.addMenu("Chec&klist")
        for action in (self.save_action, self.try_action, self.versions_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.close_action)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        for action in (
            self.add_item_action,
            self.add_section_action,
            self.delete_action,
            self.move_up_action,
            self.move_down_action,
        ):
            edit.addAction(action)
        edit.addSeparator()
        edit.addAction(self.fault_action)
        edit.addAction(self.switch_action)
        self.versions_action.setEnabled(self.stored)

    def showEvent(self, event: Any) -> None:
        fit_on_screen(self)
        super().showEvent(event)

    # -- the current node ----------------------------------------------------------------

    def current_path(self) -> NodePath:
        return self.model.path_of(self.tree.currentIndex())

    def select(self, path: NodePath) -> None:
        index = self.model.index_of(path)
        if index.isValid():
            self.tree.expand(index.parent())
            self.tree.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.tree.scrollTo(index)

    def _current_changed(self) -> None:
        path = self.current_path()
        form: NodeForm | None = None
        if len(path) == 1:
            form, page = self.section_form, PAGE_SECTION
        elif len(path) == 2:
            form, page = self.item_form, PAGE_ITEM
        else:
            page = PAGE_NONE
        self.pages.setCurrentIndex(page)
        if form is not None:
            form.load(path)
        has_node = bool(path)
        for action in (self.delete_action, self.move_up_action, self.move_down_action):
            action.setEnabled(has_node)
        self.delete_button.setEnabled(has_node)

    def _clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _refresh_current(self, *_args: Any) -> None:
        self._current_changed()

    def _rows_inserted(self, parent: QModelIndex, first: int, _last: int) -> None:
        self.tree.expand(parent)
        self.select((*self.model.path_of(parent), first))

    def _node_changed(self, path: NodePath, keys: list[str]) -> None:
        if path == () and "title" in keys:
            self._retitle()

    def _retitle(self) -> None:
        title = str(self.model.doc.get("title") or "Untitled checklist")
        version = self.model.doc.get("version", 1)
        self.setWindowTitle(f"{title} (version {version})[*] — Template editor")

    # -- editing -------------------------------------------------------------------------

    def add_item(self) -> None:
        path = self.current_path()
        if not self.model.sections:
            self.add_section()
            path = (0,)
        section = path[0] if path else len(self.model.sections) - 1
        place = path[1] + 1 if len(path) == 2 else len(self.model.sections[section]["items"])
        item = {"id": self.model.new_id("item"), "prompt": "", "type": "yes_no"}
        self.model.insert((section, place), item, "New item")
        self.item_form.prompt.setFocus()

    def add_section(self) -> None:
        path = self.current_path()
        place = path[0] + 1 if path else len(self.model.sections)
        number = len(self.model.sections) + 1
        section_id = self.model.new_id("section")
        item = {"id": self.model.new_id("item"), "prompt": "", "type": "yes_no"}
        section = {"id": section_id, "title": f"Section {number}", "items": [item]}
        self.model.insert((place,), section, "New section")
        self.select((place,))
        self.section_form.title.setFocus()
        self.section_form.title.selectAll()

    def delete_current(self) -> None:
        path = self.current_path()
        if not path:
            return
        self.model.remove(path)
        siblings = (
            len(self.model.sections)
            if len(path) == 1
            else self.model.rowCount(self.model.index_of(path[:1]))
        )
        if siblings:
            self.select((*path[:-1], min(path[-1], siblings - 1)))
        elif len(path) == 2:
            self.select(path[:1])
        self.tree.setFocus()

    def move_current(self, step: int) -> None:
        path = self.current_path()
        if not path:
            return
        target: NodePath
        if len(path) == 1:
            target = (path[0] + step,)
        else:
            section, row = path
            count = len(self.model.sections[section]["items"])
            if 0 <= row + step < count:
                target = (section, row + step)
            elif step < 0 and section > 0:  # on into the end of the section before
                target = (section - 1, len(self.model.sections[section - 1]["items"]))
            elif step > 0 and section + 1 < len(self.model.sections):
                target = (section + 1, 0)
            else:
                return
        if self.model.move(path, target):
            self.select(target)

    def switch_pane(self) -> None:
        if self.tree.hasFocus():
            page = self.pages.currentWidget()
            form = page if isinstance(page, NodeForm) else self.template_form
            first_focusable(next(iter(form.rows.values()))).setFocus()
        else:
            self.tree.setFocus()

    # -- validation ----------------------------------------------------------------------

    def _show_fault(self, fault: Fault | None) -> None:
        if fault is None:
            template = self.model.template
            count = template.item_count if template is not None else 0
            sections = len(template.sections) if template is not None else 0
            self.fault_label.setText(
                f"Ready: {count_of(count, 'item')} in {count_of(sections, 'section')}."
            )
        else:
            self.fault_label.setText(f"{fault.line}   (F8 goes to it)")
        self.fault_label.setStyleSheet("color: #b3261e;" if fault else "")
        self.save_action.setEnabled(fault is None)
        self.try_action.setEnabled(fault is None)

    def go_to_fault(self) -> None:
        fault = self.model.fault
        if fault is None:
            return
        if fault.path:
            self.select(fault.path)
        form: NodeForm = (
            self.template_form
            if not fault.path
            else self.section_form
            if len(fault.path) == 1
            else self.item_form
        )
        row = form.rows.get(fault.field)
        if row is not None and row.isVisible():
            first_focusable(row).setFocus()
        else:
            self.tree.setFocus()

    # -- save, try, versions -------------------------------------------------------------

    def save(self) -> None:
        from shopper.services.template_edits import save_template

        template = self.model.template
        if template is None:
            self.go_to_fault()
            return
        engine = self.engine
        self.save_action.setEnabled(False)
        self._operation = run_soon(
            self,
            lambda: save_template(engine=engine, template=template),
            in_background=on_a_server(engine),
            on_done=self._saved,
            on_error=self._not_saved,
        )

    def _saved(self, saved: Any) -> None:
        self.save_action.setEnabled(self.model.fault is None)
        template = saved.template
        if self.model.doc.get("version") != template.version:
            self.model.doc["version"] = template.version
            self.model.validate()
        self.stored = True
        self.versions_action.setEnabled(True)
        self.model.undo_stack.setClean()
        self._retitle()
        if saved.new_version:
            self.statusBar().showMessage(f"Saved as version {template.version}", 8000)
            self.saved.emit(template)
        else:
            self.statusBar().showMessage(
                f"Nothing changed since version {template.version}; nothing stored", 8000
            )

    def _not_saved(self, exc: Exception) -> None:
        self.save_action.setEnabled(self.model.fault is None)
        message = str(exc) if isinstance(exc, ShopperError) else f"Not saved: {exc}"
        show_error(self, message, title="Checklist not saved")

    def try_it(self) -> None:
        from shopper.ui.template_editor.preview import PreviewWindow

        template = self.model.template
        if template is None:
            self.go_to_fault()
            return
        if self.preview is not None:  # one trial at a time: the new one replaces it
            self.preview.destroyed.disconnect(self._preview_gone)
            self.preview.close()
        self.preview = PreviewWindow(template)
        self.preview.destroyed.connect(self._preview_gone)
        self.preview.show()

    def _preview_gone(self, *_args: Any) -> None:
        self.preview = None

    def show_versions(self) -> None:
        from shopper.ui.template_editor.versions import VersionsDialog

        dialog = VersionsDialog(self.engine, str(self.model.doc.get("id")), self)
        self.versions_dialog = dialog
        dialog.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.model.undo_stack.isClean() and not headless():
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "Save the changes to this checklist before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                if not self.model.undo_stack.isClean():
                    event.ignore()
                    return
        if self.preview is not None:
            self.preview.close()
        super().closeEvent(event)
