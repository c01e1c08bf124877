"""Transfers through the pages: consent, request, minimal view, accept or reject, history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.learners.models import Learner, StudyRecord, Transfer
from portal.schools.models import School
from tests.conftest import csrf_token
from tests.factories import make_learner


def _school(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


@pytest.fixture
def amal(app, world):
    with app.app_context():
        learner = make_learner(
            _school(world.ids["school_a"]),
            "Amal",
            "Haddad",
            birth="2012-03-10",
            identifiers=(("unhcr", "UNHCR-555-12"),),
        )
        db.session.commit()
        return learner.public_id


def _consent(c, learner: str) -> None:
    token = csrf_token(c, f"/learners/{learner}/consents/new?purpose=transfer")
    r = c.post(
        f"/learners/{learner}/consents/new",
        data={
            "csrf_token": token,
            "purpose": "transfer",
            "given_by": "father",
            "legal_basis": "consent",
            "given_on": date.today().isoformat(),
        },
    )
    # Straight on to the transfer form once the consent is on file.
    assert r.headers["Location"] == f"/learners/{learner}/transfer"


def _request(c, learner: str, to_school: str):
    token = csrf_token(c, f"/learners/{learner}/transfer")
    return c.post(
        f"/learners/{learner}/transfer",
        data={"csrf_token": token, "to_school": to_school, "reason": "Family moved to Bonn"},
    )


def _transfer_id(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Transfer.public_id))


def test_transfer_flow_through_the_pages(app, world, login_as, amal):
    a, b = login_as("school_admin"), login_as("school_admin_b")

    page = a.get(f"/learners/{amal}/transfer").get_data(as_text=True)
    assert "A transfer needs a recorded consent" in page
    assert f"/learners/{amal}/consents/new?purpose=transfer" in page
    _consent(a, amal)
    assert "Consent for the transfer given by father" in a.get(
        f"/learners/{amal}/transfer"
    ).get_data(as_text=True)
    assert _request(a, amal, world.ids["school_b"]).status_code == 302

    # The receiving school sees only a minimal summary while the request is pending.
    html = b.get("/learners/transfers").get_data(as_text=True)
    assert "<bdi>Amal H.</bdi>" in html
    assert "<td>2012</td>" in html
    assert "<bdi>School A</bdi>" in html
    for secret in ("Haddad", "UNHCR-555-12", "2012-03-10", f"/learners/{amal}"):
        assert secret not in html
    assert b.get(f"/learners/{amal}").status_code == 404
    with app.app_context():
        logged = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "learner.viewed", AuditEntry.entity_id == amal)
        )
        assert logged >= 1

    # School A sees its outgoing request.
    outgoing = a.get("/learners/transfers").get_data(as_text=True)
    assert "<bdi>School B</bdi>" in outgoing and "Waiting for the receiving school" in outgoing

    token = csrf_token(b, "/learners/transfers")
    r = b.post(f"/learners/transfers/{_transfer_id(app)}/accept", data={"csrf_token": token})
    assert r.status_code == 302
    assert r.headers["Location"] == f"/learners/{amal}"

    receiver = b.get(f"/learners/{amal}").get_data(as_text=True)
    assert "Held by your school" in receiver
    assert f"/learners/{amal}/studies/new" in receiver
    assert b.get(f"/learners/{amal}/studies/new").status_code == 200

    sender = a.get(f"/learners/{amal}")
    html = sender.get_data(as_text=True)
    assert sender.status_code == 200
    assert "Read-only history" in html
    assert "<bdi>Amal Haddad</bdi>" in html
    for edit in (
        "studies/new",
        "assessments/new",
        "consents/new",
        "/enrol",
        '/transfer"',
        "withdraw",
    ):
        assert edit not in html, edit
    assert a.get(f"/learners/{amal}/studies/new").status_code == 403
    token = csrf_token(a, "/learners")
    r = a.post(f"/learners/{amal}/studies/new", data={"csrf_token": token})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StudyRecord)) == 0
        learner = db.session.scalar(select(Learner).where(Learner.public_id == amal))
        assert learner.school.public_id == world.ids["school_b"]

    history = a.get("/learners", query_string={"status": "history"}).get_data(as_text=True)
    assert "<bdi>Amal Haddad</bdi>" in history and "History (read-only)" in history


def test_transfer_without_consent_is_refused(app, world, login_as, amal):
    a = login_as("school_admin")
    r = _request(a, amal, world.ids["school_b"])
    assert r.status_code == 400
    assert "A transfer needs a recorded consent for the purpose" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


def test_withdrawn_consent_no_longer_allows_a_transfer(app, world, login_as, amal):
    a = login_as("school_admin")
    _consent(a, amal)
    with app.app_context():
        from portal.learners.models import Consent

        consent_id = db.session.scalar(select(Consent.public_id))
    token = csrf_token(a, f"/learners/{amal}")
    a.post(f"/learners/{amal}/consents/{consent_id}/withdraw", data={"csrf_token": token})
    assert _request(a, amal, world.ids["school_b"]).status_code == 400


def test_own_school_is_not_offered_and_cannot_be_forced(app, world, login_as, amal):
    a = login_as("school_admin")
    _consent(a, amal)
    page = a.get(f"/learners/{amal}/transfer").get_data(as_text=True)
    assert world.ids["school_b"] in page and world.ids["school_a"] not in page
    assert _request(a, amal, world.ids["school_a"]).status_code == 400


def test_reject_needs_a_reason_and_keeps_the_record(app, world, login_as, amal):
    a, b = login_as("school_admin"), login_as("school_admin_b")
    _consent(a, amal)
    _request(a, amal, world.ids["school_b"])
    transfer_id = _transfer_id(app)
    token = csrf_token(b, "/learners/transfers")

    r = b.post(f"/learners/transfers/{transfer_id}/reject", data={"csrf_token": token})
    assert r.status_code == 302
    assert "Write the reason" in b.get("/learners/transfers").get_data(as_text=True)

    r = b.post(
        f"/learners/transfers/{transfer_id}/reject",
        data={"csrf_token": token, "reason": "No place in grade 5"},
    )
    assert r.status_code == 302
    with app.app_context():
        transfer = db.session.scalar(select(Transfer))
        assert (transfer.status, transfer.reason) == ("rejected", "No place in grade 5")
        assert transfer.learner.school.public_id == world.ids["school_a"]
    assert "No place in grade 5" in a.get("/learners/transfers").get_data(as_text=True)
    assert b.get(f"/learners/{amal}").status_code == 404

    # A decided transfer cannot be decided again.
    r = b.post(f"/learners/transfers/{transfer_id}/accept", data={"csrf_token": token})
    assert r.status_code == 302
    assert "This transfer has already been decided." in b.get("/learners/transfers").get_data(
        as_text=True
    )


def test_only_the_receiving_school_can_decide(app, world, login_as, amal):
    a = login_as("school_admin")
    _consent(a, amal)
    _request(a, amal, world.ids["school_b"])
    token = csrf_token(a, "/learners/transfers")
    transfer_id = _transfer_id(app)
    assert (
        a.post(f"/learners/transfers/{transfer_id}/accept", data={"csrf_token": token}).status_code
        == 404
    )
    # Rejecting someone else's transfer is a 404 even before the reason is looked at.
    assert (
        a.post(f"/learners/transfers/{transfer_id}/reject", data={"csrf_token": token}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(Transfer.status)) == "pending"
