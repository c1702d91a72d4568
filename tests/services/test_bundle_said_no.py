"""Bundles carry the said-no logs and feedback of their companies: merged without
duplicates, every field checked, a bundle without them read as before."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

from shopper.services import feedback, said_no
from shopper.services.bundle_zip import BundleError
from shopper.services.bundles import export_bundle, import_bundle
from shopper.services.companies import list_companies
from shopper.services.context import AppContext
from tests.data_helpers import new_counts_audit


def filled(ctx: AppContext, tmp_path: Path) -> str:
    audit_id = new_counts_audit(ctx, tmp_path, company="Northwind")
    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    said_no.add_entry(
        engine=ctx.engine, company="Northwind", data=said_no.SaidNoInput("Soup", "not-offered")
    )
    sheet = tmp_path / "desk.csv"
    sheet.write_text("text,score\nSlow reply,2\n", encoding="utf-8")
    feedback.import_feedback(engine=ctx.engine, path=sheet, company="Northwind", kind="feedback")
    feedback.share_feedback(engine=ctx.engine, company="Northwind")
    return audit_id


def test_a_bundle_carries_the_log_and_feedback_once(ctx: AppContext, tmp_path: Path) -> None:
    audit_id = filled(ctx, tmp_path)
    bundle = tmp_path / "out.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    other = AppContext.open(tmp_path / "other")
    try:
        first = import_bundle(engine=other.engine, data_dir=other.data_dir, path=bundle)
        assert (first.said_no.campaigns, first.said_no.entries, first.said_no.feedback) == (1, 1, 1)
        assert "Said-no logs: 1 added, with 1 entries" in "\n".join(first.lines())
        again = import_bundle(engine=other.engine, data_dir=other.data_dir, path=bundle)
        assert not again.changed
        summary = said_no.summary(engine=other.engine, company="Northwind")
        assert [e.asked for e in summary.entries] == ["Soup"]
        [item] = feedback.list_items(engine=other.engine, company="Northwind")
        assert (item.text, item.score, item.themes, item.shared) == (
            "Slow reply",
            2.0,
            ("speed",),
            False,  # sharing is each manager's own choice
        )
    finally:
        other.close()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda m: m["entries"][0].update(reason="because"), "entries[0].reason"),
        (lambda m: m["entries"][0].update(campaign_id="nope"), "entries[0].campaign_id"),
        (lambda m: m["feedback"][0].update(company_id="other"), "feedback[0].company_id"),
        (lambda m: m["feedback"][0].update(text=None), "feedback[0].text"),
        (lambda m: m["feedback"][0].update(score="lots"), "feedback[0].score"),
        (lambda m: m["campaigns"][0].update(days=0), "campaigns[0].days"),
    ],
)
def test_a_hostile_member_is_refused_naming_the_field(
    ctx: AppContext, tmp_path: Path, change: object, field: str
) -> None:
    audit_id = filled(ctx, tmp_path)
    bundle = tmp_path / "out.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    bad = tmp_path / "bad.shopper"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(bad, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            data = source.read(name)
            if name == "said_no.json":
                member = json.loads(data)
                change(member)  # type: ignore[operator]
                data = json.dumps(member).encode()
                manifest["members"][name] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
            if name != "manifest.json":
                target.writestr(name, data)
        target.writestr("manifest.json", json.dumps(manifest))
    other = AppContext.open(tmp_path / "other")
    try:
        with pytest.raises(BundleError, match=re.escape(f"said_no.json.{field}: ")):
            import_bundle(engine=other.engine, data_dir=other.data_dir, path=bad)
        assert list_companies(engine=other.engine) == []  # nothing changed
    finally:
        other.close()
