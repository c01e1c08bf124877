"""Forms for equivalency tables: create, edit fields, the rules editor, CSV import.

The rules editor shows one row per rule plus a few empty ones; ``editor_data`` fills it from a
table and ``read_editor`` turns the submitted rows back into rule inputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.core.forms import choices
from portal.curricula.domain import Relation
from portal.curricula.equivalency.domain.rules import (
    NOTE_MAX,
    NUMBER_MAX,
    RULE_KINDS,
    TEXT_MAX,
    GradeRuleInput,
    MarkRuleInput,
    RuleProblem,
    SubjectMappingInput,
    TableFields,
    format_conditions,
    parse_conditions,
)
from portal.curricula.equivalency.services.content import rule_rows
from portal.curricula.forms import (
    BLANK,
    METHOD_LABELS,
    RELATION_LABELS,
    ROUNDING_LABELS,
    code_choices,
)
from portal.curricula.models import EquivalencyTable
from portal.i18n.domain import LOCALE_CODES
from portal.versioning.forms import LockVersion

EXTRA_ROWS = 3  # empty rows offered by the rules editor for each kind


class TableFieldsForm(FlaskForm):
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid until (last day; empty: open-ended)"), validators=[Optional()])
    precedence = IntegerField(
        _l("Precedence (the lower number wins)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=99)],
    )
    provisional = BooleanField(_l("Provisional (not yet confirmed by the authority)"))
    authority = StringField(
        _l("Issuing authority (English)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    basis = TextAreaField(
        _l("Legal basis and method (English)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    sources = StringField(
        _l("Source keys, separated by spaces or commas"),
        validators=[Optional(), Length(max=1000)],
    )


class NewTableForm(TableFieldsForm):
    origin = SelectField(_l("Origin education system"), validators=[DataRequired()])
    destination = SelectField(
        _l("Destination education system (your authority)"), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Create draft"))


class DraftFieldsForm(TableFieldsForm):
    lock_version = LockVersion()
    submit = SubmitField(_l("Save details"))


class _RuleRow(Form):
    remove = BooleanField(_l("Remove"))


class GradeRuleRow(_RuleRow):
    origin = SelectField(_l("Origin grade"), default="")
    destination = SelectField(_l("Destination grade"), default="")
    relation = SelectField(
        _l("Relation"),
        default=Relation.EXACT.value,
        choices=choices((r.value, label) for r, label in RELATION_LABELS.items()),
    )
    conditions = StringField(_l("Conditions (key=value;key=value)"), validators=[Length(max=400)])
    note_en = StringField(_l("Note (English)"), validators=[Length(max=NOTE_MAX)])
    # Notes in other languages travel unchanged (they are edited through CSV).
    other_notes = HiddenField()


class SubjectMappingRow(_RuleRow):
    origin = SelectField(_l("Origin subject"), default="")
    destination = SelectField(_l("Destination subject"), default="")
    note_en = StringField(_l("Note (English)"), validators=[Length(max=NOTE_MAX)])
    other_notes = HiddenField()


class MarkRuleRow(_RuleRow):
    origin = SelectField(_l("Origin grading scale"), default="")
    destination = SelectField(_l("Destination grading scale"), default="")
    method = SelectField(
        _l("Method"),
        default="",
        choices=choices([BLANK, *((m.value, label) for m, label in METHOD_LABELS.items())]),
    )
    rounding = SelectField(
        _l("Rounding"),
        default="",
        choices=choices([BLANK, *((r.value, label) for r, label in ROUNDING_LABELS.items())]),
    )
    best = StringField(_l("Best mark"), validators=[Length(max=NUMBER_MAX)])
    pass_mark = StringField(_l("Pass mark"), validators=[Length(max=NUMBER_MAX)])


class RulesForm(FlaskForm):
    lock_version = LockVersion()
    grade_rules = FieldList(FormField(GradeRuleRow))
    subject_mappings = FieldList(FormField(SubjectMappingRow))
    mark_rules = FieldList(FormField(MarkRuleRow))
    submit = SubmitField(_l("Save rules"))


class ImportForm(FlaskForm):
    lock_version = LockVersion()
    file = FileField(_l("CSV file (UTF-8)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import and replace all rules"))


# --- the details form: table <-> fields --------------------------------------------------------


def _split_keys(text: str | None) -> tuple[str, ...]:
    return tuple(k for k in re.split(r"[\s,;]+", text or "") if k)


def table_fields(form: TableFieldsForm, table: EquivalencyTable | None) -> TableFields:
    """Return the fields an official submitted; English texts replace, others are kept."""
    authority = {**(table.authority if table else {}), "en": form.authority.data or ""}
    basis = {**(table.basis if table else {}), "en": form.basis.data or ""}
    return TableFields(
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
        precedence=form.precedence.data,
        provisional=form.provisional.data,
        authority=authority,
        basis=basis,
        sources=_split_keys(form.sources.data),
    )


def fields_form(table: EquivalencyTable, bound: bool) -> DraftFieldsForm:
    """Return the draft's details form, from the request when bound, else from the table."""
    if bound:
        return DraftFieldsForm()
    data = {
        "valid_from": table.valid_from,
        "valid_to": table.valid_to,
        "precedence": table.precedence,
        "provisional": table.provisional,
        "authority": (table.authority or {}).get("en", ""),
        "basis": (table.basis or {}).get("en", ""),
        "sources": " ".join(table.sources or []),
        "lock_version": table.lock_version,
    }
    return DraftFieldsForm(formdata=None, data=data)


