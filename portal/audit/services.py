"""Write and verify audit entries in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator

from flask import g, has_request_context
from sqlalchemy import select, text

from portal.audit.domain import GENESIS_HASH, ChainLink, ChainReport, chain_hash, verify_chain
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.extensions import db

# Any constant works; it only has to be the same for every writer of the chain.
_PG_CHAIN_LOCK = 7_274_001


def _lock_chain_head() -> str:
    """Serialise writers of the chain and return the current head hash."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    # SQLite transactions begin IMMEDIATE, so the writer already holds the database lock.
    head = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    return head or GENESIS_HASH


def record(
    action: str,
    entity: str | None = None,
    entity_id: str | None = None,
    *,
    actor=None,
    details: dict | None = None,
) -> AuditEntry:
    """Append an audit entry to the current transaction; it commits or rolls back with it."""
    if actor is None and has_request_context():
        actor = g.get("audit_actor")
    entry = AuditEntry(
        at=utcnow(),
        actor_id=getattr(actor, "public_id", None),
        actor_role=getattr(actor, "role", None),
        action=action,
        entity=entity,
        entity_id=entity_id,
        request_id=g.get("request_id") if has_request_context() else None,
        details=details or {},
    )
    entry.prev_hash = _lock_chain_head()
    entry.hash = chain_hash(entry.prev_hash, entry.chain_fields())
    db.session.add(entry)
    db.session.flush()
    return entry


def _links(batch: int = 5000) -> Iterator[ChainLink]:
    last = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield ChainLink(row.seq, row.prev_hash, row.hash, row.chain_fields())
        last = rows[-1].seq
        db.session.expunge_all()


def verify_audit_chain() -> ChainReport:
    """Check every entry of the audit chain in order."""
    return verify_chain(_links())


def entries_for(entity: str, entity_id: str, limit: int = 200) -> list[AuditEntry]:
    """Return the newest audit entries about one object."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
    )
