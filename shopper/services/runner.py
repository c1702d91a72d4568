"""Running an audit: every answer and note is committed the moment it changes.

`AuditRunner` keeps the audit's answers in memory for the screen and writes
each change in its own transaction, together with the audit's score summary.
The in-memory state changes only after the commit has returned, so what the
screen calls saved is on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from shopper.domain.answers import normalize_answer
from shopper.domain.clock import local_zone_name, now_utc
from shopper.domain.errors import AnswerError, AuditStateError, StorageError
from shopper.domain.scoring import AuditScore, score_audit
from shopper.domain.template import Item, Template
from shopper.services.audits import load_audit
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import Audit, AuditStatus, Company

MAX_NOTE = 100_000


class MissingAnswersError(AuditStateError):
    """Completing was refused: required items are unanswered."""

    def __init__(self, template: Template, item_ids: tuple[str, ...]) -> None:
        self.item_ids = item_ids
        prompts = [f"• {template.item(i).prompt}" for i in item_ids[:10]]
        more = f"\n…and {len(item_ids) - 10} more" if len(item_ids) > 10 else ""
        noun = "item is" if len(item_ids) == 1 else "items are"
        super().__init__(
            f"{len(item_ids)} required {noun} not answered yet:\n" + "\n".join(prompts) + more
        )


class AuditRunner:
    """One audit open for answering."""

    def __init__(
        self,
        *,
        engine: Engine,
        audit_id: str,
        zone: str | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.engine = engine
        self.zone = zone or local_zone_name()
        self.clock = clock
        detail = load_audit(engine=engine, audit_id=audit_id)
        self.audit: Audit = detail.audit
        self.company: Company = detail.company
        self.template: Template = detail.template
        self._values: dict[str, Any] = {k: r.value for k, r in detail.answers.items()}
        self._notes: dict[str, str] = {k: r.note for k, r in detail.answers.items()}
        self._score = score_audit(self.template, self._values)
        self.last_saved: datetime | None = None

    # -- reading ---------------------------------------------------------------

    @property
    def audit_id(self) -> str:
        return self.audit.id

    @property
    def read_only(self) -> bool:
        return self.audit.status == AuditStatus.COMPLETED

    @property
    def score(self) -> AuditScore:
        return self._score

    @property
    def values(self) -> dict[str, Any]:
        return dict(self._values)

    def value(self, item_id: str) -> Any:
        return self._values.get(item_id)

    def note(self, item_id: str) -> str:
        return self._notes.get(item_id, "")

    def is_visible(self, item_id: str) -> bool:
        return self._score.items[item_id].outcome.value != "hidden"

    def visible_items(self) -> list[Item]:
        return [item for item in self.template.items() if self.is_visible(item.id)]

    def resume_item(self) -> str:
        """Where to open: the stored position, else the first unanswered visible item."""
        current = self.audit.current_item
        if current and self.template.has_item(current) and self.is_visible(current):
            return current
        for item in self.visible_items():
            if self._values.get(item.id) is None:
                return item.id
        return next(self.template.items()).id

    # -- writing ---------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.read_only:
            raise AuditStateError("this audit is completed; reopen it to change answers")

    def set_answer(self, item_id: str, value: Any) -> datetime:
        """Validate and commit an answer (None clears it); returns when it was saved.

        Raises:
            AnswerError: the value does not fit the item.
            AuditStateError: the audit is completed.
            StorageError: the database refused the write; nothing in memory changed.
        """
        self._check_writable()
        if not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        stored = normalize_answer(self.template.item(item_id), value)
        return self._commit(item_id, stored, self._notes.get(item_id, ""))

    def set_note(self, item_id: str, note: str) -> datetime:
        self._check_writable()
        if not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        if len(note) > MAX_NOTE:
            raise AnswerError(f"note is {len(note):,} characters; the limit is {MAX_NOTE:,}")
        return self._commit(item_id, self._values.get(item_id), note)

    def _commit(self, item_id: str, value: Any, note: str) -> datetime:
        values = dict(self._values)
        if value is None:
            values.pop(item_id, None)
        else:
            values[item_id] = value
        score = score_audit(self.template, values)
        at = self.clock()
        try:
            with session_scope(self.engine) as session:
                repo.save_answer(
                    session=session,
                    audit_id=self.audit.id,
                    item_id=item_id,
                    value=value,
                    note=note,
                    at=at,
                    tz=self.zone,
                )
                session.execute(
                    update(Audit)
                    .where(col(Audit.id) == self.audit.id)
                    .values(**_summary(score), updated_at=at, current_item=item_id)
                )
        except (SQLAlchemyError, OSError) as exc:
            raise _storage_error(exc) from exc
        self._values = values
        self._notes[item_id] = note
        self._score = score
        self.audit.current_item = item_id
        self.audit.updated_at = at
        self.last_saved = at
        return at

    def set_current(self, item_id: str) -> None:
        """Remember where the shopper is, so the audit resumes there."""
        if self.read_only or self.audit.current_item == item_id:
            return
        try:
            with session_scope(self.engine) as session:
                session.execute(
                    update(Audit).where(col(Audit.id) == self.audit.id).values(current_item=item_id)
                )
        except (SQLAlchemyError, OSError) as exc:
            raise _storage_error(exc) from exc
        self.audit.current_item = item_id

    def complete(self) -> datetime:
        """Mark the audit completed; refused while a required visible item is unanswered."""
        self._check_writable()
        missing = self._score.required_missing
        if missing:
            raise MissingAnswersError(self.template, missing)
        at = self.clock()
        self._set_status(AuditStatus.COMPLETED, at, completed=True, event="completed")
        return at

    def reopen(self, reason: str = "") -> datetime:
        """Make a completed audit editable again; the reopening is recorded."""
        if not self.read_only:
            raise AuditStateError("this audit is not completed")
        at = self.clock()
        self._set_status(
            AuditStatus.IN_PROGRESS, at, completed=False, event="reopened", detail=reason
        )
        return at

    def _set_status(
        self, status: str, at: datetime, *, completed: bool, event: str, detail: str = ""
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": at}
        # A reopened audit is not completed any more; the events keep the history.
        values |= (
            {"completed_at": at, "completed_tz": self.zone}
            if completed
            else {
                "completed_at": None,
                "completed_tz": None,
            }
        )
        try:
            with session_scope(self.engine) as session:
                session.execute(update(Audit).where(col(Audit.id) == self.audit.id).values(values))
                repo.add_event(
                    session=session,
                    audit_id=self.audit.id,
                    kind=event,
                    at=at,
                    tz=self.zone,
                    detail=detail,
                )
        except (SQLAlchemyError, OSError) as exc:
            raise _storage_error(exc) from exc
        self.audit.status = status
        self.audit.updated_at = at
        self.audit.completed_at = at if completed else None
        self.audit.completed_tz = self.zone if completed else None
        self.last_saved = at


def _summary(score: AuditScore) -> dict[str, Any]:
    return {
        "score_percent": score.percent,
        "verdict": score.verdict,
        "passed": score.passed,
        "critical_failures": len(score.critical_failures),
        "answered": score.answered,
        "visible": score.visible,
    }


def _storage_error(exc: Exception) -> StorageError:
    detail = getattr(exc, "orig", None) or exc
    return StorageError(f"could not save: {detail}")
