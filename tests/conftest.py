"""Shared fixtures. Qt runs offscreen and dialogs are never shown in tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SHOPPER_HEADLESS"] = "1"

from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.services.context import AppContext


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SHOPPER_DATA_DIR", str(folder))
    monkeypatch.delenv("SHOPPER_DB_URL", raising=False)
    return folder


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[AppContext]:
    context = AppContext.open(data_dir)
    yield context
    context.close()
