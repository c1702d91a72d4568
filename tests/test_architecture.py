"""Dependencies point one way: nothing outside shopper/ui and shopper/app.py touches Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "shopper"
QT_FREE_PACKAGES = ("domain", "store", "report", "services")
FORBIDDEN = ("PySide6", "shopper.ui", "shopper.app")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = REPO_ROOT) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from shopper import ui` imports shopper.ui too.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _is_forbidden(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN)


def qt_free_files() -> list[Path]:
    return [p for name in QT_FREE_PACKAGES for p in sorted((PACKAGE / name).rglob("*.py"))]


def test_the_layers_exist() -> None:
    for name in QT_FREE_PACKAGES:
        assert (PACKAGE / name / "__init__.py").is_file(), name
    assert len(qt_free_files()) >= 10


@pytest.mark.parametrize("path", qt_free_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_qt_or_gui_imports(path: Path) -> None:
    bad = [
        f"line {line}: {module}" for line, module in imported_modules(path) if _is_forbidden(module)
    ]
    assert bad == [], f"{path.relative_to(REPO_ROOT)} imports GUI code: {bad}"


def test_the_checker_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "shopper" / "services" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "import PySide6\n"
        "import PySide6.QtCore as qc\n"
        "from PySide6.QtWidgets import QWidget\n"
        "from shopper import ui\n"
        "from shopper.app import main\n"
        "from ..ui import models\n"
        "def later():\n"
        "    from PySide6 import QtGui\n"
        "import os\n",
        encoding="utf-8",
    )
    found = imported_modules(sample, root=tmp_path)
    flagged = sorted({line for line, module in found if _is_forbidden(module)})
    assert flagged == [1, 2, 3, 4, 5, 6, 8]


def test_domain_and_store_do_not_reach_up() -> None:
    """domain depends on nothing in the app; store and report only on domain (and resources)."""
    allowed = {
        "domain": ("shopper.domain",),
        "store": ("shopper.domain", "shopper.store"),
        "report": ("shopper.domain", "shopper.store", "shopper.report", "shopper.resources"),
    }
    problems = []
    for layer, prefixes in allowed.items():
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for line, module in imported_modules(path):
                if module == "shopper" or not module.startswith("shopper"):
                    continue
                if not any(module == p or module.startswith(f"{p}.") for p in prefixes):
                    problems.append(f"{path.relative_to(REPO_ROOT)}:{line}: {module}")
    assert problems == []


def test_services_and_cli_import_without_qt() -> None:
    code = (
        "import shopper.services.audits, shopper.services.runner, shopper.services.demo, "
        "shopper.cli; import sys; "
        "assert not any(m.startswith('PySide6') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('PySide6'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# -- the GUI and the store, SQL, circles ---------------------------------------------------


def _files(*names: str) -> list[Path]:
    found: list[Path] = []
    for name in names:
        target = PACKAGE / name
        found += [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    return found


def test_the_gui_imports_nothing_from_the_store() -> None:
    """The GUI goes through services, which hand it domain types or plain rows."""
    problems = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {module}"
        for path in _files("ui", "app.py")
        for line, module in imported_modules(path)
        if module == "shopper.store" or module.startswith("shopper.store.")
    ]
    assert problems == []


SQL_FREE = ("services", "cli", "ui", "app.py")
"""Where no SQL is built: statements live in the store, in functions that take a session."""
ALLOWED_FROM_SQLALCHEMY = {
    "Engine",
    "Connection",
    "Session",
    "SQLAlchemyError",
    "OperationalError",
    "DatabaseError",
    "IntegrityError",
}


def sql_builders(path: Path) -> list[str]:
    """Names a file imports from SQLAlchemy or sqlmodel other than engines, sessions, errors."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] in ("sqlalchemy", "sqlmodel")
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "sqlalchemy",
            "sqlmodel",
        ):
            found += [
                f"line {node.lineno}: {node.module}.{alias.name}"
                for alias in node.names
                if alias.name not in ALLOWED_FROM_SQLALCHEMY
            ]
    return found


