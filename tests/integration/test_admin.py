"""System administrators manage schools and accounts; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from tests.conftest import csrf_token, sign_in


def _user_form(c, path: str, **fields) -> dict:
    data = {
        "email": "",
        "display_name": "",
        "role": "guardian",
        "school": "",
        "jurisdiction": "",
        "active": "y",
        "password": "",
        **fields,
    }
    data["csrf_token"] = csrf_token(c, path)
    return data


def test_admin_creates_school_admin_who_can_sign_in(app, login_as, world):
    c = login_as("system_admin")
    r = c.post(
        "/admin/users/new",
        data=_user_form(
            c,
            "/admin/users/new",
            email="New.Admin@Test.Example",
            display_name="Nour",
            role="school_admin",
            school=world.ids["school_a"],
            password="a sturdy passphrase",
        ),
    )
    assert r.status_code == 302
    with app.app_context():
        u = db.session.scalar(select(User).where(User.email == "new.admin@test.example"))
        assert (u.role, u.school.name, u.jurisdiction) == ("school_admin", "School A", None)
    assert (
        sign_in(app.test_client(), "new.admin@test.example", "a sturdy passphrase").status_code
        == 302
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "school_admin"}, "A school administrator must be bound to a school."),
        (
            {"role": "ministry_official"},
            "A ministry official must be bound to an education authority.",
        ),
        ({"email": "guardian@test.example"}, "An account with this e-mail address already exists."),
        ({"password": ""}, "Set an initial password for a new account."),
        ({"password": "short"}, "Use at least 12 characters."),
        ({"email": "not-an-email"}, "Invalid email address."),
    ],
    ids=[
        "school-missing",
        "jurisdiction-missing",
        "duplicate-email",
        "no-password",
        "weak-password",
        "bad-email",
    ],
)
def test_admin_invalid_account_is_refused_and_nothing_created(app, login_as, fields, message):
    c = login_as("system_admin")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(User))
    data = _user_form(
        c,
        "/admin/users/new",
        email="x@test.example",
        display_name="X",
        password="a sturdy passphrase",
    )
    data.update(fields)
    r = c.post("/admin/users/new", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_admin_unknown_school_or_user_answers_404(login_as):
    c = login_as("system_admin")
    assert c.get("/admin/schools/not-a-real-id").status_code == 404
    assert c.get("/admin/users/not-a-real-id").status_code == 404


def test_admin_edit_ignores_fields_not_on_the_form(app, login_as, world):
    c = login_as("system_admin")
    path = f"/admin/users/{world.ids['guardian']}"
    data = _user_form(
        c,
        path,
        email="guardian@test.example",
        display_name="G",
        role="guardian",
        id="999",
        failed_logins="0",
        public_id="forged",
    )
    assert c.post(path, data=data).status_code == 302
    with app.app_context():
        u = db.session.scalar(select(User).where(User.email == "guardian@test.example"))
        assert u.public_id == world.ids["guardian"]
