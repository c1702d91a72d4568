"""The "said no" log (seed 002): reasons, the three lists a manager acts on, the campaign's
days and the summary of what was refused.

Pure Python: entries come in as `NoEntry` values, whoever stored them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.themes import theme_title

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_REQUESTS = 10


class Reason(StrEnum):
    POLICY = "policy"
    SYSTEM = "system"
    NOT_OFFERED = "not-offered"
    NOT_KNOWN = "not-known"
    APPROVAL = "approval"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS: dict[Reason, str] = {
    Reason.POLICY: "Our policy does not allow it",
    Reason.SYSTEM: "Our system cannot do it",
    Reason.NOT_OFFERED: "A product or service we don't offer",
    Reason.NOT_KNOWN: "Staff did not know how",
    Reason.APPROVAL: "Needed a manager's approval",
    Reason.OTHER: "Other",
}


class ActionList(StrEnum):
    """The lists of the summary a manager acts on; NONE keeps an entry off all three."""

    POLICIES = "policies"
    TRAINING = "training"
    IDEAS = "ideas"
    NONE = "none"

    @property
    def label(self) -> str:
        return LIST_LABELS[self]


LIST_LABELS: dict[ActionList, str] = {
    ActionList.POLICIES: "Policies to revisit",
    ActionList.TRAINING: "Training gaps",
    ActionList.IDEAS: "Product or service ideas",
    ActionList.NONE: "On no list",
}

LIST_OF_REASON: dict[Reason, ActionList] = {
    Reason.POLICY: ActionList.POLICIES,
    Reason.APPROVAL: ActionList.POLICIES,
    Reason.NOT_KNOWN: ActionList.TRAINING,
    Reason.NOT_OFFERED: ActionList.IDEAS,
    Reason.SYSTEM: ActionList.IDEAS,
    Reason.OTHER: ActionList.NONE,
}
"""The list the reason decides: a refusal by policy (or for want of an approval) questions
the policy; not knowing how is a training gap; what we don't offer or our system cannot do
is an idea for a product or service."""

CHANNELS = ("phone", "e-mail", "chat", "counter", "social", "letter", "other")
"""The channels the dialog offers; any other word is kept as typed."""

_REASON_WORDS: dict[str, Reason] = {
    "policy": Reason.POLICY,
    "system": Reason.SYSTEM,
    "not-offered": Reason.NOT_OFFERED,
    "not offered": Reason.NOT_OFFERED,
    "product": Reason.NOT_OFFERED,
    "service": Reason.NOT_OFFERED,
    "not-known": Reason.NOT_KNOWN,
    "not known": Reason.NOT_KNOWN,
    "training": Reason.NOT_KNOWN,
    "approval": Reason.APPROVAL,
    "manager": Reason.APPROVAL,
    "other": Reason.OTHER,
}


def parse_reason(text: str) -> Reason:
    """A reason as stored, or as a person writes it in a spreadsheet ("Policy", "training").

    Raises:
        ShopperError: naming the words that are understood.
    """
    word = " ".join(text.strip().casefold().replace("_", "-").split())
    found = _REASON_WORDS.get(word) or _REASON_WORDS.get(word.replace("-", " "))
    if found is None:
        raise ShopperError(f"{text.strip()[:40]!r} is not a reason; use one of {reason_words()}")
    return found


def reason_words() -> str:
    return ", ".join(reason.value for reason in Reason)


def list_of(reason: str, chosen: str = "") -> ActionList:
    """The list an entry is on: the manager's choice, else the one its reason decides."""
    if chosen:
        try:
            return ActionList(chosen)
        except ValueError:
            pass
    try:
        return LIST_OF_REASON[Reason(reason)]
    except ValueError:
        return ActionList.NONE


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise ShopperError(f"a said-no log lasts 1 to {MAX_DAYS} days, not {days}")
    return days


def request_key(text: str) -> str:
    """Requests counted as the same: case and spacing aside, and a final full stop."""
    return " ".join(text.casefold().split()).rstrip(".!?")


@dataclass(frozen=True)
class NoEntry:
    id: str
    at: datetime
    tz: str
    channel: str
    asked: str
    refused: str
    reason: str
    said_by: str
    theme: str
    action_list: str
    note: str

    @property
    def on_list(self) -> ActionList:
        return list_of(self.reason, self.action_list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "tz": self.tz,
            "channel": self.channel,
            "asked": self.asked,
            "refused": self.refused,
            "reason": self.reason,
            "said_by": self.said_by,
            "theme": self.theme,
            "list": self.on_list.value,
            "list_chosen": bool(self.action_list),
            "note": self.note,
        }


