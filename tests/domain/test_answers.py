"""Answer values: normalization per item type, display, durations."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopper.domain.answers import (
    MAX_TEXT_ANSWER,
    format_answer,
    format_duration,
    make_datetime_answer,
    normalize_answer,
    parse_duration,
    same_answer,
)
from shopper.domain.errors import AnswerError
from shopper.domain.template import NA, Item, Template
from shopper.domain.template_loader import load_template_bytes

TEMPLATE_YAML = """\
format: 1
id: 6f1d7d1e-3c0a-4a8e-9d3c-0a1b2c3d4e5f
version: 1
title: Answers
touchpoint: website
sections:
  - id: s
    title: S
    items:
      - {id: yn, prompt: Q, type: yes_no}
      - {id: yn_no_na, prompt: Q, type: yes_no, na: false}
      - {id: rate, prompt: Q, type: rating}
      - {id: rate_na, prompt: Q, type: rating, na: true, scale: {min: 0, max: 10}}
      - id: one
        prompt: Q
        type: single_choice
        options: [{key: a, label: Alpha}, {key: b, label: Beta}]
      - id: many
        prompt: Q
        type: multi_choice
        na: true
        options: [{key: a, label: Alpha}, {key: b, label: Beta}, {key: c, label: Gamma}]
      - {id: num, prompt: Q, type: number, min: -10, max: 5000000, unit: EUR}
      - {id: num_plain, prompt: Q, type: number}
      - {id: cnt, prompt: Q, type: count, max: 20, unit: rings}
      - {id: dur, prompt: Q, type: duration, na: true}
      - {id: when, prompt: Q, type: datetime}
      - {id: note, prompt: Q, type: text}
