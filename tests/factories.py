"""Test data builders that go through the same models as the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.schools.models import Jurisdiction, School

PASSWORD = "correct horse battery staple"


def make_jurisdiction(code: str, name: str | None = None) -> Jurisdiction:
    """Return the jurisdiction, creating it unless the reference data already has it."""
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is not None:
        return found
    j = Jurisdiction(code=code, country=code[:2], names={"en": name or code}, authority={})
    db.session.add(j)
    db.session.flush()
    return j


def make_school(name: str, jurisdiction: Jurisdiction, city: str = "") -> School:
    s = School(name=name, city=city, jurisdiction=jurisdiction)
    db.session.add(s)
    db.session.flush()
    return s


def make_user(
    email: str,
    role: str,
    *,
    school: School | None = None,
    jurisdiction: Jurisdiction | None = None,
    password: str = PASSWORD,
    locale: str | None = None,
    name: str = "Test User",
) -> User:
    u = User(
        email=email,
        display_name=name,
        role=role,
        school=school,
        jurisdiction=jurisdiction,
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(u)
    db.session.flush()
    return u


@dataclass
class World:
    emails: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


def build_world() -> World:
    """Create DE-NW with schools A and B, DE-BY, and one account per role."""
    nw = make_jurisdiction("DE-NW", "North Rhine-Westphalia")
    by = make_jurisdiction("DE-BY", "Bavaria")
    school_a = make_school("School A", nw, "Köln")
    school_b = make_school("School B", nw, "Bonn")
    world = World()
    accounts = {
        "system_admin": make_user("sysadmin@test.example", "system_admin"),
        "ministry_official": make_user(
            "ministry@test.example", "ministry_official", jurisdiction=nw
        ),
        "ministry_other": make_user(
            "ministry-by@test.example", "ministry_official", jurisdiction=by
        ),
        "school_admin": make_user("school-a@test.example", "school_admin", school=school_a),
        "school_admin_b": make_user("school-b@test.example", "school_admin", school=school_b),
        "guardian": make_user("guardian@test.example", "guardian"),
    }
    for key, user in accounts.items():
        world.emails[key] = user.email
        world.ids[key] = user.public_id
    world.ids["school_a"], world.ids["school_b"] = school_a.public_id, school_b.public_id
    return world


def make_learner(
    school: School,
    given: str = "Amal",
    family: str = "Haddad",
    *,
    birth: str = "2012-03-10",
    guardians: tuple[User, ...] = (),
    identifiers: tuple[tuple[str, str], ...] = (),
):
    """Create a learner held by a school, optionally linked to guardian accounts."""
    from datetime import date

    from portal.learners import domain
    from portal.learners.models import Guardianship, Learner, LearnerIdentifier, LearnerName

    learner = Learner(school_id=school.id, birth_date=date.fromisoformat(birth))
    learner.names = [
        LearnerName(
            position=0,
            script=domain.detect_script(given),
            given=given,
            family=family,
            search_key=domain.fold_name(f"{given} {family}"),
        )
    ]
    learner.identifiers = [
        LearnerIdentifier(kind=k, value=v, normalized_value=domain.normalise_identifier(v))
        for k, v in identifiers
    ]
    learner.guardianships = [
        Guardianship(user_id=g.id, relationship_kind="parent") for g in guardians
    ]
    db.session.add(learner)
    db.session.flush()
    return learner
