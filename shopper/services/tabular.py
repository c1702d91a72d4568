"""Rows from a spreadsheet: CSV or XLSX, streamed, with a column mapping and every bad row
named.

The first row names the columns. Which column holds which field comes from the mapping the
user gave (`--map asked=Request,reason=Why`, or the mapping dialog), else from a column
named like the field. Reading streams: a CSV row at a time, an XLSX sheet through openpyxl's
read-only mode; a file over `MAX_FILE_BYTES`, an XLSX that unpacks to more than
`MAX_UNPACKED_BYTES` or a cell over `MAX_CELL` characters is refused with one line.

An importer (`shopper.services.said_no_import`, `shopper.services.feedback`) turns each
row into what it stores, or into `RowProblem`s; `run_import` then stores all rows, or none
when one is wrong, unless the user chose to store the valid ones: the rejected rows are
then written, as they were read with a `problem` column, to a CSV file beside.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from shopper.domain.clock import is_valid_zone
from shopper.domain.errors import ShopperError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_CELL = 100_000
MAX_ROWS = 200_000
MAX_LISTED = 50
"""Problems named in an error; the rest are counted."""

T = TypeVar("T")


class TableError(ShopperError):
    """The file cannot be read as a table (one line)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    why: str

    def __str__(self) -> str:
        where = f", column {self.column}" if self.column else ""
        return f"line {self.line}{where}: {self.why}"


class RowsError(ShopperError):
    """Rows of a file are not valid and nothing was imported; `problems` names each (line,
    column, why), the message how many there are."""

    def __init__(self, path: Path, problems: Sequence[RowProblem]) -> None:
        self.path = path
        self.problems = list(problems)
        rows = len({p.line for p in problems})
        super().__init__(
            f"{path.name}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in {rows}"
            f" row{'s' if rows != 1 else ''}; nothing was imported (first: {problems[0]})"
        )

    def lines(self) -> list[str]:
        """The message, then one line per problem (the first `MAX_LISTED`)."""
        shown = [f"{self.path.name}: {problem}" for problem in self.problems[:MAX_LISTED]]
        more = len(self.problems) - MAX_LISTED
        return [str(self), *shown, *([f"... and {more} more"] if more > 0 else [])]


@dataclass(frozen=True)
class FieldSpec:
    """A field an importer reads: its name, whether a row must have it, other column names
    that mean it (case and spacing aside), and what it is for people."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Row:
    line: int
    """The file's line (CSV) or the sheet's row number (XLSX) it came from."""
    cells: dict[str, str]
    """Column name to cell text, every column of the header."""

    def get(self, mapping: Mapping[str, str], field: str) -> str:
        column = mapping.get(field)
        return self.cells.get(column, "").strip() if column else ""


# -- reading ----------------------------------------------------------------------------


@dataclass
class TableReader:
    path: Path
    columns: list[str]
    _rows: Iterator[tuple[int, list[str]]]

    def rows(self) -> Iterator[Row]:
        width = len(self.columns)
        count = 0
        for line, cells in self._rows:
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise TableError(f"{self.path.name}: more than {MAX_ROWS} rows; split the file")
            padded = [*cells, *[""] * (width - len(cells))]
            yield Row(line, dict(zip(self.columns, padded[:width], strict=True)))


@contextmanager
def open_table(path: Path) -> Iterator[TableReader]:
    """The table in a CSV or XLSX file: its columns, and its rows as they are read.

    Raises:
        TableError: not readable, too big, no header, a cell too long (one line).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise TableError(
            f"{path.name}: {size / 1024 / 1024:.0f} MB is too big to import"
            f" (limit {MAX_FILE_BYTES // 1024 // 1024} MB); split it into smaller files"
        )
    if path.suffix.casefold() in (".xlsx", ".xlsm"):
        with _xlsx_rows(path) as rows:
            yield _reader(path, rows)
    else:
        with _csv_rows(path) as rows:
            yield _reader(path, rows)


def _reader(path: Path, rows: Iterator[tuple[int, list[str]]]) -> TableReader:
    for _line, header in rows:
        if any(cell.strip() for cell in header):
            columns = [" ".join(cell.split()) or f"column {n + 1}" for n, cell in enumerate(header)]
            twice = next((c for k, c in enumerate(columns) if c in columns[:k]), None)
            if twice is not None:
                raise TableError(f"{path.name}: two columns are named {twice!r}")
            return TableReader(path, columns, rows)
    raise TableError(f"{path.name}: the file is empty (no header row naming the columns)")


