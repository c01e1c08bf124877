"""Equivalency-table lifecycle: draft, edit, publish (four eyes), new version, retire, diff.

A table is owned by the jurisdiction of its DESTINATION system: only that authority's
ministry officials see its drafts and change it. Published versions are immutable; a change
is a new draft version that supersedes the published one and retires it when published.
Every write appends an audit entry (codes only, never free text) in the caller's
transaction; the caller commits once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.curricula.domain import Relation
from portal.curricula.loader import canonical_hash
from portal.curricula.marks import Method, Rounding
from portal.curricula.models import (
    EducationSystemVersion,
    EquivalencyGradeRule,
    EquivalencyMarkRule,
    EquivalencySubjectMapping,
    EquivalencyTable,
    Source,
)
from portal.curricula.services import NotFound
from portal.db import utcnow
from portal.extensions import db
from portal.i18n.domain import LOCALE_CODES

CODE_MAX = 40  # the rule columns are String(40)
NUMBER_MAX = 16  # best / pass_mark are String(16)
NOTE_MAX = 2000
TEXT_MAX = 4000  # authority and basis, per locale
CONDITION_VALUE_MAX = 80
CONDITION_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Authority and basis may carry languages the portal does not ship (e.g. "prs").
LOCALE_TAG = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
RULE_KINDS = ("grade", "subject", "mark")
_LOCALES = frozenset(LOCALE_CODES)
_RELATIONS = frozenset(r.value for r in Relation)
_METHODS = frozenset(m.value for m in Method)
_ROUNDINGS = frozenset(r.value for r in Rounding)


class TableError(ValueError):
    """A table change was refused; ``code`` (and ``params``) are translated by the caller.

    ``field`` names the input at fault; ``problems`` lists rule problems for "invalid_rules".
    """

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        problems: Sequence[RuleProblem] = (),
        **params: object,
    ):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params
        self.problems = list(problems)


@dataclass(frozen=True)
class TableFields:
    """The descriptive fields of a table that an official edits."""

    valid_from: date
    valid_to: date | None = None
    precedence: int = 0
    provisional: bool = False
    authority: Mapping[str, str] = field(default_factory=dict)
    basis: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


# Inputs are named tuples, not dataclasses: a 50,000-row import builds one per row.
class GradeRuleInput(NamedTuple):
    """A grade rule as entered; nothing is checked yet."""

    origin_grade: str
    dest_grade: str
    relation: str = Relation.EXACT.value
    conditions: Mapping[str, str | bool] | None = None
    note: Mapping[str, str] | None = None


class SubjectMappingInput(NamedTuple):
    """A subject mapping as entered."""

    origin_subject: str
    dest_subject: str
    note: Mapping[str, str] | None = None


class MarkRuleInput(NamedTuple):
    """A mark-conversion rule as entered (best and pass are decimal strings or None)."""

    origin_scale: str
    method: str
    rounding: str
    best: str | None = None
    pass_mark: str | None = None
    target_scale: str | None = None


@dataclass(frozen=True)
class RuleProblem:
    """One invalid value: rule kind, 0-based index in its list, column name, reason code.

    Column names are the CSV ones (origin, destination, relation, conditions, method,
    rounding, best, pass, note). ``params["first"]``, when present, is the index of the
    earlier rule that this one duplicates.
    """

    kind: str
    index: int
    column: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """Validated rules, as rows ready for insertion (without table_id)."""

    grade_rules: list[dict]
    subject_mappings: list[dict]
    mark_rules: list[dict]

    def counts(self) -> dict[str, int]:
        return {
            "grade_rules": len(self.grade_rules),
            "subject_mappings": len(self.subject_mappings),
            "mark_rules": len(self.mark_rules),
        }


# --- conditions ------------------------------------------------------------------------------


def format_conditions(conditions: Mapping[str, object]) -> str:
    """Return conditions as "key=value;key=value", keys sorted, booleans as true/false."""

    def text(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return ";".join(f"{key}={text(conditions[key])}" for key in sorted(conditions))


def parse_conditions(text: str) -> dict[str, str | bool]:
    """Parse "key=value;key=value" (true/false become booleans); raise ValueError if malformed."""
    result: dict[str, str | bool] = {}
    if not text:
        return result
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key in result or not CONDITION_KEY.fullmatch(key):
            raise ValueError(part)
        if not value or "=" in value or len(value) > CONDITION_VALUE_MAX:
            raise ValueError(part)
        result[key] = {"true": True, "false": False}.get(value, value)
    return result


# --- validation ------------------------------------------------------------------------------
# Written for speed: one pass per kind, set lookups, and function calls only off the happy path.


class _Problems(list):
    def add(self, kind: str, index: int, column: str, reason: str, **params: object) -> None:
        self.append(RuleProblem(kind, index, column, reason, params))


def _code(
    value: object, known: set[str], problems: _Problems, where: tuple, unknown: str, system: str
) -> str:
    text = value.strip() if type(value) is str else ""
    if text not in known:
        if not text:
            problems.add(*where, "required")
        elif len(text) > CODE_MAX:
            problems.add(*where, "too_long", max=CODE_MAX)
        else:
            problems.add(*where, unknown, code=text, system=system)
    return text


def _note(note: object, problems: _Problems, kind: str, index: int) -> dict[str, str]:
    if not note:
        return {}
    if type(note) is not dict and not isinstance(note, Mapping):  # ABC checks are slow
        problems.add(kind, index, "note", "invalid_note")
        return {}
    cleaned = {}
    for locale, text in note.items():
        if locale not in _LOCALES:
            problems.add(kind, index, "note", "invalid_note_locale", locale=str(locale)[:8])
        elif type(text) is not str:
            problems.add(kind, index, "note", "invalid_note")
        elif len(text := text.strip()) > NOTE_MAX:
            problems.add(kind, index, f"note_{locale}", "too_long", max=NOTE_MAX)
        elif text:
            cleaned[locale] = text
    return cleaned


def _condition_value(value: object) -> str | bool | None:
    if type(value) is bool:
        return value
    if type(value) is not str:
        return None
    value = value.strip()
    ok = value and len(value) <= CONDITION_VALUE_MAX and ";" not in value and "=" not in value
    return value if ok else None


def _conditions(conditions: object, problems: _Problems, index: int) -> dict:
    if not conditions:
        return {}
    cleaned = {}
    if type(conditions) is dict or isinstance(conditions, Mapping):
        for key, value in conditions.items():
            value = _condition_value(value)
            if value is None or not isinstance(key, str) or not CONDITION_KEY.fullmatch(key):
                break
            cleaned[key] = value
        else:
            return cleaned
    problems.add("grade", index, "conditions", "invalid_conditions")
    return {}


def _duplicate(seen: dict, key: tuple, problems: _Problems, kind: str, index: int) -> None:
    first = seen.setdefault(key, index)
    if first != index:
        problems.add(kind, index, "origin", "duplicate_rule", first=first)


def _enum(value: object, allowed: frozenset, problems: _Problems, where: tuple) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if text not in allowed:
        if text:
            problems.add(*where, f"invalid_{where[2]}", value=text[:CODE_MAX])
        else:
            problems.add(*where, "required")
    return text


def _check_grades(origin, destination, rules, problems: _Problems) -> list[dict]:
    origin_codes, dest_codes = {g.code for g in origin.grades}, {g.code for g in destination.grades}
    origin_name, dest_name = origin.code, destination.code  # plain strings for the loop
    seen: dict = {}
    rows = []
    for i, rule in enumerate(rules):
        origin_grade = _code(
            rule.origin_grade,
            origin_codes,
            problems,
            ("grade", i, "origin"),
            "unknown_grade",
            origin_name,
        )
        dest_grade = _code(
            rule.dest_grade,
            dest_codes,
            problems,
            ("grade", i, "destination"),
            "unknown_grade",
            dest_name,
        )
        relation = rule.relation
        if relation not in _RELATIONS:
            relation = _enum(relation, _RELATIONS, problems, ("grade", i, "relation"))
        conditions = _conditions(rule.conditions, problems, i)
        key = (origin_grade, tuple(sorted(conditions.items())) if conditions else ())
        _duplicate(seen, key, problems, "grade", i)
        rows.append(
            {
                "position": i,
                "origin_grade": origin_grade,
                "dest_grade": dest_grade,
                "relation": relation,
                "conditions": conditions,
                "note": _note(rule.note, problems, "grade", i),
            }
        )
    return rows


def _check_subjects(origin, destination, mappings, problems: _Problems) -> list[dict]:
    origin_codes = {s.code for s in origin.subjects}
    dest_codes = {s.code for s in destination.subjects}
    origin_name, dest_name = origin.code, destination.code
    seen: dict = {}
    rows = []
    for i, mapping in enumerate(mappings):
        origin_subject = _code(
            mapping.origin_subject,
            origin_codes,
            problems,
            ("subject", i, "origin"),
            "unknown_subject",
            origin_name,
        )
        dest_subject = _code(
            mapping.dest_subject,
            dest_codes,
            problems,
            ("subject", i, "destination"),
            "unknown_subject",
            dest_name,
        )
        _duplicate(seen, (origin_subject, dest_subject), problems, "subject", i)
        rows.append(
            {
                "position": i,
                "origin_subject": origin_subject,
                "dest_subject": dest_subject,
                "note": _note(mapping.note, problems, "subject", i),
            }
        )
    return rows


def _number(value: str | None, problems: _Problems, where: tuple) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or len(text) > NUMBER_MAX:
        problems.add(*where, "invalid_number", value=text[:NUMBER_MAX])
        return None
    return text


def _check_marks(origin, destination, rules, problems: _Problems) -> list[dict]:
    origin_codes = {s.code for s in origin.scales}
    dest_codes = {s.code for s in destination.scales}
    origin_name, dest_name = origin.code, destination.code
    seen: dict = {}
    rows = []
    for i, rule in enumerate(rules):
        target = rule.target_scale.strip() if isinstance(rule.target_scale, str) else ""
        if target:
            where = ("mark", i, "destination")
            _code(target, dest_codes, problems, where, "unknown_scale", dest_name)
        best = _number(rule.best, problems, ("mark", i, "best"))
        pass_mark = _number(rule.pass_mark, problems, ("mark", i, "pass"))
        if best is not None and pass_mark is not None and Decimal(best) == Decimal(pass_mark):
            problems.add("mark", i, "pass", "best_equals_pass")
        row = {
            "position": i,
            "origin_scale": _code(
                rule.origin_scale,
                origin_codes,
                problems,
                ("mark", i, "origin"),
                "unknown_scale",
                origin_name,
            ),
            "method": _enum(rule.method, _METHODS, problems, ("mark", i, "method")),
            "rounding": _enum(rule.rounding, _ROUNDINGS, problems, ("mark", i, "rounding")),
            "best": best,
            "pass_mark": pass_mark,
            "target_scale": target or None,
        }
        _duplicate(seen, (row["origin_scale"], row["target_scale"]), problems, "mark", i)
        rows.append(row)
    return rows


def check_rules(
    origin: EducationSystemVersion,
    destination: EducationSystemVersion,
    grade_rules: Sequence[GradeRuleInput],
    subject_mappings: Sequence[SubjectMappingInput],
    mark_rules: Sequence[MarkRuleInput],
) -> tuple[Rules, list[RuleProblem]]:
    """Validate every rule against the two system versions; return the rows and ALL problems."""
    problems = _Problems()
    rules = Rules(
        _check_grades(origin, destination, grade_rules, problems),
        _check_subjects(origin, destination, subject_mappings, problems),
        _check_marks(origin, destination, mark_rules, problems),
    )
    return rules, list(problems)


def _check_fields(fields: TableFields) -> dict:
    if not isinstance(fields.valid_from, date):
        raise TableError("required", field="valid_from")
    if fields.valid_to is not None and fields.valid_to < fields.valid_from:
        raise TableError("invalid_period", field="valid_to")
    if not 0 <= fields.precedence <= 99:
        raise TableError("invalid_precedence", field="precedence")
    texts = {}
    for name in ("authority", "basis"):
        value = {k: v.strip() for k, v in getattr(fields, name).items() if v and v.strip()}
        bad_locale = any(not LOCALE_TAG.fullmatch(k) for k in value)
        if bad_locale or any(len(v) > TEXT_MAX for v in value.values()):
            raise TableError("invalid_text", field=name, max=TEXT_MAX)
        texts[name] = value
    sources = list(dict.fromkeys(s.strip() for s in fields.sources if s.strip()))
    if sources:
        known = set(db.session.scalars(select(Source.key).where(Source.key.in_(sources))))
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise TableError("unknown_source", field="sources", keys=", ".join(unknown))
    return {
        "valid_from": fields.valid_from,
        "valid_to": fields.valid_to,
        "precedence": fields.precedence,
        "provisional": bool(fields.provisional),
        "sources": sources,
        **texts,
    }


# --- canonical content and its hash ----------------------------------------------------------


_RULE_COLUMNS = {
    "grade": (
        EquivalencyGradeRule,
        ("origin_grade", "dest_grade", "relation", "conditions", "note"),
    ),
    "subject": (EquivalencySubjectMapping, ("origin_subject", "dest_subject", "note")),
    "mark": (
        EquivalencyMarkRule,
        ("origin_scale", "method", "rounding", "best", "pass_mark", "target_scale"),
    ),
}


def rule_rows(table: EquivalencyTable, kind: str) -> list[dict]:
    """Return one kind of the table's rules as plain dicts in order (no ORM objects: fast)."""
    model, columns = _RULE_COLUMNS[kind]
    result = db.session.execute(
        select(*(getattr(model, c) for c in columns))
        .where(model.table_id == table.id)
        .order_by(model.position)
    )
    return [dict(zip(columns, row, strict=True)) for row in result]


