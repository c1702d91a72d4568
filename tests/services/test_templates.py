"""Stored template versions: built-in sync, imports, exact versions and the latest-version list."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from shopper.domain.errors import NotFoundError, TemplateError
from shopper.domain.template_loader import load_template_file
from shopper.services.context import AppContext
from shopper.services.templates import (
    builtin_template_files,
    get_template,
    import_template_file,
    list_templates,
    sync_builtin_templates,
)
from shopper.store.engine import open_database, sqlite_url
from shopper.store.tables import TemplateVersion

TEMPLATE_ID = "5f0c1a52-3a3e-4c56-9d0b-7f1e2d3c4b5a"


def template_text(
    *, version: int = 1, title: str = "Quick chat check", prompt: str = "Were you greeted?"
) -> str:
    return f"""\
format: 1
id: {TEMPLATE_ID}
version: {version}
title: {title}
touchpoint: chat
sections:
  - id: main
    title: Main
    items:
      - id: greeted
        prompt: {prompt}
        type: yes_no
        required: true
      - id: wait
        prompt: How long did you wait?
        type: duration
        target: {{good: "0:30", bad: "5:00"}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def version_rows(engine: Engine, template_id: str | None = None) -> list[TemplateVersion]:
    with Session(engine) as session:
        stmt = select(TemplateVersion)
        if template_id is not None:
            stmt = stmt.where(col(TemplateVersion.template_id) == template_id)
        return list(session.exec(stmt.order_by(col(TemplateVersion.version))))


@pytest.fixture
def bare_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database with no templates at all."""
    engine = open_database(sqlite_url(tmp_path / "bare" / "shopper.db"))
    yield engine
    engine.dispose()


# -- built-in templates ---------------------------------------------------------------


def test_sync_builtin_templates_is_idempotent(bare_engine: Engine) -> None:
    files = builtin_template_files()
    assert len(files) == 14  # 7 checklists and the 7 earlier versions of some
    assert sync_builtin_templates(engine=bare_engine) == len(files)
    assert sync_builtin_templates(engine=bare_engine) == 0
    assert sync_builtin_templates(engine=bare_engine) == 0
    rows = version_rows(bare_engine)
    assert len(rows) == len(files)
    assert all(r.builtin for r in rows)
    infos = list_templates(engine=bare_engine)
    assert sorted(i.touchpoint for i in infos) == sorted(
        ["website", "phone", "email", "chat", "store", "delivery", "survey"]
    )


def test_opened_context_already_has_the_builtins(ctx: AppContext) -> None:
    assert sync_builtin_templates(engine=ctx.engine) == 0
    assert len(version_rows(ctx.engine)) == len(builtin_template_files())
    reopened = AppContext.open(ctx.data_dir, ctx.db_url)
    try:
        assert len(version_rows(reopened.engine)) == len(builtin_template_files())
    finally:
        reopened.close()


# -- imports ------------------------------------------------------------------------


def test_import_new_file_then_same_file_again(ctx: AppContext, tmp_path: Path) -> None:
    path = write(tmp_path, "quick.yaml", template_text())
    template = import_template_file(engine=ctx.engine, path=path)
    assert template.id == TEMPLATE_ID
    assert template.version == 1
    rows = version_rows(ctx.engine, TEMPLATE_ID)
    assert [(r.version, r.builtin, r.title, r.touchpoint) for r in rows] == [
        (1, False, "Quick chat check", "chat")
    ]
    assert rows[0].source == template_text()

    again = import_template_file(engine=ctx.engine, path=path)
    assert again == template
    copy = write(tmp_path, "copy-of-quick.yaml", template_text())
    import_template_file(engine=ctx.engine, path=copy)
    assert len(version_rows(ctx.engine, TEMPLATE_ID)) == 1

    chat = [i for i in list_templates(engine=ctx.engine, touchpoint="chat") if i.id == TEMPLATE_ID]
    assert len(chat) == 1
    assert chat[0].builtin is False
    assert chat[0].items == 2


def test_changed_file_with_same_id_and_version_is_refused(ctx: AppContext, tmp_path: Path) -> None:
    import_template_file(engine=ctx.engine, path=write(tmp_path, "quick.yaml", template_text()))
    changed = write(
        tmp_path, "quick-edited.yaml", template_text(prompt="Did anyone greet you warmly?")
    )
    with pytest.raises(TemplateError, match="higher version") as info:
        import_template_file(engine=ctx.engine, path=changed)
    assert "quick-edited.yaml" in str(info.value)
    assert "\n" not in str(info.value)
    rows = version_rows(ctx.engine, TEMPLATE_ID)
    assert len(rows) == 1
    assert rows[0].source == template_text()
    stored = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1)
    assert stored.item("greeted").prompt == "Were you greeted?"


def test_invalid_file_is_refused_and_stores_nothing(ctx: AppContext, tmp_path: Path) -> None:
    bad = write(tmp_path, "broken.yaml", template_text().replace("type: yes_no", "type: yesno"))
    with pytest.raises(TemplateError, match=r"broken\.yaml: sections\[0\]\.items\[0\]\.type"):
        import_template_file(engine=ctx.engine, path=bad)
    assert version_rows(ctx.engine, TEMPLATE_ID) == []
    with pytest.raises(TemplateError, match=r"missing\.yaml"):
        import_template_file(engine=ctx.engine, path=tmp_path / "missing.yaml")


# -- versions ------------------------------------------------------------------------


def test_get_template_returns_the_exact_stored_version(ctx: AppContext, tmp_path: Path) -> None:
    import_template_file(engine=ctx.engine, path=write(tmp_path, "v1.yaml", template_text()))
    first = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1)
    import_template_file(
        engine=ctx.engine,
        path=write(
            tmp_path,
            "v2.yaml",
            template_text(version=2, title="Quick chat check, revised", prompt="Greeted by name?"),
        ),
    )
    old = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1)
    new = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=2)
    assert old == first
    assert (old.version, old.title) == (1, "Quick chat check")
    assert old.item("greeted").prompt == "Were you greeted?"
    assert (new.version, new.title) == (2, "Quick chat check, revised")
    assert new.item("greeted").prompt == "Greeted by name?"
    with pytest.raises(NotFoundError):
        get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=3)


def test_same_id_and_version_in_two_databases_are_kept_apart(
    ctx: AppContext, bare_engine: Engine, tmp_path: Path
) -> None:
    """The parsed-template cache must not hand one database's content to another."""
    import_template_file(engine=ctx.engine, path=write(tmp_path, "a.yaml", template_text()))
    import_template_file(
        engine=bare_engine, path=write(tmp_path, "b.yaml", template_text(prompt="Other prompt?"))
    )
    a = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1)
    b = get_template(engine=bare_engine, template_id=TEMPLATE_ID, version=1)
    assert a.item("greeted").prompt == "Were you greeted?"
    assert b.item("greeted").prompt == "Other prompt?"


