"""Scoring many audits without holding them: the scan behind journeys, findings and exports.

Audits in a scope are read a page at a time (keyset paging in SQL), each page
with its answers and moments in one query each; every audit is scored with the same rules as
the runner, then handed on. Memory stays bounded by one page, and the
database connection is free between pages, so a long scan in a worker thread
never stalls the GUI's autosave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from shopper.domain.scoring import AuditScore, score_audit
from shopper.domain.template import Template
from shopper.services.templates import get_template
from shopper.store import analysis
from shopper.store.analysis import AnswerRow, AuditMeta, MomentRow, Scope
from shopper.store.engine import session_scope

PAGE = 250
"""Audits per page: ~5,000 answer rows, a few milliseconds of SQL."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScoredAudit:
    meta: AuditMeta
    template: Template
    answers: Mapping[str, AnswerRow]
    score: AuditScore
    moments: tuple[MomentRow, ...] = ()

    @property
    def values(self) -> dict[str, Any]:
        return {k: a.value for k, a in self.answers.items() if a.value is not None}

    def note(self, item_id: str) -> str:
        answer = self.answers.get(item_id)
        return answer.note if answer else ""


class TemplateCache:
    """Templates by (id, version) for one scan: one lookup each, not one per audit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._templates: dict[tuple[str, int], Template] = {}

    def get(self, template_id: str, version: int) -> Template:
        key = (template_id, version)
        template = self._templates.get(key)
        if template is None:
            template = get_template(engine=self.engine, template_id=template_id, version=version)
            self._templates[key] = template
        return template


def count_in_scope(*, engine: Engine, scope: Scope) -> int:
    with session_scope(engine) as session:
        return analysis.count_audits(session=session, scope=scope)


def scored_audits(
    *,
    engine: Engine,
    scope: Scope,
    progress: Progress | None = None,
    page: int = PAGE,
    templates: TemplateCache | None = None,
) -> Iterator[ScoredAudit]:
    """Every audit in scope, oldest first, scored; reads one page of audits at a time."""
    cache = templates or TemplateCache(engine)
    total = count_in_scope(engine=engine, scope=scope) if progress else 0
    after: tuple[datetime, str] | None = None
    done = 0
    while True:
        with session_scope(engine) as session:
            metas = analysis.audit_meta_page(session=session, scope=scope, after=after, limit=page)
            ids = [m.id for m in metas]
            answers = analysis.answers_of(session=session, audit_ids=ids)
            moments = analysis.moments_of(session=session, audit_ids=ids)
        # The session is closed before anything is yielded: the consumer may take its time.
        for meta in metas:
            template = cache.get(meta.template_id, meta.template_version)
            by_item = {a.item_id: a for a in answers[meta.id]}
            values = {k: a.value for k, a in by_item.items() if a.value is not None}
            score = score_audit(template, values)
            yield ScoredAudit(meta, template, by_item, score, tuple(moments[meta.id]))
        done += len(metas)
        if progress:
            progress(done, total)
        if len(metas) < page:
            return
        after = (metas[-1].started_at, metas[-1].id)
