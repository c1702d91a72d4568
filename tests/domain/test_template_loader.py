"""Loading and validating checklist templates (docs/templates.md)."""

from __future__ import annotations

import copy
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper.domain.errors import TemplateError
from shopper.domain.template import (
    DEFAULT_BANDS,
    Band,
    ItemType,
    Option,
    Scale,
    ShowIf,
    Target,
    Template,
)
from shopper.domain.template_loader import (
    MAX_TEMPLATE_BYTES,
    LoadedTemplate,
    load_template_bytes,
    load_template_file,
    parse_template_text,
)
from shopper.domain.template_writer import dump_template

DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
UUID = "6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f"
HEADER = f"""\
format: 1
id: {UUID}
version: 1
title: Test
touchpoint: phone
"""


def section(section_id: str, *items: str) -> str:
    """A section in block style; each item is a one-line flow mapping."""
    lines = "".join(f"      - {item}\n" for item in items)
    return f"  - id: {section_id}\n    title: Section {section_id}\n    items:\n{lines}"


def doc(*sections: str, header: str = HEADER) -> str:
    return header + "sections:\n" + "".join(sections)


def one(*items: str) -> str:
    """A template with a single section `s` holding these items."""
    return doc(section("s", *items))


YN_A = "{id: a, prompt: A, type: yes_no}"
VALID = one(YN_A)


def load(text: str, name: str = "t.yaml") -> Template:
    return load_template_bytes(text.encode(), name=name).template


def error_of(text: str | bytes, name: str = "t.yaml") -> str:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(TemplateError) as info:
        load_template_bytes(raw, name=name)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message, "a fault is reported as one line"
    return message


# -- a valid template ---------------------------------------------------------

FULL = f"""\
format: 1
id: {UUID}
version: 3
title: Full check
touchpoint: phone
description: Every item type.
bands:
  - {{name: Fail, min: 0, pass: false}}
  - {{name: Good, min: 85}}
  - {{name: OK, min: 50}}
sections:
  - id: reach
    title: Reaching someone
    description: First contact.
    items:
      - id: reached_human
        prompt: Did you reach a live person?
        help: A recorded menu does not count.
        type: yes_no
        required: true
        critical: true
        theme: contactability
      - id: repeat
        prompt: Did you have to repeat yourself?
        type: yes_no
        pass: no
        weight: 2
        na: false
      - id: ease
        prompt: How easy was it?
        type: rating
        scale: {{min: 0, max: 10, min_label: Very hard, max_label: Very easy}}
        theme: effort
      - id: tone
        prompt: Tone of voice
        type: rating
      - id: hold_time
        prompt: Time on hold
        type: duration
        target: {{good: "0:30", bad: "5:00"}}
        show_if: {{item: reached_human, equals: yes}}
  - id: details
    title: Details
    items:
      - id: channel
        prompt: Which channel did you use?
        type: single_choice
        options: [phone, email, form]
      - id: withheld
        prompt: Call from a number the company has not seen before.
        help: Withhold your number if you must.
        type: info
        show_if: {{item: channel, equals: phone}}
      - id: found
        prompt: Which contact options were there?
        type: multi_choice
        na: true
        theme: my-own-theme
        options:
          - {{key: phone, label: Phone number, score: 0.3}}
          - {{key: chat_bot, label: Chat bot, score: 0.1}}
          - {{key: none, score: 0}}
      - id: price
        prompt: Price quoted
        type: number
        min: 0
        max: 10000
        unit: EUR
        target: {{good: 10, bad: 50.5}}
      - id: transfers
        prompt: How often were you transferred?
        type: count
        unit: transfers
        weight: 0.5
        target: {{good: 0, bad: 3}}
      - id: reply
        prompt: Reply time
        type: duration
        target: {{good: 60, bad: 600}}
      - id: visited
        prompt: When did you call?
        type: datetime
      - id: notes
        prompt: Notes
        type: text
        show_if: {{item: channel, not_equals: [email, form]}}
"""


def test_full_template_with_every_item_type() -> None:
    loaded = load_template_bytes(FULL.encode(), name="full.yaml")
    assert isinstance(loaded, LoadedTemplate)
    assert loaded.source == FULL
    assert loaded.sha256 == hashlib.sha256(FULL.encode()).hexdigest()
    t = loaded.template
    assert (t.id, t.version, t.title, t.touchpoint) == (UUID, 3, "Full check", "phone")
    assert t.description == "Every item type."
    # Bands are kept highest first.
    assert t.bands == (Band("Good", 85.0, True), Band("OK", 50.0, True), Band("Fail", 0.0, False))
    assert [s.id for s in t.sections] == ["reach", "details"]
    assert t.section("reach").description == "First contact."
    assert t.item_count == 13
    assert t.question_count == 12
    assert {item.type for item in t.items()} == set(ItemType)
    withheld = t.item("withheld")
    assert (withheld.type, withheld.answerable, withheld.scored) == (ItemType.INFO, False, False)
    assert withheld.help == "Withhold your number if you must."
    assert withheld.show_if == ShowIf("channel", ("phone",))
    assert (withheld.weight, withheld.required, withheld.critical, withheld.allow_na) == (
        0.0,
        False,
        False,
        False,
    )
    assert "withheld" not in [i.id for i in t.questions()]

    reached = t.item("reached_human")
    assert reached.type is ItemType.YES_NO
    assert reached.help == "A recorded menu does not count."
    assert (reached.required, reached.critical, reached.theme) == (True, True, "contactability")
    assert reached.allow_na is True  # default for yes/no
    assert reached.pass_answer == "yes"
    assert reached.weight == 1.0
    assert reached.section_id == "reach"

    repeat = t.item("repeat")
    assert (repeat.pass_answer, repeat.weight, repeat.allow_na) == ("no", 2.0, False)

    assert t.item("ease").scale == Scale(0, 10, "Very hard", "Very easy")
    assert t.item("ease").allow_na is False
    assert t.item("tone").scale == Scale(1, 5)

    hold = t.item("hold_time")
    assert hold.target == Target(30.0, 300.0)
    assert hold.show_if == ShowIf("reached_human", ("yes",), negate=False)

    channel = t.item("channel")
    assert channel.options == (
        Option("phone", "phone"),
        Option("email", "email"),
        Option("form", "form"),
    )
    assert channel.scored is False  # no option has a score
    assert channel.section_id == "details"

    found = t.item("found")
    assert found.options == (
        Option("phone", "Phone number", 0.3),
        Option("chat_bot", "Chat bot", 0.1),
        Option("none", "none", 0.0),
    )
    assert (found.allow_na, found.theme, found.scored) == (True, "my-own-theme", True)

    price = t.item("price")
    assert (price.minimum, price.maximum, price.unit) == (0.0, 10000.0, "EUR")
    assert price.target == Target(10.0, 50.5)
    transfers = t.item("transfers")
    assert (transfers.weight, transfers.unit, transfers.target) == (0.5, "transfers", Target(0, 3))
    assert t.item("reply").target == Target(60.0, 600.0)
    assert t.item("visited").scored is False
    notes = t.item("notes")
    assert notes.scored is False
    assert notes.show_if == ShowIf("channel", ("email", "form"), negate=True)


