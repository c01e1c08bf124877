"""Create the demo accounts, schools and learners; running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.common.calendars import parse_date_text
from portal.common.vocabulary import EvidenceLevel
from portal.curricula.models import EducationSystemVersion
from portal.extensions import db
from portal.learners import domain, services, transfers
from portal.learners.models import Guardianship, LearnerIdentifier
from portal.learners.services import (
    AssessmentInput,
    EvidenceInput,
    LearnerInput,
    NameInput,
    ResultInput,
    StudyInput,
)
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


DEMO_JURISDICTION = "DE-NW"
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
    """Create the demo schools, accounts and learners that do not exist yet."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise DemoRefused("demo data is never created in production mode")
    nw = _ensure_jurisdiction(DEMO_JURISDICTION)
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
    _seed_learners(schools)
    return list(DEMO_ACCOUNTS)


# --- demo learners ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLearner:
    """A sample child; `key` is the stable identifier (kind "other") that finds it again."""

    key: str
    school: str
    person: LearnerInput
    studies: tuple[StudyInput, ...] = ()
    consent: tuple[str, str, date] | None = None  # purpose, given by, given on
    enrol: tuple[str, date] | None = None  # grade at the demo school, start
    assessment: AssessmentInput | None = None
    guardian: str | None = None
    transfer_to: str | None = None


def _names(original: tuple[str, str], latin: tuple[str, str] | None = None) -> list[NameInput]:
    names = [NameInput(*original)]
    if latin:
        names.append(NameInput(*latin, script="Latn", kind="transliteration"))
    return names


def _marks(scale: tuple[str, str, str, str], *marks: tuple[str, str]) -> list[ResultInput]:
    code, best, pass_mark, worst = scale
    return [
        ResultInput(
            subject, mark, scale_code=code, scale_best=best, scale_pass=pass_mark, scale_worst=worst
        )
        for subject, mark in marks
    ]


_TAZKIRA_BIRTH = parse_date_text("30 Qaws 1390", "solar_hijri")
_AF_REPORT_END = parse_date_text("15 Jawza 1400", "solar_hijri")

DEMO_LEARNERS = (
    DemoLearner(
        key="DEMO-SY-001",
        school="school-a",
        person=LearnerInput(
            names=_names(("أمل", "حداد"), ("Amal", "Haddad")),
            birth_date=date(2013, 4, 2),
            birth_date_source="document",
            languages=[("ar", "L1"), ("en", "A2"), ("de", "A1")],
            identifiers=[("unhcr", "880-23C01234")],
        ),
        studies=(
            StudyInput(
                system_version_code="SY-2002",
                grade_code="SY-G4",
                status="completed",
                evidence_level=EvidenceLevel.E4,
                school_name="مدرسة الأمل الابتدائية",
                school_place="حلب",
                period_start=date(2021, 9, 5),
                period_end=date(2022, 6, 9),
                evidence=[EvidenceInput("report_card", "مديرية التربية في حلب")],
                results=_marks(
                    ("SY-0-100", "100", "50", "0"),
                    ("اللغة العربية", "78"),
                    ("الرياضيات", "85"),
                    ("العلوم", "71"),
                ),
            ),
            StudyInput(
                system_version_code="SY-2002",
                grade_code="SY-G5",
                status="interrupted",
                evidence_level=EvidenceLevel.E1,
                school_name="مدرسة الأمل الابتدائية",
                school_place="حلب",
                period_start=date(2022, 9, 4),
                period_end=date(2023, 2, 5),
                evidence=[EvidenceInput("declaration", note="Stated by the mother at intake.")],
            ),
        ),
        consent=("enrolment", "Rania Haddad (mother)", date(2025, 9, 1)),
        enrol=("DE-NW-G6", date(2025, 9, 1)),
        assessment=AssessmentInput(
            "language_test",
            date(2025, 10, 2),
            instrument="DaZ-Einstufung",
            assessor="Frau Yilmaz",
            results={"reading": "A1", "listening": "A2"},
            language="de",
            cefr="A1",
        ),
        guardian="guardian@demo.example",
    ),
    DemoLearner(
        key="DEMO-UA-001",
        school="school-a",
        person=LearnerInput(
            names=_names(("Олег", "Шевченко"), ("Oleh", "Shevchenko")),
            birth_date=date(2012, 11, 17),
            birth_date_source="document",
            languages=[("uk", "L1"), ("en", "A2"), ("de", "A2")],
        ),
        studies=(
            StudyInput(
                system_version_code="UA-11Y",
                grade_code="UA-G6",
                status="completed",
                evidence_level=EvidenceLevel.E5,
                school_name="Харківський ліцей № 12",
                school_place="Харків",
                period_start=date(2023, 9, 1),
                period_end=date(2024, 5, 31),
                evidence=[EvidenceInput("transcript", "МОН України", verified=True)],
                results=_marks(
                    ("UA-1-12", "12", "4", "1"),
                    ("Українська мова", "11"),
                    ("Математика", "10"),
                    ("Англійська мова", "9"),
                ),
                verified_issuer="МОН України",
            ),
        ),
        consent=("transfer", "Iryna Shevchenko (mother)", date(2025, 1, 20)),
        enrol=("DE-NW-G7", date(2024, 9, 2)),
        transfer_to="school-b",
    ),
    DemoLearner(
        key="DEMO-AF-001",
        school="school-b",
        person=LearnerInput(
            names=_names(("زهرا", "احمدی"), ("Zahra", "Ahmadi")),
            birth_date=_TAZKIRA_BIRTH.gregorian,
            birth_date_source="document",
            birth_date_original=_TAZKIRA_BIRTH.original,
            birth_date_calendar="solar_hijri",
            languages=[("prs", "L1"), ("en", "A1")],
        ),
        studies=(
            StudyInput(
                system_version_code="AF-6-3-3",
                grade_code="AF-G5",
                status="completed",
                evidence_level=EvidenceLevel.E3,
                school_name="Community-based education class",
                school_place="Herat",
                period_end=_AF_REPORT_END.gregorian,
                period_original=_AF_REPORT_END.original,
                period_calendar="solar_hijri",
                evidence=[EvidenceInput("certificate", "NGO community-based education programme")],
                results=_marks(("AF-0-100", "100", "40", "0"), ("دری", "82"), ("ریاضی", "74")),
            ),
            StudyInput(
                system_version_code="AF-6-3-3",
                grade_code="AF-G6",
                status="interrupted",
                evidence_level=EvidenceLevel.E1,
                school_place="Herat",
                evidence=[EvidenceInput("declaration", note="Stated by the aunt at intake.")],
            ),
        ),
    ),
    DemoLearner(
        key="DEMO-SS-001",
        school="school-b",
        person=LearnerInput(
            names=_names(("Deng", "Garang")),
            birth_date=date(2014, 1, 1),
            birth_date_precision="estimated",
            birth_date_source="estimate",
            languages=[("din", "L1"), ("en", "A2"), ("ar", "A1")],
        ),
        studies=(
            StudyInput(
                system_version_code="SS-8-4",
                grade_code="SS-P3",
                status="partial",
                evidence_level=EvidenceLevel.E1,
                fraction="0.5",
                school_place="Bor",
                evidence=[EvidenceInput("declaration", note="Stated by the uncle; no documents.")],
            ),
        ),
    ),
    DemoLearner(
        key="DEMO-VE-001",
        school="school-a",
        person=LearnerInput(
            names=_names(("María José", "Pérez Rodríguez")),
            birth_date=date(2010, 6, 25),
            birth_date_source="document",
            languages=[("es", "L1"), ("en", "A2")],
            identifiers=[("national_id", "V-31.456.789")],
        ),
        studies=(
            StudyInput(
                system_version_code="VE-6-5",
                grade_code="VE-A1",
                status="completed",
                evidence_level=EvidenceLevel.E4,
                school_name="U.E. Simón Rodríguez",
                school_place="Maracaibo",
                period_start=date(2022, 9, 19),
                period_end=date(2023, 7, 14),
                evidence=[
                    EvidenceInput("report_card", "Ministerio del Poder Popular para la Educación")
                ],
                results=_marks(
                    ("VE-1-20", "20", "10", "1"),
                    ("Castellano", "17"),
                    ("Matemática", "15"),
                    ("Ciencias Naturales", "16"),
                ),
            ),
            StudyInput(
                system_version_code="VE-6-5",
                grade_code="VE-A2",
                status="partial",
                evidence_level=EvidenceLevel.E2,
                fraction="0.25",
                school_name="U.E. Simón Rodríguez",
                school_place="Maracaibo",
                period_start=date(2023, 9, 18),
                period_end=date(2023, 12, 15),
                evidence=[EvidenceInput("interview", note="Confirmed by a former teacher.")],
            ),
        ),
    ),
)
DEMO_SYSTEMS = {s.system_version_code for d in DEMO_LEARNERS for s in d.studies}


