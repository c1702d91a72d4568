"""The audit report: one audit, findings first, then the whole checklist.

Pages: a cover with the verdict; a summary on page 2 that tells a reader
what to fix (section scores as a chart, critical failures, top findings,
best moments); a table of contents when the report is long; the findings,
each with its note and evidence beside it; the parts of the instruments the
audit used (the call drawn as a tree, the website path, the e-mail exchange,
the moments; see `instruments`); the full checklist; for notes too long for a
table cell, the notes in full; and an appendix of every evidence file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepInFrame,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from shopper.domain.answers import format_answer
from shopper.domain.history import AUDIT_WORDS, HistoryEntry, HistoryKind
from shopper.domain.scoring import AuditScore, ItemScore, Outcome, score_audit
from shopper.domain.template import Item, ItemType, Section, Template, touchpoint_label
from shopper.report.appendix import appendix_part, number_evidence
from shopper.report.base import Command, Report, plural, table_style
from shopper.report.charts import BarRow, band_color, bar_chart, percent_text, score_ring
from shopper.report.context import ReportContext
from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    PageInfo,
    heading,
)
from shopper.report.facts import (
    AuditFacts,
    EvidenceFact,
    InstrumentFacts,
    MomentFact,
)
from shopper.report.flowables import EvidenceImage, facts_table, thumbnails
from shopper.report.formats import local_time
from shopper.report.images import PreparedImages
from shopper.report.instruments import instrument_parts
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.report.styles import BAD, FAIR, MUTED
from shopper.report.text import clip, markup, one_line

TABLE_TEXT_LIMIT = 1200
"""Notes and answers longer than this print clipped in tables and in full at the end."""
FINDING_NOTE_LIMIT = 1500
SUMMARY_LIMIT = 5
BEST_LIMIT = 3
SHRINK_SUMMARY_UP_TO = 16
"""A summary with at most this many bars is shrunk, if need be, to stay on page 2."""
THUMB_WIDTH = 52 * mm
THUMB_HEIGHT = 40 * mm
THUMBS_PER_FINDING = 4
# A row taller than what is left of a page may split, but not into slivers.
MIN_ROW_SPLIT = 36

_NUMERIC = (ItemType.RATING, ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION, ItemType.DATETIME)
_OUTCOME_FILL = {
    Outcome.PASS: Color(0.90, 0.96, 0.90),
    Outcome.PARTIAL: Color(1.0, 0.95, 0.85),
    Outcome.FAIL: Color(0.99, 0.90, 0.90),
}


@dataclass(frozen=True)
class _Row:
    """One visible item with everything the report says about it."""

    number: str
    section: Section
    item: Item
    value: Any
    note: str
    score: ItemScore

    @property
    def lost(self) -> float:
        return self.score.max_points - self.score.points

    @property
    def is_finding(self) -> bool:
        return self.score.outcome in (Outcome.FAIL, Outcome.PARTIAL)


def build_audit_report(
    out: BinaryIO,
    facts: AuditFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the audit report as a PDF to a binary file object.

    Args:
        out: where the PDF goes.
        facts: the audit.
        page_size: "a4" or "letter".
        redactor: masks e-mail addresses, phone numbers and names in every user text.
        generated: the time printed as "generated" (default: now).
        creator: the program and version, for the footer and the PDF metadata.
        contents_from_pages: reports this long get a table of contents.

    Returns:
        The number of pages.

    Raises:
        ReportError: unknown page size.
    """
    report = _AuditReport(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


def _local(moment: datetime | None, zone: str | None, *, with_zone: bool = True) -> str:
    """A moment in the zone it was taken in: "2026-11-23 14:03 (Europe/Warsaw)"."""
    return local_time(moment, zone, with_zone=with_zone)


def _points_of(points: float, max_points: float) -> str:
    """ "2 of 3 points", "0 of 1 point": the noun agrees with the most there is."""
    return f"{_num(points)} of {_num(max_points)} point{'' if max_points == 1 else 's'}"


def _num(value: float) -> str:
    """Points as people write them: 3, 2.5, 0.24."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _points(score: ItemScore) -> str:
    if score.outcome is Outcome.NA:
        return "N/A"
    if score.outcome in (Outcome.UNANSWERED, Outcome.HIDDEN):
        return "—"
    if not score.counted:
        return ""
    return f"{_num(score.points)} / {_num(score.max_points)}"


class _AuditReport(Report[AuditFacts]):
    """Makes the story of one audit report; `story()` may be called once per layout pass."""

    def __init__(
        self,
        facts: AuditFacts,
        redactor: Redactor,
        *,
        page_size: str,
        generated: datetime | None,
    ) -> None:
        super().__init__(facts, redactor, page_size=page_size, generated=generated)
        self.template: Template = facts.template
        self.score: AuditScore = score_audit(self.template, facts.answers)
        self.rows = self._rows()
        self.findings = [row for row in self.rows if row.is_finding]
        self.long_texts: list[_Row] = []
        self.images = PreparedImages()
        self.context = ReportContext(
            facts,
            redactor,
            self.width,
            self.height,
            self.generated,
            images=self.images,
            item_numbers={row.item.id: row.number for row in self.rows},
        )
        number_evidence(self.context)

    # -- data ----------------------------------------------------------------------

    def _rows(self) -> list[_Row]:
        rows = []
        for s_index, section in enumerate(self.template.sections, start=1):
            for i_index, item in enumerate(section.questions, start=1):
                result = self.score.items[item.id]
                if result.outcome is Outcome.HIDDEN:
                    continue
                rows.append(
                    _Row(
                        f"{s_index}.{i_index}",
                        section,
                        item,
                        self.facts.answers.get(item.id),
                        self.facts.notes.get(item.id, ""),
                        result,
                    )
                )
        return rows

    def answer_text(self, row: _Row) -> str:
        if row.value is None:
            return ""
        shown = format_answer(row.item, row.value)
        return shown if row.item.type in _NUMERIC else self.redact(shown)

    def verdict_color(self) -> Color:
        return band_color(
            self.score.percent, self.template.bands, failed=bool(self.score.critical_failures)
        )

    def section_color(self, percent: float | None) -> Color:
        return band_color(percent, self.template.bands)

    # -- story ---------------------------------------------------------------------

    def page_info(self) -> PageInfo:
        facts = self.facts
        return PageInfo(
            title=self.redact(
                f"Audit report: {facts.company} — {touchpoint_label(facts.touchpoint)}"
            ),
            header_left=self.redact(f"Audit report · {facts.company}"),
            header_right=(
                f"{touchpoint_label(facts.touchpoint)} · "
                f"{_local(facts.started_at, facts.started_tz, with_zone=False)}"
            ),
            author=self.redact(facts.shopper),
            subject=self.redact(self.template.title),
        )

    def close(self) -> None:
        self.images.close()

    def likely_long(self) -> bool:
        """Whether the report will surely need its contents: evidence images, many items."""
        images = sum(1 for a in self.facts.attachments if a.kind == "image")
        return images >= 2 or len(self.rows) >= 40

    def story(self) -> list[Flowable]:
        self.long_texts = []
        story: list[Flowable] = []
        story += self.cover()
        story += [NextPageTemplate("body"), PageBreak()]
        story += self.summary_page()
        story += [PageBreak(), ContentsSlot()]
        story += self.findings_part()
        instruments = instrument_parts(self.context)
        if instruments:
            story += [*instruments, PageBreak()]
        story += self.checklist_part()
        story += self.long_texts_part()
        story += self.review_trail_part()
        story += appendix_part(self.context)
        return story

    def cover(self) -> list[Flowable]:
        facts, text = self.facts, self.text
        story = self.cover_title(
            "MYSTERY SHOPPING AUDIT", facts.company, text.user(self._subtitle(), "subtitle")
        )
        template = f"{self.template.title} (version {self.template.version})"
        story += self.cover_figures(
            self.score.percent,
            self.redact(self.score.verdict),
            fill=self.verdict_color(),
            rows=[
                ("Shopper", text.user(facts.shopper or "—", "value")),
                ("Started", text.ours(_local(facts.started_at, facts.started_tz), "value")),
                ("Completed", text.ours(_local(facts.completed_at, facts.completed_tz), "value")),
                ("Status", text.ours(facts.status, "value")),
                ("Template", text.user(template, "value")),
                ("Points", text.ours(self._points_summary(), "value")),
                ("Audit ID", text.ours(facts.audit_id, "value")),
            ],
        )
        if self.score.critical_failures:
            count = len(self.score.critical_failures)
            story.append(
                self.text.ours(
                    f"{plural(count, 'critical item')} failed, which fails the "
                    "whole audit whatever the points. See the summary on the next page.",
                    "body",
                )
            )
        elif self.score.percent is None:
            story.append(self.text.ours("No scored answers yet.", "muted"))
        return story

    def _subtitle(self) -> str:
        kind = touchpoint_label(self.facts.touchpoint)
        title = self.template.title
        return kind if title.strip().casefold() == kind.casefold() else f"{kind} · {title}"

    def _points_summary(self) -> str:
        s = self.score
        answered = f"{s.answered} of {plural(s.visible, 'item')} answered"
        if not s.max_points:
            return answered
        return f"{_points_of(s.points, s.max_points)} · {answered}"

    def summary_page(self) -> list[Flowable]:
        """The summary, kept on one page unless it has very many sections."""
        # The heading stays outside: only top-level flowables reach the outline and contents.
        title = heading("Summary", 0)
        summary = self.summary()
        if len(self.score.sections) > SHRINK_SUMMARY_UP_TO:
            return [title, *summary]
        _w, title_h = title.wrap(self.width, self.height)
        room = self.height - title_h - title.getSpaceBefore() - title.getSpaceAfter()
        return [title, KeepInFrame(self.width, room, summary, mode="shrink")]

    def summary(self) -> list[Flowable]:
        s = self.score
        story: list[Flowable] = []
        count = len(self.findings)
        key_facts = facts_table(
            [
                ("Score", self.text.ours(percent_text(s.percent), "value")),
                ("Verdict", self.text.user(s.verdict, "value")),
                ("Points", self.text.ours(self._points_summary(), "value")),
                ("Critical failures", self.text.ours(str(len(s.critical_failures)), "value")),
                (
                    "Findings",
                    self.text.ours(f"{plural(count, 'item')} failed or low", "value"),
                ),
            ],
            width=self.width - 45 * mm,
            label_share=0.32,
        )
        top = Table(
            [[score_ring(s.percent, self.verdict_color(), size=36 * mm), key_facts]],
            colWidths=[45 * mm, self.width - 45 * mm],
        )
        top.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story += [top, Spacer(1, 4 * mm)]
        story += self.section_chart()
        story += self.critical_block()
        story += self.top_findings_block()
        story += self.best_moments_block()
        return story

    def section_chart(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Scores by section", 1, contents=False)]
        if self.score.percent is None:
            return [*story, self.text.ours("No scored answers yet.", "muted")]
        rows = [BarRow("Whole audit", self.score.percent, self.verdict_color(), bold=True)]
        rows += [
            BarRow(
                self.redact(section.title),
                section.percent,
                self.section_color(section.percent),
            )
            for section in self.score.sections
            if section.visible
        ]
        marks = sorted({band.min_percent for band in self.template.bands if band.min_percent > 0})
        story.append(bar_chart(rows, width=self.width, marks=marks))
        limits = ", ".join(
            f"{self.redact(band.name)} from {band.min_percent:.0f}%"
            for band in sorted(self.template.bands, key=lambda b: -b.min_percent)
            if band.min_percent > 0
        )
        if limits:
            story.append(self.text.ours(f"Marks on the bars: {limits}.", "muted"))
        return story

    def _item_line(self, row: _Row, *, with_note: bool = True) -> list[Flowable]:
        answer = self.answer_text(row) or "unanswered"
        parts = [f"Answer: {answer}"]
        if row.score.counted:
            parts.append(_points_of(row.score.points, row.score.max_points))
        flowables: list[Flowable] = [
            Paragraph(
                f"<b>{markup(self.redact(row.item.prompt))}</b>",
                self.sheet.body,
            ),
            Paragraph(markup(" · ".join(parts)), self.sheet.muted),
        ]
        if with_note and row.note.strip():
            flowables.append(
                Paragraph(markup(one_line(self.redact(row.note), 240)), self.sheet.small)
            )
        return flowables

    def _listing(self, rows: Sequence[list[Flowable]]) -> ListFlowable:
        return ListFlowable(
            [ListItem(flowables, leftIndent=14) for flowables in rows],
            bulletType="1",
            bulletFontName=self.sheet.body.fontName,
            bulletFontSize=9,
            leftIndent=14,
        )

    def critical_block(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Critical failures", 1, contents=False)]
        failed = [r for r in self.rows if r.item.id in self.score.critical_failures]
        if not failed:
            critical = sum(1 for r in self.rows if r.item.critical)
            text = (
                "None: every critical item that was answered passed."
                if critical
                else "This checklist has no critical items."
            )
            return [*story, self.text.ours(text, "small")]
        return [*story, self._listing([self._item_line(r) for r in failed])]

    def top_findings_block(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Top findings", 1, contents=False)]
        if not self.findings:
            return [*story, self.text.ours("No failed or low items.", "small")]
        order = {id(r): n for n, r in enumerate(self.findings)}
        ranked = sorted(
            self.findings,
            key=lambda r: (
                r.item.id not in self.score.critical_failures,
                -r.lost,
                order[id(r)],
            ),
        )
        story.append(self._listing([self._item_line(r) for r in ranked[:SUMMARY_LIMIT]]))
        if len(ranked) > SUMMARY_LIMIT:
            story.append(
                self.text.ours(f"All {len(ranked)} findings follow under “Findings”.", "muted")
            )
        return story

    def best_moments_block(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Best moments", 1, contents=False)]
        entries: list[list[Flowable]] = []
        for moment in self.facts.moments:
            if moment.kind == "good" and moment.note.strip():
                entries.append(
                    [
                        Paragraph(markup(one_line(self.redact(moment.note), 240)), self.sheet.body),
                        self.text.ours(_local(moment.at, moment.tz), "muted"),
                    ]
                )
        praised = [
            r
            for r in self.rows
            if r.score.outcome is Outcome.PASS and r.score.fraction == 1 and r.note.strip()
        ]
        praised.sort(key=lambda r: -r.item.weight)
        entries += [self._item_line(r) for r in praised]
        if not entries:
            return [*story, self.text.ours("No good moments were noted.", "small")]
        return [*story, self._listing(entries[:BEST_LIMIT])]

    # -- findings ------------------------------------------------------------------

    def findings_part(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Findings", 0)]
        if not self.findings:
            return [*story, self.text.ours("No item failed or scored low.", "body"), PageBreak()]
        story.append(
            self.text.ours(
                "Each item that failed (less than half its points) or scored low, "
                "in checklist order, with the shopper's note and evidence.",
                "muted",
            )
        )
        section_id = None
        for row in self.findings:
            lead: list[Flowable] = []
            if row.section.id != section_id:
                section_id = row.section.id
                lead.append(heading(self.redact(row.section.title), 2))
            story.append(self.finding(row, lead))
        story.append(PageBreak())
        return story

    def finding(self, row: _Row, lead: list[Flowable]) -> Flowable:
        """One finding, kept on one page with `lead` (its section's heading) when it fits."""
        critical = row.item.id in self.score.critical_failures
        tag = "CRITICAL · " if critical else ""
        label = "Failed" if row.score.outcome is Outcome.FAIL else "Low"
        text: list[Flowable] = [
            Paragraph(
                f"{markup(f'{row.number}  {tag}{label}')} — "
                f"<b>{markup(self.redact(row.item.prompt))}</b>",
                self.sheet.body,
            ),
            self.text.ours(self._finding_meta(row), "muted"),
        ]
        if row.note.strip():
            note, clipped = clip(self.redact(row.note), FINDING_NOTE_LIMIT)
            text.append(self.text.ours(note, "body"))
            if clipped:
                self._keep_long(row)
                text.append(
                    self.text.ours(
                        f"The whole note is under “Notes in full”, {row.number}.", "muted"
                    )
                )
        paths = self.item_images(row.item.id)
        color = BAD if row.score.outcome is Outcome.FAIL else FAIR
        if paths:
            images = self.evidence_column(paths)
            data = [[text, images]]
            widths = [self.width - THUMB_WIDTH - 6 * mm, THUMB_WIDTH + 6 * mm]
        else:
            data = [[text]]
            widths = [self.width]
        table = Table(data, colWidths=widths, splitInRow=MIN_ROW_SPLIT)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, color),
                    ("LEFTPADDING", (0, 0), (0, -1), 8),
                    ("LEFTPADDING", (1, 0), (-1, -1), 6 * mm),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return KeepTogether([*lead, table, Spacer(1, 4 * mm)])

    def _finding_meta(self, row: _Row) -> str:
        parts = [f"Answer: {self.answer_text(row) or 'unanswered'}"]
        if row.score.counted:
            parts.append(_points_of(row.score.points, row.score.max_points))
        if row.item.theme:
            parts.append(f"theme: {self.redact(row.item.theme)}")
        return " · ".join(parts)

    def item_images(self, item_id: str) -> list[Path | EvidenceImage]:
        """An item's evidence images: its attached images, then any extra image files."""
        attached: list[Path | EvidenceImage] = [
            EvidenceImage(record.path, record.filename, record.caption)
            for record in self.facts.attachments
            if record.item_id == item_id and record.kind == "image" and record.path is not None
        ]
        return attached + list(self.facts.evidence.get(item_id, ()))

    def evidence_column(self, images: Sequence[Path | EvidenceImage]) -> list[Flowable]:
        """Thumbnails of an item's evidence images, with a count of any left out."""
        shown = list(images[:THUMBS_PER_FINDING])
        column: list[Flowable] = []
        for flowable in thumbnails(
            shown,
            width=THUMB_WIDTH,
            height=THUMB_HEIGHT,
            redact=self.redact,
            prepared=self.images,
        ):
            column += [flowable, Spacer(1, 2 * mm)]
        if len(images) > len(shown):
            column.append(self.text.ours(f"+ {len(images) - len(shown)} more", "muted"))
        return column

    # -- checklist -----------------------------------------------------------------

    def checklist_part(self) -> list[Flowable]:
        story: list[Flowable] = [heading("Checklist", 0)]
        if not self.rows:
            return [*story, self.text.ours("This checklist shows no items.", "body")]
        story.append(
            self.text.ours(
                "Every item shown for these answers, with the answer, the points it earned "
                "and the shopper's note. N/A items count neither way.",
                "muted",
            )
        )
        for section, section_score in zip(self.template.sections, self.score.sections, strict=True):
            rows = [r for r in self.rows if r.section.id == section.id]
            if not rows:
                continue
            story.append(CondPageBreak(40 * mm))
            title = self.redact(section.title)
            if section_score.percent is not None:
                title = f"{title} — {section_score.percent:.0f}%"
            story.append(heading(title, 1))
            story.append(self.checklist_table(rows))
        return story

    def checklist_table(self, rows: Sequence[_Row]) -> Table:
        sheet = self.sheet
        w = self.width
        widths = [34.0, w * 0.31, w * 0.2, 46.0]
        widths.append(w - sum(widths))
        head = [
            Paragraph(markup(label), sheet.cell_head)
            for label in ("#", "Item", "Answer", "Points", "Note")
        ]
        data: list[list[Any]] = [head]
        commands: list[Command] = []
        for index, row in enumerate(rows, start=1):
            item_cell: list[Flowable] = [self.text.user(row.item.prompt, "cell")]
            flags = [
                label
                for flag, label in (
                    (row.item.critical, "critical"),
                    (row.item.required, "required"),
                )
                if flag
            ]
            if flags:
                item_cell.append(self.text.ours(" · ".join(flags), "muted"))
            answer = self.answer_text(row)
            answer_cell = self._cell_text(row, answer or "—", answer_style=not answer)
            note_cell = self._cell_text(row, self.redact(row.note)) if row.note.strip() else ""
            data.append(
                [
                    self.text.ours(row.number, "cell"),
                    item_cell,
                    answer_cell,
                    self.text.ours(_points(row.score), "cell_right"),
                    note_cell,
                ]
            )
            fill = _OUTCOME_FILL.get(row.score.outcome)
            if fill is not None:
                commands.append(("BACKGROUND", (3, index), (3, index), fill))
            elif row.score.outcome is Outcome.UNANSWERED:
                commands.append(("TEXTCOLOR", (0, index), (-1, index), MUTED))
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
        table.setStyle(table_style(commands, head=True))
        return table

    def _cell_text(self, row: _Row, text: str, *, answer_style: bool = False) -> list[Flowable]:
        """A table cell for a note or answer; a long one is clipped and kept for the end."""
        shown, clipped = clip(text, TABLE_TEXT_LIMIT)
        cell: list[Flowable] = [self.text.ours(shown, "muted" if answer_style else "cell")]
        if clipped:
            self._keep_long(row)
            cell.append(self.text.ours(f"Continued under “Notes in full”, {row.number}.", "muted"))
        return cell

    def _keep_long(self, row: _Row) -> None:
        if all(kept is not row for kept in self.long_texts):
            self.long_texts.append(row)

    def long_texts_part(self) -> list[Flowable]:
        if not self.long_texts:
            return []
        story: list[Flowable] = [PageBreak(), heading("Notes in full", 0)]
        for row in sorted(self.long_texts, key=self.rows.index):
            prompt = one_line(self.redact(row.item.prompt), 160)
            story.append(heading(f"{row.number}  {prompt}", 2))
            answer = self.answer_text(row)
            if answer and len(answer) > TABLE_TEXT_LIMIT:
                story.append(self.text.ours("Answer", "label"))
                story += self._paragraphs(answer)
            if row.note.strip():
                story.append(self.text.ours("Note", "label"))
                story += self._paragraphs(self.redact(row.note))
        return story

    def review_trail_part(self) -> list[Flowable]:
        """Every move of the audit's shop, reopening, review comment and change to an answer
        after its first completion, oldest first, with the audit's own events among them; left
        out when the audit has no shop, comment, change or reopening."""
        entries = self.facts.history
        if not any(_in_trail(e) for e in entries):
            return []
        sheet, w = self.sheet, self.width
        widths = [84.0, w * 0.14, 30.0, w * 0.26]
        widths.append(w - sum(widths))
        head = [
            Paragraph(markup(label), sheet.cell_head)
            for label in ("When", "Who", "#", "What", "Before → after")
        ]
        numbers = self.context.item_numbers
        data: list[list[Any]] = [head]
        for entry in entries:
            number = numbers.get(entry.item_id, "") if entry.item_id else ""
            what: list[Flowable] = [
                self.text.user(entry.what, "cell", limit=TABLE_TEXT_LIMIT)
                if entry.kind is HistoryKind.COMMENT
                else self.text.ours(entry.what, "cell")
            ]
            if entry.kind is HistoryKind.COMMENT:
                what.append(self.text.ours(_COMMENT_LABEL.get(entry.detail, "comment"), "muted"))
            elif entry.detail:
                what.append(self.text.user(entry.detail, "muted", limit=300))
            if entry.item_id and self.template.has_item(entry.item_id):
                prompt = self.template.item(entry.item_id).prompt
                what.append(self.text.user(prompt, "muted", limit=90, flat=True))
            change: Any = ""
            if entry.old or entry.new:
                old, new = entry.old or "(blank)", entry.new or "(blank)"
                if len(old) + len(new) <= _ONE_LINE_CHANGE:
                    change = self.text.user(f"{old} → {new}", "cell")
                else:
                    half = TABLE_TEXT_LIMIT // 2
                    change = [
                        self.text.user(old, "cell", limit=half),
                        self.text.ours("→", "muted"),
                        self.text.user(new, "cell", limit=half),
                    ]
            data.append(
                [
                    self.text.ours(_local(entry.at, entry.tz, with_zone=False), "cell"),
                    self.text.user(entry.who or "—", "cell", limit=80),
                    self.text.ours(str(number), "cell"),
                    what,
                    change,
                ]
            )
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
        table.setStyle(table_style((), head=True))
        return [PageBreak(), heading("Review trail", 0), table]

    def _paragraphs(self, text: str) -> list[Flowable]:
        """Long text as one paragraph per line, so it splits across pages anywhere."""
        return [self.text.ours(line, "body") for line in text.splitlines() if line.strip()]


_ONE_LINE_CHANGE = 40
"""An answer's change this short is printed "old → new" on one line."""
_COMMENT_LABEL = {
    "returned": "comment, with the return",
    "reviewed": "comment, with the acceptance",
    "": "review comment",
}


def _in_trail(entry: HistoryEntry) -> bool:
    """A shop's move, a review's comment, an answer's change or a reopening: what makes a
    trail worth a page (an audit's own start, completion and follow-up do not)."""
    return entry.kind is not HistoryKind.AUDIT or entry.what == AUDIT_WORDS["reopened"]


__all__ = [
    "AuditFacts",
    "EvidenceFact",
    "EvidenceImage",
    "InstrumentFacts",
    "MomentFact",
    "build_audit_report",
]