def test_defaults_of_a_minimal_template() -> None:
    t = load(VALID)
    assert t.bands == DEFAULT_BANDS
    assert t.description == ""
    item = t.item("a")
    assert (item.weight, item.required, item.critical, item.theme) == (1.0, False, False, "")
    assert item.show_if is None


def test_documented_example_loads() -> None:
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", example, re.DOTALL)
    assert block is not None
    t = load(block.group(1), name="example.yaml")
    assert [item.id for item in t.items()] == ["reached_human", "hold_time", "ease"]


def test_uuid_is_normalized() -> None:
    t = load(VALID.replace(UUID, UUID.upper()))
    assert t.id == UUID


def test_utf8_bom_is_accepted() -> None:
    loaded = load_template_bytes(b"\xef\xbb\xbf" + VALID.encode(), name="t.yaml")
    assert loaded.source == VALID


def test_json_is_accepted() -> None:
    text = (
        f'{{"format": 1, "id": "{UUID}", "version": 1, "title": "J", "touchpoint": "email",'
        ' "sections": [{"id": "s", "title": "S",'
        ' "items": [{"id": "a", "prompt": "A", "type": "yes_no"}]}]}'
    )
    assert load(text).touchpoint == "email"


def test_parse_template_text_matches_load() -> None:
    assert parse_template_text(FULL, name="full.yaml") == load(FULL)


def test_load_template_file(tmp_path: Path) -> None:
    path = tmp_path / "phone.yaml"
    path.write_text(FULL, encoding="utf-8")
    loaded = load_template_file(path)
    assert loaded.template == load(FULL)
    assert loaded.source == FULL


def test_load_template_file_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "phone.yaml"
    path.write_text(VALID.replace("type: yes_no", "type: yesno"), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"^phone\.yaml: sections\[0\]\.items\[0\]\.type: "):
        load_template_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as info:
        load_template_file(tmp_path / "gone.yaml")
    assert str(info.value).startswith("gone.yaml: cannot read file: ")


# -- faults named by path -----------------------------------------------------


def test_unknown_type_names_the_exact_path() -> None:
    items = [f"{{id: x{k}, prompt: P, type: yes_no}}" for k in range(4)]
    text = doc(
        section("s0", "{id: a, prompt: A, type: yes_no}"),
        section("s1", "{id: b, prompt: B, type: yes_no}"),
        section("s2", *items, "{id: bad, prompt: Bad, type: yesno}"),
    )
    message = error_of(text, name="phone.yaml")
    assert message.startswith(
        "phone.yaml: sections[2].items[4].type: unknown type 'yesno' (expected one of: yes_no, "
    )


def test_missing_type() -> None:
    message = error_of(one("{id: a, prompt: A}"))
    assert message == "t.yaml: sections[0].items[0].type: missing (required)"


def test_duplicate_item_id_across_sections() -> None:
    text = doc(
        section("s0", YN_A, "{id: b, prompt: B, type: yes_no}"),
        section("s1", "{id: c, prompt: C, type: yes_no}", YN_A),
    )
    assert error_of(text) == (
        "t.yaml: sections[1].items[1].id: duplicate item id 'a' "
        "(first used at sections[0].items[0])"
    )


def test_duplicate_section_id() -> None:
    text = doc(section("s", YN_A), section("s", "{id: b, prompt: B, type: yes_no}"))
    assert error_of(text) == "t.yaml: sections[1].id: duplicate section id 's'"


def test_show_if_to_a_missing_item() -> None:
    text = one(YN_A, "{id: b, prompt: B, type: yes_no, show_if: {item: nope, equals: yes}}")
    assert error_of(text) == (
        "t.yaml: sections[0].items[1].show_if.item: refers to a missing item 'nope'"
    )


def test_show_if_to_itself() -> None:
    text = one(YN_A, "{id: b, prompt: B, type: yes_no, show_if: {item: b, equals: yes}}")
    assert error_of(text) == (
        "t.yaml: sections[0].items[1].show_if.item: item 'b' cannot depend on itself"
    )


def test_show_if_two_item_cycle() -> None:
    text = doc(
        section("s0", "{id: x, prompt: X, type: yes_no}"),
        section(
            "s1",
            "{id: a, prompt: A, type: yes_no, show_if: {item: b, equals: yes}}",
            "{id: b, prompt: B, type: yes_no, show_if: {item: a, equals: yes}}",
        ),
    )
    assert error_of(text) == (
        "t.yaml: sections[1].items[0].show_if: show_if conditions form a cycle: a -> b -> a"
    )


def test_show_if_longer_cycle() -> None:
    text = one(
        "{id: x, prompt: X, type: yes_no}",
        "{id: a, prompt: A, type: yes_no, show_if: {item: b, equals: yes}}",
        "{id: b, prompt: B, type: yes_no, show_if: {item: c, equals: no}}",
        "{id: c, prompt: C, type: yes_no, show_if: {item: a, not_equals: yes}}",
    )
    assert error_of(text) == (
        "t.yaml: sections[0].items[1].show_if: show_if conditions form a cycle: a -> b -> c -> a"
    )


