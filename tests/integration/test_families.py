"""Families: invitation codes, a guardian's view of a child, access log, corrections."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.families import services as family
from portal.learners import services as learners
from portal.learners.models import CorrectionRequest, GuardianInvitation, Guardianship
from portal.schools.models import School
from tests.conftest import CSRF_RE, csrf_token
from tests.curricula_factories import make_system
from tests.factories import make_learner, make_user

CODE_RE = re.compile(r'id="invitation-code">([A-Z0-9-]+)<')
REFUSED = "This code does not work."
NEW_PASSWORD = "a long family passphrase"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _school(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _actions(entity_id: str) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "learner", AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.seq)
        )
    )


@pytest.fixture
def kids(app, world):
    """Amal (school A, the guardian's child, Arabic name), Lina (school A, not linked yet),
    Oleh (school B, another family's child)."""
    with app.app_context():
        guardian = _user(world.emails["guardian"])
        other_family = make_user("other-parent@test.example", "guardian", name="Zq7 Other Parent")
        a, b = _school(world.ids["school_a"]), _school(world.ids["school_b"])
        amal = make_learner(a, "أمل", "حداد", guardians=(guardian,))
        lina = make_learner(a, "Lina", "Haddad", birth="2014-05-01")
        oleh = make_learner(b, "Oleh", "Zq7Canary", guardians=(other_family,))
        db.session.commit()
        return {"amal": amal.public_id, "lina": lina.public_id, "oleh": oleh.public_id}


def _invite(client, learner_id: str, relationship: str = "parent", language: str = "ar"):
    token = csrf_token(client, "/home")
    return client.post(
        f"/family/invitations/{learner_id}",
        data={"relationship": relationship, "family_language": language, "csrf_token": token},
    )


def _code(school_client, learner_id: str) -> str:
    r = _invite(school_client, learner_id)
    assert r.status_code == 200, r.get_data(as_text=True)
    return CODE_RE.search(r.get_data(as_text=True)).group(1)


def _join(client, code: str, email: str = "new.parent@test.example", **extra):
    data = {
        "code": code,
        "display_name": "Nadia",
        "email": email,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/family/join"),
        **extra,
    }
    return client.post("/family/join", data=data)


def _client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _refusal(response) -> str:
    text = response.get_data(as_text=True)
    match = re.search(r'id="code-errors"[^>]*><div>([^<]+)</div>', text)
    assert match, text
    return match.group(1)


# --- invitations ---------------------------------------------------------------------------


def test_invitation_code_is_shown_once_and_stored_hashed(app, login_as, kids):
    school = login_as("school_admin")
    r = _invite(school, kids["lina"])
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    code = CODE_RE.search(page).group(1)
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", code)
    assert "/family/join?lang=ar" in page
    plain = code.replace("-", "")
    with app.app_context():
        invitation = db.session.scalar(select(GuardianInvitation))
        assert invitation.learner.public_id == kids["lina"]
        assert invitation.relationship_kind == "parent"
        assert plain[4:] not in invitation.code_hash
        assert invitation.code_hash.startswith(plain[:4] + ":")
        assert len(invitation.code_hash) == 64
        lifetime = invitation.expires_at - invitation.created_at
        assert lifetime == timedelta(days=14)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guardian.invited"))
        assert entry.entity_id == kids["lina"]
        assert plain[4:] not in str(entry.details)
    # A second invitation is a different code: nothing re-displays the first one.
    assert CODE_RE.search(_invite(school, kids["lina"]).get_data(as_text=True)).group(1) != code


@pytest.mark.parametrize(
    ("role", "which", "status"),
    [
        ("school_admin", "oleh", 404),
        ("school_admin_b", "lina", 404),
        ("guardian", "amal", 403),
        ("ministry_official", "lina", 403),
    ],
    ids=["other-school", "school-b", "guardian", "ministry"],
)
def test_only_the_holding_school_can_invite(app, login_as, kids, role, which, status):
    assert _invite(login_as(role), kids[which]).status_code == status
    with app.app_context():
        assert _count(GuardianInvitation) == 0


def test_invitation_with_unknown_relationship_is_refused(app, login_as, kids):
    r = _invite(login_as("school_admin"), kids["lina"], relationship="owner")
    assert r.status_code == 400
    with app.app_context():
        assert _count(GuardianInvitation) == 0


# --- redeeming -----------------------------------------------------------------------------


def test_redeemed_code_creates_a_guardian_who_sees_only_that_child(app, login_as, kids):
    code = _code(login_as("school_admin"), kids["lina"])
    family_client = app.test_client()
    # Typed on a phone: lower case, spaces instead of dashes.
    r = _join(family_client, code.lower().replace("-", " "))
    assert r.status_code == 302
    assert r.headers["Location"] == f"/family/children/{kids['lina']}"
    home = family_client.get("/family/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "<bdi>Lina Haddad</bdi>" in text
    assert "حداد" not in text and "Zq7Canary" not in text
    assert family_client.get(f"/family/children/{kids['lina']}").status_code == 200
    assert family_client.get(f"/family/children/{kids['amal']}").status_code == 404
    assert family_client.get(f"/family/children/{kids['oleh']}").status_code == 404
    with app.app_context():
        user = _user("new.parent@test.example")
        assert (user.role, user.display_name, user.locale) == ("guardian", "Nadia", "en")
        link = db.session.scalar(select(Guardianship).where(Guardianship.user_id == user.id))
        assert (link.learner.public_id, link.relationship_kind) == (kids["lina"], "parent")
        invitation = db.session.scalar(select(GuardianInvitation))
        assert invitation.used_by_id == user.id and invitation.used_at is not None
        assert "guardian.linked" in _actions(kids["lina"])


def test_signed_in_guardian_adds_a_child_with_a_code(app, login_as, world, kids):
    code = _code(login_as("school_admin"), kids["lina"])
    guardian = login_as("guardian")
    form = guardian.get("/family/join").get_data(as_text=True)
    assert 'name="email"' not in form
    token = CSRF_RE.search(form).group(1)
    r = guardian.post("/family/join", data={"code": code, "csrf_token": token})
    assert r.status_code == 302
    text = guardian.get("/family/").get_data(as_text=True)
    assert "<bdi>Lina Haddad</bdi>" in text and "<bdi>أمل حداد</bdi>" in text
    with app.app_context():
        assert _count(User, User.role == "guardian") == 2  # no new account


def test_used_code_cannot_be_reused(app, login_as, kids):
    code = _code(login_as("school_admin"), kids["lina"])
    assert _join(app.test_client(), code).status_code == 302
    again = _join(app.test_client(), code, email="someone.else@test.example")
    assert again.status_code == 400
    assert _refusal(again).startswith(REFUSED)
    with app.app_context():
        assert _user("someone.else@test.example") is None


def test_expired_code_is_refused_with_the_same_answer(app, login_as, kids):
    school = login_as("school_admin")
    expired, unknown = _code(school, kids["lina"]), "2345-6789-ABCD"
    with app.app_context():
        # Move the clock: the invitation was made 14 days and a second ago.
        invitation = db.session.scalar(select(GuardianInvitation))
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    answers = {_refusal(_join(app.test_client(), c)) for c in (expired, unknown)}
    assert len(answers) == 1
    assert answers.pop().startswith(REFUSED)
    with app.app_context():
        assert _user("new.parent@test.example") is None
        assert _count(Guardianship, Guardianship.learner.has(public_id=kids["lina"])) == 0


def test_five_wrong_codes_burn_the_invitation(app, login_as, kids):
    code = _code(login_as("school_admin"), kids["lina"]).replace("-", "")
    wrong = code[:4] + ("2345678A" if code[4:] != "2345678A" else "2345678B")
    client = app.test_client()
    for _attempt in range(family.MAX_CODE_FAILURES):
        assert _join(client, wrong).status_code == 400
    refused = _join(client, code)
    assert refused.status_code == 400
    assert _refusal(refused).startswith(REFUSED)
    with app.app_context():
        invitation = db.session.scalar(select(GuardianInvitation))
        assert invitation.failed_attempts == family.MAX_CODE_FAILURES
        assert invitation.used_at is None
        assert family.invitation_state(invitation) == "burnt"


def test_many_wrong_codes_from_one_address_are_throttled(app, login_as, kids):
    code = _code(login_as("school_admin"), kids["lina"])
    attacker = _client_at(app, "203.0.113.9")
    for n in range(family.SOURCE_FAILURE_LIMIT):
        guess = f"{n:04d}".translate(str.maketrans("01", "XY")) + "-WXYZ-WXYZ"
        assert _join(attacker, guess).status_code == 400
    # Even the right code is not checked from this address for the rest of the hour.
    throttled = _join(attacker, code)
    assert throttled.status_code == 429
    assert "Too many wrong codes" in _refusal(throttled)
    neighbour = _client_at(app, "198.51.100.7")
    assert _join(neighbour, code).status_code == 302
    with app.app_context():
        failures = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == family.JOIN_FAILED)
        ).all()
        assert len(failures) == family.SOURCE_FAILURE_LIMIT
        assert {f.entity for f in failures} == {"client"}
        assert all("203.0.113.9" not in (f.entity_id or "") for f in failures)


def test_existing_e_mail_keeps_the_code_usable(app, login_as, world, kids):
    code = _code(login_as("school_admin"), kids["lina"])
    r = _join(app.test_client(), code, email=world.emails["school_admin"])
    assert r.status_code == 400
    assert "already exists" in r.get_data(as_text=True)
    assert _join(app.test_client(), code).status_code == 302


def test_staff_cannot_use_the_join_page(login_as):
    assert login_as("school_admin").get("/family/join").status_code == 403


# --- guardian pages ------------------------------------------------------------------------


def test_child_page_is_audited_and_shows_the_record(app, login_as, world, kids):
    with app.app_context():
        school_admin = _user(world.emails["school_admin"])
        system = make_system("SY", "SY-TEST", 12, prefix="SY")
        amal = learners.learner_for(school_admin, kids["amal"])
        learners.add_study(
            school_admin,
            amal,
            learners.StudyInput(
                system_version_code=system.code,
                grade_code="SY-G3",
                status="completed",
                evidence_level=1,
                school_name="مدرسة الأمل",
            ),
            today=date(2025, 1, 1),
        )
        db.session.commit()
    guardian = login_as("guardian")
    r = guardian.get(f"/family/children/{kids['amal']}")
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<bdi>مدرسة الأمل</bdi>" in text
    assert "You or your child told the school about it." in text
    assert "Finished this school year" in text
    assert "March 10, 2012" in text
    with app.app_context():
        views = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "learner.viewed",
                AuditEntry.entity_id == kids["amal"],
                AuditEntry.actor_id == world.ids["guardian"],
            )
        ).all()
        assert [v.details["purpose"] for v in views] == ["family_record"]


