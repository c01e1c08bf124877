"""Create and change schools and user accounts, with audit entries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.auth.services import normalise_email, revoke_all_sessions
from portal.extensions import db
from portal.schools.models import Jurisdiction, School


class AdminError(ValueError):
    """A change was refused; `field` names the input at fault and `code` the reason."""

    def __init__(self, field: str, code: str):
        super().__init__(code)
        self.field, self.code = field, code


def list_schools() -> list[School]:
    """Return every school, by name."""
    return list(db.session.scalars(select(School).order_by(School.name)))


def list_jurisdictions() -> list[Jurisdiction]:
    """Return every jurisdiction, by code."""
    return list(db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)))


def list_users() -> list[User]:
    """Return every user account, by e-mail."""
    return list(db.session.scalars(select(User).order_by(User.email)))


def get_school(public_id: str) -> School | None:
    """Return a school by its public id."""
    return db.session.scalar(select(School).where(School.public_id == public_id))


def get_user(public_id: str) -> User | None:
    """Return a user by their public id."""
    return db.session.scalar(select(User).where(User.public_id == public_id))


def _jurisdiction(code: str | None) -> Jurisdiction | None:
    if not code:
        return None
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        raise AdminError("jurisdiction", "unknown_jurisdiction")
    return found


def save_school(school: School | None, name: str, city: str, jurisdiction_code: str) -> School:
    """Create a school, or change one."""
    jurisdiction = _jurisdiction(jurisdiction_code)
    if jurisdiction is None:
        raise AdminError("jurisdiction", "required")
    created = school is None
    school = school or School()
    school.name, school.city, school.jurisdiction = name.strip(), city.strip(), jurisdiction
    db.session.add(school)
    db.session.flush()
    record("school.created" if created else "school.updated", "school", school.public_id)
    return school


@dataclass(frozen=True)
class UserInput:
    email: str
    display_name: str
    role: str
    school_public_id: str | None
    jurisdiction_code: str | None
    active: bool
    password: str | None


def save_user(user: User | None, data: UserInput) -> User:
    """Create an account, or change one; disabling an account ends all its sessions."""
    role = Role(data.role)
    email = normalise_email(data.email)
    clash = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.email == email, User.id != (user.id if user else -1))
    )
    if clash:
        raise AdminError("email", "email_taken")
    school = get_school(data.school_public_id) if data.school_public_id else None
    if role is Role.SCHOOL_ADMIN and school is None:
        raise AdminError("school", "school_required")
    jurisdiction = _jurisdiction(data.jurisdiction_code)
    if role is Role.MINISTRY_OFFICIAL and jurisdiction is None:
        raise AdminError("jurisdiction", "jurisdiction_required")
    created = user is None
    if created and not data.password:
        raise AdminError("password", "password_required")

    user = user or User()
    changed = []
    for attr, value in (
        ("email", email),
        ("display_name", data.display_name.strip()),
        ("role", role.value),
        ("school", school if role is Role.SCHOOL_ADMIN else None),
        ("jurisdiction", jurisdiction if role is Role.MINISTRY_OFFICIAL else None),
        ("active", data.active),
    ):
        if getattr(user, attr, None) != value:
            setattr(user, attr, value)
            changed.append(attr)
    if data.password:
        user.password_hash = hash_password(data.password)
        changed.append("password")
    db.session.add(user)
    db.session.flush()
    if not created and (not data.active or "role" in changed or "password" in changed):
        revoke_all_sessions(user, "disabled" if not data.active else "account_changed")
    record(
        "user.created" if created else "user.updated",
        "user",
        user.public_id,
        details={"fields": sorted(changed)},
    )
    return user
