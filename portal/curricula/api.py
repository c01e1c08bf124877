"""API: education systems, grade equivalences and mark conversion."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import Blueprint
from flask_babel import get_locale
from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator

from portal.api.fields import (
    RequestModel,
    ResponseModel,
    choice,
    decimal_text,
    iso_date,
    refuse,
    text,
)
from portal.api.operation import operation
from portal.api.problems import TEXTS, ProblemStyle
from portal.common.errors import CodedError
from portal.curricula import domain, services
from portal.curricula.marks import MarkError, Method, Rounding, Scale, convert_mark
from portal.curricula.messages import MARK_ERRORS, RESOLUTION_ERRORS, german_grade_label
from portal.i18n.labels import code_text

bp = Blueprint("curricula", __name__)
TAG = "education systems"
CODE = 40  # the longest jurisdiction, version or grade code the reference data may hold


class CurriculaApiError(CodedError):
    """A curricula refusal, translated through RESOLUTION_ERRORS and MARK_ERRORS."""


ERRORS = {CurriculaApiError: {**RESOLUTION_ERRORS, **MARK_ERRORS}}
PROBLEMS = ProblemStyle(
    error_codes=frozenset({"invalid_scale"}),
    text=lambda code, params: code_text({**TEXTS, **MARK_ERRORS}, code, params),
)


# --- schemas ------------------------------------------------------------------------------------


class SystemQuery(RequestModel):
    version: text(CODE, required=False, description="a version code, e.g. SY-2002") = ""
    on: iso_date(description="the version in force on this date (default: today)") | None = None


class EquivalenceQuery(RequestModel):
    origin: text(CODE, examples=["SY"]) = Field(alias="from")
    grade: text(CODE, examples=["SY-G4"])
    to: text(CODE, examples=["DE-NW"])
    on: iso_date(description="default: today") | None = None


class MarkScale(RequestModel):
    best: decimal_text(examples=[100])
    pass_mark: decimal_text(examples=[50]) = Field(alias="pass")
    worst: decimal_text(examples=[0])


def _scale_problem(value: object, handler: ValidatorFunctionWrapHandler) -> MarkScale:
    try:
        return handler(value)
    except ValidationError:
        raise refuse("invalid_scale") from None


# Any problem with a scale is "invalid_scale", the code clients knew before the schema.
ScaleField = Annotated[MarkScale, WrapValidator(_scale_problem)]


class ConversionInput(RequestModel):
    mark: text(40, numbers=True, description="a number, or a band code on a banded scale")
    scale: ScaleField
    target: ScaleField | None = None
    method: choice(Method) = Method.MODIFIED_BAVARIAN.value
    rounding: choice(Rounding) = Rounding.KMK_TRUNCATE_1DP.value


class GradeOut(ResponseModel):
    code: str
    label: str
    cumulative_index: int


class SystemGrade(GradeOut):
    isced_level: int
    intended_age: int | None


class SystemSummary(ResponseModel):
    code: str
    name: str
    version: str
    label: str
    valid_from: date
    valid_to: date | None
    status: Literal["approved", "provisional"]


class GradingScaleOut(ResponseModel):
    code: str
    name: str
    kind: str
    best: str | None
    pass_mark: str | None = Field(alias="pass")
    worst: str | None
    bands: list[dict[str, Any]]
    status: str


class AgeRule(ResponseModel):
    entry_age: int | None
    kind: str | None
    month_day: str | None
    months: int | None
    status: str


class System(SystemSummary):
    grades: list[SystemGrade]
    age_rule: AgeRule
    school_year_start: str = Field(examples=["08-01"])
    grading_scales: list[GradingScaleOut]
    sources: list[Any]


class EquivalenceSource(ResponseModel):
    type: domain.SourceType
    table: str | None
    version: int | None


class Equivalence(ResponseModel):
    grade: GradeOut | None
    source: EquivalenceSource
    confidence: domain.Confidence
    flags: list[str]
    origin_grade: GradeOut


class Conversion(ResponseModel):
    value: str | None = Field(examples=["2.0"])
    passed: bool
    method: Method
    rounding: Rounding
    label: str | None = Field(examples=["gut"])


# --- operations ---------------------------------------------------------------------------------


def _locale() -> str:
    return str(get_locale())


def _version_summary(version, locale: str) -> dict:
    return {
        "code": version.jurisdiction.code,
        "name": version.jurisdiction.name(locale),
        "version": version.code,
        "label": version.label(locale),
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "status": version.status,
    }


def _grade(grade, locale: str) -> dict:
    return {
        "code": grade.code,
        "label": grade.label(locale),
        "cumulative_index": grade.cumulative_index,
    }


@bp.get("/systems")
@operation(
    "listSystems",
    tag=TAG,
    summary="Education-system versions of every jurisdiction",
    responses={200: list[SystemSummary]},
)
def systems_index():
    locale = _locale()
    return [_version_summary(v, locale) for v in services.system_versions()]


def _system_version(code: str, query: SystemQuery):
    try:
        if query.version:
            version = services.system_version_by_code(query.version)
            if version.jurisdiction.code != code:
                raise services.NotFound("unknown_system_version")
            return version
        if query.on is not None:
            return services.system_version_on(code, query.on)
        return services.current_system_version(code)
    except services.NotFound as err:
        raise CurriculaApiError(err.code, status=404) from None


@bp.get("/systems/<code>")
@operation(
    "getSystem",
    tag=TAG,
    summary="One system version with grades, age rule and grading scales",
    query=SystemQuery,
    responses={200: System},
    errors=(404,),
)
def system_detail(code: str, query: SystemQuery):
    locale = _locale()
    version = _system_version(code, query)
    rule = version.age_rule
    return {
        **_version_summary(version, locale),
        "grades": [
            {**_grade(g, locale), "isced_level": g.isced_level, "intended_age": g.intended_age}
            for g in version.grades
        ],
        "age_rule": {k: rule.get(k) for k in ("entry_age", "kind", "month_day", "months")}
        | {"status": rule.get("status", version.status)},
        "school_year_start": version.school_year_start["month_day"],
        "grading_scales": [
            {
                "code": s.code,
                "name": s.name(locale),
                "kind": s.kind,
                "best": s.best,
                "pass": s.pass_mark,
                "worst": s.worst,
                "bands": s.bands,
                "status": s.status,
            }
            for s in version.scales
        ],
        "sources": version.sources,
    }


@bp.get("/equivalences")
@operation(
    "resolveEquivalence",
    tag=TAG,
    summary="The destination grade equivalent to an origin grade on a date",
    query=EquivalenceQuery,
    responses={200: Equivalence},
    errors=(404,),
)
def equivalence(query: EquivalenceQuery):
    on = query.on or date.today()
    try:
        resolution, _origin, _dest = services.resolve_equivalence(
            query.origin, query.grade, query.to, on
        )
    except services.NotFound as err:
        raise CurriculaApiError(err.code, status=404) from None
    except domain.CurriculumError as err:
        raise CurriculaApiError(err.code) from None
    locale = _locale()
    return {
        "grade": _grade(resolution.grade, locale) if resolution.grade else None,
        "source": {
            "type": str(resolution.source_type),
            "table": resolution.table_id,
            "version": resolution.table_version,
        },
        "confidence": str(resolution.confidence),
        "flags": list(resolution.flags),
        "origin_grade": _grade(resolution.origin_grade, locale),
    }


def _scale(scale: MarkScale) -> Scale:
    return Scale(best=scale.best, pass_mark=scale.pass_mark, worst=scale.worst)


@bp.post("/marks/convert")
@operation(
    "convertMark",
    tag=TAG,
    summary="Convert a mark with the authority's method and rounding",
    body=ConversionInput,
    responses={200: Conversion},
    problems=PROBLEMS,
)
def marks_convert(body: ConversionInput):
    target = _scale(body.target) if body.target else None
    try:
        result = convert_mark(
            body.mark, _scale(body.scale), Method(body.method), Rounding(body.rounding), target
        )
    except MarkError as err:
        raise CurriculaApiError(err.code) from None
    return {
        "value": str(result.value) if result.value is not None else None,
        "passed": result.passed,
        "method": str(result.method),
        "rounding": str(result.rounding),
        "label": german_grade_label(result.label),
    }
