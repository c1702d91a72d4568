"""The phone call drawn: where the time went, and the call map as a tree.

`call_timeline` is one bar across the page, split into time in menus, on hold
and talking, with a tick for each event. `CallMap` is the call step by step as
a tree: each menu level one step further in, what was heard and pressed,
holds, transfers, the person answering, loops and dead ends, with the time
since dialling in the margin. It splits across pages between steps, so a
40-step call takes the pages it needs and no step overflows one.

The shapes are a reportlab Drawing; the texts in the boxes are Paragraphs
drawn on top, so anything a user typed is escaped and printed with the font
that has its characters (a Drawing's strings take one font).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib.colors import Color, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from shopper.domain.instruments import STEP_LABELS, MenuTree, PhoneStep, Step, option_count
from shopper.report.base import colored
from shopper.report.facts import step_text
from shopper.report.formats import clock
from shopper.report.styles import (
    ACCENT,
    BAD,
    FAIR,
    GOOD,
    INK,
    MUTED,
    NEUTRAL,
    RULE,
    SANS,
    styles,
)
from shopper.report.text import clip, markup, one_line

PROMPT_LIMIT = 300
OPTIONS_LIMIT = 200
NOTE_LIMIT = 300
NAME_LIMIT = 80
KEY_LIMIT = 24

GUTTER = 40.0
"""Room left of the tree for the time since dialling."""
INDENT = 14.0
MAX_INDENT = 6
"""Deeper levels are drawn at this indent; their boxes still say the level."""
PAD = 4.0
ACCENT_W = 3.0
GAP = 6.0
CONTINUED_H = 13.0
TAG_OFFSET = 9.0
"""Where a connector meets a box: this far below its top."""

_STATE_LABELS = {"menus": "in menus", "hold": "on hold", "talking": "talking"}
_STATE_COLORS = {"menus": ACCENT, "hold": FAIR, "talking": GOOD}
_BEGINS = {
    PhoneStep.CALL_START,
    PhoneStep.MENU,
    PhoneStep.HOLD_START,
    PhoneStep.HOLD_END,
    PhoneStep.HUMAN,
    PhoneStep.TRANSFER,
}
_ENDS = {PhoneStep.DEAD_END, PhoneStep.CALL_END}


def _kind_color(kind: str) -> Color:
    if kind == PhoneStep.MENU:
        return ACCENT
    if kind == PhoneStep.HUMAN:
        return GOOD
    if kind in (PhoneStep.HOLD_START, PhoneStep.HOLD_END, PhoneStep.TRANSFER, PhoneStep.REPEAT):
        return FAIR
    if kind == PhoneStep.DEAD_END:
        return BAD
    return NEUTRAL


def _tint(color: Color, share: float = 0.9) -> Color:
    """The colour mixed with white: `share` of white."""
    return Color(*(c + (1 - c) * share for c in (color.red, color.green, color.blue)))


# -- the call as data ---------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of the call in one state, begun by step `step` (an index into the steps)."""

    state: str
    start: float
    end: float
    step: int


@dataclass
class CallNode:
    """One step of the call as the map draws it."""

    kind: str
    elapsed: float
    indent: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def color(self) -> Color:
        return _kind_color(self.kind)


@dataclass(frozen=True)
class CallShape:
    """A call laid out for drawing: steps in order, their spans, and the clock's origin."""

    steps: list[Step]
    origin: datetime
    spans: list[Span]
    levels: list[int]
    """The menu level of each step (0 where it is not a menu prompt)."""
    loops: dict[int, int]
    """Step index -> the index of the earlier step with the same prompt."""
    indents: list[int]
    ended: int | None = None
    """The index of the step that ended the call (hung up or a dead end), if any."""

    def elapsed(self, index: int) -> float:
        return (self.steps[index].at - self.origin).total_seconds()

    @property
    def total(self) -> float:
        return self.spans[-1].end if self.spans else 0.0


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _prompt_key(step: Step) -> str:
    return " ".join(str(step.data.get("prompt", "")).lower().split())


