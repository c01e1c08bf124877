"""Education-system versions and the equivalent grade of a completed grade in another system.

A published equivalency table wins; otherwise grades are matched on the cumulative number of
years completed since the first ISCED 1 grade (DOMAIN §1.3–1.4), with ISCED levels and leaving
certificates used as checks that raise flags rather than change the answer.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum

_MONTH_DAY = re.compile(r"([0-9]{2})-([0-9]{2})")


class CurriculumError(ValueError):
    """Base of the coded errors raised here; ``code`` and ``params`` are translated later."""

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        super().__init__(code, self.params)

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code


class SystemDataError(CurriculumError):
    """Reference data that contradicts itself (duplicate grades, bad dates, …)."""


class ResolutionError(CurriculumError):
    """A grade that cannot be resolved (unknown grade, destination not in force, …)."""


def parse_month_day(value: str) -> tuple[int, int]:
    """Return (month, day) from an "MM-DD" string; 02-29 is allowed."""
    match = _MONTH_DAY.fullmatch(value)
    if match is not None:
        month, day = int(match[1]), int(match[2])
        with contextlib.suppress(ValueError):
            date(2000, month, day)  # a leap year, so 02-29 is a valid cut-off
            return month, day
    raise SystemDataError("invalid_month_day", {"value": value})


def _check_period(valid_from: date, valid_to: date | None, subject: str) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise SystemDataError("invalid_validity_period", {"subject": subject})


def _in_period(on: date, valid_from: date, valid_to: date | None) -> bool:
    # valid_to is the last day in force, inclusive
    return valid_from <= on and (valid_to is None or on <= valid_to)


class AgeRuleKind(StrEnum):
    CUTOFF_DATE = "cutoff_date"
    CALENDAR_YEAR = "calendar_year"
    MONTHS_AT_DATE = "months_at_date"


@dataclass(frozen=True)
class AgeRule:
    """How a system decides who starts grade 1 (DE-NW: 6 by 09-30; PL: turns 7 that year)."""

    entry_age: int
    kind: AgeRuleKind
    month_day: str | None = None
    months: int | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", AgeRuleKind(self.kind))
        except ValueError:
            raise SystemDataError("invalid_age_rule", {"reason": "kind"}) from None
        if self.entry_age <= 0:
            raise SystemDataError("invalid_age_rule", {"reason": "entry_age"})
        needs_date = self.kind is not AgeRuleKind.CALENDAR_YEAR
        if needs_date != (self.month_day is not None):
            raise SystemDataError("invalid_age_rule", {"reason": "month_day", "kind": self.kind})
        if self.kind is AgeRuleKind.MONTHS_AT_DATE:
            months_ok = self.months is not None and self.months > 0
        else:
            months_ok = self.months is None
        if not months_ok:
            raise SystemDataError("invalid_age_rule", {"reason": "months", "kind": self.kind})
        if self.month_day is not None:
            parse_month_day(self.month_day)


class Labels(Mapping[str, str]):
    """Locale → label; immutable and hashable, so a grade can be a dict key or set member."""

    __slots__ = ("_pairs",)

    def __init__(self, labels: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = tuple(labels.items() if isinstance(labels, Mapping) else labels)
        if len({locale for locale, _ in pairs}) != len(pairs):
            raise SystemDataError("invalid_labels", {"reason": "duplicate_locale"})
        self._pairs = pairs

    def __getitem__(self, locale: str) -> str:
        for key, label in self._pairs:
            if key == locale:
                return label
        raise KeyError(locale)

    def __iter__(self) -> Iterator[str]:
        return (locale for locale, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __hash__(self) -> int:
        return hash(frozenset(self._pairs))

    def __repr__(self) -> str:
        return f"Labels({dict(self._pairs)!r})"


@dataclass(frozen=True)
class GradeInfo:
    """One grade of a system version; ``cumulative_index`` counts years from ISCED 1 grade 1."""

    code: str
    cumulative_index: int
    isced_level: int
    intended_age: int | None
    labels: Mapping[str, str] = Labels()
    programme: str = ""
    certificate_at_end: str | None = None

    def __post_init__(self) -> None:
        # a plain dict would make the frozen dataclass unhashable
        object.__setattr__(self, "labels", Labels(self.labels))
        if not self.code:
            raise SystemDataError("invalid_grade", {"reason": "code"})
        if not 0 <= self.isced_level <= 8:
            raise SystemDataError("invalid_grade", {"grade": self.code, "reason": "isced_level"})

    def label(self, locale: str) -> str:
        """Return the label in a locale, falling back to its language, "en", the first, the code."""
        labels = self.labels
        language = locale.replace("-", "_").split("_")[0]
        for candidate in (locale, language, "en"):
            if candidate in labels:
                return labels[candidate]
        return next(iter(labels.values()), self.code)


@dataclass(frozen=True)
class SystemVersion:
    """The structure of one jurisdiction's school system over a period (e.g. "SD 6-3-3")."""

    jurisdiction: str
    version: str
    valid_from: date
    valid_to: date | None
    grades: tuple[GradeInfo, ...]
    age_rule: AgeRule
    school_year_start: str
    provisional: bool = False

    def __post_init__(self) -> None:
        grades = tuple(sorted(self.grades, key=lambda g: g.cumulative_index))
        object.__setattr__(self, "grades", grades)
        _check_period(self.valid_from, self.valid_to, self.code)
        parse_month_day(self.school_year_start)
        if not grades:
            raise SystemDataError("invalid_system", {"system": self.code, "reason": "no_grades"})
        if len({g.code for g in grades}) != len(grades):
            raise SystemDataError("invalid_system", {"system": self.code, "reason": "codes"})
        indices = [g.cumulative_index for g in grades]
        # the pivot needs one grade per year: no gaps, no two grades for the same year
        if indices != list(range(indices[0], indices[0] + len(indices))):
            raise SystemDataError("invalid_system", {"system": self.code, "reason": "indices"})
        if any(a.isced_level > b.isced_level for a, b in itertools.pairwise(grades)):
            raise SystemDataError("invalid_system", {"system": self.code, "reason": "isced"})

    @property
    def code(self) -> str:
        return f"{self.jurisdiction}/{self.version}"

    @property
    def max_index(self) -> int:
        return self.grades[-1].cumulative_index

    @property
    def min_index(self) -> int:
        return self.grades[0].cumulative_index

    def grade(self, code: str) -> GradeInfo | None:
        """Return the grade with this code, or None."""
        return next((g for g in self.grades if g.code == code), None)

    def grade_at_index(self, y: int) -> GradeInfo | None:
        """Return the grade with this cumulative index, or None when outside the system."""
        return next((g for g in self.grades if g.cumulative_index == y), None)

    def isced_completion_index(self, level: int) -> int | None:
        """Return the cumulative index of the last grade at an ISCED level, or None."""
        at_level = [g.cumulative_index for g in self.grades if g.isced_level == level]
        return max(at_level) if at_level else None

    def valid_on(self, d: date) -> bool:
        """Tell whether this version is in force on a date (valid_to inclusive)."""
        return _in_period(d, self.valid_from, self.valid_to)


