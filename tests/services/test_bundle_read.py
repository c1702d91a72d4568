"""Reading a bundle: the quick reading of each audit gives what the full checks give."""

from __future__ import annotations

import atexit
import copy
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper.domain.clock import now_utc
from shopper.services import bundle_read
from shopper.services.bundle_read import BundleContent, read_bundle
from shopper.services.bundle_zip import MANIFEST, BundleArchive
from shopper.services.bundles import audit_ids_for, export_bundle
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from tests.fixtures import make_bundles
from tests.services.test_bundles import CORPUS, JUNK, Clock, rich_audit

NOW = now_utc()
"""The time of every reading here, so the quick and the full one allow the same times."""


@contextmanager
def full_checks_only() -> Iterator[None]:
    """Every audit read by `_audit`, as before the quick reading."""

    def doubting(*_args: Any) -> bundle_read.BundleAudit:
        raise bundle_read._Doubt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bundle_read, "_audit_fast", doubting)
        yield


def read(path: Path) -> BundleContent:
    with BundleArchive(path) as archive:
        return read_bundle(archive, now=NOW)


def outcome(path: Path) -> tuple[str, Any]:
    """What reading a bundle gives: its content, or the type and words of its refusal."""
    try:
        return "read", read(path)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def quick_and_full(path: Path) -> tuple[tuple[str, Any], tuple[str, Any]]:
    quick = outcome(path)
    with full_checks_only():
        full = outcome(path)
    return quick, full


def doubts(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many of a bundle's audits the quick reading leaves to the full checks."""
    real = bundle_read._audit_fast
    count = 0

    def counting(*args: Any) -> bundle_read.BundleAudit:
        nonlocal count
        try:
            return real(*args)
        except Exception:
            count += 1
            raise

    monkeypatch.setattr(bundle_read, "_audit_fast", counting)
    read(path)
    monkeypatch.setattr(bundle_read, "_audit_fast", real)
    return count


def demo_bundle(folder: Path) -> Path:
    """A bundle of demo audits: every template, item type and instrument the demo has."""
    ctx = AppContext.open(folder / "demo")
    try:
        load_demo(engine=ctx.engine, audits=40, data_dir=ctx.data_dir)
        clock = Clock(datetime(2025, 5, 1, 9, tzinfo=UTC))
        rich_audit(ctx, folder, clock)  # evidence on an item and on a moment
        path = folder / "demo.shopper"
        ids = audit_ids_for(engine=ctx.engine, everything=True)
        export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=path, audit_ids=ids)
    finally:
        ctx.close()
    return path


_DEMO: list[Path] = []


def shared_demo_bundle() -> Path:
    """`demo_bundle`, made once for the tests that alter it."""
    if not _DEMO:
        folder = Path(tempfile.mkdtemp(prefix="shopper-read-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _DEMO.append(demo_bundle(folder))
    return _DEMO[0]


def members_of(path: Path) -> dict[str, Any]:
    """A bundle's members but the manifest: JSON members decoded, the others as bytes."""
    with zipfile.ZipFile(path) as archive:
        return {
            name: json.loads(archive.read(name)) if name.endswith(".json") else archive.read(name)
            for name in archive.namelist()
            if name != MANIFEST
        }


def test_the_quick_reading_reads_every_demo_audit_as_the_full_checks_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = demo_bundle(tmp_path)
    quick, full = quick_and_full(path)
    assert quick[0] == "read"
    assert quick == full
    content = quick[1]
    assert len(content.audits) == 41
    assert any(a.rows.children["evidence"] for a in content.audits)
    assert any(a.rows.children["instrument_event"] for a in content.audits)
    assert doubts(path, monkeypatch) == 0  # none left to the slow reading


def test_the_quick_reading_of_the_valid_corpus_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    quick, full = quick_and_full(CORPUS / "valid.shopper")
    assert quick[0] == "read"
    assert quick == full
    assert doubts(CORPUS / "valid.shopper", monkeypatch) == 0


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CORPUS.glob("*.shopper")),
)
def test_the_corpus_is_refused_in_the_same_words(name: str) -> None:
    quick, full = quick_and_full(CORPUS / name)
    assert quick == full


