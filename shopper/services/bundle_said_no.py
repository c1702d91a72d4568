"""The said-no logs and feedback of a bundle's companies: the optional member `said_no.json`
(docs/bundle-format.md).

Export writes the logs, their entries and the feedback entries of every company the bundle
carries. Import checks every field (naming the member and field at fault, as
`shopper.services.bundle_read` does) before anything changes, and adds the rows whose id is
not here yet: the same bundle imported twice adds nothing, and a row here is never
overwritten (a manager's move or re-tag here stays). A bundle without the member is read as
before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from shopper.domain.said_no import MAX_DAYS, ActionList, Reason
from shopper.services.bundle_read import PLAUSIBLE_AHEAD, _Fields
from shopper.services.bundle_zip import BundleArchive
from shopper.services.feedback import Kind
from shopper.store import exchange
from shopper.store import said_no as store
from shopper.store.tables import FeedbackEntry, SaidNoCampaign, SaidNoEntry

MEMBER = "said_no.json"
MAX_TEXT = 20_000


@dataclass
class SaidNoContent:
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SaidNoMerge:
    campaigns: int = 0
    entries: int = 0
    feedback: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.campaigns or self.entries or self.feedback)

    def line(self) -> str:
        return (
            f"Said-no logs: {self.campaigns} added, with {self.entries} entries; feedback:"
            f" {self.feedback} entries added."
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def member(session: Session, company_ids: list[str]) -> dict[str, Any]:
    """What `said_no.json` holds for these companies."""
    campaigns = [c for c in store.list_campaigns(session=session) if c.company_id in company_ids]
    entries = store.list_entries(session=session, campaign_ids=[c.id for c in campaigns])
    feedback = [
        f for cid in company_ids for f in store.list_feedback(session=session, company_id=cid)
    ]
    return {
        "campaigns": [
            {
                "id": c.id,
                "company_id": c.company_id,
                "team": c.team,
                "starts": c.starts.isoformat(),
                "days": c.days,
                "kept_by": c.kept_by,
                "created_by": c.created_by,
                "created_at": _iso(c.created_at),
            }
            for c in campaigns
        ],
        "entries": [
            {
                "id": e.id,
                "campaign_id": e.campaign_id,
                "at": _iso(e.at),
                "tz": e.tz,
                "channel": e.channel,
                "asked": e.asked,
                "refused": e.refused,
                "reason": e.reason,
                "said_by": e.said_by,
                "theme": e.theme,
                "action_list": e.action_list,
                "note": e.note,
                "created_by": e.created_by,
                "created_at": _iso(e.created_at),
            }
            for e in entries
        ],
        "feedback": [
            {
                "id": f.id,
                "company_id": f.company_id,
                "kind": f.kind,
                "at": _iso(f.at),
                "channel": f.channel,
                "text": f.text,
                "category": f.category,
                "score": f.score,
                "score_scale": f.score_scale,
                "themes": f.theme_list(),
                "tagged_by_hand": f.tagged_by_hand,
                "source": f.source,
                "created_by": f.created_by,
                "created_at": _iso(f.created_at),
            }
            for f in feedback
        ],
    }


def read(archive: BundleArchive, companies: set[str], now: datetime) -> SaidNoContent:
    """The member, every field checked; empty when the bundle has none.

    Raises:
        BundleError: the first fault, naming the member and field.
    """
    content = SaidNoContent()
    if MEMBER not in archive.names():
        return content
    root = _Fields(archive, archive.json(MEMBER), MEMBER, now + PLAUSIBLE_AHEAD)
    seen: set[str] = set()

    def unique(f: _Fields) -> str:
        ident = str(f.ident("id"))
        if ident in seen:
            raise f.fail("id", f"{ident[:40]} is listed twice")
        seen.add(ident)
        return ident

    def company_of(f: _Fields) -> str:
        cid = str(f.ident("company_id"))
        if cid not in companies:
            raise f.fail("company_id", "names no company of the bundle")
        return cid

    campaign_ids: set[str] = set()
    for f in root.objects("campaigns"):
        starts = f.text("starts", 10)
        try:
            day = datetime.fromisoformat(starts).date()
        except ValueError:
            raise f.fail("starts", "expected a day as YYYY-MM-DD") from None
        record = {
            "id": unique(f),
            "company_id": company_of(f),
            "team": f.text("team", 200),
            "starts": day,
            "days": f.integer("days", 1, MAX_DAYS),
            "kept_by": f.text("kept_by", 200),
            "created_by": f.text("created_by", 200),
            "created_at": f.time("created_at"),
        }
        campaign_ids.add(record["id"])
        content.campaigns.append(record)
    lists = ["", *(kind.value for kind in ActionList)]
    for f in root.objects("entries"):
        campaign = str(f.ident("campaign_id"))
        if campaign not in campaign_ids:
            raise f.fail("campaign_id", "names no said-no log of the bundle")
        content.entries.append(
            {
                "id": unique(f),
                "campaign_id": campaign,
                "at": f.time("at"),
                "tz": f.zone("tz"),
                "channel": f.text("channel", 40),
                "asked": f.text("asked", MAX_TEXT),
                "refused": f.text("refused", MAX_TEXT),
                "reason": f.choice("reason", [r.value for r in Reason]),
                "said_by": f.text("said_by", 200),
                "theme": f.text("theme", 64),
                "action_list": f.choice("action_list", lists),
                "note": f.text("note", MAX_TEXT),
                "created_by": f.text("created_by", 200),
                "created_at": f.time("created_at"),
            }
        )
    for f in root.objects("feedback"):
        themes = f.data.get("themes")
        if not isinstance(themes, list) or not all(
            isinstance(t, str) and len(t) <= 64 for t in themes
        ):
            raise f.fail("themes", "expected a list of theme tags")
        score, scale = f.data.get("score"), f.data.get("score_scale")
        for key, value in (("score", score), ("score_scale", scale)):
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= 1000
            ):
                raise f.fail(key, "expected a number from 0 to 1000, or null")
        if not isinstance(f.data.get("tagged_by_hand"), bool):
            raise f.fail("tagged_by_hand", "expected true or false")
        content.feedback.append(
            {
                "id": unique(f),
                "company_id": company_of(f),
                "kind": f.choice("kind", [k.value for k in Kind]),
                "at": f.time("at"),
                "channel": f.text("channel", 40),
                "text": f.text("text", MAX_TEXT),
                "category": f.text("category", 200),
                "score": None if score is None else float(score),
                "score_scale": None if scale is None else float(scale),
                "themes": json.dumps(themes, ensure_ascii=False),
                "tagged_by_hand": f.data["tagged_by_hand"],
                "source": f.text("source", 300),
                "shared": False,  # sharing is this database's manager's choice
                "created_by": f.text("created_by", 200),
                "created_at": f.time("created_at"),
            }
        )
    return content


def merge(session: Session, content: SaidNoContent, *, dry_run: bool) -> SaidNoMerge:
    """Add the rows whose id is not here (see the module doc)."""
    result = SaidNoMerge()

    def missing(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        here = store.ids_present(session=session, table=table, ids=[row["id"] for row in rows])
        return [row for row in rows if row["id"] not in here]

    campaigns = missing(SaidNoCampaign, content.campaigns)
    entries = missing(SaidNoEntry, content.entries)
    feedback = missing(FeedbackEntry, content.feedback)
    result.campaigns, result.entries, result.feedback = len(campaigns), len(entries), len(feedback)
    if not dry_run:
        exchange.insert_rows(session=session, table="said_no_campaign", rows=campaigns)
        exchange.insert_rows(session=session, table="said_no_entry", rows=entries)
        exchange.insert_rows(session=session, table="feedback_entry", rows=feedback)
    return result
