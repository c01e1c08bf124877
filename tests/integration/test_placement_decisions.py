"""The school recommends a placement, reads why, and accepts or overrides with a reason."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.learners.services import StudyInput, add_study
from portal.placement.models import PlacementDecision, PlacementRecommendation
from portal.schools.models import School
from tests.conftest import csrf_token
from tests.factories import make_learner


def _learner(app, world) -> str:
    """The DOMAIN.md §6.5 learner: born 2012-03-10, Syrian grade 4 completed (E4), no German."""
    with app.app_context():
        school = db.session.scalar(select(School).where(School.public_id == world.ids["school_a"]))
        admin = db.session.scalar(select(User).where(User.email == world.emails["school_admin"]))
        guardian = db.session.scalar(select(User).where(User.email == world.emails["guardian"]))
        learner = make_learner(school, "أمل", "حداد", birth="2012-03-10", guardians=(guardian,))
        add_study(
            admin,
            learner,
            StudyInput(
                system_version_code="SY-2002",
                grade_code="SY-G4",
                status="completed",
                evidence_level=4,
                period_start=date(2019, 9, 1),
                period_end=date(2020, 6, 30),
            ),
        )
        db.session.commit()
        return learner.public_id


def _recommend(client, learner_id: str) -> str:
    r = client.post(
        f"/placement/learners/{learner_id}/recommendations",
        data={
            "enrolment_on": "2026-09-01",
            "csrf_token": csrf_token(client, f"/learners/{learner_id}"),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def test_recommendation_explains_itself_then_override_needs_a_reason(
    app, world, login_as, reference
):
    learner_id = _learner(app, world)
    school = login_as("school_admin")
    page_url = _recommend(school, learner_id)
    html = school.get(page_url).get_data(as_text=True)
    assert "Why this recommendation" in html
    for code in ("R3", "R4", "R5", "R8"):
        assert f">{code}</span>" in html
    assert "This is a recommendation, not a recognition decision." in html

    token = csrf_token(school, page_url)
    refused = school.post(
        page_url,
        data={"decision": "override", "grade_code": "DE-NW-G7", "reason": "", "csrf_token": token},
    )
    assert refused.status_code == 400
    assert "Explain why you decide differently" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PlacementDecision)) is None

    done = school.post(
        page_url,
        data={
            "decision": "override",
            "grade_code": "DE-NW-G7",
            "programmes": ["PREPARATORY_LANGUAGE"],
            "reason": "Sibling in grade 7; assessment planned",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    with app.app_context():
        decision = db.session.scalar(select(PlacementDecision))
        rec = db.session.scalar(select(PlacementRecommendation))
        assert (decision.decision, decision.grade_code, decision.programmes) == (
            "overridden",
            "DE-NW-G7",
            ["PREPARATORY_LANGUAGE"],
        )
        assert rec.snapshot["computed"]["age_grade"]["cumulative_index"] == 9
        actions = db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("placement.%"))
            .order_by(AuditEntry.seq)
        ).all()
        assert actions == ["placement.recommended", "placement.decided"]
    again = school.post(page_url, data={"decision": "accept", "csrf_token": token})
    assert again.status_code == 409


def test_family_sees_the_decision_and_reasons_in_arabic(app, world, login_as, reference):
    learner_id = _learner(app, world)
    school = login_as("school_admin")
    page_url = _recommend(school, learner_id)
    school.post(page_url, data={"decision": "accept", "csrf_token": csrf_token(school, page_url)})
    family = login_as("guardian")
    html = family.get(f"/family/children/{learner_id}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "<details>" in html
    assert len(re.findall(r"<li>", html)) >= 4  # one sentence per rule fired


def test_other_school_cannot_see_or_decide(app, world, login_as, reference):
    learner_id = _learner(app, world)
    page_url = _recommend(login_as("school_admin"), learner_id)
    other = login_as("school_admin_b")
    assert other.get(page_url).status_code == 404
    assert (
        other.post(
            f"/placement/learners/{learner_id}/recommendations",
            data={"enrolment_on": "2026-09-01", "csrf_token": csrf_token(other, "/learners")},
        ).status_code
        == 404
    )
