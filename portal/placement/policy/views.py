"""Ministry pages of placement policies: the overview, a version's parameters, the draft editor.

The detail page and the publish / retire / new-version actions are the shared lifecycle routes
(``portal.versioning.views``), declared here by ``PAGES``. Policies are for ministry officials:
the overview refuses other roles (403); a version outside the user's scope, or any version for
another role, is answered 404 exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from babel.dates import format_skeleton
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.auth.access import login_required, roles_required
from portal.auth.domain import Role
from portal.core.forms import choices
from portal.core.transaction import discard_changes
from portal.curricula.domain import parse_month_day
from portal.i18n.labels import code_text
from portal.i18n.services import current_locale_info
from portal.placement import explain, messages
from portal.placement.models import PlacementPolicy
from portal.placement.policy import domain as parameters_domain
from portal.placement.policy.forms import (
    BASES,
    FEB29,
    PARAMETER_LABELS,
    ROUNDINGS,
    STATUS_LABELS,
    PolicyForm,
)
from portal.placement.policy.messages import DONE, ERRORS, PRECEDENCE, REQUIRED, RETIRE_CONFIRM
from portal.placement.policy.services.lifecycle import (
    POLICIES,
    PolicyChanges,
    PolicyError,
    overview,
    update_draft,
)
from portal.placement.views import bp
from portal.versioning import services as lifecycle
from portal.versioning.messages import STATUS_LABELS as STATUSES
from portal.versioning.views import LifecyclePages, register_lifecycle_routes, render_detail

# Which form field shows the engine's complaint about a parameter.
FIELD_FOR = {
    "entry_age": "entry_age",
    "age_reference": "age_reference_type",
    "age_reference.month_day": "age_reference_month_day",
    "age_reference.months": "age_reference_months",
    "school_year_start": "school_year_start",
    "aep_age_band": "aep_age_max",
    "allow_ahead_of_age": "ahead_max",
    "allow_ahead_of_age.max": "ahead_max",
    "language_support": "language_lang",
    "post_compulsory": "post_compulsory_age",
    "transition_grades": "transition_grades",
    "partial_year_credit_threshold": "partial_year_credit_threshold",
    "valid_to": "valid_to",
}


def _say(code: str, params: Mapping | None = None) -> str:
    return code_text(ERRORS, code, params)


def _locale() -> str:
    return current_locale_info().code


def _user():
    return current_user._get_current_object()


# --- reading parameters ------------------------------------------------------------------------


def _month_day(value: str | None) -> str:
    if not value:
        return "—"
    month, day = parse_month_day(value)
    return format_skeleton("MMMMd", date(2000, month, day), locale=_locale())


def _weeks(n: int) -> str:
    return ngettext("%(num)d week", "%(num)d weeks", n)


def _value_text(key: str, value: object, row: PlacementPolicy) -> str:
    """Say what one stored parameter value means, in the viewer's language."""
    locale = _locale()
    if value is None:
        return _("Does not apply")
    if key == "age_reference":
        kind, md, months = value.get("type"), value.get("month_day"), value.get("months")
        age = row.parameters.get("entry_age")
        if kind == "calendar_year":
            return _("Age %(age)s reached during the calendar year", age=age)
        if kind == "months_at_date":
            return _("%(months)s months old by %(date)s", months=months, date=_month_day(md))
        return _("Age %(age)s reached by %(date)s", age=age, date=_month_day(md))
    if key == "school_year_start":
        return _month_day(value)
    if key == "placement_basis":
        return str(dict(BASES).get(value, value))
    if key in ("assessment_due_weeks", "review_after_weeks", "mid_year_weeks"):
        return _weeks(int(value))
    if key in ("max_grades_below_age", "overage_threshold_aep"):
        return ngettext("%(num)d grade", "%(num)d grades", int(value))
    if key == "catch_up_max_gap_years":
        return ngettext("%(num)d school year", "%(num)d school years", int(value))
    if key == "aep_age_band":
        return _("Ages %(low)s to %(high)s", low=value[0], high=value[1])
    if key == "partial_year_credit_threshold":
        return explain.Context(explain.Labels(locale), {}).percent(value)
    if key == "allow_ahead_of_age":
        return ngettext(
            "Up to %(num)d grade, with at least %(evidence)s",
            "Up to %(num)d grades, with at least %(evidence)s",
            int(value.get("max") or 0),
            evidence=messages.evidence_label(
                parameters_domain.evidence_level(value.get("min_evidence"))
            ),
        )
    if key == "language_support":
        threshold = value.get("threshold") or {}
        return _(
            "%(language)s: below %(primary)s (primary) or %(secondary)s (secondary), "
            "%(programme)s for up to %(months)s months",
            language=explain.Context(explain.Labels(locale), {}).language(value.get("lang")),
            primary=threshold.get("primary"),
            secondary=threshold.get("secondary"),
            programme=parameters_domain.label_text(value.get("programme"), locale)
            or _("a preparatory language class"),
            months=value.get("max_months"),
        )
    if key == "post_compulsory":
        return _("From age %(age)s", age=value.get("age_from"))
    if key == "equivalency_precedence":
        return " → ".join(str(PRECEDENCE.get(v, v)) for v in value)
    if key == "rounding_policy":
        return str(dict(ROUNDINGS).get(value, value))
    if key == "feb29_rule":
        return str(dict(FEB29).get(value, value))
    if key == "transition_grades":
        grades = {g.code: g.label(locale) for g in row.system_version.grades}
        return ", ".join(grades.get(g, g) for g in value) or _("None")
    if isinstance(value, list):
        return ", ".join(str(v) if not isinstance(v, list) else " → ".join(v) for v in value)
    return str(value)


