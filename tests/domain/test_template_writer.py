"""Writing templates: the YAML written loads back to an equal template."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from shopper.domain.template import Template
from shopper.domain.template_loader import load_template_file, parse_template_text
from shopper.domain.template_writer import dump_template, template_to_data
from shopper.services.templates import builtin_template_files
from tests.domain.template_strategies import templates

BUILTINS = builtin_template_files()


@pytest.mark.parametrize("path", BUILTINS, ids=[p.name for p in BUILTINS])
def test_every_builtin_round_trips(path: Path) -> None:
    template = load_template_file(path).template
    text = dump_template(template)
    assert parse_template_text(text, name=path.name) == template
    # Writing what was read gives the same text again: saving twice changes nothing.
    assert dump_template(parse_template_text(text)) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_generated_templates_round_trip(template: Template) -> None:
    assert parse_template_text(dump_template(template)) == template


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates())
def test_data_is_plain(template: Template) -> None:
    def plain(value: object) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, str | int | float | bool)

    data = template_to_data(template)
    assert plain(data)
    assert data["sections"][0]["items"][0]["id"] == template.sections[0].items[0].id


def test_defaults_are_left_out() -> None:
    template = parse_template_text(
        """\
format: 1
id: 6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f
version: 3
title: Short
touchpoint: phone
sections:
  - id: s
    title: S
    items:
      - {id: a, prompt: Reached?, type: yes_no}
      - {id: b, prompt: Which?, type: single_choice, options: [x, "y"]}
"""
    )
    data = template_to_data(template)
    assert "bands" not in data
    first, second = data["sections"][0]["items"]
    assert first == {"id": "a", "prompt": "Reached?", "type": "yes_no"}
    assert second["options"] == ["x", "y"]


def test_multi_line_text_is_a_literal_block() -> None:
    template = parse_template_text(
        "format: 1\nid: 6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f\nversion: 1\ntitle: T\n"
        'touchpoint: phone\ndescription: "one\\ntwo\\n"\nsections:\n  - id: s\n    title: S\n'
        "    items:\n      - {id: a, prompt: A, type: text}\n"
    )
    text = dump_template(template)
    assert "description: |\n  one\n  two\n" in text
    assert parse_template_text(text) == template
