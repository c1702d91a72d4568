"""What an audit report prints: plain data, no database.

The services fill these from the store (`shopper.services.reports.audit_facts`);
tests make them by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.history import HistoryEntry
from shopper.domain.instruments import Step
from shopper.domain.template import Template
from shopper.domain.vocabulary import DEFAULT_HOURS
from shopper.report.flowables import EvidenceImage


def default_calendar() -> BusinessCalendar:
    """The opening hours a new company starts with: weekdays 09:00–17:00 UTC."""
    return BusinessCalendar.from_config("UTC", DEFAULT_HOURS)


@dataclass(frozen=True)
class MomentFact:
    """A moment the shopper logged: "good", "bad" or "friction", with a note.

    `item_id` is the checklist item it concerns, if any; `id` links the
    evidence attached to it (`EvidenceFact.moment_id`).
    """

    kind: str
    at: datetime
    tz: str
    note: str
    item_id: str | None = None
    id: str = ""


@dataclass(frozen=True)
class EvidenceFact:
    """A file attached to the audit: to an item, a moment or a page of the website path.

    `path` is the stored file, or None when the data folder is not at hand (the
    appendix then lists the file without showing it). `kind` is what the file
    was checked to be when attached: "image", "audio", "email" or "pdf".
    """

    id: str
    kind: str
    filename: str
    size: int
    sha256: str
    path: Path | None = None
    caption: str = ""
    item_id: str | None = None
    moment_id: str | None = None
    added_at: datetime | None = None
    added_tz: str = "UTC"


@dataclass(frozen=True)
class InstrumentFacts:
    """The steps each instrument recorded (`shopper.domain.instruments.Step`, any order).

    `calendar` holds the company's zone, opening hours and holidays, in which
    e-mail response times are counted.
    """

    phone: Sequence[Step] = ()
    web: Sequence[Step] = ()
    email: Sequence[Step] = ()
    calendar: BusinessCalendar = field(default_factory=default_calendar)

    def __bool__(self) -> bool:
        return bool(self.phone or self.web or self.email)


@dataclass(frozen=True)
class AuditFacts:
    """Everything the audit report prints.

    `answers` maps item ids to stored answer values and `notes` to the
    shopper's notes. Item thumbnails beside a finding come from `attachments`
    (images with that `item_id`) and from `evidence`, extra image files per
    item that have no record (plain paths or `EvidenceImage`s). The appendix
    shows every attachment.
    """

    audit_id: str
    company: str
    touchpoint: str
    shopper: str
    status: str
    started_at: datetime
    started_tz: str
    template: Template
    answers: Mapping[str, Any]
    notes: Mapping[str, str] = field(default_factory=dict)
    completed_at: datetime | None = None
    completed_tz: str | None = None
    evidence: Mapping[str, Sequence[Path | EvidenceImage]] = field(default_factory=dict)
    moments: Sequence[MomentFact] = ()
    instruments: InstrumentFacts = field(default_factory=InstrumentFacts)
    attachments: Sequence[EvidenceFact] = ()
    history: Sequence[HistoryEntry] = ()
    """Its shop's moves, reopenings, review comments and answer changes, oldest first; the
    report prints them as its "Review trail" when any is more than a start or completion."""


def step_text(step: Step, key: str, *, limit: int = 2000) -> str:
    """A text field of a step's details, whatever JSON type it was stored as."""
    value = step.data.get(key)
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (int, float)):
        text = f"{value:g}"
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text[:limit]
