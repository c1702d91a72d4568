"""The cover of a comparison report: the latest score and the figures."""

from __future__ import annotations

from reportlab.platypus import Flowable

from shopper.report.base import plural
from shopper.report.comparison.context import ComparisonContext, day
from shopper.report.comparison.summary import consistency_text, spread_text, trend_text

NAMES_LIMIT = 300


def cover(ctx: ComparisonContext) -> list[Flowable]:
    """The cover: the latest score beside the period, the shoppers and the figures."""
    facts, text = ctx.facts, ctx.text
    latest = ctx.audits[-1]
    story = ctx.cover_title(
        "AUDIT COMPARISON",
        facts.company,
        text.user(f"{facts.touchpoint} · {_templates_text(ctx)}", "subtitle"),
    )
    count = len(ctx.audits)
    compared = plural(count, "audit")
    if facts.available is not None and facts.available > count:
        compared += f", the newest of {facts.available}"
    shoppers = ", ".join(dict.fromkeys(a.shopper.strip() or "—" for a in ctx.audits))
    rows = [
        ("Audits", text.ours(compared, "value")),
        ("Period", text.ours(f"{day(ctx.audits[0])} – {day(latest)}", "value")),
        ("Shoppers", text.user(shoppers, "value", limit=NAMES_LIMIT)),
    ]
    if ctx.several_companies:
        names = ", ".join(dict.fromkeys(facts.companies))
        rows.append(("Companies", text.user(names, "value", limit=NAMES_LIMIT)))
    rows += [
        ("Consistency", text.ours(consistency_text(ctx), "value")),
        ("Score spread", text.ours(spread_text(ctx), "value")),
        ("Trend", text.ours(trend_text(ctx), "value")),
    ]
    story += ctx.cover_figures(
        latest.percent,
        "Latest: " + ctx.redact(latest.verdict),
        fill=ctx.audit_color(latest),
        rows=rows,
    )
    story.append(
        text.ours(
            "The next page shows the scores over time and what the figures mean; then "
            "the audits, what was fixed and what regressed, and every item audit by audit.",
            "muted",
        )
    )
    return story


def _templates_text(ctx: ComparisonContext) -> str:
    """ "Phone check, versions 1–3" or "Phone check v2, Store visit v1" (redacted)."""
    versions: dict[str, list[int]] = {}
    for audit in ctx.audits:
        found = versions.setdefault(audit.template_title, [])
        if audit.template_version not in found:
            found.append(audit.template_version)
    if len(versions) == 1:
        title, numbers = next(iter(versions.items()))
        numbers.sort()
        if len(numbers) == 1:
            shown = f"version {numbers[0]}"
        elif numbers == list(range(numbers[0], numbers[-1] + 1)):
            shown = f"versions {numbers[0]}–{numbers[-1]}"
        else:
            shown = "versions " + ", ".join(map(str, numbers))
        return ctx.redact(f"{title}, {shown}")
    parts = [f"{title} v{'/'.join(map(str, sorted(n)))}" for title, n in versions.items()]
    return ctx.redact(", ".join(parts))
