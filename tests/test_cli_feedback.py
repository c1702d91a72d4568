"""`shopper feedback`: import with --map, rules, tag, share, months."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopper.cli import main
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from tests.test_cli import ok, user_error


@pytest.fixture
def local(data_dir: Path) -> None:
    ctx = AppContext.open(data_dir)
    try:
        create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    finally:
        ctx.close()


@pytest.mark.usefixtures("local")
def test_import_rules_tag_months(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sheet = tmp_path / "desk.csv"
    sheet.write_text(
        "Opened,Ticket text,Queue\n2026-02-01,Rude agent,phone\n2026-02-02,Rude again,chat\n",
        encoding="utf-8",
    )
    out = ok(
        capsys,
        "feedback",
        "import",
        str(sheet),
        "--company",
        "Northwind",
        "--kind",
        "complaint",
        "--map",
        "at=Opened,text=Ticket text,channel=Queue",
    )
    assert out == "Imported 2 complaints entries\n"
    [empathy] = json.loads(ok(capsys, "feedback", "months", "--company", "Northwind", "--json"))
    assert (empathy["theme"], empathy["total"]) == ("empathy", 2)
    assert empathy["months"][0]["complaints"] == 2
    assert "rude" in ok(capsys, "feedback", "rules")
    rules = tmp_path / "rules.txt"
    rules.write_text("manners: rude*\n", encoding="utf-8")
    assert "2 entries re-tagged" in ok(capsys, "feedback", "rules", "--set", str(rules))
    text = ok(capsys, "feedback", "months", "--company", "Northwind")
    assert text.startswith("Manners: 2 (steady)")
    assert "Shared 2 entries" in ok(capsys, "feedback", "share", "--company", "Northwind")
    rules.write_text("manners rude\n", encoding="utf-8")
    assert "rules line 1" in user_error(capsys, "feedback", "rules", "--set", str(rules))
    bad = tmp_path / "bad.csv"
    bad.write_text("text,score\nfine,x\n", encoding="utf-8")
    code = main(["feedback", "import", str(bad), "--company", "Northwind", "--kind", "feedback"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "line 2, column score: 'x' is not a score" in err


@pytest.mark.usefixtures("local")
def test_export_to_csv_and_xlsx(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = tmp_path / "desk.csv"
    sheet.write_text('text\n=HYPERLINK("x")\nSlow\n', encoding="utf-8")
    ok(capsys, "feedback", "import", str(sheet), "--company", "Northwind", "--kind", "complaint")
    ok(capsys, "said-no", "start", "--company", "Northwind")
    ok(capsys, "said-no", "add", "--company", "Northwind", "--asked", "Soup", "--reason", "policy")
    out = tmp_path / "feedback.csv"
    assert "Wrote 2 entries" in ok(capsys, "feedback", "export", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("id,company,kind,at")
    assert "'=HYPERLINK" in text  # never run as a formula
    book_path = tmp_path / "said-no.xlsx"
    assert "Wrote 1 entry" in ok(
        capsys, "said-no", "export", "-o", str(book_path), "--company", "Northwind"
    )
    book = load_workbook(book_path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "company", "log_starts")
    assert (rows[1][1], rows[1][7], rows[1][10]) == ("Northwind", "Soup", "policies")
    book.close()
