"""Checklist templates: built-in ones, imported ones, and the exact versions audits use."""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain.errors import NotFoundError, TemplateError
from shopper.domain.follow_up import follow_up_items
from shopper.domain.template import Template
from shopper.domain.template_loader import (
    LoadedTemplate,
    load_template_file,
    parse_template_text,
)
from shopper.resources import TEMPLATES_DIR

if TYPE_CHECKING:
    from shopper.domain.xlsform import XlsformImport
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import TemplateVersion

log = logging.getLogger(__name__)

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
    """Every built-in checklist Shopper ships: the current ones and, under `released/`,
    each earlier version exactly as it was released (audits and bundles refer to them)."""
    return sorted(TEMPLATES_DIR.glob("*.yaml")) + sorted(
        (TEMPLATES_DIR / "released").glob("*.yaml")
    )


@functools.cache
def _shipped_hashes() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for path in builtin_template_files():
        loaded = load_template_file(path)
        found.setdefault(loaded.template.id, set()).add(loaded.sha256)
    return {template_id: frozenset(hashes) for template_id, hashes in found.items()}


def builtin_versions(*, session: Session) -> dict[str, set[str]]:
    """Built-in template id -> the SHA-256 of every version Shopper ever shipped of it.

    A template with one of these ids is a built-in checklist: it may only ever be one of
    these exact texts, whoever brings it (a bundle, `templates import`).
    """
    found = {key: set(hashes) for key, hashes in _shipped_hashes().items()}
    for template_id, hashes in repo.builtin_template_hashes(session=session).items():
        found.setdefault(template_id, set()).update(hashes)
    return found


def refuse_builtin_lookalike(
    *,
    session: Session,
    template_id: str,
    sha256: str,
    title: str,
    name: str,
    builtin: dict[str, set[str]] | None = None,
) -> None:
    """Refuse a template that carries a built-in checklist's id but not one of its texts.

    `builtin` is `builtin_versions` read already (by a caller checking several templates in
    the same transaction), or None to read it.

    Raises:
        TemplateError: naming the file or bundle and the template.
    """
    found = builtin_versions(session=session) if builtin is None else builtin
    allowed = found.get(template_id)
    if allowed is not None and sha256 not in allowed:
        raise TemplateError(
            f"{name}: template {template_id[:8]} ({title}) has the id of a built-in checklist "
            "but other content; built-in checklists come only with Shopper (copy it under a "
            "new id to change it)"
        )


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


def store_loaded(session: Session, loaded: LoadedTemplate, *, name: str) -> bool:
    """Keep a validated user template version in the caller's transaction (False: stored
    already); refused as `import_template_file` refuses."""
    return _store(session, loaded, builtin=False, name=name)


def import_xlsform_file(
    *, engine: Engine, path: Path, skip_unsupported: bool = False
) -> XlsformImport:
    """Read an XLSForm workbook (.xlsx, .xls, .csv, .md) as a template and keep it.

    The result lists what a checklist could not hold and was left out (with
    `skip_unsupported`; without it such rows refuse the import).

    Raises:
        XlsformUnsupportedError: rows a checklist cannot hold, each listed.
        TemplateError: the workbook is invalid or clashes with a stored version.
    """
    from shopper.domain.xlsform import read_xlsform

    result = read_xlsform(path, skip_unsupported=skip_unsupported)
    with session_scope(engine) as session:
        _store(session, result.loaded, builtin=False, name=path.name)
    return result


def find_template(*, engine: Engine, ref: str, version: int | None = None) -> Template:
    """A stored template by its id or the start of it (as `templates list` shows it): its
    latest version, or `version`.

    Raises:
        NotFoundError: no template, or several, start so.
    """
    ref = ref.strip().lower()
    with session_scope(engine) as session:
        records = repo.list_template_versions(session=session)
    ids = sorted({r.template_id for r in records if ref and r.template_id.startswith(ref)})
    if not ids:
        raise NotFoundError(f"no stored template has the id {ref!r} (see `templates list`)")
    if len(ids) > 1:
        raise NotFoundError(f"{len(ids)} templates have ids starting {ref!r}; give more of it")
    versions = sorted(r.version for r in records if r.template_id == ids[0])
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        shown = ", ".join(str(v) for v in versions)
        raise NotFoundError(f"template {ids[0][:8]} has no version {chosen} (it has {shown})")
    return get_template(engine=engine, template_id=ids[0], version=chosen)


def _store(session: Session, loaded: LoadedTemplate, *, builtin: bool, name: str) -> bool:
    tpl = loaded.template
    existing = repo.get_template_version(session=session, template_id=tpl.id, version=tpl.version)
    if existing is not None and (
        existing.sha256 == loaded.sha256 or _same_template(existing.source, tpl)
    ):
        return False  # kept already (an XLSForm export read back is other text, same template)
    if not builtin:
        refuse_builtin_lookalike(
            session=session, template_id=tpl.id, sha256=loaded.sha256, title=tpl.title, name=name
        )
    if existing is not None:
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
    record_follow_up(session, tpl)
    return True


def _same_template(source: str, template: Template) -> bool:
    try:
        return parse_template_text(source) == template
    except TemplateError:
        return False


def record_follow_up(session: Session, template: Template) -> None:
    """On a team database, note which items of a newly stored template version its audits
    awaiting follow-up may still change: the database checks a shopper's follow-up
    against that list (see `shopper.store.team`). Nothing to do on SQLite."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return  # SQLite: psycopg (with shopper.store.team) is not even imported
    from shopper.store import team as team_store

    if team_store.has_follow_up_table(conn):
        team_store.record_follow_up_items(
            conn,
            template_id=template.id,
            version=template.version,
            items=follow_up_items(template),
        )


def record_every_follow_up(*, engine: Engine) -> None:
    """`record_follow_up` for every stored template version (team init; changes nothing for
    versions noted already). A version that does not parse is left out: its audits awaiting
    follow-up stay closed to their shoppers, and the log says why."""
    from shopper.store import team as team_store

    with session_scope(engine) as session:
        for template_id, version, source in team_store.template_sources(session.connection()):
            try:
                template = parse_template_text(source, name=f"{template_id}@{version}")
            except TemplateError as exc:
                log.warning(
                    "template %s version %s: no follow-up items noted: %s",
                    template_id,
                    version,
                    exc,
                )
                continue
            record_follow_up(session, template)


def get_template(*, engine: Engine, template_id: str, version: int) -> Template:
    """The exact template version an audit was run on (parsed once, then cached).

    The stored hash is read first: the source (up to 1 MiB) only when the template is not
    parsed already.
    """
    with session_scope(engine) as session:
        sha256 = repo.template_sha256(session=session, template_id=template_id, version=version)
        if sha256 is None:
            raise NotFoundError(f"template {template_id} version {version} is not stored")
        key = (template_id, version, sha256)
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
        record = repo.get_template_version(
            session=session, template_id=template_id, version=version
        )
        if record is None:
            raise NotFoundError(f"template {template_id} version {version} is not stored")
        key = (template_id, version, record.sha256)
        source = record.source
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
