"""Reading a placement request: every field type-checked, every problem collected.

The API preview and the cohort CSV both send this shape (see the OpenAPI PlacementRequest).
The result still holds codes (jurisdictions, grades); ``services.place`` resolves them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from portal.placement.domain import (
    AssessmentFact,
    AssessmentKind,
    BirthDatePrecision,
    EvidenceLevel,
    StudyStatus,
)
from portal.placement.model import PROFICIENCY_ORDER
from portal.placement.policy.domain import evidence_level

MAX_ITEMS = 30  # studies, assessments or languages in one request
LANGUAGE = re.compile(r"[a-z]{2,3}")
INDEX_RANGE = (-3, 20)


@dataclass(frozen=True)
class Problem:
    """One invalid input: the field path (``studies[0].grade``), a code and its parameters."""

    field: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


class PlacementInputError(ValueError):
    """The input cannot be placed; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__([(p.field, p.code) for p in self.problems])


class _Reader:
    """Type-check one JSON value at a time, collecting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, name: str, code: str, **params: object) -> None:
        self.problems.append(Problem(name, code, params))

    def date(self, data: Mapping, key: str, name: str, *, required: bool) -> date | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(name, "required")
            return None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(name, "invalid_date")
        return None

    def choice(self, data: Mapping, key: str, name: str, allowed, default=None):
        value = data.get(key, default)
        if value is None:
            self.fail(name, "required")
            return None
        if not isinstance(value, str) or value not in allowed:
            self.fail(name, "invalid_choice", allowed=", ".join(allowed))
            return None
        return value

    def code(self, data: Mapping, key: str, name: str) -> str | None:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "required")
            return None
        if len(value) > 40:
            self.fail(name, "too_long", max=40)
            return None
        return value.strip()

    def items(self, data: Mapping, key: str, name: str) -> list[Mapping]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, "not_a_list")
            return []
        if len(value) > MAX_ITEMS:
            self.fail(name, "too_many", max=MAX_ITEMS)
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                good.append(item)
            else:
                self.fail(f"{name}[{i}]", "not_an_object")
        return good if len(good) == len(value) else []


@dataclass(frozen=True)
class StudyInput:
    system: str
    grade: str
    status: StudyStatus
    evidence_level: EvidenceLevel
    end_date: date | None = None
    fraction: Decimal | None = None
    certificate: str | None = None


@dataclass(frozen=True)
class PlacementRequest:
    """A validated request: still codes, not yet resolved against the reference data."""

    birth_date: date
    birth_date_precision: BirthDatePrecision
    destination: str
    enrolment_date: date
    studies: tuple[StudyInput, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    language_proficiency: Mapping[str, str] = field(default_factory=dict)


def _study(read: _Reader, item: Mapping, name: str) -> StudyInput | None:
    count = len(read.problems)
    system = read.code(item, "system", f"{name}.system")
    grade = read.code(item, "grade", f"{name}.grade")
    status = read.choice(item, "status", f"{name}.status", [s.value for s in StudyStatus])
    end = read.date(item, "end_date", f"{name}.end_date", required=False)
    level = None
    try:
        level = evidence_level(item.get("evidence_level"))
    except ValueError:
        read.fail(f"{name}.evidence_level", "invalid_evidence_level")
    fraction = None
    if item.get("fraction") is not None:
        raw = item["fraction"]
        try:
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise InvalidOperation
            fraction = Decimal(str(raw))
            if not fraction.is_finite() or not 0 <= fraction <= 1:
                raise InvalidOperation
        except InvalidOperation:
            read.fail(f"{name}.fraction", "invalid_fraction")
    certificate = item.get("certificate")
    if certificate is not None and (not isinstance(certificate, str) or len(certificate) > 80):
        read.fail(f"{name}.certificate", "invalid_choice", allowed="")
    if len(read.problems) > count:
        return None
    return StudyInput(system, grade, StudyStatus(status), level, end, fraction, certificate or None)


def _assessment(read: _Reader, item: Mapping, name: str) -> AssessmentFact | None:
    count = len(read.problems)
    kinds = [k.value for k in AssessmentKind]
    kind = read.choice(item, "kind", f"{name}.kind", kinds)
    on = read.date(item, "date", f"{name}.date", required=True)
    index = item.get("level_cumulative_index")
    if index is not None and (
        isinstance(index, bool)
        or not isinstance(index, int)
        or not INDEX_RANGE[0] <= index <= INDEX_RANGE[1]
    ):
        read.fail(
            f"{name}.level_cumulative_index", "out_of_range", min=INDEX_RANGE[0], max=INDEX_RANGE[1]
        )
    cefr = item.get("cefr")
    if cefr is not None and cefr not in PROFICIENCY_ORDER:
        read.fail(f"{name}.cefr", "invalid_proficiency", allowed=", ".join(PROFICIENCY_ORDER))
    language = item.get("language")
    if language is not None and (not isinstance(language, str) or not LANGUAGE.fullmatch(language)):
        read.fail(f"{name}.language", "invalid_language")
    if len(read.problems) > count:
        return None
    return AssessmentFact(AssessmentKind(kind), on, index, cefr, language)


def read_request(payload: object) -> PlacementRequest:
    """Validate a preview request (every field; extra fields ignored); raise PlacementInputError."""
    if not isinstance(payload, Mapping):
        raise PlacementInputError([Problem("body", "not_an_object")])
    read = _Reader()
    birth = read.date(payload, "birth_date", "birth_date", required=True)
    precisions = [p.value for p in BirthDatePrecision]
    precision = read.choice(
        payload, "birth_date_precision", "birth_date_precision", precisions, "day"
    )
    destination = read.code(payload, "destination", "destination")
    enrolment = read.date(payload, "enrolment_date", "enrolment_date", required=True)
    studies = [
        _study(read, item, f"studies[{i}]")
        for i, item in enumerate(read.items(payload, "studies", "studies"))
    ]
    assessments = [
        _assessment(read, item, f"assessments[{i}]")
        for i, item in enumerate(read.items(payload, "assessments", "assessments"))
    ]
    languages = payload.get("language_proficiency") or {}
    if not isinstance(languages, Mapping) or len(languages) > MAX_ITEMS:
        read.fail("language_proficiency", "not_an_object")
        languages = {}
    for lang, level in languages.items():
        if not isinstance(lang, str) or not LANGUAGE.fullmatch(lang):
            read.fail(f"language_proficiency.{str(lang)[:8]}", "invalid_language")
        elif level not in PROFICIENCY_ORDER:
            allowed = ", ".join(PROFICIENCY_ORDER)
            read.fail(f"language_proficiency.{lang}", "invalid_proficiency", allowed=allowed)
    if birth and enrolment and birth >= enrolment:
        read.fail("birth_date", "birth_not_before_enrolment")
    if read.problems:
        raise PlacementInputError(read.problems)
    return PlacementRequest(
        birth_date=birth,
        birth_date_precision=BirthDatePrecision(precision),
        destination=destination,
        enrolment_date=enrolment,
        studies=tuple(studies),
        assessments=tuple(assessments),
        language_proficiency=dict(languages),
    )
