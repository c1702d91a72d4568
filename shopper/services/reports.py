"""Making PDF reports: gather the figures, lay them out, write the file atomically.

Three reports: one audit (`make_audit_report`), repeated audits compared
(`make_comparison_report`) and a company's journey across its touchpoints
(`make_journey_report`). The PDF is written to a temporary file beside the
target, flushed to disk and renamed over it, so the target is either the old
file or the whole new report, never half a PDF, even if the app is killed
mid-way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from shopper import __version__
from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.instruments import Instrument, Step
from shopper.domain.template import touchpoint_label
from shopper.domain.vocabulary import AuditStatus
from shopper.report.audit import (
    AuditFacts,
    EvidenceFact,
    InstrumentFacts,
    MomentFact,
    build_audit_report,
)
from shopper.report.comparison import MIN_AUDITS, ComparisonFacts, build_comparison_report
from shopper.report.document import ReportError, page_size_for
from shopper.report.facts import default_calendar
from shopper.report.findings import FindingsFacts, build_findings_report
from shopper.report.journey import (
    EventFacts,
    FindingFacts,
    JourneyFacts,
    MonthBar,
    ThemeFacts,
    ThemeItemFacts,
    TouchpointFacts,
    build_journey_report,
)
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.services.audits import AuditDetail, audit_history, load_audit
from shopper.services.companies import get_company
from shopper.services.compare import DEFAULT_LAST, CompareResult, compare_audit_ids, compare_pair
from shopper.services.evidence import EvidenceStore
from shopper.services.files import check_output, output_file
from shopper.services.findings import FindingsReport, findings_by_theme
from shopper.services.instruments import calendar_of
from shopper.services.journey import Journey, company_journey
from shopper.services.templates import get_template
from shopper.store.engine import error_line

Progress = Callable[[int, int], None]
_STEPS = 3


@dataclass(frozen=True)
class ReportResult:
    path: Path
    pages: int


def audit_facts(
    detail: AuditDetail, *, data_dir: Path | None = None, engine: Engine | None = None
) -> AuditFacts:
    """What the audit report prints, from an audit read in full.

    Args:
        detail: the audit.
        data_dir: the data folder, where evidence files are stored; without it
            the report lists the evidence but shows no images.
        engine: the database the audit was read from: on a team database the evidence
            files come from it (see `EvidenceStore`).
    """
    store = None if data_dir is None else EvidenceStore.for_engine(engine, data_dir)
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
            path=_printable(store, record.sha256, record.extension),
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
        shopper=detail.shopper_name,
        status=AuditStatus.label_of(audit.status),
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
        history=tuple(audit_history(detail)),
    )


def _calendar(detail: AuditDetail) -> BusinessCalendar:
    """The company's business hours; damaged hours fall back to the default ones, in its zone."""
    try:
        return calendar_of(detail.company)
    except (ValueError, TypeError, AttributeError):
        return replace(default_calendar(), zone=detail.company.timezone)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reading_database(make: Callable[_P, _R]) -> Callable[_P, _R]:
    """A report reads every fact before it writes a byte, so a database error (a lost
    connection to a team database, say) leaves no file: say it in one line."""

    @functools.wraps(make)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return make(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise StorageError(f"could not read the database: {error_line(exc)}") from exc

    return wrapper


@_reading_database
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
    language: str = "",
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
        language: the reader's language: the checklist's words in it where the
            template has them ("fr" or "French (fr)"; empty: the template's own).

    Returns:
        The file written and its page count.

    Raises:
        NotFoundError: no such audit.
        ReportError: unknown page size, or the file cannot be written.
        StorageError: the database could not be read (no file is written).
    """
    _refuse_early(page_size, out_path)
    report = (lambda done: progress(done, _STEPS)) if progress else (lambda _done: None)
    report(0)
    detail = load_audit(engine=engine, audit_id=audit_id)
    if language:
        detail = replace(detail, template=detail.template.in_language(language))
    facts = audit_facts(detail, data_dir=data_dir, engine=engine)
    report(1)
    result = _write_report(
        out_path, build_audit_report, facts, page_size, redactor_for(redact, redact_names)
    )
    report(_STEPS)
    return result


def _printable(store: EvidenceStore | None, sha256: str, extension: str) -> Path | None:
    """The file a report prints of a piece of evidence (see `EvidenceStore.printable`)."""
    return None if store is None else store.printable(sha256, extension)


def redactor_for(redact: bool, names: Sequence[str]) -> Redactor:
    """Masks e-mail addresses and phone numbers when asked, and the names given (any
    name turns it on); otherwise masks nothing."""
    chosen = tuple(n for n in names if n.strip())
    return Redactor.for_names(chosen) if redact or chosen else NO_REDACTION


def _staged(progress: Progress | None, stages: int) -> Callable[[int], Progress]:
    """Progress per stage on one scale: stage n of `stages` runs from n*100 to n*100 + 100."""

    def stage(index: int) -> Progress:
        def report(done: int, total: int) -> None:
            if progress is not None:
                share = 100 * done // total if total > 0 else 100
                progress(index * 100 + min(share, 100), stages * 100)

        return report

    return stage


# -- comparison -----------------------------------------------------------------------------


def comparison_facts(*, engine: Engine, result: CompareResult) -> ComparisonFacts:
    """What the comparison report prints; the bands are those of the latest audit's template."""
    metas = result.metas
    facts = ComparisonFacts(
        comparison=result.comparison,
        companies=tuple(m.company_name for m in metas),
        touchpoints=tuple(m.touchpoint for m in metas),
        available=result.available,
    )
    if not metas:
        return facts
    newest = metas[-1]
    template = get_template(
        engine=engine, template_id=newest.template_id, version=newest.template_version
    )
    return replace(facts, bands=template.bands)


@_reading_database
def make_comparison_report(
    *,
    engine: Engine,
    out_path: Path,
    audit_ids: Sequence[str] = (),
    company_id: str | None = None,
    touchpoint: str | None = None,
    last: int = DEFAULT_LAST,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: str = "a4",
    redact: bool = False,
    redact_names: Sequence[str] = (),
    progress: Progress | None = None,
) -> ReportResult:
    """Write the PDF comparing chosen audits, or a company's audits at one touchpoint.

    Give either `audit_ids` (full ids, two or more, any order) or `company_id` with
    `touchpoint` (its newest `last` completed audits there, started in [since, until)).

    Raises:
        ShopperError: both or neither chosen, or fewer than two audits to compare.
        NotFoundError: an audit or the company does not exist.
        ReportError: unknown page size, or the file cannot be written.
        StorageError: the database could not be read (no file is written).
    """
    _refuse_early(page_size, out_path)
    stage = _staged(progress, 2)
    stage(0)(0, 1)
    if audit_ids and company_id:
        raise ShopperError("compare either chosen audits or a company's audits, not both")
    if audit_ids:
        unique = list(dict.fromkeys(audit_ids))
        if len(unique) < MIN_AUDITS:
            raise ShopperError(
                f"a comparison needs at least {MIN_AUDITS} different audits, got {len(unique)}"
            )
        result = compare_audit_ids(engine=engine, audit_ids=unique)
    elif company_id and touchpoint:
        result = compare_pair(
            engine=engine,
            company_id=company_id,
            touchpoint=touchpoint,
            last=last,
            since=since,
            until=until,
        )
        found = len(result.comparison.audits)
        if found < MIN_AUDITS:
            have = "no completed audits" if found == 0 else "only one completed audit"
            raise ShopperError(
                f"{result.company_name} has {have} at {touchpoint_label(touchpoint)} in this "
                f"period; a comparison needs at least {MIN_AUDITS}"
            )
    else:
        raise ShopperError("choose the audits to compare, or a company and a touchpoint")
    facts = comparison_facts(engine=engine, result=result)
    stage(0)(1, 1)
    written = _write_report(
        out_path, build_comparison_report, facts, page_size, redactor_for(redact, redact_names)
    )
    stage(1)(1, 1)
    return written


# -- journey --------------------------------------------------------------------------------


def theme_facts(findings: FindingsReport) -> tuple[ThemeFacts, ...]:
    """The findings by theme as the reports print them (the journey's part, and their own)."""
    return tuple(
        ThemeFacts(
            theme=t.theme,
            failed=t.failed,
            moments=t.moments,
            scored=t.scored,
            audits=t.audits,
            months=tuple(MonthBar(m.month, m.failed, m.scored) for m in t.months),
            trend=t.trend,
            items=tuple(
                ThemeItemFacts(i.prompt, i.touchpoint, i.failed, i.scored) for i in t.items
            ),
            findings=tuple(
                FindingFacts(
                    kind=f.kind.value,
                    touchpoint=f.touchpoint,
                    at=f.at,
                    tz=f.at_tz,
                    prompt=f.prompt,
                    answer=f.answer,
                    note=f.note,
                    critical=f.critical,
                )
                for f in t.findings
            ),
        )
        for t in findings.themes
    )


def journey_facts(journey: Journey, findings: FindingsReport) -> JourneyFacts:
    """What the journey report prints, from a company's journey and its findings by theme."""
    touchpoints = tuple(
        TouchpointFacts(
            touchpoint=s.touchpoint,
            audits=s.audits,
            average=s.average,
            trend=s.trend,
            latest_percent=s.latest.score_percent if s.latest else None,
            latest_verdict=s.latest.verdict if s.latest else "",
            latest_passed=s.latest.passed if s.latest else None,
            latest_at=s.latest.started_at if s.latest else None,
            latest_tz=s.latest.started_tz if s.latest else "UTC",
        )
        for s in journey.touchpoints
    )
    themes = theme_facts(findings)
    return JourneyFacts(
        company=journey.company_name,
        audits=journey.audits,
        touchpoints=touchpoints,
        heat_themes=journey.heat_map.themes,
        heat=dict(journey.heat_map.cells),
        themes=themes,
        timeline=tuple(
            EventFacts(e.at, e.tz, e.touchpoint, e.kind, e.title, e.text, e.source)
            for e in journey.timeline
        ),
        since=journey.since,
        until=journey.until,
    )


@_reading_database
def make_journey_report(
    *,
    engine: Engine,
    company_id: str,
    out_path: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: str = "a4",
    redact: bool = False,
    redact_names: Sequence[str] = (),
    progress: Progress | None = None,
) -> ReportResult:
    """Write the PDF of a company's journey over its completed audits started in [since, until).

    Raises:
        NotFoundError: no such company.
        ShopperError: the company has no completed audits in the period.
        ReportError: unknown page size, or the file cannot be written.
        StorageError: the database could not be read (no file is written).
    """
    _refuse_early(page_size, out_path)
    stage = _staged(progress, 3)
    journey = company_journey(
        engine=engine, company_id=company_id, since=since, until=until, progress=stage(0)
    )
    if journey.audits == 0:
        raise ShopperError(
            f"{journey.company_name} has no completed audits in this period; "
            "a journey report needs at least one"
        )
    findings = findings_by_theme(
        engine=engine, company_id=company_id, since=since, until=until, progress=stage(1)
    )
    facts = journey_facts(journey, findings)
    result = _write_report(
        out_path, build_journey_report, facts, page_size, redactor_for(redact, redact_names)
    )
    stage(2)(1, 1)
    return result


def _refuse_early(page_size: str, out_path: Path) -> None:
    """Refuse a bad page size or a place the PDF may not go before any work is done."""
    page_size_for(page_size)
    try:
        check_output(out_path)
    except StorageError as exc:
        raise ReportError(str(exc)) from exc


def _write_report(
    out_path: Path, build: Callable[..., int], facts: Any, page_size: str, redactor: Redactor
) -> ReportResult:
    """Lay out one report with `build` and write it atomically where the user asked."""
    pages = write_atomically(
        out_path,
        lambda out: build(
            out, facts, page_size=page_size, redactor=redactor, creator=f"Shopper {__version__}"
        ),
    )
    return ReportResult(out_path, pages)


def write_atomically(path: Path, write: Callable[[BinaryIO], int]) -> int:
    """Run `write` on a temporary file beside `path`, then put it in place (owner-only,
    like every export; see `files.output_file`).

    Returns:
        What `write` returned.

    Raises:
        ReportError: the folder is missing or not writable, or the disk is full.
    """
    try:
        with output_file(path) as out:
            return write(out)
    except StorageError as exc:
        raise ReportError(str(exc)) from exc


# -- findings by theme -------------------------------------------------------------------------


@_reading_database
def make_findings_report(
    *,
    engine: Engine,
    out_path: Path,
    company_id: str | None = None,
    touchpoint: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: str = "a4",
    redact: bool = False,
    redact_names: Sequence[str] = (),
    progress: Progress | None = None,
) -> ReportResult:
    """Write the PDF of the findings by theme of the completed audits in the filter.

    Raises:
        NotFoundError: no such company.
        ShopperError: no completed audits in the filter.
        ReportError: unknown page size, or the file cannot be written.
        StorageError: the database could not be read (no file is written).
    """
    _refuse_early(page_size, out_path)
    stage = _staged(progress, 2)
    company = get_company(engine=engine, company_id=company_id).name if company_id else ""
    findings = findings_by_theme(
        engine=engine,
        company_id=company_id,
        touchpoint=touchpoint,
        since=since,
        until=until,
        progress=stage(0),
    )
    if findings.audits == 0:
        raise ShopperError("no completed audits in this filter; a findings report needs one")
    facts = FindingsFacts(
        scope=company or "All companies",
        touchpoint=touchpoint or "",
        audits=findings.audits,
        themes=theme_facts(findings),
        since=since,
        until=until,
    )
    result = _write_report(
        out_path, build_findings_report, facts, page_size, redactor_for(redact, redact_names)
    )
    stage(1)(1, 1)
    return result