def test_show_if_chain_leading_into_a_cycle() -> None:
    text = one(
        "{id: d, prompt: D, type: yes_no, show_if: {item: a, equals: yes}}",
        "{id: a, prompt: A, type: yes_no, show_if: {item: b, equals: yes}}",
        "{id: b, prompt: B, type: yes_no, show_if: {item: a, equals: yes}}",
    )
    assert error_of(text) == (
        "t.yaml: sections[0].items[0].show_if: show_if conditions form a cycle: a -> b -> a"
    )


def test_shared_and_chained_conditions_are_not_cycles() -> None:
    t = load(
        one(
            "{id: c2, prompt: C, type: yes_no, show_if: {item: b, equals: yes}}",
            "{id: x, prompt: X, type: yes_no}",
            "{id: a, prompt: A, type: yes_no, show_if: {item: x, equals: yes}}",
            "{id: b, prompt: B, type: yes_no, show_if: {item: a, equals: yes}}",
            "{id: c1, prompt: C, type: yes_no, show_if: {item: b, equals: no}}",
        )
    )
    assert t.item_count == 5


@pytest.mark.slow
def test_long_show_if_chain_loads_quickly() -> None:
    # Cycle detection was cubic in the chain length: 4000 items took two minutes.
    n = 3000
    items = ["{id: i0, prompt: P, type: yes_no}"]
    items += [
        f"{{id: i{k}, prompt: P, type: yes_no, show_if: {{item: i{k - 1}, equals: yes}}}}"
        for k in range(1, n)
    ]
    t = load(one(*items))
    assert t.item_count == n


SHOW_IF_SOURCES = (
    "{id: yn, prompt: P, type: yes_no}",
    "{id: yn_no_na, prompt: P, type: yes_no, na: false}",
    "{id: one, prompt: P, type: single_choice, options: [red, green]}",
    "{id: many, prompt: P, type: multi_choice, options: [red, green], na: true}",
    "{id: rate, prompt: P, type: rating, scale: {min: 1, max: 4}}",
    "{id: num, prompt: P, type: number}",
    "{id: txt, prompt: P, type: text}",
)


@pytest.mark.parametrize(
    ("source", "values", "shown"),
    [
        ("yn", "maybe", "'maybe'"),
        ("yn", "[yes, 1]", "1"),
        ("yn_no_na", "na", "'na'"),
        ("one", "blue", "'blue'"),
        ("one", "na", "'na'"),
        ("many", "[red, blue]", "'blue'"),
        ("rate", "5", "5"),
        ("rate", "'3'", "'3'"),
        ("num", "lots", "'lots'"),
        ("txt", "3", "3"),
    ],
)
def test_show_if_value_that_is_not_a_possible_answer(source: str, values: str, shown: str) -> None:
    dependent = f"{{id: dep, prompt: P, type: text, show_if: {{item: {source}, equals: {values}}}}}"
    message = error_of(one(*SHOW_IF_SOURCES, dependent))
    kind = load(one(*SHOW_IF_SOURCES)).item(source).type.value
    assert message == (
        f"t.yaml: sections[0].items[7].show_if.equals: "
        f"{shown} is not a possible answer of {source!r} ({kind})"
    )


def test_show_if_not_equals_value_is_checked_too() -> None:
    dependent = "{id: dep, prompt: P, type: text, show_if: {item: one, not_equals: blue}}"
    message = error_of(one(*SHOW_IF_SOURCES, dependent))
    assert message.startswith("t.yaml: sections[0].items[7].show_if.not_equals: 'blue' is not")


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("yn", "na", ("na",)),
        ("many", "[green, na]", ("green", "na")),
        ("rate", "[1, 4]", (1, 4)),
        ("num", "2.5", (2.5,)),
        ("txt", "hello", ("hello",)),
    ],
)
def test_show_if_possible_answers(source: str, values: str, expected: tuple[Any, ...]) -> None:
    dependent = f"{{id: dep, prompt: P, type: text, show_if: {{item: {source}, equals: {values}}}}}"
    t = load(one(*SHOW_IF_SOURCES, dependent))
    assert t.item("dep").show_if == ShowIf(source, expected)


@pytest.mark.parametrize(
    ("show_if", "expected"),
    [
        ("{item: a}", "sections[0].items[1].show_if: give exactly one of 'equals' or 'not_equals'"),
        (
            "{item: a, equals: yes, not_equals: no}",
            "sections[0].items[1].show_if: give exactly one of 'equals' or 'not_equals'",
        ),
        ("{equals: yes}", "sections[0].items[1].show_if.item: missing"),
        ("{item: a, equals: []}", "sections[0].items[1].show_if.equals: must name at least one"),
        ("{item: a, equals: ~}", "sections[0].items[1].show_if.equals: expected an answer value"),
        ("{item: a, equal: yes}", "sections[0].items[1].show_if.equal: unknown field 'equal'"),
    ],
)
def test_malformed_show_if(show_if: str, expected: str) -> None:
    text = one(YN_A, f"{{id: b, prompt: B, type: yes_no, show_if: {show_if}}}")
    assert error_of(text).startswith(f"t.yaml: {expected}")


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        ("heavy", "expected a number, got 'heavy'"),
        ("'2'", "expected a number, got '2'"),
        ("-1", "must not be negative, got -1"),
        ("-0.5", "must not be negative, got -0.5"),
        ("true", "expected a number, got True"),
        ("yes", "expected a number, got True"),
        (".inf", "expected a finite number, got inf"),
        (".nan", "expected a finite number, got nan"),
        ("1" + "0" * 400, "number is too large"),
        ("[1]", "expected a number, got [1]"),
    ],
)
def test_bad_weight(weight: str, expected: str) -> None:
    text = one(f"{{id: a, prompt: A, type: yes_no, weight: {weight}}}")
    assert error_of(text) == f"t.yaml: sections[0].items[0].weight: {expected}"


@pytest.mark.parametrize(("weight", "value"), [("0", 0.0), ("2.5", 2.5), ("10", 10.0)])
def test_good_weight(weight: str, value: float) -> None:
    t = load(one(f"{{id: a, prompt: A, type: yes_no, weight: {weight}}}"))
    assert t.item("a").weight == value
    assert t.item("a").scored is (value > 0)


