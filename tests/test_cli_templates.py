"""`shopper templates import-xlsform` and `export-xlsform`."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from shopper.domain.template_loader import load_template_file, parse_template_text
from shopper.domain.xlsform import read_xlsform
from shopper.resources import TEMPLATES_DIR
from tests.test_cli import GOOD_TEMPLATE, ok, user_error

SAMPLES = Path(__file__).parent / "fixtures" / "xlsform"


def listed(capsys: pytest.CaptureFixture[str], data_dir: str) -> dict[str, dict[str, object]]:
    rows = json.loads(ok(capsys, "--data-dir", data_dir, "templates", "list", "--json"))
    return {row["id"]: row for row in rows}


def test_export_then_import_gives_the_same_template(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data_dir = str(tmp_path / "data")
    source = tmp_path / "tiny.yaml"
    source.write_text(GOOD_TEMPLATE, encoding="utf-8")
    ok(capsys, "--data-dir", data_dir, "templates", "import", str(source))
    out = tmp_path / "tiny.xlsx"
    said = ok(
        capsys, "--data-dir", data_dir, "templates", "export-xlsform", "0b7c3d52", "-o", str(out)
    )
    assert said.startswith(f"{out}: wrote Tiny check v1 as XLSForm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert(xlsform=str(out), warnings=[])  # pyxform takes it
    assert read_xlsform(out).template == load_template_file(source).template
    # Reading it back into the same database changes nothing: it is the same template.
    said = ok(capsys, "--data-dir", data_dir, "templates", "import-xlsform", str(out))
    assert "stored Tiny check v1" in said
    assert listed(capsys, data_dir)["0b7c3d52-6f1e-4a8e-9a55-2d9c1e7f4b10"]["version"] == 1


def test_a_built_in_exports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    phone = load_template_file(TEMPLATES_DIR / "phone.yaml").template
    out = tmp_path / "phone.xlsx"
    ok(capsys, "--data-dir", data_dir, "templates", "export-xlsform", phone.id[:8], "-o", str(out))
    assert read_xlsform(out).template == phone


def test_import_refuses_unsupported_rows_unless_told(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data_dir = str(tmp_path / "data")
    group = SAMPLES / "group.xlsx"
    line = user_error(capsys, "--data-dir", data_dir, "templates", "import-xlsform", str(group))
    assert line == (
        "shopper: error: group.xlsx: a checklist cannot hold 1 part of this workbook: survey "
        "row 4, column type: a 'phone number' question cannot be held "
        "(--skip-unsupported imports the rest)"
    )
    out = ok(
        capsys,
        "--data-dir",
        data_dir,
        "templates",
        "import-xlsform",
        str(group),
        "--skip-unsupported",
    )
    assert out.splitlines()[0] == (
        f"{group}: left out: survey row 4, column type: a 'phone number' question cannot be held"
    )
    assert "2 items" in out.splitlines()[1]
    assert any(row["title"] == "group" for row in listed(capsys, data_dir).values())


def test_a_broken_workbook_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = SAMPLES / "unknown_question_type.xls"
    line = user_error(capsys, "--data-dir", str(tmp_path), "templates", "import-xlsform", str(path))
    assert line.startswith("shopper: error: unknown_question_type.xls: pyxform: Invalid headers")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["export-xlsform", "ffffffff", "-o", "x.xlsx"],
            "no stored template has the id 'ffffffff'",
        ),
        (["export-xlsform", "0", "-o", "x.csv"], "x.csv: the workbook is written as .xlsx"),
        (["import-xlsform", "nowhere.xlsx"], "nowhere.xlsx: cannot read file"),
        (["import-xlsform", "form.yaml"], "form.yaml: not an XLSForm workbook"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    line = user_error(capsys, "--data-dir", str(tmp_path / "data"), "templates", *args)
    assert expected in line


def test_an_imported_workbook_is_stored_as_the_writer_writes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from shopper.domain.template_writer import dump_template

    result = read_xlsform(SAMPLES / "yes_or_no_question.xlsx")
    assert result.loaded.source == dump_template(result.template)
    assert parse_template_text(result.loaded.source) == result.template
