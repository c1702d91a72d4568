"""Backups: rotation on dates, when they are due, restoring, checking, and private files."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from shopper.domain.errors import ShopperError, StorageError
from shopper.services.backups import (
    AUTO_INTERVAL,
    Retention,
    auto_backup,
    backup_due,
    backups_to_keep,
    check_data,
    last_change,
    list_backups,
    make_backup,
    parse_backup_name,
    restore_backup,
    rotate,
)
from shopper.services.bundles import export_bundle
from shopper.services.context import AppContext
from shopper.services.evidence import evidence_path
from shopper.services.runner import AuditRunner
from shopper.store.integrity import DamagedDatabaseError
from tests.data_helpers import damage, integrity, new_counts_audit, png, scalar, snapshot

T0 = datetime(2025, 6, 30, 23, 0, tzinfo=UTC)


# -- rotation: a pure function on dates ----------------------------------------------


def test_keeps_the_newest_of_each_of_the_last_12_days() -> None:
    # Four backups a day for 20 days, every six hours.
    times = [T0 - timedelta(hours=6 * n) for n in range(80)]
    kept = backups_to_keep(times, Retention(daily=12, weekly=0, monthly=0, newest=0))
    assert len(kept) == 12
    days = sorted({t.date() for t in kept}, reverse=True)
    assert days == [date(2025, 6, 30) - timedelta(days=n) for n in range(12)]
    for moment in kept:
        assert moment == max(t for t in times if t.date() == moment.date())


def test_days_without_backups_do_not_count() -> None:
    times = [T0 - timedelta(days=3 * n) for n in range(20)]
    kept = backups_to_keep(times, Retention(daily=12, weekly=0, monthly=0, newest=0))
    assert kept == set(times[:12])


def test_keeps_10_weekly_and_9_monthly() -> None:
    times = [T0 - timedelta(days=n) for n in range(400)]  # one a day for 400 days
    weekly = backups_to_keep(times, Retention(daily=0, weekly=10, monthly=0, newest=0))
    assert len(weekly) == 10
    assert len({t.isocalendar()[:2] for t in weekly}) == 10
    assert all(t.weekday() == 6 or t == T0 for t in weekly)  # each week's newest: its Sunday
    monthly = backups_to_keep(times, Retention(daily=0, weekly=0, monthly=9, newest=0))
    assert sorted((t.year, t.month, t.day) for t in monthly) == [
        (2024, 10, 31),
        (2024, 11, 30),
        (2024, 12, 31),
        (2025, 1, 31),
        (2025, 2, 28),
        (2025, 3, 31),
        (2025, 4, 30),
        (2025, 5, 31),
        (2025, 6, 30),
    ]


def test_default_rotation_combines_the_rules() -> None:
    times = [T0 - timedelta(hours=12 * n) for n in range(2 * 400)]
    kept = backups_to_keep(times)
    daily = {t.date() for t in kept if T0 - t < timedelta(days=12)}
    assert len(daily) == 12
    assert T0 in kept
    assert T0 - timedelta(hours=12) in kept  # among the 3 newest, though the same day
    assert min(kept) >= T0 - timedelta(days=9 * 31)
    # No more than the rules allow: 12 days + 10 weeks + 9 months + 3 newest, overlapping.
    assert len(kept) <= 12 + 10 + 9 + 3
    assert backups_to_keep([]) == set()


def test_backup_due_only_after_a_change_and_30_minutes() -> None:
    now = T0
    assert backup_due(last_backup=None, last_change=now, now=now)
    assert not backup_due(last_backup=None, last_change=None, now=now)
    recent = now - timedelta(minutes=10)
    assert not backup_due(last_backup=recent, last_change=now, now=now)
    old = now - AUTO_INTERVAL
    assert backup_due(last_backup=old, last_change=now - timedelta(minutes=1), now=now)
    assert not backup_due(last_backup=old, last_change=old - timedelta(seconds=1), now=now)


def test_backup_names() -> None:
    made = parse_backup_name("shopper-20250630T230000Z-before-import.db")
    assert made == (T0, "before-import")
    assert parse_backup_name("shopper-20250630T230000Z.db") == (T0, "")
    for other in ("shopper.db", "set-aside-20250630T230000Z.db", "shopper-2025.db", "x.txt"):
        assert parse_backup_name(other) is None


# -- making, listing and rotating ----------------------------------------------------------


def test_make_backup_lists_and_rotates(ctx: AppContext, tmp_path: Path) -> None:
    new_counts_audit(ctx, tmp_path)
    folder = ctx.backups_dir
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    for day in range(30):
        make_backup(
            engine=ctx.engine, backups_dir=folder, reason="auto", now=start + timedelta(days=day)
        )
    backups = list_backups(folder)
    local_days = {b.made_at.astimezone().date() for b in backups}
    assert len(backups) == len(local_days)  # one a day survives per day
    assert len(backups) <= 12 + 10 + 9
    assert backups[0].made_at == start + timedelta(days=29)
    assert backups[0].reason == "auto"
    assert backups[0].label == "Automatic"
    assert all(integrity(b.path) == ["ok"] for b in backups[:3])
    (folder / "notes.txt").write_text("not a backup", encoding="utf-8")
    assert rotate(folder) == []
    assert (folder / "notes.txt").exists()


def test_two_backups_in_one_second_both_exist(ctx: AppContext) -> None:
    first = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual", now=T0)
    second = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual", now=T0)
    assert first.path != second.path
    assert second.reason == "manual-2"
    assert second.label == "Made by hand"


def test_auto_backup_waits_for_a_change_and_the_interval(ctx: AppContext, tmp_path: Path) -> None:
    new_counts_audit(ctx, tmp_path)
    changed = last_change(ctx.data_dir / "shopper.db")
    assert changed is not None
    now = changed + timedelta(seconds=5)
    first = auto_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, now=now)
    assert first is not None
    assert auto_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, now=now) is None
    later = now + AUTO_INTERVAL + timedelta(minutes=1)
    # Nothing changed since: no backup, however long it has been.
    assert auto_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, now=later) is None
    db = ctx.data_dir / "shopper.db"
    os.utime(db, (later.timestamp() - 30, later.timestamp() - 30))  # a write after the backup
    second = auto_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, now=later)
    assert second is not None
    assert [b.path for b in list_backups(ctx.backups_dir)] == [second.path, first.path]


# -- restoring -----------------------------------------------------------------------------


def test_restore_keeps_the_current_database_and_the_engine(ctx: AppContext, tmp_path: Path) -> None:
    audit_id = new_counts_audit(ctx, tmp_path)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    runner.set_answer("c1", 1)
    good = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
    runner.set_answer("c1", 2)
    db = ctx.data_dir / "shopper.db"
    result = restore_backup(data_dir=ctx.data_dir, db_path=db, source=good.path, engine=ctx.engine)
    assert result.engine is not None
    ctx.adopt(result.engine)
    # The context's engine now reads the restored file.
    assert AuditRunner(engine=ctx.engine, audit_id=audit_id).value("c1") == 1
    assert result.previous is not None
    assert "before-restore" in result.previous.name
    with ctx.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert scalar(result.previous, "SELECT value FROM answer WHERE item_id = 'c1'") == "2"


def test_restore_over_a_damaged_database_sets_it_aside_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    new_counts_audit(ctx, tmp_path)
    good = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
    ctx.close()
    db = folder / "shopper.db"
    damage(db)
    damaged = db.read_bytes()
    with pytest.raises(DamagedDatabaseError):
        AppContext.open(folder)
    result = restore_backup(data_dir=folder, db_path=db, source=good.path)
    assert result.previous is not None
    assert result.previous.name.startswith("set-aside-")
    assert result.previous.read_bytes() == damaged
    reopened = AppContext.open(folder)
    try:
        with reopened.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit")).scalar_one() == 1
    finally:
        reopened.close()
    assert [b.path for b in list_backups(folder / "backups")] == [good.path]


def test_unusable_backups_are_refused_and_nothing_changes(ctx: AppContext, tmp_path: Path) -> None:
    new_counts_audit(ctx, tmp_path)
    db = ctx.data_dir / "shopper.db"
    before = snapshot(ctx.data_dir)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all " * 100)
    with pytest.raises(StorageError, match=r"junk\.db: not a usable backup"):
        restore_backup(data_dir=ctx.data_dir, db_path=db, source=junk, engine=ctx.engine)
    broken = make_backup(engine=ctx.engine, backups_dir=tmp_path, reason="manual").path
    damage(broken)
    with pytest.raises(StorageError, match=r"not a usable backup|damaged"):
        restore_backup(data_dir=ctx.data_dir, db_path=db, source=broken, engine=ctx.engine)
    with pytest.raises(ShopperError, match="no such file"):
        restore_backup(
            data_dir=ctx.data_dir, db_path=db, source=tmp_path / "gone.db", engine=ctx.engine
        )
    with pytest.raises(ShopperError, match="the database itself"):
        restore_backup(data_dir=ctx.data_dir, db_path=db, source=db, engine=ctx.engine)
    assert snapshot(ctx.data_dir) == before


# -- checking --------------------------------------------------------------------------------


def test_check_data_finds_missing_and_altered_evidence(ctx: AppContext, tmp_path: Path) -> None:
    audit_id = new_counts_audit(ctx, tmp_path)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    first = runner.attach(data_dir=ctx.data_dir, data=png(1), filename="a.png", item_id="c1")
    second = runner.attach(data_dir=ctx.data_dir, data=png(2), filename="b.png", item_id="c2")
    db = ctx.data_dir / "shopper.db"
    report = check_data(data_dir=ctx.data_dir, db_path=db)
    assert report.ok
    assert report.evidence_ok == 2
    assert report.audits == 1
    evidence_path(ctx.data_dir, first.sha256, first.extension).unlink()
    altered = evidence_path(ctx.data_dir, second.sha256, second.extension)
    altered.write_bytes(altered.read_bytes() + b"tampered")
    report = check_data(data_dir=ctx.data_dir, db_path=db)
    assert not report.ok
    assert report.evidence_missing == [first.sha256]
    assert report.evidence_damaged == [second.sha256]
    assert "1 evidence files are missing" in report.fault()
    assert "1 evidence files are damaged" in report.fault()


def test_check_data_reports_a_damaged_database(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    for n in range(12):
        new_counts_audit(ctx, tmp_path, company=f"Company {n} " + "y" * 150)
    ctx.close()
    damage(folder / "shopper.db")
    before = snapshot(folder)
    report = check_data(data_dir=folder, db_path=folder / "shopper.db")
    assert not report.ok
    assert report.problems
    assert "the database is damaged" in report.fault()
    assert snapshot(folder) == before


# -- owner-only files ------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_evidence_backups_exports_and_log_are_owner_only(
    ctx: AppContext, tmp_path: Path
) -> None:
    from shopper.services.context import setup_logging

    audit_id = new_counts_audit(ctx, tmp_path)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    record = runner.attach(data_dir=ctx.data_dir, data=png(3), filename="a.png", item_id="c1")
    backup = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
    export = export_bundle(
        engine=ctx.engine,
        data_dir=ctx.data_dir,
        path=tmp_path / "out.shopper",
        audit_ids=[audit_id],
    )
    setup_logging(ctx.log_path)
    stored = evidence_path(ctx.data_dir, record.sha256, record.extension)
    for folder in (ctx.data_dir, ctx.evidence_dir, stored.parent, ctx.backups_dir):
        assert _mode(folder) == 0o700, folder
    for path in (ctx.data_dir / "shopper.db", stored, backup.path, export.path, ctx.log_path):
        assert _mode(path) == 0o600, path


def test_a_restore_that_cannot_be_upgraded_puts_the_database_back(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import backups
    from shopper.store.schema import MigrationError

    audit_id = new_counts_audit(ctx, tmp_path)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    runner.set_answer("c1", 1)
    old = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
    runner.set_answer("c1", 2)

    def failing(*_args: object, **_kwargs: object) -> None:
        raise MigrationError("the upgrade failed; it was left as it was")

    monkeypatch.setattr(backups, "prepare_schema", failing)
    db = ctx.data_dir / "shopper.db"
    with pytest.raises(MigrationError):
        restore_backup(data_dir=ctx.data_dir, db_path=db, source=old.path, engine=ctx.engine)
    assert AuditRunner(engine=ctx.engine, audit_id=audit_id).value("c1") == 2


def test_every_log_file_is_owner_only(tmp_path: Path) -> None:
    import logging.handlers

    from shopper.services.context import setup_logging

    log_path = tmp_path / "shopper.log"
    setup_logging(log_path)
    root = logging.getLogger()
    handler = next(h for h in root.handlers if getattr(h, "baseFilename", "") == str(log_path))
    try:
        logging.getLogger("shopper.test").info("before the rollover")
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()
        logging.getLogger("shopper.test").info("after the rollover")
        for path in (log_path, tmp_path / "shopper.log.1"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        root.removeHandler(handler)
        handler.close()
