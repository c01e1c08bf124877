"""Personal API tokens: shown once, stored hashed, bearer only, exactly the user's rights."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from portal.auth.domain import token_digest
from portal.auth.models import ApiToken
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import csrf_token


def _create_token(c, name="SIS sync", expires="90") -> str:
    r = c.post(
        "/account/tokens",
        data={"name": name, "expires": expires, "csrf_token": csrf_token(c, "/account")},
    )
    assert r.status_code == 200
    return re.search(r'id="token-secret"[^>]*>(lp_[^<]+)<', r.get_data(as_text=True)).group(1)


def test_token_is_shown_once_and_stored_hashed(app, login_as):
    c = login_as("school_admin")
    secret = _create_token(c)
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == token_digest(secret)
        assert secret not in (row.token_hash, row.hint, row.name)
        assert row.expires_at > utcnow() + timedelta(days=89)
    assert secret not in c.get("/account").get_data(as_text=True)


def test_bearer_token_authenticates_api(login_as, app, world):
    secret = _create_token(login_as("school_admin"))
    r = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200
    assert r.get_json() == {
        "id": world.ids["school_admin"],
        "email": "school-a@test.example",
        "name": "Test User",
        "role": "school_admin",
        "school": world.ids["school_a"],
        "jurisdiction": None,
        "locale": None,
    }
    assert "Set-Cookie" not in r.headers


def test_session_cookie_is_not_accepted_on_token_routes(login_as):
    c = login_as("school_admin")
    r = c.get("/api/v1/me")
    assert r.status_code == 401
    assert r.get_json() == {
        "error": {"code": "unauthorized", "message": "A valid bearer token is required."}
    }
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_token_is_refused(login_as, app):
    c = login_as("guardian")
    secret = _create_token(c)
    with app.app_context():
        public_id = db.session.scalar(select(ApiToken.public_id))
    r = c.post(
        f"/account/tokens/{public_id}/revoke", data={"csrf_token": csrf_token(c, "/account")}
    )
    assert r.status_code == 302
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        .status_code
        == 401
    )


def test_user_cannot_revoke_someone_elses_token(login_as, app):
    secret = _create_token(login_as("guardian"))
    with app.app_context():
        public_id = db.session.scalar(select(ApiToken.public_id))
    other = login_as("school_admin")
    r = other.post(
        f"/account/tokens/{public_id}/revoke", data={"csrf_token": csrf_token(other, "/account")}
    )
    assert r.status_code == 404
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        .status_code
        == 200
    )


def test_expired_token_is_refused(login_as, app):
    secret = _create_token(login_as("guardian"), expires="30")
    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        .status_code
        == 401
    )


def test_token_of_disabled_account_is_refused(login_as, app, world):
    secret = _create_token(login_as("guardian"))
    from portal.auth.models import User

    with app.app_context():
        db.session.execute(
            update(User).where(User.public_id == world.ids["guardian"]).values(active=False)
        )
        db.session.commit()
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        .status_code
        == 401
    )


def test_cli_create_token_prints_a_working_token(runner, app, world):
    result = runner.invoke(args=["portal", "create-token", "ministry@test.example", "--days", "7"])
    assert result.exit_code == 0
    secret = result.output.strip()
    r = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.get_json()["role"] == "ministry_official"
    assert r.get_json()["jurisdiction"] == "DE-NW"


def test_cli_create_token_unknown_account_fails(runner, world):
    result = runner.invoke(args=["portal", "create-token", "nobody@test.example"])
    assert result.exit_code == 1
    assert "no active account for nobody@test.example" in result.output


def test_openapi_document_is_3_1_with_error_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]
    assert "/me" in doc["paths"]
