"""The placement engine: recommend_placement applies rules R1-R15 of DOMAIN §6.4.

Inputs and outputs live in ``portal.placement.model`` (re-exported here), age arithmetic in
``portal.placement.ages``, evidence rules in ``portal.placement.rules`` and the JSON snapshot
in ``portal.placement.snapshot``. Pure: standard library and other pure domain modules only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from types import MappingProxyType

from portal.curricula.domain import EquivalencyTableData, SystemVersion
from portal.placement import decisions, rules
from portal.placement.ages import (
    SchoolYear,
    age_grade,
    is_mid_year,
    remaining_fraction,
    school_year_containing,
)
from portal.placement.model import (
    PROGRAMME_ORDER,
    AEProgramme,
    AgeReference,
    AheadOfAge,
    AssessmentFact,
    AssessmentKind,
    BirthDatePrecision,
    Computed,
    EvidenceLevel,
    Feb29Rule,
    LanguageSupport,
    LanguageThreshold,
    LearnerFacts,
    PlacementBasis,
    PlacementError,
    PlacementPolicy,
    PlacementResult,
    PostCompulsory,
    Programme,
    Recommendation,
    RuleFired,
    StudyFact,
    StudyStatus,
    as_gregorian,
)
from portal.placement.snapshot import policy_to_dict, result_to_dict

__all__ = [
    "AEProgramme",
    "AgeReference",
    "AheadOfAge",
    "AssessmentFact",
    "AssessmentKind",
    "BirthDatePrecision",
    "Computed",
    "EvidenceLevel",
    "Feb29Rule",
    "LanguageSupport",
    "LanguageThreshold",
    "LearnerFacts",
    "PlacementBasis",
    "PlacementError",
    "PlacementPolicy",
    "PlacementResult",
    "PostCompulsory",
    "Programme",
    "Recommendation",
    "RuleFired",
    "StudyFact",
    "StudyStatus",
    "policy_to_dict",
    "recommend_placement",
    "result_to_dict",
]


def recommend_placement(
    facts: LearnerFacts,
    destination: SystemVersion,
    policy: PlacementPolicy,
    aep_programmes: Iterable[AEProgramme],
    tables: Iterable[EquivalencyTableData],
    enrolment_date: date,
) -> PlacementResult:
    """Recommend a grade and programmes for a learner entering a destination system."""
    if not destination.valid_on(enrolment_date):
        params = {"system": destination.code, "on": enrolment_date.isoformat()}
        raise PlacementError("destination_not_in_force", params)
    birth = as_gregorian(facts.birth_date)
    if birth >= enrolment_date:
        raise PlacementError("birth_not_before_enrolment", {"birth_date": birth.isoformat()})
    draft = decisions.Draft()

    r1 = rules.normalised_dates(facts)
    if r1 is not None:
        draft.fire("R1", r1)

    school_year = school_year_containing(enrolment_date, policy.school_year_start)
    mid_year = is_mid_year(enrolment_date, school_year, policy.mid_year_weeks)
    weeks_in = (enrolment_date - school_year.start).days // 7
    if mid_year:
        draft.fire(
            "R2",
            {
                "school_year_start": school_year.start.isoformat(),
                "weeks_after_start": weeks_in,
                "mid_year_weeks": policy.mid_year_weeks,
            },
        )

    ages = age_grade(birth, school_year, policy)
    g_age = min(ages.index, destination.max_index)
    pre_primary = ages.index < destination.min_index
    draft.fire(
        "R3",
        {
            "kind": policy.age_reference.kind.value,
            "entry_age": policy.entry_age,
            "months": policy.age_reference.months,
            "reference_date": ages.reference_date.isoformat(),
            "age": ages.age,
            "age_months": ages.age_months,
            "entry_year": ages.entry_year,
            "school_year": school_year.start_year,
            "age_grade_index": ages.index,
            "clamped": ages.index > destination.max_index,
            "pre_primary": pre_primary,
        },
    )

    level = _level(facts, destination, policy, tables, enrolment_date, draft)
    g_level = None if level.index is None else decisions.clamp(level.index, destination)
    delta = None if g_level is None or pre_primary else g_age - g_level
    gap = _gap_years(level.readings, school_year, policy)
    certification = level.top if level.assessed else (level.used or level.top)

    if pre_primary:
        pass  # below school age: nothing to place yet
    elif certification is not None and _completed_upper_secondary(certification):
        system = certification.study.system
        draft.add(Programme.RECOGNITION_ONLY)
        draft.fire(
            "R13",
            {
                "route": "recognition",
                "system": system.code,
                "grade": certification.study.grade_code,
                "isced3_completion_index": system.isced_completion_index(3),
            },
        )
    else:
        placing = decisions.Placing(ages.age, g_age, delta, gap)
        decisions.place(facts, destination, policy, tuple(aep_programmes), level, placing, draft)
        decisions.evidence_gate(policy, level, delta, draft)

    if level.conflict:
        draft.provisional = draft.needs_assessment = True
    if not pre_primary:
        decisions.language(facts, destination, policy, g_level, enrolment_date, draft)
    if mid_year:
        in_transition = draft.grade is not None and draft.grade.code in policy.transition_grades
        draft.fire(
            "R14",
            {
                "weeks_after_start": weeks_in,
                "remaining_fraction": str(remaining_fraction(enrolment_date, school_year)),
                "transition_grade": draft.grade.code if in_transition and draft.grade else None,
            },
        )

    confidence, factors = decisions.confidence(policy, destination, level)
    used_resolution = None if level.used is None else level.used.resolution
    recognition = Programme.RECOGNITION_ONLY in draft.programmes
    recommendation = Recommendation(
        grade=draft.grade,
        programmes=tuple(p for p in PROGRAMME_ORDER if p in draft.programmes),
        aep_level=draft.aep_level,
        aep_programme=draft.aep_programme,
        provisional=draft.provisional,
        assessment_due=(
            enrolment_date + timedelta(weeks=policy.assessment_due_weeks)
            if draft.needs_assessment and not level.assessed
            else None
        ),
        review_due=(
            None
            if recognition or pre_primary
            else enrolment_date + timedelta(weeks=policy.review_after_weeks)
        ),
        alternatives=tuple(draft.alternatives),
    )
    computed = Computed(
        age_reference_date=ages.reference_date,
        age=ages.age,
        age_months=ages.age_months,
        entry_year=ages.entry_year,
        age_grade=destination.grade_at_index(g_age),
        age_grade_index=ages.index if pre_primary else g_age,
        attained_years=None if certification is None else certification.years,
        level_grade=None if g_level is None else destination.grade_at_index(g_level),
        level_grade_index=g_level,
        delta=delta,
        gap_years=gap,
        mid_year=mid_year,
        school_year_start_date=school_year.start,
        remaining_year_fraction=remaining_fraction(enrolment_date, school_year),
    )
    tables_used: tuple[tuple[str, int], ...] = ()
    if used_resolution is not None:
        table_id, version = used_resolution.table_id, used_resolution.table_version
        if table_id is not None and version is not None:
            tables_used = ((table_id, version),)
    return PlacementResult(
        destination=destination.code,
        enrolment_date=enrolment_date,
        computed=computed,
        recommendation=recommendation,
        rules=tuple(sorted(draft.rules.values(), key=lambda r: int(r.code[1:]))),
        confidence=confidence,
        confidence_factors=factors,
        policy_version=policy.policy_version,
        tables=tables_used,
        equivalency_source=None if used_resolution is None else used_resolution.source_type,
        parameters=MappingProxyType(policy_to_dict(policy)),
    )


def _completed_upper_secondary(reading: rules.StudyReading) -> bool:
    """Tell whether a study completes ISCED 3 in its own system (R13, recognition route)."""
    completion = reading.study.system.isced_completion_index(3)
    return completion is not None and reading.years >= completion


def _gap_years(
    readings: Iterable[rules.StudyReading], school_year: SchoolYear, policy: PlacementPolicy
) -> int | None:
    """Count destination school years wholly missed since the last one attended."""
    ends = [r.end for r in readings if r.end is not None]
    if not ends:
        return None
    last = school_year_containing(max(ends), policy.school_year_start)
    return max(0, school_year.start_year - last.start_year - 1)


def _level(
    facts: LearnerFacts,
    destination: SystemVersion,
    policy: PlacementPolicy,
    tables: Iterable[EquivalencyTableData],
    enrolment: date,
    draft: decisions.Draft,
) -> decisions.Level:
    """Apply R4, R5, R7 and R12: which claim sets G_level, and how sure we are of it."""
    tables = tuple(tables)
    readings = tuple(
        rules.read_study(i, s, policy, destination, enrolment, tables)
        for i, s in enumerate(facts.studies)
    )
    top = rules.determining_reading(readings)
    used = top  # the study whose level places the learner, if a study does
    index = None if top is None else top.level
    tests = rules.placement_tests(facts, enrolment)
    override = rules.overriding_test(tests, readings)
    if override is not None:
        index, used = override.level, None
        draft.fire(
            "R7",
            {
                "assessment": override.position,
                "on": override.on.isoformat(),
                "level_index": index,
                "level_grade": decisions.code_of(decisions.grade_at(index, destination)),
                "document_level_index": None if top is None else top.level,
            },
        )

    items = [rules.EvidenceItem("study", r.position, r.level, r.end) for r in readings]
    items += [
        rules.EvidenceItem("assessment", t.position, t.level, t.on)
        for t in tests
        if t is not override
    ]
    conflicting = rules.conflicting_items(items, policy.school_year_start, enrolment)
    if conflicting:
        lowest = min(conflicting, key=lambda it: (it.level, it.source != "study", it.position))
        draft.fire(
            "R12",
            {
                "items": tuple(rules.item_params(it, destination) for it in conflicting),
                "preferred": rules.item_params(lowest, destination),
                "reason": "lower_implied_grade",
                "resolved_by": None if override is None else "R7",
            },
        )
        if override is None:
            index = lowest.level
            used = next(
                (r for r in readings if lowest.source == "study" and r.position == lowest.position),
                None,
            )

    attainment = used or top
    if attainment is not None:
        draft.fire("R4", rules.attainment_params(attainment))
        draft.fire("R5", rules.equivalence_params(attainment, destination))
    return decisions.Level(
        readings=readings,
        used=used,
        top=top,
        index=index,
        assessed=override is not None,
        conflict=bool(conflicting) and override is None,
        conflicting=bool(conflicting),
    )
