"""Backups of the local database: when to make them, which to keep, restoring one, checking.

Backups are online copies (see `shopper.store.backup`) in the data folder's
`backups/`, named `shopper-YYYYMMDDTHHMMSSZ-REASON.db` in UTC. They are made
automatically at most every 30 minutes while something changed, and always
before a migration, an import and a restore. Rotation keeps the newest backup
of each of the last 12 days, 10 weeks and 9 months that have one, plus the
few newest whatever their age (so the backup made just before an import
survives the next automatic ones).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from shopper.domain.clock import now_utc
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.wording import count_of
from shopper.services.evidence import evidence_path, verify_stored
from shopper.services.files import check_output
from shopper.store import blobs, repo
from shopper.store import lock as process_lock
from shopper.store.backup import backup_to, install_copy
from shopper.store.engine import (
    create_db_engine,
    ensure_private_dir,
    error_line,
    session_scope,
    sqlite_path,
)
from shopper.store.integrity import (
    DamagedDatabaseError,
    check_file,
    clear_damage,
    problems,
    read_only,
)
from shopper.store.schema import (
    BASELINE,
    SHOPPER_TABLES,
    NewerDatabaseError,
    describe_foreign,
    foreign_objects,
    head_revision,
    known_revisions,
    prepare_schema,
)

AUTO_INTERVAL = timedelta(minutes=30)
_NAME = re.compile(r"^shopper-(\d{8}T\d{6}Z)(?:-([a-z0-9-]+))?\.db$")
_REASON = re.compile(r"^[a-z0-9-]{1,40}$")


@dataclass(frozen=True)
class Retention:
    daily: int = 12
    weekly: int = 10
    monthly: int = 9
    newest: int = 3


RETENTION = Retention()


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime
    """When the copy was started (UTC)."""
    reason: str
    size: int

    @property
    def label(self) -> str:
        """The reason in words: "Automatic", "Before import"..."""
        known = REASON_LABELS.get(self.reason.split("-")[0])
        return known or self.reason.replace("-", " ").capitalize() or "Backup"


REASON_LABELS = {
    "auto": "Automatic",
    "manual": "Made by hand",
}


# -- which backups to keep (pure) ---------------------------------------------------


def backups_to_keep(times: Iterable[datetime], retention: Retention = RETENTION) -> set[datetime]:
    """The backup times rotation keeps.

    For each of the last `daily` days that have a backup, the newest of that
    day; likewise for ISO weeks and calendar months; plus the `newest` few.
    Days, weeks and months are those of each datetime as given (pass local times).
    """
    ordered = sorted(set(times), reverse=True)
    keep = set(ordered[: retention.newest])
    buckets: tuple[tuple[int, Callable[[datetime], Hashable]], ...] = (
        (retention.daily, lambda t: t.date()),
        (retention.weekly, lambda t: t.isocalendar()[:2]),
        (retention.monthly, lambda t: (t.year, t.month)),
    )
    for count, bucket in buckets:
        seen: set[Hashable] = set()
        for moment in ordered:
            key = bucket(moment)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.add(key)
            keep.add(moment)
    return keep


def backup_due(
    *,
    last_backup: datetime | None,
    last_change: datetime | None,
    now: datetime,
    interval: timedelta = AUTO_INTERVAL,
) -> bool:
    """Whether an automatic backup is due: something changed since the last one, long enough ago."""
    if last_change is None:
        return False
    if last_backup is None:
        return True
    return last_change > last_backup and now - last_backup >= interval


# -- the backups folder -----------------------------------------------------------------


def parse_backup_name(name: str) -> tuple[datetime, str] | None:
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        made = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return made, match.group(2) or ""


def list_backups(backups_dir: Path) -> list[BackupInfo]:
    """The backups in the folder, newest first (other files are left alone)."""
    found = []
    try:
        entries = list(backups_dir.iterdir())
    except OSError:
        return []
    for path in entries:
        parsed = parse_backup_name(path.name)
        if parsed is None or not path.is_file():
            continue
        found.append(BackupInfo(path, parsed[0], parsed[1], path.stat().st_size))
    return sorted(found, key=lambda b: (b.made_at, b.path.name), reverse=True)


def rotate(backups_dir: Path, *, retention: Retention = RETENTION) -> list[Path]:
    """Delete the backups rotation does not keep (days in local time); returns them."""
    backups = list_backups(backups_dir)
    local = {b.path: b.made_at.astimezone() for b in backups}
    kept = backups_to_keep(local.values(), retention)
    removed = []
    for backup in backups:
        if local[backup.path] not in kept:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


def make_backup(
    *, engine: Engine, backups_dir: Path, reason: str, now: datetime | None = None
) -> BackupInfo:
    """Back the database up into the backups folder, then rotate.

    Raises:
        StorageError: the backup could not be made (the database is untouched).
    """
    if not _REASON.match(reason):
        raise ValueError(f"bad backup reason {reason!r}")
    ensure_private_dir(backups_dir)
    at = (now or now_utc()).astimezone(UTC).replace(microsecond=0)
    stem = f"shopper-{at:%Y%m%dT%H%M%SZ}-{reason}"
    target = backups_dir / f"{stem}.db"
    serial = 2
    while target.exists():
        target = backups_dir / f"{stem}-{serial}.db"
        serial += 1
    size = backup_to(engine, target)
    rotate(backups_dir)
    return BackupInfo(target, at, target.stem[len(f"shopper-{at:%Y%m%dT%H%M%SZ}-") :], size)


def backup_to_file(*, engine: Engine, target: Path) -> int:
    """A backup at a path the user chose (not rotated); returns its size.

    Raises:
        StorageError: the folder is missing or the copy failed.
    """
    target = check_output(target)
    if not target.parent.is_dir():
        raise StorageError(f"{target}: the folder {target.parent} does not exist")
    return backup_to(engine, target)


def last_change(db_path: Path) -> datetime | None:
    """When the database file (or its write-ahead log) was last written."""
    times = []
    for path in (db_path, Path(f"{db_path}-wal")):
        try:
            info = path.stat()
        except OSError:
            continue
        if info.st_size:
            times.append(info.st_mtime)
    return datetime.fromtimestamp(max(times), UTC) if times else None


def auto_backup(
    *, engine: Engine, backups_dir: Path, now: datetime | None = None
) -> BackupInfo | None:
    """Make a backup if one is due (see `backup_due`); None when not due or not SQLite."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        return None
    moment = now or now_utc()
    backups = list_backups(backups_dir)
    due = backup_due(
        last_backup=backups[0].made_at if backups else None,
        last_change=last_change(path),
        now=moment,
    )
    if not due:
        return None
    return make_backup(engine=engine, backups_dir=backups_dir, reason="auto", now=moment)


