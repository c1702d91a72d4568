"""Every setting declared once, with its type and default, read through one accessor.

Settings live in `settings.ini` in the data folder, so each data folder (and
each test) has its own. An option's default fixes its type: `Settings.get` hands
back that type whatever the file holds (an INI file stores everything as text:
"true" comes back as True), and the default when the stored text does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T", str, bool, int, QByteArray)


@dataclass(frozen=True)
class Option(Generic[T]):
    key: str
    default: T
    title: str


class Options:
    WINDOW_GEOMETRY = Option("window/geometry", QByteArray(), "Main window size and place")
    WINDOW_STATE = Option("window/state", QByteArray(), "Tool bars and docks")
    MAIN_SPLITTER = Option("window/main_splitter", QByteArray(), "Browser / audit split")
    BROWSER_SPLITTER = Option("window/browser_splitter", QByteArray(), "Companies / audits split")
    RUNNER_SPLITTER = Option("runner/splitter", QByteArray(), "Outline / item split")
    ITEM_SPLITTER = Option("runner/item_splitter", QByteArray(), "Item / instruments split")
    OUTLINE_COLUMNS = Option("runner/outline_columns", QByteArray(), "Outline column widths")
    AUDIT_COLUMNS = Option("window/audit_columns", QByteArray(), "Audit list column widths")
    LAST_SHOPPER = Option("last/shopper", "", "Shopper name used last")
    LAST_COMPANY = Option("last/company", "", "Company chosen last for a new audit")
    LAST_TOUCHPOINT = Option("last/touchpoint", "phone", "Touchpoint chosen last")
    LAST_TEMPLATE = Option("last/template", "", "Template chosen last")
    FILTER_TOUCHPOINT = Option("filter/touchpoint", "", "Audit list touchpoint filter")
    FILTER_STATUS = Option("filter/status", "", "Audit list status filter")
    LAST_AUDIT = Option("last/audit", "", "Audit open when the app was closed")
    CHECKLIST_LANGUAGE = Option(
        "runner/language",
        "",
        "The shopper's language: a checklist that has it shows its words in it "
        "('fr' or 'French (fr)'; empty: each checklist's own)",
    )
    REPORT_LANGUAGE = Option(
        "report/language", "", "Language of the checklist's words in reports (empty: its own)"
    )
    REPORT_PAGE_SIZE = Option("report/page_size", "a4", "Paper size of PDF reports (a4, letter)")
    REPORT_FOLDER = Option("report/folder", "", "Folder a PDF report was saved to last")
    ATTACH_FOLDER = Option("evidence/folder", "", "Folder evidence was attached from last")
    REPORT_REDACT = Option("report/redact", False, "Mask e-mails and phone numbers in reports")
    REPORT_REDACT_NAMES = Option("report/redact_names", "", "Names masked in reports")
    BROWSER_VISIBLE = Option("window/browser_visible", True, "Show the companies and audits")
    TEAM_AT_START = Option("team/at_start", False, "Open the team database on start")
    SYNC_MINUTES = Option(
        "team/sync_minutes", 5, "Minutes between automatic syncs with the team database (0: never)"
    )
    INSTRUMENTS_VISIBLE = Option(
        "runner/instruments_visible", True, "Show the instruments under the item (F9)"
    )


class Settings:
    """Typed access to QSettings stored in the data folder."""

    def __init__(self, data_dir: Path) -> None:
        self._qs = QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)

    def get(self, option: Option[T]) -> T:
        value: Any = self._qs.value(option.key, option.default)
        default = option.default
        if isinstance(default, bool):  # before int: a bool is an int
            return _as_bool(value, default)
        if isinstance(default, int):
            try:
                return int(value)
            except (TypeError, ValueError):
                return default
        if isinstance(default, QByteArray):
            return value if isinstance(value, QByteArray) else QByteArray()
        return default if value is None else str(value)

    def has(self, option: Option[T]) -> bool:
        """Whether the option was ever set (else `get` gives its default)."""
        return bool(self._qs.contains(option.key))

    def set(self, option: Option[T], value: T) -> None:
        self._qs.setValue(option.key, value)

    def sync(self) -> None:
        self._qs.sync()


def _as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    return default
