"""Forms for managing schools and users."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.auth.domain import Role
from portal.auth.forms import StrongPassword
from portal.core.forms import choices

ROLE_LABELS = {
    Role.SYSTEM_ADMIN: _l("System administrator"),
    Role.MINISTRY_OFFICIAL: _l("Ministry official"),
    Role.SCHOOL_ADMIN: _l("School administrator"),
    Role.GUARDIAN: _l("Parent or guardian"),
}


class SchoolForm(FlaskForm):
    name = StringField(_l("School name"), validators=[DataRequired(), Length(max=200)])
    city = StringField(_l("Town or city"), validators=[Optional(), Length(max=120)])
    jurisdiction = SelectField(_l("Education authority"), validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(
        _l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items())
    )
    school = SelectField(_l("School (school administrators)"), validators=[Optional()])
    jurisdiction = SelectField(
        _l("Education authority (ministry officials)"), validators=[Optional()]
    )
    active = BooleanField(_l("Account active"), default=True)
    password = PasswordField(
        _l("Initial password (new accounts only)"), validators=[Optional(), StrongPassword()]
    )
    submit = SubmitField(_l("Save"))
