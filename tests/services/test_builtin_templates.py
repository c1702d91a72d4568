"""The built-in checklist templates in resources/templates: valid, complete and scorable."""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from shopper.domain.answers import normalize_answer
from shopper.domain.scoring import item_fraction, score_audit
from shopper.domain.template import KNOWN_THEMES, Item, ItemType, Template
from shopper.domain.template_loader import load_template_file
from shopper.resources import TEMPLATES_DIR

TOUCHPOINTS = ("website", "phone", "email", "chat", "store", "delivery", "survey")
CHANNEL_KEYS = ["phone", "email", "web_form", "chat_bot", "live_chat"]

# Items the app's instruments pre-fill: (touchpoint, item id) -> type.
REQUIRED_ITEMS: dict[tuple[str, str], ItemType] = {
    ("phone", "reached_human"): ItemType.YES_NO,
    ("phone", "menu_depth"): ItemType.COUNT,
    ("phone", "menu_prompts"): ItemType.COUNT,
    ("phone", "time_to_human"): ItemType.DURATION,
    ("phone", "hold_time"): ItemType.DURATION,
    ("phone", "handoffs"): ItemType.COUNT,
    ("phone", "repeated_info"): ItemType.COUNT,
    ("phone", "menu_loops"): ItemType.COUNT,
    ("phone", "greeting_wait"): ItemType.DURATION,
    ("phone", "prompts_clear"): ItemType.RATING,
    ("phone", "rep_knowledgeable"): ItemType.RATING,
    ("phone", "rep_empowered"): ItemType.YES_NO,
    ("phone", "issue_resolved"): ItemType.SINGLE_CHOICE,
    ("phone", "follow_up"): ItemType.YES_NO,
    ("website", "clicks_to_contact"): ItemType.COUNT,
    ("website", "time_to_contact"): ItemType.DURATION,
    ("website", "channels_offered"): ItemType.MULTI_CHOICE,
    ("website", "contact_on_home"): ItemType.YES_NO,
    ("website", "channel_found"): ItemType.SINGLE_CHOICE,
    ("website", "follow_up"): ItemType.YES_NO,
    ("email", "enquiry_sent_at"): ItemType.DATETIME,
    ("email", "reply_received"): ItemType.YES_NO,
    ("email", "response_business_hours"): ItemType.NUMBER,
    ("email", "response_calendar_hours"): ItemType.NUMBER,
    ("email", "follow_up"): ItemType.YES_NO,
    ("email", "supports_brand"): ItemType.RATING,
    ("email", "supports_customer"): ItemType.RATING,
    ("email", "answers_question"): ItemType.YES_NO,
    ("email", "looks_ahead"): ItemType.YES_NO,
    ("email", "personal"): ItemType.RATING,
    ("chat", "time_to_first_response"): ItemType.DURATION,
    ("chat", "bot_or_human"): ItemType.SINGLE_CHOICE,
    **{(tp, "overall"): ItemType.RATING for tp in TOUCHPOINTS},
    **{(tp, "advice"): ItemType.TEXT for tp in TOUCHPOINTS},
}

# (touchpoint, item id) -> (good, bad) for targets the instruments rely on.
REQUIRED_TARGETS: dict[tuple[str, str], tuple[float, float]] = {
    ("phone", "menu_depth"): (1, 4),
    ("phone", "time_to_human"): (60, 600),
    ("phone", "hold_time"): (30, 300),
    ("phone", "handoffs"): (0, 3),
    ("phone", "repeated_info"): (0, 3),
    ("phone", "menu_loops"): (0, 2),
    ("website", "clicks_to_contact"): (1, 5),
    ("email", "response_business_hours"): (4, 48),
}


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES_DIR.iterdir() if p.is_file())


@cache
def load(path: Path) -> Template:
    return load_template_file(path).template


@cache
def by_touchpoint() -> dict[str, Template]:
    result: dict[str, Template] = {}
    for path in template_files():
        template = load(path)
        result.setdefault(template.touchpoint, template)
    return result


def perfect_answer(item: Item) -> Any:
    """The answer that earns an item its full points (or any valid answer if unscored)."""
    kind = item.type
    if kind is ItemType.YES_NO:
        return item.pass_answer
    if kind is ItemType.RATING:
        assert item.scale is not None
        return item.scale.max
    if kind is ItemType.SINGLE_CHOICE:
        return max(item.options, key=lambda o: -1.0 if o.score is None else o.score).key
    if kind is ItemType.MULTI_CHOICE:
        chosen = [o.key for o in item.options if o.score]
        return chosen or [item.options[0].key]
    if kind in (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION):
        value = item.target.good if item.target else (item.minimum or 0)
        return round(value) if kind is ItemType.COUNT else value
    if kind is ItemType.DATETIME:
        return {"utc": "2026-03-02T09:30:00+00:00", "tz": "Europe/London"}
    return "Keep doing what you do."


def worst_answer(item: Item) -> Any:
    """The answer that earns an item no points."""
    kind = item.type
    if kind is ItemType.YES_NO:
        return "no" if item.pass_answer == "yes" else "yes"
    if kind is ItemType.RATING:
        assert item.scale is not None
        return item.scale.min
    if kind is ItemType.SINGLE_CHOICE:
        return min(item.options, key=lambda o: 2.0 if o.score is None else o.score).key
    if kind is ItemType.MULTI_CHOICE:
        return [o.key for o in item.options if not o.score][:1]
    assert item.target is not None
    return item.target.bad