def test_another_family_s_child_looks_missing(login_as, kids):
    guardian = login_as("guardian")
    strip = re.compile(r'value="[^"]*"')
    for suffix in ("", "/access-log", "/corrections"):
        other = guardian.get(f"/family/children/{kids['oleh']}{suffix}")
        missing = guardian.get(f"/family/children/no-such-child{suffix}")
        assert other.status_code == missing.status_code == 404
        assert strip.sub("", other.get_data(as_text=True)) == strip.sub(
            "", missing.get_data(as_text=True)
        )


def test_guardian_page_renders_in_arabic_right_to_left(login_as, kids):
    guardian = login_as("guardian")
    r = guardian.get(f"/family/children/{kids['amal']}", query_string={"lang": "ar"})
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in text
    assert "<bdi>أمل حداد</bdi>" in text
    assert "bootstrap.rtl.min.css" in text


def test_access_log_shows_the_school_s_view_and_the_study_added(app, login_as, world, kids):
    with app.app_context():
        school_admin = _user(world.emails["school_admin"])
        other_parent = _user("other-parent@test.example")
        amal = learners.view_learner(school_admin, kids["amal"])
        system = make_system("SY", "SY-TEST", 12, prefix="SY")
        learners.add_study(
            school_admin,
            amal,
            learners.StudyInput(
                system_version_code=system.code,
                grade_code="SY-G2",
                status="completed",
                evidence_level=4,
            ),
            today=date(2025, 1, 1),
        )
        # Another guardian of the same child: shown without their name.
        amal.guardianships.append(Guardianship(user_id=other_parent.id, relationship_kind="carer"))
        db.session.flush()
        learners.view_learner(other_parent, kids["amal"])
        db.session.commit()
    guardian = login_as("guardian")
    r = guardian.get(f"/family/children/{kids['amal']}/access-log")
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    items = re.findall(r'<li class="list-group-item py-3">(.*?)</li>', text, re.S)
    lines = [" ".join(re.sub(r"<[^>]+>", " ", i).split()) for i in items]
    # Newest first: this very visit, the other guardian, the study, the school's view.
    assert lines[0].startswith("You Looked at the record")
    assert lines[1].startswith("Another family member Looked at the record")
    assert lines[2].startswith("School A (school) Added a school year")
    assert lines[3].startswith("School A (school) Looked at the record")
    assert "Zq7 Other Parent" not in text
    assert "other-parent@test.example" not in text


