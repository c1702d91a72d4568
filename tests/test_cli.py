"""The `shopper` command line: run in-process with captured output, plus the entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shopper import __version__
from shopper.cli import main
from shopper.resources import TEMPLATES_DIR

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_COMPANY = "Zielona Łąka Sp. z o.o."

GOOD_TEMPLATE = """\
format: 1
id: 0b7c3d52-6f1e-4a8e-9a55-2d9c1e7f4b10
version: 1
title: Tiny check
touchpoint: chat
sections:
  - id: main
    title: Main
    items:
      - id: greeted
        prompt: Were you greeted?
        type: yes_no
"""


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the command, expect exit 0, return stdout."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return out


def user_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the command, expect exit 2 with one line on stderr, return that line."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    _out, err = capsys.readouterr()
    assert info.value.code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].strip()
    return lines[0]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A data folder with `demo --audits 30 --seed 3` loaded, shared by read-only tests."""
    folder = tmp_path_factory.mktemp("cli") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SHOPPER_DB_URL", raising=False)
        mp.setenv("SHOPPER_DATA_DIR", str(folder))
        assert main(["--data-dir", str(folder), "demo", "--audits", "30", "--seed", "3"]) == 0
        yield str(folder)


@pytest.fixture
def tmp_dir(data_dir: Path) -> str:
    return str(data_dir)


def list_json(capsys: pytest.CaptureFixture[str], folder: str, *extra: str) -> list[dict[str, Any]]:
    data = json.loads(ok(capsys, "--data-dir", folder, "audits", "list", "--json", *extra))
    assert isinstance(data, list)
    return data


# -- basics ---------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"shopper {__version__}"


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "templates", "audits"):
        assert command in out


# -- templates ----------------------------------------------------------------------


def test_templates_list(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> None:
    out = ok(capsys, "--data-dir", tmp_dir, "templates", "list")
    lines = out.splitlines()
    assert len(lines) == 7
    assert any("Phone support" in line and "built-in" in line for line in lines)
    assert (Path(tmp_dir) / "shopper.db").exists()


def test_templates_list_json(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> None:
    data = json.loads(ok(capsys, "--data-dir", tmp_dir, "templates", "list", "--json"))
    assert len(data) == 7
    assert {d["touchpoint"] for d in data} == {
        "website",
        "phone",
        "email",
        "chat",
        "store",
        "delivery",
        "survey",
    }
    phone = next(d for d in data if d["touchpoint"] == "phone")
    assert phone["title"] == "Phone support"
    assert phone["version"] == 3  # `later` since v2; menu options counted as options in v3
    assert phone["builtin"] is True
    assert phone["items"] > 0
    assert phone["older_versions"] == [1, 2]


def test_templates_validate_good_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "tiny.yaml"
    good.write_text(GOOD_TEMPLATE, encoding="utf-8")
    out = ok(capsys, "templates", "validate", str(good), str(TEMPLATES_DIR / "phone.yaml"))
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{good}: ok")
    assert "Tiny check" in lines[0]
    assert "phone.yaml: ok" in lines[1]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD_TEMPLATE.replace("type: yes_no", "type: yesno"), "sections[0].items[0].type"),
        (GOOD_TEMPLATE.replace("version: 1", "version: 0"), "version"),
        (GOOD_TEMPLATE.replace("touchpoint: chat", "touchpoint: fax"), "touchpoint"),
        (GOOD_TEMPLATE.replace("format: 1", "format: 99"), "format"),
        (GOOD_TEMPLATE.replace("        prompt: Were you greeted?\n", ""), "prompt"),
        (GOOD_TEMPLATE + "  - id: [unclosed\n", "line"),
        (GOOD_TEMPLATE.replace("version: 1", f"version: {10**30}"), "version"),
    ],
)
def test_templates_validate_bad_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, field: str
) -> None:
    bad = tmp_path / "broken-template.yaml"
    bad.write_text(text, encoding="utf-8")
    line = user_error(capsys, "templates", "validate", str(bad))
    assert "broken-template.yaml" in line
    assert field in line


def test_templates_validate_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    line = user_error(capsys, "templates", "validate", str(tmp_path / "nowhere.yaml"))
    assert "nowhere.yaml" in line


