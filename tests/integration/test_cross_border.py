"""Two portal instances with separate databases: trust lists, verification and import (K)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.learners.models import Learner, LearnerIdentifier
from portal.passports import services, trust
from portal.passports.models import CachedStatusList, TrustedInstance
from portal.passports.verification import verify_credential, verify_qr
from portal.seed import load_reference
from tests.conftest import IS_POSTGRES, TEST_DB, csrf_token, sign_in
from tests.factories import make_jurisdiction, make_school, make_user
from tests.integration.test_passport_issue import (
    make_passport_learner,
    school_by_id,
    user_by_email,
)

URL_A = "https://portal-a.example"
URL_B = "https://portal-b.example"
SECOND_PG_DATABASE = "portal_test_b"


@pytest.fixture
def second_database(tmp_path):
    """A separate, empty database for instance B (its own SQLite file or PostgreSQL database)."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'instance-b.db'}"
        return
    admin = create_engine(TEST_DB, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SECOND_PG_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SECOND_PG_DATABASE}"))
    yield make_url(TEST_DB).set(database=SECOND_PG_DATABASE).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SECOND_PG_DATABASE} WITH (FORCE)"))
    admin.dispose()


@dataclass
class Border:
    app_a: Flask
    client_a: FlaskClient
    app_b: Flask
    school_b: FlaskClient  # school administrator of the receiving school, signed in on B
    sysadmin_b: FlaskClient
    passport: dict  # the issue response from A
    document: str  # A's downloaded passport JSON file

    def trust_list_of_a(self) -> str:
        return self.client_a.get(trust.WELL_KNOWN_PATH).get_data(as_text=True)

    def fingerprint_of_a(self) -> str:
        # The out-of-band channel: A's operators read their fingerprint from their CLI.
        result = self.app_a.test_cli_runner().invoke(args=["portal", "trust-fingerprint"])
        assert result.exit_code == 0, result.output
        return result.output.strip()

    def import_trust_list(self, fingerprint: str | None = None):
        document = self.trust_list_of_a()
        page = self.sysadmin_b.post(
            "/admin/trust",
            data={"document": document, "csrf_token": csrf_token(self.sysadmin_b, "/admin/trust")},
        )
        assert page.status_code == 200, page.get_data(as_text=True)
        return self.sysadmin_b.post(
            "/admin/trust/confirm",
            data={
                "document": document,
                "fingerprint": self.fingerprint_of_a() if fingerprint is None else fingerprint,
                "csrf_token": csrf_token(self.sysadmin_b, "/admin/trust"),
            },
        )

    def fetch_from_a(self, url: str) -> bytes:
        """Stand in for HTTP: read a status list from A's test client."""
        response = self.client_a.get(urlsplit(url).path, query_string={"format": "jwt"})
        assert response.status_code == 200
        return response.data

    def refresh_status_lists(self) -> None:
        with self.app_b.app_context():
            [instance] = trust.trusted_instances()
            cached, failed = trust.refresh_status_lists(instance, self.fetch_from_a)
            db.session.commit()
        assert (len(cached), failed) == (1, [])

    def verify_on_b(self, **body) -> dict:
        response = self.app_b.test_client().post("/api/v1/passports/verify", json=body)
        return response.get_json()

    def import_on_b(self, document: str, *, confirm: bool = False, action: str = "import"):
        data = {
            "text": document,
            "action": action,
            "csrf_token": csrf_token(self.school_b, "/learners/import-passport"),
        }
        if confirm:
            data["confirm_not_current"] = "y"
        return self.school_b.post("/learners/import-passport", data=data)


@pytest.fixture
def border(app, world, reference, bearer, app_factory, second_database, login_as) -> Border:
    app_a = app
    app_a.config["PUBLIC_BASE_URL"] = URL_A
    app_b = app_factory(SQLALCHEMY_DATABASE_URI=second_database, PUBLIC_BASE_URL=URL_B)
    with app_b.app_context():
        upgrade()
        load_reference()
        school = make_school("Schule am Rhein", make_jurisdiction("DE-NW"), "Köln")
        make_user("school@portal-b.example", "school_admin", school=school)
        make_user("sysadmin@portal-b.example", "system_admin")
        db.session.commit()
    clients = {}
    for email in ("school@portal-b.example", "sysadmin@portal-b.example"):
        clients[email] = app_b.test_client()
        assert sign_in(clients[email], email).status_code == 302
    with app_a.app_context():
        admin = user_by_email(world.emails["school_admin"])
        learner = make_passport_learner(school_by_id(world.ids["school_a"]), admin)
        db.session.commit()
        learner_id = learner.public_id
    client_a = app_a.test_client()
    issued = client_a.post(
        f"/api/v1/learners/{learner_id}/passports",
        json={"languages": ["ar", "en"]},
        headers=bearer("school_admin"),
    )
    assert issued.status_code == 201
    passport = issued.get_json()
    document = login_as("school_admin").get(f"/passports/{passport['id']}.json")
    return Border(
        app_a,
        client_a,
        app_b,
        clients["school@portal-b.example"],
        clients["sysadmin@portal-b.example"],
        passport,
        document.get_data(as_text=True),
    )


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---- trust -------------------------------------------------------------------------------------


