"""The instrument parts of an audit report: the call, the website path, the e-mail exchange
and the moments log. Each part is there only when the audit recorded something for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib.colors import Color, white
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table

from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.errors import ShopperError
from shopper.domain.instruments import (
    CHANNELS,
    STEP_LABELS,
    EmailFigures,
    EmailStep,
    PhoneFigures,
    PhoneStep,
    Step,
    WebFigures,
    WebStep,
    email_figures,
    phone_figures,
    waited_hours,
    web_figures,
)
from shopper.domain.vocabulary import MomentKind
from shopper.report.base import colored, plural, table_style
from shopper.report.calltree import CallMap, call_nodes, call_timeline, shape_call
from shopper.report.context import ReportContext
from shopper.report.document import heading
from shopper.report.facts import step_text
from shopper.report.flowables import framed, picture, stat_grid
from shopper.report.formats import clock, hours_text, local_time, opening_hours, zone_of
from shopper.report.styles import (
    ACCENT,
    BAD,
    FAIR,
    GOOD,
    INK,
    MOMENT_COLORS,
    MUTED,
    NEUTRAL,
    RULE,
    SANS,
    SANS_BOLD,
    SHADE,
)
from shopper.report.text import markup, one_line

SHOT_WIDTH = 62 * mm
SHOT_HEIGHT = 46 * mm
URL_LIMIT = 600
FIELD_LIMIT = 400
MOMENT_NOTE_LIMIT = 3000
MIN_ROW_SPLIT = 36
TIMELINE_SHADE_DAYS = 62
"""An e-mail timeline longer than this shows no opening hours (they would be a smear)."""


def instrument_parts(ctx: ReportContext) -> list[Flowable]:
    """Every instrument part the audit has data for; a part starts on a new page unless
    more than half of one is left."""
    story: list[Flowable] = []
    for part in (phone_part, web_part, email_part, moments_part):
        flowables = part(ctx, after_another=bool(story))
        if flowables and story:
            story.append(CondPageBreak(ctx.height * 0.45))
        story += flowables
    return story


def _part_heading(title: str, *, after_another: bool) -> Flowable:
    """A part's heading, with room above it when it follows another part on the page."""
    return heading(title, 0, space_before=10 * mm if after_another else None)


def _ordered(steps: Sequence[Step]) -> list[Step]:
    """The steps in time order, timed in UTC (so differences are real time, DST or not)."""
    return sorted((replace(s, at=s.at.astimezone(UTC)) for s in steps), key=lambda s: s.at)


# -- the phone call ----------------------------------------------------------------------


def phone_part(ctx: ReportContext, *, after_another: bool = False) -> list[Flowable]:
    steps = ctx.facts.instruments.phone
    if not steps:
        return []
    story: list[Flowable] = [_part_heading("Phone call", after_another=after_another)]
    figures: PhoneFigures | None = None
    try:
        figures = phone_figures(steps)
    except ShopperError as exc:
        story.append(ctx.text.ours(f"The figures cannot be worked out: {exc}.", "body"))
    shape = shape_call(steps)
    start = next((s for s in shape.steps if s.kind == PhoneStep.CALL_START), None)
    if start is not None:
        story.append(
            ctx.text.ours(
                f"Dialled {local_time(start.at, ctx.facts.started_tz)}. The times in the "
                "margin of the call map are minutes and seconds since dialling.",
                "muted",
            )
        )
    else:
        story.append(
            ctx.text.ours(
                "The start of the call was not recorded: times are counted from the first "
                "step, and no figures can be worked out.",
                "muted",
            )
        )
    if figures is not None and figures.started:
        story += [Spacer(1, 2 * mm), stat_grid(_phone_stats(figures), width=ctx.width)]
    timeline = call_timeline(shape, width=ctx.width)
    if timeline is not None:
        story += [heading("Where the time went", 1, contents=False), timeline]
    story += [
        CondPageBreak(60 * mm),
        heading("Call map", 1, contents=False, keep_with_next=False),
        CallMap(call_nodes(shape, ctx.redact)),
    ]
    return story


def _phone_stats(fig: PhoneFigures) -> list[tuple[str, str]]:
    if fig.time_to_human is not None:
        person = clock(fig.time_to_human)
    else:
        person = "never reached" if fig.ended else "not reached yet"
    return [
        ("Menu depth", plural(fig.menu_depth, "level")),
        ("Menu prompts heard", str(fig.menu_prompts)),
        ("Options read out", "not noted" if fig.options_heard is None else str(fig.options_heard)),
        ("Loops", str(fig.menu_loops)),
        ("Time to a person", person),
        ("Call length", clock(fig.duration) if fig.duration is not None else "not ended"),
        ("In menus", clock(fig.time_in_menus)),
        ("On hold", clock(fig.time_on_hold)),
        ("Talking", clock(fig.time_talking)),
        ("Handoffs", str(fig.handoffs)),
        ("Asked again", plural(fig.repeated_info, "time")),
        ("Dead ends", str(fig.dead_ends)),
    ]


