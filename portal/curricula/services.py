"""Read education systems and tables, turn them into domain objects, resolve equivalences."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.curricula import domain
from portal.curricula.marks import Band, Scale, ScaleKind
from portal.curricula.models import (
    EducationSystemVersion,
    EquivalencyTable,
    GradingScale,
)
from portal.extensions import db
from portal.schools.models import Jurisdiction


class NotFound(LookupError):
    """A reference object does not exist (or is not visible): the caller answers 404."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code, self.params = code, params


# --- queries -----------------------------------------------------------------------------


def jurisdictions_with_systems() -> list[Jurisdiction]:
    """Return every jurisdiction that has at least one education-system version."""
    return list(
        db.session.scalars(
            select(Jurisdiction)
            .where(Jurisdiction.id.in_(select(EducationSystemVersion.jurisdiction_id)))
            .order_by(Jurisdiction.code)
        )
    )


def system_versions(jurisdiction_code: str | None = None) -> list[EducationSystemVersion]:
    """Return system versions, optionally of one jurisdiction, newest first within each."""
    query = select(EducationSystemVersion).join(Jurisdiction)
    if jurisdiction_code:
        query = query.where(Jurisdiction.code == jurisdiction_code)
    return list(
        db.session.scalars(
            query.order_by(Jurisdiction.code, EducationSystemVersion.valid_from.desc())
        )
    )


def system_version_by_code(code: str) -> EducationSystemVersion:
    """Return the system version with this code, or raise NotFound."""
    found = db.session.scalar(
        select(EducationSystemVersion)
        .where(EducationSystemVersion.code == code)
        .options(selectinload(EducationSystemVersion.grades))
    )
    if found is None:
        raise NotFound("unknown_system_version", version=code)
    return found


