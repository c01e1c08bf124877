"""Inputs and outputs of the placement engine: policy, learner facts, AE programmes, result.

Everything is a frozen value. Outputs carry codes and parameters only; wording and
translation happen at the edge (DOMAIN §6.4-6.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from portal.common.calendars import ParsedDate
from portal.common.vocabulary import EvidenceLevel, StudyStatus
from portal.curricula.domain import (
    AgeRuleKind,
    Confidence,
    CurriculumError,
    GradeInfo,
    SourceType,
    SystemVersion,
    parse_month_day,
)


class PlacementError(ValueError):
    """Invalid engine input; ``code`` and ``params`` are translated at the edge."""

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: Mapping[str, object] = MappingProxyType(dict(params or {}))
        super().__init__(code, dict(self.params))


class Programme(StrEnum):
    REGULAR = "REGULAR"
    AEP = "AEP"
    CATCH_UP = "CATCH_UP"
    BRIDGING = "BRIDGING"
    REMEDIAL = "REMEDIAL"
    PREPARATORY_LANGUAGE = "PREPARATORY_LANGUAGE"
    VET_INTEGRATION = "VET_INTEGRATION"
    RECOGNITION_ONLY = "RECOGNITION_ONLY"


# Order in which programmes are listed: what comes first in time, then what runs alongside.
PROGRAMME_ORDER: tuple[Programme, ...] = (
    Programme.RECOGNITION_ONLY,
    Programme.VET_INTEGRATION,
    Programme.PREPARATORY_LANGUAGE,
    Programme.BRIDGING,
    Programme.AEP,
    Programme.REGULAR,
    Programme.CATCH_UP,
    Programme.REMEDIAL,
)


class PlacementBasis(StrEnum):
    AGE_FIRST = "age_first"
    DOCUMENTS_FIRST = "documents_first"
    ASSESSMENT_FIRST = "assessment_first"


class Feb29Rule(StrEnum):
    """When a 29 February birthday counts as reached in a common year."""

    FEB28 = "feb28"
    MAR1 = "mar1"


class BirthDatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    ESTIMATED = "estimated"


class AssessmentKind(StrEnum):
    PLACEMENT_TEST = "placement_test"
    LANGUAGE_TEST = "language_test"
    DIAGNOSTIC = "diagnostic"
    INTERVIEW = "interview"


# "L1" (first language) ranks above every CEFR level.
PROFICIENCY_ORDER: tuple[str, ...] = ("A0", "A1", "A2", "B1", "B2", "C1", "C2", "L1")


def proficiency_rank(level: str) -> int:
    """Return the position of a CEFR level (or "L1") in PROFICIENCY_ORDER."""
    try:
        return PROFICIENCY_ORDER.index(level)
    except ValueError:
        raise PlacementError("invalid_proficiency", {"value": level}) from None


def _invalid_policy(field_name: str, **params: object) -> PlacementError:
    return PlacementError("invalid_policy", {"field": field_name, **params})


def _check_month_day(value: str, field_name: str) -> None:
    try:
        parse_month_day(value)
    except CurriculumError:
        raise _invalid_policy(field_name, value=value) from None


@dataclass(frozen=True)
class AgeReference:
    """How the age for grade is measured (§6.3 ``age_reference``)."""

    kind: AgeRuleKind
    month_day: str | None = None
    months: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AgeRuleKind(self.kind))
        if (self.kind is AgeRuleKind.CALENDAR_YEAR) != (self.month_day is None):
            raise _invalid_policy("age_reference.month_day", kind=self.kind.value)
        if self.month_day is not None:
            _check_month_day(self.month_day, "age_reference.month_day")
        needs_months = self.kind is AgeRuleKind.MONTHS_AT_DATE
        if needs_months != (self.months is not None) or (
            self.months is not None and self.months < 1
        ):
            raise _invalid_policy("age_reference.months", kind=self.kind.value)


@dataclass(frozen=True)
class AheadOfAge:
    """How far a learner may be placed above the age grade, and on what evidence."""

    max: int = 1
    min_evidence: EvidenceLevel = EvidenceLevel.E4

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_evidence", EvidenceLevel(self.min_evidence))
        if self.max < 0:
            raise _invalid_policy("allow_ahead_of_age.max", value=self.max)


@dataclass(frozen=True)
class LanguageThreshold:
    """Minimum proficiency in the language of instruction, by school level."""

    primary: str
    secondary: str

    def __post_init__(self) -> None:
        proficiency_rank(self.primary)
        proficiency_rank(self.secondary)


@dataclass(frozen=True)
class LanguageSupport:
    lang: str
    threshold: LanguageThreshold
    max_months: int
    programme: str = ""

    def __post_init__(self) -> None:
        if not self.lang or self.max_months < 1:
            raise _invalid_policy("language_support", lang=self.lang)


@dataclass(frozen=True)
class PostCompulsory:
    age_from: int


@dataclass(frozen=True)
class PlacementPolicy:
    """Every §6.3 parameter of one destination system version, as data."""

    policy_version: str
    entry_age: int
    age_reference: AgeReference
    school_year_start: str
    placement_basis: PlacementBasis
    max_grades_below_age: int = 2
    overage_threshold_aep: int = 2
    aep_age_band: tuple[int, int] = (10, 18)
    catch_up_max_gap_years: int = 1
    partial_year_credit_threshold: Decimal = Decimal("0.75")
    allow_ahead_of_age: AheadOfAge = field(default_factory=AheadOfAge)
    language_support: LanguageSupport | None = None
    post_compulsory: PostCompulsory | None = None
    assessment_due_weeks: int = 6
    review_after_weeks: int = 12
    mid_year_weeks: int = 8
    transition_grades: tuple[str, ...] = ()
    provisional: bool = False
    feb29_rule: Feb29Rule = Feb29Rule.FEB28
    # (origin certificate, destination certificate) pairs already recognised as equivalent
    # (e.g. a Zeugnisanerkennung practice); used by the certificate gate R15.
    recognised_certificates: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "placement_basis", PlacementBasis(self.placement_basis))
        object.__setattr__(self, "feb29_rule", Feb29Rule(self.feb29_rule))
        object.__setattr__(self, "transition_grades", tuple(self.transition_grades))
        object.__setattr__(self, "aep_age_band", tuple(self.aep_age_band))
        object.__setattr__(
            self, "recognised_certificates", tuple(tuple(p) for p in self.recognised_certificates)
        )
        object.__setattr__(
            self, "partial_year_credit_threshold", Decimal(self.partial_year_credit_threshold)
        )
        _check_month_day(self.school_year_start, "school_year_start")
        if not self.policy_version:
            raise _invalid_policy("policy_version")
        if self.entry_age < 1:
            raise _invalid_policy("entry_age", value=self.entry_age)
        low, high = self.aep_age_band
        if low > high:
            raise _invalid_policy("aep_age_band", low=low, high=high)
        if not Decimal(0) <= self.partial_year_credit_threshold <= Decimal(1):
            raise _invalid_policy("partial_year_credit_threshold")
        counts = {
            "max_grades_below_age": self.max_grades_below_age,
            "overage_threshold_aep": self.overage_threshold_aep - 1,
            "catch_up_max_gap_years": self.catch_up_max_gap_years,
            "assessment_due_weeks": self.assessment_due_weeks,
            "review_after_weeks": self.review_after_weeks,
            "mid_year_weeks": self.mid_year_weeks,
        }
        for name, value in counts.items():
            if value < 0:
                raise _invalid_policy(name, value=getattr(self, name))


@dataclass(frozen=True)
class AEProgramme:
    """A certified (or not) accelerated programme and its level-to-grade map."""

    code: str
    certified: bool
    age_band: tuple[int, int]
    levels: tuple[tuple[str, tuple[str, ...]], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "age_band", tuple(self.age_band))
        object.__setattr__(self, "levels", tuple((lv, tuple(gs)) for lv, gs in self.levels))

    def level_for(self, grade_code: str) -> tuple[str, tuple[str, ...]] | None:
        """Return the level (code, grades) whose grades contain a destination grade."""
        return next(((lv, gs) for lv, gs in self.levels if grade_code in gs), None)


def as_gregorian(value: date | ParsedDate) -> date:
    """Return the ISO (Gregorian) date of a plain or parsed document date."""
    return value.gregorian if isinstance(value, ParsedDate) else value


@dataclass(frozen=True)
class StudyFact:
    """One grade attempted in the curriculum actually followed (not the nationality's)."""

    system: SystemVersion
    grade_code: str
    status: StudyStatus
    evidence_level: EvidenceLevel
    fraction: Decimal | None = None
    end_date: date | ParsedDate | None = None
    certificate_held: str | None = None
    # answers to equivalency-table conditions, e.g. (("stream", "scientific"),)
    table_facts: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", StudyStatus(self.status))
        try:
            object.__setattr__(self, "evidence_level", EvidenceLevel(self.evidence_level))
        except ValueError:
            raise PlacementError("invalid_evidence_level", {"value": self.evidence_level}) from None
        if self.system.grade(self.grade_code) is None:
            params = {"system": self.system.code, "grade": self.grade_code}
            raise PlacementError("unknown_grade", params)
        if self.fraction is not None and not Decimal(0) <= self.fraction <= Decimal(1):
            raise PlacementError("invalid_fraction", {"value": str(self.fraction)})


@dataclass(frozen=True)
class AssessmentFact:
    """An achievement measure; ``level_cumulative_index`` is the destination grade it places in."""

    kind: AssessmentKind
    on: date | ParsedDate
    level_cumulative_index: int | None = None
    cefr: str | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AssessmentKind(self.kind))
        if self.cefr is not None:
            proficiency_rank(self.cefr)


