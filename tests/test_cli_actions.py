"""`shopper actions`: add from an audit's item or a theme, list (filters, JSON), set; mistakes
exit 2 with one line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from shopper.services.context import AppContext
from tests.services.analysis_data import T0, History, build_history
from tests.test_cli import ok, user_error


@pytest.fixture
def history(data_dir: Path, tmp_path: Path) -> History:
    ctx = AppContext.open(data_dir)
    try:
        return build_history(ctx, tmp_path)
    finally:
        ctx.close()


def listed(capsys: pytest.CaptureFixture[str], *more: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(ok(capsys, "actions", "list", "--json", *more))
    return found


def test_add_list_set(capsys: pytest.CaptureFixture[str], history: History) -> None:
    assert ok(capsys, "actions", "list") == "No actions.\n"
    # Made now, after every audit of the history: nothing has checked it yet.
    out = ok(
        capsys,
        *("actions", "add", "--company", "Acme Stores", "--title", "Dust the shelves"),
        *("--audit", history.audits["A2"][:8], "--item", "clean", "--owner", "Ola"),
        *("--due", "2020-01-31"),
    )
    assert out.startswith("Added action ")
    assert "Dust the shelves (Acme Stores, Brand, store, Was the shop clean?, owner Ola," in out
    ok(capsys, "actions", "add", "--company", "Other Shop", "--title", "Faster", "--theme", "speed")
    [first, second] = listed(capsys)
    assert (first["item_id"], first["theme"], first["state"], first["overdue"]) == (
        "clean",
        "brand",
        "open",
        True,
    )
    assert [a["title"] for a in listed(capsys, "--overdue")] == ["Dust the shelves"]
    assert [a["title"] for a in listed(capsys, "--company", "Other Shop")] == ["Faster"]
    assert [a["title"] for a in listed(capsys, "--owner", "Ola")] == ["Dust the shelves"]
    text = ok(capsys, "actions", "list")
    assert "open OVERDUE" in text
    out = ok(capsys, "actions", "set", str(second["id"])[:8], "--status", "in progress")
    assert out.endswith(": in progress; in progress\n")
    assert [a["title"] for a in listed(capsys, "--status", "in_progress")] == ["Faster"]


def test_a_later_audit_verifies_it_on_the_command_line(
    capsys: pytest.CaptureFixture[str], history: History, data_dir: Path
) -> None:
    from shopper.services import actions as service

    ctx = AppContext.open(data_dir)
    try:
        service.create_action(
            engine=ctx.engine,
            data=service.ActionInput(
                company="Acme Stores", title="Clean", audit=history.audits["A2"], item="clean"
            ),
            at=T0 + timedelta(days=31),
        )
    finally:
        ctx.close()
    [action] = listed(capsys, "--status", "fixed")
    assert action["verdict"] == f"fixed, verified by audit {history.audits['A3'][:8]} on 2025-05-02"
    assert "fixed, verified by audit" in ok(capsys, "actions", "list")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("add", "--company", "Acme Stores", "--title", "x"), "--theme"),
        (("add", "--company", "Acme Stores", "--title", "x", "--item", "clean"), "--audit"),
        (("add", "--company", "Nobody", "--title", "x", "--theme", "speed"), "Nobody"),
        (("add", "--company", "Acme Stores", "--title", "x", "--due", "soon"), "--due"),
        (("list", "--status", "finished"), "--status"),
        (("set", "zzzz", "--status", "done"), "zzzz"),
    ],
)
def test_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], history: History, args: tuple[str, ...], words: str
) -> None:
    assert words in user_error(capsys, "actions", *args)


def test_themes(capsys: pytest.CaptureFixture[str], history: History) -> None:
    data = json.loads(ok(capsys, "themes", "--company", "Acme Stores", "--json"))
    assert data["company"] == "Acme Stores" and data["audits"] == 3
    assert {t["theme"] for t in data["themes"]} == {"brand", "empathy", "speed", ""}
    text = ok(capsys, "themes", "--company", "Acme Stores")
    assert text.startswith("Acme Stores: 3 completed audits\n")
    assert "Empathy: " in text and "audits 1 failed of 4 scored, 1 bad moments" in text
    assert "Nobody" in user_error(capsys, "themes", "--company", "Nobody")


def test_report_actions(
    capsys: pytest.CaptureFixture[str], history: History, data_dir: Path, tmp_path: Path
) -> None:
    from shopper.services import actions as service

    ctx = AppContext.open(data_dir)
    try:
        service.create_action(
            engine=ctx.engine,
            data=service.ActionInput(
                company="Acme Stores",
                title="Dust <b>shelves</b> & more",
                audit=history.audits["A2"],
                item="clean",
                owner="Ola",
            ),
            at=T0 + timedelta(days=31),
        )
        service.create_action(
            engine=ctx.engine,
            data=service.ActionInput(company="Acme Stores", title="Faster tills", theme="speed"),
            at=T0 + timedelta(days=31),
        )
    finally:
        ctx.close()
    out = tmp_path / "plan.pdf"
    text = ok(capsys, "report", "--actions", "--company", "Acme Stores", "-o", str(out))
    assert text.startswith(f"Wrote {out} (")
    from tests.report.helpers import Pdf, squeeze

    pdf = squeeze(Pdf.of(out.read_bytes()).text)
    assert squeeze("Dust <b>shelves</b> & more") in pdf
    assert squeeze(f"fixed, verified by audit {history.audits['A3'][:8]} on 2025-05-02") in pdf
    # A3, the one audit since, has no timing item (version 2): nothing on speed since.
    assert squeeze("Since it was made (2025-04-03): no audit or other source") in pdf
    assert "no actions" in user_error(
        capsys, "report", "--actions", "--company", "Other Shop", "-o", str(out)
    )
    assert "--actions" in user_error(capsys, "report", "--actions", "-o", str(out))


def test_export_csv_and_xlsx(
    capsys: pytest.CaptureFixture[str], history: History, data_dir: Path, tmp_path: Path
) -> None:
    import csv

    from openpyxl import load_workbook

    from shopper.services import actions as service

    ctx = AppContext.open(data_dir)
    try:
        service.create_action(
            engine=ctx.engine,
            data=service.ActionInput(
                company="Acme Stores",
                title='=HYPERLINK("http://evil.example")',
                audit=history.audits["A2"],
                item="clean",
                owner="Zażółć",
            ),
            at=T0 + timedelta(days=31),
        )
    finally:
        ctx.close()
    out = tmp_path / "actions.csv"
    assert ok(capsys, "actions", "export", "-o", str(out)) == f"Wrote 1 action to {out}\n"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert row["title"] == '\'=HYPERLINK("http://evil.example")'
    assert (row["owner"], row["state"], row["verified_by_audit"]) == (
        "Zażółć",
        "fixed",
        history.audits["A3"],
    )
    book = tmp_path / "actions.xlsx"
    ok(capsys, "actions", "export", "-o", str(book), "--company", "Acme Stores")
    sheet = load_workbook(book).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][:4] == ["action_id", "company", "theme", "title"]
    assert values[1][3] == '=HYPERLINK("http://evil.example")'
    assert sheet.cell(2, 4).data_type == "s"  # text, never a formula
    assert "csv or xlsx" in user_error(capsys, "actions", "export", "-o", str(tmp_path / "a.txt"))