def _parameter_rows(row: PlacementPolicy) -> list[dict]:
    locale = _locale()
    statuses = row.parameter_status or {}
    notes = statuses.get(parameters_domain.NOTES_KEY) or {}
    return [
        {
            "key": key,
            "label": PARAMETER_LABELS[key],
            "text": _value_text(key, row.parameters[key], row),
            "status": statuses.get(key),
            "note": parameters_domain.label_text(notes.get(key), locale),
        }
        for key in parameters_domain.PARAMETER_KEYS
        if key in (row.parameters or {})
    ]


# --- pages -------------------------------------------------------------------------------------


def _detail_context(row: PlacementPolicy) -> dict:
    return {
        "policy": row,
        "rows": _parameter_rows(row),
        "status_labels": STATUS_LABELS,
        "note": explain.policy_note(row, _locale()),
        "programme_label": messages.programme_label,
    }


PAGES = LifecyclePages(
    kind=POLICIES,
    blueprint=bp.name,
    prefix="/policies",
    stem="policy",
    template="placement/policy.html",
    context=_detail_context,
    done=DONE,
    done_params=lambda row: {"system": row.system_version.code, "version": row.version},
    retire_confirm=RETIRE_CONFIRM,
    errors=ERRORS,
    draft_link="detail",
)


@bp.get("/policies")
@roles_required(Role.MINISTRY_OFFICIAL)
def policies_index():
    return render_template(
        "placement/policies.html",
        lines=overview(_user()),
        statuses=STATUSES,
        locale=_locale(),
    )


def _fill(form: PolicyForm, row: PlacementPolicy) -> None:
    p = row.parameters
    reference = p["age_reference"]
    ahead = p["allow_ahead_of_age"]
    language = p.get("language_support")
    post = p.get("post_compulsory")
    form.lock_version.data = row.lock_version
    form.valid_from.data, form.valid_to.data = row.valid_from, row.valid_to
    form.provisional.data = row.provisional
    form.entry_age.data = p["entry_age"]
    form.age_reference_type.data = reference["type"]
    form.age_reference_month_day.data = reference.get("month_day") or ""
    form.age_reference_months.data = reference.get("months")
    form.feb29_rule.data = p.get("feb29_rule", "feb28")
    form.school_year_start.data = p["school_year_start"]
    form.placement_basis.data = p["placement_basis"]
    for name in (
        "max_grades_below_age",
        "overage_threshold_aep",
        "catch_up_max_gap_years",
        "assessment_due_weeks",
        "review_after_weeks",
        "mid_year_weeks",
    ):
        getattr(form, name).data = p[name]
    form.aep_age_min.data, form.aep_age_max.data = p["aep_age_band"]
    form.partial_year_credit_threshold.data = Decimal(str(p["partial_year_credit_threshold"]))
    form.ahead_max.data = ahead["max"]
    form.ahead_min_evidence.data = parameters_domain.evidence_level(ahead["min_evidence"]).name
    form.language_enabled.data = language is not None
    if language is not None:
        form.language_lang.data = language["lang"]
        form.language_primary.data = language["threshold"]["primary"]
        form.language_secondary.data = language["threshold"]["secondary"]
        form.language_max_months.data = language["max_months"]
        form.language_programme.data = parameters_domain.label_text(
            language.get("programme"), _locale()
        )
    form.post_compulsory_enabled.data = post is not None
    form.post_compulsory_age.data = None if post is None else post["age_from"]
    form.transition_grades.data = list(p["transition_grades"])
    form.rounding_policy.data = p.get("rounding_policy", "NEAREST_STEP_TIE_BETTER")
    for key in parameters_domain.PARAMETER_KEYS:
        getattr(form, f"status_{key}").data = (row.parameter_status or {}).get(key, "provisional")


