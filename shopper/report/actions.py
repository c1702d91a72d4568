"""The action plan of one company as a PDF: its actions by theme, where each stands, and the
evidence of the audits that checked them since.

Every text someone typed (titles, details, owners, theme tags, item prompts) goes through
the report's `Writer`, so it prints exactly as typed and is redacted when asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)

from shopper.report.base import Report, colored, plural, table_style
from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    PageInfo,
    ReportError,
    heading,
)
from shopper.report.flowables import facts_table
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.report.styles import BAD, FAIR, GOOD, MUTED
from shopper.report.text import markup

TITLE_LIMIT = 500
DETAIL_LIMIT = 2000


@dataclass(frozen=True)
class CheckFact:
    """A later audit that scored the action's item."""

    audit: str
    """Its short id."""
    day: str
    shopper: str
    passed: bool


@dataclass(frozen=True)
class ActionFact:
    title: str
    detail: str
    theme: str
    """The theme's title as typed or known ("Speed", "No theme")."""
    state: str
    """fixed, still_failing, open, in_progress, done, wont_do."""
    verdict: str
    """Where it stands, in words: "fixed, verified by audit 1a2b3c4d on 2026-03-02"."""
    owner: str
    due: str
    overdue: bool
    made: str
    """The day it was made."""
    made_from: str
    """What it was made from: "Failed item: Was the shop clean? (store)", "Theme"."""
    checks: tuple[CheckFact, ...] = ()
    since: str = ""
    """For an action on a theme: the theme's figures since it was done (or made)."""


@dataclass(frozen=True)
class ActionPlanFacts:
    company: str
    actions: tuple[ActionFact, ...]
    """In the order printed: by theme, then as listed."""


_STATE_WORDS = {
    "fixed": "fixed, verified",
    "still_failing": "still failing",
    "open": "open",
    "in_progress": "in progress",
    "done": "done",
    "wont_do": "won't do",
}
_STATE_COLORS = {"fixed": GOOD, "still_failing": BAD, "open": FAIR, "in_progress": FAIR}


def build_action_plan(
    out: BinaryIO,
    facts: ActionPlanFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the action plan as a PDF to a binary file object; returns the page count.

    Raises:
        ReportError: the company has no actions, or an unknown page size.
    """
    if not facts.actions:
        raise ReportError(f"nothing to report: {facts.company!r} has no actions")
    report = _ActionPlan(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


class _ActionPlan(Report[ActionPlanFacts]):
    def page_info(self) -> PageInfo:
        return PageInfo(
            title=self.redact(f"Action plan: {self.facts.company}"),
            header_left=self.redact(f"Action plan · {self.facts.company}"),
            header_right=plural(len(self.facts.actions), "action"),
            subject="Actions and their verification by later audits",
        )

    def story(self) -> list[Flowable]:
        facts, text = self.facts, self.text
        actions = facts.actions
        count = {s: sum(a.state == s for a in actions) for s in _STATE_COLORS}
        story = self.cover_title(
            "ACTION PLAN",
            facts.company,
            text.ours(f"{plural(len(actions), 'action')} · by theme", "subtitle"),
        )
        rows: list[tuple[str, Flowable]] = [
            ("Fixed, verified", text.ours(f"{count['fixed']}", "value")),
            ("Still failing", text.ours(f"{count['still_failing']}", "value")),
            ("Open or in progress", text.ours(f"{count['open'] + count['in_progress']}", "value")),
            ("Overdue", text.ours(f"{sum(a.overdue for a in actions)}", "value")),
        ]
        story += [Spacer(1, 4 * mm), facts_table(rows, width=self.width, label_share=0.3)]
        story.append(Spacer(1, 4 * mm))
        story.append(
            text.ours(
                "An action on a checklist item is checked by every later audit of the same "
                "company and touchpoint: the newest decides. It is fixed when that audit "
                "passes the item, still failing (reopened) when it fails it again.",
                "muted",
            )
        )
        story += [Spacer(1, 6 * mm), self._overview()]
        story += [NextPageTemplate("body"), PageBreak(), ContentsSlot()]
        themes: dict[str, list[ActionFact]] = {}
        for action in actions:
            themes.setdefault(action.theme, []).append(action)
        for theme, group in themes.items():
            story.append(CondPageBreak(40 * mm))
            story.append(heading(f"{theme} — {plural(len(group), 'action')}", 0))
            for action in group:
                story += self._action(action)
        return story

    def _action(self, action: ActionFact) -> list[Flowable]:
        text, sheet = self.text, self.sheet
        color = _STATE_COLORS.get(action.state, MUTED)
        state = colored(markup(action.verdict), color)
        late = colored(" · overdue", BAD) if action.overdue else ""
        rows: list[tuple[str, Flowable]] = [
            ("Status", Paragraph(state + late, sheet.body)),
            ("Owner", text.user(action.owner or "—", "body", limit=200, flat=True)),
            ("Due", text.ours(action.due or "—", "body")),
            ("Made", text.ours(action.made, "body")),
            ("From", text.user(action.made_from, "body", limit=400)),
        ]
        if action.detail:
            rows.append(("Detail", text.user(action.detail, "body", limit=DETAIL_LIMIT)))
        if action.since:
            rows.append(("Evidence", text.ours(action.since, "body")))
        story: list[Flowable] = [
            CondPageBreak(30 * mm),
            text.user(action.title, "h3", limit=TITLE_LIMIT),
            facts_table(rows, width=self.width, label_share=0.16),
        ]
        if action.checks:
            story.append(Spacer(1, 2 * mm))
            story.append(self._checks(action))
        story.append(Spacer(1, 5 * mm))
        return story

    def _overview(self) -> Table:
        """Every action on one line, as printed after: theme, title, owner, due, status."""
        text, sheet = self.text, self.sheet
        head = ["Theme", "Action", "Owner", "Due", "Status"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.grid_head) for t in head]]
        for action in self.facts.actions:
            color = _STATE_COLORS.get(action.state, MUTED)
            late = colored(" · overdue", BAD) if action.overdue else ""
            state = colored(markup(_STATE_WORDS.get(action.state, "")), color) + late
            data.append(
                [
                    text.user(action.theme, "grid", limit=60, flat=True),
                    text.user(action.title, "grid_bold", limit=160, flat=True),
                    text.user(action.owner or "—", "grid", limit=60, flat=True),
                    text.ours(action.due or "—", "grid"),
                    Paragraph(state, sheet.grid),
                ]
            )
        fixed = [24 * mm, 28 * mm, 20 * mm, 34 * mm]
        widths = [fixed[0], self.width - sum(fixed), *fixed[1:]]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(table_style(head=True))
        return table

    def _checks(self, action: ActionFact) -> Table:
        text, sheet = self.text, self.sheet
        head = ["Re-audit", "Day", "Shopper", "The item"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.grid_head) for t in head]]
        for check in action.checks:
            result = colored("passed", GOOD) if check.passed else colored("failed", BAD)
            data.append(
                [
                    text.ours(check.audit, "grid"),
                    text.ours(check.day, "grid"),
                    text.user(check.shopper or "—", "grid", limit=80, flat=True),
                    Paragraph(result, sheet.grid),
                ]
            )
        widths = [28 * mm, 26 * mm, self.width - 28 * mm - 26 * mm - 30 * mm, 30 * mm]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(table_style(head=True))
        return table