def perfect_answers(template: Template) -> dict[str, Any]:
    return {item.id: normalize_answer(item, perfect_answer(item)) for item in template.items()}


@pytest.fixture(params=template_files(), ids=lambda p: p.name)
def template(request: pytest.FixtureRequest) -> Template:
    path: Path = request.param
    return load(path)


def test_every_file_loads() -> None:
    files = template_files()
    assert files, f"no templates in {TEMPLATES_DIR}"
    for path in files:
        assert path.suffix == ".yaml", path.name
        load_template_file(path)


def test_ids_are_unique_uuids_and_touchpoints_covered_once() -> None:
    templates = [load(path) for path in template_files()]
    ids = [t.id for t in templates]
    for template_id in ids:
        assert str(uuid.UUID(template_id)) == template_id
    assert len(set(ids)) == len(ids)
    touchpoints = sorted(t.touchpoint for t in templates)
    assert touchpoints == sorted(TOUCHPOINTS)


@pytest.mark.parametrize(("touchpoint", "item_id"), sorted(REQUIRED_ITEMS))
def test_instrument_items_exist_with_their_types(touchpoint: str, item_id: str) -> None:
    template = by_touchpoint()[touchpoint]
    assert template.has_item(item_id), f"{touchpoint}: missing item {item_id!r}"
    assert template.item(item_id).type is REQUIRED_ITEMS[touchpoint, item_id]


@pytest.mark.parametrize(("touchpoint", "item_id"), sorted(REQUIRED_TARGETS))
def test_instrument_targets(touchpoint: str, item_id: str) -> None:
    target = by_touchpoint()[touchpoint].item(item_id).target
    assert target is not None
    assert (target.good, target.bad) == REQUIRED_TARGETS[touchpoint, item_id]


def test_instrument_item_details() -> None:
    phone = by_touchpoint()["phone"]
    assert phone.item("reached_human").critical
    assert [o.key for o in phone.item("issue_resolved").options] == ["fully", "partly", "not"]

    website = by_touchpoint()["website"]
    offered = website.item("channels_offered")
    assert [o.key for o in offered.options] == CHANNEL_KEYS
    scores = [o.score for o in offered.options]
    assert all(s is not None and s > 0 for s in scores)
    assert sum(s for s in scores if s is not None) == pytest.approx(1.0)
    found = website.item("channel_found")
    assert sorted(o.key for o in found.options) == sorted([*CHANNEL_KEYS, "none"])

    email = by_touchpoint()["email"]
    assert email.item("reply_received").critical
    assert email.item("response_business_hours").unit == "business hours"
    calendar = email.item("response_calendar_hours")
    assert calendar.unit == "hours"
    assert not calendar.scored


RELEASED = sorted((TEMPLATES_DIR / "released").glob("*.yaml"))


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.name)
def test_each_earlier_release_stays_beside_its_successor(path: Path) -> None:
    """`released/NAME-N.yaml` is version N of the current NAME.yaml, as it was shipped."""
    name, _, version = path.stem.rpartition("-")
    old, current = load(path), load(TEMPLATES_DIR / f"{name}.yaml")
    assert old.id == current.id
    assert old.version == int(version) < current.version


def test_follow_up_items_wait() -> None:
    waiting = {
        t.touchpoint: t.item("follow_up")
        for t in map(load, template_files())
        if t.has_item("follow_up")
    }
    assert set(waiting) == {"website", "phone", "email", "chat", "delivery", "survey"}
    for touchpoint, item in waiting.items():
        assert item.later is not None, touchpoint
        assert item.later.otherwise == "no"
    assert waiting["phone"].later is not None and waiting["phone"].later.working
    assert waiting["delivery"].later is not None and not waiting["delivery"].later.working


def test_every_question_type_is_used() -> None:
    """Every type that asks something (information items are text to read, and no
    built-in needs one yet)."""
    used = {item.type for path in template_files() for item in load(path).items()}
    assert used == set(ItemType) - {ItemType.INFO}


def test_shape(template: Template) -> None:
    assert 3 <= len(template.sections) <= 6
    assert 15 <= template.item_count <= 30
    assert any(item.critical for item in template.items())
    assert any(item.show_if is not None for item in template.items())
    last = template.sections[-1]
    assert {"overall", "advice"} <= {item.id for item in last.items}
    for item in template.items():
        assert item.theme == "" or item.theme in KNOWN_THEMES, item.id
        if item.type is ItemType.RATING:
            assert item.scale is not None
            assert item.scale.min_label and item.scale.max_label, item.id


def test_perfect_answers_score_full_marks(template: Template) -> None:
    answers = perfect_answers(template)
    result = score_audit(template, answers)
    assert result.percent == pytest.approx(100.0)
    assert result.critical_failures == ()
    assert result.required_missing == ()
    assert result.passed is True


def test_every_scored_item_can_earn_full_points(template: Template) -> None:
    # Also covers items that the perfect answer set hides (e.g. questions shown
    # only when something went wrong).
    for item in template.items():
        if item.scored:
            fraction = item_fraction(item, normalize_answer(item, perfect_answer(item)))
            assert fraction == pytest.approx(1.0), item.id


def test_failing_a_critical_item_fails_the_audit(template: Template) -> None:
    for item in template.items():
        if not item.critical:
            continue
        answers = perfect_answers(template)
        answers[item.id] = normalize_answer(item, worst_answer(item))
        result = score_audit(template, answers)
        assert item.id in result.critical_failures
        assert result.passed is False
