"""The OpenAPI 3.1 document, assembled from the path fragments each feature registers."""

from __future__ import annotations

from typing import Any

PATHS: dict[str, dict[str, Any]] = {}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {},
                },
            }
        },
    }
}


def error_responses(*codes: int) -> dict[str, Any]:
    """Return response objects in the single error shape for the given status codes."""
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {str(c): {"description": "Error", **ref} for c in codes}


def document(paths: dict[str, dict[str, Any]], schemas: dict[str, dict[str, Any]] | None = None):
    """Register path items (and component schemas) for the document."""
    for path, item in paths.items():
        PATHS.setdefault(path, {}).update(item)
    SCHEMAS.update(schemas or {})


def spec(server_url: str) -> dict[str, Any]:
    """Return the whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Education continuity portal API",
            "version": "1.0.0",
            "description": (
                "Authenticate with a personal token: `Authorization: Bearer lp_...`. "
                'Errors always have the shape {"error": {"code", "message"}}.'
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": dict(sorted(SCHEMAS.items())),
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(PATHS.items())),
    }