# -- the website path -----------------------------------------------------------------------


def web_part(ctx: ReportContext, *, after_another: bool = False) -> list[Flowable]:
    steps = _ordered(ctx.facts.instruments.web)
    if not steps:
        return []
    figures = web_figures(steps)
    story: list[Flowable] = [_part_heading("Website path", after_another=after_another)]
    story.append(
        ctx.text.ours(
            "Each page on the way to a contact channel, in the order visited; the first "
            "page is where the visit began, every further page one click.",
            "muted",
        )
    )
    story += [Spacer(1, 2 * mm), stat_grid(_web_stats(figures), width=ctx.width, columns=3)]
    story += [Spacer(1, 4 * mm), CondPageBreak(40 * mm), _web_steps(ctx, steps)]
    return story


def _web_stats(fig: WebFigures) -> list[tuple[str, str]]:
    if fig.channel_found is None:
        reached = "path not ended"
    else:
        reached = CHANNELS.get(fig.channel_found, fig.channel_found)
    channels = ", ".join(CHANNELS[c] for c in fig.channels) or "none"
    home = {None: "—", True: "yes", False: "no"}[fig.contact_on_home]
    return [
        ("Pages", str(fig.pages)),
        (
            "Clicks to contact",
            str(fig.clicks_to_contact) if fig.clicks_to_contact is not None else "—",
        ),
        ("Time to contact", clock(fig.time_to_contact) if fig.time_to_contact is not None else "—"),
        ("Channel reached", reached),
        ("Channels found", channels),
        ("Contact on the first page", home),
    ]


def _badge(text: str, color: Color, size: float = 18) -> Drawing:
    drawing = Drawing(size, size)
    drawing.add(Circle(size / 2, size / 2, size / 2 - 0.5, fillColor=color, strokeColor=None))
    font_size = 8.5 if len(text) < 3 else 7
    drawing.add(
        String(
            size / 2,
            size / 2 - font_size * 0.35,
            text,
            fontName=SANS_BOLD,
            fontSize=font_size,
            fillColor=white,
            textAnchor="middle",
        )
    )
    return drawing


def _web_steps(ctx: ReportContext, steps: list[Step]) -> Table:
    found_at = next((s.at for s in steps if s.kind == WebStep.FOUND), None)
    first = next((s.at for s in steps if s.kind == WebStep.PAGE), steps[0].at)
    shots = any(s.data.get("evidence_id") for s in steps if s.kind == WebStep.PAGE)
    badge_w = 26.0
    shot_w = SHOT_WIDTH + 8 if shots else 0
    text_w = ctx.width - badge_w - shot_w
    rows: list[list[Any]] = []
    number = 0
    for step in steps:
        after = found_at is not None and step.at > found_at
        when = f"+{clock((step.at - first).total_seconds())} · " + local_time(
            step.at, ctx.facts.started_tz, with_zone=False
        )
        if step.kind == WebStep.FOUND:
            channel = step_text(step, "channel") or "none"
            ok = channel != "none"
            label = CHANNELS.get(channel, channel)
            text = [
                ctx.text.ours(
                    f"Contact found: {label}" if ok else "No contact channel found",
                    "cell_bold",
                ),
                ctx.text.ours(when, "muted"),
            ]
            rows.append([_badge("✓" if ok else "✗", GOOD if ok else BAD), text, ""])
            continue
        number += 1
        rows.append(
            [
                _badge(str(number), NEUTRAL if after else ACCENT),
                _page_text(ctx, step, when, after=after),
                _screenshot(ctx, step) if shots else "",
            ]
        )
    table = Table(
        rows,
        colWidths=[badge_w, text_w, shot_w] if shots else [badge_w, text_w, 0],
        splitInRow=MIN_ROW_SPLIT,
    )
    table.setStyle(
        table_style(
            [("LEFTPADDING", (0, 0), (0, -1), 0), ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE)],
            padding=6,
        )
    )
    return table


