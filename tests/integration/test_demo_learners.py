"""Demo learners: realistic, idempotent, scoped like real records."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.learners import services
from portal.learners.models import (
    Assessment,
    Consent,
    Enrolment,
    Guardianship,
    Learner,
    LearnerIdentifier,
    StudyRecord,
    Transfer,
)
from portal.learners.services import LearnerReadOnly

MODELS = (
    Learner,
    StudyRecord,
    Assessment,
    Consent,
    Enrolment,
    Transfer,
    Guardianship,
    AuditEntry,
)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _demo(key: str) -> Learner:
    return db.session.scalar(
        select(Learner)
        .join(LearnerIdentifier)
        .where(LearnerIdentifier.kind == "other", LearnerIdentifier.value == key)
    )


@pytest.fixture
def seeded(app, runner, reference):
    result = runner.invoke(args=["portal", "seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def test_seeding_twice_changes_nothing(seeded, runner):
    with seeded.app_context():
        first = _counts()
    assert runner.invoke(args=["portal", "seed-demo"]).exit_code == 0
    with seeded.app_context():
        assert _counts() == first
        assert {k: first[k] for k in ("Learner", "StudyRecord", "Assessment", "Transfer")} == {
            "Learner": 5,
            "StudyRecord": 8,
            "Assessment": 1,
            "Transfer": 1,
        }
    verify = runner.invoke(args=["portal", "audit-verify"])
    assert verify.exit_code == 0, verify.output


def test_demo_covers_origins_scripts_calendars_and_evidence_levels(seeded):
    with seeded.app_context():
        learners = db.session.scalars(select(Learner)).all()
        studies = db.session.scalars(select(StudyRecord)).all()
        assert {s.system_version.jurisdiction.code for s in studies} == {
            "SY",
            "UA",
            "AF",
            "SS",
            "VE",
        }
        assert {s.evidence_level for s in studies} == {1, 2, 3, 4, 5}
        assert {n.script for learner in learners for n in learner.names} == {"Arab", "Cyrl", "Latn"}
        amal = _demo("DEMO-SY-001")
        assert [(n.given, n.kind) for n in amal.names] == [
            ("أمل", "original"),
            ("Amal", "transliteration"),
        ]
        zahra = _demo("DEMO-AF-001")
        assert (zahra.birth_date_calendar, zahra.birth_date_original) == (
            "solar_hijri",
            "30 Qaws 1390",
        )
        assert zahra.birth_date.isoformat() == "2011-12-21"
        deng = _demo("DEMO-SS-001")
        assert (deng.birth_date_precision, [s.evidence_level for s in deng.studies]) == (
            "estimated",
            [1],
        )
        maria = _demo("DEMO-VE-001")
        assert {lang.language: lang.proficiency for lang in maria.languages}["es"] == "L1"
        assert {learner.school.name for learner in learners} == {
            "Gesamtschule am Rhein",
            "Städtische Realschule Nord",
        }


def test_guardian_sees_exactly_one_child_at_school_a(seeded):
    with seeded.app_context():
        guardian = _user("guardian@demo.example")
        children = db.session.scalars(services.visible_learners(guardian)).all()
        assert [c.public_id for c in children] == [_demo("DEMO-SY-001").public_id]
        assert children[0].school.name == "Gesamtschule am Rhein"
        with pytest.raises(LearnerReadOnly):
            services.learner_for(guardian, children[0].public_id, write=True)


def test_transfer_history_stays_visible_read_only_at_school_a(seeded):
    with seeded.app_context():
        a, b = _user("school-a@demo.example"), _user("school-b@demo.example")
        oleh = _demo("DEMO-UA-001")
        [transfer] = db.session.scalars(select(Transfer)).all()
        assert (transfer.learner_id, transfer.status) == (oleh.id, "accepted")
        assert (transfer.from_school_id, transfer.to_school_id) == (a.school_id, b.school_id)
        assert oleh.school_id == b.school_id
        assert services.learner_for(a, oleh.public_id).public_id == oleh.public_id
        with pytest.raises(LearnerReadOnly):
            services.learner_for(a, oleh.public_id, write=True)
        assert services.learner_for(b, oleh.public_id, write=True) is oleh
        assert [(e.school_id, e.status) for e in oleh.enrolments] == [(a.school_id, "transferred")]
        history = services.search_learners(a, services.SearchQuery(status="history"))
        assert [learner.public_id for learner in history.learners] == [oleh.public_id]


def test_no_demo_learners_without_reference_data(app, runner):
    assert runner.invoke(args=["portal", "seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Learner)) == 0
