"""Review, for the manager: the queue of submitted shops, comments, corrections, and the
verdict — accept (reviewed, locked) or return to the shopper (with the comments).

A review is of a shop's audit while the shop is submitted. The reviewer reads the audit as its
shopper left it, may comment on any item or on the whole audit, and may correct an answer
(recorded in the answer's history as the reviewer's change, see `AuditRunner.correct`).
Accepting moves the shop to reviewed, after which nobody changes the audit; returning moves it
to returned and reopens the audit for its shopper, who sees the comments beside the items after
their next sync, changes what they must and submits again. Each verdict, its comments, the
reopening and the shop's event are one transaction.

Who may: a manager (on a local database, its one user). On a team database PostgreSQL decides
too: only managers write shops, comments and other people's audits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain.clock import in_zone, local_zone_name, now_utc
from shopper.domain.errors import NotFoundError, ShopperError
from shopper.domain.history import RETURNED_BY, HistoryEntry, of_item
from shopper.domain.shops import ShopRole, ShopState
from shopper.domain.template import Template
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import audit_history, load_audit
from shopper.services.runner import MAX_NOTE, AuditRunner
from shopper.services.shops import Actor, ShopRow, ShopStateError, actor_of, apply_move, shop_row
from shopper.services.templates import get_template
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import ReviewComment, Shop, new_id

MAX_COMMENT = MAX_NOTE


class ReviewError(ShopperError):
    """A review cannot do what was asked (not submitted, not a manager, a bad comment)."""


@dataclass(frozen=True)
class QueueRow:
    """A submitted shop waiting for its review."""

    shop_id: str
    audit_id: str | None
    company: str
    touchpoint: str
    shopper: str
    shopper_name: str
    due: date
    late: bool
    """Submitted after its due day."""
    submitted_at: datetime | None
    score_percent: float | None
    verdict: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "audit_id": self.audit_id,
            "company": self.company,
            "touchpoint": self.touchpoint,
            "shopper": self.shopper,
            "shopper_name": self.shopper_name,
            "due": self.due.isoformat(),
            "late": self.late,
            "submitted_at": (
                self.submitted_at.isoformat(timespec="seconds") if self.submitted_at else None
            ),
            "score_percent": (
                round(self.score_percent, 1) if self.score_percent is not None else None
            ),
            "verdict": self.verdict,
        }


def review_queue(*, engine: Engine) -> list[QueueRow]:
    """Submitted shops, the one waiting longest first, with shopper, due day and score."""
    with session_scope(engine) as session:
        found = repo.review_queue(session=session)
        names = repo.full_names(session=session, logins={r.shop.shopper for r in found})
    return [
        QueueRow(
            shop_id=r.shop.id,
            audit_id=r.shop.audit_id,
            company=r.company,
            touchpoint=r.shop.touchpoint,
            shopper=r.shop.shopper,
            shopper_name=names.get(r.shop.shopper, r.shop.shopper),
            due=r.shop.due,
            # Submitted after the end of its due day, in the company's time zone.
            late=r.submitted_at is not None and in_zone(r.submitted_at, r.zone).date() > r.shop.due,
            submitted_at=r.submitted_at,
            score_percent=r.score_percent,
            verdict=r.verdict,
        )
        for r in found
    ]


def resolve_review(*, engine: Engine, prefix: str) -> tuple[str, str]:
    """(shop id, audit id) for an id or unique prefix of either a shop's audit or a shop.

    Raises:
        NotFoundError: neither an audit of a shop nor a shop done in an audit.
        AmbiguousError: the prefix fits more than one.
    """
    with session_scope(engine) as session:
        try:
            audit_id = repo.resolve_audit_id(session=session, prefix=prefix)
        except NotFoundError:
            shop = repo.get_shop(
                session=session, shop_id=repo.resolve_shop_id(session=session, prefix=prefix)
            )
            if shop.audit_id is None:
                raise ReviewError(
                    f"shop {shop.id[:8]} is {shop.state}: it has no audit to review yet"
                ) from None
            return shop.id, shop.audit_id
        found = repo.shop_of_audit(session=session, audit_id=audit_id)
        if found is None:
            raise ReviewError(
                f"audit {audit_id[:8]} was not done for a shop: only a shop's audit is reviewed"
            )
        return found.id, audit_id


def add_comment(
    *,
    engine: Engine,
    audit_id: str,
    body: str,
    item_id: str | None = None,
    at: datetime | None = None,
    zone: str | None = None,
) -> ReviewComment:
    """A reviewer's comment on an item (or, item None, on the whole audit) of a submitted
    shop's audit; the shopper sees it after the audit is returned and synced."""
    moment, tz = at or now_utc(), zone or local_zone_name()
    template = _template_of(engine, audit_id)
    with session_scope(engine) as session:
        actor, _shop = _reviewing(session, audit_id)
        comment = _comment(
            actor, audit_id, item_id, body, verdict="", at=moment, tz=tz, template=template
        )
        repo.add_comment(session=session, comment=comment)
        session.flush()
        session.expunge(comment)
    return comment