# -- restoring ------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    previous: Path | None
    """Where the database that was replaced is kept (a backup, or the file set aside)."""
    engine: Engine | None = None
    """The engine on the restored database, for the caller to adopt (when it gave one)."""


def check_backup_file(path: Path) -> None:
    """Refuse a file that is not a sound Shopper database this version can open.

    Raises:
        ShopperError: naming the file and what is wrong with it.
    """
    if not path.is_file():
        raise ShopperError(f"{path}: no such file")
    try:
        found = problems(path, full=True)
    except DamagedDatabaseError as exc:
        raise StorageError(f"{path.name}: not a usable backup ({exc.problem})") from exc
    if found:
        raise StorageError(f"{path.name}: the backup is damaged ({found[0]})")
    with read_only(path) as connection:
        try:
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
            revision = None
            if "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            if not SHOPPER_TABLES.issubset(tables):
                raise StorageError(f"{path.name}: not a Shopper database")
            if revision is not None and revision not in known_revisions():
                raise NewerDatabaseError(
                    f"{path.name}: made by a newer version of Shopper (schema revision "
                    f"{revision}; this version knows up to {head_revision()})"
                )
            found = foreign_objects(connection, revision or BASELINE)
        except sqlite3.Error as exc:
            raise StorageError(f"{path.name}: not a usable backup ({exc})") from exc
    if found:
        raise StorageError(f"{path.name}: {describe_foreign(found)}; it was not restored")


@contextmanager
def sole_use(db_path: Path) -> Iterator[None]:
    """Hold the database alone while it is replaced: refused, changing nothing, while another
    Shopper process has it open (it would go on writing into the file set aside)."""
    lock = process_lock.acquire(
        db_path, exclusive=True, why="restoring would replace the database under it"
    )
    try:
        yield
    finally:
        process_lock.release(lock, exclusive=True)


