"""Child process for the start-up figures.

Usage: python -m bench.startup app|floor|ready-floor DATA_DIR [PRAGMA ...]
Prints the wall-clock times of the first paint and of "ready", and the peak
RSS in MB. The parent notes the time before starting this process; the
differences are the start-up times, interpreter start included for all three.

- app: starts the way `shopper gui` does (shopper.app): window first, then the
  lists at a glance and the database in a worker thread. Ready is the lists on
  screen, filled (the companies and the first page of audits in their models:
  `lists_shown`, from the start-up glance); "open" is the database layer loaded
  and the lists read through it (`lists_read`), printed fourth.
- floor: a bare QMainWindow; ready is its first paint.
- ready-floor: the floor of "ready" (issue 18): a bare QMainWindow with a
  QTableView over a QStandardItemModel, `sqlite3` opened with our pragmas (given
  on the command line, so this process imports nothing of Shopper), the same
  first page of the audits list queried and put in the model. Ready is the rows
  in the model, as for the app.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

FIRST_PAGE_SQL = (
    "SELECT a.id, a.company_id, c.name, a.touchpoint, t.title, a.template_id, "
    "a.template_version, a.shopper, a.status, a.started_at, a.started_tz, a.completed_at, "
    "a.score_percent, a.verdict, a.passed, a.critical_failures, a.answered, a.visible "
    "FROM audit a JOIN company c ON c.id = a.company_id JOIN template_version t "
    "ON t.template_id = a.template_id AND t.version = a.template_version "
    "ORDER BY a.started_at DESC, a.id LIMIT ?"
)
PAGE = 400
"""The audits model's first page (shopper.ui.models.AuditTableModel.PAGE)."""


def main() -> int:
    mode, data_dir, pragmas = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["SHOPPER_HEADLESS"] = "1"
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    painted: list[float] = []
    ready: list[float] = []
    opened: list[float] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.time())
                if mode == "floor":
                    ready.append(painted[0])
                    QTimer.singleShot(0, app.quit)
                elif mode == "ready-floor":
                    QTimer.singleShot(0, fill)
            return False

    spy = FirstPaint()
    if mode in ("floor", "ready-floor"):
        window = QMainWindow()
        window.resize(1280, 800)
        window.installEventFilter(spy)
        if mode == "ready-floor":
            import sqlite3

            from PySide6.QtGui import QStandardItem, QStandardItemModel
            from PySide6.QtWidgets import QTableView

            view = QTableView()
            model = QStandardItemModel()
            view.setModel(model)
            window.setCentralWidget(view)

            def fill() -> None:
                connection = sqlite3.connect(data_dir / "shopper.db")
                for pragma in pragmas:
                    connection.execute(pragma)
                rows = connection.execute(FIRST_PAGE_SQL, (PAGE,)).fetchall()
                for row in rows:
                    model.appendRow([QStandardItem("" if v is None else str(v)) for v in row])
                ready.append(time.time())
                connection.close()
                app.quit()

        window.show()
    else:
        from shopper.app import DatabaseOpener
        from shopper.ui.main_window import MainWindow

        main_window = MainWindow(data_dir=data_dir, paint_first=True)  # as shopper.app
        main_window.installEventFilter(spy)
        opener = DatabaseOpener(main_window, data_dir, None)
        main_window.first_painted.connect(opener.start)  # as shopper.app does
        main_window.show()

        def lists_shown() -> None:
            if not ready:
                ready.append(time.time())

        def lists_read() -> None:
            if not opened:
                opened.append(time.time())
                QTimer.singleShot(0, app.quit)

        main_window.lists_shown.connect(lists_shown)
        main_window.lists_read.connect(lists_read)
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    done = opened[0] if opened else ready[0] if ready else -1
    print(f"{painted[0] if painted else -1} {ready[0] if ready else -1} {rss_mb:.1f} {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
