"""One dashboard per role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal.auth.access import login_required
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import School

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    return render_template("dashboard/welcome.html")


@bp.get("/home")
@login_required
def home():
    if current_user.role == "guardian":
        return redirect(url_for("families.children"))
    context = {}
    if current_user.role == "system_admin":
        context = {
            "school_count": db.session.scalar(select(func.count()).select_from(School)),
            "user_count": db.session.scalar(select(func.count()).select_from(User)),
        }
    return render_template(f"dashboard/{current_user.role}.html", **context)