# --- corrections ---------------------------------------------------------------------------


def test_correction_request_round_trip(app, login_as, world, kids):
    guardian = login_as("guardian")
    url = f"/family/children/{kids['amal']}/corrections"
    token = csrf_token(guardian, url)
    r = guardian.post(url, data={"message": "  The birth date is 11 March.  ", "csrf_token": token})
    assert r.status_code == 302
    page = guardian.get(url).get_data(as_text=True)
    assert "The birth date is 11 March.<br>" in page
    assert "Waiting for the school" in page
    with app.app_context():
        item = db.session.scalar(select(CorrectionRequest))
        assert (item.status, item.message) == ("open", "The birth date is 11 March.")
        rid = item.public_id

    school_b = login_as("school_admin_b")
    foreign = school_b.post(
        f"/family/corrections/{rid}/answer",
        data={"response": "No", "status": "closed", "csrf_token": csrf_token(school_b, "/home")},
    )
    assert foreign.status_code == 404

    school = login_as("school_admin")
    r = school.post(
        f"/family/corrections/{rid}/answer",
        data={
            "response": "Corrected, thank you.",
            "status": "answered",
            "next": "/home",
            "csrf_token": csrf_token(school, "/home"),
        },
    )
    assert r.status_code == 302 and r.headers["Location"] == "/home"

    page = guardian.get(url).get_data(as_text=True)
    assert "Answer from the school" in page
    assert "Corrected, thank you.<br>" in page
    assert "The school answered" in page
    with app.app_context():
        item = db.session.scalar(select(CorrectionRequest))
        assert item.status == "answered"
        assert item.answered_by_id == _user(world.emails["school_admin"]).id
        actions = _actions(kids["amal"])
        assert "learner.correction_requested" in actions
        assert "learner.correction_answered" in actions
        answered = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "learner.correction_answered")
        )
        assert answered.details == {"request": rid, "status": "answered"}
        assert "Corrected" not in str(answered.details)


