"""`shopper audits answer` and `shopper audits complete`: the app's checks from the command
line, on SQLite and as a shopper's own login on the team database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from shopper.services.audits import load_audit, start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.evidence import verify_stored
from shopper.services.templates import import_template_file
from tests.data_helpers import png
from tests.services.test_builtin_templates import perfect_answer
from tests.test_cli import ok, user_error

TEMPLATE = """\
format: 1
id: 5d0c2b9e-8a7f-4c61-b1e2-7f3a9d4c2e10
version: 1
title: Command line check
touchpoint: phone
sections:
  - id: main
    title: Main
    items:
      - id: greeted
        prompt: Were you greeted?
        type: yes_no
        required: true
      - id: read_me
        prompt: Now ask how long the wait is.
        type: info
      - id: clarity
        prompt: How clear was it?
        type: rating
        scale: {min: 1, max: 5}
      - id: called
        prompt: When did you call?
        type: datetime
      - id: remark
        prompt: Anything else?
        type: text
"""


def new_audit(ctx: AppContext, folder: Path) -> str:
    path = folder / "cli-check.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    template = import_template_file(engine=ctx.engine, path=path)
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    return start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id).id


def values(ctx: AppContext, audit_id: str) -> dict[str, Any]:
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    return {k: r.value for k, r in detail.answers.items()} | {
        f"{k}.note": r.note for k, r in detail.answers.items() if r.note
    }


def test_answers_and_a_note_are_saved_as_the_app_saves_them(
    capsys: pytest.CaptureFixture[str], ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx, tmp_path)
    out = ok(
        capsys,
        "audits", "answer", audit_id[:8],
        "greeted=yes", "clarity=4", 'called="2026-12-01 10:15"', "remark=123",
        "--note", "greeted=She said 'hello'; -- then nothing",
    )  # fmt: skip
    assert "greeted: Yes" in out and "score so far" in out
    saved = values(ctx, audit_id)
    assert saved["greeted"] == "yes" and saved["clarity"] == 4
    assert saved["remark"] == "123"  # a text answer stays as typed
    assert saved["called"]["utc"].startswith("2026-12-01")
    assert saved["greeted.note"] == "She said 'hello'; -- then nothing"
    shown = json.loads(ok(capsys, "audits", "show", audit_id, "--json"))
    items = {i["id"]: i for s in shown["sections"] for i in s["items"]}
    assert "read_me" not in items  # an information item: nothing to show of it
    # What `show --json` prints is what `answer` takes back.
    again = [f"{k}={json.dumps(items[k]['value'])}" for k in ("greeted", "clarity", "called")]
    ok(capsys, "audits", "answer", audit_id, *again)
    assert values(ctx, audit_id) == saved
    ok(capsys, "audits", "answer", audit_id, "clarity=null")
    assert "clarity" not in values(ctx, audit_id) or values(ctx, audit_id)["clarity"] is None


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["greeted=yes", "clarity=9"], "clarity"),
        (["greeted=perhaps"], "greeted"),
        (["nosuch=1"], "nosuch"),
        (["greeted=yes", "read_me=yes"], "read_me: an information item is read, not answered"),
        (["read_me=null"], "read_me: an information item is read, not answered"),
        (["--note", "read_me=seen"], "read_me: an information item is read, not answered"),
        (["greeted"], "ITEM=VALUE"),
        (["--note", "greeted"], "ITEM=TEXT"),
        ([], "ITEM=VALUE"),
    ],
)
def test_one_bad_value_is_named_and_nothing_is_saved(
    capsys: pytest.CaptureFixture[str],
    ctx: AppContext,
    tmp_path: Path,
    args: list[str],
    named: str,
) -> None:
    audit_id = new_audit(ctx, tmp_path)
    line = user_error(capsys, "audits", "answer", audit_id, *args)
    assert named in line
    assert values(ctx, audit_id) == {}


def test_complete_names_what_is_missing_then_completes(
    capsys: pytest.CaptureFixture[str], ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx, tmp_path)
    assert "Were you greeted?" in user_error(capsys, "audits", "complete", audit_id)
    ok(capsys, "audits", "answer", audit_id, "greeted=no")
    out = ok(capsys, "audits", "complete", audit_id)
    assert "is completed" in out
    assert load_audit(engine=ctx.engine, audit_id=audit_id).audit.status == "completed"
    assert "completed" in user_error(capsys, "audits", "answer", audit_id, "greeted=yes")
    assert values(ctx, audit_id)["greeted"] == "no"


@pytest.mark.postgres
def test_a_shopper_answers_and_completes_their_audit_on_the_team_database(
    capsys: pytest.CaptureFixture[str], as_jan: tuple[AppContext, str], tmp_path: Path
) -> None:
    ctx, company_id = as_jan
    from shopper.services.templates import list_templates

    phone = list_templates(engine=ctx.engine, touchpoint="phone")[0]
    audit_id = start_audit(engine=ctx.engine, company_id=company_id, template_id=phone.id).id
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    required = [i for i in detail.template.items() if i.required]
    assert required[0].prompt in user_error(
        capsys, "--db", ctx.db_url, "audits", "complete", audit_id
    )
    answers = [f"{item.id}={json.dumps(perfect_answer(item))}" for item in required]
    ok(capsys, "--db", ctx.db_url, "audits", "answer", audit_id, *answers)
    out = ok(capsys, "--db", ctx.db_url, "audits", "complete", audit_id, "--wait")
    assert "completed" in out or "awaits follow-up" in out


def test_attach_keeps_the_file_as_the_app_does_and_refuses_in_one_line(
    capsys: pytest.CaptureFixture[str], ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx, tmp_path)
    photo = tmp_path / "desk.png"
    photo.write_bytes(png(5))
    out = ok(capsys, "audits", "attach", audit_id[:8], str(photo), "--item", "greeted")
    digest = hashlib.sha256(png(5)).hexdigest()
    assert out.strip() == f"Attached desk.png to greeted: image, sha256 {digest[:12]}"
    ok(capsys, "audits", "attach", audit_id, str(photo), "--caption", "the desk")
    detail = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert sorted((e.item_id or "", e.sha256, e.caption) for e in detail.evidence) == [
        ("", digest, "the desk"),
        ("greeted", digest, ""),
    ]
    assert verify_stored(ctx.data_dir, digest, "png")

    fake = tmp_path / "fake.png"
    fake.write_bytes(b"not a picture at all")
    user_error(capsys, "audits", "attach", audit_id, str(fake))
    assert "no such item" in user_error(
        capsys, "audits", "attach", audit_id, str(photo), "--item", "nope"
    )
    assert "missing.png" in user_error(
        capsys, "audits", "attach", audit_id, str(tmp_path / "missing.png")
    )
    ok(capsys, "audits", "answer", audit_id, "greeted=yes")
    ok(capsys, "audits", "complete", audit_id)
    user_error(capsys, "audits", "attach", audit_id, str(photo))
    assert len(load_audit(engine=ctx.engine, audit_id=audit_id).evidence) == 2
