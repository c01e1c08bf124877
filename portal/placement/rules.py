"""Evidence-side rules: R1, R4, R5, R7, R12, and the look-ups behind R8, R11 and R15.

Dates (R1), attainment (R4), equivalence (R5), assessments (R7), conflicts (R12), the AEP
choice (R8), language level (R11) and the certificate gate (R15). Each helper reads facts and
policy and returns plain values or rule parameters; ``portal.placement.decisions`` and
``portal.placement.domain`` assemble the recommendation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.common.calendars import CalendarSystem, ParsedDate
from portal.curricula.domain import (
    EquivalencyTableData,
    GradeInfo,
    Resolution,
    SystemVersion,
    resolve_equivalent_grade,
)
from portal.placement.ages import school_year_containing
from portal.placement.model import (
    AEProgramme,
    AssessmentKind,
    BirthDatePrecision,
    EvidenceLevel,
    LearnerFacts,
    PlacementPolicy,
    StudyFact,
    StudyStatus,
    as_gregorian,
    proficiency_rank,
)

# --- R1 -----------------------------------------------------------------------------------


def normalised_dates(facts: LearnerFacts) -> dict[str, object] | None:
    """Return R1 parameters when a date needed conversion or care, else None."""
    converted: list[dict[str, object]] = []
    dated: list[tuple[str, date | ParsedDate | None]] = [("birth_date", facts.birth_date)]
    dated += [(f"studies[{i}].end_date", s.end_date) for i, s in enumerate(facts.studies)]
    dated += [(f"assessments[{i}].on", a.on) for i, a in enumerate(facts.assessments)]
    for name, value in dated:
        if isinstance(value, ParsedDate) and value.calendar is not CalendarSystem.GREGORIAN:
            converted.append({"field": name, **value.to_dict()})
    birth = as_gregorian(facts.birth_date)
    leap_day = (birth.month, birth.day) == (2, 29)
    if not converted and not leap_day and facts.birth_date_precision is BirthDatePrecision.DAY:
        return None
    return {
        "birth_date": birth.isoformat(),
        "birth_date_precision": facts.birth_date_precision.value,
        "leap_day_birthday": leap_day,
        "converted": tuple(converted),
    }


# --- R4 / R5 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyReading:
    """What one study says: credited origin years and the destination grade to enter next."""

    position: int
    study: StudyFact
    years: int
    credited: bool
    end: date | None
    level: int
    resolution: Resolution | None


def credited_years(study: StudyFact, policy: PlacementPolicy) -> tuple[int, bool]:
    """Return cumulative years credited for a study and whether its own grade counted (R4)."""
    grade = study.system.grade(study.grade_code)
    assert grade is not None  # StudyFact checks the code on construction
    if study.status in (StudyStatus.COMPLETED, StudyStatus.PROMOTED_WITHOUT_EXAM):
        return grade.cumulative_index, True
    # partial or interrupted: the year counts only above the credit threshold
    if study.fraction is not None and study.fraction >= policy.partial_year_credit_threshold:
        return grade.cumulative_index, True
    return grade.cumulative_index - 1, False


def read_study(
    position: int,
    study: StudyFact,
    policy: PlacementPolicy,
    destination: SystemVersion,
    on: date,
    tables: Iterable[EquivalencyTableData],
) -> StudyReading:
    """Credit a study (R4) and map it onto the destination's next grade (R5)."""
    years, credited = credited_years(study, policy)
    end = as_gregorian(study.end_date) if study.end_date is not None else None
    origin_grade = study.system.grade_at_index(years)
    if origin_grade is None:
        # nothing completed in that system yet: the cumulative pivot is all there is
        level, resolution = max(years + 1, destination.min_index), None
    else:
        resolution = resolve_equivalent_grade(
            study.system,
            origin_grade.code,
            destination,
            on,
            tables,
            facts=dict(study.table_facts),
        )
        if resolution.grade is not None:
            level = resolution.grade.cumulative_index + 1
        elif "beyond_destination_range" in resolution.flags:
            level = destination.max_index + 1
        else:
            level = destination.min_index
    return StudyReading(position, study, years, credited, end, level, resolution)


