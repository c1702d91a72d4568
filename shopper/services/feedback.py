"""Complaints, feedback and leaving reasons (seed 001): imported from a help desk, a survey
tool or a cancellation form, tagged with themes by keyword rules, and counted per theme per
month.

Each entry's themes come from the rules (`shopper.domain.theme_rules`) applied to its text
and category, unless a person tagged it by hand; saving new rules re-applies them to every
entry not tagged by hand, in the same transaction. No rules saved: the starter set,
`resources/theme_rules.txt`.

On a team database feedback is the managers': a shopper login reads only the entries a
manager shared (`share_feedback`; see docs/team.md).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain import theme_rules as rules_domain
from shopper.domain.clock import as_utc, now_utc
from shopper.domain.errors import ShopperError
from shopper.domain.themes import month_of
from shopper.domain.wording import count_of
from shopper.resources import RESOURCES_DIR
from shopper.services import tabular
from shopper.services.said_no import manager, theme_tag
from shopper.store import repo
from shopper.store import said_no as store
from shopper.store.engine import session_scope
from shopper.store.tables import FeedbackEntry

STARTER_RULES = RESOURCES_DIR / "theme_rules.txt"
MAX_TEXT = 20_000
EXAMPLES = 3


class Kind(StrEnum):
    COMPLAINT = "complaint"
    FEEDBACK = "feedback"
    LEAVING = "leaving"

    @property
    def label(self) -> str:
        return {"complaint": "Complaints", "feedback": "Feedback", "leaving": "Leaving reasons"}[
            self.value
        ]


def parse_kind(text: str) -> Kind:
    try:
        return Kind(text.strip().casefold())
    except ValueError:
        raise ShopperError(
            f"{text.strip()[:40]!r} is not a kind; use complaint, feedback or leaving"
        ) from None


@dataclass(frozen=True)
class FeedbackThemeFigures:
    """One theme's imported evidence, for the "Do they chime?" view."""

    complaints: int
    feedback: int
    leaving: int
    mean_score: float | None
    """The mean feedback score on `score_scale` (scores of other scales converted)."""
    score_scale: float | None


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    at: datetime
    channel: str
    text: str
    category: str
    score: float | None
    score_scale: float | None
    themes: tuple[str, ...]
    tagged_by_hand: bool
    shared: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "at": self.at.isoformat(),
            "channel": self.channel,
            "text": self.text,
            "category": self.category,
            "score": self.score,
            "score_scale": self.score_scale,
            "themes": list(self.themes),
            "tagged_by_hand": self.tagged_by_hand,
            "shared": self.shared,
        }


def _item(record: FeedbackEntry) -> Item:
    return Item(
        id=record.id,
        kind=record.kind,
        at=record.at,
        channel=record.channel,
        text=record.text,
        category=record.category,
        score=record.score,
        score_scale=record.score_scale,
        themes=tuple(record.theme_list()),
        tagged_by_hand=record.tagged_by_hand,
        shared=record.shared,
    )


# -- rules ------------------------------------------------------------------------------


def starter_rules() -> str:
    return STARTER_RULES.read_text(encoding="utf-8")


def rules_text(*, engine: Engine) -> str:
    """The rules in use: as last saved, else the starter set."""
    with session_scope(engine) as session:
        return _rules_text(session)


def _rules_text(session: Session) -> str:
    manager(session, "see or change the keyword rules")
    saved = store.get_rules(session=session)
    return saved.text if saved is not None else starter_rules()


def save_rules(*, engine: Engine, text: str) -> int:
    """Save edited rules and re-apply them to every entry not tagged by hand; returns how
    many entries' themes changed.

    Raises:
        RulesError: the text is not valid (the line named); nothing changed.
    """
    rules = rules_domain.parse_rules(text)
    with session_scope(engine) as session:
        who = manager(session, "change the keyword rules")
        store.save_rules(session=session, text=text, who=who, at=now_utc())
        return _reapply(session, rules)


