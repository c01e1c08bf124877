"""Bearer-token authentication for API operations; cookies are never accepted in its place."""

from __future__ import annotations

from flask import Response, g, request

from portal.auth.domain import Role
from portal.auth.models import User
from portal.auth.services import user_for_api_token
from portal.core.errors import api_error

SCHEME = "bearer"


def bearer_secret() -> str | None:
    """Return the secret of the request's ``Authorization: Bearer ...`` header, if any.

    The scheme name is case-insensitive (RFC 9110 §11.1), so ``bearer`` and ``BEARER`` work.
    """
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == SCHEME and secret else None


def authenticate(roles: frozenset[Role]) -> Response | None:
    """Authenticate the request by its token; return the refusal, or None once ``g`` is set."""
    secret = bearer_secret()
    user = user_for_api_token(secret) if secret else None
    if user is None:
        response, status = api_error(401, "unauthorized", "A valid bearer token is required.")
        response.status_code = status
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if user.role not in roles:
        response, status = api_error(403, "forbidden", "This token's account may not do this.")
        response.status_code = status
        return response
    g.api_user = user
    g.audit_actor = user
    return None


def api_user() -> User:
    """Return the user the current API request authenticated as."""
    return g.api_user
