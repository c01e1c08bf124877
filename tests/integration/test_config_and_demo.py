"""Configuration safety, demo data and schema migrations."""

from __future__ import annotations

import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.config import ConfigError, load_config
from portal.demo.services import DEMO_ACCOUNTS
from portal.extensions import db
from portal.schools.models import School
from tests.conftest import sign_in

STRONG = "k" * 48


@pytest.mark.parametrize(
    ("secret", "key_secret"),
    [("", STRONG), ("short", STRONG), ("changeme", STRONG), (STRONG, ""), (STRONG, "tiny")],
    ids=["no-secret", "short-secret", "weak-secret", "no-key-secret", "short-key-secret"],
)
def test_production_refuses_to_start_without_strong_secrets(tmp_path, secret, key_secret):
    with pytest.raises(ConfigError):
        load_config(
            {
                "PORTAL_ENV": "production",
                "SECRET_KEY": secret,
                "PORTAL_KEY_SECRET": key_secret,
                "INSTANCE_DIR": str(tmp_path),
            }
        )


def test_production_secure_cookie_defaults(tmp_path):
    cfg = load_config(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": STRONG,
            "PORTAL_KEY_SECRET": STRONG,
            "INSTANCE_DIR": str(tmp_path),
        }
    )
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_NAME"] == "__Host-portal"
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_secret_is_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config({"INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_database_defaults_to_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    cfg = load_config({"INSTANCE_DIR": str(tmp_path)})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"


def _counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, School, AuditEntry)
    )


def test_seed_demo_is_idempotent_and_accounts_sign_in(app, runner):
    first = runner.invoke(args=["portal", "seed-demo"])
    assert first.exit_code == 0
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output
    with app.app_context():
        after_first = _counts()
    assert runner.invoke(args=["portal", "seed-demo"]).exit_code == 0
    with app.app_context():
        assert _counts() == after_first
        ministries = db.session.scalars(select(User).where(User.role == "ministry_official")).all()
        assert {u.jurisdiction.code for u in ministries} == {"DE-NW"}
        schools = {
            u.email: u.school
            for u in db.session.scalars(select(User).where(User.role == "school_admin"))
        }
        assert schools["school-a@demo.example"] != schools["school-b@demo.example"]
        assert {s.jurisdiction.code for s in schools.values()} == {"DE-NW"}
    r = sign_in(app.test_client(), "guardian@demo.example", "demo-passport-2026")
    assert r.status_code == 302


def test_seed_demo_refused_in_production(app_factory):
    app = app_factory(PORTAL_ENV="production")
    result = app.test_cli_runner().invoke(args=["portal", "seed-demo"])
    assert result.exit_code == 1
    assert "never created in production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_migrations_match_the_models(app):
    with app.app_context():
        context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