def _reapply(session: Session, rules: Sequence[rules_domain.Rule]) -> int:
    changed = 0
    for record in store.list_feedback(session=session):
        if record.tagged_by_hand:
            continue
        themes = _themes_json(_tags(record.text, record.category, rules))
        if themes != record.themes:
            store.update_feedback(session=session, entry_id=record.id, values={"themes": themes})
            changed += 1
    return changed


def _tags(text: str, category: str, rules: Sequence[rules_domain.Rule]) -> list[str]:
    return rules_domain.tag_text(f"{text}\n{category}", rules)


def _themes_json(themes: Sequence[str]) -> str:
    return json.dumps(list(themes), ensure_ascii=False)


def retag(*, engine: Engine, entry: str, themes: Sequence[str]) -> Item:
    """Tag an entry by hand (the rules leave it alone from now on); no themes given: hand it
    back to the rules."""
    tags = [t for t in (theme_tag(theme) for theme in themes) if t]
    with session_scope(engine) as session:
        manager(session, "tag feedback")
        entry_id = store.resolve_feedback_id(session=session, prefix=entry)
        if tags:
            values: dict[str, Any] = {"themes": _themes_json(tags), "tagged_by_hand": True}
        else:
            record = store.get_feedback(session=session, entry_id=entry_id)
            rules = rules_domain.parse_rules(_rules_text(session))
            values = {
                "themes": _themes_json(_tags(record.text, record.category, rules)),
                "tagged_by_hand": False,
            }
        store.update_feedback(session=session, entry_id=entry_id, values=values)
        session.expire_all()
        return _item(store.get_feedback(session=session, entry_id=entry_id))


def share_feedback(
    *, engine: Engine, company: str, kind: str | None = None, shared: bool = True
) -> int:
    """Let the team's shoppers read a company's feedback (of one kind, or all), or stop;
    returns how many entries changed."""
    chosen = parse_kind(kind).value if kind else None
    with session_scope(engine) as session:
        manager(session, "share feedback")
        found = repo.find_company(session=session, name_or_id=company)
        return store.share_feedback(
            session=session, company_id=found.id, kind=chosen, shared=shared
        )


def list_items(*, engine: Engine, company: str, kind: str | None = None) -> list[Item]:
    with session_scope(engine) as session:
        found = repo.find_company(session=session, name_or_id=company)
        chosen = parse_kind(kind).value if kind else None
        return [
            _item(r) for r in store.list_feedback(session=session, company_id=found.id, kind=chosen)
        ]


# -- importing --------------------------------------------------------------------------

IMPORT_FIELDS = (
    tabular.FieldSpec(
        "at", False, ("date", "when", "created", "created at", "submitted", "time"), "when"
    ),
    tabular.FieldSpec(
        "text",
        True,
        (
            "comment",
            "comments",
            "message",
            "description",
            "body",
            "feedback",
            "reason",
            "complaint",
            "verbatim",
        ),
        "what the customer wrote or said",
    ),
    tabular.FieldSpec("channel", False, ("source", "via", "medium"), "phone, e-mail, chat..."),
    tabular.FieldSpec("category", False, ("type", "topic", "tag", "tags"), "the tool's own"),
    tabular.FieldSpec("score", False, ("rating", "nps", "csat", "stars"), "a number"),
)


def _scale_of(top: float) -> float:
    for scale in (5.0, 10.0, 100.0):
        if top <= scale:
            return scale
    return top