def test_templates_import(capsys: pytest.CaptureFixture[str], tmp_dir: str, tmp_path: Path) -> None:
    good = tmp_path / "tiny.yaml"
    good.write_text(GOOD_TEMPLATE, encoding="utf-8")
    out = ok(capsys, "--data-dir", tmp_dir, "templates", "import", str(good))
    assert "Tiny check" in out
    ok(capsys, "--data-dir", tmp_dir, "templates", "import", str(good))
    data = json.loads(ok(capsys, "--data-dir", tmp_dir, "templates", "list", "--json"))
    assert [d["builtin"] for d in data if d["title"] == "Tiny check"] == [False]
    good.write_text(GOOD_TEMPLATE.replace("Were you greeted?", "Greeted?"), encoding="utf-8")
    line = user_error(capsys, "--data-dir", tmp_dir, "templates", "import", str(good))
    assert "tiny.yaml" in line
    assert "higher version" in line


# -- demo ---------------------------------------------------------------------------


def test_demo(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> None:
    out = ok(capsys, "--data-dir", tmp_dir, "demo", "--audits", "30", "--seed", "3")
    assert out.startswith("Added 6 companies, 30 audits, ")
    assert " instrument steps and " in out
    assert len(list_json(capsys, tmp_dir)) == 30
    line = user_error(capsys, "--data-dir", tmp_dir, "demo", "--audits", "30", "--seed", "3")
    assert "seed 3" in line
    assert len(list_json(capsys, tmp_dir)) == 30


def test_demo_counts_in_the_singular(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> None:
    out = ok(capsys, "--data-dir", tmp_dir, "demo", "--audits", "1", "--seed", "3")
    assert out.startswith("Added 6 companies, 1 audit, ")
    assert "1 audits" not in out


@pytest.mark.parametrize("value", ["-5", "abc"])
def test_demo_rejects_bad_counts(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, value: str
) -> None:
    line = user_error(capsys, "--data-dir", tmp_dir, "demo", "--audits", value)
    assert "--audits" in line


# -- audits -------------------------------------------------------------------------


def test_audits_list(capsys: pytest.CaptureFixture[str], demo_dir: str) -> None:
    lines = ok(capsys, "--data-dir", demo_dir, "audits", "list").splitlines()
    assert len(lines) == 30
    data = list_json(capsys, demo_dir)
    assert [line[:8] for line in lines] == [d["id"][:8] for d in data]


def test_audits_list_on_an_empty_database(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> None:
    code = main(["--data-dir", tmp_dir, "audits", "list"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == ""
    assert err.strip() == "No audits."
    assert list_json(capsys, tmp_dir) == []


def test_audits_list_json(capsys: pytest.CaptureFixture[str], demo_dir: str) -> None:
    data = list_json(capsys, demo_dir)
    assert len(data) == 30
    assert len({d["id"] for d in data}) == 30
    starts = [d["started_at"] for d in data]
    assert starts == sorted(starts, reverse=True)
    first = data[0]
    for key in ("company", "touchpoint", "template", "status", "score_percent", "verdict"):
        assert key in first
    assert {d["status"] for d in data} == {"completed", "in_progress"}


@pytest.mark.parametrize("company", [DEMO_COMPANY, DEMO_COMPANY.upper(), "blue harbor bank"])
def test_audits_list_filters(
    capsys: pytest.CaptureFixture[str], demo_dir: str, company: str
) -> None:
    everything = list_json(capsys, demo_dir)
    wanted = [
        d["id"]
        for d in everything
        if d["company"].casefold() == company.casefold()
        and d["touchpoint"] == "phone"
        and d["status"] == "completed"
    ]
    filtered = list_json(
        capsys,
        demo_dir,
        "--company",
        company,
        "--touchpoint",
        "phone",
        "--status",
        "completed",
    )
    assert [d["id"] for d in filtered] == wanted
    by_company = list_json(capsys, demo_dir, "--company", company)
    assert len(by_company) == 5
    assert {d["company"].casefold() for d in by_company} == {company.casefold()}
    by_touchpoint = list_json(capsys, demo_dir, "--touchpoint", "phone")
    assert by_touchpoint
    assert {d["touchpoint"] for d in by_touchpoint} == {"phone"}
    by_status = list_json(capsys, demo_dir, "--status", "in_progress")
    assert by_status
    assert {d["status"] for d in by_status} == {"in_progress"}


def test_audits_list_by_company_id_prefix(
    capsys: pytest.CaptureFixture[str], demo_dir: str
) -> None:
    everything = list_json(capsys, demo_dir)
    company_id = everything[0]["company_id"]
    rows = list_json(capsys, demo_dir, "--company", company_id[:8])
    assert rows
    assert {d["company_id"] for d in rows} == {company_id}


def test_audits_show(capsys: pytest.CaptureFixture[str], demo_dir: str) -> None:
    target = next(d for d in list_json(capsys, demo_dir) if d["status"] == "completed")
    out = ok(capsys, "--data-dir", demo_dir, "audits", "show", target["id"][:8])
    assert out.startswith(f"Audit {target['id']}\n")
    assert f"Company:    {target['company']}" in out
    assert "Score:" in out
    assert "Completed:" in out


def test_audits_show_json(capsys: pytest.CaptureFixture[str], demo_dir: str) -> None:
    target = list_json(capsys, demo_dir)[0]
    data = json.loads(
        ok(capsys, "--data-dir", demo_dir, "audits", "show", target["id"][:6].upper(), "--json")
    )
    assert data["id"] == target["id"]
    assert data["company"]["name"] == target["company"]
    score = data["score"]
    assert score["verdict"] == target["verdict"]
    if target["score_percent"] is None:
        assert score["percent"] is None
    else:
        assert score["percent"] == pytest.approx(target["score_percent"], abs=0.01)
    items = [item for section in data["sections"] for item in section["items"]]
    answered = [item for item in items if item["value"] is not None]
    assert answered
    assert all(item["display"] for item in answered)
    assert len(answered) >= score["answered"]
    assert data["events"][0]["kind"] == "created"


# -- user errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["--bogus"],
        ["audits"],
        ["audits", "list", "--bogus"],
        ["audits", "list", "--touchpoint", "fax"],
        ["audits", "list", "--status", "lost"],
        ["audits", "show"],
        ["templates", "validate"],
        ["demo", "--seed", "one"],
    ],
    ids=" ".join,
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_dir: str, args: list[str]) -> None:
    line = user_error(capsys, "--data-dir", tmp_dir, *args)
    assert line.startswith("shopper")


def test_unknown_company(capsys: pytest.CaptureFixture[str], demo_dir: str) -> None:
    line = user_error(capsys, "--data-dir", demo_dir, "audits", "list", "--company", "Nobody Ltd")
    assert "Nobody Ltd" in line


@pytest.mark.parametrize("audit_id", ["ffffffff", "00000000-0000-4000-8000-000000000000", "ab"])
def test_unknown_audit_id(capsys: pytest.CaptureFixture[str], demo_dir: str, audit_id: str) -> None:
    line = user_error(capsys, "--data-dir", demo_dir, "audits", "show", audit_id)
    assert audit_id in line


def test_data_dir_that_is_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    line = user_error(capsys, "--data-dir", str(blocker), "audits", "list")
    assert "not-a-folder" in line


def test_damaged_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / "shopper.db").write_bytes(b"garbage, not SQLite " * 100)
    line = user_error(capsys, "--data-dir", str(folder), "audits", "list")
    assert "shopper.db" in line


# -- entry points ---------------------------------------------------------------------


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPPER_DATA_DIR": str(data_dir)}
    env.pop("SHOPPER_DB_URL", None)
    return subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_entry_points_agree(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    expected = capsys.readouterr().out
    commands = [
        [sys.executable, "-m", "shopper", "--version"],
        [sys.executable, "main.py", "--version"],
    ]
    script = Path(sys.executable).parent / "shopper"
    if script.exists():
        commands.append([str(script), "--version"])
    for command in commands:
        result = _run(command, tmp_path)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout == expected, command
        assert result.stderr == ""


def test_user_error_in_a_subprocess(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path), "audits", "show", "zzzz"], tmp_path
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "zzzz" in result.stderr
    assert "Traceback" not in result.stderr


def test_unexpected_error_is_logged_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import audits

    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("a bug, not a user mistake")

    monkeypatch.setattr(audits, "list_audits", broken)
    assert main(["--data-dir", tmp_dir, "audits", "list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "RuntimeError: a bug, not a user mistake" in err[0]
    log_text = (Path(tmp_dir) / "shopper.log").read_text(encoding="utf-8")
    assert "Traceback" in log_text and "a bug, not a user mistake" in log_text


def test_audit_id_prefix_wildcards_are_literal(
    capsys: pytest.CaptureFixture[str], demo_dir: str
) -> None:
    err = user_error(capsys, "--data-dir", demo_dir, "audits", "show", "____")
    assert "no audit" in err


def test_audits_waiting(capsys: pytest.CaptureFixture[str], tmp_dir: str) -> None:
    from datetime import UTC, datetime

    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import list_templates

    ctx = AppContext.open(Path(tmp_dir))
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Słow & Co"))
    email = next(t for t in list_templates(engine=ctx.engine, touchpoint="email") if t.builtin)
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=email.id)
    AuditRunner(engine=ctx.engine, audit_id=audit.id).add_step(
        "email", "sent", at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    )
    ctx.close()
    rows = json.loads(ok(capsys, "--data-dir", tmp_dir, "audits", "waiting", "--json"))
    assert [(r["audit_id"], r["company"]) for r in rows] == [(audit.id, "Słow & Co")]
    assert rows[0]["waited_hours"] > 24
    assert "Słow & Co" in ok(capsys, "--data-dir", tmp_dir, "audits", "waiting")


HOSTILE_NAME = "Evil\x1b]0;owned\x07\x1b[31m Ltd\u202etxt.exe\x00\r"


def test_text_output_shows_control_and_bidi_characters_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path
) -> None:
    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext
    from shopper.services.templates import import_template_file

    template = tmp_path / "evil.yaml"
    template.write_text(
        GOOD_TEMPLATE.replace("title: Tiny check", 'title: "Tiny\\e[2J\\a check\\u202e"'),
        encoding="utf-8",
    )
    ctx = AppContext.open(data_dir)
    try:
        tpl = import_template_file(engine=ctx.engine, path=template)
        company = create_company(engine=ctx.engine, data=CompanyInput(name=HOSTILE_NAME))
        audit = start_audit(
            engine=ctx.engine, company_id=company.id, template_id=tpl.id, shopper=HOSTILE_NAME
        )
    finally:
        ctx.close()
    outputs = [
        ok(capsys, "audits", "list"),
        ok(capsys, "audits", "show", audit.id[:8]),
        ok(capsys, "templates", "list"),
        ok(capsys, "templates", "validate", str(template)),
        user_error(capsys, "audits", "list", "--company", HOSTILE_NAME + "x"),
    ]
    for out in outputs:
        assert not any(ch in out for ch in "\x1b\x07\x00\r\u202e"), repr(out)
    assert "Evil\\u001b]0;owned\\u0007" in outputs[0]
    assert "\\u202e" in outputs[2]
    # JSON already escapes them, and reads back exactly as typed.
    shown = json.loads(ok(capsys, "audits", "show", audit.id[:8], "--json"))
    assert shown["company"]["name"] == HOSTILE_NAME.strip()


def test_audits_follow_ups_lists_what_waits_and_status_filters_awaiting(
    capsys: pytest.CaptureFixture[str], tmp_dir: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    from tests.data_helpers import new_follow_up_audit

    ctx = AppContext.open(Path(tmp_dir))
    friday = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    audit_id = new_follow_up_audit(ctx, tmp_path, at=friday)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, clock=lambda: friday)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "no")
    runner.complete(wait=True)
    ctx.close()
    rows = json.loads(ok(capsys, "--data-dir", tmp_dir, "audits", "follow-ups", "--json"))
    assert [(r["audit_id"], r["company"]) for r in rows] == [(audit_id, "Blue Harbor Bank")]
    assert [item["id"] for item in rows[0]["items"]] == ["follow_up"]
    assert rows[0]["items"][0]["due"].startswith("2026-11-27T16:00")
    text = ok(capsys, "--data-dir", tmp_dir, "audits", "follow-ups")
    # The window closed on 2026-11-27: listed as passed (the app settles it at its next start).
    assert "Blue Harbor Bank" in text
    assert "window passed  Did they follow up within five working days?" in text
    listed = json.loads(
        ok(
            capsys,
            "--data-dir",
            tmp_dir,
            "audits",
            "list",
            "--status",
            "awaiting_follow_up",
            "--json",
        )
    )
    assert [r["id"] for r in listed] == [audit_id]
    assert (
        json.loads(
            ok(capsys, "--data-dir", tmp_dir, "audits", "list", "--status", "completed", "--json")
        )
        == []
    )


def test_the_command_line_is_built_without_the_database_layer() -> None:
    """`shopper` (the app's own start) reads its arguments before anything heavy loads: the
    window paints first, and `shopper --help` answers at once."""
    code = (
        "import sys; from shopper.cli import build_parser; build_parser(); "
        "print(' '.join(m for m in ('sqlalchemy', 'sqlmodel', 'psycopg', 'alembic', "
        "'reportlab', 'openpyxl', 'PIL', 'PySide6', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""
