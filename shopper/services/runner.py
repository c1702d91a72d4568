"""Running an audit: every answer and note is committed the moment it changes.

`AuditRunner` keeps the audit's answers in memory for the screen and writes
each change in its own transaction, together with the audit's score summary.
The in-memory state changes only after the commit has returned, so what the
screen calls saved is on disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from shopper.domain.answers import normalize_answer, same_answer
from shopper.domain.clock import as_utc, local_zone_name, now_utc
from shopper.domain.errors import AnswerError, AuditStateError, ShopperError, StorageError
from shopper.domain.follow_up import due_of, follow_up_items, waiting_items
from shopper.domain.instruments import (
    MAX_STEP_DATA,
    EmailStep,
    Instrument,
    PhoneStep,
    Step,
    WebStep,
    step_data_problem,
)
from shopper.domain.scoring import AuditScore, rescore, score_audit, visible_items
from shopper.domain.template import Item, Template
from shopper.domain.vocabulary import AnswerSource, AuditStatus, MomentKind
from shopper.services.audits import load_audit
from shopper.services.evidence import EvidenceStore
from shopper.services.instruments import Measurements, calendar_of, measure
from shopper.store import repo, team
from shopper.store.engine import session_scope, sqlite_path, writing_stopped
from shopper.store.integrity import SQLITE_FULL, free_bytes, sqlite_code
from shopper.store.tables import (
    AnswerChange,
    Audit,
    Company,
    Evidence,
    InstrumentEvent,
    Moment,
    new_id,
    to_json,
)

MAX_NOTE = 100_000
STEP_KINDS: dict[Instrument, frozenset[str]] = {
    Instrument.PHONE: frozenset(PhoneStep),
    Instrument.WEB: frozenset(WebStep),
    Instrument.EMAIL: frozenset(EmailStep),
}


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


class FollowUpPendingError(AuditStateError):
    """Completing now would leave items for later: confirm with `complete(wait=True)`."""

    def __init__(self, template: Template, due: dict[str, datetime]) -> None:
        self.due = due
        prompts = [f"• {template.item(i).prompt}" for i in due]
        noun = "item waits" if len(due) == 1 else "items wait"
        super().__init__(f"{len(due)} {noun} for the follow-up:\n" + "\n".join(prompts))


@dataclass(frozen=True)
class NewStep:
    """One instrument step to record with `AuditRunner.add_steps`."""

    instrument: str
    kind: str
    at: datetime | None = None
    """When it happened; None for now (the runner's clock)."""
    data: Mapping[str, Any] = field(default_factory=dict)


class AuditRunner:
    """One audit open for answering, with its instruments, moments and evidence.

    Completed, it is read-only until reopened. Awaiting follow-up (completed on the day
    but for `later` items), only the follow-up can change: those items, the items they
    show, their evidence and the e-mail tracker's "follow-up received".

    `clock` times what is recorded now; `make_id` names the steps, moments, evidence and
    events the runner adds (random UUIDs, unless a caller such as the demo needs them
    reproducible).
    """

    def __init__(
        self,
        *,
        engine: Engine,
        audit_id: str,
        zone: str | None = None,
        clock: Callable[[], datetime] = now_utc,
        make_id: Callable[[], str] = new_id,
        review_as: str | None = None,
    ) -> None:
        self.engine = engine
        self.zone = zone or local_zone_name()
        self.clock = clock
        self.make_id = make_id
        detail = load_audit(engine=engine, audit_id=audit_id)
        self.audit: Audit = detail.audit
        self.company: Company = detail.company
        self.shopper_name = detail.shopper_name
        """Who does the audit, as shown (a team login's full name)."""
        self.shop = detail.shop
        """The shop the audit is done for (its due day and instructions), or None."""
        self.template: Template = detail.template
        self.reviewer = review_as
        """The reviewing manager's login, when the runner is open for review: the answers
        stay read-only but for `correct`, each correction recorded as theirs."""
        self.comments = list(detail.comments)
        """What reviewers wrote on the audit (an item's or the whole audit's), oldest first."""
        # Once completed, every change to an answer is kept in its history (`answer_change`).
        self._tracked = any(e.kind in _HISTORY_FROM for e in detail.events)
        self._values: dict[str, Any] = {
            k: r.value for k, r in detail.answers.items() if r.value is not None
        }
        self._notes: dict[str, str] = {k: r.note for k, r in detail.answers.items()}
        self._sources: dict[str, str] = {k: r.source for k, r in detail.answers.items()}
        self._steps: list[tuple[str, Step]] = [_step(e) for e in detail.steps]
        self._moments: list[Moment] = list(detail.moments)
        self._evidence: list[Evidence] = list(detail.evidence)
        self._score = score_audit(self.template, self._values)
        self._follow_up = follow_up_items(self.template)
        try:
            self._measured = self._measure(self._steps)
        except ShopperError:
            # Steps saved by an older version may contradict each other; show the
            # answers anyway and let the shopper correct the times.
            self._measured = Measurements()
        self.last_saved: datetime | None = None

    # -- reading ---------------------------------------------------------------

    @property
    def audit_id(self) -> str:
        return self.audit.id

    @property
    def read_only(self) -> bool:
        """Completed: nothing changes until it is reopened."""
        return self.audit.status == AuditStatus.COMPLETED

    @property
    def awaiting(self) -> bool:
        """Completed on the day, awaiting follow-up: only the follow-up can change."""
        return self.audit.status == AuditStatus.AWAITING_FOLLOW_UP

    @property
    def handed_in(self) -> str | None:
        """The state of the audit's shop when it was handed in (submitted for review, or
        reviewed) as the runner opened it, else None: then only a reviewer's return reopens
        it."""
        state = self.shop.state if self.shop is not None else None
        return state if state in _HANDED_IN else None

    def can_change(self, item_id: str | None) -> bool:
        """Whether an item (None: the audit as a whole) can change now."""
        status = self.audit.status  # an ORM attribute: read once, on every save
        if status == AuditStatus.COMPLETED:
            return False
        return status != AuditStatus.AWAITING_FOLLOW_UP or (
            item_id is not None and item_id in self._follow_up
        )

    def waiting(self) -> dict[str, datetime]:
        """Each item waiting for the follow-up -> when its window closes (UTC), counted
        from the completion (from now while the audit is in progress)."""
        since = self.audit.completed_at or self.clock()
        items = waiting_items(self.template, self._values)
        return due_of(self.template, items, as_utc(since), calendar_of(self.company))

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
        """Where to open: the stored position, else the first unanswered visible item.

        Awaiting follow-up, the first item that still waits (the only ones that can change).
        """
        if self.awaiting:
            waiting = self.waiting()
            if waiting:
                return min(waiting, key=lambda item_id: waiting[item_id])
        current = self.audit.current_item
        if current and self.template.has_item(current) and self.is_visible(current):
            return current
        for item in self.visible_items():
            if item.answerable and self._values.get(item.id) is None:
                return item.id
        return next(self.template.items()).id

    @property
    def measurements(self) -> Measurements:
        return self._measured

    def measured(self, item_id: str) -> Any:
        """The value an instrument measured for this item, or None."""
        return self._measured.items.get(item_id)

    def is_measured(self, item_id: str) -> bool:
        """Whether the stored answer is the instrument's measurement."""
        return (
            self._values.get(item_id) is not None
            and self._sources.get(item_id) == AnswerSource.INSTRUMENT
        )

    def is_override(self, item_id: str) -> bool:
        """Whether the shopper's answer differs from what an instrument measured."""
        measured = self._measured.items.get(item_id)
        value = self._values.get(item_id)
        return measured is not None and value is not None and not same_answer(value, measured)

    def steps(self, instrument: str) -> list[Step]:
        return sorted((s for i, s in self._steps if i == instrument), key=lambda s: s.at)

    @property
    def moments(self) -> list[Moment]:
        return sorted(self._moments, key=lambda m: m.at)

    @property
    def evidence(self) -> list[Evidence]:
        return list(self._evidence)

    def evidence_for(
        self, *, item_id: str | None = None, moment_id: str | None = None
    ) -> list[Evidence]:
        return [
            e
            for e in self._evidence
            if (item_id is not None and e.item_id == item_id)
            or (moment_id is not None and e.moment_id == moment_id)
        ]

    # -- answers ---------------------------------------------------------------

    def _check_writable(self, item_id: str | None = None) -> None:
        if not self.can_change(item_id):
            if self.read_only:
                raise AuditStateError("this audit is completed; reopen it to change it")
            raise AuditStateError(
                "this audit awaits follow-up: only the follow-up can be answered now; "
                "reopen it to change the rest"
            )

    def set_answer(self, item_id: str, value: Any) -> datetime:
        """Validate and commit an answer (None clears it); returns when it was saved.

        An answer equal to what an instrument measured counts as the measurement;
        any other answer to a measured item is the shopper's override.

        Raises:
            AnswerError: the value does not fit the item.
            AuditStateError: the audit is completed.
            StorageError: the database refused the write; nothing in memory changed.
        """
        if not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        self._check_writable(item_id)
        stored = normalize_answer(self.template.item(item_id), value)
        measured = self._measured.items.get(item_id)
        source = (
            AnswerSource.INSTRUMENT
            if stored is not None and same_answer(stored, measured)
            else AnswerSource.SHOPPER
        )
        change = {item_id: (stored, self._notes.get(item_id, ""), source)}
        return self._write(change, current=item_id)

    def correct(self, item_id: str, value: Any, note: str | None = None) -> datetime:
        """A reviewer's correction of an answer (and its note, unless None) on the completed
        audit under review, recorded in its history as the reviewer's.

        Raises:
            AuditStateError: the runner is not open for review, or the audit not completed.
            AnswerError: the value does not fit the item.
        """
        if self.reviewer is None:
            raise AuditStateError("only a reviewer corrects an answer; open the audit for review")
        if not self.read_only:
            raise AuditStateError("a reviewer corrects a completed audit only")
        if not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        if note is not None and len(note) > MAX_NOTE:
            raise AnswerError(f"note is {len(note):,} characters; the limit is {MAX_NOTE:,}")
        stored = normalize_answer(self.template.item(item_id), value)
        kept = self._notes.get(item_id, "") if note is None else note
        change = {item_id: (stored, kept, AnswerSource.SHOPPER.value)}
        return self._write(change, current=None)

    def use_measured(self, item_id: str) -> datetime:
        """Replace the shopper's override with the instrument's measurement."""
        measured = self._measured.items.get(item_id)
        if measured is None:
            raise AnswerError(f"{item_id}: no instrument measured this item")
        return self.set_answer(item_id, measured)

    def set_note(self, item_id: str, note: str) -> datetime:
        if not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        self._check_writable(item_id)
        if len(note) > MAX_NOTE:
            raise AnswerError(f"note is {len(note):,} characters; the limit is {MAX_NOTE:,}")
        source = self._sources.get(item_id, AnswerSource.SHOPPER)
        change = {item_id: (self._values.get(item_id), note, source)}
        return self._write(change, current=item_id)

    def _write(
        self,
        changes: Mapping[str, tuple[Any, str, str]],
        *,
        current: str | None = None,
        extra: Callable[[Session], object] | None = None,
    ) -> datetime:
        """Commit answer changes (value, note, source) and other work in one transaction."""
        values = dict(self._values)
        for item_id, (value, _note, _source) in changes.items():
            if value is None:
                values.pop(item_id, None)
            else:
                values[item_id] = value
        # Only what the change moves is scored again: `_score` is always `_values`' score.
        score = rescore(self.template, self._score, values, changes.keys())
        if self.awaiting and any(item_id not in self._follow_up for item_id in changes):
            raise AuditStateError(
                "this audit awaits follow-up: that would change more than the follow-up; "
                "reopen it to change the rest"
            )
        at = self.clock()
        summary = _summary(score) | {"updated_at": at}
        if current is not None:
            summary["current_item"] = current
        if self._tracked or self.reviewer is not None:
            extra = self._with_history(changes, at, extra)
        try:
            rows = [
                {
                    "audit_id": self.audit.id,
                    "item_id": item_id,
                    "value": value,
                    "note": note,
                    "at": at,
                    "tz": self.zone,
                    "source": source,
                }
                for item_id, (value, note, source) in changes.items()
            ]
            if extra is None and len(rows) == 1:  # an answer or a note: the hot path
                repo.save_answer_with_audit(engine=self.engine, audit_values=summary, **rows[0])
            else:
                with session_scope(self.engine) as session:
                    for row in rows:
                        repo.save_answer(session=session, **row)
                    repo.update_audit(session=session, audit_id=self.audit.id, values=summary)
                    # Last: when it completes the audit, a shopper on a team database may
                    # write no more to it (see `_finish_in`).
                    if extra is not None:
                        extra(session)
        except (SQLAlchemyError, OSError) as exc:
            raise _storage_error(exc, self.engine) from exc
        self._values = values
        for item_id, (_value, note, source) in changes.items():
            self._notes[item_id] = note
            self._sources[item_id] = source
        self._score = score
        # Setting an ORM attribute has its cost, and most saves stay on the same item.
        if current is not None and self.audit.current_item != current:
            self.audit.current_item = current
        self.audit.updated_at = at
        self.last_saved = at
        return at

    def _with_history(
        self,
        changes: Mapping[str, tuple[Any, str, str]],
        at: datetime,
        extra: Callable[[Session], object] | None,
    ) -> Callable[[Session], object] | None:
        """`extra`, after which the history rows of `changes` are added (None: nothing to
        add or do)."""
        rows = [
            AnswerChange(
                id=self.make_id(),
                audit_id=self.audit.id,
                item_id=item_id,
                at=at,
                tz=self.zone,
                who=self.reviewer if self.reviewer is not None else self.audit.shopper,
                kind="review" if self.reviewer is not None else "shopper",
                old_value=_json(self._values.get(item_id)),
                new_value=_json(value),
                old_note=self._notes.get(item_id, ""),
                new_note=note,
            )
            for item_id, (value, note, _source) in changes.items()
            if _json(value) != _json(self._values.get(item_id))
            or note != self._notes.get(item_id, "")
        ]
        if not rows:
            return extra

        def write(session: Session) -> None:
            # Before `extra`: when it completes the audit, a shopper may write no more to it.
            repo.add_changes(session=session, changes=rows)
            session.flush()
            if extra is not None:
                extra(session)

        return write

    # -- instruments -------------------------------------------------------------

    def _measure(self, steps: list[tuple[str, Step]]) -> Measurements:
        return measure(template=self.template, company=self.company, steps=steps, zone=self.zone)

    def _measured_changes(self, new: Measurements) -> dict[str, tuple[Any, str, str]]:
        """Answers the new measurements change: never the shopper's own answers."""
        changes: dict[str, tuple[Any, str, str]] = {}
        for item_id in set(new.items) | set(self._measured.items):
            current = self._values.get(item_id)
            source = self._sources.get(item_id)
            if current is not None and source != AnswerSource.INSTRUMENT:
                continue  # the shopper answered; a differing measurement shows as override
            value = new.items.get(item_id)
            note = self._notes.get(item_id, "")
            if value is None:
                if current is not None:
                    changes[item_id] = (None, note, AnswerSource.SHOPPER)
            elif not same_answer(value, current) or source != AnswerSource.INSTRUMENT:
                changes[item_id] = (value, note, AnswerSource.INSTRUMENT)
        return changes

    def _change_steps(
        self,
        steps: list[tuple[str, Step]],
        extra: Callable[[Session], object],
        *,
        kind: str,
    ) -> None:
        if self.read_only or (self.awaiting and kind != EmailStep.FOLLOW_UP):
            self._check_writable()  # awaiting, only "follow-up received" may be recorded
        measured = self._measure(steps)  # contradictions are refused before any write
        self._write(self._measured_changes(measured), extra=extra)
        self._steps = steps
        self._measured = measured

    def add_step(
        self,
        instrument: str,
        kind: str,
        *,
        at: datetime | None = None,
        data: dict[str, Any] | None = None,
    ) -> Step:
        """Record an instrument step (now, unless `at` is given) and refresh measured items."""
        (step,) = self.add_steps([NewStep(instrument, kind, at, data or {})])
        return step

    def add_steps(self, steps: Sequence[NewStep]) -> list[Step]:
        """Record several steps (a whole call, say) in one transaction.

        The measured items are refreshed once, from all of them, by the same rules as
        `add_step`; nothing is written if any step is refused.

        Raises:
            ShopperError: an unknown instrument or kind, or steps that contradict each other.
            AnswerError: a step's details are refused.
            AuditStateError: the audit is completed.
        """
        records: list[InstrumentEvent] = []
        added: list[tuple[str, Step]] = []
        recorded: datetime | None = None
        for new in steps:
            if new.instrument not in set(Instrument):
                raise ShopperError(f"unknown instrument {new.instrument!r}")
            if new.kind not in STEP_KINDS[Instrument(new.instrument)]:
                raise ShopperError(f"{new.instrument}: unknown kind of step {new.kind!r}")
            details = dict(new.data)
            _check_step_data(details)
            if new.at is None:
                moment = updated = self.clock()
            else:
                moment = as_utc(new.at)
                recorded = recorded or self.clock()  # typed in afterwards: now
                updated = recorded
            record = InstrumentEvent(
                id=self.make_id(),
                audit_id=self.audit.id,
                instrument=new.instrument,
                kind=new.kind,
                at=moment,
                tz=self.zone,
                data=json.dumps(details, ensure_ascii=False),
                updated_at=updated,
            )
            records.append(record)
            added.append((new.instrument, Step(record.id, new.kind, moment, details)))
        kinds = {record.kind for record in records}
        self._change_steps(
            [*self._steps, *added],
            lambda s: s.add_all(records),
            kind=kinds.pop() if len(kinds) == 1 else "",
        )
        return [step for _instrument, step in added]

    def update_step(
        self, step_id: str, *, at: datetime | None = None, data: dict[str, Any] | None = None
    ) -> Step:
        """Correct a step's time or details afterwards."""
        found = [(i, s) for i, s in self._steps if s.id == step_id]
        if not found:
            raise ShopperError("that step no longer exists")
        _instrument, old = found[0]
        details = dict(old.data if data is None else data)
        _check_step_data(details)
        new = Step(step_id, old.kind, as_utc(at) if at else old.at, details)
        steps = [(i, new if s.id == step_id else s) for i, s in self._steps]

        def write(session: Session) -> None:
            values = {
                "at": new.at,
                "data": json.dumps(details, ensure_ascii=False),
                "updated_at": self.clock(),
            }
            repo.update_step(session=session, step_id=step_id, values=values)

        self._change_steps(steps, write, kind=old.kind)
        return new

    def delete_step(self, step_id: str) -> None:
        gone = [s for _i, s in self._steps if s.id == step_id]
        steps = [(i, s) for i, s in self._steps if s.id != step_id]

        def write(session: Session) -> None:
            repo.delete_step(session=session, step_id=step_id)

        self._change_steps(steps, write, kind=gone[0].kind if gone else "")

    # -- moments -----------------------------------------------------------------

    def add_moment(
        self,
        kind: str,
        *,
        note: str = "",
        item_id: str | None = None,
        at: datetime | None = None,
    ) -> Moment:
        """Log an unexpected good or bad moment, or a friction point, timestamped now."""
        self._check_writable()
        if kind not in MomentKind.values():
            raise ShopperError(f"unknown kind of moment {kind!r}")
        if item_id is not None and not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        _check_note(note)
        moment = Moment(
            id=self.make_id(),
            audit_id=self.audit.id,
            kind=kind,
            at=as_utc(at) if at else self.clock(),
            tz=self.zone,
            note=note,
            item_id=item_id,
        )
        self._write({}, extra=lambda s: s.add(moment))
        self._moments.append(moment)
        return moment

    def update_moment(
        self,
        moment_id: str,
        *,
        note: str | None = None,
        kind: str | None = None,
        at: datetime | None = None,
    ) -> Moment:
        self._check_writable()
        moment = next((m for m in self._moments if m.id == moment_id), None)
        if moment is None:
            raise ShopperError("that moment no longer exists")
        values: dict[str, Any] = {"updated_at": self.clock()}
        if note is not None:
            _check_note(note)
            values["note"] = note
        if kind is not None:
            if kind not in MomentKind.values():
                raise ShopperError(f"unknown kind of moment {kind!r}")
            values["kind"] = kind
        if at is not None:
            values["at"] = as_utc(at)
        self._write(
            {},
            extra=lambda s: repo.update_moment(session=s, moment_id=moment_id, values=values),
        )
        for key, value in values.items():
            setattr(moment, key, value)
        return moment

    def delete_moment(self, moment_id: str) -> None:
        self._check_writable()

        self._write({}, extra=lambda s: repo.delete_moment(session=s, moment_id=moment_id))
        self._moments = [m for m in self._moments if m.id != moment_id]
        for record in self._evidence:
            if record.moment_id == moment_id:
                record.moment_id = None

    def moment_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(MomentKind.values(), 0)
        for moment in self._moments:
            counts[moment.kind] = counts.get(moment.kind, 0) + 1
        return counts

    # -- evidence ----------------------------------------------------------------

    def attach(
        self,
        *,
        data_dir: Path,
        data: bytes,
        filename: str,
        item_id: str | None = None,
        moment_id: str | None = None,
        caption: str = "",
    ) -> Evidence:
        """Check and store a file, then attach it to an item or a moment.

        Raises:
            EvidenceError: the file is refused; nothing was stored.
        """
        if item_id is not None and not self.template.has_item(item_id):
            raise AnswerError(f"{item_id}: no such item in this template")
        self._check_writable(item_id if moment_id is None else None)
        if moment_id is not None and all(m.id != moment_id for m in self._moments):
            raise ShopperError("that moment no longer exists")
        store = EvidenceStore.for_engine(self.engine, data_dir)
        stored = store.keep(data, filename)
        record = Evidence(
            id=self.make_id(),
            audit_id=self.audit.id,
            item_id=item_id,
            moment_id=moment_id,
            sha256=stored.sha256,
            kind=stored.kind,
            extension=stored.extension,
            filename=Path(filename).name[:255],
            size=stored.size,
            caption=caption,
            added_at=self.clock(),
            added_tz=self.zone,
        )

        def add(session: Session) -> None:
            session.add(record)
            store.keep_in_database(session, stored.sha256, stored.extension, data)

        self._write({}, extra=add)
        self._evidence.append(record)
        return record

    def detach(self, evidence_id: str) -> None:
        """Remove an attachment (the stored file stays: another record may share it)."""
        record = next((e for e in self._evidence if e.id == evidence_id), None)
        self._check_writable(record.item_id if record is not None else None)
        self._write(
            {},
            extra=lambda s: repo.delete_evidence(session=s, evidence_id=evidence_id),
        )
        self._evidence = [e for e in self._evidence if e.id != evidence_id]

    def set_current(self, item_id: str) -> None:
        """Remember where the shopper is, so the audit resumes there."""
        if not self.can_change(item_id) or self.audit.current_item == item_id:
            return
        try:
            with session_scope(self.engine) as session:
                repo.update_audit(
                    session=session, audit_id=self.audit.id, values={"current_item": item_id}
                )
        except (SQLAlchemyError, OSError) as exc:
            raise _storage_error(exc, self.engine) from exc
        self.audit.current_item = item_id

    def complete(self, *, wait: bool = False) -> datetime:
        """Mark the audit completed, or, with `wait`, awaiting follow-up.

        Awaiting follow-up, it completes once the follow-up is answered.

        Raises:
            MissingAnswersError: a required visible item is unanswered (one waiting for
                the follow-up does not count).
            FollowUpPendingError: items wait for the follow-up and `wait` was not given,
                or the audit already awaits it and it is still not answered.
        """
        if self.read_only:
            self._check_writable()
        waiting = self.waiting()
        missing = tuple(i for i in self._score.required_missing if i not in waiting)
        if missing:
            raise MissingAnswersError(self.template, missing)
        if waiting and (self.awaiting or not wait):
            raise FollowUpPendingError(self.template, waiting)
        at = self.clock()
        if waiting:
            self._set_status(
                AuditStatus.AWAITING_FOLLOW_UP,
                at,
                completed=True,
                event="awaiting_follow_up",
                detail=", ".join(waiting),
            )
        elif self.awaiting:
            self._write(
                {}, extra=lambda session: self._finish_in(session, at, "follow_up_answered")
            )
            self._finished(at)
        else:
            self._set_status(AuditStatus.COMPLETED, at, completed=True, event="completed")
        return at

    def settle(self, now: datetime | None = None) -> tuple[str, ...]:
        """Once every follow-up window has passed, answer what is still waiting with the
        template's `otherwise` and complete the audit. Returns the items so answered.
        """
        if not self.awaiting:
            return ()
        moment = as_utc(now) if now is not None else self.clock()
        since = as_utc(self.audit.completed_at or moment)
        shown = visible_items(self.template, self._values)
        later = tuple(i.id for i in self.template.items() if i.later is not None and i.id in shown)
        windows = due_of(self.template, later, since, calendar_of(self.company))
        if any(due > moment for due in windows.values()):
            return ()
        changes: dict[str, tuple[Any, str, str]] = {}
        for item_id in self.waiting():
            item_later = self.template.item(item_id).later
            assert item_later is not None  # waiting items are `later` ones
            note = self.note(item_id)
            changes[item_id] = (item_later.otherwise, note, AnswerSource.WINDOW_PASSED)
        values = self._values | {item_id: change[0] for item_id, change in changes.items()}
        if score_audit(self.template, values).required_missing:
            return ()  # an item the follow-up showed is required and unanswered
        event = "follow_up_lapsed" if changes else "follow_up_answered"
        # The answers and the completion in one transaction.
        self._write(changes, extra=lambda session: self._finish_in(session, moment, event))
        self._finished(moment)
        return tuple(changes)

    def _finish_in(self, session: Session, at: datetime, event: str) -> None:
        """Awaiting follow-up -> completed, keeping the day's completion time."""
        if team.completes_through_the_database(session.connection()):
            # A shopper on a team database may not set the status: the database's own
            # function completes their audit, with the same event.
            team.finish_follow_up_as_shopper(
                session.connection(),
                audit_id=self.audit.id,
                at=at,
                tz=self.zone,
                event=event,
                event_id=self.make_id(),
            )
            return
        repo.update_audit(
            session=session,
            audit_id=self.audit.id,
            values={"status": AuditStatus.COMPLETED, "updated_at": at},
        )
        repo.add_event(session=session, audit_id=self.audit.id, kind=event, at=at, tz=self.zone)

    def _finished(self, at: datetime) -> None:
        self.audit.status = AuditStatus.COMPLETED
        self.audit.updated_at = at
        self.last_saved = at

    def reopen(self, reason: str = "") -> datetime:
        """Make a completed audit editable again; the reopening is recorded."""
        if not (self.read_only or self.awaiting):
            raise AuditStateError("this audit is not completed")
        if self.handed_in is not None:
            raise AuditStateError(
                "this audit's shop is handed in: its reviewer returns it if it must change"
            )
        at = self.clock()
        self._set_status(
            AuditStatus.IN_PROGRESS, at, completed=False, event="reopened", detail=reason
        )
        self._tracked = True
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
                if completed and team.completes_through_the_database(session.connection()):
                    # A shopper on a team database may not set the status: the database's
                    # own function completes their audit, with the same event.
                    team.complete_as_shopper(
                        session.connection(),
                        audit_id=self.audit.id,
                        status=status,
                        at=at,
                        tz=self.zone,
                        detail=detail,
                        event_id=self.make_id(),
                    )
                else:
                    repo.update_audit(session=session, audit_id=self.audit.id, values=values)
                    repo.add_event(
                        session=session,
                        event_id=self.make_id(),
                        audit_id=self.audit.id,
                        kind=event,
                        at=at,
                        tz=self.zone,
                        detail=detail,
                    )
        except (SQLAlchemyError, OSError) as exc:
            raise _storage_error(exc, self.engine) from exc
        self.audit.status = status
        self.audit.updated_at = at
        self.audit.completed_at = at if completed else None
        self.audit.completed_tz = self.zone if completed else None
        self.last_saved = at


_HISTORY_FROM = frozenset({"completed", "reopened"})
_HANDED_IN = frozenset({"submitted", "reviewed"})
"""Shop states in which its audit is the reviewer's, not its shopper's."""
"""Audit events after which every answer's change is kept in its history."""


def _json(value: Any) -> str | None:
    return None if value is None else to_json(value)


def _step(event: InstrumentEvent) -> tuple[str, Step]:
    return event.instrument, Step(event.id, event.kind, event.at, event.decoded())


def _check_note(note: str) -> None:
    if len(note) > MAX_NOTE:
        raise AnswerError(f"note is {len(note):,} characters; the limit is {MAX_NOTE:,}")


def _check_step_data(data: dict[str, Any]) -> None:
    if (problem := step_data_problem(data)) is not None:
        raise AnswerError(f"step details: {problem}")
    size = len(json.dumps(data, ensure_ascii=False))
    if size > MAX_STEP_DATA:
        raise AnswerError(f"step details are {size:,} characters; the limit is {MAX_STEP_DATA:,}")


def _summary(score: AuditScore) -> dict[str, Any]:
    return {
        "score_percent": score.percent,
        "verdict": score.verdict,
        "passed": score.passed,
        "critical_failures": len(score.critical_failures),
        "answered": score.answered,
        "visible": score.visible,
    }


def _storage_error(exc: Exception, engine: Engine) -> StorageError:
    if writing_stopped(engine):
        return StorageError(
            "could not save: the database was found damaged, so Shopper stopped writing to it "
            "(your text stays here); repair it (File › Repair database) or restore a backup"
        )
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None and sqlite_code(exc) == SQLITE_FULL:
        return StorageError(f"could not save: the disk is full ({_free_kb(path)} KB free)")
    if path is None and getattr(exc, "connection_invalidated", False):
        return StorageError(
            "could not save: the connection to the database server was lost; nothing of this "
            "change was kept, and your text stays here: save it again when the server is back"
        )
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return StorageError(f"could not save: {detail[0] if detail else type(exc).__name__}")


def _free_kb(path: Path) -> str:
    free = free_bytes(path)
    return "?" if free is None else f"{free / 1024:,.0f}"
