"""Reference pages: education systems, and the ministry equivalency tables with their lifecycle."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from itertools import groupby

from babel.dates import format_skeleton
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.access import login_required, roles_required
from portal.auth.domain import Role
from portal.core.forms import choices
from portal.curricula import csv_io, services, tables
from portal.curricula.domain import AgeRuleKind, CurriculumError, parse_month_day
from portal.curricula.forms import (
    METHOD_LABELS,
    RELATION_LABELS,
    ROUNDING_LABELS,
    ActionForm,
    DraftFieldsForm,
    ImportForm,
    NewTableForm,
    RulesForm,
    code_choices,
)
from portal.curricula.models import EducationSystemVersion, EquivalencyTable, Source
from portal.extensions import db
from portal.i18n.domain import LOCALE_CODES
from portal.i18n.services import current_locale_info

bp = Blueprint("curricula", __name__, url_prefix="/reference")

EXTRA_ROWS = 3  # empty rows offered by the rules editor for each kind
EDITOR_MAX_ROWS = 300  # larger tables are edited through CSV
DETAIL_MAX_ROWS = 1000  # rules shown per kind on the detail page

TABLE_ERRORS = {
    "published_immutable": _l(
        "Published and retired versions cannot be changed. Start a new version instead."
    ),
    "stale": _l(
        "Someone changed this table after you opened it, so nothing was saved. "
        "Reload the page and make your change again."
    ),
    "four_eyes": _l(
        "You drafted this version, so you cannot publish it. "
        "Another official of your authority must review and publish it."
    ),
    "not_published": _l("Only a published version can be retired or copied into a new version."),
    "draft_exists": _l("A draft of this table is already being prepared. Continue with that one."),
    "empty_table": _l("This draft has no rules yet. Add rules before publishing it."),
    "invalid_rules": _l("Some rules are not valid. Nothing was saved."),
    "not_an_official": _l("Only ministry officials can draft equivalency tables."),
    "unknown_system": _l("Unknown education system."),
    "destination_not_own": _l("The destination must be an education system of your authority."),
    "same_jurisdiction": _l("Origin and destination must belong to different authorities."),
    "table_exists": _l(
        "The table %(table)s already exists. Start a new version of it from its page."
    ),
    "required": _l("This field is required."),
    "invalid_period": _l("The end of validity cannot be before its start."),
    "invalid_precedence": _l("The precedence must be between 0 and 99."),
    "invalid_text": _l("At most %(max)d characters, in a known language."),
    "unknown_source": _l("Unknown source keys: %(keys)s"),
}
ERROR_STATUS = {
    "stale": 409,
    "published_immutable": 409,
    "not_published": 409,
    "draft_exists": 409,
    "four_eyes": 403,
}
PROBLEMS = {
    "required": _l("A value is required."),
    "too_long": _l("Too long: at most %(max)d characters."),
    "unknown_grade": _l("Grade %(code)s does not exist in %(system)s."),
    "unknown_subject": _l("Subject %(code)s does not exist in %(system)s."),
    "unknown_scale": _l("Grading scale %(code)s does not exist in %(system)s."),
    "invalid_relation": _l("Unknown relation %(value)s. Use exact, broader, narrower or partial."),
    "invalid_method": _l(
        "Unknown method %(value)s. Use modified_bavarian, piecewise_linear, band_table or none."
    ),
    "invalid_rounding": _l(
        "Unknown rounding %(value)s. "
        "Use KMK_TRUNCATE_1DP, NEAREST_STEP_TIE_BETTER or NEXT_BETTER_STEP."
    ),
    "invalid_number": _l("%(value)s is not a number."),
    "best_equals_pass": _l("The best mark and the pass mark must differ."),
    "invalid_conditions": _l(
        "Write conditions as key=value;key=value, with keys in lower case (a-z, 0-9, _)."
    ),
    "invalid_note": _l("This note cannot be read."),
    "invalid_note_locale": _l("Notes in the language %(locale)s are not supported."),
    "duplicate_rule": _l("The same rule already appears in row %(first)d."),
    # CSV files
    "not_utf8": _l('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'),
    "too_large": _l("The file is larger than %(max_mb)d MB."),
    "empty": _l("The file is empty."),
    "duplicate_column": _l("The column %(column)s appears more than once."),
    "unknown_column": _l("Unknown column %(column)s."),
    "missing_column": _l("The column %(column)s is missing."),
    "too_many_rows": _l("The file has more than %(max)d rows."),
    "wrong_column_count": _l("This row has %(found)d cells but the header has %(expected)d."),
    "invalid_record_type": _l("Unknown record type %(value)s. Use grade, subject or mark."),
    "not_applicable": _l("This column must be empty in a row of type %(record_type)s."),
    "malformed": _l("The CSV text is broken here, for example by a quote that is never closed."),
    "field_too_long": _l("A cell is longer than %(max)d characters."),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "retired": _l("Retired"),
}
AGE_RULES = {
    AgeRuleKind.CUTOFF_DATE: _l("Starts school at %(age)d when that age is reached by %(date)s."),
    AgeRuleKind.CALENDAR_YEAR: _l(
        "Starts school in the calendar year in which the child turns %(age)d."
    ),
    AgeRuleKind.MONTHS_AT_DATE: _l(
        "Starts school when at least %(months)d months old on %(date)s."
    ),
}
KIND_LABELS = {
    "grade": _l("Grade rule"),
    "subject": _l("Subject mapping"),
    "mark": _l("Mark rule"),
}


def _say(catalog: Mapping, code: str, params: Mapping | None = None) -> str:
    text = str(catalog.get(code, code))
    try:
        return text % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return text


def _locale() -> str:
    return current_locale_info().code


def _user():
    return current_user._get_current_object()


def _month_day(value: str | None) -> str:
    """Return "MM-DD" as a localised day and month ("30 September", "30. September")."""
    try:
        month, day = parse_month_day(value or "")
    except CurriculumError:
        return value or ""
    return format_skeleton("MMMMd", date(2000, month, day), locale=get_locale())


# --- education systems ---------------------------------------------------------------------


@bp.get("/systems")
@login_required
def systems():
    versions = services.system_versions()
    groups = [(j, list(vs)) for j, vs in groupby(versions, key=lambda v: v.jurisdiction)]
    return render_template("curricula/systems.html", groups=groups, statuses=STATUS_LABELS)


def _source_keys(system: EducationSystemVersion) -> list[str]:
    keys = list(system.sources or [])
    keys += (system.age_rule or {}).get("sources", [])
    keys += (system.school_year_start or {}).get("sources", [])
    for item in (*system.grades, *system.scales):
        keys += item.sources or []
    return list(dict.fromkeys(keys))


def _sources(keys: list[str]) -> list[tuple[str, Source | None]]:
    found = {s.key: s for s in db.session.scalars(select(Source).where(Source.key.in_(keys)))}
    return [(key, found.get(key)) for key in keys]


def _age_rule_text(rule: Mapping) -> str:
    kind = rule.get("kind", "")
    params = {
        "age": rule.get("entry_age") or 0,
        "months": rule.get("months") or 0,
        "date": _month_day(rule.get("month_day")),
    }
    return _say(AGE_RULES, kind, params)


@bp.get("/systems/<code>")
@login_required
def system(code: str):
    version = tables.system_by_code(code) or abort(404)
    return render_template(
        "curricula/system.html",
        system=version,
        locale=_locale(),
        age_rule=_age_rule_text(version.age_rule),
        school_year=_month_day((version.school_year_start or {}).get("month_day")),
        sources=_sources(_source_keys(version)),
        statuses=STATUS_LABELS,
    )


# --- tables: browsing ------------------------------------------------------------------------


def _viewable(public_id: str) -> EquivalencyTable:
    try:
        return tables.table_for_view(_user(), public_id)
    except services.NotFound:
        abort(404)


def _editable(public_id: str) -> EquivalencyTable:
    try:
        return tables.table_for_edit(_user(), public_id)
    except services.NotFound:
        abort(404)


def _is_official() -> bool:
    return current_user.role == Role.MINISTRY_OFFICIAL


@bp.get("/tables")
@login_required
def tables_index():
    visible = tables.visible_tables(_user())
    return render_template(
        "curricula/tables.html",
        published=[t for t in visible if t.status == "published"],
        drafts=[t for t in visible if t.status == "draft"],
        is_official=_is_official(),
        locale=_locale(),
    )


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
        "statuses": STATUS_LABELS,
    }


def _render_detail(table: EquivalencyTable, status: int = 200, error: str | None = None):
    rules = {kind: tables.rule_rows(table, kind)[:DETAIL_MAX_ROWS] for kind in tables.RULE_KINDS}
    editable = tables.can_edit(_user(), table)
    return render_template(
        "curricula/table.html",
        table=table,
        rules=rules,
        counts=tables.rule_counts(table),
        max_rows=DETAIL_MAX_ROWS,
        history=tables.history(table.code, _user()),
        editable=editable,
        open_draft=tables.open_draft(table.code) if editable else None,
        names=_names(table),
        locale=_locale(),
        error=error,
        format_conditions=tables.format_conditions,
        **_labels(),
    ), status


@bp.get("/tables/<public_id>")
@login_required
def table_detail(public_id: str):
    return _render_detail(_viewable(public_id))


@bp.get("/tables/<public_id>/export.csv")
@login_required
def table_export(public_id: str):
    table = _viewable(public_id)
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
    table = _viewable(public_id)
    base = table.supersedes
    return render_template(
        "curricula/table_diff.html",
        table=table,
        base=base,
        diff=tables.diff(table, base),
        names=_names(table),
        format_conditions=tables.format_conditions,
        locale=_locale(),
        **_labels(),
    )


# --- tables: drafting ------------------------------------------------------------------------


def _split_keys(text: str | None) -> tuple[str, ...]:
    return tuple(k for k in re.split(r"[\s,;]+", text or "") if k)


def _fields(form, table: EquivalencyTable | None) -> tables.TableFields:
    # The form edits the English text; other languages are kept as they are.
    authority = {**(table.authority if table else {}), "en": form.authority.data or ""}
    basis = {**(table.basis if table else {}), "en": form.basis.data or ""}
    return tables.TableFields(
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
        precedence=form.precedence.data,
        provisional=form.provisional.data,
        authority=authority,
        basis=basis,
        sources=_split_keys(form.sources.data),
    )


def _field_data(table: EquivalencyTable) -> dict:
    return {
        "valid_from": table.valid_from,
        "valid_to": table.valid_to,
        "precedence": table.precedence,
        "provisional": table.provisional,
        "authority": (table.authority or {}).get("en", ""),
        "basis": (table.basis or {}).get("en", ""),
        "sources": " ".join(table.sources or []),
        "lock_version": table.lock_version,
    }


def _form_error(form, err: tables.TableError) -> int:
    message = _say(TABLE_ERRORS, err.code, err.params)
    target = getattr(form, err.field, None) if err.field else None
    if target is not None:
        target.errors.append(message)
    else:
        form.form_errors.append(message)
    return ERROR_STATUS.get(err.code, 400)


def _system_label(v: EducationSystemVersion) -> str:
    return f"{v.jurisdiction.code} — {v.label(_locale())} ({v.code})"


@bp.route("/tables/new", methods=["GET", "POST"])
@roles_required(Role.MINISTRY_OFFICIAL)
def table_new():
    form = NewTableForm()
    own = current_user.jurisdiction_id
    form.origin.choices = code_choices(
        (v.code, _system_label(v)) for v in services.system_versions() if v.jurisdiction_id != own
    )
    form.destination.choices = choices(
        (v.code, _system_label(v)) for v in tables.destination_choices(_user())
    )
    status = 200
    if form.validate_on_submit():
        try:
            table = tables.create_draft(
                _user(), form.origin.data, form.destination.data, _fields(form, None)
            )
        except tables.TableError as err:
            status = _form_error(form, err)
        else:
            db.session.commit()
            flash(_("The draft %(code)s was created. Add its rules.", code=table.code), "success")
            return redirect(url_for("curricula.table_edit", public_id=table.public_id))
    if form.errors or form.form_errors:
        status = max(status, 400)
    return render_template("curricula/table_new.html", form=form), status


def _row_choices(table: EquivalencyTable) -> dict[str, list]:
    loc = _locale()

    def pairs(items, label):
        return code_choices((i.code, f"{i.code} — {label(i)}") for i in items)

    return {
        "origin_grades": pairs(table.origin.grades, lambda g: g.label(loc)),
        "dest_grades": pairs(table.destination.grades, lambda g: g.label(loc)),
        "origin_subjects": pairs(table.origin.subjects, lambda s: s.name(loc)),
        "dest_subjects": pairs(table.destination.subjects, lambda s: s.name(loc)),
        "origin_scales": pairs(table.origin.scales, lambda s: s.name(loc)),
        "dest_scales": pairs(table.destination.scales, lambda s: s.name(loc)),
    }


def _other_notes(note: Mapping | None) -> str:
    others = {k: v for k, v in (note or {}).items() if k != "en"}
    return json.dumps(others, ensure_ascii=False, sort_keys=True) if others else ""


def _rules_data(table: EquivalencyTable) -> dict:
    blank = [{} for _ in range(EXTRA_ROWS)]
    return {
        "lock_version": table.lock_version,
        "grade_rules": [
            {
                "origin": r["origin_grade"],
                "destination": r["dest_grade"],
                "relation": r["relation"],
                "conditions": tables.format_conditions(r["conditions"] or {}),
                "note_en": (r["note"] or {}).get("en", ""),
                "other_notes": _other_notes(r["note"]),
            }
            for r in tables.rule_rows(table, "grade")
        ]
        + blank,
        "subject_mappings": [
            {
                "origin": m["origin_subject"],
                "destination": m["dest_subject"],
                "note_en": (m["note"] or {}).get("en", ""),
                "other_notes": _other_notes(m["note"]),
            }
            for m in tables.rule_rows(table, "subject")
        ]
        + blank,
        "mark_rules": [
            {
                "origin": m["origin_scale"],
                "destination": m["target_scale"] or "",
                "method": m["method"],
                "rounding": m["rounding"],
                "best": m["best"] or "",
                "pass_mark": m["pass_mark"] or "",
            }
            for m in tables.rule_rows(table, "mark")
        ]
        + blank,
    }


def _rules_form(table: EquivalencyTable, bound: bool) -> RulesForm | None:
    if sum(tables.rule_counts(table).values()) > EDITOR_MAX_ROWS:
        return None
    if bound:
        form = RulesForm(prefix="rules")
    else:
        form = RulesForm(prefix="rules", formdata=None, data=_rules_data(table))
    options = _row_choices(table)
    for entry in form.grade_rules:
        entry.form.origin.choices = options["origin_grades"]
        entry.form.destination.choices = options["dest_grades"]
    for entry in form.subject_mappings:
        entry.form.origin.choices = options["origin_subjects"]
        entry.form.destination.choices = options["dest_subjects"]
    for entry in form.mark_rules:
        entry.form.origin.choices = options["origin_scales"]
        entry.form.destination.choices = options["dest_scales"]
    return form


def _fields_form(table: EquivalencyTable, bound: bool) -> DraftFieldsForm:
    if bound:
        return DraftFieldsForm()
    return DraftFieldsForm(formdata=None, data=_field_data(table))


def _render_edit(table, form, rules_form, status: int = 200, error: str | None = None):
    return render_template(
        "curricula/table_edit.html",
        table=table,
        form=form,
        rules_form=rules_form,
        editor_max=EDITOR_MAX_ROWS,
        error=error,
    ), status


def _refuse_published(table: EquivalencyTable):
    if request.method == "GET":
        flash(_say(TABLE_ERRORS, "published_immutable"), "warning")
        return redirect(url_for("curricula.table_detail", public_id=table.public_id))
    return _render_detail(table, 409, _say(TABLE_ERRORS, "published_immutable"))


def _stale(render: Callable[[int, str], object]):
    db.session.rollback()
    return render(409, _say(TABLE_ERRORS, "stale"))


@bp.route("/tables/<public_id>/edit", methods=["GET", "POST"])
@login_required
def table_edit(public_id: str):
    table = _editable(public_id)
    if table.status != "draft":
        return _refuse_published(table)
    form = _fields_form(table, bound=request.method == "POST")
    rules_form = _rules_form(table, bound=False)
    status = 200
    if form.validate_on_submit():
        try:
            tables.update_draft(table, _user(), _fields(form, table), form.lock_version.data)
            db.session.commit()
        except tables.TableError as err:
            db.session.rollback()
            status = _form_error(form, err)
        except StaleDataError:
            return _stale(lambda s, e: _render_edit(table, form, rules_form, s, e))
        else:
            flash(_("The details of the draft were saved."), "success")
            return redirect(url_for("curricula.table_edit", public_id=table.public_id))
    elif form.is_submitted():
        status = 400
    error = " ".join(form.form_errors) or None
    return _render_edit(table, form, rules_form, status, error)


def _blank_row(row) -> bool:
    names = ("origin", "destination", "conditions", "note_en", "best", "pass_mark")
    return not any((row[name].data or "").strip() for name in names if name in row)


def _notes(row) -> dict | None:
    try:
        others = json.loads(row.other_notes.data) if row.other_notes.data else {}
    except ValueError:
        return None
    if not isinstance(others, dict) or not set(others) <= set(LOCALE_CODES) - {"en"}:
        return None
    return {**others, "en": row.note_en.data or ""}


def _read_editor(form: RulesForm):
    """Return the rule inputs of the non-blank, non-removed rows and their row numbers."""
    inputs: dict[str, list] = {kind: [] for kind in tables.RULE_KINDS}
    rows: dict[str, list] = {kind: [] for kind in tables.RULE_KINDS}
    valid = True
    for kind, field_list in (
        ("grade", form.grade_rules),
        ("subject", form.subject_mappings),
        ("mark", form.mark_rules),
    ):
        for n, entry in enumerate(field_list, start=1):
            row = entry.form
            if row.remove.data or _blank_row(row):
                continue
            if kind == "mark":
                inputs[kind].append(
                    tables.MarkRuleInput(
                        row.origin.data,
                        row.method.data,
                        row.rounding.data,
                        row.best.data,
                        row.pass_mark.data,
                        row.destination.data or None,
                    )
                )
                rows[kind].append(n)
                continue
            note = _notes(row)
            if note is None:
                row.note_en.errors.append(_say(PROBLEMS, "invalid_note"))
                valid = False
                continue
            if kind == "subject":
                inputs[kind].append(
                    tables.SubjectMappingInput(row.origin.data, row.destination.data, note)
                )
            else:
                try:
                    conditions = tables.parse_conditions(row.conditions.data or "")
                except ValueError:
                    row.conditions.errors.append(_say(PROBLEMS, "invalid_conditions"))
                    valid = False
                    continue
                inputs[kind].append(
                    tables.GradeRuleInput(
                        row.origin.data, row.destination.data, row.relation.data, conditions, note
                    )
                )
            rows[kind].append(n)
    return inputs, rows, valid


_EDITOR_FIELDS = {
    "origin": "origin",
    "destination": "destination",
    "relation": "relation",
    "conditions": "conditions",
    "method": "method",
    "rounding": "rounding",
    "best": "best",
    "pass": "pass_mark",
}


def _show_problems(form: RulesForm, rows: dict, problems) -> None:
    lists = {"grade": form.grade_rules, "subject": form.subject_mappings, "mark": form.mark_rules}
    for p in problems:
        number = rows[p.kind][p.index]
        row = lists[p.kind].entries[number - 1].form
        params = dict(p.params)
        if "first" in params:
            params["first"] = rows[p.kind][int(params["first"])]
        name = _EDITOR_FIELDS.get(p.column, "note_en")
        target = getattr(row, name, None) or row.origin
        target.errors.append(_say(PROBLEMS, p.code, params))


@bp.post("/tables/<public_id>/rules")
@login_required
def table_rules(public_id: str):
    table = _editable(public_id)
    if table.status != "draft":
        return _refuse_published(table)
    form = _fields_form(table, bound=False)
    rules_form = _rules_form(table, bound=True)
    if rules_form is None:
        abort(400)  # too large for the editor; the page offers CSV instead

    def render(status: int, error: str | None = None):
        return _render_edit(table, form, rules_form, status, error)

    if not rules_form.validate_on_submit():
        return render(400, _say(TABLE_ERRORS, "invalid_rules"))
    inputs, rows, valid = _read_editor(rules_form)
    if not valid:
        return render(400, _say(TABLE_ERRORS, "invalid_rules"))
    try:
        tables.replace_rules(
            table,
            _user(),
            inputs["grade"],
            inputs["subject"],
            inputs["mark"],
            expected_lock_version=rules_form.lock_version.data,
        )
        db.session.commit()
    except tables.TableError as err:
        db.session.rollback()
        _show_problems(rules_form, rows, err.problems)
        return render(ERROR_STATUS.get(err.code, 400), _say(TABLE_ERRORS, err.code, err.params))
    except StaleDataError:
        return _stale(render)
    flash(_("The rules were saved."), "success")
    return redirect(url_for("curricula.table_edit", public_id=table.public_id))


def _csv_problems(err: csv_io.CsvImportError) -> list[dict]:
    return [
        {"row": p.row, "column": p.column, "message": _say(PROBLEMS, p.code, p.params)}
        for p in err.problems
    ]


@bp.route("/tables/<public_id>/import", methods=["GET", "POST"])
@login_required
def table_import(public_id: str):
    table = _editable(public_id)
    if table.status != "draft":
        return _refuse_published(table)
    if request.method == "POST":
        form = ImportForm()
    else:
        form = ImportForm(formdata=None, data={"lock_version": table.lock_version})
    status, problems, truncated, error = 200, [], 0, None
    if form.validate_on_submit():
        # Read one byte more than allowed: enough to tell that the file is too large.
        raw = form.file.data.stream.read(csv_io.MAX_BYTES + 1)
        try:
            counts = csv_io.import_csv(
                table, _user(), raw, expected_lock_version=form.lock_version.data
            )
            db.session.commit()
        except csv_io.CsvImportError as err:
            db.session.rollback()
            status, problems, truncated = 400, _csv_problems(err), err.truncated
            error = _("The file was not imported. Nothing was changed.")
        except tables.TableError as err:
            db.session.rollback()
            status, error = ERROR_STATUS.get(err.code, 400), _say(TABLE_ERRORS, err.code)
        except StaleDataError:
            db.session.rollback()
            status, error = 409, _say(TABLE_ERRORS, "stale")
        else:
            total = sum(counts.values())
            flash(
                _(
                    "Imported %(total)d rules: %(grades)d grade rules, %(subjects)d subject "
                    "mappings, %(marks)d mark rules.",
                    total=total,
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


# --- tables: lifecycle actions ---------------------------------------------------------------


def _act(table: EquivalencyTable, action: Callable[[int], EquivalencyTable], done: str):
    """Run one lifecycle service with the version the official looked at; commit or explain."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = action(form.lock_version.data)
        db.session.commit()
    except tables.TableError as err:
        db.session.rollback()
        message = _say(TABLE_ERRORS, err.code, err.params)
        if err.problems:
            message += " " + " ".join(
                _(
                    "%(kind)s %(n)d: %(problem)s",
                    kind=KIND_LABELS[p.kind],
                    n=p.index + 1,
                    problem=_say(PROBLEMS, p.code, p.params),
                )
                for p in err.problems[:20]
            )
        return _render_detail(table, ERROR_STATUS.get(err.code, 400), message)
    except (StaleDataError, IntegrityError):
        # a concurrent change won, e.g. two officials starting version N+1 at once
        db.session.rollback()
        return _render_detail(table, 409, _say(TABLE_ERRORS, "stale"))
    flash(done % {"code": result.code, "version": result.version}, "success")
    endpoint = "curricula.table_edit" if result.status == "draft" else "curricula.table_detail"
    return redirect(url_for(endpoint, public_id=result.public_id))


@bp.post("/tables/<public_id>/publish")
@login_required
def table_publish(public_id: str):
    table = _editable(public_id)
    return _act(
        table,
        lambda lock: tables.publish(table, _user(), lock),
        _("Version %(version)d of %(code)s is published."),
    )


@bp.post("/tables/<public_id>/retire")
@login_required
def table_retire(public_id: str):
    table = _editable(public_id)
    return _act(
        table,
        lambda lock: tables.retire(table, _user(), lock),
        _("Version %(version)d of %(code)s is retired."),
    )


@bp.post("/tables/<public_id>/new-version")
@login_required
def table_new_version(public_id: str):
    table = _editable(public_id)
    return _act(
        table,
        lambda _lock: tables.new_version(table, _user()),
        _("Draft version %(version)d of %(code)s was started from the published one."),
    )
