"""The action plan out to CSV or XLSX: one row per action with where it stands.

Text is written as the answers' export writes it (`services.export`): CSV in UTF-8 with a
byte-order mark and formula-like cells quoted with an apostrophe; XLSX with every text as
text. The file appears under its name only once complete.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shopper.domain.clock import in_zone
from shopper.domain.template import touchpoint_label
from shopper.services.actions import ActionRow
from shopper.services.export import Format, _csv_cell, _xlsx_cell
from shopper.services.files import output_file

ACTION_COLUMNS = (
    "action_id",
    "company",
    "theme",
    "title",
    "detail",
    "made_from",
    "audit_id",
    "touchpoint",
    "item_id",
    "item",
    "owner",
    "due",
    "overdue",
    "status",
    "state",
    "where_it_stands",
    "verified_by_audit",
    "checked_on",
    "re_audits",
    "made_at",
    "made_timezone",
    "made_by",
)


def action_row(row: ActionRow) -> list[Any]:
    check = row.verdict.check
    return [
        row.id,
        row.company,
        row.theme_title,
        row.title,
        row.detail,
        row.source,
        row.audit_id or "",
        touchpoint_label(row.touchpoint) if row.touchpoint else "",
        row.item_id or "",
        row.item_prompt,
        row.owner,
        row.due.isoformat() if row.due else "",
        "yes" if row.overdue else "",
        row.status.value,
        row.state.value,
        row.describe,
        check.audit_id if check is not None else "",
        check.day.isoformat() if check is not None else "",
        len(row.checks),
        in_zone(row.created_at, row.created_tz),
        row.created_tz,
        row.created_by,
    ]


def export_actions(*, rows: Sequence[ActionRow], path: Any, fmt: Format) -> int:
    """Write the actions to `path`; returns how many.

    Raises:
        StorageError: the file cannot be written; nothing is left behind.
    """
    with output_file(path) as handle:
        if fmt is Format.CSV:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
            text.write(codecs.BOM_UTF8.decode("utf-8"))
            writer = csv.writer(text)
            writer.writerow(ACTION_COLUMNS)
            for row in rows:
                writer.writerow([_csv_cell(value) for value in action_row(row)])
            text.flush()
            text.detach()
        else:
            book = Workbook(write_only=True)
            sheet = book.create_sheet("Actions")
            sheet.freeze_panes = "A2"
            widths = {"title": 40, "detail": 40, "item": 40, "where_it_stands": 48}
            for number, name in enumerate(ACTION_COLUMNS):
                sheet.column_dimensions[get_column_letter(number + 1)].width = widths.get(name, 14)
            header = []
            for name in ACTION_COLUMNS:
                cell = WriteOnlyCell(sheet, value=name)
                cell.font = Font(bold=True)
                header.append(cell)
            sheet.append(header)
            for row in rows:
                sheet.append([_xlsx_cell(sheet, value) for value in action_row(row)])
            book.save(handle)
    return len(rows)
