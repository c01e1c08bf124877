"""Texts of the lifecycle: version statuses and the refusals every kind shares.

A kind adds its own wording where it names itself ("Someone changed this table ...");
the generic texts here serve kinds that do not.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "retired": _l("Retired"),
}
LIFECYCLE_ERRORS = {
    "published_immutable": _l(
        "Published and retired versions cannot be changed. Start a new version instead."
    ),
    "stale": _l(
        "Someone changed this version after you opened it, so nothing was saved. "
        "Reload the page and make your change again."
    ),
    "four_eyes": _l(
        "You drafted this version, so you cannot publish it. "
        "Another official of your authority must review and publish it."
    ),
    "not_published": _l("Only a published version can be retired or copied into a new version."),
    "draft_exists": _l("A new version is already being drafted. Continue with that one."),
}
