"""The placement engine, rule by rule (DOMAIN §6.4), and the §6.5 worked example."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal

import pytest

from portal.common.calendars import parse_date_text
from portal.curricula.domain import AgeRuleKind, Confidence, SourceType
from portal.placement.ages import age_in_months_on, age_on
from portal.placement.domain import (
    AEProgramme,
    AgeReference,
    AssessmentFact,
    AssessmentKind,
    Feb29Rule,
    PlacementError,
    PlacementPolicy,
    Programme,
    RuleFired,
    StudyStatus,
    result_to_dict,
)
from tests.unit.placement_fixtures import (
    CAB_VE_CO,
    CO,
    CO_POLICY,
    DE_NW,
    DE_NW_POLICY,
    ET,
    IR,
    JO,
    JO_CUP,
    JO_POLICY,
    LB,
    LB_ALP,
    LB_POLICY,
    PL,
    PL_POLICY,
    SS,
    SY,
    TR,
    TR_POLICY,
    UA,
    UG,
    UG_AEP,
    UG_POLICY,
    VE,
    grade_code,
    learner,
    place,
    programmes,
    study,
)

ENROL_DE = date(2026, 9, 1)
ENROL_UG = date(2026, 2, 9)
ENROL_PL = date(2026, 9, 1)


def worked_example():
    facts = learner(
        date(2012, 3, 10),
        study(SY, "4", end=date(2020, 6, 15)),
        languages={"de": "A0", "ar": "L1"},
    )
    return place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)


# --- §6.5 ----------------------------------------------------------------------------------


def test_worked_example_computed_values_match_domain_6_5() -> None:
    computed = worked_example().computed
    assert (
        computed.age_reference_date,
        computed.age,
        computed.entry_year,
        computed.age_grade_index,
        computed.attained_years,
        computed.level_grade_index,
        computed.delta,
        computed.gap_years,
        computed.mid_year,
    ) == (date(2026, 9, 30), 14, 2018, 9, 4, 5, 4, 6, False)
    assert computed.age_grade is not None and computed.age_grade.code == "9"
    assert computed.level_grade is not None and computed.level_grade.code == "5"


def test_worked_example_recommendation_matches_domain_6_5() -> None:
    result = worked_example()
    recommendation = result.recommendation
    assert grade_code(result) == "8"
    assert recommendation.programmes == (Programme.PREPARATORY_LANGUAGE, Programme.CATCH_UP)
    assert (recommendation.aep_level, recommendation.aep_programme) == (None, None)
    assert recommendation.provisional is False
    assert recommendation.assessment_due == date(2026, 10, 13)
    assert recommendation.review_due == date(2026, 11, 24)
    assert result.confidence is Confidence.MEDIUM
    assert result.confidence_factors == ("no_equivalency_table",)
    assert result.equivalency_source is SourceType.ISCED_PIVOT
    assert result.tables == ()
    assert result.policy_version == "DE-NW/2025-v1"


def test_worked_example_fires_the_domain_6_5_rules() -> None:
    result = worked_example()
    assert result.rule_codes == ("R3", "R4", "R5", "R8", "R11")
    assert result.rule("R8") == RuleFired(
        "R8",
        {
            "delta": 4,
            "threshold": 2,
            "target": 8,
            "level_index": 5,
            "age_grade_index": 9,
            "max_grades_below_age": 1,
            "age": 14,
            "age_band": (10, 18),
            "certified_aep": False,
            "reason": "no_certified_aep",
            "intensive": True,
        },
    )
    assert result.rule("R11") == RuleFired(
        "R11",
        {
            "lang": "de",
            "level": "A0",
            "source": "declared",
            "threshold": "B1",
            "max_months": 24,
            "action": "preparatory_language",
        },
    )
    assert result.rule("R3") == RuleFired(
        "R3",
        {
            "kind": "cutoff_date",
            "entry_age": 6,
            "months": None,
            "reference_date": "2026-09-30",
            "age": 14,
            "age_months": 174,
            "entry_year": 2018,
            "school_year": 2026,
            "age_grade_index": 9,
            "clamped": False,
            "pre_primary": False,
        },
    )
    r5 = result.rule("R5")
    assert r5 is not None
    assert (r5.params["source"], r5.params["equivalent_grade"], r5.params["level_grade"]) == (
        "isced_pivot",
        "4",
        "5",
    )


def test_result_to_dict_worked_example_is_json_snapshot() -> None:
    snapshot = result_to_dict(worked_example())
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert list(snapshot) == [
        "destination",
        "enrolment_date",
        "policy_version",
        "computed",
        "recommendation",
        "rules",
        "confidence",
        "confidence_factors",
        "equivalency_source",
        "tables",
        "parameters",
    ]
    assert snapshot["computed"]["remaining_year_fraction"] == "0.92"
    assert snapshot["computed"]["age_reference_date"] == "2026-09-30"
    assert snapshot["recommendation"]["programmes"] == ["PREPARATORY_LANGUAGE", "CATCH_UP"]
    assert snapshot["recommendation"]["grade"] == {
        "code": "8",
        "cumulative_index": 8,
        "isced_level": 2,
        "programme": "Sek I",
        "certificate_at_end": None,
    }
    assert snapshot["recommendation"]["assessment_due"] == "2026-10-13"
    assert [r["code"] for r in snapshot["rules"]] == ["R3", "R4", "R5", "R8", "R11"]
    assert snapshot["rules"][3]["params"]["age_band"] == [10, 18]
    assert snapshot["parameters"]["partial_year_credit_threshold"] == "0.75"
    assert snapshot["parameters"]["age_reference"] == {
        "type": "cutoff_date",
        "month_day": "09-30",
        "months": None,
    }
    assert snapshot["confidence"] == "medium"
    assert snapshot["equivalency_source"] == "isced_pivot"


def test_result_to_dict_is_stable_across_runs() -> None:
    first = json.dumps(result_to_dict(worked_example()))
    assert json.dumps(result_to_dict(worked_example())) == first


# --- R3: age rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "policy", "birth", "enrolment", "expected"),
    [
        (DE_NW, DE_NW_POLICY, date(2012, 3, 10), ENROL_DE, (date(2026, 9, 30), 14, 2018, 9)),
        (DE_NW, DE_NW_POLICY, date(2012, 9, 30), ENROL_DE, (date(2026, 9, 30), 14, 2018, 9)),
        (DE_NW, DE_NW_POLICY, date(2012, 10, 1), ENROL_DE, (date(2026, 9, 30), 13, 2019, 8)),
        (PL, PL_POLICY, date(2012, 1, 1), ENROL_PL, (date(2026, 12, 31), 14, 2019, 8)),
        (PL, PL_POLICY, date(2012, 12, 31), ENROL_PL, (date(2026, 12, 31), 14, 2019, 8)),
        (PL, PL_POLICY, date(2013, 1, 1), ENROL_PL, (date(2026, 12, 31), 13, 2020, 7)),
        (TR, TR_POLICY, date(2014, 12, 30), date(2025, 9, 15), (date(2025, 9, 30), 10, 2020, 6)),
        (TR, TR_POLICY, date(2014, 12, 31), date(2025, 9, 15), (date(2025, 9, 30), 10, 2020, 6)),
        (TR, TR_POLICY, date(2015, 1, 1), date(2025, 9, 15), (date(2025, 9, 30), 10, 2021, 5)),
        (UG, UG_POLICY, date(2012, 5, 1), ENROL_UG, (date(2026, 12, 31), 14, 2018, 9)),
    ],
    ids=[
        "de-nw-cutoff-march-birthday",
        "de-nw-cutoff-birthday-on-cutoff",
        "de-nw-cutoff-day-after",
        "pl-calendar-year-january",
        "pl-calendar-year-december",
        "pl-calendar-year-next-january",
        "tr-69-months-reached",
        "tr-69-months-on-short-month-end",
        "tr-68-months-waits-a-year",
        "ug-calendar-year-school-year-from-february",
    ],
)
def test_age_grade_by_rule_kind(destination, policy, birth, enrolment, expected) -> None:
    computed = place(learner(birth), destination, policy, enrolment).computed
    assert (
        computed.age_reference_date,
        computed.age,
        computed.entry_year,
        computed.age_grade_index,
    ) == expected


def test_age_grade_months_rule_reports_months() -> None:
    result = place(learner(date(2014, 12, 31)), TR, TR_POLICY, date(2025, 9, 15))
    r3 = result.rule("R3")
    assert r3 is not None
    assert (r3.params["kind"], r3.params["months"], r3.params["age_months"]) == (
        "months_at_date",
        69,
        129,
    )


def test_age_grade_below_school_age_places_nothing() -> None:
    result = place(learner(date(2021, 3, 1)), DE_NW, DE_NW_POLICY, ENROL_DE)
    assert (grade_code(result), programmes(result), result.computed.age_grade_index) == (
        None,
        (),
        0,
    )
    r3 = result.rule("R3")
    assert r3 is not None and r3.params["pre_primary"] is True
    assert result.recommendation.review_due is None


# --- R1: leap-day birthdays and calendars --------------------------------------------------


@pytest.mark.parametrize(
    ("on", "rule", "years"),
    [
        (date(2013, 2, 28), Feb29Rule.FEB28, 1),
        (date(2013, 2, 28), Feb29Rule.MAR1, 0),
        (date(2013, 3, 1), Feb29Rule.MAR1, 1),
        (date(2016, 2, 28), Feb29Rule.FEB28, 3),
        (date(2016, 2, 29), Feb29Rule.MAR1, 4),
    ],
    ids=["feb28-rule-common-year", "mar1-rule-common-year", "mar1-rule-march-first",
         "leap-year-day-before", "leap-year-birthday"],
)  # fmt: skip
def test_age_on_leap_day_birthday(on: date, rule: Feb29Rule, years: int) -> None:
    assert age_on(date(2012, 2, 29), on, rule) == years


@pytest.mark.parametrize(
    ("birth", "on", "rule", "months"),
    [
        (date(2012, 2, 29), date(2013, 2, 28), Feb29Rule.FEB28, 12),
        (date(2012, 2, 29), date(2013, 2, 28), Feb29Rule.MAR1, 11),
        (date(2012, 1, 31), date(2012, 2, 29), Feb29Rule.FEB28, 1),
        (date(2012, 1, 31), date(2012, 2, 28), Feb29Rule.FEB28, 0),
        (date(2012, 3, 31), date(2012, 4, 30), Feb29Rule.MAR1, 1),
    ],
    ids=["feb29-feb28-rule", "feb29-mar1-rule", "month-end-clamped", "before-month-end",
         "thirty-day-month"],
)  # fmt: skip
def test_age_in_months_on_month_ends(birth: date, on: date, rule: Feb29Rule, months: int) -> None:
    assert age_in_months_on(birth, on, rule) == months


@pytest.mark.parametrize(
    ("rule", "expected"),
    [(Feb29Rule.FEB28, (14, 2018, 9)), (Feb29Rule.MAR1, (13, 2019, 8))],
    ids=["feb28", "mar1"],
)
def test_leap_day_birthday_against_february_cutoff(rule: Feb29Rule, expected: tuple) -> None:
    policy = dataclasses.replace(
        DE_NW_POLICY,
        age_reference=AgeReference(AgeRuleKind.CUTOFF_DATE, "02-28"),
        feb29_rule=rule,
    )
    result = place(learner(date(2012, 2, 29)), DE_NW, policy, ENROL_DE)
    computed = result.computed
    assert (computed.age, computed.entry_year, computed.age_grade_index) == expected
    r1 = result.rule("R1")
    assert r1 is not None and r1.params["leap_day_birthday"] is True


def test_solar_hijri_end_date_is_normalised_and_kept() -> None:
    end = parse_date_text("1402/03/31", "solar_hijri")
    facts = learner(date(2012, 8, 1), study(IR, "5", end=end), languages={"tr": "B1"})
    result = place(facts, TR, TR_POLICY, date(2025, 9, 15))
    assert result.rule("R1") == RuleFired(
        "R1",
        {
            "birth_date": "2012-08-01",
            "birth_date_precision": "day",
            "leap_day_birthday": False,
            "converted": (
                {
                    "field": "studies[0].end_date",
                    "original": "1402/03/31",
                    "calendar": "solar_hijri",
                    "native": (1402, 3, 31),
                    "iso": "2023-06-21",
                },
            ),
        },
    )
    computed = result.computed
    assert (computed.age_grade_index, computed.level_grade_index, computed.gap_years) == (8, 6, 2)
    assert (grade_code(result), programmes(result)) == ("6", ("BRIDGING", "CATCH_UP"))


def test_ethiopian_dates_are_normalised_and_kept() -> None:
    birth = parse_date_text("Tir 10, 2004", "ethiopian")
    end = parse_date_text("Sene 30, 2015", "ethiopian")
    facts = learner(birth, study(ET, "6", end=end), languages={"en": "B1"})
    result = place(facts, UG, UG_POLICY, ENROL_UG)
    r1 = result.rule("R1")
    assert r1 is not None
    assert r1.params["birth_date"] == "2012-01-19"
    assert [c["iso"] for c in r1.params["converted"]] == ["2012-01-19", "2023-07-07"]
    assert [c["field"] for c in r1.params["converted"]] == ["birth_date", "studies[0].end_date"]
    computed = result.computed
    assert (computed.age, computed.age_grade_index, computed.level_grade_index) == (14, 9, 7)
    assert computed.gap_years == 2


# --- R2 / R14: mid-year entry --------------------------------------------------------------


def mid_year_learner():
    return learner(date(2017, 1, 15), study(SY, "3", end=date(2026, 6, 20)), languages={"de": "B2"})


@pytest.mark.parametrize(
    ("enrolment", "mid_year", "fraction"),
    [
        (date(2026, 8, 1), False, Decimal("1.00")),
        (date(2026, 9, 26), False, Decimal("0.85")),
        (date(2026, 9, 27), True, Decimal("0.84")),
        (date(2027, 1, 11), True, Decimal("0.55")),
        (date(2027, 7, 31), True, Decimal("0.00")),
    ],
    ids=["first-day", "exactly-8-weeks", "8-weeks-and-a-day", "january", "last-day"],
)
def test_mid_year_flag_and_remaining_fraction(
    enrolment: date, mid_year: bool, fraction: Decimal
) -> None:
    result = place(mid_year_learner(), DE_NW, DE_NW_POLICY, enrolment)
    computed = result.computed
    assert (computed.mid_year, computed.remaining_year_fraction) == (mid_year, fraction)
    assert computed.school_year_start_date == date(2026, 8, 1)
    assert ("R14" in result.rule_codes, "R2" in result.rule_codes) == (mid_year, mid_year)


def test_mid_year_entry_into_transition_grade_is_flagged() -> None:
    result = place(mid_year_learner(), DE_NW, DE_NW_POLICY, date(2027, 1, 11))
    assert grade_code(result) == "4"
    assert result.rule("R14") == RuleFired(
        "R14", {"weeks_after_start": 23, "remaining_fraction": "0.55", "transition_grade": "4"}
    )
    assert result.rule("R2") == RuleFired(
        "R2", {"school_year_start": "2026-08-01", "weeks_after_start": 23, "mid_year_weeks": 8}
    )


def test_mid_year_entry_outside_transition_grade_has_no_flag() -> None:
    facts = learner(date(2016, 1, 15), study(SY, "4", end=date(2026, 6, 20)))
    result = place(facts, DE_NW, DE_NW_POLICY, date(2027, 1, 11))
    r14 = result.rule("R14")
    assert grade_code(result) == "5"
    assert r14 is not None and r14.params["transition_grade"] is None


# --- R10: ahead of age ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "grade", "assessment_due", "alternatives"),
    [
        (5, "5", None, ()),
        (4, "5", None, ()),
        (3, "4", date(2026, 10, 13), (("5", "acceleration_after_assessment"),)),
    ],
    ids=["e5-accelerates", "e4-accelerates", "e3-stays-at-age-grade"],
)
def test_ahead_of_age_by_evidence_level(evidence, grade, assessment_due, alternatives) -> None:
    facts = learner(
        date(2017, 1, 15),
        study(SY, "4", evidence=evidence, end=date(2026, 6, 20)),
        languages={"de": "L1"},
    )
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert result.computed.delta == -1
    assert grade_code(result) == grade
    assert result.recommendation.assessment_due == assessment_due
    assert result.recommendation.alternatives == alternatives
    assert result.recommendation.provisional is False
    r10 = result.rule("R10")
    assert r10 is not None and r10.params["placed"] == ("level" if grade == "5" else "age")


def test_ahead_of_age_beyond_allowance_stays_at_age_grade() -> None:
    facts = learner(date(2017, 1, 15), study(SY, "5", evidence=5, end=date(2026, 6, 20)))
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert (result.computed.delta, grade_code(result)) == (-2, "4")
    assert result.recommendation.alternatives == (("6", "acceleration_after_assessment"),)


@pytest.mark.parametrize("evidence", [3, 4], ids=["e3", "e4"])
def test_ahead_of_age_documents_first_places_at_level(evidence: int) -> None:
    facts = learner(
        date(2014, 1, 1),
        study(UA, "7", evidence=evidence, end=date(2026, 5, 31)),
        languages={"pl": "B2"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert (result.computed.age_grade_index, result.computed.delta) == (6, -2)
    assert grade_code(result) == "8"
    r10 = result.rule("R10")
    assert r10 is not None and r10.params["placed"] == "level"


# --- R8: over-age --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "level_grade", "aep_level"),
    [("P1", "P2", "L1"), ("P2", "P3", "L1"), ("P3", "P4", "L2"), ("P4", "P5", "L2"),
     ("P5", "P6", "L3"), ("P6", "P7", "L3")],
    ids=["p1-done", "p2-done", "p3-done", "p4-done", "p5-done", "p6-done"],
)  # fmt: skip
def test_overage_with_certified_aep_chooses_level_containing_level_grade(
    completed: str, level_grade: str, aep_level: str
) -> None:
    facts = learner(
        date(2012, 5, 1), study(SS, completed, end=date(2025, 11, 28)), languages={"en": "B2"}
    )
    result = place(facts, UG, UG_POLICY, ENROL_UG, aeps=[UG_AEP])
    recommendation = result.recommendation
    assert result.computed.level_grade is not None
    assert result.computed.level_grade.code == level_grade
    assert (recommendation.aep_programme, recommendation.aep_level) == ("UG-AEP", aep_level)
    assert (grade_code(result), programmes(result)) == (None, ("AEP",))
    assert recommendation.alternatives == (("P7", "regular_class_target"),)
    assert recommendation.assessment_due == date(2026, 3, 23)


def test_overage_with_uncertified_aep_uses_host_equivalent() -> None:
    uncertified = dataclasses.replace(UG_AEP, certified=False)
    facts = learner(date(2012, 5, 1), study(SS, "P3", end=date(2025, 11, 28)))
    result = place(facts, UG, UG_POLICY, ENROL_UG, aeps=[uncertified])
    r8 = result.rule("R8")
    assert (grade_code(result), programmes(result)) == ("P7", ("BRIDGING", "CATCH_UP"))
    assert r8 is not None and (r8.params["reason"], r8.params["target"]) == (
        "no_certified_aep",
        7,
    )


def test_overage_below_aep_age_band_uses_host_equivalent() -> None:
    facts = learner(
        date(2018, 5, 1),
        study(SS, "P1", StudyStatus.INTERRUPTED, end=date(2025, 6, 30)),
        languages={"en": "B2"},
    )
    result = place(facts, UG, UG_POLICY, ENROL_UG, aeps=[UG_AEP])
    r8 = result.rule("R8")
    assert (result.computed.age, result.computed.delta) == (8, 2)
    assert (grade_code(result), programmes(result)) == ("P1", ("BRIDGING", "CATCH_UP"))
    assert r8 is not None and r8.params["reason"] == "age_outside_band"


def test_overage_beyond_aep_levels_meets_primary_leaving_gate() -> None:
    facts = learner(
        date(2010, 5, 1), study(SS, "P7", end=date(2025, 11, 28)), languages={"en": "B2"}
    )
    result = place(facts, UG, UG_POLICY, ENROL_UG, aeps=[UG_AEP])
    r8, r15 = result.rule("R8"), result.rule("R15")
    assert (result.computed.age_grade_index, result.computed.level_grade_index) == (11, 8)
    assert r8 is not None and (r8.params["reason"], r8.params["target"]) == (
        "no_level_for_grade",
        9,
    )
    assert r15 is not None and (r15.params["required_certificate"], r15.params["resolved"]) == (
        "UG-PLE",
        False,
    )
    assert grade_code(result) == "P7"
    assert result.recommendation.alternatives == (("S2", "certificate_recognition_pending"),)


@pytest.mark.parametrize(
    ("completed", "max_below", "target"),
    [("1", 1, "8"), ("4", 1, "8"), ("6", 1, "8"), ("4", 2, "7"), ("6", 3, "7")],
    ids=["y1", "y4-worked-example", "y6-delta-2", "y4-two-below", "y6-level-wins"],
)
def test_overage_without_aep_targets_max_of_level_and_age_minus_allowance(
    completed: str, max_below: int, target: str
) -> None:
    policy = dataclasses.replace(DE_NW_POLICY, max_grades_below_age=max_below)
    facts = learner(date(2012, 3, 10), study(SY, completed, end=date(2025, 6, 15)))
    result = place(facts, DE_NW, policy, ENROL_DE)
    assert grade_code(result) == target
    assert Programme.CATCH_UP in result.recommendation.programmes


# --- R9: small gaps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "end", "delta", "gap", "grade", "programme_codes", "alternatives"),
    [
        ("4", date(2026, 6, 20), 0, 0, "5", ("REGULAR",), ()),
        ("4", date(2025, 6, 20), 0, 1, "5", ("REGULAR", "CATCH_UP"), ()),
        ("3", date(2026, 6, 20), 1, 0, "5", ("REGULAR", "REMEDIAL"),
         (("4", "level_appropriate"),)),
        ("3", date(2025, 6, 20), 1, 1, "5", ("REGULAR", "CATCH_UP"),
         (("4", "level_appropriate"),)),
        ("3", date(2023, 6, 20), 1, 3, "5", ("REGULAR", "REMEDIAL"),
         (("4", "level_appropriate"),)),
    ],
    ids=["on-track", "one-year-gap", "one-behind", "one-behind-after-gap", "long-gap"],
)  # fmt: skip
def test_small_gap_age_first(completed, end, delta, gap, grade, programme_codes, alternatives):
    facts = learner(date(2016, 5, 5), study(SY, completed, end=end), languages={"de": "B1"})
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert (result.computed.delta, result.computed.gap_years) == (delta, gap)
    assert (grade_code(result), programmes(result)) == (grade, programme_codes)
    assert result.recommendation.alternatives == alternatives
    assert result.recommendation.assessment_due is None


def test_small_gap_documents_first_places_at_level() -> None:
    facts = learner(date(2013, 3, 1), study(UA, "5", end=date(2026, 5, 31)), languages={"pl": "B1"})
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert (result.computed.delta, grade_code(result)) == (1, "6")
    assert programmes(result) == ("REGULAR", "REMEDIAL")
    assert result.recommendation.alternatives == (("7", "age_appropriate"),)


# --- R13: post-compulsory and completed secondary ------------------------------------------


@pytest.mark.parametrize(
    ("birth", "routed"),
    [(date(2009, 6, 1), True), (date(2010, 9, 30), True), (date(2010, 10, 1), False)],
    ids=["age-17", "age-16-on-reference-day", "age-15"],
)
def test_post_compulsory_age_routes_low_attainment_to_vet(birth: date, routed: bool) -> None:
    facts = learner(birth, study(SY, "6", end=date(2022, 6, 15)), languages={"de": "A2"})
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    if routed:
        assert (grade_code(result), programmes(result)) == (
            None,
            ("VET_INTEGRATION", "PREPARATORY_LANGUAGE"),
        )
        r13 = result.rule("R13")
        assert r13 is not None
        assert dict(r13.params) | {"age": 0} == {
            "route": "vet_integration",
            "age": 0,
            "age_from": 16,
            "level_index": 7,
            "isced2_completion_index": 10,
            "target_certificate": "DE-MSA",
        }
    else:
        assert "R13" not in result.rule_codes
        assert "R8" in result.rule_codes


@pytest.mark.parametrize(
    ("facts_study", "destination", "policy", "enrolment"),
    [
        (study(SY, "12", end=date(2024, 6, 15), certificate="SY-SEC"), DE_NW, DE_NW_POLICY,
         ENROL_DE),
        (study(ET, "12", end=date(2025, 7, 1), certificate="ET-ESSLCE"), UG, UG_POLICY,
         ENROL_UG),
        (study(UA, "11", evidence=5, end=date(2025, 5, 31)), PL, PL_POLICY, ENROL_PL),
    ],
    ids=["syrian-secondary-in-de-nw", "ethiopian-grade-12-in-ug", "ukrainian-11-in-pl"],
)  # fmt: skip
def test_completed_upper_secondary_routes_to_recognition(
    facts_study, destination, policy, enrolment
) -> None:
    facts = learner(date(2006, 2, 1), facts_study, languages={"de": "A1", "en": "C1", "pl": "C1"})
    result = place(facts, destination, policy, enrolment)
    assert grade_code(result) is None
    assert result.recommendation.programmes[0] is Programme.RECOGNITION_ONLY
    assert result.recommendation.review_due is None
    r13 = result.rule("R13")
    assert r13 is not None and r13.params["route"] == "recognition"


def test_completed_upper_secondary_still_gets_language_support() -> None:
    facts = learner(
        date(2006, 2, 1),
        study(SY, "12", end=date(2024, 6, 15), certificate="SY-SEC"),
        languages={"de": "A1"},
    )
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert programmes(result) == ("RECOGNITION_ONLY", "PREPARATORY_LANGUAGE")
    assert result.rule("R13") == RuleFired(
        "R13",
        {"route": "recognition", "system": "SY/2002", "grade": "12", "isced3_completion_index": 12},
    )


# --- R12: conflicting evidence -------------------------------------------------------------


def test_conflicting_documents_place_at_lower_grade_provisionally() -> None:
    facts = learner(
        date(2013, 3, 1),
        study(UA, "6", end=date(2026, 5, 31)),
        study(UA, "8", evidence=1, end=date(2026, 5, 31)),
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert (result.computed.level_grade_index, grade_code(result)) == (7, "7")
    assert result.recommendation.provisional is True
    assert result.recommendation.assessment_due == date(2026, 10, 13)
    assert result.rule("R12") == RuleFired(
        "R12",
        {
            "items": (
                {"source": "study", "position": 0, "level_index": 7, "level_grade": "7",
                 "on": "2026-05-31"},
                {"source": "study", "position": 1, "level_index": 9, "level_grade": "LO1",
                 "on": "2026-05-31"},
            ),
            "preferred": {"source": "study", "position": 0, "level_index": 7,
                          "level_grade": "7", "on": "2026-05-31"},
            "reason": "lower_implied_grade",
            "resolved_by": None,
            "target": "7",
        },
    )  # fmt: skip
    assert result.confidence_factors == ("conflicting_evidence", "no_equivalency_table")
    assert result.confidence is Confidence.LOW


def test_conflict_subject_to_overage_rule() -> None:
    facts = learner(
        date(2013, 3, 1),
        study(UA, "6", end=date(2022, 5, 31)),
        study(UA, "4", evidence=2, end=date(2022, 5, 31)),
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert (result.computed.level_grade_index, result.computed.delta) == (5, 2)
    assert (grade_code(result), programmes(result)) == ("5", ("BRIDGING", "CATCH_UP"))
    assert result.recommendation.provisional is True
    assert result.rule_codes == ("R3", "R4", "R5", "R6", "R8", "R12")


@pytest.mark.parametrize(
    ("second_grade", "second_end", "conflict"),
    [
        ("6", date(2022, 5, 31), False),
        ("7", date(2022, 5, 31), False),
        ("8", date(2022, 5, 31), True),
        ("6", date(2020, 5, 31), True),
        ("3", date(2021, 5, 31), False),
        ("2", date(2021, 5, 31), True),
        ("3", None, False),
        ("8", None, False),
        ("9", None, True),
    ],
    ids=["two-years-two-grades", "two-years-three-grades", "two-years-four-grades",
         "same-year-two-grades", "one-grade-back", "two-grades-back", "undated-older",
         "undated-plausible-later", "undated-impossible"],
)  # fmt: skip
def test_conflict_detection_allows_for_elapsed_school_years(second_grade, second_end, conflict):
    facts = learner(
        date(2013, 3, 1),
        study(UA, "4", end=date(2020, 5, 31)),
        study(UA, second_grade, end=second_end),
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, date(2023, 9, 1))
    assert ("R12" in result.rule_codes) is conflict


def test_older_placement_test_far_below_documents_conflicts() -> None:
    facts = learner(
        date(2013, 3, 1),
        study(UA, "6", end=date(2026, 5, 31)),
        assessments=[AssessmentFact(AssessmentKind.PLACEMENT_TEST, date(2025, 10, 1), 3)],
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    r12 = result.rule("R12")
    assert r12 is not None
    assert r12.params["preferred"] == {
        "source": "assessment",
        "position": 0,
        "level_index": 3,
        "level_grade": "3",
        "on": "2025-10-01",
    }
    assert result.computed.level_grade_index == 3
    assert result.computed.attained_years == 6
    assert result.recommendation.provisional is True


# --- R6: undocumented learners -------------------------------------------------------------


def test_no_studies_is_e0_placed_by_age_provisionally() -> None:
    result = place(learner(date(2014, 4, 1), languages={"de": "B1"}), DE_NW, DE_NW_POLICY, ENROL_DE)
    recommendation = result.recommendation
    assert (grade_code(result), programmes(result)) == ("7", ("REGULAR",))
    assert (recommendation.provisional, recommendation.assessment_due) == (
        True,
        date(2026, 10, 13),
    )
    assert result.computed.attained_years is None
    assert result.computed.delta is None
    assert result.rule("R6") == RuleFired(
        "R6",
        {"evidence_level": 0, "reason": "no_information", "delta": None, "assessment_due_weeks": 6},
    )
    assert result.confidence_factors == ("weak_evidence",)
    assert result.equivalency_source is None


@pytest.mark.parametrize("evidence", [1, 2], ids=["e1-declaration", "e2-corroborated"])
def test_declared_studies_are_provisional_with_assessment(evidence: int) -> None:
    facts = learner(
        date(2014, 4, 1),
        study(SY, "6", evidence=evidence, end=date(2026, 6, 20)),
        languages={"de": "B1"},
    )
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert (grade_code(result), result.recommendation.provisional) == ("7", True)
    assert result.recommendation.assessment_due == date(2026, 10, 13)
    r6 = result.rule("R6")
    assert r6 is not None and r6.params["reason"] == "declaration_only"
    assert result.confidence is Confidence.LOW


@pytest.mark.parametrize(
    ("completed", "provisional"),
    [("6", False), ("5", False), ("3", True)],
    ids=["e3-delta-0", "e3-delta-1", "e3-delta-3"],
)
def test_unverified_document_needs_assessment_when_delta_large(completed, provisional) -> None:
    facts = learner(
        date(2014, 4, 1),
        study(SY, completed, evidence=3, end=date(2026, 6, 20)),
        languages={"de": "B1"},
    )
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert result.recommendation.provisional is provisional
    assert ("R6" in result.rule_codes) is provisional


# --- R4: partial years, promotions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fraction", "years", "grade"),
    [
        (StudyStatus.PARTIAL, None, 5, "6"),
        (StudyStatus.PARTIAL, "0.5", 5, "6"),
        (StudyStatus.PARTIAL, "0.74", 5, "6"),
        (StudyStatus.PARTIAL, "0.75", 6, "7"),
        (StudyStatus.PARTIAL, "0.9", 6, "7"),
        (StudyStatus.INTERRUPTED, None, 5, "6"),
        (StudyStatus.INTERRUPTED, "0.8", 6, "7"),
        (StudyStatus.COMPLETED, None, 6, "7"),
    ],
    ids=["partial-unknown", "partial-half", "partial-just-below", "partial-at-threshold",
         "partial-above", "interrupted", "interrupted-late", "completed"],
)  # fmt: skip
def test_partial_year_counts_only_at_threshold(status, fraction, years, grade) -> None:
    facts = learner(
        date(2013, 3, 1),
        study(UA, "6", status, fraction=fraction, end=date(2026, 5, 31)),
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert (result.computed.attained_years, grade_code(result)) == (years, grade)
    r4 = result.rule("R4")
    assert r4 is not None and r4.params["credited"] is (years == 6)


@pytest.mark.parametrize(
    ("status", "confidence", "factors"),
    [
        (StudyStatus.COMPLETED, Confidence.MEDIUM, ("no_equivalency_table",)),
        (StudyStatus.PROMOTED_WITHOUT_EXAM, Confidence.LOW,
         ("promoted_without_exam", "no_equivalency_table")),
    ],
    ids=["completed", "promoted-without-exam"],
)  # fmt: skip
def test_promoted_without_exam_lowers_confidence(status, confidence, factors) -> None:
    facts = learner(
        date(2013, 3, 1), study(UA, "6", status, end=date(2026, 5, 31)), languages={"pl": "B1"}
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert (grade_code(result), result.confidence, result.confidence_factors) == (
        "7",
        confidence,
        factors,
    )


@pytest.mark.parametrize(
    ("policy_provisional", "confidence", "factors"),
    [
        (False, Confidence.MEDIUM, ("no_equivalency_table",)),
        (True, Confidence.LOW, ("unverified_parameters", "no_equivalency_table")),
    ],
    ids=["verified-policy", "provisional-policy"],
)
def test_provisional_policy_lowers_confidence(policy_provisional, confidence, factors) -> None:
    policy = dataclasses.replace(PL_POLICY, provisional=policy_provisional)
    facts = learner(date(2013, 3, 1), study(UA, "6", end=date(2026, 5, 31)))
    result = place(facts, PL, policy, ENROL_PL)
    assert (result.confidence, result.confidence_factors) == (confidence, factors)


# --- R7: assessment override ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tested_on", "overrides"),
    [(date(2026, 8, 25), True), (date(2026, 5, 1), False), (date(2026, 9, 15), False)],
    ids=["newer-than-documents", "older-than-documents", "after-enrolment"],
)
def test_placement_test_newer_than_documents_replaces_level(tested_on, overrides) -> None:
    facts = learner(
        date(2013, 3, 1),
        study(UA, "6", end=date(2026, 5, 31)),
        assessments=[AssessmentFact(AssessmentKind.PLACEMENT_TEST, tested_on, 6)],
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert grade_code(result) == ("6" if overrides else "7")
    assert ("R7" in result.rule_codes) is overrides
    assert result.computed.attained_years == 6
    assert result.recommendation.provisional is False


def test_placement_test_overrides_declaration_without_assessment_due() -> None:
    facts = learner(
        date(2013, 3, 1),
        study(UA, "6", evidence=1, end=date(2026, 5, 31)),
        assessments=[AssessmentFact(AssessmentKind.PLACEMENT_TEST, date(2026, 8, 25), 7)],
        languages={"pl": "B1"},
    )
    result = place(facts, PL, PL_POLICY, ENROL_PL)
    assert result.rule("R7") == RuleFired(
        "R7",
        {
            "assessment": 0,
            "on": "2026-08-25",
            "level_index": 7,
            "level_grade": "7",
            "document_level_index": 7,
        },
    )
    assert (grade_code(result), result.recommendation.provisional) == ("7", False)
    assert result.recommendation.assessment_due is None
    assert result.equivalency_source is None
    assert result.confidence is Confidence.HIGH


# --- R11: language of instruction ----------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "completed", "german", "grade", "threshold", "preparatory"),
    [
        (date(2018, 5, 5), "2", "A1", "3", "A2", True),
        (date(2018, 5, 5), "2", "A2", "3", "A2", False),
        (date(2014, 4, 1), "6", "A2", "7", "B1", True),
        (date(2014, 4, 1), "6", "B1", "7", "B1", False),
        (date(2014, 4, 1), "6", "L1", "7", "B1", False),
    ],
    ids=["primary-below", "primary-at", "secondary-below", "secondary-at", "first-language"],
)
def test_language_threshold_by_school_level(
    birth, completed, german, grade, threshold, preparatory
):
    facts = learner(birth, study(SY, completed, end=date(2026, 6, 20)), languages={"de": german})
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert grade_code(result) == grade
    assert (Programme.PREPARATORY_LANGUAGE in result.recommendation.programmes) is preparatory
    r11 = result.rule("R11")
    assert (r11 is not None) is preparatory
    if r11 is not None:
        assert r11.params["threshold"] == threshold


def test_language_never_lowers_the_grade() -> None:
    fluent = learner(
        date(2014, 4, 1), study(SY, "6", end=date(2026, 6, 20)), languages={"de": "C1"}
    )
    beginner = dataclasses.replace(fluent, language_proficiency={"de": "A0"})
    placed = [place(f, DE_NW, DE_NW_POLICY, ENROL_DE) for f in (fluent, beginner)]
    assert [grade_code(r) for r in placed] == ["7", "7"]
    assert [programmes(r) for r in placed] == [("REGULAR",), ("PREPARATORY_LANGUAGE", "REGULAR")]


def test_language_test_result_beats_declaration() -> None:
    facts = learner(
        date(2014, 4, 1),
        study(SY, "6", end=date(2026, 6, 20)),
        assessments=[
            AssessmentFact(
                AssessmentKind.LANGUAGE_TEST, date(2026, 8, 20), cefr="B1", language="de"
            )
        ],
        languages={"de": "A0"},
    )
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert programmes(result) == ("REGULAR",)


def test_language_unknown_asks_for_a_language_test() -> None:
    facts = learner(date(2014, 4, 1), study(SY, "6", end=date(2026, 6, 20)))
    result = place(facts, DE_NW, DE_NW_POLICY, ENROL_DE)
    assert programmes(result) == ("REGULAR",)
    r11 = result.rule("R11")
    assert r11 is not None
    assert (r11.params["action"], r11.params["level"], r11.params["source"]) == (
        "language_test",
        None,
        "unknown",
    )


# --- R15: certificate gate -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("recognised", "grade", "alternatives"),
    [
        ((("SY-BEC", "DE-ESA"),), "10",
         (("11", "level_appropriate"), ("12", "certificate_recognition_pending"))),
        ((("SY-BEC", "DE-MSA"),), "12", (("11", "level_appropriate"),)),
    ],
    ids=["not-recognised-as-msa", "recognised-as-msa"],
)  # fmt: skip
def test_certificate_gate_into_upper_secondary(recognised, grade, alternatives) -> None:
    policy = dataclasses.replace(DE_NW_POLICY, recognised_certificates=recognised)
    facts = learner(
        date(2009, 6, 1),
        study(SY, "9", end=date(2024, 6, 15), certificate="SY-BEC"),
        study(SY, "10", end=date(2025, 6, 15)),
        languages={"de": "B2"},
    )
    result = place(facts, DE_NW, policy, ENROL_DE)
    assert (result.computed.age_grade_index, result.computed.level_grade_index) == (12, 11)
    assert grade_code(result) == grade
    assert result.recommendation.alternatives == alternatives
    r15 = result.rule("R15")
    assert r15 is not None
    assert dict(r15.params) == {
        "target": "12",
        "required_certificate": "DE-MSA",
        "held": ("SY-BEC",),
        "resolved": grade == "12",
        "placed": grade,
    }


# --- One realistic case per destination family --------------------------------------------


def test_realistic_pl_ukrainian_with_basic_certificate() -> None:
    facts = learner(
        date(2009, 3, 1),
        study(UA, "9", evidence=5, end=date(2025, 5, 31), certificate="UA-BASIC"),
        languages={"uk": "L1", "pl": "A2"},
    )
    result = place(facts, PL, PL_POLICY, date(2025, 9, 1))
    computed = result.computed
    assert (computed.age, computed.age_grade_index, computed.level_grade_index) == (16, 10, 10)
    assert (computed.delta, computed.gap_years) == (0, 0)
    assert (grade_code(result), programmes(result)) == (
        "LO2",
        ("PREPARATORY_LANGUAGE", "REGULAR"),
    )
    r15 = result.rule("R15")
    assert r15 is not None and (r15.params["required_certificate"], r15.params["resolved"]) == (
        "PL-E8",
        True,
    )
    assert result.confidence is Confidence.MEDIUM


def test_realistic_tr_syrian_child_after_two_year_gap() -> None:
    facts = learner(
        date(2013, 6, 15), study(SY, "5", end=date(2023, 6, 10)), languages={"tr": "A1"}
    )
    result = place(facts, TR, TR_POLICY, date(2025, 9, 15))
    computed = result.computed
    assert (computed.entry_year, computed.age_grade_index, computed.level_grade_index) == (
        2019,
        7,
        6,
    )
    assert (computed.delta, computed.gap_years) == (1, 2)
    assert (grade_code(result), programmes(result)) == (
        "6",
        ("PREPARATORY_LANGUAGE", "REGULAR", "REMEDIAL"),
    )
    assert result.recommendation.alternatives == (("7", "age_appropriate"),)


def test_realistic_ug_south_sudanese_in_aep() -> None:
    facts = learner(
        date(2012, 5, 1),
        study(SS, "P3", end=date(2021, 11, 26)),
        languages={"en": "A0", "ar": "L1"},
    )
    result = place(facts, UG, UG_POLICY, ENROL_UG, aeps=[UG_AEP])
    recommendation = result.recommendation
    assert (result.computed.delta, result.computed.gap_years) == (5, 4)
    assert programmes(result) == ("PREPARATORY_LANGUAGE", "AEP")
    assert (recommendation.aep_programme, recommendation.aep_level) == ("UG-AEP", "L2")
    r11 = result.rule("R11")
    assert r11 is not None and r11.params["threshold"] == "A1"
    assert result.confidence_factors == ("unverified_parameters", "no_equivalency_table")
    assert result.confidence is Confidence.LOW


@pytest.mark.parametrize(
    ("assessments", "provisional", "assessment_due", "confidence"),
    [
        ((), True, date(2026, 3, 16), Confidence.LOW),
        ((AssessmentFact(AssessmentKind.PLACEMENT_TEST, date(2026, 1, 30), 5),), False, None,
         Confidence.MEDIUM),
    ],
    ids=["declaration-only", "validated-by-placement-test"],
)  # fmt: skip
def test_realistic_co_venezuelan_child_assessment_first(
    assessments, provisional, assessment_due, confidence
) -> None:
    facts = learner(
        date(2014, 4, 20),
        study(VE, "4", evidence=1, end=date(2025, 7, 15)),
        assessments=assessments,
        languages={"es": "L1"},
    )
    result = place(facts, CO, CO_POLICY, date(2026, 2, 2), tables=[CAB_VE_CO])
    assert (result.computed.age_grade_index, result.computed.level_grade_index) == (6, 5)
    assert (grade_code(result), programmes(result)) == ("5", ("REGULAR", "REMEDIAL"))
    assert result.recommendation.provisional is provisional
    assert result.recommendation.assessment_due == assessment_due
    assert result.confidence is confidence


def test_realistic_co_table_is_recorded() -> None:
    facts = learner(date(2014, 4, 20), study(VE, "4", end=date(2025, 7, 15)))
    result = place(facts, CO, CO_POLICY, date(2026, 2, 2), tables=[CAB_VE_CO])
    assert (result.equivalency_source, result.tables) == (SourceType.TABLE, (("CAB-2017", 1),))
    r6 = result.rule("R6")
    assert r6 is not None and r6.params["reason"] == "assessment_first"


def test_realistic_lb_syrian_child_in_alp() -> None:
    facts = learner(
        date(2014, 1, 20), study(SY, "1", evidence=3, end=date(2020, 6, 30)), languages={"ar": "L1"}
    )
    result = place(facts, LB, LB_POLICY, date(2026, 10, 5), aeps=[LB_ALP])
    recommendation = result.recommendation
    assert (result.computed.age_grade_index, result.computed.delta) == (7, 5)
    assert (result.computed.age, result.computed.gap_years) == (12, 6)
    assert (recommendation.aep_programme, recommendation.aep_level) == ("LB-ALP", "L2")
    assert recommendation.alternatives == (("5", "regular_class_target"),)
    assert (recommendation.provisional, recommendation.assessment_due) == (
        True,
        date(2026, 11, 16),
    )
    assert result.rule_codes == ("R3", "R4", "R5", "R6", "R8")


def test_realistic_jo_syrian_child_in_catch_up_programme() -> None:
    facts = learner(date(2015, 5, 5), study(SY, "2", end=date(2022, 6, 15)), languages={"ar": "L1"})
    result = place(facts, JO, JO_POLICY, date(2026, 9, 1), aeps=[JO_CUP, LB_ALP])
    recommendation = result.recommendation
    assert (result.computed.age, result.computed.age_grade_index, result.computed.delta) == (
        11,
        6,
        3,
    )
    assert result.computed.gap_years == 4
    assert (recommendation.aep_programme, recommendation.aep_level) == ("JO-CUP", "L2")
    assert recommendation.alternatives == (("4", "regular_class_target"),)


# --- Inputs ------------------------------------------------------------------------------


def test_destination_not_in_force_raises() -> None:
    with pytest.raises(PlacementError) as caught:
        place(learner(date(2012, 3, 10)), DE_NW, DE_NW_POLICY, date(2019, 7, 1))
    assert (caught.value.code, dict(caught.value.params)) == (
        "destination_not_in_force",
        {"system": "DE-NW/2025", "on": "2019-07-01"},
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"school_year_start": "13-01"}, "school_year_start"),
        ({"aep_age_band": (18, 10)}, "aep_age_band"),
        ({"partial_year_credit_threshold": Decimal("1.5")}, "partial_year_credit_threshold"),
        ({"overage_threshold_aep": 0}, "overage_threshold_aep"),
        ({"policy_version": ""}, "policy_version"),
    ],
    ids=["bad-month-day", "inverted-band", "threshold-above-one", "zero-threshold", "no-version"],
)
def test_invalid_policy_raises(changes: dict, field: str) -> None:
    with pytest.raises(PlacementError) as caught:
        dataclasses.replace(DE_NW_POLICY, **changes)
    assert (caught.value.code, caught.value.params["field"]) == ("invalid_policy", field)


def test_unknown_study_grade_raises() -> None:
    with pytest.raises(PlacementError) as caught:
        study(SY, "13")
    assert (caught.value.code, dict(caught.value.params)) == (
        "unknown_grade",
        {"system": "SY/2002", "grade": "13"},
    )


def test_aep_programme_level_lookup() -> None:
    programme = AEProgramme("X", True, (10, 18), (("L1", ("1", "2")),))
    assert (programme.level_for("2"), programme.level_for("3")) == (("L1", ("1", "2")), None)


def test_policy_defaults_follow_domain_4_3() -> None:
    policy = PlacementPolicy(
        policy_version="X/1",
        entry_age=6,
        age_reference=AgeReference(AgeRuleKind.CUTOFF_DATE, "09-30"),
        school_year_start="09-01",
        placement_basis="documents_first",
    )
    assert (
        policy.max_grades_below_age,
        policy.overage_threshold_aep,
        policy.aep_age_band,
        policy.catch_up_max_gap_years,
        policy.partial_year_credit_threshold,
        policy.assessment_due_weeks,
        policy.review_after_weeks,
        policy.mid_year_weeks,
        policy.feb29_rule,
    ) == (2, 2, (10, 18), 1, Decimal("0.75"), 6, 12, 8, Feb29Rule.FEB28)
