"""The states an audit goes through."""

from __future__ import annotations

from typing import ClassVar


class AuditStatus:
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    LABELS: ClassVar[dict[str, str]] = {IN_PROGRESS: "In progress", COMPLETED: "Completed"}