@contextmanager
def _csv_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise TableError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    with handle:
        yield _csv_lines(path, handle)


def _csv_lines(path: Path, handle: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    try:
        sample = handle.read(8192)
    except UnicodeDecodeError:
        raise TableError(f"{path.name}: not UTF-8 text; save it as CSV UTF-8") from None
    handle.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(handle, delimiter=delimiter)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise TableError(
                f"{path.name}: near line {reader.line_num + 1}: not UTF-8 text; save it as"
                " CSV UTF-8"
            ) from None
        except csv.Error:
            raise TableError(
                f"{path.name}: line {reader.line_num}: a cell is too long or badly quoted"
                f" (a cell may hold {csv.field_size_limit()} characters)"
            ) from None
        for n, cell in enumerate(cells):
            if len(cell) > MAX_CELL:
                raise TableError(
                    f"{path.name}: line {line}, column {n + 1}: a cell of {len(cell)}"
                    f" characters (limit {MAX_CELL})"
                )
        if "\x00" in "".join(cells):
            raise TableError(f"{path.name}: line {line}: not a text file (a NUL byte)")
        yield line, cells
        line = reader.line_num + 1


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile):
        raise TableError(f"{path.name}: not an XLSX workbook") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(
            f"{path.name}: unpacks to {unpacked / 1024 / 1024:.0f} MB, too big to import"
            f" (limit {MAX_UNPACKED_BYTES // 1024 // 1024} MB)"
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise TableError(
            f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise TableError(f"{path.name}: the workbook has no sheet")
        yield _xlsx_lines(path, sheet)
    finally:
        book.close()


def _xlsx_lines(path: Path, sheet: Any) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [cell_text(value) for value in values]
        for n, cell in enumerate(cells):
            if len(cell) > MAX_CELL:
                raise TableError(
                    f"{path.name}: row {number}, column {n + 1}: a cell of {len(cell)}"
                    f" characters (limit {MAX_CELL})"
                )
        yield number, cells


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: days and times in ISO form, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- mapping ----------------------------------------------------------------------------


def parse_map(text: str, fields: Sequence[FieldSpec]) -> dict[str, str]:
    """`FIELD=COLUMN,...` as the command line takes it.

    Raises:
        TableError: a part is not FIELD=COLUMN, or names no field.
    """
    names = {spec.name for spec in fields}
    mapping: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        field, sep, column = part.partition("=")
        field = field.strip().casefold()
        if not sep or not column.strip():
            raise TableError(f"--map: {part.strip()!r} is not FIELD=COLUMN")
        if field not in names:
            raise TableError(
                f"--map: {field!r} is not a field; the fields are {', '.join(sorted(names))}"
            )
        mapping[field] = " ".join(column.split())
    return mapping


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def guess_mapping(fields: Sequence[FieldSpec], columns: Sequence[str]) -> dict[str, str]:
    """Each field to the column named like it or one of its aliases (case, spacing and
    punctuation aside); fields with no such column are left out."""
    by_key = {_key(column): column for column in columns}
    found: dict[str, str] = {}
    for spec in fields:
        for name in (spec.name, *spec.aliases):
            column = by_key.get(_key(name))
            if column is not None and column not in found.values():
                found[spec.name] = column
                break
    return found


def resolve_mapping(
    path: Path, fields: Sequence[FieldSpec], columns: Sequence[str], given: Mapping[str, str]
) -> dict[str, str]:
    """The mapping to import with: the user's, completed by the guessed one.

    Raises:
        TableError: a column the user named is not in the file, or a required field has no
            column.
    """
    folded = {column.casefold(): column for column in columns}
    mapping = {k: v for k, v in guess_mapping(fields, columns).items() if v not in given.values()}
    for field, column in given.items():
        actual = folded.get(column.casefold())
        if actual is None:
            raise TableError(
                f"{path.name}: no column {column!r} for {field}; the columns are"
                f" {', '.join(repr(c) for c in columns)}"
            )
        mapping[field] = actual
    missing = [spec.name for spec in fields if spec.required and spec.name not in mapping]
    if missing:
        raise TableError(
            f"{path.name}: no column for {', '.join(missing)}; name it with --map"
            f" {missing[0]}=COLUMN (the columns are {', '.join(repr(c) for c in columns)})"
        )
    return mapping


def preview(
    path: Path, fields: Sequence[FieldSpec], rows: int = 5
) -> tuple[list[str], list[Row], dict[str, str]]:
    """The columns, the first rows and the guessed mapping: what the mapping dialog shows."""
    with open_table(path) as table:
        first: list[Row] = []
        for row in table.rows():
            first.append(row)
            if len(first) >= rows:
                break
        return table.columns, first, guess_mapping(fields, table.columns)


# -- importing --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    imported: int
    rejected: int
    rejects_file: Path | None
    problems: tuple[RowProblem, ...]


@dataclass
class Checked(Generic[T]):
    rows: list[T]
    good_rows: list[Row]
    problems: list[RowProblem]
    bad_rows: list[tuple[Row, list[RowProblem]]]
    columns: list[str]


def check_rows(
    path: Path,
    fields: Sequence[FieldSpec],
    given: Mapping[str, str],
    convert: Callable[[Row, Mapping[str, str]], T | list[RowProblem]],
    progress: Callable[[int], None] | None = None,
) -> Checked[T]:
    """Every row of the file converted, or its problems: one pass, streamed."""
    with open_table(path) as table:
        mapping = resolve_mapping(path, fields, table.columns, given)
        checked: Checked[T] = Checked([], [], [], [], table.columns)
        for count, row in enumerate(table.rows(), start=1):
            result = convert(row, mapping)
            if isinstance(result, list):
                checked.problems += result
                checked.bad_rows.append((row, result))
            else:
                checked.rows.append(result)
                checked.good_rows.append(row)
            if progress is not None and count % 500 == 0:
                progress(count)
        if not checked.rows and not checked.bad_rows:
            raise TableError(f"{path.name}: no rows under the header; nothing to import")
        return checked


def settle(
    path: Path, checked: Checked[Any], *, valid_only: bool, rejects: Path | None = None
) -> Path | None:
    """Before storing: raise when a row is wrong and the user did not choose to import the
    valid rows; else write the rejected rows (if any) to `rejects` (default: beside the
    file, `NAME-rejected.csv`) and return where.

    Raises:
        RowsError: a row is wrong and `valid_only` is false; nothing is to be stored.
    """
    if not checked.problems:
        return None
    if not valid_only:
        raise RowsError(path, checked.problems)
    target = rejects or path.with_name(f"{path.stem}-rejected.csv")
    write_rejects(target, checked.columns, checked.bad_rows)
    return target


def write_rejects(
    target: Path, columns: Sequence[str], bad_rows: Sequence[tuple[Row, list[RowProblem]]]
) -> None:
    """The rejected rows as read, with their line and what is wrong: fix them and import this
    file again (the extra columns are not fields, so they are ignored)."""
    try:
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*columns, "line", "problem"])
            for row, problems in bad_rows:
                writer.writerow(
                    [
                        *(row.cells.get(column, "") for column in columns),
                        row.line,
                        "; ".join(f"{p.column}: {p.why}" if p.column else p.why for p in problems),
                    ]
                )
    except OSError as exc:
        raise TableError(
            f"{target}: cannot write the rejected rows ({exc.strerror or exc})"
        ) from None


# -- cells ------------------------------------------------------------------------------


def parse_moment(text: str, zone: str) -> datetime:
    """A date ("2026-03-02") or date and time ("2026-03-02 10:15", ISO with or without an
    offset) in a cell, as an aware UTC datetime; a bare day is taken at noon in `zone`.

    Raises:
        ValueError: not such a date.
    """
    cleaned = text.strip().replace("/", "-") if text.strip()[:4].isdigit() else text.strip()
    where = ZoneInfo(zone) if is_valid_zone(zone) else UTC
    if len(cleaned) <= 10:
        day = date.fromisoformat(cleaned)
        return datetime.combine(day, time(12, 0), tzinfo=where).astimezone(UTC)
    moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=where)
    return moment.astimezone(UTC)
