"""Choices shared by the curricula forms: grade relations and mark conversion, labelled."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.forms import choices
from portal.curricula.domain import Relation
from portal.curricula.marks import Method, Rounding

RELATION_LABELS = {
    Relation.EXACT: _l("Exact equivalent"),
    Relation.BROADER: _l("Broader (the destination grade covers more)"),
    Relation.NARROWER: _l("Narrower (the destination grade covers less)"),
    Relation.PARTIAL: _l("Partial equivalent"),
}
METHOD_LABELS = {
    Method.MODIFIED_BAVARIAN: _l("Modified Bavarian formula (KMK)"),
    Method.PIECEWISE_LINEAR: _l("Piecewise linear"),
    Method.BAND_TABLE: _l("Band table"),
    Method.NONE: _l("No conversion"),
}
ROUNDING_LABELS = {
    Rounding.KMK_TRUNCATE_1DP: _l("Cut off after one decimal (KMK)"),
    Rounding.NEAREST_STEP_TIE_BETTER: _l("Nearest step, ties to the better mark"),
    Rounding.NEXT_BETTER_STEP: _l("Next better step"),
}
BLANK = ("", "—")


def code_choices(pairs) -> list:
    """Return select choices with a blank first entry (an empty editor row)."""
    return choices([BLANK, *pairs])
