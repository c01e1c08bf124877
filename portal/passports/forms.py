"""Forms for issuing, revoking, verifying and importing passports, and for trust lists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.core.forms import choices
from portal.i18n.domain import LOCALES
from portal.learners.domain import LEGAL_BASES

MAX_PASTED = 64 * 1024

LEGAL_BASIS_LABELS = {
    "consent": _l("Consent of the guardian or the child"),
    "legal_obligation": _l("Legal obligation"),
    "public_task": _l("Public task"),
    "vital_interest": _l("Vital interest"),
    "best_interests": _l("Best interests of the child"),
}


def _language_choices():
    return choices((info.code, info.native_name) for info in LOCALES)


class IssueForm(FlaskForm):
    primary_language = SelectField(
        _l("First language of the passport"), validators=[DataRequired()]
    )
    secondary_language = SelectField(
        _l("Second language of the passport"), validators=[DataRequired()]
    )
    consent_given_by = StringField(_l("Consent given by"), validators=[Optional(), Length(max=200)])
    consent_legal_basis = SelectField(_l("Legal basis"), validators=[Optional()])
    consent_given_on = DateField(_l("Consent given on"), validators=[Optional()])
    submit = SubmitField(_l("Issue the passport"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.primary_language.choices = _language_choices()
        self.secondary_language.choices = _language_choices()
        self.consent_legal_basis.choices = choices(
            [("", "—"), *((code, LEGAL_BASIS_LABELS.get(code, code)) for code in LEGAL_BASES)]
        )


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke"))


class VerifyForm(FlaskForm):
    """Public and read-only: nothing changes on the server, so no CSRF token is needed."""

    class Meta:
        csrf = False

    text = TextAreaField(
        _l("Passport text (starts with LP1:) or JSON credential"),
        validators=[Optional(), Length(max=MAX_PASTED)],
    )
    file = FileField(_l("Or upload the passport PDF or JSON file"))
    submit = SubmitField(_l("Verify"))


class ImportForm(FlaskForm):
    text = TextAreaField(
        _l("Passport text (starts with LP1:) or JSON credential"),
        validators=[Optional(), Length(max=MAX_PASTED)],
    )
    file = FileField(_l("Or upload the passport PDF or JSON file"))
    confirm_not_current = BooleanField(
        _l(
            "I understand that the issuer's revocation list could not be checked recently "
            "and import the passport anyway"
        )
    )
    action = HiddenField(default="check")
    submit = SubmitField(_l("Check the passport"))


class TrustImportForm(FlaskForm):
    url = StringField(_l("Address of the other portal"), validators=[Optional(), Length(max=400)])
    document = TextAreaField(
        _l("Or paste its trust list (JSON)"), validators=[Optional(), Length(max=MAX_PASTED)]
    )
    submit = SubmitField(_l("Check the trust list"))


class TrustConfirmForm(FlaskForm):
    document = HiddenField()
    fingerprint = StringField(
        _l("Fingerprint, as the other portal's operators read it to you"),
        validators=[DataRequired(), Length(max=200)],
    )
    submit = SubmitField(_l("Trust this portal's issuers"))


# Messages for the codes that services raise, shared by the HTML views and the API.
PASSPORT_ERRORS = {
    "consent_required": _l(
        "A passport needs a recorded consent for passports. "
        "Record who consented and on which legal basis, then issue it."
    ),
    "birth_date_required": _l(
        "Record the learner's date of birth (at least the year) before issuing a passport."
    ),
    "name_required": _l("The learner has no recorded name."),
    "study_without_dates": _l(
        "A prior study has no dates. Add at least a start or an end date, then issue the passport."
    ),
    "languages_invalid": _l("Choose two of the portal's languages."),
    "languages_same": _l("Choose two different languages."),
    "reason_required": _l("Give a reason for revoking the passport."),
    "already_revoked": _l("This passport is already revoked."),
}
TRUST_ERRORS = {
    "not_a_trust_list": _l("This is not a portal trust list."),
    "bad_anchor_key": _l("The key in this trust list is malformed."),
    "bad_signature": _l("The trust list's signature does not match. Do not import it."),
    "own_list": _l("This is this portal's own trust list."),
    "fingerprint_mismatch": _l(
        "The fingerprint you typed does not match this trust list. Nothing was imported: "
        "check the fingerprint with the other portal's operators."
    ),
    "rollback": _l("This trust list is older than the one already imported."),
    "fetch_failed": _l("The trust list could not be fetched from that address. Paste it instead."),
    "no_jurisdiction": _l("Add an education authority before publishing a trust list."),
    "not_found": _l("There is no such trusted portal."),
    "bad_status_list": _l("The revocation list is not signed by a trusted issuer."),
    "input_required": _l("Enter an address or paste a trust list."),
}
IMPORT_ERRORS = {
    "confirm_status_not_current": _l(
        "The issuer's revocation list could not be checked recently. "
        "Tick the confirmation to import the passport anyway."
    ),
    "status_revoked": _l("This passport has been revoked. It cannot be imported."),
    "status_expired": _l("This passport has expired. It cannot be imported."),
    "status_invalid": _l("This passport is not valid. It cannot be imported."),
    "status_unknown_issuer": _l(
        "This passport comes from an issuer this portal does not trust. It cannot be imported."
    ),
    "summary_only": _l(
        "This QR code carries only a summary. Upload the passport's JSON file "
        "to import the full record."
    ),
    "issued_here": _l(
        "This passport was issued on this portal. Ask the school that holds the record "
        "to transfer the learner instead."
    ),
    "already_imported": _l("This passport has already been imported."),
    "record_refused": _l(
        "The passport's studies do not match the education systems known to this portal. "
        "Nothing was imported."
    ),
    "input_required": _l("Paste the passport text or upload its file."),
}
STATUS_TEXT = {
    "valid": (
        _l("Valid"),
        _l(
            "The signature is correct, the issuer is trusted, and the passport is neither "
            "revoked nor expired."
        ),
    ),
    "valid_status_not_current": (
        _l("Valid, but revocation could not be checked"),
        _l(
            "The signature is correct and the issuer is trusted, but this portal has no recent "
            "copy of the issuer's revocation list. The passport may have been revoked since."
        ),
    ),
    "revoked": (
        _l("Revoked"),
        _l("The issuer has revoked this passport. Do not rely on it."),
    ),
    "expired": (
        _l("Expired"),
        _l("This passport is past its expiry date. Ask the issuer for a new one."),
    ),
    "invalid": (
        _l("Not valid"),
        _l(
            "The passport could not be read, or its signature does not match its content. "
            "It may have been altered."
        ),
    ),
    "unknown_issuer": (
        _l("Unknown issuer"),
        _l(
            "The passport is signed by an issuer this portal does not trust. A system "
            "administrator can import the issuing portal's trust list."
        ),
    ),
}


def message(table: dict, code: str) -> str:
    """Return the translated message for a service error code."""
    return str(table.get(code, code))
