"""Spreadsheet import: CSV and XLSX streamed, the mapping, every bad row named, the limits."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import pytest
from openpyxl import Workbook

from shopper.services import tabular
from shopper.services.tabular import FieldSpec, Row, RowProblem

FIELDS = (FieldSpec("asked", True, ("request",)), FieldSpec("reason", True), FieldSpec("note"))


def convert(row: Row, mapping: Mapping[str, str]) -> tuple[str, str] | list[RowProblem]:
    problems = [
        RowProblem(row.line, mapping[name], "empty")
        for name in ("asked", "reason")
        if not row.get(mapping, name)
    ]
    return problems or (row.get(mapping, "asked"), row.get(mapping, "reason"))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_named_by_their_line_even_after_a_multiline_cell(tmp_path: Path) -> None:
    path = write(
        tmp_path / "log.csv",
        'Request,Reason,Note\n"two\nlines",policy,\n,policy,x\nok,,\n\nlast,other,\n',
    )
    checked = tabular.check_rows(path, FIELDS, {}, convert)
    assert checked.rows == [("two\nlines", "policy"), ("last", "other")]
    assert [str(p) for p in checked.problems] == [
        "line 4, column Request: empty",
        "line 5, column Reason: empty",
    ]
    with pytest.raises(tabular.RowsError) as info:
        tabular.settle(path, checked, valid_only=False)
    assert "2 problems in 2 rows; nothing was imported" in str(info.value)
    assert info.value.lines()[1] == "log.csv: line 4, column Request: empty"


def test_valid_only_writes_the_rejected_rows_to_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "asked;reason\nfine;policy\n;other\n")  # semicolons
    checked = tabular.check_rows(path, FIELDS, {}, convert)
    target = tabular.settle(path, checked, valid_only=True)
    assert target == tmp_path / "log-rejected.csv"
    with target.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["asked", "reason", "line", "problem"],
            ["", "other", "3", "asked: empty"],
        ]


def test_the_mapping_from_the_user_wins_and_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "What,Why,asked\nsoup,policy,ignored\n")
    mapping = tabular.parse_map("asked=what, reason=WHY", FIELDS)
    checked = tabular.check_rows(path, FIELDS, mapping, convert)
    assert checked.rows == [("soup", "policy")]
    with pytest.raises(tabular.TableError, match=r"no column 'Nope' for reason"):
        tabular.check_rows(path, FIELDS, {"reason": "Nope"}, convert)
    with pytest.raises(tabular.TableError, match=r"no column for reason; name it with --map"):
        tabular.check_rows(path, FIELDS, {}, convert)
    with pytest.raises(tabular.TableError, match="'colour' is not a field"):
        tabular.parse_map("colour=red", FIELDS)
    with pytest.raises(tabular.TableError, match="is not FIELD=COLUMN"):
        tabular.parse_map("asked", FIELDS)


def test_xlsx_is_read_in_read_only_mode(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Request", "Reason", "Note"])
    sheet.append(["Refund", "policy", 3.0])
    sheet.append([None, None, None])
    sheet.append([None, "policy", None])
    book.save(tmp_path / "log.xlsx")
    columns, first, guessed = tabular.preview(tmp_path / "log.xlsx", FIELDS)
    assert columns == ["Request", "Reason", "Note"]
    assert guessed == {"asked": "Request", "reason": "Reason", "note": "Note"}
    assert first[0].cells == {"Request": "Refund", "Reason": "policy", "Note": "3"}
    checked = tabular.check_rows(tmp_path / "log.xlsx", FIELDS, {}, convert)
    assert [str(p) for p in checked.problems] == ["line 4, column Request: empty"]


def test_a_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(tabular.MAX_FILE_BYTES + 1)
    with pytest.raises(tabular.TableError, match="too big to import"):
        tabular.check_rows(path, FIELDS, {}, convert)


def test_a_huge_cell_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "cell.csv", "asked,reason\nfine,policy\n" + "x" * 10_000_000 + ",p\n")
    with pytest.raises(tabular.TableError, match="line 3"):
        tabular.check_rows(path, FIELDS, {}, convert)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty"),
        (b"asked,reason\n", "no rows"),
        (b"asked,asked\nx,y\n", "two columns are named"),
        (b"asked,reason\n\xff\xfe,x\n", "not UTF-8"),
    ],
)
def test_unreadable_files_are_one_line(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(tabular.TableError, match=why):
        tabular.check_rows(path, FIELDS, {}, convert)


def test_not_a_workbook(tmp_path: Path) -> None:
    path = write(tmp_path / "fake.xlsx", "asked,reason\n")
    with pytest.raises(tabular.TableError, match="not an XLSX workbook"):
        tabular.check_rows(path, FIELDS, {}, convert)
