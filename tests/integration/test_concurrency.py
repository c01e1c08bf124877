"""Several worker processes at once: the login limit and the audit chain stay exact."""

from __future__ import annotations

import multiprocessing as mp

from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.audit.services import verify_audit_chain
from portal.auth.models import User
from portal.extensions import db

WORKERS = 3


def _wrong_logins(database_url: str, instance_dir: str, email: str, attempts: int) -> None:
    from portal import create_app
    from tests.conftest import _base_overrides, sign_in

    app = create_app(_base_overrides(instance_dir, database_url))
    for _ in range(attempts):
        sign_in(app.test_client(), email, "wrong-password-123")


def _audit_writes(database_url: str, instance_dir: str, n: int) -> None:
    from portal import create_app
    from portal.audit.services import record
    from tests.conftest import _base_overrides

    app = create_app(_base_overrides(instance_dir, database_url))
    with app.app_context():
        for i in range(n):
            record("test.concurrent", "thing", str(i))
            db.session.commit()


def _run(target, *args) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=target, args=args) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0


def test_lockout_counts_exactly_five_failures_across_processes(app, world, database_url, tmp_path):
    _run(_wrong_logins, database_url, str(tmp_path), world.emails["guardian"], 4)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.emails["guardian"]))
        evaluated = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "auth.login_failed", AuditEntry.entity_id == user.public_id)
        )
        refused = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "auth.login_refused_locked")
        )
    assert user.failed_logins == 5
    assert user.locked_until is not None
    assert (evaluated, refused) == (5, WORKERS * 4 - 5)


def test_audit_chain_stays_linear_under_concurrent_writers(app, database_url, tmp_path):
    _run(_audit_writes, database_url, str(tmp_path), 25)
    with app.app_context():
        report = verify_audit_chain()
    assert report.ok
    assert report.checked == WORKERS * 25
