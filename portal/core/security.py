"""Security headers on every response, the CSRF guard and request ids."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_login import current_user

from portal.extensions import csrf

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def csrf_exempt(view: Callable) -> Callable:
    """Mark a view whose unsafe requests need no CSRF token.

    Only for views the session cookie gives no authority to: public ones that change nothing
    (passport verification), and token-only API operations (``portal.api.operation`` sets the
    same mark). The guard reads the mark from the routed view; nothing is registered globally.
    """
    view.csrf_exempt = True
    return view


def _csrf_exempt() -> bool:
    if request.routing_exception is not None:
        return True  # no view will run: routing answers 404 or 405 (with Allow) instead
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "csrf_exempt", False)


def register_security(app: Flask) -> None:
    """Install request ids, the CSRF guard and the response headers."""

    @app.before_request
    def _request_id() -> None:
        g.request_id = secrets.token_hex(8)

    @app.before_request
    def _csrf_guard() -> None:
        if request.method in {"POST", "PUT", "PATCH", "DELETE"} and not _csrf_exempt():
            csrf.protect()

    @app.before_request
    def _audit_actor() -> None:
        if current_user.is_authenticated:
            g.audit_actor = current_user._get_current_object()

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "strict-origin-when-cross-origin"
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if app.config["PORTAL_ENV"] == "production" or app.config["SESSION_COOKIE_SECURE"]:
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if g.get("request_id"):
            h["X-Request-ID"] = g.request_id
        authenticated = current_user.is_authenticated or g.get("api_user") is not None
        if authenticated or response.mimetype in {"text/html", "application/json"}:
            # Pages that can show personal data must never land in a shared cache.
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        if "Set-Cookie" in h or authenticated:
            h.add("Vary", "Cookie")
        return response
