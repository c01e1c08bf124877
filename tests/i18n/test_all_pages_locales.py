"""Every page without a parameter renders for every role allowed to see it, in Arabic
(right-to-left) and Ukrainian (Cyrillic), with the locale's lang/dir and a translated menu."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.i18n.test_pages import translated

MATRIX = Path(__file__).resolve().parents[1] / "access_matrix.csv"
ROLES = ("system_admin", "ministry_official", "school_admin", "guardian")


def _pages() -> dict[str, list[str]]:
    """Return, per role, the parameterless GET endpoints the declared policy allows."""
    lines = [
        line
        for line in MATRIX.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    allowed: dict[str, list[str]] = {role: [] for role in ROLES}
    for row in csv.DictReader(lines):
        if (
            row["method"] == "GET"
            and row["object"] == "-"
            and not row["endpoint"].startswith("api.")
        ):
            for role in ROLES:
                if row[role] == "allow":
                    allowed[role].append(row["endpoint"])
    return allowed


PAGES = _pages()


@pytest.mark.parametrize("locale", ["ar", "uk"], ids=["ar", "uk"])
@pytest.mark.parametrize("role", ROLES, ids=ROLES)
def test_every_allowed_page_renders_in_locale(app, login_as, reference, role, locale):
    from flask import url_for

    client = login_as(role)
    sign_out = translated(locale, "Sign out")
    direction = "rtl" if locale == "ar" else "ltr"
    assert PAGES[role], "the policy allows this role no page at all"
    for endpoint in PAGES[role]:
        with app.test_request_context():
            path = url_for(endpoint)
        r = client.get(path, query_string={"lang": locale}, follow_redirects=True)
        assert r.status_code == 200, (endpoint, r.status_code)
        if r.mimetype != "text/html":
            continue
        html = r.get_data(as_text=True)
        assert f'<html lang="{locale}" dir="{direction}">' in html, endpoint
        assert sign_out in html, endpoint
