"""API infrastructure under /api/v1: tokens, the error shape, JSON parsing, the OpenAPI document.

The operations themselves live with their features (``portal/<feature>/api.py``); the app
factory hands their blueprints to ``register_api``, which nests them under one ``api``
blueprint made for that app.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask

from portal.api.jsonbody import MESSAGES as BODY_MESSAGES
from portal.api.jsonbody import BodyError
from portal.api.openapi import PREFIX, openapi_view
from portal.api.problems import InvalidInput
from portal.core.errors import api_error, register_error_messages


def _invalid_input(err: InvalidInput):
    message, details = err.style.render(err.problems)
    return api_error(422, err.style.code(err.problems), message, details)


def register_api(app: Flask, features: Iterable[Blueprint]) -> None:
    """Mount the features' API blueprints and the OpenAPI document under /api/v1."""
    api = Blueprint("api", __name__, url_prefix=PREFIX)
    api.add_url_rule("/openapi.json", "openapi", openapi_view, methods=["GET"])
    for feature in features:
        api.register_blueprint(feature)
    app.register_blueprint(api)
    app.register_error_handler(InvalidInput, _invalid_input)
    register_error_messages(app, {BodyError: BODY_MESSAGES})
