"""School administrators: recommend a placement for a recorded learner, then accept or override."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.access import roles_required
from portal.auth.domain import Role
from portal.core.forms import choices
from portal.curricula.services import NotFound
from portal.extensions import db
from portal.i18n.services import current_locale_info
from portal.learners.services import LearnerNotFound, LearnerReadOnly, learner_for, view_learner
from portal.placement import explain, services
from portal.placement.messages import problem_message, programme_label
from portal.placement.model import Programme
from portal.placement.views import bp

DECISION_ERRORS = {
    "reason_required": _l("Explain why you decide differently from the recommendation."),
    "reason_too_long": _l("The reason is too long."),
    "already_decided": _l("This recommendation has already been decided."),
    "unknown_grade": _l("Choose a grade of the destination system."),
    "unknown_programme": _l("Unknown programme."),
    "grade_required": _l("Choose a grade or at least one programme."),
    "not_allowed": _l("Your account may not decide placements."),
}


class RecommendForm(FlaskForm):
    enrolment_on = DateField(_l("Enrolment date"), validators=[DataRequired()])
    submit = SubmitField(_l("Recommend a placement"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices(
            [
                ("accept", _l("Accept the recommendation")),
                ("override", _l("Decide differently (a reason is required)")),
            ]
        ),
        default="accept",
    )
    grade_code = SelectField(_l("Grade"), validators=[Optional()])
    programmes = SelectMultipleField(_l("Programmes"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record the decision"))


def _learner(public_id: str, *, write: bool):
    try:
        return learner_for(current_user, public_id, write=write)
    except LearnerNotFound:
        abort(404)
    except LearnerReadOnly:
        abort(403)


@bp.post("/learners/<learner_id>/recommendations")
@roles_required(Role.SCHOOL_ADMIN)
def recommend(learner_id: str):
    learner = _learner(learner_id, write=True)
    form = RecommendForm()
    if not form.validate_on_submit():
        flash(_("Give the enrolment date."), "danger")
        return redirect(url_for("learners.detail", public_id=learner.public_id)), 303
    destination = current_user.school.jurisdiction.code
    try:
        recommendation = services.recommend_for_learner(
            current_user, learner, destination, form.enrolment_on.data
        )
    except services.PlacementInputError as err:
        for problem in err.problems:
            flash(problem_message(problem.code, problem.params), "danger")
        return redirect(url_for("learners.detail", public_id=learner.public_id)), 303
    db.session.commit()
    return redirect(
        url_for(
            "placement.recommendation",
            learner_id=learner.public_id,
            recommendation_id=recommendation.public_id,
        )
    )


def _decision_form(recommendation, formdata=None) -> DecisionForm:
    locale = current_locale_info().code
    form = DecisionForm(formdata=formdata)
    form.grade_code.choices = choices(
        [("", "—"), *((g.code, g.label(locale)) for g in recommendation.destination.grades)]
    )
    form.programmes.choices = choices((p.value, programme_label(p.value)) for p in Programme)
    if formdata is None:
        form.grade_code.data = services.recommended_grade(recommendation) or ""
        form.programmes.data = services.recommended_programmes(recommendation)
    return form


@bp.route("/learners/<learner_id>/recommendations/<recommendation_id>", methods=["GET", "POST"])
@roles_required(Role.SCHOOL_ADMIN)
def recommendation(learner_id: str, recommendation_id: str):
    learner = _learner(learner_id, write=request.method == "POST")
    try:
        found = services.recommendation_for(learner, recommendation_id)
    except NotFound:
        abort(404)
    form = _decision_form(found, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        accept = form.decision.data == "accept"
        try:
            services.decide(
                current_user,
                found,
                accept,
                grade_code=form.grade_code.data or None,
                programmes=form.programmes.data,
                reason=form.reason.data or "",
            )
        except services.DecisionError as err:
            target = getattr(form, err.field or "decision", form.decision)
            target.errors = [*target.errors, str(DECISION_ERRORS.get(err.code, err.code))]
            status = 409 if err.code == "already_decided" else 400
        else:
            db.session.commit()
            flash(_("The placement decision was recorded."), "success")
            return redirect(
                url_for(
                    "placement.recommendation",
                    learner_id=learner.public_id,
                    recommendation_id=found.public_id,
                )
            )
    elif request.method == "POST":
        status = 400
    else:
        view_learner(current_user, learner.public_id, purpose="placement")
        db.session.commit()
    labels = explain.labels_for(found.snapshot)
    return render_template(
        "placement/recommendation.html",
        learner=learner,
        recommendation=found,
        rules=explain.explain_rules(found.snapshot, labels),
        summary=explain.summary(found.snapshot, labels),
        labels=labels,
        form=form,
    ), status


def recommend_form() -> RecommendForm:
    """Return the form the learner page shows to start a recommendation."""
    form = RecommendForm()
    form.enrolment_on.data = date.today()
    return form


@bp.app_context_processor
def _placement_panel_helpers():
    return {
        "placement_recommend_form": recommend_form,
        "placement_recommendations": services.recommendations_for,
        "placement_summary": lambda rec: explain.summary(
            rec.snapshot, explain.labels_for(rec.snapshot)
        ),
        "placement_rules": lambda rec: explain.explain_rules(
            rec.snapshot, explain.labels_for(rec.snapshot)
        ),
        "placement_programme_label": programme_label,
    }
