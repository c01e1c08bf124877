"""School administrators: intake, learner pages, studies, assessments, enrolment, transfers.

Every page that shows a child's record reads it through `services.view_learner`, which logs
the read; a record outside the school's scope answers 404, a read-only one 403.
"""

from __future__ import annotations

from decimal import Decimal

from babel.dates import format_skeleton
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.access import roles_required
from portal.auth.domain import Role
from portal.core.errors import MESSAGES, log_refusal
from portal.curricula.messages import german_grade_label
from portal.extensions import db
from portal.i18n.services import current_locale_info
from portal.learners import domain, records, services, transfers
from portal.learners.forms import (
    LABELS,
    AssessmentForm,
    ConsentForm,
    EnrolForm,
    FindForm,
    IntakeForm,
    RejectForm,
    SearchForm,
    StudyForm,
    TransferForm,
    problem_text,
    proficiency_labels,
)

bp = Blueprint("learners", __name__, url_prefix="/learners")

PER_PAGE = 25
SEARCH_ARGS = ("q", "identifier", "birth_year", "status")
ROLE = Role.SCHOOL_ADMIN


def _user():
    return current_user._get_current_object()


def _locale() -> str:
    return current_locale_info().code


def _error_page(status: int):
    title, text = MESSAGES[status]
    return render_template("errors/error.html", status=status, title=title, text=text), status


@bp.errorhandler(services.LearnerNotFound)
def _not_found(_err):
    log_refusal(404)
    return _error_page(404)


@bp.errorhandler(services.LearnerReadOnly)
def _read_only(_err):
    log_refusal(403)
    return _error_page(403)


def _learner(public_id: str, purpose: str, *, write: bool = False):
    """Return a learner in scope, logging the read; 404 outside scope, 403 if not writable."""
    learner = services.view_learner(_user(), public_id, purpose)
    if write and not services.can_write(_user(), learner):
        raise services.LearnerReadOnly(public_id)
    return learner


def _render(template: str, status: int = 200, **context):
    """Render, then commit the access entries written for it (one commit per request)."""
    html = render_template(template, **context)
    db.session.commit()
    return html, status


def _saved(message: str, endpoint: str, **values):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _flash_all(messages: list[str]) -> None:
    for message in messages:
        flash(message, "danger")


def _format_mark(value: Decimal) -> str:
    places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    return format_decimal(value, format="#,##0" + ("." + "0" * places if places else ""))


def _birth_text(learner) -> str:
    when, precision = learner.birth_date, learner.birth_date_precision
    if when is None or precision == "unknown":
        return _("unknown")
    if precision == "year":
        return str(when.year)
    if precision == "estimated":
        # An estimate is worth its year at most; the text as written is shown beside it.
        return _("about %(year)s", year=when.year)
    if precision == "month":
        return format_skeleton("yMMMM", when, locale=get_locale())
    return format_date(when, "long")


@bp.context_processor
def _template_helpers():
    return {
        "labels": LABELS,
        "language_name": lambda code: records.language_name(code, _locale()),
        "levels": proficiency_labels(),
        "format_mark": _format_mark,
        "german_grade_label": german_grade_label,
    }


# --- list and search ----------------------------------------------------------------------------


