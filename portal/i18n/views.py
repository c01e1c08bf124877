"""The language switcher."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from portal.auth.services import set_locale
from portal.core.navigation import safe_next
from portal.extensions import db
from portal.i18n.domain import is_supported
from portal.i18n.services import remember_choice

bp = Blueprint("i18n", __name__)


@bp.post("/language")
def switch_language():
    lang = request.form.get("lang", "")
    if not is_supported(lang):
        abort(400)
    remember_choice(lang)
    if current_user.is_authenticated:
        set_locale(current_user, lang)
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.home"))