class Relation(StrEnum):
    EXACT = "exact"
    BROADER = "broader"
    NARROWER = "narrower"
    PARTIAL = "partial"


class Precedence(IntEnum):
    """Rank of an equivalency source; the LOWER number wins (DOMAIN §1.4 order)."""

    BILATERAL_TABLE = 0
    NATIONAL_RULE = 1
    RECOGNITION_BODY = 2


@dataclass(frozen=True)
class GradeRule:
    """One row of a table; every (key, value) condition must equal the learner's fact."""

    origin_grade: str
    dest_grade: str
    relation: Relation = Relation.EXACT
    conditions: tuple[tuple[str, str], ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "relation", Relation(self.relation))
        object.__setattr__(self, "conditions", tuple(tuple(c) for c in self.conditions))

    def applies(self, grade_code: str, facts: Mapping[str, str]) -> bool:
        """Tell whether this rule covers a grade given the learner's facts (stream, …)."""
        met = all(facts.get(key) == value for key, value in self.conditions)
        return self.origin_grade == grade_code and met


@dataclass(frozen=True)
class EquivalencyTableData:
    """An immutable, versioned equivalency table between two jurisdictions.

    ``precedence`` ranks sources, lower first (see ``Precedence``). ``origin_version`` and
    ``destination_version`` pin the table to system versions; None means any version.
    """

    table_id: str
    version: int
    origin: str
    destination: str
    valid_from: date
    valid_to: date | None
    grade_rules: tuple[GradeRule, ...]
    provisional: bool = False
    precedence: int = 0
    origin_version: str | None = None
    destination_version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "grade_rules", tuple(self.grade_rules))
        _check_period(self.valid_from, self.valid_to, f"{self.table_id}@{self.version}")

    def valid_on(self, d: date) -> bool:
        """Tell whether this table is in force on a date (valid_to inclusive)."""
        return _in_period(d, self.valid_from, self.valid_to)

    def rule_for(self, grade_code: str, facts: Mapping[str, str]) -> GradeRule | None:
        """Return the most specific applicable rule: most conditions, then table order."""
        rules = [r for r in self.grade_rules if r.applies(grade_code, facts)]
        return max(rules, key=lambda r: len(r.conditions), default=None)

    def mentions(self, grade_code: str) -> bool:
        """Tell whether any rule starts from this grade, whatever its conditions."""
        return any(r.origin_grade == grade_code for r in self.grade_rules)