def test_newer_format_asks_to_update() -> None:
    message = error_of(VALID.replace("format: 1", "format: 2"))
    assert message == (
        "t.yaml: format: format version 2 is newer than this app supports (1); "
        "update Shopper to read it"
    )


def test_missing_format() -> None:
    message = error_of(VALID.replace("format: 1\n", ""))
    assert message == "t.yaml: format: missing (required; this app reads format 1)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "unsupported format version 0"),
        ("'1'", "expected a whole number, got '1'"),
        ("1.0", "expected a whole number, got 1.0"),
        ("true", "expected a whole number, got True"),
    ],
)
def test_bad_format(value: str, expected: str) -> None:
    assert error_of(VALID.replace("format: 1", f"format: {value}")) == f"t.yaml: format: {expected}"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("not-a-uuid", "'not-a-uuid'"),
        ("6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5", "'6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5'"),
        ("12", "12"),
        ("~", "None"),
    ],
)
def test_bad_uuid(value: str, shown: str) -> None:
    message = error_of(VALID.replace(UUID, value))
    assert message == (
        f"t.yaml: id: expected a UUID such as 00000000-0000-0000-0000-000000000000, got {shown}"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("version: 1", "version: 0", "version: must be a whole number from 1 to 1,000,000, got 0"),
        (
            "version: 1",
            f"version: {10**30}",
            "version: must be a whole number from 1 to 1,000,000, got a number that large",
        ),
        ("version: 1", "version: '2'", "version: expected a whole number, got '2'"),
        ("title: Test", "title: '  '", "title: must not be empty"),
        ("title: Test", "title: " + "x" * 201, "title: too long (201 characters; limit 200)"),
        ("title: Test", "title: [a]", "title: expected text, got a list"),
        ("touchpoint: phone", "touchpoint: fax", "touchpoint: unknown touchpoint 'fax'"),
        ("touchpoint: phone", "touchpoint: [phone]", "touchpoint: unknown touchpoint ['phone']"),
        ("touchpoint: phone", "touchpoint: {a: 1}", "touchpoint: unknown touchpoint {'a': 1}"),
        ("touchpoint: phone\n", "", "touchpoint: unknown touchpoint None"),
    ],
)
def test_bad_top_level_fields(old: str, new: str, expected: str) -> None:
    assert error_of(VALID.replace(old, new, 1)).startswith(f"t.yaml: {expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEADER, "sections: expected a non-empty list of sections"),
        (HEADER + "sections: []\n", "sections: expected a non-empty list of sections"),
        (HEADER + "sections: [{id: s, title: S}]\n", "sections[0].items: expected a non-empty"),
        (HEADER + "sections: [{id: s, title: S, items: []}]\n", "sections[0].items: expected a"),
        (HEADER + "sections: [x]\n", "sections[0]: expected a mapping, got text 'x'"),
        (HEADER + "sections: [{title: S, items: [x]}]\n", "sections[0].id: missing (required)"),
        (doc(section("bad id!", YN_A)), "sections[0].id: invalid id 'bad id!'"),
        (one("{id: a, prompt: '', type: yes_no}"), "sections[0].items[0].prompt: must not be"),
        (one("{id: '', prompt: A, type: yes_no}"), "sections[0].items[0].id: invalid id ''"),
        (one("{id: " + "a" * 65 + ", prompt: A, type: yes_no}"), "sections[0].items[0].id: inv"),
        (one("{id: _a, prompt: A, type: yes_no}"), "sections[0].items[0].id: invalid id '_a'"),
        (one("{id: 7, prompt: A, type: yes_no}"), "sections[0].items[0].id: invalid id 7"),
        (one('{id: "a\\n", prompt: A, type: yes_no}'), "sections[0].items[0].id: invalid id 'a"),
        (one("{id: a, prompt: A, type: yes_no, theme: Speed}"), "sections[0].items[0].theme: inv"),
        (
            one('{id: a, prompt: A, type: yes_no, theme: "speed\\n"}'),
            "sections[0].items[0].theme: invalid theme 'speed\\n'",
        ),
        (one("{id: a, prompt: A, type: yes_no, required: 1}"), "sections[0].items[0].required: ex"),
        (one("{id: a, prompt: A, type: text, na: true}"), "sections[0].items[0].na: a free-text"),
        (one("{id: a, prompt: A, type: yes_no, pass: maybe}"), "sections[0].items[0].pass: expe"),
        (one("[a]"), "sections[0].items[0]: expected a mapping, got a list"),
    ],
)
def test_structural_faults(text: str, expected: str) -> None:
    assert error_of(text).startswith(f"t.yaml: {expected}")


# -- options, scales, targets, critical, bands -----------------------------------


@pytest.mark.parametrize(
    ("item", "key", "allowed"),
    [
        ("{id: a, prompt: A, type: yes_no, options: [x, y]}", "options", "single_choice or multi"),
        ("{id: a, prompt: A, type: rating, options: [x, y]}", "options", "single_choice or multi"),
        ("{id: a, prompt: A, type: rating, pass: no}", "pass", "yes_no"),
        ("{id: a, prompt: A, type: number, scale: {min: 1, max: 3}}", "scale", "rating"),
        ("{id: a, prompt: A, type: text, target: {good: 1, bad: 2}}", "target", "number or count"),
        ("{id: a, prompt: A, type: duration, min: 0}", "min", "number or count"),
        ("{id: a, prompt: A, type: datetime, unit: s}", "unit", "number or count"),
    ],
)
def test_field_for_another_type(item: str, key: str, allowed: str) -> None:
    message = error_of(one(item))
    assert message.startswith(f"t.yaml: sections[0].items[0].{key}: only allowed for {allowed}")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("[x]", "options: expected a list of at least 2 options"),
        ("x", "options: expected a list of at least 2 options"),
        ("[x, x]", "options[1]: duplicate option 'x'"),
        ("[x, na]", "options[1]: 'na' is reserved for N/A; set na: true instead"),
        ("[x, {key: y, score: 1.5}]", "options[1].score: must be between 0 and 1, got 1.5"),
        ("[x, {key: y, score: '1'}]", "options[1].score: expected a number, got '1'"),
        ("[x, {label: Y}]", "options[1].key: missing (required)"),
        ("[x, {key: y, colour: red}]", "options[1].colour: unknown field 'colour'"),
        ("[x, '  ']", "options[1]: an option key must not be empty"),
    ],
)
def test_bad_options(options: str, expected: str) -> None:
    message = error_of(one(f"{{id: a, prompt: A, type: single_choice, options: {options}}}"))
    assert message.startswith(f"t.yaml: sections[0].items[0].{expected}")


