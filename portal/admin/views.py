"""System administrators manage schools and accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.admin import services
from portal.admin.forms import ROLE_LABELS, SchoolForm, UserForm
from portal.auth.access import roles_required
from portal.auth.domain import Role
from portal.core.forms import choices
from portal.extensions import db
from portal.i18n.services import current_locale_info

bp = Blueprint("admin", __name__, url_prefix="/admin")

ERRORS = {
    "email_taken": _l("An account with this e-mail address already exists."),
    "school_required": _l("A school administrator must be bound to a school."),
    "jurisdiction_required": _l("A ministry official must be bound to an education authority."),
    "unknown_jurisdiction": _l("Unknown education authority."),
    "password_required": _l("Set an initial password for a new account."),
    "required": _l("This field is required."),
}


def _jurisdiction_choices(blank: bool) -> list[tuple[str, str]]:
    locale = current_locale_info().code
    pairs = [(j.code, f"{j.code} — {j.name(locale)}") for j in services.list_jurisdictions()]
    return choices([("", "—"), *pairs] if blank else pairs)


@bp.get("/schools")
@roles_required(Role.SYSTEM_ADMIN)
def schools():
    return render_template("admin/schools.html", schools=services.list_schools())


@bp.route("/schools/new", methods=["GET", "POST"], endpoint="school_new")
@bp.route("/schools/<public_id>", methods=["GET", "POST"], endpoint="school_edit")
@roles_required(Role.SYSTEM_ADMIN)
def school_form(public_id: str | None = None):
    school = None
    if public_id is not None:
        school = services.get_school(public_id) or abort(404)
    form = SchoolForm(obj=school)
    form.jurisdiction.choices = _jurisdiction_choices(blank=False)
    if school is not None and not form.is_submitted():
        form.jurisdiction.data = school.jurisdiction.code
    if form.validate_on_submit():
        try:
            services.save_school(
                school, form.name.data, form.city.data or "", form.jurisdiction.data
            )
        except services.AdminError as err:
            getattr(form, err.field).errors.append(str(ERRORS[err.code]))
        else:
            db.session.commit()
            flash(_("The school was saved."), "success")
            return redirect(url_for("admin.schools"))
    status = 400 if form.errors else 200
    return render_template("admin/school_form.html", form=form, school=school), status


@bp.get("/users")
@roles_required(Role.SYSTEM_ADMIN)
def users():
    return render_template("admin/users.html", users=services.list_users(), roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"], endpoint="user_new")
@bp.route("/users/<public_id>", methods=["GET", "POST"], endpoint="user_edit")
@roles_required(Role.SYSTEM_ADMIN)
def user_form(public_id: str | None = None):
    user = None
    if public_id is not None:
        user = services.get_user(public_id) or abort(404)
    form = UserForm(obj=user)
    form.school.choices = choices(
        [("", "—"), *((s.public_id, s.name) for s in services.list_schools())]
    )
    form.jurisdiction.choices = _jurisdiction_choices(blank=True)
    if user is not None and not form.is_submitted():
        form.school.data = user.school.public_id if user.school else ""
        form.jurisdiction.data = user.jurisdiction.code if user.jurisdiction else ""
    form.email_hint = form.email.data or ""
    if form.validate_on_submit():
        data = services.UserInput(
            email=form.email.data,
            display_name=form.display_name.data,
            role=form.role.data,
            school_public_id=form.school.data or None,
            jurisdiction_code=form.jurisdiction.data or None,
            active=form.active.data,
            password=form.password.data or None,
        )
        try:
            services.save_user(user, data)
        except services.AdminError as err:
            getattr(form, err.field).errors.append(str(ERRORS[err.code]))
        else:
            db.session.commit()
            flash(_("The account was saved."), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=user), status
