"""JSON-able snapshots of a policy and of a placement result (stored immutably, served by API)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum, IntEnum

from portal.curricula.domain import GradeInfo
from portal.placement.model import PlacementPolicy, PlacementResult


def to_jsonable(value: object) -> object:
    """Turn engine values into JSON types: ISO dates, Decimals as str, enums as values."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, GradeInfo):
        return grade_to_dict(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def grade_to_dict(grade: GradeInfo | None) -> dict[str, object] | None:
    """Return the language-neutral identity of a grade (labels are looked up at the edge)."""
    if grade is None:
        return None
    return {
        "code": grade.code,
        "cumulative_index": grade.cumulative_index,
        "isced_level": grade.isced_level,
        "programme": grade.programme,
        "certificate_at_end": grade.certificate_at_end,
    }


def policy_to_dict(policy: PlacementPolicy) -> dict[str, object]:
    """Return every policy parameter as a JSON-able dict (the parameters snapshot)."""
    language = policy.language_support
    return {
        "policy_version": policy.policy_version,
        "provisional": policy.provisional,
        "entry_age": policy.entry_age,
        "age_reference": {
            "type": policy.age_reference.kind.value,
            "month_day": policy.age_reference.month_day,
            "months": policy.age_reference.months,
        },
        "feb29_rule": policy.feb29_rule.value,
        "school_year_start": policy.school_year_start,
        "placement_basis": policy.placement_basis.value,
        "max_grades_below_age": policy.max_grades_below_age,
        "overage_threshold_aep": policy.overage_threshold_aep,
        "aep_age_band": list(policy.aep_age_band),
        "catch_up_max_gap_years": policy.catch_up_max_gap_years,
        "partial_year_credit_threshold": str(policy.partial_year_credit_threshold),
        "allow_ahead_of_age": {
            "max": policy.allow_ahead_of_age.max,
            "min_evidence": int(policy.allow_ahead_of_age.min_evidence),
        },
        "language_support": None
        if language is None
        else {
            "lang": language.lang,
            "threshold": {
                "primary": language.threshold.primary,
                "secondary": language.threshold.secondary,
            },
            "max_months": language.max_months,
            "programme": language.programme,
        },
        "post_compulsory": None
        if policy.post_compulsory is None
        else {"age_from": policy.post_compulsory.age_from},
        "assessment_due_weeks": policy.assessment_due_weeks,
        "review_after_weeks": policy.review_after_weeks,
        "mid_year_weeks": policy.mid_year_weeks,
        "transition_grades": list(policy.transition_grades),
        "recognised_certificates": [list(pair) for pair in policy.recognised_certificates],
    }


def result_to_dict(result: PlacementResult) -> dict[str, object]:
    """Return the whole result as JSON-able data in a fixed key order."""
    computed = result.computed
    recommendation = result.recommendation
    return {
        "destination": result.destination,
        "enrolment_date": result.enrolment_date.isoformat(),
        "policy_version": result.policy_version,
        "computed": {
            "age_reference_date": computed.age_reference_date.isoformat(),
            "age": computed.age,
            "age_months": computed.age_months,
            "entry_year": computed.entry_year,
            "age_grade": grade_to_dict(computed.age_grade),
            "age_grade_index": computed.age_grade_index,
            "attained_years": computed.attained_years,
            "level_grade": grade_to_dict(computed.level_grade),
            "level_grade_index": computed.level_grade_index,
            "delta": computed.delta,
            "gap_years": computed.gap_years,
            "mid_year": computed.mid_year,
            "school_year_start_date": computed.school_year_start_date.isoformat(),
            "remaining_year_fraction": str(computed.remaining_year_fraction),
        },
        "recommendation": {
            "grade": grade_to_dict(recommendation.grade),
            "programmes": [p.value for p in recommendation.programmes],
            "aep_level": recommendation.aep_level,
            "aep_programme": recommendation.aep_programme,
            "provisional": recommendation.provisional,
            "assessment_due": to_jsonable(recommendation.assessment_due),
            "review_due": to_jsonable(recommendation.review_due),
            "alternatives": [
                {"grade": code, "reason": reason} for code, reason in recommendation.alternatives
            ],
        },
        "rules": [{"code": r.code, "params": to_jsonable(r.params)} for r in result.rules],
        "confidence": result.confidence.value,
        "confidence_factors": list(result.confidence_factors),
        "equivalency_source": to_jsonable(result.equivalency_source),
        "tables": [{"table_id": t, "version": v} for t, v in result.tables],
        "parameters": to_jsonable(result.parameters),
    }
