"""Who may see and change a learner's record, at the service level."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.learners import services, transfers
from portal.learners.models import Learner
from portal.learners.services import LearnerNotFound, LearnerReadOnly
from portal.schools.models import School
from tests.factories import make_learner


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _school(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


@pytest.fixture
def scene(app, world):
    with app.app_context():
        guardian = _user(world.emails["guardian"])
        own = make_learner(_school(world.ids["school_a"]), guardians=(guardian,))
        other = make_learner(
            _school(world.ids["school_b"]),
            "Oleh",
            "Shevchenko",
            identifiers=(("unhcr", "UNHCR-123-45"),),
        )
        db.session.commit()
        return {"own": own.public_id, "other": other.public_id}


@pytest.mark.parametrize(
    ("role", "which", "expected"),
    [
        ("school_admin", "own", "write"),
        ("school_admin", "other", "none"),
        ("school_admin_b", "other", "write"),
        ("guardian", "own", "read"),
        ("guardian", "other", "none"),
        ("ministry_official", "own", "none"),
        ("system_admin", "own", "none"),
    ],
    ids=[
        "school-own",
        "school-other",
        "school-b-own",
        "guardian-child",
        "guardian-other",
        "ministry",
        "sysadmin",
    ],
)
def test_scope(app, world, scene, role, which, expected):
    with app.app_context():
        user = _user(world.emails[role])
        if expected == "none":
            with pytest.raises(LearnerNotFound):
                services.learner_for(user, scene[which])
            return
        learner = services.learner_for(user, scene[which])
        assert learner.public_id == scene[which]
        if expected == "read":
            with pytest.raises(LearnerReadOnly):
                services.learner_for(user, scene[which], write=True)
        else:
            assert services.learner_for(user, scene[which], write=True) is learner


def test_view_writes_an_access_entry(app, world, scene):
    with app.app_context():
        user = _user(world.emails["guardian"])
        services.view_learner(user, scene["own"])
        db.session.commit()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.viewed"))
        assert (entry.entity_id, entry.actor_id, entry.actor_role) == (
            scene["own"],
            world.ids["guardian"],
            "guardian",
        )


def test_search_finds_name_variants_only_in_scope(app, world, scene):
    with app.app_context():
        a = _user(world.emails["school_admin"])
        page = services.search_learners(a, services.SearchQuery(text="amál"))
        assert [learner.public_id for learner in page.learners] == [scene["own"]]
        assert services.search_learners(a, services.SearchQuery(text="oleh")).total == 0
        assert services.identifier_elsewhere(a, "unhcr", "unhcr 123 45") is True


def test_birth_in_future_is_refused(app, world):
    with app.app_context():
        a = _user(world.emails["school_admin"])
        data = services.LearnerInput(
            names=[services.NameInput("Lina")], birth_date=date(2099, 1, 1)
        )
        with pytest.raises(services.LearnerInputError) as err:
            services.create_learner(a, data)
        assert err.value.problems == {"birth_date": ["birth_in_future"]}
        assert db.session.scalar(select(func.count()).select_from(Learner)) == 0


def test_transfer_needs_consent_then_moves_record_and_leaves_history(app, world, scene):
    with app.app_context():
        a, b = _user(world.emails["school_admin"]), _user(world.emails["school_admin_b"])
        learner = services.learner_for(a, scene["own"], write=True)
        with pytest.raises(services.LearnerInputError) as err:
            transfers.request_transfer(a, learner, world.ids["school_b"])
        assert err.value.problems == {"consent": ["transfer_consent_missing"]}
        services.record_consent(a, learner, "transfer", "mother", "consent", date(2026, 1, 5))
        transfer = transfers.request_transfer(a, learner, world.ids["school_b"])
        with pytest.raises(LearnerNotFound):
            services.learner_for(b, scene["own"])  # pending: not yet the receiver's record
        with pytest.raises(LearnerNotFound):
            transfers.accept_transfer(a, transfer.public_id)  # only the receiver decides
        transfers.accept_transfer(b, transfer.public_id)
        db.session.commit()
        assert services.learner_for(b, scene["own"], write=True).public_id == scene["own"]
        with pytest.raises(LearnerReadOnly):
            services.learner_for(a, scene["own"], write=True)
        assert services.learner_for(a, scene["own"]).public_id == scene["own"]
