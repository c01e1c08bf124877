"""Forms for equivalency tables: create, edit fields, the rules editor, CSV import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.core.forms import choices
from portal.curricula.domain import Relation
from portal.curricula.marks import Method, Rounding
from portal.curricula.tables import NOTE_MAX, NUMBER_MAX, TEXT_MAX

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


class LockVersion(IntegerField):
    """The table version the form was built from (optimistic locking)."""

    widget = HiddenInput()

    def __init__(self, **kwargs):
        super().__init__(validators=[InputRequired()], **kwargs)


class TableFieldsForm(FlaskForm):
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid until (last day; empty: open-ended)"), validators=[Optional()])
    precedence = IntegerField(
        _l("Precedence (the lower number wins)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=99)],
    )
    provisional = BooleanField(_l("Provisional (not yet confirmed by the authority)"))
    authority = StringField(
        _l("Issuing authority (English)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    basis = TextAreaField(
        _l("Legal basis and method (English)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    sources = StringField(
        _l("Source keys, separated by spaces or commas"),
        validators=[Optional(), Length(max=1000)],
    )


class NewTableForm(TableFieldsForm):
    origin = SelectField(_l("Origin education system"), validators=[DataRequired()])
    destination = SelectField(
        _l("Destination education system (your authority)"), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Create draft"))


class DraftFieldsForm(TableFieldsForm):
    lock_version = LockVersion()
    submit = SubmitField(_l("Save details"))


class _RuleRow(Form):
    remove = BooleanField(_l("Remove"))


class GradeRuleRow(_RuleRow):
    origin = SelectField(_l("Origin grade"), default="")
    destination = SelectField(_l("Destination grade"), default="")
    relation = SelectField(
        _l("Relation"),
        default=Relation.EXACT.value,
        choices=choices((r.value, label) for r, label in RELATION_LABELS.items()),
    )
    conditions = StringField(_l("Conditions (key=value;key=value)"), validators=[Length(max=400)])
    note_en = StringField(_l("Note (English)"), validators=[Length(max=NOTE_MAX)])
    # Notes in other languages travel unchanged (they are edited through CSV).
    other_notes = HiddenField()


class SubjectMappingRow(_RuleRow):
    origin = SelectField(_l("Origin subject"), default="")
    destination = SelectField(_l("Destination subject"), default="")
    note_en = StringField(_l("Note (English)"), validators=[Length(max=NOTE_MAX)])
    other_notes = HiddenField()


class MarkRuleRow(_RuleRow):
    origin = SelectField(_l("Origin grading scale"), default="")
    destination = SelectField(_l("Destination grading scale"), default="")
    method = SelectField(
        _l("Method"),
        default="",
        choices=choices([BLANK, *((m.value, label) for m, label in METHOD_LABELS.items())]),
    )
    rounding = SelectField(
        _l("Rounding"),
        default="",
        choices=choices([BLANK, *((r.value, label) for r, label in ROUNDING_LABELS.items())]),
    )
    best = StringField(_l("Best mark"), validators=[Length(max=NUMBER_MAX)])
    pass_mark = StringField(_l("Pass mark"), validators=[Length(max=NUMBER_MAX)])


class RulesForm(FlaskForm):
    lock_version = LockVersion()
    grade_rules = FieldList(FormField(GradeRuleRow))
    subject_mappings = FieldList(FormField(SubjectMappingRow))
    mark_rules = FieldList(FormField(MarkRuleRow))
    submit = SubmitField(_l("Save rules"))


class ImportForm(FlaskForm):
    lock_version = LockVersion()
    file = FileField(_l("CSV file (UTF-8)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import and replace all rules"))


class ActionForm(FlaskForm):
    """Publish, retire, new version: a button with the version the official looked at."""

    lock_version = LockVersion()


def code_choices(pairs) -> list:
    """Return select choices with a blank first entry (an empty editor row)."""
    return choices([BLANK, *pairs])