def test_missing_options() -> None:
    message = error_of(one("{id: a, prompt: A, type: multi_choice}"))
    assert message == "t.yaml: sections[0].items[0].options: expected a list of at least 2 options"


@pytest.mark.parametrize(
    "item",
    [
        "{id: a, prompt: A, type: text, critical: true}",
        "{id: a, prompt: A, type: datetime, critical: true}",
        "{id: a, prompt: A, type: yes_no, weight: 0, critical: true}",
        "{id: a, prompt: A, type: single_choice, options: [x, y], critical: true}",
        "{id: a, prompt: A, type: number, critical: true}",
    ],
)
def test_critical_on_an_unscored_item(item: str) -> None:
    message = error_of(one(item))
    assert message.startswith(
        "t.yaml: sections[0].items[0].critical: a critical item must be scored"
    )


def test_critical_on_scored_items() -> None:
    t = load(
        one(
            "{id: a, prompt: A, type: yes_no, critical: true}",
            "{id: b, prompt: B, type: rating, critical: true}",
            "{id: c, prompt: C, type: single_choice, critical: true,"
            " options: [{key: x, score: 1}, {key: y, score: 0}]}",
            "{id: d, prompt: D, type: duration, critical: true, target: {good: 10, bad: 60}}",
        )
    )
    assert all(item.critical and item.scored for item in t.items())


@pytest.mark.parametrize(
    ("scale", "low", "high"),
    [
        ("{min: 0, max: 11}", 0, 11),
        ("{min: -1, max: 5}", -1, 5),
        ("{min: 3, max: 3}", 3, 3),
        ("{min: 5, max: 1}", 5, 1),
        ("{max: 1}", 1, 1),
    ],
)
def test_rating_scale_out_of_range(scale: str, low: int, high: int) -> None:
    message = error_of(one(f"{{id: a, prompt: A, type: rating, scale: {scale}}}"))
    assert message == (
        f"t.yaml: sections[0].items[0].scale: "
        f"need 0 <= min < max <= 10, got min {low} and max {high}"
    )


def test_rating_scale_bounds_accepted() -> None:
    t = load(one("{id: a, prompt: A, type: rating, scale: {min: 0, max: 10}}"))
    assert t.item("a").scale == Scale(0, 10)


def test_rating_scale_must_be_whole_numbers() -> None:
    message = error_of(one("{id: a, prompt: A, type: rating, scale: {min: 1, max: 4.5}}"))
    assert message == "t.yaml: sections[0].items[0].scale.max: expected a whole number, got 4.5"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("{id: a, prompt: A, type: number, target: {good: 1}}", "target.bad: missing (required)"),
        ("{id: a, prompt: A, type: number, target: {good: 1, bad: 1}}", "target: good and bad"),
        ("{id: a, prompt: A, type: number, target: {good: x, bad: 1}}", "target.good: expected a"),
        ("{id: a, prompt: A, type: number, target: 5}", "target: expected a mapping, got int 5"),
        ("{id: a, prompt: A, type: duration, target: {good: '0:30', bad: '5:99'}}", "target.bad:"),
        ("{id: a, prompt: A, type: number, min: 5, max: 1}", "max: must not be below min (5)"),
    ],
)
def test_bad_targets_and_bounds(item: str, expected: str) -> None:
    assert error_of(one(item)).startswith(f"t.yaml: sections[0].items[0].{expected}")


def test_duration_target_too_long() -> None:
    bad = "9" * 400 + ":00:00"
    item = f"{{id: a, prompt: A, type: duration, target: {{good: '0:30', bad: '{bad}'}}}}"
    message = error_of(one(item))
    assert message.startswith("t.yaml: sections[0].items[0].target.bad: duration '")
    assert message.endswith("is too long")


BANDS_WITHOUT_ZERO = HEADER + "bands: [{name: Good, min: 80}, {name: Bad, min: 10}]\n"


def test_bands_without_a_zero_band() -> None:
    message = error_of(doc(section("s", YN_A), header=BANDS_WITHOUT_ZERO))
    assert message == "t.yaml: bands: one band must start at min: 0 so every score has a band"


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        ("[]", "bands: expected a non-empty list of bands"),
        ("[{name: A, min: 120}, {name: B, min: 0}]", "bands[0].min: must be between 0 and 100"),
        ("[{name: A}]", "bands[0].min: missing (required)"),
        ("[{name: A, min: 0, pass: maybe}]", "bands[0].pass: expected true or false"),
        ("[{min: 0}]", "bands[0].name: missing (required)"),
        ("[{name: A, min: 0, colour: red}]", "bands[0].colour: unknown field 'colour'"),
    ],
)
def test_bad_bands(bands: str, expected: str) -> None:
    message = error_of(doc(section("s", YN_A), header=HEADER + f"bands: {bands}\n"))
    assert message.startswith(f"t.yaml: {expected}")


# -- unknown fields -------------------------------------------------------------


def test_unknown_item_field_typo() -> None:
    message = error_of(one("{id: a, prompt: A, type: yes_no, wieght: 2}"))
    assert message.startswith(
        "t.yaml: sections[0].items[0].wieght: unknown field 'wieght' (expected one of: "
    )
    assert "weight" in message


def test_unknown_top_level_and_section_fields() -> None:
    assert error_of(VALID + "author: me\n").startswith("t.yaml: author: unknown field 'author'")
    text = VALID.replace("    title: Section s\n", "    title: Section s\n    colour: red\n")
    assert error_of(text).startswith("t.yaml: sections[0].colour: unknown field 'colour'")


def test_unknown_field_with_a_line_break_stays_one_line() -> None:
    message = error_of(one('{id: a, prompt: A, type: yes_no, "wei\\nght": 2}'))
    assert message.startswith(
        "t.yaml: sections[0].items[0].'wei\\nght': unknown field 'wei\\nght' (expected one of: "
    )


