"""Audit bundles: `.shopper` files that carry audits and their evidence between machines.

The format is documented in docs/bundle-format.md. Export writes the file
atomically. Import checks the whole bundle before it changes anything, makes
a backup, then merges in ONE transaction: audits are matched by id; a newer
`updated_at` wins and replaces that audit's rows wholesale; the same bundle
imported twice changes nothing.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from shopper import __version__
from shopper.domain.clock import now_utc
from shopper.domain.errors import ShopperError, StorageError, TemplateError
from shopper.domain.template_loader import parse_template_text
from shopper.domain.vocabulary import AuditStatus
from shopper.services import bundle_actions, bundle_said_no
from shopper.services.backups import make_backup
from shopper.services.bundle_read import (
    PLAUSIBLE_AHEAD,
    BundleAudit,
    BundleContent,
    read_bundle,
)
from shopper.services.bundle_zip import FORMAT_NAME, FORMAT_VERSION, MANIFEST, BundleArchive
from shopper.services.evidence import (
    MAX_EVIDENCE_BYTES,
    EvidenceError,
    EvidenceStore,
    check_evidence,
    evidence_path,
    find_print_copy,
    store_print_copy,
    verify_stored,
    write_atomic,
)
from shopper.services.files import STAGING_PREFIX, output_file
from shopper.services.templates import (
    builtin_versions,
    record_follow_up,
    refuse_builtin_lookalike,
)
from shopper.store import blobs, exchange
from shopper.store.engine import ensure_private_dir, error_line, session_scope
from shopper.store.tables import (
    Company,
    TemplateVersion,
)

if TYPE_CHECKING:
    from shopper.services.context import AppContext


BUNDLE_SUFFIX = ".shopper"
AUDITS_PER_PART = 500
Progress = Callable[[int, int], None]


def _no_progress(_done: int, _total: int) -> None:
    return None


# -- export -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    audits: int
    companies: int
    evidence: int
    size: int


def export_bundle(
    *,
    engine: Engine,
    data_dir: Path,
    path: Path,
    audit_ids: Sequence[str],
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Write the audits, their companies, templates and evidence into a bundle at `path`.

    Raises:
        ShopperError: nothing to export, or an evidence file is missing or damaged.
        StorageError: the file could not be written (nothing is left under its name).
    """
    report = progress or _no_progress
    if not audit_ids:
        raise ShopperError("nothing to export: no audits were chosen")
    created = (now or now_utc()).astimezone(UTC)
    with session_scope(engine) as session:
        rows = exchange.read_audits(session=session, audit_ids=list(dict.fromkeys(audit_ids)))
        company_ids = sorted({r.audit["company_id"] for r in rows})
        companies = [session.get(Company, cid) for cid in company_ids]
        keys = sorted({(r.audit["template_id"], r.audit["template_version"]) for r in rows})
        templates = [session.get(TemplateVersion, key) for key in keys]
        actions = bundle_actions.actions_of(session=session, company_ids=company_ids)
        said_no = bundle_said_no.member(session, company_ids)
    evidence = sorted(
        {(e["sha256"], e["extension"]) for r in rows for e in r.children.get("evidence", [])}
    )
    store = EvidenceStore.for_engine(engine, data_dir)
    for sha256, extension in evidence:
        if not store.intact(sha256, extension):
            raise ShopperError(
                f"evidence file {sha256[:12]}….{extension} is missing or damaged in the data "
                "folder; run `shopper check`, then detach or re-attach it before exporting"
            )
    total = len(rows) + len(evidence)
    hashes: dict[str, dict[str, Any]] = {}
    stamp = created.timetuple()[:6]
    with output_file(path) as handle, zipfile.ZipFile(handle, "w") as archive:

        def add(name: str, data: bytes, *, deflate: bool = True) -> None:
            info = _member_info(name, stamp, deflate=deflate)
            archive.writestr(info, data)
            hashes[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

        add("companies.json", _dump({"companies": [_company_json(c) for c in companies if c]}))
        add("templates.json", _dump({"templates": [_template_json(t) for t in templates if t]}))
        if actions:
            actions_json = [bundle_actions.action_json(a) for a in actions]
            add(bundle_actions.MEMBER, _dump({"actions": actions_json}))
        add(bundle_said_no.MEMBER, _dump(said_no))
        for part, start in enumerate(range(0, len(rows), AUDITS_PER_PART), start=1):
            chunk = rows[start : start + AUDITS_PER_PART]
            add(f"audits/{part:04d}.json", _dump({"audits": [_audit_json(r) for r in chunk]}))
            report(start + len(chunk), total)
        done_files: set[str] = set()
        for index, (sha256, extension) in enumerate(evidence, start=1):
            if sha256 not in done_files:
                data = store.read(sha256, extension)
                add(f"evidence/{sha256}", data, deflate=False)
                done_files.add(sha256)
            report(len(rows) + index, total)
        manifest = {
            "format": FORMAT_NAME,
            "format_version": f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}",
            "app_version": __version__,
            "created_at": created.isoformat(),
            "audits": len(rows),
            "members": hashes,
        }
        archive.writestr(_member_info(MANIFEST, stamp), _dump(manifest))
    size = path.expanduser().stat().st_size
    return ExportResult(path, len(rows), len(companies), len(done_files), size)


