"""Making a report from the database: the file appears whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest

from shopper.domain.errors import NotFoundError
from shopper.report.document import ReportError
from shopper.report.flowables import EvidenceImage
from shopper.services import reports
from shopper.services.audits import load_audit
from shopper.services.context import AppContext
from shopper.services.reports import audit_facts, make_audit_report, write_atomically
from shopper.services.runner import AuditRunner
from tests.report.helpers import Pdf
from tests.report.images import photo
from tests.ui.helpers import new_audit, yes_no_template


@pytest.fixture
def audit_id(ctx: AppContext, tmp_path: Path) -> str:
    audit = new_audit(ctx, template_path=yes_no_template(tmp_path, count=3))
    runner = AuditRunner(engine=ctx.engine, audit_id=audit)
    runner.set_answer("q1", "no")
    runner.set_note("q1", "Ewa Nowak said to mail ewa@example.com or call +48 600 100 200.")
    runner.set_answer("q2", "yes")
    return audit


def test_writes_a_pdf(ctx: AppContext, audit_id: str, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    steps: list[tuple[int, int]] = []
    result = make_audit_report(
        engine=ctx.engine,
        audit_id=audit_id,
        out_path=out,
        page_size="letter",
        progress=lambda done, total: steps.append((done, total)),
    )
    assert result.path == out
    pdf = Pdf.of(out.read_bytes())
    assert pdf.page_count == result.pages
    assert "Acme Ltd" in pdf.text and "Ewa Nowak" in pdf.text
    assert round(float(pdf.reader.pages[0].mediabox.width)) == 612
    assert steps[0] == (0, 3) and steps[-1] == (3, 3)
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_redaction(ctx: AppContext, audit_id: str, tmp_path: Path) -> None:
    out = tmp_path / "shared.pdf"
    make_audit_report(
        engine=ctx.engine, audit_id=audit_id, out_path=out, redact_names=["ewa nowak"]
    )
    text = Pdf.of(out.read_bytes()).text
    assert "Nowak" not in text and "ewa@" not in text and "600 100" not in text
    assert "[name] said to mail [e-mail] or call [phone]." in " ".join(text.split())


def test_a_failed_build_leaves_the_old_file_and_no_litter(
    ctx: AppContext, audit_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF- the previous report")

    def half_then_crash(stream: BinaryIO, *_args: object, **_kwargs: object) -> int:
        stream.write(b"%PDF-1.4 half a report")
        raise RuntimeError("layout bug")

    monkeypatch.setattr(reports, "build_audit_report", half_then_crash)
    with pytest.raises(RuntimeError):
        make_audit_report(engine=ctx.engine, audit_id=audit_id, out_path=out)
    assert out.read_bytes() == b"%PDF- the previous report"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "keyboard.yaml",
        "report.pdf",
    ]


def test_user_mistakes_are_report_errors(ctx: AppContext, audit_id: str, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        make_audit_report(engine=ctx.engine, audit_id=audit_id, out_path=tmp_path / "no" / "r.pdf")
    with pytest.raises(ReportError, match="is a folder"):
        make_audit_report(engine=ctx.engine, audit_id=audit_id, out_path=tmp_path)
    with pytest.raises(ReportError, match="unknown page size"):
        make_audit_report(
            engine=ctx.engine, audit_id=audit_id, out_path=tmp_path / "r.pdf", page_size="A3"
        )
    assert not (tmp_path / "r.pdf").exists()
    with pytest.raises(NotFoundError):
        make_audit_report(
            engine=ctx.engine, audit_id="f" * 36, out_path=tmp_path / "r.pdf", page_size="a4"
        )


def test_an_unwritable_folder_is_a_report_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(reports.tempfile, "mkstemp", refuse)
    with pytest.raises(ReportError, match=r"cannot write in .*Permission denied"):
        write_atomically(tmp_path / "r.pdf", lambda out: out.write(b"x"))


def test_evidence_images_reach_the_report(ctx: AppContext, audit_id: str, tmp_path: Path) -> None:
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    picture = photo(tmp_path / "desk.jpg", (640, 480)).read_bytes()
    runner.attach(
        data_dir=ctx.data_dir, data=picture, filename="desk.jpg", item_id="q1", caption="Desk"
    )
    facts = audit_facts(load_audit(engine=ctx.engine, audit_id=audit_id), data_dir=ctx.data_dir)
    (attached,) = facts.evidence["q1"]
    assert isinstance(attached, EvidenceImage)
    assert attached.name == "desk.jpg" and attached.caption == "Desk"
    assert attached.path.is_file()
    out = tmp_path / "with-evidence.pdf"
    make_audit_report(engine=ctx.engine, audit_id=audit_id, out_path=out, data_dir=ctx.data_dir)
    pdf = Pdf.of(out.read_bytes())
    assert pdf.image_count() == 1
    assert "Desk" in pdf.text
