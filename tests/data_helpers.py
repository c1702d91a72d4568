"""Helpers for the data-safety tests: damaged files, byte snapshots, small audits."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from datetime import datetime
from io import BytesIO
from pathlib import Path

from PIL import Image

from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.templates import import_template_file

FIXTURES = Path(__file__).with_name("fixtures")

COUNTS_TEMPLATE = """\
format: 1
id: 5e1f0c6a-9d2b-4c7e-8f3a-c0a7e5d1b001
version: 1
title: Counts and notes
touchpoint: phone
sections:
  - id: main
    title: Main
    items:
{items}
      - id: remark
        prompt: Anything else?
        type: text
"""
COUNT_ITEMS = tuple(f"c{n}" for n in range(1, 7))


def counts_template(folder: Path) -> Path:
    """A template of six count items and a text item: values that only ever grow."""
    items = "".join(
        f"      - id: {item}\n        prompt: Count {item}\n        type: count\n"
        for item in COUNT_ITEMS
    )
    path = folder / "counts.yaml"
    path.write_text(COUNTS_TEMPLATE.format(items=items), encoding="utf-8")
    return path


def new_counts_audit(ctx: AppContext, folder: Path, *, company: str = "Durable Ltd") -> str:
    template = import_template_file(engine=ctx.engine, path=counts_template(folder))
    made = create_company(engine=ctx.engine, data=CompanyInput(name=company))
    audit = start_audit(engine=ctx.engine, company_id=made.id, template_id=template.id)
    return audit.id


FOLLOW_UP_TEMPLATE = """\
format: 1
id: 0b6f7a52-3f55-4d8e-9a71-3c1e5e0c9d11
version: 1
title: Call with a follow-up
touchpoint: phone
sections:
  - id: call
    title: The call
    items:
      - {id: greeted, prompt: Were you greeted?, type: yes_no, required: true}
      - {id: solved, prompt: Was it solved?, type: yes_no, required: true}
  - id: later
    title: Afterwards
    items:
      - id: follow_up
        prompt: Did they follow up within five working days?
        type: yes_no
        required: true
        later: {working_days: 5}
      - {id: how, prompt: How?, type: text, show_if: {item: follow_up, equals: yes}}
"""


def new_follow_up_audit(
    ctx: AppContext, folder: Path, *, at: datetime, zone: str = "Europe/Warsaw"
) -> str:
    """An audit of FOLLOW_UP_TEMPLATE at Blue Harbor Bank (open Monday to Friday, 9-17)."""
    path = folder / "follow.yaml"
    path.write_text(FOLLOW_UP_TEMPLATE, encoding="utf-8")
    template = import_template_file(engine=ctx.engine, path=path)
    company = create_company(
        engine=ctx.engine, data=CompanyInput(name="Blue Harbor Bank", timezone=zone)
    )
    audit = start_audit(
        engine=ctx.engine,
        company_id=company.id,
        template_id=template.id,
        shopper="Ana",
        zone=zone,
        at=at,
    )
    return audit.id


def damage(path: Path, page: int = 3) -> None:
    """Overwrite one page in the middle of a SQLite file with garbage (the header survives)."""
    with closing(sqlite3.connect(path)) as connection:
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        connection.execute("PRAGMA journal_mode=DELETE")  # no WAL left to replay over the damage
    with path.open("r+b") as handle:
        handle.seek(size * (page - 1))
        handle.write(bytes(range(256)) * (size // 256))


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under a folder.

    Left out: shared-memory index files, and an empty write-ahead log (a reader
    of a WAL database creates one; it holds nothing).
    """
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not p.name.endswith("-shm")
        and not (p.name.endswith("-wal") and p.stat().st_size == 0)
    }


def integrity(path: Path) -> list[str]:
    """`PRAGMA integrity_check` on a read-only connection: ["ok"], or what is wrong."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        try:
            return [row[0] for row in connection.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]


def count_rows(path: Path, table: str) -> int:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def scalar(path: Path, sql: str) -> object:
    """One value from a read-only query."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        return connection.execute(sql).fetchone()[0]


def png(seed: int, size: tuple[int, int] = (4, 3)) -> bytes:
    """A small, valid PNG whose bytes differ for each seed."""
    buffer = BytesIO()
    Image.new("RGB", size, (seed % 256, (seed // 256) % 256, 7)).save(buffer, "PNG")
    return buffer.getvalue()


def make_backup_file(data_dir: Path) -> Path:
    """A backup of the data folder's database in its backups folder; returns its path."""
    from shopper.services.backups import make_backup

    ctx = AppContext.open(data_dir)
    try:
        return make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual").path
    finally:
        ctx.close()
