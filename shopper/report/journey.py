"""The journey report: one company across its touchpoints.

Pages: a cover with the period, the strongest and weakest touchpoints and the
latest score of each as bars; the touchpoints side by side (latest, average,
trend, every score as a sparkline); the theme × touchpoint heat map; the
findings grouped by theme (counts, the items that fail most, the failure rate
month by month, the latest findings); and the good and bad moments across
touchpoints, drawn on a timeline and listed.

The figures are those of the app's Journey and Findings windows
(docs/scoring.md, "The company journey" and "Findings by theme"); the services
fill `JourneyFacts` from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from shopper.domain.compare import Direction, Trend
from shopper.domain.template import DEFAULT_BANDS, Band, touchpoint_label
from shopper.domain.themes import Tally, theme_title
from shopper.domain.vocabulary import MomentKind
from shopper.report.base import Report, colored, plural, table_style
from shopper.report.charts import (
    BarRow,
    band_color,
    band_limits,
    band_marks,
    bar_chart,
    percent_text,
)
from shopper.report.document import (
    CONTENTS_FROM_PAGES,
    DEFAULT_PAGE_SIZE,
    ContentsSlot,
    PageInfo,
    ReportError,
    heading,
)
from shopper.report.flowables import facts_table
from shopper.report.formats import local_day, local_time
from shopper.report.redact import NO_REDACTION, Redactor
from shopper.report.styles import (
    ACCENT,
    BAD,
    FAIR,
    MOMENT_COLORS,
    MUTED,
    NEUTRAL,
    RULE,
    SHADE,
)
from shopper.report.text import markup
from shopper.report.timecharts import (
    LaneDot,
    MonthBar,
    TimeScale,
    heat_fill,
    lane,
    month_bars,
    sparkline,
    time_axis,
)

TIMELINE_LIMIT = 150
"""The moments table lists the newest this many; the chart above it shows them all."""
WORST_ITEMS = 5
LATEST_FINDINGS = 5
NOTE_LIMIT = 500
PROMPT_LIMIT = 240
MIN_ROW_SPLIT = 30

KIND_ROWS = {"good": 0, "friction": 1, "bad": 2}
FINDING_LABELS = {"failed_item": "Failed item", "bad": "Bad moment", "friction": "Friction point"}
SOURCE_LABELS = {
    "moment": "logged moment",
    "critical": "critical item failed",
    "note": "note on an item",
}


@dataclass(frozen=True)
class TouchpointFacts:
    """One touchpoint's scores: `trend.points` holds every score, oldest first."""

    touchpoint: str
    audits: int
    average: float | None
    trend: Trend
    latest_percent: float | None = None
    latest_verdict: str = ""
    latest_passed: bool | None = None
    latest_at: datetime | None = None
    latest_tz: str = "UTC"


@dataclass(frozen=True)
class ThemeItemFacts:
    """An item that failed, and how often, in one theme."""

    prompt: str
    touchpoint: str
    failed: int
    scored: int


@dataclass(frozen=True)
class FindingFacts:
    """A failed item ("failed_item"), a bad moment ("bad") or a friction point ("friction")."""

    kind: str
    touchpoint: str
    at: datetime
    tz: str
    prompt: str = ""
    answer: str = ""
    note: str = ""
    critical: bool = False


@dataclass(frozen=True)
class ThemeFacts:
    """The findings of one theme: counts, failure rate by month, worst items, the newest."""

    theme: str
    failed: int
    moments: int
    scored: int
    audits: int
    months: tuple[MonthBar, ...] = ()
    trend: Trend = field(default_factory=lambda: Trend((), None))
    """Of the monthly failure rate: rising means worse."""
    items: tuple[ThemeItemFacts, ...] = ()
    """Most failures first."""
    findings: tuple[FindingFacts, ...] = ()
    """Newest first."""

    @property
    def total(self) -> int:
        return self.failed + self.moments

    @property
    def rate(self) -> float | None:
        return 100.0 * self.failed / self.scored if self.scored else None


