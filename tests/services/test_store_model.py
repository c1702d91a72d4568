"""The store against an in-memory model: random sequences of changes, and bundle round trips.

Hypothesis drives companies, audits, answers, notes, completing, reopening and
moments through the services, and checks after every step that the database
says what the model says. Exporting everything and importing it into a fresh
database must give the same again; importing it back must change nothing.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from shopper.domain.errors import AuditStateError
from shopper.domain.vocabulary import AuditStatus, MomentKind
from shopper.services.audits import load_audit, start_audit
from shopper.services.bundles import audit_ids_for, export_bundle, import_bundle
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file
from tests.data_helpers import COUNT_ITEMS, counts_template

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
NAMES = TEXT.filter(lambda s: bool(s.strip()))


@dataclass
class ModelAudit:
    company: str
    completed: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    moments: list[tuple[str, str]] = field(default_factory=list)


class Pristine:
    """A data folder made once, copied for each example (opening a new one parses templates)."""

    folder: Path | None = None
    template_id = ""

    @classmethod
    def copy(cls, target: Path) -> str:
        if cls.folder is None:
            root = Path(tempfile.mkdtemp(prefix="shopper-model-"))
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            cls.folder = root / "data"
            ctx = AppContext.open(cls.folder)
            cls.template_id = import_template_file(
                engine=ctx.engine, path=counts_template(cls.folder.parent)
            ).id
            ctx.close()
        shutil.copytree(cls.folder, target)
        return cls.template_id


class StoreModel(RuleBasedStateMachine):
    companies = Bundle("companies")
    audits = Bundle("audits")

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="shopper-model-run-"))
        self.template_id = Pristine.copy(self.root / "data")
        self.ctx = AppContext.open(self.root / "data")
        self.model: dict[str, ModelAudit] = {}
        self.runners: dict[str, AuditRunner] = {}
        self.round_trips = 0

    def teardown(self) -> None:
        self.ctx.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def runner(self, audit_id: str) -> AuditRunner:
        if audit_id not in self.runners:
            self.runners[audit_id] = AuditRunner(engine=self.ctx.engine, audit_id=audit_id)
        return self.runners[audit_id]

    @initialize(target=companies, name=NAMES)
    def first_company(self, name: str) -> str:
        return self.add_company_now(name)

    @rule(target=companies, name=NAMES)
    def add_company(self, name: str) -> str:
        return self.add_company_now(name)

    def add_company_now(self, name: str) -> str:
        return create_company(engine=self.ctx.engine, data=CompanyInput(name=name)).id

    @rule(target=audits, company=companies, shopper=TEXT)
    def start(self, company: str, shopper: str) -> str:
        audit = start_audit(
            engine=self.ctx.engine,
            company_id=company,
            template_id=self.template_id,
            shopper=shopper,
        )
        self.model[audit.id] = ModelAudit(company)
        return audit.id

    @rule(
        audit=audits,
        item=st.sampled_from(COUNT_ITEMS),
        value=st.none() | st.integers(0, 10**6),
    )
    def answer_count(self, audit: str, item: str, value: int | None) -> None:
        self._answer(audit, item, value, value)

    @rule(audit=audits, value=TEXT)
    def answer_text(self, audit: str, value: str) -> None:
        self._answer(audit, "remark", value, value if value.strip() else None)

    def _answer(self, audit: str, item: str, value: Any, stored: Any) -> None:
        state = self.model[audit]
        if state.completed:
            with pytest.raises(AuditStateError):
                self.runner(audit).set_answer(item, value)
            return
        self.runner(audit).set_answer(item, value)
        if stored is None:
            state.values.pop(item, None)
        else:
            state.values[item] = stored

    @rule(audit=audits, item=st.sampled_from((*COUNT_ITEMS, "remark")), note=TEXT)
    def note(self, audit: str, item: str, note: str) -> None:
        state = self.model[audit]
        if state.completed:
            with pytest.raises(AuditStateError):
                self.runner(audit).set_note(item, note)
            return
        self.runner(audit).set_note(item, note)
        state.notes[item] = note

    @rule(audit=audits)
    def complete(self, audit: str) -> None:
        state = self.model[audit]
        if state.completed:
            with pytest.raises(AuditStateError):
                self.runner(audit).complete()
            return
        self.runner(audit).complete()
        state.completed = True

    @rule(audit=audits, reason=TEXT)
    def reopen(self, audit: str, reason: str) -> None:
        state = self.model[audit]
        if not state.completed:
            with pytest.raises(AuditStateError):
                self.runner(audit).reopen(reason)
            return
        self.runner(audit).reopen(reason)
        state.completed = False

    @rule(audit=audits, kind=st.sampled_from(sorted(MomentKind.values())), note=TEXT)
    def moment(self, audit: str, kind: str, note: str) -> None:
        state = self.model[audit]
        if state.completed:
            with pytest.raises(AuditStateError):
                self.runner(audit).add_moment(kind, note=note)
            return
        self.runner(audit).add_moment(kind, note=note)
        state.moments.append((kind, note))

    @precondition(lambda self: bool(self.model))
    @rule()
    def export_then_import(self) -> None:
        """Everything into a bundle, then into a fresh database; and back into this one."""
        self.round_trips += 1
        bundle = self.root / f"all-{self.round_trips}.shopper"
        export_bundle(
            engine=self.ctx.engine,
            data_dir=self.ctx.data_dir,
            path=bundle,
            audit_ids=audit_ids_for(engine=self.ctx.engine, everything=True),
        )
        fresh_dir = self.root / f"fresh-{self.round_trips}"
        Pristine.copy(fresh_dir)
        fresh = AppContext.open(fresh_dir)
        try:
            summary = import_bundle(engine=fresh.engine, data_dir=fresh.data_dir, path=bundle)
            assert len(summary.added) == len(self.model)
            self.check(fresh)
        finally:
            fresh.close()
        again = import_bundle(engine=self.ctx.engine, data_dir=self.ctx.data_dir, path=bundle)
        assert len(again.unchanged) == len(self.model)
        assert not again.changed

    @invariant()
    def database_matches_the_model(self) -> None:
        self.check(self.ctx)

    def check(self, ctx: AppContext) -> None:
        for audit_id, state in self.model.items():
            detail = load_audit(engine=ctx.engine, audit_id=audit_id)
            assert detail.audit.company_id == state.company
            values = {k: v for k, v in detail.values.items() if v is not None}
            assert values == state.values
            notes = {k: r.note for k, r in detail.answers.items() if r.note}
            assert notes == {k: v for k, v in state.notes.items() if v}
            expected = AuditStatus.COMPLETED if state.completed else AuditStatus.IN_PROGRESS
            assert detail.audit.status == expected
            assert sorted((m.kind, m.note) for m in detail.moments) == sorted(state.moments)
            assert detail.audit.answered == detail.score.answered


StoreModel.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestStoreModel = StoreModel.TestCase
