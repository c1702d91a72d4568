"""`shopper said-no`: start, add, move and summary; user mistakes exit 2 with one line."""

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
def test_start_add_move_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert "30 days from 2026-03-01" in ok(
        capsys, "said-no", "start", "--company", "Northwind", "--from", "2026-03-01"
    )
    out = ok(
        capsys,
        "said-no",
        "add",
        "--company",
        "Northwind",
        "--asked",
        "Delivery on Sunday",
        "--reason",
        "not-offered",
        "--channel",
        "phone",
        "--at",
        "2026-03-02 10:15",
        "--theme",
        "speed",
    )
    assert "Delivery on Sunday (Product or service ideas)" in out
    entry_id = out.split()[1].rstrip(":")
    assert "Policies to revisit" in ok(capsys, "said-no", "move", entry_id, "--to", "policies")
    summary = json.loads(
        ok(
            capsys,
            "said-no",
            "summary",
            "--company",
            "Northwind",
            "--today",
            "2026-03-04",
            "--json",
        )
    )
    assert summary["day"] == 4
    assert summary["per_day"] == {
        "2026-03-01": 0,
        "2026-03-02": 1,
        "2026-03-03": 0,
        "2026-03-04": 0,
    }
    assert summary["empty_days"] == ["2026-03-01", "2026-03-03"]
    assert [e["asked"] for e in summary["lists"]["policies"]] == ["Delivery on Sunday"]
    text = ok(capsys, "said-no", "summary", "--company", "Northwind", "--today", "2026-03-04")
    assert text.startswith("Said-no log of Northwind: day 4 of 30\nReminder: no entry on 2 day(s)")
    email = ok(capsys, "said-no", "summary", "--company", "Northwind", "--email")
    assert email.startswith("Subject: What our said-no log taught us: Northwind")


@pytest.mark.usefixtures("local")
def test_user_mistakes_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert "no said-no log" in user_error(
        capsys, "said-no", "add", "--company", "Northwind", "--asked", "x", "--reason", "policy"
    )
    ok(capsys, "said-no", "start", "--company", "Northwind")
    line = user_error(
        capsys, "said-no", "add", "--company", "Northwind", "--asked", "x", "--reason", "nope"
    )
    assert line.startswith("shopper said-no add: --reason:")
    assert "--at" in user_error(
        capsys,
        "said-no",
        "add",
        "--company",
        "Northwind",
        "--asked",
        "x",
        "--reason",
        "policy",
        "--at",
        "yesterday",
    )
    assert "--days" not in user_error(capsys, "said-no", "start", "--company", "Nobody")
    assert "1 to 366" in user_error(
        capsys, "said-no", "start", "--company", "Northwind", "--days", "0"
    )


@pytest.mark.usefixtures("local")
def test_import_all_or_nothing_then_valid_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ok(capsys, "said-no", "start", "--company", "Northwind", "--from", "2026-03-01")
    sheet = tmp_path / "log.csv"
    sheet.write_text(
        "When,Request,Why,Staff\n"
        "2026-03-02 09:00,Refund in cash,policy,Ana\n"
        "2026-03-02,Gift wrap,because,\n"
        "someday,Soup,other,\n",
        encoding="utf-8",
    )
    code = main(
        ["said-no", "import", str(sheet), "--company", "Northwind", "--map", "at=When,reason=Why"]
    )
    _out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines()[1:] == [
        "shopper: error: log.csv: line 3, column Why: 'because' is not a reason; use one of"
        " policy, system, not-offered, not-known, approval, other",
        "shopper: error: log.csv: line 4, column When: 'someday' is not a date like"
        " 2026-03-02 10:15",
    ]
    summary = json.loads(ok(capsys, "said-no", "summary", "--company", "Northwind", "--json"))
    assert summary["entries"] == 0
    rejects = tmp_path / "rejects.csv"
    out = ok(
        capsys,
        "said-no",
        "import",
        str(sheet),
        "--company",
        "Northwind",
        "--map",
        "at=When,reason=Why",
        "--valid-only",
        str(rejects),
    )
    assert out.startswith("Imported 1 said-no entry\nRejected 2 row(s)")
    assert rejects.read_text(encoding="utf-8").count("\n") == 3
    summary = json.loads(ok(capsys, "said-no", "summary", "--company", "Northwind", "--json"))
    assert summary["lists"]["policies"][0]["said_by"] == "Ana"
    assert "no column 'Nope' for at" in user_error(
        capsys, "said-no", "import", str(sheet), "--company", "Northwind", "--map", "at=Nope"
    )
    assert "not a field" in user_error(
        capsys, "said-no", "import", str(sheet), "--company", "Northwind", "--map", "x=y"
    )


@pytest.mark.usefixtures("local")
def test_report_said_no(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "said-no.pdf"
    assert "no said-no log" in user_error(
        capsys, "report", "--said-no", "--company", "Northwind", "-o", str(out)
    )
    assert "--said-no goes with --company" in user_error(
        capsys, "report", "--said-no", "-o", str(out)
    )
    ok(capsys, "said-no", "start", "--company", "Northwind")
    ok(capsys, "said-no", "add", "--company", "Northwind", "--asked", "Soup", "--reason", "other")
    assert ok(capsys, "report", "--said-no", "--company", "Northwind", "-o", str(out)).startswith(
        f"Wrote {out} ("
    )
    assert out.read_bytes().startswith(b"%PDF-")
