"""Drafting equivalency tables: start a table, edit a draft's fields, replace its rules.

Publication, new versions and retirement are the shared lifecycle's
(``portal.versioning.services`` with ``TABLES``). Every write appends an audit entry (codes
only, never free text) in the caller's transaction; the request commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from portal.auth.domain import Role
from portal.auth.models import User
from portal.curricula.equivalency.domain.diff import TableDiff, diff_content
from portal.curricula.equivalency.domain.rules import (
    LOCALE_TAG,
    RULE_KINDS,
    TEXT_MAX,
    GradeRuleInput,
    MarkRuleInput,
    SubjectMappingInput,
    TableFields,
)
from portal.curricula.equivalency.domain.validation import check_rules
from portal.curricula.equivalency.services.content import (
    RULE_COLUMNS,
    delete_rules,
    insert_rules,
    table_content,
)
from portal.curricula.equivalency.services.lifecycle import TABLES, TableError, codes_of
from portal.curricula.models import EducationSystemVersion, EquivalencyTable, Source
from portal.extensions import db
from portal.versioning import services as lifecycle


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


# --- queries ---------------------------------------------------------------------------------


def rule_counts(table: EquivalencyTable) -> dict[str, int]:
    """Return the number of rules of each kind."""
    counts = {}
    for kind, key in zip(
        RULE_KINDS, ("grade_rules", "subject_mappings", "mark_rules"), strict=True
    ):
        model = RULE_COLUMNS[kind][0]
        counts[key] = db.session.scalar(
            select(func.count()).select_from(model).where(model.table_id == table.id)
        )
    return counts


def system_by_code(code: str) -> EducationSystemVersion | None:
    """Return the system version with this code, or None."""
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


def diff(draft: EquivalencyTable, published: EquivalencyTable | None) -> TableDiff:
    """Return what a version changes against the published one (None: a first version)."""
    before = table_content(published) if published is not None else None
    return diff_content(before, table_content(draft))


# --- verbs -----------------------------------------------------------------------------------


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
        origin=origin,
        destination=destination,
        owner_id=official.jurisdiction_id,
        **_check_fields(fields),
    )
    return lifecycle.start(
        TABLES,
        table,
        official,
        lost_race="stale",
        origin=origin.code,
        destination=destination.code,
    )


def update_draft(
    table: EquivalencyTable, official: User, fields: TableFields, expected_lock_version: int
) -> list[str]:
    """Change a draft's descriptive fields; return the names of the fields that changed."""
    changed = []
    with lifecycle.editing(TABLES, table, official, expected_lock_version):
        for name, value in _check_fields(fields).items():
            if getattr(table, name) != value:
                setattr(table, name, value)
                changed.append(name)
    if changed:
        lifecycle.audit(TABLES, "updated", table, fields=sorted(changed))
    return changed


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
    lifecycle.require_draft(TABLES, table, official, expected_lock_version)
    rules, problems = check_rules(
        codes_of(table.origin),
        codes_of(table.destination),
        grade_rules,
        subject_mappings,
        mark_rules,
    )
    if problems:
        raise TableError("invalid_rules", problems=problems)
    with lifecycle.guard(TABLES):
        # Claim the table row first (rule rows live in other tables, so bump lock_version by
        # hand): a concurrent writer waits here and then fails its version check, instead of
        # doing the whole replacement before failing, and forms opened before go stale.
        flag_modified(table, "content_hash")
        db.session.flush()
        delete_rules(table)
        insert_rules(table.id, rules)
    counts = rules.counts()
    lifecycle.audit(TABLES, "rules_replaced", table, via=via, **counts)
    return counts
