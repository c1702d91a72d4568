"""Instruments through AuditRunner on the built-in templates: measured answers, overrides,
contradictions refused with nothing written, moments and evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, col, select

from shopper.domain.errors import AnswerError, AuditStateError, ShopperError
from shopper.domain.instruments import EmailStep, Instrument, PhoneStep, Step, WebStep
from shopper.domain.template import Item, ItemType, Template
from shopper.domain.template_loader import parse_template_text
from shopper.domain.vocabulary import AnswerSource
from shopper.services.audits import audit_to_json, load_audit, start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.evidence import EvidenceError, evidence_path, verify_stored
from shopper.services.instruments import measure
from shopper.services.runner import AuditRunner, NewStep
from shopper.services.templates import get_template, list_templates
from shopper.store.tables import (
    Answer,
    Company,
    Evidence,
    InstrumentEvent,
)

ZONE = "Europe/Warsaw"
T0 = datetime(2025, 5, 13, 9, 0, tzinfo=UTC)  # Tuesday 11:00 in Warsaw


class TickingClock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(hours=2)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def builtin(ctx: AppContext, touchpoint: str) -> Template:
    (info,) = list_templates(engine=ctx.engine, touchpoint=touchpoint)
    return get_template(engine=ctx.engine, template_id=info.id, version=info.version)


@pytest.fixture
def company(ctx: AppContext) -> Company:
    # Default business hours: Monday to Friday, 09:00-17:00.
    return create_company(
        engine=ctx.engine, data=CompanyInput(name="Blue Harbor Bank", timezone=ZONE)
    )


@pytest.fixture
def open_runner(ctx: AppContext, company: Company) -> Callable[..., AuditRunner]:
    """Start an audit on a built-in template and open it; `reopen(id)` opens it again."""
    clock = TickingClock()

    def make(touchpoint: str = "phone", audit_id: str | None = None) -> AuditRunner:
        if audit_id is None:
            template = builtin(ctx, touchpoint)
            audit_id = start_audit(
                engine=ctx.engine,
                company_id=company.id,
                template_id=template.id,
                shopper="Ana",
                zone=ZONE,
                at=T0,
            ).id
        return AuditRunner(engine=ctx.engine, audit_id=audit_id, zone=ZONE, clock=clock)

    return make


@pytest.fixture
def phone(open_runner: Callable[..., AuditRunner]) -> AuditRunner:
    return open_runner("phone")


def reload(runner: AuditRunner) -> AuditRunner:
    return AuditRunner(engine=runner.engine, audit_id=runner.audit_id, zone=ZONE)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the database."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {
            name: sorted(
                (tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
            )
            for name in names
        }


def stored_answers(engine: Engine, audit_id: str) -> dict[str, tuple[Any, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Answer).where(col(Answer.audit_id) == audit_id)).all()
        return {r.item_id: (r.decoded(), r.source) for r in rows if r.value is not None}


def record_call(runner: AuditRunner) -> dict[str, Step]:
    """Start, two menu prompts, 2 minutes on hold, a person, 5 minutes talking, end."""
    steps = {
        "start": runner.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0)),
        "menu1": runner.add_step(
            Instrument.PHONE,
            PhoneStep.MENU,
            at=at(8),
            data={"prompt": "For cards press 2", "options": "1 accounts, 2 cards", "key": "2"},
        ),
        "menu2": runner.add_step(
            Instrument.PHONE,
            PhoneStep.MENU,
            at=at(30),
            data={"prompt": "Lost card press 1", "options": "1 lost, 2 limits", "key": "1"},
        ),
        "hold": runner.add_step(Instrument.PHONE, PhoneStep.HOLD_START, at=at(45)),
        "human": runner.add_step(
            Instrument.PHONE, PhoneStep.HUMAN, at=at(165), data={"name": "Zofia"}
        ),
        "end": runner.add_step(Instrument.PHONE, PhoneStep.CALL_END, at=at(465)),
    }
    return steps


MEASURED_CALL = {
    "menu_depth": 2,
    "menu_prompts": 4,  # options read out: two at each prompt
    "menu_loops": 0,
    "handoffs": 0,
    "repeated_info": 0,
    "hold_time": 120.0,
    "greeting_wait": 8.0,
    "reached_human": "yes",
    "time_to_human": 165.0,
}


# -- phone: measured items -------------------------------------------------------------


def test_recording_a_call_fills_the_measured_items(ctx: AppContext, phone: AuditRunner) -> None:
    record_call(phone)
    for item_id, value in MEASURED_CALL.items():
        assert phone.value(item_id) == value, item_id
        assert phone.measured(item_id) == value
        assert phone.is_measured(item_id)
        assert not phone.is_override(item_id)
    assert phone.measurements.phone is not None
    assert phone.measurements.phone.time_talking == 300.0
    assert phone.measurements.sources["hold_time"] == Instrument.PHONE
    assert phone.score.answered == len(MEASURED_CALL)

    # In the database, marked as measured, and read back the same by a new runner.
    stored = stored_answers(ctx.engine, phone.audit_id)
    assert stored == {k: (v, AnswerSource.INSTRUMENT) for k, v in MEASURED_CALL.items()}
    again = reload(phone)
    assert {k: again.value(k) for k in MEASURED_CALL} == MEASURED_CALL
    assert all(again.is_measured(k) for k in MEASURED_CALL)
    assert again.measurements == phone.measurements
    assert [(s.kind, s.at, dict(s.data)) for s in again.steps(Instrument.PHONE)] == [
        (s.kind, s.at, dict(s.data)) for s in phone.steps(Instrument.PHONE)
    ]
    assert again.steps(Instrument.PHONE)[4].data == {"name": "Zofia"}


def test_items_fill_once_their_measurement_is_final(phone: AuditRunner) -> None:
    phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0))
    assert phone.value("menu_depth") is None  # the menus may go deeper yet
    assert phone.value("hold_time") is None  # a hold may come yet
    assert phone.value("reached_human") is None  # not known while the call goes on
    assert phone.value("greeting_wait") is None
    phone.add_step(Instrument.PHONE, PhoneStep.MENU, at=at(5), data={"prompt": "Main menu"})
    phone.add_step(Instrument.PHONE, PhoneStep.MENU, at=at(20), data={"prompt": "MAIN menu "})
    assert phone.value("menu_loops") is None
    assert phone.value("greeting_wait") == 5.0  # the first thing heard: final at once
    phone.add_step(Instrument.PHONE, PhoneStep.DEAD_END, at=at(50))
    assert phone.value("menu_loops") == 1
    assert phone.value("hold_time") == 0.0
    assert phone.value("reached_human") == "no"
    assert phone.value("time_to_human") is None
    assert phone.is_measured("reached_human")
    assert reload(phone).value("reached_human") == "no"


def test_steps_recorded_out_of_order_and_now(phone: AuditRunner) -> None:
    phone.add_step(Instrument.PHONE, PhoneStep.HUMAN, at=at(90))
    phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0))
    assert phone.value("time_to_human") == 90.0
    assert [s.kind for s in phone.steps(Instrument.PHONE)] == ["call_start", "human"]
    # Without `at` the runner's clock times the step (its next tick).
    clock = phone.clock
    assert isinstance(clock, TickingClock)
    expected = clock.now + timedelta(seconds=1)
    step = phone.add_step(Instrument.PHONE, PhoneStep.CALL_END)
    assert step.at == expected
    assert phone.value("reached_human") == "yes"
    assert phone.steps(Instrument.PHONE)[-1].id == step.id


def test_steps_added_together_end_as_steps_added_one_by_one(
    ctx: AppContext, open_runner: Callable[..., AuditRunner]
) -> None:
    one_by_one = open_runner("phone")
    record_call(one_by_one)
    together = open_runner("phone")
    steps = together.add_steps(
        [NewStep(Instrument.PHONE, s.kind, s.at, s.data) for s in one_by_one.steps("phone")]
    )
    assert [(s.kind, s.at, dict(s.data)) for s in steps] == [
        (s.kind, s.at, dict(s.data)) for s in one_by_one.steps(Instrument.PHONE)
    ]
    assert together.values == one_by_one.values == MEASURED_CALL
    assert stored_answers(ctx.engine, together.audit_id) == stored_answers(
        ctx.engine, one_by_one.audit_id
    )
    assert reload(together).measurements == one_by_one.measurements


def test_steps_added_together_are_refused_together(ctx: AppContext, phone: AuditRunner) -> None:
    before = snapshot(ctx.engine)
    with pytest.raises(ShopperError, match="before the call started"):
        phone.add_steps(
            [
                NewStep(Instrument.PHONE, PhoneStep.CALL_START, at(10)),
                NewStep(Instrument.PHONE, PhoneStep.MENU, at(5), {"prompt": "early"}),
            ]
        )
    with pytest.raises(AnswerError):
        phone.add_steps(
            [
                NewStep(Instrument.PHONE, PhoneStep.CALL_START, at(0)),
                NewStep(Instrument.PHONE, PhoneStep.HUMAN, at(9), {"Name": "bad key"}),
            ]
        )
    assert snapshot(ctx.engine) == before
    assert phone.steps(Instrument.PHONE) == []


def test_the_ids_and_times_of_new_records_come_from_the_runner(
    ctx: AppContext, company: Company
) -> None:
    template = builtin(ctx, "phone")
    audit_id = start_audit(
        engine=ctx.engine,
        company_id=company.id,
        template_id=template.id,
        shopper="Ana",
        zone=ZONE,
        at=T0,
    ).id
    names = iter(f"00000000-0000-4000-8000-{n:012d}" for n in range(1, 100))
    now = T0 + timedelta(days=2)
    runner = AuditRunner(
        engine=ctx.engine,
        audit_id=audit_id,
        zone=ZONE,
        clock=lambda: now,
        make_id=lambda: next(names),
    )
    typed = runner.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0))
    live = runner.add_step(Instrument.PHONE, PhoneStep.CALL_END)
    moment = runner.add_moment("good", note="Quick")
    assert [typed.id, live.id, moment.id] == [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003",
    ]
    with Session(ctx.engine) as session:
        rows = session.exec(select(InstrumentEvent).order_by(col(InstrumentEvent.id))).all()
    assert [(r.at, r.updated_at) for r in rows] == [(at(0), now), (now, now)]


# -- overrides ---------------------------------------------------------------------------


def test_an_override_is_never_overwritten_and_use_measured_restores(
    ctx: AppContext, phone: AuditRunner
) -> None:
    phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0))
    phone.add_step(Instrument.PHONE, PhoneStep.HOLD_START, at=at(10))
    phone.add_step(Instrument.PHONE, PhoneStep.HUMAN, at=at(70))
    phone.add_step(Instrument.PHONE, PhoneStep.CALL_END, at=at(300))
    assert phone.value("hold_time") == 60.0

    # The shopper knows better: 1:30 on hold.
    phone.set_answer("hold_time", "1:30")
    assert phone.value("hold_time") == 90.0
    assert phone.is_override("hold_time")
    assert not phone.is_measured("hold_time")
    assert stored_answers(ctx.engine, phone.audit_id)["hold_time"] == (90.0, AnswerSource.SHOPPER)

    # A later hold changes the measurement, not the shopper's answer.
    phone.add_step(Instrument.PHONE, PhoneStep.TRANSFER, at=at(100))
    phone.add_step(Instrument.PHONE, PhoneStep.HUMAN, at=at(140))
    assert phone.measured("hold_time") == 100.0
    assert phone.value("hold_time") == 90.0
    assert phone.is_override("hold_time")
    assert phone.value("handoffs") == 1  # the other measured items still follow

    again = reload(phone)
    assert again.value("hold_time") == 90.0
    assert again.measured("hold_time") == 100.0
    assert again.is_override("hold_time")

    phone.use_measured("hold_time")
    assert phone.value("hold_time") == 100.0
    assert phone.is_measured("hold_time")
    assert not phone.is_override("hold_time")
    assert stored_answers(ctx.engine, phone.audit_id)["hold_time"] == (
        100.0,
        AnswerSource.INSTRUMENT,
    )
    # Measured again, it follows the instrument once more.
    phone.add_step(Instrument.PHONE, PhoneStep.HOLD_START, at=at(200))
    phone.add_step(Instrument.PHONE, PhoneStep.HOLD_END, at=at(230))
    assert phone.value("hold_time") == 130.0


def test_answering_the_measured_value_counts_as_the_measurement(phone: AuditRunner) -> None:
    phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0))
    phone.add_step(Instrument.PHONE, PhoneStep.HUMAN, at=at(42))
    phone.set_answer("time_to_human", "0:42")
    assert phone.is_measured("time_to_human")
    assert not phone.is_override("time_to_human")


def test_a_shopper_answer_before_the_measurement_is_kept(phone: AuditRunner) -> None:
    phone.set_answer("menu_depth", 3)
    phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(0))
    phone.add_step(Instrument.PHONE, PhoneStep.MENU, at=at(5), data={"prompt": "Hello"})
    phone.add_step(Instrument.PHONE, PhoneStep.HUMAN, at=at(9))
    assert phone.value("menu_depth") == 3
    assert phone.measured("menu_depth") == 1
    assert phone.is_override("menu_depth")


def test_use_measured_without_a_measurement(phone: AuditRunner) -> None:
    with pytest.raises(AnswerError, match="no instrument measured"):
        phone.use_measured("menu_depth")


# -- deleting and correcting steps ----------------------------------------------------


def test_deleting_a_step_clears_what_it_measured_but_not_the_shoppers_answers(
    ctx: AppContext, phone: AuditRunner
) -> None:
    steps = record_call(phone)
    phone.set_answer("menu_depth", 5)  # an override
    phone.delete_step(steps["human"].id)
    # Without the person the call ended without reaching one.
    assert phone.value("reached_human") == "no"
    assert phone.value("time_to_human") is None
    assert phone.value("hold_time") == 420.0  # on hold until the end
    assert phone.value("menu_depth") == 5
    stored = stored_answers(ctx.engine, phone.audit_id)
    assert "time_to_human" not in stored
    assert stored["menu_depth"] == (5, AnswerSource.SHOPPER)
    with Session(ctx.engine) as session:
        ids = set(session.exec(select(InstrumentEvent.id)).all())
    assert steps["human"].id not in ids
    assert len(ids) == 5

    # Without "call started" nothing is measured: every instrument answer goes.
    phone.delete_step(steps["start"].id)
    assert phone.measurements.items == {}
    for item_id in MEASURED_CALL:
        if item_id != "menu_depth":
            assert phone.value(item_id) is None, item_id
    assert phone.value("menu_depth") == 5
    assert stored_answers(ctx.engine, phone.audit_id) == {"menu_depth": (5, AnswerSource.SHOPPER)}
    assert reload(phone).values == {"menu_depth": 5}


def test_correcting_a_step_time_updates_the_figures(ctx: AppContext, phone: AuditRunner) -> None:
    steps = record_call(phone)
    phone.update_step(steps["human"].id, at=at(105))
    assert phone.value("time_to_human") == 105.0
    assert phone.value("hold_time") == 60.0
    assert stored_answers(ctx.engine, phone.audit_id)["time_to_human"] == (
        105.0,
        AnswerSource.INSTRUMENT,
    )
    with Session(ctx.engine) as session:
        event = session.get(InstrumentEvent, steps["human"].id)
        assert event is not None
        assert event.at == at(105)
        assert event.decoded() == {"name": "Zofia"}  # details kept

    # Correcting details: the second prompt repeats the first, a loop.
    phone.update_step(steps["menu2"].id, data={"prompt": "for cards PRESS 2"})
    assert phone.value("menu_loops") == 1
    again = reload(phone)
    assert again.value("menu_loops") == 1
    assert again.value("time_to_human") == 105.0


def test_updating_a_missing_step(phone: AuditRunner) -> None:
    with pytest.raises(ShopperError, match="no longer exists"):
        phone.update_step("nope", at=at(1))


# -- contradictions are refused before anything is written ------------------------------


def test_a_step_before_the_call_started_changes_nothing(
    ctx: AppContext, phone: AuditRunner
) -> None:
    steps = record_call(phone)
    before = snapshot(ctx.engine)
    values, kept = phone.values, phone.steps(Instrument.PHONE)
    measured = phone.measurements

    with pytest.raises(ShopperError, match="before the call started"):
        phone.add_step(Instrument.PHONE, PhoneStep.MENU, at=at(-5), data={"prompt": "early"})
    with pytest.raises(ShopperError, match="before the call started"):
        phone.update_step(steps["menu1"].id, at=at(-1))
    with pytest.raises(ShopperError, match="before the call started"):
        phone.update_step(steps["start"].id, at=at(10))

    assert snapshot(ctx.engine) == before
    assert phone.values == values
    assert phone.steps(Instrument.PHONE) == kept
    assert phone.measurements == measured


def test_call_started_after_earlier_steps_is_refused(ctx: AppContext, phone: AuditRunner) -> None:
    phone.add_step(Instrument.PHONE, PhoneStep.MENU, at=at(10), data={"prompt": "Hi"})
    before = snapshot(ctx.engine)
    with pytest.raises(ShopperError):
        phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, at=at(20))
    assert snapshot(ctx.engine) == before
    assert len(phone.steps(Instrument.PHONE)) == 1


def test_a_reply_before_the_enquiry_changes_nothing(
    ctx: AppContext, open_runner: Callable[..., AuditRunner]
) -> None:
    email = open_runner("email")
    sent = email.add_step(Instrument.EMAIL, EmailStep.SENT, at=at(0))
    reply = email.add_step(Instrument.EMAIL, EmailStep.REPLY, at=at(3600))
    before = snapshot(ctx.engine)
    values = email.values

    with pytest.raises(ShopperError, match="before the enquiry"):
        email.add_step(Instrument.EMAIL, EmailStep.REPLY, at=at(-60))
    with pytest.raises(ShopperError, match="before the enquiry"):
        email.update_step(reply.id, at=at(-1))
    with pytest.raises(ShopperError, match="before the enquiry"):
        email.update_step(sent.id, at=at(7200))

    assert snapshot(ctx.engine) == before
    assert email.values == values
    assert email.value("response_calendar_hours") == 1.0


@pytest.mark.parametrize(
    ("instrument", "kind"),
    [
        ("fax", PhoneStep.MENU),
        (Instrument.PHONE, "teleport"),
        (Instrument.PHONE, WebStep.PAGE),
        (Instrument.EMAIL, PhoneStep.HUMAN),
    ],
)
def test_unknown_instruments_and_kinds_are_refused(
    ctx: AppContext, phone: AuditRunner, instrument: str, kind: str
) -> None:
    before = snapshot(ctx.engine)
    with pytest.raises(ShopperError):
        phone.add_step(instrument, kind, at=at(0))
    assert snapshot(ctx.engine) == before
    assert phone.steps(instrument) == []


def test_oversized_step_details_are_refused(ctx: AppContext, phone: AuditRunner) -> None:
    before = snapshot(ctx.engine)
    with pytest.raises(AnswerError, match="limit"):
        phone.add_step(Instrument.PHONE, PhoneStep.CALL_START, data={"prompt": "x" * 200_000})
    assert snapshot(ctx.engine) == before


def test_contradicting_steps_already_stored_still_open(ctx: AppContext, phone: AuditRunner) -> None:
    record_call(phone)
    with Session(ctx.engine) as session:
        session.add(
            InstrumentEvent(
                audit_id=phone.audit_id,
                instrument=Instrument.PHONE,
                kind=PhoneStep.MENU,
                at=at(-30),
                data="{}",
            )
        )
        session.commit()
    again = reload(phone)
    assert again.measurements.items == {}
    assert again.value("menu_depth") == 2  # the stored answers are shown as they are


# -- website and e-mail --------------------------------------------------------------


def test_recording_a_website_path(ctx: AppContext, open_runner: Callable[..., AuditRunner]) -> None:
    web = open_runner("website")
    web.add_step(
        Instrument.WEB,
        WebStep.PAGE,
        at=at(0),
        data={"url": "https://bank.example/", "title": "Home", "contact_visible": False},
    )
    web.add_step(
        Instrument.WEB,
        WebStep.PAGE,
        at=at(14),
        data={"url": "https://bank.example/help", "clicked": "Help", "channels": ["chat_bot"]},
    )
    web.add_step(
        Instrument.WEB,
        WebStep.PAGE,
        at=at(31),
        data={"url": "https://bank.example/contact", "clicked": "Contact us"},
    )
    web.add_step(
        Instrument.WEB,
        WebStep.FOUND,
        at=at(40),
        data={"channel": "phone", "channels": ["phone", "email", "web_form"]},
    )
    expected = {
        "contact_on_home": "no",
        "clicks_to_contact": 2,
        "time_to_contact": 40.0,
        "channel_found": "phone",
        "channels_offered": ["phone", "email", "web_form", "chat_bot"],
    }
    assert {k: web.value(k) for k in expected} == expected
    stored = stored_answers(ctx.engine, web.audit_id)
    assert stored == {k: (v, AnswerSource.INSTRUMENT) for k, v in expected.items()}
    assert {k: reload(web).value(k) for k in expected} == expected


def test_website_with_no_contact_found(open_runner: Callable[..., AuditRunner]) -> None:
    web = open_runner("website")
    web.add_step(Instrument.WEB, WebStep.PAGE, at=at(0), data={"url": "https://x.example/"})
    found = web.add_step(Instrument.WEB, WebStep.FOUND, at=at(120), data={"channel": "none"})
    assert web.value("channel_found") == "none"
    assert web.value("channels_offered") == []
    assert web.value("clicks_to_contact") is None
    assert web.value("time_to_contact") is None
    assert web.value("contact_on_home") == "no"  # the path ended without one
    web.delete_step(found.id)
    assert web.value("channel_found") is None
    assert web.value("channels_offered") is None
    # One page and the path not ended: the home page may yet show a contact.
    assert web.value("contact_on_home") is None


def test_recording_an_email_exchange(
    ctx: AppContext, open_runner: Callable[..., AuditRunner]
) -> None:
    email = open_runner("email")
    sent = datetime(2025, 5, 16, 14, 0, tzinfo=UTC)  # Friday 16:00 in Warsaw
    email.add_step(Instrument.EMAIL, EmailStep.SENT, at=sent)
    assert email.value("enquiry_sent_at") == {"utc": "2025-05-16T14:00:00+00:00", "tz": ZONE}
    assert email.value("reply_received") is None
    email.add_step(Instrument.EMAIL, EmailStep.REPLY, at=datetime(2025, 5, 19, 8, 0, tzinfo=UTC))
    assert email.value("reply_received") == "yes"
    assert email.value("response_business_hours") == 2.0
    assert email.value("response_calendar_hours") == 66.0
    assert email.value("follow_up") is None
    email.add_step(
        Instrument.EMAIL, EmailStep.FOLLOW_UP, at=datetime(2025, 5, 21, 8, 0, tzinfo=UTC)
    )
    assert email.value("follow_up") == "yes"
    again = reload(email)
    for item_id in ("reply_received", "response_business_hours", "follow_up", "enquiry_sent_at"):
        assert again.value(item_id) == email.value(item_id)
        assert again.is_measured(item_id)


def test_a_time_measured_in_another_zone_is_no_override(
    ctx: AppContext, open_runner: Callable[..., AuditRunner]
) -> None:
    email = open_runner("email")
    sent = datetime(2025, 5, 16, 14, 0, tzinfo=UTC)
    email.add_step(Instrument.EMAIL, EmailStep.SENT, at=sent)
    # A manager in New York opens the shopper's audit: the same instant, another zone.
    elsewhere = AuditRunner(engine=ctx.engine, audit_id=email.audit_id, zone="America/New_York")
    assert elsewhere.measured("enquiry_sent_at") == {
        "utc": "2025-05-16T14:00:00+00:00",
        "tz": "America/New_York",
    }
    assert elsewhere.value("enquiry_sent_at") == {"utc": "2025-05-16T14:00:00+00:00", "tz": ZONE}
    assert elsewhere.is_measured("enquiry_sent_at")
    assert not elsewhere.is_override("enquiry_sent_at")
    # Another step keeps the answer as the shopper's zone had it.
    elsewhere.add_step(Instrument.EMAIL, EmailStep.REPLY, at=sent + timedelta(hours=3))
    assert reload(elsewhere).value("enquiry_sent_at")["tz"] == ZONE
    # A different instant still is an override.
    elsewhere.set_answer("enquiry_sent_at", {"utc": "2025-05-16T15:00:00+00:00", "tz": ZONE})
    assert elsewhere.is_override("enquiry_sent_at")


def test_the_company_calendar_drives_business_hours(
    ctx: AppContext, open_runner: Callable[..., AuditRunner]
) -> None:
    tokyo = create_company(
        engine=ctx.engine,
        data=CompanyInput(
            name="Sakura Telecom",
            timezone="Asia/Tokyo",
            business_hours={d: ["09:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            holidays=["2025-05-19"],
        ),
    )
    template = builtin(ctx, "email")
    audit = start_audit(
        engine=ctx.engine, company_id=tokyo.id, template_id=template.id, zone="UTC", at=T0
    )
    email = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone="UTC")
    email.add_step(Instrument.EMAIL, EmailStep.SENT, at=datetime(2025, 5, 16, 8, 0, tzinfo=UTC))
    email.add_step(Instrument.EMAIL, EmailStep.REPLY, at=datetime(2025, 5, 20, 1, 0, tzinfo=UTC))
    # Friday 17:00-18:00 JST, Monday is a holiday, Tuesday 09:00-10:00 JST.
    assert email.value("response_business_hours") == 2.0
    assert email.value("response_calendar_hours") == 89.0


# -- measure() directly ---------------------------------------------------------------


def test_measure_skips_items_of_another_kind(ctx: AppContext, company: Company) -> None:
    template = parse_template_text(
        """\