def _demo_learner_exists(key: str) -> bool:
    return bool(
        db.session.scalar(
            select(LearnerIdentifier.id).where(
                LearnerIdentifier.kind == "other",
                LearnerIdentifier.normalized_value == domain.normalise_identifier(key),
            )
        )
    )


def _school_admin(school: School) -> User:
    return db.session.scalar(
        select(User).where(User.school_id == school.id, User.role == Role.SCHOOL_ADMIN.value)
    )


def _seed_learners(schools: dict[str, School]) -> None:
    """Create the demo learners that do not exist yet (needs the shipped reference data)."""
    loaded = set(
        db.session.scalars(
            select(EducationSystemVersion.code).where(EducationSystemVersion.code.in_(DEMO_SYSTEMS))
        )
    )
    schools_system = db.session.scalar(
        select(EducationSystemVersion.id)
        .join(Jurisdiction)
        .where(Jurisdiction.code == DEMO_JURISDICTION)
        .limit(1)
    )
    if loaded != DEMO_SYSTEMS or schools_system is None:
        return  # `flask portal load-reference` first; seeding again then adds the learners
    for demo in DEMO_LEARNERS:
        if _demo_learner_exists(demo.key):
            continue
        admin = _school_admin(schools[demo.school])
        identifiers = [*demo.person.identifiers, ("other", demo.key)]
        learner = services.create_learner(admin, replace(demo.person, identifiers=identifiers))
        for study in demo.studies:
            services.add_study(admin, learner, study)
        if demo.consent:
            purpose, given_by, given_on = demo.consent
            services.record_consent(admin, learner, purpose, given_by, "consent", given_on)
        if demo.enrol:
            services.enrol(admin, learner, demo.enrol[0], [], demo.enrol[1])
        if demo.assessment:
            services.add_assessment(admin, learner, demo.assessment)
        if demo.guardian:
            guardian = db.session.scalar(select(User).where(User.email == demo.guardian))
            learner.guardianships.append(
                Guardianship(user_id=guardian.id, relationship_kind="parent")
            )
            db.session.flush()
            record(
                "guardian.linked",
                "learner",
                learner.public_id,
                actor=admin,
                details={"relationship": "parent", "demo": True},
            )
        if demo.transfer_to:
            receiver = _school_admin(schools[demo.transfer_to])
            transfer = transfers.request_transfer(
                admin, learner, schools[demo.transfer_to].public_id, "The family moved to Köln."
            )
            transfers.accept_transfer(receiver, transfer.public_id)
