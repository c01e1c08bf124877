"""School administrators: intake, learner pages, studies, assessments, enrolment, transfers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learners", __name__, url_prefix="/learners")