def _page_text(ctx: ReportContext, step: Step, when: str, *, after: bool) -> list[Flowable]:
    title = step_text(step, "title").strip()
    url = step_text(step, "url").strip()
    clicked = step_text(step, "clicked").strip()
    cell: list[Flowable] = [
        ctx.text.user(title, "cell_bold", limit=FIELD_LIMIT, flat=True)
        if title
        else ctx.text.ours("(no title noted)", "cell_bold")
    ]
    if url:
        cell.append(ctx.text.user(url, "cell", limit=URL_LIMIT, flat=True))
    cell.append(ctx.text.ours(when, "muted"))
    if clicked:
        shown = one_line(ctx.redact(clicked), FIELD_LIMIT)
        cell.append(Paragraph(f"{markup('Clicked: ')}“{markup(shown)}”", ctx.sheet.cell))
    elif not after:
        cell.append(ctx.text.ours("Where the visit began", "muted"))
    visible = "yes" if step.data.get("contact_visible") else "no"
    seen = step.data.get("channels")
    labels = (
        [CHANNELS[c] for c in seen if isinstance(c, str) and c in CHANNELS]
        if isinstance(seen, list)
        else []
    )
    cell.append(ctx.text.ours(f"Contact visible on this page: {visible}", "cell"))
    cell.append(ctx.text.ours(f"Channels seen: {', '.join(labels) if labels else 'none'}", "cell"))
    note = step_text(step, "note").strip()
    if note:
        cell.append(ctx.text.user(note, "cell", limit=FIELD_LIMIT))
    if after:
        cell.append(ctx.text.ours("Visited after the contact was found; not counted.", "muted"))
    return cell


def _screenshot(ctx: ReportContext, step: Step) -> list[Flowable] | str:
    evidence_id = step_text(step, "evidence_id")
    if not evidence_id:
        return ""
    record = ctx.attachments.get(evidence_id)
    if record is None:
        return [ctx.text.ours("The screenshot is no longer attached.", "muted")]
    tag = ctx.evidence_tag(record.id)
    name = one_line(ctx.redact(record.filename or "screenshot"), 80)
    caption = f"{tag} · {name}" if tag else name
    if record.kind != "image":
        return [ctx.text.ours(f"Attached {record.kind} file: {caption}", "muted")]
    if record.path is None:
        return [ctx.text.ours(f"Screenshot {caption}: the file is not at hand.", "muted")]
    shot = picture(
        record.path,
        width=SHOT_WIDTH,
        height=SHOT_HEIGHT,
        name=record.filename,
        redact=ctx.redact,
        images=ctx.images,
    )
    return [framed(shot), Spacer(1, 1.5 * mm), ctx.text.ours(caption, "muted")]


# -- the e-mail exchange ------------------------------------------------------------------


def email_part(ctx: ReportContext, *, after_another: bool = False) -> list[Flowable]:
    steps = _ordered(ctx.facts.instruments.email)
    if not steps:
        return []
    calendar = ctx.facts.instruments.calendar
    story: list[Flowable] = [_part_heading("E-mail exchange", after_another=after_another)]
    _zone, known = zone_of(calendar.zone)
    if known != calendar.zone:
        story.append(ctx.text.ours(f"Unknown time zone {calendar.zone!r}: UTC is used.", "muted"))
        calendar = replace(calendar, zone=known)
    holidays = len(calendar.holidays)
    story.append(
        ctx.text.ours(
            f"Times are in the company's zone, {calendar.zone}. Business hours: "
            f"{opening_hours(calendar)}"
            + (f", closed on {plural(holidays, 'listed holiday')}" if holidays else "")
            + ". A response time in business hours counts only the time the company was open.",
            "muted",
        )
    )
    try:
        figures = email_figures(steps, calendar)
    except ShopperError as exc:
        story.append(ctx.text.ours(f"The response time cannot be worked out: {exc}.", "body"))
        figures = None
    waiting: tuple[float, float] | None = None
    if figures is not None and figures.sent_at is not None and figures.replied_at is None:
        waiting = waited_hours(figures.sent_at, ctx.generated, calendar)
    if figures is not None:
        story += [
            Spacer(1, 2 * mm),
            stat_grid(_email_stats(figures, waiting, calendar), width=ctx.width, columns=3),
        ]
    timeline = email_timeline(
        steps, calendar, now=ctx.generated if waiting else None, width=ctx.width
    )
    if timeline is not None:
        story += [Spacer(1, 4 * mm), timeline]
    story += [Spacer(1, 3 * mm), _email_table(ctx, steps, calendar)]
    return story