def _member_info(name: str, stamp: tuple[int, ...], *, deflate: bool = True) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    info.external_attr = 0o100600 << 16  # a plain file, owner-only
    return info


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _company_json(company: Company) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "sector": company.sector,
        "timezone": company.timezone,
        "business_hours": company.hours(),
        "holidays": company.holiday_list(),
        "notes": company.notes,
        "created_at": _iso(company.created_at),
        "updated_at": _iso(company.updated_at),
    }


def _template_json(record: TemplateVersion) -> dict[str, Any]:
    return {
        "id": record.template_id,
        "version": record.version,
        "title": record.title,
        "touchpoint": record.touchpoint,
        "sha256": record.sha256,
        "builtin": record.builtin,
        "source": record.source,
    }


def _audit_json(rows: exchange.AuditRows) -> dict[str, Any]:
    a = rows.audit
    children = rows.children
    return {
        "id": a["id"],
        "company_id": a["company_id"],
        "template": {"id": a["template_id"], "version": a["template_version"]},
        "touchpoint": a["touchpoint"],
        "shopper": a["shopper"],
        "status": a["status"],
        "started_at": _iso(a["started_at"]),
        "started_tz": a["started_tz"],
        "completed_at": _iso(a["completed_at"]),
        "completed_tz": a["completed_tz"],
        "updated_at": _iso(a["updated_at"]),
        "current_item": a["current_item"],
        "answers": [
            {
                "item_id": r["item_id"],
                "value": None if r["value"] is None else json.loads(r["value"]),
                "note": r["note"],
                "answered_at": _iso(r["answered_at"]),
                "answered_tz": r["answered_tz"],
                "source": r["source"],
            }
            for r in sorted(children.get("answer", []), key=lambda r: r["item_id"])
        ],
        "events": [
            {k: _iso(v) if k == "at" else v for k, v in r.items() if k != "audit_id"}
            for r in sorted(children.get("audit_event", []), key=lambda r: (r["at"], r["id"]))
        ],
        "steps": [
            {
                "id": r["id"],
                "instrument": r["instrument"],
                "kind": r["kind"],
                "at": _iso(r["at"]),
                "tz": r["tz"],
                "data": json.loads(r["data"] or "{}"),
                "updated_at": _iso(r["updated_at"]),
            }
            for r in sorted(children.get("instrument_event", []), key=lambda r: (r["at"], r["id"]))
        ],
        "moments": [
            {
                k: _iso(v) if k in ("at", "updated_at") else v
                for k, v in r.items()
                if k != "audit_id"
            }
            for r in sorted(children.get("moment", []), key=lambda r: (r["at"], r["id"]))
        ],
        "evidence": [
            {k: _iso(v) if k == "added_at" else v for k, v in r.items() if k != "audit_id"}
            for r in sorted(children.get("evidence", []), key=lambda r: (r["added_at"], r["id"]))
        ],
    }


# -- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditLine:
    """An audit named in the import summary."""

    id: str
    company: str
    touchpoint: str
    started_at: datetime


