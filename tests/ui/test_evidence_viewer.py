"""Evidence opens inside the app: pictures, PDFs and e-mails as they are, sound if it can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui import evidence_viewer
from shopper.ui.evidence_viewer import EvidenceViewer
from shopper.ui.runner.view import AuditRunnerView
from tests.ui.helpers import new_audit, show
from tests.ui.test_instruments import png_bytes

EML = (
    "From: Ewa <ewa@example.com>\r\n"
    "To: support@example.com\r\n"
    "Subject: Zwrot — „paczka”\r\n"
    "Date: Fri, 20 Nov 2026 16:05:00 +0100\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Dzień dobry, <b>not markup</b> & more.\r\n"
).encode()


def _pdf(path: Path) -> bytes:
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Receipt 1234: total 56.20 EUR")
    pdf.showPage()
    pdf.drawString(72, 720, "Second page")
    pdf.save()
    return path.read_bytes()


def _view(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> AuditRunnerView:
    audit_id = new_audit(ctx)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="UTC")
    item = runner.visible_items()[0].id
    runner.attach(data_dir=ctx.data_dir, data=png_bytes("blue"), filename="shop.png", item_id=item)
    runner.attach(data_dir=ctx.data_dir, data=EML, filename="reply.eml", item_id=item)
    pdf = _pdf(tmp_path / "receipt.pdf")
    runner.attach(data_dir=ctx.data_dir, data=pdf, filename="receipt.pdf", item_id=item)
    view = AuditRunnerView(runner, ctx.data_dir)
    show(qtbot, view)
    view.set_instruments_visible(True)
    return view


def _open(view: AuditRunnerView, filename: str) -> EvidenceViewer:
    pane = view.instruments.evidence_pane
    names = [getattr(pane.model.record_at(r), "filename", "") for r in range(pane.model.rowCount())]
    pane.table.selectRow(names.index(filename))
    viewer = pane.open_selected()
    assert viewer is not None
    return viewer


def test_each_kind_shows_inside_the_app(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    view = _view(qtbot, ctx, tmp_path)
    picture = _open(view, "shop.png")
    qtbot.waitExposed(picture)
    assert picture.picture is not None and picture.picture.pixmap() is not None
    assert not picture.picture.pixmap().isNull()
    picture.close()
    mail = _open(view, "reply.eml")
    assert mail.text is not None
    text = mail.text.toPlainText()
    assert "Subject: Zwrot — „paczka”" in text
    assert "Dzień dobry, <b>not markup</b> & more." in text  # exactly as written
    mail.close()
    pdf = _open(view, "receipt.pdf")
    assert pdf.text is not None
    assert "Receipt 1234: total 56.20 EUR" in pdf.text.toPlainText()
    assert "Page 2 of 2" in pdf.text.toPlainText()
    pdf.close()


def test_evidence_opens_in_a_completed_audit(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    view = _view(qtbot, ctx, tmp_path)
    view.instruments.set_read_only(True)  # as when the audit is completed
    pane = view.instruments.evidence_pane
    assert pane.open_button.isEnabled()
    assert _open(view, "shop.png").isVisible()


def test_sound_plays_or_says_why_it_cannot(qtbot: QtBot, tmp_path: Path) -> None:
    sound = tmp_path / "call.wav"
    sound.write_bytes(b"RIFF" + b"\0" * 40)
    viewer = EvidenceViewer(sound, kind="audio", title="call.wav")
    qtbot.addWidget(viewer)
    if viewer.player is None:
        assert "cannot play sound" in viewer.sound_label.text()
    else:
        assert viewer.play_button.text() == "Play"


def test_without_a_system_app_the_user_is_told(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(evidence_viewer, "launch", lambda _path: False)
    monkeypatch.setattr(evidence_viewer, "show_error", lambda _p, text, **_k: told.append(text))
    path = tmp_path / "x.eml"
    path.write_bytes(EML)
    viewer = EvidenceViewer(path, kind="email", title="x.eml")
    qtbot.addWidget(viewer)
    assert viewer.open_outside() is False
    assert told and "No app on this system opens .eml files" in told[0]


def test_a_changed_file_is_shown_with_a_warning(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(png_bytes())
    viewer = EvidenceViewer(path, kind="image", title="x.png", intact=False)
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.warning.isVisible()


def test_attach_starts_in_pictures_then_in_the_folder_used_last(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    view = _view(qtbot, ctx, tmp_path)
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "one.png").write_bytes(png_bytes("green"))
    started: list[str] = []

    def pick(_parent: Any, _title: str, start: str, _filter: str) -> tuple[list[str], str]:
        started.append(start)
        return [str(folder / "one.png")], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", pick)
    view.instruments.evidence_pane.choose_files()
    view.instruments.evidence_pane.choose_files()
    assert started[1] == str(folder)
    assert started[0] != str(folder)