def attainment_params(reading: StudyReading) -> dict[str, object]:
    """Return R4 parameters for the study whose attainment is used."""
    study = reading.study
    in_force = None if reading.end is None else study.system.valid_on(reading.end)
    return {
        "study": reading.position,
        "system": study.system.code,
        "grade": study.grade_code,
        "status": study.status.value,
        "fraction": None if study.fraction is None else str(study.fraction),
        "credited": reading.credited,
        "evidence_level": int(study.evidence_level),
        "end_date": None if reading.end is None else reading.end.isoformat(),
        "system_in_force_at_end": in_force,
        "certificate_held": study.certificate_held,
        "attained_years": reading.years,
    }


def equivalence_params(reading: StudyReading, destination: SystemVersion) -> dict[str, object]:
    """Return R5 parameters: where the destination level came from."""
    resolution = reading.resolution
    target = destination.grade_at_index(reading.level)
    return {
        "source": None if resolution is None else resolution.source_type.value,
        "table": None if resolution is None else resolution.table_id,
        "table_version": None if resolution is None else resolution.table_version,
        "origin_grade": None if resolution is None else resolution.origin_grade.code,
        "equivalent_grade": (
            None if resolution is None or resolution.grade is None else resolution.grade.code
        ),
        "level_index": reading.level,
        "level_grade": None if target is None else target.code,
        "flags": () if resolution is None else resolution.flags,
        "uncovered_certificates": () if resolution is None else resolution.uncovered_certificates,
    }


def determining_reading(readings: Iterable[StudyReading]) -> StudyReading | None:
    """Return the furthest credited study, preferring stronger then newer evidence."""
    return max(
        readings,
        key=lambda r: (r.level, r.study.evidence_level, r.end or date.min, -r.position),
        default=None,
    )


# --- R7 / R12 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementTest:
    """A placement test that names a destination grade index."""

    position: int
    on: date
    level: int


def placement_tests(facts: LearnerFacts, enrolment: date) -> list[PlacementTest]:
    """Return the placement tests that give a level and were taken by the enrolment date."""
    return [
        PlacementTest(i, as_gregorian(a.on), a.level_cumulative_index)
        for i, a in enumerate(facts.assessments)
        if a.kind is AssessmentKind.PLACEMENT_TEST
        and a.level_cumulative_index is not None
        and as_gregorian(a.on) <= enrolment
    ]


def overriding_test(
    tests: Iterable[PlacementTest], readings: Iterable[StudyReading]
) -> PlacementTest | None:
    """Return the newest placement test if it is newer than every dated document (R7)."""
    newest = max(tests, key=lambda t: (t.on, t.position), default=None)
    ends = [r.end for r in readings if r.end is not None]
    if newest is None or (ends and newest.on <= max(ends)):
        return None
    return newest


@dataclass(frozen=True)
class EvidenceItem:
    """One claim about attainment in destination terms: the grade it implies entering next."""

    source: str
    position: int
    level: int
    when: date | None


def _compatible(a: EvidenceItem, b: EvidenceItem, start_month_day: str, enrolment: date) -> bool:
    """Tell whether two claims fit one school history (at most a grade of slack either way)."""

    def year_of(day: date) -> int:
        return school_year_containing(day, start_month_day).start_year

    when_a, when_b = a.when, b.when
    if when_a is not None and when_b is not None:
        early, late = (a, b) if when_a <= when_b else (b, a)
        years = abs(year_of(when_b) - year_of(when_a))
        progress = late.level - early.level
        return -2 < progress < years + 2
    if when_a is None and when_b is None:
        return True
    undated, dated, dated_when = (a, b, when_b) if when_a is None else (b, a, when_a)
    if undated.level <= dated.level or dated_when is None:
        return True  # the undated claim can simply be the older one
    # at the latest, the undated claim covers the school year before enrolment
    years = max(year_of(enrolment) - 1 - year_of(dated_when), 0)
    return undated.level - dated.level - years < 2


