"""Python's garbage collector runs on the GUI thread only.

The collector runs in whichever thread allocates when its thresholds are crossed. If that
is a worker thread (a background load) and the garbage holds a Qt object (a closed
window caught in a reference cycle), Qt objects are destroyed off their thread and the
app crashes. So automatic collection is switched off and this object collects, on the
GUI thread, whenever the thresholds say a collection is due (the same rule Python uses).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 500
"""How often to look at the allocation counts: cheap, and soon enough for memory."""


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()

    def check(self) -> None:
        """Collect the generations due, youngest first, as the automatic collector would."""
        first, second, third = gc.get_count()
        if first > self.thresholds[0]:
            generation = 0
            if second > self.thresholds[1]:
                generation = 1
                if third > self.thresholds[2]:
                    generation = 2
            gc.collect(generation)


_installed: GuiThreadCollector | None = None


def install(parent: QObject) -> GuiThreadCollector:
    """Collect on the GUI thread from now on (once per process)."""
    global _installed  # noqa: PLW0603 - one collector for the one GUI thread
    if _installed is None:
        _installed = GuiThreadCollector(parent)
        _installed.start()
    return _installed
