"""Try it: the template in the real runner, on a database of its own that goes when done."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.services.templates import list_templates
from shopper.ui.workers import wait_for_background
from tests.ui.template_editor.test_forms import open_editor


def test_trying_again_replaces_the_trial_and_leaves_nothing(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trials = tmp_path / "tmp"
    trials.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(trials))
    editor = open_editor(qtbot, ctx)
    editor.try_it()
    first = editor.preview
    editor.model.set_fields((0, 0), {"prompt": "Did a person answer?"})
    editor.try_it()  # the first trial closes before its database is made
    second = editor.preview
    assert second is not None and second is not first
    qtbot.waitUntil(lambda: second.view is not None, timeout=20000)
    qtbot.wait(50)  # the first one's deletion has run: it must not forget the second
    assert editor.preview is second
    assert second.view is not None
    assert second.view.template.item("human").prompt == "Did a person answer?"
    assert second.preview is not None
    folder = second.preview.folder
    second.close()
    qtbot.waitUntil(lambda: editor.preview is None, timeout=5000)
    assert not folder.exists()
    assert str(editor.model.doc["id"]) not in {i.id for i in list_templates(engine=ctx.engine)}
    # The first trial deleted its database once it was there.
    assert wait_for_background(30)
    qtbot.waitUntil(lambda: not any(trials.iterdir()), timeout=5000)
