"""Take the README screenshot: the real app, on demo data, in a real (Xvfb) window.

Usage: DISPLAY=:99 .venv/bin/python tools/screenshot.py OUT.png [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

CALL = [
    (0, "call_start", {}),
    (
        12,
        "menu",
        {"prompt": "Welcome to Northwind. For orders press 1", "options": "4", "key": "1"},
    ),
    (41, "menu", {"prompt": "For a delivery question press 3", "options": "5", "key": "3"}),
    (70, "hold_start", {}),
    (262, "human", {}),
    (330, "repeat", {"what": "order number"}),
]
FIRST_ANSWERS = {
    "prompts_clear": 4,
    "human_option": "yes",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--item", default="hold_time", help="item to show in the runner")
    args = parser.parse_args()
    app = QApplication(sys.argv)
    from shopper.services.audits import list_audits, start_audit
    from shopper.services.companies import list_companies
    from shopper.services.context import AppContext
    from shopper.services.demo import load_demo
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import list_templates
    from shopper.ui.main_window import MainWindow

    folder = args.data_dir or Path(tempfile.mkdtemp())
    ctx = AppContext.open(folder)
    if not list_audits(engine=ctx.engine, limit=1):
        load_demo(engine=ctx.engine, data_dir=ctx.data_dir)
    window = MainWindow(ctx)
    window.resize(1360, 820)
    window.move(0, 0)
    window.show()
    # A phone audit under way: the first answers given, the shopper on the next question.
    company = next(c for c in list_companies(engine=ctx.engine) if c.name.startswith("Northwind"))
    phone = next(t for t in list_templates(engine=ctx.engine, touchpoint="phone") if t.builtin)
    audit = start_audit(
        engine=ctx.engine, company_id=company.id, template_id=phone.id, shopper="Ana Souza"
    )
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    start = datetime.now(UTC) - timedelta(minutes=9)
    for offset, kind, data in CALL:
        runner.add_step("phone", kind, at=start + timedelta(seconds=offset), data=data)
    for item_id, value in FIRST_ANSWERS.items():
        runner.set_answer(item_id, value)
    runner.add_moment("friction", note="Menu option 4 repeated the same message twice.")
    runner.set_note("menu_depth", "Option 4 (“other questions”) led to a second menu.")
    window.refresh()
    window.open_audit(audit.id)
    if window.runner_view is not None:
        window.runner_view.go_to(args.item)

    def grab() -> None:
        from PySide6.QtGui import QGuiApplication

        pixmap = QGuiApplication.primaryScreen().grabWindow(
            0, 0, 0, window.width(), window.height()
        )
        pixmap.save(str(args.out))
        window.close()
        app.quit()

    QTimer.singleShot(1500, grab)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