def conflicting_items(
    items: list[EvidenceItem], start_month_day: str, enrolment: date
) -> list[EvidenceItem]:
    """Return the items that take part in an incompatible pair, in input order (R12)."""
    involved: set[tuple[str, int]] = set()
    for a, b in itertools.combinations(items, 2):
        if not _compatible(a, b, start_month_day, enrolment):
            involved |= {(a.source, a.position), (b.source, b.position)}
    return [item for item in items if (item.source, item.position) in involved]


def item_params(item: EvidenceItem, destination: SystemVersion) -> dict[str, object]:
    """Return a JSON-able description of one evidence item for R12."""
    grade = destination.grade_at_index(item.level)
    return {
        "source": item.source,
        "position": item.position,
        "level_index": item.level,
        "level_grade": None if grade is None else grade.code,
        "on": None if item.when is None else item.when.isoformat(),
    }


# --- R8 -----------------------------------------------------------------------------------


def choose_aep(
    programmes: Iterable[AEProgramme], policy: PlacementPolicy, age: int, grade: GradeInfo | None
) -> tuple[AEProgramme, str, tuple[str, ...]] | str:
    """Return (programme, level, grades) containing the level grade, or why there is none."""
    certified = sorted((p for p in programmes if p.certified), key=lambda p: p.code)
    if not certified:
        return "no_certified_aep"
    low, high = policy.aep_age_band
    in_band = [p for p in certified if low <= age <= high and p.age_band[0] <= age <= p.age_band[1]]
    if not in_band:
        return "age_outside_band"
    for programme in in_band:
        level = None if grade is None else programme.level_for(grade.code)
        if level is not None:
            return programme, level[0], level[1]
    return "no_level_for_grade"


# --- R15 ----------------------------------------------------------------------------------


def certificate_gate(destination: SystemVersion, target: GradeInfo) -> GradeInfo | None:
    """Return the last certificate-awarding grade of an earlier ISCED level than the target."""
    gates = [
        g
        for g in destination.grades
        if g.cumulative_index < target.cumulative_index
        and g.isced_level < target.isced_level
        and g.certificate_at_end
    ]
    return max(gates, key=lambda g: g.cumulative_index, default=None)


def certificates_held(facts: LearnerFacts) -> tuple[str, ...]:
    """Return the learner's certificates, in study order, without repeats."""
    held = (s.certificate_held for s in facts.studies if s.certificate_held)
    return tuple(dict.fromkeys(held))


def gate_resolved(required: str, held: tuple[str, ...], policy: PlacementPolicy) -> bool:
    """Tell whether a held certificate is, or is recognised as, the required one."""
    recognised = {(origin, dest) for origin, dest in policy.recognised_certificates}
    return any(cert == required or (cert, required) in recognised for cert in held)


# --- R11 ----------------------------------------------------------------------------------


def language_level(facts: LearnerFacts, lang: str, enrolment: date) -> tuple[str | None, str]:
    """Return the learner's level in a language and its source (newest test, else declared)."""
    tests = [
        a
        for a in facts.assessments
        if a.kind is AssessmentKind.LANGUAGE_TEST
        and a.language == lang
        and a.cefr is not None
        and as_gregorian(a.on) <= enrolment
    ]
    if tests:
        newest = max(tests, key=lambda a: as_gregorian(a.on))
        return newest.cefr, "assessment"
    declared: Mapping[str, str] = facts.language_proficiency
    if lang in declared:
        return declared[lang], "declared"
    return None, "unknown"


def below_threshold(level: str, threshold: str) -> bool:
    """Tell whether a proficiency is below a CEFR threshold ("L1" never is)."""
    return proficiency_rank(level) < proficiency_rank(threshold)


def is_weak_evidence(level: EvidenceLevel) -> bool:
    """Tell whether evidence is only a declaration (E0-E2)."""
    return level <= EvidenceLevel.E2