def table_content(table: EquivalencyTable) -> dict:
    """Return what the content hash covers (the same shape as the reference loader's)."""
    marks = [
        {
            "origin_scale": m["origin_scale"],
            "method": m["method"],
            "rounding": m["rounding"],
            "best": m["best"],
            "pass": m["pass_mark"],
            "target_scale": m["target_scale"],
        }
        for m in rule_rows(table, "mark")
    ]
    return {
        "origin": table.origin.code,
        "destination": table.destination.code,
        "valid_from": table.valid_from.isoformat(),
        "valid_to": table.valid_to.isoformat() if table.valid_to else None,
        "precedence": table.precedence,
        "provisional": bool(table.provisional),
        "authority": dict(table.authority or {}),
        "basis": dict(table.basis or {}),
        "sources": list(table.sources or []),
        "grade_rules": [
            {**r, "conditions": dict(r["conditions"] or {}), "note": dict(r["note"] or {})}
            for r in rule_rows(table, "grade")
        ],
        "subject_mappings": [
            {**m, "note": dict(m["note"] or {})} for m in rule_rows(table, "subject")
        ],
        "mark_rules": marks,
    }


def content_hash(table: EquivalencyTable) -> str:
    """Return the hash of the table's current content."""
    return canonical_hash(table_content(table))


