"""Learner records: who may see them, reading them (audited) and changing them (audited).

Scope: a school administrator sees the learners their school holds (full access) and the
learners it held before an accepted transfer (read-only history); a guardian sees only
their linked children (read-only); ministry officials and system administrators see no
learner-level data. Anything outside a user's scope is indistinguishable from a missing
record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.common.vocabulary import EvidenceLevel, StudyStatus
from portal.curricula.models import EducationSystemVersion
from portal.curricula.services import NotFound, system_version_on
from portal.extensions import db
from portal.learners import domain
from portal.learners.models import (
    Assessment,
    Consent,
    Enrolment,
    EvidenceItem,
    Guardianship,
    Learner,
    LearnerIdentifier,
    LearnerLanguage,
    LearnerName,
    LearnerNameToken,
    StudyRecord,
    SubjectResult,
)
from portal.schools.models import School

ENROLMENT_PROGRAMMES = frozenset(
    {
        "REGULAR",
        "AEP",
        "CATCH_UP",
        "BRIDGING",
        "REMEDIAL",
        "PREPARATORY_LANGUAGE",
        "VET_INTEGRATION",
    }
)


class LearnerNotFound(LookupError):
    """No such learner, or not in the user's scope: both answer 404."""


class LearnerReadOnly(PermissionError):
    """The user may read this record but not change it (history, guardian)."""


class LearnerInputError(ValueError):
    """Input refused; `problems` maps field names to lists of codes (translated at the edge)."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__(problems)
        self.problems = problems


# --- scope ----------------------------------------------------------------------------------


def _history_at(school_id: int):
    # IN (subquery) rather than a correlated EXISTS lets the school_id index drive the plan.
    return Learner.id.in_(
        select(Enrolment.learner_id).where(
            Enrolment.school_id == school_id, Enrolment.status == "transferred"
        )
    )


def visible_learners(user: User) -> Select:
    """Return a query of the learners the user may read (empty for roles without access)."""
    query = select(Learner)
    if user.role == Role.SCHOOL_ADMIN and user.school_id is not None:
        return query.where(or_(Learner.school_id == user.school_id, _history_at(user.school_id)))
    if user.role == Role.GUARDIAN:
        return query.where(
            Learner.id.in_(select(Guardianship.learner_id).where(Guardianship.user_id == user.id))
        )
    return query.where(false())


def can_write(user: User, learner: Learner) -> bool:
    """Tell whether the user may change the record (only the school that holds it)."""
    return user.role == Role.SCHOOL_ADMIN and learner.school_id == user.school_id


def learner_for(user: User, public_id: str, *, write: bool = False) -> Learner:
    """Return a learner in the user's scope, or raise LearnerNotFound / LearnerReadOnly."""
    learner = db.session.scalar(
        visible_learners(user)
        .where(Learner.public_id == public_id)
        .options(selectinload(Learner.names))
    )
    if learner is None:
        raise LearnerNotFound(public_id)
    if write and not can_write(user, learner):
        raise LearnerReadOnly(public_id)
    return learner


def view_learner(user: User, public_id: str, purpose: str = "record") -> Learner:
    """Return a learner for reading and write the access entry for that read."""
    learner = learner_for(user, public_id)
    record("learner.viewed", "learner", learner.public_id, actor=user, details={"purpose": purpose})
    return learner


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    identifier: str = ""
    birth_year: int | None = None
    status: str = ""  # "", "active", "history"
    page: int = 1
    per_page: int = 25


@dataclass
class SearchPage:
    learners: list[Learner] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 25


