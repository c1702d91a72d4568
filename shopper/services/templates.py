"""Checklist templates: built-in ones, imported ones, and the exact versions audits use."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain.errors import NotFoundError, TemplateError
from shopper.domain.template import Template
from shopper.domain.template_loader import (
    LoadedTemplate,
    load_template_file,
    parse_template_text,
)
from shopper.resources import TEMPLATES_DIR
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import TemplateVersion

_cache: dict[tuple[str, int, str], Template] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class TemplateInfo:
    id: str
    version: int
    title: str
    touchpoint: str
    builtin: bool
    items: int
    older_versions: tuple[int, ...] = ()


def builtin_template_files() -> list[Path]:
    return sorted(TEMPLATES_DIR.glob("*.yaml"))


def sync_builtin_templates(*, engine: Engine) -> int:
    """Store every built-in template version not yet in the database; returns how many."""
    added = 0
    with session_scope(engine) as session:
        known = repo.template_hashes(session=session)
        for path in builtin_template_files():
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig")
            if hashlib.sha256(text.encode("utf-8")).hexdigest() in known:
                continue
            loaded = load_template_file(path)
            if _store(session, loaded, builtin=True, name=path.name):
                added += 1
    return added


def import_template_file(*, engine: Engine, path: Path) -> Template:
    """Validate a template file and keep it; the same id and version must mean the same content.

    Raises:
        TemplateError: the file is invalid or clashes with a stored version.
    """
    loaded = load_template_file(path)
    with session_scope(engine) as session:
        _store(session, loaded, builtin=False, name=path.name)
    return loaded.template


def _store(session: Session, loaded: LoadedTemplate, *, builtin: bool, name: str) -> bool:
    tpl = loaded.template
    existing = repo.get_template_version(session=session, template_id=tpl.id, version=tpl.version)
    if existing is not None:
        if existing.sha256 == loaded.sha256:
            return False
        raise TemplateError(
            f"{name}: version: template {tpl.id[:8]} version {tpl.version} is already stored "
            "with different content; give the changed template a higher version"
        )
    repo.add_template_version(
        session=session,
        record=TemplateVersion(
            template_id=tpl.id,
            version=tpl.version,
            title=tpl.title,
            touchpoint=tpl.touchpoint,
            source=loaded.source,
            sha256=loaded.sha256,
            builtin=builtin,
        ),
    )
    return True


def get_template(*, engine: Engine, template_id: str, version: int) -> Template:
    """The exact template version an audit was run on (parsed once, then cached)."""
    with session_scope(engine) as session:
        record = repo.get_template_version(
            session=session, template_id=template_id, version=version
        )
        if record is None:
            raise NotFoundError(f"template {template_id} version {version} is not stored")
        key = (template_id, version, record.sha256)
        source = record.source
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    template = parse_template_text(source, name=f"{template_id}@{version}")
    with _cache_lock:
        _cache[key] = template
    return template


def list_templates(*, engine: Engine, touchpoint: str | None = None) -> list[TemplateInfo]:
    """The latest version of each template (older versions listed with it)."""
    with session_scope(engine) as session:
        records = repo.list_template_versions(session=session)
    by_id: dict[str, list[TemplateVersion]] = {}
    for record in records:
        by_id.setdefault(record.template_id, []).append(record)
    infos = []
    for versions in by_id.values():
        versions.sort(key=lambda r: r.version)
        latest = versions[-1]
        if touchpoint and latest.touchpoint != touchpoint:
            continue
        template = get_template(
            engine=engine, template_id=latest.template_id, version=latest.version
        )
        infos.append(
            TemplateInfo(
                id=latest.template_id,
                version=latest.version,
                title=latest.title,
                touchpoint=latest.touchpoint,
                builtin=latest.builtin,
                items=template.item_count,
                older_versions=tuple(r.version for r in versions[:-1]),
            )
        )
    infos.sort(key=lambda i: (i.touchpoint, i.title.lower()))
    return infos
