"""Load the shipped placement policies (``data/policies/*.json``), idempotently.

A published version is immutable: a changed file for it is reported and skipped, and a file
with a new version number supersedes the published version (which is retired, as by a
publication). Called by the composition root ``portal.seed``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.curricula.loader import LoadReport, ReferenceDataError
from portal.curricula.models import EducationSystemVersion
from portal.extensions import db
from portal.placement.domain import PlacementError
from portal.placement.models import AcceleratedProgramme
from portal.placement.models import PlacementPolicy as PolicyRow
from portal.placement.policy.domain import NOTE_KEY, NOTES_KEY, parameters_to_domain
from portal.placement.policy.services.content import content_hash
from portal.placement.policy.services.lifecycle import POLICIES, published_policy
from portal.schools.models import Jurisdiction
from portal.versioning import services as lifecycle

_AEP_KEYS = {"code", "names", "certified", "age_band", "levels", "sources"}


def _seed_error(message: str) -> Exception:
    return ReferenceDataError(message)


def _seed_programmes(spec: dict, grades: set[str], name: str) -> list[AcceleratedProgramme]:
    rows = []
    for item in spec.get("aep_programmes", []):
        unknown = [g for lv in item["levels"] for g in lv["grades"] if g not in grades]
        if unknown:
            raise _seed_error(f"{name}: {item['code']} names unknown grades {unknown}")
        low, high = item["age_band"]
        rows.append(
            AcceleratedProgramme(
                code=item["code"],
                names=item.get("names", {}),
                certified=bool(item.get("certified", False)),
                age_min=low,
                age_max=high,
                levels=[
                    {"code": lv["code"], "grades": list(lv["grades"])} for lv in item["levels"]
                ],
                details={k: v for k, v in item.items() if k not in _AEP_KEYS},
                sources=item.get("sources", []),
            )
        )
    return rows


def _seed_row(spec: dict, system: EducationSystemVersion, name: str) -> PolicyRow:
    status = {"published": "published", "draft": "draft"}.get(spec.get("status"), "retired")
    notes = {NOTES_KEY: spec.get("parameter_notes", {}), NOTE_KEY: spec.get("note", {})}
    row = PolicyRow(
        jurisdiction=system.jurisdiction,
        system_version=system,
        version=spec["version"],
        status=status,
        provisional=bool(spec.get("provisional", False)),
        valid_from=date.fromisoformat(spec["valid_from"]),
        valid_to=date.fromisoformat(spec["valid_to"]) if spec.get("valid_to") else None,
        parameters=spec["parameters"],
        parameter_status={**spec.get("parameter_status", {}), **notes},
        sources=spec.get("sources", []),
    )
    row.programmes = _seed_programmes(spec, {g.code for g in system.grades}, name)
    try:
        parameters_to_domain(row.parameters, f"{system.code}/v{row.version}", row.provisional)
    except PlacementError as err:
        raise _seed_error(f"{name}: invalid parameter {err.params.get('field')}") from err
    return row


def load_policies(data_dir: Path, report: LoadReport) -> None:
    """Upsert the seed policies of ``data_dir/policies`` (idempotent; published ones immutable)."""
    folder = Path(data_dir) / "policies"
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise _seed_error(f"{path.name}: not valid UTF-8 JSON ({err})") from err
        system = db.session.scalar(
            select(EducationSystemVersion)
            .join(Jurisdiction)
            .where(
                EducationSystemVersion.code == spec.get("system_version"),
                Jurisdiction.code == spec.get("jurisdiction"),
            )
        )
        if system is None:
            raise _seed_error(f"{path.name}: unknown system version {spec.get('system_version')}")
        _load_policy(spec, system, path.name, report)


def _load_policy(spec: dict, system: EducationSystemVersion, name: str, report: LoadReport) -> None:
    candidate = _seed_row(spec, system, name)
    digest = content_hash(candidate)
    existing = db.session.scalar(
        select(PolicyRow).where(
            PolicyRow.system_version_id == system.id, PolicyRow.version == spec["version"]
        )
    )
    if existing is not None:
        if existing.content_hash == digest:
            report.unchanged["placement_policy"] += 1
        elif existing.status == "draft":
            _replace_seed_draft(existing, spec, system, name)
            existing.content_hash = content_hash(existing)
            report.updated["placement_policy"] += 1
        else:
            report.warnings.append(
                f"policy {system.code} v{spec['version']}: the file differs from the stored "
                "version, which is immutable once published; give the file a new version number"
            )
        return
    if candidate.status == "published":
        candidate.published_at = None  # published by the seed, not by a person
        older = published_policy(system.id)
        if older is not None and older.version < candidate.version:
            candidate.supersedes_id = older.id
            # Retired by the seed, not by a person: kept, dated and audited all the same.
            lifecycle.supersede(POLICIES, older, candidate, None)
    candidate.content_hash = digest
    db.session.add(candidate)
    db.session.flush()
    report.created["placement_policy"] += 1
    report.created["accelerated_programme"] += len(candidate.programmes)


def _replace_seed_draft(row: PolicyRow, spec: dict, system: EducationSystemVersion, name) -> None:
    fresh = _seed_row(spec, system, name)
    for attr in ("provisional", "valid_from", "valid_to", "parameters", "parameter_status"):
        setattr(row, attr, getattr(fresh, attr))
    row.sources = fresh.sources
    programmes, fresh.programmes = fresh.programmes, []
    row.programmes.clear()
    db.session.flush()
    row.programmes = programmes
