"""Items answered after a wait: which hold an audit open, and until when.

A template marks an item `later` ("did they follow up within 5 working days?"). The
shopper completes the rest on the day; the audit then awaits follow-up: only the
waiting items (and the items they show) can still be answered, and when the window
has passed unanswered each takes its `otherwise` answer, so the score becomes final
either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.scoring import visible_items
from shopper.domain.template import Later, Template


def waiting_items(template: Template, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The visible `later` items not answered yet, in template order."""
    shown = visible_items(template, values)
    return tuple(
        item.id
        for item in template.items()
        if item.later is not None and item.id in shown and values.get(item.id) is None
    )


def follow_up_items(template: Template) -> frozenset[str]:
    """The items an audit awaiting follow-up may still change: the `later` items and
    every item a `later` item shows (directly or through others)."""
    found = {item.id for item in template.items() if item.later is not None}
    growing = True
    while growing:
        more = {
            item.id
            for item in template.items()
            if item.show_if is not None and item.show_if.item in found and item.id not in found
        }
        found |= more
        growing = bool(more)
    return frozenset(found)


def due_at(later: Later, since: datetime, calendar: BusinessCalendar) -> datetime:
    """When the window of a `later` item closes (UTC), counted from `since`."""
    if later.working:
        return calendar.working_days_later(since, later.days)
    return calendar.days_later(since, later.days)


def due_of(
    template: Template, item_ids: tuple[str, ...], since: datetime, calendar: BusinessCalendar
) -> dict[str, datetime]:
    """Each waiting item's due moment."""
    result: dict[str, datetime] = {}
    for item_id in item_ids:
        later = template.item(item_id).later
        if later is not None:
            result[item_id] = due_at(later, since, calendar)
    return result
