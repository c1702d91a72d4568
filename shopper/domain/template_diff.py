"""What changed between two versions of a checklist: items added, removed, reworded,
reweighted, moved or otherwise changed.

Items are matched by id, as comparisons line audits up across versions (docs/templates.md:
keep an item's id when you reword it). An item is "moved" when it went to another section,
or when it no longer keeps its place among the items both versions share.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

from shopper.domain.template import Item, Template


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REWORDED = "reworded"
    REWEIGHTED = "reweighted"
    MOVED = "moved"
    CHANGED = "changed"


_COMPARED_FIELDS = (
    ("type", "type"),
    ("help", "help"),
    ("required", "required"),
    ("critical", "critical"),
    ("theme", "theme"),
    ("allow_na", "N/A"),
    ("pass_answer", "passing answer"),
    ("options", "options"),
    ("scale", "scale"),
    ("target", "target"),
    ("minimum", "min"),
    ("maximum", "max"),
    ("unit", "unit"),
    ("show_if", "show-if"),
    ("later", "follow-up"),
    ("translations", "other languages"),
)
"""The fields besides prompt, weight and place, with the word a change list uses for each."""


@dataclass(frozen=True)
class ItemChange:
    """One change to one item between two versions.

    Attributes:
        kind: what sort of change.
        item_id: the item's id (the same in both versions).
        before: the old value as shown ("" for an added item).
        after: the new value as shown ("" for a removed item).
    """

    kind: ChangeKind
    item_id: str
    before: str = ""
    after: str = ""

    @property
    def text(self) -> str:
        """One line for a list: "reweighted hold_time: 1 → 2"."""
        if self.kind is ChangeKind.ADDED:
            return f"added {self.item_id}: {self.after}"
        if self.kind is ChangeKind.REMOVED:
            return f"removed {self.item_id}: {self.before}"
        if self.kind is ChangeKind.CHANGED:
            return f"changed {self.item_id}: {self.after}"
        return f"{self.kind.value} {self.item_id}: {self.before} → {self.after}"


def diff_templates(old: Template, new: Template) -> list[ItemChange]:
    """Every item change from `old` to `new`: the new version's items in order, then the
    items removed in the old version's order. No change gives an empty list."""
    old_ids = [item.id for item in old.items()]
    new_ids = [item.id for item in new.items()]
    # Items that stayed in their section; one that changed section is moved anyway.
    stayed = {
        i for i in new_ids if old.has_item(i) and old.item(i).section_id == new.item(i).section_id
    }
    shared_old = [i for i in old_ids if i in stayed]
    shared_new = [i for i in new_ids if i in stayed]
    in_place: set[str] = set()
    matcher = difflib.SequenceMatcher(a=shared_old, b=shared_new, autojunk=False)
    for block in matcher.get_matching_blocks():
        in_place.update(shared_new[block.b : block.b + block.size])
    old_sections = {s.id: s.title for s in old.sections}
    new_sections = {s.id: s.title for s in new.sections}
    changes: list[ItemChange] = []
    for item in new.items():
        if not old.has_item(item.id):
            changes.append(ItemChange(ChangeKind.ADDED, item.id, after=item.prompt))
            continue
        before = old.item(item.id)
        if before.prompt != item.prompt:
            changes.append(ItemChange(ChangeKind.REWORDED, item.id, before.prompt, item.prompt))
        if before.weight != item.weight:
            weights = (_number(before.weight), _number(item.weight))
            changes.append(ItemChange(ChangeKind.REWEIGHTED, item.id, *weights))
        if before.section_id != item.section_id:
            changes.append(
                ItemChange(
                    ChangeKind.MOVED,
                    item.id,
                    old_sections.get(before.section_id, before.section_id),
                    new_sections.get(item.section_id, item.section_id),
                )
            )
        elif item.id not in in_place:
            where = new_sections.get(item.section_id, item.section_id)
            places = (
                f"{where}, place {_place(old, before)}",
                f"{where}, place {_place(new, item)}",
            )
            changes.append(ItemChange(ChangeKind.MOVED, item.id, *places))
        changed = _changed_fields(before, item)
        if changed:
            changes.append(ItemChange(ChangeKind.CHANGED, item.id, after=", ".join(changed)))
    for item in old.items():
        if not new.has_item(item.id):
            changes.append(ItemChange(ChangeKind.REMOVED, item.id, before=item.prompt))
    return changes


def _changed_fields(before: Item, after: Item) -> list[str]:
    return [
        word for name, word in _COMPARED_FIELDS if getattr(before, name) != getattr(after, name)
    ]


def _place(template: Template, item: Item) -> int:
    """The item's place in its section, counted from 1."""
    section = template.section(item.section_id)
    return next(n for n, it in enumerate(section.items, 1) if it.id == item.id)


def _number(value: float) -> str:
    return f"{value:g}"
