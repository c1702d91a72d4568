"""Do they chime? docs/scoring.md's worked example, and the rules at their edges."""

from __future__ import annotations

from shopper.domain.chime import (
    Agreement,
    AuditFigures,
    OtherFigures,
    Say,
    Source,
    chime,
)
from tests.domain.test_scoring_doc import table

COLUMNS = {
    "audits": Source.AUDITS,
    "complaints": Source.COMPLAINTS,
    "feedback": Source.FEEDBACK,
    "said no": Source.SAID_NO,
}


def _theme(cell: str) -> str:
    return "" if cell == "(none)" else cell


def _number(cell: str) -> float | None:
    return float(cell) if cell else None


def test_the_documented_example() -> None:
    audits: dict[str, AuditFigures] = {}
    others: dict[str, OtherFigures] = {}
    for row in table("chime-inputs"):
        theme = _theme(row["theme"])
        if row["scored"]:
            audits[theme] = AuditFigures(
                failed=int(row["failed"]), scored=int(row["scored"]), moments=int(row["moments"])
            )
        others[theme] = OtherFigures(
            complaints=int(row["complaints"] or 0),
            said_no=int(row["said no"] or 0),
            feedback=5 if row["mean score"] else 0,
            mean_score=_number(row["mean score"]),
            score_scale=_number(row["scale"]),
        )
    rows = chime(audits, others)
    expected = table("chime-rows")
    assert [r.theme for r in rows] == [_theme(e["theme"]) for e in expected]
    for found, want in zip(rows, expected, strict=True):
        assert f"{found.priority:.1f}" == want["priority"], found.theme
        assert found.agreement.value == want["agreement"], found.theme
        for column, source in COLUMNS.items():
            assert found.reading(source).say.value == want[column], (found.theme, column)


def test_disagreement_is_said_in_words() -> None:
    others = {"speed": OtherFigures(complaints=10), "empathy": OtherFigures(complaints=20)}
    [empathy, speed] = chime({"speed": AuditFigures(failed=0, scored=10)}, others)
    assert speed.agreement is Agreement.DISAGREE
    assert speed.summary == "customers complain; but audits find it fine"
    assert empathy.agreement is Agreement.ONE_SOURCE


def test_no_other_source_leaves_only_the_audits() -> None:
    [row] = chime({"speed": AuditFigures(failed=1, scored=3, moments=1)}, {})
    assert row.reading(Source.COMPLAINTS).say is Say.NONE
    assert (row.agreement, row.priority) == (Agreement.ONE_SOURCE, 150.0)


def test_few_chances_say_nothing_either_way() -> None:
    [row] = chime({"speed": AuditFigures(failed=0, scored=4)}, {})
    assert row.reading(Source.AUDITS).say is Say.NONE
    assert row.agreement is Agreement.NO_EVIDENCE


def test_providers_add_up() -> None:
    a = OtherFigures(complaints=2, feedback=2, mean_score=4.0, score_scale=5)
    b = OtherFigures(said_no=3, feedback=6, mean_score=2.0, score_scale=5)
    total = a + b
    assert (total.complaints, total.said_no, total.feedback) == (2, 3, 8)
    assert total.mean_score == 2.5 and total.score_scale == 5
    assert (OtherFigures() + b).mean_score == 2.0
