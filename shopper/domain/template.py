"""Checklist templates: sections of items, each with a type, weight and rules.

The file format is documented in docs/templates.md; `template_loader` turns a
file into these immutable objects after validating every field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

# The vocabulary lives apart so the GUI can paint before this module loads; re-exported.
from shopper.domain.vocabulary import (  # noqa: F401
    KNOWN_THEMES,
    TOUCHPOINTS,
    theme_label,
    touchpoint_label,
)

FORMAT_VERSION = 1

NA = "na"
"""The stored value of a "not applicable" answer, for every type that allows it."""


class ItemType(StrEnum):
    YES_NO = "yes_no"
    RATING = "rating"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    NUMBER = "number"
    COUNT = "count"
    DURATION = "duration"
    DATETIME = "datetime"
    TEXT = "text"
    INFO = "info"
    """Text the shopper reads at that point of the checklist: never answered or scored."""

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    ItemType.YES_NO: "Yes / No",
    ItemType.RATING: "Rating scale",
    ItemType.SINGLE_CHOICE: "Single choice",
    ItemType.MULTI_CHOICE: "Multiple choice",
    ItemType.NUMBER: "Number",
    ItemType.COUNT: "Count",
    ItemType.DURATION: "Duration",
    ItemType.DATETIME: "Date and time",
    ItemType.TEXT: "Free text",
    ItemType.INFO: "Information",
}


def language_matches(name: str, wanted: str) -> bool:
    """Whether a template's language `name` is the language `wanted`.

    Languages are named as in XLSForm, "French (fr)", or by their code alone, "fr";
    either form matches the other (case aside): "fr" picks "French (fr)".
    """
    if not name or not wanted:
        return False
    a, b = name.strip().casefold(), wanted.strip().casefold()
    return a == b or _language_code(a) == _language_code(b)


def _language_code(name: str) -> str:
    if name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1 : -1].strip()
    return name


def _in(language: str, base: str, translations: tuple[tuple[str, str], ...]) -> str:
    if language:
        for name, text in translations:
            if text and language_matches(name, language):
                return text
    return base


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    score: float | None = None
    """Share of the item's weight earned by choosing this option (0..1), or None."""
    translations: tuple[tuple[str, str], ...] = ()
    """(language, label) in the template's other languages."""

    def label_in(self, language: str) -> str:
        """The label in `language` if the template has it, else the label."""
        return _in(language, self.label, self.translations)


@dataclass(frozen=True)
class ItemText:
    """An item's words in another language; an empty field falls back to the default."""

    language: str
    prompt: str = ""
    help: str = ""


@dataclass(frozen=True)
class ShowIf:
    """Show an item only when another item's answer is (or is not) one of `values`."""

    item: str
    values: tuple[Any, ...]
    negate: bool = False

    def matches(self, answer: Any) -> bool:
        """Whether the condition holds for the controlling item's answer.

        An unanswered controlling item never shows the dependent item. For a
        multiple-choice answer, "equals X" means X is among the selections.
        """
        if answer is None:
            return False
        if isinstance(answer, list):
            hit = any(v in answer for v in self.values)
        else:
            hit = answer in self.values
        return hit != self.negate


@dataclass(frozen=True)
class Later:
    """An item answered after a wait: "did they follow up within 5 working days?".

    The audit can be completed without it, as awaiting follow-up; the item is answered
    when the follow-up comes, and once the window has passed unanswered it takes
    `otherwise` (for a yes/no item, the failing answer).

    Attributes:
        days: how long the window is.
        working: counted in the company's working days (else calendar days).
        otherwise: the answer when the window passes with none, in stored form.
    """

    days: int
    working: bool
    otherwise: Any

    @property
    def description(self) -> str:
        """ "5 working days", "1 day"."""
        noun = "working day" if self.working else "day"
        return f"{self.days} {noun}{'' if self.days == 1 else 's'}"


@dataclass(frozen=True)
class Target:
    """Linear scoring of a number: full points at `good`, none at `bad`."""

    good: float
    bad: float

    def fraction(self, value: float) -> float:
        if self.good == self.bad:
            return 1.0 if value == self.good else 0.0
        share = (self.bad - value) / (self.bad - self.good)
        return max(0.0, min(1.0, share))


@dataclass(frozen=True)
class Scale:
    min: int = 1
    max: int = 5
    min_label: str = ""
    max_label: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    prompt: str
    type: ItemType
    help: str = ""
    weight: float = 1.0
    required: bool = False
    critical: bool = False
    theme: str = ""
    allow_na: bool = False
    pass_answer: str = "yes"
    """For yes/no items: the answer that earns the points ("yes" or "no")."""
    options: tuple[Option, ...] = ()
    scale: Scale | None = None
    target: Target | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    show_if: ShowIf | None = None
    section_id: str = ""
    later: Later | None = None
    """Answered after a wait (a follow-up), if it is; see `Later`."""
    translations: tuple[ItemText, ...] = ()
    """The prompt and help in the template's other languages."""

    def prompt_in(self, language: str) -> str:
        """The prompt in `language` if the template has it, else the prompt."""
        return _in(language, self.prompt, tuple((t.language, t.prompt) for t in self.translations))

    def help_in(self, language: str) -> str:
        """The help in `language` if the template has it, else the help."""
        return _in(language, self.help, tuple((t.language, t.help) for t in self.translations))

    @property
    def type_label(self) -> str:
        """What kind of answer it takes, as offered: "Yes / No / N/A" only with N/A."""
        if self.type is ItemType.YES_NO and self.allow_na:
            return "Yes / No / N/A"
        return self.type.label

    @property
    def answerable(self) -> bool:
        """Whether the item asks something: every type but an information item."""
        return self.type is not ItemType.INFO

    @property
    def scored(self) -> bool:
        """Whether an answer to this item earns points."""
        if self.weight <= 0 or self.type is ItemType.INFO:
            return False
        if self.type in (ItemType.YES_NO, ItemType.RATING):
            return True
        if self.type in (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE):
            return any(o.score is not None for o in self.options)
        if self.type in (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION):
            return self.target is not None
        return False

    def option(self, key: str) -> Option | None:
        for opt in self.options:
            if opt.key == key:
                return opt
        return None


