"""API: issuing, downloading, revoking and verifying passports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Blueprint, Response, url_for
from flask_babel import lazy_gettext as _l
from pydantic import Field, PlainValidator, WithJsonSchema, model_validator

from portal.api.fields import RequestModel, ResponseModel, refuse, text
from portal.api.operation import Download, operation
from portal.api.problems import TEXTS, ProblemStyle
from portal.api.tokens import api_user
from portal.auth.domain import Role
from portal.common.errors import CodedError
from portal.i18n.domain import LOCALE_CODES
from portal.i18n.labels import code_text
from portal.learners.api import writable_learner
from portal.learners.models import Learner
from portal.passports import services, verification
from portal.passports import status_list as sl
from portal.passports.forms import PASSPORT_ERRORS
from portal.passports.models import Passport

bp = Blueprint("passports", __name__)
TAG = "passports"
QR_MAX = 4_000  # an LP1 code holds at most ~1,250 characters
JWS_MAX = 64_000


class PassportApiError(CodedError):
    """A refusal of the passport API, translated through PASSPORT_ERRORS."""


ERRORS = {
    PassportApiError: {
        **PASSPORT_ERRORS,
        "not_found": _l("There is no such passport, or you cannot see it."),
    }
}
STATUS = {"consent_required": 403, "already_revoked": 409}
VERIFY_HINT = _l('Send {"qr": "LP1:..."} or {"credential": "<signed credential>"}.')
PROBLEMS = ProblemStyle(
    error_codes=frozenset({"languages_invalid", "languages_same"}),
    text=lambda code, params: code_text(
        {**TEXTS, **PASSPORT_ERRORS, "qr_or_credential": VERIFY_HINT}, code, params
    ),
)


def _languages(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) != 2:
        raise refuse("languages_invalid")
    if not all(isinstance(code, str) and code in LOCALE_CODES for code in value):
        raise refuse("languages_invalid")
    if value[0] == value[1]:
        raise refuse("languages_same")
    return value


Languages = Annotated[
    list[str],
    PlainValidator(_languages),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string", "enum": list(LOCALE_CODES)},
            "minItems": 2,
            "maxItems": 2,
            "uniqueItems": True,
            "description": "the passport's two languages, the first one leading",
            "examples": [["ar", "de"]],
        },
        mode="validation",
    ),
]


class IssueRequest(RequestModel):
    languages: Languages


class RevokeRequest(RequestModel):
    reason: text(500, examples=["issued to the wrong child"])


def _credential(value: object) -> str | dict[str, Any]:
    if isinstance(value, str):
        if len(value) > JWS_MAX:
            raise refuse("too_long", max=JWS_MAX)
        return value
    if isinstance(value, dict):
        return value
    raise refuse("invalid")


Credential = Annotated[
    Any,
    PlainValidator(_credential),
    WithJsonSchema(
        {
            "description": "compact JWS (vc+jwt), or the passport's JSON file",
            "anyOf": [{"type": "string", "maxLength": JWS_MAX}, {"type": "object"}],
        },
        mode="validation",
    ),
]


def _one_or_other(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [{"required": ["qr"]}, {"required": ["credential"]}]
    for prop in schema["properties"].values():
        prop.pop("default", None)  # left out means "not sent"; null is not allowed


class VerifyRequest(RequestModel):
    """LP1 QR text, or the signed credential (compact JWS, or the passport's JSON file)."""

    model_config = {"json_schema_extra": _one_or_other}

    qr: Annotated[str, Field(max_length=QR_MAX)] = None
    credential: Credential = None

    @model_validator(mode="after")
    def _one_of_them(self) -> VerifyRequest:
        if self.qr is None and self.credential is None:
            raise refuse("qr_or_credential")
        return self


class PassportOut(ResponseModel):
    id: str
    qr: str = Field(description="LP1 text of the QR code")
    credential: str = Field(description="W3C VC 2.0 as compact JWS")
    pdf_url: str
    expires_at: str = Field(json_schema_extra={"format": "date"})


class Revoked(ResponseModel):
    id: str
    status: Literal["revoked"]
    revoked_at: datetime


class Verification(ResponseModel):
    status: Literal[
        sl.VALID, sl.VALID_STATUS_NOT_CURRENT, sl.REVOKED, sl.EXPIRED, sl.INVALID, sl.UNKNOWN_ISSUER
    ]
    reason: str | None
    issuer: dict[str, Any] | None
    claims: dict[str, Any] | None


def _refused(err: services.PassportError) -> PassportApiError:
    return PassportApiError(err.code, status=STATUS.get(err.code, 422))


def _passport_json(passport: Passport) -> dict:
    return {
        "id": passport.public_id,
        "qr": passport.qr_text,
        "credential": passport.credential_jws,
        "pdf_url": url_for("api.passports.passports_pdf", id=passport.public_id, _external=True),
        "expires_at": passport.expires_on.isoformat(),
    }


@bp.post("/learners/<id>/passports")
@operation(
    "issuePassport",
    tag=TAG,
    summary="Issue a learning passport (needs a recorded passport consent)",
    roles=(Role.SCHOOL_ADMIN,),
    target=writable_learner,
    body=IssueRequest,
    responses={201: PassportOut},
    errors=(403, 404),
    problems=PROBLEMS,
)
def passports_issue(learner: Learner, body: IssueRequest):
    try:
        passport = services.issue_passport(api_user(), learner, body.languages)
    except services.PassportError as err:
        raise _refused(err) from None
    return _passport_json(passport), 201


def _passport(id: str, *, write: bool = False) -> Passport:
    try:
        return services.passport_for(api_user(), id, write=write)
    except services.PassportNotFound:
        raise PassportApiError("not_found", status=404) from None


def _writable_passport(id: str) -> Passport:
    return _passport(id, write=True)


@bp.get("/passports/<id>/pdf")
@operation(
    "downloadPassportPdf",
    tag=TAG,
    summary="The printable passport (school that holds the record, or a guardian)",
    roles=(Role.SCHOOL_ADMIN, Role.GUARDIAN),
    target=_passport,
    responses={200: Download("application/pdf", "A4 PDF in the passport's two languages")},
    errors=(404,),
)
def passports_pdf(passport: Passport):
    response = Response(services.passport_pdf(api_user(), passport), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="learning-passport-{passport.public_id}.pdf"'
    )
    return response


@bp.post("/passports/<id>/revoke")
@operation(
    "revokePassport",
    tag=TAG,
    summary="Revoke a passport (its status-list bit is set)",
    roles=(Role.SCHOOL_ADMIN,),
    target=_writable_passport,
    body=RevokeRequest,
    responses={200: Revoked},
    errors=(404, 409),
    problems=PROBLEMS,
)
def passports_revoke(passport: Passport, body: RevokeRequest):
    try:
        services.revoke_passport(api_user(), passport, body.reason)
    except services.PassportError as err:
        raise _refused(err) from None
    return {
        "id": passport.public_id,
        "status": "revoked",
        "revoked_at": passport.revoked_at.isoformat(),
    }


@bp.post("/passports/verify")
@operation(
    "verifyPassport",
    tag=TAG,
    summary="Verify a passport (public, no token): LP1 QR text or signed credential",
    description="Changes nothing on the server. When both are sent, the QR text is verified.",
    roles=None,
    body=VerifyRequest,
    responses={200: Verification},
    problems=PROBLEMS,
)
def passports_verify(body: VerifyRequest):
    if body.qr is not None:
        return verification.verify_qr(body.qr).to_dict()
    return verification.verify_credential(body.credential).to_dict()
