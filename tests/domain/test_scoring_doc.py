"""docs/scoring.md's worked examples, read from the document and checked against the code.

The template, the answers and every expected number come from the document,
so a change to the rules that is not written down there fails here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from shopper.domain.answers import normalize_answer
from shopper.domain.compare import NOT_IN_VERSION, AuditInput, Change, compare
from shopper.domain.scoring import AuditScore, score_audit
from shopper.domain.template import Template
from shopper.domain.template_loader import load_template_bytes

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def _after_marker(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    marker = f"<!-- example: {name} -->"
    assert text.count(marker) == 1, f"docs/scoring.md needs exactly one {marker}"
    return text.split(marker, 1)[1].lstrip("\n")


def code_block(name: str) -> str:
    rest = _after_marker(name)
    match = re.match(r"```yaml\n(.*?)\n```", rest, re.S)
    assert match, f"no ```yaml block right after the {name} marker"
    return match.group(1) + "\n"


def table(name: str) -> list[dict[str, str]]:
    """The markdown table right after a marker, as one dict per row keyed by header."""
    lines = []
    for line in _after_marker(name).splitlines():
        if not line.startswith("|"):
            break
        lines.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, _rule, *rows = lines
    return [dict(zip(header, row, strict=True)) for row in rows]


def figures(name: str) -> dict[str, str]:
    return {row["figure"]: row["value"] for row in table(name)}


def load(name: str) -> Template:
    return load_template_bytes(code_block(name).encode(), name=f"{name}.yaml").template


def answers(template: Template, raw: dict[str, Any]) -> dict[str, Any]:
    """Answers as a shopper types them, stored as the runner stores them."""
    return {key: normalize_answer(template.item(key), value) for key, value in raw.items()}


def number(text: str) -> float:
    return float(text.replace("−", "-"))


# -- scoring ------------------------------------------------------------------------


def score_for(answers_block: str) -> tuple[Template, AuditScore]:
    template = load("scoring-template")
    raw = yaml.safe_load(code_block(answers_block))
    return template, score_audit(template, answers(template, raw))


def test_the_scoring_example_item_by_item() -> None:
    _template, score = score_for("scoring-answers")
    rows = table("scoring-items")
    assert {row["item"] for row in rows} == set(score.items)
    for row in rows:
        result = score.items[row["item"]]
        assert result.outcome.value == row["outcome"], row["item"]
        if row["fraction"] == "—":
            assert result.fraction is None, row["item"]
            assert result.max_points == 0, row["item"]
            assert row["points"] == row["max points"] == "—"
        else:
            assert result.fraction == pytest.approx(number(row["fraction"])), row["item"]
            assert result.points == pytest.approx(number(row["points"])), row["item"]
            assert result.max_points == pytest.approx(number(row["max points"])), row["item"]


def check_totals(template: Template, score: AuditScore, expected: dict[str, str]) -> None:
    assert score.points == pytest.approx(number(expected["points"]))
    assert score.max_points == pytest.approx(number(expected["max points"]))
    assert score.percent == pytest.approx(number(expected["score %"]), abs=0.005)
    for section in score.sections:
        key = f"section {section.title} %"
        assert section.percent == pytest.approx(number(expected[key]), abs=0.005), key
    assert score.band is not None
    assert score.band.name == expected["band"]
    failures = expected["critical failures"]
    assert score.critical_failures == (() if failures == "none" else tuple(failures.split(", ")))
    assert score.verdict == expected["verdict"]
    assert score.passed is {"yes": True, "no": False}[expected["passed"]]


def test_the_scoring_example_totals() -> None:
    template, score = score_for("scoring-answers")
    check_totals(template, score, figures("scoring-totals"))


def test_the_critical_failure_variant() -> None:
    template, score = score_for("scoring-variant-answers")
    check_totals(template, score, figures("scoring-variant-totals"))


# -- comparison ---------------------------------------------------------------------


def test_the_comparison_example() -> None:
    templates = {t.version: t for t in (load("compare-template-v1"), load("compare-template-v2"))}
    inputs = []
    for spec in yaml.safe_load(code_block("compare-audits")):
        template = templates[spec["version"]]
        started = datetime.fromisoformat(spec["started"]).replace(tzinfo=UTC)
        inputs.append(
            AuditInput(spec["audit"], started, template, answers(template, spec["answers"]))
        )
    result = compare(inputs[::-1])  # given in any order, compared in date order
    names = [a.audit_id for a in result.audits]
    assert names == ["A", "B", "C", "D"]

    rows = table("compare-items")
    assert [row["item"] for row in rows] == [r.item_id for r in result.rows]
    for expected, actual in zip(rows, result.rows, strict=True):
        for name, cell in zip(names, actual.cells, strict=True):
            outcome, _, change = expected[name].partition(", ")
            if outcome == NOT_IN_VERSION:
                assert cell.outcome is None, (actual.item_id, name)
            else:
                assert cell.outcome is not None, (actual.item_id, name)
                assert cell.outcome.value == outcome, (actual.item_id, name)
            if change:
                assert cell.change is Change(change), (actual.item_id, name)
            else:
                assert cell.change in (None, Change.NOT_COMPARABLE), (actual.item_id, name)
        assert actual.agreement == pytest.approx(number(expected["agreement"]), abs=5e-5)
        assert actual.weight == number(expected["weight"])

    values = figures("compare-figures")
    for name, audit in zip(names, result.audits, strict=True):
        assert audit.percent == pytest.approx(number(values[f"score {name} %"]), abs=0.005)
    assert result.consistency == pytest.approx(number(values["consistency index"]), abs=0.005)
    assert result.spread.stdev == pytest.approx(
        number(values["score standard deviation"]), abs=0.005
    )
    assert result.spread.minimum == pytest.approx(number(values["lowest score %"]), abs=0.005)
    assert result.spread.maximum == pytest.approx(number(values["highest score %"]), abs=0.005)
    assert result.trend.slope_per_month == pytest.approx(
        number(values["trend per 30 days"]), abs=0.005
    )
