"""A table's rules as plain rows, its canonical content, and the fingerprint of that content.

The canonical content has the same shape as the reference loader's (``loader.table_content``),
so a seeded table and the same table published by officials have the same hash.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from portal.curricula.equivalency.domain.rules import Rules
from portal.curricula.models import (
    EquivalencyGradeRule,
    EquivalencyMarkRule,
    EquivalencySubjectMapping,
    EquivalencyTable,
)
from portal.extensions import db
from portal.versioning.domain import canonical_hash

RULE_COLUMNS = {
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
    model, columns = RULE_COLUMNS[kind]
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


def insert_rules(table_id: int, rules: Rules) -> None:
    """Insert validated rule rows for a table, one executemany per kind."""
    for model, rows in (
        (EquivalencyGradeRule, rules.grade_rules),
        (EquivalencySubjectMapping, rules.subject_mappings),
        (EquivalencyMarkRule, rules.mark_rules),
    ):
        if rows:
            for row in rows:
                row["table_id"] = table_id
            # Through the Core table: the ORM's bulk path costs twice as much per row and
            # adds nothing here (no objects, no events).
            db.session.execute(insert(model.__table__), rows)


def delete_rules(table: EquivalencyTable) -> None:
    """Delete every rule of a table."""
    for model in (EquivalencyGradeRule, EquivalencySubjectMapping, EquivalencyMarkRule):
        db.session.execute(delete(model).where(model.table_id == table.id))
    db.session.expire(table, ["grade_rules", "subject_mappings", "mark_rules"])


def copied_rules(table: EquivalencyTable) -> Rules:
    """Return a table's stored rules as rows ready for insertion into another table."""
    return Rules(
        *(
            [{"position": i, **r} for i, r in enumerate(rule_rows(table, kind))]
            for kind in ("grade", "subject", "mark")
        )
    )
