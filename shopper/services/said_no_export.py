"""The said-no log and imported feedback as CSV or XLSX rows, one per entry, for a
spreadsheet: written as answers are (`shopper.services.export`): UTF-8 with a byte-order
mark, cells a spreadsheet would run as a formula quoted, the file in place only once whole.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from sqlalchemy import Engine

from shopper.domain.said_no import list_of
from shopper.services.export import Format, _csv_cell, _xlsx_cell
from shopper.services.files import output_file
from shopper.store import repo
from shopper.store import said_no as store
from shopper.store.engine import session_scope

SAID_NO_COLUMNS = (
    "id", "company", "log_starts", "team", "at", "tz", "channel", "asked", "refused", "reason",
    "list", "said_by", "theme", "note",
)  # fmt: skip
FEEDBACK_COLUMNS = (
    "id", "company", "kind", "at", "channel", "text", "category", "score", "score_scale",
    "themes", "tagged_by_hand", "shared", "source",
)  # fmt: skip


def said_no_rows(*, engine: Engine, company: str | None = None) -> list[list[Any]]:
    with session_scope(engine) as session:
        companies = {c.id: c.name for c in repo.list_companies(session=session)}
        chosen = repo.find_company(session=session, name_or_id=company).id if company else None
        campaigns = {c.id: c for c in store.list_campaigns(session=session, company_id=chosen)}
        return [
            [
                e.id,
                companies.get(campaigns[e.campaign_id].company_id, ""),
                campaigns[e.campaign_id].starts.isoformat(),
                campaigns[e.campaign_id].team,
                e.at,
                e.tz,
                e.channel,
                e.asked,
                e.refused,
                e.reason,
                list_of(e.reason, e.action_list).value,
                e.said_by,
                e.theme,
                e.note,
            ]
            for e in store.list_entries(session=session, campaign_ids=list(campaigns))
        ]


def feedback_rows(*, engine: Engine, company: str | None = None) -> list[list[Any]]:
    with session_scope(engine) as session:
        companies = {c.id: c.name for c in repo.list_companies(session=session)}
        chosen = repo.find_company(session=session, name_or_id=company).id if company else None
        return [
            [
                f.id,
                companies.get(f.company_id, ""),
                f.kind,
                f.at,
                f.channel,
                f.text,
                f.category,
                f.score,
                f.score_scale,
                ", ".join(f.theme_list()),
                "yes" if f.tagged_by_hand else "",
                "yes" if f.shared else "",
                f.source,
            ]
            for f in store.list_feedback(session=session, company_id=chosen)
        ]


def write_table(
    path: Path, fmt: Format, columns: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str
) -> int:
    """Write the rows; returns how many.

    Raises:
        StorageError: the file cannot be written; nothing is left behind.
    """
    with output_file(path) as handle:
        if fmt is Format.XLSX:
            _xlsx(handle, columns, iter(rows), sheet)
        else:
            _csv(handle, columns, iter(rows))
    return len(rows)


def _csv(handle: BinaryIO, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> None:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    text.write(codecs.BOM_UTF8.decode("utf-8"))
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    text.flush()
    text.detach()


def _xlsx(
    handle: BinaryIO, columns: Sequence[str], rows: Iterator[Sequence[Any]], name: str
) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    book.save(handle)
