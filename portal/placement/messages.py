"""Translated labels and messages for the codes placement code returns (the edge translates).

Programmes, confidence and its factors, alternatives, evidence levels, calendars, and every
problem code of a placement request, a cohort file or a decision.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from portal.curricula.messages import RESOLUTION_ERRORS

PROGRAMMES = {
    "REGULAR": _l("Regular class"),
    "AEP": _l("Accelerated education programme"),
    "CATCH_UP": _l("Catch-up support"),
    "BRIDGING": _l("Bridging class"),
    "REMEDIAL": _l("Remedial support alongside the class"),
    "PREPARATORY_LANGUAGE": _l("Preparatory language class"),
    "VET_INTEGRATION": _l("Vocational integration class"),
    "RECOGNITION_ONLY": _l("Recognition of the school-leaving certificate (no grade placement)"),
}
CONFIDENCE = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
FACTORS = {
    "weak_evidence": _l("Earlier schooling rests on a declaration only."),
    "promoted_without_exam": _l("The last grade was passed without an exam."),
    "unverified_parameters": _l("Some rules of the destination are not yet confirmed."),
    "conflicting_evidence": _l("The evidence is contradictory."),
    "no_equivalency_table": _l("No equivalency table applies; years of schooling were compared."),
}
ALTERNATIVES = {
    "regular_class_target": _l("Regular class to aim for after the programme"),
    "level_appropriate": _l("Grade matching the level reached"),
    "age_appropriate": _l("Grade matching the age"),
    "acceleration_after_assessment": _l("Higher grade, if an assessment confirms the level"),
    "certificate_recognition_pending": _l("Target grade, once the certificate is recognised"),
}
EVIDENCE = {
    0: _l("no information (E0)"),
    1: _l("declaration by the family (E1)"),
    2: _l("corroborated declaration (E2)"),
    3: _l("unofficial or unverified document (E3)"),
    4: _l("official document, not verified with the issuer (E4)"),
    5: _l("verified official record (E5)"),
}
CALENDARS = {
    "gregorian": _l("Gregorian"),
    "solar_hijri": _l("Solar Hijri"),
    "ethiopian": _l("Ethiopian"),
    "islamic": _l("Islamic (Hijri)"),
}
PROBLEMS = {
    "required": _l("A value is required."),
    "invalid_date": _l("Dates are written as YYYY-MM-DD."),
    "invalid_choice": _l("Not one of the allowed values: %(allowed)s."),
    "too_long": _l("Too long: at most %(max)d characters."),
    "not_a_list": _l("A list is expected."),
    "not_an_object": _l("An object with named fields is expected."),
    "too_many": _l("At most %(max)d entries."),
    "out_of_range": _l("A whole number from %(min)d to %(max)d is expected."),
    "invalid_evidence_level": _l("Evidence levels are E0 to E5 (or 0 to 5)."),
    "invalid_fraction": _l("The fraction of the year is a number from 0 to 1."),
    "invalid_proficiency": _l("Not a language level: use one of %(allowed)s."),
    "invalid_language": _l("Languages are given as two- or three-letter ISO 639 codes."),
    "birth_not_before_enrolment": _l("The birth date must be before the enrolment date."),
    "no_policy": _l("There is no published placement policy for this destination on that date."),
    "destination_not_in_force": _l(
        "The destination education system is not in force on the enrolment date."
    ),
    "invalid_policy": _l("The placement policy of the destination is not valid."),
    "unknown_recommendation": _l("Unknown recommendation."),
    # cohort files
    "not_utf8": _l('Line %(line)d is not UTF-8 text. Save the file as "CSV UTF-8".'),
    "unknown_columns": _l("Unknown columns: %(columns)s."),
    "missing_columns": _l("Missing columns: %(columns)s."),
    "duplicate_column": _l("A column appears more than once."),
    "too_many_cells": _l("Line %(line)d has more cells than the header has columns."),
    "malformed": _l("The CSV text is broken at line %(line)d, e.g. by an unclosed quote."),
    "unexpected": _l("This row could not be placed because of an internal error; it was logged."),
    # decisions
    "not_allowed": _l("Only the school holding the record can decide on its placement."),
    "already_decided": _l("A decision was already recorded for this recommendation."),
    "reason_required": _l("Say why the recommendation is overridden."),
    "reason_too_long": _l("Too long: at most %(max)d characters."),
    "unknown_programme": _l("Unknown programme %(value)s."),
    "grade_required": _l("Choose a grade or at least one programme."),
}


def format_message(text: object, params: Mapping[str, object] | None = None) -> str:
    """Fill a translated text's placeholders; show it unfilled rather than fail."""
    try:
        return str(text) % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return str(text)


def problem_message(code: str, params: Mapping[str, object] | None = None) -> str:
    """Translate a problem or error code (input, engine, reference or decision)."""
    text = PROBLEMS.get(code) or RESOLUTION_ERRORS.get(code)
    return format_message(text, params) if text is not None else code


def programme_label(code: str) -> str:
    """Return the translated name of a programme code."""
    return str(PROGRAMMES.get(code, code))


def confidence_label(code: str) -> str:
    """Return the translated name of a confidence level."""
    return str(CONFIDENCE.get(code, code))


def factor_label(code: str) -> str:
    """Return the translated reason a confidence was lowered."""
    return str(FACTORS.get(code, code))


def alternative_label(reason: str) -> str:
    """Return the translated reason an alternative grade is offered."""
    return str(ALTERNATIVES.get(reason, reason))


def evidence_label(level: object) -> str:
    """Return the translated name of an evidence level (0-5)."""
    return str(EVIDENCE.get(level, level)) if isinstance(level, int) else "—"
