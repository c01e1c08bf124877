"""Equivalency-table pages on the reference blueprint: browse, draft, edit rules, CSV, diff.

The detail page and the publish / retire / new-version actions are the shared lifecycle
routes (``portal.versioning.views``), declared here by ``PAGES``. Views never commit: the
request commits what the services flushed, or rolls it back on an error answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.access import login_required, roles_required
from portal.auth.domain import Role
from portal.core.forms import choices
from portal.core.transaction import discard_changes
from portal.curricula import services as systems
from portal.curricula.equivalency import forms
from portal.curricula.equivalency.domain.rules import RULE_KINDS, format_conditions
from portal.curricula.equivalency.messages import (
    DONE,
    KIND_LABELS,
    PROBLEMS,
    RETIRE_CONFIRM,
    TABLE_ERRORS,
)
from portal.curricula.equivalency.services import csv_io, drafting
from portal.curricula.equivalency.services.content import rule_rows
from portal.curricula.equivalency.services.lifecycle import TABLES, TableError
from portal.curricula.forms import METHOD_LABELS, RELATION_LABELS, ROUNDING_LABELS, code_choices
from portal.curricula.models import EducationSystemVersion, EquivalencyTable
from portal.curricula.views import bp
from portal.i18n.labels import code_text
from portal.i18n.services import current_locale_info
from portal.versioning import services as lifecycle
from portal.versioning.messages import STATUS_LABELS
from portal.versioning.views import LifecyclePages, register_lifecycle_routes, render_detail

EDITOR_MAX_ROWS = 300  # larger tables are edited through CSV
DETAIL_MAX_ROWS = 1000  # rules shown per kind on the detail page


def _locale() -> str:
    return current_locale_info().code


def _user():
    return current_user._get_current_object()


def _names(table: EquivalencyTable) -> dict[str, dict[str, str]]:
    """Return code → name in the viewer's language for everything the rules refer to."""
    loc = _locale()
    return {
        "origin_grades": {g.code: g.label(loc) for g in table.origin.grades},
        "dest_grades": {g.code: g.label(loc) for g in table.destination.grades},
        "origin_subjects": {s.code: s.name(loc) for s in table.origin.subjects},
        "dest_subjects": {s.code: s.name(loc) for s in table.destination.subjects},
        "origin_scales": {s.code: s.name(loc) for s in table.origin.scales},
        "dest_scales": {s.code: s.name(loc) for s in table.destination.scales},
    }


def _labels() -> dict:
    return {
        "relations": RELATION_LABELS,
        "methods": METHOD_LABELS,
        "roundings": ROUNDING_LABELS,
        "format_conditions": format_conditions,
    }


def _detail_context(table: EquivalencyTable) -> dict:
    return {
        "table": table,
        "rules": {kind: rule_rows(table, kind)[:DETAIL_MAX_ROWS] for kind in RULE_KINDS},
        "counts": drafting.rule_counts(table),
        "max_rows": DETAIL_MAX_ROWS,
        "names": _names(table),
        **_labels(),
    }


def _rule_problems(err: TableError) -> str:
    return " ".join(
        _(
            "%(kind)s %(n)d: %(problem)s",
            kind=KIND_LABELS[p.kind],
            n=p.index + 1,
            problem=code_text(PROBLEMS, p.code, p.params),
        )
        for p in getattr(err, "problems", [])[:20]
    )


PAGES = LifecyclePages(
    kind=TABLES,
    blueprint=bp.name,
    prefix="/tables",
    stem="table",
    template="curricula/table.html",
    context=_detail_context,
    done=DONE,
    done_params=TABLES.identify,
    retire_confirm=RETIRE_CONFIRM,
    errors=TABLE_ERRORS,
    explain=_rule_problems,
)


def _say(code: str, params: Mapping | None = None) -> str:
    return code_text(TABLE_ERRORS, code, params)


# --- browsing --------------------------------------------------------------------------------


