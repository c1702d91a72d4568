"""Answers out to CSV or XLSX: one row per stored answer, for a filter or everything.

Audits are read a page at a time (`services.analysis`) and each row is
written as it is made, so memory stays flat however many audits there are;
the file appears under its name only once complete (`files.output_file`).

What each format does to text (docs/scoring.md, "Exporting answers"):

- CSV is UTF-8 with a byte-order mark, so spreadsheet programs read accents
  right. A text cell that a spreadsheet would run as a formula (starting with
  =, +, -, @, a tab or a carriage return, and not a plain number) gets a
  leading apostrophe.
- XLSX stores every text as text (never a formula), so it needs no apostrophe;
  characters XML cannot hold become U+FFFD, and a cell keeps at most 32,767
  characters (Excel's limit) — longer notes are cut and end with "…".
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from shopper.domain.answers import format_answer
from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.template import touchpoint_label
from shopper.domain.themes import theme_title
from shopper.services.analysis import Progress, ScoredAudit, scored_audits
from shopper.services.files import output_file
from shopper.services.findings import FindingsReport
from shopper.store import analysis
from shopper.store.analysis import Scope
from shopper.store.engine import session_scope


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


COLUMNS = (
    "audit_id",
    "audit_started",
    "audit_timezone",
    "audit_status",
    "company",
    "touchpoint",
    "template",
    "template_version",
    "shopper",
    "section",
    "item_id",
    "item",
    "theme",
    "value",
    "outcome",
    "points",
    "max_points",
    "note",
    "answered_at",
    "answered_by",
)

XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL = 32_767
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    audits: int


def format_for(path: Path, given: str | None = None) -> Format:
    """The format asked for, or the one the file name ends with.

    Raises:
        ShopperError: neither names CSV or XLSX.
    """
    name = (given or path.suffix.lstrip(".")).lower()
    try:
        return Format(name)
    except ValueError:
        raise ShopperError(
            f"{path.name}: export as csv or xlsx (got {name or 'no extension'!r})"
        ) from None


def export_answers(
    *,
    engine: Engine,
    path: Path,
    fmt: Format,
    scope: Scope | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write one row per answer of the audits in scope (every audit, any status, by default).

    Raises:
        StorageError: the file cannot be written; nothing is left behind.
        ShopperError: more rows than an XLSX sheet holds.
    """
    scope = scope or Scope(status=None)
    if fmt is Format.XLSX:
        with session_scope(engine) as session:
            count = analysis.count_answers(session=session, scope=scope)
        if count + 1 > XLSX_MAX_ROWS:
            raise ShopperError(
                f"{path.name}: {count:,} answers do not fit in one XLSX sheet "
                f"({XLSX_MAX_ROWS - 1:,} rows at most); export as CSV or narrow the filter"
            )
    audits = scored_audits(engine=engine, scope=scope, progress=progress)
    with output_file(path) as handle:
        writer = _write_csv if fmt is Format.CSV else _write_xlsx
        rows, audit_count = writer(handle, audits)
    return ExportResult(path, rows, audit_count)


def answer_rows(audit: ScoredAudit) -> Iterator[list[Any]]:
    """The export rows of one audit, in checklist order (values as Python objects)."""
    meta, template, score = audit.meta, audit.template, audit.score
    started = in_zone(meta.started_at, meta.started_tz)
    common = [
        meta.id,
        started,
        meta.started_tz,
        meta.status,
        meta.company_name,
        touchpoint_label(meta.touchpoint),
        meta.template_title,
        meta.template_version,
        meta.shopper,
    ]
    seen = set()
    for section in template.sections:
        for item in section.items:
            answer = audit.answers.get(item.id)
            if answer is None or not item.answerable:
                continue
            seen.add(item.id)
            result = score.items[item.id]
            counted = result.max_points > 0
            yield [
                *common,
                section.title,
                item.id,
                item.prompt,
                item.theme,
                format_answer(item, answer.value),
                result.outcome.value,
                round(result.points, 4) if counted else None,
                result.max_points if counted else None,
                answer.note,
                in_zone(answer.answered_at, answer.answered_tz),
                answer.source,
            ]
    # An answer to an item its template lacks cannot be scored, but it is still data.
    for item_id, answer in audit.answers.items():
        if item_id not in seen:
            yield [
                *common,
                "",
                item_id,
                "",
                "",
                "" if answer.value is None else str(answer.value),
                "",
                None,
                None,
                answer.note,
                in_zone(answer.answered_at, answer.answered_tz),
                answer.source,
            ]


def _write_csv(handle: BinaryIO, audits: Iterator[ScoredAudit]) -> tuple[int, int]:
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    text.write(codecs.BOM_UTF8.decode("utf-8"))
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    rows = count = 0
    for audit in audits:
        count += 1
        for row in answer_rows(audit):
            writer.writerow([_csv_cell(value) for value in row])
            rows += 1
    text.flush()
    text.detach()  # the caller owns the binary file and syncs it
    return rows, count


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def _write_xlsx(handle: BinaryIO, audits: Iterator[ScoredAudit]) -> tuple[int, int]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Answers")
    sheet.freeze_panes = "A2"
    widths = {"audit_id": 12, "audit_started": 18, "company": 24, "item": 48, "note": 48}
    for number, name in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(number + 1)].width = widths.get(name, 14)
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    rows = count = 0
    for audit in audits:
        count += 1
        for row in answer_rows(audit):
            sheet.append([_xlsx_cell(sheet, value) for value in row])
            rows += 1
    book.save(handle)
    return rows, count


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones; the zone has its own column
    if not isinstance(value, str):
        return value
    text = _XML_ILLEGAL.sub("\ufffd", value)
    if len(text) > XLSX_MAX_CELL:
        text = text[: XLSX_MAX_CELL - 1] + "…"
    if not text.startswith("="):
        return text  # a plain value: cheaper than a cell object, and most texts are
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would make "=..." a formula
    return cell


FINDING_COLUMNS = (
    "theme",
    "finding",
    "at",
    "company",
    "touchpoint",
    "audit_id",
    "audit_started",
    "section",
    "item",
    "answer",
    "note",
    "critical",
)


def export_findings(*, report: FindingsReport, path: Path) -> int:
    """Every finding of a findings-by-theme report as a CSV row; returns how many.

    UTF-8 with a byte-order mark and cells that a spreadsheet would run as a formula
    quoted, as for answers.

    Raises:
        StorageError: the file cannot be written; nothing is left behind.
    """
    rows = 0
    with output_file(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
        text.write(codecs.BOM_UTF8.decode("utf-8"))
        writer = csv.writer(text)
        writer.writerow(FINDING_COLUMNS)
        for theme in report.themes:
            for finding in theme.findings:
                values = (
                    theme_title(theme.theme),
                    finding.kind.label,
                    finding.at,
                    finding.company_name,
                    touchpoint_label(finding.touchpoint),
                    finding.audit_id,
                    finding.started_at,
                    finding.section,
                    finding.prompt,
                    finding.answer,
                    finding.note,
                    "yes" if finding.critical else "",
                )
                writer.writerow([_csv_cell(value) for value in values])
                rows += 1
        text.flush()
        text.detach()
    return rows