def accept(
    *,
    engine: Engine,
    audit_id: str,
    comment: str = "",
    at: datetime | None = None,
    zone: str | None = None,
) -> ShopRow:
    """Accept a submitted shop's audit: the shop is reviewed, and its audit changes no more."""
    moment, tz = at or now_utc(), zone or local_zone_name()
    template = _template_of(engine, audit_id)
    with session_scope(engine) as session:
        actor, shop = _reviewing(session, audit_id)
        if comment:
            repo.add_comment(
                session=session,
                comment=_comment(
                    actor,
                    audit_id,
                    None,
                    comment,
                    verdict="reviewed",
                    at=moment,
                    tz=tz,
                    template=template,
                ),
            )
        # The comment is kept as a comment: the shop's event says only who and when.
        apply_move(session, shop, ShopState.REVIEWED, actor, at=moment, tz=tz)
        return _row(session, shop.id, moment)


def return_to_shopper(
    *,
    engine: Engine,
    audit_id: str,
    comment: str = "",
    items: Mapping[str, str] | None = None,
    at: datetime | None = None,
    zone: str | None = None,
) -> ShopRow:
    """Return a submitted shop's audit to its shopper with comments (on the whole audit and
    on items; at least one, counting those written during the review): the shop is returned
    and the audit reopened for its shopper."""
    moment, tz = at or now_utc(), zone or local_zone_name()
    wanted: list[tuple[str | None, str]] = [(None, comment)] if comment else []
    wanted += list((items or {}).items())
    template = _template_of(engine, audit_id)
    with session_scope(engine) as session:
        actor, shop = _reviewing(session, audit_id)
        made = [
            _comment(
                actor,
                audit_id,
                item,
                text,
                verdict="returned",
                at=moment,
                tz=tz,
                template=template,
            )
            for item, text in wanted
        ]
        if not made and not _open_comments(session, audit_id):
            raise ReviewError(
                "returning an audit needs a comment that says what to change"
                " (on the whole audit or on an item)"
            )
        for c in made:
            repo.add_comment(session=session, comment=c)
        apply_move(session, shop, ShopState.RETURNED, actor, at=moment, tz=tz)
        repo.update_audit(
            session=session,
            audit_id=audit_id,
            values={
                "status": AuditStatus.IN_PROGRESS.value,
                "completed_at": None,
                "completed_tz": None,
                "updated_at": moment,
            },
        )
        repo.add_event(
            session=session,
            event_id=new_id(),
            audit_id=audit_id,
            kind="reopened",
            at=moment,
            tz=tz,
            detail=f"{RETURNED_BY}{actor.who}" if actor.who else "returned",
        )
        return _row(session, shop.id, moment)


