"""Making PDF reports: read the audit, lay it out, write the file atomically.

The PDF is written to a temporary file beside the target, flushed to disk
and renamed over it, so the target is either the old file or the whole new
report, never half a PDF, even if the app is killed mid-way.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from shopper import __version__
from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.instruments import Instrument, Step
from shopper.report.audit import (
    AuditFacts,
    EvidenceFact,
    InstrumentFacts,
    MomentFact,
    build_audit_report,
)
from shopper.report.document import ReportError, page_size_for
from shopper.report.facts import default_calendar
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.services.audits import AuditDetail, load_audit
from shopper.services.evidence import evidence_path
from shopper.services.instruments import calendar_of
from shopper.store.tables import AuditStatus

Progress = Callable[[int, int], None]
_STEPS = 3


@dataclass(frozen=True)
class ReportResult:
    path: Path
    pages: int


def audit_facts(detail: AuditDetail, *, data_dir: Path | None = None) -> AuditFacts:
    """What the audit report prints, from an audit read in full.

    Args:
        detail: the audit.
        data_dir: the data folder, where evidence files are stored; without it
            the report lists the evidence but shows no images.
    """
    audit = detail.audit
    steps: dict[str, list[Step]] = {instrument: [] for instrument in Instrument}
    for event in detail.steps:
        if event.instrument in steps:
            steps[event.instrument].append(Step(event.id, event.kind, event.at, event.decoded()))
    attachments = tuple(
        EvidenceFact(
            id=record.id,
            kind=record.kind,
            filename=record.filename,
            size=record.size,
            sha256=record.sha256,
            path=(
                evidence_path(data_dir, record.sha256, record.extension)
                if data_dir is not None
                else None
            ),
            caption=record.caption,
            item_id=record.item_id,
            moment_id=record.moment_id,
            added_at=record.added_at,
            added_tz=record.added_tz,
        )
        for record in detail.evidence
    )
    return AuditFacts(
        audit_id=audit.id,
        company=detail.company.name,
        touchpoint=audit.touchpoint,
        shopper=audit.shopper,
        status=AuditStatus.LABELS.get(audit.status, audit.status),
        started_at=audit.started_at,
        started_tz=audit.started_tz,
        completed_at=audit.completed_at,
        completed_tz=audit.completed_tz,
        template=detail.template,
        answers=detail.values,
        notes={item_id: record.note for item_id, record in detail.answers.items()},
        moments=tuple(
            MomentFact(m.kind, m.at, m.tz, m.note, item_id=m.item_id, id=m.id)
            for m in detail.moments
        ),
        instruments=InstrumentFacts(
            phone=tuple(steps[Instrument.PHONE]),
            web=tuple(steps[Instrument.WEB]),
            email=tuple(steps[Instrument.EMAIL]),
            calendar=_calendar(detail),
        ),
        attachments=attachments,
    )


def _calendar(detail: AuditDetail) -> BusinessCalendar:
    """The company's business hours; damaged hours fall back to the default ones, in its zone."""
    try:
        return calendar_of(detail.company)
    except (ValueError, TypeError, AttributeError):
        return replace(default_calendar(), zone=detail.company.timezone)


def make_audit_report(
    *,
    engine: Engine,
    audit_id: str,
    out_path: Path,
    page_size: str = "a4",
    redact: bool = False,
    redact_names: Sequence[str] = (),
    data_dir: Path | None = None,
    progress: Progress | None = None,
) -> ReportResult:
    """Write the PDF report of one audit.

    Args:
        engine: the database.
        audit_id: the full id of the audit.
        out_path: the PDF to write; replaced atomically if it exists.
        page_size: "a4" or "letter".
        redact: mask e-mail addresses and phone numbers in every user text.
        redact_names: names to mask too; giving any turns redaction on.
        data_dir: the data folder, for evidence images.
        progress: called with (steps done, steps in all).

    Returns:
        The file written and its page count.

    Raises:
        NotFoundError: no such audit.
        ReportError: unknown page size, or the file cannot be written.
    """
    page_size_for(page_size)  # refuse a bad size before any work
    report = (lambda done: progress(done, _STEPS)) if progress else (lambda _done: None)
    report(0)
    detail = load_audit(engine=engine, audit_id=audit_id)
    facts = audit_facts(detail, data_dir=data_dir)
    report(1)
    names = tuple(n for n in redact_names if n.strip())
    redactor = Redactor.for_names(names) if redact or names else NO_REDACTION
    pages = write_atomically(
        out_path,
        lambda out: build_audit_report(
            out, facts, page_size=page_size, redactor=redactor, creator=f"Shopper {__version__}"
        ),
    )
    report(_STEPS)
    return ReportResult(out_path, pages)


def write_atomically(path: Path, write: Callable[[BinaryIO], int]) -> int:
    """Run `write` on a temporary file beside `path`, then put it in place.

    Returns:
        What `write` returned.

    Raises:
        ReportError: the folder is missing or not writable, or the disk is full.
    """
    folder = path.parent
    if path.is_dir():
        raise ReportError(f"{path} is a folder; give a file name for the PDF")
    if not folder.is_dir():
        raise ReportError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ReportError(f"cannot write in {folder}: {exc.strerror or exc}") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            result = write(out)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private; a report is meant to be shared like any document.
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _sync_folder(folder)
    return result


def _mode_for(path: Path) -> int:
    """The replaced file's permissions, or rw-r--r-- for a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
