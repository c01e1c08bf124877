"""Locale negotiation for each request and the template helpers that depend on it."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from portal.i18n.domain import LOCALES, is_supported, locale_info, negotiated_locale

SESSION_KEY = "lang"


def select_locale() -> str:
    """Negotiate: explicit choice, then the user's profile, then Accept-Language, then en."""
    explicit = request.args.get("lang")
    if is_supported(explicit):
        session[SESSION_KEY] = explicit
    else:
        explicit = session.get(SESSION_KEY)
    profile = None
    api_user = g.get("api_user")
    if api_user is not None:
        profile = api_user.locale
    elif current_user and current_user.is_authenticated:
        profile = current_user.locale
    accepted = [tag for tag, _q in request.accept_languages]
    return negotiated_locale(explicit, profile, accepted)


def remember_choice(locale: str) -> None:
    """Keep an explicit language choice for the rest of the session."""
    session[SESSION_KEY] = locale


def current_locale_info():
    """Return the registry entry of the active locale."""
    return locale_info(str(get_locale()))


def register_template_helpers(app: Flask) -> None:
    """Expose the locale registry and Babel formatters to templates."""

    @app.before_request
    def _remember_query_choice() -> None:
        # Keep ?lang= even when the request ends in a redirect before anything is rendered.
        explicit = request.args.get("lang")
        if is_supported(explicit) and not request.path.startswith("/api/"):
            session[SESSION_KEY] = explicit

    @app.context_processor
    def _i18n_context():
        return {"LOCALES": LOCALES, "current_locale": current_locale_info()}

    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["number"] = lambda n: format_decimal(n) if n is not None else ""
