"""CSRF, security headers, size limits, safe redirects and template hygiene."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.core.navigation import safe_next
from portal.extensions import db
from portal.schools.models import School
from tests.conftest import csrf_token

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(School)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
        )


@pytest.mark.parametrize(
    "token", [None, "forged-token", "other-session"], ids=["missing", "forged", "foreign"]
)
def test_post_without_valid_csrf_token_is_refused_and_changes_nothing(app, login_as, token):
    c = login_as("system_admin")
    if token == "other-session":
        token = csrf_token(login_as("guardian"), "/home")
    before = _counts(app)
    data = {"name": "Sneaky school", "city": "X", "jurisdiction": "DE-NW"}
    if token:
        data["csrf_token"] = token
    r = c.post("/admin/schools/new", data=data)
    assert r.status_code == 400
    assert "The form expired or did not come from this site" in r.get_data(as_text=True)
    assert _counts(app) == before


def test_post_with_csrf_token_succeeds(app, login_as):
    c = login_as("system_admin")
    r = c.post(
        "/admin/schools/new",
        data={
            "name": "New school",
            "city": "Essen",
            "jurisdiction": "DE-NW",
            "csrf_token": csrf_token(c, "/admin/schools/new"),
        },
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(School.city).where(School.name == "New school")) == "Essen"


def test_logout_without_csrf_token_is_refused(login_as):
    c = login_as("guardian")
    assert c.post("/logout").status_code == 400
    assert c.get("/account").status_code == 200


def test_cookie_authenticated_json_write_needs_csrf_header(login_as):
    c = login_as("guardian")
    r = c.post("/language", json={"lang": "ar"})
    assert r.status_code == 400


def _check_headers(r, *, authenticated: bool) -> None:
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    if authenticated:
        assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "authenticated"),
    [
        ("/login", False),
        ("/home", True),
        ("/account", True),
        ("/api/v1/openapi.json", False),
        ("/no-such-page", False),
        ("/api/v1/no-such", False),
        ("/api/v1/me", False),
    ],
    ids=["login", "home", "account", "openapi", "404-html", "404-json", "401-json"],
)
def test_security_headers_on_html_and_json(login_as, path, authenticated):
    c = login_as("school_admin")
    _check_headers(c.get(path), authenticated=authenticated)


def test_security_headers_on_500_page(app, client):
    app.config["PROPAGATE_UNEXPECTED"] = False

    @app.get("/test-boom")
    def _boom():
        raise RuntimeError("Learner Canary-Name must not be logged")

    r = client.get("/test-boom")
    assert r.status_code == 500
    assert "Something went wrong" in r.get_data(as_text=True)
    _check_headers(r, authenticated=False)


def test_unexpected_error_log_carries_no_message(app, client, caplog):
    app.config["PROPAGATE_UNEXPECTED"] = False

    learner_name = "-".join(["Canary", "Name"])  # built at run time: not in the source line

    @app.get("/test-boom2")
    def _boom():
        raise RuntimeError(f"Learner {learner_name} must not be logged")

    client.get("/test-boom2")
    assert "RuntimeError" in caplog.text
    assert "Canary-Name" not in caplog.text


def test_request_larger_than_limit_answers_413(app, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    c = login_as("system_admin")
    r = c.post("/admin/schools/new", data={"name": "x" * 5000})
    assert r.status_code == 413
    assert "larger than the portal accepts" in r.get_data(as_text=True)


def test_static_files_are_served_locally_with_bootstrap_rtl(client):
    r = client.get("/static/vendor/bootstrap/css/bootstrap.rtl.min.css")
    assert r.status_code == 200
    assert b"Bootstrap" in r.data[:200]
    r.close()


def test_no_cdn_anywhere_in_templates():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), template


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (r"<script(?![^>]*\bsrc=)", "inline script"),
        (r"\son[a-z]+\s*=", "event handler"),
        (r"\|\s*safe\b", "|safe"),
        (r"\sstyle\s*=", "style attribute"),
    ],
    ids=["inline-script", "on-handler", "safe-filter", "style-attr"],
)
def test_templates_have_no_inline_code(pattern, what):
    offenders = [
        str(t.relative_to(TEMPLATES))
        for t in TEMPLATES.rglob("*.html")
        if re.search(pattern, t.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"{what} in {offenders}"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/home", "/home"),
        ("/admin/users?x=1", "/admin/users?x=1"),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
        (None, None),
        ("home", None),
    ],
    ids=[
        "path",
        "query",
        "absolute",
        "scheme-relative",
        "backslash",
        "js",
        "empty",
        "none",
        "relative",
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_login_redirects_only_to_local_next(client, world):
    token = csrf_token(client)
    r = client.post(
        "/login?next=https://evil.example/",
        data={
            "email": world.emails["guardian"],
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert r.headers["Location"] == "/home"


def test_role_check_answers_403_for_other_roles(login_as):
    for role in ("ministry_official", "school_admin", "guardian"):
        assert login_as(role).get("/admin/users").status_code == 403


def test_anonymous_is_sent_to_login(client):
    r = client.get("/admin/users")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login?next=")


def test_refused_access_to_a_learner_is_audited(app, login_as, world):
    from portal.schools.models import School
    from tests.factories import make_learner

    with app.app_context():
        school_a = db.session.scalar(
            select(School).where(School.public_id == world.ids["school_a"])
        )
        learner_id = make_learner(school_a).public_id
        db.session.commit()
    other = login_as("school_admin_b")
    missing = other.get("/learners/no-such-learner-id")
    refused = other.get(f"/learners/{learner_id}")
    assert refused.status_code == missing.status_code == 404
    # Identical apart from the requested address echoed in the language switcher.
    assert refused.get_data(as_text=True).replace(learner_id, "ID") == missing.get_data(
        as_text=True
    ).replace("no-such-learner-id", "ID")
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.denied")
        ).all()
        assert [(e.actor_id, e.details["endpoint"], e.details["status"]) for e in denied] == [
            (world.ids["school_admin_b"], "learners.detail", 404)
        ] * 2
        assert all(e.entity_id is None for e in denied)  # nothing about the record leaks
