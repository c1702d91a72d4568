"""team.json: the team database a data folder is linked to, never with a password."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from shopper.domain.errors import ShopperError
from shopper.services.connect import TeamTarget
from shopper.services.team_link import forget_link, link_path, load_link, save_link


def test_a_link_is_saved_privately_read_back_and_forgotten(tmp_path: Path) -> None:
    target = TeamTarget.parse("postgresql://jan@db.example.com/shopper", "require")
    path = save_link(tmp_path, target)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_link(tmp_path) == target
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    assert forget_link(tmp_path) and load_link(tmp_path) is None
    assert not forget_link(tmp_path)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("{not json", "team.json"),
        (json.dumps({"format": 9, "target": "shop"}), "format"),
        (json.dumps({"format": 1, "target": 5}), "text"),
        (json.dumps({"format": 1, "target": "postgresql://jan:pw@db/shop"}), "password"),
        ("x" * 70_000, "too large"),
    ],
)
def test_a_file_shopper_did_not_write_is_named_in_one_line(
    tmp_path: Path, content: str, named: str
) -> None:
    link_path(tmp_path).write_text(content, encoding="utf-8")
    with pytest.raises(ShopperError) as info:
        load_link(tmp_path)
    assert named in str(info.value) and "\n" not in str(info.value)
