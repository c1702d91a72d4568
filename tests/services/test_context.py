"""The data folder and its database: any folder name, private files, a log that may fail."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from shopper.services.context import AppContext, setup_logging
from shopper.services.runner import AuditRunner
from tests.data_helpers import new_counts_audit

ODD_NAMES = [
    "q?x",
    "pct%41x",
    "hash#tag",
    "semi;colon",
    "at@sign",
    'double"quote',
    "single'quote",
    "with space",
    "new\nline",
    "Zażółć 東京",
    "back\\slash",
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_the_database_lives_in_the_folder_whatever_its_name(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "p" / name / "data"
    ctx = AppContext.open(folder)
    try:
        audit_id = new_counts_audit(ctx, tmp_path)
        AuditRunner(engine=ctx.engine, audit_id=audit_id).set_answer("c1", 3)
        assert ctx.db_path == folder / "shopper.db"
    finally:
        ctx.close()
    assert (folder / "shopper.db").is_file()
    assert stat.S_IMODE((folder / "shopper.db").stat().st_mode) == 0o600
    # Nothing landed beside the folder, where a `?` or `%` would once have cut the path.
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [name]
    for parent in (folder, folder.parent, tmp_path / "p"):
        assert stat.S_IMODE(parent.stat().st_mode) == 0o700, parent
    ctx = AppContext.open(folder)
    try:
        assert AuditRunner(engine=ctx.engine, audit_id=audit_id).value("c1") == 3
    finally:
        ctx.close()


def test_two_folders_that_differ_after_a_question_mark_are_two_databases(tmp_path: Path) -> None:
    first, second = AppContext.open(tmp_path / "q?x"), AppContext.open(tmp_path / "q?y")
    try:
        new_counts_audit(first, tmp_path)
        with second.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM audit").scalar_one() == 0
        assert first.db_path != second.db_path
    finally:
        first.close()
        second.close()


def test_the_command_line_takes_such_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "p" / "q?x"
    done = subprocess.run(
        [sys.executable, "-m", "shopper", "--data-dir", str(folder), "demo", "--audits", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "shopper.db").is_file()
    assert not (tmp_path / "p" / "q").exists()


def test_a_log_that_cannot_be_written_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_path = tmp_path / "shopper.log"
    setup_logging(log_path)
    handler = next(
        h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(log_path)
    )
    try:

        class Full:
            def write(self, _text: str) -> int:
                raise OSError(28, "No space left on device")

            def flush(self) -> None:
                raise OSError(28, "No space left on device")

            def seek(self, *_args: object) -> int:
                return 0

            def tell(self) -> int:
                return 0

        handler.stream = Full()  # type: ignore[attr-defined]
        for n in range(60):
            logging.getLogger("shopper.test").warning("record %d", n)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("shopper: warning: cannot write the log")
        assert "No space left on device" in lines[0]
    finally:
        logging.getLogger().removeHandler(handler)
