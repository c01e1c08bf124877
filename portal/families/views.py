"""Guardian-facing pages and the school's invitation of guardians."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.auth.access import roles_required
from portal.auth.domain import Role
from portal.auth.views import _fresh_login
from portal.core.navigation import safe_next
from portal.extensions import db
from portal.families import services
from portal.families.forms import (
    AnswerForm,
    CorrectionForm,
    InvitationForm,
    JoinForm,
    LinkForm,
)
from portal.i18n.services import current_locale_info
from portal.learners.services import LearnerNotFound, LearnerReadOnly, can_write, learner_for

bp = Blueprint("families", __name__, url_prefix="/family")

ERRORS = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long."),
    "invalid_choice": _l("Choose one of the options."),
    "email_taken": _l(
        "An account with this e-mail address already exists. Sign in first, then enter the code."
    ),
}
# One answer for unknown, expired, used and burnt codes: a guesser learns nothing.
CODE_REFUSED = _l(
    "This code does not work. It may be mistyped, already used or too old. "
    "Check it, or ask the school for a new code."
)
THROTTLED = _l(
    "Too many wrong codes were tried from this connection. Please wait an hour, "
    "or ask the school for help."
)


def _user():
    return current_user._get_current_object()


def _learner_or_404(public_id: str, *, write: bool = False):
    try:
        return learner_for(_user(), public_id, write=write)
    except LearnerNotFound:
        abort(404)
    except LearnerReadOnly:
        abort(403)


def _child_or_404(public_id: str, purpose: str):
    try:
        return services.child_record(_user(), public_id, purpose)
    except LearnerNotFound:
        abort(404)


def _birth_text(learner) -> str:
    """Say the birth date only as precisely as it is known."""
    born, precision = learner.birth_date, learner.birth_date_precision
    if born is None or precision == "unknown":
        return _("Not known")
    if precision == "day":
        return format_date(born, "long")
    if precision == "month":
        return format_skeleton("yMMMM", born, locale=get_locale())
    year = format_skeleton("y", born, locale=get_locale())
    return year if precision == "year" else _("About %(year)s", year=year)


def _language_name(code: str | None) -> str:
    return get_locale().languages.get(code or "", code or "")


def _percent(fraction: str) -> str:
    try:
        return format_percent(Decimal(fraction))
    except InvalidOperation:
        return fraction


@bp.app_template_global("family_panel")
def family_panel(learner):
    """Give the school's learner page its family panel (only for the holding school)."""
    if not current_user.is_authenticated or not can_write(_user(), learner):
        return None
    return {
        "panel": services.school_panel(learner),
        "invite_form": InvitationForm(formdata=None, family_language=current_locale_info().code),
        "answer_form": AnswerForm(formdata=None, next=request.full_path),
    }


# --- school side ---------------------------------------------------------------------------


@bp.post("/invitations/<learner_id>")
@roles_required(Role.SCHOOL_ADMIN)
def invite(learner_id: str):
    learner = _learner_or_404(learner_id, write=True)
    form = InvitationForm()
    if not form.validate_on_submit():
        return render_template("families/invitation_form.html", form=form, learner=learner), 400
    invitation, code = services.create_invitation(_user(), learner, form.relationship.data)
    db.session.commit()
    language = form.family_language.data or current_locale_info().code
    return render_template(
        "families/invitation_created.html",
        learner=learner,
        invitation=invitation,
        code=services.format_code(code),
        join_url=url_for("families.join", lang=language, _external=True),
    )


@bp.post("/corrections/<request_id>/answer")
@roles_required(Role.SCHOOL_ADMIN)
def answer_correction(request_id: str):
    try:
        item = services.correction_for_school(_user(), request_id)
    except LearnerNotFound:
        abort(404)
    form = AnswerForm()
    back = safe_next(form.next.data) or url_for("dashboard.home")
    if form.validate_on_submit():
        try:
            services.answer_correction(_user(), item, form.response.data, form.status.data)
        except services.FamilyInputError as err:
            getattr(form, err.field).errors.append(str(ERRORS[err.code]))
        else:
            db.session.commit()
            flash(_("Your answer was sent to the family."), "success")
            return redirect(back)
    return render_template("families/answer_form.html", form=form, item=item, back=back), 400


# --- joining -------------------------------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
def join():
    signed_in = current_user.is_authenticated
    if signed_in and current_user.role != Role.GUARDIAN:
        abort(403)
    form = LinkForm() if signed_in else JoinForm()
    if isinstance(form, JoinForm):
        form.email_hint = form.email.data or ""
    status = 200
    if form.validate_on_submit():
        new = None
        if not signed_in:
            new = services.NewGuardian(
                form.display_name.data,
                form.email.data,
                form.password.data,
                current_locale_info().code,
            )
        try:
            done = services.redeem_invitation(
                form.code.data,
                services.client_key(request.remote_addr),
                user=_user() if signed_in else None,
                new=new,
            )
        except services.JoinThrottled:
            db.session.commit()
            form.code.errors.append(str(THROTTLED))
            status = 429
        except services.InvitationRefused:
            db.session.commit()  # the failed attempt must count
            form.code.errors.append(str(CODE_REFUSED))
            status = 400
        except services.FamilyInputError as err:
            db.session.rollback()
            getattr(form, err.field).errors.append(str(ERRORS[err.code]))
            status = 400
        else:
            if not signed_in:
                _fresh_login(done.user)
            db.session.commit()
            if done.already_linked:
                flash(_("This child was already linked to your account."), "info")
            else:
                flash(_("Welcome. You can now see your child's school record."), "success")
            return redirect(url_for("families.child", learner_id=done.learner.public_id))
    elif form.is_submitted():
        status = 400
    return render_template("families/join.html", form=form, signed_in=signed_in), status


# --- guardian pages ------------------------------------------------------------------------


@bp.get("/")
@roles_required(Role.GUARDIAN)
def children():
    return render_template("families/children.html", children=services.my_children(_user()))


@bp.get("/children/<learner_id>")
@roles_required(Role.GUARDIAN)
def child(learner_id: str):
    learner = _child_or_404(learner_id, "family_record")
    db.session.commit()
    return render_template(
        "families/child.html",
        learner=learner,
        locale=current_locale_info().code,
        birth=_birth_text(learner),
        language_name=_language_name,
        percent=_percent,
    )


@bp.get("/children/<learner_id>/access-log")
@roles_required(Role.GUARDIAN)
def access_log(learner_id: str):
    learner = _child_or_404(learner_id, "family_access_log")
    lines = services.access_log(_user(), learner)
    db.session.commit()
    return render_template("families/access_log.html", learner=learner, lines=lines)


@bp.route("/children/<learner_id>/corrections", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def corrections(learner_id: str):
    learner = _child_or_404(learner_id, "family_corrections")
    form = CorrectionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.request_correction(_user(), learner, form.message.data)
        except services.FamilyInputError as err:
            getattr(form, err.field).errors.append(str(ERRORS[err.code]))
            status = 400
        else:
            db.session.commit()
            flash(_("Your request was sent to the school."), "success")
            return redirect(url_for("families.corrections", learner_id=learner.public_id))
    elif form.is_submitted():
        status = 400
    db.session.commit()
    return render_template(
        "families/corrections.html",
        learner=learner,
        form=form,
        requests=services.my_corrections(_user(), learner),
    ), status
