"""A small, hand-made history for the analysis tests: four audits of one store, one elsewhere.

Acme Stores, store visits on "Store check" (version 1, then version 2 which
drops `wait` and adds `smile`):

| audit | day | version | clean | greet | wait | smile | score | notes and moments |
|---|---|---|---|---|---|---|---|---|
| A1 | 0 | 1 | yes | yes | 1:00 (0.83) | — | 95.83 | note "Spotless" on clean; remark |
| A2 | 30 | 1 | no | yes | 3:00 (0.17) | — | 29.17 | note "Dusty shelves" on clean |
| A3 | 60 | 2 | yes | no (critical) | — | yes | 75 | bad moment on greet, friction, good |
| A4 | 75 | 2 | yes (in progress) | | | | | |

Plus one completed audit of another company, so filters have something to leave out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
ZONE = "Europe/Warsaw"

STORE_V1 = """\
format: 1
id: 7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
version: 1
title: Store check
touchpoint: store
sections:
  - id: visit
    title: The visit
    items:
      - {id: clean, prompt: "Was the shop clean?", type: yes_no, weight: 2, theme: brand}
      - {id: greet, prompt: "Were you greeted?", type: yes_no, critical: true, theme: empathy}
      - id: wait
        prompt: Time until served
        type: duration
        target: {good: "0:30", bad: "3:30"}
        theme: speed
      - {id: remark, prompt: "Anything else?", type: text}
"""

STORE_V2 = """\
format: 1
id: 7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
version: 2
title: Store check
touchpoint: store
sections:
  - id: visit
    title: The visit
    items:
      - {id: clean, prompt: "Was the shop clean?", type: yes_no, weight: 2, theme: brand}
      - {id: greet, prompt: "Were you greeted?", type: yes_no, critical: true, theme: empathy}
      - {id: smile, prompt: "Did they smile?", type: yes_no, theme: empathy}
      - {id: remark, prompt: "Anything else?", type: text}
"""


@dataclass(frozen=True)
class History:
    company_id: str
    other_company_id: str
    audits: dict[str, str]
    """A1..A4 and "other" -> audit id."""


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=5)
        return self.now


def _run(
    ctx: AppContext,
    *,
    company_id: str,
    template_id: str,
    version: int,
    day: int,
    answers: dict[str, Any],
    notes: dict[str, str] | None = None,
    moments: tuple[tuple[str, str, str | None], ...] = (),
    complete: bool = True,
    shopper: str = "Ana",
) -> str:
    started = T0 + timedelta(days=day)
    audit = start_audit(
        engine=ctx.engine,
        company_id=company_id,
        template_id=template_id,
        template_version=version,
        shopper=shopper,
        zone=ZONE,
        at=started,
    )
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone=ZONE, clock=Clock(started))
    for item_id, value in answers.items():
        runner.set_answer(item_id, value)
    for item_id, note in (notes or {}).items():
        runner.set_note(item_id, note)
    for kind, text, linked in moments:
        runner.add_moment(kind, note=text, item_id=linked)
    if complete:
        runner.complete()
    return audit.id


def build_history(ctx: AppContext, folder: Path) -> History:
    v1, v2 = folder / "store-v1.yaml", folder / "store-v2.yaml"
    v1.write_text(STORE_V1, encoding="utf-8")
    v2.write_text(STORE_V2, encoding="utf-8")
    template_id = import_template_file(engine=ctx.engine, path=v1).id
    import_template_file(engine=ctx.engine, path=v2)
    acme = create_company(engine=ctx.engine, data=CompanyInput(name="Acme Stores", timezone=ZONE))
    other = create_company(engine=ctx.engine, data=CompanyInput(name="Other Shop"))
    run = _run
    audits = {
        "A1": run(
            ctx,
            company_id=acme.id,
            template_id=template_id,
            version=1,
            day=0,
            answers={"clean": "yes", "greet": "yes", "wait": "1:00", "remark": "All good"},
            notes={"clean": "Spotless"},
        ),
        "A2": run(
            ctx,
            company_id=acme.id,
            template_id=template_id,
            version=1,
            day=30,
            answers={"clean": "no", "greet": "yes", "wait": "3:00"},
            notes={"clean": "Dusty shelves"},
            shopper="Tom",
        ),
        "A3": run(
            ctx,
            company_id=acme.id,
            template_id=template_id,
            version=2,
            day=60,
            answers={"clean": "yes", "greet": "no", "smile": "yes"},
            moments=(
                ("bad", "Ignored at the counter", "greet"),
                ("friction", "Door stuck", None),
                ("good", "Free coffee", None),
            ),
        ),
        "A4": run(
            ctx,
            company_id=acme.id,
            template_id=template_id,
            version=2,
            day=75,
            answers={"clean": "yes"},
            complete=False,
        ),
        "other": run(
            ctx,
            company_id=other.id,
            template_id=template_id,
            version=2,
            day=10,
            answers={"clean": "no", "greet": "yes", "smile": "no"},
        ),
    }
    return History(acme.id, other.id, audits)