# --- queries and visibility ------------------------------------------------------------------


def can_edit(user: User, table: EquivalencyTable) -> bool:
    """Tell whether the user is a ministry official of the table's owning jurisdiction."""
    return (
        user.role == Role.MINISTRY_OFFICIAL
        and user.jurisdiction_id is not None
        and user.jurisdiction_id == table.owner_id
    )


def can_view(user: User, table: EquivalencyTable) -> bool:
    """Tell whether the user may see the table: published or retired, or a draft they own."""
    return table.status != "draft" or can_edit(user, table)


def _by_public_id(public_id: str) -> EquivalencyTable | None:
    return db.session.scalar(
        select(EquivalencyTable)
        .where(EquivalencyTable.public_id == public_id)
        .options(selectinload(EquivalencyTable.origin), selectinload(EquivalencyTable.destination))
    )


def table_for_view(user: User, public_id: str) -> EquivalencyTable:
    """Return a table the user may see, or raise NotFound (hidden drafts look missing)."""
    table = _by_public_id(public_id)
    if table is None or not can_view(user, table):
        raise NotFound("unknown_table")
    return table


def table_for_edit(user: User, public_id: str) -> EquivalencyTable:
    """Return a table the official may change, or raise NotFound exactly as for a missing one."""
    table = _by_public_id(public_id)
    if table is None or not can_edit(user, table):
        raise NotFound("unknown_table")
    return table