@dataclass(frozen=True)
class Refused:
    """A request refused, with how often (requests counted the same by `request_key`)."""

    asked: str
    """As first written."""
    count: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    """What a said-no log taught: the seed's "e-mail summarizing what you learned"."""

    company: str
    team: str
    starts: date
    days: int
    today: date
    entries: tuple[NoEntry, ...]
    per_day: tuple[tuple[date, int], ...]
    """Every day of the log up to today (or its end), with its entries."""
    by_reason: tuple[tuple[str, int], ...]
    by_theme: tuple[tuple[str, int], ...]
    by_channel: tuple[tuple[str, int], ...]
    top_requests: tuple[Refused, ...]
    lists: dict[ActionList, tuple[NoEntry, ...]] = field(default_factory=dict)

    @property
    def ends(self) -> date:
        return self.starts + timedelta(days=self.days - 1)

    @property
    def day_number(self) -> int:
        """Day N of the log today: 0 before it starts, past `days` after it ended."""
        return (self.today - self.starts).days + 1

    @property
    def finished(self) -> bool:
        return self.today > self.ends

    @property
    def empty_days(self) -> tuple[date, ...]:
        """Days gone by (today aside: it is not over) on which nobody logged a refusal."""
        return tuple(day for day, count in self.per_day if count == 0 and day < self.today)

    def progress(self) -> str:
        if self.day_number < 1:
            return f"starts on {self.starts.isoformat()}"
        if self.finished:
            return f"finished on {self.ends.isoformat()} after {self.days} days"
        return f"day {self.day_number} of {self.days}"

    def to_json(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "team": self.team,
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "days": self.days,
            "day": self.day_number,
            "finished": self.finished,
            "entries": len(self.entries),
            "per_day": {day.isoformat(): count for day, count in self.per_day},
            "empty_days": [day.isoformat() for day in self.empty_days],
            "by_reason": dict(self.by_reason),
            "by_theme": dict(self.by_theme),
            "by_channel": dict(self.by_channel),
            "top_requests": [
                {"asked": r.asked, "count": r.count, "reasons": list(r.reasons)}
                for r in self.top_requests
            ],
            "lists": {
                kind.value: [entry.to_json() for entry in self.lists.get(kind, ())]
                for kind in ActionList
                if kind is not ActionList.NONE
            },
        }


def local_day(entry: NoEntry, zone: str) -> date:
    return in_zone(entry.at, zone).date()


def summarize(
    *,
    company: str,
    team: str,
    starts: date,
    days: int,
    today: date,
    zone: str,
    entries: Sequence[NoEntry],
) -> Summary:
    """The summary of a log's entries; days counted in the company's zone `zone`."""
    ordered = tuple(sorted(entries, key=lambda e: (e.at, e.id)))
    per_day_count = Counter(local_day(entry, zone) for entry in ordered)
    last = min(today, starts + timedelta(days=days - 1))
    per_day = tuple(
        (starts + timedelta(days=n), per_day_count.get(starts + timedelta(days=n), 0))
        for n in range((last - starts).days + 1)
    )
    lists = {
        kind: tuple(entry for entry in ordered if entry.on_list is kind) for kind in ActionList
    }
    return Summary(
        company=company,
        team=team,
        starts=starts,
        days=days,
        today=today,
        entries=ordered,
        per_day=per_day,
        by_reason=_counted(entry.reason for entry in ordered),
        by_theme=_counted(entry.theme for entry in ordered),
        by_channel=_counted(entry.channel for entry in ordered),
        top_requests=_top_requests(ordered),
        lists=lists,
    )


def _counted(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    counts = Counter(values)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _top_requests(entries: Sequence[NoEntry]) -> tuple[Refused, ...]:
    groups: dict[str, list[NoEntry]] = {}
    for entry in entries:
        groups.setdefault(request_key(entry.asked), []).append(entry)
    ranked = sorted(groups.values(), key=lambda group: (-len(group), request_key(group[0].asked)))
    return tuple(
        Refused(
            asked=group[0].asked,
            count=len(group),
            reasons=tuple(reason for reason, _ in _counted(e.reason for e in group)),
        )
        for group in ranked[:TOP_REQUESTS]
    )


def reason_label(reason: str) -> str:
    try:
        return Reason(reason).label
    except ValueError:
        return reason


def theme_name(theme: str) -> str:
    return theme_title(theme)


def email_body(summary: Summary) -> str:
    """The plain-text e-mail the seed asks for ("send us an email summarizing what you
    learned"), ready to copy; text as typed."""
    who = f" ({summary.team})" if summary.team else ""
    lines = [
        f"Subject: What our said-no log taught us: {summary.company}{who}",
        "",
        f"For {summary.days} days from {summary.starts.isoformat()} our customer-facing staff"
        f" noted every time they said no to a customer ({summary.progress()}).",
        f"They noted {len(summary.entries)} refusal{'s' if len(summary.entries) != 1 else ''}.",
        "",
    ]
    if summary.by_reason:
        lines.append("Why we said no:")
        lines += [f"- {reason_label(reason)}: {count}" for reason, count in summary.by_reason]
        lines.append("")
    if summary.top_requests:
        lines.append("The requests we refused most often:")
        lines += [f"- {r.asked} ({r.count}x)" for r in summary.top_requests]
        lines.append("")
    for kind in (ActionList.POLICIES, ActionList.TRAINING, ActionList.IDEAS):
        chosen = summary.lists.get(kind, ())
        lines.append(f"{kind.label} ({len(chosen)}):")
        if not chosen:
            lines.append("- none")
        for entry in chosen:
            why = f": {entry.refused}" if entry.refused else ""
            lines.append(f"- {entry.asked}{why}")
        lines.append("")
    if summary.by_theme:
        lines.append("By theme:")
        lines += [f"- {theme_name(theme)}: {count}" for theme, count in summary.by_theme]
        lines.append("")
    empty = summary.empty_days
    if empty:
        lines.append(
            f"Days with no entry ({len(empty)}): " + ", ".join(d.isoformat() for d in empty)
        )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
