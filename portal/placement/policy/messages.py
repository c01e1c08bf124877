"""Translated texts for the codes that placement-policy services return, and page texts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.versioning.messages import LIFECYCLE_ERRORS

ERRORS = {
    **LIFECYCLE_ERRORS,
    "stale": _l(
        "Someone changed this policy after you opened it, so nothing was saved. "
        "Reload the page and make your change again."
    ),
    "draft_exists": _l("A draft of this policy is already being prepared. Continue with that one."),
    "invalid_parameter": _l("This value is not valid: %(name)s."),
    "unknown_parameter": _l("Unknown parameter %(name)s."),
    "unknown_grade": _l("Grade %(grade)s does not exist in this education system."),
    "invalid_period": _l("The end of validity cannot be before its start."),
    "invalid_status": _l("Unknown status."),
}
PRECEDENCE = {
    "bilateral_table": _l("bilateral table"),
    "national_rule": _l("national rule"),
    "recognition_body": _l("recognition body"),
    "isced_pivot": _l("years of schooling (ISCED pivot)"),
}
REQUIRED = _l("This field is required.")
DONE = {
    "publish": _l("Version %(version)d of the %(system)s policy is published."),
    "retire": _l("Version %(version)d of the %(system)s policy is retired."),
    "new_version": _l("Draft version %(version)d of the %(system)s policy was started."),
}
RETIRE_CONFIRM = _l(
    "Retire this policy? Placements into this system are refused until a new version is published."
)