def import_feedback(
    *,
    engine: Engine,
    path: Path,
    company: str,
    kind: str,
    mapping: Mapping[str, str] | None = None,
    valid_only: bool = False,
    rejects: Path | None = None,
    scale: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> tabular.ImportResult:
    """Import a file of complaints, feedback or leaving reasons for a company, tagging each
    entry by the rules; all rows or none (see `shopper.services.tabular`). A score's scale
    is `scale`, else the smallest of 5, 10 and 100 that holds the file's highest score.

    Raises:
        TableError, RowsError: as `tabular`; nothing was imported.
    """
    chosen = parse_kind(kind)
    moment = now_utc()
    with session_scope(engine) as session:
        who = manager(session, "import feedback")
        found = repo.find_company(session=session, name_or_id=company)
        rules = rules_domain.parse_rules(_rules_text(session))

    def convert(
        row: tabular.Row, columns: Mapping[str, str]
    ) -> FeedbackEntry | list[tabular.RowProblem]:
        problems: list[tabular.RowProblem] = []
        text = row.get(columns, "text")
        if not text:
            problems.append(tabular.RowProblem(row.line, columns["text"], "empty"))
        elif len(text) > MAX_TEXT:
            problems.append(
                tabular.RowProblem(row.line, columns["text"], f"longer than {MAX_TEXT} characters")
            )
        at_text = row.get(columns, "at")
        at = moment
        if at_text:
            try:
                at = tabular.parse_moment(at_text, found.timezone)
            except ValueError:
                problems.append(
                    tabular.RowProblem(
                        row.line, columns["at"], f"{at_text[:40]!r} is not a date like 2026-03-02"
                    )
                )
        score_text = row.get(columns, "score")
        score: float | None = None
        if score_text:
            try:
                score = float(score_text.replace(",", "."))
            except ValueError:
                score = None
            if score is None or not 0 <= score <= 1000:
                problems.append(
                    tabular.RowProblem(
                        row.line, columns["score"], f"{score_text[:40]!r} is not a score (a number)"
                    )
                )
        category = row.get(columns, "category")[:200]
        channel = row.get(columns, "channel").casefold()[:40]
        if problems:
            return problems
        return FeedbackEntry(
            company_id=found.id,
            kind=chosen.value,
            at=at,
            channel=channel,
            text=text,
            category=category,
            score=score,
            themes=_themes_json(_tags(text, category, rules)),
            source=path.name[:300],
            created_by=who,
            created_at=moment,
        )

    checked = tabular.check_rows(path, IMPORT_FIELDS, mapping or {}, convert, progress)
    written = tabular.settle(path, checked, valid_only=valid_only, rejects=rejects)
    scores = [r.score for r in checked.rows if r.score is not None]
    if scores:
        top = scale or _scale_of(max(scores))
        if max(scores) > top:
            raise ShopperError(f"{path.name}: a score of {max(scores):g} is over the scale {top:g}")
        for record in checked.rows:
            if record.score is not None:
                record.score_scale = top
    with session_scope(engine) as session:
        store.add_feedback(session=session, entries=checked.rows)
    return tabular.ImportResult(
        imported=len(checked.rows),
        rejected=len(checked.bad_rows),
        rejects_file=written,
        problems=tuple(checked.problems),
    )


# -- per theme, per month -------------------------------------------------------------


@dataclass(frozen=True)
class ThemeMonth:
    month: date
    complaints: int
    feedback: int
    leaving: int
    mean_score: float | None

    @property
    def total(self) -> int:
        return self.complaints + self.feedback + self.leaving

    def line(self) -> str:
        """ "2026-11: 1 complaint, 2 feedback, 0 leaving, mean score 3.5" """
        score = f", mean score {self.mean_score:g}" if self.mean_score is not None else ""
        return (
            f"{self.month.isoformat()[:7]}: {count_of(self.complaints, 'complaint')},"
            f" {self.feedback} feedback, {self.leaving} leaving{score}"
        )


@dataclass(frozen=True)
class ThemeFigures:
    """A theme's entries per month, the trend of the last month, phrases and examples."""

    theme: str
    months: tuple[ThemeMonth, ...]
    trend: str
    """rising, falling, steady or new: the last month against the one before."""
    phrases: tuple[tuple[str, int], ...]
    examples: tuple[Item, ...]
    score_scale: float | None

    @property
    def total(self) -> int:
        return sum(month.total for month in self.months)

    def to_json(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "total": self.total,
            "trend": self.trend,
            "score_scale": self.score_scale,
            "months": [
                {
                    "month": m.month.isoformat()[:7],
                    "complaints": m.complaints,
                    "feedback": m.feedback,
                    "leaving": m.leaving,
                    "mean_score": m.mean_score,
                }
                for m in self.months
            ],
            "phrases": [{"phrase": p, "count": n} for p, n in self.phrases],
            "examples": [e.to_json() for e in self.examples],
        }


def _mean_score(records: Sequence[FeedbackEntry], scale: float | None) -> float | None:
    scored = [r for r in records if r.score is not None and r.score_scale]
    if not scored or scale is None:
        return None
    total = sum((r.score or 0.0) / (r.score_scale or 1.0) for r in scored)
    return round(scale * total / len(scored), 2)


def _top_scale(records: Sequence[FeedbackEntry]) -> float | None:
    scales = [r.score_scale for r in records if r.score is not None and r.score_scale]
    return max(scales) if scales else None


def _by_theme(records: Sequence[FeedbackEntry]) -> dict[str, list[FeedbackEntry]]:
    groups: dict[str, list[FeedbackEntry]] = defaultdict(list)
    for record in records:
        for theme in record.theme_list() or [""]:
            groups[theme].append(record)
    return groups


def theme_months(*, engine: Engine, company: str) -> list[ThemeFigures]:
    """Every theme of a company's feedback, the most entries first."""
    with session_scope(engine) as session:
        found = repo.find_company(session=session, name_or_id=company)
        records = store.list_feedback(session=session, company_id=found.id)
    zone = found.timezone
    months_all = sorted({month_of(r.at, zone) for r in records})
    last = months_all[-1] if months_all else None
    before = months_all[-2] if len(months_all) > 1 else None
    figures = []
    for theme, group in _by_theme(records).items():
        scale = _top_scale(group)
        per_month: dict[date, list[FeedbackEntry]] = defaultdict(list)
        for record in group:
            per_month[month_of(record.at, zone)].append(record)
        months = tuple(
            ThemeMonth(
                month=month,
                complaints=sum(r.kind == Kind.COMPLAINT for r in rows),
                feedback=sum(r.kind == Kind.FEEDBACK for r in rows),
                leaving=sum(r.kind == Kind.LEAVING for r in rows),
                mean_score=_mean_score(rows, scale),
            )
            for month, rows in sorted(per_month.items())
        )
        figures.append(
            ThemeFigures(
                theme=theme,
                months=months,
                trend=_trend(
                    len(per_month.get(last, [])) if last else 0,
                    len(per_month.get(before, [])) if before else None,
                ),
                phrases=tuple(rules_domain.common_phrases(r.text for r in group)),
                examples=tuple(
                    _item(r) for r in sorted(group, key=lambda r: r.at)[-EXAMPLES:][::-1]
                ),
                score_scale=scale,
            )
        )
    return sorted(figures, key=lambda f: (f.theme == "", -f.total, f.theme))


def _trend(last: int, before: int | None) -> str:
    if before is None:
        return "steady"
    if before == 0:
        return "new" if last else "steady"
    change = (last - before) / before
    if change >= 0.2:
        return "rising"
    if change <= -0.2:
        return "falling"
    return "steady"


def feedback_by_theme(
    session: Session, company_id: str, since: datetime | None = None
) -> dict[str, FeedbackThemeFigures]:
    """A company's complaints, feedback and leaving reasons per theme (untagged under ""),
    with the mean feedback score: what the "Do they chime?" view shows beside the audits.
    With `since`, only the entries from that moment on."""
    records = store.list_feedback(session=session, company_id=company_id)
    if since is not None:
        records = [r for r in records if as_utc(r.at) >= since]
    result: dict[str, FeedbackThemeFigures] = {}
    for theme, group in _by_theme(records).items():
        counts = Counter(r.kind for r in group)
        scored = [r for r in group if r.kind == Kind.FEEDBACK]
        scale = _top_scale(scored)
        result[theme] = FeedbackThemeFigures(
            complaints=counts.get(Kind.COMPLAINT, 0),
            feedback=counts.get(Kind.FEEDBACK, 0),
            leaving=counts.get(Kind.LEAVING, 0),
            mean_score=_mean_score(scored, scale),
            score_scale=scale,
        )
    return result
