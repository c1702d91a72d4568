"""`shopper compare`: repeated audits of a company at a touchpoint, item by item."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from shopper.cli._filters import add_filters, company_id, date_range
from shopper.cli.base import EXIT_OK, Subparsers, open_context, print_json
from shopper.domain.clock import in_zone
from shopper.domain.compare import Cell, Change
from shopper.domain.errors import ShopperError
from shopper.domain.scoring import Outcome
from shopper.domain.wording import column

if TYPE_CHECKING:  # the services load only when a command runs
    from shopper.services.compare import CompareResult

OUTCOME_CODES = {
    Outcome.PASS: "P",
    Outcome.PARTIAL: "p",
    Outcome.FAIL: "F",
    Outcome.NA: "-",
    Outcome.INFO: "i",
    Outcome.UNANSWERED: "?",
    Outcome.HIDDEN: ".",
    Outcome.SHOWN: " ",
}
MISSING_CODE = "x"
LEGEND = (
    "P pass  p partial  F fail  - N/A  i unscored  ? unanswered  . hidden  "
    "x not in this version;  ▲ fixed  ▼ regressed  ● changed"
)
PROMPT_WIDTH = 44


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "compare",
        help="compare the repeated audits of a company at one touchpoint",
        description="Items as rows, completed audits as columns (oldest first), the changes "
        "between consecutive audits and the consistency figures (docs/scoring.md).",
    )
    add_filters(parser, touchpoint_required=True)
    parser.add_argument(
        "--last", type=int, default=50, metavar="N", help="compare the newest N audits (50)"
    )
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from shopper.services.compare import compare_pair, comparison_to_json

    if not args.company:
        raise ShopperError("compare: --company is required")
    since, until = date_range(args)
    if since and until and since >= until:
        raise ShopperError("--since: must not be after --until")
    ctx = open_context(args)
    cid = company_id(ctx, args)
    assert cid is not None
    result = compare_pair(
        engine=ctx.engine,
        company_id=cid,
        touchpoint=args.touchpoint,
        last=args.last,
        since=since,
        until=until,
    )
    if args.json:
        print_json(comparison_to_json(result))
        return EXIT_OK
    comp = result.comparison
    shown = len(comp.audits)
    noun = "audit" if result.available == 1 else "audits"
    print(f"{result.title}: {result.available} completed {noun}", end="")
    print(f" (the newest {shown} compared)" if shown < result.available else "")
    if shown == 0:
        print("Nothing to compare yet.")
        return EXIT_OK
    print(_figures(result))
    print("\nAudits, oldest first:")
    for number, audit in enumerate(comp.audits, start=1):
        local = in_zone(audit.started_at, audit.started_tz)
        score = "—" if audit.percent is None else f"{audit.percent:.0f}%"
        print(
            f"  {number:>3}  {local:%Y-%m-%d}  {audit.audit_id[:8]}  {column(audit.shopper, 18)}  "
            f"v{audit.template_version}  {score:>5}  {audit.verdict}"
        )
    print(f"\nItems ({LEGEND}):")
    numbers = "".join(f"{n % 100:>3}" for n in range(1, shown + 1))
    print(f"  {'agree':>5}  {'item':<{PROMPT_WIDTH}} {numbers}")
    for row in comp.rows:
        agree = "—" if row.agreement is None else f"{100 * row.agreement:.0f}%"
        prompt = _clip(row.prompt, PROMPT_WIDTH)
        cells = "".join(_code(cell) for cell in row.cells)
        print(f"  {agree:>5}  {prompt:<{PROMPT_WIDTH}} {cells}")
    if shown >= 2:
        _print_latest_changes(result)
    return EXIT_OK


def _figures(result: CompareResult) -> str:
    comp = result.comparison
    index = "—" if comp.consistency is None else f"{comp.consistency:.1f}"
    spread = comp.spread
    if spread.stdev is None or spread.minimum is None or spread.maximum is None:
        spread_text = "—"
    else:
        spread_text = (
            f"σ {spread.stdev:.1f} points (range {spread.minimum:.0f}–{spread.maximum:.0f}%)"
        )
    trend = comp.trend.describe() or "—"
    return f"Consistency index {index} / 100 · score spread {spread_text} · trend {trend}"


def _code(cell: Cell) -> str:
    code = MISSING_CODE if cell.outcome is None else OUTCOME_CODES[cell.outcome]
    marker = cell.change.marker if cell.change else ""
    return f"{code}{marker or ' '}".rjust(3)


def _clip(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_latest_changes(result: CompareResult) -> None:
    comp = result.comparison
    counts = comp.latest_changes
    last = len(comp.audits) - 1
    print(
        f"\nSince the previous audit: {counts[Change.FIXED]} fixed, "
        f"{counts[Change.REGRESSED]} regressed, {counts[Change.CHANGED]} changed, "
        f"{counts[Change.UNCHANGED]} unchanged"
    )
    for change, word in ((Change.FIXED, "fixed"), (Change.REGRESSED, "regressed")):
        for row in comp.rows:
            cell = row.cells[last]
            if cell.change is change:
                before = row.cells[last - 1].text or "—"
                print(f"  {word:<9} {_clip(row.prompt, 60)}: {before} → {cell.text or '—'}")