# --- the rules editor: table -> rows -> rule inputs --------------------------------------------


def _other_notes(note: Mapping | None) -> str:
    others = {k: v for k, v in (note or {}).items() if k != "en"}
    return json.dumps(others, ensure_ascii=False, sort_keys=True) if others else ""


def editor_data(table: EquivalencyTable) -> dict:
    """Return the rules editor's data: one row per stored rule, then empty rows."""
    blank = [{} for _ in range(EXTRA_ROWS)]
    return {
        "lock_version": table.lock_version,
        "grade_rules": [
            {
                "origin": r["origin_grade"],
                "destination": r["dest_grade"],
                "relation": r["relation"],
                "conditions": format_conditions(r["conditions"] or {}),
                "note_en": (r["note"] or {}).get("en", ""),
                "other_notes": _other_notes(r["note"]),
            }
            for r in rule_rows(table, "grade")
        ]
        + blank,
        "subject_mappings": [
            {
                "origin": m["origin_subject"],
                "destination": m["dest_subject"],
                "note_en": (m["note"] or {}).get("en", ""),
                "other_notes": _other_notes(m["note"]),
            }
            for m in rule_rows(table, "subject")
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
            for m in rule_rows(table, "mark")
        ]
        + blank,
    }


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


def _row_lists(form: RulesForm) -> dict:
    return {"grade": form.grade_rules, "subject": form.subject_mappings, "mark": form.mark_rules}


def read_editor(form: RulesForm, invalid_note: str, invalid_conditions: str):
    """Return the rule inputs of the non-blank, non-removed rows, their row numbers, and
    whether every row could be read (unreadable cells get the given error texts)."""
    inputs: dict[str, list] = {kind: [] for kind in RULE_KINDS}
    rows: dict[str, list] = {kind: [] for kind in RULE_KINDS}
    valid = True
    for kind, field_list in _row_lists(form).items():
        for n, entry in enumerate(field_list, start=1):
            row = entry.form
            if row.remove.data or _blank_row(row):
                continue
            if kind == "mark":
                inputs[kind].append(
                    MarkRuleInput(
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
                row.note_en.errors.append(invalid_note)
                valid = False
                continue
            if kind == "subject":
                inputs[kind].append(
                    SubjectMappingInput(row.origin.data, row.destination.data, note)
                )
            else:
                try:
                    conditions = parse_conditions(row.conditions.data or "")
                except ValueError:
                    row.conditions.errors.append(invalid_conditions)
                    valid = False
                    continue
                inputs[kind].append(
                    GradeRuleInput(
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


def show_problems(form: RulesForm, rows: dict, problems: list[RuleProblem], say) -> None:
    """Put each rule problem on the editor cell it concerns, with row numbers as shown."""
    lists = _row_lists(form)
    for p in problems:
        number = rows[p.kind][p.index]
        row = lists[p.kind].entries[number - 1].form
        params = dict(p.params)
        if "first" in params:
            params["first"] = rows[p.kind][int(params["first"])]
        name = _EDITOR_FIELDS.get(p.column, "note_en")
        target = getattr(row, name, None) or row.origin
        target.errors.append(say(p.code, params))


def _row_choices(table: EquivalencyTable, locale: str) -> dict[str, tuple[list, list]]:
    def pairs(items, label):
        return code_choices((i.code, f"{i.code} — {label(i)}") for i in items)

    def grade(g):
        return g.label(locale)

    def named(item):
        return item.name(locale)

    return {
        "grade": (pairs(table.origin.grades, grade), pairs(table.destination.grades, grade)),
        "subject": (pairs(table.origin.subjects, named), pairs(table.destination.subjects, named)),
        "mark": (pairs(table.origin.scales, named), pairs(table.destination.scales, named)),
    }


def rules_form(table: EquivalencyTable, bound: bool, locale: str) -> RulesForm:
    """Return the rules editor, from the request when bound, else from the stored rules."""
    if bound:
        form = RulesForm(prefix="rules")
    else:
        form = RulesForm(prefix="rules", formdata=None, data=editor_data(table))
    options = _row_choices(table, locale)
    for kind, entries in _row_lists(form).items():
        for entry in entries:
            entry.form.origin.choices, entry.form.destination.choices = options[kind]
    return form