def test_trust_list_is_signed_and_names_the_issuing_school(border):
    document = json.loads(border.trust_list_of_a())
    assert document["format"] == "portal-trust-list/1"
    assert document["instance"]["base_url"] == URL_A
    assert document["fingerprint"] == border.fingerprint_of_a()
    with border.app_b.app_context():
        candidate = trust.inspect_trust_list(json.dumps(document))
    [entry] = candidate.entries
    assert (entry["name"], entry["jurisdiction"], entry["purposes"]) == (
        "School A",
        "DE-NW",
        ["passport"],
    )
    assert entry["issuer"].startswith(f"{URL_A}/issuers/")
    assert entry["status_list"].startswith(f"{URL_A}/status-lists/")


def test_trust_import_requires_the_fingerprint_read_out_of_band(border):
    r = border.import_trust_list(fingerprint="0000 1111 2222")
    assert r.status_code == 422
    assert "does not match this trust list" in r.get_data(as_text=True)
    assert count(border.app_b, TrustedInstance) == 0
    with border.app_b.app_context():
        refused = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "trust.import_refused")
        )
    assert refused == 1
    # Typed in lower case and without spaces is the same fingerprint.
    typed = border.fingerprint_of_a().replace(" ", "").lower()
    assert border.import_trust_list(fingerprint=typed).status_code == 302
    assert count(border.app_b, TrustedInstance) == 1


def test_a_forged_trust_list_is_refused(border):
    document = json.loads(border.trust_list_of_a())
    header, payload, signature = document["trust_list"].split(".")
    document["trust_list"] = f"{header}.{payload[:-4]}AAAA.{signature}"
    with border.app_b.app_context(), pytest.raises(trust.TrustError) as refused:
        trust.inspect_trust_list(json.dumps(document))
    assert refused.value.code == "bad_signature"


def test_an_older_trust_list_cannot_replace_a_newer_one(border, world):
    older = border.trust_list_of_a()
    with border.app_a.app_context():
        # A key rotation makes the next list newer (its seq grows with key changes).
        issuer = services.school_issuer(school_by_id(world.ids["school_a"]))
        services.rotate_key(issuer, now=utcnow() + timedelta(seconds=2))
        db.session.commit()
        newer = trust.published_trust_list(now=utcnow() + timedelta(seconds=3))
    fingerprint = border.fingerprint_of_a()
    with border.app_b.app_context():
        admin = db.session.scalar(select(User).where(User.role == "system_admin"))
        newer_candidate = trust.inspect_trust_list(json.dumps(newer))
        older_candidate = trust.inspect_trust_list(older)
        assert newer_candidate.seq > older_candidate.seq
        assert len(newer_candidate.entries) == 2
        trust.import_trust_list(admin, newer_candidate, fingerprint)
        with pytest.raises(trust.TrustError) as refused:
            trust.import_trust_list(admin, older_candidate, fingerprint)
        assert refused.value.code == "rollback"
        db.session.rollback()


# ---- verification across the border -----------------------------------------------------------


def test_verification_on_b_follows_trust_and_status_lists(border):
    qr = {"qr": border.passport["qr"]}
    assert border.verify_on_b(**qr)["status"] == "unknown_issuer"
    assert border.import_trust_list().status_code == 302
    result = border.verify_on_b(**qr)
    assert result["status"] == "valid_status_not_current"  # no copy of A's list yet
    assert result["issuer"]["trusted_by"] == "portal-a.example"
    border.refresh_status_lists()
    assert border.verify_on_b(**qr)["status"] == "valid"
    assert border.verify_on_b(credential=border.passport["credential"])["status"] == "valid"
    # A cached list older than its ttl is no longer current.
    with border.app_b.app_context():
        cached = db.session.scalar(select(CachedStatusList))
        cached.fetched_at = utcnow() - timedelta(seconds=cached.ttl_seconds + 1)
        db.session.commit()
    assert border.verify_on_b(**qr)["status"] == "valid_status_not_current"


