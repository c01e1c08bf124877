"""What an official enters for a table: its fields, its rules, and the problems found in them.

Inputs are named tuples, not dataclasses: a 50,000-row import builds one per row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from portal.curricula.domain import Relation

CODE_MAX = 40  # the rule columns are String(40)
NUMBER_MAX = 16  # best / pass_mark are String(16)
NOTE_MAX = 2000
TEXT_MAX = 4000  # authority and basis, per locale
CONDITION_VALUE_MAX = 80
CONDITION_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Authority and basis may carry languages the portal does not ship (e.g. "prs").
LOCALE_TAG = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
RULE_KINDS = ("grade", "subject", "mark")


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
        """Return the number of rules of each kind."""
        return {
            "grade_rules": len(self.grade_rules),
            "subject_mappings": len(self.subject_mappings),
            "mark_rules": len(self.mark_rules),
        }


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
