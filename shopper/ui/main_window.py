"""The main window: companies and their audits on the left, the open audit on the right.

Start-up paints this window before the database layer (SQLAlchemy, sqlmodel)
is even imported: the module imports only Qt and light modules, and the
screens that need the database are imported when first used. `attach` gives
the window its open database once the start-up work is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QModelIndex, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper import __version__
from shopper.domain.errors import ShopperError
from shopper.domain.vocabulary import TOUCHPOINTS, AuditStatus
from shopper.domain.wording import count_of
from shopper.ui.crash import headless, show_error
from shopper.ui.lazy_qt import Qt
from shopper.ui.screen import capture_screen_png, fit_on_screen, screen_of
from shopper.ui.settings import Options, Settings
from shopper.ui.style import STYLE_SHEET
from shopper.ui.welcome import WelcomePane
from shopper.ui.workers import (
    Operation,
    on_a_server,
    run_after_the_others,
    run_operation,
    run_quietly,
    run_soon,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.services.context import AppContext
    from shopper.services.glance import Filters, Glance
    from shopper.services.records import AuditRow, CompanyRow
    from shopper.services.runner import AuditRunner
    from shopper.ui.analysis_menu import AnalysisActions
    from shopper.ui.data_safety import DataActions
    from shopper.ui.models import Fetch
    from shopper.ui.report_export import ReportExporter
    from shopper.ui.runner.view import AuditRunnerView
    from shopper.ui.team.sync import TeamSync

log = logging.getLogger(__name__)

LOW_SCREEN = 800
"""Screens less tall than this (laptops) start with the instruments hidden."""
PAGE_WELCOME, PAGE_PICK, PAGE_RUNNER = range(3)
PICK_TEXT = "Pick an audit on the left to open it, or start a new one (Ctrl+N)."
OPENING_TEXT = "Opening your audits…"
LOADING_DELAY_MS = 200
"""A load that takes longer than this says "Loading…"; a quick one shows no flicker."""
LOADING_TEXT = "Loading…"
TOOLS_DELAY_MS = 30
"""At start-up, the menus that need the database come this long after the lists are in."""


class MainWindow(QMainWindow):
    first_painted = Signal()
    """The window has been painted once: the moment to start the slow start-up work."""
    lists_read = Signal()
    """The companies and the audits' page are in (or could not be read): after `attach`,
    F5, a change of filters."""
    lists_shown = Signal()
    """Start-up: the lists are on screen, filled, for the first time: from the glance
    (`show_glance`, before the database layer is loaded) or else from `lists_read`."""

    ctx: AppContext
    engine: Engine
    analysis: AnalysisActions
    data_actions: DataActions
    _exporter: ReportExporter

    def __init__(
        self,
        ctx: AppContext | None = None,
        *,
        data_dir: Path | None = None,
        open_audit: str | None = None,
        paint_first: bool = False,
    ) -> None:
        """Args:
        ctx: the open database; without it, `attach` gives it once it is open.
        data_dir: the data folder, when the database is not open yet.
        open_audit: an audit id (or a unique prefix) to open once attached, instead of
            the audit that was in progress when the app was closed.
        paint_first: (start-up, without `ctx`) the window paints at once, at its size,
            saying "Opening Shopper…"; its menus, lists and panes are built right after
            that first paint, and `first_painted` comes once they are.
        """
        super().__init__()
        self.open_on_start = open_audit
        folder = ctx.data_dir if ctx is not None else data_dir
        if folder is None:
            raise ValueError("MainWindow needs an open AppContext or the data folder")
        self.settings = Settings(folder)
        self.attached = False
        self.tools_installed = False
        """`install_tools` has run: `analysis` and `data_actions` exist."""
        self._painted = False
        self.runner_view: AuditRunnerView | None = None
        self.team_sync: TeamSync | None = None
        """Sync with the team database of the data folder's link (this computer's database)."""
        self._submitted: set[str] = set()
        """Audits handed in by this window (the open runner's shop is read before that)."""
        self._operation: Operation | None = None
        self._submit_operation: Operation | None = None
        self.successor: MainWindow | None = None
        self._opening: str | None = None
        self._saves_checked = False
        """Closing: the open audit's queued saves were waited for (a team database)."""
        """The audit being read to be opened (a team database reads it off the GUI thread)."""
        self._open_operation: Operation | None = None
        """The window that took over when the user switched databases (see `switch_to`)."""
        self._companies_generation = 0
        self._companies_loading = False
        self._audit_filters: tuple[str, str, str] | None = None
        self._after_lists: list[Callable[[], None]] = []
        self._count_text = ""
        self._list_error = ""
        self._in_round = False
        self._round_failed = False
        self._row_reads: dict[str, bool] = {}  # audit id: read again once this read is in
        self._reopening = False
        self._list_operations: dict[str, Operation] = {}
        self._shown = False
        """`lists_shown` has been emitted."""
        self.setWindowTitle("Shopper")
        self._size_to_screen()
        self.built = False
        """The menus, lists and panes exist (see `paint_first`)."""
        if paint_first and ctx is None:
            self._restore_geometry()  # where it was: it must not move once shown
            self.setCentralWidget(_opening_pane())
            return
        self._build(ctx)

    def _build(self, ctx: AppContext | None) -> None:
        self.setStyleSheet(STYLE_SHEET)
        self._build_actions()
        self._build_menus()
        self._build_central()
        self._restore()
        self.built = True
        if ctx is not None:
            self.attach(ctx)
        else:
            self._set_enabled(False)
            self.stack.setCurrentIndex(PAGE_PICK)
            self.pick_label.setText(OPENING_TEXT)
            self.statusBar().showMessage("Opening the database…")

    def showEvent(self, event: QShowEvent) -> None:
        if not self._painted:
            fit_on_screen(self, share=1.0)  # a size remembered from a bigger screen shrinks
        super().showEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Queued: start-up work begins once this paint has reached the screen.
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        if not self.built:
            self._build(None)
        self.first_painted.emit()

    def attach(self, ctx: AppContext, *, lists_first: bool = False) -> None:
        """Work on this open database: install the screens that need it and fill the lists.

        With `lists_first` (start-up, shopper.app), the lists are read before anything
        else: the Analyse and data menus are installed, and the audit left in progress
        reopened, once they are in."""
        self.ctx = ctx
        self.engine = ctx.engine
        self.attached = True
        if not lists_first:
            self.install_tools()
        self._set_enabled(True)
        self._show_connection()
        self.statusBar().clearMessage()
        # Neither the welcome nor "pick an audit" until the companies say which is true.
        self.pick_label.setText(OPENING_TEXT)
        self.stack.setCurrentIndex(PAGE_PICK)
        if lists_first:
            # Queued: the filled lists are painted before the menus' modules are imported.
            self._after_lists.append(
                lambda: QTimer.singleShot(TOOLS_DELAY_MS, self, self._then_tools)
            )
        self.refresh()
        self._start_team_sync()
        if not lists_first:
            self._reopen()
        if not ctx.check_pending:
            self.database_checked()

    def glance_filters(self) -> Filters:
        """What the audits list will show once the database is open: the start-up glance
        reads the same (see `shopper.store.glance`)."""
        from shopper.services.glance import Filters
        from shopper.ui.models import AuditTableModel

        company_id, touchpoint, status = self._filters()
        order, descending = self.audit_model.sort_key
        return Filters(company_id, touchpoint, status, order, descending, AuditTableModel.PAGE)

    def show_glance(self, glance: Glance) -> None:
        """Start-up: show the lists read at a glance, before the database is attached. They
        scroll and take clicks: an audit picked now opens once the database is (`attach`
        reads both lists again, and they stay on screen until that read is in)."""
        if self.attached or glance.filters != self.glance_filters():
            return  # too late, or the filters changed meanwhile: the usual read shows them
        self.company_model.set_rows(glance.companies)
        self.company_list.setCurrentIndex(self.company_model.index(0))
        self.audit_model.show_rows(glance.audits)
        self._count_companies(glance.companies)
        self._show_count()
        self.main_splitter.setEnabled(True)  # the lists; the right side waits for attach
        self.stack.setEnabled(False)
        self._emit_shown()

    def _emit_shown(self) -> None:
        if not self._shown:
            self._shown = True
            self.lists_shown.emit()

    def _then_tools(self) -> None:
        self.install_tools()
        self._reopen()

    def install_tools(self) -> None:
        """The Analyse, Customers, Actions and Template menus and the data actions (bundles,
        backups, restore; drag and drop), once the database is attached (once)."""
        if self.tools_installed:
            return
        from shopper.ui.actions_menu import ActionsMenu
        from shopper.ui.analysis_menu import AnalysisActions
        from shopper.ui.data_safety import DataActions
        from shopper.ui.said_no_menu import SaidNoActions
        from shopper.ui.template_editor.menu import TemplateActions  # the editor loads on use

        self.analysis = AnalysisActions(self, self)  # Analyse menu: compare, journey, findings
        self.data_actions = DataActions(self, self)  # bundles, backups, restore; drag and drop
        self.said_no = SaidNoActions(self, self)  # Customers menu: said-no log, feedback
        self.actions_menu = ActionsMenu(self, self)  # the action plan and "Do they chime?"
        self.templates = TemplateActions(self, self)  # Template menu: new, copy, edit
        self.tools_installed = True

    def database_checked(self) -> None:
        """The database is open and sound: settle the follow-ups (a write). At start-up the
        integrity check may end after `attach` (shopper.app): then this waits for it, and
        never comes if the check found damage."""
        self._settle_follow_ups()

    def _settle_follow_ups(self) -> None:
        """Complete, off the GUI thread, the audits whose follow-up windows have passed."""
        from shopper.services.follow_up import settle_follow_ups

        engine = self.engine
        self._settling = run_quietly(
            self,
            lambda: settle_follow_ups(engine=engine),
            on_done=self._follow_ups_settled,
            on_error=lambda exc: log.warning("could not settle follow-ups: %s", exc),
        )

    def _follow_ups_settled(self, settled: list[str]) -> None:
        if not settled:
            return
        view = self.runner_view
        if view is not None and view.runner.audit_id in settled:
            self.open_audit(view.runner.audit_id)  # its follow-up window passed: completed
        self.refresh()
        self.statusBar().showMessage(
            f"{count_of(len(settled), 'audit')} whose follow-up never came "
            f"{'was' if len(settled) == 1 else 'were'} completed (View › Waiting)",
            15000,
        )

    def _reopen(self) -> None:
        """Open the audit asked for with `--open`, else the one left in progress, at its item.

        Which audit that is, is asked off the GUI thread; if the user opens one first,
        theirs stays.
        """
        from shopper.services import audits as audit_service

        engine, wanted = self.engine, self.open_on_start
        last = self.settings.get(Options.LAST_AUDIT)

        def work() -> str | None:
            if wanted:
                return audit_service.resolve_audit_id(engine=engine, prefix=wanted)
            rows = audit_service.list_audits(engine=engine, ids=[last]) if last else []
            return last if rows and rows[0].status == AuditStatus.IN_PROGRESS else None

        def failed(exc: Exception) -> None:
            self._reopening = False
            if wanted and isinstance(exc, ShopperError):
                show_error(self, str(exc), title="Audit not opened")
            else:
                self._show_list_error(exc)

        self._reopening = True
        self._reopen_operation = run_quietly(
            self, work, on_done=self._reopen_found, on_error=failed
        )

    def _reopen_found(self, audit_id: str | None) -> None:
        self._reopening = False
        if audit_id is None or self.runner_view is not None:
            return  # nothing to open, or the user has opened an audit meanwhile
        self.open_audit(audit_id, then=_focus_item)

    def _set_enabled(self, enabled: bool) -> None:
        """Until the database is open, only quitting and help make sense."""
        for action in (
            self.new_audit_action,
            self.new_company_action,
            self.edit_company_action,
            self.demo_action,
            self.import_template_action,
            self.refresh_action,
            self.waiting_action,
            self.connect_action,
            self.link_action,
            self.outbox_action,
        ):
            action.setEnabled(enabled)
        if not enabled:
            self.sync_action.setEnabled(False)
            self.submit_action.setEnabled(False)
        self.main_splitter.setEnabled(enabled)
        self.stack.setEnabled(enabled)

    # -- construction ------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: str | QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.new_audit_action = self._action("&New audit…", self.new_audit, "Ctrl+N")
        self.new_company_action = self._action("New &company…", self.new_company, "Ctrl+Shift+N")
        self.edit_company_action = self._action("&Edit company…", self.edit_company)
        self.export_pdf_action = self._action("&Export PDF…", self.export_pdf, "Ctrl+P")
        self.export_pdf_action.setEnabled(False)
        self.demo_action = self._action("Load &demo data", self.load_demo)
        self.import_template_action = self._action("&Import checklist…", self.import_template)
        self.language_action = self._action("Checklist &language…", self.choose_language)
        self.language_action.setStatusTip(
            "The language checklists that have it show their words in (audits opened next)"
        )
        self.new_shop_action = self._action("Ne&w shop…", self.new_shop)
        self.new_shop_action.setStatusTip("Assign a company's touchpoint to a shopper")
        self.import_shops_action = self._action("Import &shops…", self.import_shops)
        self.import_shops_action.setStatusTip(
            "Assign the shops of a CSV file: all of them, or none when a row is wrong"
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.connect_action = self._action("Connect to &team database…", self.connect_team)
        self.connect_action.setStatusTip(
            "Work on the team database itself (a manager's way); sync needs only the link"
        )
        self.local_action = self._action("Use this c&omputer's database", self.use_local)
        self.local_action.setEnabled(False)
        self.sync_action = self._action("&Sync now", self.sync_now, "Ctrl+Shift+S")
        self.sync_action.setStatusTip(
            "Send this computer's audits to the team database and fetch your shops"
        )
        self.sync_action.setEnabled(False)
        self.submit_action = self._action("S&ubmit to team", self.submit_to_team)
        self.submit_action.setStatusTip(
            "Hand the open audit in: send it, then submit its shop (complete it first)"
        )
        self.submit_action.setEnabled(False)
        self.outbox_action = self._action("&Outbox…", self.show_outbox)
        self.outbox_action.setStatusTip("What waits to go to the team database, and why")
        self.link_action = self._action(
            "&Link this data folder to a team database…", self.link_team
        )
        self.link_action.setStatusTip(
            "Remember the team database to sync with; the window stays on this computer's"
        )
        self.log_action = self._action("Open the &data folder", self.open_data_folder)
        self.about_action = self._action("&About Shopper", self.about)
        self.keys_action = self._action("&Keyboard shortcuts", self.show_keys, "F1")
        self.refresh_action = self._action("&Refresh lists", self.refresh, "F5")
        self.browser_action = self._action("Show the &audit list", self.toggle_browser, "Ctrl+L")
        self.browser_action.setCheckable(True)
        self.browser_action.setChecked(True)
        self.shops_action = self._action("S&hops…", self.show_shops)
        self.shops_action.setStatusTip("Shops assigned, by due day; start the audit of one")
        self.team_overview_action = self._action("&Team overview…", self.show_team_overview)
        self.schedules_action = self._action("S&chedules…", self.show_schedules)
        self.team_overview_action.setStatusTip(
            "Shops by state, the overdue ones, and each shopper's open and submitted shops"
        )
        self.review_queue_action = self._action("Re&view queue…", self.show_review_queue)
        self.review_queue_action.setStatusTip("Submitted shops, oldest first: review one")
        self.waiting_action = self._action("&Waiting…", self.show_waiting)
        self.waiting_action.setStatusTip("Follow-ups awaited and replies not received yet")
        self.instruments_action = self._action(
            "Show the &instruments", self.toggle_instruments, "F9"
        )
        self.instruments_action.setCheckable(True)
        self.instruments_action.setChecked(True)
        self.instruments_action.setEnabled(False)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        for action in (self.new_audit_action, self.new_company_action, self.edit_company_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_pdf_action)
        file_menu.addAction(self.import_template_action)
        file_menu.addAction(self.new_shop_action)
        file_menu.addAction(self.import_shops_action)
        file_menu.addAction(self.demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.refresh_action)
        view_menu.addAction(self.browser_action)
        view_menu.addAction(self.instruments_action)
        view_menu.addAction(self.waiting_action)
        view_menu.addAction(self.shops_action)
        view_menu.addAction(self.team_overview_action)
        view_menu.addAction(self.schedules_action)
        view_menu.addAction(self.review_queue_action)
        view_menu.addSeparator()
        view_menu.addAction(self.language_action)
        team_menu = self.team_menu = bar.addMenu("&Team")
        team_menu.addAction(self.sync_action)
        team_menu.addAction(self.submit_action)
        team_menu.addAction(self.outbox_action)
        team_menu.addSeparator()
        team_menu.addAction(self.link_action)
        team_menu.addSeparator()
        team_menu.addAction(self.connect_action)
        team_menu.addAction(self.local_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.keys_action)
        help_menu.addAction(self.log_action)
        help_menu.addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.new_audit_action)
        toolbar.addAction(self.new_company_action)
        toolbar.addAction(self.export_pdf_action)

    def _build_central(self) -> None:
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")

        self.browser_splitter = QSplitter(Qt.Orientation.Vertical)
        companies_box = QWidget()
        companies_layout = QVBoxLayout(companies_box)
        companies_layout.setContentsMargins(6, 6, 6, 0)
        heading = QLabel("Companies")
        heading.setObjectName("heading")
        companies_layout.addWidget(heading)
        from shopper.ui.models import AuditTableModel, CompanyListModel  # after the first paint

        self.company_model = CompanyListModel(self)
        self.company_list = QListView()
        self.company_list.setModel(self.company_model)
        self.company_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # A long name keeps its start, its end and its count; the tooltip has it whole.
        self.company_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.company_list.selectionModel().currentChanged.connect(self._company_changed)
        self.company_list.doubleClicked.connect(lambda _i: self.edit_company())
        companies_layout.addWidget(self.company_list)
        self.browser_splitter.addWidget(companies_box)

        audits_box = QWidget()
        audits_layout = QVBoxLayout(audits_box)
        audits_layout.setContentsMargins(6, 6, 6, 6)
        heading = QLabel("Audits")
        heading.setObjectName("heading")
        audits_layout.addWidget(heading)
        filters = QHBoxLayout()  # below the heading: the lists stay narrow on a laptop
        self.touchpoint_filter = QComboBox()
        self.touchpoint_filter.addItem("All touchpoints", "")
        for key, label in TOUCHPOINTS.items():
            self.touchpoint_filter.addItem(label, key)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", "")
        for key, label in ((s.value, s.label) for s in AuditStatus):
            self.status_filter.addItem(label, key)
        for combo in (self.touchpoint_filter, self.status_filter):
            combo.setMinimumContentsLength(8)  # "All touc…": the list can be narrow
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        filters.addWidget(self.touchpoint_filter)
        filters.addWidget(self.status_filter)
        audits_layout.addLayout(filters)
        self.audit_model = AuditTableModel(self._in_background, self)
        self.audit_model.reloaded.connect(self._audits_reloaded)
        self.audit_model.load_failed.connect(self._show_list_error)
        self.audit_model.busy_changed.connect(self._lists_busy_changed)
        self.audit_table = QTableView()
        self.audit_table.setModel(self.audit_model)
        self.audit_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.audit_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.audit_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.audit_table.setSortingEnabled(True)
        self.audit_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.audit_table.verticalHeader().setVisible(False)
        self.audit_table.verticalHeader().setDefaultSectionSize(
            self.audit_table.fontMetrics().height() + 8
        )
        self.audit_table.setAlternatingRowColors(True)
        self.audit_table.setWordWrap(False)
        self.audit_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.audit_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicatorShown(True)
        for column, width in ((0, 84), (2, 100), (3, 100), (4, 84), (5, 58)):
            self.audit_table.setColumnWidth(column, width)
        self.audit_table.selectionModel().currentRowChanged.connect(self._audit_selected)
        self.audit_table.activated.connect(self._audit_activated)
        audits_layout.addWidget(self.audit_table)
        self.browser_splitter.addWidget(audits_box)
        self.browser_splitter.setStretchFactor(1, 3)
        self.browser_splitter.setSizes([200, 600])
        self.main_splitter.addWidget(self.browser_splitter)

        self.stack = QStackedWidget()
        self.welcome = WelcomePane()
        self.welcome.start_audit.connect(self.new_audit)
        self.welcome.load_demo.connect(self.load_demo)
        self.stack.addWidget(self.welcome)
        pick = QWidget()
        pick_layout = QVBoxLayout(pick)
        self.pick_label = pick_label = QLabel(PICK_TEXT)
        pick_label.setObjectName("placeholder")
        pick_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pick_label.setWordWrap(True)
        pick_layout.addWidget(pick_label)
        new_button = QPushButton("New audit…")
        new_button.clicked.connect(self.new_audit)
        pick_layout.addWidget(new_button, 0, Qt.AlignmentFlag.AlignHCenter)
        pick_layout.addStretch(1)
        self.stack.addWidget(pick)
        self.runner_host = QWidget()
        self.runner_layout = QVBoxLayout(self.runner_host)
        self.runner_layout.setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(self.runner_host)
        self.main_splitter.addWidget(self.stack)
        self.main_splitter.setStretchFactor(0, 1)
        self.main_splitter.setStretchFactor(1, 3)
        self.main_splitter.setSizes([250, 750])  # the audit under way gets the room
        self.setCentralWidget(self.main_splitter)

        self.touchpoint_filter.currentIndexChanged.connect(self._filters_changed)
        self.status_filter.currentIndexChanged.connect(self._filters_changed)
        self.connection_label = QLabel()
        self.statusBar().addPermanentWidget(self.connection_label)
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.count_label)
        self._loading_timer = QTimer(self)
        self._loading_timer.setSingleShot(True)
        self._loading_timer.setInterval(LOADING_DELAY_MS)
        self._loading_timer.timeout.connect(self._show_count)

    def _size_to_screen(self) -> None:
        """First run: most of the screen (the runner and the lists both want room)."""
        screen = screen_of(self)
        if screen is None:
            self.resize(1280, 800)
            return
        space = screen.availableGeometry()
        # A laptop's screen is all needed; a big one leaves room around the window.
        share = 1.0 if space.width() < 1280 or space.height() < 800 else 0.9
        self.resize(int(space.width() * share), int(space.height() * share))

    def _restore_geometry(self) -> None:
        if not self.settings.get(Options.WINDOW_GEOMETRY).isEmpty():
            self.restoreGeometry(self.settings.get(Options.WINDOW_GEOMETRY))

    def _restore(self) -> None:
        s = self.settings
        if not self.isVisible():
            self._restore_geometry()
        if not s.get(Options.WINDOW_STATE).isEmpty():
            self.restoreState(s.get(Options.WINDOW_STATE))
        if not s.get(Options.MAIN_SPLITTER).isEmpty():
            self.main_splitter.restoreState(s.get(Options.MAIN_SPLITTER))
        if not s.get(Options.BROWSER_SPLITTER).isEmpty():
            self.browser_splitter.restoreState(s.get(Options.BROWSER_SPLITTER))
        if not s.get(Options.AUDIT_COLUMNS).isEmpty():
            self.audit_table.horizontalHeader().restoreState(s.get(Options.AUDIT_COLUMNS))
        visible = s.get(Options.BROWSER_VISIBLE)
        self.browser_action.setChecked(visible)
        self.browser_splitter.setVisible(visible)
        for combo, option in (
            (self.touchpoint_filter, Options.FILTER_TOUCHPOINT),
            (self.status_filter, Options.FILTER_STATUS),
        ):
            index = combo.findData(s.get(option))
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _save_layout(self) -> None:
        s = self.settings
        s.set(Options.WINDOW_GEOMETRY, self.saveGeometry())
        s.set(Options.WINDOW_STATE, self.saveState())
        s.set(Options.MAIN_SPLITTER, self.main_splitter.saveState())
        s.set(Options.BROWSER_SPLITTER, self.browser_splitter.saveState())
        s.set(Options.AUDIT_COLUMNS, self.audit_table.horizontalHeader().saveState())
        if self.runner_view is not None:
            self._keep_runner_layout(self.runner_view)
        s.set(Options.BROWSER_VISIBLE, self.browser_action.isChecked())
        s.set(Options.FILTER_TOUCHPOINT, self.touchpoint_filter.currentData())
        s.set(Options.FILTER_STATUS, self.status_filter.currentData())
        s.set(Options.LAST_AUDIT, self.runner_view.runner.audit_id if self.runner_view else "")
        s.sync()

    # -- lists -------------------------------------------------------------------

    def companies(self) -> list[CompanyRow]:
        return self.company_model.rows()

    def selected_company_id(self) -> str:
        index = self.company_list.currentIndex()
        from shopper.ui.models import ID_ROLE

        return str(index.data(ID_ROLE) or "") if index.isValid() else ""

    def selected_filter_touchpoint(self) -> str:
        return str(self.touchpoint_filter.currentData() or "")

    def selected_touchpoint(self) -> str:
        """The touchpoint in the filter, else the open audit's."""
        chosen = self.selected_filter_touchpoint()
        if chosen or self.runner_view is None:
            return chosen
        return self.runner_view.runner.audit.touchpoint

    def selected_status(self) -> str:
        return str(self.status_filter.currentData() or "")

    def _in_background(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> Operation:
        return run_quietly(self, work, on_done=on_done, on_error=on_error)

    def _audit_query(self) -> Fetch | None:
        """The audits the filters ask for, as a fetch that reads no widget (it runs off the
        GUI thread)."""
        if not self.attached:
            return None  # the view sorts while it is built, before the database is open
        from shopper.services import audits as audit_service

        engine = self.engine
        company_id, touchpoint, status = self._filters()

        def fetch(order: str, descending: bool, offset: int, limit: int) -> list[AuditRow]:
            return audit_service.list_audits(
                engine=engine,
                company_id=company_id or None,
                touchpoint=touchpoint or None,
                status=status or None,
                order=order,
                descending=descending,
                offset=offset,
                limit=limit,
            )

        return fetch

    def _filters(self) -> tuple[str, str, str]:
        return self.selected_company_id(), self.selected_filter_touchpoint(), self.selected_status()

    @property
    def loading(self) -> bool:
        """Some list, row or the audit to reopen is still being read off the GUI thread."""
        return self._lists_loading() or bool(self._row_reads) or self._reopening

    @property
    def lists_loading(self) -> bool:
        """The companies or the audits' page are still being read (start-up is "ready" when
        the database is open and this is False)."""
        return self._lists_loading()

    def _lists_loading(self) -> bool:
        return self._companies_loading or self.audit_model.busy

    def refresh(self, *, on_done: Callable[[], None] | None = None) -> None:
        """Reload companies and audits off the GUI thread, keeping the selection where
        possible. Returns at once; `on_done` runs on the GUI thread once the rows are in
        (or could not be read: the message is in the status bar, the old rows stay).

        Keyword-only, so a signal connected here (F5's `triggered(checked)`) passes none."""
        if on_done is not None:
            self._after_lists.append(on_done)
        if not self.attached:
            self._lists_busy_changed()
            return
        from shopper.services.companies import list_companies

        engine = self.engine
        self._companies_generation += 1
        generation = self._companies_generation
        self._companies_loading = True
        self._list_operations["companies"] = run_quietly(
            self,
            lambda: list_companies(engine=engine),
            on_done=lambda rows: self._companies_loaded(generation, rows),
            on_error=lambda exc: self._companies_failed(generation, exc),
        )
        self._reload_audits(force=True)
        self._lists_busy_changed()

    def _companies_loaded(self, generation: int, rows: list[CompanyRow]) -> None:
        if generation != self._companies_generation:
            return  # a newer refresh is on its way
        self._companies_loading = False
        company_id = self.selected_company_id()  # as it is now: the user may have clicked
        self.company_model.set_rows(rows)
        row = max(self.company_model.row_of(company_id), 0)
        # The audits were asked for this company already: only a vanished one reloads them.
        self.company_list.setCurrentIndex(self.company_model.index(row))
        total = self._count_companies(rows)
        self.pick_label.setText(PICK_TEXT)
        if self.runner_view is None:
            self.stack.setCurrentIndex(PAGE_WELCOME if total == 0 else PAGE_PICK)
        self._lists_busy_changed()

    def _count_companies(self, rows: list[CompanyRow]) -> int:
        """The count line's text for these companies; returns their audits in all."""
        total = sum(r.audits for r in rows)
        self._count_text = f"{count_of(len(rows), 'company')} · {count_of(total, 'audit')}"
        return total

    def _companies_failed(self, generation: int, exc: Exception) -> None:
        if generation != self._companies_generation:
            return
        self._companies_loading = False
        self._show_list_error(exc)
        self._lists_busy_changed()

    def _reload_audits(self, *, force: bool = False) -> None:
        """Ask for the audits the filters select (again with `force`, even if unchanged)."""
        if not self.attached:
            return  # `attach` asks, with the filters as they are then
        filters = self._filters() if self.attached else None
        if not force and filters == self._audit_filters:
            return
        self._audit_filters = filters
        self.audit_model.set_fetch(self._audit_query())

    def _audits_reloaded(self) -> None:
        """The new rows are in: the open audit's row is selected again."""
        if self.runner_view is not None:
            self._select_audit_row(self.runner_view.runner.audit_id)

    def _lists_busy_changed(self, *_args: Any) -> None:
        if self._lists_loading():
            if not self._in_round:
                self._in_round, self._round_failed = True, False
            if not self._loading_timer.isActive() and self.count_label.text() != LOADING_TEXT:
                self._loading_timer.start()
            return
        self._in_round = False
        self._loading_timer.stop()
        if self._list_error and not self._round_failed:
            if self.statusBar().currentMessage() == self._list_error:
                self.statusBar().clearMessage()  # read after all (F5): the line goes
            self._list_error = ""
        self._show_count()
        if self.attached:
            self.lists_read.emit()
            self._emit_shown()
        waiting, self._after_lists = self._after_lists, []
        for call in waiting:
            call()

    def _show_count(self) -> None:
        self.count_label.setText(LOADING_TEXT if self._lists_loading() else self._count_text)

    def _show_list_error(self, exc: Exception) -> None:
        """One line in the status bar; the rows on screen stay, and F5 tries again."""
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        self._list_error = f"Could not read the lists: {reason} — press F5 to try again"
        self._round_failed = True
        self.statusBar().showMessage(self._list_error)

    def _company_changed(self, *_args: Any) -> None:
        self._reload_audits()

    def _filters_changed(self) -> None:
        self._reload_audits()

    def _audit_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        audit_id = self.audit_model.audit_id(current.row())
        if not self.attached:  # picked from the start-up glance: opened once attached
            self.open_on_start = audit_id or self.open_on_start
            return
        shown = self.runner_view.runner.audit_id if self.runner_view is not None else None
        if audit_id and audit_id not in (shown, self._opening):
            self.open_audit(audit_id)

    def _audit_activated(self, index: QModelIndex) -> None:
        audit_id = self.audit_model.audit_id(index.row())
        if not self.attached:
            self.open_on_start = audit_id or self.open_on_start
            return
        if audit_id:
            self.open_audit(audit_id, then=_focus_item)

    # -- audits ------------------------------------------------------------------

    def _keep_runner_layout(self, view: AuditRunnerView) -> None:
        layout = view.layout_state()
        self.settings.set(Options.RUNNER_SPLITTER, layout.splitter)
        self.settings.set(Options.ITEM_SPLITTER, layout.item_splitter)
        self.settings.set(Options.OUTLINE_COLUMNS, layout.outline_columns)

    def open_audit(
        self,
        audit_id: str,
        then: Callable[[AuditRunnerView], object] | None = None,
        *,
        review: bool = False,
    ) -> bool:
        """Open an audit in the runner, where it was left; `then` gets its view once shown.

        On this computer's database the audit is read at once. On a team database it is
        read off the GUI thread (the window says it is opening it) and shown when it
        arrives, unless another audit was asked for meanwhile. False if the open audit's
        last change could not be saved, or (at once) the audit cannot be read. With
        `review`, it opens for the manager's review (see `review_audit`).
        """
        view = self.runner_view
        if view is not None and view.saves is not None:  # a team database: never block
            view.after_saves(lambda saved: self._left_for(view, saved, audit_id, then, review))
            return True
        if view is not None:
            if not view.flush():
                return False
            self._keep_runner_layout(view)
            self.close_audit()
        return self._open_now(audit_id, then, review)

    def _left_for(
        self,
        view: AuditRunnerView,
        saved: bool,
        audit_id: str,
        then: Callable[[AuditRunnerView], object] | None,
        review: bool = False,
    ) -> None:
        """The open audit's saves are written (or stopped): open the one asked for."""
        if view is not self.runner_view:
            return  # it was closed meanwhile
        if not saved:
            self.statusBar().showMessage(
                "This audit stays open until its last changes are saved (they are tried "
                "again by themselves, or press Retry)",
                15000,
            )
            return
        self._keep_runner_layout(view)
        self.close_audit()
        self._open_now(audit_id, then, review)

    def _open_now(
        self,
        audit_id: str,
        then: Callable[[AuditRunnerView], object] | None,
        review: bool = False,
    ) -> bool:
        engine = self.engine

        def read() -> AuditRunner:
            from shopper.services.runner import AuditRunner

            if review:
                from shopper.services import review as reviewing

                login = reviewing.reviewer_login(engine=engine, audit_id=audit_id)
                return reviewing.reviewer_runner(engine=engine, audit_id=audit_id, login=login)
            return AuditRunner(engine=engine, audit_id=audit_id)

        self._opening = audit_id
        if self.ctx.connection is None:
            try:
                runner = read()
            except ShopperError as exc:
                self._opening = None
                show_error(self, str(exc))
                return False
            self._show_runner(runner, then)
            return True
        self.pick_label.setText("Opening the audit…")
        self.stack.setCurrentIndex(PAGE_PICK)
        self._open_operation = run_quietly(
            self,
            read,
            on_done=lambda runner: self._read_for_opening(audit_id, runner, then),
            on_error=lambda exc: self._not_opened(audit_id, exc),
        )
        return True

    @property
    def opening(self) -> bool:
        """An audit asked for is still being read (a team database)."""
        return self._opening is not None

    def _read_for_opening(
        self,
        audit_id: str,
        runner: AuditRunner,
        then: Callable[[AuditRunnerView], object] | None,
    ) -> None:
        if self._opening != audit_id or self.runner_view is not None:
            return  # another audit was asked for, or opened, meanwhile
        self._show_runner(runner, then)

    def _not_opened(self, audit_id: str, exc: Exception) -> None:
        if self._opening != audit_id:
            return
        self._opening = None
        self.pick_label.setText(PICK_TEXT)
        show_error(self, str(exc) if isinstance(exc, ShopperError) else f"Cannot open: {exc}")

    def _show_runner(
        self, runner: AuditRunner, then: Callable[[AuditRunnerView], object] | None
    ) -> None:
        from shopper.ui.runner.view import AuditRunnerView, RunnerLayout

        self._opening = None
        audit_id = runner.audit_id
        self.pick_label.setText(PICK_TEXT)
        view = AuditRunnerView(runner, self.ctx.data_dir, capture_screen_png)
        view.restore_layout(
            RunnerLayout(
                self.settings.get(Options.RUNNER_SPLITTER),
                self.settings.get(Options.ITEM_SPLITTER),
                self.settings.get(Options.OUTLINE_COLUMNS),
            )
        )
        view.set_instruments_visible(self._instruments_wanted())
        self.instruments_action.setChecked(view.instruments_shown)
        self.instruments_action.setEnabled(True)
        view.instruments_toggled.connect(self._instruments_toggled)
        view.changed.connect(self._audit_changed)
        view.changed.connect(lambda _id: self._show_submittable())
        view.completed.connect(self._audit_completed)
        view.submit_requested.connect(lambda _id: self.submit_to_team())
        view.save_status.connect(self.statusBar().showMessage)  # "" clears it
        self.runner_layout.addWidget(view)
        self.runner_view = view
        self.export_pdf_action.setEnabled(True)
        self.stack.setCurrentIndex(PAGE_RUNNER)
        self.setWindowTitle(f"Shopper — {runner.company.name}")
        self._select_audit_row(audit_id)
        self._show_submittable()
        if then is not None:
            then(view)

    def _discard(self, view: QWidget) -> None:
        """Take a runner view out of the window at once (it is deleted soon after)."""
        self.runner_layout.removeWidget(view)
        view.hide()
        view.deleteLater()

    def _instruments_wanted(self) -> bool:
        """As the shopper left them; until they choose, hidden on a low screen (a laptop),
        so the item, its answer and its note fit without scrolling."""
        if self.settings.has(Options.INSTRUMENTS_VISIBLE):
            return self.settings.get(Options.INSTRUMENTS_VISIBLE)
        screen = screen_of(self)
        return screen is None or screen.availableGeometry().height() >= LOW_SCREEN

    def toggle_instruments(self) -> None:
        if self.runner_view is not None:
            self.runner_view.toggle_instruments()

    def _instruments_toggled(self, visible: bool) -> None:
        self.instruments_action.setChecked(visible)
        self.settings.set(Options.INSTRUMENTS_VISIBLE, visible)

    def show_audit_at(self, audit_id: str, item_id: str) -> None:
        """Open an audit at an item (for the analysis windows) and bring the window forward."""

        def at_item(view: AuditRunnerView) -> None:
            if item_id:
                view.go_to(item_id)

        if not self.open_audit(audit_id, then=at_item):
            return
        self.raise_()
        self.activateWindow()

    def close_audit(self) -> None:
        """Close the open audit without saving more (it is gone, or its database was replaced)."""
        self._opening = None  # nor show one still being read
        if self.runner_view is None:
            return
        view, self.runner_view = self.runner_view, None
        self._discard(view)
        self.export_pdf_action.setEnabled(False)
        self.instruments_action.setEnabled(False)
        self.submit_action.setEnabled(False)
        self.setWindowTitle("Shopper")

    def adopt_engine(self, engine: Engine) -> None:
        """Work on a fresh engine (a restore's). The analysis windows hold the old one and
        show the old data: they close."""
        self.ctx.adopt(engine)
        self.engine = engine
        for window in list(self.analysis.windows if self.tools_installed else []):
            window.close()

    def _audit_changed(self, audit_id: str) -> None:
        """Only the summary columns of one row changed: read that row (off the GUI thread),
        not the list. One read per audit at a time; changes meanwhile read it once more."""
        if audit_id in self._row_reads:
            self._row_reads[audit_id] = True
            return
        from shopper.services import audits as audit_service

        engine = self.engine
        self._row_reads[audit_id] = False

        def done(rows: list[AuditRow]) -> None:
            if rows:
                self.audit_model.replace_row(rows[0])
            settled()

        def failed(exc: Exception) -> None:
            self._show_list_error(exc)
            settled()

        def settled() -> None:
            self._list_operations.pop(f"row {audit_id}", None)
            again = self._row_reads.pop(audit_id, False)
            if again:
                self._audit_changed(audit_id)

        self._list_operations[f"row {audit_id}"] = run_quietly(
            self,
            lambda: audit_service.list_audits(engine=engine, ids=[audit_id]),
            on_done=done,
            on_error=failed,
        )

    def new_audit(self) -> None:
        """File › New audit: on a team database the choices are read off the GUI thread
        first (the dialog opens once they are in)."""
        from shopper.ui.new_audit import load_choices

        company_id = self.selected_company_id()
        if self.ctx.connection is None:
            self._new_audit_dialog(company_id, None)
            return
        engine = self.engine
        self._operation = run_operation(
            self,
            "Reading the companies and checklists…",
            lambda _progress: load_choices(engine),
            on_done=lambda choices: self._new_audit_dialog(company_id, choices),
            on_error=lambda exc: show_error(self, str(exc), title="New audit"),
        )

    def _new_audit_dialog(self, company_id: str, choices: Any) -> None:
        from shopper.ui.new_audit import NewAuditDialog

        dialog = NewAuditDialog(
            self.engine,
            self.settings,
            self,
            company_id,
            team=self.ctx.connection,
            choices=choices,
            linked=self.team_sync is not None,
        )
        if dialog.exec() and dialog.audit is not None:
            self.refresh()
            self.open_audit(dialog.audit.id, then=_focus_item)
            self.activateWindow()

    def _select_audit_row(self, audit_id: str) -> None:
        row = self.audit_model.row_of(audit_id)
        if row >= 0:
            self.audit_table.selectionModel().blockSignals(True)
            self.audit_table.selectRow(row)
            self.audit_table.selectionModel().blockSignals(False)

    def new_company(self) -> None:
        from shopper.ui.company_dialog import CompanyDialog

        dialog = CompanyDialog(self.engine, self)
        if dialog.exec():
            self.refresh()

    def edit_company(self) -> None:
        if not self.attached:
            return  # a double click on the start-up glance's list
        company_id = self.selected_company_id()
        if not company_id:
            show_error(self, "Select a company in the list first.")
            return
        from shopper.services.companies import get_company

        engine = self.engine
        self._operation = run_soon(
            self,
            lambda: get_company(engine=engine, company_id=company_id),
            in_background=on_a_server(engine),
            on_done=self._edit_company,
            on_error=lambda exc: show_error(self, str(exc), title="Edit company"),
        )

    def _edit_company(self, company: Any) -> None:
        from shopper.ui.company_dialog import CompanyDialog

        dialog = CompanyDialog(self.engine, self, company)
        if dialog.exec():
            self.refresh()

    # -- other actions -----------------------------------------------------------

    def load_demo(self) -> None:
        engine, data_dir = self.engine, self.ctx.data_dir

        def work(progress: Any) -> Any:
            from shopper.services.demo import load_demo

            return load_demo(engine=engine, progress=progress, data_dir=data_dir)

        def done(result: Any) -> None:
            self.refresh()
            companies = count_of(result.companies, "demo company", "demo companies")
            audits = count_of(result.audits, "audit")
            self.statusBar().showMessage(f"Loaded {companies} and {audits}", 8000)

        def failed(exc: Exception) -> None:
            show_error(
                self, str(exc) if isinstance(exc, ShopperError) else f"Demo data failed: {exc}"
            )

        self._operation = run_operation(
            self, "Loading demo data…", work, on_done=done, on_error=failed
        )

    def import_template(self) -> None:
        """File › Import checklist…: a template file (YAML) or an XLSForm workbook."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import checklist",
            "",
            "Checklists (*.yaml *.yml *.json *.xlsx *.xls *.csv *.md);;"
            "Templates (*.yaml *.yml *.json);;XLSForm workbooks (*.xlsx *.xls *.csv *.md);;"
            "All files (*)",
        )
        if not path:
            return
        from shopper.domain.xlsform import XLSFORM_SUFFIXES

        if Path(path).suffix.lower() in XLSFORM_SUFFIXES:
            self.import_xlsform(Path(path))
            return
        from shopper.services.templates import import_template_file

        engine = self.engine
        self._operation = run_soon(
            self,
            lambda: import_template_file(engine=engine, path=Path(path)),
            in_background=on_a_server(engine),
            on_done=self._template_imported,
            on_error=lambda exc: show_error(self, str(exc), title="Template not imported"),
        )

    def import_shops(self) -> None:
        """File › Import shops…: every shop of a CSV file (docs/team.md, "Shops"), or none."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Import shops", "", "CSV files (*.csv);;All files (*)"
        )
        if not path:
            return
        from shopper.services.shops_csv import ShopCsvError, import_shops_csv

        engine = self.engine

        def failed(exc: Exception) -> None:
            text = "\n".join(exc.lines()) if isinstance(exc, ShopCsvError) else str(exc)
            show_error(self, text, title="Shops not imported")

        self._operation = run_soon(
            self,
            lambda: import_shops_csv(engine=engine, path=Path(path)),
            in_background=on_a_server(engine),
            on_done=lambda made: self.statusBar().showMessage(
                f"Assigned {count_of(len(made), 'shop')} from {Path(path).name}", 8000
            ),
            on_error=failed,
        )

    def choose_language(self) -> None:
        """View › Checklist language…: the shopper's language, for the audits opened next."""
        from PySide6.QtWidgets import QInputDialog

        current = self.settings.get(Options.CHECKLIST_LANGUAGE)
        text, chosen = QInputDialog.getText(
            self,
            "Checklist language",
            "Show checklists in this language where they have it\n"
            "(a code such as fr, or a name such as French (fr); empty: each checklist's own):",
            text=current,
        )
        if chosen:
            self.settings.set(Options.CHECKLIST_LANGUAGE, " ".join(text.split()))
            self.statusBar().showMessage(
                "The checklist language applies to the audits opened next", 6000
            )

    def import_xlsform(self, path: Path, *, skip_unsupported: bool = False) -> None:
        """Read an XLSForm workbook as a checklist. Rows a checklist cannot hold are listed,
        and the rest imported only if the user says so."""
        from shopper.domain.xlsform import XlsformUnsupportedError
        from shopper.services.templates import import_xlsform_file

        engine = self.engine

        def failed(exc: Exception) -> None:
            if isinstance(exc, XlsformUnsupportedError) and not skip_unsupported:
                if self._import_the_rest(path, exc):
                    self.import_xlsform(path, skip_unsupported=True)
                return
            show_error(self, str(exc), title="Checklist not imported")

        self._operation = run_soon(
            self,
            lambda: import_xlsform_file(
                engine=engine, path=path, skip_unsupported=skip_unsupported
            ),
            in_background=True,  # pyxform reads the workbook: never on the GUI thread
            on_done=lambda result: self._template_imported(
                result.template, left_out=len(result.unsupported)
            ),
            on_error=failed,
        )

    def _import_the_rest(self, path: Path, exc: Any) -> bool:
        rows = [str(u) for u in exc.unsupported]
        shown = "\n".join(f"• {row}" for row in rows[:12])
        more = f"\n…and {len(rows) - 12} more" if len(rows) > 12 else ""
        answer = QMessageBox.question(
            self,
            "Import checklist",
            f"A checklist cannot hold {count_of(len(rows), 'part')} of {path.name}:\n\n"
            f"{shown}{more}\n\nImport the rest and leave these out?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _template_imported(self, template: Any, left_out: int = 0) -> None:
        self.statusBar().showMessage(
            f"Imported “{template.title}” v{template.version} "
            f"({count_of(template.item_count, 'item')})"
            + (f"; {count_of(left_out, 'part')} of the workbook left out" if left_out else ""),
            8000,
        )

    def export_pdf(self) -> None:
        """Export the open audit as a PDF report (the latest typing saved first)."""
        if self.runner_view is None:
            show_error(self, "Open an audit first.", title="Export PDF")
            return
        view = self.runner_view
        if view.saves is not None:  # a team database: print what the server holds
            view.after_saves(lambda saved: self._export(view) if saved else self._not_yet())
            return
        if view.flush():
            self._export(view)

    def _not_yet(self) -> None:
        self.statusBar().showMessage(
            "Not printed: the last changes are not saved yet (they are tried again by "
            "themselves, or press Retry)",
            15000,
        )

    def _export(self, view: AuditRunnerView) -> None:
        if view is not self.runner_view:
            return
        runner = view.runner
        from shopper.ui.report_export import ReportExporter

        self._exporter = ReportExporter(self, self.ctx, self.settings)
        self._exporter.export_audit(runner.audit_id, runner.company.name, runner.audit.started_at)

    def show_waiting(self) -> None:
        """View › Waiting: follow-ups awaited and enquiries with no reply yet."""
        from shopper.ui.waiting import WaitingDialog

        dialog = WaitingDialog(self.engine, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_item.connect(self._open_follow_up)
        dialog.open_audit.connect(self._open_waiting)
        dialog.finished.connect(lambda _result: self.refresh())  # settled audits changed
        self.waiting_dialog = dialog
        dialog.open()

    def show_shops(self) -> None:
        """View › Shops: the shops this login may see; starting one opens its audit."""
        from shopper.ui.shops import ShopsDialog

        facts = self.ctx.connection
        # A data folder synced with a team gets its shops from there: a shop assigned or
        # cancelled here would be undone by the next sync.
        manager = not facts.is_field if facts is not None else self.team_sync is None
        dialog = ShopsDialog(self.engine, self, manager=manager)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.new_shop.connect(lambda: self.assign_shop(then=dialog.reload, parent=dialog))
        dialog.start_shop.connect(self._start_shop)
        dialog.open_audit.connect(self.open_audit)
        self.shops_dialog = dialog
        dialog.open()

    def show_team_overview(self) -> None:
        """View › Team overview: shops by state, overdue, and per shopper (a manager's)."""
        from shopper.ui.team_overview import TeamOverviewDialog

        dialog = TeamOverviewDialog(self.engine, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.team_overview_dialog = dialog
        dialog.open()

    def show_schedules(self) -> None:
        """View › Schedules: a manager's recurring shops (shopper.ui.schedules)."""
        from shopper.ui.schedules import SchedulesDialog

        self.schedules_dialog = SchedulesDialog(self.engine, self)
        self.schedules_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.schedules_dialog.open()

    def show_review_queue(self) -> None:
        """View › Review queue: submitted shops; one opens in the runner for review."""
        from shopper.ui.review_queue import ReviewQueueDialog

        dialog = getattr(self, "review_queue_dialog", None)
        if dialog is None:
            dialog = self.review_queue_dialog = ReviewQueueDialog(self.engine, self)
            dialog.review_audit.connect(self.review_audit)
            dialog.destroyed.connect(lambda: setattr(self, "review_queue_dialog", None))
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        else:
            dialog.reload()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def review_audit(self, audit_id: str) -> None:
        """Open a submitted shop's audit in the runner for review; after the verdict it
        closes and the review queue is read again."""
        self.open_audit(
            audit_id, then=lambda view: view.reviewed.connect(self._reviewed), review=True
        )
        self.raise_()
        self.activateWindow()

    def _reviewed(self, row: Any) -> None:
        from shopper.domain.shops import state_label

        self.close_audit()
        self.refresh()
        self.statusBar().showMessage(
            f"The shop of {row.company} for {row.shopper} is {state_label(row.state)}", 10000
        )
        dialog = getattr(self, "review_queue_dialog", None)
        if dialog is not None:
            dialog.reload(row.id)
            dialog.show()
            dialog.raise_()

    def new_shop(self) -> None:
        """File › New shop…: a manager assigns a shop."""
        self.assign_shop()

    def assign_shop(
        self, then: Callable[[str], None] | None = None, parent: QWidget | None = None
    ) -> None:
        """The New shop dialog, once the companies, templates and (on a team database) the
        team's shoppers are read, off the GUI thread there; `then` gets the new shop's id."""
        from shopper.ui.new_shop import load_shop_choices

        engine, team = self.engine, self.ctx.connection is not None
        self._operation = run_soon(
            self,
            lambda: load_shop_choices(engine, team=team),
            in_background=on_a_server(engine),
            on_done=lambda choices: self._new_shop_dialog(choices, then, parent or self),
            on_error=lambda exc: show_error(self, str(exc), title="New shop"),
        )

    def _new_shop_dialog(
        self, choices: Any, then: Callable[[str], None] | None, parent: QWidget
    ) -> None:
        from shopper.ui.new_shop import NewShopDialog

        dialog = NewShopDialog(self.engine, choices, parent, company_id=self.selected_company_id())
        self.new_shop_dialog = dialog
        if dialog.exec() and dialog.created is not None:
            shop = dialog.created
            self.statusBar().showMessage(
                f"Assigned a shop of {shop.company} to {shop.shopper}, due {shop.due}", 8000
            )
            if then is not None:
                then(shop.id)

    def _start_shop(self, shop_id: str) -> None:
        from shopper.services.shops import start_shop

        engine = self.engine

        def started(audit: Any) -> None:
            self.refresh()
            self.open_audit(audit.id)

        self._operation = run_soon(
            self,
            lambda: start_shop(engine=engine, shop_id=shop_id),
            in_background=on_a_server(engine),
            on_done=started,
            on_error=lambda exc: show_error(self, str(exc), title="Shop not started"),
        )

    def _open_follow_up(self, audit_id: str, item_id: str) -> None:
        self.open_audit(audit_id, then=lambda view: view.go_to(item_id) if item_id else None)

    def _open_waiting(self, audit_id: str) -> None:
        self.open_audit(audit_id, then=lambda view: view.show_instrument("E-mail"))

    # -- the database worked on ---------------------------------------------------------

    def _show_connection(self) -> None:
        facts = self.ctx.connection
        if facts is None:
            self.connection_label.setText("This computer's database")
            self.connection_label.setToolTip(str(self.ctx.db_path or ""))
        else:
            line = facts.status_line()
            lock = "encrypted" if facts.encrypted else "not encrypted"
            role = f" ({facts.role})" if facts.role else ""
            self.connection_label.setText(
                f"{facts.login}{role} · {facts.database} on {facts.server} · {lock}"
            )
            self.connection_label.setToolTip(f"{line}\nPostgreSQL {facts.server_version}")
        self.local_action.setEnabled(facts is not None)
        if facts is not None and facts.is_field:  # the database refuses these to shoppers
            for action in (
                self.new_company_action,
                self.edit_company_action,
                self.demo_action,
                self.import_template_action,
                self.import_shops_action,
                self.new_shop_action,
                self.team_overview_action,
                self.schedules_action,
                self.review_queue_action,
            ):
                action.setEnabled(False)
                action.setStatusTip("On the team database, a manager does this.")
        # A shopper cannot add companies, so no demo data either (the database would refuse).
        self.welcome.demo_button.setVisible(facts is None or not facts.is_field)

    def connect_team(self) -> None:
        """Team › Connect to team database…: the window reopens on it once it is open."""
        from shopper.ui.team.connect import ConnectDialog

        dialog = self.connect_dialog = ConnectDialog(self.ctx.data_dir, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            if result == ConnectDialog.DialogCode.Accepted and dialog.ctx is not None:
                self.switch_to(dialog.ctx, team=True)

        dialog.finished.connect(finished)
        dialog.open()

    def use_local(self) -> None:
        """Team › Use this computer's database: back from the team database."""
        folder = self.ctx.data_dir

        def work(_progress: Any) -> Any:
            from shopper.services.context import AppContext

            return AppContext.open(folder)

        self._operation = run_operation(
            self,
            "Opening this computer's database…",
            work,
            on_done=self._switch_to_local,
            on_error=lambda exc: show_error(self, str(exc), title="Database not opened"),
        )

    def _switch_to_local(self, ctx: AppContext) -> None:
        self.switch_to(ctx, team=False)

    def switch_to(self, ctx: AppContext, *, team: bool) -> bool:
        """Work on another open database: a new window takes over, with the layout kept, so
        nothing of the old database (an open audit, an analysis window) outlives it.
        False (and `ctx` closed) if the open audit's last change could not be saved."""
        view = self.runner_view
        if view is not None and view.saves is not None:  # a team database: never block
            view.after_saves(lambda saved: self._switch_when_saved(view, saved, ctx, team))
            return True
        if view is not None and not view.flush():
            ctx.close()
            return False
        self._switch(ctx, team)
        return True

    def _switch_when_saved(
        self, view: AuditRunnerView, saved: bool, ctx: AppContext, team: bool
    ) -> None:
        if saved and view is self.runner_view:
            self._switch(ctx, team)
            return
        ctx.close()
        self.statusBar().showMessage(
            "Still on this database: the open audit's last changes are not saved yet", 15000
        )

    def _switch(self, ctx: AppContext, team: bool) -> None:
        self.settings.set(Options.TEAM_AT_START, team)
        self._save_layout()
        old = self.ctx
        successor = self.successor = MainWindow(ctx)
        successor.show()
        self.close()
        self.deleteLater()
        folder = old.data_dir
        # Loads of this window may still be under way on it: it closes once they end (a
        # load waiting for the pool of a closed engine would wait for ever).
        run_after_the_others(
            successor,
            old.close,
            on_done=lambda _r: log.info("closed the database left: %s", folder),
            on_error=lambda exc: log.warning("could not close the database left: %s", exc),
        )
        if ctx.connection is not None:
            successor.statusBar().showMessage(f"Connected: {ctx.connection.status_line()}", 10000)

    # -- sync with the team database (this computer's database, its folder linked) -------

    def _start_team_sync(self, team: AppContext | None = None) -> None:
        """Sync with the data folder's team database, if it has one and this window works on
        this computer's database (on the team database itself there is nothing to sync)."""
        from shopper.services.team_link import load_link

        local = self.ctx.connection is None
        for action in (self.link_action, self.outbox_action):
            action.setEnabled(local)
        if not local:
            self.sync_action.setStatusTip("The window works on the team database: no sync")
            return
        try:
            target = load_link(self.ctx.data_dir)
        except ShopperError as exc:
            log.warning("%s", exc)
            self.statusBar().showMessage(f"No sync: {exc}", 15000)
            target = None
        if target is None:
            if team is not None:
                team.close()
            self.sync_action.setStatusTip("Link this data folder to a team database first")
            return
        from shopper.ui.team.sync import TeamSync

        if self.team_sync is not None:
            self.team_sync.close()
        minutes = self.settings.get(Options.SYNC_MINUTES)
        sync = self.team_sync = TeamSync(self.ctx, target, self, minutes=minutes, team=team)
        sync.message.connect(self._sync_message)
        sync.synced.connect(self._synced)
        sync.submitted.connect(self._audit_submitted)
        sync.attempted.connect(self._show_submittable)  # a submit refused: offered again
        self.sync_action.setEnabled(True)
        self.sync_action.setStatusTip(f"Sync with {target.text} (also every {minutes} min)")
        for action in (self.new_shop_action, self.import_shops_action):
            action.setEnabled(False)
            action.setStatusTip("The shops come from the team database (Team › Sync now)")
        self._show_submittable()

    def link_team(self) -> None:
        """Team › Link this data folder…: the connect dialog, which remembers the link; the
        window stays here and syncs with the database it opened (its password kept there)."""
        from shopper.ui.team.connect import ConnectDialog

        dialog = self.link_dialog = ConnectDialog(self.ctx.data_dir, self, link_only=True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            if result != ConnectDialog.DialogCode.Accepted or dialog.ctx is None:
                return
            self._start_team_sync(team=dialog.ctx)
            if self.team_sync is not None:
                self.team_sync.sync_now()

        dialog.finished.connect(finished)
        dialog.open()

    def sync_now(self) -> None:
        """Team › Sync now (Ctrl+Shift+S): in the background; one at a time."""
        if self.team_sync is None:
            self.statusBar().showMessage(
                "Not linked to a team database: Team › Link this data folder…", 10000
            )
            return
        if self.runner_view is not None:
            self.runner_view.flush()  # the note being typed goes too
        self.team_sync.sync_now()

    def _sync_message(self, line: str) -> None:
        self.statusBar().showMessage(line, 0 if line.endswith("…") else 20000)

    def _synced(self, result: Any) -> None:
        """Shops and audits may have come: the lists, and the open dialogs, read again."""
        self.refresh()
        shops = getattr(self, "shops_dialog", None)
        if shops is not None and shiboken6.isValid(shops) and shops.isVisible():
            shops.reload()
        view = self.runner_view
        if view is not None and view.runner.audit_id in {c.audit_id for c in result.conflicts}:
            # Now as the team database has it; this computer's is the copy in the outbox.
            self.open_audit(view.runner.audit_id)

    def _can_submit(self) -> bool:
        from shopper.domain.shops import NOT_SUBMITTED, ShopState

        view = self.runner_view
        if view is None or (self.team_sync is None and not self._submits_here()):
            return False
        runner = view.runner
        shop = runner.shop
        return (
            runner.audit.status == AuditStatus.COMPLETED
            and shop is not None
            and ShopState.of(shop.state) in NOT_SUBMITTED
            and runner.audit_id not in self._submitted
        )

    def _show_submittable(self) -> None:
        can = self._can_submit()
        self.submit_action.setEnabled(can)
        if self.runner_view is not None:
            self.runner_view.header.set_submittable(can)

    def _audit_completed(self, _audit_id: str) -> None:
        self._show_submittable()
        if self._can_submit():
            self.statusBar().showMessage(
                "Completed. Submit to team (in the banner, or Team › Submit to team) hands it in",
                20000,
            )

    def _submits_here(self) -> bool:
        """A shopper working on the team database itself submits there, not through sync."""
        facts = self.ctx.connection
        return facts is not None and facts.is_field

    def submit_to_team(self) -> None:
        """Team › Submit to team: the open audit, completed, to the team; then a sync (on the
        team database itself, its shop is submitted there, off the GUI thread)."""
        if not self._can_submit() or self.runner_view is None:
            self.statusBar().showMessage(
                "Submit to team: open a completed audit of a shop not submitted yet", 10000
            )
            return
        audit_id = self.runner_view.runner.audit_id
        self.submit_action.setEnabled(False)
        self.runner_view.header.set_submittable(False)
        if self.team_sync is not None:
            self.team_sync.submit(audit_id)
            return
        from shopper.services.shops import hand_in

        engine = self.engine

        def done(row: Any) -> None:
            self._submitted.add(audit_id)
            self._show_submittable()
            self.refresh()
            self._reopen_handed_in(audit_id)
            self.statusBar().showMessage(
                f"Submitted: the shop of {row.company} waits for its review", 10000
            )

        def refused(exc: Exception) -> None:
            self._show_submittable()
            show_error(self, str(exc), title="Submit to team")

        self._submit_operation = run_soon(
            self,
            lambda: hand_in(engine=engine, audit_id=audit_id),
            in_background=True,
            on_done=done,
            on_error=refused,
        )

    def _audit_submitted(self, done: Any) -> None:
        self._submitted.add(done.audit_id)
        self._show_submittable()
        self._reopen_handed_in(done.audit_id)

    def _reopen_handed_in(self, audit_id: str) -> None:
        """Open a just submitted audit again, if it is the one shown: its shop is handed in
        now, so the banner says who may change it and offers no Reopen."""
        view = self.runner_view
        if view is not None and view.runner.audit_id == audit_id and view.review_bar is None:
            self.open_audit(audit_id)

    def show_outbox(self) -> None:
        """Team › Outbox…: what waits to go; opening an entry opens its audit."""
        from shopper.ui.team.outbox import OutboxDialog

        dialog = OutboxDialog(self.ctx, self.team_sync, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_audit.connect(lambda audit_id: self.open_audit(audit_id, then=_focus_item))
        self.outbox_dialog = dialog
        dialog.open()

    def _stop_team_sync(self) -> None:
        if self.team_sync is not None:
            self.team_sync.close()
            self.team_sync = None

    def toggle_browser(self) -> None:
        """Hide the companies and audits to give an audit the whole window, or show them."""
        self.browser_splitter.setVisible(self.browser_action.isChecked())

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.data_dir)))

    def show_keys(self) -> None:
        """Help › Keyboard shortcuts: every key of the window, read off its actions."""
        from shopper.ui.shortcuts_help import ShortcutsDialog

        self.keys_dialog = ShortcutsDialog(self)
        self.keys_dialog.open()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Shopper",
            f"Shopper {__version__}\n\nMystery-shopping audits of a company's touchpoints.\n\n"
            f"Data folder: {self.ctx.data_dir}\nLog: {self.ctx.log_path}",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.built:  # closed before its first paint was over: nothing to keep
            event.accept()
            return
        view = self.runner_view
        if view is not None and view.saves is not None:  # a team database: never block
            if not self._saves_checked:
                typed = view.commit_typed()
                if typed and view.saves_done():
                    self._saves_checked = True
                elif typed and view.saves is not None and view.saves.failure is None:
                    event.ignore()  # close once the saves are written (or have stopped)
                    view.after_saves(self._close_when_saved)
                    return
                elif not (headless() or self._quit_unsaved()):
                    event.ignore()
                    return
            self._save_layout()
            self._stop_team_sync()
            event.accept()
            return
        if self.runner_view is not None and not self.runner_view.flush() and not headless():
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                "Your last change could not be saved. Quit anyway and lose it?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self._save_layout()
        self._stop_team_sync()
        event.accept()

    def _close_when_saved(self, written: bool) -> None:
        if written or headless() or self._quit_unsaved():
            self._saves_checked = True
            self.close()

    def _quit_unsaved(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "Your last change could not be saved: the server does not answer. "
            "Quit anyway and lose it?",
        )
        return answer == QMessageBox.StandardButton.Yes


def _focus_item(view: AuditRunnerView) -> None:
    view.focus_item()


def _opening_pane() -> QWidget:
    """What the window paints first at start-up: its name and "Opening Shopper…", built
    from the few Qt classes a bare window needs (the rest loads after it is on screen)."""
    pane = QWidget()
    layout = QVBoxLayout(pane)
    layout.addStretch(1)
    label = QLabel(
        '<div align="center" style="color: #6b6b6b; font-size: 15pt">Opening Shopper…</div>'
    )
    layout.addWidget(label)
    layout.addStretch(2)
    return pane
