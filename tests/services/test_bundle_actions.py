"""The action plan travels in bundles: exported with its companies, merged by id without
duplicates, a newer edit winning; a bad action refuses the whole bundle."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from shopper.domain.actions import State
from shopper.services import actions as service
from shopper.services.bundle_zip import BundleError
from shopper.services.bundles import audit_ids_for, export_bundle, import_bundle
from shopper.services.context import AppContext
from tests.services.analysis_data import T0, History, build_history


@pytest.fixture
def history(ctx: AppContext, tmp_path: Path) -> History:
    found = build_history(ctx, tmp_path)
    service.create_action(
        engine=ctx.engine,
        data=service.ActionInput(
            company="Acme Stores",
            title="Dust <b>the</b> shelves",
            audit=found.audits["A2"],
            item="clean",
            owner="Ola",
        ),
        at=T0 + timedelta(days=31),
    )
    return found


@pytest.fixture
def manager(tmp_path: Path) -> AppContext:
    return AppContext.open(tmp_path / "manager")


def _export(ctx: AppContext, history: History, path: Path) -> Path:
    ids = audit_ids_for(engine=ctx.engine, company_id=history.company_id)
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=path, audit_ids=ids)
    return path


def test_actions_travel_and_merge_without_duplicates(
    ctx: AppContext, history: History, manager: AppContext, tmp_path: Path
) -> None:
    bundle = _export(ctx, history, tmp_path / "one.shopper")
    try:
        summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert (summary.actions_added, summary.actions_updated) == (1, 0)
        assert "Actions: 1 added, 0 updated" in " ".join(summary.lines())
        [row] = service.list_actions(engine=manager.engine)
        assert row.title == "Dust <b>the</b> shelves" and row.state is State.FIXED
        again = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert (again.actions_added, again.actions_updated, again.changed) == (0, 0, False)
        # A newer edit wins.
        service.set_status(engine=ctx.engine, action_id=row.id, status="wont_do")
        newer = _export(ctx, history, tmp_path / "two.shopper")
        summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=newer)
        assert (summary.actions_added, summary.actions_updated) == (0, 1)
        [row] = service.list_actions(engine=manager.engine)
        assert row.status.value == "wont_do"
        # The older bundle changes nothing back.
        import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert service.list_actions(engine=manager.engine)[0].status.value == "wont_do"
    finally:
        manager.close()


def _rewrite(source: Path, target: Path, change: dict[str, object]) -> Path:
    """The bundle with its action's fields changed, the manifest's hashes made right."""
    import hashlib

    with zipfile.ZipFile(source) as old:
        members = {n: old.read(n) for n in old.namelist()}
    data = json.loads(members["actions.json"])
    data["actions"][0].update(change)
    members["actions.json"] = json.dumps(data).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["members"]["actions.json"] = {
        "sha256": hashlib.sha256(members["actions.json"]).hexdigest(),
        "size": len(members["actions.json"]),
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as new:
        for name, body in members.items():
            new.writestr(name, body)
    return target


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"company_id": "0badc0de-0000-4000-8000-000000000000"}, "company_id"),
        ({"status": "finished"}, "status"),
        ({"title": " "}, "title"),
        ({"due": "soon"}, "due"),
        ({"created_at": "2999-01-01T00:00:00+00:00"}, "created_at"),
    ],
)
def test_a_bad_action_refuses_the_bundle(
    ctx: AppContext,
    history: History,
    manager: AppContext,
    tmp_path: Path,
    change: dict[str, object],
    words: str,
) -> None:
    bundle = _rewrite(
        _export(ctx, history, tmp_path / "one.shopper"), tmp_path / "bad.shopper", change
    )
    try:
        with pytest.raises(BundleError) as err:
            import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert words in str(err.value)
        assert service.list_actions(engine=manager.engine) == []
    finally:
        manager.close()
