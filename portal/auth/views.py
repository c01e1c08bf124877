"""Sign-in, sign-out, password change and personal API tokens."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import services
from portal.auth.access import login_required
from portal.auth.forms import ApiTokenForm, ConfirmForm, LoginForm, PasswordChangeForm
from portal.core.navigation import safe_next
from portal.db import utcnow
from portal.extensions import db
from portal.i18n.services import SESSION_KEY

bp = Blueprint("auth", __name__)


def _fresh_login(user) -> None:
    # A new server-side session and a cleared cookie session: no fixation across sign-in.
    lang = session.get(SESSION_KEY)
    session.clear()
    if lang:
        session[SESSION_KEY] = lang
    services.start_session(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            # One answer for unknown account, wrong password and locked account.
            flash(
                _(
                    "The e-mail or password is not correct, or the account is locked for a "
                    "while after too many attempts."
                ),
                "danger",
            )
            return render_template("auth/login.html", form=form), 401
        _fresh_login(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("dashboard.home"))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user.session_token)
    services.record_logout(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return render_template(
        "auth/account.html",
        tokens=services.user_tokens(current_user),
        token_form=ApiTokenForm(),
        confirm_form=ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    form.email_hint = current_user.email
    if form.validate_on_submit():
        if services.change_password(current_user, form.current.data, form.new.data):
            user = current_user._get_current_object()
            _fresh_login(user)
            db.session.commit()
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(url_for("auth.account"))
        db.session.commit()
        form.current.errors.append(_("The current password is not correct."))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.post("/account/tokens")
@login_required
def create_token():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return render_template(
            "auth/account.html",
            tokens=services.user_tokens(current_user),
            token_form=form,
            confirm_form=ConfirmForm(),
            now=utcnow(),
        ), 400
    expires = (
        None if form.expires.data == "never" else utcnow() + timedelta(days=int(form.expires.data))
    )
    token, secret = services.create_api_token(current_user, form.name.data, expires)
    db.session.commit()
    return render_template("auth/token_created.html", token=token, secret=secret)


@bp.post("/account/tokens/<public_id>/revoke")
@login_required
def revoke_token(public_id: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not services.revoke_api_token(current_user, public_id):
        abort(404)
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account"))