def test_non_text_field_name() -> None:
    message = error_of(one("{id: a, prompt: A, type: yes_no, 1: x}"))
    assert message == "t.yaml: sections[0].items[0]: field names must be text, got 1"


# -- yes / no as YAML booleans ---------------------------------------------------


def test_unquoted_yes_no_in_show_if_and_pass() -> None:
    t = load(
        one(
            YN_A,
            "{id: b, prompt: B, type: yes_no, pass: no, show_if: {item: a, equals: no}}",
            "{id: c, prompt: C, type: text, show_if: {item: a, not_equals: [yes, na]}}",
            "{id: d, prompt: D, type: yes_no, pass: yes, show_if: {item: b, equals: true}}",
            "{id: e, prompt: E, type: yes_no, pass: 'no', show_if: {item: b, equals: 'yes'}}",
        )
    )
    assert t.item("a").pass_answer == "yes"
    assert t.item("b").pass_answer == "no"
    assert t.item("b").show_if == ShowIf("a", ("no",))
    assert t.item("c").show_if == ShowIf("a", ("yes", "na"), negate=True)
    assert t.item("d").pass_answer == "yes"
    assert t.item("d").show_if == ShowIf("b", ("yes",))
    assert t.item("e").pass_answer == "no"


# -- file-level safety -----------------------------------------------------------


def _padded(size: int) -> bytes:
    """A valid template padded with a comment to exactly `size` bytes."""
    raw = VALID.encode() + b"# "
    return raw + b"x" * (size - len(raw) - 1) + b"\n"


def test_file_over_one_mib(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(_padded(MAX_TEMPLATE_BYTES + 1))
    with pytest.raises(TemplateError) as info:
        load_template_file(path)
    assert str(info.value) == (
        "big.yaml: file is 1,048,577 bytes; a template may be at most 1,048,576 bytes (1 MiB)"
    )


def test_bytes_over_one_mib() -> None:
    message = error_of(_padded(MAX_TEMPLATE_BYTES + 1))
    assert message == (
        "t.yaml: file is larger than 1,048,576 bytes (1 MiB); a template may be at most 1 MiB"
    )


def test_exactly_one_mib_is_allowed(tmp_path: Path) -> None:
    raw = _padded(MAX_TEMPLATE_BYTES)
    assert len(raw) == MAX_TEMPLATE_BYTES
    assert load_template_bytes(raw, name="t.yaml").template.item_count == 1
    path = tmp_path / "edge.yaml"
    path.write_bytes(raw)
    assert load_template_file(path).template.item_count == 1


def test_python_tag_is_refused_and_never_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(os, "system", calls.append)
    text = VALID.replace("title: Test", "title: !!python/object/apply:os.system ['touch /tmp/x']")
    message = error_of(text)
    assert message == (
        "t.yaml: line 4: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) "
        "are not allowed"
    )
    assert calls == []


@pytest.mark.parametrize(
    ("value", "tag"),
    [("!custom x", "!custom"), ("!!str 5", "tag:yaml.org,2002:str"), ("!!map {}", "tag:yaml.org")],
)
def test_any_tag_is_refused(value: str, tag: str) -> None:
    message = error_of(VALID.replace("title: Test", f"title: {value}"))
    assert message.startswith(f"t.yaml: line 4: YAML tags ({tag}")


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_billion_laughs_anchor_is_refused() -> None:
    assert error_of(BILLION_LAUGHS) == "t.yaml: line 1: YAML anchors (&name) are not allowed"


def test_anchor_inside_template_is_refused() -> None:
    text = VALID.replace("title: Test", "title: &t Test")
    assert error_of(text) == "t.yaml: line 4: YAML anchors (&name) are not allowed"


def test_alias_is_refused() -> None:
    text = VALID.replace("title: Test", "title: *t")
    assert error_of(text) == "t.yaml: line 4: YAML aliases (*name) are not allowed"


def test_merge_key_is_refused() -> None:
    text = VALID.replace("title: Test", "<<: {title: Test}")
    assert error_of(text).startswith("t.yaml: ")


def test_duplicate_top_level_key() -> None:
    text = VALID.replace("title: Test\n", "title: Test\ntitle: Other\n")
    assert error_of(text) == "t.yaml: line 5: duplicate key 'title'"


def test_duplicate_key_in_an_item() -> None:
    text = one("{id: a, prompt: A, type: yes_no, weight: 1, weight: 2}")
    assert error_of(text) == "t.yaml: line 10: duplicate key 'weight'"


def test_invalid_yaml_syntax_names_the_line() -> None:
    text = VALID.replace("title: Test", "title: a: b")
    # The problem itself is in PyYAML's words (libyaml and pure Python differ); ours is where.
    assert error_of(text).startswith("t.yaml: line 4, column 9: not valid YAML: ")


def test_unclosed_flow_sequence() -> None:
    message = error_of(one("{id: a, prompt: A, type: yes_no"))
    assert re.match(r"^t\.yaml: line \d+, column \d+: not valid YAML: ", message)


def test_tab_indentation() -> None:
    message = error_of(VALID.replace("  - id: s", "\t- id: s"))
    assert message.startswith("t.yaml: line 7, column 1: not valid YAML: ")


def test_control_character() -> None:
    message = error_of(VALID.replace("title: Test", "title: Te\x00st"))
    assert message.startswith("t.yaml: line 4: not valid YAML: ")
    assert message.endswith("(character #x0000)")


def test_not_utf8() -> None:
    raw = VALID.replace("title: Test", "title: Caf\xe9").encode("latin-1")
    position = raw.index(b"\xe9")
    assert error_of(raw) == f"t.yaml: not UTF-8 text (invalid byte at position {position})"


def test_utf16_is_refused() -> None:
    assert error_of(VALID.encode("utf-16")).startswith("t.yaml: not UTF-8 text")


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert error_of(text) == "t.yaml: expected exactly one YAML document, found 0"


@pytest.mark.parametrize("text", ["~\n", "---\n", "null\n"])
def test_null_document(text: str) -> None:
    assert error_of(text) == "t.yaml: file is empty"


def test_two_documents() -> None:
    assert error_of(VALID + "---\n" + VALID) == (
        "t.yaml: expected exactly one YAML document, found 2"
    )


@pytest.mark.parametrize("text", ["[1, 2]\n", "just text\n", "42\n"])
def test_document_that_is_not_a_mapping(text: str) -> None:
    assert error_of(text).startswith("t.yaml: expected a mapping, got ")


@pytest.mark.parametrize(
    "value",
    [
        "2001-02-30",  # resolved as a date that does not exist
        "2001-01-01 25:00:00",
        "0x_",
        "0b_",
        "9" * 5000,  # more digits than Python converts
    ],
)
def test_scalars_yaml_cannot_build(value: str) -> None:
    message = error_of(VALID.replace("version: 1", f"version: {value}"))
    assert message.startswith("t.yaml: not valid YAML: ")


def test_deep_nesting() -> None:
    message = error_of(VALID + "description: " + "[" * 1000 + "]" * 1000 + "\n")
    # Refused either way (too deep for the parser, or a list where text belongs); the words
    # may be PyYAML's own, so only the shape is ours: the file named, one line.
    assert message.startswith("t.yaml: ")
    assert "\n" not in message


# -- never anything but TemplateError -----------------------------------------------


def _outcome(raw: bytes) -> None:
    try:
        loaded = load_template_bytes(raw, name="fuzz.yaml")
    except TemplateError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml: ")
        assert "\n" not in message
    else:
        assert isinstance(loaded.template, Template)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_only_raise_template_error(raw: bytes) -> None:
    _outcome(raw)


YAMLISH_TOKENS = [
    "format", "id", "version", "title", "touchpoint", "sections", "items", "type",
    "weight", "show_if", "item", "equals", "not_equals", "options", "key", "score", "scale",
    "min", "max", "target", "good", "bad", "bands", "name", "pass", "na", "required",
    "critical", "theme", "prompt", "help", "unit", ":", ": ", "- ", "\n", "\n  ", "\n    ",
    "\n      - ", "  ", "[", "]", "{", "}", ", ", "'", '"', "#", "&a ", "*a",
    "!!python/name:os.system", "!x ", "---\n", "...\n", "~", "yes", "no", "true", "null", "1",
    "0", "-1", "1.5", ".inf", ".nan", "1e400", "0x_", "0b_", "0o9", "1:_", "._", "2001-02-30",
    "2001-01-01 25:00:00",
    "9" * 400, "<<", "? ", "|\n", ">\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\t", "yes_no",
    "rating", "single_choice", "multi_choice", "duration", "text", UUID, "phone", "0:30",
    "\\", "\x00", "\x85", "é", "\ufeff", "\u2028",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(YAMLISH_TOKENS) | st.text(max_size=4), max_size=60))
