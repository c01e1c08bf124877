"""Small education systems and equivalency tables built through the models (no seed files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.auth.models import User
from portal.curricula.equivalency.services.content import content_hash
from portal.curricula.models import (
    EducationSystemVersion,
    EquivalencyGradeRule,
    EquivalencyMarkRule,
    EquivalencySubjectMapping,
    EquivalencyTable,
    Grade,
    GradingScale,
    Programme,
    Source,
    Subject,
)
from portal.db import utcnow
from portal.extensions import db
from portal.schools.models import Jurisdiction
from tests.factories import make_jurisdiction, make_user

SECOND_OFFICIAL = "ministry2@test.example"

LABELS = {
    "en": "Grade {n}",
    "de": "{n}. Klasse",
    "ar": "الصف {n}",
    "uk": "{n} клас",
}


def jurisdiction(code: str, name: str | None = None) -> Jurisdiction:
    """Return the jurisdiction with this code, creating it when missing."""
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    return found or make_jurisdiction(code, name)


def make_source(key: str, title: str = "A source", url: str | None = None) -> Source:
    source = Source(key=key, title=title, url=url, publisher="Publisher")
    db.session.add(source)
    db.session.flush()
    return source


def make_system(
    jurisdiction_code: str,
    code: str,
    grades: int,
    *,
    prefix: str,
    primary: int = 4,
    lower_secondary: int = 10,
    subjects: tuple[str, ...] = ("MATH", "SCI"),
    scales: tuple[tuple[str, str, str, str], ...] = (),
    provisional_grades: tuple[int, ...] = (),
    certificates: dict[int, str] | None = None,
    sources: tuple[str, ...] = (),
) -> EducationSystemVersion:
    """Build a system version with grades G1..Gn, ISCED 1 up to ``primary``, 2 up to
    ``lower_secondary``, 3 above; ``scales`` are (code, best, pass, worst)."""
    certificates = certificates or {}
    system = EducationSystemVersion(
        jurisdiction=jurisdiction(jurisdiction_code),
        code=code,
        labels={"en": f"{jurisdiction_code} system", "de": f"Schulsystem {jurisdiction_code}"},
        valid_from=date(2000, 1, 1),
        status="approved",
        sources=list(sources),
        note="",
        age_rule={
            "entry_age": 6,
            "kind": "cutoff_date",
            "month_day": "09-30",
            "status": "approved",
        },
        school_year_start={"month_day": "08-01", "status": "provisional", "sources": []},
        content_hash="test",
    )
    system.programmes = [
        Programme(code=f"{prefix}-PRIM", names={"en": "Primary"}, isced_level=1),
        Programme(code=f"{prefix}-SEC", names={"en": "Secondary"}, isced_level=2),
    ]
    for n in range(1, grades + 1):
        isced = 1 if n <= primary else 2 if n <= lower_secondary else 3
        system.grades.append(
            Grade(
                programme_code=f"{prefix}-PRIM" if isced == 1 else f"{prefix}-SEC",
                code=f"{prefix}-G{n}",
                labels={k: v.format(n=n) for k, v in LABELS.items()},
                cumulative_index=n,
                isced_level=isced,
                intended_age=5 + n,
                certificate_at_end=certificates.get(n),
                status="provisional" if n in provisional_grades else "approved",
                sources=list(sources),
            )
        )
    system.subjects = [Subject(code=s, names={"en": s.title()}) for s in subjects]
    system.scales = [
        GradingScale(
            code=c,
            names={"en": f"Scale {c}"},
            kind="numeric",
            best=best,
            pass_mark=pass_mark,
            worst=worst,
            status="approved",
            sources=[],
        )
        for c, best, pass_mark, worst in scales
    ]
    db.session.add(system)
    db.session.flush()
    return system


def make_table(
    origin: EducationSystemVersion,
    destination: EducationSystemVersion,
    *,
    drafted_by: User | None,
    published_by: User | None = None,
    version: int = 1,
    grade_pairs: tuple[tuple[str, str], ...] = (),
    subject_pairs: tuple[tuple[str, str], ...] = (),
    mark_rules: tuple[dict, ...] = (),
    supersedes: EquivalencyTable | None = None,
) -> EquivalencyTable:
    """Build a table; published (with its content hash) when ``published_by`` is given."""
    table = EquivalencyTable(
        code=f"{origin.jurisdiction.code}__{destination.jurisdiction.code}",
        version=version,
        origin=origin,
        destination=destination,
        owner=destination.jurisdiction,
        status="draft",
        valid_from=date(2024, 8, 1),
        authority={"en": "Ministry"},
        basis={"en": "Cumulative years"},
        sources=[],
        drafted_by_id=drafted_by.id if drafted_by else None,
        supersedes=supersedes,
    )
    table.grade_rules = [
        EquivalencyGradeRule(
            position=i,
            origin_grade=o,
            dest_grade=d,
            relation="exact",
            conditions={},
            note={"en": f"Same year {i + 1}"},
        )
        for i, (o, d) in enumerate(grade_pairs)
    ]
    table.subject_mappings = [
        EquivalencySubjectMapping(position=i, origin_subject=o, dest_subject=d, note={})
        for i, (o, d) in enumerate(subject_pairs)
    ]
    table.mark_rules = [
        EquivalencyMarkRule(position=i, **{"best": None, "pass_mark": None, **m})
        for i, m in enumerate(mark_rules)
    ]
    db.session.add(table)
    db.session.flush()
    if published_by is not None:
        table.content_hash = content_hash(table)
        table.status, table.published_by_id, table.published_at = (
            "published",
            published_by.id,
            utcnow(),
        )
        db.session.flush()
    return table


@dataclass
class Reference:
    systems: dict[str, str] = field(default_factory=dict)  # jurisdiction → version code
    tables: dict[str, str] = field(default_factory=dict)  # name → public id
    second_official: str = SECOND_OFFICIAL


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def build_reference(*, with_tables: bool = True) -> Reference:
    """SY, UA, PL, DE-NW and DE-BY systems, a second DE-NW official and a published SY→DE-NW
    table (version 1, three grade rules, one subject mapping, one mark rule)."""
    ref = Reference()
    for key in ("UIS-COM", "KMK-2013"):
        make_source(key, title=f"Source {key}", url=f"https://example.org/{key}")
    sy = make_system(
        "SY",
        "SY-2002",
        12,
        prefix="SY",
        primary=6,
        lower_secondary=9,
        subjects=("MATH", "SCI", "ARAB", "REL"),
        scales=(("SY-0-100", "100", "50", "0"),),
        provisional_grades=(12,),
        certificates={9: "SY-BEC", 12: "SY-SEC"},
        sources=("UIS-COM",),
    )
    nw = make_system(
        "DE-NW",
        "DE-NW-2024",
        13,
        prefix="DE-NW",
        subjects=("MATH", "SCI", "DEU"),
        scales=(("DE-1-6", "1", "4", "6"),),
        certificates={10: "DE-MSA"},
        sources=("KMK-2013",),
    )
    ua = make_system("UA", "UA-2018", 11, prefix="UA", scales=(("UA-1-12", "12", "4", "1"),))
    pl = make_system("PL", "PL-2017", 12, prefix="PL", primary=3, lower_secondary=8)
    by = make_system("DE-BY", "DE-BY-2024", 13, prefix="DE-BY", scales=(("DE-1-6", "1", "4", "6"),))
    ref.systems = {s.jurisdiction.code: s.code for s in (sy, nw, ua, pl, by)}

    nw_j = jurisdiction("DE-NW")
    second = make_user(SECOND_OFFICIAL, "ministry_official", jurisdiction=nw_j, name="Second")
    if with_tables:
        first = _user("ministry@test.example")
        table = make_table(
            sy,
            nw,
            drafted_by=first,
            published_by=second,
            grade_pairs=(("SY-G1", "DE-NW-G1"), ("SY-G2", "DE-NW-G2"), ("SY-G3", "DE-NW-G3")),
            subject_pairs=(("MATH", "MATH"),),
            mark_rules=(
                {
                    "origin_scale": "SY-0-100",
                    "method": "modified_bavarian",
                    "rounding": "KMK_TRUNCATE_1DP",
                    "target_scale": "DE-1-6",
                },
            ),
        )
        ref.tables["sy_nw"] = table.public_id
        by_official = _user("ministry-by@test.example")
        ua_by = make_table(
            ua,
            by,
            drafted_by=by_official,
            grade_pairs=(("UA-G1", "DE-BY-G1"),),
        )
        ref.tables["ua_by_draft"] = ua_by.public_id
    return ref
