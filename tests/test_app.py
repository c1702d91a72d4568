"""Starting the GUI: the window paints first, the database opens off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from shopper.app import main
from shopper.ui.main_window import MainWindow


def _window() -> MainWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)


def test_window_first_then_database(qapp: QApplication, tmp_path: Path) -> None:
    seen: dict[str, bool] = {}

    def first_look() -> None:
        window = _window()
        assert window is not None
        seen["shown before the database"] = window.isVisible() and not window.attached

        def wait() -> None:
            if window.attached:
                seen["attached"] = True
                seen["lists filled"] = window.company_model.rowCount() == 1  # "All companies"
                window.close()
                QApplication.quit()
            else:
                QTimer.singleShot(20, wait)

        wait()

    QTimer.singleShot(0, first_look)
    assert main(data_dir=tmp_path / "data") == 0
    assert seen == {"shown before the database": True, "attached": True, "lists filled": True}
    assert (tmp_path / "data" / "shopper.db").exists()


def test_a_database_that_cannot_open_exits_2(
    qapp: QApplication, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    damaged = folder / "shopper.db"
    damaged.write_bytes(b"this is not a database at all" * 100)
    before = damaged.read_bytes()
    assert main(data_dir=folder) == 2
    assert "shopper: error:" in capsys.readouterr().err
    assert damaged.read_bytes() == before
    window = _window()
    if window is not None:
        window.close()
