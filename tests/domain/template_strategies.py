"""Hypothesis strategies for valid checklist templates (every rule of docs/templates.md).

Shared by the writer's round-trip test and the XLSForm tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st

from shopper.domain.template import (
    TOUCHPOINTS,
    Band,
    Item,
    ItemText,
    ItemType,
    Later,
    Option,
    Scale,
    Section,
    ShowIf,
    Target,
    Template,
    language_matches,
)

_XLSFORM: ContextVar[bool] = ContextVar("xlsform", default=False)


@contextmanager
def xlsform_friendly() -> Iterator[None]:
    """Draw only what an XLSForm workbook keeps exactly: ids that are XLSForm names (items
    and sections apart), option keys without spaces, text without spaces around it (cells
    are trimmed), non-breaking spaces (pyxform makes them spaces) or a `$` (pyxform reads
    `${x}` in a label), and numbers without exponents."""
    token = _XLSFORM.set(True)
    try:
        yield
    finally:
        _XLSFORM.reset(token)


def ids(prefix: str = "") -> st.SearchStrategy[str]:
    if _XLSFORM.get():
        return st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).map(lambda s: prefix + s)
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,12}", fullmatch=True)


themes = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
# Any character but lone surrogates (not text in UTF-8): line breaks, tabs, controls and
# characters YAML treats specially all have to survive the trip.
_chars = st.characters(codec="utf-8")
numbers = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False) | st.integers(-1000, 1000).map(
    float
)


def texts(*, required: bool = False, limit: int = 60) -> st.SearchStrategy[str]:
    if _XLSFORM.get():
        said = st.text(
            st.characters(codec="utf-8", categories=["L", "N", "P", "Sm"], include_characters=" "),
            max_size=limit,
        ).map(str.strip)
        said = said.filter(lambda text: "  " not in text)  # pyxform may join runs of spaces
        return said.filter(bool) if required else said
    plain = st.text(_chars, min_size=1 if required else 0, max_size=limit)
    if required:
        return plain.filter(lambda s: bool(s.strip()))
    return plain


languages = st.sampled_from(["French (fr)", "fr", "Deutsch (de)", "English", "Español (es)"]) | (
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(
        lambda s: s.isprintable() and s == s.strip()
    )
)


def _words(draw: st.DrawFn, langs: list[str]) -> tuple[tuple[str, str], ...]:
    chosen = sorted(draw(st.lists(st.sampled_from(langs), unique=True))) if langs else []
    return tuple((name, draw(texts(required=True, limit=30))) for name in chosen)


@st.composite
def options(draw: st.DrawFn, *, scored: bool, langs: list[str]) -> tuple[Option, ...]:
    key_texts = ids() if _XLSFORM.get() else texts(required=True, limit=20)
    keys = draw(
        st.lists(
            key_texts.filter(lambda k: k != "na"),
            min_size=2,
            max_size=5,
            unique=True,
        )
    )
    found = []
    for key in keys:
        label = draw(st.one_of(st.just(key), texts(required=True, limit=40)))
        score = draw(st.floats(0, 1)) if scored else draw(st.none() | st.floats(0, 1))
        found.append(Option(key, label, score, _words(draw, langs)))
    return tuple(found)


def _answers_of(item: Item) -> st.SearchStrategy[Any]:
    """Possible answers of `item` a show_if may name (in stored form)."""
    choices: list[st.SearchStrategy[Any]] = []
    if item.allow_na:
        choices.append(st.just("na"))
    if item.type is ItemType.YES_NO:
        choices.append(st.sampled_from(["yes", "no"]))
    elif item.type in (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE):
        choices.append(st.sampled_from([o.key for o in item.options]))
    elif item.type is ItemType.RATING:
        assert item.scale is not None
        choices.append(st.integers(item.scale.min, item.scale.max))
    elif item.type is ItemType.COUNT:
        choices.append(st.integers(0, 100))
    elif item.type in (ItemType.NUMBER, ItemType.DURATION):
        choices.append(
            st.integers(-5, 5)
            | st.floats(-100, 100, allow_nan=False).filter(lambda v: "e" not in repr(v))
        )
    elif _XLSFORM.get():
        choices.append(ids())
    else:
        choices.append(texts(required=True, limit=10))
    return st.one_of(choices)


@st.composite
def items(
    draw: st.DrawFn, item_id: str, section_id: str, earlier: list[Item], langs: list[str]
) -> Item:
    kind = draw(st.sampled_from(list(ItemType)))
    if kind is ItemType.INFO:  # its text, help, words in other languages and a show-if only
        item = Item(
            id=item_id,
            prompt=draw(texts(required=True)),
            type=kind,
            help=draw(texts()),
            weight=0.0,
            section_id=section_id,
        )
        return _worded_and_shown(draw, item, earlier, langs)
    item = Item(
        id=item_id,
        prompt=draw(texts(required=True)),
        type=kind,
        help=draw(texts()),
        weight=draw(st.sampled_from([0.0, 1.0, 2.0]) | st.floats(0, 1e6)),
        required=draw(st.booleans()),
        theme=draw(st.just("") | themes),
        allow_na=kind is not ItemType.TEXT and draw(st.booleans()),
        section_id=section_id,
    )
    if kind is ItemType.YES_NO:
        item = replace(item, pass_answer=draw(st.sampled_from(["yes", "no"])))
    elif kind in (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE):
        item = replace(item, options=draw(options(scored=draw(st.booleans()), langs=langs)))
    elif kind is ItemType.RATING:
        low = draw(st.integers(0, 9))
        high = draw(st.integers(low + 1, 10))
        item = replace(item, scale=Scale(low, high, draw(texts(limit=20)), draw(texts(limit=20))))
    if kind in (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION) and draw(st.booleans()):
        good, bad = draw(st.lists(numbers, min_size=2, max_size=2, unique=True))
        item = replace(item, target=Target(good, bad))
    if kind in (ItemType.NUMBER, ItemType.COUNT):
        bounds = sorted(draw(st.lists(numbers, min_size=2, max_size=2)))
        item = replace(
            item,
            minimum=bounds[0] if draw(st.booleans()) else None,
            maximum=bounds[1] if draw(st.booleans()) else None,
            unit=draw(texts(limit=10)),
        )
    if item.scored and draw(st.booleans()):
        item = replace(item, critical=True)
    item = _worded_and_shown(draw, item, earlier, langs)
    waits = kind in (ItemType.YES_NO, ItemType.SINGLE_CHOICE, ItemType.COUNT)
    if item.required and waits and draw(st.booleans()):
        if kind is ItemType.YES_NO:
            otherwise: Any = draw(st.sampled_from(["yes", "no"]))
        elif kind is ItemType.SINGLE_CHOICE:
            otherwise = draw(st.sampled_from([o.key for o in item.options]))
        else:
            low = 0 if item.minimum is None else max(0, int(item.minimum) + 1)
            otherwise = low
            if item.maximum is not None and otherwise > item.maximum:
                return item
        later = Later(draw(st.integers(1, 366)), draw(st.booleans()), otherwise)
        item = replace(item, later=later)
    return item


def _worded_and_shown(draw: st.DrawFn, item: Item, earlier: list[Item], langs: list[str]) -> Item:
    """The item with its words in some of the languages, and perhaps a show-if on an earlier
    item that can be depended on."""
    if langs:
        said = []
        for name in sorted(draw(st.lists(st.sampled_from(langs), unique=True))):
            prompt, help_text = draw(st.sampled_from([(1, 0), (0, 1), (1, 1)]))
            said.append(
                ItemText(
                    name,
                    draw(texts(required=True)) if prompt else "",
                    draw(texts(required=True)) if help_text else "",
                )
            )
        item = replace(item, translations=tuple(said))
    sources = [e for e in earlier if e.type not in (ItemType.DATETIME, ItemType.INFO)]
    if bool(sources) and draw(st.booleans()):
        source = draw(st.sampled_from(sources))
        values = draw(st.lists(_answers_of(source), min_size=1, max_size=3))
        item = replace(item, show_if=ShowIf(source.id, tuple(values), draw(st.booleans())))
    return item


@st.composite
def templates(draw: st.DrawFn, *, max_items: int = 6) -> Template:
    """A template the loader accepts, with its fields spread over everything allowed."""
    item_ids = draw(st.lists(ids("q"), min_size=1, max_size=max_items, unique=True))
    section_ids = draw(st.lists(ids("s"), min_size=1, max_size=min(3, len(item_ids)), unique=True))
    cuts: list[int] = []
    if len(item_ids) > 1:
        cuts = sorted(
            draw(st.sets(st.integers(1, len(item_ids) - 1), max_size=len(section_ids) - 1))
        )
    groups = [item_ids[a:b] for a, b in zip([0, *cuts], [*cuts, len(item_ids)], strict=True)]
    if _XLSFORM.get():
        own = draw(st.sampled_from(["", "English (en)", "English"]))
        choose = st.sampled_from(["French (fr)", "Deutsch (de)", "Español"])
    else:
        own = draw(st.just("") | languages)
        choose = languages
    langs = draw(
        st.lists(choose.filter(lambda n: not language_matches(n, own)), max_size=3, unique=True)
    )
    earlier: list[Item] = []
    sections = []
    for section_id, group in zip(section_ids, groups, strict=False):
        made = []
        for item_id in group:
            item = draw(items(item_id, section_id, earlier, langs))
            made.append(item)
            earlier.append(item)
        sections.append(
            Section(
                section_id,
                draw(texts(required=True)),
                tuple(made),
                draw(texts()),
                _words(draw, langs),
            )
        )
    bands: tuple[Band, ...] | None = None
    if draw(st.booleans()):
        names = draw(st.lists(texts(required=True, limit=20), min_size=0, max_size=3))
        mins = [0.0, *(draw(st.floats(0, 100)) for _ in names)]
        bands = tuple(
            sorted(
                (
                    Band(name, low, draw(st.booleans()))
                    for name, low in zip(
                        [draw(texts(required=True, limit=20)), *names], mins, strict=True
                    )
                ),
                key=lambda b: b.min_percent,
                reverse=True,
            )
        )
    template = Template(
        id=str(draw(st.uuids())),
        version=draw(st.integers(1, 1_000_000)),
        title=draw(texts(required=True)),
        touchpoint=draw(st.sampled_from(list(TOUCHPOINTS))),
        sections=tuple(sections),
        description=draw(texts(limit=200)),
        language=own,
    )
    if bands is not None:
        template = replace(template, bands=bands)
    return template
