"""Load the curricula reference files: sources, education systems and seed equivalency tables.

``portal.seed.load_reference`` runs this and then the loaders of the features that build on
curricula (placement policies). Idempotent: a second run changes nothing. System versions
are seed data and are updated in place when their file changes; a published table is
immutable, so a changed file for an existing published version is reported and skipped
(publish a new version instead).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.curricula import domain
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
from portal.extensions import db
from portal.schools.models import Jurisdiction
from portal.versioning.domain import canonical_hash

DATA_DIR = Path(__file__).resolve().parent / "data"
SUPPORTED_FORMAT = 1


class ReferenceDataError(ValueError):
    """A reference file is malformed; nothing is loaded."""


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line account of what the load did."""
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        parts = [
            f"{k}: {self.created[k]} new, {self.updated[k]} updated, {self.unchanged[k]} unchanged"
            for k in kinds
        ]
        return "; ".join(parts)


def _read(path: Path) -> dict:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ReferenceDataError(f"{path.name}: not valid UTF-8 JSON ({err})") from err
    if content.get("format") != SUPPORTED_FORMAT and path.name != "sources.json":
        raise ReferenceDataError(f"{path.name}: unsupported format {content.get('format')!r}")
    return content


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_curricula(root: Path, report: LoadReport) -> None:
    """Upsert the sources, systems and seed tables under ``root`` (the caller commits)."""
    _load_sources(_read(root / "sources.json"), report)
    systems = {}
    for path in sorted((root / "systems").glob("*.json")):
        for version in _load_system_file(_read(path), report):
            systems[version.code] = version
    for path in sorted((root / "tables").glob("*.json")):
        _load_table(_read(path), systems, report)
    db.session.flush()


def load_reference(data_dir: Path | None = None) -> LoadReport:
    """Load every reference file; kept for callers that predate ``portal.seed``."""
    # Documented cycle: portal.seed imports this module. Remove this function once
    # tests/conftest.py imports portal.seed.load_reference.
    from portal.seed import load_reference as load_all

    return load_all(data_dir)


def _load_sources(content: dict, report: LoadReport) -> None:
    existing = {s.key: s for s in db.session.scalars(select(Source))}
    for key, item in sorted(content.items()):
        row = existing.get(key)
        values = {
            "title": item["title"],
            "url": item.get("url"),
            "publisher": item.get("publisher"),
        }
        if row is None:
            db.session.add(Source(key=key, **values))
            report.created["source"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            report.updated["source"] += 1
        else:
            report.unchanged["source"] += 1


def _load_system_file(content: dict, report: LoadReport) -> list[EducationSystemVersion]:
    info = content["jurisdiction"]
    jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == info["code"]))
    if jurisdiction is None:
        jurisdiction = Jurisdiction(code=info["code"])
        db.session.add(jurisdiction)
        report.created["jurisdiction"] += 1
    if (jurisdiction.country, jurisdiction.names, jurisdiction.authority) != (
        info["country"],
        info["names"],
        info.get("authority", {}),
    ):
        if jurisdiction.id is not None:
            report.updated["jurisdiction"] += 1
        jurisdiction.country = info["country"]
        jurisdiction.names = info["names"]
        jurisdiction.authority = info.get("authority", {})
    else:
        report.unchanged["jurisdiction"] += 1
    return [_load_version(jurisdiction, v, report) for v in content["versions"]]


def spec_to_domain(code: str, spec: dict) -> domain.SystemVersion:
    """Build the domain object of a version spec; it enforces indices, ISCED order, age rule."""
    rule = spec["age_rule"]
    try:
        return domain.SystemVersion(
            jurisdiction=code,
            version=spec["version"],
            valid_from=_d(spec["valid_from"]),
            valid_to=_d(spec.get("valid_to")),
            grades=tuple(
                domain.GradeInfo(
                    code=g["code"],
                    cumulative_index=g["cumulative_index"],
                    isced_level=g["isced_level"],
                    intended_age=g.get("intended_age"),
                    labels=g["labels"],
                    programme=g.get("programme", ""),
                    certificate_at_end=g.get("certificate_at_end"),
                )
                for g in spec["grades"]
            ),
            age_rule=domain.AgeRule(
                entry_age=rule["entry_age"],
                kind=rule["kind"],
                month_day=rule.get("month_day"),
                months=rule.get("months"),
            ),
            school_year_start=spec["school_year_start"]["month_day"],
            provisional=spec["status"] != "approved" or rule.get("status") == "provisional",
        )
    except domain.CurriculumError as err:
        raise ReferenceDataError(f"{spec['version']}: {err}") from err


