"""Issuing, downloading and revoking passports; key rotation and expiry."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template
from flask_login import login_user
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.i18n.domain import LOCALE_CODES, locale_info
from portal.learners.models import Learner
from portal.learners.services import (
    AssessmentInput,
    ResultInput,
    StudyInput,
    add_assessment,
    add_study,
    record_consent,
)
from portal.passports import keys, services, trust
from portal.passports.jws import b64url_decode, strict_json_object
from portal.passports.models import Passport, SigningKey
from portal.passports.status_list import BitstringStatusList
from portal.passports.verification import verify_credential, verify_qr
from portal.schools.models import School
from tests.conftest import csrf_token
from tests.factories import make_learner, make_user


def user_by_email(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def school_by_id(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


def make_passport_learner(
    school: School, admin: User, *, guardians=(), consent: bool = True, given: str = "Amal"
) -> Learner:
    """A learner with a Syrian grade (raw marks on the 0-100 scale), an assessment, consent."""
    learner = make_learner(school, given, "Haddad", guardians=guardians)
    add_study(
        admin,
        learner,
        StudyInput(
            system_version_code="SY-2002",
            grade_code="SY-G4",
            status="completed",
            evidence_level=4,
            school_name="مدرسة الشهيد باسل",
            school_place="حلب",
            period_start=date(2020, 9, 1),
            period_end=date(2021, 6, 30),
            results=[
                ResultInput("الرياضيات", "91", scale_code="SY-0-100"),
                ResultInput(
                    "اللغة العربية", "82", scale_best="100", scale_pass="50", scale_worst="0"
                ),
            ],
        ),
    )
    add_assessment(
        admin,
        learner,
        AssessmentInput(
            kind="language_test",
            assessed_on=date(2024, 6, 12),
            instrument="telc Deutsch A2",
            language="de",
            cefr="A2",
        ),
    )
    if consent:
        record_consent(admin, learner, "passport", "mother", "consent", date(2024, 9, 1))
    db.session.flush()
    return learner


@dataclass
class Scene:
    learner: str
    other_learner: str
    other_guardian: str


@pytest.fixture
def scene(app, world, reference) -> Scene:
    with app.app_context():
        admin = user_by_email(world.emails["school_admin"])
        guardian = user_by_email(world.emails["guardian"])
        other_guardian = make_user("other-parent@test.example", "guardian")
        learner = make_passport_learner(
            school_by_id(world.ids["school_a"]), admin, guardians=(guardian,)
        )
        bare = make_passport_learner(
            school_by_id(world.ids["school_a"]), admin, consent=False, given="Omar"
        )
        db.session.commit()
        return Scene(learner.public_id, bare.public_id, other_guardian.email)


def issue_via_api(client, bearer, learner_id: str, languages=("ar", "de")):
    return client.post(
        f"/api/v1/learners/{learner_id}/passports",
        json={"languages": list(languages)},
        headers=bearer("school_admin"),
    )


def audit_count(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


# ---- consent --------------------------------------------------------------------------------


def test_issue_api_without_consent_is_refused_with_403_and_audited(app, client, bearer, scene):
    r = issue_via_api(client, bearer, scene.other_learner)
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "consent_required"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Passport)) == 0
        assert audit_count("passport.refused") == 1


def test_issue_form_without_consent_asks_for_it_and_issues_nothing(app, login_as, scene):
    c = login_as("school_admin")
    path = f"/learners/{scene.other_learner}/passports/new"
    page = c.get(path).get_data(as_text=True)
    assert "No passport consent is on record" in page
    r = c.post(
        path,
        data={
            "primary_language": "ar",
            "secondary_language": "de",
            "csrf_token": csrf_token(c, path),
        },
    )
    assert r.status_code == 400
    assert "Needed when no passport consent is on record." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Passport)) == 0


def test_issue_form_records_consent_inline_and_issues(app, login_as, scene):
    c = login_as("school_admin")
    path = f"/learners/{scene.other_learner}/passports/new"
    r = c.post(
        path,
        data={
            "primary_language": "de",
            "secondary_language": "ar",
            "consent_given_by": "father",
            "consent_legal_basis": "consent",
            "consent_given_on": "2025-01-15",
            "csrf_token": csrf_token(c, path),
        },
    )
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "The passport was issued." in page
    assert "Passport consent on record: given by father" in page
    with app.app_context():
        passport = db.session.scalar(select(Passport))
        assert passport.languages == ["de", "ar"]
        assert passport.consent_id is not None
        assert verify_qr(passport.qr_text).status == "valid"
        assert audit_count("passport.issued") == 1


def test_issue_refuses_two_equal_languages(client, bearer, scene):
    r = issue_via_api(client, bearer, scene.learner, ("de", "de"))
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "languages_same"


def test_issue_for_another_schools_learner_is_404(client, bearer, app, world, reference):
    with app.app_context():
        admin_b = user_by_email(world.emails["school_admin_b"])
        learner = make_passport_learner(school_by_id(world.ids["school_b"]), admin_b)
        db.session.commit()
        learner_id = learner.public_id
    assert issue_via_api(client, bearer, learner_id).status_code == 404


# ---- issuing and content ---------------------------------------------------------------------


def test_issue_via_api_returns_signed_passport_with_the_record(app, client, bearer, scene):
    r = issue_via_api(client, bearer, scene.learner)
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == {"id", "qr", "credential", "pdf_url", "expires_at"}
    assert body["qr"].startswith("LP1:")
    issued = datetime.now(UTC).date()
    assert body["expires_at"] == issued.replace(year=issued.year + 5).isoformat()
    with app.app_context():
        result = verify_qr(body["qr"])
        assert verify_credential(body["credential"]).status == "valid"
    assert (result.status, result.issuer["name"]) == ("valid", "School A")
    claims = result.claims
    assert claims["kind"] == "full"
    assert claims["holder"] == {
        "names": [{"script": "Latn", "text": "Amal Haddad"}],
        "birth_date": "2012-03-10",
        "birth_date_precision": "day",
    }
    [study] = claims["studies"]
    assert (study["system"], study["grade"], study["evidence_level"]) == ("SY-2002", "SY-G4", "E4")
    assert study["grade_label"] == "الصف الرابع"  # the passport's first language is Arabic
    assert study["marks"][0] == {
        "subject": "الرياضيات",
        "mark": "91",
        "scale": {"best": "100", "pass": "50", "worst": "0"},
        "converted": None,
        "method": None,
    }
    assert [a["cefr"] for a in claims["assessments"]] == ["A2"]


def test_passport_carries_no_nationality_or_legal_status(client, bearer, scene):
    body = issue_via_api(client, bearer, scene.learner).get_json()
    vc = strict_json_object(b64url_decode(body["credential"].split(".")[1]))
    text = str(vc).lower()
    for word in ("nationality", "citizenship", "refugee", "asylum", "legal"):
        assert word not in text
    assert set(vc["credentialSubject"]) == {
        "type",
        "identifier",
        "birthDate",
        "birthDatePrecision",
        "achievement",
        "studies",
        "assessments",
    }


# ---- downloads ---------------------------------------------------------------------------------


@pytest.fixture
def issued(client, bearer, scene) -> dict:
    body = issue_via_api(client, bearer, scene.learner).get_json()
    return body


def test_pdf_downloadable_by_the_school_and_the_childs_guardian(app, login_as, issued):
    for role in ("school_admin", "guardian"):
        r = login_as(role).get(f"/passports/{issued['id']}.pdf")
        assert r.status_code == 200, role
        assert r.mimetype == "application/pdf"
        assert r.headers["Cache-Control"] == "no-store"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
        assert "Amal Haddad" in text
        assert "Lernpass" in text  # the second language, German, from its catalog
    with app.app_context():
        assert audit_count("passport.downloaded") == 2


def test_json_download_carries_the_signed_credential(login_as, issued):
    r = login_as("guardian").get(f"/passports/{issued['id']}.json")
    assert r.status_code == 200
    assert r.get_json()["credential"] == issued["credential"]
    assert r.get_json()["qr"] == issued["qr"]


@pytest.mark.parametrize("role", ["school_admin_b", "other_guardian"])
def test_pdf_is_404_for_other_schools_and_other_guardians(app, login_as, issued, scene, role):
    if role == "other_guardian":
        from tests.conftest import sign_in

        c = app.test_client()
        assert sign_in(c, scene.other_guardian).status_code == 302
    else:
        c = login_as(role)
    assert c.get(f"/passports/{issued['id']}.pdf").status_code == 404
    assert c.get(f"/passports/{issued['id']}.json").status_code == 404


def test_pdf_is_refused_to_roles_without_learner_access(login_as, issued):
    for role in ("ministry_official", "system_admin"):
        assert login_as(role).get(f"/passports/{issued['id']}.pdf").status_code == 403


def test_api_pdf_url_returns_the_pdf_with_a_bearer_token(client, bearer, issued):
    path = issued["pdf_url"].split("localhost", 1)[-1]
    assert client.get(path).status_code == 401
    r = client.get(path, headers=bearer("guardian"))
    assert r.status_code == 200
    assert r.data.startswith(b"%PDF-")
    assert client.get(path, headers=bearer("school_admin_b")).status_code == 404


def test_learner_panel_lists_passports_for_the_school(login_as, issued, scene):
    page = login_as("school_admin").get(f"/learners/{scene.learner}/passports/new")
    html = page.get_data(as_text=True)
    assert f"/passports/{issued['id']}.pdf" in html
    assert f"/passports/{issued['id']}/revoke" in html


# ---- revocation ----------------------------------------------------------------------------------


def test_revoke_flips_the_status_bit_and_verify_says_revoked(app, client, login_as, issued, scene):
    c = login_as("school_admin")
    form_page = f"/learners/{scene.learner}/passports/new"
    r = c.post(
        f"/passports/{issued['id']}/revoke",
        data={"reason": "issued with a wrong birth date", "csrf_token": csrf_token(c, form_page)},
    )
    assert r.status_code == 302
    with app.app_context():
        passport = db.session.scalar(select(Passport).where(Passport.public_id == issued["id"]))
        assert passport.revoked_reason == "issued with a wrong birth date"
        list_id, index = passport.status_list.public_id, passport.status_index
        assert verify_qr(issued["qr"]).status == "revoked"
        assert verify_credential(issued["credential"]).status == "revoked"
        assert audit_count("passport.revoked") == 1
    published = client.get(f"/status-lists/{list_id}")
    assert published.headers["Cache-Control"] == "public, max-age=86400"
    encoded = published.get_json()["credentialSubject"]["encodedList"]
    bits = BitstringStatusList.decode(encoded)
    assert [i for i in range(len(bits)) if bits.get(i)] == [index]
    r = client.post("/api/v1/passports/verify", json={"qr": issued["qr"]})
    assert r.get_json()["status"] == "revoked"


def test_revoke_via_api_needs_a_reason_and_only_once(client, bearer, issued):
    path = f"/api/v1/passports/{issued['id']}/revoke"
    assert (
        client.post(path, json={"reason": " "}, headers=bearer("school_admin")).status_code == 422
    )
    assert (
        client.post(path, json={"reason": "x"}, headers=bearer("school_admin_b")).status_code == 404
    )
    r = client.post(path, json={"reason": "lost"}, headers=bearer("school_admin"))
    assert r.status_code == 200
    assert r.get_json()["status"] == "revoked"
    assert (
        client.post(path, json={"reason": "again"}, headers=bearer("school_admin")).status_code
        == 409
    )


def test_guardian_cannot_revoke(login_as, issued, scene):
    c = login_as("guardian")
    r = c.post(
        f"/passports/{issued['id']}/revoke",
        data={"reason": "x", "csrf_token": csrf_token(c, "/home")},
    )
    assert r.status_code == 403


# ---- keys and time -------------------------------------------------------------------------


def test_rotated_key_still_verifies_old_passports(app, client, bearer, issued, scene, world):
    with app.app_context():
        issuer = services.school_issuer(school_by_id(world.ids["school_a"]))
        old_kid = services.active_key(issuer).kid
        new_key = services.rotate_key(issuer)
        db.session.commit()
        assert new_key.kid != old_kid
        old = db.session.scalar(select(SigningKey).where(SigningKey.kid == old_kid))
        assert old.retired_at is not None
    second = issue_via_api(client, bearer, scene.learner).get_json()
    with app.app_context():
        first_result, second_result = verify_qr(issued["qr"]), verify_qr(second["qr"])
        assert (first_result.status, first_result.issuer["kid"]) == ("valid", old_kid)
        assert (second_result.status, second_result.issuer["kid"]) == ("valid", new_key.kid)
        assert verify_credential(issued["credential"]).status == "valid"
        published = keys.verify_trust_list(
            trust.published_trust_list()["trust_list"],
            lambda kid: services.public_key(trust.anchor_key()),
        )
        assert {e["kid"] for e in published.entries} == {old_kid, new_key.kid}


def test_expired_passport_verifies_as_expired(app, issued):
    expires = date.fromisoformat(issued["expires_at"])
    with app.app_context():
        assert verify_qr(issued["qr"], today=expires).status == "valid"
        after = expires + timedelta(days=1)
        assert verify_qr(issued["qr"], today=after).status == "expired"
        assert verify_credential(issued["credential"], today=after).status == "expired"


def test_private_keys_are_stored_sealed(app, issued):
    with app.app_context():
        key = db.session.scalar(select(SigningKey))
        assert len(key.private_key_sealed) == keys.SEALED_LENGTH
        assert key.private_key_sealed.startswith(b"LPK1")
        opened = services.private_key(key)
        assert keys.raw_public_key(opened.public_key()) == key.public_key


# ---- pages and panels ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALE_CODES, ids=LOCALE_CODES)
def test_passport_pages_render_in_every_locale(app, login_as, issued, scene, locale):
    pages = {
        "school_admin": [f"/learners/{scene.learner}/passports/new", "/learners/import-passport"],
        "system_admin": ["/admin/trust"],
        None: ["/verify"],
    }
    direction = locale_info(locale).direction
    for role, paths in pages.items():
        c = login_as(role) if role else app.test_client()
        for path in paths:
            r = c.get(path, query_string={"lang": locale})
            assert r.status_code == 200, path
            assert f'<html lang="{locale}" dir="{direction}">' in r.get_data(as_text=True)


def render_family_panel(app, email: str, learner_id: str) -> str:
    with app.test_request_context():
        login_user(user_by_email(email))
        learner = db.session.scalar(select(Learner).where(Learner.public_id == learner_id))
        return render_template("passports/_family_panel.html", learner=learner)


def test_family_panel_offers_the_childs_passports_to_its_guardian(app, world, issued, scene):
    html = render_family_panel(app, world.emails["guardian"], scene.learner)
    assert f'href="/passports/{issued["id"]}.pdf"' in html
    assert f'href="/passports/{issued["id"]}.json"' in html
    other = render_family_panel(app, scene.other_guardian, scene.learner)
    assert "/passports/" not in other
