"""`shopper compare` and `shopper export-table`, run in-process on a hand-made history."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from shopper.cli import main
from shopper.services.context import AppContext
from tests.services.analysis_data import History, build_history


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, History]]:
    folder = tmp_path_factory.mktemp("cli-analysis")
    ctx = AppContext.open(folder / "data")
    history = build_history(ctx, folder)
    ctx.close()
    yield str(folder / "data"), history


@pytest.fixture
def data_dir(history_dir: tuple[str, History]) -> str:
    return history_dir[0]


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return out


def user_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    _out, err = capsys.readouterr()
    assert info.value.code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_compare_prints_the_item_table(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    out = ok(
        capsys,
        "--data-dir",
        data_dir,
        "compare",
        "--company",
        "acme stores",
        "--touchpoint",
        "store",
    )
    lines = out.splitlines()
    assert lines[0] == "Acme Stores — Store visit: 3 completed audits"
    assert lines[1].startswith("Consistency index 25.0 / 100 · score spread σ ")
    assert "(range 29–96%)" in lines[1]
    assert any(" v2 " in line and "75%  Critical failure" in line for line in lines)
    clean = next(line for line in lines if "Was the shop clean?" in line)
    assert clean.split()[0] == "33%"
    assert clean.rstrip().endswith("P  F▼ P▲")
    wait = next(line for line in lines if "Time until served" in line)
    assert wait.rstrip().endswith("P  F▼ x")  # not in version 2
    assert "Since the previous audit: 1 fixed, 1 regressed, 0 changed, 1 unchanged" in out
    assert "fixed     Was the shop clean?: No → Yes" in out
    assert "regressed Were you greeted?: Yes → No" in out


def test_compare_last_and_dates(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    base = ("--data-dir", data_dir, "compare", "--company", "Acme Stores", "--touchpoint", "store")
    out = ok(capsys, *base, "--last", "2")
    assert out.splitlines()[0].endswith("3 completed audits (the newest 2 compared)")
    out = ok(capsys, *base, "--since", "2025-03-10", "--until", "2025-04-02")
    assert out.splitlines()[0].endswith(": 1 completed audit")  # A2, started 2 April
    out = ok(capsys, *base, "--until", "2025-03-01")
    assert "Nothing to compare yet." in out


def test_compare_json(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    out = ok(
        capsys,
        "--data-dir",
        data_dir,
        "compare",
        "--company",
        "Acme Stores",
        "--touchpoint",
        "store",
        "--json",
    )
    data = json.loads(out)
    assert data["company"] == "Acme Stores"
    assert len(data["audits"]) == 3
    assert data["consistency"]["index"] == 25.0
    assert [i["id"] for i in data["items"]] == ["clean", "greet", "wait", "smile", "remark"]
    assert data["changes"][0]["regressed"] == 2  # clean and wait, A1 -> A2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["compare", "--touchpoint", "store"], "--company is required"),
        (["compare", "--company", "Acme Stores"], "--touchpoint"),
        (["compare", "--company", "Acme Stores", "--touchpoint", "fax"], "invalid choice"),
        (["compare", "--company", "Nobody", "--touchpoint", "store"], "no company named"),
        (
            ["compare", "--company", "Acme Stores", "--touchpoint", "store", "--last", "1"],
            "between 2 and 500",
        ),
        (
            ["compare", "--company", "Acme Stores", "--touchpoint", "store", "--since", "May"],
            "YYYY-MM-DD",
        ),
        (
            [
                "compare",
                *("--company", "Acme Stores", "--touchpoint", "store"),
                *("--since", "2025-05-01", "--until", "2025-04-01"),
            ],
            "must not be after --until",
        ),
        (["export-table", "-o", "out.txt"], "export as csv or xlsx"),
        (["export-table", "--format", "pdf", "-o", "out.pdf"], "invalid choice"),
        (["export-table", "--format", "csv"], "-o"),
    ],
)
def test_user_mistakes_exit_2(
    capsys: pytest.CaptureFixture[str], data_dir: str, args: list[str], expected: str
) -> None:
    assert expected in user_error(capsys, "--data-dir", data_dir, *args)


def test_export_table_csv(
    capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path
) -> None:
    path = tmp_path / "acme.csv"
    out = ok(
        capsys,
        "--data-dir",
        data_dir,
        "export-table",
        "--format",
        "csv",
        "--company",
        "Acme Stores",
        "-o",
        str(path),
    )
    assert out.strip() == f"Wrote 11 answers of 4 audits to {path}"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 11
    assert {r["company"] for r in rows} == {"Acme Stores"}


def test_export_table_xlsx_from_the_extension(
    capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path
) -> None:
    path = tmp_path / "all.xlsx"
    out = ok(
        capsys, "--data-dir", data_dir, "export-table", "--status", "completed", "-o", str(path)
    )
    assert "Wrote 13 answers of 4 audits" in out
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet.max_row == 14  # the header and 13 answers


def test_export_table_into_a_missing_folder(
    capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path
) -> None:
    line = user_error(
        capsys, "--data-dir", data_dir, "export-table", "-o", str(tmp_path / "no" / "x.csv")
    )
    assert "does not exist" in line