@dataclass
class ImportSummary:
    bundle: str
    added: list[AuditLine] = field(default_factory=list)
    updated: list[AuditLine] = field(default_factory=list)
    """Audits that were here and are newer in the bundle: replaced by the bundle's."""
    unchanged: list[AuditLine] = field(default_factory=list)
    kept: list[AuditLine] = field(default_factory=list)
    """Audits that differ but whose copy here is newer: kept as they are."""
    completed_changed: list[AuditLine] = field(default_factory=list)
    """Audits completed here that the bundle changed (each reopened on the sender's side)."""
    companies_added: int = 0
    companies_updated: int = 0
    templates_added: int = 0
    evidence_added: int = 0
    actions_added: int = 0
    actions_updated: int = 0
    said_no: bundle_said_no.SaidNoMerge = field(default_factory=bundle_said_no.SaidNoMerge)
    backup: Path | None = None

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.updated
            or self.companies_added
            or self.companies_updated
            or self.templates_added
            or self.actions_added
            or self.actions_updated
            or self.said_no.changed
        )

    def headline(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
            + (f", {len(self.kept)} kept (newer here)" if self.kept else "")
        )

    def lines(self) -> list[str]:
        out = [f"Imported {self.bundle}: {self.headline()}."]
        if self.companies_added or self.companies_updated or self.templates_added:
            out.append(
                f"Companies: {self.companies_added} added, {self.companies_updated} updated; "
                f"templates: {self.templates_added} added; evidence files: {self.evidence_added}."
            )
        if self.actions_added or self.actions_updated:
            out.append(
                f"Actions: {self.actions_added} added, {self.actions_updated} updated"
                " (the bundle's edit is newer)."
            )
        if self.said_no.changed:
            out.append(self.said_no.line())
        for audit in self.updated:
            out.append(f"Updated (the bundle's edit is newer): {_describe(audit)}")
        for audit in self.completed_changed:
            out.append(f"A completed audit changed (reopened by its sender): {_describe(audit)}")
        for audit in self.kept:
            out.append(f"Kept (the edit here is newer): {_describe(audit)}")
        if self.backup is not None:
            out.append(f"A backup from just before the import: {self.backup}")
        return out


def _describe(audit: AuditLine) -> str:
    return f"{audit.id[:8]} {audit.company}, {audit.touchpoint}, {audit.started_at:%Y-%m-%d}"