def test_revocation_on_a_reaches_b_with_the_next_list(border, bearer):
    border.import_trust_list()
    border.refresh_status_lists()
    r = border.client_a.post(
        f"/api/v1/passports/{border.passport['id']}/revoke",
        json={"reason": "issued to the wrong child"},
        headers=bearer("school_admin"),
    )
    assert r.status_code == 200
    border.refresh_status_lists()
    assert border.verify_on_b(qr=border.passport["qr"])["status"] == "revoked"
    r = border.import_on_b(border.document)
    assert r.status_code == 422
    assert "This passport has been revoked" in r.get_data(as_text=True)
    assert count(border.app_b, Learner) == 0


def test_removing_trust_makes_the_issuer_unknown_again(border):
    border.import_trust_list()
    with border.app_b.app_context():
        [instance] = trust.trusted_instances()
        public_id = instance.public_id
    r = border.sysadmin_b.post(
        f"/admin/trust/{public_id}/remove",
        data={"csrf_token": csrf_token(border.sysadmin_b, "/admin/trust")},
    )
    assert r.status_code == 302
    assert border.verify_on_b(qr=border.passport["qr"])["status"] == "unknown_issuer"


# ---- import into a new learner record -----------------------------------------------------------


def test_import_creates_a_new_learner_with_verified_studies(border):
    border.import_trust_list()
    border.refresh_status_lists()
    check = border.import_on_b(border.document, action="check")
    assert check.status_code == 200
    assert "Import into a new learner record" in check.get_data(as_text=True)
    assert count(border.app_b, Learner) == 0
    r = border.import_on_b(border.document)
    assert r.status_code == 302, r.get_data(as_text=True)
    with border.app_b.app_context():
        [learner] = db.session.scalars(select(Learner)).all()
        assert learner.school.name == "Schule am Rhein"
        assert [n.full for n in learner.names] == ["Amal Haddad"]
        assert (learner.birth_date.isoformat(), learner.birth_date_precision) == (
            "2012-03-10",
            "day",
        )
        [study] = learner.studies
        kid = verify_credential(border.passport["credential"]).issuer["kid"]
        assert (study.evidence_level, study.source) == (5, "passport")
        assert study.verified_issuer == f"School A ({kid})"
        assert (study.system_version.code, study.grade_code, study.status) == (
            "SY-2002",
            "SY-G4",
            "completed",
        )
        assert [
            (r.subject_name, r.raw_mark, r.scale_best, r.scale_pass) for r in study.results
        ] == [
            ("الرياضيات", "91", "100", "50"),
            ("اللغة العربية", "82", "100", "50"),
        ]
        [evidence] = study.evidence
        assert (evidence.document_type, evidence.verified, evidence.issuer) == (
            "credential",
            True,
            "School A",
        )
        assert evidence.note.endswith(" E4")  # the issuer's own evidence level is kept
        identifiers = db.session.scalars(select(LearnerIdentifier.value)).all()
        assert identifiers == [verify_qr(border.passport["qr"]).document.credential_id]
        imported = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "passport.imported")
        )
        assert imported.details["kid"] == kid
    # The same passport cannot be imported twice (K3).
    again = border.import_on_b(border.document)
    assert again.status_code == 422
    assert "already been imported" in again.get_data(as_text=True)
    assert count(border.app_b, Learner) == 1


def test_import_with_status_not_current_needs_explicit_confirmation(border):
    border.import_trust_list()  # no status list fetched
    refused = border.import_on_b(border.document)
    assert refused.status_code == 422
    assert "Tick the confirmation" in refused.get_data(as_text=True)
    assert count(border.app_b, Learner) == 0
    assert border.import_on_b(border.document, confirm=True).status_code == 302
    assert count(border.app_b, Learner) == 1


def test_import_of_a_tampered_or_untrusted_passport_changes_nothing(border):
    untrusted = border.import_on_b(border.document)
    assert "does not trust" in untrusted.get_data(as_text=True)
    border.import_trust_list()
    border.refresh_status_lists()
    document = json.loads(border.document)
    header, payload, signature = document["credential"].split(".")
    document["credential"] = f"{header}.{payload[:-6]}AAAAAA.{signature}"
    r = border.import_on_b(json.dumps(document))
    assert r.status_code == 422
    assert "This passport is not valid" in r.get_data(as_text=True)
    assert count(border.app_b, Learner) == 0


def test_a_passport_issued_here_is_not_imported_but_transferred(border, login_as):
    c = login_as("school_admin")
    r = c.post(
        "/learners/import-passport",
        data={
            "text": border.passport["qr"],
            "action": "import",
            "csrf_token": csrf_token(c, "/learners/import-passport"),
        },
    )
    assert r.status_code == 422
    assert "transfer the learner instead" in r.get_data(as_text=True)


def test_import_page_is_for_school_administrators_only(border):
    assert border.sysadmin_b.get("/learners/import-passport").status_code == 403
