"""Making a report from the database: the file appears whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from shopper.domain.errors import NotFoundError, ShopperError
from shopper.domain.instruments import EmailStep, Instrument, PhoneStep, WebStep
from shopper.report.document import ReportError
from shopper.services import files, reports
from shopper.services.audits import load_audit, start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.evidence import evidence_path
from shopper.services.reports import (
    audit_facts,
    make_audit_report,
    make_comparison_report,
    make_findings_report,
    make_journey_report,
    write_atomically,
)
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file
from tests.postgres import DATABASES, app_context
from tests.report.helpers import Pdf, squeeze
from tests.report.images import photo
from tests.services.analysis_data import T0, History, build_history
from tests.services.analysis_data import _run as run_audit
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
    assert out.stat().st_mode & 0o777 == 0o600  # exports are the owner's alone
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

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(ReportError, match=r"cannot write here: Permission denied"):
        write_atomically(tmp_path / "r.pdf", lambda out: out.write(b"x"))


def test_evidence_images_reach_the_report(ctx: AppContext, audit_id: str, tmp_path: Path) -> None:
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    picture = photo(tmp_path / "desk.jpg", (640, 480)).read_bytes()
    record = runner.attach(
        data_dir=ctx.data_dir, data=picture, filename="desk.jpg", item_id="q1", caption="Desk"
    )
    facts = audit_facts(load_audit(engine=ctx.engine, audit_id=audit_id), data_dir=ctx.data_dir)
    (attached,) = facts.attachments
    assert (attached.id, attached.item_id, attached.kind) == (record.id, "q1", "image")
    assert attached.filename == "desk.jpg" and attached.caption == "Desk"
    assert attached.sha256 == record.sha256 and attached.size == len(picture)
    assert attached.path is not None and attached.path.read_bytes() == picture
    without = audit_facts(load_audit(engine=ctx.engine, audit_id=audit_id))
    assert without.attachments[0].path is None
    out = tmp_path / "with-evidence.pdf"
    make_audit_report(engine=ctx.engine, audit_id=audit_id, out_path=out, data_dir=ctx.data_dir)
    pdf = Pdf.of(out.read_bytes())
    assert pdf.image_count() == 1  # beside the finding and in the appendix: one copy
    assert "Desk" in pdf.text and "Appendix: evidence" in pdf.outline_titles()


FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 16:00 in Warsaw


@pytest.fixture
def warsaw_audit(ctx: AppContext, tmp_path: Path) -> str:
    company = create_company(
        engine=ctx.engine, data=CompanyInput(name="Kawa <Sp. z o.o.>", timezone="Europe/Warsaw")
    )
    template = import_template_file(engine=ctx.engine, path=yes_no_template(tmp_path, count=2))
    return start_audit(
        engine=ctx.engine,
        company_id=company.id,
        template_id=template.id,
        shopper="Tess",
        zone="Europe/Warsaw",
        at=FRIDAY,
    ).id


def test_instruments_moments_and_evidence_from_the_database(
    ctx: AppContext, warsaw_audit: str, tmp_path: Path
) -> None:
    runner = AuditRunner(engine=ctx.engine, audit_id=warsaw_audit, zone="Europe/Warsaw")
    call = [
        (0, PhoneStep.CALL_START, {}),
        (8, PhoneStep.MENU, {"prompt": "Witamy! <b>Wciśnij 1</b>", "options": "2", "key": "1"}),
        (30, PhoneStep.HOLD_START, {}),
        (150, PhoneStep.HUMAN, {"name": "Ola"}),
        (300, PhoneStep.CALL_END, {}),
    ]
    for seconds, kind, data in call:
        runner.add_step(Instrument.PHONE, kind, at=FRIDAY + timedelta(seconds=seconds), data=data)
    shots = []
    for n in range(2):
        png = photo(tmp_path / f"p{n}.png", (800 + n, 500), "PNG").read_bytes()
        shots.append(runner.attach(data_dir=ctx.data_dir, data=png, filename=f"page-{n}.png"))
        runner.add_step(
            Instrument.WEB,
            WebStep.PAGE,
            at=FRIDAY + timedelta(minutes=10 + n),
            data={
                "url": f"https://kawa.example/{n}",
                "title": f"Strona {n}",
                "evidence_id": shots[-1].id,
            },
        )
    runner.add_step(
        Instrument.WEB,
        WebStep.FOUND,
        at=FRIDAY + timedelta(minutes=12),
        data={"channel": "phone", "channels": ["phone"]},
    )
    runner.add_step(Instrument.EMAIL, EmailStep.SENT, at=FRIDAY, data={"subject": "Pytanie"})
    runner.add_step(Instrument.EMAIL, EmailStep.REPLY, at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    moment = runner.add_moment(
        "bad", note="Muzyka <i>za głośno</i>", item_id="q2", at=FRIDAY + timedelta(minutes=1)
    )
    mail = b"From: shop@kawa.example\nTo: tess@example.com\nSubject: Re\n\nDzien dobry"
    runner.attach(data_dir=ctx.data_dir, data=mail, filename="reply.eml", moment_id=moment.id)
    # The second screenshot is damaged on disk after it was stored.
    stored = evidence_path(ctx.data_dir, shots[1].sha256, shots[1].extension)
    stored.write_bytes(stored.read_bytes()[:300])

    detail = load_audit(engine=ctx.engine, audit_id=warsaw_audit)
    facts = audit_facts(detail, data_dir=ctx.data_dir)
    assert facts.instruments.calendar.zone == "Europe/Warsaw"
    assert [len(facts.instruments.phone), len(facts.instruments.web)] == [5, 3]
    assert facts.moments[0].item_id == "q2" and facts.moments[0].id == moment.id

    out = tmp_path / "instruments.pdf"
    make_audit_report(engine=ctx.engine, audit_id=warsaw_audit, out_path=out, data_dir=ctx.data_dir)
    pdf = Pdf.of(out.read_bytes())
    parts = ["Phone call", "Website path", "E-mail exchange", "Moments", "Appendix: evidence"]
    assert all(part in pdf.outline_titles() for part in parts)
    flat = " ".join(pdf.text.split())
    for text in (
        "“Witamy! <b>Wciśnij 1</b>”",
        "Time to a person 2:30",
        "Name: Ola",
        "https://kawa.example/1",
        "Response, business hours 2 h",
        "Europe/Warsaw",
        "Muzyka <i>za głośno</i>",
        "Item 1.2: Question 2?",
        "reply.eml",
        "E-mail",
        "Image not shown: image file is damaged",
    ):
        assert text in flat, text
    assert pdf.image_count() == 1  # the intact screenshot; the damaged one is a placeholder
    assert pdf.uris() == []


# -- the comparison and the journey ------------------------------------------------------


@dataclass(frozen=True)
class Shared:
    ctx: AppContext
    history: History
    odd_company_id: str
    """A company with two store visits whose every text is hostile or in another script."""


@pytest.fixture(scope="module", params=DATABASES)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shared]:
    """The hand-made history of tests/services/analysis_data.py, which these tests only
    read, and the odd company: on SQLite and on a team database (as a manager)."""
    folder = tmp_path_factory.mktemp("manager-reports")
    with app_context(request.param, request, folder / "data") as context:
        yield _shared(context, folder)


def _shared(context: AppContext, folder: Path) -> Shared:
    history = build_history(context, folder)
    template = import_template_file(engine=context.engine, path=folder / "store-v2.yaml")
    odd = create_company(engine=context.engine, data=CompanyInput(name=ODD_COMPANY))
    for day, (shopper, clean) in enumerate([(ODD_SHOPPER, "yes"), ("Ana", "no")]):
        run_audit(
            context,
            company_id=odd.id,
            template_id=template.id,
            version=2,
            day=day,
            answers={"clean": clean, "greet": "yes", "smile": "yes"},
            notes={"clean": ODD_NOTE},
            moments=(("friction", ODD_NOTE, None),),
            shopper=shopper,
        )
    return Shared(context, history, odd.id)


ODD_COMPANY = "Zielona Łąka <b>&amp;</b> 桜"
ODD_SHOPPER = "Ηλίας <a href='https://evil.example'>x</a>"
ODD_NOTE = 'Кофе <img src="/etc/passwd"/> & 日本語'


def _pdf(path: Path) -> tuple[Pdf, str]:
    pdf = Pdf.of(path.read_bytes())
    return pdf, " ".join(pdf.text.split())


def test_comparison_of_a_company_at_a_touchpoint(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    steps: list[tuple[int, int]] = []
    out = tmp_path / "compare.pdf"
    result = make_comparison_report(
        engine=ctx.engine,
        out_path=out,
        company_id=history.company_id,
        touchpoint="store",
        page_size="letter",
        progress=lambda done, total: steps.append((done, total)),
    )
    pdf, text = _pdf(out)
    assert result.pages == pdf.page_count
    assert round(float(pdf.reader.pages[0].mediabox.width)) == 612
    for expected in ("AUDIT COMPARISON", "Acme Stores", "Store visit", "3 audits", "Ana, Tom"):
        assert expected in text, expected
    assert "Spotless" in text and "Dusty shelves" in text  # the shoppers' notes
    assert "Critical failure" in text
    assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1]
    assert [done for done, _total in steps] == sorted(done for done, _total in steps)
    assert pdf.uris() == [] and pdf.image_count() == 0


def test_comparison_of_chosen_audits(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    out = tmp_path / "chosen.pdf"
    ids = [history.audits["other"], history.audits["A1"], history.audits["A1"]]
    make_comparison_report(engine=ctx.engine, out_path=out, audit_ids=ids)
    _, text = _pdf(out)
    assert "2 companies" in text and "Acme Stores, Other Shop" in text


def test_too_few_audits_to_compare_is_a_clear_error(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    out = tmp_path / "none.pdf"
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"company_id": history.other_company_id, "touchpoint": "store"},
            "Other Shop has only one completed audit at Store visit",
        ),
        (
            {"company_id": history.company_id, "touchpoint": "phone"},
            "Acme Stores has no completed audits at Phone",
        ),
        ({"audit_ids": [history.audits["A1"]] * 2}, "at least 2 different audits, got 1"),
        ({}, "choose the audits to compare"),
        (
            {"audit_ids": [history.audits["A1"]], "company_id": history.company_id},
            "not both",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(ShopperError, match=message):
            make_comparison_report(engine=ctx.engine, out_path=out, **kwargs)
    assert not out.exists()


def test_journey_of_a_company(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    steps: list[tuple[int, int]] = []
    out = tmp_path / "journey.pdf"
    result = make_journey_report(
        engine=ctx.engine,
        company_id=history.company_id,
        out_path=out,
        progress=lambda done, total: steps.append((done, total)),
    )
    pdf, text = _pdf(out)
    assert result.pages == pdf.page_count >= 4
    for expected in (
        "COMPANY JOURNEY",
        "Acme Stores",
        "3 completed audits across 1 touchpoint",
        "Themes by touchpoint",
        "Brand",
        "Empathy",
        "Speed",
        "Ignored at the counter",  # a bad moment, under its item's theme
        "Door stuck",  # friction
        "Free coffee",  # a good moment on the timeline
        "Spotless",  # a note on a passed item: good
        "Dusty shelves",  # a note on a failed item: bad
        "Critical: Were you greeted?",
    ):
        assert expected in text, expected
    assert steps[-1][0] == steps[-1][1]
    assert pdf.uris() == [] and pdf.image_count() == 0


def test_journey_without_audits_is_a_clear_error(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    with pytest.raises(ShopperError, match="Acme Stores has no completed audits in this period"):
        make_journey_report(
            engine=ctx.engine,
            company_id=history.company_id,
            out_path=tmp_path / "j.pdf",
            since=T0 + timedelta(days=365),
        )
    with pytest.raises(NotFoundError):
        make_journey_report(engine=ctx.engine, company_id="f" * 36, out_path=tmp_path / "j.pdf")
    assert list(tmp_path.iterdir()) == []


def test_hostile_texts_from_the_database_print_exactly(shared: Shared, tmp_path: Path) -> None:
    ctx, company_id = shared.ctx, shared.odd_company_id
    journey, compare = tmp_path / "j.pdf", tmp_path / "c.pdf"
    make_journey_report(engine=ctx.engine, company_id=company_id, out_path=journey)
    make_comparison_report(
        engine=ctx.engine, out_path=compare, company_id=company_id, touchpoint="store"
    )
    expected = {journey: (ODD_COMPANY, ODD_NOTE), compare: (ODD_COMPANY, ODD_NOTE, ODD_SHOPPER)}
    for path, texts in expected.items():
        pdf = Pdf.of(path.read_bytes())
        everything = squeeze(pdf.text)
        for text in texts:
            assert squeeze(text) in everything, (path.name, text)
        assert pdf.uris() == [] and pdf.image_count() == 0


def test_findings_by_theme_of_a_company(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    steps: list[tuple[int, int]] = []
    out = tmp_path / "findings.pdf"
    result = make_findings_report(
        engine=ctx.engine,
        company_id=history.company_id,
        touchpoint="store",
        out_path=out,
        progress=lambda done, total: steps.append((done, total)),
    )
    pdf, text = _pdf(out)
    assert result.pages == pdf.page_count >= 2
    for expected in (
        "FINDINGS BY THEME",
        "Acme Stores",
        "Store visit",
        "3 completed audits",
        "Brand",
        "Ignored at the counter",
        "Dusty shelves",
    ):
        assert expected in text, expected
    assert "Other Shop" not in text
    assert steps[-1][0] == steps[-1][1]


def test_findings_of_every_company_and_an_empty_filter(shared: Shared, tmp_path: Path) -> None:
    ctx = shared.ctx
    out = tmp_path / "all.pdf"
    make_findings_report(engine=ctx.engine, out_path=out)
    text = _pdf(out)[1]
    assert "All companies" in text and "Every touchpoint" in text
    assert squeeze(ODD_NOTE) in squeeze(text)  # hostile text prints as typed
    with pytest.raises(ShopperError, match="no completed audits in this filter"):
        make_findings_report(
            engine=ctx.engine, out_path=tmp_path / "none.pdf", since=T0 + timedelta(days=3650)
        )
    with pytest.raises(NotFoundError):
        make_findings_report(engine=ctx.engine, company_id="f" * 36, out_path=tmp_path / "x.pdf")
    assert not (tmp_path / "none.pdf").exists() and not (tmp_path / "x.pdf").exists()


def test_redaction_reaches_both_reports(shared: Shared, tmp_path: Path) -> None:
    ctx, history = shared.ctx, shared.history
    out = tmp_path / "r.pdf"
    make_journey_report(
        engine=ctx.engine, company_id=history.company_id, out_path=out, redact_names=["spotless"]
    )
    assert "Spotless" not in Pdf.of(out.read_bytes()).text
    make_comparison_report(
        engine=ctx.engine,
        out_path=out,
        company_id=history.company_id,
        touchpoint="store",
        redact_names=["Tom"],
    )
    text = Pdf.of(out.read_bytes()).text
    assert "Tom" not in text and "[name]" in text and "Acme Stores" in text


@pytest.mark.parametrize("builder", ["build_comparison_report", "build_journey_report"])
def test_a_failed_manager_report_leaves_the_old_file(
    shared: Shared,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    builder: str,
) -> None:
    ctx, history = shared.ctx, shared.history
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF- the previous report")

    def half_then_crash(stream: BinaryIO, *_args: object, **_kwargs: object) -> int:
        stream.write(b"%PDF-1.4 half a report")
        raise RuntimeError("layout bug")

    monkeypatch.setattr(reports, builder, half_then_crash)
    with pytest.raises(RuntimeError):
        if builder == "build_journey_report":
            make_journey_report(engine=ctx.engine, company_id=history.company_id, out_path=out)
        else:
            make_comparison_report(
                engine=ctx.engine, out_path=out, company_id=history.company_id, touchpoint="store"
            )
    assert out.read_bytes() == b"%PDF- the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


BIG_IMAGE = r"""
import resource, sys
from pathlib import Path
from PIL import Image
step, folder = sys.argv[1], Path(sys.argv[2])
if step == "make":
    img = Image.new(sys.argv[3], (8900, 8900), "teal")  # the largest image evidence accepts
    img.save(folder / "huge.png", "PNG")