def _load_version(
    jurisdiction: Jurisdiction, spec: dict, report: LoadReport
) -> EducationSystemVersion:
    spec_to_domain(jurisdiction.code, spec)
    digest = canonical_hash({"jurisdiction": jurisdiction.code, **spec})
    row = db.session.scalar(
        select(EducationSystemVersion).where(EducationSystemVersion.code == spec["version"])
    )
    if row is not None and row.content_hash == digest:
        report.unchanged["system_version"] += 1
        return row
    if row is None:
        row = EducationSystemVersion(code=spec["version"], jurisdiction=jurisdiction)
        db.session.add(row)
        report.created["system_version"] += 1
    else:
        report.updated["system_version"] += 1
        # Children are seed data too: replace them wholesale.
        row.programmes.clear()
        row.grades.clear()
        row.subjects.clear()
        row.scales.clear()
        db.session.flush()
    row.jurisdiction = jurisdiction
    row.labels = spec.get("label", {})
    row.valid_from = _d(spec["valid_from"])
    row.valid_to = _d(spec.get("valid_to"))
    row.status = spec["status"]
    row.sources = spec.get("sources", [])
    row.note = spec.get("note", "")
    row.age_rule = spec["age_rule"]
    row.school_year_start = spec["school_year_start"]
    row.content_hash = digest
    row.programmes = [
        Programme(
            code=p["code"],
            names=p.get("names", {}),
            isced_level=p["isced_level"],
            isced_p=p.get("isced_p"),
            orientation=p.get("orientation", "general"),
            certificate=p.get("certificate"),
        )
        for p in spec.get("programmes", [])
    ]
    row.grades = [
        Grade(
            code=g["code"],
            programme_code=g.get("programme", ""),
            labels=g["labels"],
            cumulative_index=g["cumulative_index"],
            isced_level=g["isced_level"],
            intended_age=g.get("intended_age"),
            certificate_at_end=g.get("certificate_at_end"),
            status=g.get("status", spec["status"]),
            sources=g.get("sources", []),
        )
        for g in spec["grades"]
    ]
    row.subjects = [
        Subject(
            code=s["code"],
            names=s.get("names", {}),
            category=s.get("category", "core"),
            exclude_from_average=bool(s.get("exclude_from_average", False)),
        )
        for s in spec.get("subjects", [])
    ]
    row.scales = [
        GradingScale(
            code=s["code"],
            names=s.get("names", {}),
            kind=s["kind"],
            best=s.get("best"),
            pass_mark=s.get("pass"),
            worst=s.get("worst"),
            step=s.get("step"),
            bands=s.get("bands", []),
            applies_to=s.get("applies_to", "all"),
            valid_from=_d(s.get("valid_from")),
            valid_to=_d(s.get("valid_to")),
            status=s.get("status", "provisional"),
            sources=s.get("sources", []),
        )
        for s in spec.get("grading_scales", [])
    ]
    return row


def table_content(spec: dict) -> dict:
    """Return the part of a table that its content hash covers."""
    return {
        "origin": spec["origin"]["version"],
        "destination": spec["destination"]["version"],
        "valid_from": spec["valid_from"],
        "valid_to": spec.get("valid_to"),
        "precedence": spec.get("precedence", 0),
        "provisional": bool(spec.get("provisional", False)),
        "authority": spec.get("authority", {}),
        "basis": spec.get("basis", {}),
        "sources": spec.get("sources", []),
        "grade_rules": [
            {
                "origin_grade": r["origin_grade"],
                "dest_grade": r["dest_grade"],
                "relation": r.get("relation", "exact"),
                "conditions": r.get("conditions", {}),
                "note": r.get("note", {}),
            }
            for r in spec.get("grade_rules", [])
        ],
        "subject_mappings": [
            {
                "origin_subject": m["origin_subject"],
                "dest_subject": m["dest_subject"],
                "note": m.get("note", {}),
            }
            for m in spec.get("subject_mappings", [])
        ],
        "mark_rules": [
            {
                "origin_scale": m["origin_scale"],
                "method": m["method"],
                "rounding": m["rounding"],
                "best": m.get("best"),
                "pass": m.get("pass"),
                "target_scale": m.get("target_scale"),
            }
            for m in spec.get("mark_rules", [])
        ],
    }


def _load_table(spec: dict, systems: dict[str, EducationSystemVersion], report: LoadReport) -> None:
    content = table_content(spec)
    digest = canonical_hash(content)
    row = db.session.scalar(
        select(EquivalencyTable).where(
            EquivalencyTable.code == spec["code"], EquivalencyTable.version == spec["version"]
        )
    )
    if row is not None:
        if row.content_hash == digest:
            report.unchanged["equivalency_table"] += 1
        else:
            report.warnings.append(
                f"{spec['code']} v{spec['version']}: the file differs from the stored version, "
                "which is immutable once published; give the file a new version number"
            )
        return
    try:
        origin = systems[content["origin"]]
        destination = systems[content["destination"]]
    except KeyError as err:
        raise ReferenceDataError(f"{spec['code']}: unknown system version {err}") from err
    published = spec.get("status", "published") == "published"
    table = EquivalencyTable(
        code=spec["code"],
        version=spec["version"],
        origin=origin,
        destination=destination,
        owner=destination.jurisdiction,
        status="published" if published else "draft",
        provisional=content["provisional"],
        precedence=content["precedence"],
        valid_from=_d(content["valid_from"]),
        valid_to=_d(content["valid_to"]),
        authority=content["authority"],
        basis=content["basis"],
        sources=content["sources"],
        content_hash=digest,
        published_at=None,
    )
    table.grade_rules = [
        EquivalencyGradeRule(position=i, **r) for i, r in enumerate(content["grade_rules"])
    ]
    table.subject_mappings = [
        EquivalencySubjectMapping(position=i, **m)
        for i, m in enumerate(content["subject_mappings"])
    ]
    table.mark_rules = [
        EquivalencyMarkRule(
            position=i,
            origin_scale=m["origin_scale"],
            method=m["method"],
            rounding=m["rounding"],
            best=m["best"],
            pass_mark=m["pass"],
            target_scale=m["target_scale"],
        )
        for i, m in enumerate(content["mark_rules"])
    ]
    db.session.add(table)
    report.created["equivalency_table"] += 1
