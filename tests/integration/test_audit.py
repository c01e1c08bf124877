"""The audit chain: one entry per write, same transaction, append-only, tamper-evident."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from portal.audit.models import AuditEntry
from portal.audit.services import record, verify_audit_chain
from portal.extensions import db
from portal.schools.models import Jurisdiction, School
from tests.conftest import IS_POSTGRES, csrf_token


def _bypass_append_only(conn) -> None:
    """Drop the guard as a database superuser would, to simulate tampering."""
    if IS_POSTGRES:
        conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
    else:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))


def _seed_entries(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            record("test.event", "thing", f"id-{i}", details={"i": i})
        db.session.commit()


def test_write_through_ui_records_one_entry_with_actor_and_request_id(app, login_as, world):
    c = login_as("system_admin")
    with app.app_context():
        before = db.session.scalar(select(func.max(AuditEntry.seq)))
    r = c.post(
        "/admin/schools/new",
        data={
            "name": "Audited school",
            "city": "Aachen",
            "jurisdiction": "DE-NW",
            "csrf_token": csrf_token(c, "/admin/schools/new"),
        },
    )
    assert r.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
        school = db.session.scalar(select(School).where(School.name == "Audited school"))
        assert [(e.action, e.entity, e.entity_id, e.actor_id, e.actor_role) for e in rows] == [
            (
                "school.created",
                "school",
                school.public_id,
                world.ids["system_admin"],
                "system_admin",
            )
        ]
        assert len(rows[0].request_id) == 16


def test_audit_entry_rolls_back_with_the_change(app):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
        db.session.add(Jurisdiction(code="XX", country="XX", names={}, authority={}))
        record("jurisdiction.created", "jurisdiction", "XX")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_audit_rows_cannot_be_updated_or_deleted(app):
    _seed_entries(app, 2)
    with app.app_context():
        for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_audit_verify_reports_intact_chain(app, runner):
    _seed_entries(app, 5)
    result = runner.invoke(args=["portal", "audit-verify"])
    assert result.exit_code == 0
    assert "audit chain intact" in result.output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "'login'"),
        ("entity_id", "'other'"),
        ("details", "'{}'"),
        ("actor_id", "'someone'"),
    ],
    ids=["action", "entity_id", "details", "actor"],
)
@pytest.mark.parametrize("seq", [1, 5, 10], ids=["first", "middle", "last"])
def test_audit_verify_finds_edited_row(app, runner, column, value, seq):
    _seed_entries(app, 10)
    with app.app_context():
        conn = db.session.connection()
        _bypass_append_only(conn)
        # Test-controlled identifiers only (from the parametrize table above).
        statement = f"UPDATE audit_entries SET {column} = {value} WHERE seq = :seq"  # noqa: S608
        conn.execute(text(statement), {"seq": seq})
        db.session.commit()
    result = runner.invoke(args=["portal", "audit-verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {seq} (content_mismatch)" in result.output


def test_audit_verify_finds_deleted_row(app):
    _seed_entries(app, 10)
    with app.app_context():
        conn = db.session.connection()
        _bypass_append_only(conn)
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
        db.session.commit()
        report = verify_audit_chain()
    assert (report.first_broken_seq, report.reason, report.checked) == (5, "prev_hash_mismatch", 3)