def visible_tables(user: User) -> list[EquivalencyTable]:
    """Return published tables, plus the drafts of the official's own jurisdiction."""
    visible = EquivalencyTable.status == "published"
    if user.role == Role.MINISTRY_OFFICIAL and user.jurisdiction_id is not None:
        own_draft = (EquivalencyTable.status == "draft") & (
            EquivalencyTable.owner_id == user.jurisdiction_id
        )
        visible = visible | own_draft
    return list(
        db.session.scalars(
            select(EquivalencyTable)
            .where(visible)
            .order_by(EquivalencyTable.code, EquivalencyTable.version.desc())
        )
    )


def history(code: str, user: User | None = None) -> list[EquivalencyTable]:
    """Return every version of a table code, newest first (only those the user may see)."""
    versions = db.session.scalars(
        select(EquivalencyTable)
        .where(EquivalencyTable.code == code)
        .order_by(EquivalencyTable.version.desc())
    )
    return [t for t in versions if user is None or can_view(user, t)]


def open_draft(code: str) -> EquivalencyTable | None:
    """Return the draft version of a table code, if one is being prepared."""
    return db.session.scalar(
        select(EquivalencyTable).where(
            EquivalencyTable.code == code, EquivalencyTable.status == "draft"
        )
    )


def rule_counts(table: EquivalencyTable) -> dict[str, int]:
    """Return the number of rules of each kind."""
    counts = {}
    for kind, key in zip(
        RULE_KINDS, ("grade_rules", "subject_mappings", "mark_rules"), strict=True
    ):
        model = _RULE_COLUMNS[kind][0]
        counts[key] = db.session.scalar(
            select(func.count()).select_from(model).where(model.table_id == table.id)
        )
    return counts