def _apply_search(query: Select, q: SearchQuery) -> Select:
    if q.text.strip():
        for token in domain.fold_name(q.text).split():
            # A prefix range on the token index; see LearnerNameToken.
            upper = token[:-1] + chr(ord(token[-1]) + 1)
            query = query.where(
                Learner.id.in_(
                    select(LearnerNameToken.learner_id).where(
                        LearnerNameToken.token >= token, LearnerNameToken.token < upper
                    )
                )
            )
    if q.identifier.strip():
        query = query.where(
            Learner.id.in_(
                select(LearnerIdentifier.learner_id).where(
                    LearnerIdentifier.normalized_value == domain.normalise_identifier(q.identifier)
                )
            )
        )
    if q.birth_year:
        query = query.where(
            Learner.birth_date >= date(q.birth_year, 1, 1),
            Learner.birth_date <= date(q.birth_year, 12, 31),
        )
    return query


def search_learners(user: User, q: SearchQuery) -> SearchPage:
    """Search the user's learners by name variant, identifier and birth year."""
    query = _apply_search(visible_learners(user), q)
    if q.status == "active" and user.school_id:
        query = query.where(Learner.school_id == user.school_id)
    elif q.status == "history" and user.school_id:
        query = query.where(Learner.school_id != user.school_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Learner.names))
        .order_by(Learner.created_at.desc(), Learner.id.desc())
        .limit(q.per_page)
        .offset((max(q.page, 1) - 1) * q.per_page)
    ).all()
    record("learner.searched", "learner", None, actor=user, details={"results": len(rows)})
    return SearchPage(list(rows), total or 0, q.page, q.per_page)


def identifier_elsewhere(user: User, kind: str, value: str) -> bool:
    """Tell whether an identifier is already on file for a learner outside the user's scope.

    Answers only yes or no, so that a warning can prevent a duplicate record without
    revealing another school's learner.
    """
    normalised = domain.normalise_identifier(value)
    visible_ids = visible_learners(user).with_only_columns(Learner.id)
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(LearnerIdentifier)
            .where(
                LearnerIdentifier.kind == kind,
                LearnerIdentifier.normalized_value == normalised,
                LearnerIdentifier.learner_id.not_in(visible_ids),
            )
        )
    )


def matching_identifiers(user: User, identifiers: list[tuple[str, str]]) -> list[Learner]:
    """Return the user's learners that already carry one of these identifiers."""
    found: dict[int, Learner] = {}
    for kind, value in identifiers:
        query = visible_learners(user).where(
            exists().where(
                LearnerIdentifier.learner_id == Learner.id,
                LearnerIdentifier.kind == kind,
                LearnerIdentifier.normalized_value == domain.normalise_identifier(value),
            )
        )
        for learner in db.session.scalars(query):
            found[learner.id] = learner
    return list(found.values())


# --- writes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameInput:
    given: str
    family: str = ""
    script: str | None = None
    kind: str = "original"


@dataclass(frozen=True)
class LearnerInput:
    names: list[NameInput]
    birth_date: date | None
    birth_date_precision: str = "day"
    birth_date_source: str = "declared"
    birth_date_original: str | None = None
    birth_date_calendar: str = "gregorian"
    languages: list[tuple[str, str]] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)


def _validate_learner(data: LearnerInput, today: date) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not any(domain.clean_text(n.given) for n in data.names):
        problems["names"] = ["name_required"]
    if data.birth_date_precision not in {p.value for p in domain.Precision}:
        problems["birth_date_precision"] = ["invalid_choice"]
    if data.birth_date is None and data.birth_date_precision != domain.Precision.UNKNOWN:
        problems["birth_date"] = ["birth_date_required"]
    birth = domain.birth_date_problems(data.birth_date, today)
    if birth:
        problems["birth_date"] = birth
    for language, level in data.languages:
        if not language.strip() or level not in domain.PROFICIENCIES:
            problems.setdefault("languages", []).append("invalid_language")
    for kind, value in data.identifiers:
        if kind not in domain.IDENTIFIER_KINDS or not domain.normalise_identifier(value):
            problems.setdefault("identifiers", []).append("invalid_identifier")
    return problems


