"""Reference pages: the education systems of every jurisdiction, and the reference blueprint.

The equivalency-table pages register on this blueprint from ``portal.curricula.equivalency``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import groupby

from babel.dates import format_skeleton
from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.access import login_required
from portal.curricula import services
from portal.curricula.domain import AgeRuleKind, CurriculumError, parse_month_day
from portal.curricula.models import EducationSystemVersion, Source
from portal.extensions import db
from portal.i18n.labels import code_text
from portal.i18n.services import current_locale_info

bp = Blueprint("curricula", __name__, url_prefix="/reference")

AGE_RULES = {
    AgeRuleKind.CUTOFF_DATE: _l("Starts school at %(age)d when that age is reached by %(date)s."),
    AgeRuleKind.CALENDAR_YEAR: _l(
        "Starts school in the calendar year in which the child turns %(age)d."
    ),
    AgeRuleKind.MONTHS_AT_DATE: _l(
        "Starts school when at least %(months)d months old on %(date)s."
    ),
}


def _locale() -> str:
    return current_locale_info().code


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
    return render_template("curricula/systems.html", groups=groups)


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
    return code_text(AGE_RULES, kind, params)


@bp.get("/systems/<code>")
@login_required
def system(code: str):
    try:
        version = services.system_version_by_code(code)
    except services.NotFound:
        abort(404)
    return render_template(
        "curricula/system.html",
        system=version,
        locale=_locale(),
        age_rule=_age_rule_text(version.age_rule),
        school_year=_month_day((version.school_year_start or {}).get("month_day")),
        sources=_sources(_source_keys(version)),
    )
