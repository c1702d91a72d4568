"""Answer values: how each item type's answer is checked, stored and shown.

Stored values are plain JSON:

- yes_no: "yes", "no" or "na"
- rating: an int within the scale
- single_choice: an option key; multi_choice: a list of option keys
- number: a float; count: an int >= 0; duration: seconds (float)
- datetime: {"utc": "2026-11-23T10:00:00+00:00", "tz": "Europe/Warsaw"}
- text: a string

Any type that allows N/A stores "na" for it.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopper.domain.errors import AnswerError
from shopper.domain.template import NA, Item, ItemType
from shopper.domain.wording import with_unit

MAX_TEXT_ANSWER = 100_000
_DURATION_RE = re.compile(r"^\s*(?:(\d+):)?(\d{1,3}):(\d{1,2}(?:\.\d+)?)\s*$")


def parse_duration(text: str) -> float:
    """Parse "mm:ss", "h:mm:ss" or plain seconds into seconds.

    Raises:
        ValueError: with a message naming the expected form.
    """
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        total = float(text)
    else:
        match = _DURATION_RE.match(text)
        if not match:
            raise ValueError(f"expected a duration as mm:ss or h:mm:ss, got {text!r}")
        hours, minutes, seconds = match.groups()
        if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise ValueError(f"expected a duration as mm:ss or h:mm:ss, got {text!r}")
        try:
            total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        except OverflowError:
            total = math.inf
    if not math.isfinite(total):
        raise ValueError(f"duration {text[:40]!r} is too long")
    return total


def format_duration(seconds: float) -> str:
    """Seconds as "m:ss", or "h:mm:ss" from an hour on."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def make_datetime_answer(moment: datetime, zone: str) -> dict[str, str]:
    """A date-time answer: the moment in UTC plus the zone it was taken in."""
    tz = _zone(zone)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return {"utc": moment.astimezone(UTC).isoformat(timespec="seconds"), "tz": zone}


def same_answer(a: Any, b: Any) -> bool:
    """Whether two stored answers say the same: equal, or date-times of one instant taken in
    different zones (what a shopper typed in New York is what a manager's app in Warsaw
    measures from the same steps)."""
    if isinstance(a, dict) and isinstance(b, dict) and "utc" in a and "utc" in b:
        try:
            return bool(
                datetime.fromisoformat(str(a["utc"])) == datetime.fromisoformat(str(b["utc"]))
            )
        except ValueError:
            return a == b
    return bool(a == b)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AnswerError(f"unknown time zone {name!r}") from exc


def normalize_answer(item: Item, value: Any) -> Any:
    """Check an answer against its item and return the value to store.

    `None` clears the answer. Raises `AnswerError` naming the item and the fault.
    """
    if value is None:
        return None
    if item.type is ItemType.INFO:
        raise AnswerError(f"{item.id}: an information item is read, not answered")
    if value == NA and item.type is not ItemType.TEXT:
        if not item.allow_na:
            raise AnswerError(f"{item.id}: N/A is not allowed for this item")
        return NA
    kind = item.type
    if kind is ItemType.YES_NO:
        if value in ("yes", "no"):
            return value
        raise AnswerError(f"{item.id}: expected yes, no or N/A, got {value!r}")
    if kind is ItemType.RATING:
        scale = item.scale
        assert scale is not None
        number = _as_int(item, value)
        if not scale.min <= number <= scale.max:
            raise AnswerError(f"{item.id}: rating must be {scale.min}-{scale.max}, got {number}")
        return number
    if kind is ItemType.SINGLE_CHOICE:
        if not isinstance(value, str) or item.option(value) is None:
            raise AnswerError(f"{item.id}: {value!r} is not one of the options")
        return value
    if kind is ItemType.MULTI_CHOICE:
        if not isinstance(value, list | tuple):
            raise AnswerError(f"{item.id}: expected a list of options, got {value!r}")
        keys = [opt.key for opt in item.options]
        for key in value:
            if key not in keys:
                raise AnswerError(f"{item.id}: {key!r} is not one of the options")
        return [key for key in keys if key in value]  # template order, no repeats
    if kind is ItemType.NUMBER:
        real = _as_float(item, value)
        _check_bounds(item, real)
        return real
    if kind is ItemType.COUNT:
        count = _as_int(item, value)
        if count < 0:
            raise AnswerError(f"{item.id}: a count cannot be negative")
        _check_bounds(item, count)
        return count
    if kind is ItemType.DURATION:
        if isinstance(value, str):
            try:
                seconds = parse_duration(value)
            except ValueError as exc:
                raise AnswerError(f"{item.id}: {exc}") from exc
        else:
            seconds = _as_float(item, value)
        if seconds < 0:
            raise AnswerError(f"{item.id}: a duration cannot be negative")
        return seconds
    if kind is ItemType.DATETIME:
        return _normalize_datetime(item, value)
    if kind is ItemType.TEXT:
        if not isinstance(value, str):
            raise AnswerError(f"{item.id}: expected text, got {type(value).__name__}")
        if len(value) > MAX_TEXT_ANSWER:
            raise AnswerError(
                f"{item.id}: text is {len(value):,} characters; the limit is {MAX_TEXT_ANSWER:,}"
            )
        return value if value.strip() else None
    raise AssertionError(f"unhandled item type {kind}")


