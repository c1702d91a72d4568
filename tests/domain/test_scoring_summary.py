"""The summary an audit's row keeps, worked out by `SummaryScorer`: `score_audit`'s."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.domain.answers import normalize_answer
from shopper.domain.errors import AnswerError
from shopper.domain.scoring import AuditSummary, SummaryScorer, score_audit
from shopper.domain.template import Template
from shopper.domain.template_loader import load_template_file
from shopper.resources import TEMPLATES_DIR


def _builtin_templates() -> list[Template]:
    paths = sorted(TEMPLATES_DIR.glob("*.yaml")) + sorted(
        (TEMPLATES_DIR / "released").glob("*.yaml")
    )
    return [load_template_file(path).template for path in paths]


BUILTIN = _builtin_templates()
KEPT = [SummaryScorer(template) for template in BUILTIN]
"""One scorer per checklist for every example: what it remembers of the answers before."""


def test_every_built_in_checklist_is_tried() -> None:
    assert len(BUILTIN) > 5
    assert any(item.show_if is not None for t in BUILTIN for item in t.items())


@settings(max_examples=300, deadline=None)
@given(data=st.data(), pick=st.integers(0, len(BUILTIN) - 1))
def test_the_summary_is_score_audits(data: st.DataObject, pick: int) -> None:
    """Any answers to any built-in checklist: the summary is `score_audit`'s, to the last bit."""
    template = BUILTIN[pick]
    answers: dict[str, Any] = {}
    for item in template.items():
        keys = [option.key for option in item.options]
        raw = data.draw(
            st.one_of(
                st.none(),
                st.sampled_from(["na", "yes", "no", *keys]),
                st.integers(-3, 12),
                st.floats(-10, 1000, allow_nan=False),
                st.sampled_from([0.0, -0.0, 1.0, 2.5]),
                st.lists(st.sampled_from(keys), max_size=3) if keys else st.none(),
                st.text(max_size=3),
            )
        )
        try:
            value = normalize_answer(item, raw)
        except AnswerError:
            continue
        if value is not None:
            answers[item.id] = value
    expected = AuditSummary.of(score_audit(template, answers))
    assert SummaryScorer(template).summary(answers) == expected
    assert KEPT[pick].summary(answers) == expected


def test_no_answers_and_every_answer_na() -> None:
    for template in BUILTIN:
        scorer = SummaryScorer(template)
        assert scorer.summary({}) == AuditSummary.of(score_audit(template, {}))
        na = {item.id: "na" for item in template.questions()}
        assert scorer.summary(na) == AuditSummary.of(score_audit(template, na))
