"""Browsing reference data: education systems and equivalency tables, by role and language."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from tests import curricula_factories

ROLES = ["system_admin", "ministry_official", "ministry_other", "school_admin", "guardian"]


@pytest.fixture
def ref(app, world):
    with app.app_context():
        built = curricula_factories.build_reference()
        db.session.commit()
        return built


def _text(html: str) -> str:
    """Return the visible text of a page, whitespace collapsed (tags dropped)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("role", ROLES)
def test_systems_list_shows_every_jurisdiction_and_version_to_any_role(login_as, ref, role):
    r = login_as(role).get("/reference/systems")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for code in ("SY-2002", "DE-NW-2024", "UA-2018", "PL-2017", "DE-BY-2024"):
        assert f'href="/reference/systems/{code}"' in html


def test_systems_need_sign_in(client, ref):
    r = client.get("/reference/systems")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")


def test_system_page_shows_grades_in_the_viewers_language(login_as, ref):
    c = login_as("guardian")
    text = _text(c.get("/reference/systems/SY-2002?lang=de").get_data(as_text=True))
    assert "3. Klasse" in text
    assert "Grade 3" not in text
    text = _text(c.get("/reference/systems/SY-2002?lang=en").get_data(as_text=True))
    assert "Grade 3" in text


def test_system_page_shows_index_isced_age_certificates_rules_and_scales(login_as, ref):
    html = login_as("school_admin").get("/reference/systems/SY-2002").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    grade9 = next(_text(row) for row in rows if "<code>SY-G9</code>" in row)
    # code, label, programme, cumulative index, ISCED level, intended age, certificate, sources
    assert grade9.split() == ["SY-G9", "Grade", "9", "SY-SEC", "9", "2", "14", "SY-BEC", "UIS-COM"]
    text = _text(html)
    assert "Starts school at 6 when that age is reached by September 30." in text
    assert "School year starts August 1" in text
    assert "SY-0-100" in text and "Scale SY-0-100" in text
    assert "[UIS-COM] Source UIS-COM — Publisher" in text
    assert 'href="https://example.org/UIS-COM" rel="noopener noreferrer"' in html


def test_system_page_marks_provisional_values_visibly(login_as, ref):
    html = login_as("guardian").get("/reference/systems/SY-2002").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    grade12 = next(row for row in rows if "<code>SY-G12</code>" in row)
    grade11 = next(row for row in rows if "<code>SY-G11</code>" in row)
    assert "Provisional" in _text(grade12) and "text-bg-warning" in grade12
    assert "Provisional" not in _text(grade11)
    # the school-year start of the factory system is provisional too
    school_year = _text(html).split("School year starts", 1)[1][:60]
    assert "Provisional" in school_year


def test_unknown_system_is_404(login_as, ref):
    assert login_as("guardian").get("/reference/systems/XX-1").status_code == 404


def test_tables_list_shows_published_tables_to_everyone_and_drafts_only_to_owners(login_as, ref):
    published, draft = ref.tables["sy_nw"], ref.tables["ua_by_draft"]
    for role in ("guardian", "school_admin", "system_admin", "ministry_official"):
        html = login_as(role).get("/reference/tables").get_data(as_text=True)
        assert f"/reference/tables/{published}" in html, role
        assert f"/reference/tables/{draft}" not in html, role
    html = login_as("ministry_other").get("/reference/tables").get_data(as_text=True)
    assert f"/reference/tables/{draft}" in html
    assert "Drafts of my authority" in html


def test_table_detail_shows_rules_with_labels_history_and_export_link(login_as, ref):
    public_id = ref.tables["sy_nw"]
    r = login_as("guardian").get(f"/reference/tables/{public_id}?lang=de")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    text = _text(html)
    assert "SY-G2 2. Klasse" in text and "DE-NW-G2 2. Klasse" in text
    assert f'href="/reference/tables/{public_id}/export.csv"' in html
    # history: the one published version, with its fingerprint
    assert re.search(r"<code dir=\"ltr\" title=\"[0-9a-f]{64}\">[0-9a-f]{12}…</code>", html)
    # a guardian gets no lifecycle buttons
    assert "/publish" not in html and "/retire" not in html and "/new-version" not in html


def test_draft_detail_is_404_for_everyone_but_the_owning_authority(login_as, ref):
    draft = ref.tables["ua_by_draft"]
    for role in ("guardian", "school_admin", "system_admin", "ministry_official"):
        assert login_as(role).get(f"/reference/tables/{draft}").status_code == 404, role
        assert login_as(role).get(f"/reference/tables/{draft}/export.csv").status_code == 404
    assert login_as("ministry_other").get(f"/reference/tables/{draft}").status_code == 200


def test_unknown_table_is_404(login_as, ref):
    assert login_as("ministry_official").get("/reference/tables/nope").status_code == 404


def test_navigation_links_for_officials_and_system_admins(login_as, ref):
    for role in ("ministry_official", "system_admin"):
        html = login_as(role).get("/home").get_data(as_text=True)
        assert 'href="/reference/systems"' in html
        assert 'href="/reference/tables"' in html


@pytest.mark.parametrize("locale", ["ar", "uk", "fr", "es", "de"])
def test_reference_pages_render_in_every_locale(login_as, ref, locale):
    c = login_as("ministry_official")
    paths = [
        "/reference/systems",
        "/reference/systems/DE-NW-2024",
        "/reference/tables",
        f"/reference/tables/{ref.tables['sy_nw']}",
        f"/reference/tables/{ref.tables['sy_nw']}/diff",
        "/reference/tables/new",
        "/reference/tables/csv-format",
    ]
    for path in paths:
        r = c.get(path, query_string={"lang": locale})
        assert r.status_code == 200, path
        assert f'<html lang="{locale}"' in r.get_data(as_text=True)