def _as_int(item: Item, value: Any) -> int:
    if isinstance(value, bool):
        raise AnswerError(f"{item.id}: expected a whole number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise AnswerError(f"{item.id}: expected a whole number, got {value!r}")


def _as_float(item: Item, value: Any) -> float:
    if isinstance(value, bool):
        raise AnswerError(f"{item.id}: expected a number, got {value!r}")
    try:
        number = float(value.replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError) as exc:
        raise AnswerError(f"{item.id}: expected a number, got {value!r}") from exc
    if not math.isfinite(number):
        raise AnswerError(f"{item.id}: expected a finite number, got {value!r}")
    return number


def _check_bounds(item: Item, number: float) -> None:
    if item.minimum is not None and number < item.minimum:
        raise AnswerError(f"{item.id}: must be at least {item.minimum:.15g}, got {number:.15g}")
    if item.maximum is not None and number > item.maximum:
        raise AnswerError(f"{item.id}: must be at most {item.maximum:.15g}, got {number:.15g}")


def _normalize_datetime(item: Item, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != {"utc", "tz"}:
        raise AnswerError(f"{item.id}: expected a date-time with its time zone")
    try:
        moment = datetime.fromisoformat(str(value["utc"]))
    except ValueError as exc:
        raise AnswerError(f"{item.id}: not a date-time: {value['utc']!r}") from exc
    if moment.tzinfo is None:
        raise AnswerError(f"{item.id}: date-time must carry its UTC offset")
    return make_datetime_answer(moment, str(value["tz"]))


def format_answer(item: Item, value: Any) -> str:
    """A short human-readable form of a stored answer ("" when unanswered)."""
    if value is None:
        return ""
    if value == NA and item.type is not ItemType.TEXT:
        return "N/A"
    kind = item.type
    if kind is ItemType.YES_NO:
        return {"yes": "Yes", "no": "No"}.get(value, str(value))
    if kind is ItemType.RATING:
        scale = item.scale
        return f"{value} / {scale.max}" if scale else str(value)
    if kind is ItemType.SINGLE_CHOICE:
        opt = item.option(value)
        return opt.label if opt else str(value)
    if kind is ItemType.MULTI_CHOICE:
        labels = []
        for key in value:
            opt = item.option(key)
            labels.append(opt.label if opt else str(key))
        return ", ".join(labels) if labels else "None"
    if kind is ItemType.NUMBER:
        text = f"{value:.15g}"  # plain "g" keeps 6 digits: 1234567 -> "1.23457e+06"
        return with_unit(text, value, item.unit)
    if kind is ItemType.COUNT:
        return with_unit(str(value), value, item.unit)
    if kind is ItemType.DURATION:
        return format_duration(float(value))
    if kind is ItemType.DATETIME:
        try:
            moment = datetime.fromisoformat(value["utc"]).astimezone(ZoneInfo(value["tz"]))
            return f"{moment:%Y-%m-%d %H:%M} ({value['tz']})"
        except (KeyError, ValueError, ZoneInfoNotFoundError):
            return str(value)
    return str(value)
