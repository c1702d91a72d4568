"""The said-no summary (seed 002) as a PDF: the log's days and counts, the requests refused
most often, and the three lists a manager acts on. Every text staff typed prints as typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Spacer, Table

from shopper.domain.clock import in_zone
from shopper.domain.said_no import ActionList, Summary, reason_label, theme_name
from shopper.report.base import Report, plural, table_style
from shopper.report.document import CONTENTS_FROM_PAGES, DEFAULT_PAGE_SIZE, PageInfo, heading
from shopper.report.flowables import facts_table
from shopper.report.redact import NO_REDACTION, Redactor

LISTS = (ActionList.POLICIES, ActionList.TRAINING, ActionList.IDEAS)
TEXT_LIMIT = 1500


def build_said_no_report(
    out: BinaryIO,
    facts: Summary,
    *,
    page_size: str = DEFAULT_PAGE_SIZE,
    redactor: Redactor = NO_REDACTION,
    generated: datetime | None = None,
    creator: str = "Shopper",
    contents_from_pages: int = CONTENTS_FROM_PAGES,
) -> int:
    """Write the said-no summary as a PDF to a binary file object; returns the page count."""
    report = _SaidNoReport(facts, redactor, page_size=page_size, generated=generated)
    return report.write(out, creator=creator, contents_from_pages=contents_from_pages)


class _SaidNoReport(Report[Summary]):
    def page_info(self) -> PageInfo:
        name = self.redact(self.facts.company)
        return PageInfo(
            title=f"Said-no log: {name}",
            header_left=name,
            header_right="Said-no log",
            subject="What staff said no to, and what it teaches",
        )

    def story(self) -> list[Flowable]:
        facts, text = self.facts, self.text
        who = f" · {facts.team}" if facts.team else ""
        story = self.cover_title(
            "SAID-NO LOG",
            facts.company,
            text.ours(
                f"{facts.starts.isoformat()} to {facts.ends.isoformat()} · {facts.progress()}{who}",
                "subtitle",
            ),
        )
        rows: list[tuple[str, Flowable]] = [
            ("Entries", text.ours(plural(len(facts.entries), "refusal"), "value")),
            (
                "Days with no entry",
                text.ours(str(len(facts.empty_days)) if facts.per_day else "-", "value"),
            ),
        ]
        rows += [
            (kind.label, text.ours(str(len(facts.lists.get(kind, ()))), "value")) for kind in LISTS
        ]
        if facts.top_requests:
            top = facts.top_requests[0]
            rows.append(
                (
                    "Refused most often",
                    text.user(f"{top.asked} ({top.count}x)", "value", limit=200, flat=True),
                )
            )
        story += [Spacer(1, 4 * mm), facts_table(rows, width=self.width, label_share=0.3)]
        story += [NextPageTemplate("body"), PageBreak()]
        for kind in LISTS:
            story += self._list(kind)
        story += self._counts()
        story += self._days()
        return story

    def _list(self, kind: ActionList) -> list[Flowable]:
        entries = self.facts.lists.get(kind, ())
        out: list[Flowable] = [heading(f"{kind.label} ({len(entries)})", 0)]
        if not entries:
            return [*out, self.text.ours("None.", "muted")]
        data: list[list[Flowable]] = [
            [
                self.text.ours("Asked for", "cell_head"),
                self.text.ours("What we said no to, and why", "cell_head"),
                self.text.ours("Reason · theme · channel", "cell_head"),
            ]
        ]
        for entry in entries:
            where = " · ".join(
                part
                for part in (
                    reason_label(entry.reason),
                    theme_name(entry.theme) if entry.theme else "",
                    entry.channel,
                    in_zone(entry.at, entry.tz).date().isoformat(),
                )
                if part
            )
            data.append(
                [
                    self.text.user(entry.asked, "cell", limit=TEXT_LIMIT),
                    self.text.user(entry.refused or "-", "cell", limit=TEXT_LIMIT),
                    self.text.user(where, "cell", limit=300),
                ]
            )
        widths = [self.width * 0.34, self.width * 0.38, self.width * 0.28]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(table_style(head=True))
        return [*out, table, Spacer(1, 4 * mm)]

    def _counts(self) -> list[Flowable]:
        facts = self.facts
        out: list[Flowable] = [heading("Counts", 0)]
        for title, pairs, label in (
            ("By reason", facts.by_reason, reason_label),
            ("By theme", facts.by_theme, theme_name),
            ("By channel", facts.by_channel, lambda c: c or "Not said"),
        ):
            out.append(heading(title, 1))
            if not pairs:
                out.append(self.text.ours("None.", "muted"))
                continue
            data = [
                [
                    self.text.user(label(key), "cell", limit=200),
                    self.text.ours(str(n), "cell_right"),
                ]
                for key, n in pairs
            ]
            table = Table(data, colWidths=[self.width * 0.6, self.width * 0.15], hAlign="LEFT")
            table.setStyle(table_style())
            out.append(table)
        if facts.top_requests:
            out.append(heading("The requests refused most often", 1))
            data = [
                [
                    self.text.user(r.asked, "cell", limit=TEXT_LIMIT),
                    self.text.ours(f"{r.count}x", "cell_right"),
                    self.text.ours(", ".join(reason_label(x) for x in r.reasons), "cell"),
                ]
                for r in facts.top_requests
            ]
            table = Table(data, colWidths=[self.width * 0.5, self.width * 0.1, self.width * 0.4])
            table.setStyle(table_style())
            out.append(table)
        return out

    def _days(self) -> list[Flowable]:
        facts = self.facts
        out: list[Flowable] = [heading("Entries per day", 0)]
        if not facts.per_day:
            return [*out, self.text.ours("The log has not started yet.", "muted")]
        cells = [
            self.text.ours(
                f"{day.isoformat()}: {count}"
                + (" (none)" if count == 0 and day < facts.today else ""),
                "cell",
            )
            for day, count in facts.per_day
        ]
        columns = 4
        rows = [cells[k : k + columns] for k in range(0, len(cells), columns)]
        rows[-1] += [Spacer(1, 1)] * (columns - len(rows[-1]))
        table = Table(rows, colWidths=[self.width / columns] * columns)
        table.setStyle(table_style())
        return [*out, table]