def shape_call(steps: Sequence[Step]) -> CallShape:
    """Order the steps and work out spans, menu levels, loops and the tree's indents.

    The spans follow the rules of `shopper.domain.instruments.phone_figures`:
    menus from dialling, hold from "on hold" or a transfer, talking from a
    person answering; a hold that ends goes back to talking once a person has
    answered, else to menus. Nothing after the end of the call counts.
    """
    ordered = sorted(steps, key=lambda s: _utc(s.at))
    start = next((i for i, s in enumerate(ordered) if s.kind == PhoneStep.CALL_START), None)
    origin = _utc(ordered[start].at if start is not None else ordered[0].at) if ordered else None
    spans: list[Span] = []
    if start is not None and origin is not None:
        spans = _spans(ordered, start, origin)
    levels, loops, indents, ended = _tree(ordered)
    return CallShape(ordered, origin or datetime.now(UTC), spans, levels, loops, indents, ended)


def _spans(ordered: list[Step], start: int, origin: datetime) -> list[Span]:
    spans: list[Span] = []
    state, began, since = "menus", start, 0.0
    human = False
    last = 0.0
    for index in range(start + 1, len(ordered)):
        step = ordered[index]
        kind = step.kind
        if kind == PhoneStep.CALL_START:
            continue  # a second "call started" changes nothing (as in the figures)
        at = last = (_utc(step.at) - origin).total_seconds()
        if kind not in _BEGINS and kind not in _ENDS:
            continue
        spans.append(Span(state, since, at, began))
        since, began = at, index
        if kind in _ENDS:
            return spans
        if kind == PhoneStep.MENU:
            state = "menus"
        elif kind in (PhoneStep.HOLD_START, PhoneStep.TRANSFER):
            state = "hold"
        elif kind == PhoneStep.HOLD_END:
            state = "talking" if human else "menus"
        elif kind == PhoneStep.HUMAN:
            human, state = True, "talking"
    if last > since:
        # No end yet: the figures count the last state up to the last step recorded.
        spans.append(Span(state, since, last, began))
    return spans


def _tree(ordered: list[Step]) -> tuple[list[int], dict[int, int], list[int], int | None]:
    """Menu levels, loops, indents, and the index of the step that ended the call.

    A menu prompt is drawn at its level, counted as the figures count depth
    (`MenuTree`: a prompt heard before goes back to its level); any other step
    hangs under the last prompt, or, once a person answered, stays beside that
    person until the next prompt.
    As in the figures, a second "call started" changes nothing, and nothing
    after the end of the call counts.
    """
    levels: list[int] = []
    indents: list[int] = []
    loops: dict[int, int] = {}
    heard: dict[str, int] = {}
    run, talk = 0, 1
    tree = MenuTree()
    started = False
    ended: int | None = None
    for index, step in enumerate(ordered):
        kind = step.kind
        level = 0
        if ended is not None:
            indent = talk
        elif kind == PhoneStep.CALL_START:
            indent, started = 0, True
        elif kind == PhoneStep.MENU:
            level, _again = tree.prompt(step.data)
            indent = run = level
            key = _prompt_key(step)
            if key and key in heard:
                loops[index] = heard[key]
            heard.setdefault(key, index)
        else:
            indent = run + 1 if run else talk
            if kind == PhoneStep.HUMAN:
                talk, run = indent, 0
                tree.person()
            elif kind in _ENDS and started:
                ended = index
        levels.append(level)
        indents.append(indent)
    return levels, loops, indents, ended


# -- the boxes' texts -----------------------------------------------------------------


def call_nodes(shape: CallShape, redact: Callable[[str], str]) -> list[CallNode]:
    """One node per step, with its texts redacted, clipped and escaped."""
    sheet = styles()
    durations = _durations(shape)
    nodes = []
    for index, step in enumerate(shape.steps):
        head = f"<b>{markup(_title(shape, index))}</b>"
        key = step_text(step, "key")
        if step.kind == PhoneStep.MENU and key:
            head += f" · pressed <b>{markup(one_line(redact(key), KEY_LIMIT))}</b>"
        if index in durations:
            head += _muted(markup(f" · {durations[index]}"))
        paragraphs = [Paragraph(head, sheet.node_head)]
        for text, muted in _details(shape, index, redact):
            paragraphs.append(Paragraph(text if not muted else _muted(text), sheet.node))
        nodes.append(
            CallNode(
                kind=step.kind,
                elapsed=shape.elapsed(index),
                indent=min(shape.indents[index], MAX_INDENT),
                paragraphs=paragraphs,
            )
        )
    return nodes


def _muted(text_markup: str) -> str:
    return colored(text_markup, MUTED)