@dataclass(frozen=True)
class LearnerFacts:
    birth_date: date | ParsedDate
    birth_date_precision: BirthDatePrecision = BirthDatePrecision.DAY
    studies: tuple[StudyFact, ...] = ()
    assessments: tuple[AssessmentFact, ...] = ()
    language_proficiency: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "birth_date_precision", BirthDatePrecision(self.birth_date_precision)
        )
        object.__setattr__(self, "studies", tuple(self.studies))
        object.__setattr__(self, "assessments", tuple(self.assessments))
        for level in self.language_proficiency.values():
            proficiency_rank(level)
        object.__setattr__(
            self, "language_proficiency", MappingProxyType(dict(self.language_proficiency))
        )


# --- Output ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFired:
    """A rule that shaped the result, with JSON-able parameters for the explanation."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True)
class Computed:
    age_reference_date: date
    age: int
    age_months: int
    entry_year: int
    age_grade: GradeInfo | None
    age_grade_index: int
    attained_years: int | None
    level_grade: GradeInfo | None
    level_grade_index: int | None
    delta: int | None
    gap_years: int | None
    mid_year: bool
    school_year_start_date: date
    remaining_year_fraction: Decimal


@dataclass(frozen=True)
class Recommendation:
    grade: GradeInfo | None
    programmes: tuple[Programme, ...]
    aep_level: str | None
    aep_programme: str | None
    provisional: bool
    assessment_due: date | None
    review_due: date | None
    alternatives: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PlacementResult:
    """The immutable recommendation: computed values, advice, rules fired, provenance."""

    destination: str
    enrolment_date: date
    computed: Computed
    recommendation: Recommendation
    rules: tuple[RuleFired, ...]
    confidence: Confidence
    confidence_factors: tuple[str, ...]
    policy_version: str
    tables: tuple[tuple[str, int], ...]
    equivalency_source: SourceType | None
    parameters: Mapping[str, object]

    def rule(self, code: str) -> RuleFired | None:
        """Return the fired rule with this code, or None."""
        return next((r for r in self.rules if r.code == code), None)

    @property
    def rule_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rules)