def test_random_yamlish_text_only_raises_template_error(tokens: list[str]) -> None:
    _outcome("".join(tokens).encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(YAMLISH_TOKENS) | st.text(max_size=4), max_size=30))
def test_yamlish_text_after_a_valid_header(tokens: list[str]) -> None:
    _outcome((HEADER + "".join(tokens)).encode("utf-8", "surrogatepass"))


VALID_DOC: dict[str, Any] = yaml.safe_load(FULL)
SCALAR_WORDS = [
    "yes", "no", "na", "yes_no", "rating", "text", "phone", "reach", "ease", "found",
    "channel", "0:30", "5:99", "99:00:00", "-1", UUID,
]  # fmt: skip

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(SCALAR_WORDS),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "item", "equals", "min", "max", "key", "score", "good", "x"])
            | st.text(max_size=6),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_template_only_raises_template_error(data: st.DataObject) -> None:
    document = copy.deepcopy(VALID_DOC)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(list(_paths(document))))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["set", "set", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(_values)
        else:
            parent[path[-1]] = data.draw(_values)
        if not document:
            break
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    _outcome(text.encode("utf-8", "surrogatepass"))


def test_show_if_on_numeric_looking_option_keys_fires() -> None:
    from shopper.domain.scoring import visible_items

    template = load(
        one(
            "{id: size, prompt: Size, type: single_choice, options: [1, 2, 3]}",
            "{id: big, prompt: Why big, type: text, show_if: {item: size, equals: 3}}",
        )
    )
    assert template.item("size").option("3") is not None
    assert template.item("big").show_if == ShowIf("size", ("3",))
    assert "big" in visible_items(template, {"size": "3"})
    assert "big" not in visible_items(template, {"size": "1"})


def test_show_if_on_a_datetime_item_is_refused() -> None:
    message = error_of(
        one(
            "{id: when, prompt: When, type: datetime}",
            "{id: q, prompt: Q, type: yes_no, show_if: {item: when, equals: '2026-01-01'}}",
        )
    )
    assert message.startswith("t.yaml: sections[0].items[1].show_if.equals: cannot depend on")


def test_show_if_on_a_count_needs_whole_numbers() -> None:
    message = error_of(
        one(
            "{id: n, prompt: N, type: count}",
            "{id: q, prompt: Q, type: yes_no, show_if: {item: n, equals: 0.5}}",
        )
    )
    assert message.startswith("t.yaml: sections[0].items[1].show_if.equals: 0.5 is not a possible")


def test_unquoted_yes_option_says_to_quote_it() -> None:
    message = error_of(one("{id: c, prompt: C, type: single_choice, options: [Yes, Maybe]}"))
    assert message.startswith("t.yaml: sections[0].items[0].options[0]: YAML reads an unquoted")
    assert "quotes" in message


# -- labels in several languages ------------------------------------------------

MULTILINGUAL = (
    HEADER.replace("title: Test\n", "title: Test\nlanguage: English (en)\n")
    + """\
sections:
  - id: s
    title: Greeting
    translations: {French (fr): Accueil}
    items:
      - id: greeted
        prompt: Were you greeted?
        help: Within a minute.
        type: yes_no
        translations:
          French (fr): {prompt: Vous a-t-on salué ?, help: En moins d'une minute.}
          de: {prompt: Wurden Sie begrüßt?}
      - id: how
        prompt: How?
        type: single_choice
        options:
          - {key: smile, label: With a smile, translations: {French (fr): Avec un sourire}}
          - words
"""
)


def test_labels_in_several_languages() -> None:
    template = load(MULTILINGUAL)
    assert template.language == "English (en)"
    assert template.languages == ("English (en)", "French (fr)", "de")  # in order of use
    section = template.sections[0]
    assert section.title_in("fr") == "Accueil"
    assert section.title_in("de") == "Greeting"  # no German title: the template's own
    greeted = template.item("greeted")
    assert greeted.prompt_in("French (fr)") == "Vous a-t-on salué ?"
    assert greeted.prompt_in("FR") == "Vous a-t-on salué ?"
    assert greeted.help_in("de") == "Within a minute."
    assert greeted.prompt_in("de") == "Wurden Sie begrüßt?"
    assert greeted.prompt_in("") == "Were you greeted?"
    smile, words = template.item("how").options
    assert smile.label_in("fr") == "Avec un sourire"
    assert words.label_in("fr") == "words"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "de: {prompt: Wurden Sie begrüßt?}",
            "English (en): {prompt: Hello?}",
            "sections[0].items[0].translations.English (en): 'English (en)' is the "
            "template's own language",
        ),
        (
            "de: {prompt: Wurden Sie begrüßt?}",
            "de: {promt: Wurden Sie begrüßt?}",
            "sections[0].items[0].translations.de.promt: unknown field 'promt'",
        ),
        (
            "de: {prompt: Wurden Sie begrüßt?}",
            "de: {prompt: '  '}",
            "sections[0].items[0].translations.de: give the prompt or help in de",
        ),
        (
            "translations: {French (fr): Accueil}",
            "translations: [Accueil]",
            "sections[0].translations: expected a mapping of languages to their words",
        ),
        ("language: English (en)", "language: ' en'", "language: invalid language ' en'"),
    ],
)
def test_bad_translations(old: str, new: str, expected: str) -> None:
    assert old in MULTILINGUAL
    assert error_of(MULTILINGUAL.replace(old, new)).startswith(f"t.yaml: {expected}")