def test_correction_request_longer_than_2000_characters_is_refused(app, login_as, kids):
    guardian = login_as("guardian")
    url = f"/family/children/{kids['amal']}/corrections"
    token = csrf_token(guardian, url)
    r = guardian.post(url, data={"message": "x" * 2001, "csrf_token": token})
    assert r.status_code == 400
    assert guardian.post(url, data={"message": "x" * 2000, "csrf_token": token}).status_code == 302
    with app.app_context():
        assert _count(CorrectionRequest) == 1


def test_school_panel_lists_guardians_invitations_and_requests(app, world, kids):
    with app.app_context():
        guardian = _user(world.emails["guardian"])
        school_admin = _user(world.emails["school_admin"])
        amal = learners.learner_for(guardian, kids["amal"])
        family.request_correction(guardian, amal, "Name spelled wrongly")
        family.create_invitation(school_admin, amal, "carer")
        db.session.commit()
        template = '{% include "families/_learner_panel.html" %}'
        with app.test_request_context("/learners/x"):
            login_user(school_admin)
            html = render_template_string(template, learner=amal, can_write=True)
        assert "<bdi>Test User</bdi> · Parent" in html
        assert "Other family member or carer · Not used yet" in html
        assert "Name spelled wrongly<br>" in html
        assert f'action="/family/corrections/{_first_request_id()}/answer"' in html
        with app.test_request_context("/learners/x"):
            login_user(_user(world.emails["school_admin_b"]))
            assert render_template_string(template, learner=amal, can_write=False).strip() == ""


def _first_request_id() -> str:
    return db.session.scalar(select(CorrectionRequest.public_id))
