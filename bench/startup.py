"""Child process for the start-up figures.

Usage: python -m bench.startup app|floor DATA_DIR
Prints the wall-clock times of the first paint and of "ready" (for the app:
the database open and the lists filled), and the peak RSS in MB. The parent
notes the time before starting this process; the differences are the
start-up times, interpreter start included for both the app and the floor.
The app starts the way `shopper gui` does (shopper.app): window first, then
the database in a worker thread.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path


def main() -> int:
    mode, data_dir = sys.argv[1], Path(sys.argv[2])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["SHOPPER_HEADLESS"] = "1"
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    painted: list[float] = []
    ready: list[float] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.time())
                if mode == "floor":
                    ready.append(painted[0])
                    QTimer.singleShot(0, app.quit)
            return False

    if mode == "floor":
        window = QMainWindow()
        window.resize(1280, 800)
        spy = FirstPaint()
        window.installEventFilter(spy)
        window.show()
    else:
        from shopper.app import DatabaseOpener
        from shopper.ui.main_window import MainWindow

        main_window = MainWindow(data_dir=data_dir)
        spy = FirstPaint()
        main_window.installEventFilter(spy)
        opener = DatabaseOpener(main_window, data_dir, None)
        main_window.first_painted.connect(opener.start)  # as shopper.app does
        main_window.show()

        def poll() -> None:
            if main_window.attached and painted:
                ready.append(time.time())
                app.quit()
            else:
                QTimer.singleShot(5, poll)

        poll()
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{painted[0] if painted else -1} {ready[0] if ready else -1} {rss_mb:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