def _names(data: LearnerInput) -> list[LearnerName]:
    rows = []
    for position, name in enumerate(n for n in data.names if domain.clean_text(n.given)):
        given, family = domain.clean_text(name.given), domain.clean_text(name.family)
        rows.append(
            LearnerName(
                position=position,
                script=name.script or domain.detect_script(given + family),
                kind=name.kind,
                given=given,
                family=family,
                search_key=domain.fold_name(f"{given} {family}"),
            )
        )
    return rows


def create_learner(user: User, data: LearnerInput, today: date | None = None) -> Learner:
    """Create a learner held by the user's school; refuse impossible data."""
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        raise LearnerReadOnly("create")
    problems = _validate_learner(data, today or date.today())
    if problems:
        raise LearnerInputError(problems)
    learner = Learner(
        school_id=user.school_id,
        birth_date=data.birth_date,
        birth_date_precision=data.birth_date_precision,
        birth_date_source=data.birth_date_source,
        birth_date_original=domain.clean_text(data.birth_date_original or "") or None,
        birth_date_calendar=data.birth_date_calendar,
        created_by_id=user.id,
    )
    learner.names = _names(data)
    learner.languages = [
        LearnerLanguage(language=lang.strip().lower(), proficiency=level)
        for lang, level in dict(data.languages).items()
    ]
    learner.identifiers = [
        LearnerIdentifier(
            kind=kind,
            value=domain.clean_text(value),
            normalized_value=domain.normalise_identifier(value),
        )
        for kind, value in data.identifiers
    ]
    db.session.add(learner)
    db.session.flush()
    record("learner.created", "learner", learner.public_id, actor=user)
    return learner


@dataclass(frozen=True)
class ResultInput:
    subject_name: str
    raw_mark: str
    subject_code: str | None = None
    scale_code: str | None = None
    scale_kind: str = "numeric"
    scale_best: str | None = None
    scale_pass: str | None = None
    scale_worst: str | None = None


@dataclass(frozen=True)
class EvidenceInput:
    document_type: str
    issuer: str = ""
    verified: bool = False
    note: str = ""


@dataclass(frozen=True)
class StudyInput:
    system_version_code: str
    grade_code: str
    status: str
    evidence_level: int
    school_name: str = ""
    school_place: str = ""
    period_start: date | None = None
    period_end: date | None = None
    period_original: str = ""
    period_calendar: str = "gregorian"
    fraction: str | None = None
    evidence: list[EvidenceInput] = field(default_factory=list)
    results: list[ResultInput] = field(default_factory=list)
    source: str = "manual"
    verified_issuer: str | None = None


def validate_study(learner_birth: date | None, data: StudyInput, today: date):
    """Return (system version, problems) for a study claim."""
    problems: dict[str, list[str]] = {}
    system = db.session.scalar(
        select(EducationSystemVersion)
        .where(EducationSystemVersion.code == data.system_version_code)
        .options(selectinload(EducationSystemVersion.grades))
    )
    if system is None:
        problems["system"] = ["unknown_system"]
    elif not any(g.code == data.grade_code for g in system.grades):
        problems["grade"] = ["unknown_grade"]
    if data.status not in {s.value for s in StudyStatus}:
        problems["status"] = ["invalid_choice"]
    else:
        fraction = domain.fraction_problems(data.status, data.fraction)
        if fraction:
            problems["fraction"] = fraction
    if data.evidence_level not in {e.value for e in EvidenceLevel}:
        problems["evidence_level"] = ["invalid_choice"]
    period = domain.study_period_problems(data.period_start, data.period_end, learner_birth, today)
    if period:
        problems["period"] = period
    for item in data.evidence:
        if item.document_type not in domain.DOCUMENT_TYPES:
            problems.setdefault("evidence", []).append("invalid_choice")
    for result in data.results:
        if not domain.clean_text(result.subject_name) or not domain.clean_text(result.raw_mark):
            problems.setdefault("results", []).append("result_incomplete")
    return system, problems


