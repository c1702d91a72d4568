"""Every setting declared once, with its default, read through one accessor.

Settings live in `settings.ini` in the data folder, so each data folder (and
each test) has its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    title: str


class Options:
    WINDOW_GEOMETRY = Option("window/geometry", QByteArray(), "Main window size and place")
    WINDOW_STATE = Option("window/state", QByteArray(), "Tool bars and docks")
    MAIN_SPLITTER = Option("window/main_splitter", QByteArray(), "Browser / audit split")
    BROWSER_SPLITTER = Option("window/browser_splitter", QByteArray(), "Companies / audits split")
    RUNNER_SPLITTER = Option("runner/splitter", QByteArray(), "Outline / item split")
    LAST_SHOPPER = Option("last/shopper", "", "Shopper name used last")
    LAST_COMPANY = Option("last/company", "", "Company chosen last for a new audit")
    LAST_TOUCHPOINT = Option("last/touchpoint", "phone", "Touchpoint chosen last")
    LAST_TEMPLATE = Option("last/template", "", "Template chosen last")
    FILTER_TOUCHPOINT = Option("filter/touchpoint", "", "Audit list touchpoint filter")
    FILTER_STATUS = Option("filter/status", "", "Audit list status filter")
    LAST_AUDIT = Option("last/audit", "", "Audit open when the app was closed")
    REPORT_PAGE_SIZE = Option("report/page_size", "a4", "Paper size of PDF reports (a4, letter)")
    REPORT_FOLDER = Option("report/folder", "", "Folder a PDF report was saved to last")
    REPORT_REDACT = Option("report/redact", "false", "Mask e-mails and phone numbers in reports")
    REPORT_REDACT_NAMES = Option("report/redact_names", "", "Names masked in reports")
    BROWSER_VISIBLE = Option("window/browser_visible", "true", "Show the companies and audits")


class Settings:
    """Typed access to QSettings stored in the data folder."""

    def __init__(self, data_dir: Path) -> None:
        self._qs = QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)

    def get(self, option: Option) -> Any:
        value = self._qs.value(option.key, option.default)
        if isinstance(option.default, str):
            return "" if value is None else str(value)
        if isinstance(option.default, QByteArray):
            return value if isinstance(value, QByteArray) else QByteArray()
        return value

    def set(self, option: Option, value: Any) -> None:
        self._qs.setValue(option.key, value)

    def sync(self) -> None:
        self._qs.sync()
