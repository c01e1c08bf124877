"""New arrivals: look for an existing record, then create one without silent duplicates."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.learners.models import Learner, LearnerName
from portal.schools.models import School
from tests.conftest import csrf_token
from tests.factories import make_learner

INTAKE = "/learners/intake"


def _school(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


def _learner_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Learner))


def _form(client, **fields) -> dict:
    data = {
        "csrf_token": csrf_token(client, INTAKE + "?step=new"),
        "names-0-given": "Amal",
        "names-0-family": "Haddad",
        "names-0-kind": "original",
        "names-1-kind": "transliteration",
        "names-2-kind": "alias",
        "birth_date_text": "2014-03-21",
        "birth_calendar": "gregorian",
        "birth_precision": "day",
        "birth_source": "document",
        "languages-0-language": "ar",
        "languages-0-proficiency": "L1",
        "languages-1-language": "de",
        "languages-1-proficiency": "A1",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def school_a(app, world):
    return world.ids["school_a"]


@pytest.mark.parametrize(
    ("given", "family", "stored_given", "stored_family", "script"),
    [
        ("محمد", "الحلبي", "محمد", "الحلبي", "Arab"),
        ("Олена", "Коваленко", "Олена", "Коваленко", "Cyrl"),
        ("Jose\u0301", "Pe\u0301rez", "José", "Pérez", "Latn"),
    ],
    ids=["arabic", "ukrainian", "decomposed-latin"],
)
def test_intake_creates_exactly_one_learner_with_names_as_typed(
    app, world, login_as, given, family, stored_given, stored_family, script
):
    c = login_as("school_admin")
    r = c.post(INTAKE, data=_form(c, **{"names-0-given": given, "names-0-family": family}))
    assert r.status_code == 302
    with app.app_context():
        learners = db.session.scalars(select(Learner)).all()
        assert len(learners) == 1
        learner = learners[0]
        assert r.headers["Location"] == f"/learners/{learner.public_id}"
        assert learner.school.public_id == world.ids["school_a"]
        assert [(n.given, n.family, n.script) for n in learner.names] == [
            (stored_given, stored_family, script)
        ]
        assert unicodedata.is_normalized("NFC", learner.names[0].given)
        assert learner.birth_date == date(2014, 3, 21)
        assert sorted((lang.language, lang.proficiency) for lang in learner.languages) == [
            ("ar", "L1"),
            ("de", "A1"),
        ]
        created = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "learner.created", AuditEntry.entity_id == learner.public_id
            )
        )
        assert created == 1
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert f'<span dir="auto">{stored_given} {stored_family}</span>' in page


def test_intake_keeps_original_and_transliterated_names(app, login_as):
    c = login_as("school_admin")
    fields = {
        "names-0-given": "محمد",
        "names-0-family": "الحلبي",
        "names-1-given": "Mohammed",
        "names-1-family": "Al-Halabi",
    }
    assert c.post(INTAKE, data=_form(c, **fields)).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(LearnerName).order_by(LearnerName.position)).all()
        assert [(n.given, n.kind, n.script) for n in rows] == [
            ("محمد", "original", "Arab"),
            ("Mohammed", "transliteration", "Latn"),
        ]
    # Found again by a spelling variant in the other script's transliteration.
    html = c.get("/learners", query_string={"q": "mohammed"}).get_data(as_text=True)
    assert "<bdi>محمد الحلبي</bdi>" in html


def test_solar_hijri_birth_date_is_converted_and_original_kept(app, login_as):
    c = login_as("school_admin")
    fields = {"birth_date_text": "1393/01/01", "birth_calendar": "solar_hijri"}
    assert c.post(INTAKE, data=_form(c, **fields)).status_code == 302
    with app.app_context():
        learner = db.session.scalar(select(Learner))
        assert (learner.birth_date, learner.birth_date_original, learner.birth_date_calendar) == (
            date(2014, 3, 21),
            "1393/01/01",
            "solar_hijri",
        )


def test_year_only_birth_date_with_year_precision(app, login_as):
    c = login_as("school_admin")
    fields = {"birth_date_text": "2013", "birth_precision": "year"}
    assert c.post(INTAKE, data=_form(c, **fields)).status_code == 302
    with app.app_context():
        learner = db.session.scalar(select(Learner))
        assert (learner.birth_date, learner.birth_date_precision) == (date(2013, 1, 1), "year")
    html = c.get(f"/learners/{learner.public_id}").get_data(as_text=True)
    assert "2013" in html
    assert "Year only" in html


def test_estimated_birth_date_is_shown_as_a_year(app, login_as):
    c = login_as("school_admin")
    fields = {
        "birth_date_text": "2013",
        "birth_precision": "estimated",
        "birth_source": "estimated",
    }
    r = c.post(INTAKE, data=_form(c, **fields))
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "about 2013" in html
    assert "(Estimated)" in html


def test_create_step_starts_with_the_identifier_searched_for(login_as):
    c = login_as("school_admin")
    html = c.get(
        INTAKE, query_string={"step": "new", "kind": "unhcr", "identifier": "AB-1"}
    ).get_data(as_text=True)
    assert '<option selected value="unhcr">' in html
    assert 'value="AB-1"' in html
    assert '<option selected value="transliteration">' in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"birth_date_text": "2099-01-01"}, "The date of birth lies in the future."),
        (
            {"birth_date_text": "1400/12/30", "birth_calendar": "solar_hijri"},
            "This month has only 29 days.",
        ),
        ({"birth_date_text": "2014"}, "The date written is less exact than the precision chosen."),
        ({"birth_date_text": "soon"}, "This date cannot be read."),
        ({"birth_date_text": ""}, "Write the date of birth, or choose “Unknown”."),
        ({"names-0-given": "", "names-0-family": ""}, "Write at least one given name."),
        (
            {"identifiers-0-kind": "", "identifiers-0-value": "123"},
            "Choose the kind and write the identifier.",
        ),
    ],
    ids=["future", "no-such-day", "less-precise", "unreadable", "missing", "no-name", "id-kind"],
)
def test_impossible_input_is_refused_with_a_message_and_nothing_written(
    app, login_as, fields, message
):
    c = login_as("school_admin")
    r = c.post(INTAKE, data=_form(c, **fields))
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert _learner_count(app) == 0


def test_unknown_birth_date_is_accepted_without_a_date(app, login_as):
    c = login_as("school_admin")
    r = c.post(INTAKE, data=_form(c, birth_date_text="", birth_precision="unknown"))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Learner.birth_date)) is None


def test_duplicate_identifier_in_scope_needs_explicit_confirmation(app, world, login_as):
    with app.app_context():
        existing = make_learner(
            _school(world.ids["school_a"]),
            "Rami",
            "Khalil",
            identifiers=(("unhcr", "UNHCR-123-45"),),
        )
        db.session.commit()
        existing_id = existing.public_id
    c = login_as("school_admin")
    fields = {"identifiers-0-kind": "unhcr", "identifiers-0-value": "unhcr 123 45"}
    r = c.post(INTAKE, data=_form(c, **fields))
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "A record with the same identifier already exists at your school" in html
    assert "<bdi>Rami Khalil</bdi>" in html
    assert f"/learners/{existing_id}" in html
    assert 'name="confirm_duplicate"' in html
    assert _learner_count(app) == 1

    r = c.post(INTAKE, data=_form(c, confirm_duplicate="y", **fields))
    assert r.status_code == 302
    assert _learner_count(app) == 2


def test_identifier_at_another_school_warns_without_details(app, world, login_as):
    with app.app_context():
        other = make_learner(
            _school(world.ids["school_b"]),
            "Oleh",
            "Shevchenko",
            identifiers=(("unhcr", "UNHCR-999-00"),),
        )
        db.session.commit()
        other_id = other.public_id
    c = login_as("school_admin")
    warning = "A record with this identifier exists at another school"

    r = c.get(INTAKE, query_string={"identifier_kind": "unhcr", "identifier": "UNHCR 999 00"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert warning in html
    assert "No record at your school matches." in html
    for secret in ("Oleh", "Shevchenko", other_id, "School B"):
        assert secret not in html

    fields = {"identifiers-0-kind": "unhcr", "identifiers-0-value": "UNHCR-999-00"}
    r = c.post(INTAKE, data=_form(c, **fields))
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert warning in html
    for secret in ("Oleh", "Shevchenko", other_id, "School B"):
        assert secret not in html
    with app.app_context():
        at_a = db.session.scalar(
            select(func.count())
            .select_from(Learner)
            .join(School)
            .where(School.public_id == world.ids["school_a"])
        )
        assert at_a == 0


def test_find_step_shows_matches_in_scope_by_name_variant(app, world, login_as):
    with app.app_context():
        make_learner(_school(world.ids["school_a"]), "Amal", "Haddad", birth="2012-03-10")
        make_learner(_school(world.ids["school_b"]), "Amal", "Zaytoun", birth="2012-05-01")
        db.session.commit()
    c = login_as("school_admin")
    html = c.get(INTAKE, query_string={"name": "ÁMAL", "birth_year": "2012"}).get_data(as_text=True)
    assert "<bdi>Amal Haddad</bdi>" in html
    assert "Zaytoun" not in html
    assert "None of these is the child: create a new record" in html


def test_extra_fields_cannot_choose_the_school_or_role(app, world, login_as):
    with app.app_context():
        school_b = _school(world.ids["school_b"])
        b_id = school_b.id
    c = login_as("school_admin")
    data = _form(c, school_id=str(b_id), role="system_admin", created_by_id="1", public_id="x")
    assert c.post(INTAKE, data=data).status_code == 302
    with app.app_context():
        learner = db.session.scalar(select(Learner))
        assert learner.school.public_id == world.ids["school_a"]
        assert learner.public_id != "x"
        user = db.session.scalar(select(User).where(User.email == world.emails["school_admin"]))
        assert user.role == "school_admin"
        assert learner.created_by_id == user.id