@bp.get("")
@roles_required(ROLE)
def index():
    form = SearchForm(formdata=request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = services.SearchQuery(page=page, per_page=PER_PAGE)
    if form.validate():
        query = services.SearchQuery(
            text=form.q.data or "",
            identifier=form.identifier.data or "",
            birth_year=form.birth_year.data,
            status=form.status.data or "",
            page=page,
            per_page=PER_PAGE,
        )
    found = services.search_learners(_user(), query)
    return _render(
        "learners/index.html",
        form=form,
        found=found,
        pages=max((found.total + PER_PAGE - 1) // PER_PAGE, 1),
        args={k: v for k, v in request.args.items() if k in SEARCH_ARGS and v},
        school_id=_user().school_id,
    )


# --- intake -------------------------------------------------------------------------------------


def _find(form: FindForm) -> tuple[services.SearchPage, bool]:
    user = _user()
    name, identifier = (form.name.data or "").strip(), (form.identifier.data or "").strip()
    query = services.SearchQuery(
        text=name, identifier=identifier, birth_year=form.birth_year.data, per_page=50
    )
    elsewhere = False
    if identifier:
        kinds = (
            [form.identifier_kind.data] if form.identifier_kind.data else domain.IDENTIFIER_KINDS
        )
        elsewhere = any(services.identifier_elsewhere(user, k, identifier) for k in kinds)
    return services.search_learners(user, query), elsewhere


def _intake_find():
    form = FindForm(formdata=request.args)
    found, elsewhere, searched = None, False, False
    if form.has_query() and form.validate():
        (found, elsewhere), searched = _find(form), True
    new_args = {"step": "new"}
    if form.identifier.data and form.identifier_kind.data:
        new_args.update(kind=form.identifier_kind.data, identifier=form.identifier.data)
    return _render(
        "learners/intake_find.html",
        form=form,
        found=found,
        elsewhere=elsewhere,
        searched=searched,
        new_url=url_for(".intake", **new_args),
        school_id=_user().school_id,
    )


@bp.route("/intake", methods=["GET", "POST"])
@roles_required(ROLE)
def intake():
    if request.method == "GET" and request.args.get("step") != "new":
        return _intake_find()
    user = _user()
    form = IntakeForm()
    form.prepare(
        records.language_options(_locale()),
        request.args.get("kind"),
        request.args.get("identifier", ""),
    )
    duplicates, elsewhere, status = [], False, 400 if form.is_submitted() else 200
    data = form.to_input() if form.validate_on_submit() else None
    if data is not None:
        duplicates, elsewhere = records.duplicate_check(user, data.identifiers)
        if (duplicates or elsewhere) and not form.confirm_duplicate.data:
            status = 409
        else:
            try:
                learner = services.create_learner(user, data)
            except services.LearnerInputError as err:
                _flash_all(form.show(err.problems))
            else:
                return _saved(_("The record was created."), ".detail", public_id=learner.public_id)
    # Ask again every time: a confirmation counts only for the matches it was given for.
    form.confirm_duplicate.data = False
    return _render(
        "learners/intake_new.html", status, form=form, duplicates=duplicates, elsewhere=elsewhere
    )


# --- the learner page ---------------------------------------------------------------------------


@bp.get("/<public_id>")
@roles_required(ROLE)
def detail(public_id: str):
    locale = _locale()
    learner = _learner(public_id, "record")
    return _render(
        "learners/detail.html",
        learner=learner,
        can_write=services.can_write(_user(), learner),
        birth_text=_birth_text(learner),
        events=records.timeline(learner, locale),
        assessments=records.assessment_views(learner, locale),
    )


# --- prior studies and assessments -------------------------------------------------------------


@bp.route("/<public_id>/studies/new", methods=["GET", "POST"])
@roles_required(ROLE)
def study_new(public_id: str):
    learner = _learner(public_id, "add_study", write=True)
    form = StudyForm()
    form.set_systems(records.systems_with_grades(), _locale())
    data = form.to_input() if form.validate_on_submit() else None
    if data is not None:
        try:
            services.add_study(_user(), learner, data)
        except services.LearnerInputError as err:
            _flash_all(form.show(err.problems))
        else:
            return _saved(_("The study was added."), ".detail", public_id=learner.public_id)
    status = 400 if form.is_submitted() else 200
    return _render("learners/study_form.html", status, form=form, learner=learner)


@bp.route("/<public_id>/assessments/new", methods=["GET", "POST"])
@roles_required(ROLE)
def assessment_new(public_id: str):
    locale = _locale()
    learner = _learner(public_id, "add_assessment", write=True)
    form = AssessmentForm()
    form.set_choices(records.systems_with_grades(), records.language_options(locale), locale)
    if form.validate_on_submit():
        try:
            services.add_assessment(_user(), learner, form.to_input())
        except services.LearnerInputError as err:
            _flash_all(form.show(err.problems))
        else:
            return _saved(
                _("The assessment was recorded."),
                ".detail",
                public_id=learner.public_id,
                _anchor="assessments",
            )
    status = 400 if form.is_submitted() else 200
    return _render("learners/assessment_form.html", status, form=form, learner=learner)


# --- consents and enrolment ---------------------------------------------------------------------


@bp.route("/<public_id>/consents/new", methods=["GET", "POST"])
@roles_required(ROLE)
def consent_new(public_id: str):
    learner = _learner(public_id, "record_consent", write=True)
    form = ConsentForm()
    form.prepare(request.args.get("purpose"))
    if form.validate_on_submit():
        try:
            services.record_consent(
                _user(),
                learner,
                form.purpose.data,
                form.given_by.data,
                form.legal_basis.data,
                form.given_on.data,
            )
        except services.LearnerInputError as err:
            _flash_all(form.show(err.problems))
        else:
            # A consent for a transfer is recorded on the way to the transfer itself.
            if form.purpose.data == "transfer":
                endpoint, anchor = ".transfer_new", None
            else:
                endpoint, anchor = ".detail", "consents"
            return _saved(
                _("The consent was recorded."),
                endpoint,
                public_id=learner.public_id,
                _anchor=anchor,
            )
    status = 400 if form.is_submitted() else 200
    return _render("learners/consent_form.html", status, form=form, learner=learner)


@bp.post("/<public_id>/consents/<consent_id>/withdraw")
@roles_required(ROLE)
def consent_withdraw(public_id: str, consent_id: str):
    learner = _learner(public_id, "withdraw_consent", write=True)
    services.withdraw_consent(_user(), learner, consent_id)
    return _saved(
        _("The consent was withdrawn."), ".detail", public_id=learner.public_id, _anchor="consents"
    )


@bp.route("/<public_id>/enrol", methods=["GET", "POST"])
@roles_required(ROLE)
def enrol(public_id: str):
    user = _user()
    learner = _learner(public_id, "enrol", write=True)
    system = records.current_system(user.school)
    form = EnrolForm()
    form.prepare(system.grades if system else [], _locale())
    if form.validate_on_submit():
        try:
            services.enrol(
                user,
                learner,
                form.grade.data or None,
                list(form.programmes.data),
                form.start_on.data,
            )
        except services.LearnerInputError as err:
            _flash_all(form.show(err.problems))
        else:
            return _saved(_("The learner was enrolled."), ".detail", public_id=learner.public_id)
    status = 400 if form.is_submitted() else 200
    return _render("learners/enrol_form.html", status, form=form, learner=learner, system=system)


# --- transfers ----------------------------------------------------------------------------------


@bp.route("/<public_id>/transfer", methods=["GET", "POST"])
@roles_required(ROLE)
def transfer_new(public_id: str):
    user = _user()
    learner = _learner(public_id, "transfer", write=True)
    form = TransferForm()
    form.set_schools(records.other_schools(user))
    if form.validate_on_submit():
        try:
            transfers.request_transfer(user, learner, form.to_school.data, form.reason.data or "")
        except services.LearnerInputError as err:
            _flash_all(form.show(err.problems))
        else:
            return _saved(
                _("The receiving school was asked to take over the record."),
                ".detail",
                public_id=learner.public_id,
            )
    status = 400 if form.is_submitted() else 200
    consent = services.active_consent(learner, "transfer")
    return _render(
        "learners/transfer_form.html", status, form=form, learner=learner, consent=consent
    )


@bp.get("/transfers")
@roles_required(ROLE)
def transfers_index():
    incoming, outgoing = records.transfer_overview(_user())
    return _render("learners/transfers.html", incoming=incoming, outgoing=outgoing)


def _refused(err: services.LearnerInputError):
    _flash_all([problem_text(code) for codes in err.problems.values() for code in codes])
    return redirect(url_for(".transfers_index"))


@bp.post("/transfers/<transfer_id>/accept")
@roles_required(ROLE)
def transfer_accept(transfer_id: str):
    try:
        transfer = transfers.accept_transfer(_user(), transfer_id)
    except services.LearnerInputError as err:
        return _refused(err)
    return _saved(
        _("The record now belongs to your school."),
        ".detail",
        public_id=transfer.learner.public_id,
    )


@bp.post("/transfers/<transfer_id>/reject")
@roles_required(ROLE)
def transfer_reject(transfer_id: str):
    # Someone else's transfer is a 404 whatever the form says.
    records.incoming_transfer(_user(), transfer_id)
    form = RejectForm()
    if not form.validate():
        flash(_("Write the reason for rejecting the transfer."), "danger")
        return redirect(url_for(".transfers_index"))
    try:
        transfers.reject_transfer(_user(), transfer_id, form.reason.data)
    except services.LearnerInputError as err:
        return _refused(err)
    return _saved(_("The transfer was rejected."), ".transfers_index")
