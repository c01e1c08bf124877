"""The lifecycle's forms: the hidden lock that every change carries, and the action buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput


class LockVersion(IntegerField):
    """The version of the document that the form was built from (optimistic locking)."""

    widget = HiddenInput()

    def __init__(self, **kwargs):
        super().__init__(validators=[InputRequired()], **kwargs)


class ActionForm(FlaskForm):
    """Publish, retire, new version: a button with the version the official looked at."""

    lock_version = LockVersion()
