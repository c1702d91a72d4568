"""Comparisons and journeys made in memory for the manager reports' tests."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

from shopper.domain.compare import AuditInput, compare, trend
from shopper.domain.template import Item, ItemType, Option, Section, Target, Template
from shopper.domain.themes import Tally
from shopper.report.comparison import ComparisonFacts, build_comparison_report
from shopper.report.journey import (
    EventFacts,
    FindingFacts,
    JourneyFacts,
    MonthBar,
    ThemeFacts,
    ThemeItemFacts,
    TouchpointFacts,
    build_journey_report,
)
from shopper.report.redact import NO_REDACTION, Redactor
from tests.report.helpers import GENERATED

FIRST = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
TEMPLATE_ID = "9b2f6c1e-4d3a-4b8e-9f10-2a3b4c5d6e7f"


def _items(*, follow_up: bool) -> tuple[Item, ...]:
    """The worked example of docs/scoring.md ("Comparing audits"): version 2 drops
    `name_used` and adds `follow_up`."""
    last = (
        Item("follow_up", "Did they follow up?", ItemType.YES_NO, weight=2, section_id="call")
        if follow_up
        else Item("name_used", "Did they use your name?", ItemType.YES_NO, section_id="call")
    )
    return (
        Item(
            "greet",
            "Did they greet you with the company name?",
            ItemType.YES_NO,
            section_id="call",
        ),
        Item(
            "wait",
            "Time until a person answered",
            ItemType.DURATION,
            weight=2,
            target=Target(good=60, bad=300),
            section_id="call",
        ),
        Item(
            "solved",
            "Was your question answered?",
            ItemType.SINGLE_CHOICE,
            weight=3,
            options=(
                Option("fully", "Fully", 1.0),
                Option("partly", "Partly", 0.5),
                Option("no", "Not at all", 0.0),
            ),
            section_id="call",
        ),
        last,
    )


def example_template(version: int, *, prompt: str | None = None) -> Template:
    items = _items(follow_up=version >= 2)
    if prompt is not None:
        items = (replace(items[0], prompt=prompt), *items[1:])
    return Template(
        id=TEMPLATE_ID,
        version=version,
        title="Compare example",
        touchpoint="phone",
        sections=(Section("call", "The call", items),),
    )


def example_audits(
    *,
    shoppers: Sequence[str] = ("Ann", "Ben", "Cy", "Dee"),
    notes: Mapping[str, str] | None = None,
    prompt: str | None = None,
) -> list[AuditInput]:
    """Audits A to D of the worked example, 30 days apart; `notes` go on the last audit."""
    answers: list[tuple[int, dict[str, Any]]] = [
        (1, {"greet": "yes", "wait": 60, "solved": "partly", "name_used": "no"}),
        (1, {"greet": "yes", "wait": 240, "solved": "fully", "name_used": "yes"}),
        (2, {"greet": "no", "wait": 240, "solved": "fully", "follow_up": "yes"}),
        (2, {"greet": "yes", "wait": 120, "solved": "fully", "follow_up": "no"}),
    ]
    audits = []
    for n, (version, values) in enumerate(answers):
        last = n == len(answers) - 1
        audits.append(
            AuditInput(
                audit_id=f"audit-{'ABCD'[n]}",
                started_at=FIRST + timedelta(days=30 * n),
                template=example_template(version, prompt=prompt),
                values=values,
                notes=dict(notes or {}) if last else {},
                shopper=shoppers[n % len(shoppers)],
                started_tz="Europe/Warsaw",
            )
        )
    return audits


def comparison_facts(
    audits: Sequence[AuditInput],
    *,
    companies: Sequence[str] = ("Acme Ltd",),
    touchpoint: str = "phone",
    available: int | None = None,
) -> ComparisonFacts:
    comparison = compare(audits)
    count = len(comparison.audits)
    names = tuple(companies[n % len(companies)] for n in range(count))
    return ComparisonFacts(comparison, names, (touchpoint,) * count, available=available)


def render_comparison(
    facts: ComparisonFacts, *, page_size: str = "a4", redactor: Redactor = NO_REDACTION
) -> bytes:
    out = BytesIO()
    build_comparison_report(out, facts, page_size=page_size, redactor=redactor, generated=GENERATED)
    return out.getvalue()


def many_audits(audits: int, items: int, *, seed: int = 7) -> list[AuditInput]:
    """`audits` audits of a yes/no checklist of `items` items in three sections, 9 days
    apart, answered at random; every fourth uses a version without the last item."""
    rng = random.Random(seed)
    all_items = [
        Item(
            f"q{n}",
            f"Question {n}: was it done properly?",
            ItemType.YES_NO,
            allow_na=True,
            section_id=f"s{n % 3}",
        )
        for n in range(items)
    ]

    def template(version: int, kept: Sequence[Item]) -> Template:
        sections = tuple(
            Section(f"s{k}", f"Part {k + 1}", tuple(i for i in kept if i.section_id == f"s{k}"))
            for k in range(3)
        )
        return Template(TEMPLATE_ID, version, "Big check", "phone", sections)

    full, short = template(2, all_items), template(1, all_items[:-1])
    result = []
    for n in range(audits):
        chosen = short if n % 4 == 0 else full
        values = {i.id: rng.choice(["yes", "yes", "no", "na"]) for i in chosen.items()}
        result.append(
            AuditInput(
                f"audit-{n:03d}",
                FIRST + timedelta(days=9 * n),
                chosen,
                values,
                shopper=f"Shopper {n % 5}",
            )
        )
    return result


# -- journeys ---------------------------------------------------------------------------


def journey_facts(
    *,
    company: str = "Acme Ltd",
    prompt: str = "Did they call back?",
    note: str = "Nobody called back.",
    moment: str = "The hold music was lovely.",
    verdict: str = "Needs work",
    theme: str = "speed",
    events: int = 3,
) -> JourneyFacts:
    """Three touchpoints, two themes with findings and a few moments."""
    phone_points = tuple((FIRST + timedelta(days=20 * n), 50.0 + 10 * n) for n in range(4))
    web_points = tuple((FIRST + timedelta(days=35 * n), 90.0 - 5 * n) for n in range(3))
    touchpoints = (
        TouchpointFacts(
            "phone",
            4,
            65.0,
            trend(phone_points),
            latest_percent=80.0,
            latest_verdict="Good",
            latest_passed=True,
            latest_at=phone_points[-1][0],
            latest_tz="Europe/Warsaw",
        ),
        TouchpointFacts(
            "website",
            3,
            85.0,
            trend(web_points),
            latest_percent=80.0,
            latest_verdict=verdict,
            latest_passed=True,
            latest_at=web_points[-1][0],
        ),
        TouchpointFacts("email", 1, None, trend(()), latest_verdict="Not scored yet"),
    )
    heat = {
        (theme, "phone"): Tally(points=3, max_points=10, scored=10, failed=6, audits=4),
        (theme, "website"): Tally(points=8, max_points=9, scored=9, failed=1, audits=3),
        ("empathy", "phone"): Tally(points=6, max_points=8, scored=8, failed=2, audits=4),
        ("", "website"): Tally(points=1, max_points=2, scored=2, failed=1, audits=1),
    }
    months = tuple(
        MonthBar(date(2025, m, 1), failed, scored)
        for m, failed, scored in ((1, 2, 5), (2, 0, 0), (3, 3, 6), (4, 1, 8))
    )
    findings = (
        FindingFacts(
            "failed_item",
            "phone",
            FIRST + timedelta(days=60),
            "Europe/Warsaw",
            prompt=prompt,
            answer="No",
            note=note,
            critical=True,
        ),
        FindingFacts("friction", "website", FIRST + timedelta(days=40), "UTC", note=moment),
    )
    rate_trend = trend(
        [(datetime(2025, m.month.month, 1, tzinfo=UTC), m.rate or 0) for m in months]
    )
    themes = (
        ThemeFacts(
            theme,
            failed=7,
            moments=1,
            scored=19,
            audits=5,
            months=months,
            trend=rate_trend,
            items=(
                ThemeItemFacts(prompt, "phone", 4, 4),
                ThemeItemFacts("Quick?", "website", 1, 3),
            ),
            findings=findings,
        ),
        ThemeFacts("empathy", failed=2, moments=0, scored=8, audits=2, months=months),
    )
    kinds = ("good", "bad", "friction")
    timeline = tuple(
        EventFacts(
            FIRST + timedelta(days=7 * n, hours=n),
            "Europe/Warsaw",
            ("phone", "website", "email")[n % 3],
            kinds[n % 3],
            title=prompt if n % 3 == 1 else "",
            text=moment if n % 3 == 0 else note,
            source=("moment", "note", "critical")[n % 3],
        )
        for n in range(events)
    )
    return JourneyFacts(
        company=company,
        audits=8,
        touchpoints=touchpoints,
        heat_themes=(theme, "empathy", ""),
        heat=heat,
        themes=themes,
        timeline=timeline,
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2026, 1, 1, tzinfo=UTC),
    )


def render_journey(
    facts: JourneyFacts, *, page_size: str = "a4", redactor: Redactor = NO_REDACTION
) -> bytes:
    out = BytesIO()
    build_journey_report(out, facts, page_size=page_size, redactor=redactor, generated=GENERATED)
    return out.getvalue()
