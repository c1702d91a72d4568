"""The audit runner and information items: read where they stand, never answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopper.domain.errors import AnswerError
from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file

TEMPLATE = """\
format: 1
id: 7c2e9a41-5b3d-4e6f-9a1b-2c3d4e5f6a7b
version: 1
title: Starts with information
touchpoint: store
sections:
  - id: s
    title: S
    items:
      - {id: before, prompt: Park round the corner., type: info}
      - {id: a, prompt: 'Greeted?', type: yes_no, required: true}
"""


def test_an_information_item_is_read_first_and_never_answered(
    ctx: AppContext, tmp_path: Path
) -> None:
    path = tmp_path / "info.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    template = import_template_file(engine=ctx.engine, path=path)
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    assert runner.resume_item() == "before"  # a new audit opens at its first item: the text
    assert [i.id for i in runner.visible_items()] == ["before", "a"]
    with pytest.raises(AnswerError, match=r"^before: an information item is read"):
        runner.set_answer("before", "yes")
    runner.set_answer("a", "yes")
    assert (runner.score.answered, runner.score.visible) == (1, 1)
    assert runner.score.required_missing == ()
