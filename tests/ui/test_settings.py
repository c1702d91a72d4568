"""Settings: declared once with their type, read back as that type."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from shopper.ui.settings import Option, Options, Settings


def _options() -> list[Option]:
    return [v for v in vars(Options).values() if isinstance(v, Option)]


def test_each_key_is_declared_once_with_a_title() -> None:
    keys = [o.key for o in _options()]
    assert len(keys) == len(set(keys)) >= 10
    assert all(o.title for o in _options())


def test_values_come_back_as_the_type_of_their_default(tmp_path: Path) -> None:
    settings = Settings(tmp_path)
    settings.set(Options.REPORT_REDACT, True)
    settings.set(Options.BROWSER_VISIBLE, False)
    settings.set(Options.LAST_SHOPPER, "Ewa")
    settings.set(Options.RUNNER_SPLITTER, QByteArray(b"\x00\x01"))
    settings.sync()
    again = Settings(tmp_path)
    assert again.get(Options.REPORT_REDACT) is True
    assert again.get(Options.BROWSER_VISIBLE) is False
    assert again.get(Options.LAST_SHOPPER) == "Ewa"
    assert again.get(Options.RUNNER_SPLITTER) == QByteArray(b"\x00\x01")


def test_text_from_an_older_file_or_by_hand_is_read_as_its_type(tmp_path: Path) -> None:
    raw = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    raw.setValue(Options.REPORT_REDACT.key, "false")
    raw.setValue(Options.BROWSER_VISIBLE.key, "nonsense")
    raw.setValue(Options.WINDOW_GEOMETRY.key, "not bytes")
    raw.sync()
    settings = Settings(tmp_path)
    assert settings.get(Options.REPORT_REDACT) is False
    assert settings.get(Options.BROWSER_VISIBLE) is True  # the default: the text fits no bool
    assert settings.get(Options.WINDOW_GEOMETRY) == QByteArray()
    assert settings.get(Options.LAST_TOUCHPOINT) == "phone"