@bp.get("/tables")
@login_required
def tables_index():
    visible = lifecycle.visible(TABLES, _user())
    return render_template(
        "curricula/tables.html",
        published=[t for t in visible if t.status == "published"],
        drafts=[t for t in visible if t.status == "draft"],
        is_official=current_user.role == Role.MINISTRY_OFFICIAL,
        locale=_locale(),
    )


@bp.get("/tables/<public_id>/export.csv")
@login_required
def table_export(public_id: str):
    table = lifecycle.for_view(TABLES, _user(), public_id)
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{table.code}-v{table.version}.csv")
    return Response(
        csv_io.export_csv(table).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/tables/csv-format")
@login_required
def csv_format():
    return render_template("curricula/csv_format.html", columns=csv_io.COLUMNS)


@bp.get("/tables/<public_id>/diff")
@login_required
def table_diff(public_id: str):
    table = lifecycle.for_view(TABLES, _user(), public_id)
    base = table.supersedes
    return render_template(
        "curricula/table_diff.html",
        table=table,
        base=base,
        diff=drafting.diff(table, base),
        names=_names(table),
        locale=_locale(),
        statuses=STATUS_LABELS,
        **_labels(),
    )


# --- drafting --------------------------------------------------------------------------------


def _form_error(form, err: TableError) -> int:
    """Show a refusal on the field it concerns (or the form) and return its status."""
    discard_changes()
    message = _say(err.code, err.params)
    target = getattr(form, err.field, None) if err.field else None
    if target is not None:
        target.errors.append(message)
    else:
        form.form_errors.append(message)
    return err.status


def _system_label(v: EducationSystemVersion) -> str:
    return f"{v.jurisdiction.code} — {v.label(_locale())} ({v.code})"


@bp.route("/tables/new", methods=["GET", "POST"])
@roles_required(Role.MINISTRY_OFFICIAL)
def table_new():
    form = forms.NewTableForm()
    own = current_user.jurisdiction_id
    form.origin.choices = code_choices(
        (v.code, _system_label(v)) for v in systems.system_versions() if v.jurisdiction_id != own
    )
    form.destination.choices = choices(
        (v.code, _system_label(v)) for v in drafting.destination_choices(_user())
    )
    status = 200
    if form.validate_on_submit():
        try:
            table = drafting.create_draft(
                _user(), form.origin.data, form.destination.data, forms.table_fields(form, None)
            )
        except TableError as err:
            status = _form_error(form, err)
        else:
            flash(_("The draft %(code)s was created. Add its rules.", code=table.code), "success")
            return redirect(url_for("curricula.table_edit", public_id=table.public_id))
    if form.errors or form.form_errors:
        status = max(status, 400)
    return render_template("curricula/table_new.html", form=form), status


def _rules_form(table: EquivalencyTable, bound: bool) -> forms.RulesForm | None:
    if sum(drafting.rule_counts(table).values()) > EDITOR_MAX_ROWS:
        return None  # edited through CSV instead
    return forms.rules_form(table, bound, _locale())


def _render_edit(table, form, rules_form, status: int = 200, error: str | None = None):
    return render_template(
        "curricula/table_edit.html",
        table=table,
        form=form,
        rules_form=rules_form,
        editor_max=EDITOR_MAX_ROWS,
        error=error,
    ), status


def _draft_or_refusal(public_id: str):
    """Return (draft, None), or (None, answer) when the version is no longer a draft."""
    table = lifecycle.for_edit(TABLES, _user(), public_id)
    if table.status == "draft":
        return table, None
    if request.method == "GET":
        flash(_say("published_immutable"), "warning")
        return None, redirect(url_for("curricula.table_detail", public_id=table.public_id))
    return None, render_detail(PAGES, table, 409, _say("published_immutable"))


@bp.route("/tables/<public_id>/edit", methods=["GET", "POST"])
@login_required
def table_edit(public_id: str):
    table, refusal = _draft_or_refusal(public_id)
    if refusal is not None:
        return refusal
    form = forms.fields_form(table, bound=request.method == "POST")
    rules_form = _rules_form(table, bound=False)
    status = 200
    if form.validate_on_submit():
        try:
            drafting.update_draft(
                table, _user(), forms.table_fields(form, table), form.lock_version.data
            )
        except TableError as err:
            status = _form_error(form, err)
        else:
            flash(_("The details of the draft were saved."), "success")
            return redirect(url_for("curricula.table_edit", public_id=table.public_id))
    elif form.is_submitted():
        status = 400
    error = " ".join(form.form_errors) or None
    return _render_edit(table, form, rules_form, status, error)


@bp.post("/tables/<public_id>/rules")
@login_required
def table_rules(public_id: str):
    table, refusal = _draft_or_refusal(public_id)
    if refusal is not None:
        return refusal
    form = forms.fields_form(table, bound=False)
    rules_form = _rules_form(table, bound=True)
    if rules_form is None:
        abort(400)  # too large for the editor; the page offers CSV instead
    if not rules_form.validate_on_submit():
        return _render_edit(table, form, rules_form, 400, _say("invalid_rules"))
    inputs, rows, valid = forms.read_editor(
        rules_form,
        code_text(PROBLEMS, "invalid_note"),
        code_text(PROBLEMS, "invalid_conditions"),
    )
    if not valid:
        return _render_edit(table, form, rules_form, 400, _say("invalid_rules"))
    try:
        drafting.replace_rules(
            table,
            _user(),
            inputs["grade"],
            inputs["subject"],
            inputs["mark"],
            expected_lock_version=rules_form.lock_version.data,
        )
    except TableError as err:
        discard_changes()
        forms.show_problems(rules_form, rows, err.problems, partial(code_text, PROBLEMS))
        return _render_edit(table, form, rules_form, err.status, _say(err.code, err.params))
    flash(_("The rules were saved."), "success")
    return redirect(url_for("curricula.table_edit", public_id=table.public_id))


def _csv_problems(err: csv_io.CsvImportError) -> list[dict]:
    return [
        {"row": p.row, "column": p.column, "message": code_text(PROBLEMS, p.code, p.params)}
        for p in err.problems
    ]


@bp.route("/tables/<public_id>/import", methods=["GET", "POST"])
@login_required
def table_import(public_id: str):
    table, refusal = _draft_or_refusal(public_id)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        form = forms.ImportForm()
    else:
        form = forms.ImportForm(formdata=None, data={"lock_version": table.lock_version})
    status, problems, truncated, error = 200, [], 0, None
    if form.validate_on_submit():
        # Read one byte more than allowed: enough to tell that the file is too large.
        raw = form.file.data.stream.read(csv_io.MAX_BYTES + 1)
        try:
            counts = csv_io.import_csv(
                table, _user(), raw, expected_lock_version=form.lock_version.data
            )
        except csv_io.CsvImportError as err:
            discard_changes()
            status, problems, truncated = 400, _csv_problems(err), err.truncated
            error = _("The file was not imported. Nothing was changed.")
        except TableError as err:
            discard_changes()
            status, error = err.status, _say(err.code)
        else:
            flash(
                _(
                    "Imported %(total)d rules: %(grades)d grade rules, %(subjects)d subject "
                    "mappings, %(marks)d mark rules.",
                    total=sum(counts.values()),
                    grades=counts["grade_rules"],
                    subjects=counts["subject_mappings"],
                    marks=counts["mark_rules"],
                ),
                "success",
            )
            return redirect(url_for("curricula.table_detail", public_id=table.public_id))
    elif form.is_submitted():
        status = 400
    return render_template(
        "curricula/table_import.html",
        table=table,
        form=form,
        problems=problems,
        truncated=truncated,
        error=error,
        columns=csv_io.COLUMNS,
    ), status


register_lifecycle_routes(bp, PAGES)