def _title(shape: CallShape, index: int) -> str:
    step = shape.steps[index]
    label = STEP_LABELS.get(step.kind, step.kind.replace("_", " ").capitalize())
    if step.kind == PhoneStep.MENU and shape.levels[index]:
        label = f"Menu · level {shape.levels[index]}"
    return f"{index + 1}. {label}"


def _durations(shape: CallShape) -> dict[int, str]:
    """What each step that changed the call's state led to, e.g. "2:30 on hold"."""
    result: dict[int, str] = {}
    for span in shape.spans:
        index, state, seconds = span.step, span.state, span.end - span.start
        kind = shape.steps[index].kind
        if kind == PhoneStep.CALL_START:
            result[index] = f"answered after {clock(seconds)}"
        elif kind == PhoneStep.MENU:
            result[index] = f"{clock(seconds)} in this menu"
        elif kind == PhoneStep.HOLD_END:
            result[index] = f"then {clock(seconds)} {_STATE_LABELS[state]}"
        elif kind == PhoneStep.TRANSFER:
            result[index] = f"then {clock(seconds)} on hold"
        else:
            result[index] = f"{clock(seconds)} {_STATE_LABELS[state]}"
    return result


def _details(shape: CallShape, index: int, redact: Callable[[str], str]) -> list[tuple[str, bool]]:
    """The lines under a box's title, as (markup, muted)."""
    step = shape.steps[index]
    lines: list[tuple[str, bool]] = []
    if step.kind == PhoneStep.MENU:
        prompt = step_text(step, "prompt").strip()
        if prompt:
            shown, _cut = clip(" ".join(redact(prompt).split()), PROMPT_LIMIT)
            lines.append((markup(f"“{shown}”"), False))
        else:
            lines.append((markup("Prompt not noted."), True))
        options = step_text(step, "options").strip()
        count = option_count(step.data)
        if options and not options.isdigit():
            heard = one_line(redact(options), OPTIONS_LIMIT)
            lines.append((markup(f"Options ({count}): {heard}"), True))
        elif count is not None:
            lines.append((markup(f"{count} options read out"), True))
        if index in shape.loops:
            earlier = shape.loops[index] + 1
            loop = markup(f"↺ The same prompt as step {earlier}: the menu looped.")
            lines.append((colored(loop, BAD), False))
    elif step.kind == PhoneStep.HUMAN:
        name = step_text(step, "name").strip()
        if name:
            lines.append((markup(f"Name: {one_line(redact(name), NAME_LIMIT)}"), False))
    elif step.kind == PhoneStep.REPEAT:
        what = step_text(step, "what").strip()
        if what:
            lines.append((markup(f"Information: {one_line(redact(what), NOTE_LIMIT)}"), False))
    elif step.kind == PhoneStep.DEAD_END:
        lines.append((markup("The call could not go on from here."), False))
    note = step_text(step, "note").strip()
    if note:
        lines.append((markup(clip(redact(note), NOTE_LIMIT)[0]), False))
    if shape.ended is not None and index > shape.ended:
        lines.append((markup("After the end of the call: not counted."), True))
    return lines


# -- the map ---------------------------------------------------------------------------


