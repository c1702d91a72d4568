"""The comparison report: repeated audits side by side, item by item.

Pages: a cover with the latest score and the figures; a summary with the
scores over time (band limits drawn in), the consistency figures explained in
one line each and the items that vary most; the audits compared; what was
fixed and what regressed (the latest audit against the one before, the first
against the last, and every pair of consecutive audits); the item-by-audit
table; and the shoppers' notes, item by item. The item table keeps its text
readable however many audits there are: the audits are split into groups of
columns, each group on pages of its own with the item column repeated, rather
than squeezed into one unreadable row.

The rules behind every figure are `shopper.domain.compare`'s (docs/scoring.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from shopper.domain.compare import (
    AuditColumn,
    Cell,
    Change,
    Comparison,
    ItemRow,
    classify_change,
)
from shopper.domain.scoring import Outcome
from shopper.domain.template import DEFAULT_BANDS, Band, touchpoint_label
from shopper.report.base import Report, colored, plural, table_style
from shopper.report.charts import band_color, band_limits, band_marks, percent_text
from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    PageInfo,
    ReportError,
    heading,
)
from shopper.report.formats import local_day
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.report.styles import ACCENT, BAD, GOOD, MUTED, RULE, SHADE
from shopper.report.text import markup
from shopper.report.timecharts import TrendPoint, trend_chart

MIN_AUDITS = 2
MIN_ITEM_COLUMN = 50 * mm
MIN_AUDIT_COLUMN = 20 * mm
"""Narrower than this, an answer like "Partly (0.5)" breaks into slivers."""
MAX_AUDIT_COLUMN = 34 * mm
PROMPT_LIMIT = 300
ANSWER_LIMIT = 60
NOTE_LIMIT = 400
"""A note beside a change is cut here; the notes part prints up to `FULL_NOTE_LIMIT`."""
FULL_NOTE_LIMIT = 3000
NOTE_MARK = "✎"
NAMES_LIMIT = 300
VARYING_LIMIT = 5
MIN_ROW_SPLIT = 30

OUTCOME_FILL: dict[Outcome, Color] = {
    Outcome.PASS: Color(0.90, 0.96, 0.90),
    Outcome.PARTIAL: Color(1.0, 0.95, 0.85),
    Outcome.FAIL: Color(0.99, 0.90, 0.90),
    Outcome.NA: Color(0.93, 0.94, 0.95),
}
CHANGE_COLORS: dict[Change, Color] = {
    Change.FIXED: GOOD,
    Change.REGRESSED: BAD,
    Change.CHANGED: MUTED,
}
_MUTED_OUTCOMES = (Outcome.HIDDEN, Outcome.UNANSWERED)
# A date-time answer as `format_answer` writes it: "2026-11-23 14:03 (Europe/Warsaw)".
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) \([\w/+-]+\)")


@dataclass(frozen=True)
class ComparisonFacts:
    """What the comparison report prints.

    Attributes:
        comparison: the audits lined up (`shopper.domain.compare.compare`).
        companies: the company of each audit, in the comparison's column order.
        touchpoints: the touchpoint of each audit, in the same order.
        available: how many audits matched, when only the newest were compared.
        bands: the score bands drawn on the trend chart (the newest template's).
    """

    comparison: Comparison
    companies: tuple[str, ...]
    touchpoints: tuple[str, ...]
    available: int | None = None
    bands: tuple[Band, ...] = DEFAULT_BANDS

    def __post_init__(self) -> None:
        count = len(self.comparison.audits)
        if len(self.companies) != count or len(self.touchpoints) != count:
            raise ValueError("one company and one touchpoint per audit compared")

    @property
    def company(self) -> str:
        """The company's name, or "3 companies" (plain text, not redacted)."""
        names = list(dict.fromkeys(self.companies))
        return names[0] if len(names) == 1 else f"{len(names)} companies"

    @property
    def touchpoint(self) -> str:
        kinds = list(dict.fromkeys(self.touchpoints))
        return touchpoint_label(kinds[0]) if len(kinds) == 1 else f"{len(kinds)} touchpoints"


def build_comparison_report(
    out: BinaryIO,
    facts: ComparisonFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the comparison report as a PDF to a binary file object.

    Args:
        out: where the PDF goes.
        facts: the audits compared.
        page_size: "a4" or "letter".
        redactor: masks e-mail addresses, phone numbers and names in every user text.
        generated: the time printed as "generated" (default: now).
        creator: the program and version, for the footer and the PDF metadata.
        contents_from_pages: reports this long get a table of contents.

    Returns:
        The number of pages.

    Raises:
        ReportError: fewer than two audits, or an unknown page size.
    """
    count = len(facts.comparison.audits)
    if count < MIN_AUDITS:
        raise ReportError(
            f"nothing to compare: a comparison needs at least {MIN_AUDITS} audits, "
            f"{'got one' if count == 1 else 'got none'}"
        )
    report = _ComparisonReport(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


def _day(audit: AuditColumn) -> str:
    return local_day(audit.started_at, audit.started_tz)


def column_groups(count: int, per_group: int) -> list[range]:
    """Audit columns split into as few groups of at most `per_group` as will do, as even
    as can be: 12 audits, 5 a page, are 4 + 4 + 4, not 5 + 5 + 2."""
    if count <= 0:
        return []
    groups = math.ceil(count / max(1, per_group))
    size = math.ceil(count / groups)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


@dataclass(frozen=True)
class _Move:
    """An item that moved between two audits."""

    number: int
    row: ItemRow
    before: Cell
    after: Cell
    change: Change


class _ComparisonReport(Report):
    """Makes the story of a comparison report; `story()` may be called once per layout pass."""

    def __init__(
        self,
        facts: ComparisonFacts,
        redactor: Redactor,
        *,
        page_size: str,
        generated: datetime | None,
    ) -> None:
        super().__init__(redactor, page_size=page_size, generated=generated)
        self.facts = facts
        self.comp = facts.comparison
        self.audits = self.comp.audits
        self.rows = self.comp.rows
        self.numbers = {row.item_id: n for n, row in enumerate(self.rows, start=1)}
        self.marks = band_marks(facts.bands)
        self.several_companies = len(set(facts.companies)) > 1

    # -- helpers -------------------------------------------------------------------

    def audit_color(self, audit: AuditColumn) -> Color:
        return band_color(audit.percent, self.facts.bands, failed=audit.passed is False)

    def audit_label(self, index: int) -> str:
        """ "#3 (2026-11-23)": an audit by its column number and the day it started."""
        return f"#{index + 1} ({_day(self.audits[index])})"

    def cell_markup(self, cell: Cell, *, narrow: bool = False) -> str:
        """An answer as the tables show it: the change marker, then the answer or why none.

        `narrow` is for the item table's columns: a date-time goes on two lines
        without its zone (the audit's own report has it), and a mark shows that
        the shopper wrote a note.
        """
        if cell.outcome is None or cell.outcome in _MUTED_OUTCOMES:
            text = colored(markup(cell.text), MUTED)
        elif narrow and (moment := _MOMENT.fullmatch(cell.display)):
            text = f"{markup(moment[1])}<br/>{markup(moment[2])}"
        else:
            text = self.text.user_markup(cell.display or "—", limit=ANSWER_LIMIT, flat=True)
        change = cell.change
        if change is not None and change.marker:
            color = CHANGE_COLORS.get(change, MUTED)
            text = f"{colored(change.marker, color)} {text}"
        if narrow and cell.note.strip():
            text += " " + colored(NOTE_MARK, ACCENT)
        return text

    # -- story ---------------------------------------------------------------------

    def page_info(self) -> PageInfo:
        facts = self.facts
        return PageInfo(
            title=self.redact(f"Audit comparison: {facts.company} — {facts.touchpoint}"),
            header_left=self.redact(f"Audit comparison · {facts.company}"),
            header_right=f"{facts.touchpoint} · {_day(self.audits[0])} – {_day(self.audits[-1])}",
            subject=f"{len(self.audits)} audits compared",
        )

    def story(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += self.cover()
        story += [NextPageTemplate("body"), PageBreak()]
        story += self.summary()
        story += [PageBreak(), ContentsSlot()]
        story += self.audits_part()
        story += self.changes_part()
        story += [PageBreak()]
        story += self.items_part()
        story += self.notes_part()
        return story

    # -- cover ---------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        facts, text = self.facts, self.text
        latest = self.audits[-1]
        story = self.cover_title(
            "AUDIT COMPARISON",
            facts.company,
            text.user(f"{facts.touchpoint} · {self.templates_text()}", "subtitle"),
        )
        count = len(self.audits)
        compared = plural(count, "audit")
        if facts.available is not None and facts.available > count:
            compared += f", the newest of {facts.available}"
        shoppers = ", ".join(dict.fromkeys(a.shopper.strip() or "—" for a in self.audits))
        rows = [
            ("Audits", text.ours(compared, "value")),
            ("Period", text.ours(f"{_day(self.audits[0])} – {_day(latest)}", "value")),
            ("Shoppers", text.user(shoppers, "value", limit=NAMES_LIMIT)),
        ]
        if self.several_companies:
            names = ", ".join(dict.fromkeys(facts.companies))
            rows.append(("Companies", text.user(names, "value", limit=NAMES_LIMIT)))
        rows += [
            ("Consistency", text.ours(self.consistency_text(), "value")),
            ("Score spread", text.ours(self.spread_text(), "value")),
            ("Trend", text.ours(self.trend_text(), "value")),
        ]
        story += self.cover_figures(
            latest.percent,
            "Latest: " + self.redact(latest.verdict),
            fill=self.audit_color(latest),
            rows=rows,
        )
        story.append(
            text.ours(
                "The next page shows the scores over time and what the figures mean; then "
                "the audits, what was fixed and what regressed, and every item audit by audit.",
                "muted",
            )
        )
        return story

    def templates_text(self) -> str:
        """ "Phone check, versions 1–3" or "Phone check v2, Store visit v1" (redacted)."""
        versions: dict[str, list[int]] = {}
        for audit in self.audits:
            found = versions.setdefault(audit.template_title, [])
            if audit.template_version not in found:
                found.append(audit.template_version)
        if len(versions) == 1:
            title, numbers = next(iter(versions.items()))
            numbers.sort()
            if len(numbers) == 1:
                shown = f"version {numbers[0]}"
            elif numbers == list(range(numbers[0], numbers[-1] + 1)):
                shown = f"versions {numbers[0]}–{numbers[-1]}"
            else:
                shown = "versions " + ", ".join(map(str, numbers))
            return self.redact(f"{title}, {shown}")
        parts = [f"{title} v{'/'.join(map(str, sorted(n)))}" for title, n in versions.items()]
        return self.redact(", ".join(parts))

    def consistency_text(self) -> str:
        index = self.comp.consistency
        return "—" if index is None else f"{index:.0f} / 100"

    def spread_text(self) -> str:
        spread = self.comp.spread
        if spread.stdev is None or spread.minimum is None or spread.maximum is None:
            return "—"
        return f"σ {spread.stdev:.1f} points, {spread.minimum:.0f}–{spread.maximum:.0f}%"

    def trend_text(self) -> str:
        trend = self.comp.trend
        if trend.slope_per_month is None or trend.direction is None:
            return "—"
        if trend.direction.value == "flat":
            return f"{trend.direction.arrow} flat ({trend.slope_per_month:+.1f} points a month)"
        return f"{trend.direction.arrow} {trend.slope_per_month:+.1f} points a month"

    # -- summary -------------------------------------------------------------------

    def summary(self) -> list[Flowable]:
        text = self.text
        story: list[Flowable] = [heading("Summary", 0)]
        story.append(heading("Scores over time", 1, contents=False))
        points = [
            TrendPoint(a.started_at, a.percent, self.audit_color(a))
            for a in self.audits
            if a.percent is not None
        ]
        if points:
            story.append(
                trend_chart(points, width=self.width, height=62 * mm, marks=self.marks, fit=True)
            )
            legend = "Each dot is an audit in the colour of its band; the dotted line is the trend."
            limits = band_limits(self.facts.bands, self.redact)
            if limits:
                legend += f" Dashed lines: {limits}."
            unscored = len(self.audits) - len(points)
            if unscored:
                legend += f" {plural(unscored, 'audit')} with no score yet left out."
            story.append(text.ours(legend, "muted"))
        else:
            story.append(text.ours("None of these audits has a score yet.", "muted"))
        story.append(heading("What the figures say", 1, contents=False))
        story.append(self.figures_table())
        story += self.varying_block()
        return story

    def figures_table(self) -> Table:
        text = self.text
        counts = self.comp.latest_changes
        since = (
            f"▲ {counts[Change.FIXED]} fixed · ▼ {counts[Change.REGRESSED]} regressed",
            f"Items whose outcome rose or fell from {self.audit_label(len(self.audits) - 2)} to "
            f"{self.audit_label(len(self.audits) - 1)}; {counts[Change.CHANGED]} more changed "
            f"answer, {counts[Change.UNCHANGED]} stayed the same.",
        )
        rows = [
            (
                "Consistency index",
                self.consistency_text(),
                "How often two audits give an item the same outcome, averaged over the items "
                "by weight. It measures sameness, not quality: an item failed every time is "
                "consistent.",
            ),
            (
                "Score spread",
                self.spread_text(),
                "How far apart the scores are: their standard deviation, then the lowest "
                "and the highest.",
            ),
            (
                "Trend",
                self.trend_text(),
                "The least-squares slope of the scores over time; within ±1 point a month "
                "it counts as flat.",
            ),
            ("Since the audit before", *since),
        ]
        data = [
            [text.ours(label, "label"), text.ours(value, "stat"), text.ours(why, "small")]
            for label, value, why in rows
        ]
        widths = [self.width * 0.2, self.width * 0.3, self.width * 0.5]
        table = Table(data, colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ]
            )
        )
        return table

    def varying_block(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Items that vary most", 1, contents=False)]
        varying = [row for row in self.rows if row.agreement is not None and row.agreement < 1]
        varying.sort(key=lambda r: (r.agreement, -r.weight, self.numbers[r.item_id]))
        if not varying:
            agreed = sum(1 for row in self.rows if row.agreement is not None)
            message = (
                "Every item scored in two or more audits got the same outcome each time."
                if agreed
                else "No item was scored in two or more of these audits."
            )
            return [*story, self.text.ours(message, "small")]
        entries: list[list[Any]] = []
        for row in varying[:VARYING_LIMIT]:
            counts = row.outcome_counts
            spread = ", ".join(
                f"{counts[o]} {o.value}" for o in (Outcome.PASS, Outcome.PARTIAL, Outcome.FAIL)
            )
            assert row.agreement is not None
            entries.append(
                [
                    self.text.ours(f"{row.agreement * 100:.0f}%", "cell_bold"),
                    [
                        self.item_paragraph(row, "cell"),
                        self.text.ours(f"Scored {spread}.", "muted"),
                    ],
                ]
            )
        table = Table(entries, colWidths=[16 * mm, self.width - 16 * mm])
        table.setStyle(_list_style())
        note = self.text.ours(
            "Agreement: how often two of these audits give the item the same outcome.", "muted"
        )
        return [*story, table, note]

    def item_paragraph(self, row: ItemRow, style: str = "cell") -> Paragraph:
        """ "7  Did they greet you?": the item's number in the item table and its prompt."""
        prompt = self.text.user_markup(row.prompt, limit=PROMPT_LIMIT, flat=True)
        number = self.numbers[row.item_id]
        return Paragraph(f"<b>{number}</b>  {prompt}", getattr(self.sheet, style))

    # -- audits --------------------------------------------------------------------

    def audits_part(self) -> list[Flowable]:
        text, sheet = self.text, self.sheet
        story: list[Flowable] = [
            heading("Audits", 0),
            text.ours(
                "The audits compared, oldest first; their numbers head the columns of the item "
                "table. Changes count the items fixed (▲) and regressed (▼) since the audit "
                "before.",
                "muted",
            ),
        ]
        labels = ["#", "Started", "Shopper"]
        if self.several_companies:
            labels.append("Company")
        labels += ["Template", "Score", "Verdict", "Changes"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in labels]]
        for index, audit in enumerate(self.audits):
            row: list[Any] = [
                text.ours(f"{index + 1}", "cell_bold"),
                text.ours(_day(audit), "cell"),
                text.user(audit.shopper or "—", "cell", limit=120, flat=True),
            ]
            if self.several_companies:
                row.append(text.user(self.facts.companies[index], "cell", limit=120, flat=True))
            score = Paragraph(
                colored(f"<b>{markup(percent_text(audit.percent))}</b>", self.audit_color(audit)),
                sheet.cell,
            )
            row += [
                text.user(
                    f"{audit.template_title} v{audit.template_version}",
                    "cell",
                    limit=120,
                    flat=True,
                ),
                score,
                text.user(audit.verdict, "cell", limit=60, flat=True),
                text.ours(self.changes_text(index), "cell"),
            ]
            data.append(row)
        w = self.width
        if self.several_companies:
            widths = [24.0, 21 * mm, w * 0.16, w * 0.15, w * 0.17, 14 * mm, w * 0.12]
        else:
            widths = [24.0, 21 * mm, w * 0.22, w * 0.23, 14 * mm, w * 0.14]
        widths.append(w - sum(widths))
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(table_style(head=True))
        story.append(table)
        return story

    def changes_text(self, index: int) -> str:
        if index == 0:
            return "—"
        counts = self.comp.pair_changes(index)
        return f"▲ {counts[Change.FIXED]}  ▼ {counts[Change.REGRESSED]}"

    # -- fixed and regressed -------------------------------------------------------

    def moves(self, before: int, after: int, *, pairwise: bool) -> list[_Move]:
        """Items fixed or regressed from audit `before` to audit `after`.

        With `pairwise` the changes recorded between consecutive audits are used;
        otherwise the two audits are compared directly (first against last).
        """
        found = []
        for number, row in enumerate(self.rows, start=1):
            a, b = row.cells[before], row.cells[after]
            change = (
                b.change if pairwise else classify_change(a.outcome, a.value, b.outcome, b.value)
            )
            if change in (Change.FIXED, Change.REGRESSED):
                found.append(_Move(number, row, a, b, change))
        return found

    def changes_part(self) -> list[Flowable]:
        text = self.text
        last = len(self.audits) - 1
        story: list[Flowable] = [
            CondPageBreak(70 * mm),
            heading("Fixed and regressed", 0, space_before=12 * mm),
            text.ours(
                "An item is fixed when its outcome rose (fail, partial, pass) and regressed "
                "when it fell. Items a template version lacks, and unscored ones, are not "
                "compared. Item numbers are those of the item table; notes are the later "
                "audit's.",
                "muted",
            ),
        ]
        story += self.pair_block(
            "Latest audit against the one before", last - 1, last, pairwise=True
        )
        if last > 1:
            story += self.pair_block("First audit against the last", 0, last, pairwise=False)
            story += self.pairs_table()
        return story

    def pair_block(self, title: str, before: int, after: int, *, pairwise: bool) -> list[Flowable]:
        text = self.text
        a, b = self.audits[before], self.audits[after]
        story: list[Flowable] = [
            CondPageBreak(50 * mm),
            heading(title, 1),
            text.user(
                f"{self.audit_label(before)}, {a.shopper or '—'}, {percent_text(a.percent)} → "
                f"{self.audit_label(after)}, {b.shopper or '—'}, {percent_text(b.percent)}",
                "small",
                limit=400,
                flat=True,
            ),
            Spacer(1, 2 * mm),
        ]
        moves = self.moves(before, after, pairwise=pairwise)
        if not moves:
            return [*story, text.ours("No item was fixed or regressed.", "small")]
        for change, label in ((Change.REGRESSED, "Regressed"), (Change.FIXED, "Fixed")):
            chosen = [m for m in moves if m.change is change]
            if chosen:
                story.append(heading(f"{label} ({len(chosen)})", 2))
                story.append(self.moves_table(chosen))
        return story

    def moves_table(self, moves: Sequence[_Move]) -> Table:
        text, sheet = self.text, self.sheet
        data: list[list[Any]] = []
        for move in moves:
            color = CHANGE_COLORS[move.change]
            before = self.cell_markup(_unmarked(move.before))
            after = self.cell_markup(_unmarked(move.after))
            content: list[Flowable] = [
                self.item_paragraph(move.row, "cell_bold"),
                Paragraph(f"{before}  →  {after}", sheet.small),
            ]
            if move.after.note.strip():
                content.append(text.user(move.after.note, "small", limit=NOTE_LIMIT))
            data.append(
                [
                    Paragraph(colored(move.change.marker, color), sheet.cell),
                    content,
                ]
            )
        table = Table(data, colWidths=[12.0, self.width - 12], splitInRow=MIN_ROW_SPLIT)
        table.setStyle(_list_style())
        return table

    def pairs_table(self) -> list[Flowable]:
        text, sheet = self.text, self.sheet
        story: list[Flowable] = [
            CondPageBreak(40 * mm),
            heading("Between consecutive audits", 1),
            text.ours(
                "Each audit against the one before it, with the numbers of the items that "
                "were fixed or regressed.",
                "muted",
            ),
        ]
        head = ["Audits", "Fixed ▲", "Regressed ▼", "Changed", "Same"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in head]]
        for index in range(1, len(self.audits)):
            counts = self.comp.pair_changes(index)
            fixed, regressed = [], []
            for number, row in enumerate(self.rows, start=1):
                change = row.cells[index].change
                if change is Change.FIXED:
                    fixed.append(number)
                elif change is Change.REGRESSED:
                    regressed.append(number)
            data.append(
                [
                    text.ours(f"#{index} → #{index + 1}\n{_day(self.audits[index])}", "cell"),
                    text.ours(_numbers(fixed), "cell"),
                    text.ours(_numbers(regressed), "cell"),
                    text.ours(str(counts[Change.CHANGED]), "cell_right"),
                    text.ours(str(counts[Change.UNCHANGED]), "cell_right"),
                ]
            )
        w = self.width
        widths = [26 * mm, (w - 26 * mm - 36 * mm) / 2, (w - 26 * mm - 36 * mm) / 2, 18 * mm]
        widths.append(w - sum(widths))
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
        table.setStyle(table_style(head=True))
        story.append(table)
        return story

    # -- the item table ------------------------------------------------------------

    def layout(self) -> tuple[float, float, list[range]]:
        """(item column width, audit column width, the groups of audit columns)."""
        room = self.width - MIN_ITEM_COLUMN
        groups = column_groups(len(self.audits), max(1, int(room // MIN_AUDIT_COLUMN)))
        widest = max(len(g) for g in groups)
        audit_w = min(MAX_AUDIT_COLUMN, room / widest)
        return self.width - audit_w * widest, audit_w, groups

    def items_part(self) -> list[Flowable]:
        text = self.text
        item_w, audit_w, groups = self.layout()
        split = len(groups) > 1
        intro = (
            "Every item (rows) in every audit (columns, oldest first), lined up by item across "
            "template versions. A marker shows how the answer moved since the audit to its left."
        )
        if split:
            intro += (
                f" The {len(self.audits)} audits are shown {len(groups[0])} or so at a time, "
                "each group on pages of its own with the items repeated."
            )
        story: list[Flowable] = [
            heading("Item by audit", 0),
            text.ours(intro, "muted"),
            Spacer(1, 1.5 * mm),
            self.legend(),
            Spacer(1, 3 * mm),
        ]
        if not self.rows:
            return [*story, text.ours("These audits have no items.", "body")]
        for number, group in enumerate(groups):
            if split:
                if number:
                    story.append(PageBreak())
                first, last = group[0] + 1, group[-1] + 1
                story.append(
                    heading(f"Audits {first}–{last} of {len(self.audits)}", 1, keep_with_next=False)
                )
            story.append(self.grid(group, item_w, audit_w))
        return story

    def legend(self) -> Table:
        sheet = self.sheet
        swatches = [
            (OUTCOME_FILL[Outcome.PASS], "pass"),
            (OUTCOME_FILL[Outcome.PARTIAL], "partial"),
            (OUTCOME_FILL[Outcome.FAIL], "fail"),
            (OUTCOME_FILL[Outcome.NA], "N/A"),
            (None, "not scored"),
        ]
        markers = (
            f"{colored('▲', GOOD)} fixed   "
            f"{colored('▼', BAD)} regressed   "
            f"{colored('●', MUTED)} changed   "
            f"{colored(NOTE_MARK, ACCENT)} a note (at the end)"
        )
        cells: list[Any] = []
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        for column, (fill, label) in enumerate(swatches):
            cells.append(Paragraph(markup(label), sheet.grid))
            if fill is not None:
                commands.append(("BACKGROUND", (column, 0), (column, 0), fill))
            else:
                commands.append(("BOX", (column, 0), (column, 0), 0.5, RULE))
        cells.append(Paragraph(markers, sheet.grid))
        widths = [19 * mm] * len(swatches)
        widths.append(self.width - sum(widths) - 2 * mm)
        table = Table([cells], colWidths=widths, hAlign="LEFT")
        commands.append(("LEFTPADDING", (-1, 0), (-1, 0), 8))
        table.setStyle(TableStyle(commands))
        return table

    def grid(self, group: range, item_w: float, audit_w: float) -> Table:
        """Items × the audits of one group; the header row repeats on every page."""
        text, sheet = self.text, self.sheet
        head: list[Any] = [Paragraph(markup("Item"), sheet.grid_head)]
        for index in group:
            audit = self.audits[index]
            head.append(
                Paragraph(
                    f"{markup(f'#{index + 1}')}<br/>{markup(_day(audit))}<br/>"
                    f"{markup(percent_text(audit.percent))}",
                    sheet.grid_head,
                )
            )
        data: list[list[Any]] = [head]
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LINEBEFORE", (1, 0), (-1, -1), 0.75, Color(1, 1, 1)),
        ]
        section: str | None = None
        for row in self.rows:
            if row.section != section:
                section = row.section
                r = len(data)
                data.append([text.user(section or "—", "grid_bold", limit=200, flat=True)])
                data[-1] += [""] * len(group)
                commands += [
                    ("SPAN", (0, r), (-1, r)),
                    ("BACKGROUND", (0, r), (-1, r), SHADE),
                ]
            r = len(data)
            item_cell: list[Flowable] = [self.item_paragraph(row, "grid")]
            if row.agreement is not None:
                item_cell.append(text.ours(f"agree {row.agreement * 100:.0f}%", "grid_muted"))
            cells: list[Any] = [item_cell]
            for offset, index in enumerate(group, start=1):
                cell = row.cells[index]
                cells.append(Paragraph(self.cell_markup(cell, narrow=True), sheet.grid))
                fill = OUTCOME_FILL.get(cell.outcome) if cell.outcome is not None else None
                if fill is not None:
                    commands.append(("BACKGROUND", (offset, r), (offset, r), fill))
            commands.append(("LINEBELOW", (0, r), (-1, r), 0.25, RULE))
            data.append(cells)
        widths = [item_w] + [audit_w] * len(group)
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        return table

    # -- notes -----------------------------------------------------------------------

    def notes_part(self) -> list[Flowable]:
        """Every note the shoppers wrote, item by item, oldest audit first."""
        noted = [row for row in self.rows if any(c.note.strip() for c in row.cells)]
        if not noted:
            return []
        text, sheet = self.text, self.sheet
        story: list[Flowable] = [
            PageBreak(),
            heading("Shoppers' notes", 0),
            text.ours(
                "What the shoppers wrote about each item, with their answer, oldest audit first "
                f"(marked {NOTE_MARK} in the item table).",
                "muted",
            ),
        ]
        for row in noted:
            prompt = self.text.user_markup(row.prompt, limit=PROMPT_LIMIT, flat=True)
            title = Paragraph(f"{self.numbers[row.item_id]}  {prompt}", sheet.h3)
            data: list[list[Any]] = []
            for index, cell in enumerate(row.cells):
                if not cell.note.strip():
                    continue
                audit = self.audits[index]
                data.append(
                    [
                        [
                            text.ours(self.audit_label(index), "cell_bold"),
                            text.user(audit.shopper or "—", "muted", limit=120, flat=True),
                        ],
                        [
                            Paragraph(self.cell_markup(_unmarked(cell)), sheet.small),
                            text.user(cell.note, "cell", limit=FULL_NOTE_LIMIT),
                        ],
                    ]
                )
            table = Table(data, colWidths=[34 * mm, self.width - 34 * mm], splitInRow=MIN_ROW_SPLIT)
            table.setStyle(_list_style())
            story += [CondPageBreak(30 * mm), Spacer(1, 2 * mm), title, table, Spacer(1, 2 * mm)]
        return story


def _unmarked(cell: Cell) -> Cell:
    """The cell without its change marker (the lists say the change themselves)."""
    return Cell(cell.outcome, cell.value, cell.display, cell.note, cell.points, cell.max_points)


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(map(str, numbers)) if numbers else "—"


def _list_style() -> TableStyle:
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
        ]
    )


__all__ = [
    "ComparisonFacts",
    "build_comparison_report",
    "column_groups",
]