def restore_backup(
    *, data_dir: Path, db_path: Path, source: Path, engine: Engine | None = None
) -> RestoreResult:
    """Replace the database with a backup; the current one is kept first.

    With `engine` (the current database opens fine) it is backed up online first; the
    restored file (upgraded if it is older) then comes back with a fresh engine of its
    own in `RestoreResult.engine`, which the caller adopts: `engine` is disposed. Without
    it (the database is damaged, or from a newer Shopper) the current file is set aside in
    the backups folder byte for byte, and the caller opens the result.

    Raises:
        ShopperError: the backup is unusable; nothing was changed.
        StorageError: the current database could not be kept; nothing was changed (the
            caller's engine still works on it).
        DatabaseInUseError: another Shopper process has the database open; nothing changed.
    """
    with sole_use(db_path):
        return _restore(data_dir=data_dir, db_path=db_path, source=source, engine=engine)


def _restore(
    *, data_dir: Path, db_path: Path, source: Path, engine: Engine | None
) -> RestoreResult:
    from shopper.services.templates import sync_builtin_templates

    source = source.expanduser().resolve()
    if db_path.exists() and source == db_path.resolve():
        raise ShopperError(f"{source.name}: that is the database itself, not a backup")
    check_backup_file(source)
    backups_dir = data_dir / "backups"
    if engine is None:
        previous = set_aside(db_path, backups_dir)
        install_copy(source, db_path)
        clear_damage(data_dir)
        return RestoreResult(source, previous)
    kept = make_backup(engine=engine, backups_dir=backups_dir, reason="before-restore")
    engine.dispose()  # every connection closed: the file may be replaced
    install_copy(source, db_path)

    def before_migration(engine: Engine, revision: str) -> object:
        reason = f"before-migration-{revision.lower()}"
        return make_backup(engine=engine, backups_dir=backups_dir, reason=reason)

    fresh = create_db_engine(engine.url.render_as_string(hide_password=False))
    try:
        check_file(db_path)
        prepare_schema(fresh, backup=before_migration)
        sync_builtin_templates(engine=fresh)
    except BaseException:
        fresh.dispose()
        install_copy(kept.path, db_path)  # back to where we were
        raise
    clear_damage(data_dir)  # a sound database is in place
    return RestoreResult(source, kept.path, fresh)


def set_aside(db_path: Path, backups_dir: Path, now: datetime | None = None) -> Path | None:
    """Move a database that cannot be opened (and its WAL) into the backups folder, unchanged."""
    if not db_path.exists():
        return None
    ensure_private_dir(backups_dir)
    at = (now or now_utc()).astimezone(UTC)
    target = backups_dir / f"set-aside-{at:%Y%m%dT%H%M%SZ}.db"
    serial = 2
    while target.exists():
        target = backups_dir / f"set-aside-{at:%Y%m%dT%H%M%SZ}-{serial}.db"
        serial += 1
    try:
        for side in ("-wal", "-shm", "-journal"):
            companion = Path(f"{db_path}{side}")
            if companion.exists():
                companion.rename(Path(f"{target}{side}"))
        db_path.rename(target)
    except OSError as exc:
        raise StorageError(f"could not set {db_path.name} aside: {exc.strerror or exc}") from exc
    return target


# -- checking -----------------------------------------------------------------------------


@dataclass
class CheckReport:
    database: Path
    problems: list[str] = field(default_factory=list)
    broken_links: int = 0
    audits: int = 0
    evidence_ok: int = 0
    evidence_missing: list[str] = field(default_factory=list)
    evidence_damaged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.problems or self.broken_links or self.evidence_missing or self.evidence_damaged
        )

    def lines(self) -> list[str]:
        db = "ok" if not self.problems else f"DAMAGED ({self.problems[0]})"
        lines = [
            f"Database {self.database}: {db} (integrity_check), {count_of(self.audits, 'audit')}"
        ]
        if self.broken_links:
            lines.append(f"Rows pointing at missing rows: {self.broken_links}")
        lines.append(
            f"Evidence files: {self.evidence_ok} ok, {len(self.evidence_missing)} missing, "
            f"{len(self.evidence_damaged)} damaged"
        )
        return lines

    def fault(self) -> str:
        """One line saying what is wrong (for the command line's error)."""
        parts = []
        if self.problems:
            parts.append(f"the database is damaged ({self.problems[0]})")
        if self.broken_links:
            rows = "1 row points" if self.broken_links == 1 else f"{self.broken_links} rows point"
            parts.append(f"{rows} at missing rows")
        for label, names in (
            ("missing", self.evidence_missing),
            ("damaged", self.evidence_damaged),
        ):
            if names:
                shown = ", ".join(n[:12] for n in names[:3])
                more = "…" if len(names) > 3 else ""
                parts.append(f"{len(names)} evidence files are {label} ({shown}{more})")
        return "; ".join(parts)