class CallMap(Flowable):
    """The call as a tree of boxes, splitting between steps across pages.

    Args:
        nodes: every step of the call (from `call_nodes`).
        start, stop: the steps this part of the map draws.
        continued: whether an earlier part was drawn on a previous page.
    """

    def __init__(
        self,
        nodes: Sequence[CallNode],
        start: int = 0,
        stop: int | None = None,
        *,
        continued: bool = False,
    ) -> None:
        super().__init__()
        self.nodes = list(nodes)
        self.start = start
        self.stop = len(self.nodes) if stop is None else stop
        self.continued = continued
        self.parents = _parents([n.indent for n in self.nodes])
        self._laid_out_for: float | None = None
        self._heights: list[float] = []
        self.width = 0.0
        self.height = 0.0

    def _top_room(self) -> float:
        return CONTINUED_H if self.continued else 0.0

    def _box_x(self, node: CallNode) -> float:
        return GUTTER + node.indent * INDENT + 8

    def _layout(self, width: float) -> None:
        if self._laid_out_for == width:
            return
        self._heights = []
        for node in self.nodes[self.start : self.stop]:
            inner = width - self._box_x(node) - ACCENT_W - 2 * PAD
            height = 2 * PAD
            for number, paragraph in enumerate(node.paragraphs):
                _w, h = paragraph.wrap(inner, 10_000)
                height += h + (1.5 if number else 0)
            self._heights.append(height)
        self._laid_out_for = width
        self.width = width
        self.height = self._top_room() + sum(self._heights) + GAP * max(len(self._heights) - 1, 0)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self._layout(availWidth)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        self._layout(availWidth)
        if self.height <= availHeight:
            return [self]
        used, fits = self._top_room(), 0
        for height in self._heights:
            if used + height > availHeight:
                break
            used += height + GAP
            fits += 1
        if fits == 0:
            return []
        if fits > 1 and fits == len(self._heights) - 1:
            fits -= 1  # no step alone at the top of a page
        cut = self.start + fits
        return [
            CallMap(self.nodes, self.start, cut, continued=self.continued),
            CallMap(self.nodes, cut, self.stop, continued=True),
        ]

    def draw(self) -> None:
        drawing = Drawing(self.width, self.height)
        tops: dict[int, float] = {}
        y = self.height - self._top_room()
        if self.continued:
            drawing.add(
                String(
                    GUTTER,
                    self.height - 9,
                    "Call map, continued",
                    fontName=SANS,
                    fontSize=7.5,
                    fillColor=MUTED,
                )
            )
        for offset, height in enumerate(self._heights):
            tops[self.start + offset] = y
            y -= height + GAP
        self._connectors(drawing, tops)
        for index, top in tops.items():
            self._box(drawing, self.nodes[index], top, self._heights[index - self.start])
        renderPDF.draw(drawing, self.canv, 0, 0)
        for index, top in tops.items():
            node = self.nodes[index]
            x = self._box_x(node) + ACCENT_W + PAD
            y = top - PAD
            for number, paragraph in enumerate(node.paragraphs):
                y -= 1.5 if number else 0
                _w, h = paragraph.wrap(self.width - x - PAD, 10_000)
                y -= h
                paragraph.drawOn(self.canv, x, y)

    def _box(self, drawing: Drawing, node: CallNode, top: float, height: float) -> None:
        x = self._box_x(node)
        color = node.color
        drawing.add(
            Rect(
                x,
                top - height,
                self.width - x,
                height,
                rx=2.5,
                ry=2.5,
                fillColor=_tint(color, 0.92),
                strokeColor=_tint(color, 0.6),
                strokeWidth=0.5,
            )
        )
        drawing.add(Rect(x, top - height, ACCENT_W, height, fillColor=color, strokeColor=None))
        drawing.add(
            String(
                GUTTER - 8,
                top - TAG_OFFSET - 2.5,
                clock(node.elapsed),
                fontName=SANS,
                fontSize=7.5,
                fillColor=INK,
                textAnchor="end",
            )
        )
        drawing.add(
            Circle(x, top - TAG_OFFSET, 2.6, fillColor=color, strokeColor=white, strokeWidth=0.8)
        )

    def _connectors(self, drawing: Drawing, tops: dict[int, float]) -> None:
        """Lines from each step's parent down and across to it, cut at this part's edges."""
        heights = {i: self._heights[i - self.start] for i in tops}
        trunks: dict[int, tuple[float, float, float]] = {}  # parent -> x, top, lowest
        for child, parent in enumerate(self.parents):
            if parent is None or child < self.start or parent >= self.stop:
                continue
            x = self._box_x(self.nodes[parent]) + 7
            # From a step on an earlier page the line starts under the "continued" label.
            top = tops[parent] - heights[parent] if parent in tops else self.height - CONTINUED_H
            if child in tops:
                y = tops[child] - TAG_OFFSET
                drawing.add(
                    Line(x, y, self._box_x(self.nodes[child]), y, strokeColor=RULE, strokeWidth=1)
                )
            else:
                y = 0.0  # the child is on a later page: the line runs on down
            lowest = min(trunks.get(parent, (x, top, y))[2], y)
            trunks[parent] = (x, top, lowest)
        for x, top, lowest in trunks.values():
            drawing.add(Line(x, top, x, lowest, strokeColor=RULE, strokeWidth=1))


def _parents(indents: Sequence[int]) -> list[int | None]:
    """For each step, the nearest earlier step one level further out (None at the root)."""
    parents: list[int | None] = []
    for index, indent in enumerate(indents):
        parent = None
        for earlier in range(index - 1, -1, -1):
            if indents[earlier] < indent:
                parent = earlier
                break
        parents.append(parent)
    return parents


# -- where the time went -------------------------------------------------------------------

_TICKS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


