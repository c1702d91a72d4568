"""What the parts of a comparison report share: the facts, the page, and how an audit
and an answer are written."""

from __future__ import annotations

import re
from functools import cached_property

from reportlab.lib.colors import Color
from reportlab.platypus import Paragraph, TableStyle

from shopper.domain.compare import AuditColumn, Cell, Change, Comparison, ItemRow
from shopper.domain.scoring import Outcome
from shopper.report.base import Report, colored
from shopper.report.charts import band_color, band_marks
from shopper.report.comparison.facts import ComparisonFacts
from shopper.report.document import PageInfo
from shopper.report.formats import local_day
from shopper.report.styles import ACCENT, BAD, GOOD, MUTED, RULE
from shopper.report.text import markup

PROMPT_LIMIT = 300
ANSWER_LIMIT = 60
NOTE_MARK = "✎"
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


def day(audit: AuditColumn) -> str:
    """The day an audit started, in its own zone: "2026-11-23"."""
    return local_day(audit.started_at, audit.started_tz)


def unmarked(cell: Cell) -> Cell:
    """The cell without its change marker (the lists say the change themselves)."""
    return Cell(cell.outcome, cell.value, cell.display, cell.note, cell.points, cell.max_points)


def list_style() -> TableStyle:
    """Entries listed in a table: flush left, a hairline between them."""
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


class ComparisonContext(Report[ComparisonFacts]):
    """What the parts of a comparison report share while it is laid out."""

    @property
    def comp(self) -> Comparison:
        """The audits lined up (`facts.comparison`)."""
        return self.facts.comparison

    @property
    def audits(self) -> tuple[AuditColumn, ...]:
        """The audits compared, oldest first: the item table's columns."""
        return self.comp.audits

    @property
    def rows(self) -> tuple[ItemRow, ...]:
        """The items, lined up across template versions."""
        return self.comp.rows

    @cached_property
    def numbers(self) -> dict[str, int]:
        """Item id -> its number in the item table."""
        return {row.item_id: n for n, row in enumerate(self.rows, start=1)}

    @cached_property
    def marks(self) -> list[float]:
        """The band limits drawn on the charts."""
        return band_marks(self.facts.bands)

    @cached_property
    def several_companies(self) -> bool:
        """Whether the audits are of more than one company."""
        return len(set(self.facts.companies)) > 1

    def audit_color(self, audit: AuditColumn) -> Color:
        return band_color(audit.percent, self.facts.bands, failed=audit.passed is False)

    def audit_label(self, index: int) -> str:
        """ "#3 (2026-11-23)": an audit by its column number and the day it started."""
        return f"#{index + 1} ({day(self.audits[index])})"

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

    def item_paragraph(self, row: ItemRow, style: str = "cell") -> Paragraph:
        """ "7  Did they greet you?": the item's number in the item table and its prompt."""
        prompt = self.text.user_markup(row.prompt, limit=PROMPT_LIMIT, flat=True)
        number = self.numbers[row.item_id]
        return Paragraph(f"<b>{number}</b>  {prompt}", getattr(self.sheet, style))

    def page_info(self) -> PageInfo:
        facts = self.facts
        return PageInfo(
            title=self.redact(f"Audit comparison: {facts.company} — {facts.touchpoint}"),
            header_left=self.redact(f"Audit comparison · {facts.company}"),
            header_right=f"{facts.touchpoint} · {day(self.audits[0])} – {day(self.audits[-1])}",
            subject=f"{len(self.audits)} audits compared",
        )
