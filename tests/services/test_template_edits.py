"""Templates made and changed in the app: saved versions, copies, the version list, Try it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shopper.domain.errors import TemplateError
from shopper.domain.template_diff import ChangeKind
from shopper.domain.template_loader import template_from_data
from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.template_edits import (
    copy_data,
    editable_data,
    new_template_data,
    open_preview,
    save_template,
    template_versions,
    version_changes,
)
from shopper.services.templates import get_template, list_templates

TEMPLATE_ID = "0b7e9c1e-52a4-4d55-9a34-1f8a7c6d5e40"


def a_template(prompt: str = "New question", weight: float = 1) -> dict[str, object]:
    data = new_template_data(title="Counter check", touchpoint="store")
    data["id"] = TEMPLATE_ID
    data["sections"][0]["items"][0].update(prompt=prompt, weight=weight)
    data["sections"][0]["items"].append(
        {"id": "smile", "prompt": "Did they smile?", "type": "yes_no", "theme": "empathy"}
    )
    return data


def builtin_id(ctx: AppContext) -> str:
    return next(i.id for i in list_templates(engine=ctx.engine) if i.builtin)


def test_a_new_template_is_stored_as_version_1(ctx: AppContext) -> None:
    template = template_from_data(a_template())
    saved = save_template(engine=ctx.engine, template=template)
    assert saved.new_version and saved.template == template
    stored = get_template(engine=ctx.engine, template_id=template.id, version=1)
    assert stored == template
    assert editable_data(engine=ctx.engine, template_id=template.id)["title"] == "Counter check"


def test_saving_unchanged_stores_nothing_and_a_change_is_the_next_version(
    ctx: AppContext,
) -> None:
    template = template_from_data(a_template())
    save_template(engine=ctx.engine, template=template)
    again = save_template(engine=ctx.engine, template=template)
    assert not again.new_version and again.template.version == 1
    changed = template_from_data(a_template(prompt="Were you greeted?", weight=2))
    saved = save_template(engine=ctx.engine, template=changed)
    assert saved.new_version and saved.template.version == 2
    # The version it carries does not matter: the next one after the newest is taken.
    third = template_from_data({**a_template(prompt="Greeted?"), "version": 1})
    assert save_template(engine=ctx.engine, template=third).template.version == 3
    assert [v.version for v in template_versions(engine=ctx.engine, template_id=template.id)] == [
        1,
        2,
        3,
    ]


def test_an_audit_keeps_the_version_it_was_run_on(ctx: AppContext) -> None:
    template = template_from_data(a_template())
    save_template(engine=ctx.engine, template=template)
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Shop"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id)
    save_template(engine=ctx.engine, template=template_from_data(a_template(prompt="Changed")))
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    assert runner.template.version == 1
    assert runner.template.item("item_1").prompt == "New question"
    versions = template_versions(engine=ctx.engine, template_id=template.id)
    assert [(v.version, v.audits) for v in versions] == [(1, 1), (2, 0)]


def test_version_changes_lists_what_changed(ctx: AppContext) -> None:
    template = template_from_data(a_template())
    save_template(engine=ctx.engine, template=template)
    save_template(
        engine=ctx.engine, template=template_from_data(a_template(prompt="Greeted?", weight=3))
    )
    changes = version_changes(engine=ctx.engine, template_id=template.id, old=1, new=2)
    assert [(c.kind, c.item_id) for c in changes] == [
        (ChangeKind.REWORDED, "item_1"),
        (ChangeKind.REWEIGHTED, "item_1"),
    ]


def test_a_built_in_is_copied_under_a_new_id_never_changed(ctx: AppContext) -> None:
    original = builtin_id(ctx)
    data = copy_data(engine=ctx.engine, template_id=original)
    assert data["id"] != original and data["version"] == 1
    assert str(data["title"]).startswith("Copy of ")
    copy = template_from_data(data)
    assert save_template(engine=ctx.engine, template=copy).template.version == 1
    builtin = template_from_data(editable_data(engine=ctx.engine, template_id=original))
    with pytest.raises(TemplateError, match="built-in checklist is not changed"):
        save_template(engine=ctx.engine, template=replace(builtin, title="Mine now"))


def test_try_it_uses_a_throwaway_database(ctx: AppContext) -> None:
    template = template_from_data(a_template())
    preview = open_preview(template=template)
    try:
        runner = AuditRunner(engine=preview.engine, audit_id=preview.audit_id)
        runner.set_answer("smile", "yes")
        assert runner.template == template
    finally:
        preview.close()
    assert not preview.folder.exists()
    assert template.id not in {i.id for i in list_templates(engine=ctx.engine)}