def system_by_code(code: str) -> EducationSystemVersion | None:
    """Return the system version with this code, or None."""
    # services.system_version_by_code cannot raise its NotFound(code=...) (TypeError): avoid it.
    return db.session.scalar(
        select(EducationSystemVersion).where(EducationSystemVersion.code == code)
    )


def destination_choices(official: User) -> list[EducationSystemVersion]:
    """Return the system versions of the official's own jurisdiction (possible destinations)."""
    return list(
        db.session.scalars(
            select(EducationSystemVersion)
            .where(EducationSystemVersion.jurisdiction_id == official.jurisdiction_id)
            .order_by(EducationSystemVersion.valid_from.desc())
        )
    )


# --- verbs -----------------------------------------------------------------------------------


def _audit(action: str, table: EquivalencyTable, **details: object) -> None:
    record(
        f"equivalency_table.{action}",
        "equivalency_table",
        table.public_id,
        details={"code": table.code, "version": table.version, **details},
    )


def _require_owner(table: EquivalencyTable, official: User) -> None:
    if not can_edit(official, table):
        raise NotFound("unknown_table")


def require_draft(table: EquivalencyTable, official: User, expected_lock: int | None) -> None:
    """Refuse anything but a current draft of the official's own jurisdiction."""
    _require_owner(table, official)
    if table.status != "draft":
        raise TableError("published_immutable")
    _check_lock(table, expected_lock)


def _check_lock(table: EquivalencyTable, expected_lock: int | None) -> None:
    if expected_lock is not None and expected_lock != table.lock_version:
        raise TableError("stale")


def _touch(table: EquivalencyTable) -> None:
    # Rule rows live in other tables: bump lock_version by hand so that any form opened
    # before this change is refused as stale.
    flag_modified(table, "content_hash")


def create_draft(
    official: User, origin_code: str, destination_code: str, fields: TableFields
) -> EquivalencyTable:
    """Start version 1 of a table from another system into one of the official's own."""
    if official.role != Role.MINISTRY_OFFICIAL or official.jurisdiction_id is None:
        raise TableError("not_an_official")
    origin = system_by_code(origin_code)
    if origin is None:
        raise TableError("unknown_system", field="origin")
    destination = system_by_code(destination_code)
    if destination is None:
        raise TableError("unknown_system", field="destination")
    if destination.jurisdiction_id != official.jurisdiction_id:
        raise TableError("destination_not_own", field="destination")
    if origin.jurisdiction_id == destination.jurisdiction_id:
        raise TableError("same_jurisdiction", field="origin")
    code = f"{origin.jurisdiction.code}__{destination.jurisdiction.code}"
    exists = db.session.scalar(
        select(func.count()).select_from(EquivalencyTable).where(EquivalencyTable.code == code)
    )
    if exists:
        raise TableError("table_exists", field="origin", table=code)
    table = EquivalencyTable(
        code=code,
        version=1,
        origin=origin,
        destination=destination,
        owner_id=official.jurisdiction_id,
        status="draft",
        drafted_by_id=official.id,
        **_check_fields(fields),
    )
    db.session.add(table)
    db.session.flush()
    _audit("drafted", table, origin=origin.code, destination=destination.code)
    return table


