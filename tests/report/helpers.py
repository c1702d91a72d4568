"""Helpers for report tests: templates and audits made in memory, and reading PDFs back."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from unittest import mock

import pypdf
import pypdf._text_extraction as _extraction
from pypdf.generic import IndirectObject

from shopper.domain.business_hours import WEEKDAYS, BusinessCalendar
from shopper.domain.instruments import Step
from shopper.domain.template import Item, ItemType, Option, Scale, Section, Target, Template
from shopper.report.audit import (
    AuditFacts,
    EvidenceFact,
    EvidenceImage,
    InstrumentFacts,
    MomentFact,
    build_audit_report,
)
from shopper.report.document import MARGIN_BOTTOM, MARGIN_TOP
from shopper.report.redact import NO_REDACTION, Redactor

STARTED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
GENERATED = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def yes_no(item_id: str, prompt: str, **extra: Any) -> Item:
    return Item(id=item_id, prompt=prompt, type=ItemType.YES_NO, allow_na=True, **extra)


def make_template(
    sections: Sequence[tuple[str, Sequence[Item]]], *, title: str = "Phone check"
) -> Template:
    return Template(
        id="11111111-2222-3333-4444-555555555555",
        version=3,
        title=title,
        touchpoint="phone",
        sections=tuple(
            Section(
                id=f"s{n}",
                title=name,
                items=tuple(Item(**{**vars(i), "section_id": f"s{n}"}) for i in items),
            )
            for n, (name, items) in enumerate(sections, start=1)
        ),
    )


def mixed_template() -> Template:
    """One item of most types, a critical one and a hidden one."""
    return make_template(
        [
            (
                "Reaching a person",
                [
                    yes_no("answered", "Did a person answer?", critical=True, weight=2),
                    Item(
                        id="wait",
                        prompt="How long until a person answered?",
                        type=ItemType.DURATION,
                        target=Target(good=60, bad=600),
                    ),
                    Item(
                        id="menu",
                        prompt="How was the menu?",
                        type=ItemType.RATING,
                        scale=Scale(1, 5, "Awful", "Great"),
                    ),
                ],
            ),
            (
                "Resolution",
                [
                    yes_no("solved", "Was the problem solved?", weight=3),
                    Item(
                        id="channel",
                        prompt="Which channel solved it?",
                        type=ItemType.SINGLE_CHOICE,
                        options=(Option("phone", "Phone", 1.0), Option("mail", "E-mail", 0.5)),
                    ),
                    Item(id="remark", prompt="Anything else?", type=ItemType.TEXT),
                ],
            ),
        ]
    )


def facts(
    template: Template | None = None,
    answers: Mapping[str, Any] | None = None,
    notes: Mapping[str, str] | None = None,
    *,
    company: str = "Acme Ltd",
    shopper: str = "Tess Tester",
    evidence: Mapping[str, Sequence[Path | EvidenceImage]] | None = None,
    moments: Sequence[MomentFact] = (),
    instruments: InstrumentFacts | None = None,
    attachments: Sequence[EvidenceFact] = (),
) -> AuditFacts:
    return AuditFacts(
        audit_id="0e5c9beb-cd26-4ea8-9437-35d4ec1b2724",
        company=company,
        touchpoint="phone",
        shopper=shopper,
        status="Completed",
        started_at=STARTED,
        started_tz="Europe/Warsaw",
        completed_at=STARTED.replace(hour=10),
        completed_tz="Europe/Warsaw",
        template=template or mixed_template(),
        answers=dict(answers or {}),
        notes=dict(notes or {}),
        evidence=dict(evidence or {}),
        moments=tuple(moments),
        instruments=instruments or InstrumentFacts(),
        attachments=tuple(attachments),
    )


def render(
    audit: AuditFacts,
    *,
    page_size: str = "a4",
    redactor: Redactor = NO_REDACTION,
    contents_from_pages: int = 8,
) -> bytes:
    out = BytesIO()
    build_audit_report(
        out,
        audit,
        page_size=page_size,
        redactor=redactor,
        generated=GENERATED,
        contents_from_pages=contents_from_pages,
    )
    return out.getvalue()


@dataclass
class Pdf:
    """A PDF read back with pypdf."""

    reader: pypdf.PdfReader

    @classmethod
    def of(cls, data: bytes) -> Pdf:
        assert data.startswith(b"%PDF-")
        return cls(pypdf.PdfReader(BytesIO(data)))

    @property
    def page_count(self) -> int:
        return len(self.reader.pages)

    def page_texts(self) -> list[str]:
        """Each page's text in drawing order.

        pypdf reverses runs of Arabic and Hebrew on the assumption that a PDF
        stores them in visual order; we draw them in logical order, so that
        reordering is switched off here.
        """
        with _logical_order():
            return [page.extract_text() for page in self.reader.pages]

    @property
    def text(self) -> str:
        return "\n".join(self.page_texts())

    def body_text(self) -> str:
        """The text between the page margins: running headers and footers left out."""
        parts: list[str] = []
        with _logical_order():
            for page in self.reader.pages:
                top = float(page.mediabox.height) - MARGIN_TOP

                def keep(text: str, cm: Any, tm: Any, *_rest: Any, top: float = top) -> None:
                    y = tm[5] * cm[3] + cm[5]
                    if MARGIN_BOTTOM - 1 <= y <= top + 1:
                        parts.append(text)

                page.extract_text(visitor_text=keep)
        return "".join(parts)

    def uris(self) -> list[str]:
        """Every /URI action of every annotation."""
        found = []
        for page in self.reader.pages:
            for annot in _resolve(page.get("/Annots")) or []:
                action = _resolve(_resolve(annot).get("/A"))
                if action is not None and "/URI" in action:
                    found.append(str(action["/URI"]))
        return found

    def outline_titles(self) -> list[str]:
        """The top level of the PDF outline (the viewer's bookmarks)."""
        return [str(e.title) for e in self.reader.outline if not isinstance(e, list)]

    def image_count(self) -> int:
        """Image XObjects on all pages, forms included (each embedded picture counts once)."""
        seen: set[int] = set()
        count = 0
        for page in self.reader.pages:
            for ref, xobject in _xobjects(page.get("/Resources")):
                if ref in seen:
                    continue
                seen.add(ref)
                if xobject.get("/Subtype") == "/Image":
                    count += 1
        return count


@contextlib.contextmanager
def _logical_order() -> Iterator[None]:
    with (
        mock.patch.object(_extraction, "is_char_rtl", lambda *_args: False),
        mock.patch.object(_extraction, "RTL_CHARACTER_PATTERN", re.compile(r"(?!)")),
    ):
        yield


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _xobjects(resources: Any) -> Iterator[tuple[int, Any]]:
    resources = _resolve(resources)
    if not resources or "/XObject" not in resources:
        return
    for ref in _resolve(resources["/XObject"]).values():
        xobject = _resolve(ref)
        key = ref.idnum if isinstance(ref, IndirectObject) else id(xobject)
        yield key, xobject
        if xobject.get("/Subtype") == "/Form":
            yield from _xobjects(xobject.get("/Resources"))


def squeeze(text: str) -> str:
    """Text without any whitespace: wrapping adds line breaks, and the extractor may
    add or drop spaces where it does."""
    return "".join(text.split())


# -- instrument data -------------------------------------------------------------------

CALL_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(seconds: float, start: datetime = CALL_START) -> datetime:
    return start + timedelta(seconds=seconds)


def phone_call() -> list[Step]:
    """A call with three menu levels, a loop, a hold, two people, a repeat and a transfer."""
    support = "Support. For internet press 1, for TV press 2, for your phone line press 3."
    rows: list[tuple[float, str, dict[str, Any]]] = [
        (0, "call_start", {}),
        (
            6,
            "menu",
            {
                "prompt": "Welcome to Acme. For sales press 1, for billing 2, for support 3.",
                "options": "1 sales, 2 billing, 3 support",
                "key": "3",
            },
        ),
        (31, "menu", {"prompt": support, "options": "3", "key": "1"}),
        (52, "menu", {"prompt": "Enter your customer number, then the hash key.", "key": "#"}),
        (80, "menu", {"prompt": support, "options": "3", "key": "1"}),
        (100, "hold_start", {}),
        (370, "human", {"name": "Marta"}),
        (420, "repeat", {"what": "customer number"}),
        (510, "transfer", {"note": "Sent to the billing desk"}),
        (585, "human", {"name": "Piotr"}),
        (780, "call_end", {}),
    ]
    return [Step(f"p{n}", kind, at(s), data) for n, (s, kind, data) in enumerate(rows)]


def web_path(shots: dict[int, str] | None = None) -> list[Step]:
    """Four pages to a contact form, then "contact found"; `shots` maps page index to an
    evidence id."""
    pages = [
        ("https://acme.example/", "Acme — home", "", False, []),
        ("https://acme.example/help", "Help centre", "Help", False, ["chat_bot"]),
        ("https://acme.example/help/contact", "Contact us", "Still need help?", True, ["email"]),
        (
            "https://acme.example/help/contact/form?topic=billing&ref=<b>x</b>",
            "Write to us",
            "Send a message",
            True,
            ["web_form", "email"],
        ),
    ]
    steps = []
    for n, (url, title, clicked, visible, channels) in enumerate(pages):
        data: dict[str, Any] = {
            "url": url,
            "title": title,
            "clicked": clicked,
            "contact_visible": visible,
            "channels": channels,
        }
        if shots and n in shots:
            data["evidence_id"] = shots[n]
        steps.append(Step(f"w{n}", "page", at(40 * n), data))
    steps.append(
        Step("wf", "found", at(175), {"channel": "web_form", "channels": ["web_form", "email"]})
    )
    return steps


FRIDAY_AFTERNOON = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 16:00 in Warsaw


def email_exchange(*, replied: bool = True) -> list[Step]:
    """Sent on a Friday afternoon; the reply comes on Monday morning, a follow-up on Tuesday."""
    steps = [Step("e0", "sent", FRIDAY_AFTERNOON, {"subject": "Billing question <#123>"})]
    if replied:
        steps += [
            Step(
                "e1", "reply", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), {"subject": "Re: Billing"}
            ),
            Step("e2", "follow_up", datetime(2026, 11, 24, 12, 0, tzinfo=UTC), {}),
        ]
    return steps


def warsaw_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_config(
        "Europe/Warsaw", {d: ["09:00", "17:00"] for d in WEEKDAYS[:5]}
    )
