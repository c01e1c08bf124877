"""Sign-in, password and API-token forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth.passwords import MAX_LENGTH, password_problems
from portal.core.forms import choices

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 12 characters."),
    "too_long": _l("Use at most 256 characters."),
    "too_common": _l("This password is too common. Choose a less predictable one."),
    "contains_email": _l("The password must not contain your e-mail address."),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Sign in"))


class StrongPassword:
    """Apply the password policy; the form's `email_hint` must not appear in the password."""

    def __call__(self, form, field):
        problems = password_problems(field.data or "", getattr(form, "email_hint", ""))
        if problems:
            raise ValidationError(" ".join(str(PASSWORD_MESSAGES[p]) for p in problems))


class PasswordChangeForm(FlaskForm):
    email_hint = ""
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


EXPIRY_CHOICES = [
    ("30", _l("30 days")),
    ("90", _l("90 days")),
    ("365", _l("1 year")),
    ("never", _l("Never")),
]


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name (what the token is for)"), validators=[DataRequired(), Length(max=80)]
    )
    expires = SelectField(_l("Expires after"), choices=choices(EXPIRY_CHOICES), default="90")
    submit = SubmitField(_l("Create token"))


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""

    submit = SubmitField(_l("Confirm"))
