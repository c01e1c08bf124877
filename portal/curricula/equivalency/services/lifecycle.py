"""Equivalency tables as a kind of versioned document: the declaration and what it needs.

Everything else of the lifecycle (access, four eyes, new versions, retirement, the audit
entries) is ``portal.versioning``'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import selectinload

from portal.curricula.equivalency.domain.rules import (
    GradeRuleInput,
    MarkRuleInput,
    RuleProblem,
    SubjectMappingInput,
)
from portal.curricula.equivalency.domain.validation import SystemCodes, check_rules
from portal.curricula.equivalency.services.content import (
    content_hash,
    copied_rules,
    insert_rules,
    rule_rows,
)
from portal.curricula.models import EducationSystemVersion, EquivalencyTable
from portal.extensions import db
from portal.versioning.services import DocumentKind, LifecycleError


class TableError(LifecycleError):
    """A table change was refused; ``problems`` lists the rule problems of "invalid_rules"."""

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        problems: Sequence[RuleProblem] = (),
        **params: object,
    ) -> None:
        super().__init__(code, field=field, **params)
        self.problems = list(problems)


def codes_of(system: EducationSystemVersion) -> SystemCodes:
    """Return the codes of a system version that a table's rules may name."""
    return SystemCodes(
        system.code,
        frozenset(g.code for g in system.grades),
        frozenset(s.code for s in system.subjects),
        frozenset(s.code for s in system.scales),
    )


def stored_inputs(table: EquivalencyTable):
    """Return the table's stored rules as inputs, to be checked again."""
    return (
        [GradeRuleInput(**r) for r in rule_rows(table, "grade")],
        [SubjectMappingInput(**m) for m in rule_rows(table, "subject")],
        [MarkRuleInput(**m) for m in rule_rows(table, "mark")],
    )


def check_publishable(table: EquivalencyTable) -> None:
    """Refuse a table without rules, or whose rules no longer fit its two systems."""
    inputs = stored_inputs(table)
    if not any(inputs):
        raise TableError("empty_table")
    # The systems may have changed since the draft was saved: check again before it counts.
    _rules, problems = check_rules(codes_of(table.origin), codes_of(table.destination), *inputs)
    if problems:
        raise TableError("invalid_rules", problems=problems)


def copy_table(published: EquivalencyTable, draft: EquivalencyTable) -> None:
    """Copy a published table's fields and rules into its new draft version."""
    draft.origin_id, draft.destination_id = published.origin_id, published.destination_id
    draft.provisional, draft.precedence = published.provisional, published.precedence
    draft.authority = dict(published.authority or {})
    draft.basis = dict(published.basis or {})
    draft.sources = list(published.sources or [])
    rules = copied_rules(published)
    db.session.add(draft)
    db.session.flush()  # the rule rows need the draft's id
    insert_rules(draft.id, rules)


TABLES = DocumentKind(
    name="equivalency_table",
    model=EquivalencyTable,
    series="code",
    owner="owner_id",
    error=TableError,
    missing="unknown_table",
    identify=lambda table: {"code": table.code, "version": table.version},
    copy=copy_table,
    check=check_publishable,
    content_hash=content_hash,
    load=(selectinload(EquivalencyTable.origin), selectinload(EquivalencyTable.destination)),
)
