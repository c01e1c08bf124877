"""Sign-in, throttling, server-side sessions, timeouts and password changes."""

from __future__ import annotations

import re
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from argon2 import Parameters
from argon2._utils import extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import func, select, update

from portal.audit.models import AuditEntry
from portal.auth.models import User, UserSession
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token, sign_in

GENERIC = "The e-mail or password is not correct"


def _body_without_token(response, typed_email: str) -> str:
    body = response.get_data(as_text=True).replace(typed_email, "EMAIL")
    return re.sub(r'value="[^"]{20,}"', 'value=""', body)


def test_login_success_redirects_to_home(client, world):
    r = sign_in(client, world.emails["school_admin"])
    assert r.status_code == 302
    assert r.headers["Location"] == "/home"
    assert "School A" in client.get("/home").get_data(as_text=True)


def test_login_unknown_user_and_wrong_password_answer_identically(app, world):
    unknown = sign_in(app.test_client(), "nobody@test.example", "whatever-password-1")
    wrong = sign_in(app.test_client(), world.emails["guardian"], "wrong-password-123")
    assert unknown.status_code == wrong.status_code == 401
    assert GENERIC in unknown.get_data(as_text=True)
    assert _body_without_token(unknown, "nobody@test.example") == _body_without_token(
        wrong, world.emails["guardian"]
    )


def test_login_sixth_attempt_locked_even_with_right_password(app, world):
    email = world.emails["guardian"]
    for _ in range(5):
        assert sign_in(app.test_client(), email, "wrong-password-123").status_code == 401
    locked = sign_in(app.test_client(), email, PASSWORD)
    assert locked.status_code == 401
    assert GENERIC in locked.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.failed_logins == 5
        assert user.locked_until > utcnow() + timedelta(minutes=14)


def test_login_lock_expires_after_fifteen_minutes(app, world):
    email = world.emails["guardian"]
    for _ in range(5):
        sign_in(app.test_client(), email, "wrong-password-123")
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.email == email)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert (user.failed_logins, user.locked_until) == (0, None)


def test_login_success_resets_failure_count(app, world):
    email = world.emails["guardian"]
    for _ in range(4):
        sign_in(app.test_client(), email, "wrong-password-123")
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 302
    for _ in range(4):
        sign_in(app.test_client(), email, "wrong-password-123")
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 302


def test_logout_then_cookie_replay_is_refused(app, login_as):
    c = login_as("school_admin")
    cookie = c.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    c.post("/logout", data={"csrf_token": csrf_token(c, "/home")})
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    r = replay.get("/home")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions(app, login_as, world):
    first = login_as("school_admin")
    second = login_as("school_admin")
    r = first.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a much longer new passphrase",
            "confirm": "a much longer new passphrase",
            "csrf_token": csrf_token(first, "/account/password"),
        },
    )
    assert r.status_code == 302
    assert first.get("/home").status_code == 200
    assert second.get("/home").status_code == 302
    assert sign_in(app.test_client(), world.emails["school_admin"]).status_code == 401
    ok = sign_in(app.test_client(), world.emails["school_admin"], "a much longer new passphrase")
    assert ok.status_code == 302


def test_password_change_rejects_weak_password(login_as):
    c = login_as("guardian")
    r = c.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "short",
            "confirm": "short",
            "csrf_token": csrf_token(c, "/account/password"),
        },
    )
    assert r.status_code == 400
    assert "Use at least 12 characters." in r.get_data(as_text=True)


def test_disabling_account_ends_its_sessions(app, login_as, world):
    victim = login_as("school_admin_b")
    admin = login_as("system_admin")
    path = f"/admin/users/{world.ids['school_admin_b']}"
    r = admin.post(
        path,
        data={
            "email": world.emails["school_admin_b"],
            "display_name": "B",
            "role": "school_admin",
            "school": world.ids["school_b"],
            "jurisdiction": "",
            "csrf_token": csrf_token(admin, path),
        },
    )  # "active" unchecked
    assert r.status_code == 302
    assert victim.get("/home").status_code == 302
    assert sign_in(app.test_client(), world.emails["school_admin_b"]).status_code == 401


@pytest.mark.parametrize(
    ("field", "age", "alive"),
    [
        ("last_seen_at", timedelta(minutes=29), True),
        ("last_seen_at", timedelta(minutes=31), False),
        ("created_at", timedelta(hours=7, minutes=59), True),
        ("created_at", timedelta(hours=8, minutes=1), False),
    ],
    ids=["idle-29min", "idle-31min", "absolute-7h59", "absolute-8h01"],
)
def test_session_timeouts(app, login_as, field, age, alive):
    c = login_as("guardian")
    with app.app_context():
        db.session.execute(update(UserSession).values({field: utcnow() - age}))
        db.session.commit()
    assert (c.get("/account").status_code == 200) is alive


def test_login_starts_a_new_server_session_each_time(app, client, world):
    sign_in(client, world.emails["guardian"])
    sign_in(app.test_client(), world.emails["guardian"])
    with app.app_context():
        hashes = db.session.scalars(select(UserSession.token_hash)).all()
    assert len(set(hashes)) == 2


def test_session_cookie_flags_in_development(login_as, app):
    c = login_as("guardian")
    del c  # the Set-Cookie header is what we inspect
    r = sign_in(app.test_client(), "guardian@test.example")
    cookie = SimpleCookie(r.headers["Set-Cookie"])[app.config["SESSION_COOKIE_NAME"]]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"


def test_session_cookie_secure_host_prefixed_in_secure_mode(app_factory, world):
    app = app_factory(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-portal")
    c = app.test_client()
    html = c.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    r = c.post(
        "/login",
        data={"email": "guardian@test.example", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
        base_url="https://localhost",
    )
    assert r.status_code == 302
    cookie = SimpleCookie(r.headers["Set-Cookie"])["__Host-portal"]
    assert cookie["secure"] is True and cookie["httponly"] is True
    assert "Strict-Transport-Security" in r.headers


def test_password_hashes_are_argon2id_at_or_above_owasp_minimum(app, world):
    with app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
    for h in hashes:
        params: Parameters = extract_parameters(h)
        assert h.startswith("$argon2id$")
        assert params.memory_cost >= 19456 and params.time_cost >= 2
        assert params.parallelism >= 1


def test_production_argon2_defaults_at_or_above_rfc9106_low_memory(app):
    from portal.config import load_config

    cfg = load_config({"PORTAL_ENV": "development", "INSTANCE_DIR": app.config["INSTANCE_DIR"]})
    assert cfg["ARGON2_MEMORY_COST"] >= RFC_9106_LOW_MEMORY.memory_cost
    assert cfg["ARGON2_TIME_COST"] >= RFC_9106_LOW_MEMORY.time_cost


def test_failed_logins_are_audited_without_the_typed_email(app, world):
    sign_in(app.test_client(), "stranger@test.example", "wrong-password-123")
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
        ).all()
        assert [r.details for r in rows] == [{"reason": "unknown_or_disabled"}]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) >= 1
    assert all("stranger" not in str(r.chain_fields()) for r in rows)
