"""Bearer-token authentication for API routes; cookies are never accepted in its place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from portal.auth.domain import Role
from portal.auth.services import user_for_api_token
from portal.core.errors import api_error


def token_required(*roles: Role) -> Callable:
    """Authenticate the request by its bearer token and require one of the roles (any if none)."""
    allowed = {str(r) for r in (roles or Role)}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            user = user_for_api_token(secret.strip()) if scheme == "Bearer" and secret else None
            if user is None:
                response = api_error(401, "unauthorized", "A valid bearer token is required.")
                response[0].headers["WWW-Authenticate"] = 'Bearer realm="api"'
                return response
            if user.role not in allowed:
                return api_error(403, "forbidden", "This token's account may not do this.")
            g.api_user = user
            g.audit_actor = user
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(Role(r) for r in allowed)
        wrapped.token_only = True
        return wrapped

    return decorator


def api_user():
    """Return the user the current API request authenticated as."""
    return g.api_user
