"""Fixtures: a migrated database per test (SQLite or PostgreSQL), app, clients, sign-in."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

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
    """A migrated template with the shipped reference data loaded (SQLite file or PG database)."""
    root = tmp_path_factory.mktemp("refdb")
    if IS_POSTGRES:
        _pg_admin(f"CREATE DATABASE {PG_REFERENCE} TEMPLATE {PG_TEMPLATE}")
        _load_reference(_pg_url(PG_REFERENCE), root)
        return PG_REFERENCE
    template = root / "reference.db"
    shutil.copyfile(migrated_template, template)
    _load_reference(f"sqlite:///{template}", root)
    with closing(sqlite3.connect(template)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(template)


# On PostgreSQL each test gets a fresh database cloned from a migrated template: cloning is
# quicker than truncating every table and reloading the reference data for each test.
_BASE = make_url(TEST_DB).database if IS_POSTGRES else ""
PG_TEMPLATE, PG_REFERENCE, PG_RUN = f"{_BASE}_tmpl", f"{_BASE}_tmpl_ref", f"{_BASE}_run"


def _pg_url(database: str) -> str:
    return make_url(TEST_DB).set(database=database).render_as_string(hide_password=False)


def _pg_admin(*statements: str) -> None:
    engine = create_engine(TEST_DB, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Run the migrations once per session; tests start from a copy of the result."""
    root = tmp_path_factory.mktemp("db")
    if IS_POSTGRES:
        _pg_admin(
            *(
                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                for name in (PG_RUN, PG_REFERENCE, PG_TEMPLATE)
            ),
            f"CREATE DATABASE {PG_TEMPLATE}",
        )
        _migrate(_pg_url(PG_TEMPLATE), root)
        yield PG_TEMPLATE
        _pg_admin(
            *(
                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                for name in (PG_RUN, PG_REFERENCE, PG_TEMPLATE)
            )
        )
        return
    template = root / "template.db"
    _migrate(f"sqlite:///{template}", root)
    with closing(sqlite3.connect(template)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield str(template)


@pytest.fixture
def database_url(request, migrated_template, tmp_path):
    """A clean migrated database; with the shipped reference data if the test asks for it."""
    with_reference = "reference" in request.fixturenames
    source = request.getfixturevalue("reference_template") if with_reference else migrated_template
    if IS_POSTGRES:
        _pg_admin(
            f"DROP DATABASE IF EXISTS {PG_RUN} WITH (FORCE)",
            f"CREATE DATABASE {PG_RUN} TEMPLATE {source}",
        )
        return _pg_url(PG_RUN)
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
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
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
