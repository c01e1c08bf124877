"""Fixtures: a migrated database per test (SQLite or PostgreSQL), app, clients, sign-in."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.extensions import db
from tests import factories

TEST_DB = os.environ.get("PORTAL_TEST_DB", "sqlite")
IS_POSTGRES = TEST_DB.startswith("postgresql")
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "correct horse battery staple"


def pytest_report_header(config):
    return f"portal test database: {'postgresql' if IS_POSTGRES else 'sqlite'}"


def _base_overrides(instance_dir: Path, url: str) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": "test-secret-key-" + "x" * 40,
        "PORTAL_KEY_SECRET": "test-key-secret-" + "y" * 40,
        "SQLALCHEMY_DATABASE_URI": url,
        # OWASP's minimum argon2id parameters: still "at or above", and quick.
        "ARGON2_TIME_COST": 2,
        "ARGON2_MEMORY_COST": 19456,
        "ARGON2_PARALLELISM": 1,
        "SERVER_NAME": None,
    }


def _migrate(url: str, instance_dir: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_base_overrides(instance_dir, url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _load_reference(url: str, instance_dir: Path) -> None:
    from portal.curricula.loader import load_reference

    app = create_app(_base_overrides(instance_dir, url))
    with app.app_context():
        load_reference()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def reference_template(migrated_template, tmp_path_factory):
    """A copy of the migrated SQLite template with the shipped reference data loaded."""
    if IS_POSTGRES:
        return None
    root = tmp_path_factory.mktemp("refdb")
    template = root / "reference.db"
    shutil.copyfile(migrated_template, template)
    _load_reference(f"sqlite:///{template}", root)
    with closing(sqlite3.connect(template)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(template)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Run the migrations once per session; tests start from a copy (SQLite) or a truncate."""
    root = tmp_path_factory.mktemp("db")
    if IS_POSTGRES:
        engine = create_engine(TEST_DB)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(TEST_DB, root)
        return TEST_DB
    template = root / "template.db"
    _migrate(f"sqlite:///{template}", root)
    with closing(sqlite3.connect(template)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(template)


@pytest.fixture
def database_url(request, migrated_template, tmp_path):
    """A clean migrated database; with the shipped reference data if the test asks for it."""
    with_reference = "reference" in request.fixturenames
    if IS_POSTGRES:
        engine = create_engine(TEST_DB)
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        if with_reference:
            _load_reference(TEST_DB, tmp_path)
        return TEST_DB
    source = request.getfixturevalue("reference_template") if with_reference else migrated_template
    target = tmp_path / "portal.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def reference():
    """Request this fixture to start from the shipped reference data (systems, tables)."""
    return True


@pytest.fixture
def app_factory(database_url, tmp_path):
    """Return a function building apps on the test database; their engines close at teardown."""
    made = []

    def _make(**overrides):
        app = create_app({**_base_overrides(tmp_path, database_url), **overrides})
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token of its first form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    """Post the login form and return the response."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def world(app):
    """Two jurisdictions, two schools and one account per role."""
    with app.app_context():
        built = factories.build_world()
        db.session.commit()
        return built


@pytest.fixture
def login_as(app, world):
    """Return a function that signs a fresh client in as a role of the world."""

    def _login(role: str, *, client=None):
        client = client or app.test_client()
        email = world.emails[role]
        response = sign_in(client, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


@pytest.fixture
def bearer(app, world):
    """Return a function giving Authorization headers with a fresh token for a role."""
    from portal.auth.services import create_api_token, find_user_by_email

    def _headers(role: str) -> dict[str, str]:
        with app.app_context():
            _token, secret = create_api_token(find_user_by_email(world.emails[role]), "t", None)
            db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _headers