class SourceType(StrEnum):
    TABLE = "table"
    ISCED_PIVOT = "isced_pivot"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def lower_confidence(confidence: Confidence) -> Confidence:
    """Return the next lower confidence, never below LOW."""
    return Confidence.MEDIUM if confidence is Confidence.HIGH else Confidence.LOW


@dataclass(frozen=True)
class Resolution:
    """The equivalent destination grade, where it came from and what to double-check.

    ``uncovered_certificates`` lists the destination certificates behind
    ``certificate_gate_crossed``: the ones no origin certificate stands for.
    """

    grade: GradeInfo | None
    source_type: SourceType
    table_id: str | None
    table_version: int | None
    confidence: Confidence
    flags: tuple[str, ...]
    origin_grade: GradeInfo
    rule: GradeRule | None = None
    uncovered_certificates: tuple[str, ...] = ()


def _candidate_tables(
    tables: Iterable[EquivalencyTableData],
    origin: str,
    destination: str,
    on: date,
    versions: tuple[str | None, str | None],
) -> list[EquivalencyTableData]:
    def pinned_ok(pinned: str | None, given: str | None) -> bool:
        return pinned is None or given is None or pinned == given

    valid = [
        t
        for t in tables
        if t.origin == origin
        and t.destination == destination
        and t.valid_on(on)
        and pinned_ok(t.origin_version, versions[0])
        and pinned_ok(t.destination_version, versions[1])
    ]
    # lower precedence rank first, then the newest; version and id only make the order total
    return sorted(
        valid, key=lambda t: (t.precedence, -t.valid_from.toordinal(), -t.version, t.table_id)
    )


def select_table(
    tables: Iterable[EquivalencyTableData],
    origin: str,
    destination: str,
    on: date,
    *,
    origin_version: str | None = None,
    destination_version: str | None = None,
) -> EquivalencyTableData | None:
    """Return the table in force on a date: lowest precedence rank, then latest valid_from."""
    versions = (origin_version, destination_version)
    ranked = _candidate_tables(tables, origin, destination, on, versions)
    return ranked[0] if ranked else None


def uncovered_certificates(
    origin: SystemVersion, origin_grade: GradeInfo, destination: SystemVersion, dest: GradeInfo
) -> tuple[str, ...]:
    """Return destination certificates an equivalence claims but no origin certificate covers.

    Completing ``dest`` implies holding every destination certificate awarded at or below its
    index; completing ``origin_grade`` implies the origin certificates at or below its own.
    Each origin certificate stands for one destination certificate, earliest first, so the
    destination certificates left over are the gates crossed (e.g. SY 10 → DE-NW 10: the Syrian
    grade-9 certificate covers the ESA, nothing covers the MSA).
    """
    held = [
        g.certificate_at_end
        for g in origin.grades
        if g.certificate_at_end and g.cumulative_index <= origin_grade.cumulative_index
    ]
    implied = [
        g.certificate_at_end
        for g in destination.grades
        if g.certificate_at_end and g.cumulative_index <= dest.cumulative_index
    ]
    return tuple(implied[len(held) :])