def update_draft(
    table: EquivalencyTable, official: User, fields: TableFields, expected_lock_version: int
) -> list[str]:
    """Change a draft's descriptive fields; return the names of the fields that changed."""
    require_draft(table, official, expected_lock_version)
    changed = []
    for name, value in _check_fields(fields).items():
        if getattr(table, name) != value:
            setattr(table, name, value)
            changed.append(name)
    if changed:
        db.session.flush()
        _audit("updated", table, fields=sorted(changed))
    return changed


def _insert_rules(table_id: int, rules: Rules) -> None:
    for model, rows in (
        (EquivalencyGradeRule, rules.grade_rules),
        (EquivalencySubjectMapping, rules.subject_mappings),
        (EquivalencyMarkRule, rules.mark_rules),
    ):
        if rows:
            for row in rows:
                row["table_id"] = table_id
            # One executemany per kind, through the Core table: the ORM's bulk path costs
            # twice as much per row and adds nothing here (no objects, no events).
            db.session.execute(insert(model.__table__), rows)


def _delete_rules(table: EquivalencyTable) -> None:
    for model in (EquivalencyGradeRule, EquivalencySubjectMapping, EquivalencyMarkRule):
        db.session.execute(delete(model).where(model.table_id == table.id))
    db.session.expire(table, ["grade_rules", "subject_mappings", "mark_rules"])


def replace_rules(
    table: EquivalencyTable,
    official: User,
    grade_rules: Sequence[GradeRuleInput],
    subject_mappings: Sequence[SubjectMappingInput],
    mark_rules: Sequence[MarkRuleInput],
    *,
    expected_lock_version: int | None = None,
    via: str = "editor",
) -> dict[str, int]:
    """Replace all rules of a draft at once, or nothing when any rule is invalid."""
    require_draft(table, official, expected_lock_version)
    rules, problems = check_rules(
        table.origin, table.destination, grade_rules, subject_mappings, mark_rules
    )
    if problems:
        raise TableError("invalid_rules", problems=problems)
    # Claim the table row first: a concurrent writer waits here and then fails its version
    # check, instead of doing the whole replacement before failing.
    _touch(table)
    db.session.flush()
    _delete_rules(table)
    _insert_rules(table.id, rules)
    counts = rules.counts()
    _audit("rules_replaced", table, via=via, **counts)
    return counts


def new_version(published: EquivalencyTable, official: User) -> EquivalencyTable:
    """Copy a published table into a new draft version N+1 that supersedes it."""
    _require_owner(published, official)
    if published.status != "published":
        raise TableError("not_published")
    if open_draft(published.code) is not None:
        raise TableError("draft_exists")
    latest = db.session.scalar(
        select(func.max(EquivalencyTable.version)).where(EquivalencyTable.code == published.code)
    )
    draft = EquivalencyTable(
        code=published.code,
        version=latest + 1,
        origin_id=published.origin_id,
        destination_id=published.destination_id,
        owner_id=published.owner_id,
        status="draft",
        provisional=published.provisional,
        precedence=published.precedence,
        valid_from=published.valid_from,
        valid_to=published.valid_to,
        authority=dict(published.authority or {}),
        basis=dict(published.basis or {}),
        sources=list(published.sources or []),
        supersedes=published,
        drafted_by_id=official.id,
    )
    db.session.add(draft)
    db.session.flush()
    copied = Rules(
        [{"position": i, **r} for i, r in enumerate(rule_rows(published, "grade"))],
        [{"position": i, **r} for i, r in enumerate(rule_rows(published, "subject"))],
        [{"position": i, **r} for i, r in enumerate(rule_rows(published, "mark"))],
    )
    _insert_rules(draft.id, copied)
    _audit("version_started", draft, supersedes=published.version)
    return draft


def _stored_inputs(table: EquivalencyTable):
    return (
        [GradeRuleInput(**r) for r in rule_rows(table, "grade")],
        [SubjectMappingInput(**m) for m in rule_rows(table, "subject")],
        [MarkRuleInput(**m) for m in rule_rows(table, "mark")],
    )