def system_version_on(jurisdiction_code: str, on: date) -> EducationSystemVersion:
    """Return the jurisdiction's system version in force on a date, or raise NotFound."""
    found = db.session.scalar(
        select(EducationSystemVersion)
        .join(Jurisdiction)
        .where(
            Jurisdiction.code == jurisdiction_code,
            EducationSystemVersion.valid_from <= on,
            or_(EducationSystemVersion.valid_to.is_(None), EducationSystemVersion.valid_to >= on),
        )
        .order_by(EducationSystemVersion.valid_from.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound("no_system_on_date", jurisdiction=jurisdiction_code, on=on.isoformat())
    return found


def current_system_version(jurisdiction_code: str) -> EducationSystemVersion:
    """Return the newest system version of a jurisdiction, or raise NotFound."""
    versions = system_versions(jurisdiction_code)
    if not versions:
        raise NotFound("unknown_jurisdiction", jurisdiction=jurisdiction_code)
    return versions[0]


def origin_version_for_grade(
    jurisdiction_code: str, grade_code: str, on: date
) -> EducationSystemVersion:
    """Return the origin version that has the grade: the one in force on the date, else newest."""
    versions = [
        v for v in system_versions(jurisdiction_code) if any(g.code == grade_code for g in v.grades)
    ]
    if not versions:
        if not system_versions(jurisdiction_code):
            raise NotFound("unknown_jurisdiction", jurisdiction=jurisdiction_code)
        raise NotFound("unknown_grade", jurisdiction=jurisdiction_code, grade=grade_code)
    in_force = [
        v for v in versions if v.valid_from <= on and (v.valid_to is None or v.valid_to >= on)
    ]
    return (in_force or versions)[0]


def published_tables(origin_code: str, destination_code: str) -> list[EquivalencyTable]:
    """Return published tables between two jurisdictions (any validity period)."""
    origin = db.aliased(Jurisdiction)
    destination = db.aliased(Jurisdiction)
    origin_sv = db.aliased(EducationSystemVersion)
    dest_sv = db.aliased(EducationSystemVersion)
    return list(
        db.session.scalars(
            select(EquivalencyTable)
            .join(origin_sv, EquivalencyTable.origin_id == origin_sv.id)
            .join(origin, origin_sv.jurisdiction_id == origin.id)
            .join(dest_sv, EquivalencyTable.destination_id == dest_sv.id)
            .join(destination, dest_sv.jurisdiction_id == destination.id)
            .where(
                EquivalencyTable.status == "published",
                origin.code == origin_code,
                destination.code == destination_code,
            )
            .options(selectinload(EquivalencyTable.grade_rules))
        )
    )


# --- domain adapters (systems cached by content hash: reference rows change rarely) -------


_SYSTEM_CACHE: dict[tuple[int, str], domain.SystemVersion] = {}


def to_domain_system(model: EducationSystemVersion) -> domain.SystemVersion:
    """Return the pure-domain form of a system version (cached until its content changes)."""
    key = (model.id, model.content_hash)
    cached = _SYSTEM_CACHE.get(key)
    if cached is None:
        cached = _SYSTEM_CACHE[key] = _build_domain_system(model)
    return cached


def _build_domain_system(model: EducationSystemVersion) -> domain.SystemVersion:
    rule = model.age_rule
    return domain.SystemVersion(
        jurisdiction=model.jurisdiction.code,
        version=model.code,
        valid_from=model.valid_from,
        valid_to=model.valid_to,
        grades=tuple(
            domain.GradeInfo(
                code=g.code,
                cumulative_index=g.cumulative_index,
                isced_level=g.isced_level,
                intended_age=g.intended_age,
                labels=g.labels,
                programme=g.programme_code,
                certificate_at_end=g.certificate_at_end,
            )
            for g in model.grades
        ),
        age_rule=domain.AgeRule(
            entry_age=rule["entry_age"],
            kind=rule["kind"],
            month_day=rule.get("month_day"),
            months=rule.get("months"),
        ),
        school_year_start=model.school_year_start["month_day"],
        provisional=model.status != "approved" or rule.get("status") == "provisional",
    )


def to_domain_table(model: EquivalencyTable) -> domain.EquivalencyTableData:
    """Return the pure-domain form of an equivalency table."""
    return domain.EquivalencyTableData(
        table_id=model.code,
        version=model.version,
        origin=model.origin.jurisdiction.code,
        destination=model.destination.jurisdiction.code,
        valid_from=model.valid_from,
        valid_to=model.valid_to,
        grade_rules=tuple(
            domain.GradeRule(
                origin_grade=r.origin_grade,
                dest_grade=r.dest_grade,
                relation=r.relation,
                conditions=tuple(sorted((r.conditions or {}).items())),
                note=(r.note or {}).get("en", ""),
            )
            for r in model.grade_rules
        ),
        provisional=model.provisional,
        precedence=model.precedence,
        origin_version=model.origin.code,
        destination_version=model.destination.code,
    )


def to_domain_scale(model: GradingScale) -> Scale | None:
    """Return the pure-domain form of a grading scale; None for descriptive scales.

    Descriptive marks are never converted, so they have no numeric scale at all.
    """
    kind = ScaleKind(model.kind)
    if kind is ScaleKind.DESCRIPTIVE:
        return None
    return Scale(
        best=Decimal(model.best),
        pass_mark=Decimal(model.pass_mark),
        worst=Decimal(model.worst),
        kind=kind,
        step=Decimal(model.step) if model.step else None,
        bands=tuple(
            Band(
                code=b["code"],
                lower=Decimal(b["lower"]),
                upper=Decimal(b["upper"]),
                value=Decimal(b["value"]) if b.get("value") is not None else None,
            )
            for b in model.bands
        ),
    )


# --- equivalence ---------------------------------------------------------------------------


def resolve_equivalence(
    origin_code: str,
    grade_code: str,
    destination_code: str,
    on: date,
    facts: dict[str, str] | None = None,
) -> tuple[domain.Resolution, EducationSystemVersion, EducationSystemVersion]:
    """Resolve an origin grade to its destination equivalent on a date, with its source."""
    origin = origin_version_for_grade(origin_code, grade_code, on)
    destination = system_version_on(destination_code, on)
    tables = [to_domain_table(t) for t in published_tables(origin_code, destination_code)]
    resolution = domain.resolve_equivalent_grade(
        to_domain_system(origin),
        grade_code,
        to_domain_system(destination),
        on,
        tables,
        facts=facts or {},
    )
    return resolution, origin, destination
