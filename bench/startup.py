"""Child process for the start-up figures: prints the wall-clock time of the first paint.

Usage: python -m bench.startup app|floor DATA_DIR
The parent notes the time before starting this process; the difference is the
start-up time, interpreter start included for both the app and the floor.
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

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.time())
                QTimer.singleShot(0, app.quit)
            return False

    if mode == "floor":
        window = QMainWindow()
        window.resize(1280, 800)
    else:
        from shopper.services.context import AppContext
        from shopper.ui.main_window import MainWindow

        window = MainWindow(AppContext.open(data_dir))
    spy = FirstPaint()
    window.installEventFilter(spy)
    window.show()
    QTimer.singleShot(30_000, app.quit)
    app.exec()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{painted[0] if painted else -1} {rss_mb:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