def publish(
    table: EquivalencyTable, official: User, expected_lock_version: int | None = None
) -> EquivalencyTable:
    """Publish a draft reviewed by a second official; retire the version it supersedes."""
    require_draft(table, official, expected_lock_version)
    if table.drafted_by_id == official.id:
        raise TableError("four_eyes")
    grade_rules, subject_mappings, mark_rules = _stored_inputs(table)
    if not (grade_rules or subject_mappings or mark_rules):
        raise TableError("empty_table")
    # The systems may have changed since the draft was saved: check again before it counts.
    _rules, problems = check_rules(
        table.origin, table.destination, grade_rules, subject_mappings, mark_rules
    )
    if problems:
        raise TableError("invalid_rules", problems=problems)
    now = utcnow()
    retired = None
    previous = table.supersedes
    if previous is not None and previous.status == "published":
        previous.status, previous.retired_at = "retired", now
        retired = previous.version
        _audit("retired", previous, superseded_by=table.version)
    table.content_hash = content_hash(table)
    table.status, table.published_by_id, table.published_at = "published", official.id, now
    db.session.flush()
    _audit("published", table, content_hash=table.content_hash, retired_version=retired)
    return table


def retire(
    table: EquivalencyTable, official: User, expected_lock_version: int | None = None
) -> EquivalencyTable:
    """Withdraw a published table: it stays in the history but no longer applies."""
    _require_owner(table, official)
    if table.status != "published":
        raise TableError("not_published")
    _check_lock(table, expected_lock_version)
    table.status, table.retired_at = "retired", utcnow()
    db.session.flush()
    _audit("retired", table)
    return table


# --- diff ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: object
    new: object


@dataclass(frozen=True)
class RowChange:
    """One rule in a diff: status is added, removed, changed or unchanged."""

    status: str
    old: Mapping | None
    new: Mapping | None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDiff:
    fields: tuple[FieldChange, ...]
    grade_rules: tuple[RowChange, ...]
    subject_mappings: tuple[RowChange, ...]
    mark_rules: tuple[RowChange, ...]

    def count(self, status: str) -> int:
        """Return how many rules (of every kind) have a status."""
        rows = (*self.grade_rules, *self.subject_mappings, *self.mark_rules)
        return sum(1 for r in rows if r.status == status)


_DIFF_FIELDS = (
    "origin",
    "destination",
    "valid_from",
    "valid_to",
    "precedence",
    "provisional",
    "authority",
    "basis",
    "sources",
)
_KEYS = {
    "grade_rules": lambda r: (r["origin_grade"], format_conditions(r["conditions"])),
    "subject_mappings": lambda r: (r["origin_subject"], r["dest_subject"]),
    "mark_rules": lambda r: (r["origin_scale"], r["target_scale"]),
}


def _keyed(rows: list[dict], key) -> list[tuple[tuple, dict]]:
    seen: dict[tuple, int] = defaultdict(int)
    keyed = []
    for row in rows:
        k = key(row)
        seen[k] += 1
        keyed.append(((*k, seen[k]), row))  # the occurrence number keeps duplicates apart
    return keyed


def diff_rows(old: list[dict], new: list[dict], key) -> tuple[RowChange, ...]:
    """Match rules by key; keep the new order and put removed rules where they used to be."""
    old_keyed, new_keyed = _keyed(old, key), _keyed(new, key)
    new_index = {k: j for j, (k, _row) in enumerate(new_keyed)}
    old_map = dict(old_keyed)
    removed_after: dict[int, list[RowChange]] = defaultdict(list)
    anchor = -1
    for k, row in old_keyed:
        if k in new_index:
            anchor = max(anchor, new_index[k])
        else:
            removed_after[anchor].append(RowChange("removed", row, None))
    out = list(removed_after[-1])
    for j, (k, row) in enumerate(new_keyed):
        before = old_map.get(k)
        if before is None:
            out.append(RowChange("added", None, row))
        else:
            changed = tuple(c for c in row if row[c] != before.get(c))
            out.append(RowChange("changed" if changed else "unchanged", before, row, changed))
        out.extend(removed_after[j])
    return tuple(out)


def diff_content(old: Mapping | None, new: Mapping) -> TableDiff:
    """Return the differences between two canonical contents (old None: everything is new)."""
    old = old or {}
    fields = tuple(
        FieldChange(name, old.get(name), new.get(name))
        for name in _DIFF_FIELDS
        if old and old.get(name) != new.get(name)
    )
    kinds = {
        kind: diff_rows(list(old.get(kind, [])), list(new.get(kind, [])), key)
        for kind, key in _KEYS.items()
    }
    return TableDiff(fields, **kinds)


def diff(draft: EquivalencyTable, published: EquivalencyTable | None) -> TableDiff:
    """Return what a version changes against the published one (None: a first version)."""
    before = table_content(published) if published is not None else None
    return diff_content(before, table_content(draft))
