"""Exporting answers to CSV and XLSX: one row per answer, safe text, whole files only."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from shopper.domain.errors import ShopperError, StorageError
from shopper.services import export as export_module
from shopper.services.context import AppContext
from shopper.services.export import (
    COLUMNS,
    FINDING_COLUMNS,
    Format,
    export_answers,
    export_findings,
    format_for,
)
from shopper.services.files import atomic_file
from shopper.services.findings import findings_by_theme
from shopper.services.runner import AuditRunner
from shopper.store.analysis import Scope
from tests.postgres import DATABASES, app_context
from tests.services.analysis_data import ZONE, History, build_history


@pytest.fixture(params=DATABASES)
def ctx(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[AppContext]:
    """Exports run on SQLite and on a team database (as a manager)."""
    with app_context(request.param, request, data_dir) as context:
        yield context


@pytest.fixture
def history(ctx: AppContext, tmp_path: Path) -> History:
    return build_history(ctx, tmp_path)


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark for spreadsheet programs
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_one_row_per_answer(ctx: AppContext, history: History, tmp_path: Path) -> None:
    path = tmp_path / "out" / "answers.csv"
    path.parent.mkdir()
    result = export_answers(engine=ctx.engine, path=path, fmt=Format.CSV)
    rows = read_csv(path)
    # A1 4 answers, A2 3, A3 3, A4 (in progress) 1, the other shop 3.
    assert (result.rows, result.audits) == (14, 5)
    assert len(rows) == 14
    assert list(rows[0]) == list(COLUMNS)
    first = rows[0]
    assert first["audit_id"] == history.audits["A1"]
    assert first["company"] == "Acme Stores"
    assert first["touchpoint"] == "Store visit"
    assert (first["template"], first["template_version"]) == ("Store check", "1")
    assert (first["section"], first["item_id"], first["theme"]) == ("The visit", "clean", "brand")
    assert (first["value"], first["outcome"], first["points"], first["max_points"]) == (
        "Yes",
        "pass",
        "2.0",
        "2.0",
    )
    assert first["note"] == "Spotless"
    assert first["audit_started"] == "2025-03-03T11:00:00+01:00"  # Warsaw wall-clock time
    assert first["audit_timezone"] == ZONE
    assert first["answered_by"] == "shopper"
    wait = next(r for r in rows if r["item_id"] == "wait")
    assert (wait["value"], wait["points"]) == ("1:00", "0.8333")
    remark = next(r for r in rows if r["item_id"] == "remark")
    assert (remark["outcome"], remark["points"], remark["max_points"]) == ("info", "", "")
    assert {r["audit_status"] for r in rows} == {"completed", "in_progress"}
    assert os.listdir(path.parent) == ["answers.csv"]  # no temporary file left behind


def test_csv_scope(ctx: AppContext, history: History, tmp_path: Path) -> None:
    path = tmp_path / "acme.csv"
    result = export_answers(
        engine=ctx.engine,
        path=path,
        fmt=Format.CSV,
        scope=Scope(company_id=history.company_id, status="completed"),
    )
    assert (result.rows, result.audits) == (10, 3)
    assert {r["company"] for r in read_csv(path)} == {"Acme Stores"}


@pytest.fixture
def hostile(ctx: AppContext, history: History) -> str:
    """An in-progress audit whose notes a spreadsheet would run or choke on."""
    runner = AuditRunner(engine=ctx.engine, audit_id=history.audits["A4"], zone=ZONE)
    runner.set_note("clean", '=HYPERLINK("http://evil.example","click")')
    runner.set_answer("greet", "no")
    runner.set_note("greet", "-2 stars\x07 bell, \u0141\u0105ka, 桜")
    runner.set_answer("remark", "@SUM(A1)")
    return history.audits["A4"]


def test_csv_neutralises_formulas(
    ctx: AppContext, hostile: str, tmp_path: Path, history: History
) -> None:
    path = tmp_path / "a.csv"
    scope = Scope(ids=(hostile,), status=None)
    export_answers(engine=ctx.engine, path=path, fmt=Format.CSV, scope=scope)
    rows = {r["item_id"]: r for r in read_csv(path)}
    assert rows["clean"]["note"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows["greet"]["note"] == "'-2 stars\x07 bell, Łąka, 桜"
    assert rows["remark"]["value"] == "'@SUM(A1)"


def test_findings_one_row_per_finding(
    ctx: AppContext, history: History, hostile: str, tmp_path: Path
) -> None:
    report = findings_by_theme(engine=ctx.engine, company_id=history.company_id)
    path = tmp_path / "findings.csv"
    assert export_findings(report=report, path=path) == report.total > 0
    rows = read_csv(path)
    assert list(rows[0]) == list(FINDING_COLUMNS)
    assert len(rows) == report.total
    expected = [(t.title, f.prompt, f.audit_id) for t in report.themes for f in t.findings]
    assert [(r["theme"], r["item"], r["audit_id"]) for r in rows] == expected
    assert all(r["company"] == "Acme Stores" for r in rows)
    dusty = next(r for r in rows if r["note"] == "Dusty shelves")
    assert dusty["finding"] and dusty["touchpoint"] == "Store visit"
    assert dusty["at"].startswith("2025-") and "+" in dusty["audit_started"]
    assert hostile not in {r["audit_id"] for r in rows}  # in progress: not a finding yet


def test_findings_csv_neutralises_formulas(
    ctx: AppContext, history: History, hostile: str, tmp_path: Path
) -> None:
    runner = AuditRunner(engine=ctx.engine, audit_id=hostile, zone=ZONE)
    runner.set_answer("smile", "yes")
    runner.complete()
    report = findings_by_theme(engine=ctx.engine, company_id=history.company_id)
    path = tmp_path / "f.csv"
    export_findings(report=report, path=path)
    notes = {r["note"] for r in read_csv(path) if r["audit_id"] == hostile}
    assert "'-2 stars\x07 bell, Łąka, 桜" in notes


def test_xlsx_keeps_text_as_text(ctx: AppContext, hostile: str, tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    result = export_answers(engine=ctx.engine, path=path, fmt=Format.XLSX)
    assert result.rows == 16
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS)
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    by_key = {(r["audit_id"], r["item_id"]): r for r in rows}
    clean = by_key[hostile, "clean"]
    assert clean["note"] == '=HYPERLINK("http://evil.example","click")'
    note_cell = next(
        row[COLUMNS.index("note")]
        for row in sheet.iter_rows(2)
        if row[0].value == hostile and row[COLUMNS.index("item_id")].value == "clean"
    )
    assert note_cell.data_type == "s"  # stored as text, never as a formula
    assert by_key[hostile, "greet"]["note"] == "-2 stars\ufffd bell, Łąka, 桜"
    started = rows[0]["audit_started"]
    assert isinstance(started, datetime)
    assert started.isoformat() == "2025-03-03T11:00:00"
    assert rows[0]["points"] == 2.0


def test_xlsx_cuts_overlong_cells(
    ctx: AppContext, history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "XLSX_MAX_CELL", 10)
    path = tmp_path / "short.xlsx"
    export_answers(
        engine=ctx.engine, path=path, fmt=Format.XLSX, scope=Scope(ids=(history.audits["A2"],))
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    notes = [row[COLUMNS.index("note")].value for row in sheet.iter_rows(2)]
    assert "Dusty she…" in notes


def test_xlsx_refuses_more_rows_than_a_sheet(
    ctx: AppContext, history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "XLSX_MAX_ROWS", 5)
    path = tmp_path / "big.xlsx"
    with pytest.raises(ShopperError, match="export as CSV"):
        export_answers(engine=ctx.engine, path=path, fmt=Format.XLSX)
    assert not path.exists()


def test_a_failed_export_leaves_the_old_file(
    ctx: AppContext, history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("the previous export", encoding="utf-8")

    def broken(_audit: object) -> Iterator[list[object]]:
        yield ["half", "a", "row"]
        raise RuntimeError("disk went away")

    monkeypatch.setattr(export_module, "answer_rows", broken)
    with pytest.raises(RuntimeError):
        export_answers(engine=ctx.engine, path=path, fmt=Format.CSV)
    assert path.read_text(encoding="utf-8") == "the previous export"
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".part")]


def test_atomic_file_errors(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"), atomic_file(tmp_path / "no" / "x"):
        pass
    with pytest.raises(StorageError, match="is a folder"), atomic_file(tmp_path):
        pass
    with pytest.raises(StorageError, match="could not write"), atomic_file(tmp_path / "f") as f:
        f.write(b"partial")
        raise OSError(28, "No space left on device")
    assert os.listdir(tmp_path) == []
    with atomic_file(tmp_path / "done.bin") as f:
        f.write(b"whole")
    assert (tmp_path / "done.bin").read_bytes() == b"whole"


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("a.csv", None, Format.CSV),
        ("a.XLSX", None, Format.XLSX),
        ("a.txt", "csv", Format.CSV),
        ("a", "xlsx", Format.XLSX),
    ],
)
def test_format_for(name: str, given: str | None, expected: Format) -> None:
    assert format_for(Path(name), given) is expected


@pytest.mark.parametrize("name", ["a.txt", "a", "a.pdf"])
def test_format_for_refuses(name: str) -> None:
    with pytest.raises(ShopperError, match="csv or xlsx"):
        format_for(Path(name))