"""

TEMPLATE: Template = load_template_bytes(TEMPLATE_YAML.encode(), name="t.yaml").template


def item(item_id: str) -> Item:
    return TEMPLATE.item(item_id)


def refused(item_id: str, value: Any) -> str:
    with pytest.raises(AnswerError) as info:
        normalize_answer(item(item_id), value)
    message = str(info.value)
    assert message.startswith(f"{item_id}: ")
    return message


ALL_IDS = [it.id for it in TEMPLATE.items()]


@pytest.mark.parametrize("item_id", ALL_IDS)
def test_none_clears_every_type(item_id: str) -> None:
    assert normalize_answer(item(item_id), None) is None
    assert format_answer(item(item_id), None) == ""


# -- normalize_answer ------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "value"),
    [("yn", "na"), ("rate_na", "na"), ("many", "na"), ("dur", "na")],
)
def test_na_where_allowed(item_id: str, value: str) -> None:
    assert normalize_answer(item(item_id), value) == NA


@pytest.mark.parametrize("item_id", ["yn_no_na", "rate", "one", "num", "cnt", "when"])
def test_na_refused_where_not_offered(item_id: str) -> None:
    assert refused(item_id, "na") == f"{item_id}: N/A is not allowed for this item"


def test_yes_no() -> None:
    assert normalize_answer(item("yn"), "yes") == "yes"
    assert normalize_answer(item("yn"), "no") == "no"
    assert normalize_answer(item("yn_no_na"), "no") == "no"
    assert refused("yn", "maybe") == "yn: expected yes, no or N/A, got 'maybe'"
    assert refused("yn", True) == "yn: expected yes, no or N/A, got True"
    assert refused("yn", "Yes") == "yn: expected yes, no or N/A, got 'Yes'"
    assert refused("yn", 1) == "yn: expected yes, no or N/A, got 1"


@pytest.mark.parametrize(
    ("item_id", "value", "expected"),
    [
        ("rate", 1, 1),
        ("rate", 5, 5),
        ("rate", "3", 3),
        ("rate", " 4 ", 4),
        ("rate", 4.0, 4),
        ("rate_na", 0, 0),
        ("rate_na", 10, 10),
    ],
)
def test_rating_valid(item_id: str, value: Any, expected: int) -> None:
    result = normalize_answer(item(item_id), value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("item_id", "value", "expected"),
    [
        ("rate", 0, "rate: rating must be 1-5, got 0"),
        ("rate", 6, "rate: rating must be 1-5, got 6"),
        ("rate", "-1", "rate: rating must be 1-5, got -1"),
        ("rate_na", 11, "rate_na: rating must be 0-10, got 11"),
        ("rate", 3.5, "rate: expected a whole number, got 3.5"),
        ("rate", "3.0", "rate: expected a whole number, got '3.0'"),
        ("rate", True, "rate: expected a whole number, got True"),
        ("rate", "three", "rate: expected a whole number, got 'three'"),
        ("rate", [3], "rate: expected a whole number, got [3]"),
    ],
)
def test_rating_refused(item_id: str, value: Any, expected: str) -> None:
    assert refused(item_id, value) == expected


def test_single_choice() -> None:
    assert normalize_answer(item("one"), "b") == "b"
    assert refused("one", "z") == "one: 'z' is not one of the options"
    # Labels are not keys.
    assert refused("one", "Alpha") == "one: 'Alpha' is not one of the options"
    assert refused("one", ["a"]) == "one: ['a'] is not one of the options"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["c", "a"], ["a", "c"]),
        (["b", "a", "b"], ["a", "b"]),
        (("c", "b", "a"), ["a", "b", "c"]),
        (["b"], ["b"]),
        ([], []),
    ],
)
def test_multi_choice_normalized_to_template_order(value: Any, expected: list[str]) -> None:
    assert normalize_answer(item("many"), value) == expected


def test_multi_choice_refused() -> None:
    assert refused("many", ["a", "z"]) == "many: 'z' is not one of the options"
    assert refused("many", "a") == "many: expected a list of options, got 'a'"
    assert refused("many", {"a": 1}) == "many: expected a list of options, got {'a': 1}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (2.5, 2.5),
        ("3,5", 3.5),
        (" 12.25 ", 12.25),
        ("-10", -10.0),
        ("1e3", 1000.0),
        (5000000, 5000000.0),
    ],
)
def test_number_valid(value: Any, expected: float) -> None:
    result = normalize_answer(item("num"), value)
    assert result == expected
    assert type(result) is float


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-10.5, "num: must be at least -10, got -10.5"),
        (5000001, "num: must be at most 5000000, got 5000001"),
        ("abc", "num: expected a number, got 'abc'"),
        ("1.234,5", "num: expected a number, got '1.234,5'"),
        ("", "num: expected a number, got ''"),
        ("nan", "num: expected a finite number, got 'nan'"),
        (math.inf, "num: expected a finite number, got inf"),
        (True, "num: expected a number, got True"),
        ([1], "num: expected a number, got [1]"),
    ],
)
def test_number_refused(value: Any, expected: str) -> None:
    assert refused("num", value) == expected


def test_number_without_bounds() -> None:
    assert normalize_answer(item("num_plain"), -1e12) == -1e12


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (3, 3), ("4", 4), (7.0, 7), (20, 20)])
def test_count_valid(value: Any, expected: int) -> None:
    result = normalize_answer(item("cnt"), value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "cnt: a count cannot be negative"),
        ("-2", "cnt: a count cannot be negative"),
        (21, "cnt: must be at most 20, got 21"),
        (2.5, "cnt: expected a whole number, got 2.5"),
        ("3,0", "cnt: expected a whole number, got '3,0'"),
        (False, "cnt: expected a whole number, got False"),
    ],
)
def test_count_refused(value: Any, expected: str) -> None:
    assert refused("cnt", value) == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1:30", 90.0),
        ("01:30", 90.0),
        ("0:05", 5.0),
        ("75:00", 4500.0),  # minutes may pass 59 without hours
        ("1:02:03", 3723.0),
        ("10:00:00", 36000.0),
        ("0:05.5", 5.5),
        ("90", 90.0),
        (" 2:00 ", 120.0),
        ("12.5", 12.5),
        (90, 90.0),
        (12.5, 12.5),
        (0, 0.0),
    ],
)
def test_duration_valid(value: Any, seconds: float) -> None:
    result = normalize_answer(item("dur"), value)
    assert result == seconds
    assert type(result) is float


@pytest.mark.parametrize(
    "value", ["1:60", "1:60:00", "abc", "", ":30", "1:2:3:4", "-5", "1h", "1:30pm", "1,5", "1::30"]
)
def test_duration_bad_strings(value: str) -> None:
    assert refused("dur", value) == (
        f"dur: expected a duration as mm:ss or h:mm:ss, got {value.strip()!r}"
    )


def test_duration_refused_values() -> None:
    assert refused("dur", -5) == "dur: a duration cannot be negative"
    assert refused("dur", True) == "dur: expected a number, got True"
    assert refused("dur", math.nan) == "dur: expected a finite number, got nan"


@pytest.mark.parametrize("value", ["9" * 400, "9" * 400 + ":00:00", "1" + "0" * 320 + ":00:00"])
def test_duration_too_long(value: str) -> None:
    # These used to escape as OverflowError or be stored as infinity.
    assert refused("dur", value).endswith("is too long")


def test_datetime_with_zone_is_stored_in_utc() -> None:
    value = {"utc": "2026-11-23T10:00:00+01:00", "tz": "Europe/Warsaw"}
    assert normalize_answer(item("when"), value) == {
        "utc": "2026-11-23T09:00:00+00:00",
        "tz": "Europe/Warsaw",
    }


def test_datetime_z_suffix_and_other_offsets() -> None:
    value = {"utc": "2026-07-01T23:30:00-04:00", "tz": "America/New_York"}
    assert normalize_answer(item("when"), value)["utc"] == "2026-07-02T03:30:00+00:00"
    value = {"utc": "2026-07-01T10:00:00Z", "tz": "UTC"}
    assert normalize_answer(item("when"), value)["utc"] == "2026-07-01T10:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"utc": "2026-11-23T10:00:00", "tz": "UTC"}, "when: date-time must carry its UTC offset"),
        ({"utc": "yesterday", "tz": "UTC"}, "when: not a date-time: 'yesterday'"),
        ({"utc": "2026-11-23T10:00:00+00:00"}, "when: expected a date-time with its time zone"),
        ({"utc": "x", "tz": "UTC", "y": 1}, "when: expected a date-time with its time zone"),
        ("2026-11-23T10:00:00+00:00", "when: expected a date-time with its time zone"),
        (
            {"utc": "2026-11-23T10:00:00+00:00", "tz": "Mars/Olympus_Mons"},
            "unknown time zone 'Mars/Olympus_Mons'",
        ),
        ({"utc": "2026-11-23T10:00:00+00:00", "tz": "../../etc/passwd"}, "unknown time zone"),
    ],
)
def test_datetime_refused(value: Any, expected: str) -> None:
    with pytest.raises(AnswerError) as info:
        normalize_answer(item("when"), value)
    assert expected in str(info.value)


def test_make_datetime_answer() -> None:
    # A naive moment is wall-clock time in the zone (CEST, UTC+2, in July).
    naive = datetime(2026, 7, 1, 12, 0, 30, 999999)
    assert make_datetime_answer(naive, "Europe/Warsaw") == {
        "utc": "2026-07-01T10:00:30+00:00",
        "tz": "Europe/Warsaw",
    }
    aware = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=9)))
    assert make_datetime_answer(aware, "Asia/Tokyo")["utc"] == "2026-07-01T03:00:00+00:00"
    with pytest.raises(AnswerError, match="unknown time zone 'Nowhere'"):
        make_datetime_answer(datetime.now(UTC), "Nowhere")


def test_text() -> None:
    assert normalize_answer(item("note"), "Friendly and quick.") == "Friendly and quick."
    assert normalize_answer(item("note"), "  padded  ") == "  padded  "
    assert normalize_answer(item("note"), "na") == "na"  # text has no N/A
    assert normalize_answer(item("note"), "x" * MAX_TEXT_ANSWER) == "x" * MAX_TEXT_ANSWER


@pytest.mark.parametrize("value", ["", "   ", "\n\t "])
def test_blank_text_clears(value: str) -> None:
    assert normalize_answer(item("note"), value) is None


def test_text_refused() -> None:
    assert refused("note", "x" * (MAX_TEXT_ANSWER + 1)) == (
        "note: text is 100,001 characters; the limit is 100,000"
    )
    assert refused("note", 5) == "note: expected text, got int"


# -- format_answer ------------------------------------------------------------------

WARSAW = "Europe/Warsaw"
NEW_YORK = "America/New_York"


def _dt(utc: str, zone: str) -> dict[str, str]:
    return {"utc": f"{utc}:00+00:00", "tz": zone}


@pytest.mark.parametrize(
    ("item_id", "value", "shown"),
    [
        ("yn", "yes", "Yes"),
        ("yn", "no", "No"),
        ("yn", "na", "N/A"),
        ("rate", 4, "4 / 5"),
        ("rate_na", 7, "7 / 10"),
        ("rate_na", "na", "N/A"),
        ("one", "a", "Alpha"),
        ("one", "gone", "gone"),  # an option dropped from a later version
        ("many", ["a", "c"], "Alpha, Gamma"),
        ("many", [], "None"),
        ("many", ["b", "gone"], "Beta, gone"),
        ("many", "na", "N/A"),
        ("num", 3.5, "3.5 EUR"),
        ("num", -2.0, "-2 EUR"),
        ("num", 1234567.0, "1234567 EUR"),
        ("num", 12345.67, "12345.67 EUR"),
        ("num", 0.1 + 0.2, "0.3 EUR"),
        ("num_plain", 2.0, "2"),
        ("cnt", 3, "3 rings"),
        ("dur", 90.0, "1:30"),
        ("dur", 3723.0, "1:02:03"),
        ("dur", 0.0, "0:00"),
        ("dur", 59.6, "1:00"),
        ("dur", "na", "N/A"),
        ("when", _dt("2026-11-23T09:00", WARSAW), f"2026-11-23 10:00 ({WARSAW})"),
        ("when", _dt("2026-07-01T09:00", WARSAW), f"2026-07-01 11:00 ({WARSAW})"),
        ("when", _dt("2026-07-01T09:00", NEW_YORK), f"2026-07-01 05:00 ({NEW_YORK})"),
        ("note", "Kind words", "Kind words"),
        ("note", "na", "na"),
    ],
)
def test_format_answer(item_id: str, value: Any, shown: str) -> None:
    assert format_answer(item(item_id), value) == shown


def test_format_datetime_with_a_broken_zone_falls_back() -> None:
    value = {"utc": "2026-07-01T09:00:00+00:00", "tz": "Nowhere/Land"}
    assert format_answer(item("when"), value) == str(value)


@pytest.mark.parametrize(
    ("item_id", "raw"),
    [
        ("yn", "no"),
        ("rate", "5"),
        ("many", ["b", "a"]),
        ("num", "7,25"),
        ("cnt", "12"),
        ("dur", "4:05"),
        ("when", {"utc": "2026-03-29T01:30:00+00:00", "tz": "Europe/Warsaw"}),
    ],
)
def test_normalized_values_are_idempotent(item_id: str, raw: Any) -> None:
    once = normalize_answer(item(item_id), raw)
    assert normalize_answer(item(item_id), once) == once
    assert format_answer(item(item_id), once) != ""


# -- durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (5, "0:05"),
        (59, "0:59"),
        (60, "1:00"),
        (599, "9:59"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3661, "1:01:01"),
        (36000, "10:00:00"),
        (360000, "100:00:00"),
        (89.5, "1:30"),  # rounds to the nearest even second
        (90.5, "1:30"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0:00", 0.0), ("1:2", 62.0), ("0:0:5", 5.0), ("100:00:00", 360000.0), ("999:59", 59999.0)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@given(st.integers(min_value=0, max_value=10**9))
def test_duration_round_trip_whole_seconds(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_duration_round_trip_is_within_half_a_second(seconds: float) -> None:
    text = format_duration(seconds)
    back = parse_duration(text)
    assert abs(back - seconds) <= 0.5
    assert format_duration(back) == text


@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
)
def test_canonical_text_round_trip(hours: int, minutes: int, secs: int) -> None:
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    assert parse_duration(text) == hours * 3600 + minutes * 60 + secs
    assert format_duration(parse_duration(text)) == text


_duration_like = st.text(alphabet="0123456789:. -", max_size=12) | st.from_regex(
    r"\A\d{1,500}(:\d{1,3}){0,3}(\.\d+)?\Z"
)


@given(_duration_like | st.text(max_size=20))
def test_parse_duration_returns_seconds_or_raises_value_error(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        assert "duration" in str(exc)
    else:
        assert math.isfinite(seconds)
        assert seconds >= 0


def test_same_answer_is_one_instant_in_any_zone() -> None:
    warsaw = {"utc": "2025-05-16T14:00:00+00:00", "tz": "Europe/Warsaw"}
    tokyo = {"utc": "2025-05-16T14:00:00Z", "tz": "Asia/Tokyo"}
    later = {"utc": "2025-05-16T14:00:01+00:00", "tz": "Europe/Warsaw"}
    assert same_answer(warsaw, tokyo)
    assert not same_answer(warsaw, later)
    assert same_answer(["a", "b"], ["a", "b"])
    assert not same_answer(3, 4)
    assert not same_answer({"utc": "garbage", "tz": "UTC"}, warsaw)
