"""The call laid out for drawing: spans agree with the figures, the tree nests as it should."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.platypus import SimpleDocTemplate

from shopper.domain.instruments import PhoneStep, Step, phone_figures
from shopper.report.calltree import MAX_INDENT, CallMap, call_nodes, shape_call
from shopper.report.redact import NO_REDACTION
from tests.report.helpers import CALL_START, Pdf, at, phone_call


def _totals(steps: list[Step]) -> dict[str, float]:
    totals = {"menus": 0.0, "hold": 0.0, "talking": 0.0}
    for span in shape_call(steps).spans:
        totals[span.state] += span.end - span.start
    return totals


def test_spans_levels_loops_and_indents_of_a_call() -> None:
    shape = shape_call(phone_call())
    kinds = [s.kind for s in shape.steps]
    assert kinds[0] == PhoneStep.CALL_START and kinds[-1] == PhoneStep.CALL_END
    assert shape.levels[:5] == [0, 1, 2, 3, 2]  # step 5 loops back to the second level
    assert shape.loops == {4: 2}  # step 5 repeats the prompt of step 3
    # Menus nest; the hold and the people hang under the last menu and stay there.
    assert shape.indents == [0, 1, 2, 3, 2, 3, 3, 3, 3, 3, 3]
    assert shape.total == 780
    assert _totals(phone_call()) == {"menus": 100, "hold": 345, "talking": 335}


def test_menus_after_a_person_start_again_at_the_first_level() -> None:
    rows = ["call_start", "menu", "human", "transfer", "menu", "menu", "hold_start", "human"]
    steps = [Step(str(n), kind, at(10 * n), {}) for n, kind in enumerate(rows)]
    shape = shape_call(steps)
    assert shape.levels == [0, 1, 0, 0, 1, 2, 0, 0]
    assert shape.indents == [0, 1, 2, 2, 1, 2, 3, 3]


def test_deep_menus_are_drawn_at_the_deepest_indent_but_keep_their_level() -> None:
    steps = [Step("s", "call_start", CALL_START, {})]
    steps += [Step(f"m{n}", "menu", at(n + 1), {"prompt": f"P{n}"}) for n in range(12)]
    shape = shape_call(steps)
    nodes = call_nodes(shape, NO_REDACTION)
    assert shape.levels[-1] == 12
    assert max(n.indent for n in nodes) == MAX_INDENT
    assert "level 12" in nodes[-1].paragraphs[0].getPlainText()


_KINDS = st.sampled_from([k.value for k in PhoneStep])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(_KINDS, st.integers(0, 600)), max_size=25),
    prompts=st.lists(st.sampled_from(["a", "b", "A ", ""]), min_size=25, max_size=25),
)
def test_the_drawn_time_split_agrees_with_the_figures(
    rows: list[tuple[str, int]], prompts: list[str]
) -> None:
    steps = [Step("s", "call_start", CALL_START, {})]
    elapsed = 0
    for n, (kind, gap) in enumerate(rows):
        elapsed += gap
        steps.append(Step(f"x{n}", kind, at(elapsed), {"prompt": prompts[n]}))
    figures = phone_figures(steps)
    totals = _totals(steps)
    assert totals["menus"] == pytest.approx(figures.time_in_menus)
    assert totals["hold"] == pytest.approx(figures.time_on_hold)
    assert totals["talking"] == pytest.approx(figures.time_talking)
    shape = shape_call(steps)
    assert len(shape.loops) == figures.menu_loops
    assert max(shape.levels) == figures.menu_depth
    if shape.ended is not None:
        assert shape.steps[shape.ended].at - CALL_START == timedelta(seconds=figures.duration or 0)
    if figures.duration is not None:
        assert shape.total == pytest.approx(figures.duration)


def test_the_map_splits_between_steps_and_draws_every_one() -> None:
    steps = [Step("s", "call_start", CALL_START, {})]
    steps += [
        Step(f"m{n}", "menu", CALL_START + timedelta(seconds=n + 1), {"prompt": "x " * 120})
        for n in range(30)
    ]
    out = BytesIO()
    doc = SimpleDocTemplate(out)
    doc.build([CallMap(call_nodes(shape_call(steps), NO_REDACTION))])
    pdf = Pdf.of(out.getvalue())
    assert pdf.page_count >= 3
    text = pdf.text
    for number in range(1, 32):
        assert f"{number}. " in text
    pages = pdf.page_texts()
    assert all("Call map, continued" in page for page in pages[1:])
    # No step is left alone at the top of the last page.
    assert pages[-1].count("Menu · level") >= 2


def test_steps_after_the_end_are_drawn_but_not_counted() -> None:
    steps = [*phone_call(), Step("late", "menu", at(900), {"prompt": "Welcome to Acme."})]
    shape = shape_call(steps)
    assert shape.ended == 10 and shape.levels[-1] == 0 and 11 not in shape.loops
    last = [p.getPlainText() for p in call_nodes(shape, NO_REDACTION)[-1].paragraphs]
    assert last[0].startswith("12. Menu prompt")
    assert "After the end of the call: not counted." in last
