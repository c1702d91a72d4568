"""`shopper report`: a PDF from the command line; user mistakes exit 2 with one line."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.cli import main
from shopper.services.context import AppContext
from tests.report.helpers import Pdf
from tests.services.analysis_data import History, build_history
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


# -- comparisons and journeys --------------------------------------------------------------


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, History]]:
    """The hand-made history of tests/services/analysis_data.py: Acme Stores' store visits."""
    folder = tmp_path_factory.mktemp("cli-manager-reports")
    ctx = AppContext.open(folder / "data")
    history = build_history(ctx, folder)
    ctx.close()
    yield str(folder / "data"), history


def test_compare_chosen_audits(
    capsys: pytest.CaptureFixture[str], history_dir: tuple[str, History], tmp_path: Path
) -> None:
    folder, history = history_dir
    out = tmp_path / "compare.pdf"
    ids = [history.audits["A1"][:8], history.audits["A3"]]
    printed = ok(capsys, "--data-dir", folder, "report", "--compare", *ids, "-o", str(out))
    pdf = Pdf.of(out.read_bytes())
    assert printed.strip() == f"Wrote {out} ({pdf.page_count} pages)"
    text = " ".join(pdf.text.split())
    assert "AUDIT COMPARISON" in text and "Acme Stores" in text and "2 audits" in text


def test_compare_a_company_at_a_touchpoint(
    capsys: pytest.CaptureFixture[str], history_dir: tuple[str, History], tmp_path: Path
) -> None:
    folder, _history = history_dir
    out = tmp_path / "store.pdf"
    ok(
        capsys,
        "--data-dir", folder, "report", "--company", "ACME STORES", "--touchpoint", "store",
        "--last", "2", "-o", str(out), "--page-size", "letter", "--redact", "Tom",
    )  # fmt: skip
    pdf = Pdf.of(out.read_bytes())
    text = " ".join(pdf.text.split())
    assert "2 audits, the newest of 3" in text
    assert "Tom" not in text and "[name]" in text
    assert round(float(pdf.reader.pages[0].mediabox.width)) == 612


def test_journey_of_a_company(
    capsys: pytest.CaptureFixture[str], history_dir: tuple[str, History], tmp_path: Path
) -> None:
    folder, _history = history_dir
    out = tmp_path / "journey.pdf"
    ok(capsys, "--data-dir", folder, "report", "--company", "acme stores", "-o", str(out))
    text = " ".join(Pdf.of(out.read_bytes()).text.split())
    assert "COMPANY JOURNEY" in text and "Acme Stores" in text
    assert "Themes by touchpoint" in text and "Door stuck" in text
    dated = tmp_path / "dated.pdf"
    ok(
        capsys,
        "--data-dir", folder, "report", "--company", "acme stores", "--since", "2025-04-01",
        "--until", "2025-12-31", "-o", str(dated),
    )  # fmt: skip
    text = " ".join(Pdf.of(dated.read_bytes()).text.split())
    assert "2025-04-01 – 2025-12-31" in text and "2 completed audits across 1 touchpoint" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("--compare {A1} -o x.pdf", "at least two different audit ids"),
        ("--compare {A1} {A1} -o x.pdf", "at least two different"),
        ("{A1} --compare {A2} {A3} -o x.pdf", "not allowed with"),
        ("{A1} --company 'Acme Stores' -o x.pdf", "not allowed with"),
        ("--compare {A1} {A2} --company Acme -o x.pdf", "not allowed with"),
        ("{A1} --touchpoint store -o x.pdf", "--touchpoint goes with --company"),
        ("--company 'Acme Stores' --last 3 -o x.pdf", "--last goes with"),
        ("--company Nobody -o x.pdf", "no company named 'Nobody'"),
        ("--compare {A1} ffffffff -o x.pdf", "ffffffff"),
        (
            "--company 'Other Shop' --touchpoint store -o {tmp}/x.pdf",
            "Other Shop has only one completed audit at Store visit",
        ),
        (
            "--company 'Acme Stores' --since 2030-01-01 -o {tmp}/x.pdf",
            "no completed audits in this period",
        ),
        (
            "--company 'Acme Stores' --since 2025-05-02 --until 2025-05-01 -o x.pdf",
            "--since must not be after --until",
        ),
        (
            "--company 'Acme Stores' --touchpoint store --last 1 -o {tmp}/x.pdf",
            "between 2 and 500",
        ),
        ("--compare {A1} {A3} -o {tmp}/no/x.pdf", "does not exist"),
    ],
)
def test_manager_report_mistakes(
    capsys: pytest.CaptureFixture[str],
    history_dir: tuple[str, History],
    tmp_path: Path,
    args: str,
    message: str,
) -> None:
    folder, history = history_dir
    filled = [a.format(tmp=tmp_path, **history.audits) for a in shlex.split(args)]
    line = user_error(capsys, "--data-dir", folder, "report", *filled)
    assert message in line
    assert list(tmp_path.iterdir()) == []


def test_paper_sizes_match_the_report_package() -> None:
    from shopper.cli.report import DEFAULT_PAPER, PAPER
    from shopper.report.document import DEFAULT_PAGE_SIZE, PAGE_SIZES

    assert (set(PAPER), DEFAULT_PAPER) == (set(PAGE_SIZES), DEFAULT_PAGE_SIZE)


def test_the_command_line_starts_without_reportlab() -> None:
    import subprocess
    import sys

    code = (
        "import sys, shopper.cli; shopper.cli.build_parser(); "
        "sys.exit(any(m.startswith('reportlab') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
