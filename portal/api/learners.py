"""API: learners, their studies and assessments.

School administrators read and write the learners their school holds, and read the history
of learners it transferred; guardians read their own children; ministry officials and
system administrators get 403 on every route here. A learner outside the token's scope is
a 404, exactly like one that does not exist. Every read of a record is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from portal.api.auth import api_user, token_required
from portal.api.views import bp
from portal.auth.domain import Role
from portal.common.calendars import CalendarError, parse_date_text
from portal.common.vocabulary import EvidenceLevel, StudyStatus
from portal.core.errors import api_error
from portal.curricula.marks import ScaleKind
from portal.curricula.models import EducationSystemVersion
from portal.extensions import db
from portal.learners import domain, services
from portal.learners.intake_csv import problem_text, resolve_system_code
from portal.learners.models import Assessment, Learner, StudyRecord

PER_PAGE_MAX = 100
CALENDARS = ("gregorian", "solar_hijri", "ethiopian", "islamic")
NAME_KINDS = ("original", "transliteration", "alias")
SCALE_KINDS = tuple(k.value for k in ScaleKind)
# Service problem keys that name a different field of the request body.
ASSESSMENT_FIELDS = {"level_system": "level_system_version"}
CHOICES = {
    "birth_date_precision": tuple(p.value for p in domain.Precision),
    "status": tuple(s.value for s in StudyStatus),
    "kind": domain.ASSESSMENT_KINDS,
    "cefr": domain.CEFR_LEVELS,
    "evidence_level": tuple(str(e.value) for e in EvidenceLevel),
}


# --- reading a request body, field by field ---------------------------------------------------


class _Body:
    """Read typed fields from a JSON object, collecting (code, params) problems per field."""

    def __init__(self, data: dict, prefix: str = "", problems: dict | None = None):
        self.data, self.prefix = data, prefix
        self.problems: dict[str, list[tuple[str, dict]]] = {} if problems is None else problems

    def fail(self, name: str, code: str, **params) -> None:
        self.problems.setdefault(self.prefix + name, []).append((code, params))

    def text(
        self, name: str, max_len: int, *, required: bool = False, numbers: bool = False
    ) -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, "required")
            return ""
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a mark sent as a JSON number is kept as it reads
        if not isinstance(value, str):
            self.fail(name, "not_text")
            return ""
        value = domain.clean_text(value)
        if len(value) > max_len or "\x00" in value:
            self.fail(name, "too_long", max=max_len)
        elif required and not value:
            self.fail(name, "required")
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name, 40, required=default is None)
        if value and value not in choices:
            self.fail(name, "invalid_choice_of", choices=", ".join(choices))
        return value or (default or "")

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.text(name, 10, required=required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, "not_date")
            return None

    def integer(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "not_integer")
            return None
        if not low <= value <= high:
            self.fail(name, "out_of_range", min=low, max=high)
            return None
        return value

    def boolean(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            self.fail(name, "not_boolean")
            return False
        return value

    def items(self, name: str, max_items: int, *, required: bool = False) -> list[_Body]:
        """Return a body per object of a list field (problems keyed ``name[i].field``)."""
        value = self.data.get(name)
        if value is None or value == []:
            if required:
                self.fail(name, "required")
            return []
        if not isinstance(value, list):
            self.fail(name, "not_list")
            return []
        if len(value) > max_items:
            self.fail(name, "too_many", max=max_items)
            return []
        bodies = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                bodies.append(_Body(item, f"{self.prefix}{name}[{i}].", self.problems))
            else:
                self.fail(f"{name}[{i}]", "not_object")
        return bodies

    def string_map(self, name: str, max_items: int, max_len: int) -> dict[str, str]:
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(name, "not_object")
            return {}
        if len(value) > max_items:
            self.fail(name, "too_many", max=max_items)
            return {}
        if not all(isinstance(v, str) and 0 < len(k) <= max_len for k, v in value.items()):
            self.fail(name, "not_text")
            return {}
        if any(len(v) > max_len for v in value.values()):
            self.fail(name, "too_long", max=max_len)
            return {}
        return dict(value)


def _json_body() -> _Body | None:
    data = request.get_json(silent=True)
    return _Body(data) if isinstance(data, dict) else None


def _not_json():
    return api_error(422, "invalid", _("Send a JSON object."))


def _invalid(problems: dict[str, list[tuple[str, dict]]]):
    details = {
        name: [problem_text(code, params) for code, params in codes]
        for name, codes in problems.items()
    }
    return api_error(422, "invalid", _("Some of what you sent is not valid."), details)


def _service_problems(err: services.LearnerInputError, fields: dict[str, str] | None = None):
    problems: dict[str, list[tuple[str, dict]]] = {}
    for name, codes in err.problems.items():
        key = (fields or {}).get(name, name)
        for code in codes:
            params: dict = {"max": domain.OLDEST_AGE} if code == "birth_too_long_ago" else {}
            if code == "invalid_choice" and key in CHOICES:
                code, params = "invalid_choice_of", {"choices": ", ".join(CHOICES[key])}
            problems.setdefault(key, []).append((code, params))
    return _invalid(problems)


def _not_found():
    return api_error(404, "not_found", _("There is nothing at this address, or you cannot see it."))


def _read_only():
    return api_error(403, "forbidden", _("Your account may read this record but not change it."))


# --- JSON representations -------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _names(learner: Learner) -> list[dict]:
    return [
        {"given": n.given, "family": n.family, "script": n.script, "kind": n.kind}
        for n in learner.names
    ]


def _summary(user, learner: Learner) -> dict:
    return {
        "id": learner.public_id,
        "names": _names(learner),
        "birth_date": _iso(learner.birth_date),
        "birth_date_precision": learner.birth_date_precision,
        "access": "write" if services.can_write(user, learner) else "read",
    }


def _study_json(study: StudyRecord) -> dict:
    return {
        "id": study.public_id,
        "system": study.system_version.jurisdiction.code,
        "system_version": study.system_version.code,
        "grade": study.grade_code,
        "status": study.status,
        "fraction": study.fraction,
        "evidence_level": study.evidence_level,
        "school_name": study.school_name,
        "school_place": study.school_place,
        "period_start": _iso(study.period_start),
        "period_end": _iso(study.period_end),
        "period_original": study.period_original,
        "period_calendar": study.period_calendar,
        "source": study.source,
        "verified_issuer": study.verified_issuer,
        "evidence": [
            {
                "document_type": e.document_type,
                "issuer": e.issuer,
                "verified": e.verified,
                "note": e.note,
            }
            for e in study.evidence
        ],
        "results": [
            {
                "subject_code": r.subject_code,
                "subject_name": r.subject_name,
                "raw_mark": r.raw_mark,
                "scale": {
                    "code": r.scale_code,
                    "kind": r.scale_kind,
                    "best": r.scale_best,
                    "pass": r.scale_pass,
                    "worst": r.scale_worst,
                },
            }
            for r in study.results
        ],
    }


def _assessment_json(assessment: Assessment) -> dict:
    level_id = assessment.level_system_version_id
    level_system = db.session.get(EducationSystemVersion, level_id) if level_id else None
    return {
        "id": assessment.public_id,
        "kind": assessment.kind,
        "instrument": assessment.instrument,
        "assessor": assessment.assessor,
        "assessed_on": assessment.assessed_on.isoformat(),
        "results": assessment.results,
        "level_cumulative_index": assessment.level_cumulative_index,
        "level_system_version": level_system.code if level_system else None,
        "language": assessment.language,
        "cefr": assessment.cefr,
    }


def _learner_json(user, learner: Learner) -> dict:
    return {
        **_summary(user, learner),
        "school": {"id": learner.school.public_id, "name": learner.school.name},
        "birth_date_source": learner.birth_date_source,
        "birth_date_original": learner.birth_date_original,
        "birth_date_calendar": learner.birth_date_calendar,
        "languages": [
            {"language": lang.language, "proficiency": lang.proficiency}
            for lang in learner.languages
        ],
        "identifiers": [{"kind": i.kind, "value": i.value} for i in learner.identifiers],
        "studies": [_study_json(s) for s in learner.studies],
        "assessments": [_assessment_json(a) for a in learner.assessments],
        "enrolments": [
            {
                "school": {"id": e.school.public_id, "name": e.school.name},
                "grade": e.grade_code,
                "programmes": list(e.programmes or []),
                "start_on": _iso(e.start_on),
                "end_on": _iso(e.end_on),
                "status": e.status,
            }
            for e in learner.enrolments
        ],
    }


# --- routes ---------------------------------------------------------------------------------


def _query_int(name: str, low: int, high: int, default: int | None, problems: dict):
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        problems.setdefault(name, []).append(("out_of_range", {"min": low, "max": high}))
        return default
    return int(raw)


@bp.get("/learners")
@token_required(Role.SCHOOL_ADMIN, Role.GUARDIAN)
def learners_index():
    user = api_user()
    problems: dict[str, list[tuple[str, dict]]] = {}
    text, identifier = request.args.get("q", ""), request.args.get("identifier", "")
    for name, value, limit in (("q", text, 200), ("identifier", identifier, 120)):
        if len(value) > limit:
            problems.setdefault(name, []).append(("too_long", {"max": limit}))
    query = services.SearchQuery(
        text=text,
        identifier=identifier,
        birth_year=_query_int("birth_year", 1900, 2100, None, problems),
        page=_query_int("page", 1, 10_000, 1, problems),
        per_page=_query_int("per_page", 1, PER_PAGE_MAX, 25, problems),
    )
    if problems:
        return _invalid(problems)
    page = services.search_learners(user, query)
    db.session.commit()
    return jsonify(
        {
            "items": [_summary(user, learner) for learner in page.learners],
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
        }
    )


def _birth(body: _Body) -> tuple[date | None, str | None, str]:
    """Read the birth date; a date written in another calendar is converted (and kept)."""
    calendar = body.choice("birth_date_calendar", CALENDARS, "gregorian")
    original = body.text("birth_date_original", 80) or None
    birth = body.date("birth_date")
    if birth is None and original and calendar not in ("gregorian", "islamic"):
        try:
            birth = parse_date_text(original, calendar).gregorian
        except CalendarError as err:
            body.fail("birth_date_original", err.code, **err.params)
    return birth, original, calendar


def _learner_input(body: _Body) -> services.LearnerInput:
    names = [
        services.NameInput(
            given=n.text("given", 200, required=True),
            family=n.text("family", 200),
            script=n.text("script", 8) or None,
            kind=n.choice("kind", NAME_KINDS, "original"),
        )
        for n in body.items("names", 10, required=True)
    ]
    birth, original, calendar = _birth(body)
    return services.LearnerInput(
        names=names,
        birth_date=birth,
        birth_date_precision=body.text("birth_date_precision", 16) or "day",
        birth_date_source=body.text("birth_date_source", 32) or "declared",
        birth_date_original=original,
        birth_date_calendar=calendar,
        languages=[
            (
                item.text("language", 12, required=True).lower(),
                item.choice("proficiency", domain.PROFICIENCIES),
            )
            for item in body.items("languages", 20)
        ],
        identifiers=[
            (item.choice("kind", domain.IDENTIFIER_KINDS), item.text("value", 120, required=True))
            for item in body.items("identifiers", 10)
        ],
    )


@bp.post("/learners")
@token_required(Role.SCHOOL_ADMIN)
def learners_create():
    user = api_user()
    body = _json_body()
    if body is None:
        return _not_json()
    # Only the documented fields are read: school, id or role in the body change nothing.
    data = _learner_input(body)
    confirmed = body.boolean("confirm_duplicate")
    if body.problems:
        return _invalid(body.problems)
    if data.identifiers and not confirmed:
        matches = services.matching_identifiers(user, data.identifiers)
        if matches:
            return api_error(
                409,
                "possible_duplicate",
                _(
                    "A learner with this identifier is already on file. Check the records "
                    'listed, or send again with "confirm_duplicate": true.'
                ),
                {"learners": [m.public_id for m in matches]},
            )
        if any(services.identifier_elsewhere(user, k, v) for k, v in data.identifiers):
            return api_error(
                409,
                "identifier_on_file_elsewhere",
                _(
                    "This identifier is already on file at another school. Check it, or send "
                    'again with "confirm_duplicate": true.'
                ),
            )
    try:
        learner = services.create_learner(user, data)
    except services.LearnerInputError as err:
        return _service_problems(err)
    db.session.commit()
    response = jsonify(_learner_json(user, learner))
    response.headers["Location"] = url_for("api.learner_detail", public_id=learner.public_id)
    return response, 201


@bp.get("/learners/<public_id>")
@token_required(Role.SCHOOL_ADMIN, Role.GUARDIAN)
def learner_detail(public_id: str):
    user = api_user()
    try:
        learner = services.view_learner(user, public_id, purpose="api")
    except services.LearnerNotFound:
        return _not_found()
    body = _learner_json(user, learner)
    db.session.commit()
    return jsonify(body)


def _writable(public_id: str) -> tuple[Learner | None, tuple | None]:
    try:
        return services.learner_for(api_user(), public_id, write=True), None
    except services.LearnerNotFound:
        return None, _not_found()
    except services.LearnerReadOnly:
        return None, _read_only()


def _study_input(body: _Body) -> services.StudyInput:
    grade = body.text("grade", 40, required=True)
    system = body.text("system", 40, required=True)
    period_end = body.date("period_end")
    evidence_level = body.integer("evidence_level", 0, 5, required=True)
    return services.StudyInput(
        system_version_code=resolve_system_code(system, grade, period_end or date.today())
        if system and grade
        else system,
        grade_code=grade,
        status=body.text("status", 24, required=True),
        evidence_level=0 if evidence_level is None else evidence_level,
        school_name=body.text("school_name", 200),
        school_place=body.text("school_place", 200),
        period_start=body.date("period_start"),
        period_end=period_end,
        period_original=body.text("period_original", 120),
        period_calendar=body.choice("period_calendar", CALENDARS, "gregorian"),
        fraction=body.text("fraction", 8) or None,
        evidence=[
            services.EvidenceInput(
                document_type=e.choice("document_type", domain.DOCUMENT_TYPES),
                issuer=e.text("issuer", 200),
                verified=e.boolean("verified"),
                note=e.text("note", 1000),
            )
            for e in body.items("evidence", 20)
        ],
        results=[_result_input(r) for r in body.items("results", 60)],
    )


def _result_input(r: _Body) -> services.ResultInput:
    scale = r.data.get("scale") or {}
    if not isinstance(scale, dict):
        r.fail("scale", "not_object")
        scale = {}
    s = _Body(scale, r.prefix + "scale.", r.problems)
    return services.ResultInput(
        subject_name=r.text("subject_name", 200, required=True),
        raw_mark=r.text("raw_mark", 40, required=True, numbers=True),
        subject_code=r.text("subject_code", 40) or None,
        scale_code=s.text("code", 40) or None,
        scale_kind=s.choice("kind", SCALE_KINDS, "numeric"),
        scale_best=s.text("best", 16, numbers=True) or None,
        scale_pass=s.text("pass", 16, numbers=True) or None,
        scale_worst=s.text("worst", 16, numbers=True) or None,
    )


def _create(
    public_id: str, read: Callable[[_Body], object], add: Callable, fields: dict, render: Callable
):
    learner, refusal = _writable(public_id)
    if refusal:
        return refusal
    body = _json_body()
    if body is None:
        return _not_json()
    data = read(body)
    if body.problems:
        return _invalid(body.problems)
    try:
        created = add(api_user(), learner, data)
    except services.LearnerInputError as err:
        return _service_problems(err, fields)
    db.session.commit()
    return jsonify(render(created)), 201


@bp.post("/learners/<public_id>/studies")
@token_required(Role.SCHOOL_ADMIN)
def learner_add_study(public_id: str):
    return _create(public_id, _study_input, services.add_study, {}, _study_json)


def _assessment_input(body: _Body) -> services.AssessmentInput:
    return services.AssessmentInput(
        kind=body.text("kind", 24, required=True),
        assessed_on=body.date("assessed_on", required=True) or date.min,
        instrument=body.text("instrument", 200),
        assessor=body.text("assessor", 200),
        results=body.string_map("results", 30, 200),
        level_cumulative_index=body.integer("level_cumulative_index", 0, 13),
        level_system_version_code=body.text("level_system_version", 40) or None,
        language=body.text("language", 12) or None,
        cefr=body.text("cefr", 4) or None,
    )


@bp.post("/learners/<public_id>/assessments")
@token_required(Role.SCHOOL_ADMIN)
def learner_add_assessment(public_id: str):
    return _create(
        public_id,
        _assessment_input,
        services.add_assessment,
        ASSESSMENT_FIELDS,
        _assessment_json,
    )
