"""Starting the GUI: the window paints first, the database opens off the GUI thread.

Each start runs in a child process, as a user's would: `shopper.app.main` runs and
quits the application's event loop, which must not leak into the other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

START = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from shopper.app import main
from shopper.ui.main_window import MainWindow

app = QApplication(sys.argv[:1])
seen = {}

def first_look():
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    seen["shown before the database"] = window.isVisible() and not window.attached

    def wait():
        if window.attached:
            seen["attached"] = True
            seen["lists filled"] = window.company_model.rowCount() == 1  # "All companies"
            window.close()
            QApplication.quit()
        else:
            QTimer.singleShot(20, wait)

    wait()

def damage_told():
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))

    def wait():
        dialog = getattr(getattr(window, "data_actions", None), "damage_dialog", None)
        if dialog is not None:
            seen["lists shown"] = window.attached and not window.lists_loading
            seen["told"] = dialog.isVisible() and "damaged" in dialog.text()
            seen["read-only"] = window.data_actions.damage_label.isVisible()
            window.close()
            QApplication.quit()
        else:
            QTimer.singleShot(20, wait)

    wait()

if sys.argv[2] == "watch":
    QTimer.singleShot(0, first_look)
elif sys.argv[2] == "damage":
    QTimer.singleShot(0, damage_told)
code = main(data_dir=Path(sys.argv[1]))
print(json.dumps({"code": code, "seen": seen}))
"""


def start(folder: Path, mode: str) -> tuple[dict[str, object], str]:
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "SHOPPER_HEADLESS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", START, str(folder), mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    result: dict[str, object] = json.loads(lines[-1])
    return result, done.stderr


def test_window_first_then_database(tmp_path: Path) -> None:
    result, _err = start(tmp_path / "data", "watch")
    assert result["code"] == 0
    assert result["seen"] == {
        "shown before the database": True,
        "attached": True,
        "lists filled": True,
    }
    assert (tmp_path / "data" / "shopper.db").exists()


def test_a_database_that_cannot_open_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    damaged = folder / "shopper.db"
    damaged.write_bytes(b"this is not a database at all" * 100)
    before = damaged.read_bytes()
    result, err = start(folder, "plain")
    assert result["code"] == 2
    assert "shopper: error:" in err
    assert damaged.read_bytes() == before


def test_damage_found_after_the_lists_show_is_told_at_once_and_never_written(
    tmp_path: Path,
) -> None:
    """The quick check runs after the lists are read (a 500 MB file takes seconds): a
    damaged file is still never written to, and the user is told as soon as it is found."""
    from shopper.services.context import AppContext
    from tests.data_helpers import new_counts_audit, snapshot
    from tests.services.test_upkeep import damage_a_table_in_wal_mode

    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    for n in range(30):
        new_counts_audit(ctx, tmp_path, company=f"company number {n:02}")
    ctx.close()
    damage_a_table_in_wal_mode(folder / "shopper.db")
    before = snapshot(folder)
    result, err = start(folder, "damage")
    assert result["seen"] == {"lists shown": True, "told": True, "read-only": True}, err
    after = snapshot(folder)
    for name in ("shopper.db", "shopper.db-wal"):
        assert after.get(name) == before.get(name)
