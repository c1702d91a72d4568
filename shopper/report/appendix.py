"""The evidence appendix: every attached file, images at a readable size.

Files are numbered E1, E2... in the order they are shown: images first (an
item's in checklist order, then screenshots of the website path, then the
moments', then the rest), then the other files as a list. Other parts of the
report refer to evidence by these numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.colors import white
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)

from shopper.domain.instruments import WebStep
from shopper.report.base import plural
from shopper.report.context import ReportContext
from shopper.report.document import heading
from shopper.report.facts import EvidenceFact, MomentFact, step_text
from shopper.report.flowables import framed, picture
from shopper.report.formats import local_time, size_text
from shopper.report.styles import ACCENT, RULE, SHADE
from shopper.report.text import markup, one_line

IMAGE_HEIGHT = 88 * mm
"""Two evidence images fit a page (A4 or Letter) with their captions."""
HASH_PREFIX = 12
KIND_LABELS = {"image": "Image", "audio": "Audio", "email": "E-mail", "pdf": "PDF"}
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _web_pages(ctx: ReportContext) -> dict[str, tuple[int, str]]:
    """Evidence id -> (page number on the website path, the page's title or URL)."""
    pages: dict[str, tuple[int, str]] = {}
    number = 0
    for step in sorted(ctx.facts.instruments.web, key=lambda s: s.at.astimezone(UTC)):
        if step.kind != WebStep.PAGE:
            continue
        number += 1
        evidence_id = step_text(step, "evidence_id")
        if evidence_id and evidence_id not in pages:
            what = step_text(step, "title").strip() or step_text(step, "url").strip()
            pages[evidence_id] = (number, what)
    return pages


def evidence_order(ctx: ReportContext) -> list[EvidenceFact]:
    """The attachments in the order the appendix shows and numbers them."""
    item_rank = {item.id: n for n, item in enumerate(ctx.facts.template.items())}
    moments = {m.id: m for m in ctx.facts.moments if m.id}
    pages = _web_pages(ctx)

    def key(pair: tuple[int, EvidenceFact]) -> tuple[int, int, float, int, datetime, int]:
        given, record = pair
        added = record.added_at or _FAR_FUTURE
        group, rank, when = 4, 0, 0.0
        if record.item_id:
            group, rank = 1, item_rank.get(record.item_id, len(item_rank))
        elif record.id in pages:
            group, rank = 2, pages[record.id][0]
        elif record.moment_id in moments:
            group, when = 3, moments[record.moment_id].at.timestamp()
        return (record.kind != "image", group, when, rank, added, given)

    return [record for _n, record in sorted(enumerate(ctx.facts.attachments), key=key)]


def number_evidence(ctx: ReportContext) -> None:
    """Give every attachment its appendix number (`ctx.evidence_numbers`)."""
    ctx.evidence_numbers.clear()
    for number, record in enumerate(evidence_order(ctx), start=1):
        ctx.evidence_numbers.setdefault(record.id, number)


def _belongs_to(ctx: ReportContext, record: EvidenceFact) -> list[str]:
    """What a file is evidence of, one line each (redacted)."""
    lines = []
    if record.item_id:
        lines.append(ctx.item_label(record.item_id))
    moment = next((m for m in ctx.facts.moments if m.id and m.id == record.moment_id), None)
    if moment is not None:
        lines.append(_moment_label(ctx, moment))
    elif record.moment_id:
        lines.append("A moment no longer in the log")
    pages = _web_pages(ctx)
    if record.id in pages:
        number, what = pages[record.id]
        shown = f": {one_line(ctx.redact(what), 100)}" if what else ""
        lines.append(f"Website path, page {number}{shown}")
    return lines or ["The audit as a whole"]


def _moment_label(ctx: ReportContext, moment: MomentFact) -> str:
    kind = {"good": "Good moment", "bad": "Bad moment", "friction": "Friction point"}.get(
        moment.kind, moment.kind
    )
    note = one_line(ctx.redact(moment.note), 100)
    when = local_time(moment.at, moment.tz)
    return f"{kind}, {when}" + (f": {note}" if note else "")


def appendix_part(ctx: ReportContext) -> list[Flowable]:
    """The appendix, or nothing when the audit has no attachments."""
    ordered = evidence_order(ctx)
    if not ordered:
        return []
    images = [r for r in ordered if r.kind == "image"]
    others = [r for r in ordered if r.kind != "image"]
    story: list[Flowable] = [PageBreak(), heading("Appendix: evidence", 0)]
    parts = []
    if images:
        parts.append(plural(len(images), "image"))
    if others:
        parts.append(plural(len(others), "other file"))
    story.append(
        ctx.text.ours(
            f"Every file attached to this audit: {' and '.join(parts)}. The hash identifies "
            "the exact file kept (its first 12 characters of SHA-256).",
            "muted",
        )
    )
    story.append(Spacer(1, 3 * mm))
    for record in images:
        story.append(_image_entry(ctx, record))
    if others:
        story.append(CondPageBreak(30 * mm))
        story.append(heading("Other files", 1, contents=False, keep_with_next=False))
        story.append(_others_table(ctx, others))
    return story


def _title(ctx: ReportContext, record: EvidenceFact) -> Paragraph:
    name = one_line(ctx.redact(record.filename or "(no name)"), 120)
    return Paragraph(f"<b>{markup(ctx.evidence_tag(record.id))}</b> · {markup(name)}", ctx.sheet.h3)


def _meta(record: EvidenceFact) -> str:
    parts = [f"SHA-256 {record.sha256[:HASH_PREFIX] or '—'}", size_text(record.size)]
    if record.added_at is not None:
        parts.append(f"added {local_time(record.added_at, record.added_tz)}")
    return " · ".join(parts)


def _image_entry(ctx: ReportContext, record: EvidenceFact) -> Flowable:
    parts: list[Flowable] = [_title(ctx, record)]
    if record.path is None:
        parts.append(
            ctx.text.ours(
                "The file is not at hand (the report was made without the data folder).", "muted"
            )
        )
    else:
        image = framed(
            picture(
                record.path,
                width=ctx.width,
                height=IMAGE_HEIGHT,
                name=record.filename,
                redact=ctx.redact,
                images=ctx.images,
            )
        )
        image.hAlign = "LEFT"
        parts += [Spacer(1, 1.5 * mm), image, Spacer(1, 1.5 * mm)]
    if record.caption.strip():
        parts.append(ctx.text.user(record.caption, "body", limit=600, flat=True))
    for line in _belongs_to(ctx, record):
        parts.append(ctx.text.ours(line, "small"))
    parts.append(ctx.text.ours(_meta(record), "muted"))
    parts.append(Spacer(1, 6 * mm))
    return KeepTogether(parts)


def _others_table(ctx: ReportContext, records: Sequence[EvidenceFact]) -> Table:
    sheet = ctx.sheet
    head = [
        Paragraph(markup(label), sheet.cell_head)
        for label in ("#", "Kind", "File", "Size", "SHA-256", "Evidence of")
    ]
    rows: list[list[Any]] = [head]
    for record in records:
        file_cell: list[Flowable] = [
            ctx.text.user(record.filename or "(no name)", "cell", limit=200, flat=True)
        ]
        if record.caption.strip():
            file_cell.append(ctx.text.user(record.caption, "muted", limit=300, flat=True))
        rows.append(
            [
                ctx.text.ours(ctx.evidence_tag(record.id), "cell_bold"),
                ctx.text.ours(KIND_LABELS.get(record.kind, record.kind), "cell"),
                file_cell,
                ctx.text.ours(size_text(record.size), "cell_right"),
                ctx.text.ours(record.sha256[:HASH_PREFIX], "cell"),
                [ctx.text.ours(line, "cell") for line in _belongs_to(ctx, record)],
            ]
        )
    w = ctx.width
    widths = [26.0, 40.0, w * 0.28, 46.0, 80.0]
    widths.append(w - sum(widths))
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=36)
    table.setStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, SHADE]),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    return table