def correct_answer(
    *, engine: Engine, audit_id: str, item_id: str, value: Any, note: str | None = None
) -> datetime:
    """A reviewer's correction of an answer of a submitted shop's audit (see
    `AuditRunner.correct`), kept in the answer's history as theirs."""
    with session_scope(engine) as session:
        actor, _shop = _reviewing(session, audit_id)
    return reviewer_runner(engine=engine, audit_id=audit_id, login=actor.who).correct(
        item_id, value, note
    )


def reviewer_runner(*, engine: Engine, audit_id: str, login: str) -> AuditRunner:
    return AuditRunner(engine=engine, audit_id=audit_id, review_as=login)


def reviewer_login(*, engine: Engine, audit_id: str) -> str:
    """The login reviewing `audit_id` now (checks that it may)."""
    with session_scope(engine) as session:
        actor, _shop = _reviewing(session, audit_id)
    return actor.who


def history(*, engine: Engine, audit_id: str, item_id: str | None = None) -> list[HistoryEntry]:
    """The audit's history (see `shopper.domain.history`), or one item's."""
    entries = audit_history(load_audit(engine=engine, audit_id=audit_id))
    return of_item(entries, item_id) if item_id is not None else entries


# -- the rules ---------------------------------------------------------------------


def _reviewing(session: Session, audit_id: str) -> tuple[Actor, Shop]:
    """The actor and the shop of `audit_id`, when the actor may review it now."""
    actor = actor_of(session.connection())
    if ShopRole.MANAGER not in actor.roles:
        raise ReviewError(f"{actor.who or 'this login'} is not a manager: only a manager reviews")
    shop = repo.shop_of_audit(session=session, audit_id=audit_id)
    if shop is None:
        raise ReviewError(
            f"audit {audit_id[:8]} was not done for a shop: only a shop's audit is reviewed"
        )
    shop = repo.get_shop(session=session, shop_id=shop.id, for_update=True)
    if shop.state != ShopState.SUBMITTED:
        raise ShopStateError(
            f"shop {shop.id[:8]} is {shop.state.replace('_', ' ')}: only a submitted shop is"
            " reviewed"
        )
    if repo.get_audit(session=session, audit_id=audit_id).status != AuditStatus.COMPLETED:
        raise ReviewError(
            f"audit {audit_id[:8]} is not completed: its shopper finishes it before review"
        )
    return actor, shop


def _comment(
    actor: Actor,
    audit_id: str,
    item_id: str | None,
    body: str,
    *,
    verdict: str,
    at: datetime,
    tz: str,
    template: Template,
) -> ReviewComment:
    text = body.strip()
    where = f"comment on {item_id}" if item_id else "comment"
    if not text:
        raise ReviewError(f"{where}: it is empty")
    if len(text) > MAX_COMMENT:
        raise ReviewError(f"{where}: {len(text):,} characters; the limit is {MAX_COMMENT:,}")
    if "\x00" in text:
        raise ReviewError(f"{where}: holds a NUL character")
    if item_id is not None and not template.has_item(item_id):
        raise ReviewError(f"{where}: no such item in the audit's checklist")
    return ReviewComment(
        id=new_id(),
        audit_id=audit_id,
        item_id=item_id,
        author=actor.who,
        at=at,
        tz=tz,
        body=text,
        verdict=verdict,
    )


def _template_of(engine: Engine, audit_id: str) -> Template:
    """The checklist an audit is done on (a stored version never changes)."""
    with session_scope(engine) as session:
        audit = repo.get_audit(session=session, audit_id=audit_id)
        template_id, version = audit.template_id, audit.template_version
    return get_template(engine=engine, template_id=template_id, version=version)


def _open_comments(session: Session, audit_id: str) -> bool:
    """Whether comments were written during this review (not yet with a verdict)."""
    return any(c.verdict == "" for c in repo.list_comments(session=session, audit_id=audit_id))


def _row(session: Session, shop_id: str, moment: datetime) -> ShopRow:
    session.flush()
    session.expire_all()
    shop = repo.get_shop(session=session, shop_id=shop_id)
    company = repo.get_company(session=session, company_id=shop.company_id)
    return shop_row(shop, company, moment)
