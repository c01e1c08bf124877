"""Guardian-facing pages and the school's invitation of guardians."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("families", __name__, url_prefix="/family")
