"""Request and response schemas of the learner API: what is validated is what is documented."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from portal.api.fields import (
    RequestModel,
    ResponseModel,
    boolean,
    choice,
    integer,
    iso_date,
    query_integer,
    text,
)
from portal.common.vocabulary import StudyStatus
from portal.curricula.marks import ScaleKind
from portal.learners import domain

PER_PAGE_MAX = 100
CALENDARS = ("gregorian", "solar_hijri", "ethiopian", "islamic")
NAME_KINDS = ("original", "transliteration", "alias")
PRECISIONS = tuple(p.value for p in domain.Precision)
# An identifier must keep something once spaces, dashes, dots and slashes are taken out.
IDENTIFIER = "^[^\\u0000]*[^\\s\\-./\\u0000][^\\u0000]*$"
# The share of a partial year completed: a decimal strictly between 0 and 1 ("0.5", ".25").
FRACTION = "^(0?\\.[0-9]*[1-9][0-9]*)?$"
PARTIAL_NEEDS_FRACTION = {
    "if": {"properties": {"status": {"const": "partial"}}},
    "then": {
        "required": ["fraction"],
        "properties": {"fraction": {"type": "string", "minLength": 1}},
    },
    "else": {"properties": {"fraction": {"enum": [None, ""]}}},
}


def _many(item: type, most: int, *, least: int = 0) -> object:
    return Annotated[list[item], Field(min_length=least, max_length=most)]


# --- requests -----------------------------------------------------------------------------------


class LearnerSearch(RequestModel):
    q: text(200, required=False, description="name prefix (any script, accents ignored)") = ""
    identifier: text(120, required=False, description="spaces and dashes are ignored") = ""
    birth_year: query_integer(1900, 2100) | None = None
    page: query_integer(1, 10_000) = 1
    per_page: query_integer(1, PER_PAGE_MAX) = 25


class NameInput(RequestModel):
    given: text(200)
    family: text(200, required=False) | None = ""
    script: text(8, required=False, description="ISO 15924; detected when omitted") | None = None
    kind: choice(NAME_KINDS) = "original"


class LanguageInput(RequestModel):
    language: text(12, examples=["ar"])
    proficiency: choice(domain.PROFICIENCIES)


class IdentifierInput(RequestModel):
    kind: choice(domain.IDENTIFIER_KINDS)
    value: text(120, pattern=IDENTIFIER)


class LearnerInput(RequestModel):
    names: _many(NameInput, 10, least=1)
    birth_date: (
        iso_date(description="Gregorian; required unless the precision is unknown") | None
    ) = None
    birth_date_precision: choice(PRECISIONS) = "day"
    birth_date_source: text(32, required=False, examples=["document"]) | None = ""
    birth_date_original: (
        text(
            80,
            required=False,
            description="as written on the document; converted when birth_date is omitted "
            "and the calendar is solar_hijri or ethiopian",
            examples=["30 Azar 1390"],
        )
        | None
    ) = None
    birth_date_calendar: choice(CALENDARS) = "gregorian"
    languages: _many(LanguageInput, 20) | None = None
    identifiers: _many(IdentifierInput, 10) | None = None
    confirm_duplicate: boolean(description="create even if the identifier is on file") = False


class EvidenceInput(RequestModel):
    document_type: choice(domain.DOCUMENT_TYPES)
    issuer: text(200, required=False) | None = ""
    verified: boolean() = False
    note: text(1000, required=False) | None = ""


class ScaleInput(RequestModel):
    code: text(40, required=False) | None = None
    kind: choice(ScaleKind) = "numeric"
    best: text(16, required=False, numbers=True) | None = None
    pass_mark: text(16, required=False, numbers=True) | None = Field(None, alias="pass")
    worst: text(16, required=False, numbers=True) | None = None


class ResultInput(RequestModel):
    subject_name: text(200)
    raw_mark: text(40, numbers=True, description="as written on the document")
    subject_code: text(40, required=False) | None = None
    scale: ScaleInput | None = None


class StudyInput(RequestModel):
    # A partial year needs the share completed; any other year must not give one.
    model_config = {"json_schema_extra": PARTIAL_NEEDS_FRACTION}

    system: text(
        40,
        description="jurisdiction code (the version with the grade is chosen) or version code",
        examples=["SY"],
    )
    grade: text(40, examples=["SY-G5"])
    status: choice(StudyStatus)
    evidence_level: integer(0, 5)
    school_name: text(200, required=False) | None = ""
    school_place: text(200, required=False) | None = ""
    period_start: iso_date() | None = None
    period_end: iso_date() | None = None
    period_original: text(120, required=False) | None = ""
    period_calendar: choice(CALENDARS) = "gregorian"
    fraction: (
        text(8, required=False, pattern=FRACTION, description="partial years only, e.g. 0.5") | None
    ) = None
    evidence: _many(EvidenceInput, 20) | None = None
    results: _many(ResultInput, 60) | None = None


class AssessmentInput(RequestModel):
    kind: choice(domain.ASSESSMENT_KINDS)
    assessed_on: iso_date()
    instrument: text(200, required=False) | None = ""
    assessor: text(200, required=False) | None = ""
    results: Annotated[dict[text(200), text(200, required=False)], Field(max_length=30)] | None = (
        None
    )
    level_cumulative_index: integer(0, 13) | None = None
    level_system_version: text(40, required=False) | None = None
    language: text(12, required=False) | None = None
    cefr: choice(domain.CEFR_LEVELS) | None = None


# --- responses ----------------------------------------------------------------------------------


class NameOut(ResponseModel):
    given: str
    family: str
    script: str
    kind: str


class LearnerSummary(ResponseModel):
    id: str
    names: list[NameOut]
    birth_date: date | None
    birth_date_precision: str
    access: Literal["write", "read"]


class LearnerPage(ResponseModel):
    items: list[LearnerSummary]
    total: int
    page: int
    per_page: int


class SchoolOut(ResponseModel):
    id: str
    name: str


class LanguageOut(ResponseModel):
    language: str
    proficiency: str


class IdentifierOut(ResponseModel):
    kind: str
    value: str


class EvidenceOut(ResponseModel):
    document_type: str
    issuer: str
    verified: bool
    note: str


class ScaleOut(ResponseModel):
    code: str | None
    kind: str
    best: str | None
    pass_mark: str | None = Field(alias="pass")
    worst: str | None


class ResultOut(ResponseModel):
    subject_code: str | None
    subject_name: str
    raw_mark: str
    scale: ScaleOut


class Study(ResponseModel):
    id: str
    system: str
    system_version: str = Field(examples=["SY-2002"])
    grade: str
    status: str
    fraction: str | None
    evidence_level: int
    school_name: str
    school_place: str
    period_start: date | None
    period_end: date | None
    period_original: str
    period_calendar: str
    source: Literal["manual", "csv", "passport"]
    verified_issuer: str | None
    evidence: list[EvidenceOut]
    results: list[ResultOut]


class Assessment(ResponseModel):
    id: str
    kind: str
    instrument: str
    assessor: str
    assessed_on: date
    results: dict[str, str]
    level_cumulative_index: int | None
    level_system_version: str | None
    language: str | None
    cefr: str | None


class EnrolmentOut(ResponseModel):
    school: SchoolOut
    grade: str | None
    programmes: list[str]
    start_on: date | None
    end_on: date | None
    status: Literal["active", "ended", "transferred"]


class Learner(LearnerSummary):
    school: SchoolOut
    birth_date_source: str
    birth_date_original: str | None
    birth_date_calendar: str
    languages: list[LanguageOut]
    identifiers: list[IdentifierOut]
    studies: list[Study]
    assessments: list[Assessment]
    enrolments: list[EnrolmentOut]