def test_a_doubted_audit_leaves_the_ids_seen_as_they_were(tmp_path: Path) -> None:
    """The quick reading takes an audit's ids only once it has read the whole audit: the full
    checks then name the audit's own fault, not its ids as seen twice."""
    content = make_bundles.content()
    audits = content["audits/0001.json"]["audits"]
    second = copy.deepcopy(audits[0])
    second["id"] = "a0d17000-0000-4000-8000-00000000a002"
    for table in ("events", "steps", "moments"):
        for row in second[table]:
            row["id"] = row["id"][:-1] + "2"
    second["evidence"] = []
    second["moments"][0]["note"] = 7  # a fault after its events' and steps' ids
    audits.append(second)
    path = tmp_path / "second.shopper"
    members = {name: make_bundles.encode(value) for name, value in content.items()}
    path.write_bytes(make_bundles.write(members))
    quick, full = quick_and_full(path)
    assert quick == full
    assert quick[0] == "BundleError"
    assert "audits[1].moments[0].note: expected text" in quick[1]


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _leaves(value, (*path, index))
    return found


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pick_audit=st.integers(0, 10_000),
    changes=st.lists(
        st.tuples(st.integers(0, 100_000), st.one_of(JUNK, st.just(KeyError))),
        min_size=1,
        max_size=3,
    ),
)
def test_any_altered_audit_is_read_or_refused_as_the_full_checks_do(
    pick_audit: int, changes: list[tuple[int, Any]]
) -> None:
    """A field changed (or taken out) anywhere in an audit: the same rows, or the same refusal."""
    members = members_of(shared_demo_bundle())
    part = members["audits/0001.json"]["audits"]
    audit = part[pick_audit % len(part)]
    for pick, junk in changes:
        paths = _leaves(audit)
        *parents, last = paths[pick % len(paths)]
        target = audit
        for key in parents:
            target = target[key]
        if junk is KeyError:
            del target[last]
        else:
            target[last] = junk
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "altered.shopper"
        encoded = {name: make_bundles.encode(value) for name, value in members.items()}
        path.write_bytes(make_bundles.write(encoded))
        quick, full = quick_and_full(path)
    assert quick == full


def test_remembered_answers_are_read_as_the_full_checks_read_them(tmp_path: Path) -> None:
    """Numbers and chosen options met again are remembered: 0.0 and -0.0 kept apart, the
    same options in another order made the template's order, as the full checks make them."""
    members = members_of(shared_demo_bundle())
    floats = lists = 0
    for audit in members["audits/0001.json"]["audits"]:
        for answer in audit["answers"]:
            value = answer["value"]
            if type(value) is float:
                answer["value"] = (0.0, -0.0, value, 0.0)[floats % 4]
                floats += 1
            elif type(value) is list and value:
                answer["value"] = value[::-1] if lists % 2 else [*value, value[0]]
                lists += 1
    assert floats > 8 and lists > 8
    path = tmp_path / "remembered.shopper"
    encoded = {name: make_bundles.encode(value) for name, value in members.items()}
    path.write_bytes(make_bundles.write(encoded))
    quick, full = quick_and_full(path)
    assert quick[0] == "read"
    assert quick == full
    stored = {
        row["value"]
        for audit in quick[1].audits
        for row in audit.rows.children["answer"]
        if row["value"] in ("0.0", "-0.0")
    }
    assert stored == {"0.0", "-0.0"}


def test_values_are_dumped_as_json_dumps_dumps_them() -> None:
    import json

    from shopper.store.tables import to_json

    values = [
        "naïve “quotes” \n\t\\ \u2028 😀",
        "",
        4,
        -0.0,
        3.6,
        float("nan"),
        1e300,
        True,
        None,
        ["a", "b", "ü"],
        {"z": [1, {"ä": None}], "a": "x"},
        [],
        {},
    ]
    for value in values:
        assert to_json(value) == json.dumps(value, ensure_ascii=False)
