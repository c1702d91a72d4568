"""The action plan's PDF for one company (`shopper report --actions`, *Actions › Export plan*).

Actions are printed by theme (the checklists' order), the ones needing attention first in each:
still failing, open, in progress, done, won't do, fixed. An action on an item lists the audits
that checked it; an action on a theme shows the theme's figures since it was done (or made).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from shopper import __version__
from shopper.domain.actions import State
from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.template import touchpoint_label
from shopper.report.actions import ActionFact, ActionPlanFacts, CheckFact, build_action_plan
from shopper.report.document import ReportError, page_size_for
from shopper.services.actions import ActionRow, list_actions, theme_evidence
from shopper.services.chime import PROVIDERS, Provider
from shopper.services.companies import get_company
from shopper.services.files import check_output
from shopper.services.journey import theme_order
from shopper.services.reports import ReportResult, redactor_for, write_atomically

STATE_ORDER = (
    State.STILL_FAILING,
    State.OPEN,
    State.IN_PROGRESS,
    State.DONE,
    State.WONT_DO,
    State.FIXED,
)


def make_action_plan_report(
    *,
    engine: Engine,
    company_id: str,
    out_path: Path,
    page_size: str = "a4",
    redact: bool = False,
    redact_names: Sequence[str] = (),
    providers: Sequence[Provider] = PROVIDERS,
) -> ReportResult:
    """Write the company's action plan as a PDF.

    Raises:
        ShopperError: the company has no actions.
        ReportError: unknown page size, or the file cannot be written.
    """
    page_size_for(page_size)
    try:
        check_output(out_path)
    except StorageError as exc:
        raise ReportError(str(exc)) from exc
    company = get_company(engine=engine, company_id=company_id)
    rows = list_actions(engine=engine, company_id=company_id)
    if not rows:
        raise ShopperError(f"{company.name} has no actions; add one first")
    facts = action_plan_facts(engine, company.name, rows, providers)
    pages = write_atomically(
        out_path,
        lambda out: build_action_plan(
            out,
            facts,
            page_size=page_size,
            redactor=redactor_for(redact, redact_names),
            creator=f"Shopper {__version__}",
        ),
    )
    return ReportResult(out_path, pages)


def action_plan_facts(
    engine: Engine, company: str, rows: list[ActionRow], providers: Sequence[Provider] = PROVIDERS
) -> ActionPlanFacts:
    ordered = sorted(
        rows, key=lambda r: (theme_order(r.theme), STATE_ORDER.index(r.state), r.created_at)
    )
    return ActionPlanFacts(
        company=company, actions=tuple(_fact(engine, r, providers) for r in ordered)
    )


def _fact(engine: Engine, row: ActionRow, providers: Sequence[Provider]) -> ActionFact:
    return ActionFact(
        title=row.title,
        detail=row.detail,
        theme=row.theme_title,
        state=row.state.value,
        verdict=row.describe,
        owner=row.owner,
        due=row.due.isoformat() if row.due else "",
        overdue=row.overdue,
        made=row.made_on.isoformat(),
        made_from=made_from(row),
        checks=tuple(
            CheckFact(c.audit_id[:8], c.day.isoformat(), c.shopper, c.passed) for c in row.checks
        ),
        since=theme_evidence(engine=engine, row=row, providers=providers)
        if row.item_id is None
        else "",
    )


def made_from(row: ActionRow) -> str:
    where = touchpoint_label(row.touchpoint) if row.touchpoint else ""
    what = row.item_prompt or row.item_id or ""
    audit = f", audit {row.audit_id[:8]}" if row.audit_id else ""
    if row.source == "item":
        return f"Failed item: {what} ({where}{audit})"
    if row.source == "moment":
        linked = f" on {what}" if what else ""
        return f"Bad moment{linked} ({where}{audit})"
    return f"Theme: {row.theme_title}"