def _email_stats(
    fig: EmailFigures, waiting: tuple[float, float] | None, calendar: BusinessCalendar
) -> list[tuple[str, str]]:
    sent = local_time(fig.sent_at, calendar.zone, with_zone=False, weekday=True)
    stats = [("Enquiry sent", sent if fig.sent_at else "not recorded")]
    if fig.replied_at is not None:
        stats.append(
            (
                "First reply",
                local_time(fig.replied_at, calendar.zone, with_zone=False, weekday=True),
            )
        )
    else:
        stats.append(("First reply", "none yet"))
    if fig.response_business_hours is not None:
        stats.append(("Response, business hours", hours_text(fig.response_business_hours)))
        stats.append(("Response, calendar time", hours_text(fig.response_calendar_hours or 0)))
    elif waiting is not None:
        calendar_h, business_h = waiting
        stats.append(("Waiting, business hours", hours_text(business_h)))
        stats.append(("Waiting, calendar time", hours_text(max(calendar_h, 0.0))))
    else:
        stats += [("Response, business hours", "—"), ("Response, calendar time", "—")]
    stats.append(("Replies", str(fig.replies)))
    stats.append(("Follow-up received", "yes" if fig.follow_up else "no"))
    return stats


def _email_table(ctx: ReportContext, steps: list[Step], calendar: BusinessCalendar) -> Table:
    sheet = ctx.sheet
    sent = next((s.at for s in steps if s.kind == EmailStep.SENT), None)
    head = [
        Paragraph(markup(label), sheet.cell_head)
        for label in ("Event", f"When ({calendar.zone})", "Subject or note", "After the enquiry")
    ]
    rows: list[list[Any]] = [head]
    for step in steps:
        label = STEP_LABELS.get(step.kind, step.kind)
        subject = step_text(step, "subject").strip() or step_text(step, "note").strip()
        if sent is None or step.kind == EmailStep.SENT:
            after = "—"
        elif step.at < sent:
            after = "before the enquiry"
        else:
            business = calendar.business_seconds(sent, step.at) / 3600
            calendar_h = (step.at - sent).total_seconds() / 3600
            after = f"{hours_text(business)} business · {hours_text(calendar_h)} calendar"
        rows.append(
            [
                ctx.text.ours(label, "cell_bold"),
                ctx.text.ours(
                    local_time(step.at, calendar.zone, with_zone=False, weekday=True), "cell"
                ),
                ctx.text.user(subject, "cell", limit=FIELD_LIMIT) if subject else "",
                ctx.text.ours(after, "cell"),
            ]
        )
    w = ctx.width
    widths = [w * 0.2, w * 0.24, w * 0.32]
    widths.append(w - sum(widths))
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
    table.setStyle(table_style(padding=4, head=True))
    return table


_EMAIL_MARKS: dict[str, tuple[Color, str]] = {
    EmailStep.SENT: (ACCENT, "Sent"),
    EmailStep.REPLY: (GOOD, "Reply"),
    EmailStep.FOLLOW_UP: (FAIR, "Follow-up"),
}


def email_timeline(
    steps: list[Step], calendar: BusinessCalendar, *, now: datetime | None, width: float
) -> Drawing | None:
    """The exchange on a line of days, the company's opening hours shaded.

    Args:
        steps: the exchange, in time order.
        calendar: the company's zone, hours and holidays.
        now: when the report is made, if the enquiry is still waiting (drawn as "now").
        width: the width of the drawing.
    """
    moments = [s.at.astimezone(UTC) for s in steps]
    if now is not None:
        moments.append(now.astimezone(UTC))
    zone, _name = zone_of(calendar.zone)
    first = min(moments).astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    last = max(moments).astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    start = first.astimezone(UTC)
    end = (last + timedelta(days=1)).astimezone(UTC)
    if last - first > timedelta(days=366):
        return None
    span = (end - start).total_seconds()
    height, axis_y, band_h = 58.0, 16.0, 14.0
    drawing = Drawing(width, height)

    def x_of(moment: datetime) -> float:
        return width * (moment.astimezone(UTC) - start).total_seconds() / span

    drawing.add(Rect(0, axis_y, width, band_h, fillColor=SHADE, strokeColor=None))
    days = (last - first).days + 1
    if days <= TIMELINE_SHADE_DAYS:
        for lo, hi in calendar.open_intervals(start, end):
            drawing.add(
                Rect(
                    x_of(lo),
                    axis_y,
                    x_of(hi) - x_of(lo),
                    band_h,
                    fillColor=Color(0.80, 0.88, 0.80),
                    strokeColor=None,
                )
            )
    every = next(n for n in (1, 2, 7, 14, 30, 61, 92) if days / n <= 14)
    day = first
    index = 0
    while day <= last:
        x = x_of(day)
        drawing.add(Line(x, axis_y - 3, x, axis_y + band_h, strokeColor=RULE, strokeWidth=0.5))
        if index % every == 0 and x < width - 20:
            drawing.add(
                String(
                    x + 2,
                    axis_y - 10,
                    f"{day:%a %d %b}",
                    fontName=SANS,
                    fontSize=6.5,
                    fillColor=MUTED,
                )
            )
        index += 1
        day += timedelta(days=1)  # wall-clock arithmetic: the next local midnight, DST or not
    sent = next((s.at for s in steps if s.kind == EmailStep.SENT), None)
    if sent is not None and now is not None:
        drawing.add(
            Line(
                x_of(sent),
                axis_y + band_h / 2,
                x_of(now),
                axis_y + band_h / 2,
                strokeColor=BAD,
                strokeWidth=1,
                strokeDashArray=[2, 2],
            )
        )
        _email_mark(drawing, x_of(now), top=axis_y + band_h, color=BAD, label="now", row=0)
    for number, step in enumerate(steps):
        color, label = _EMAIL_MARKS.get(step.kind, (INK, step.kind))
        _email_mark(
            drawing, x_of(step.at), top=axis_y + band_h, color=color, label=label, row=number
        )
    drawing.add(Rect(0, height - 8, 8, 6, fillColor=Color(0.80, 0.88, 0.80), strokeColor=None))
    drawing.add(
        String(
            11, height - 8, "open (business hours)", fontName=SANS, fontSize=6.5, fillColor=MUTED
        )
    )
    return drawing


