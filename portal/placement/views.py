"""The placement blueprint. Its routes live with what they show: ``placement.policy.views``
(ministry policy pages) and ``placement.decision_views`` (school placement decisions)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("placement", __name__, url_prefix="/placement")