def add_study(user: User, learner: Learner, data: StudyInput, today: date | None = None):
    """Add a prior-study claim with its evidence and raw marks (never converted in place)."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    system, problems = validate_study(learner.birth_date, data, today or date.today())
    if problems:
        raise LearnerInputError(problems)
    study = StudyRecord(
        learner=learner,
        system_version=system,
        grade_code=data.grade_code,
        school_name=domain.clean_text(data.school_name),
        school_place=domain.clean_text(data.school_place),
        period_start=data.period_start,
        period_end=data.period_end,
        period_original=domain.clean_text(data.period_original),
        period_calendar=data.period_calendar,
        status=data.status,
        fraction=data.fraction or None,
        evidence_level=data.evidence_level,
        source=data.source,
        verified_issuer=data.verified_issuer,
        created_by_id=user.id,
    )
    study.evidence = [
        EvidenceItem(
            document_type=e.document_type,
            issuer=domain.clean_text(e.issuer),
            verified=e.verified,
            note=domain.clean_text(e.note),
        )
        for e in data.evidence
    ]
    study.results = [
        SubjectResult(
            position=i,
            subject_code=r.subject_code,
            subject_name=domain.clean_text(r.subject_name),
            raw_mark=domain.clean_text(r.raw_mark),
            scale_code=r.scale_code,
            scale_kind=r.scale_kind,
            scale_best=r.scale_best,
            scale_pass=r.scale_pass,
            scale_worst=r.scale_worst,
        )
        for i, r in enumerate(data.results)
    ]
    db.session.add(study)
    db.session.flush()
    record(
        "learner.study_added",
        "learner",
        learner.public_id,
        actor=user,
        details={"study": study.public_id, "evidence_level": study.evidence_level},
    )
    return study


@dataclass(frozen=True)
class AssessmentInput:
    kind: str
    assessed_on: date
    instrument: str = ""
    assessor: str = ""
    results: dict[str, str] = field(default_factory=dict)
    level_cumulative_index: int | None = None
    level_system_version_code: str | None = None
    language: str | None = None
    cefr: str | None = None


def add_assessment(
    user: User, learner: Learner, data: AssessmentInput, today: date | None = None
) -> Assessment:
    """Record an assessment (kept apart from documents)."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    today = today or date.today()
    problems: dict[str, list[str]] = {}
    if data.kind not in domain.ASSESSMENT_KINDS:
        problems["kind"] = ["invalid_choice"]
    if data.assessed_on > today:
        problems["assessed_on"] = ["date_in_future"]
    if learner.birth_date and data.assessed_on < learner.birth_date:
        problems["assessed_on"] = ["before_birth"]
    if data.cefr and data.cefr not in domain.CEFR_LEVELS:
        problems["cefr"] = ["invalid_choice"]
    if data.cefr and not data.language:
        problems["language"] = ["language_required"]
    level_system = None
    if data.level_system_version_code:
        level_system = db.session.scalar(
            select(EducationSystemVersion).where(
                EducationSystemVersion.code == data.level_system_version_code
            )
        )
        if level_system is None:
            problems["level_system"] = ["unknown_system"]
    if data.level_cumulative_index is not None and not 0 <= data.level_cumulative_index <= 13:
        problems["level_cumulative_index"] = ["out_of_range"]
    if problems:
        raise LearnerInputError(problems)
    assessment = Assessment(
        learner=learner,
        kind=data.kind,
        instrument=domain.clean_text(data.instrument),
        assessor=domain.clean_text(data.assessor),
        assessed_on=data.assessed_on,
        results={domain.clean_text(k): domain.clean_text(v) for k, v in data.results.items()},
        level_cumulative_index=data.level_cumulative_index,
        level_system_version_id=level_system.id if level_system else None,
        language=(data.language or "").strip().lower() or None,
        cefr=data.cefr or None,
        school_id=user.school_id,
        created_by_id=user.id,
    )
    db.session.add(assessment)
    db.session.flush()
    record(
        "learner.assessment_added",
        "learner",
        learner.public_id,
        actor=user,
        details={"assessment": assessment.public_id, "kind": assessment.kind},
    )
    return assessment


