"""The manager's windows share a base: on screen whole, closed with Esc or Ctrl+W."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui.analysis_window import AnalysisWindow
from shopper.ui.compare.view import CompareWindow
from shopper.ui.findings import FindingsWindow
from shopper.ui.journey import JourneyWindow

WINDOWS = [CompareWindow, JourneyWindow, FindingsWindow]

ON_A_LAPTOP = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from shopper.ui.collector import install
install(app)
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.ui.compare.view import CompareWindow
from shopper.ui.findings import FindingsWindow
from shopper.ui.journey import JourneyWindow
ctx = AppContext.open(Path(sys.argv[1]))
load_demo(engine=ctx.engine, audits=30)
free = app.primaryScreen().availableGeometry()
seen = {"screen": [free.width(), free.height()]}
for kind in (CompareWindow, JourneyWindow, FindingsWindow):
    window = kind(ctx.engine)
    window.show()
    for _ in range(20):
        app.processEvents()
    frame = window.frameGeometry()
    seen[kind.__name__] = free.contains(frame)
    window.close()
from shopper.ui.workers import wait_for_background
wait_for_background(30)
ctx.close()
print(json.dumps(seen))
"""


def test_each_opens_whole_on_a_1024_by_640_screen(tmp_path: Path) -> None:
    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps({"screens": [{"name": "laptop", "width": 1024, "height": 640}]}),
        encoding="utf-8",
    )
    env = os.environ | {"QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    done = subprocess.run(
        [sys.executable, "-c", ON_A_LAPTOP, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "screen": [1024, 640],
        "CompareWindow": True,
        "JourneyWindow": True,
        "FindingsWindow": True,
    }


@pytest.mark.parametrize("kind", WINDOWS, ids=lambda k: k.__name__)
@pytest.mark.parametrize("close", ["escape", "ctrl+w"])
def test_esc_and_ctrl_w_close_it(qtbot: QtBot, ctx: AppContext, kind: type, close: str) -> None:
    window: AnalysisWindow = kind(ctx.engine)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    target = QApplication.focusWidget() or window
    if close == "escape":
        qtbot.keyClick(target, Qt.Key.Key_Escape)
    else:
        qtbot.keyClick(target, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
