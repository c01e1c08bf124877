"""Placement operations: a stateless preview, recommendations for recorded learners, decisions.

The engine (``portal.placement.domain``) is pure; this module finds what it needs in the
database (system versions, the published policy in force, published tables), builds the
learner facts, and stores immutable recommendations and the decisions taken on them.
Codes and parameters only: wording happens at the edge (``portal.placement.explain``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.common.calendars import CalendarError, ParsedDate, parse_date_text
from portal.curricula import domain as curricula
from portal.curricula.models import EducationSystemVersion
from portal.curricula.services import (
    NotFound,
    origin_version_for_grade,
    published_tables,
    system_version_on,
    system_versions,
    to_domain_system,
    to_domain_table,
)
from portal.extensions import db
from portal.learners.models import Learner
from portal.placement.domain import (
    PROGRAMME_ORDER,
    AssessmentFact,
    AssessmentKind,
    EvidenceLevel,
    LearnerFacts,
    PlacementError,
    PlacementPolicy,
    PlacementResult,
    Programme,
    StudyFact,
    StudyStatus,
    recommend_placement,
    result_to_dict,
)
from portal.placement.inputs import (
    PlacementInputError,
    PlacementRequest,
    Problem,
    read_request,
)
from portal.placement.models import PlacementDecision, PlacementRecommendation
from portal.placement.models import PlacementPolicy as PolicyRow
from portal.placement.policy.services.content import to_domain_policy, to_domain_programmes
from portal.placement.policy.services.lifecycle import published_policy_on

REASON_MAX = 2000
# Learner-record assessment kinds, as the engine knows them.
ASSESSMENT_KINDS = {
    "placement_test": AssessmentKind.PLACEMENT_TEST,
    "language_test": AssessmentKind.LANGUAGE_TEST,
    "literacy_diagnostic": AssessmentKind.DIAGNOSTIC,
    "numeracy_diagnostic": AssessmentKind.DIAGNOSTIC,
    "diagnostic": AssessmentKind.DIAGNOSTIC,
    "interview": AssessmentKind.INTERVIEW,
}


class DecisionError(ValueError):
    """A decision was refused; ``code`` (and ``field``) are translated by the caller."""

    def __init__(self, code: str, field: str | None = None, **params: object):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


# --- reference look-ups, cached for one request or one cohort --------------------------------


@dataclass
class Destination:
    row: EducationSystemVersion
    system: curricula.SystemVersion
    policy_row: PolicyRow
    policy: PlacementPolicy
    programmes: tuple


class Reference:
    """Systems, policies and tables read once and reused across many learners."""

    def __init__(self) -> None:
        self._destinations: dict[tuple[str, date], Destination | Problem] = {}
        self._origins: dict[tuple[str, str, date], curricula.SystemVersion | str] = {}
        self._tables: dict[tuple[str, str], tuple[curricula.EquivalencyTableData, ...]] = {}

    def destination(self, code: str, on: date) -> Destination | Problem:
        """Return the destination in force on a date with its policy, or the problem."""
        key = (code, on)
        if key not in self._destinations:
            self._destinations[key] = self._find_destination(code, on)
        return self._destinations[key]

    @staticmethod
    def _find_destination(code: str, on: date) -> Destination | Problem:
        try:
            row = system_version_on(code, on)
        except NotFound as err:
            known = bool(system_versions(code))
            return Problem(
                "destination", err.code if known else "unknown_jurisdiction", {"value": code}
            )
        policy_row = published_policy_on(row, on)
        if policy_row is None:
            return Problem("destination", "no_policy", {"value": code})
        return Destination(
            row,
            to_domain_system(row),
            policy_row,
            to_domain_policy(policy_row),
            to_domain_programmes(policy_row),
        )

    def origin(self, jurisdiction: str, grade: str, on: date) -> curricula.SystemVersion | str:
        """Return the origin system version that has the grade, or the NotFound code."""
        key = (jurisdiction, grade, on)
        if key not in self._origins:
            try:
                self._origins[key] = to_domain_system(origin_version_for_grade(*key))
            except NotFound as err:
                self._origins[key] = err.code
        return self._origins[key]

    def tables(self, origin: str, destination: str) -> tuple[curricula.EquivalencyTableData, ...]:
        """Return the published tables between two jurisdictions."""
        key = (origin, destination)
        if key not in self._tables:
            self._tables[key] = tuple(
                to_domain_table(t) for t in published_tables(origin, destination)
            )
        return self._tables[key]


# --- placing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """A result with what it was computed from (for the snapshot and the explanation)."""

    result: PlacementResult
    destination: Destination
    tables: tuple[curricula.EquivalencyTableData, ...]
    inputs: Mapping[str, object]


def _engine_problem(err: PlacementError) -> Problem:
    fields = {
        "birth_not_before_enrolment": "birth_date",
        "destination_not_in_force": "enrolment_date",
        "invalid_evidence_level": "studies",
        "invalid_fraction": "studies",
        "unknown_grade": "studies",
        "invalid_proficiency": "language_proficiency",
    }
    return Problem(fields.get(err.code, "destination"), err.code, dict(err.params))


def place(request: PlacementRequest, reference: Reference | None = None) -> Placement:
    """Resolve a validated request against the reference data and run the engine."""
    reference = reference or Reference()
    problems: list[Problem] = []
    destination = reference.destination(request.destination, request.enrolment_date)
    if isinstance(destination, Problem):
        problems.append(destination)
    studies = []
    for i, study in enumerate(request.studies):
        on = study.end_date or request.enrolment_date
        system = reference.origin(study.system, study.grade, on)
        if isinstance(system, str):
            name = "system" if system == "unknown_jurisdiction" else "grade"
            value = getattr(study, name)
            problems.append(Problem(f"studies[{i}].{name}", system, {"value": value}))
            continue
        studies.append(
            StudyFact(
                system=system,
                grade_code=study.grade,
                status=study.status,
                evidence_level=study.evidence_level,
                fraction=study.fraction,
                end_date=study.end_date,
                certificate_held=study.certificate,
            )
        )
    if problems:
        raise PlacementInputError(problems)
    assert isinstance(destination, Destination)
    facts = LearnerFacts(
        birth_date=request.birth_date,
        birth_date_precision=request.birth_date_precision,
        studies=tuple(studies),
        assessments=request.assessments,
        language_proficiency=request.language_proficiency,
    )
    return _run(facts, destination, reference, request.enrolment_date, _inputs(request))


def _run(
    facts: LearnerFacts,
    destination: Destination,
    reference: Reference,
    enrolment: date,
    inputs: Mapping[str, object],
) -> Placement:
    origins = dict.fromkeys(s.system.jurisdiction for s in facts.studies)
    tables = tuple(
        t for origin in origins for t in reference.tables(origin, destination.row.jurisdiction.code)
    )
    try:
        result = recommend_placement(
            facts, destination.system, destination.policy, destination.programmes, tables, enrolment
        )
    except PlacementError as err:
        raise PlacementInputError([_engine_problem(err)]) from None
    return Placement(result, destination, tables, inputs)


def _inputs(request: PlacementRequest) -> dict[str, object]:
    return {
        "birth_date": request.birth_date.isoformat(),
        "birth_date_precision": request.birth_date_precision.value,
        "studies": [
            {
                "system": s.system,
                "grade": s.grade,
                "status": s.status.value,
                "end_date": s.end_date.isoformat() if s.end_date else None,
                "evidence_level": int(s.evidence_level),
                "fraction": None if s.fraction is None else str(s.fraction),
            }
            for s in request.studies
        ],
        "languages": dict(request.language_proficiency),
    }


def preview(payload: object, reference: Reference | None = None) -> PlacementResult:
    """Place an unrecorded learner described by a JSON payload (nothing is stored)."""
    return place(read_request(payload), reference).result


def snapshot(placement: Placement) -> dict[str, object]:
    """Return the stored form: result_to_dict plus policy, tables consulted and inputs."""
    destination = placement.destination
    return {
        **result_to_dict(placement.result),
        "policy": {
            "id": destination.policy_row.public_id,
            "version": destination.policy_row.version,
            "label": destination.policy_row.version_label,
        },
        "destination_version": destination.row.code,
        "tables_consulted": [
            {"table_id": t.table_id, "version": t.version} for t in placement.tables
        ],
        "inputs": dict(placement.inputs),
    }


# --- recorded learners -------------------------------------------------------------------------


def _document_date(value: date | None, original: str, calendar: str) -> date | ParsedDate | None:
    """Keep a non-Gregorian original next to its ISO date so R1 can explain the conversion."""
    if value is None or calendar == "gregorian" or not original:
        return value
    try:
        parsed = parse_date_text(original, calendar)
    except (CalendarError, ValueError):
        return value
    return parsed if parsed.gregorian == value else value


def learner_facts(learner: Learner) -> LearnerFacts:
    """Build the engine's facts from a learner's records (studies, assessments, languages)."""
    if learner.birth_date is None:
        raise PlacementInputError([Problem("birth_date", "required")])
    precision = learner.birth_date_precision
    studies = []
    for study in learner.studies:
        system = to_domain_system(study.system_version)
        grade = system.grade(study.grade_code)
        # A completed certificate grade on an official document implies its certificate (R15).
        holds = (
            grade is not None
            and grade.certificate_at_end
            and study.status == StudyStatus.COMPLETED
            and study.evidence_level >= EvidenceLevel.E4
        )
        studies.append(
            StudyFact(
                system=system,
                grade_code=study.grade_code,
                status=StudyStatus(study.status),
                evidence_level=EvidenceLevel(study.evidence_level),
                fraction=Decimal(study.fraction) if study.fraction else None,
                end_date=_document_date(
                    study.period_end, study.period_original, study.period_calendar
                ),
                certificate_held=grade.certificate_at_end if holds else None,
            )
        )
    assessments = tuple(
        AssessmentFact(
            kind=ASSESSMENT_KINDS.get(a.kind, AssessmentKind.DIAGNOSTIC),
            on=a.assessed_on,
            level_cumulative_index=a.level_cumulative_index,
            cefr=a.cefr,
            language=a.language,
        )
        for a in learner.assessments
    )
    return LearnerFacts(
        birth_date=_document_date(
            learner.birth_date, learner.birth_date_original or "", learner.birth_date_calendar
        ),
        birth_date_precision="estimated" if precision == "unknown" else precision,
        studies=tuple(studies),
        assessments=assessments,
        language_proficiency={lang.language: lang.proficiency for lang in learner.languages},
    )


def _learner_inputs(facts: LearnerFacts) -> dict[str, object]:
    birth = facts.birth_date
    return {
        "birth_date": (birth.gregorian if isinstance(birth, ParsedDate) else birth).isoformat(),
        "birth_date_precision": facts.birth_date_precision.value,
        "studies": [
            {
                "system": s.system.version,
                "grade": s.grade_code,
                "status": s.status.value,
                "evidence_level": int(s.evidence_level),
            }
            for s in facts.studies
        ],
        "languages": dict(facts.language_proficiency),
    }


def recommend_for_learner(
    user: User, learner: Learner, destination_code: str, enrolment_on: date
) -> PlacementRecommendation:
    """Place a recorded learner and store the immutable recommendation (audited)."""
    reference = Reference()
    destination = reference.destination(destination_code, enrolment_on)
    if isinstance(destination, Problem):
        raise PlacementInputError([destination])
    facts = learner_facts(learner)
    placement = _run(facts, destination, reference, enrolment_on, _learner_inputs(facts))
    result = placement.result
    recommendation = PlacementRecommendation(
        learner=learner,
        school_id=user.school_id or learner.school_id,
        destination=destination.row,
        policy=destination.policy_row,
        enrolment_on=enrolment_on,
        snapshot=snapshot(placement),
        created_by_id=user.id,
    )
    db.session.add(recommendation)
    db.session.flush()
    grade = result.recommendation.grade
    record(
        "placement.recommended",
        "placement_recommendation",
        recommendation.public_id,
        actor=user,
        details={
            "learner": learner.public_id,
            "destination": destination.row.code,
            "policy_version": destination.policy_row.version_label,
            "grade": None if grade is None else grade.code,
            "programmes": [p.value for p in result.recommendation.programmes],
            "confidence": result.confidence.value,
        },
    )
    return recommendation


def recommendations_for(learner: Learner) -> list[PlacementRecommendation]:
    """Return the learner's recommendations, newest first."""
    return list(
        db.session.scalars(
            select(PlacementRecommendation)
            .where(PlacementRecommendation.learner_id == learner.id)
            .order_by(PlacementRecommendation.created_at.desc(), PlacementRecommendation.id.desc())
        )
    )


