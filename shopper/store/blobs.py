"""Evidence bytes in the team database (`evidence_blob`): written once, read by hash.

Who may read or add a row is the database's decision (row-level security, see
`shopper.store.team`): a shopper reads only the bytes their own audits cite.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, inspect
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, SQLModel, col, select

from shopper.store.tables import Evidence, EvidenceBlob

BLOB = "evidence_blob"


def insert_blob(*, session: Session, sha256: str, media_type: str, data: bytes) -> None:
    """Keep the bytes under their hash unless a row already holds them.

    ON CONFLICT DO NOTHING: the bytes of a hash never change, so an existing row is not
    rewritten, and two shoppers attaching the same photo at once both succeed.
    """
    statement = (
        insert(EvidenceBlob)
        .values(sha256=sha256, media_type=media_type, size=len(data), data=data)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    session.execute(statement)


def read_blob(*, session: Session, sha256: str) -> bytes | None:
    """The bytes kept under a hash, or None when there are none this login may read."""
    found = session.exec(select(EvidenceBlob.data).where(EvidenceBlob.sha256 == sha256)).first()
    return bytes(found) if found is not None else None


def has_blob_table(conn: Connection) -> bool:
    """Whether the database keeps evidence bytes (schema revision 0002 or newer)."""
    return inspect(conn).has_table(BLOB)


def missing_blobs(*, session: Session) -> list[tuple[str, str]]:
    """(sha256, extension) of the evidence this login may read whose bytes are not in the
    database (attached before evidence lived there, or kept only in a data folder), by hash."""
    has_blob = select(EvidenceBlob.sha256).where(col(EvidenceBlob.sha256) == col(Evidence.sha256))
    rows = session.exec(
        select(Evidence.sha256, func.min(Evidence.extension))
        .where(~has_blob.exists())
        .group_by(col(Evidence.sha256))
        .order_by(col(Evidence.sha256))
    )
    return [(str(sha256), str(extension)) for sha256, extension in rows]


@dataclass(frozen=True)
class BlobCheck:
    """What the database holds for the evidence this login may read (see `check_blobs`)."""

    cited: int
    """Distinct hashes cited by evidence rows."""
    ok: int
    missing: list[str]
    """Hashes cited by evidence with no bytes in the database."""
    damaged: list[str]
    """Hashes whose stored bytes are not theirs: another sha256, or another size than the
    row says."""
    wrong_size: list[str]
    """Hashes whose evidence rows record another size than the stored bytes have."""


def check_blobs(*, session: Session) -> BlobCheck:
    """Check on the server every stored blob the evidence cites: its bytes' sha256 is its key,
    its size is theirs and the evidence's; no bytes travel to this machine."""
    evidence, blob = SQLModel.metadata.tables["evidence"], SQLModel.metadata.tables[BLOB]
    cited = (
        core_select(
            evidence.c.sha256,
            func.min(evidence.c.size).label("low"),
            func.max(evidence.c.size).label("high"),
        )
        .group_by(evidence.c.sha256)
        .subquery()
    )
    statement = (
        core_select(
            cited.c.sha256,
            blob.c.sha256.label("stored"),
            (func.encode(func.sha256(blob.c.data), "hex") == blob.c.sha256).label("same_hash"),
            (func.octet_length(blob.c.data) == blob.c.size).label("same_size"),
            ((cited.c.low == blob.c.size) & (cited.c.high == blob.c.size)).label("rows_agree"),
        )
        .select_from(cited.outerjoin(blob, blob.c.sha256 == cited.c.sha256))
        .order_by(cited.c.sha256)
    )
    rows = session.execute(statement).all()
    missing, damaged, wrong_size = [], [], []
    for cited, stored, same_hash, same_size, rows_agree in rows:
        if stored is None:
            missing.append(str(cited))
        elif not (same_hash and same_size):
            damaged.append(str(cited))
        elif not rows_agree:
            wrong_size.append(str(cited))
    ok = len(rows) - len(missing) - len(damaged) - len(wrong_size)
    return BlobCheck(len(rows), ok, missing, damaged, wrong_size)
