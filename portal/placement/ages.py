"""Ages, school years and the age-appropriate grade (rules R1-R3 of DOMAIN §6.4)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.curricula.domain import AgeRuleKind, parse_month_day
from portal.placement.model import Feb29Rule, PlacementPolicy

_HUNDREDTHS = Decimal("0.01")


def day_in_year(year: int, month: int, day: int, rule: Feb29Rule) -> date:
    """Return month/day in a year, moving 29 February of a common year per the rule."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28) if rule is Feb29Rule.FEB28 else date(year, 3, 1)
    return date(year, month, day)


def age_on(birth: date, on: date, rule: Feb29Rule) -> int:
    """Return completed years of age on a date."""
    years = on.year - birth.year
    return years if on >= day_in_year(on.year, birth.month, birth.day, rule) else years - 1


def age_in_months_on(birth: date, on: date, rule: Feb29Rule) -> int:
    """Return completed months of age on a date.

    A birth day missing from the month (31 in April, 30 in February) is reached on the
    month's last day; a 29 February birthday in a common February follows ``rule``.
    """
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if birth.month == 2 and birth.day == 29 and on.month == 2:
        reached = day_in_year(on.year, 2, 29, rule)
    else:
        last = calendar.monthrange(on.year, on.month)[1]
        reached = date(on.year, on.month, min(birth.day, last))
    return months if on >= reached else months - 1


@dataclass(frozen=True)
class SchoolYear:
    start: date
    next_start: date

    @property
    def start_year(self) -> int:
        return self.start.year


def school_year_containing(day: date, start_month_day: str) -> SchoolYear:
    """Return the school year whose [start, next start) contains a date (R2)."""
    month, dom = parse_month_day(start_month_day)

    def start_in(year: int) -> date:
        return day_in_year(year, month, dom, Feb29Rule.MAR1)

    first = start_in(day.year) if day >= start_in(day.year) else start_in(day.year - 1)
    return SchoolYear(first, start_in(first.year + 1))


def is_mid_year(enrolment: date, school_year: SchoolYear, weeks: int) -> bool:
    """Tell whether an enrolment is more than ``weeks`` weeks after the school-year start."""
    return enrolment > school_year.start + timedelta(weeks=weeks)


def remaining_fraction(enrolment: date, school_year: SchoolYear) -> Decimal:
    """Return the share of the school year still ahead on the enrolment date, to 0.01."""
    total = (school_year.next_start - school_year.start).days
    left = (school_year.next_start - enrolment).days
    return (Decimal(left) / Decimal(total)).quantize(_HUNDREDTHS, ROUND_HALF_UP)


def age_reference_date(policy: PlacementPolicy, school_year_start_year: int) -> date:
    """Return the date on which age is measured for a school year (R3)."""
    reference = policy.age_reference
    if reference.kind is AgeRuleKind.CALENDAR_YEAR or reference.month_day is None:
        return date(school_year_start_year, 12, 31)
    month, day = parse_month_day(reference.month_day)
    return day_in_year(school_year_start_year, month, day, policy.feb29_rule)


def meets_age_rule(birth: date, school_year_start_year: int, policy: PlacementPolicy) -> bool:
    """Tell whether a child may start grade 1 in the school year starting that year."""
    reference = policy.age_reference
    on = age_reference_date(policy, school_year_start_year)
    if reference.kind is AgeRuleKind.CALENDAR_YEAR:
        return school_year_start_year - birth.year >= policy.entry_age
    if reference.kind is AgeRuleKind.MONTHS_AT_DATE:
        return age_in_months_on(birth, on, policy.feb29_rule) >= (reference.months or 0)
    return age_on(birth, on, policy.feb29_rule) >= policy.entry_age


def entry_year(birth: date, policy: PlacementPolicy) -> int:
    """Return the first school-year start year in which the child meets the age rule."""
    year = birth.year
    while not meets_age_rule(birth, year, policy):
        year += 1
    return year


@dataclass(frozen=True)
class AgeGrade:
    reference_date: date
    age: int
    age_months: int
    entry_year: int
    index: int


def age_grade(birth: date, school_year: SchoolYear, policy: PlacementPolicy) -> AgeGrade:
    """Compute the age-appropriate grade index G_age for a school year (R3), unclamped."""
    reference = age_reference_date(policy, school_year.start_year)
    first_year = entry_year(birth, policy)
    return AgeGrade(
        reference_date=reference,
        age=age_on(birth, reference, policy.feb29_rule),
        age_months=age_in_months_on(birth, reference, policy.feb29_rule),
        entry_year=first_year,
        index=school_year.start_year - first_year + 1,
    )