@dataclass(frozen=True)
class Band:
    """A score band: audits scoring at least `min_percent` fall in it (highest first)."""

    name: str
    min_percent: float
    passed: bool


DEFAULT_BANDS = (
    Band("Good", 80.0, True),
    Band("Needs work", 60.0, True),
    Band("Fail", 0.0, False),
)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]
    description: str = ""
    translations: tuple[tuple[str, str], ...] = ()
    """(language, title) in the template's other languages."""

    def title_in(self, language: str) -> str:
        """The title in `language` if the template has it, else the title."""
        return _in(language, self.title, self.translations)

    @property
    def questions(self) -> tuple[Item, ...]:
        """The items that ask something (information items left out), in order."""
        return tuple(item for item in self.items if item.answerable)


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    title: str
    touchpoint: str
    sections: tuple[Section, ...]
    description: str = ""
    bands: tuple[Band, ...] = DEFAULT_BANDS
    language: str = ""
    """The language of the texts written without one ("English (en)"), if named."""
    _index: Mapping[str, Item] = field(default_factory=dict, compare=False, repr=False)
    _section_at: Mapping[str, int] = field(init=False, compare=False, repr=False)
    _shows: Mapping[str, tuple[str, ...]] = field(init=False, compare=False, repr=False)
    _shown_by: dict[str, frozenset[str]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = {item.id: item for section in self.sections for item in section.items}
        object.__setattr__(self, "_index", index)
        at = {item.id: n for n, section in enumerate(self.sections) for item in section.items}
        object.__setattr__(self, "_section_at", at)
        shows: dict[str, list[str]] = {}
        for item in index.values():
            if item.show_if is not None:
                shows.setdefault(item.show_if.item, []).append(item.id)
        object.__setattr__(self, "_shows", {k: tuple(v) for k, v in shows.items()})
        object.__setattr__(self, "_shown_by", {})

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def questions(self) -> Iterator[Item]:
        """The items that ask something (information items left out), in order."""
        return (item for item in self.items() if item.answerable)

    def item(self, item_id: str) -> Item:
        return self._index[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._index

    @property
    def section_numbers(self) -> Mapping[str, int]:
        """Each item's id -> the position in `sections` of the section that holds it."""
        return self._section_at

    def shown_by(self, item_id: str) -> frozenset[str]:
        """The items whose display depends on this item's answer: their show-if names it, or
        names an item that depends on it, and so on. Worked out once per item."""
        found = self._shown_by.get(item_id)
        if found is None:
            seen: set[str] = set()
            todo = list(self._shows.get(item_id, ()))
            while todo:  # iterative: a long chain must not hit the recursion limit
                current = todo.pop()
                if current not in seen:
                    seen.add(current)
                    todo.extend(self._shows.get(current, ()))
            found = self._shown_by[item_id] = frozenset(seen)
        return found

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def band_for(self, percent: float) -> Band:
        """The band with the highest `min_percent` the score reaches.

        A tolerance of 1e-9 keeps float noise (59.99999999999999 for an exact
        60 %) from dropping a score into the band below.
        """
        for band in sorted(self.bands, key=lambda b: b.min_percent, reverse=True):
            if percent >= band.min_percent - 1e-9:
                return band
        return self.bands[-1]

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the template has words in: its own first, then in order of use."""
        found: dict[str, None] = {self.language: None} if self.language else {}
        for section in self.sections:
            found.update((name, None) for name, _ in section.translations)
            for item in section.items:
                found.update((t.language, None) for t in item.translations)
                for option in item.options:
                    found.update((name, None) for name, _ in option.translations)
        return tuple(found)

    def in_language(self, language: str) -> Template:
        """The template with its words in `language` where it has them (the others stay
        as they are): for showing and printing. Ids, keys, scores and rules are the same,
        so answers and scores are too."""
        if not language or language_matches(self.language, language):
            return self
        if not any(language_matches(name, language) for name in self.languages):
            return self

        def item_in(item: Item) -> Item:
            options = tuple(replace(o, label=o.label_in(language)) for o in item.options)
            return replace(
                item, prompt=item.prompt_in(language), help=item.help_in(language), options=options
            )

        sections = tuple(
            replace(s, title=s.title_in(language), items=tuple(item_in(i) for i in s.items))
            for s in self.sections
        )
        return replace(self, sections=sections)

    @property
    def item_count(self) -> int:
        """Every item of the checklist, information items too (what the editor's tree holds)."""
        return len(self._index)

    @property
    def question_count(self) -> int:
        """The items that ask something."""
        return sum(1 for _ in self.questions())
