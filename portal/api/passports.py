"""API: issuing, revoking and verifying passports."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _

from portal.api.auth import api_user, token_required
from portal.api.openapi import document, error_responses
from portal.api.views import bp
from portal.auth.domain import Role
from portal.core.errors import api_error
from portal.core.security import PUBLIC_UNSAFE_ENDPOINTS
from portal.extensions import db
from portal.learners.services import LearnerNotFound, LearnerReadOnly, learner_for
from portal.passports import services, verification
from portal.passports.forms import PASSPORT_ERRORS, message

# Verification is public and changes nothing on the server, so it needs no CSRF token.
PUBLIC_UNSAFE_ENDPOINTS.add("api.passports_verify")


def _passport_json(passport) -> dict:
    return {
        "id": passport.public_id,
        "qr": passport.qr_text,
        "credential": passport.credential_jws,
        "pdf_url": url_for("api.passports_pdf", public_id=passport.public_id, _external=True),
        "expires_at": passport.expires_on.isoformat(),
    }


@bp.post("/learners/<public_id>/passports")
@token_required(Role.SCHOOL_ADMIN)
def passports_issue(public_id: str):
    # Access first: an out-of-scope learner answers 404 whatever the body says.
    user = api_user()
    try:
        learner = learner_for(user, public_id, write=True)
    except LearnerNotFound:
        return api_error(404, "not_found", _("There is no such learner, or you cannot see it."))
    except LearnerReadOnly:
        return api_error(403, "forbidden", _("Only the school that holds the record can do this."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(
            422, "invalid", _('Send a JSON object such as {"languages": ["ar", "de"]}.')
        )
    try:
        passport = services.issue_passport(user, learner, body.get("languages"))
    except services.PassportError as err:
        if err.code == "consent_required":
            db.session.commit()  # the refusal is audited
            return api_error(403, err.code, message(PASSPORT_ERRORS, err.code))
        db.session.rollback()
        return api_error(422, err.code, message(PASSPORT_ERRORS, err.code))
    db.session.commit()
    return jsonify(_passport_json(passport)), 201


def _passport(public_id: str, *, write: bool = False):
    try:
        return services.passport_for(api_user(), public_id, write=write)
    except services.PassportNotFound:
        return None


@bp.get("/passports/<public_id>/pdf")
@token_required(Role.SCHOOL_ADMIN, Role.GUARDIAN)
def passports_pdf(public_id: str):
    passport = _passport(public_id)
    if passport is None:
        return api_error(404, "not_found", _("There is no such passport, or you cannot see it."))
    data = services.passport_pdf(api_user(), passport)
    db.session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="learning-passport-{passport.public_id}.pdf"'
    )
    return response


@bp.post("/passports/<public_id>/revoke")
@token_required(Role.SCHOOL_ADMIN)
def passports_revoke(public_id: str):
    passport = _passport(public_id, write=True)
    if passport is None:
        return api_error(404, "not_found", _("There is no such passport, or you cannot see it."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("reason"), str):
        return api_error(422, "invalid", _('Send a JSON object such as {"reason": "..."}.'))
    try:
        services.revoke_passport(api_user(), passport, body["reason"])
    except services.PassportError as err:
        db.session.rollback()
        status = 409 if err.code == "already_revoked" else 422
        return api_error(status, err.code, message(PASSPORT_ERRORS, err.code))
    db.session.commit()
    return jsonify(
        {
            "id": passport.public_id,
            "status": "revoked",
            "revoked_at": passport.revoked_at.isoformat(),
        }
    )


@bp.post("/passports/verify")
def passports_verify():
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("qr"), str):
        result = verification.verify_qr(body["qr"])
    elif isinstance(body, dict) and isinstance(body.get("credential"), str | dict):
        result = verification.verify_credential(body["credential"])
    else:
        return api_error(
            422, "invalid", _('Send {"qr": "LP1:..."} or {"credential": "<signed credential>"}.')
        )
    return jsonify(result.to_dict())


_JSON = "application/json"
_ID = {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}

document(
    {
        "/learners/{public_id}/passports": {
            "post": {
                "summary": "Issue a learning passport (needs a recorded passport consent)",
                "parameters": [_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["languages"],
                                "properties": {
                                    "languages": {
                                        "type": "array",
                                        "items": {
                                            "type": "string",
                                            "enum": ["en", "ar", "uk", "fr", "es", "de"],
                                        },
                                        "minItems": 2,
                                        "maxItems": 2,
                                        "example": ["ar", "de"],
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "The signed passport",
                        "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Passport"}}},
                    },
                    **error_responses(401, 403, 404, 422),
                },
            }
        },
        "/passports/{public_id}/pdf": {
            "get": {
                "summary": "The printable passport (school that holds the record, or a guardian)",
                "parameters": [_ID],
                "responses": {
                    "200": {
                        "description": "A4 PDF in the passport's two languages",
                        "content": {"application/pdf": {}},
                    },
                    **error_responses(401, 403, 404),
                },
            }
        },
        "/passports/{public_id}/revoke": {
            "post": {
                "summary": "Revoke a passport (its status-list bit is set)",
                "parameters": [_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["reason"],
                                "properties": {"reason": {"type": "string", "maxLength": 500}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Revoked",
                        "content": {
                            _JSON: {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "string"},
                                        "status": {"const": "revoked"},
                                        "revoked_at": {"type": "string", "format": "date-time"},
                                    },
                                }
                            }
                        },
                    },
                    **error_responses(401, 403, 404, 409, 422),
                },
            }
        },
        "/passports/verify": {
            "post": {
                "summary": "Verify a passport (public, no token): LP1 QR text or signed credential",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {
                            "schema": {
                                "oneOf": [
                                    {
                                        "type": "object",
                                        "required": ["qr"],
                                        "properties": {"qr": {"type": "string"}},
                                    },
                                    {
                                        "type": "object",
                                        "required": ["credential"],
                                        "properties": {
                                            "credential": {
                                                "description": "Compact JWS (vc+jwt), or the "
                                                "passport's JSON file",
                                                "type": ["string", "object"],
                                            }
                                        },
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "The verdict, the issuer and the signed claims",
                        "content": {
                            _JSON: {"schema": {"$ref": "#/components/schemas/Verification"}}
                        },
                    },
                    **error_responses(422),
                },
            }
        },
    },
    {
        "Passport": {
            "type": "object",
            "required": ["id", "qr", "credential", "pdf_url", "expires_at"],
            "properties": {
                "id": {"type": "string"},
                "qr": {"type": "string", "description": "LP1 text of the QR code"},
                "credential": {"type": "string", "description": "W3C VC 2.0 as compact JWS"},
                "pdf_url": {"type": "string", "format": "uri"},
                "expires_at": {"type": "string", "format": "date"},
            },
        },
        "Verification": {
            "type": "object",
            "required": ["status", "issuer", "claims"],
            "properties": {
                "status": {
                    "type": "string",
                    "enum": [
                        "valid",
                        "valid_status_not_current",
                        "invalid",
                        "revoked",
                        "expired",
                        "unknown_issuer",
                    ],
                },
                "reason": {"type": "string"},
                "issuer": {"type": ["object", "null"]},
                "claims": {"type": ["object", "null"]},
            },
        },
    },
)