format: 1
id: 6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f
version: 1
title: My phone check
touchpoint: phone
sections:
  - id: s
    title: S
    items:
      - {id: menu_depth, prompt: "Was the menu deep?", type: yes_no}
      - {id: reached_human, prompt: People reached, type: count}
      - {id: time_to_human, prompt: Time to a person, type: duration}
"""
    )
    steps = [
        (Instrument.PHONE, Step("a", PhoneStep.CALL_START, at(0))),
        (Instrument.PHONE, Step("b", PhoneStep.HUMAN, at(30))),
    ]
    result = measure(template=template, company=company, steps=steps, zone=ZONE)
    assert result.items == {"time_to_human": 30.0}
    assert result.sources == {"time_to_human": Instrument.PHONE}
    assert result.phone is not None and result.phone.reached_human


def test_measure_without_steps(ctx: AppContext, company: Company) -> None:
    result = measure(template=builtin(ctx, "phone"), company=company, steps=[], zone=ZONE)
    assert (result.phone, result.web, result.email, result.items) == (None, None, None, {})


def test_measured_values_are_valid_answers(ctx: AppContext, phone: AuditRunner) -> None:
    record_call(phone)
    template = phone.template
    for item_id, value in phone.measurements.items.items():
        item: Item = template.item(item_id)
        if item.type in (ItemType.DURATION, ItemType.NUMBER):
            assert isinstance(value, float)
        if item.type is ItemType.COUNT:
            assert isinstance(value, int)


# -- moments ---------------------------------------------------------------------------


def test_moments_add_update_delete_and_counts(ctx: AppContext, phone: AuditRunner) -> None:
    clock = phone.clock
    assert isinstance(clock, TickingClock)
    expected = clock.now + timedelta(seconds=1)
    good = phone.add_moment("good", note="Agent used my name 😊", item_id="rep_greeting")
    assert good.at == expected
    bad = phone.add_moment("bad", note="Music too loud", at=at(-60))
    phone.add_moment("friction", note="Asked for my card number twice")
    assert phone.moment_counts() == {"good": 1, "bad": 1, "friction": 1}
    assert [m.id for m in phone.moments][:1] == [bad.id]  # sorted by time
    assert good.tz == ZONE

    phone.update_moment(bad.id, note="Music far too loud", kind="friction")
    assert phone.moment_counts() == {"good": 1, "bad": 0, "friction": 2}
    phone.update_moment(good.id, at=at(5))

    again = reload(phone)
    by_id = {m.id: m for m in again.moments}
    assert by_id[good.id].note == "Agent used my name 😊"
    assert by_id[good.id].item_id == "rep_greeting"
    assert by_id[good.id].at == at(5)
    assert by_id[bad.id].note == "Music far too loud"
    assert by_id[bad.id].kind == "friction"
    assert again.moment_counts() == {"good": 1, "bad": 0, "friction": 2}

    phone.delete_moment(bad.id)
    assert phone.moment_counts() == {"good": 1, "bad": 0, "friction": 1}
    assert bad.id not in {m.id for m in reload(phone).moments}


def test_bad_moments_are_refused(ctx: AppContext, phone: AuditRunner) -> None:
    moment = phone.add_moment("good")
    before = snapshot(ctx.engine)
    with pytest.raises(ShopperError, match="unknown kind"):
        phone.add_moment("meh")
    with pytest.raises(AnswerError, match="no such item"):
        phone.add_moment("good", item_id="nope")
    with pytest.raises(AnswerError, match="limit"):
        phone.add_moment("bad", note="x" * 100_001)
    with pytest.raises(ShopperError, match="unknown kind"):
        phone.update_moment(moment.id, kind="meh")
    with pytest.raises(AnswerError, match="limit"):
        phone.update_moment(moment.id, note="x" * 100_001)
    with pytest.raises(ShopperError, match="no longer exists"):
        phone.update_moment("nope", note="hi")
    assert snapshot(ctx.engine) == before
    assert phone.moment_counts() == {"good": 1, "bad": 0, "friction": 0}


# -- evidence -----------------------------------------------------------------------


def png(size: tuple[int, int] = (5, 5)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_attach_and_detach_evidence(ctx: AppContext, phone: AuditRunner) -> None:
    moment = phone.add_moment("bad", note="Rude")
    on_item = phone.attach(
        data_dir=ctx.data_dir, data=png(), filename="/home/ana/hold.png", item_id="hold_time"
    )
    on_moment = phone.attach(
        data_dir=ctx.data_dir, data=png(), filename="same.png", moment_id=moment.id, caption="c"
    )
    assert on_item.sha256 == on_moment.sha256
    assert on_item.filename == "hold.png"
    assert (on_item.kind, on_item.extension, on_item.size) == ("image", "png", len(png()))
    assert phone.evidence_for(item_id="hold_time") == [on_item]
    assert phone.evidence_for(moment_id=moment.id) == [on_moment]
    path = evidence_path(ctx.data_dir, on_item.sha256, "png")
    assert path.read_bytes() == png()
    assert verify_stored(ctx.data_dir, on_item.sha256, "png")
    assert {e.id for e in reload(phone).evidence} == {on_item.id, on_moment.id}

    # Deleting the moment keeps its evidence, now unlinked.
    phone.delete_moment(moment.id)
    assert phone.evidence_for(moment_id=moment.id) == []
    with Session(ctx.engine) as session:
        record = session.get(Evidence, on_moment.id)
        assert record is not None and record.moment_id is None

    phone.detach(on_item.id)
    assert [e.id for e in phone.evidence] == [on_moment.id]
    assert [e.id for e in reload(phone).evidence] == [on_moment.id]
    assert path.exists()  # the other record still uses the file


def test_refused_evidence_stores_nothing(ctx: AppContext, phone: AuditRunner) -> None:
    before = snapshot(ctx.engine)
    with pytest.raises(EvidenceError, match=r"name says \.pdf"):
        phone.attach(data_dir=ctx.data_dir, data=png(), filename="a.pdf", item_id="hold_time")
    with pytest.raises(AnswerError, match="no such item"):
        phone.attach(data_dir=ctx.data_dir, data=png(), filename="a.png", item_id="nope")
    with pytest.raises(ShopperError, match="no longer exists"):
        phone.attach(data_dir=ctx.data_dir, data=png(), filename="a.png", moment_id="nope")
    assert snapshot(ctx.engine) == before
    assert not [p for p in (ctx.data_dir / "evidence").rglob("*") if p.is_file()]
    assert phone.evidence == []


# -- a completed audit is read-only -------------------------------------------------------


def complete(runner: AuditRunner) -> None:
    while runner.score.required_missing:
        item = runner.template.item(runner.score.required_missing[0])
        runner.set_answer(item.id, _valid(item))
    runner.complete()


def _valid(item: Item) -> Any:
    if item.type is ItemType.YES_NO:
        return item.pass_answer
    if item.type is ItemType.RATING:
        assert item.scale is not None
        return item.scale.max
    if item.type is ItemType.SINGLE_CHOICE:
        return item.options[0].key
    if item.type is ItemType.MULTI_CHOICE:
        return [item.options[0].key]
    if item.type in (ItemType.NUMBER, ItemType.COUNT):
        return 1
    if item.type is ItemType.DURATION:
        return "0:10"
    if item.type is ItemType.DATETIME:
        return {"utc": "2025-05-13T09:00:00+00:00", "tz": ZONE}
    return "ok"


def test_a_completed_audit_refuses_steps_moments_and_evidence(
    ctx: AppContext, phone: AuditRunner
) -> None:
    steps = record_call(phone)
    moment = phone.add_moment("good", note="Kind agent")
    attached = phone.attach(data_dir=ctx.data_dir, data=png(), filename="a.png", item_id="overall")
    complete(phone)
    assert phone.read_only
    before = snapshot(ctx.engine)
    files = sorted((ctx.data_dir / "evidence").rglob("*"))

    refused: list[Callable[[], object]] = [
        lambda: phone.add_step(Instrument.PHONE, PhoneStep.REPEAT, at=at(300)),
        lambda: phone.update_step(steps["human"].id, at=at(100)),
        lambda: phone.delete_step(steps["end"].id),
        lambda: phone.add_moment("bad"),
        lambda: phone.update_moment(moment.id, note="changed"),
        lambda: phone.delete_moment(moment.id),
        lambda: phone.attach(data_dir=ctx.data_dir, data=png((9, 9)), filename="b.png"),
        lambda: phone.detach(attached.id),
        lambda: phone.set_answer("hold_time", 10),
        lambda: phone.use_measured("hold_time"),
    ]
    for action in refused:
        with pytest.raises(AuditStateError, match="completed"):
            action()
    assert snapshot(ctx.engine) == before
    assert sorted((ctx.data_dir / "evidence").rglob("*")) == files
    assert len(phone.steps(Instrument.PHONE)) == 6
    assert len(phone.moments) == 1
    assert len(phone.evidence) == 1

    # Reopened, it can be changed again.
    phone.reopen("forgot a repeat")
    phone.add_step(Instrument.PHONE, PhoneStep.REPEAT, at=at(300))
    assert phone.value("repeated_info") == 1


# -- shopper audits show --json ---------------------------------------------------------


def test_audit_json_carries_the_measured_answers(ctx: AppContext, phone: AuditRunner) -> None:
    record_call(phone)
    phone.set_answer("menu_depth", 4)
    phone.add_moment("friction", note="Two menus")
    phone.attach(data_dir=ctx.data_dir, data=png(), filename="a.png", item_id="hold_time")
    data = audit_to_json(load_audit(engine=ctx.engine, audit_id=phone.audit_id))
    json.dumps(data)  # serialisable
    items = {i["id"]: i for s in data["sections"] for i in s["items"]}
    assert items["hold_time"]["value"] == 120.0
    assert items["reached_human"]["value"] == "yes"
    assert items["menu_depth"]["value"] == 4
    figures = data["instruments"]["phone"]["figures"]
    assert (figures["time_in_menus"], figures["time_on_hold"], figures["time_talking"]) == (
        45.0,
        120.0,
        300.0,
    )
    assert figures["menu_depth"] == 2  # the measurement, beside the shopper's 4
    assert len(data["instruments"]["phone"]["steps"]) == 6
    assert [m["note"] for m in data["moments"]] == ["Two menus"]
    assert [e["item_id"] for e in data["evidence"]] == ["hold_time"]
