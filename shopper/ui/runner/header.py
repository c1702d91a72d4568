"""The runner's header: which audit this is, its score, whether it is saved, and the
banner of a completed (read-only) audit with its reopen button (and, for a shop's audit on a
data folder linked to a team database, Submit to team)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_answer
from shopper.domain.clock import in_zone
from shopper.domain.template import touchpoint_label
from shopper.domain.vocabulary import MomentKind
from shopper.services.runner import AuditRunner
from shopper.ui.dates import moment_text, time_text, weekday_text
from shopper.ui.models import score_color
from shopper.ui.runner.review import CommentsLabel, comments_on
from shopper.ui.widgets import ElidedLabel

SAVING = "Saving…"


class RunnerHeader(QWidget):
    """Shows the runner's state; `reopen_requested` when the shopper asks to reopen."""

    reopen_requested = Signal()
    retry_requested = Signal()
    submit_requested = Signal()
    history_requested = Signal()
    """Audit history…: the whole audit's history."""

    def __init__(self, runner: AuditRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        self.title = ElidedLabel()
        self.title.setObjectName("runnerTitle")
        top.addWidget(self.title, 1)
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreLabel")
        top.addWidget(self.score_label)
        layout.addLayout(top)

        status = QHBoxLayout()
        self.subtitle = ElidedLabel()
        self.subtitle.setObjectName("subtitle")
        status.addWidget(self.subtitle, 1)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setMinimumWidth(120)
        self.saved_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.moments_label = QLabel()
        self.moments_label.setObjectName("subtitle")
        status.addWidget(self.moments_label)
        status.addWidget(self.saved_label)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Save the waiting changes now (also tried every few seconds)")
        self.retry_button.clicked.connect(self.retry_requested)
        self.retry_button.setVisible(False)
        status.addWidget(self.retry_button)
        self.history_button = QPushButton("Audit history…")
        self.history_button.setToolTip(
            "Ctrl+Shift+H: what happened to this audit, its shop and its answers"
        )
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_button.clicked.connect(self.history_requested)
        status.addWidget(self.history_button)
        layout.addLayout(status)

        # A shop's instructions (the scenario to play), as the manager typed them.
        self.instructions = QLabel()
        self.instructions.setObjectName("shopInstructions")
        self.instructions.setWordWrap(True)
        self.instructions.setTextFormat(Qt.TextFormat.PlainText)
        self.instructions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.instructions.setVisible(False)
        layout.addWidget(self.instructions)
        # The reviewers' comments on the whole audit, under the scenario.
        self.audit_comments = CommentsLabel("auditComments")
        layout.addWidget(self.audit_comments)

        self.banner = QFrame()
        self.banner.setObjectName("banner")
        banner_row = QHBoxLayout(self.banner)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        banner_row.addWidget(self.banner_text, 1)
        self.reopen_button = QPushButton("Reopen for changes")
        self.reopen_button.clicked.connect(self.reopen_requested)
        banner_row.addWidget(self.reopen_button)
        self.submit_button = QPushButton("Submit to team")
        self.submit_button.setToolTip(
            "Send this audit to the team database and hand its shop in (Team › Submit to team)"
        )
        self.submit_button.clicked.connect(self.submit_requested)
        self.submit_button.setVisible(False)
        banner_row.addWidget(self.submit_button)
        layout.addWidget(self.banner)

    def refresh(self) -> None:
        """Show the audit's title, score, moments and mode as they are now."""
        runner = self.runner
        audit = runner.audit
        template = runner.template
        self.title.setText(
            f"{runner.company.name} · {touchpoint_label(audit.touchpoint)} · "
            f"{template.title} v{template.version}"
        )
        started = moment_text(audit.started_at, audit.started_tz)
        who = runner.shopper_name or "no shopper name"
        self.subtitle.setText(
            f"Audit {audit.id[:8]} · started {started} ({audit.started_tz}) · {who}"
        )
        shop = runner.shop
        self.instructions.setVisible(shop is not None)
        if shop is not None:
            window = f"Shop {shop.id[:8]}, from {shop.opens.isoformat()} to {shop.due.isoformat()}"
            scenario = shop.instructions.strip()
            self.instructions.setText(f"{window}. Scenario: {scenario}" if scenario else window)
        score = runner.score
        label = "Score" if runner.read_only else "Score so far"
        if score.percent is None:
            text = f"{label}: —"
        else:
            text = f"{label}: {score.percent:.0f}% · {score.verdict}"
        if score.critical_failures:
            text += f" ({len(score.critical_failures)} critical)"
        self.score_label.setText(text)
        color = score_color(score.percent, score.passed)
        self.score_label.setStyleSheet(f"color: {color.name()};" if color else "")
        self.show_comments()
        read_only = runner.read_only
        # Under review, the review bar says what may be done instead.
        self.banner.setVisible(
            (read_only or runner.awaiting)
            and audit.completed_at is not None
            and runner.reviewer is None
        )
        if audit.completed_at is not None:
            done = moment_text(audit.completed_at, audit.completed_tz or audit.started_tz)
            if runner.awaiting:
                self.banner_text.setText(self._awaiting_text(done))
            elif runner.handed_in == "reviewed":
                self.banner_text.setText(f"Completed {done} and accepted by its reviewer.")
            elif runner.handed_in is not None:
                self.banner_text.setText(
                    f"Completed {done} and submitted for review: its reviewer returns it to"
                    " you if it must change."
                )
            else:
                self.banner_text.setText(
                    f"Completed {done}. Read-only: reopen it to change answers "
                    "(the reopening is recorded)."
                )
        self.reopen_button.setVisible(runner.handed_in is None)
        counts = runner.moment_counts()
        self.moments_label.setText(
            f"Moments: {counts[MomentKind.GOOD]} good · {counts[MomentKind.BAD]} bad · "
            f"{counts[MomentKind.FRICTION]} friction"
        )

    def show_comments(self) -> None:
        """The comments on the whole audit (a reviewer's, a returned audit's)."""
        self.audit_comments.show_comments(
            "Reviewer's comment on the audit", comments_on(self.runner.comments, None)
        )

    def _awaiting_text(self, done: str) -> str:
        runner = self.runner
        waiting = runner.waiting()
        if not waiting:
            return (
                f"Completed {done}, awaiting follow-up: it is answered. Complete it "
                "(Ctrl+Enter) to make the score final."
            )
        first_item, first_due = min(waiting.items(), key=lambda pair: pair[1])
        prompt = runner.template.item(first_item).prompt
        later = runner.template.item(first_item).later
        otherwise = ""
        if later is not None:
            otherwise = format_answer(runner.template.item(first_item), later.otherwise)
        return (
            f"Completed {done}, awaiting follow-up: “{prompt}” waits until "
            f"{weekday_text(first_due, runner.zone)}, then counts as {otherwise}. Only the "
            "follow-up can change now."
        )

    def set_submittable(self, submittable: bool) -> None:
        """Offer Submit to team (the window knows whether the audit may be submitted)."""
        self.submit_button.setVisible(submittable)

    # -- saved or not ----------------------------------------------------------

    def show_saving(self) -> None:
        self.saved_label.setText(SAVING)

    def is_saving(self) -> bool:
        """Typing was shown as being saved and no save has been shown since."""
        return self.saved_label.text() == SAVING

    def show_waiting(self, error: str) -> None:
        """Saves wait for the server (a team database): shown with a Retry button."""
        self.saved_label.setText("Not saved yet, retrying")
        self.saved_label.setToolTip(error)
        self.saved_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.retry_button.setVisible(True)

    def show_saved(self, error: str | None) -> None:
        """The last save worked (None) or failed with `error`, which stays in the tooltip."""
        self.retry_button.setVisible(False)
        if error:
            self.saved_label.setText("Not saved!")
            self.saved_label.setToolTip(error)
            self.saved_label.setStyleSheet("color: #b3261e; font-weight: bold;")
            return
        self.saved_label.setToolTip("")
        self.saved_label.setStyleSheet("")
        saved = self.runner.last_saved
        if self.runner.read_only:
            self.saved_label.setText("Read-only")
        elif self.runner.awaiting and saved is None:
            self.saved_label.setText("Awaiting follow-up")
        elif saved is None:
            self.saved_label.setText("All changes saved")
        else:
            local = in_zone(saved, self.runner.zone)
            self.saved_label.setText(f"Saved {time_text(local, seconds=True)}")
