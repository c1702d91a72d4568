"""Evidence bytes in the team database (`evidence_blob`): written once, read by hash.

Who may read or add a row is the database's decision (row-level security, see
`shopper.store.team`): a shopper reads only the bytes their own audits cite.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, select

from shopper.store.tables import EvidenceBlob


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
