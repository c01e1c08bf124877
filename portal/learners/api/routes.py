"""API operations on learners, their studies and assessments.

School administrators read and write the learners their school holds, and read the history
of learners it transferred; guardians read their own children; ministry officials and
system administrators get 403 on every route here. A learner outside the token's scope is
a 404, exactly like one that does not exist. Every read of a record is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import Blueprint, url_for
from flask_babel import lazy_gettext as _l

from portal.api.operation import operation
from portal.api.problems import InvalidInput, Problem, ProblemStyle
from portal.api.tokens import api_user
from portal.auth.domain import Role
from portal.common.calendars import CalendarError, parse_date_text
from portal.common.errors import CodedError
from portal.common.vocabulary import EvidenceLevel, StudyStatus
from portal.learners import domain, services
from portal.learners.api import schemas as s
from portal.learners.api.render import assessment_json, learner_json, study_json, summary_json
from portal.learners.intake_csv import problem_text, resolve_system_code
from portal.learners.models import Learner

bp = Blueprint("learners", __name__)
TAG = "learners"
READERS = (Role.SCHOOL_ADMIN, Role.GUARDIAN)


class LearnerApiError(CodedError):
    """A refusal of the learner API (scope, duplicates), in the error shape."""


ERRORS = {
    LearnerApiError: {
        "not_found": _l("There is nothing at this address, or you cannot see it."),
        "forbidden": _l("Your account may read this record but not change it."),
        "possible_duplicate": _l(
            "A learner with this identifier is already on file. Check the records "
            'listed, or send again with "confirm_duplicate": true.'
        ),
        "identifier_on_file_elsewhere": _l(
            "This identifier is already on file at another school. Check it, or send "
            'again with "confirm_duplicate": true.'
        ),
    }
}
# Problems are reported as {field: [messages]}, in the words of the learner CSV import.
PROBLEMS = ProblemStyle(
    by_field=True,
    renames={"invalid_choice": "invalid_choice_of", "invalid": "invalid_choice"},
    text=problem_text,
)
# Service problem keys that name a different field of the request body.
ASSESSMENT_FIELDS = {"level_system": "level_system_version"}
CHOICES = {
    "birth_date_precision": s.PRECISIONS,
    "status": tuple(x.value for x in StudyStatus),
    "kind": domain.ASSESSMENT_KINDS,
    "cefr": domain.CEFR_LEVELS,
    "evidence_level": tuple(str(e.value) for e in EvidenceLevel),
}


def writable_learner(id: str) -> Learner:
    """Return the learner the token's account may change; 404 outside its scope, else 403."""
    try:
        return services.learner_for(api_user(), id, write=True)
    except services.LearnerNotFound:
        raise LearnerApiError("not_found", status=404) from None
    except services.LearnerReadOnly:
        raise LearnerApiError("forbidden", status=403) from None


def _readable_learner(id: str) -> Learner:
    try:
        return services.view_learner(api_user(), id, purpose="api")
    except services.LearnerNotFound:
        raise LearnerApiError("not_found", status=404) from None


def service_problems(
    err: services.LearnerInputError, fields: Mapping[str, str] | None = None
) -> InvalidInput:
    """Return the 422 for problems the service found (rules beyond the schema)."""
    problems = []
    for name, codes in err.problems.items():
        key = (fields or {}).get(name, name)
        for code in codes:
            params: dict = {"max": domain.OLDEST_AGE} if code == "birth_too_long_ago" else {}
            if code == "invalid_choice" and key in CHOICES:
                params = {"choices": ", ".join(CHOICES[key])}
            problems.append(Problem(key, code, params))
    return InvalidInput(problems, PROBLEMS)


@bp.get("/learners")
@operation(
    "searchLearners",
    tag=TAG,
    summary="Search the learners in the token's scope",
    description="School administrators: their school's learners and the history of learners "
    "it transferred. Guardians: their children.",
    roles=READERS,
    query=s.LearnerSearch,
    responses={200: s.LearnerPage},
    problems=PROBLEMS,
)
def learners_index(query: s.LearnerSearch):
    user = api_user()
    page = services.search_learners(
        user,
        services.SearchQuery(
            text=query.q,
            identifier=query.identifier,
            birth_year=query.birth_year,
            page=query.page,
            per_page=query.per_page,
        ),
    )
    return {
        "items": [summary_json(user, learner) for learner in page.learners],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }


def _birth(body: s.LearnerInput) -> tuple[date | None, list[Problem]]:
    """Return the birth date; one written in another calendar is converted (and kept)."""
    original, calendar = body.birth_date_original, body.birth_date_calendar
    if body.birth_date is None and original and calendar not in ("gregorian", "islamic"):
        try:
            return parse_date_text(original, calendar).gregorian, []
        except CalendarError as err:
            return None, [Problem("birth_date_original", err.code, dict(err.params))]
    return body.birth_date, []


def _learner_input(body: s.LearnerInput, birth: date | None) -> services.LearnerInput:
    return services.LearnerInput(
        names=[
            services.NameInput(
                given=n.given, family=n.family or "", script=n.script or None, kind=n.kind
            )
            for n in body.names
        ],
        birth_date=birth,
        birth_date_precision=body.birth_date_precision,
        birth_date_source=body.birth_date_source or "declared",
        birth_date_original=body.birth_date_original or None,
        birth_date_calendar=body.birth_date_calendar,
        languages=[(item.language.lower(), item.proficiency) for item in body.languages or []],
        identifiers=[(item.kind, item.value) for item in body.identifiers or []],
    )