def recommendation_for(learner: Learner, public_id: str) -> PlacementRecommendation:
    """Return one recommendation of the learner, or raise NotFound."""
    found = db.session.scalar(
        select(PlacementRecommendation).where(
            PlacementRecommendation.learner_id == learner.id,
            PlacementRecommendation.public_id == public_id,
        )
    )
    if found is None:
        raise NotFound("unknown_recommendation")
    return found


def recommended_grade(recommendation: PlacementRecommendation) -> str | None:
    """Return the grade code the stored recommendation names, or None."""
    grade = recommendation.snapshot.get("recommendation", {}).get("grade")
    return None if grade is None else grade["code"]


def recommended_programmes(recommendation: PlacementRecommendation) -> list[str]:
    """Return the programme codes the stored recommendation names."""
    return list(recommendation.snapshot.get("recommendation", {}).get("programmes", []))


def decide(
    user: User,
    recommendation: PlacementRecommendation,
    accept: bool,
    grade_code: str | None = None,
    programmes: Iterable[str] | None = None,
    reason: str = "",
) -> PlacementDecision:
    """Accept a recommendation as it is, or override it with a grade, programmes and a reason."""
    if user.role != Role.SCHOOL_ADMIN:
        raise DecisionError("not_allowed")
    if recommendation.decision is not None:
        raise DecisionError("already_decided")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DecisionError("reason_too_long", field="reason", max=REASON_MAX)
    if accept:
        grade_code = recommended_grade(recommendation)
        chosen = recommended_programmes(recommendation)
    else:
        if not reason:
            raise DecisionError("reason_required", field="reason")
        grades = {g.code for g in recommendation.destination.grades}
        if grade_code is not None and grade_code not in grades:
            raise DecisionError("unknown_grade", field="grade_code", value=grade_code)
        known = {p.value for p in Programme}
        chosen = list(dict.fromkeys(programmes or ()))
        strangers = [p for p in chosen if p not in known]
        if strangers:
            raise DecisionError("unknown_programme", field="programmes", value=strangers[0])
        if grade_code is None and not chosen:
            raise DecisionError("grade_required", field="grade_code")
        chosen = [p.value for p in PROGRAMME_ORDER if p.value in chosen]
    decision = PlacementDecision(
        recommendation=recommendation,
        decision="accepted" if accept else "overridden",
        grade_code=grade_code,
        programmes=chosen,
        reason=reason,
        decided_by_id=user.id,
    )
    db.session.add(decision)
    db.session.flush()
    record(
        "placement.decided",
        "placement_recommendation",
        recommendation.public_id,
        actor=user,
        details={
            "learner": recommendation.learner.public_id,
            "decision": decision.decision,
            "grade": grade_code,
            "programmes": chosen,
            "recommended_grade": recommended_grade(recommendation),
        },
    )
    return decision
