"""The placement-policy form: every §6.3 parameter as a typed field, with its status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.core.forms import choices
from portal.placement.messages import EVIDENCE
from portal.placement.model import PROFICIENCY_ORDER
from portal.placement.policy.domain import COUNT_MAX, PARAMETER_KEYS, STATUSES
from portal.versioning.forms import LockVersion

MONTH_DAY = Regexp(r"^\d{2}-\d{2}$", message=_l("Write month and day as MM-DD, e.g. 09-30."))
AGE_REFERENCES = [
    ("cutoff_date", _l("Entry age reached by a cut-off date")),
    ("calendar_year", _l("Entry age reached during the calendar year")),
    ("months_at_date", _l("Age in months on a date")),
]
BASES = [
    ("age_first", _l("By age first")),
    ("documents_first", _l("By documents first")),
    ("assessment_first", _l("By the school's assessment first")),
]
EVIDENCE_LEVELS = [(f"E{n}", EVIDENCE[n]) for n in range(6)]
FEB29 = [("feb28", _l("28 February")), ("mar1", _l("1 March"))]
ROUNDINGS = [
    ("KMK_TRUNCATE_1DP", _l("Cut off after one decimal (KMK)")),
    ("NEAREST_STEP_TIE_BETTER", _l("Nearest step, ties to the better mark")),
    ("NEXT_BETTER_STEP", _l("Next better step")),
]
STATUS_LABELS = {"approved": _l("Confirmed"), "provisional": _l("Provisional")}
LEVELS = [(level, level) for level in PROFICIENCY_ORDER if level != "L1"]


def _count(label, low: int = 0, high: int = COUNT_MAX) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=low, max=high)])


class PolicyForm(FlaskForm):
    lock_version = LockVersion()
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid until (last day; empty: open-ended)"), validators=[Optional()])
    provisional = BooleanField(_l("Provisional (not yet confirmed by the authority)"))

    entry_age = _count(_l("Entry age for grade 1"), 1, 10)
    age_reference_type = SelectField(
        _l("How age for grade is measured"), choices=choices(AGE_REFERENCES)
    )
    age_reference_month_day = StringField(
        _l("Cut-off date (MM-DD; empty for the calendar year)"),
        validators=[Optional(), MONTH_DAY],
    )
    age_reference_months = IntegerField(
        _l("Age in months (only for age in months)"),
        validators=[Optional(), NumberRange(min=1, max=COUNT_MAX)],
    )
    feb29_rule = SelectField(
        _l("A 29 February birthday counts in other years on"),
        choices=choices(FEB29),
        default="feb28",
    )
    school_year_start = StringField(
        _l("School year starts (MM-DD)"), validators=[DataRequired(), MONTH_DAY]
    )
    placement_basis = SelectField(_l("Placement basis"), choices=choices(BASES))
    max_grades_below_age = _count(_l("At most this many grades below the age-appropriate grade"))
    overage_threshold_aep = _count(_l("Over-age threshold for accelerated education (grades)"), 1)
    aep_age_min = _count(_l("Accelerated education: youngest age"))
    aep_age_max = _count(_l("Accelerated education: oldest age"))
    catch_up_max_gap_years = _count(_l("Catch-up support for gaps of at most (school years)"))
    partial_year_credit_threshold = DecimalField(
        _l("Share of a year that counts as completed (0 to 1)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=1)],
    )
    ahead_max = _count(_l("At most this many grades ahead of age"))
    ahead_min_evidence = SelectField(
        _l("Minimum evidence to place ahead of age"), choices=choices(EVIDENCE_LEVELS)
    )
    language_enabled = BooleanField(_l("Language support applies (R11)"))
    language_lang = StringField(
        _l("Language of instruction (ISO 639 code)"),
        validators=[
            Optional(),
            Regexp(r"^[a-z]{2,3}$", message=_l("Two or three lower-case letters, e.g. de.")),
        ],
    )
    language_primary = SelectField(
        _l("Threshold in primary school (CEFR)"), choices=choices(LEVELS)
    )
    language_secondary = SelectField(
        _l("Threshold in secondary school (CEFR)"), choices=choices(LEVELS)
    )
    language_max_months = IntegerField(
        _l("Language support for at most (months)"),
        validators=[Optional(), NumberRange(min=1, max=COUNT_MAX)],
    )
    language_programme = StringField(
        _l("Name of the language programme (in your language)"),
        validators=[Optional(), Length(max=200)],
    )
    post_compulsory_enabled = BooleanField(_l("Route older learners to vocational integration"))
    post_compulsory_age = IntegerField(
        _l("From age"), validators=[Optional(), NumberRange(min=1, max=30)]
    )
    assessment_due_weeks = _count(_l("Assessment due within (weeks)"))
    review_after_weeks = _count(_l("Review the placement after (weeks)"))
    mid_year_weeks = _count(_l("Mid-year entry from (weeks after the start)"))
    transition_grades = SelectMultipleField(
        _l("Grades ending with a transition exam or recommendation"), choices=[]
    )
    rounding_policy = SelectField(_l("Rounding of converted marks"), choices=choices(ROUNDINGS))
    submit = SubmitField(_l("Save draft"))


PARAMETER_LABELS = {
    "entry_age": _l("Entry age for grade 1"),
    "age_reference": _l("How age for grade is measured"),
    "school_year_start": _l("School year start"),
    "placement_basis": _l("Placement basis"),
    "max_grades_below_age": _l("Grades below the age-appropriate grade allowed"),
    "overage_threshold_aep": _l("Over-age threshold for accelerated education"),
    "aep_age_band": _l("Accelerated education age band"),
    "catch_up_max_gap_years": _l("Catch-up support for gaps of at most"),
    "partial_year_credit_threshold": _l("Share of a year that counts as completed"),
    "allow_ahead_of_age": _l("Placement ahead of age"),
    "language_support": _l("Language support"),
    "post_compulsory": _l("Route to vocational integration"),
    "assessment_due_weeks": _l("Assessment due within"),
    "review_after_weeks": _l("Review after"),
    "mid_year_weeks": _l("Mid-year entry from"),
    "transition_grades": _l("Grades ending with a transition exam or recommendation"),
    "equivalency_precedence": _l("Order of equivalency sources"),
    "rounding_policy": _l("Rounding of converted marks"),
    "feb29_rule": _l("29 February birthdays in other years"),
    "recognised_certificates": _l("Certificates recognised as equivalent"),
}

# One "confirmed / provisional" choice per parameter, named status_<key>.
for _key in PARAMETER_KEYS:
    setattr(
        PolicyForm,
        f"status_{_key}",
        SelectField(
            PARAMETER_LABELS[_key],
            choices=choices([(s, STATUS_LABELS[s]) for s in STATUSES]),
            default="provisional",
        ),
    )
