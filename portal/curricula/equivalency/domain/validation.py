"""Check every rule of a table against the codes of its two system versions, all at once.

Written for speed: one pass per kind, set lookups, and function calls only off the happy path
(a 50,000-row import goes through here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from portal.curricula.domain import Relation
from portal.curricula.equivalency.domain.rules import (
    CODE_MAX,
    CONDITION_KEY,
    CONDITION_VALUE_MAX,
    NOTE_MAX,
    NUMBER_MAX,
    GradeRuleInput,
    MarkRuleInput,
    RuleProblem,
    Rules,
    SubjectMappingInput,
)
from portal.curricula.marks import Method, Rounding
from portal.i18n.domain import LOCALE_CODES

_LOCALES = frozenset(LOCALE_CODES)
_RELATIONS = frozenset(r.value for r in Relation)
_METHODS = frozenset(m.value for m in Method)
_ROUNDINGS = frozenset(r.value for r in Rounding)


@dataclass(frozen=True)
class SystemCodes:
    """The codes of one system version that rules may name."""

    name: str
    grades: frozenset[str]
    subjects: frozenset[str]
    scales: frozenset[str]


class _Problems(list):
    def add(self, kind: str, index: int, column: str, reason: str, **params: object) -> None:
        self.append(RuleProblem(kind, index, column, reason, params))


def _code(
    value: object, known: frozenset, problems: _Problems, where: tuple, unknown: str, system: str
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


def _check_grades(origin: SystemCodes, destination: SystemCodes, rules, problems) -> list[dict]:
    origin_codes, dest_codes = origin.grades, destination.grades
    origin_name, dest_name = origin.name, destination.name
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


def _check_subjects(origin: SystemCodes, destination: SystemCodes, mappings, problems):
    origin_codes, dest_codes = origin.subjects, destination.subjects
    origin_name, dest_name = origin.name, destination.name
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


def _check_marks(origin: SystemCodes, destination: SystemCodes, rules, problems) -> list[dict]:
    origin_codes, dest_codes = origin.scales, destination.scales
    origin_name, dest_name = origin.name, destination.name
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
    origin: SystemCodes,
    destination: SystemCodes,
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
