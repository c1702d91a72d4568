"""What a Create action dialog starts from: a failed item or bad moment of the findings, or a
theme; kept apart so the findings window gains one button and one method only."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget
from sqlalchemy import Engine

from shopper.domain.template import touchpoint_label
from shopper.domain.themes import theme_title
from shopper.services.actions import ActionInput
from shopper.services.findings import Finding, FindingKind
from shopper.ui.action_dialog import ActionDialog, combo_companies


def draft_of(
    finding: Finding | None, theme: str | None, company_id: str
) -> tuple[ActionInput, str]:
    """The action's input and, in words, what it is made from."""
    if finding is not None and finding.kind is FindingKind.FAILED_ITEM and finding.item_id:
        where = f"{finding.company_name}, {touchpoint_label(finding.touchpoint)}"
        return (
            ActionInput(
                company=finding.company_id, title="", audit=finding.audit_id, item=finding.item_id
            ),
            f"Failed item: {finding.prompt} ({where}). The next audit of this touchpoint"
            " verifies it.",
        )
    if finding is not None and finding.moment_id:
        note = f": {finding.note}" if finding.note else ""
        return (
            ActionInput(
                company=finding.company_id,
                title="",
                audit=finding.audit_id,
                moment=finding.moment_id,
            ),
            f"{finding.kind.label}{note}",
        )
    chosen = theme if theme is not None else ""
    return (
        ActionInput(company=company_id, title="", theme=chosen),
        f"An action on the theme {theme_title(chosen)}.",
    )


def open_action_dialog(
    parent: QWidget,
    engine: Engine,
    company_combo: QComboBox,
    *,
    finding: Finding | None,
    theme: str | None,
) -> ActionDialog:
    draft, about = draft_of(finding, theme, str(company_combo.currentData() or ""))
    dialog = ActionDialog(
        engine, draft, about=about, companies=combo_companies(company_combo), parent=parent
    )
    dialog.open()
    return dialog
