"""Role checks as decorators. Objects outside a user's scope are answered 404 by services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.auth.domain import Role
from portal.extensions import login_manager


def roles_required(*roles: Role) -> Callable:
    """Let the view run only for signed-in users holding one of the roles."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # read by the access-matrix test
        return wrapped

    return decorator


def login_required(view: Callable) -> Callable:
    """Let the view run for any signed-in user."""
    return roles_required(*Role)(view)
