"""Request and response schemas of the placement API: what is validated is what is documented.

The request schema mirrors ``placement.inputs`` (shared with the cohort CSV), which still
builds the engine's request and checks the rules across fields after the schema has passed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, PlainValidator, WithJsonSchema

from portal.api.fields import RequestModel, ResponseModel, choice, integer, iso_date, refuse, text
from portal.common.vocabulary import StudyStatus
from portal.placement.inputs import INDEX_RANGE, LANGUAGE, MAX_ITEMS
from portal.placement.model import PROFICIENCY_ORDER, AssessmentKind, BirthDatePrecision

_ALLOWED = ", ".join(PROFICIENCY_ORDER)


def _custom(check, schema: dict[str, Any]) -> Any:
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema, mode="validation")]


def _evidence_level(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"E[0-5]", value):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 5:
        return value
    raise refuse("invalid_evidence_level")


def _fraction(value: object) -> object:
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidOperation
        number = Decimal(str(value))
        if number.is_finite() and 0 <= number <= 1:
            return value
    except InvalidOperation:
        pass
    raise refuse("invalid_fraction")


def _language(value: object) -> str:
    if isinstance(value, str) and LANGUAGE.fullmatch(value):
        return value
    raise refuse("invalid_language")


def _proficiency(value: object) -> str:
    if isinstance(value, str) and value in PROFICIENCY_ORDER:
        return value
    raise refuse("invalid_proficiency", allowed=_ALLOWED)


EvidenceLevel = _custom(
    _evidence_level,
    {
        "oneOf": [
            {"type": "string", "enum": [f"E{i}" for i in range(6)]},
            {"type": "integer", "minimum": 0, "maximum": 5},
        ],
        "examples": ["E4"],
    },
)
Fraction = _custom(
    _fraction,
    {
        "description": "share of the year completed (partial years), 0 to 1",
        "oneOf": [
            {"type": "number", "minimum": 0, "maximum": 1},
            {"type": "string", "pattern": r"^(0(\.[0-9]*)?|1(\.0*)?|\.[0-9]+)$"},
            {"type": "null"},
        ],
    },
)
Language = Annotated[
    str,
    PlainValidator(_language),
    WithJsonSchema({"type": "string", "pattern": f"^{LANGUAGE.pattern}$"}, mode="validation"),
]
Proficiency = Annotated[
    str,
    PlainValidator(_proficiency),
    WithJsonSchema({"type": "string", "enum": list(PROFICIENCY_ORDER)}, mode="validation"),
]


class StudyFact(RequestModel):
    system: text(40, examples=["SY"])
    grade: text(40, description="grade code as in GET /systems/{code}", examples=["SY-G4"])
    status: choice(StudyStatus)
    evidence_level: EvidenceLevel
    end_date: iso_date() | None = None
    fraction: Fraction = None
    certificate: text(80, required=False) | None = None


class AssessmentFact(RequestModel):
    kind: choice(AssessmentKind)
    date: iso_date()
    level_cumulative_index: integer(*INDEX_RANGE) | None = None
    language: Language | None = None
    cefr: Proficiency | None = None


class PlacementRequest(RequestModel):
    birth_date: iso_date(examples=["2012-03-10"])
    birth_date_precision: choice(BirthDatePrecision) = "day"
    destination: text(40, description="jurisdiction code as in GET /systems", examples=["DE-NW"])
    enrolment_date: iso_date(examples=["2026-09-01"])
    studies: Annotated[list[StudyFact], Field(max_length=MAX_ITEMS)] | None = None
    assessments: Annotated[list[AssessmentFact], Field(max_length=MAX_ITEMS)] | None = None
    language_proficiency: (
        Annotated[dict[Language, Proficiency], Field(max_length=MAX_ITEMS)] | None
    ) = Field(None, examples=[{"de": "A0", "ar": "L1"}])


class LearnerPlacementRequest(RequestModel):
    destination: text(40, examples=["DE-NW"])
    enrolment_date: iso_date(examples=["2026-09-01"])


# --- responses ----------------------------------------------------------------------------------


class Coded(ResponseModel):
    code: str
    text: str


class GradeOut(ResponseModel):
    code: str = Field(examples=["DE-NW-G8"])
    label: str
    cumulative_index: int


class AlternativeGrade(ResponseModel):
    code: str
    label: str


class Alternative(ResponseModel):
    grade: AlternativeGrade
    reason: str
    text: str


class Programme(ResponseModel):
    code: str = Field(examples=["CATCH_UP"])
    label: str


class Destination(ResponseModel):
    jurisdiction: str
    version: str | None
    enrolment_date: dt.date


class Computed(ResponseModel):
    age_reference_date: dt.date
    age: int
    entry_year: int | None
    age_grade: int | None = Field(description="cumulative index")
    attained_years: int | None
    level_grade: int | None = Field(description="cumulative index")
    delta: int | None
    gap_years: int | None
    mid_year: bool
    school_year_start_date: dt.date
    remaining_year_fraction: str


class Recommendation(ResponseModel):
    grade: GradeOut | None
    programmes: list[Programme]
    aep_programme: str | None
    aep_level: str | int | None
    provisional: bool
    assessment_due: dt.date | None
    review_due: dt.date | None
    alternatives: list[Alternative]
    summary: str


class Rule(ResponseModel):
    code: str = Field(examples=["R3"])
    params: dict[str, Any]
    text: str


class TableUse(ResponseModel):
    table: str
    version: int


class Placement(ResponseModel):
    destination: Destination
    computed: Computed
    recommendation: Recommendation
    rules: list[Rule]
    confidence: str = Field(examples=["high", "medium", "low"])
    confidence_label: str
    confidence_factors: list[Coded]
    policy_version: str = Field(examples=["DE-NW-2024/v1"])
    equivalency_source: str | None
    tables: list[TableUse]
    tables_consulted: list[TableUse]


class StoredPlacement(Placement):
    id: str
