"""API routes of the foundation: who am I, and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from portal.api.auth import api_user, token_required
from portal.api.openapi import document, error_responses, spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec(request.host_url.rstrip("/") + "/api/v1"))


@bp.get("/me")
@token_required()
def me():
    user = api_user()
    return jsonify(
        {
            "id": user.public_id,
            "email": user.email,
            "name": user.display_name,
            "role": user.role,
            "school": user.school.public_id if user.school else None,
            "jurisdiction": user.jurisdiction.code if user.jurisdiction else None,
            "locale": user.locale,
        }
    )


document(
    {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }
        },
        "/me": {
            "get": {
                "summary": "The account the token belongs to",
                "responses": {
                    "200": {
                        "description": "The account",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                        },
                    },
                    **error_responses(401),
                },
            }
        },
    },
    {
        "Me": {
            "type": "object",
            "required": ["id", "email", "name", "role"],
            "properties": {
                "id": {"type": "string"},
                "email": {"type": "string"},
                "name": {"type": "string"},
                "role": {
                    "type": "string",
                    "enum": ["system_admin", "ministry_official", "school_admin", "guardian"],
                },
                "school": {"type": ["string", "null"]},
                "jurisdiction": {"type": ["string", "null"]},
                "locale": {"type": ["string", "null"]},
            },
        }
    },
)