def import_bundle(
    *,
    engine: Engine,
    data_dir: Path,
    path: Path,
    progress: Progress | None = None,
    backup: Callable[[], Path | None] | None = None,
) -> ImportSummary:
    """Check a bundle whole, then merge it in one transaction (a backup first).

    `backup` is called once the bundle has passed every check and something
    will change; it returns where the backup is.

    Raises:
        BundleError: the bundle is refused; nothing was changed.
        StorageError: the database or data folder cannot be written; nothing was changed.
    """
    with _collector_paused():
        return _import_bundle(
            engine=engine, data_dir=data_dir, path=path, progress=progress, backup=backup
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a bundle is imported.

    Reading a bundle makes hundreds of thousands of rows and values, all kept until the
    merge: the collector would walk them again and again as they are made (a quarter of an
    import's time). Reference counting frees what is let go as always; the collector runs
    as before once the import is done (if it was running: a paused one is left paused).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _import_bundle(
    *,
    engine: Engine,
    data_dir: Path,
    path: Path,
    progress: Progress | None,
    backup: Callable[[], Path | None] | None,
) -> ImportSummary:
    report = progress or _no_progress
    path = path.expanduser()
    with BundleArchive(path) as archive:
        content = read_bundle(archive, lambda d, t: report(40 * d // max(t, 1), 100))
        said_no = bundle_said_no.read(archive, set(content.companies), now_utc())
        content.actions = bundle_actions.read_actions(
            archive, now_utc() + PLAUSIBLE_AHEAD, content.companies
        )
        summary = ImportSummary(path.name)
        try:
            with session_scope(engine) as session:
                checked = _merge(session, archive, content, summary, dry_run=True)
                summary.said_no = bundle_said_no.merge(session, said_no, dry_run=True)
                without_bytes = _evidence_without_bytes(session, engine, content)
        except SQLAlchemyError as exc:
            raise StorageError(f"could not read the database: {_reason(exc)}") from exc
        if not summary.changed and not without_bytes:
            return summary
        needed = _evidence_needed(content, summary) | without_bytes
        ensure_private_dir(data_dir / "evidence")
        try:
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=data_dir))
        except OSError as exc:
            raise StorageError(f"cannot write in {data_dir}: {exc.strerror or exc}") from exc
        try:
            try:
                staged = _stage_evidence(archive, needed, staging, report)
            except OSError as exc:
                raise StorageError(
                    f"could not unpack the evidence files: {exc.strerror or exc}"
                ) from exc
            summary.backup = backup() if backup is not None else None
            created: list[Path] = []
            try:
                summary.evidence_added = _store_staged(data_dir, staged, created)
                final = ImportSummary(path.name, backup=summary.backup)
                final.evidence_added = summary.evidence_added
                try:
                    with session_scope(engine) as session:
                        _merge(session, archive, content, final, dry_run=False, checked=checked)
                        # Read again: a row that came here since is left as it is.
                        final.said_no = bundle_said_no.merge(session, said_no, dry_run=False)
                        store = EvidenceStore.for_engine(engine, data_dir)
                        for source, sha256, extension in staged:
                            store.keep_in_database(session, sha256, extension, source.read_bytes())
                except SQLAlchemyError as exc:
                    raise StorageError(f"could not save the import: {_reason(exc)}") from exc
            except BaseException:
                for stored in created:  # nothing refers to them: the merge never happened
                    stored.unlink(missing_ok=True)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report(100, 100)
    return final


def _evidence_without_bytes(
    session: Session, engine: Engine, content: BundleContent
) -> set[tuple[str, str, str]]:
    """On a team database, the bundle's evidence files whose bytes it lacks, whether or not
    their audits change: evidence attached before the bytes lived in the database (schema
    revision 0002) gets them from the bundle that carries them."""
    if not EvidenceStore.for_engine(engine, Path()).in_database:
        return set()
    lacking = {sha256 for sha256, _extension in blobs.missing_blobs(session=session)}
    if not lacking:
        return set()
    return {f for audit in content.audits for f in audit.evidence if f[0] in lacking}


def _evidence_needed(content: BundleContent, summary: ImportSummary) -> set[tuple[str, str, str]]:
    writing = {a.id for a in summary.added} | {a.id for a in summary.updated}
    return {
        f for audit in content.audits if audit.rows.audit["id"] in writing for f in audit.evidence
    }


def _stage_evidence(
    archive: BundleArchive,
    needed: set[tuple[str, str, str]],
    staging: Path,
    report: Progress,
) -> list[tuple[Path, str, str]]:
    """Copy and check each needed evidence file under our own names; (path, sha256, ext)."""
    staged: list[tuple[Path, str, str]] = []
    copies: dict[str, Path] = {}
    for index, (sha256, extension, kind) in enumerate(sorted(needed), start=1):
        target = copies.get(sha256)
        if target is None:
            target = staging / f"{index}"
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "wb") as out:
                digest = archive.copy_to(f"evidence/{sha256}", out, MAX_EVIDENCE_BYTES)
            if digest != sha256:
                raise archive.fail(f"the evidence file {sha256[:12]}… has other content")
            copies[sha256] = target
        try:
            checked = check_evidence(target.read_bytes(), f"evidence.{extension}")
        except EvidenceError as exc:
            raise archive.fail(f"evidence/{sha256[:12]}…: {exc}") from exc
        if checked.kind != kind:
            raise archive.fail(f"evidence/{sha256[:12]}… is {checked.kind}, not {kind}")
        if checked.print_copy is not None:
            copy = target.with_name(f"{target.name}.print")
            copy.write_bytes(checked.print_copy)
        staged.append((target, sha256, extension))
        report(40 + 50 * index // len(needed), 100)
    return staged


def _store_staged(data_dir: Path, staged: list[tuple[Path, str, str]], created: list[Path]) -> int:
    """Put the staged files in the evidence folder; `created` gets each file that is new."""
    added = 0
    try:
        for source, sha256, extension in staged:
            target = evidence_path(data_dir, sha256, extension)
            existed = target.exists()
            if existed and verify_stored(data_dir, sha256, extension):
                continue
            ensure_private_dir(target.parent)
            write_atomic(target, source.read_bytes())
            if not existed:
                created.append(target)
            added += 1
            copy = source.with_name(f"{source.name}.print")
            if copy.exists() and find_print_copy(data_dir, sha256) is None:
                store_print_copy(data_dir, sha256, copy.read_bytes())
                found = find_print_copy(data_dir, sha256)
                if found is not None:
                    created.append(found)
    except OSError as exc:
        raise StorageError(f"could not store evidence files: {exc.strerror or exc}") from exc
    return added


@dataclass(frozen=True)
class _Checked:
    """What the check pass found of the bundle's audits, for the write pass to take."""

    states: dict[str, exchange.StoredState]
    """The stored state of each of the bundle's audits that is here, when they were checked."""
    writing: list[tuple[BundleAudit, bool]]
    """The audits to write, each with whether it replaces the copy here."""
    lines: tuple[list[AuditLine], ...]
    """The summary's added, updated, unchanged, kept and completed-changed audits."""


def _merge(
    session: Session,
    archive: BundleArchive,
    content: BundleContent,
    summary: ImportSummary,
    *,
    dry_run: bool,
    checked: _Checked | None = None,
) -> _Checked:
    """Compare the bundle with the database, and (unless `dry_run`) write the differences.

    The write pass takes what the check pass found of the audits (`checked`) when every one
    of the bundle's audits is stored here as it was then (the same state read again, in the
    write's transaction); otherwise it compares and checks them all again. The templates,
    companies and actions, a few rows, are compared again either way.
    """
    builtin = builtin_versions(session=session) if content.templates else {}
    # The bundle's templates and companies stored here, in a statement per table (a
    # statement per template and company, through the ORM, was a twentieth of an import).
    hashes_here = exchange.stored_template_hashes(
        session=session, template_ids={template_id for template_id, _version in content.templates}
    )
    changed_here = exchange.stored_company_times(session=session, company_ids=content.companies)
    for key, record in content.templates.items():
        try:
            refuse_builtin_lookalike(
                session=session,
                template_id=key[0],
                sha256=record["sha256"],
                title=record["title"],
                name="templates.json",
                builtin=builtin,
            )
        except TemplateError as exc:
            raise archive.fail(str(exc)) from exc
        stored_hash = hashes_here.get(key)
        if stored_hash is None:
            summary.templates_added += 1
            if not dry_run:
                exchange.insert_rows(
                    session=session,
                    table="template_version",
                    rows=[record | {"added_at": now_utc()}],
                )
                record_follow_up(
                    session, parse_template_text(record["source"], name=f"{key[0]}@{key[1]}")
                )
        elif stored_hash != record["sha256"]:
            raise archive.fail(
                f"template {key[0][:8]} version {key[1]} ({record['title']}) is stored here "
                "with different content; the sender must give the changed template a new version"
            )
    for company_id, record in content.companies.items():
        changed = changed_here.get(company_id)
        if changed is None:
            summary.companies_added += 1
            if not dry_run:
                exchange.insert_rows(session=session, table="company", rows=[record])
        elif record["updated_at"] > changed:
            summary.companies_updated += 1
            if not dry_run:
                values = {k: v for k, v in record.items() if k not in ("id", "created_at")}
                exchange.update_company(session=session, company_id=company_id, values=values)
    summary.actions_added, summary.actions_updated = bundle_actions.merge_actions(
        session, archive, content.actions, dry_run=dry_run
    )
    ids = [a.rows.audit["id"] for a in content.audits]
    states = exchange.audit_states(session=session, audit_ids=ids)
    if checked is not None and checked.states == states:
        for kept, found in zip(_lines(summary), checked.lines, strict=True):
            kept.extend(found)
        writing = checked.writing
        # The ids of the audits' rows were checked against every other audit's: were one
        # taken since, the database's own key refuses the write (and nothing is written).
        _check_history(session, archive, [a for a, replace in writing if replace], states)
    else:
        writing = _compare(session, archive, content, summary, states)
    if not dry_run:
        _write_audits(session, writing, content.stored_times)
    return _Checked(states, writing, tuple(list(found) for found in _lines(summary)))


def _lines(summary: ImportSummary) -> tuple[list[AuditLine], ...]:
    return (
        summary.added,
        summary.updated,
        summary.unchanged,
        summary.kept,
        summary.completed_changed,
    )


def _compare(
    session: Session,
    archive: BundleArchive,
    content: BundleContent,
    summary: ImportSummary,
    states: dict[str, exchange.StoredState],
) -> list[tuple[BundleAudit, bool]]:
    """The audits to write (each with whether it replaces the copy here), named in the
    summary; refused if one would rewrite an audit's history or take another's rows."""
    names = {cid: r["name"] for cid, r in content.companies.items()}
    writing: list[tuple[BundleAudit, bool]] = []
    for audit in content.audits:
        row = audit.rows.audit
        line = AuditLine(row["id"], names[audit.company_id], row["touchpoint"], row["started_at"])
        here = states.get(row["id"])
        if here is None:
            summary.added.append(line)
            writing.append((audit, False))
        elif audit.updated_at > here.updated_at:
            summary.updated.append(line)
            writing.append((audit, True))
            if AuditStatus(here.status).finished_on_the_day:
                summary.completed_changed.append(line)
        elif audit.updated_at == here.updated_at:
            summary.unchanged.append(line)
        else:
            summary.kept.append(line)
    _check_history(session, archive, [a for a, replace in writing if replace], states)
    _check_clashes(session, archive, [a for a, _ in writing])
    return writing


def _write_audits(
    session: Session,
    writing: list[tuple[BundleAudit, bool]],
    stored_times: exchange.KnownTimes,
) -> None:
    # New audits go in as a few bulk statements; a newer copy replaces its audit's rows.
    exchange.insert_new_audits_direct(
        session=session,
        audits=[audit.rows for audit, replace in writing if not replace],
        known=stored_times,
    )
    for audit, replace in writing:
        if replace:
            exchange.insert_audit(session=session, rows=audit.rows, replace=True)


def _check_history(
    session: Session,
    archive: BundleArchive,
    replacing: list[BundleAudit],
    stored: dict[str, exchange.StoredState],
) -> None:
    """A newer copy may add to an audit's history, never rewrite it.

    It keeps every event recorded here, and a completed audit changes only with the
    reopening that made it editable again (an event after its completion here).
    """
    recorded = exchange.event_ids(
        session=session, audit_ids=[a.rows.audit["id"] for a in replacing]
    )
    for audit in replacing:
        audit_id = audit.rows.audit["id"]
        events = audit.rows.children.get("audit_event", [])
        dropped = recorded.get(audit_id, set()) - {e["id"] for e in events}
        if dropped:
            raise archive.fail(
                f"audit {audit_id[:8]}: the bundle's copy leaves out {len(dropped)} of the "
                "events recorded here; an audit's history is only ever added to"
            )
        here = stored[audit_id]
        if here.completed_at is None or not AuditStatus(here.status).finished_on_the_day:
            continue
        completed_at = here.completed_at
        reopened = any(e["kind"] == "reopened" and e["at"] >= completed_at for e in events)
        if here.status == AuditStatus.AWAITING_FOLLOW_UP and not reopened:
            # Awaiting follow-up, the copy may bring the follow-up, not another day.
            if audit.rows.audit.get("completed_at") != completed_at:
                raise archive.fail(
                    f"audit {audit_id[:8]} awaits follow-up here, and the bundle's copy was "
                    "completed at another time without reopening it; it was not imported"
                )
            continue
        if not reopened:
            raise archive.fail(
                f"audit {audit_id[:8]} is completed here, and the bundle changes it without "
                "reopening it (no reopening after its completion); it was not imported"
            )


def _check_clashes(session: Session, archive: BundleArchive, audits: list[BundleAudit]) -> None:
    """Refuse rows whose ids already belong to another audit here."""
    for table in ("audit_event", "instrument_event", "moment", "evidence"):
        wanted = {r["id"]: a.rows.audit["id"] for a in audits for r in a.rows.children[table]}
        owners = exchange.owners_of_direct(session=session, table=table, ids=wanted)
        for row_id, owner in owners.items():
            if owner != wanted[row_id]:
                raise archive.fail(
                    f"the {table.replace('_', ' ')} {row_id[:8]} of audit {wanted[row_id][:8]} "
                    f"belongs to another audit ({owner[:8]}) here"
                )


def _reason(exc: BaseException) -> str:
    return error_line(exc)


# -- choosing what to export ---------------------------------------------------------------


def audit_ids_for(
    *,
    engine: Engine,
    audit_ids: Sequence[str] = (),
    company_id: str | None = None,
    everything: bool = False,
) -> list[str]:
    """The ids of the chosen audits, a company's audits, or every audit."""
    if company_id is None and not everything:
        return list(dict.fromkeys(audit_ids))
    with session_scope(engine) as session:
        return exchange.audit_ids(session=session, company_id=company_id)


def default_bundle_name(label: str, at: datetime | None = None) -> str:
    """A file name like `shopper-acme-2025-06-01.shopper` (letters, digits and dashes)."""
    slug = re.sub(r"[\W_]+", "-", label.casefold()).strip("-")[:40] or "audits"
    return f"shopper-{slug}-{(at or now_utc()):%Y-%m-%d}{BUNDLE_SUFFIX}"


def is_bundle(path: Path) -> bool:
    return path.suffix.lower() == BUNDLE_SUFFIX


def import_into(ctx: AppContext, path: Path, progress: Progress | None = None) -> ImportSummary:
    """Import a bundle into the app's database, with a backup just before it changes anything."""

    def backup() -> Path | None:
        if ctx.db_path is None:
            return None
        return make_backup(
            engine=ctx.engine, backups_dir=ctx.backups_dir, reason="before-import"
        ).path

    return import_bundle(
        engine=ctx.engine, data_dir=ctx.data_dir, path=path, progress=progress, backup=backup
    )
