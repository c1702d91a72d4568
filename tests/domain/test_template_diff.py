"""What changed between two versions of a template (shopper.domain.template_diff)."""

from __future__ import annotations

from dataclasses import replace

from shopper.domain.template import Item, ItemType, Option, Section, ShowIf, Template
from shopper.domain.template_diff import ChangeKind, ItemChange, diff_templates

UUID = "6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f"


def item(item_id: str, section_id: str = "a", **fields: object) -> Item:
    base: dict[str, object] = {"prompt": f"Question {item_id}?", "type": ItemType.YES_NO}
    base.update(fields)
    return Item(id=item_id, section_id=section_id, **base)  # type: ignore[arg-type]


def template(*sections: tuple[str, list[Item]], version: int = 1) -> Template:
    return Template(
        id=UUID,
        version=version,
        title="T",
        touchpoint="phone",
        sections=tuple(
            Section(sid, f"Section {sid}", tuple(replace(i, section_id=sid) for i in items))
            for sid, items in sections
        ),
    )


BASE = template(("a", [item("q1"), item("q2"), item("q3")]), ("b", [item("q4")]))


def kinds(changes: list[ItemChange]) -> list[tuple[ChangeKind, str]]:
    return [(c.kind, c.item_id) for c in changes]


def test_the_same_template_has_no_changes() -> None:
    assert diff_templates(BASE, replace(BASE, version=2)) == []


def test_added_and_removed_items() -> None:
    new = template(("a", [item("q1"), item("q2"), item("new")]), ("b", [item("q4")]))
    changes = diff_templates(BASE, new)
    assert kinds(changes) == [(ChangeKind.ADDED, "new"), (ChangeKind.REMOVED, "q3")]
    assert changes[0].text == "added new: Question new?"
    assert changes[1].text == "removed q3: Question q3?"


def test_reworded_and_reweighted() -> None:
    new = template(
        ("a", [item("q1", prompt="Did anyone answer?"), item("q2", weight=2.5), item("q3")]),
        ("b", [item("q4")]),
    )
    changes = diff_templates(BASE, new)
    assert kinds(changes) == [(ChangeKind.REWORDED, "q1"), (ChangeKind.REWEIGHTED, "q2")]
    assert changes[0].text == "reworded q1: Question q1? → Did anyone answer?"
    assert changes[1].text == "reweighted q2: 1 → 2.5"


def test_moved_to_another_section() -> None:
    new = template(("a", [item("q1"), item("q2")]), ("b", [item("q3"), item("q4")]))
    changes = diff_templates(BASE, new)
    assert kinds(changes) == [(ChangeKind.MOVED, "q3")]
    assert changes[0].before == "Section a" and changes[0].after == "Section b"


def test_moved_within_a_section_names_only_the_item_that_moved() -> None:
    new = template(("a", [item("q3"), item("q1"), item("q2")]), ("b", [item("q4")]))
    changes = diff_templates(BASE, new)
    assert kinds(changes) == [(ChangeKind.MOVED, "q3")]
    assert changes[0].text == "moved q3: Section a, place 3 → Section a, place 1"


def test_an_item_added_in_front_moves_nothing() -> None:
    new = template(("a", [item("new"), item("q1"), item("q2"), item("q3")]), ("b", [item("q4")]))
    assert kinds(diff_templates(BASE, new)) == [(ChangeKind.ADDED, "new")]


def test_other_fields_are_listed_as_changed() -> None:
    old = template(
        ("a", [item("q1"), item("pick", type=ItemType.SINGLE_CHOICE, options=(Option("x", "X"),))])
    )
    new = template(
        (
            "a",
            [
                item("q1", critical=True, theme="speed"),
                item(
                    "pick",
                    type=ItemType.SINGLE_CHOICE,
                    options=(Option("x", "X", 1.0),),
                    show_if=ShowIf("q1", ("yes",)),
                ),
            ],
        )
    )
    changes = diff_templates(old, new)
    assert [c.text for c in changes] == [
        "changed q1: critical, theme",
        "changed pick: options, show-if",
    ]


def test_several_changes_to_one_item_are_each_listed() -> None:
    new = template(
        ("a", [item("q1"), item("q2")]),
        ("b", [item("q4"), item("q3", prompt="Reworded", weight=3, help="Look for it")]),
    )
    assert kinds(diff_templates(BASE, new)) == [
        (ChangeKind.REWORDED, "q3"),
        (ChangeKind.REWEIGHTED, "q3"),
        (ChangeKind.MOVED, "q3"),
        (ChangeKind.CHANGED, "q3"),
    ]


def test_words_in_another_language_count_as_a_change() -> None:
    from shopper.domain.template import ItemText

    new = template(
        (
            "a",
            [
                item("q1", translations=(ItemText("French (fr)", "Question 1 ?"),)),
                item("q2"),
                item("q3"),
            ],
        ),
        ("b", [item("q4")]),
    )
    assert [c.text for c in diff_templates(BASE, new)] == ["changed q1: other languages"]