def _table_match(
    tables: Iterable[EquivalencyTableData],
    origin: SystemVersion,
    grade: GradeInfo,
    destination: SystemVersion,
    on: date,
    facts: Mapping[str, str],
) -> tuple[EquivalencyTableData | None, GradeRule | None, bool]:
    versions = (origin.version, destination.version)
    ranked = _candidate_tables(tables, origin.jurisdiction, destination.jurisdiction, on, versions)
    unmet = False
    for table in ranked:
        rule = table.rule_for(grade.code, facts)
        if rule is not None:
            return table, rule, unmet
        unmet = unmet or table.mentions(grade.code)
    return None, None, unmet


def resolve_equivalent_grade(
    origin: SystemVersion,
    origin_grade_code: str,
    destination: SystemVersion,
    on: date,
    tables: Iterable[EquivalencyTableData] = (),
    *,
    facts: Mapping[str, str] | None = None,
) -> Resolution:
    """Return the destination grade equivalent to a completed origin grade on a date.

    This is the SAME level of attainment (SY grade 4 → DE-NW grade 4), not the grade to enter
    next. The origin version need not be in force on ``on`` (learners bring old systems); the
    destination must be. ``facts`` answer table conditions such as ``{"stream": "scientific"}``.
    Flags, in this order: table_provisional, table_conditions_unmet, beyond_destination_range
    or below_destination_range, isced_boundary_crossed, certificate_gate_crossed,
    origin_system_provisional, destination_system_provisional.
    """
    origin_grade = origin.grade(origin_grade_code)
    if origin_grade is None:
        raise ResolutionError("unknown_grade", {"system": origin.code, "grade": origin_grade_code})
    if not destination.valid_on(on):
        params = {"system": destination.code, "on": on.isoformat()}
        raise ResolutionError("system_not_valid_on_date", params)

    flags: list[str] = []
    table, rule, unmet = _table_match(tables, origin, origin_grade, destination, on, facts or {})
    if table is not None and rule is not None:
        dest = destination.grade(rule.dest_grade)
        if dest is None:
            params = {"table": table.table_id, "version": table.version, "grade": rule.dest_grade}
            raise ResolutionError("table_grade_not_in_destination", params)
        source = SourceType.TABLE
        confidence = Confidence.HIGH if rule.relation is Relation.EXACT else Confidence.MEDIUM
        if table.provisional:
            flags.append("table_provisional")
            confidence = lower_confidence(confidence)
    else:
        source, confidence = SourceType.ISCED_PIVOT, Confidence.MEDIUM
        if unmet:
            flags.append("table_conditions_unmet")
        dest = destination.grade_at_index(origin_grade.cumulative_index)
        if dest is None:
            beyond = origin_grade.cumulative_index > destination.max_index
            flags.append("beyond_destination_range" if beyond else "below_destination_range")

    uncovered: tuple[str, ...] = ()
    if dest is not None:
        if dest.isced_level != origin_grade.isced_level:
            flags.append("isced_boundary_crossed")
        uncovered = uncovered_certificates(origin, origin_grade, destination, dest)
        if uncovered:
            flags.append("certificate_gate_crossed")
    for system, flag in ((origin, "origin"), (destination, "destination")):
        if system.provisional:
            flags.append(f"{flag}_system_provisional")
            confidence = lower_confidence(confidence)

    return Resolution(
        grade=dest,
        source_type=source,
        table_id=table.table_id if table is not None else None,
        table_version=table.version if table is not None else None,
        confidence=confidence,
        flags=tuple(flags),
        origin_grade=origin_grade,
        rule=rule,
        uncovered_certificates=uncovered,
    )
