"""Translated texts for the codes that curricula domain code returns (the edge translates)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

MARK_ERRORS = {
    "mark_out_of_scale": _l("The mark lies outside its scale."),
    "descriptive_not_convertible": _l(
        "Descriptive marks are never converted to numbers; they are shown as they are."
    ),
    "invalid_scale": _l("The scale is not valid: best, pass and worst marks must differ."),
    "invalid_target": _l("The target scale does not fit this method."),
    "missing_target": _l("This method needs a target scale."),
    "invalid_mark": _l("The mark is not a number."),
    "invalid_method": _l("Unknown conversion method."),
    "invalid_rounding": _l("Unknown rounding rule."),
    "no_band_for_mark": _l("No band of the scale contains this mark."),
    "no_band_table": _l("The scale has no bands to look up."),
    "unknown_band": _l("The scale has no band with this code."),
    "band_without_value": _l("This band has no converted value."),
    "no_marks": _l("There are no marks to average."),
    "invalid_weights": _l("The weights do not match the marks."),
}

RESOLUTION_ERRORS = {
    "unknown_jurisdiction": _l("Unknown education system."),
    "unknown_grade": _l("This education system has no grade with that code."),
    "unknown_system_version": _l("Unknown education system version."),
    "no_system_on_date": _l("The education system has no version in force on that date."),
    "system_not_valid_on_date": _l(
        "The destination education system has no version in force on that date."
    ),
    "table_grade_not_in_destination": _l(
        "The equivalency table names a grade that the destination system does not have."
    ),
}

FLAG_TEXTS = {
    "isced_boundary_crossed": _l("The grades belong to different ISCED levels."),
    "certificate_gate_crossed": _l("A leaving certificate must be recognised separately."),
    "table_provisional": _l("The equivalency table is provisional."),
    "origin_system_provisional": _l("Some values of the origin system are provisional."),
    "destination_system_provisional": _l("Some values of the destination system are provisional."),
    "beyond_destination_range": _l("The level lies beyond the destination's school grades."),
    "below_destination_range": _l("The level lies below the destination's school grades."),
    "table_conditions_unmet": _l("The table's conditions are not met; the default applies."),
}


def german_grade_label(code: str | None) -> str | None:
    """Translate a German verbal-grade code ("good" → "gut" in German)."""
    labels = {
        "very_good": pgettext("German verbal grade", "very good"),
        "good": pgettext("German verbal grade", "good"),
        "satisfactory": pgettext("German verbal grade", "satisfactory"),
        "sufficient": pgettext("German verbal grade", "sufficient"),
        "not_passed": pgettext("German verbal grade", "not passed"),
    }
    return labels.get(code) if code else None


def message_for(table: dict, code: str) -> str:
    """Translate an error code, or name the code when no text exists for it."""
    text = table.get(code)
    return str(text) if text is not None else code
