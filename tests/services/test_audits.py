"""Starting audits, reading one as JSON, and checking company input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shopper.domain.errors import NotFoundError, ShopperError
from shopper.domain.template import Template
from shopper.domain.vocabulary import AuditStatus
from shopper.resources import TEMPLATES_DIR
from shopper.services import templates as templates_service
from shopper.services.audits import (
    audit_to_json,
    describe_row,
    list_audits,
    load_audit,
    start_audit,
)
from shopper.services.companies import (
    CompanyInput,
    create_company,
    find_company,
    get_company,
    list_companies,
    update_company,
)
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import get_template, list_templates
from tests.postgres import DATABASES, app_context

T0 = datetime(2025, 5, 12, 8, 0, tzinfo=UTC)
ZONE = "Europe/Warsaw"


@pytest.fixture(params=DATABASES)
def ctx(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[AppContext]:
    """Audits and companies run on SQLite and on a team database (as a manager)."""
    with app_context(request.param, request, data_dir) as context:
        yield context


@pytest.fixture
def phone(ctx: AppContext) -> Template:
    info = list_templates(engine=ctx.engine, touchpoint="phone")[0]
    return get_template(engine=ctx.engine, template_id=info.id, version=info.version)


@pytest.fixture
def company_id(ctx: AppContext) -> str:
    return create_company(engine=ctx.engine, data=CompanyInput(name="Northwind")).id


def _ship_phone_next(ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """As a newer release would: its built-in phone checklist at the next version (returned)."""
    source = (TEMPLATES_DIR / "phone.yaml").read_text(encoding="utf-8")
    shipped = int(re.search(r"^version: (\d+)$", source, re.MULTILINE).group(1))  # type: ignore[union-attr]
    changed = source.replace(f"\nversion: {shipped}\n", f"\nversion: {shipped + 1}\n", 1).replace(
        "title: Phone support", "title: Phone support (revised)", 1
    )
    path = tmp_path / "phone-next.yaml"
    path.write_text(changed, encoding="utf-8")
    monkeypatch.setattr(templates_service, "builtin_template_files", lambda: [path])
    assert templates_service.sync_builtin_templates(engine=ctx.engine) == 1
    return shipped + 1


# -- start_audit ------------------------------------------------------------------


def test_start_audit_records_the_start(ctx: AppContext, phone: Template, company_id: str) -> None:
    audit = start_audit(
        engine=ctx.engine,
        company_id=company_id,
        template_id=phone.id,
        shopper="  Ana Souza ",
        zone=ZONE,
        at=T0,
    )
    detail = load_audit(engine=ctx.engine, audit_id=audit.id)
    stored = detail.audit
    assert stored.template_id == phone.id
    assert stored.template_version == phone.version  # the latest
    assert stored.touchpoint == "phone"
    assert stored.shopper == "Ana Souza"
    assert stored.status == AuditStatus.IN_PROGRESS
    assert stored.started_at == T0
    assert stored.started_tz == ZONE
    assert stored.completed_at is None
    assert stored.current_item == next(phone.items()).id
    assert stored.answered == 0
    assert stored.visible > 0
    assert [(e.kind, e.at, e.tz) for e in detail.events] == [("created", T0, ZONE)]


def test_start_audit_uses_the_latest_template_version(
    ctx: AppContext,
    phone: Template,
    company_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    following = _ship_phone_next(ctx, tmp_path, monkeypatch)
    latest = start_audit(engine=ctx.engine, company_id=company_id, template_id=phone.id, at=T0)
    assert latest.template_version == following
    assert load_audit(engine=ctx.engine, audit_id=latest.id).template.title == (
        "Phone support (revised)"
    )
    pinned = start_audit(
        engine=ctx.engine, company_id=company_id, template_id=phone.id, template_version=1, at=T0
    )
    assert pinned.template_version == 1
    assert load_audit(engine=ctx.engine, audit_id=pinned.id).template.title == "Phone support"


def test_start_audit_refuses_bad_references(
    ctx: AppContext, phone: Template, company_id: str
) -> None:
    with pytest.raises(NotFoundError):
        start_audit(
            engine=ctx.engine, company_id=company_id, template_id=phone.id, template_version=7
        )
    with pytest.raises(NotFoundError):
        start_audit(
            engine=ctx.engine,
            company_id=company_id,
            template_id="00000000-0000-4000-8000-000000000000",
        )
    with pytest.raises(NotFoundError):
        start_audit(engine=ctx.engine, company_id="no-such-company", template_id=phone.id)
    with pytest.raises(ShopperError, match="shopper"):
        start_audit(
            engine=ctx.engine, company_id=company_id, template_id=phone.id, shopper="x" * 201
        )
    assert list_audits(engine=ctx.engine) == []


# -- audit_to_json ------------------------------------------------------------------


def test_audit_to_json(ctx: AppContext, phone: Template, company_id: str) -> None:
    audit = start_audit(
        engine=ctx.engine, company_id=company_id, template_id=phone.id, zone=ZONE, at=T0
    )
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone=ZONE)
    runner.set_answer("call_started_at", {"utc": "2025-05-12T08:00:00+00:00", "tz": ZONE})
    runner.set_answer("greeting_wait", "1:15")
    runner.set_answer("reached_human", "yes")
    runner.set_answer("issue_resolved", "partly")
    runner.set_answer("overall", 4)
    runner.set_note("overall", "Friendly — «très» 親切")
    runner.set_answer("prompts_clear", "na")
    runner.set_answer("advice", "Shorter menus")

    detail = load_audit(engine=ctx.engine, audit_id=audit.id)
    data = audit_to_json(detail)
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    json.dumps(data)  # plain ASCII JSON works too

    assert data["id"] == audit.id
    assert data["company"]["name"] == "Northwind"
    assert data["touchpoint"] == "phone"
    assert data["template"] == {"id": phone.id, "version": phone.version, "title": "Phone support"}
    assert data["status"] == AuditStatus.IN_PROGRESS
    assert data["started_tz"] == ZONE
    assert data["started_at"] == T0.isoformat(timespec="seconds")
    assert [e["kind"] for e in data["events"]] == ["created"]

    items = {item["id"]: item for section in data["sections"] for item in section["items"]}
    assert list(items) == [i.id for i in phone.items()]
    assert items["reached_human"]["value"] == "yes"
    assert items["reached_human"]["display"] == "Yes"
    assert items["reached_human"]["outcome"] == "pass"
    assert items["greeting_wait"]["value"] == 75.0
    assert items["greeting_wait"]["display"] == "1:15"
    assert items["issue_resolved"]["display"] == "Partly resolved"
    assert items["issue_resolved"]["outcome"] == "partial"
    assert items["overall"]["display"] == "4 / 5"
    assert items["overall"]["note"] == "Friendly — «très» 親切"
    assert items["prompts_clear"]["display"] == "N/A"
    assert items["prompts_clear"]["outcome"] == "na"
    assert items["call_started_at"]["display"] == "2025-05-12 10:00 (Europe/Warsaw)"
    assert items["advice"]["display"] == "Shorter menus"
    assert items["advice"]["outcome"] == "info"
    assert items["menu_depth"]["value"] is None
    assert items["menu_depth"]["display"] == ""
    assert items["menu_depth"]["outcome"] == "unanswered"
    assert items["callback_offered"]["outcome"] == "hidden"
    assert items["overall"]["answered_at"] is not None

    score = detail.score
    assert data["score"]["percent"] == pytest.approx(score.percent, abs=0.01)
    assert data["score"]["points"] == pytest.approx(score.points)
    assert data["score"]["max_points"] == score.max_points
    assert data["score"]["verdict"] == score.verdict
    assert data["score"]["answered"] == score.answered == 7
    assert data["score"]["required_missing"] == list(score.required_missing)
    assert "menu_depth" in data["score"]["required_missing"]
    section_max = sum(section["max_points"] for section in data["sections"])
    assert section_max == pytest.approx(score.max_points)


def test_audit_to_json_for_an_empty_audit(
    ctx: AppContext, phone: Template, company_id: str
) -> None:
    audit = start_audit(engine=ctx.engine, company_id=company_id, template_id=phone.id, at=T0)
    data = audit_to_json(load_audit(engine=ctx.engine, audit_id=audit.id))
    json.dumps(data)
    assert data["score"]["percent"] is None
    assert data["score"]["verdict"] == "Not scored yet"
    assert data["completed_at"] is None
    assert all(s["percent"] is None for s in data["sections"])


def test_describe_row(ctx: AppContext, phone: Template, company_id: str) -> None:
    audit = start_audit(
        engine=ctx.engine, company_id=company_id, template_id=phone.id, shopper="Ana", at=T0
    )
    (row,) = list_audits(engine=ctx.engine)
    line = describe_row(row)
    assert line.startswith(audit.id[:8])
    assert "2025-05-12" in line
    assert "Northwind" in line
    assert "Phone" in line
    assert "In progress" in line
    assert "\n" not in line


# -- companies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"sector": "x" * 201}, "sector"),
        ({"timezone": "Mars/Olympus_Mons"}, "time zone"),
        ({"timezone": ""}, "time zone"),
        ({"business_hours": {"monday": ["09:00", "17:00"]}}, "business hours"),
        ({"business_hours": {"mon": ["17:00", "09:00"]}}, "business hours"),
        ({"business_hours": {"mon": ["09:00", "09:00"]}}, "business hours"),
        ({"business_hours": {"mon": ["9:00", "17:00"]}}, "business hours"),
        ({"business_hours": {"mon": ["09:00", "25:00"]}}, "business hours"),
        ({"business_hours": {"mon": ["09:00"]}}, "business hours"),
        ({"business_hours": {"mon": ["09:00", "12:00", "17:00"]}}, "business hours"),
        ({"holidays": ["2025-02-30"]}, "holidays"),
        ({"holidays": ["25/12/2025"]}, "holidays"),
        ({"holidays": ["2025-12-25", "christmas"]}, "holidays"),
    ],
)
def test_company_input_validation(ctx: AppContext, changes: dict[str, object], field: str) -> None:
    data = CompanyInput(name="Valid")
    for key, value in changes.items():
        setattr(data, key, value)
    with pytest.raises(ShopperError) as info:
        data.validate()
    message = str(info.value)
    assert message.startswith(field) or f"company {field}" in message, message
    assert "\n" not in message
    with pytest.raises(ShopperError):
        create_company(engine=ctx.engine, data=data)
    assert list_companies(engine=ctx.engine) == []


def test_company_input_accepts_valid_data(ctx: AppContext) -> None:
    data = CompanyInput(
        name="  Zielona Łąka Sp. z o.o. ",
        sector="Garden centre",
        timezone="Europe/Warsaw",
        business_hours={
            "mon": ["08:00", "18:00"],
            "sat": ["10:00", "14:00"],
            "sun": ["00:00", "24:00"],
        },
        holidays=["2025-12-25", "2025-01-01", "2025-12-25"],
        notes="Ask for the garden department.",
    )
    data.validate()
    company = create_company(engine=ctx.engine, data=data)
    stored = get_company(engine=ctx.engine, company_id=company.id)
    assert stored.name == "Zielona Łąka Sp. z o.o."
    assert stored.timezone == "Europe/Warsaw"
    assert stored.hours() == {
        "mon": ["08:00", "18:00"],
        "sat": ["10:00", "14:00"],
        "sun": ["00:00", "24:00"],
    }
    assert stored.holiday_list() == ["2025-01-01", "2025-12-25"]
    assert find_company(engine=ctx.engine, name_or_id="zielona łąka sp. z o.o.").id == company.id


def test_update_company_validates_and_saves(ctx: AppContext) -> None:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Old name"))
    with pytest.raises(ShopperError, match="time zone"):
        update_company(
            engine=ctx.engine,
            company_id=company.id,
            data=CompanyInput(name="New name", timezone="Nowhere/Land"),
        )
    assert get_company(engine=ctx.engine, company_id=company.id).name == "Old name"
    update_company(
        engine=ctx.engine,
        company_id=company.id,
        data=CompanyInput(name="New name", timezone="Asia/Tokyo"),
    )
    stored = get_company(engine=ctx.engine, company_id=company.id)
    assert (stored.name, stored.timezone) == ("New name", "Asia/Tokyo")
    assert stored.updated_at >= stored.created_at
    with pytest.raises(NotFoundError):
        update_company(engine=ctx.engine, company_id="missing", data=CompanyInput(name="X"))


def test_audit_to_json_has_instruments_moments_and_evidence(
    ctx: AppContext, phone: Template, company_id: str
) -> None:
    from datetime import timedelta
    from io import BytesIO

    from PIL import Image

    from shopper.services.instruments import waiting_replies

    audit = start_audit(engine=ctx.engine, company_id=company_id, template_id=phone.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone="UTC")
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for offset, kind in ((0, "call_start"), (15, "menu"), (40, "human"), (200, "call_end")):
        runner.add_step("phone", kind, at=start + timedelta(seconds=offset))
    runner.add_step("email", "sent", at=start)
    runner.add_moment("bad", note="Hung up on & <i>ignored</i>")
    image = BytesIO()
    Image.new("RGB", (8, 8)).save(image, "PNG")
    runner.attach(data_dir=ctx.data_dir, data=image.getvalue(), filename="x.png", item_id="overall")

    data = audit_to_json(load_audit(engine=ctx.engine, audit_id=audit.id))
    json.dumps(data)
    phone_json = data["instruments"]["phone"]
    assert phone_json["figures"]["time_to_human"] == 40.0
    assert phone_json["figures"]["menu_prompts"] == 1
    assert [s["kind"] for s in phone_json["steps"]] == ["call_start", "menu", "human", "call_end"]
    assert "reached_human" in phone_json["fills"]
    items = {i["id"]: i for sec in data["sections"] for i in sec["items"]}
    assert items["reached_human"]["source"] == "instrument"
    assert items["overall"]["source"] is None
    assert data["instruments"]["email"]["figures"]["replied_at"] is None
    assert data["moments"][0]["note"] == "Hung up on & <i>ignored</i>"
    assert data["moment_counts"] == {"good": 0, "bad": 1, "friction": 0}
    assert (
        data["evidence"][0]["filename"] == "x.png" and data["evidence"][0]["item_id"] == "overall"
    )
    waiting = waiting_replies(engine=ctx.engine, now=start + timedelta(days=3))
    assert [w.audit_id for w in waiting] == [audit.id]
    assert waiting[0].waited_hours == 72.0


def test_on_a_team_database_audits_show_the_logins_full_name(
    as_jan: tuple[AppContext, str], tmp_path: Path
) -> None:
    """Lists, the audit, its report and a comparison name Jan Kowalski; the login stays."""
    from pypdf import PdfReader

    from shopper.services.compare import compare_audit_ids
    from shopper.services.reports import make_audit_report

    ctx, company_id = as_jan
    phone = list_templates(engine=ctx.engine, touchpoint="phone")[0]
    audit = start_audit(engine=ctx.engine, company_id=company_id, template_id=phone.id)
    row = list_audits(engine=ctx.engine)[0]
    assert (row.shopper, row.shopper_name) == ("jan", "Jan Kowalski")
    assert load_audit(engine=ctx.engine, audit_id=audit.id).shopper_name == "Jan Kowalski"
    pdf = tmp_path / "audit.pdf"
    make_audit_report(engine=ctx.engine, audit_id=audit.id, out_path=pdf, data_dir=ctx.data_dir)
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Jan Kowalski" in text
    again = start_audit(engine=ctx.engine, company_id=company_id, template_id=phone.id)
    result = compare_audit_ids(engine=ctx.engine, audit_ids=[audit.id, again.id])
    assert [a.shopper for a in result.comparison.audits] == ["Jan Kowalski"] * 2


def test_on_sqlite_the_typed_shopper_is_the_name(ctx: AppContext) -> None:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=ctx.engine, touchpoint="phone")[0]
    start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id, shopper="Anna")
    row = list_audits(engine=ctx.engine)[0]
    assert (row.shopper, row.shopper_name) == ("Anna", "Anna")
