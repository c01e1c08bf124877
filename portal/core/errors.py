"""Localised HTML error pages and one JSON error shape for the API."""

from __future__ import annotations

import traceback
from collections.abc import Mapping

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from portal.audit.services import record
from portal.common.errors import CodedError
from portal.core.transaction import commit_independently, register_transaction
from portal.extensions import db
from portal.i18n.labels import code_text

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please check what you sent."),
    ),
    401: (_l("Sign-in required"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("Your account is not allowed to do this.")),
    404: (_l("Not found"), _l("There is nothing at this address, or you cannot see it.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("Someone changed this in the meantime. Reload and try again.")),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts.")),
    415: (_l("Unsupported type"), _l("This address expects a different content type.")),
    422: (_l("Invalid input"), _l("Some of what you sent is not valid.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged.")),
    503: (
        _l("Temporarily unavailable"),
        _l("The portal cannot reach its database right now. Please try again in a minute."),
    ),
}
CSRF_MESSAGE = _l(
    "The form expired or did not come from this site. Go back, reload the page and try again."
)
API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
ERROR_CATALOGS = "portal.error_catalogs"


def wants_json() -> bool:
    """Tell whether the request is an API call that expects the JSON error shape."""
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def api_error(status: int, code: str, message: str, details: object | None = None):
    """Return the API's single error shape."""
    body: dict = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return jsonify(body), status


def log_refusal(status: int) -> None:
    """Audit a signed-in user's refused access (a security event), apart from the request."""
    actor = g.get("audit_actor") or g.get("api_user")
    if actor is None:
        return
    details = {"endpoint": request.endpoint, "status": status, "method": request.method}
    try:
        commit_independently(
            lambda: record("access.denied", None, None, actor=actor, details=details)
        )
    except Exception:  # the refusal itself must still be answered
        current_app.logger.warning("could not audit a refusal (request %s)", g.get("request_id"))


def register_error_messages(app: Flask, catalogs: Mapping[type[CodedError], Mapping]) -> None:
    """Tell the one error handler which catalog translates each feature's coded errors."""
    app.extensions.setdefault(ERROR_CATALOGS, {}).update(catalogs)


def coded_error_text(err: CodedError) -> str:
    """Translate a coded error through the catalog registered for its class (or a parent)."""
    catalogs = current_app.extensions.get(ERROR_CATALOGS, {})
    for cls in type(err).__mro__:
        catalog = catalogs.get(cls)
        if catalog is not None and err.code in catalog:
            return code_text(catalog, err.code, err.params)
    return str(MESSAGES.get(err.status, MESSAGES[422])[1])


def register_errors(app: Flask) -> None:
    """Render every HTTP error as a localised page, or as JSON under /api/."""

    def render(status: int, detail: str | None = None):
        title, text = MESSAGES.get(status, MESSAGES[500])
        if wants_json():
            return api_error(status, API_CODES.get(status, "error"), str(detail or text))
        return render_template(
            "errors/error.html", status=status, title=title, text=detail or text
        ), status

    register_transaction(app, lambda status: make_response(render(status)))

    @app.errorhandler(CodedError)
    def _coded(err: CodedError):
        db.session.rollback()
        if err.status in (403, 404):
            log_refusal(err.status)
        text = coded_error_text(err)
        if wants_json():
            details = {"field": err.field, **err.params} if err.field else (err.params or None)
            return api_error(err.status, err.code, text, details)
        return render(err.status, text)

    @app.errorhandler(CSRFError)
    def _csrf(_err):
        return render(400, str(CSRF_MESSAGE))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        if err.code in (403, 404):
            log_refusal(err.code)
        response = make_response(render(err.code or 500))
        if isinstance(err, MethodNotAllowed) and err.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(err.valid_methods))  # RFC 9110 §15.5.6
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if app.config.get("TESTING") and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise err  # a test should see the real failure, not a polite 500 page
        # Frames only, never the message: database errors quote the values they refused.
        app.logger.error(
            "unhandled %s in %s (request %s)\n%s",
            type(err).__name__,
            request.endpoint,
            g.get("request_id"),
            "".join(traceback.format_tb(err.__traceback__)),
        )
        db.session.rollback()
        return render(InternalServerError.code)