def _email_mark(
    drawing: Drawing, x: float, *, top: float, color: Color, label: str, row: int
) -> None:
    """A marker standing on the band at x, its label on one of two rows so neighbours clear."""
    width = drawing.width
    drawing.add(Line(x, top - 14, x, top + 4, strokeColor=color, strokeWidth=1.2))
    drawing.add(Circle(x, top + 4, 2.5, fillColor=color, strokeColor=None))
    anchor = "start" if x < 30 else ("end" if x > width - 30 else "middle")
    lift = 8 if row % 2 == 0 else 16
    drawing.add(
        String(
            x,
            top + lift - 1,
            label,
            fontName=SANS,
            fontSize=6.5,
            fillColor=color,
            textAnchor=anchor,
        )
    )


# -- moments --------------------------------------------------------------------------------


def moments_part(ctx: ReportContext, *, after_another: bool = False) -> list[Flowable]:
    moments = sorted(ctx.facts.moments, key=lambda m: m.at.astimezone(UTC))
    if not moments:
        return []
    counts = {kind: sum(1 for m in moments if m.kind == kind) for kind in MomentKind}
    summary = ", ".join(plural(n, kind.label.lower()) for kind in MomentKind if (n := counts[kind]))
    story: list[Flowable] = [
        _part_heading("Moments", after_another=after_another),
        ctx.text.ours(
            f"What the shopper did not expect, in the order it happened: {summary or 'none'}.",
            "muted",
        ),
        Spacer(1, 2 * mm),
    ]
    evidence_of: dict[str, list[str]] = {}
    for record in ctx.facts.attachments:
        if record.moment_id:
            tag = ctx.evidence_tag(record.id)
            name = one_line(ctx.redact(record.filename or record.kind), 80)
            evidence_of.setdefault(record.moment_id, []).append(f"{tag} {name}".strip())
    sheet = ctx.sheet
    head = [Paragraph(markup(t), sheet.cell_head) for t in ("When", "", "What happened")]
    rows: list[list[Any]] = [head]
    for moment in moments:
        color = MOMENT_COLORS.get(moment.kind, NEUTRAL)
        label = MomentKind.label_of(moment.kind)
        cell: list[Flowable] = [Paragraph(colored(f"<b>{markup(label)}</b>", color), sheet.cell)]
        if moment.note.strip():
            cell.append(ctx.text.user(moment.note, "cell", limit=MOMENT_NOTE_LIMIT))
        if moment.item_id:
            cell.append(ctx.text.ours(ctx.item_label(moment.item_id), "muted"))
        if moment.id in evidence_of:
            cell.append(ctx.text.ours("Evidence: " + ", ".join(evidence_of[moment.id]), "muted"))
        rows.append([ctx.text.ours(local_time(moment.at, moment.tz), "cell"), _marker(color), cell])
    widths = [34 * mm, 14.0, ctx.width - 34 * mm - 14]
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
    table.setStyle(
        table_style(
            [
                ("LEFTPADDING", (1, 0), (1, -1), 0),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (1, 1), (1, -1), 6),
            ],
            padding=4,
            head=True,
        )
    )
    story.append(table)
    return story


def _marker(color: Color) -> Drawing:
    drawing = Drawing(12, 8)
    drawing.add(Circle(6, 4, 4, fillColor=color, strokeColor=None))
    return drawing