def check_data(*, data_dir: Path, db_path: Path) -> CheckReport:
    """Check the database (full integrity check) and every evidence file's hash; changes nothing.

    Raises:
        StorageError: the database file is missing or unreadable.
    """
    if not db_path.is_file():
        raise StorageError(f"no database at {db_path}")
    report = CheckReport(db_path)
    try:
        report.problems = problems(db_path, full=True)
    except DamagedDatabaseError as exc:
        report.problems = [exc.problem]
        return report
    if report.problems:
        return report
    with read_only(db_path) as connection:
        try:
            report.broken_links = len(connection.execute("PRAGMA foreign_key_check").fetchall())
            report.audits = connection.execute("SELECT count(*) FROM audit").fetchone()[0]
            files = connection.execute("SELECT DISTINCT sha256, extension FROM evidence").fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"{db_path.name}: cannot read it ({exc})") from exc
    for sha256, extension in files:
        if verify_stored(data_dir, sha256, extension):
            report.evidence_ok += 1
        elif evidence_path(data_dir, sha256, extension).exists():
            report.evidence_damaged.append(sha256)
        else:
            report.evidence_missing.append(sha256)
    return report


@dataclass
class TeamCheckReport:
    """`shopper check` on a team database: the evidence bytes it keeps (`evidence_blob`),
    checked on the server, for the evidence this login may read."""

    database: str
    """The database and its server, as a person would name them (no password)."""
    audits: int = 0
    evidence: blobs.BlobCheck | None = None

    @property
    def ok(self) -> bool:
        found = self.evidence
        return found is None or not (found.missing or found.damaged or found.wrong_size)

    def lines(self) -> list[str]:
        lines = [f"Database {self.database} (team): {count_of(self.audits, 'audit')}"]
        if self.evidence is not None:
            found = self.evidence
            line = (
                f"Evidence in the database: {found.ok} ok, {len(found.missing)} missing, "
                f"{len(found.damaged)} damaged"
            )
            if found.wrong_size:
                line += f", {len(found.wrong_size)} of another size than recorded"
            lines.append(line)
        return lines

    def fault(self) -> str:
        """One line saying what is wrong (for the command line's error)."""
        found = self.evidence
        if found is None:
            return ""
        parts = []
        for names, what in (
            (found.missing, "without bytes in the team database"),
            (found.damaged, "whose stored bytes are not theirs (another sha256 or size)"),
            (found.wrong_size, "recorded with another size than their stored bytes"),
        ):
            if names:
                shown = ", ".join(n[:12] for n in names[:3])
                more = "…" if len(names) > 3 else ""
                parts.append(f"{count_of(len(names), 'evidence file')} {what} ({shown}{more})")
        if found.missing:
            parts.append(
                "run `shopper team upload-evidence` where they were attached, or import a "
                "bundle that carries them"
            )
        return "; ".join(parts)


def check_team_data(*, url: str) -> TeamCheckReport:
    """Check a team database's evidence bytes on the server: every evidence row's hash has
    its bytes, the bytes' sha256 is their key, their size is recorded truly; changes nothing.

    Raises:
        StorageError: the server cannot be reached or refused, or the database is not a
            Shopper database at the newest schema.
    """
    try:
        engine = create_db_engine(url)
    except Exception as exc:  # a malformed URL or an unknown driver
        raise StorageError(f"the database URL is not usable: {exc}") from exc
    where = engine.url.render_as_string(hide_password=True)
    name = f"{engine.url.database} on {engine.url.host or 'the local server'}"
    try:
        with engine.connect() as conn:
            if not blobs.has_blob_table(conn):
                raise StorageError(
                    f"{where} keeps no evidence bytes (not a Shopper database, or one before "
                    "schema revision 0002): run `shopper team init` first"
                )
        report = TeamCheckReport(name)
        with session_scope(engine) as session:
            report.audits = repo.count_audits(session=session)
            report.evidence = blobs.check_blobs(session=session)
        return report
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot check {where}: {error_line(exc)}") from exc
    finally:
        engine.dispose()