elif step == "attach":
    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    ctx = AppContext.open(folder / "data")
    runner = AuditRunner(engine=ctx.engine, audit_id=sys.argv[3])
    runner.attach(data_dir=ctx.data_dir, data=(folder / "huge.png").read_bytes(),
                  filename="huge.png", item_id="q1")
    ctx.close()
else:
    from shopper.services.context import AppContext
    from shopper.services.reports import make_audit_report
    ctx = AppContext.open(folder / "data")
    make_audit_report(engine=ctx.engine, audit_id=sys.argv[3], out_path=folder / "r.pdf",
                      data_dir=ctx.data_dir)
    # VmHWM: the peak of this program's own memory. ru_maxrss would also count the parent
    # that started it (Linux keeps it across exec), a pytest worker of any size.
    status = Path("/proc/self/status")
    if status.exists():
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        print(int(line.split()[1]) // 1024)
    else:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="ru_maxrss is POSIX")
def test_a_report_with_the_largest_image_stays_under_400_mb(
    tmp_path: Path, mode: str, audit_id: str, ctx: AppContext
) -> None:
    import subprocess
    import sys

    ctx.close()
    assert ctx.data_dir == tmp_path / "data"

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", BIG_IMAGE, *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("make", str(tmp_path), mode)
    run("attach", str(tmp_path), audit_id)
    peak_mb = int(run("report", str(tmp_path), audit_id).strip())
    assert (tmp_path / "r.pdf").stat().st_size > 0
    assert peak_mb < 400, f"the report peaked at {peak_mb} MB"


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("fr", ["Vous a-t-on salué ?", "Accueil", "Avec un sourire"], ["Were you greeted?"]),
        ("", ["Were you greeted?", "With a smile"], ["Vous a-t-on salué ?"]),
    ],
)
def test_the_report_is_in_the_readers_language(
    ctx: AppContext, tmp_path: Path, language: str, shown: list[str], not_shown: list[str]
) -> None:
    from tests.domain.multilingual import write_multilingual

    template = import_template_file(engine=ctx.engine, path=write_multilingual(tmp_path))
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    runner.set_answer("greeted", "yes")
    runner.set_answer("how", "smile")
    out = tmp_path / "report.pdf"
    make_audit_report(engine=ctx.engine, audit_id=audit.id, out_path=out, language=language)
    text = squeeze(" ".join(Pdf.of(out.read_bytes()).page_texts()))
    for words in shown:
        assert squeeze(words) in text
    for words in not_shown:
        assert squeeze(words) not in text