@dataclass(frozen=True)
class EventFacts:
    """A good or bad moment on the timeline: "good", "bad" or "friction"."""

    at: datetime
    tz: str
    touchpoint: str
    kind: str
    title: str = ""
    text: str = ""
    source: str = "moment"
    """"moment" (the moments log), "critical" or "note" (see services.journey)."""


@dataclass(frozen=True)
class JourneyFacts:
    """What the journey report prints.

    Attributes:
        company: the company's name.
        audits: completed audits in the period.
        touchpoints: one per touchpoint audited, in the order to show them.
        heat_themes: the heat map's rows, in the order to show them.
        heat: (theme, touchpoint) -> the points of that theme's items there.
        themes: the findings by theme, most findings first.
        timeline: the good and bad moments, oldest first.
        since: the period's start (inclusive), if any.
        until: the period's end (exclusive), if any.
        bands: the score bands (for colours and the marks on bars).
    """

    company: str
    audits: int
    touchpoints: tuple[TouchpointFacts, ...]
    heat_themes: tuple[str, ...] = ()
    heat: Mapping[tuple[str, str], Tally] = field(default_factory=dict)
    themes: tuple[ThemeFacts, ...] = ()
    timeline: tuple[EventFacts, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    bands: tuple[Band, ...] = DEFAULT_BANDS


def build_journey_report(
    out: BinaryIO,
    facts: JourneyFacts,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the journey report as a PDF to a binary file object.

    Args:
        out: where the PDF goes.
        facts: the company's journey.
        page_size: "a4" or "letter".
        redactor: masks e-mail addresses, phone numbers and names in every user text.
        generated: the time printed as "generated" (default: now).
        creator: the program and version, for the footer and the PDF metadata.
        contents_from_pages: reports this long get a table of contents.

    Returns:
        The number of pages.

    Raises:
        ReportError: no audits in the period, or an unknown page size.
    """
    if facts.audits <= 0 or not facts.touchpoints:
        raise ReportError(
            f"nothing to report: {facts.company!r} has no completed audits in this period"
        )
    report = _JourneyReport(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


def rate_trend_text(trend: Trend) -> str:
    """The trend of a failure rate in words: rising is worse."""
    if trend.slope_per_month is None or trend.direction is None:
        return "—"
    if trend.direction is Direction.FLAT:
        return f"{trend.direction.arrow} steady"
    word = "worse" if trend.direction is Direction.UP else "better"
    return f"{trend.direction.arrow} {word}, {trend.slope_per_month:+.1f} a month"


def score_trend_text(trend: Trend) -> str:
    return trend.describe() or "—"


def fitted(style: ParagraphStyle, texts: Sequence[str], width: float) -> ParagraphStyle:
    """`style`, or a smaller size of it, so that no word of the texts is wider than `width`."""
    widest = max(
        (stringWidth(word, style.fontName, style.fontSize) for t in texts for word in t.split()),
        default=0.0,
    )
    if widest <= width:
        return style
    size = max(5.0, style.fontSize * width / widest)
    return ParagraphStyle(
        f"{style.name}Fitted",
        parent=style,
        fontSize=size,
        leading=size * style.leading / style.fontSize,
    )


class _JourneyReport(Report):
    """Makes the story of a journey report; `story()` may be called once per layout pass."""

    def __init__(
        self,
        facts: JourneyFacts,
        redactor: Redactor,
        *,
        page_size: str,
        generated: datetime | None,
    ) -> None:
        super().__init__(redactor, page_size=page_size, generated=generated)
        self.facts = facts
        self.marks = band_marks(facts.bands)

    # -- helpers -------------------------------------------------------------------

    def period_text(self) -> str:
        since, until = self.facts.since, self.facts.until
        if since and until:
            last = until - timedelta(seconds=1)
            return f"{since:%Y-%m-%d} – {last:%Y-%m-%d}"
        if since:
            return f"since {since:%Y-%m-%d}"
        if until:
            return f"until {until - timedelta(seconds=1):%Y-%m-%d}"
        return "all completed audits"

    def audit_span(self) -> str:
        """The first and last day an audit started in the period."""
        points = [
            (moment, tp) for tp in self.facts.touchpoints for moment, _ in tp.trend.points
        ] + [(tp.latest_at, tp) for tp in self.facts.touchpoints if tp.latest_at is not None]
        if not points:
            return "—"
        first = min(points, key=lambda p: p[0])
        last = max(points, key=lambda p: p[0])
        since = local_day(first[0], first[1].latest_tz)
        return f"{since} – {local_day(last[0], last[1].latest_tz)}"

    def score_color(self, percent: float | None, passed: bool | None = None) -> Color:
        return band_color(percent, self.facts.bands, failed=passed is False)

    def theme_name(self, theme: str) -> str:
        """A theme's title as printed: redacted, since a custom theme tag is typed text."""
        return self.redact(theme_title(theme))

    # -- story ---------------------------------------------------------------------

    def page_info(self) -> PageInfo:
        facts = self.facts
        return PageInfo(
            title=self.redact(f"Company journey: {facts.company}"),
            header_left=self.redact(f"Company journey · {facts.company}"),
            header_right=self.period_text(),
            subject=f"{facts.audits} audits across {len(facts.touchpoints)} touchpoints",
        )

    def story(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += self.cover()
        story += [NextPageTemplate("body"), PageBreak(), ContentsSlot()]
        story += self.touchpoints_part()
        story += self.heat_part()
        story += [PageBreak()]
        story += self.themes_part()
        story += [PageBreak()]
        story += self.moments_part()
        return story

    # -- cover ---------------------------------------------------------------------

    def cover(self) -> list[Flowable]:
        facts, text = self.facts, self.text
        story = self.cover_title(
            "COMPANY JOURNEY",
            facts.company,
            text.ours(f"Every touchpoint · {self.period_text()}", "subtitle"),
        )
        scored = [tp for tp in facts.touchpoints if tp.average is not None]
        rows: list[tuple[str, Flowable]] = [
            (
                "Audits",
                text.ours(
                    f"{plural(facts.audits, 'completed audit', grouped=True)} across "
                    f"{plural(len(facts.touchpoints), 'touchpoint', grouped=True)}",
                    "value",
                ),
            ),
            ("Audit dates", text.ours(self.audit_span(), "value")),
        ]
        if scored:
            best = max(scored, key=lambda tp: tp.average or 0.0)
            worst = min(scored, key=lambda tp: tp.average or 0.0)
            rows.append(
                (
                    "Strongest",
                    text.ours(
                        f"{touchpoint_label(best.touchpoint)}, "
                        f"{percent_text(best.average)} on average",
                        "value",
                    ),
                )
            )
            if worst is not best:
                rows.append(
                    (
                        "Weakest",
                        text.ours(
                            f"{touchpoint_label(worst.touchpoint)}, "
                            f"{percent_text(worst.average)} on average",
                            "value",
                        ),
                    )
                )
        if facts.themes:
            top = facts.themes[0]
            rows.append(
                (
                    "Most findings",
                    text.ours(f"{self.theme_name(top.theme)}: {self.findings_count(top)}", "value"),
                )
            )
        counts = {k: sum(1 for e in facts.timeline if e.kind == k) for k in MomentKind.values()}
        rows.append(
            (
                "Moments",
                text.ours(
                    f"{counts['good']:,} good, {counts['bad']:,} bad, "
                    f"{plural(counts['friction'], 'friction point', grouped=True)}",
                    "value",
                ),
            )
        )
        story += [Spacer(1, 4 * mm), facts_table(rows, width=self.width, label_share=0.22)]
        # A plain paragraph, not a heading: the outline starts after the cover.
        story += [Spacer(1, 8 * mm), text.ours("Latest score by touchpoint", "h2")]
        bars = [
            BarRow(
                touchpoint_label(tp.touchpoint),
                tp.latest_percent,
                self.score_color(tp.latest_percent, tp.latest_passed),
            )
            for tp in facts.touchpoints
        ]
        story.append(bar_chart(bars, width=self.width, marks=self.marks))
        legend = "Red: below the passing bands, or a critical item failed."
        limits = band_limits(self.facts.bands, self.redact)
        if limits:
            legend = f"Marks on the bars: {limits}. {legend}"
        story.append(text.ours(legend, "muted"))
        return story

    def findings_count(self, theme: ThemeFacts) -> str:
        parts = [plural(theme.failed, "failed item", grouped=True)]
        if theme.moments:
            parts.append(
                plural(
                    theme.moments,
                    "bad moment or friction point",
                    "bad moments or friction points",
                    grouped=True,
                )
            )
        return f"{theme.total:,} findings ({', '.join(parts)})"

    # -- touchpoints ---------------------------------------------------------------

    def touchpoints_part(self) -> list[Flowable]:
        text, sheet = self.text, self.sheet
        story: list[Flowable] = [
            heading("Touchpoints", 0),
            text.ours(
                "Each touchpoint's completed audits in the period: the latest score and its "
                "verdict, the average, the trend (the least-squares slope, in points a month; "
                "within ±1 it is flat) and every score, oldest to newest.",
                "muted",
            ),
        ]
        head = ["Touchpoint", "Audits", "Latest", "Average", "Trend", "Scores"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in head]]
        spark_w = 42 * mm
        for tp in self.facts.touchpoints:
            color = self.score_color(tp.latest_percent, tp.latest_passed)
            latest: list[Flowable] = [
                Paragraph(
                    colored(f"<b>{markup(percent_text(tp.latest_percent))}</b>", color),
                    sheet.cell,
                )
            ]
            if tp.latest_verdict:
                latest.append(text.user(tp.latest_verdict, "grid", limit=60, flat=True))
            if tp.latest_at is not None:
                latest.append(text.ours(local_day(tp.latest_at, tp.latest_tz), "grid_muted"))
            values = [score for _at, score in tp.trend.points]
            data.append(
                [
                    text.ours(touchpoint_label(tp.touchpoint), "cell_bold"),
                    text.ours(f"{tp.audits:,}", "cell_right"),
                    latest,
                    text.ours(percent_text(tp.average), "cell_right"),
                    text.ours(score_trend_text(tp.trend), "cell"),
                    sparkline(
                        values,
                        width=spark_w,
                        height=16,
                        last_color=color,
                        marks=self.marks,
                    ),
                ]
            )
        w = self.width
        widths = [w * 0.2, 14 * mm, w * 0.17, 18 * mm, w * 0.19]
        widths.append(w - sum(widths))
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            table_style(
                [("TOPPADDING", (0, 1), (-1, -1), 5), ("BOTTOMPADDING", (0, 1), (-1, -1), 5)],
                head=True,
            )
        )
        story.append(table)
        limits = band_limits(self.facts.bands, self.redact)
        legend = "Scores on a 0–100% scale"
        legend += f"; faint lines at the band limits ({limits})." if limits else "."
        story.append(text.ours(legend, "muted"))
        return story

    # -- heat map ------------------------------------------------------------------

    def heat_part(self) -> list[Flowable]:
        text, sheet, facts = self.text, self.sheet, self.facts
        story: list[Flowable] = [
            CondPageBreak(80 * mm),
            heading("Themes by touchpoint", 0, space_before=10 * mm),
            text.ours(
                "The share of the points each theme's items earned, over every audit of the "
                "touchpoint in the period (scored items only). Red at 0%, amber at 60%, green "
                "from 80%. Below each share: how many of the theme's scored items failed, of "
                "how many.",
                "muted",
            ),
        ]
        touchpoints = [tp.touchpoint for tp in facts.touchpoints]
        if not facts.heat_themes or not facts.heat:
            return [*story, text.ours("No scored items in these audits.", "body")]
        theme_w = 34 * mm
        other = (self.width - theme_w) / (len(touchpoints) + 1)
        labels = [touchpoint_label(t) for t in touchpoints] + ["All"]
        # A touchpoint's name breaks between words, never inside one: narrow columns
        # get a smaller header instead.
        head_style = fitted(sheet.grid_head, labels, other - 6)
        head: list[Any] = [Paragraph(markup("Theme"), sheet.grid_head)]
        head += [Paragraph(markup(label), head_style) for label in labels]
        data: list[list[Any]] = [head]
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("GRID", (1, 1), (-1, -1), 1.2, Color(1, 1, 1)),
            ("LINEBEFORE", (-1, 0), (-1, -1), 1.5, MUTED),
            ("LINEBELOW", (0, 1), (0, -1), 0.25, RULE),
        ]
        for r, theme in enumerate(facts.heat_themes, start=1):
            row: list[Any] = [text.user(theme_title(theme), "grid_bold", limit=80, flat=True)]
            total = Tally()
            cells = [facts.heat.get((theme, t)) for t in touchpoints]
            for cell in cells:
                if cell is not None:
                    total.add(cell)
            for c, tally in enumerate([*cells, total if total.scored else None], start=1):
                row.append(self.heat_cell(tally))
                fill = heat_fill(tally.percent) if tally is not None else None
                if fill is not None:
                    commands.append(("BACKGROUND", (c, r), (c, r), fill))
            data.append(row)
        table = Table(data, colWidths=[theme_w] + [other] * (len(touchpoints) + 1), repeatRows=1)
        table.setStyle(TableStyle(commands))
        story += [table, Spacer(1, 2 * mm), self.heat_legend()]
        return story

    def heat_cell(self, tally: Tally | None) -> list[Flowable]:
        if tally is None or tally.percent is None:
            return [self.text.ours("—", "grid_center")]
        return [
            self.text.ours(percent_text(tally.percent), "grid_center_bold"),
            self.text.ours(f"{tally.failed:,} of {tally.scored:,}", "grid_center"),
        ]

    def heat_legend(self) -> Table:
        steps = [0, 20, 40, 60, 70, 80, 100]
        cells = [self.text.ours(f"{p}%", "grid_center") for p in steps]
        cells.append(self.text.ours("— not measured", "grid_muted"))
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        for c, percent in enumerate(steps):
            fill = heat_fill(percent)
            assert fill is not None
            commands.append(("BACKGROUND", (c, 0), (c, 0), fill))
        widths = [12 * mm] * len(steps) + [30 * mm]
        table = Table([cells], colWidths=widths, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        return table

    # -- findings by theme ---------------------------------------------------------

    def themes_part(self) -> list[Flowable]:
        text, sheet, facts = self.text, self.sheet, self.facts
        story: list[Flowable] = [
            heading("Findings by theme", 0),
            text.ours(
                "A finding is a failed item (below half its points), a bad moment or a friction "
                "point. The failure rate is failed items per 100 scored items of the theme; its "
                "trend is month by month, so a rising rate means the theme is getting worse.",
                "muted",
            ),
        ]
        if not facts.themes:
            return [*story, text.ours("No failed items, bad moments or friction points.", "body")]
        head = ["Theme", "Findings", "Failed", "Moments", "Rate", "Audits", "Trend", "By month"]
        widths = [self.width * 0.19, 16 * mm, 13 * mm, 18 * mm, 12 * mm, 14 * mm]
        bars_w = 36 * mm
        widths.append(self.width - sum(widths) - bars_w - 8)
        widths.append(bars_w + 8)
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.grid_head) for t in head]]
        for theme in facts.themes:
            data.append(
                [
                    text.user(theme_title(theme.theme), "grid_bold", limit=80, flat=True),
                    text.ours(f"{theme.total:,}", "grid"),
                    text.ours(f"{theme.failed:,}", "grid"),
                    text.ours(f"{theme.moments:,}", "grid"),
                    text.ours(percent_text(theme.rate), "grid"),
                    text.ours(f"{theme.audits:,}", "grid"),
                    text.ours(rate_trend_text(theme.trend), "grid"),
                    month_bars(theme.months, width=bars_w, height=14, labels=False),
                ]
            )
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(table_style([("VALIGN", (0, 1), (-1, -1), "MIDDLE")], head=True))
        story.append(table)
        story.append(
            text.ours(
                "By month: the failure rate of each month in the period, taller is worse; "
                "a dot marks a month without audits.",
                "muted",
            )
        )
        for theme in facts.themes:
            story += self.theme_section(theme)
        return story

    def theme_section(self, theme: ThemeFacts) -> list[Flowable]:
        text, sheet = self.text, self.sheet
        title = f"{self.theme_name(theme.theme)} — {plural(theme.total, 'finding', grouped=True)}"
        summary = (
            f"{self.findings_count(theme)} in {plural(theme.audits, 'audit', grouped=True)}; "
            f"{percent_text(theme.rate)} of {theme.scored:,} scored items failed; "
            f"trend {rate_trend_text(theme.trend)}."
        )
        lead: list[Flowable] = [
            CondPageBreak(60 * mm),
            heading(title, 1),
            text.ours(summary, "small"),
            Spacer(1, 2 * mm),
        ]
        if theme.months:
            lead.append(month_bars(theme.months, width=self.width, height=22 * mm))
        story: list[Flowable] = []
        if theme.items:
            # The theme's heading, figures and worst items stay on one page.
            lead.append(heading("Items that failed most", 2, space_before=3 * mm))
            head = ["Item", "Touchpoint", "Failed", "Rate"]
            data: list[list[Any]] = [[Paragraph(markup(t), sheet.grid_head) for t in head]]
            for item in theme.items[:WORST_ITEMS]:
                rate = 100.0 * item.failed / item.scored if item.scored else None
                data.append(
                    [
                        text.user(item.prompt, "grid", limit=PROMPT_LIMIT, flat=True),
                        text.ours(touchpoint_label(item.touchpoint), "grid"),
                        text.ours(f"{item.failed:,} of {item.scored:,}", "grid"),
                        text.ours(percent_text(rate), "grid"),
                    ]
                )
            w = self.width
            widths = [w - 30 * mm - 22 * mm - 14 * mm, 30 * mm, 22 * mm, 14 * mm]
            table = Table(data, colWidths=widths, repeatRows=1)
            table.setStyle(table_style(head=True))
            lead.append(table)
            if len(theme.items) > WORST_ITEMS:
                more = len(theme.items) - WORST_ITEMS
                lead.append(
                    text.ours(
                        f"and {plural(more, 'more item', grouped=True)} that failed.", "muted"
                    )
                )
        story.append(KeepTogether(lead))
        if theme.findings:
            story.append(heading("Latest findings", 2, space_before=3 * mm))
            story.append(self.findings_table(theme.findings[:LATEST_FINDINGS]))
        return story

    def findings_table(self, findings: Sequence[FindingFacts]) -> Table:
        text, sheet = self.text, self.sheet
        data: list[list[Any]] = []
        for finding in findings:
            label = FINDING_LABELS.get(finding.kind, finding.kind)
            if finding.critical:
                label = f"Critical · {label}"
            color = BAD if finding.kind in ("failed_item", "bad") else FAIR
            what: list[Flowable] = [
                Paragraph(
                    colored(f"<b>{markup(label)}</b>", color)
                    + (
                        f" — {text.user_markup(finding.prompt, limit=PROMPT_LIMIT, flat=True)}"
                        if finding.prompt
                        else ""
                    ),
                    sheet.cell,
                )
            ]
            if finding.answer:
                answer = text.user_markup(finding.answer, limit=120, flat=True)
                what.append(Paragraph(f"{markup('Answer: ')}{answer}", sheet.muted))
            if finding.note.strip():
                what.append(text.user(finding.note, "small", limit=NOTE_LIMIT))
            data.append(
                [
                    [
                        text.ours(local_time(finding.at, finding.tz, with_zone=False), "grid"),
                        text.ours(touchpoint_label(finding.touchpoint), "grid_muted"),
                    ],
                    what,
                ]
            )
        table = Table(data, colWidths=[30 * mm, self.width - 30 * mm], splitInRow=MIN_ROW_SPLIT)
        table.setStyle(
            table_style(
                [("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE), ("LEFTPADDING", (0, 0), (0, -1), 0)]
            )
        )
        return table

    # -- moments -------------------------------------------------------------------

    def moments_part(self) -> list[Flowable]:
        text, facts = self.text, self.facts
        events = sorted(facts.timeline, key=lambda e: e.at)
        counts = {k: sum(1 for e in events if e.kind == k) for k in MomentKind.values()}
        story: list[Flowable] = [
            heading("Moments across touchpoints", 0),
            text.ours(
                "The good and bad moments of the audits, in time: what the shoppers logged "
                "(good, bad, friction), every critical item that failed, and the shoppers' "
                f"notes on items that passed or failed. {counts['good']:,} good, "
                f"{counts['bad']:,} bad, "
                f"{plural(counts['friction'], 'friction point', grouped=True)}.",
                "muted",
            ),
        ]
        if not events:
            return [*story, text.ours("No moments in these audits.", "body")]
        legend = "   ".join(
            f"{colored('●', MOMENT_COLORS[k])} {markup(MomentKind.label_of(k))}"
            for k in ("good", "friction", "bad")
        )
        story += [
            Spacer(1, 2 * mm),
            self.lanes(events),
            Paragraph(f"{legend}   {markup('(top to bottom in each lane)')}", self.sheet.muted),
            Spacer(1, 4 * mm),
        ]
        shown = list(reversed(events))[:TIMELINE_LIMIT]
        if len(events) > len(shown):
            story.append(
                text.ours(
                    f"The newest {len(shown):,} of {len(events):,} moments, newest first "
                    "(the chart shows them all):",
                    "small",
                )
            )
        else:
            story.append(text.ours("Every moment, newest first:", "small"))
        story.append(self.events_table(shown))
        return story

    def lanes(self, events: Sequence[EventFacts]) -> Table:
        """One lane per touchpoint: good moments on top, friction in the middle, bad below."""
        sheet = self.sheet
        label_w = 30 * mm
        lane_w = self.width - label_w
        lanes = [tp.touchpoint for tp in self.facts.touchpoints]
        lanes += sorted({e.touchpoint for e in events} - set(lanes))
        scale = TimeScale.around([e.at for e in events], 4, lane_w - 4)
        rows: list[list[Any]] = []
        for touchpoint in lanes:
            dots = [
                LaneDot(e.at, KIND_ROWS.get(e.kind, 1), MOMENT_COLORS.get(e.kind, NEUTRAL))
                for e in events
                if e.touchpoint == touchpoint
            ]
            rows.append(
                [
                    Paragraph(markup(touchpoint_label(touchpoint)), sheet.grid),
                    lane(dots, scale, width=lane_w, height=18),
                ]
            )
        rows.append(["", time_axis(scale, width=lane_w)])
        table = Table(rows, colWidths=[label_w, lane_w])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    def events_table(self, events: Sequence[EventFacts]) -> Table:
        text, sheet = self.text, self.sheet
        head = ["When", "Touchpoint", "Kind", "What happened"]
        data: list[list[Any]] = [[Paragraph(markup(t), sheet.cell_head) for t in head]]
        for event in events:
            color = MOMENT_COLORS.get(event.kind, NEUTRAL)
            kind = [
                Paragraph(
                    colored(f"<b>{markup(MomentKind.label_of(event.kind))}</b>", color),
                    sheet.grid,
                ),
                text.ours(SOURCE_LABELS.get(event.source, event.source), "grid_muted"),
            ]
            what: list[Flowable] = []
            if event.title.strip():
                what.append(text.user(event.title, "grid_bold", limit=PROMPT_LIMIT, flat=True))
            if event.text.strip():
                what.append(text.user(event.text, "grid", limit=NOTE_LIMIT))
            data.append(
                [
                    text.ours(local_time(event.at, event.tz, with_zone=False), "grid"),
                    text.ours(touchpoint_label(event.touchpoint), "grid"),
                    kind,
                    what or [text.ours("—", "grid_muted")],
                ]
            )
        w = self.width
        widths = [25 * mm, 24 * mm, 27 * mm]
        widths.append(w - sum(widths))
        critical = [
            ("BACKGROUND", (0, r), (-1, r), SHADE)
            for r, event in enumerate(events, start=1)
            if event.source == "critical"
        ]
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=MIN_ROW_SPLIT)
        table.setStyle(table_style(critical, head=True))
        return table


__all__ = [
    "EventFacts",
    "FindingFacts",
    "JourneyFacts",
    "MonthBar",
    "ThemeFacts",
    "ThemeItemFacts",
    "TouchpointFacts",
    "build_journey_report",
]
