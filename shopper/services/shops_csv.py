"""Shops from a CSV file: one shop per row, every row checked before any is created.

The file has a header row naming its columns, in any order: company, touchpoint, shopper and
due are required; template, from and instructions may be left out (or empty in a row). UTF-8,
with or without a byte-order mark, any line ends, quoted cells as spreadsheets write them.
`shopper assign --from-csv` and (later) File › Import shops… both read it here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from shopper.domain.errors import ShopperError
from shopper.services.shops import (
    FieldProblem,
    ShopInput,
    ShopInputError,
    ShopRow,
    create_shops,
)

MAX_CSV_BYTES = 10 * 1024 * 1024
REQUIRED = ("company", "touchpoint", "shopper", "due")
OPTIONAL = ("template", "from", "instructions")
COLUMNS = ("company", "touchpoint", "template", "shopper", "from", "due", "instructions")


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.why}"


class ShopCsvError(ShopperError):
    """Rows of a shops file are not valid; nothing was created. `problems` names each one
    (line, column, why); the message says how many there are."""

    def __init__(self, path: Path, problems: list[RowProblem]) -> None:
        self.path = path
        self.problems = problems
        rows = len({p.line for p in problems})
        super().__init__(
            f"{path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in {rows}"
            f" row{'s' if rows > 1 else ''}; no shop was created"
        )

    def lines(self) -> list[str]:
        """The message, then one line per problem."""
        return [str(self), *(f"{self.path}: {problem}" for problem in self.problems)]


@dataclass(frozen=True)
class _Parsed:
    lines: list[int]
    """The file's line each shop starts on."""
    shops: list[ShopInput]
    problems: list[tuple[int, FieldProblem]]


def import_shops_csv(
    *, engine: Engine, path: Path, at: datetime | None = None, zone: str | None = None
) -> list[ShopRow]:
    """Create the shops of a CSV file, all of them or, when any row is wrong, none.

    Raises:
        ShopperError: the file cannot be read as a shops file (one line).
        ShopCsvError: every row at fault, with its line, column and why.
    """
    parsed = _parse(path, _read(path))
    try:
        return create_shops(
            engine=engine, shops=parsed.shops, at=at, zone=zone, known_problems=parsed.problems
        )
    except ShopInputError as exc:
        problems = [RowProblem(parsed.lines[i], p.field, p.why) for i, p in exc.problems]
        problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column)))
        raise ShopCsvError(path, problems) from None


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise ShopperError(
                f"{path}: {size / 1024 / 1024:.1f} MB is too big for a shops file"
                f" (limit {MAX_CSV_BYTES // 1024 // 1024} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ShopperError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ShopperError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None


def _parse(path: Path, text: str) -> _Parsed:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ShopperError(
                f"{path}: the file is empty; it needs a header row ({', '.join(COLUMNS)})"
            )
        header_line = reader.line_num
        names = [cell.strip().lower() for cell in header]
        for name in names:
            if name not in COLUMNS:
                raise ShopperError(
                    f"{path}: line {header_line}: unknown column {name!r};"
                    f" the columns are {', '.join(COLUMNS)}"
                )
            if names.count(name) > 1:
                raise ShopperError(f"{path}: line {header_line}: column {name!r} twice")
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise ShopperError(
                f"{path}: line {header_line}: missing column{'s' if len(missing) > 1 else ''}"
                f" {', '.join(missing)} (the header has {', '.join(names)})"
            )
        lines: list[int] = []
        shops: list[ShopInput] = []
        problems: list[tuple[int, FieldProblem]] = []
        last = reader.line_num
        for cells in reader:
            first, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            index = len(shops)
            lines.append(first)
            if len(cells) != len(names):
                problems.append(
                    (
                        index,
                        FieldProblem(
                            names[min(len(cells), len(names) - 1)],
                            f"the row has {len(cells)} cells, the header {len(names)}",
                        ),
                    )
                )
            row = dict(zip(names, cells, strict=False))
            days: dict[str, date | None] = {}
            for column in ("from", "due"):
                value = row.get(column, "").strip()
                days[column] = None
                if value:
                    try:
                        days[column] = date.fromisoformat(value)
                    except ValueError:
                        problems.append(
                            (index, FieldProblem(column, f"not a day as YYYY-MM-DD: {value!r}"))
                        )
            shops.append(
                ShopInput(
                    company=row.get("company", ""),
                    touchpoint=row.get("touchpoint", ""),
                    shopper=row.get("shopper", ""),
                    due=days["due"],
                    opens=days["from"],
                    template=row.get("template") or None,
                    instructions=row.get("instructions", "").strip(),
                )
            )
    except csv.Error as exc:
        raise ShopperError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None
    if not shops:
        raise ShopperError(f"{path}: the file has a header row but no shops")
    return _Parsed(lines, shops, problems)
