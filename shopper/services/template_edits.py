"""Templates made and changed in the app: new ones, copies of built-ins, saved versions.

A template version never changes once stored (audits keep the version they were run on,
and a team's shoppers have received it), so saving a changed template stores it as the
next version; saving it unchanged stores nothing. Built-in checklists are not edited:
they are copied under a new id.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from shopper.domain.errors import NotFoundError, TemplateError
from shopper.domain.template import FORMAT_VERSION, Template
from shopper.domain.template_diff import ItemChange, diff_templates
from shopper.domain.template_loader import load_template_bytes, parse_template_text
from shopper.domain.template_writer import dump_template, template_to_data
from shopper.services import templates as template_service
from shopper.store import repo
from shopper.store import team as team_store
from shopper.store.engine import session_scope


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a template, as a version list shows it."""

    version: int
    title: str
    builtin: bool
    added_at: datetime
    audits: int
    """How many audits on this database were run on this version."""


@dataclass(frozen=True)
class Saved:
    """What `save_template` did: the template as stored, and whether it is a new version."""

    template: Template
    new_version: bool


def template_versions(*, engine: Engine, template_id: str) -> list[VersionInfo]:
    """Every stored version of a template, oldest first, with its audits counted.

    Raises:
        NotFoundError: no version of it is stored.
    """
    with session_scope(engine) as session:
        records = repo.template_versions_of(session=session, template_id=template_id)
        audits = repo.audits_per_template_version(session=session, template_id=template_id)
        found = [
            VersionInfo(r.version, r.title, r.builtin, r.added_at, audits.get(r.version, 0))
            for r in records
        ]
    if not found:
        raise NotFoundError(f"template {template_id[:8]} is not stored")
    return found


def latest_template(*, engine: Engine, template_id: str) -> Template:
    """The newest stored version of a template."""
    newest = template_versions(engine=engine, template_id=template_id)[-1]
    return template_service.get_template(
        engine=engine, template_id=template_id, version=newest.version
    )


def version_changes(*, engine: Engine, template_id: str, old: int, new: int) -> list[ItemChange]:
    """What changed in a template's items from version `old` to version `new`."""
    before = template_service.get_template(engine=engine, template_id=template_id, version=old)
    after = template_service.get_template(engine=engine, template_id=template_id, version=new)
    return diff_templates(before, after)


def new_template_data(*, title: str = "New checklist", touchpoint: str = "other") -> dict[str, Any]:
    """A new template as the loader reads it: one section with one yes/no item."""
    return {
        "format": FORMAT_VERSION,
        "id": str(uuid.uuid4()),
        "version": 1,
        "title": title,
        "touchpoint": touchpoint,
        "sections": [
            {
                "id": "section_1",
                "title": "Section 1",
                "items": [{"id": "item_1", "prompt": "New question", "type": "yes_no"}],
            }
        ],
    }


def editable_data(*, engine: Engine, template_id: str) -> dict[str, Any]:
    """The newest version of a stored template as the data its file holds, to edit."""
    return template_to_data(latest_template(engine=engine, template_id=template_id))


def copy_data(*, engine: Engine, template_id: str) -> dict[str, Any]:
    """A copy of a stored template (a built-in one, say) under a new id, as version 1."""
    data = editable_data(engine=engine, template_id=template_id)
    data["id"] = str(uuid.uuid4())
    data["version"] = 1
    data["title"] = f"Copy of {data.get('title', '')}"[:200]
    return data


def save_template(*, engine: Engine, template: Template, name: str = "") -> Saved:
    """Store a template made or changed in the app.

    A template not stored yet is stored as version 1; a changed one as the version after
    the newest stored (whatever version it carries); an unchanged one is left as it is.

    Raises:
        TemplateError: it has a built-in checklist's id, or fails validation on reload.
    """
    shown = name or template.title
    with session_scope(engine) as session:
        conn = session.connection()
        if conn.dialect.name == "postgresql" and team_store.is_team_database(conn):
            _login, roles = team_store.login_groups(conn)
            if roles == {"shopper"}:  # the database refuses it too; this says why
                raise TemplateError(
                    f"{shown}: only a manager stores checklists on the team database; "
                    "shoppers receive them with their shops"
                )
        records = repo.template_versions_of(session=session, template_id=template.id)
        if records and any(r.builtin for r in records):
            raise TemplateError(
                f"{shown}: a built-in checklist is not changed; make a copy of it to edit"
            )
        version = 1
        if records:
            newest = records[-1]
            stored = parse_template_text(newest.source, name=shown)
            if replace(template, version=newest.version) == stored:
                return Saved(stored, new_version=False)
            version = newest.version + 1
        text = dump_template(replace(template, version=version))
        loaded = load_template_bytes(text.encode("utf-8"), name=shown)
        template_service.store_loaded(session, loaded, name=shown)
    return Saved(loaded.template, new_version=True)


_preview_lock = threading.Lock()


@dataclass
class Preview:
    """A template tried out: a throwaway database holding it and one audit on it.

    Nothing of it reaches the real database; `close` deletes it.
    """

    engine: Engine
    audit_id: str
    folder: Path

    def close(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def open_preview(*, template: Template) -> Preview:
    """A throwaway database with this (unsaved) template and an audit on it, to try it out
    in the real runner."""
    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.store.engine import open_database, sqlite_url

    folder = Path(tempfile.mkdtemp(prefix="shopper-try-"))
    try:
        with _preview_lock:  # Alembic sets up a schema through module globals: one at a time
            engine = open_database(sqlite_url(folder / "try.db"))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        loaded = load_template_bytes(dump_template(template).encode("utf-8"), name=template.title)
        with session_scope(engine) as session:
            template_service.store_loaded(session, loaded, name=template.title)
        company = create_company(engine=engine, data=CompanyInput(name="Try-it company"))
        audit = start_audit(
            engine=engine,
            company_id=company.id,
            template_id=template.id,
            template_version=template.version,
            shopper="Trying it out",
        )
    except BaseException:
        Preview(engine, "", folder).close()
        raise
    return Preview(engine, audit.id, folder)