def test_a_template_in_another_language() -> None:
    template = load(MULTILINGUAL)
    french = template.in_language("fr")
    assert french.sections[0].title == "Accueil"
    assert french.item("greeted").prompt == "Vous a-t-on salué ?"
    assert french.item("greeted").help == "En moins d'une minute."
    assert [o.label for o in french.item("how").options] == ["Avec un sourire", "words"]
    # Same ids, keys and rules: only the words change.
    assert [i.id for i in french.items()] == [i.id for i in template.items()]
    assert template.in_language("") is template
    assert template.in_language("en") is template  # its own language
    assert template.in_language("it") is template  # a language it does not have


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight", "2"),
        ("weight", "0"),
        ("required", "true"),
        ("critical", "true"),
        ("na", "true"),
        ("theme", "speed"),
        ("later", "{days: 2}"),
        ("pass", "no"),
        ("options", "[a, b]"),
        ("scale", "{min: 1, max: 5}"),
        ("target", "{good: 1, bad: 2}"),
        ("unit", "EUR"),
    ],
)
def test_an_information_item_refuses_what_it_cannot_take(field: str, value: str) -> None:
    info = f"{{id: i, prompt: Read this, type: info, {field}: {value}}}"
    assert error_of(one(YN_A, YN_A.replace("a", "b", 1), YN_A.replace("a", "c", 1), info)) == (
        f"t.yaml: sections[0].items[3].{field}: an information item takes no {field}"
    )


def test_an_information_item_takes_text_help_translations_and_a_show_if() -> None:
    info = (
        "{id: i, prompt: Read this, help: Slowly, type: info, show_if: {item: a, equals: no},"
        " translations: {French (fr): {prompt: Lisez}}}"
    )
    t = load(one(YN_A, info))
    item = t.item("i")
    assert (item.prompt, item.help, item.prompt_in("fr")) == ("Read this", "Slowly", "Lisez")
    assert item.show_if == ShowIf("a", ("no",))
    assert dump_template(t) and load(dump_template(t)) == t


def test_nothing_may_depend_on_an_information_item() -> None:
    text = one(
        "{id: i, prompt: Read this, type: info}",
        "{id: b, prompt: B, type: yes_no, show_if: {item: i, equals: yes}}",
    )
    assert error_of(text) == (
        "t.yaml: sections[0].items[1].show_if.item: "
        "cannot depend on 'i': an information item is never answered"
    )


# -- parsed templates kept for the process ---------------------------------------------


def _fresh(text: str) -> Template:
    """The text parsed and validated anew, past the kept templates."""
    from shopper.domain.template_loader import _Validator, parse_yaml_strict

    return _Validator("fresh").template(parse_yaml_strict(text, name="fresh"))


def test_a_text_parsed_again_is_the_kept_template_equal_to_a_fresh_parse() -> None:
    text = FULL.replace("title: Full check", "title: Kept once")
    first = load_template_bytes(text.encode("utf-8"), name="a.yaml")
    again = load_template_bytes(text.encode("utf-8"), name="b.yaml")
    assert again.template is first.template
    assert parse_template_text(text) is first.template
    assert first.template == _fresh(text)
    assert again.source == text
    assert again.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_refused_text_is_refused_each_time_under_its_own_name() -> None:
    text = HEADER + "sections: []\n"
    for name in ("one.yaml", "two.yaml"):
        with pytest.raises(TemplateError, match=f"^{name}: "):
            load_template_bytes(text.encode("utf-8"), name=name)
    with pytest.raises(TemplateError):
        parse_template_text("format: 1\ntitle: \ud800\n")


def test_the_kept_templates_are_bounded() -> None:
    from shopper.domain import template_loader

    texts = [
        FULL.replace("title: Full check", f"title: Bounded {n}")
        for n in range(template_loader.PARSED_KEPT + 5)
    ]
    first = parse_template_text(texts[0])
    for text in texts[1:]:
        parse_template_text(text)
    assert len(template_loader._PARSED) == template_loader.PARSED_KEPT
    again = parse_template_text(texts[0])  # let go long ago: parsed anew, equal
    assert again == first and again is not first
    assert template_loader.known_template(
        hashlib.sha256(texts[-1].encode("utf-8")).hexdigest()
    ) is parse_template_text(texts[-1])