def call_timeline(shape: CallShape, *, width: float) -> Drawing | None:
    """One bar across the call, in menus / on hold / talking, with a tick per event.

    Returns None when the call has no measurable length (not started, or no
    step after the start).
    """
    total = shape.total
    if total <= 0:
        return None
    bar_y, bar_h = 24.0, 13.0
    drawing = Drawing(width, 64)
    scale = width / total

    def x_of(seconds: float) -> float:
        return max(0.0, min(width, seconds * scale))

    drawing.add(Rect(0, bar_y, width, bar_h, fillColor=_tint(NEUTRAL, 0.7), strokeColor=None))
    for span in shape.spans:
        left, right = x_of(span.start), x_of(span.end)
        if right > left:
            drawing.add(
                Rect(
                    left,
                    bar_y,
                    right - left,
                    bar_h,
                    fillColor=_STATE_COLORS[span.state],
                    strokeColor=white,
                    strokeWidth=0.4,
                )
            )
    for index, step in enumerate(shape.steps):
        seconds = shape.elapsed(index)
        if seconds < 0 or seconds > total:
            continue
        _event_mark(drawing, step.kind, x_of(seconds), bar_y + bar_h + 1.5)
    step_s = next((t for t in _TICKS if total / t <= 8), _TICKS[-1] * max(1, int(total // 57600)))
    tick = 0.0
    while tick <= total + 0.5:
        x = x_of(tick)
        drawing.add(Line(x, bar_y - 2, x, bar_y, strokeColor=MUTED, strokeWidth=0.5))
        anchor = "start" if tick == 0 else ("end" if x > width - 12 else "middle")
        if total - tick > step_s * 0.35 or tick == 0:
            drawing.add(
                String(
                    x,
                    bar_y - 10,
                    clock(tick),
                    fontName=SANS,
                    fontSize=7,
                    fillColor=MUTED,
                    textAnchor=anchor,
                )
            )
        tick += step_s
    drawing.add(
        String(
            width,
            bar_y - 10,
            clock(total),
            fontName=SANS,
            fontSize=7,
            fillColor=INK,
            textAnchor="end",
        )
    )
    _legend(drawing, shape, y=bar_y + bar_h + 14)
    return drawing


def _event_mark(drawing: Drawing, kind: str, x: float, y: float) -> None:
    color = _kind_color(kind)
    if kind == PhoneStep.MENU:
        drawing.add(
            Polygon([x - 2.5, y + 5, x + 2.5, y + 5, x, y], fillColor=color, strokeColor=None)
        )
    elif kind == PhoneStep.HUMAN:
        drawing.add(Circle(x, y + 3, 2.6, fillColor=color, strokeColor=None))
    elif kind == PhoneStep.TRANSFER:
        drawing.add(
            Polygon([x, y + 6, x + 3, y + 3, x, y, x - 3, y + 3], fillColor=color, strokeColor=None)
        )
    elif kind in (PhoneStep.DEAD_END, PhoneStep.REPEAT):
        drawing.add(Line(x - 2.5, y, x + 2.5, y + 5, strokeColor=color, strokeWidth=1.2))
        drawing.add(Line(x - 2.5, y + 5, x + 2.5, y, strokeColor=color, strokeWidth=1.2))


def _legend(drawing: Drawing, shape: CallShape, *, y: float) -> None:
    totals = dict.fromkeys(_STATE_LABELS, 0.0)
    for span in shape.spans:
        totals[span.state] += span.end - span.start
    x = 0.0
    for state, label in (("menus", "Menus"), ("hold", "On hold"), ("talking", "Talking")):
        drawing.add(Rect(x, y, 8, 8, fillColor=_STATE_COLORS[state], strokeColor=None))
        text = f"{label} {clock(totals[state])}"
        drawing.add(String(x + 11, y + 1, text, fontName=SANS, fontSize=7.5, fillColor=INK))
        x += 11 + stringWidth(text, SANS, 7.5) + 14
    x += 10
    for kind, label in (
        (PhoneStep.MENU, "menu prompt"),
        (PhoneStep.HUMAN, "person"),
        (PhoneStep.TRANSFER, "transfer"),
        (PhoneStep.REPEAT, "asked again / dead end"),
    ):
        _event_mark(drawing, kind, x + 3, y + 1)
        drawing.add(String(x + 9, y + 1, label, fontName=SANS, fontSize=7, fillColor=MUTED))
        x += 9 + stringWidth(label, SANS, 7) + 12
