"""Translated texts for the codes that equivalency-table services return (the edge translates)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.versioning.messages import LIFECYCLE_ERRORS

TABLE_ERRORS = {
    **LIFECYCLE_ERRORS,
    "stale": _l(
        "Someone changed this table after you opened it, so nothing was saved. "
        "Reload the page and make your change again."
    ),
    "draft_exists": _l("A draft of this table is already being prepared. Continue with that one."),
    "empty_table": _l("This draft has no rules yet. Add rules before publishing it."),
    "invalid_rules": _l("Some rules are not valid. Nothing was saved."),
    "not_an_official": _l("Only ministry officials can draft equivalency tables."),
    "unknown_system": _l("Unknown education system."),
    "destination_not_own": _l("The destination must be an education system of your authority."),
    "same_jurisdiction": _l("Origin and destination must belong to different authorities."),
    "table_exists": _l(
        "The table %(table)s already exists. Start a new version of it from its page."
    ),
    "required": _l("This field is required."),
    "invalid_period": _l("The end of validity cannot be before its start."),
    "invalid_precedence": _l("The precedence must be between 0 and 99."),
    "invalid_text": _l("At most %(max)d characters, in a known language."),
    "unknown_source": _l("Unknown source keys: %(keys)s"),
}
PROBLEMS = {
    "required": _l("A value is required."),
    "too_long": _l("Too long: at most %(max)d characters."),
    "unknown_grade": _l("Grade %(code)s does not exist in %(system)s."),
    "unknown_subject": _l("Subject %(code)s does not exist in %(system)s."),
    "unknown_scale": _l("Grading scale %(code)s does not exist in %(system)s."),
    "invalid_relation": _l("Unknown relation %(value)s. Use exact, broader, narrower or partial."),
    "invalid_method": _l(
        "Unknown method %(value)s. Use modified_bavarian, piecewise_linear, band_table or none."
    ),
    "invalid_rounding": _l(
        "Unknown rounding %(value)s. "
        "Use KMK_TRUNCATE_1DP, NEAREST_STEP_TIE_BETTER or NEXT_BETTER_STEP."
    ),
    "invalid_number": _l("%(value)s is not a number."),
    "best_equals_pass": _l("The best mark and the pass mark must differ."),
    "invalid_conditions": _l(
        "Write conditions as key=value;key=value, with keys in lower case (a-z, 0-9, _)."
    ),
    "invalid_note": _l("This note cannot be read."),
    "invalid_note_locale": _l("Notes in the language %(locale)s are not supported."),
    "duplicate_rule": _l("The same rule already appears in row %(first)d."),
    # CSV files
    "not_utf8": _l('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'),
    "too_large": _l("The file is larger than %(max_mb)d MB."),
    "empty": _l("The file is empty."),
    "duplicate_column": _l("The column %(column)s appears more than once."),
    "unknown_column": _l("Unknown column %(column)s."),
    "missing_column": _l("The column %(column)s is missing."),
    "too_many_rows": _l("The file has more than %(max)d rows."),
    "wrong_column_count": _l("This row has %(found)d cells but the header has %(expected)d."),
    "invalid_record_type": _l("Unknown record type %(value)s. Use grade, subject or mark."),
    "not_applicable": _l("This column must be empty in a row of type %(record_type)s."),
    "malformed": _l("The CSV text is broken here, for example by a quote that is never closed."),
    "field_too_long": _l("A cell is longer than %(max)d characters."),
}
KIND_LABELS = {
    "grade": _l("Grade rule"),
    "subject": _l("Subject mapping"),
    "mark": _l("Mark rule"),
}
DONE = {
    "publish": _l("Version %(version)d of %(code)s is published."),
    "retire": _l("Version %(version)d of %(code)s is retired."),
    "new_version": _l("Draft version %(version)d of %(code)s was started from the published one."),
}
RETIRE_CONFIRM = _l("Retire this table? It will no longer be used for placements.")
