"""Audit bundles: export, import, merging, and the corpus of hostile bundles."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from shopper.domain.errors import ShopperError, StorageError
from shopper.services.audits import load_audit
from shopper.services.backups import list_backups
from shopper.services.bundle_zip import BundleArchive, BundleError
from shopper.services.bundles import (
    audit_ids_for,
    default_bundle_name,
    export_bundle,
    import_bundle,
    import_into,
)
from shopper.services.context import AppContext
from shopper.services.evidence import evidence_path
from shopper.services.runner import AuditRunner
from shopper.store import exchange
from shopper.store.engine import session_scope
from tests.data_helpers import FIXTURES, new_counts_audit, png, snapshot
from tests.postgres import DATABASES, app_context

CORPUS = FIXTURES / "bundles"
EXPECTED: dict[str, str] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
HOSTILE = sorted(name for name, words in EXPECTED.items() if words)


class Clock:
    """A clock the test moves on, so `updated_at` orders edits as the test says."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(params=DATABASES)
def other(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A second data folder: another shopper's machine, or the manager's, on SQLite or on a
    team database (as a manager)."""
    with contextlib.ExitStack() as opened:

        def make(name: str) -> AppContext:
            ctx: AppContext = opened.enter_context(
                app_context(request.param, request, tmp_path / name)
            )
            return ctx

        yield make


def rich_audit(ctx: AppContext, folder: Path, clock: Clock, *, company: str = "Acme") -> str:
    """An audit with answers, notes, a step, moments and evidence on an item and a moment."""
    audit_id = new_counts_audit(ctx, folder, company=company)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="Europe/Warsaw", clock=clock)
    runner.set_answer("c1", 3)
    runner.set_answer("c2", 0)
    runner.set_note("c1", "Three rings — „za długo”")
    runner.set_answer("remark", "Łódź office; 電話")
    runner.add_step("phone", "call_start", at=clock.now - timedelta(minutes=5))
    moment = runner.add_moment("friction", note="Asked twice for my number", item_id="c2")
    runner.add_moment("good", note="Friendly")
    runner.attach(data_dir=ctx.data_dir, data=png(11), filename="ring.png", item_id="c1")
    runner.attach(data_dir=ctx.data_dir, data=png(12), filename="pad.png", moment_id=moment.id)
    runner.complete()
    return audit_id


def rows_of(ctx: AppContext, audit_ids: list[str]) -> list[dict[str, Any]]:
    """Every row of the audits, comparable across databases (but `version`, each database's
    count of changes for sync)."""
    with session_scope(ctx.engine) as session:
        found = exchange.read_audits(session=session, audit_ids=sorted(audit_ids))
    result = []
    for rows in found:
        children = {
            table: sorted(batch, key=lambda r: str(r.get("id") or r.get("item_id")))
            for table, batch in rows.children.items()
        }
        audit = {k: v for k, v in rows.audit.items() if k != "version"}
        result.append({"audit": audit, "children": children})
    return result


def version_of(ctx: AppContext, audit_id: str) -> int:
    with ctx.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT version FROM audit WHERE id = :id"), {"id": audit_id}).one()[
                0
            ]
        )


def audit_count(ctx: AppContext) -> int:
    with ctx.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit")).scalar_one())


# -- round trips -------------------------------------------------------------------------


def test_export_then_import_gives_the_same_audits(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    ids = [rich_audit(ctx, tmp_path, clock), rich_audit(ctx, tmp_path, clock, company="Łąka")]
    bundle = tmp_path / "day.shopper"
    result = export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=ids)
    assert (result.audits, result.companies, result.evidence) == (2, 2, 2)
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "shopper-bundle"
    assert manifest["format_version"] == "1.0"
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert "audits/0001.json" in names

    manager = other("manager")
    summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
    assert sorted(a.id for a in summary.added) == sorted(ids)
    assert summary.companies_added == 2
    assert summary.templates_added == 1
    assert summary.evidence_added == 2
    assert rows_of(manager, ids) == rows_of(ctx, ids)
    for audit_id in ids:
        here = load_audit(engine=ctx.engine, audit_id=audit_id)
        there = load_audit(engine=manager.engine, audit_id=audit_id)
        assert there.score == here.score
        assert there.audit.model_dump(exclude={"version"}) == here.audit.model_dump(
            exclude={"version"}
        )
        assert there.audit.version == 1  # a new audit here; the sender's count is its own
        for record in there.evidence:
            assert evidence_path(manager.data_dir, record.sha256, record.extension).is_file()


def test_importing_the_same_bundle_twice_changes_nothing(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)
    bundle = tmp_path / "one.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    manager = other("manager")
    first = import_into(manager, bundle)
    assert len(first.added) == 1
    if manager.db_path is not None:
        assert first.backup is not None
        assert [b.path for b in list_backups(manager.backups_dir)] == [first.backup]
    else:  # a team database is backed up with pg_dump, by its owner
        assert first.backup is None
    before = snapshot(manager.data_dir)
    again = import_into(manager, bundle)
    assert (again.added, again.updated, again.kept) == ([], [], [])
    assert [a.id for a in again.unchanged] == [audit_id]
    assert again.backup is None
    assert again.headline() == "0 added, 0 updated, 1 unchanged"
    assert snapshot(manager.data_dir) == before
    # Back to the sender: nothing new there either.
    assert import_into(ctx, bundle).unchanged[0].id == audit_id


def test_the_newer_edit_wins_and_the_summary_says_so(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)
    first = tmp_path / "first.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=first, audit_ids=[audit_id])
    manager = other("manager")
    import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=first)

    # The shopper reopens the audit and changes it: the new bundle is newer.
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, clock=clock)
    runner.reopen("forgot a moment")
    runner.set_answer("c1", 5)
    runner.delete_moment(runner.moments[0].id)
    second = tmp_path / "second.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=second, audit_ids=[audit_id])
    before = version_of(manager, audit_id)
    summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=second)
    assert [a.id for a in summary.updated] == [audit_id]
    assert version_of(manager, audit_id) == before + 1  # a push on top of the old one: refused
    assert any("the bundle's edit is newer" in line for line in summary.lines())
    assert rows_of(manager, [audit_id]) == rows_of(ctx, [audit_id])

    # The older bundle again: the manager's copy is newer and is kept.
    summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=first)
    assert [a.id for a in summary.kept] == [audit_id]
    assert any("the edit here is newer" in line for line in summary.lines())
    assert load_audit(engine=manager.engine, audit_id=audit_id).values["c1"] == 5


def test_audits_from_several_shoppers_merge(tmp_path: Path, other: Any) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    manager = other("manager")
    bundles, ids = [], []
    for name in ("ana", "tom"):
        shopper = other(name)
        folder = tmp_path / f"{name}-tpl"
        folder.mkdir()
        audit_id = rich_audit(shopper, folder, clock, company="Same Name Ltd")
        bundle = tmp_path / f"{name}.shopper"
        export_bundle(
            engine=shopper.engine, data_dir=shopper.data_dir, path=bundle, audit_ids=[audit_id]
        )
        bundles.append(bundle)
        ids.append(audit_id)
    for bundle in bundles:
        summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert len(summary.added) == 1
    assert audit_count(manager) == 2
    # Same template (same id, version and text) from both: stored once.
    with manager.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM template_version WHERE NOT builtin")
            ).scalar_one()
            == 1
        )


def test_a_template_that_differs_under_the_same_version_is_refused(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)
    bundle = tmp_path / "one.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    manager = other("manager")
    changed = tmp_path / "changed"
    changed.mkdir()
    from shopper.services.templates import import_template_file
    from tests.data_helpers import counts_template

    source = counts_template(changed)
    source.write_text(source.read_text().replace("Anything else?", "Anything more?"))
    import_template_file(engine=manager.engine, path=source)
    before = snapshot(manager.data_dir)
    with pytest.raises(
        BundleError, match=r"version 1 \(Counts and notes\) is stored here with different content"
    ):
        import_into(manager, bundle)
    assert snapshot(manager.data_dir) == before
    assert audit_count(manager) == 0


def test_a_failure_while_writing_leaves_the_database_as_it_was(
    ctx: AppContext, tmp_path: Path, other: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    ids = [rich_audit(ctx, tmp_path, clock) for _ in range(3)]
    bundle = tmp_path / "three.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=ids)
    manager = other("manager")
    real = exchange.insert_new_audits_direct
    calls: list[int] = []

    def failing(**kwargs: Any) -> None:
        real(**kwargs)  # every row is written... then the disk fails before the commit
        calls.append(len(kwargs["audits"]))
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(exchange, "insert_new_audits_direct", failing)
    with pytest.raises(StorageError, match="could not save the import: disk I/O error"):
        import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
    assert calls == [3]
    assert audit_count(manager) == 0


def test_row_ids_that_belong_to_another_audit_here_are_refused(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    first = rich_audit(ctx, tmp_path, clock)
    bundle = tmp_path / "one.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[first])
    # A forged bundle: a new audit id reusing the first audit's moment ids.
    forged = tmp_path / "forged.shopper"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(forged, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            data = source.read(name)
            if name == "audits/0001.json":
                part = json.loads(data)
                part["audits"][0]["id"] = "f0f0f0f0-0000-4000-8000-000000000000"
                data = json.dumps(part).encode()
                import hashlib

                manifest["members"][name]["sha256"] = hashlib.sha256(data).hexdigest()
            if name != "manifest.json":
                target.writestr(name, data)
        target.writestr("manifest.json", json.dumps(manifest))
    before = snapshot(ctx.data_dir)
    with pytest.raises(BundleError, match="belongs to another audit"):
        import_into(ctx, forged)
    assert snapshot(ctx.data_dir) == before


def forge(bundle: Path, out: Path, change: Any) -> Path:
    """A copy of `bundle` whose first audit `change` rewrote, with the manifest to match."""
    import hashlib

    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(out, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            data = source.read(name)
            if name == "audits/0001.json":
                part = json.loads(data)
                change(part["audits"][0])
                data = json.dumps(part).encode()
                manifest["members"][name]["sha256"] = hashlib.sha256(data).hexdigest()
            if name != "manifest.json":
                target.writestr(name, data)
        target.writestr("manifest.json", json.dumps(manifest))
    return out


def test_a_bundle_cannot_rewrite_a_completed_audit(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)  # completed
    bundle = tmp_path / "done.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    manager = other("manager")
    import_into(manager, bundle)
    kept = rows_of(manager, [audit_id])

    def rewrite(audit: dict[str, Any]) -> None:
        audit.update(status="in_progress", completed_at=None, completed_tz=None, events=[])
        audit["updated_at"] = "2026-01-01T00:00:00+00:00"
        audit["answers"][0]["value"] = 0

    before = snapshot(manager.data_dir)
    with pytest.raises(BundleError, match="leaves out 2 of the events recorded here"):
        import_into(manager, forge(bundle, tmp_path / "rewrite.shopper", rewrite))

    def quietly_edited(audit: dict[str, Any]) -> None:
        audit["updated_at"] = "2026-01-01T00:00:00+00:00"
        audit["answers"][0]["value"] = 0

    with pytest.raises(BundleError, match="is completed here, and the bundle changes it without"):
        import_into(manager, forge(bundle, tmp_path / "quiet.shopper", quietly_edited))
    for stamp in ("9999-12-30T00:00:00+00:00", "1970-01-01T00:00:00+00:00"):
        far = forge(bundle, tmp_path / "far.shopper", lambda a, s=stamp: a.update(updated_at=s))
        with pytest.raises(BundleError, match="not a plausible time"):
            import_into(manager, far)
    assert snapshot(manager.data_dir) == before
    assert rows_of(manager, [audit_id]) == kept

    # Reopened, changed and completed again by its shopper: that bundle goes in, and says so.
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, clock=clock)
    runner.reopen("a late reply came")
    runner.set_answer("c1", 5)
    runner.complete()
    again = tmp_path / "again.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=again, audit_ids=[audit_id])
    summary = import_into(manager, again)
    assert [a.id for a in summary.completed_changed] == [audit_id]
    assert any("A completed audit changed (reopened by its sender)" in x for x in summary.lines())
    assert rows_of(manager, [audit_id]) == rows_of(ctx, [audit_id])


def test_a_bundle_never_replaces_a_built_in_checklist(ctx: AppContext, tmp_path: Path) -> None:
    from shopper.services.templates import list_templates

    before = [(t.id, t.version, t.builtin) for t in list_templates(engine=ctx.engine)]
    with pytest.raises(BundleError, match="has the id of a built-in checklist"):
        import_into(ctx, CORPUS / "builtin-override.shopper")
    assert [(t.id, t.version, t.builtin) for t in list_templates(engine=ctx.engine)] == before


def test_a_shipped_checklist_in_a_bundle_is_welcome(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.templates import list_templates

    phone = next(t for t in list_templates(engine=ctx.engine) if t.touchpoint == "phone")
    assert phone.builtin
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Built In Ltd"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id)
    bundle = tmp_path / "one.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit.id])
    with zipfile.ZipFile(bundle) as archive:
        templates = json.loads(archive.read("templates.json"))["templates"]
    assert [(t["id"], t["builtin"]) for t in templates] == [(phone.id, True)]
    manager = other("manager")
    summary = import_into(manager, bundle)
    assert len(summary.added) == 1
    shown = [(t.id, t.version, t.builtin) for t in list_templates(engine=manager.engine)]
    assert (phone.id, phone.version, True) in shown


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_duplicate_members_are_found_in_one_pass(tmp_path: Path, ctx: AppContext) -> None:
    """99,999 members, the last two alike: refused (the check was quadratic: minutes).

    How long it takes is a figure of `make bench`; here, that it is refused, and how.
    """
    bundle = tmp_path / "dup.shopper"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as archive:
        for n in range(99_998):
            archive.writestr(f"pad/{n}.json", b"")
        archive.writestr("pad/99997.json", b"")
    with pytest.raises(BundleError, match=r"the member 'pad/99997\.json' appears twice"):
        import_into(ctx, bundle)


def test_a_failed_import_removes_the_evidence_it_had_stored(
    ctx: AppContext, tmp_path: Path, other: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)
    bundle = tmp_path / "one.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    manager = other("manager")
    evidence_before = sorted(p.name for p in manager.evidence_dir.rglob("*") if p.is_file())

    def failing(**_kwargs: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(exchange, "insert_new_audits_direct", failing)
    with pytest.raises(StorageError):
        import_into(manager, bundle)
    assert sorted(p.name for p in manager.evidence_dir.rglob("*") if p.is_file()) == (
        evidence_before
    )
    assert not list(manager.data_dir.glob(".import-*"))


def test_a_staging_folder_left_by_a_killed_import_goes_at_the_next_start(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    folder = tmp_path / "data"
    AppContext.open(folder).close()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead = folder / f".import-{gone.stdout.strip()}-abc123"
    dead.mkdir()
    (dead / "1").write_bytes(b"half an evidence file")
    legacy = folder / ".import-k2j3h4"
    legacy.mkdir()
    alive = folder / f".import-{os.getppid()}-busy"  # a live process: importing right now
    alive.mkdir()
    AppContext.open(folder).close()
    assert not dead.exists()
    assert not legacy.exists()
    assert alive.exists()


# -- export choices ----------------------------------------------------------------------


def test_export_chooses_audits_a_company_or_everything(ctx: AppContext, tmp_path: Path) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    a = rich_audit(ctx, tmp_path, clock, company="Alpha")
    b = rich_audit(ctx, tmp_path, clock, company="Beta")
    company_b = load_audit(engine=ctx.engine, audit_id=b).company.id
    assert audit_ids_for(engine=ctx.engine, everything=True) == [a, b]
    assert audit_ids_for(engine=ctx.engine, company_id=company_b) == [b]
    assert audit_ids_for(engine=ctx.engine, audit_ids=[b, a, b]) == [b, a]
    with pytest.raises(ShopperError, match="nothing to export"):
        export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=tmp_path / "x", audit_ids=[])
    assert default_bundle_name("Zielona Łąka Sp. z o.o.", clock.now) == (
        "shopper-zielona-łąka-sp-z-o-o-2025-05-01.shopper"
    )


def test_export_refuses_missing_evidence_and_leaves_no_file(
    ctx: AppContext, tmp_path: Path
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)
    with pytest.raises(StorageError, match="does not exist"):
        export_bundle(
            engine=ctx.engine,
            data_dir=ctx.data_dir,
            path=tmp_path / "nowhere" / "out.shopper",
            audit_ids=[audit_id],
        )
    record = load_audit(engine=ctx.engine, audit_id=audit_id).evidence[0]
    evidence_path(ctx.data_dir, record.sha256, record.extension).unlink()
    target = tmp_path / "out.shopper"
    with pytest.raises(ShopperError, match="missing or damaged in the data folder"):
        export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=target, audit_ids=[audit_id])
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".part", ".shopper")) == []


# -- the corpus of hostile bundles ---------------------------------------------------------


def test_the_corpus_is_complete() -> None:
    on_disk = {p.name for p in CORPUS.glob("*.shopper")}
    assert on_disk == set(EXPECTED)
    assert len(HOSTILE) >= 20


def test_the_valid_corpus_bundle_imports(ctx: AppContext) -> None:
    summary = import_into(ctx, CORPUS / "valid.shopper")
    assert len(summary.added) == 1
    detail = load_audit(engine=ctx.engine, audit_id=summary.added[0].id)
    assert detail.values == {"greeted": "yes", "wait": 3}
    assert len(detail.evidence) == 1
    assert detail.evidence[0].moment_id == detail.moments[0].id


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_bundle_is_refused_and_changes_nothing(ctx: AppContext, name: str) -> None:
    # How fast a refusal is belongs to `make bench` (no test depends on the machine's speed).
    before = snapshot(ctx.data_dir)
    with pytest.raises(BundleError) as info:
        import_into(ctx, CORPUS / name)
    message = str(info.value)
    assert EXPECTED[name] in message
    assert message.startswith(f"{name}: ")
    assert message.endswith("nothing was imported")
    assert "\n" not in message
    assert snapshot(ctx.data_dir) == before  # the database file is byte-identical
    assert not list(ctx.data_dir.glob(".import-*"))


def test_member_names_never_reach_the_file_system(ctx: AppContext, tmp_path: Path) -> None:
    """Even a valid bundle is read into memory and files of our own naming."""
    with BundleArchive(CORPUS / "valid.shopper") as archive:
        assert all(not Path(name).is_absolute() for name in archive.names())
    import_into(ctx, CORPUS / "valid.shopper")
    stray = [p for p in ctx.data_dir.rglob("*") if p.name in ("companies.json", "audits")]
    assert stray == []


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["2025-13-45T00:00:00", "../../etc/passwd", "Europe/Nowhere", "na", "\x00"]),
)


def _leaf_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _leaf_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _leaf_paths(value, (*path, index))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    member=st.sampled_from(["companies.json", "templates.json", "audits/0001.json"]),
    choices=st.lists(st.tuples(st.integers(0, 10_000), JUNK), min_size=1, max_size=3),
)
def test_any_altered_field_is_imported_or_refused_cleanly(
    member: str, choices: list[tuple[int, Any]]
) -> None:
    """With correct checksums, only the field checks stand between a bundle and the database."""
    from tests.fixtures import make_bundles

    content = make_bundles.content()
    data = content[member]
    for pick, junk in choices:
        paths = _leaf_paths(data)
        *parents, last = paths[pick % len(paths)]
        target = data
        for key in parents:
            target = target[key]
        target[last] = junk
    members = {name: make_bundles.encode(value) for name, value in content.items()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "altered.shopper"
        path.write_bytes(make_bundles.write(members))
        ctx = _fuzz_context(Path(folder))
        try:
            before = snapshot(ctx.data_dir)
            try:
                import_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=path)
            except ShopperError as exc:
                assert "\n" not in str(exc)
                assert snapshot(ctx.data_dir) == before
        finally:
            ctx.close()


_PRISTINE: list[Path] = []


def _fuzz_context(folder: Path) -> AppContext:
    """A fresh database, copied from one made once (opening a new one parses templates)."""
    if not _PRISTINE:
        made = Path(tempfile.mkdtemp(prefix="shopper-fuzz-"))
        atexit.register(shutil.rmtree, made, ignore_errors=True)
        AppContext.open(made / "data").close()
        _PRISTINE.append(made / "data")
    shutil.copytree(_PRISTINE[0], folder / "data")
    return AppContext.open(folder / "data")


def test_an_import_cancelled_midway_changes_nothing(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    """The app cancels by raising from the progress callback (`ui.workers.Cancelled`, a
    BaseException): whenever that comes, nothing of the import stays."""

    class Stop(BaseException):
        pass

    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    ids = [rich_audit(ctx, tmp_path, clock) for _ in range(3)]
    bundle = tmp_path / "three.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=ids)
    manager = other("manager")
    before = snapshot(manager.data_dir)
    counted: list[int] = []
    import_into(other("counter"), bundle, lambda done, _total: counted.append(done))
    assert len(counted) >= 3
    for stop_at in (1, len(counted) // 2, len(counted) - 1):
        calls: list[int] = []

        def progress(
            done: int, _total: int, calls: list[int] = calls, stop_at: int = stop_at
        ) -> None:
            calls.append(done)
            if len(calls) == stop_at:
                raise Stop

        with pytest.raises(Stop):
            import_into(manager, bundle, progress)
        after = snapshot(manager.data_dir)
        assert {k for k in after if not k.startswith("backups/")} == {
            k for k in before if not k.startswith("backups/")
        }
        assert audit_count(manager) == 0
        assert not list(manager.data_dir.glob(".import-*"))


def test_the_garbage_collector_is_paused_for_an_import_and_left_as_it_was(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from shopper.services import bundles

    seen: list[bool] = []
    real = bundles.read_bundle

    def reading(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(bundles, "read_bundle", reading)
    assert gc.isenabled()
    import_into(ctx, CORPUS / "valid.shopper")
    assert seen == [False]
    assert gc.isenabled()
    with pytest.raises(BundleError):
        import_into(ctx, CORPUS / "bad-answer.shopper")
    assert gc.isenabled()
    gc.disable()
    try:
        import_into(ctx, CORPUS / "valid.shopper")
        assert not gc.isenabled()  # one paused by someone else stays paused
    finally:
        gc.enable()


def test_the_write_takes_what_the_check_found(
    ctx: AppContext, tmp_path: Path, other: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audits are compared and checked once; the write gives what comparing again gave."""
    from shopper.services import bundles

    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    ids = [rich_audit(ctx, tmp_path, clock) for _ in range(3)]
    bundle = tmp_path / "three.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=ids)
    real = bundles._compare
    compared: list[int] = []

    def counted(*args: Any) -> Any:
        compared.append(1)
        return real(*args)

    monkeypatch.setattr(bundles, "_compare", counted)
    once, twice = other("once"), other("twice")
    summary = import_bundle(engine=once.engine, data_dir=once.data_dir, path=bundle)
    assert len(compared) == 1
    # The write pass that compares again (as before): the same rows and summary.
    monkeypatch.setattr(bundles, "_Checked", _NeverTheSame)
    again = import_bundle(engine=twice.engine, data_dir=twice.data_dir, path=bundle)
    assert len(compared) == 3
    assert rows_of(once, ids) == rows_of(twice, ids) == rows_of(ctx, ids)
    assert summary.lines() == again.lines()
    assert sorted(a.id for a in summary.added) == sorted(ids)


class _NeverTheSame:
    """A check pass's findings whose states never match the write's."""

    def __init__(self, states: Any, writing: Any, lines: Any) -> None:
        self.states = None
        self.writing = writing
        self.lines = lines


def test_an_audit_changed_here_between_the_check_and_the_write_is_compared_again(
    ctx: AppContext, tmp_path: Path, other: Any
) -> None:
    clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
    audit_id = rich_audit(ctx, tmp_path, clock)
    first = tmp_path / "first.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=first, audit_ids=[audit_id])
    manager = other("manager")
    import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=first)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, clock=clock)
    runner.reopen("one more answer")
    runner.set_answer("c1", 5)
    second = tmp_path / "second.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=second, audit_ids=[audit_id])

    def edit_here() -> None:  # after the check, before the write: the manager edits it
        here = AuditRunner(engine=manager.engine, audit_id=audit_id, clock=clock)
        here.reopen("the manager's own change")
        here.set_answer("c1", 1)

    summary = import_bundle(
        engine=manager.engine, data_dir=manager.data_dir, path=second, backup=edit_here
    )
    assert [a.id for a in summary.kept] == [audit_id]
    assert not summary.updated
    assert load_audit(engine=manager.engine, audit_id=audit_id).values["c1"] == 1

    # An audit that arrived here between the check and the write is not written again.
    third = other("third")

    def arrives() -> None:
        import_bundle(engine=third.engine, data_dir=third.data_dir, path=second)

    summary = import_bundle(
        engine=third.engine, data_dir=third.data_dir, path=second, backup=arrives
    )
    assert [a.id for a in summary.unchanged] == [audit_id]
    assert not summary.added
    assert rows_of(third, [audit_id]) == rows_of(ctx, [audit_id])
