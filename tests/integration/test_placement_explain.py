"""Explanations: every rule the engine can fire, in every variant, becomes a sentence.

Needs an app (gettext, Babel formatters) but no database: the engine runs on the hand-built
systems of tests/unit/placement_fixtures.py.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from portal.common.calendars import parse_date_text
from portal.placement import explain, messages
from portal.placement.domain import (
    AssessmentFact,
    AssessmentKind,
    LearnerFacts,
    StudyStatus,
    result_to_dict,
)
from tests.unit.placement_fixtures import (
    CAB_VE_CO,
    CO,
    CO_POLICY,
    DE_NW,
    DE_NW_POLICY,
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
    learner,
    place,
    study,
)

PLACEMENT = Path(__file__).resolve().parents[2] / "portal" / "placement"
ORIGINS = {SY.code: ("Syria", SY), UA.code: ("Ukraine", UA), SS.code: ("South Sudan", SS),
           VE.code: ("Venezuela", VE)}  # fmt: skip


def fired_codes() -> set[str]:
    """Every rule code the engine source can fire."""
    codes = set()
    for path in PLACEMENT.glob("*.py"):
        codes |= set(re.findall(r'fire\(\s*"(R\d+)"', path.read_text(encoding="utf-8")))
    return codes


def labels_for(destination) -> explain.Labels:
    return explain.Labels(
        "en", destination, dict(ORIGINS), {"UG-AEP": "Uganda AEP", "LB-ALP": "Lebanon ALP"}
    )


def test_every_rule_code_the_engine_fires_has_a_text():
    codes = fired_codes()
    assert codes == {f"R{n}" for n in range(1, 16)}
    assert set(explain.RULE_TEXTS) == codes


# --- the engine's own output, over a spread of learners and destinations -------------------------

DESTINATIONS = [
    (DE_NW, DE_NW_POLICY, (), ()),
    (PL, PL_POLICY, (), ()),
    (TR, TR_POLICY, (), ()),
    (UG, UG_POLICY, (UG_AEP,), ()),
    (CO, CO_POLICY, (), (CAB_VE_CO,)),
    (LB, LB_POLICY, (LB_ALP,), ()),
    (JO, JO_POLICY, (JO_CUP,), ()),
]
BIRTHS = [
    date(2020, 5, 1),
    date(2016, 2, 29),
    date(2013, 7, 1),
    date(2010, 1, 20),
    date(2004, 6, 1),
]
ENROLMENTS = [date(2026, 9, 1), date(2027, 1, 18)]


def _histories():
    yield ()
    yield (study(SY, "4", end=date(2020, 6, 15)),)
    yield (study(SY, "6", StudyStatus.PARTIAL, fraction="0.5", end=date(2023, 3, 1), evidence=3),)
    yield (study(UA, "7", StudyStatus.PROMOTED_WITHOUT_EXAM, end=date(2025, 5, 31), evidence=5),)
    yield (study(UA, "9", end=date(2026, 5, 31), certificate="UA-BASIC"),)
    yield (study(SS, "P3", StudyStatus.INTERRUPTED, end=date(2021, 4, 1), evidence=1),)
    yield (study(VE, "A2", end=date(2025, 7, 15), evidence=2),)
    yield (study(SY, "12", end=date(2024, 6, 1), evidence=5),)
    yield (study(SY, "2", end=date(2019, 6, 1)), study(SY, "7", end=date(2020, 6, 1), evidence=2))
    yield (study(UA, "3", StudyStatus.PARTIAL, fraction="0.9", end=date(2025, 12, 20)),)


ASSESSMENTS = [
    (),
    (AssessmentFact(AssessmentKind.PLACEMENT_TEST, date(2026, 8, 20), 6),),
    (AssessmentFact(AssessmentKind.LANGUAGE_TEST, date(2026, 8, 1), cefr="A1", language="de"),),
]
LANGUAGES = [{}, {"de": "A0", "pl": "B2", "tr": "A1", "en": "L1", "es": "L1", "ar": "L1"}]


def _scenarios():
    for (destination, policy, aeps, tables), birth, enrolment, history, tests, languages in (
        itertools.product(DESTINATIONS, BIRTHS, ENROLMENTS, _histories(), ASSESSMENTS, LANGUAGES)
    ):  # fmt: skip
        facts = learner(birth, *history, assessments=tests, languages=languages)
        yield destination, place(facts, destination, policy, enrolment, aeps=aeps, tables=tables)


def test_engine_output_explains_without_gaps(app):
    seen: dict[str, set] = {}
    with app.test_request_context():
        for destination, result in _scenarios():
            snapshot = {**result_to_dict(result), "inputs": {"birth_date": "2013-07-01"}}
            for text in explain.explain_rules(snapshot, labels_for(destination)):
                assert text.text.strip(), text.code
                assert "%(" not in text.text, text.text  # every placeholder was filled
                seen.setdefault(text.code, set()).add(_variant(text.code, text.params))
            assert explain.summary(snapshot, labels_for(destination)).startswith("Recommended")
    assert set(seen) == {f"R{n}" for n in range(1, 16)}
    # The spread reaches the variants each rule words differently.
    assert {"cutoff_date", "calendar_year", "months_at_date"} <= seen["R3"]
    assert {"completed", "promoted_without_exam", "partial", "interrupted"} <= seen["R4"]
    assert {"table", "isced_pivot"} <= seen["R5"]
    assert {"no_information", "declaration_only", "assessment_first"} <= seen["R6"]
    assert {True, False} <= seen["R8"]
    assert {"language_test", "preparatory_language"} <= seen["R11"]
    assert {"recognition", "vet_integration"} <= seen["R13"]


def _variant(code: str, params) -> object:
    key = {
        "R3": "kind",
        "R4": "status",
        "R5": "source",
        "R6": "reason",
        "R8": "certified_aep",
        "R10": "placed",
        "R11": "action",
        "R13": "route",
        "R15": "resolved",
    }.get(code)
    return params.get(key) if key else code


# --- each variant's wording carries its parameters ----------------------------------------------

SNAPSHOT = {
    "computed": {"age_grade_index": 9, "level_grade_index": 5},
    "parameters": {
        "school_year_start": "08-01",
        "age_reference": {"type": "cutoff_date", "month_day": "09-30"},
        "partial_year_credit_threshold": "0.75",
    },
    "inputs": {"birth_date": "2012-03-10"},
    "rules": [{"code": "R4", "params": {"system": SY.code}}],
}

VARIANTS = [
    ("R1", {"birth_date": "2012-06-15", "birth_date_precision": "year"}, ["year of birth", "2012"]),
    ("R1", {"birth_date": "2012-06-01", "birth_date_precision": "month"}, ["month of birth"]),
    ("R1", {"birth_date": "2012-07-01", "birth_date_precision": "estimated"}, ["estimate"]),
    ("R1", {"birth_date": "2012-02-29", "leap_day_birthday": True}, ["29 February", "28"]),
    ("R1", {"birth_date": "2012-03-10", "converted": [
        {"field": "studies[0].end_date", "original": "1399/03/10", "calendar": "solar_hijri",
         "iso": "2020-05-30"}]}, ["study 1", "1399/03/10", "Solar Hijri", "2020"]),
    ("R2", {"school_year_start": "2026-08-01", "weeks_after_start": 23, "mid_year_weeks": 8},
     ["23 weeks", "8 weeks", "Aug 1, 2026"]),
    ("R3", {"kind": "cutoff_date", "entry_age": 6, "entry_year": 2018, "school_year": 2026,
            "age_grade_index": 9}, ["Mar 10, 2012", "aged 6", "Sep 30, 2018", "2018/19",
                                    "2026/27", "Sek I 9"]),
    ("R3", {"kind": "calendar_year", "entry_age": 7, "entry_year": 2019, "school_year": 2026,
            "age_grade_index": 8}, ["turns 7 in 2019", "Sek I 8"]),
    ("R3", {"kind": "months_at_date", "entry_age": 6, "months": 69, "entry_year": 2018,
            "school_year": 2026, "age_grade_index": 9}, ["69 months"]),
    ("R3", {"kind": "cutoff_date", "entry_age": 6, "entry_year": 2027, "school_year": 2026,
            "age_grade_index": 0, "pre_primary": True}, ["pre-primary"]),
    ("R3", {"kind": "cutoff_date", "entry_age": 6, "entry_year": 2008, "school_year": 2026,
            "age_grade_index": 19, "clamped": True}, ["beyond the last grade"]),
    ("R4", {"system": SY.code, "grade": "4", "status": "completed", "evidence_level": 4,
            "end_date": "2020-06-30", "attained_years": 4},
     ["Completed", "basic 4", "Syria", "Jun 30, 2020", "(E4)", "4 years"]),
    ("R4", {"system": SY.code, "grade": "1", "status": "completed", "evidence_level": 2,
            "end_date": None, "attained_years": 1}, ["1 year of", "date unknown", "(E2)"]),
    ("R4", {"system": UA.code, "grade": "7", "status": "promoted_without_exam",
            "evidence_level": 5, "attained_years": 7}, ["without an exam", "(E5)"]),
    ("R4", {"system": UA.code, "grade": "6", "status": "partial", "fraction": "0.8",
            "credited": True, "evidence_level": 4, "attained_years": 6},
     ["80%", "75%", "at least"]),
    ("R4", {"system": UA.code, "grade": "6", "status": "partial", "fraction": "0.5",
            "credited": False, "evidence_level": 4, "attained_years": 5}, ["50%", "less than"]),
    ("R4", {"system": SS.code, "grade": "P3", "status": "interrupted", "credited": False,
            "evidence_level": 1, "attained_years": 2, "system_in_force_at_end": False},
     ["before the end", "not in force"]),
    ("R5", {"source": "table", "table": "SY__DE-NW", "table_version": 2, "origin_grade": "4",
            "equivalent_grade": "4", "level_index": 5, "flags": ["table_provisional"]},
     ["SY__DE-NW", "version 2", "Grundschule 4", "Sek I 5", "provisional"]),
    ("R5", {"source": "isced_pivot", "origin_grade": "4", "equivalent_grade": "4",
            "level_index": 5, "flags": [], "uncovered_certificates": ["DE-ESA"]},
     ["ISCED", "DE-ESA"]),
    ("R5", {"source": "isced_pivot", "origin_grade": "12", "equivalent_grade": None,
            "level_index": 14, "flags": ["beyond_destination_range"]},
     ["No grade here", "beyond"]),
    ("R5", {"source": None, "level_index": 1}, ["No grade completed", "Grundschule 1"]),
    ("R6", {"evidence_level": 0, "reason": "no_information", "assessment_due_weeks": 6},
     ["Nothing is known", "6 weeks"]),
    ("R6", {"evidence_level": 1, "reason": "declaration_only", "assessment_due_weeks": 1},
     ["(E1)", "1 week."]),
    ("R6", {"evidence_level": 4, "reason": "assessment_first", "assessment_due_weeks": 6},
     ["school's own assessment"]),
    ("R6", {"evidence_level": 3, "reason": "unverified_document", "assessment_due_weeks": 6},
     ["not verified", "(E3)"]),
    ("R7", {"on": "2026-08-20", "level_index": 6, "document_level_index": 5},
     ["Aug 20, 2026", "Sek I 6", "Sek I 5"]),
    ("R7", {"on": "2026-08-20", "level_index": 6, "document_level_index": None}, ["Sek I 6"]),
    ("R8", {"delta": 4, "threshold": 2, "target": 8, "level_index": 5, "age_grade_index": 9,
            "max_grades_below_age": 1, "age": 14, "age_band": [10, 18], "certified_aep": False,
            "reason": "no_certified_aep"}, ["4 grades behind", "Sek I 8", "minus 1"]),
    ("R8", {"delta": 4, "threshold": 2, "target": 8, "level_index": 5, "age_grade_index": 9,
            "max_grades_below_age": 1, "age": 19, "age_band": [10, 18], "certified_aep": False,
            "reason": "age_outside_band"}, ["At 19", "10-18"]),
    ("R8", {"delta": 3, "threshold": 2, "target": 8, "level_index": 5, "age_grade_index": 9,
            "max_grades_below_age": 1, "age": 14, "age_band": [10, 18], "certified_aep": False,
            "reason": "no_level_for_grade"}, ["No level", "Sek I 5"]),
    ("R8", {"delta": 6, "threshold": 2, "target": 7, "level_index": 3, "age_grade_index": 9,
            "max_grades_below_age": 2, "age": 14, "age_band": [12, 18], "certified_aep": True,
            "aep_programme": "UG-AEP", "aep_level": "L1", "aep_grades": ["1", "2", "3"]},
     ["Uganda AEP", "level L1", "Grundschule 1", "Sek I 7"]),
    ("R9", {"delta": 0, "basis": "age_first", "placed": "7", "gap_years": 0},
     ["match", "Sek I 7"]),
    ("R9", {"delta": 1, "basis": "age_first", "placed": "7", "gap_years": 1, "catch_up": True},
     ["1 grade behind", "by age", "1 school year missed"]),
    ("R9", {"delta": 1, "basis": "documents_first", "placed": "6", "remedial": True},
     ["level reached", "Remedial"]),
    ("R10", {"delta": -1, "basis": "documents_first", "placed": "level"},
     ["1 grade ahead", "documents", "Sek I 5"]),
    ("R10", {"delta": -2, "basis": "age_first", "placed": "age"},
     ["2 grades ahead", "Sek I 9", "Sek I 5"]),
    ("R10", {"delta": -1, "basis": "age_first", "placed": "level", "assessed": True},
     ["placement test"]),
    ("R10", {"delta": -1, "basis": "age_first", "placed": "level", "evidence_level": 5,
             "max_ahead": 1}, ["within the allowed 1", "(E5)"]),
    ("R11", {"lang": "de", "level": None, "threshold": "B1", "action": "language_test"},
     ["German", "not known", "B1"]),
    ("R11", {"lang": "de", "level": "A0", "source": "declared", "threshold": "B1",
             "max_months": 24, "action": "preparatory_language"},
     ["German A0", "declared", "B1", "24 months"]),
    ("R11", {"lang": "pl", "level": "A2", "source": "assessment", "threshold": "B1",
             "max_months": 1, "action": "preparatory_language"}, ["Polish", "tested", "1 month"]),
    ("R12", {"items": [{"source": "study", "position": 0, "level_index": 3},
                       {"source": "assessment", "position": 1, "level_index": 7}],
             "preferred": {"level_index": 3}, "resolved_by": None, "target": "8"},
     ["study 1", "assessment 2", "Grundschule 3", "Sek I 7", "no lower than Sek I 8"]),
    ("R12", {"items": [{"source": "study", "position": 0, "level_index": 3}],
             "preferred": {"level_index": 3}, "resolved_by": "R7"}, ["settles"]),
    ("R13", {"route": "recognition", "system": SY.code, "grade": "12"},
     ["Syria", "sec 12", "recognition"]),
    ("R13", {"route": "vet_integration", "age": 17, "age_from": 16,
             "target_certificate": "DE-ESA"}, ["17", "16", "DE-ESA"]),
    ("R13", {"route": "vet_integration", "age": 17, "age_from": 16, "target_certificate": None},
     ["second-chance"]),
    ("R14", {"weeks_after_start": 23, "remaining_fraction": "0.55", "transition_grade": "4"},
     ["55%", "Grundschule 4", "transition"]),
    ("R14", {"weeks_after_start": 10, "remaining_fraction": "0.8", "transition_grade": None},
     ["80%"]),
    ("R15", {"target": "10", "required_certificate": "DE-ESA", "held": ["SY-BEC"],
             "resolved": True, "placed": "10"}, ["Sek I 10", "DE-ESA", "holds"]),
    ("R15", {"target": "10", "required_certificate": "DE-ESA", "held": [], "resolved": False,
             "placed": "9"}, ["not yet recognised", "Sek I 9"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "params", "expected"),
    VARIANTS,
    ids=[f"{code}-{i}" for i, (code, _p, _e) in enumerate(VARIANTS)],
)
def test_rule_text_contains_its_parameters(app, code, params, expected):
    snapshot = {**SNAPSHOT, "rules": [*SNAPSHOT["rules"], {"code": code, "params": params}]}
    with app.test_request_context():
        text = explain.explain_rules(snapshot, labels_for(DE_NW))[-1].text
    for fragment in expected:
        assert fragment in text, (fragment, text)


def test_rule_texts_are_translated_in_the_request_language(app):
    params = next(p for c, p, _e in VARIANTS if c == "R11" and p.get("max_months") == 24)
    snapshot = {**SNAPSHOT, "rules": [{"code": "R11", "params": params}]}
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert "Deutsch" in explain.explain_rules(snapshot, explain.Labels("de"))[0].text
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        assert "الألمانية" in explain.explain_rules(snapshot, explain.Labels("ar"))[0].text


def test_labels_and_messages_cover_every_code(app):
    with app.test_request_context():
        for code in ("REGULAR", "AEP", "CATCH_UP", "BRIDGING", "REMEDIAL", "PREPARATORY_LANGUAGE",
                     "VET_INTEGRATION", "RECOGNITION_ONLY"):  # fmt: skip
            assert messages.programme_label(code) != code
        for code in ("weak_evidence", "promoted_without_exam", "unverified_parameters",
                     "conflicting_evidence", "no_equivalency_table"):  # fmt: skip
            assert messages.factor_label(code) != code
        assert [messages.confidence_label(c) for c in ("high", "medium", "low")] == [
            "High",
            "Medium",
            "Low",
        ]
        assert messages.problem_message("too_many", {"max": 30}) == "At most 30 entries."
        assert messages.problem_message("unknown_grade") == (
            "This education system has no grade with that code."
        )


def test_r1_explains_a_solar_hijri_birth_date(app):
    birth = parse_date_text("1391/12/20", "solar_hijri")
    result = place(LearnerFacts(birth_date=birth), DE_NW, DE_NW_POLICY, date(2026, 9, 1))
    with app.test_request_context():
        r1 = explain.explain_rules(result_to_dict(result), labels_for(DE_NW))[0]
    assert r1.code == "R1"
    assert "1391/12/20" in r1.text and "Solar Hijri" in r1.text