def test_list_templates_shows_the_latest_version_with_older_ones(
    ctx: AppContext, tmp_path: Path
) -> None:
    for version in (1, 3, 2):
        import_template_file(
            engine=ctx.engine,
            path=write(
                tmp_path,
                f"v{version}.yaml",
                template_text(version=version, title=f"Quick chat check v{version}"),
            ),
        )
    infos = [i for i in list_templates(engine=ctx.engine) if i.id == TEMPLATE_ID]
    assert len(infos) == 1
    info = infos[0]
    assert info.version == 3
    assert info.title == "Quick chat check v3"
    assert info.older_versions == (1, 2)
    assert info.touchpoint == "chat"

    all_infos = list_templates(engine=ctx.engine)
    assert len({i.id for i in all_infos}) == len(all_infos)
    builtin_ids = {load_template_file(path).template.id for path in builtin_template_files()}
    assert len(all_infos) == len(builtin_ids) + 1
    assert [(i.touchpoint, i.title.lower()) for i in all_infos] == sorted(
        (i.touchpoint, i.title.lower()) for i in all_infos
    )
    assert [i.touchpoint for i in list_templates(engine=ctx.engine, touchpoint="email")] == [
        "email"
    ]
    with Session(ctx.engine) as session:
        count = session.exec(select(func.count()).select_from(TemplateVersion)).one()
    assert count == len(builtin_template_files()) + 3


def test_a_new_uuid_is_a_separate_template(ctx: AppContext, tmp_path: Path) -> None:
    other_id = str(uuid.uuid4())
    text = template_text().replace(TEMPLATE_ID, other_id)
    import_template_file(engine=ctx.engine, path=write(tmp_path, "a.yaml", template_text()))
    import_template_file(engine=ctx.engine, path=write(tmp_path, "b.yaml", text))
    ids = {i.id for i in list_templates(engine=ctx.engine, touchpoint="chat")}
    assert {TEMPLATE_ID, other_id} <= ids


def test_a_file_with_a_built_in_id_but_other_content_is_refused(
    ctx: AppContext, tmp_path: Path
) -> None:
    from shopper.resources import TEMPLATES_DIR

    shipped = (TEMPLATES_DIR / "phone.yaml").read_text(encoding="utf-8")
    fake = tmp_path / "phone-v99.yaml"
    fake.write_text(re.sub(r"\nversion: \d+\n", "\nversion: 99\n", shipped), encoding="utf-8")
    before = list_templates(engine=ctx.engine)
    with pytest.raises(TemplateError, match=r"phone-v99\.yaml: .* has the id of a built-in"):
        import_template_file(engine=ctx.engine, path=fake)
    assert list_templates(engine=ctx.engine) == before
    # The shipped file itself is no clash: it is already stored, as built in.
    import_template_file(engine=ctx.engine, path=TEMPLATES_DIR / "phone.yaml")
    assert list_templates(engine=ctx.engine) == before


def test_a_parsed_template_is_given_again_without_reading_its_source(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import templates as service
    from shopper.store import repo

    import_template_file(engine=ctx.engine, path=write(tmp_path, "v1.yaml", template_text()))
    first = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1)

    def no_source(**_kwargs: object) -> None:
        raise AssertionError("the source was read again")

    monkeypatch.setattr(repo, "get_template_version", no_source)
    assert get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1) is first
    # Another text under the same id and version (another database): its own template.
    monkeypatch.undo()
    with Session(ctx.engine) as session:
        record = session.get(TemplateVersion, (TEMPLATE_ID, 1))
        assert record is not None
        changed = template_text(prompt="Greeted at once?")
        record.source, record.sha256 = changed, "0" * 64
        session.add(record)
        session.commit()
    other = get_template(engine=ctx.engine, template_id=TEMPLATE_ID, version=1)
    assert other.item("greeted").prompt == "Greeted at once?"
    assert (TEMPLATE_ID, 1, "0" * 64) in service._cache
