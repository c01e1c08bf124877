"""Every page renders in every locale, with the right lang/dir and translated text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.i18n.domain import LOCALE_CODES, locale_info
from tests.conftest import csrf_token

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"

PAGES = {
    None: ["/", "/login", "/no-such-page"],
    "system_admin": [
        "/home",
        "/account",
        "/account/password",
        "/admin/schools",
        "/admin/schools/new",
        "/admin/users",
        "/admin/users/new",
        "/admin/schools/{school_a}",
        "/admin/users/{guardian}",
    ],
    "ministry_official": ["/home", "/account"],
    "school_admin": ["/home", "/account"],
    "guardian": ["/family/", "/account", "/admin/users"],
}


def translated(locale: str, msgid: str) -> str:
    """Return the catalog's translation of msgid for the locale."""
    if locale == "en":
        return msgid
    return Translations.load(str(TRANSLATIONS), [locale]).gettext(msgid)


def test_compiled_catalog_translates_a_known_string():
    # Guards the build step: without compiled .mo files every page silently shows English.
    assert translated("ar", "Sign in") != "Sign in"
    assert translated("de", "Sign in") == "Anmelden"


@pytest.mark.parametrize("locale", LOCALE_CODES, ids=LOCALE_CODES)
@pytest.mark.parametrize("role", list(PAGES), ids=[str(r) for r in PAGES])
def test_every_page_renders_in_every_locale(app, login_as, world, role, locale):
    client = login_as(role) if role else app.test_client()
    info = locale_info(locale)
    expected_word = translated(locale, "Sign out" if role else "Sign in")
    for template in PAGES[role]:
        path = template.format(**world.ids)
        r = client.get(path, query_string={"lang": locale})
        assert r.status_code in (200, 403, 404), path
        html = r.get_data(as_text=True)
        assert f'<html lang="{locale}" dir="{info.direction}">' in html, path
        assert expected_word in html, (path, expected_word)
        if info.direction == "rtl":
            assert "bootstrap.rtl.min.css" in html
        else:
            assert "bootstrap.min.css" in html


def test_accept_language_then_profile_then_explicit(app, login_as, world):
    anon = app.test_client()
    html = anon.get("/login", headers={"Accept-Language": "uk-UA,uk;q=0.9"}).get_data(as_text=True)
    assert '<html lang="uk"' in html

    c = login_as("guardian")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.emails["guardian"]))
        user.locale = "es"
        db.session.commit()
    html = c.get("/account", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es"' in html

    r = c.post(
        "/language", data={"lang": "ar", "next": "/account", "csrf_token": csrf_token(c, "/home")}
    )
    assert r.status_code == 302 and r.headers["Location"] == "/account"
    assert '<html lang="ar" dir="rtl">' in c.get("/account").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(User.locale).where(User.email == world.emails["guardian"]))
            == "ar"
        )
    # Remembered on the profile: a new session starts in Arabic too.
    fresh = login_as("guardian")
    assert '<html lang="ar" dir="rtl">' in fresh.get("/account").get_data(as_text=True)


def test_language_switch_rejects_unknown_locale(login_as):
    c = login_as("guardian")
    r = c.post("/language", data={"lang": "xx", "csrf_token": csrf_token(c, "/home")})
    assert r.status_code == 400


def test_error_page_is_localised(client):
    html = client.get("/no-such-page?lang=fr").get_data(as_text=True)
    assert translated("fr", "Not found") in html
    assert re.search(r"<h1[^>]*>", html)