def record_consent(
    user: User,
    learner: Learner,
    purpose: str,
    given_by: str,
    legal_basis: str,
    given_on: date,
    given_by_user: User | None = None,
) -> Consent:
    """Record who consented to what, on which legal basis."""
    if given_by_user is None and not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    problems: dict[str, list[str]] = {}
    if purpose not in {"enrolment", "passport", "transfer"}:
        problems["purpose"] = ["invalid_choice"]
    if legal_basis not in domain.LEGAL_BASES:
        problems["legal_basis"] = ["invalid_choice"]
    if not domain.clean_text(given_by):
        problems["given_by"] = ["required"]
    if given_on > date.today():
        problems["given_on"] = ["date_in_future"]
    if problems:
        raise LearnerInputError(problems)
    consent = Consent(
        learner=learner,
        purpose=purpose,
        given_by=domain.clean_text(given_by),
        given_by_user_id=given_by_user.id if given_by_user else None,
        legal_basis=legal_basis,
        given_on=given_on,
        recorded_by_id=user.id,
    )
    db.session.add(consent)
    db.session.flush()
    record(
        "learner.consent_recorded",
        "learner",
        learner.public_id,
        actor=user,
        details={"consent": consent.public_id, "purpose": purpose},
    )
    return consent


def withdraw_consent(user: User, learner: Learner, consent_public_id: str) -> Consent:
    """Mark a consent as withdrawn from today on."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    consent = next((c for c in learner.consents if c.public_id == consent_public_id), None)
    if consent is None:
        raise LearnerNotFound(consent_public_id)
    if consent.withdrawn_on is None:
        consent.withdrawn_on = date.today()
        record(
            "learner.consent_withdrawn",
            "learner",
            learner.public_id,
            actor=user,
            details={"consent": consent.public_id, "purpose": consent.purpose},
        )
    return consent


def active_consent(learner: Learner, purpose: str) -> Consent | None:
    """Return the newest consent for a purpose that has not been withdrawn."""
    live = [c for c in learner.consents if c.purpose == purpose and c.withdrawn_on is None]
    return max(live, key=lambda c: (c.given_on, c.id), default=None)


def enrol(
    user: User, learner: Learner, grade_code: str | None, programmes: list[str], start_on: date
) -> Enrolment:
    """Enrol the learner at the user's own school (ending any active enrolment there)."""
    if not can_write(user, learner):
        raise LearnerReadOnly(learner.public_id)
    school = db.session.get(School, user.school_id)
    try:
        system = system_version_on(school.jurisdiction.code, start_on)
    except NotFound:
        system = None
    problems: dict[str, list[str]] = {}
    if any(p not in ENROLMENT_PROGRAMMES for p in programmes):
        problems["programmes"] = ["invalid_choice"]
    if grade_code and (system is None or not any(g.code == grade_code for g in system.grades)):
        problems["grade"] = ["unknown_grade"]
    if learner.birth_date and start_on <= learner.birth_date:
        problems["start_on"] = ["before_birth"]
    if problems:
        raise LearnerInputError(problems)
    for current in learner.enrolments:
        if current.status == "active" and current.school_id == school.id:
            current.status, current.end_on = "ended", start_on
    enrolment = Enrolment(
        learner=learner,
        school=school,
        system_version=system,
        grade_code=grade_code or None,
        programmes=list(programmes),
        start_on=start_on,
        created_by_id=user.id,
    )
    db.session.add(enrolment)
    db.session.flush()
    record(
        "learner.enrolled",
        "learner",
        learner.public_id,
        actor=user,
        details={"grade": grade_code, "programmes": list(programmes)},
    )
    return enrolment
