"""On a team database the said-no log and feedback are a manager's: a shopper is told so in
one line (the database's policies refuse it anyway), and reads no feedback not shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopper.domain.errors import ShopperError
from shopper.services import feedback, said_no
from shopper.services.context import AppContext


def test_a_shopper_is_refused_with_a_message(
    as_jan: tuple[AppContext, str], tmp_path: Path
) -> None:
    ctx, _company = as_jan
    with pytest.raises(ShopperError, match="only a manager may start a said-no log"):
        said_no.start_campaign(engine=ctx.engine, company="Northwind")
    with pytest.raises(ShopperError, match="only a manager may see or change the said-no log"):
        said_no.summary(engine=ctx.engine, company="Northwind")
    sheet = tmp_path / "desk.csv"
    sheet.write_text("text\nSlow\n", encoding="utf-8")
    with pytest.raises(ShopperError, match="only a manager may import feedback"):
        feedback.import_feedback(
            engine=ctx.engine, path=sheet, company="Northwind", kind="complaint"
        )
    with pytest.raises(ShopperError, match="only a manager may change the keyword rules"):
        feedback.save_rules(engine=ctx.engine, text="speed: slow\n")
    assert feedback.list_items(engine=ctx.engine, company="Northwind") == []