@pytest.mark.parametrize("path", _files(*SQL_FREE), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_sql_lives_in_the_store(path: Path) -> None:
    assert sql_builders(path) == [], f"{path.relative_to(REPO_ROOT)} builds SQL"


def test_the_sql_checker_sees_builders(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from sqlalchemy import Engine, select\n"
        "from sqlalchemy.exc import SQLAlchemyError\n"
        "from sqlmodel import Session, col\n"
        "import sqlalchemy as sa\n"
        "def later():\n"
        "    from sqlalchemy import text\n",
        encoding="utf-8",
    )
    assert [x.split(":")[0] for x in sql_builders(sample)] == [
        "line 1",
        "line 3",
        "line 4",
        "line 6",
    ]


def import_graph(root: Path = REPO_ROOT) -> dict[str, set[str]]:
    """Each module of the package -> the modules of the package it imports, however it
    imports them (at the top, inside a function, or for type checking only)."""
    paths = {_module_name(p, root): p for p in sorted((root / "shopper").rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for _line, imported in imported_modules(path, root):
            module = imported
            while module and module not in paths:
                module = module.rpartition(".")[0]  # a name imported from a module
            if module and module != name and not name.startswith(f"{module}."):
                targets.add(module)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert circles(graph) == [["a", "b", "c"]]


# -- start-up imports only what the first screen needs ----------------------------------------

LOADED_WHEN_FIRST_USED = (
    "reportlab",
    "openpyxl",
    "PIL",
    "alembic",
    "psycopg",
    "shopper.report",
    "shopper.services.export",
    "shopper.services.reports",
    "shopper.ui.compare",
    "shopper.ui.findings",
    "shopper.ui.journey",
    "shopper.ui.report_export",
)

STARTED = """
import importlib._bootstrap, json, sys, threading
from pathlib import Path

on_the_gui_thread = []
find_and_load = importlib._bootstrap._find_and_load

def spy(name, import_):
    if name not in sys.modules and threading.current_thread() is threading.main_thread():
        on_the_gui_thread.append(name)
    return find_and_load(name, import_)

importlib._bootstrap._find_and_load = spy
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from shopper.app import DatabaseOpener
from shopper.ui.main_window import MainWindow

seen = {"imported with the window": sorted(sys.modules)}
window = MainWindow(data_dir=Path(sys.argv[1]), paint_first=True)  # as shopper.app
opener = DatabaseOpener(window, Path(sys.argv[1]), None)
window.first_painted.connect(opener.start)
window.first_painted.connect(lambda: on_the_gui_thread.clear())

def lists_shown():
    seen["shown"] = [window.company_model.rowCount(), window.audit_model.rowCount()]
    seen["imported when shown"] = sorted(sys.modules)

def lists_read():
    seen.setdefault("imported when ready", sorted(sys.modules))
    menus()

def menus():
    if window.tools_installed:
        seen["imported with the menus"] = sorted(sys.modules)
        seen["imported on the GUI thread after the first paint"] = on_the_gui_thread
        app.quit()
    else:
        QTimer.singleShot(10, menus)

window.lists_shown.connect(lists_shown)
window.lists_read.connect(lists_read)
window.show()
QTimer.singleShot(60000, app.quit)
app.exec()
print(json.dumps(seen))
"""


def start_up(data_dir: Path) -> dict[str, Any]:
    """Start the app as `shopper gui` does, in a child process: what it imported when."""
    import json
    import os

    done = subprocess.run(
        [sys.executable, "-c", STARTED, str(data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen", "SHOPPER_HEADLESS": "1"},
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_start_up_leaves_the_reports_exports_and_analysis_windows_for_later(
    tmp_path: Path,
) -> None:
    """Nothing is imported at start-up that only a menu's window or a team database needs:
    reportlab, openpyxl and Pillow, the report package, Alembic, psycopg, the analysis
    windows (each loaded when first used)."""

    from shopper.services.context import AppContext

    AppContext.open(tmp_path / "data").close()  # as the last run left it
    seen = start_up(tmp_path / "data")
    assert "imported with the menus" in seen

    def heavy(modules: list[str]) -> list[str]:
        return [
            m
            for m in modules
            if any(m == name or m.startswith(f"{name}.") for name in LOADED_WHEN_FIRST_USED)
        ]

    assert heavy(seen["imported with the window"]) == []
    assert heavy(seen["imported when ready"]) == []
    assert heavy(seen["imported with the menus"]) == []  # the Analyse menu, the data actions
    # The database layer and the services load with the database, off the GUI thread.
    core = ("sqlalchemy", "sqlmodel", "shopper.services", "shopper.store", "shopper.domain")
    gui_thread = seen["imported on the GUI thread after the first paint"]
    assert [m for m in gui_thread if m.startswith(core)] == []


def test_start_up_shows_the_lists_before_the_database_layer_loads(tmp_path: Path) -> None:
    """This computer's database, at the newest revision: the companies and the first page
    of audits are on screen (the start-up glance, `shopper.store.glance`) before SQLAlchemy,
    the table classes or the services are imported."""

    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext

    ctx = AppContext.open(tmp_path / "data")
    create_company(engine=ctx.engine, data=CompanyInput(name="Glance & Co"))
    ctx.close()
    seen = start_up(tmp_path / "data")
    assert seen["shown"] == [2, 0]  # "All companies" and Glance & Co; no audits yet
    loaded = [
        m
        for m in seen["imported when shown"]
        if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic")
        or m.startswith(("shopper.store.tables", "shopper.store.repo", "shopper.services.audits"))
    ]
    assert loaded == []
