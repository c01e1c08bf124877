"""A placement policy's parameters, read into the engine's ``PlacementPolicy`` (pure).

A policy holds the §6.3 parameters of one destination system version. ``parameter_status`` keeps
the per-parameter status ("approved" / "provisional") and, under the reserved keys ``_notes``
and ``_note``, the seed file's provenance notes (label dicts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from portal.placement.domain import (
    AEProgramme,
    AgeReference,
    AheadOfAge,
    EvidenceLevel,
    Feb29Rule,
    LanguageSupport,
    LanguageThreshold,
    PlacementBasis,
    PlacementError,
    PlacementPolicy,
    PostCompulsory,
)

REQUIRED_KEYS = (
    "entry_age",
    "age_reference",
    "school_year_start",
    "placement_basis",
    "max_grades_below_age",
    "overage_threshold_aep",
    "aep_age_band",
    "catch_up_max_gap_years",
    "partial_year_credit_threshold",
    "allow_ahead_of_age",
    "language_support",
    "post_compulsory",
    "assessment_due_weeks",
    "review_after_weeks",
    "mid_year_weeks",
    "transition_grades",
)
# Kept with the policy but not read by the engine (mark conversion and table order).
OTHER_KEYS = ("equivalency_precedence", "rounding_policy", "feb29_rule", "recognised_certificates")
PARAMETER_KEYS = REQUIRED_KEYS + OTHER_KEYS
STATUSES = ("approved", "provisional")
NOTES_KEY, NOTE_KEY = "_notes", "_note"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
# An upper bound for every count, so a typo cannot produce a 1,000-week deadline.
COUNT_MAX = 104


def evidence_level(value: object) -> EvidenceLevel:
    """Read an evidence level written as "E4" or 4."""
    if isinstance(value, str) and re.fullmatch(r"E[0-5]", value):
        return EvidenceLevel[value]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 5:
        return EvidenceLevel(value)
    raise ValueError(value)


def label_text(value: object, locale: str = "en") -> str:
    """Return the text of a label dict (or a plain string) in a locale, else English."""
    if isinstance(value, Mapping):
        language = locale.split("_")[0]
        for key in (locale, language, "en"):
            if value.get(key):
                return str(value[key])
        return str(next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _count(value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= COUNT_MAX:
        raise ValueError(value)
    return value


def _read(name: str, read: Callable[[], object]) -> object:
    try:
        return read()
    except PlacementError as err:
        params = {**err.params, "field": err.params.get("field", name)}
        raise PlacementError("invalid_policy", params) from None
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        raise PlacementError("invalid_policy", {"field": name}) from None


def parameters_to_domain(
    parameters: Mapping, policy_version: str, provisional: bool = False
) -> PlacementPolicy:
    """Build the engine's PlacementPolicy from stored parameters; raise PlacementError."""
    p = parameters
    missing = [k for k in REQUIRED_KEYS if k not in p]
    if missing:
        raise PlacementError("invalid_policy", {"field": missing[0], "reason": "missing"})

    def reference() -> AgeReference:
        ref = p["age_reference"]
        months = ref.get("months")
        return AgeReference(
            ref["type"], ref.get("month_day"), None if months is None else _count(months, 1)
        )

    def ahead() -> AheadOfAge:
        value = p["allow_ahead_of_age"]
        return AheadOfAge(_count(value["max"]), evidence_level(value["min_evidence"]))

    def language() -> LanguageSupport | None:
        value = p["language_support"]
        if value is None:
            return None
        if not LANGUAGE_CODE.fullmatch(value["lang"]):
            raise ValueError(value["lang"])
        threshold = value["threshold"]
        return LanguageSupport(
            value["lang"],
            LanguageThreshold(threshold["primary"], threshold["secondary"]),
            _count(value["max_months"], 1),
            label_text(value.get("programme")),
        )

    def post() -> PostCompulsory | None:
        value = p["post_compulsory"]
        return None if value is None else PostCompulsory(_count(value["age_from"], 1))

    def band() -> tuple[int, int]:
        low, high = p["aep_age_band"]
        return _count(low), _count(high)

    def threshold() -> Decimal:
        value = p["partial_year_credit_threshold"]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(value)
        return Decimal(str(value))

    def pairs() -> tuple[tuple[str, str], ...]:
        return tuple((str(a), str(b)) for a, b in p.get("recognised_certificates") or ())

    def grades() -> tuple[str, ...]:
        value = p["transition_grades"]
        if not isinstance(value, list | tuple) or not all(isinstance(g, str) for g in value):
            raise ValueError(value)
        return tuple(value)

    values = {
        "entry_age": _read("entry_age", lambda: _count(p["entry_age"], 1)),
        "age_reference": _read("age_reference", reference),
        "school_year_start": _read("school_year_start", lambda: str(p["school_year_start"])),
        "placement_basis": _read("placement_basis", lambda: PlacementBasis(p["placement_basis"])),
        "max_grades_below_age": _read(
            "max_grades_below_age", lambda: _count(p["max_grades_below_age"])
        ),
        "overage_threshold_aep": _read(
            "overage_threshold_aep", lambda: _count(p["overage_threshold_aep"], 1)
        ),
        "aep_age_band": _read("aep_age_band", band),
        "catch_up_max_gap_years": _read(
            "catch_up_max_gap_years", lambda: _count(p["catch_up_max_gap_years"])
        ),
        "partial_year_credit_threshold": _read("partial_year_credit_threshold", threshold),
        "allow_ahead_of_age": _read("allow_ahead_of_age", ahead),
        "language_support": _read("language_support", language),
        "post_compulsory": _read("post_compulsory", post),
        "assessment_due_weeks": _read(
            "assessment_due_weeks", lambda: _count(p["assessment_due_weeks"])
        ),
        "review_after_weeks": _read("review_after_weeks", lambda: _count(p["review_after_weeks"])),
        "mid_year_weeks": _read("mid_year_weeks", lambda: _count(p["mid_year_weeks"])),
        "transition_grades": _read("transition_grades", grades),
        "feb29_rule": _read("feb29_rule", lambda: Feb29Rule(p.get("feb29_rule") or "feb28")),
        "recognised_certificates": _read("recognised_certificates", pairs),
    }
    return _read(
        "policy",
        lambda: PlacementPolicy(policy_version=policy_version, provisional=provisional, **values),
    )


def programme_to_domain(code: str, certified: bool, band: tuple[int, int], levels) -> AEProgramme:
    """Build the engine's AEProgramme from stored values."""
    return AEProgramme(
        code=code,
        certified=bool(certified),
        age_band=band,
        levels=tuple((lv["code"], tuple(lv["grades"])) for lv in levels),
    )
