"""`-o` never lands on the data folder: no command can replace the database with its output."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.data_helpers import snapshot as all_files
from tests.test_cli import ok, user_error


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of the data folder but the log, which records each command."""
    return {name: digest for name, digest in all_files(folder).items() if name != "shopper.log"}


@pytest.fixture
def tmp_dir(data_dir: Path) -> str:
    return str(data_dir)


@pytest.fixture
def audit_id(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> str:
    ok(capsys, "--data-dir", tmp_dir, "demo", "--audits", "2", "--seed", "1")
    out = ok(capsys, "--data-dir", tmp_dir, "audits", "list")
    return out.splitlines()[0].split()[0]


def _commands(audit: str, target: str) -> list[list[str]]:
    return [
        ["report", audit, "-o", target],
        ["export", audit, "-o", target],
        ["export-table", "--format", "csv", "-o", target],
        ["export-table", "--format", "xlsx", "-o", target],
        ["backup", "-o", target],
    ]


INSIDE = [
    "shopper.db",
    "shopper.db-wal",
    "shopper.log",
    "backups",
    "evidence/new.pdf",
    "settings.ini",
    "a-new-file.pdf",
]


@pytest.mark.parametrize("name", INSIDE)
def test_no_output_inside_the_data_folder(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, audit_id: str, name: str
) -> None:
    folder = Path(tmp_dir)
    (folder / "evidence").mkdir(exist_ok=True)
    (folder / "backups").mkdir(exist_ok=True)
    before = snapshot(folder)
    for command in _commands(audit_id, str(folder / name)):
        line = user_error(capsys, "--data-dir", tmp_dir, *command)
        assert "data folder" in line, line
        assert snapshot(folder) == before, command


def test_a_symlink_into_the_data_folder_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, audit_id: str, tmp_path: Path
) -> None:
    folder = Path(tmp_dir)
    link = tmp_path / "looks-harmless.pdf"
    link.symlink_to(folder / "shopper.db")
    before = snapshot(folder)
    for command in _commands(audit_id, str(link)):
        user_error(capsys, "--data-dir", tmp_dir, *command)
    assert snapshot(folder) == before
    assert link.is_symlink()


def test_the_database_of_db_is_protected_wherever_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "elsewhere" / "team.db"
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    data = tmp_path / "data"
    ok(capsys, "--data-dir", str(data), "--db", url, "demo", "--audits", "1", "--seed", "1")
    audit = ok(capsys, "--data-dir", str(data), "--db", url, "audits", "list").splitlines()[0]
    before = db.read_bytes()
    for command in _commands(audit.split()[0], str(db)):
        user_error(capsys, "--data-dir", str(data), "--db", url, *command)
    assert db.read_bytes() == before


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make and replace a device node")
def test_a_device_is_never_replaced(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, audit_id: str, tmp_path: Path
) -> None:
    # A private copy of /dev/full (char 1:7), so a failure here never harms the machine's own.
    device = tmp_path / "full"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    for command in _commands(audit_id, str(device)):
        line = user_error(capsys, "--data-dir", tmp_dir, *command)
        assert str(device) in line
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_only_a_regular_file_is_replaced(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, audit_id: str, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    for command in _commands(audit_id, str(fifo)):
        line = user_error(capsys, "--data-dir", tmp_dir, *command)
        assert "pipe.pdf" in line
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    # An ordinary file outside the data folder is still replaced, as asked.
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    ok(capsys, "--data-dir", tmp_dir, "report", audit_id, "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")
