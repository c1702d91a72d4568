"""The action plan's PDF: actions by theme, where each stands, re-audits; texts as typed."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest

from shopper.report.actions import ActionFact, ActionPlanFacts, CheckFact, build_action_plan
from shopper.report.document import ReportError
from tests.report.helpers import Pdf, squeeze
from tests.report.test_audit import HOSTILE

GENERATED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _action(**changes: object) -> ActionFact:
    base: dict[str, object] = {
        "title": "Dust the shelves daily",
        "detail": "",
        "theme": "Brand",
        "state": "fixed",
        "verdict": "fixed, verified by audit 1a2b3c4d on 2026-03-02",
        "owner": "Ola",
        "due": "2026-03-01",
        "overdue": False,
        "made": "2026-02-01",
        "made_from": "Failed item: Was the shop clean? (Store visit, audit 0f0f0f0f)",
        "checks": (CheckFact("1a2b3c4d", "2026-03-02", "Tom", True),),
    }
    base.update(changes)
    return ActionFact(**base)  # type: ignore[arg-type]


def render(facts: ActionPlanFacts) -> bytes:
    out = BytesIO()
    build_action_plan(out, facts, generated=GENERATED)
    return out.getvalue()


def test_actions_by_theme_with_their_re_audits() -> None:
    facts = ActionPlanFacts(
        "Acme Stores",
        (
            _action(),
            _action(
                title="Greet within 30 seconds",
                theme="Empathy",
                state="still_failing",
                verdict="still failing in audit 0badf00d on 2026-04-01; reopened, owner Ola",
                overdue=True,
                checks=(
                    CheckFact("1a2b3c4d", "2026-03-02", "Tom", True),
                    CheckFact("0badf00d", "2026-04-01", "Ana", False),
                ),
            ),
            _action(
                title="Faster tills",
                theme="Speed",
                state="open",
                verdict="open",
                checks=(),
                made_from="Theme: Speed",
                since="Since it was made (2026-02-01): audits: 1 failed",
            ),
        ),
    )
    pdf = Pdf.of(render(facts))
    text = squeeze(pdf.text)
    for expected in (
        "ACTION PLAN",
        "Acme Stores",
        "Brand — 1 action",
        "Empathy — 1 action",
        "fixed, verified by audit 1a2b3c4d on 2026-03-02",
        "still failing in audit 0badf00d on 2026-04-01; reopened, owner Ola",
        "overdue",
        "Since it was made (2026-02-01)",
        "failed",
        "passed",
    ):
        assert squeeze(expected) in text, expected
    assert pdf.uris() == [] and pdf.image_count() == 0


def test_typed_texts_print_literally() -> None:
    actions = tuple(_action(title=t, detail=t, owner=t[:50], theme=t[:40]) for t in HOSTILE)
    pdf = Pdf.of(render(ActionPlanFacts(HOSTILE[0], actions)))
    text = squeeze(pdf.text)
    for typed in HOSTILE:
        assert squeeze(typed) in text, typed
    assert pdf.uris() == [] and pdf.image_count() == 0


def test_no_actions_is_refused() -> None:
    with pytest.raises(ReportError):
        render(ActionPlanFacts("Acme", ()))
