"""What the parts of an audit report share while it is laid out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shopper.report.base import Writer
from shopper.report.facts import AuditFacts, EvidenceFact
from shopper.report.images import PreparedImages
from shopper.report.redact import Redactor
from shopper.report.styles import styles
from shopper.report.text import one_line

ITEM_LABEL_LIMIT = 120


@dataclass
class ReportContext:
    """One report's facts, page, redaction, images and cross-references.

    Attributes:
        text: the parts' paragraphs: user text redacted, clipped and escaped.
        item_numbers: item id -> its number in the checklist ("2.3"), for the
            items this audit shows.
        evidence_numbers: evidence id -> its number in the appendix (E1, E2...).
    """

    facts: AuditFacts
    redact: Redactor
    width: float
    height: float
    generated: datetime
    images: PreparedImages = field(default_factory=PreparedImages)
    item_numbers: Mapping[str, str] = field(default_factory=dict)
    evidence_numbers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sheet = styles()
        self.text = Writer(self.redact)
        self.attachments: dict[str, EvidenceFact] = {e.id: e for e in self.facts.attachments}

    def item_label(self, item_id: str) -> str:
        """ "Item 2.3: Did a person answer?" (redacted); an unknown item is named by its id."""
        template = self.facts.template
        if not template.has_item(item_id):
            return f"Item {item_id} (not in this checklist)"
        prompt = one_line(self.redact(template.item(item_id).prompt), ITEM_LABEL_LIMIT)
        number = self.item_numbers.get(item_id)
        return f"Item {number}: {prompt}" if number else f"Item: {prompt}"

    def evidence_tag(self, evidence_id: str) -> str:
        """ "E3", the appendix number of a piece of evidence, or "" if it has none."""
        number = self.evidence_numbers.get(evidence_id)
        return f"E{number}" if number else ""
