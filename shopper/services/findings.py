"""Findings grouped by theme across audits: what fails, how often, and whether it moves.

A finding is a failed item (outcome "fail": below half its points), a bad
moment or a friction point logged in a completed audit. A moment linked to an
item takes that item's theme; one linked to nothing falls under "No theme".
Every audit in the filter is scanned a page at
a time (`services.analysis`); the counts are exact, and each finding keeps the
audit and item it came from so the app can open it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Engine

from shopper.domain.answers import format_answer
from shopper.domain.compare import Trend, trend
from shopper.domain.scoring import Outcome
from shopper.domain.template import Item, Template
from shopper.domain.themes import NO_THEME, month_of, scored_items, theme_title
from shopper.services.analysis import Progress, ScoredAudit, scored_audits
from shopper.services.journey import theme_order
from shopper.store.analysis import MomentRow, Scope


class FindingKind(StrEnum):
    FAILED_ITEM = "failed_item"
    BAD_MOMENT = "bad"
    FRICTION = "friction"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    FindingKind.FAILED_ITEM: "Failed item",
    FindingKind.BAD_MOMENT: "Bad moment",
    FindingKind.FRICTION: "Friction point",
}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    theme: str
    audit_id: str
    template_id: str
    item_id: str | None
    """The item it is about; None for a moment linked to no item."""
    prompt: str
    section: str
    company_id: str
    company_name: str
    touchpoint: str
    started_at: datetime
    started_tz: str
    answer: str
    note: str
    critical: bool
    at: datetime
    """When it happened: the answer or the moment."""
    at_tz: str
    moment_id: str | None = None
    """For a bad moment or friction point: its id."""


@dataclass(frozen=True)
class MonthCount:
    month: date
    failed: int
    scored: int

    @property
    def rate(self) -> float | None:
        """Failed items per 100 scored items of the theme that month."""
        return 100.0 * self.failed / self.scored if self.scored else None


@dataclass(frozen=True)
class ItemCount:
    template_id: str
    item_id: str
    prompt: str
    touchpoint: str
    failed: int
    scored: int


@dataclass(frozen=True)
class ThemeFindings:
    theme: str
    failed: int
    """Failed items."""
    moments: int
    """Bad moments and friction points."""
    scored: int
    """Scored items (the denominator of the failure rate)."""
    audits: int
    """Audits with at least one finding in this theme."""
    months: tuple[MonthCount, ...]
    """Every month from the first to the last audit in view, gaps as zeros."""
    trend: Trend
    """Of the monthly failure rate: a rising line means the theme gets worse."""
    items: tuple[ItemCount, ...]
    """Items with at least one failure, most failures first."""
    findings: tuple[Finding, ...]
    """Newest first."""

    @property
    def title(self) -> str:
        return theme_title(self.theme)

    @property
    def total(self) -> int:
        return self.failed + self.moments

    @property
    def rate(self) -> float | None:
        return 100.0 * self.failed / self.scored if self.scored else None


@dataclass(frozen=True)
class FindingsReport:
    scope: Scope
    audits: int
    themes: tuple[ThemeFindings, ...]
    """Most findings first."""

    @property
    def total(self) -> int:
        return sum(t.total for t in self.themes)


@dataclass
class _ThemeAcc:
    failed: int = 0
    moments: int = 0
    scored: int = 0
    audits: set[str] = field(default_factory=set)
    months: dict[date, list[int]] = field(default_factory=dict)
    items: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    prompts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def findings_by_theme(
    *,
    engine: Engine,
    company_id: str | None = None,
    touchpoint: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
) -> FindingsReport:
    """Failed items of the completed audits in the filter, grouped by theme."""
    scope = Scope(company_id=company_id, touchpoint=touchpoint, since=since, until=until)
    themes: dict[str, _ThemeAcc] = {}
    all_months: set[date] = set()
    section_cache: dict[tuple[str, int], dict[str, str]] = {}
    audits = 0
    for audit in scored_audits(engine=engine, scope=scope, progress=progress):
        audits += 1
        meta = audit.meta
        month = month_of(meta.started_at, meta.started_tz)
        all_months.add(month)
        critical = set(audit.score.critical_failures)
        sections = _section_titles(audit.template, cache=section_cache)
        for item, outcome in scored_items(audit.template, audit.score):
            acc = themes.setdefault(item.theme, _ThemeAcc())
            key = (meta.template_id, item.id)
            acc.scored += 1
            acc.months.setdefault(month, [0, 0])[1] += 1
            counts = acc.items.setdefault(key, [0, 0])
            counts[1] += 1
            acc.prompts[key] = (item.prompt, meta.touchpoint)  # the newest wording wins
            if outcome is not Outcome.FAIL:
                continue
            acc.failed += 1
            acc.audits.add(meta.id)
            acc.months[month][0] += 1
            counts[0] += 1
            answer = audit.answers.get(item.id)
            acc.findings.append(
                Finding(
                    kind=FindingKind.FAILED_ITEM,
                    theme=item.theme,
                    audit_id=meta.id,
                    template_id=meta.template_id,
                    item_id=item.id,
                    prompt=item.prompt,
                    section=sections[item.id],
                    company_id=meta.company_id,
                    company_name=meta.company_name,
                    touchpoint=meta.touchpoint,
                    started_at=meta.started_at,
                    started_tz=meta.started_tz,
                    answer=format_answer(item, answer.value if answer else None),
                    note=answer.note if answer else "",
                    critical=item.id in critical,
                    at=answer.answered_at if answer else meta.started_at,
                    at_tz=answer.answered_tz if answer else meta.started_tz,
                )
            )
        for moment in audit.moments:
            if moment.kind not in (FindingKind.BAD_MOMENT, FindingKind.FRICTION):
                continue
            linked = _linked_item(audit, moment)
            theme = linked.theme if linked else NO_THEME
            acc = themes.setdefault(theme, _ThemeAcc())
            acc.moments += 1
            acc.audits.add(meta.id)
            acc.findings.append(
                Finding(
                    kind=FindingKind(moment.kind),
                    theme=theme,
                    audit_id=meta.id,
                    template_id=meta.template_id,
                    item_id=linked.id if linked else None,
                    prompt=linked.prompt if linked else "",
                    section=sections[linked.id] if linked else "",
                    company_id=meta.company_id,
                    company_name=meta.company_name,
                    touchpoint=meta.touchpoint,
                    started_at=meta.started_at,
                    started_tz=meta.started_tz,
                    answer="",
                    note=moment.note,
                    critical=False,
                    at=moment.at,
                    at_tz=moment.tz,
                    moment_id=moment.id,
                )
            )
    span = _month_span(all_months)
    summaries = [
        _summary(theme, acc, span) for theme, acc in themes.items() if acc.failed or acc.moments
    ]
    summaries.sort(key=lambda t: (-t.total, theme_order(t.theme)))
    return FindingsReport(scope=scope, audits=audits, themes=tuple(summaries))


def _section_titles(
    template: Template, *, cache: dict[tuple[str, int], dict[str, str]]
) -> dict[str, str]:
    """Item id -> its section's title, worked out once per template version."""
    key = (template.id, template.version)
    if key not in cache:
        cache[key] = {item.id: s.title for s in template.sections for item in s.items}
    return cache[key]