def _refuse_duplicates(user, body: s.LearnerInput, data: services.LearnerInput) -> None:
    if not data.identifiers or body.confirm_duplicate:
        return
    matches = services.matching_identifiers(user, data.identifiers)
    if matches:
        learners = [m.public_id for m in matches]
        raise LearnerApiError("possible_duplicate", status=409, learners=learners)
    if any(services.identifier_elsewhere(user, k, v) for k, v in data.identifiers):
        raise LearnerApiError("identifier_on_file_elsewhere", status=409)


@bp.post("/learners")
@operation(
    "createLearner",
    tag=TAG,
    summary="Create a learner at the token user's school",
    description="An identifier already on file answers 409 possible_duplicate (with the "
    "matching learners) or identifier_on_file_elsewhere (without); send again with "
    '"confirm_duplicate": true to create the record anyway. Problems answer 422 with '
    "details {field: [messages]} in the request language. Fields not in this schema "
    "(a school, an id) are ignored: the learner is created at the token user's school.",
    roles=(Role.SCHOOL_ADMIN,),
    body=s.LearnerInput,
    responses={201: s.Learner},
    errors=(409,),
    problems=PROBLEMS,
)
def learners_create(body: s.LearnerInput):
    user = api_user()
    birth, problems = _birth(body)
    if problems:
        raise InvalidInput(problems, PROBLEMS)
    data = _learner_input(body, birth)
    _refuse_duplicates(user, body, data)
    try:
        learner = services.create_learner(user, data)
    except services.LearnerInputError as err:
        raise service_problems(err) from None
    location = url_for("api.learners.learner_detail", id=learner.public_id)
    return learner_json(user, learner), 201, {"Location": location}


@bp.get("/learners/<id>")
@operation(
    "getLearner",
    tag=TAG,
    summary="A learner's full record (the read is audited)",
    roles=READERS,
    target=_readable_learner,
    responses={200: s.Learner},
    errors=(404,),
)
def learner_detail(learner: Learner):
    return learner_json(api_user(), learner)


def _study_input(body: s.StudyInput) -> services.StudyInput:
    return services.StudyInput(
        system_version_code=resolve_system_code(
            body.system, body.grade, body.period_end or date.today()
        ),
        grade_code=body.grade,
        status=body.status,
        evidence_level=body.evidence_level,
        school_name=body.school_name or "",
        school_place=body.school_place or "",
        period_start=body.period_start,
        period_end=body.period_end,
        period_original=body.period_original or "",
        period_calendar=body.period_calendar,
        fraction=body.fraction or None,
        evidence=[
            services.EvidenceInput(
                document_type=e.document_type,
                issuer=e.issuer or "",
                verified=e.verified,
                note=e.note or "",
            )
            for e in body.evidence or []
        ],
        results=[
            services.ResultInput(
                subject_name=r.subject_name,
                raw_mark=r.raw_mark,
                subject_code=r.subject_code or None,
                scale_code=r.scale.code or None if r.scale else None,
                scale_kind=r.scale.kind if r.scale else "numeric",
                scale_best=r.scale.best or None if r.scale else None,
                scale_pass=r.scale.pass_mark or None if r.scale else None,
                scale_worst=r.scale.worst or None if r.scale else None,
            )
            for r in body.results or []
        ],
    )


@bp.post("/learners/<id>/studies")
@operation(
    "addStudy",
    tag=TAG,
    summary="Add a prior study with its evidence and raw marks",
    roles=(Role.SCHOOL_ADMIN,),
    target=writable_learner,
    body=s.StudyInput,
    responses={201: s.Study},
    errors=(403, 404),
    problems=PROBLEMS,
)
def learner_add_study(learner: Learner, body: s.StudyInput):
    try:
        study = services.add_study(api_user(), learner, _study_input(body))
    except services.LearnerInputError as err:
        raise service_problems(err) from None
    return study_json(study), 201


def _assessment_input(body: s.AssessmentInput) -> services.AssessmentInput:
    return services.AssessmentInput(
        kind=body.kind,
        assessed_on=body.assessed_on,
        instrument=body.instrument or "",
        assessor=body.assessor or "",
        results=dict(body.results or {}),
        level_cumulative_index=body.level_cumulative_index,
        level_system_version_code=body.level_system_version or None,
        language=body.language or None,
        cefr=body.cefr,
    )


@bp.post("/learners/<id>/assessments")
@operation(
    "addAssessment",
    tag=TAG,
    summary="Record an assessment",
    roles=(Role.SCHOOL_ADMIN,),
    target=writable_learner,
    body=s.AssessmentInput,
    responses={201: s.Assessment},
    errors=(403, 404),
    problems=PROBLEMS,
)
def learner_add_assessment(learner: Learner, body: s.AssessmentInput):
    try:
        assessment = services.add_assessment(api_user(), learner, _assessment_input(body))
    except services.LearnerInputError as err:
        raise service_problems(err, ASSESSMENT_FIELDS) from None
    return assessment_json(assessment), 201
