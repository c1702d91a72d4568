"""`shopper report`: a PDF from the command line; user mistakes exit 2 with one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.cli import main
from tests.report.helpers import Pdf
from tests.test_cli import ok, user_error


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A data folder with a few demo audits."""
    folder = tmp_path_factory.mktemp("cli-report") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SHOPPER_DB_URL", raising=False)
        mp.setenv("SHOPPER_DATA_DIR", str(folder))
        assert main(["--data-dir", str(folder), "demo", "--audits", "4", "--seed", "5"]) == 0
        yield str(folder)


def _first_audit(capsys: pytest.CaptureFixture[str], folder: str) -> dict[str, str]:
    rows = json.loads(ok(capsys, "--data-dir", folder, "audits", "list", "--json"))
    return dict(rows[0])


def test_report_by_id_prefix(capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path) -> None:
    folder = demo
    audit = _first_audit(capsys, folder)
    out = tmp_path / "audit.pdf"
    printed = ok(capsys, "--data-dir", folder, "report", audit["id"][:8], "-o", str(out))
    pdf = Pdf.of(out.read_bytes())
    assert printed.strip() == f"Wrote {out} ({pdf.page_count} pages)"
    assert audit["company"] in pdf.text
    assert round(float(pdf.reader.pages[0].mediabox.height)) == 842  # A4 by default


def test_page_size_and_redaction(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path
) -> None:
    folder = demo
    audit = _first_audit(capsys, folder)
    out = tmp_path / "shared.pdf"
    shopper = audit["shopper"]
    ok(
        capsys,
        "--data-dir", folder, "report", audit["id"], "-o", str(out),
        "--page-size", "LETTER", "--redact", f"{shopper}, Nobody Else",
    )  # fmt: skip
    pdf = Pdf.of(out.read_bytes())
    assert round(float(pdf.reader.pages[0].mediabox.height)) == 792
    assert shopper not in pdf.text
    assert "[name]" in pdf.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "-o", "x.pdf"], "give the ID of the audit"),
        (["report", "abcd"], "the following arguments are required: -o/--output"),
        (["report", "abcd", "-o", "x.pdf", "--page-size", "a3"], "invalid choice: 'a3'"),
        (["report", "ffffffff", "-o", "x.pdf"], "ffffffff"),
        (["report", "{id}", "-o", "{tmp}/missing/x.pdf"], "does not exist"),
        (["report", "{id}", "-o", "{tmp}"], "is a folder"),
    ],
)
def test_user_mistakes(
    capsys: pytest.CaptureFixture[str],
    demo: str,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    folder = demo
    audit_id = _first_audit(capsys, folder)["id"]
    filled = [a.format(id=audit_id, tmp=tmp_path) for a in args]
    line = user_error(capsys, "--data-dir", folder, *filled)
    assert message in line