def _linked_item(audit: ScoredAudit, moment: MomentRow) -> Item | None:
    """The item a moment is linked to, if its audit's template has it."""
    if moment.item_id is None or not audit.template.has_item(moment.item_id):
        return None
    return audit.template.item(moment.item_id)


def _month_span(months: set[date]) -> list[date]:
    if not months:
        return []
    first, last = min(months), max(months)
    span = []
    current = first
    while current <= last:
        span.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return span


def _summary(theme: str, acc: _ThemeAcc, span: list[date]) -> ThemeFindings:
    months = tuple(MonthCount(m, *acc.months.get(m, (0, 0))) for m in span)
    rates = []
    for m in months:
        if m.rate is not None:
            rates.append((datetime(m.month.year, m.month.month, 1, tzinfo=UTC), m.rate))
    items = [
        ItemCount(key[0], key[1], *acc.prompts[key], failed, scored)
        for key, (failed, scored) in acc.items.items()
        if failed
    ]
    items.sort(key=lambda i: (-i.failed, i.prompt))
    findings = sorted(acc.findings, key=lambda f: (f.at, f.audit_id), reverse=True)
    return ThemeFindings(
        theme=theme,
        failed=acc.failed,
        moments=acc.moments,
        scored=acc.scored,
        audits=len(acc.audits),
        months=months,
        trend=trend(rates),
        items=tuple(items),
        findings=tuple(findings),
    )
