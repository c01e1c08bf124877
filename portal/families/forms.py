"""Forms of the family pages and of the school's side of them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.auth.forms import StrongPassword
from portal.auth.passwords import MAX_LENGTH
from portal.core.forms import choices
from portal.families.services import CORRECTION_MAX_LENGTH
from portal.i18n.domain import LOCALES

RELATIONSHIP_LABELS = {
    "parent": _l("Parent"),
    "carer": _l("Other family member or carer"),
    "appointed_guardian": _l("Appointed guardian"),
}
ANSWER_STATUS_LABELS = {
    "answered": _l("Answered"),
    "closed": _l("Closed: nothing more to do"),
}


class InvitationForm(FlaskForm):
    relationship = SelectField(
        _l("Who is the code for?"),
        choices=choices(RELATIONSHIP_LABELS.items()),
        validators=[DataRequired()],
    )
    family_language = SelectField(
        _l("Language the family reads best"),
        choices=choices((loc.code, loc.native_name) for loc in LOCALES),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Create an invitation code"))


class _CodeField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()


class LinkForm(FlaskForm):
    """A signed-in guardian adds another child with a code."""

    code = _CodeField(
        _l("Invitation code from the school"),
        validators=[DataRequired(), Length(max=40)],
    )
    submit = SubmitField(_l("Add my child"))


class JoinForm(LinkForm):
    """A family creates its account with the code the school gave them."""

    email_hint = ""
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Choose a password (at least 12 characters)"),
        validators=[DataRequired(), Length(max=MAX_LENGTH), StrongPassword()],
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Create my account"))


class CorrectionForm(FlaskForm):
    message = TextAreaField(
        _l("What is wrong, and what is right?"),
        validators=[DataRequired(), Length(max=CORRECTION_MAX_LENGTH)],
    )
    submit = SubmitField(_l("Send to the school"))


class AnswerForm(FlaskForm):
    response = TextAreaField(
        _l("Answer to the family"),
        validators=[DataRequired(), Length(max=CORRECTION_MAX_LENGTH)],
    )
    status = SelectField(
        _l("Status"), choices=choices(ANSWER_STATUS_LABELS.items()), default="answered"
    )
    next = HiddenField()
    submit = SubmitField(_l("Send the answer"))