def _require(form: PolicyForm, *names: str) -> bool:
    missing = [n for n in names if getattr(form, n).data in (None, "")]
    for name in missing:
        getattr(form, name).errors = [*getattr(form, name).errors, str(REQUIRED)]
    return not missing


def _parameters(form: PolicyForm, row: PlacementPolicy) -> dict | None:
    """Turn the typed fields back into stored parameters, or None when a field is missing."""
    ok = True
    kind = form.age_reference_type.data
    if kind != "calendar_year":
        ok &= _require(form, "age_reference_month_day")
    if kind == "months_at_date":
        ok &= _require(form, "age_reference_months")
    if form.language_enabled.data:
        ok &= _require(form, "language_lang", "language_max_months")
    if form.post_compulsory_enabled.data:
        ok &= _require(form, "post_compulsory_age")
    if not ok:
        return None
    old = dict(row.parameters)
    language = None
    if form.language_enabled.data:
        before = (old.get("language_support") or {}).get("programme")
        names = dict(before) if isinstance(before, Mapping) else {}
        text = (form.language_programme.data or "").strip()
        if text:
            names[_locale()] = text
        else:
            names.pop(_locale(), None)
        language = {
            **(old.get("language_support") or {}),
            "lang": form.language_lang.data,
            "threshold": {
                "primary": form.language_primary.data,
                "secondary": form.language_secondary.data,
            },
            "max_months": form.language_max_months.data,
            "programme": names or None,
        }
    threshold = form.partial_year_credit_threshold.data.quantize(Decimal("0.01"))
    parameters = {
        **old,
        "entry_age": form.entry_age.data,
        "age_reference": {
            "type": kind,
            "month_day": None if kind == "calendar_year" else form.age_reference_month_day.data,
            "months": form.age_reference_months.data if kind == "months_at_date" else None,
        },
        "school_year_start": form.school_year_start.data,
        "placement_basis": form.placement_basis.data,
        "max_grades_below_age": form.max_grades_below_age.data,
        "overage_threshold_aep": form.overage_threshold_aep.data,
        "aep_age_band": [form.aep_age_min.data, form.aep_age_max.data],
        "catch_up_max_gap_years": form.catch_up_max_gap_years.data,
        "partial_year_credit_threshold": str(threshold),
        "allow_ahead_of_age": {
            "max": form.ahead_max.data,
            "min_evidence": form.ahead_min_evidence.data,
        },
        "language_support": language,
        "post_compulsory": (
            {"age_from": form.post_compulsory_age.data}
            if form.post_compulsory_enabled.data
            else None
        ),
        "assessment_due_weeks": form.assessment_due_weeks.data,
        "review_after_weeks": form.review_after_weeks.data,
        "mid_year_weeks": form.mid_year_weeks.data,
        "transition_grades": list(form.transition_grades.data or []),
        "rounding_policy": form.rounding_policy.data,
    }
    if "feb29_rule" in old or form.feb29_rule.data != "feb28":
        parameters["feb29_rule"] = form.feb29_rule.data
    return parameters


@bp.route("/policies/<public_id>/edit", methods=["GET", "POST"])
@login_required
def policy_edit(public_id: str):
    row = lifecycle.for_edit(POLICIES, _user(), public_id)
    if row.status != "draft":
        return render_detail(PAGES, row, 409, _say("published_immutable"))
    form = PolicyForm()
    locale = _locale()
    form.transition_grades.choices = choices(
        (g.code, g.label(locale)) for g in row.system_version.grades
    )
    status = 200
    if not form.is_submitted():
        _fill(form, row)
    elif form.validate() and (parameters := _parameters(form, row)) is not None:
        changes = PolicyChanges(
            parameters=parameters,
            parameter_status={k: getattr(form, f"status_{k}").data for k in parameters},
            valid_from=form.valid_from.data,
            valid_to=form.valid_to.data,
            provisional=form.provisional.data,
        )
        try:
            changed = update_draft(row, _user(), changes, form.lock_version.data)
        except PolicyError as err:
            discard_changes()
            status = err.status
            _show_error(form, err)
        else:
            flash(_("The draft was saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("placement.policy_detail", public_id=row.public_id))
    else:
        status = 400
    keys = [k for k in parameters_domain.PARAMETER_KEYS if k in row.parameters]
    return (
        render_template(
            "placement/policy_edit.html",
            form=form,
            policy=row,
            statuses=STATUSES,
            status_fields=[getattr(form, f"status_{k}") for k in keys],
        ),
        status,
    )


def _show_error(form: PolicyForm, err: PolicyError) -> None:
    name = PARAMETER_LABELS.get(err.field or "", err.field)
    message = _say(err.code, {**err.params, "name": name})
    target = getattr(form, FIELD_FOR.get(err.field or "", ""), None)
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


register_lifecycle_routes(bp, PAGES)
