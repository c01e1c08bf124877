"""Create the demo accounts and schools; running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.schools.models import Jurisdiction, School


class DemoRefused(RuntimeError):
    """Demo data is never created in production mode."""


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    school: str | None = None
    jurisdiction: str | None = None


DEMO_SCHOOLS = {
    "school-a": ("Gesamtschule am Rhein", "Düsseldorf"),
    "school-b": ("Städtische Realschule Nord", "Köln"),
}
DEMO_ACCOUNTS = (
    DemoAccount("sysadmin@demo.example", "Sam Admin", Role.SYSTEM_ADMIN),
    DemoAccount(
        "ministry@demo.example", "Marta Ministerium", Role.MINISTRY_OFFICIAL, jurisdiction="DE-NW"
    ),
    DemoAccount(
        "ministry2@demo.example", "Jonas Referat", Role.MINISTRY_OFFICIAL, jurisdiction="DE-NW"
    ),
    DemoAccount(
        "school-a@demo.example", "Aylin Schulleitung", Role.SCHOOL_ADMIN, school="school-a"
    ),
    DemoAccount("school-b@demo.example", "Bernd Sekretariat", Role.SCHOOL_ADMIN, school="school-b"),
    DemoAccount("guardian@demo.example", "Rania (guardian)", Role.GUARDIAN),
)


def _ensure_jurisdiction(code: str) -> Jurisdiction:
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        # The reference loader fills in the full record; this keeps the demo self-contained.
        found = Jurisdiction(code=code, country=code[:2], names={"en": code}, authority={})
        db.session.add(found)
        db.session.flush()
    return found


def seed_demo() -> list[DemoAccount]:
    """Create the demo schools and accounts that do not exist yet."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise DemoRefused("demo data is never created in production mode")
    nw = _ensure_jurisdiction("DE-NW")
    schools: dict[str, School] = {}
    for key, (name, city) in DEMO_SCHOOLS.items():
        school = db.session.scalar(select(School).where(School.name == name))
        if school is None:
            school = School(name=name, city=city, jurisdiction=nw)
            db.session.add(school)
            db.session.flush()
            record("school.created", "school", school.public_id, details={"demo": True})
        schools[key] = school
    password_hash = None
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == account.email)):
            continue
        password_hash = password_hash or hash_password(current_app.config["DEMO_PASSWORD"])
        user = User(
            email=account.email,
            display_name=account.name,
            role=account.role.value,
            school=schools[account.school] if account.school else None,
            jurisdiction=_ensure_jurisdiction(account.jurisdiction)
            if account.jurisdiction
            else None,
            password_hash=password_hash,
        )
        db.session.add(user)
        db.session.flush()
        record("user.created", "user", user.public_id, details={"demo": True})
    return list(DEMO_ACCOUNTS)
