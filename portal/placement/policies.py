"""Placement policies: seed loading, the engine adapters and the ministry lifecycle.

A policy holds the §6.3 parameters of one destination system version. Like equivalency
tables it is versioned: a published version is immutable, a change is a new draft version
that a second official of the same jurisdiction publishes (four eyes), which retires the
version it supersedes. Every write appends an audit entry in the caller's transaction.

``parameter_status`` keeps the per-parameter status ("approved" / "provisional") and, under
the reserved keys ``_notes`` and ``_note``, the seed file's provenance notes (label dicts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.curricula.loader import LoadReport, ReferenceDataError, canonical_hash
from portal.curricula.models import EducationSystemVersion
from portal.curricula.services import NotFound
from portal.db import utcnow
from portal.extensions import db
from portal.placement.domain import (
    AEProgramme,
    AgeReference,
    AheadOfAge,
    EvidenceLevel,
    Feb29Rule,
    LanguageSupport,
    LanguageThreshold,
    PlacementBasis,
    PlacementError,
    PlacementPolicy,
    PostCompulsory,
)
from portal.placement.models import AcceleratedProgramme
from portal.placement.models import PlacementPolicy as PolicyRow
from portal.schools.models import Jurisdiction

REQUIRED_KEYS = (
    "entry_age",
    "age_reference",
    "school_year_start",
    "placement_basis",
    "max_grades_below_age",
    "overage_threshold_aep",
    "aep_age_band",
    "catch_up_max_gap_years",
    "partial_year_credit_threshold",
    "allow_ahead_of_age",
    "language_support",
    "post_compulsory",
    "assessment_due_weeks",
    "review_after_weeks",
    "mid_year_weeks",
    "transition_grades",
)
# Kept with the policy but not read by the engine (mark conversion and table order).
OTHER_KEYS = ("equivalency_precedence", "rounding_policy", "feb29_rule", "recognised_certificates")
PARAMETER_KEYS = REQUIRED_KEYS + OTHER_KEYS
STATUSES = ("approved", "provisional")
NOTES_KEY, NOTE_KEY = "_notes", "_note"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_AEP_KEYS = {"code", "names", "certified", "age_band", "levels", "sources"}
# An upper bound for every count, so a typo cannot produce a 1,000-week deadline.
COUNT_MAX = 104


class PolicyError(ValueError):
    """A policy change was refused; ``code`` and ``params`` are translated by the caller."""

    def __init__(self, code: str, *, field: str | None = None, **params: object):
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


# --- parameters -> engine ------------------------------------------------------------------


def evidence_level(value: object) -> EvidenceLevel:
    """Read an evidence level written as "E4" or 4."""
    if isinstance(value, str) and re.fullmatch(r"E[0-5]", value):
        return EvidenceLevel[value]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 5:
        return EvidenceLevel(value)
    raise ValueError(value)


def label_text(value: object, locale: str = "en") -> str:
    """Return the text of a label dict (or a plain string) in a locale, else English."""
    if isinstance(value, Mapping):
        language = locale.split("_")[0]
        for key in (locale, language, "en"):
            if value.get(key):
                return str(value[key])
        return str(next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _count(value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= COUNT_MAX:
        raise ValueError(value)
    return value


def _read(name: str, read: Callable[[], object]) -> object:
    try:
        return read()
    except PlacementError as err:
        params = {**err.params, "field": err.params.get("field", name)}
        raise PlacementError("invalid_policy", params) from None
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        raise PlacementError("invalid_policy", {"field": name}) from None


def parameters_to_domain(
    parameters: Mapping, policy_version: str, provisional: bool = False
) -> PlacementPolicy:
    """Build the engine's PlacementPolicy from stored parameters; raise PlacementError."""
    p = parameters
    missing = [k for k in REQUIRED_KEYS if k not in p]
    if missing:
        raise PlacementError("invalid_policy", {"field": missing[0], "reason": "missing"})

    def reference() -> AgeReference:
        ref = p["age_reference"]
        months = ref.get("months")
        return AgeReference(
            ref["type"], ref.get("month_day"), None if months is None else _count(months, 1)
        )

    def ahead() -> AheadOfAge:
        value = p["allow_ahead_of_age"]
        return AheadOfAge(_count(value["max"]), evidence_level(value["min_evidence"]))

    def language() -> LanguageSupport | None:
        value = p["language_support"]
        if value is None:
            return None
        if not LANGUAGE_CODE.fullmatch(value["lang"]):
            raise ValueError(value["lang"])
        threshold = value["threshold"]
        return LanguageSupport(
            value["lang"],
            LanguageThreshold(threshold["primary"], threshold["secondary"]),
            _count(value["max_months"], 1),
            label_text(value.get("programme")),
        )

    def post() -> PostCompulsory | None:
        value = p["post_compulsory"]
        return None if value is None else PostCompulsory(_count(value["age_from"], 1))

    def band() -> tuple[int, int]:
        low, high = p["aep_age_band"]
        return _count(low), _count(high)

    def threshold() -> Decimal:
        value = p["partial_year_credit_threshold"]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(value)
        return Decimal(str(value))

    def pairs() -> tuple[tuple[str, str], ...]:
        return tuple((str(a), str(b)) for a, b in p.get("recognised_certificates") or ())

    def grades() -> tuple[str, ...]:
        value = p["transition_grades"]
        if not isinstance(value, list | tuple) or not all(isinstance(g, str) for g in value):
            raise ValueError(value)
        return tuple(value)

    values = {
        "entry_age": _read("entry_age", lambda: _count(p["entry_age"], 1)),
        "age_reference": _read("age_reference", reference),
        "school_year_start": _read("school_year_start", lambda: str(p["school_year_start"])),
        "placement_basis": _read("placement_basis", lambda: PlacementBasis(p["placement_basis"])),
        "max_grades_below_age": _read(
            "max_grades_below_age", lambda: _count(p["max_grades_below_age"])
        ),
        "overage_threshold_aep": _read(
            "overage_threshold_aep", lambda: _count(p["overage_threshold_aep"], 1)
        ),
        "aep_age_band": _read("aep_age_band", band),
        "catch_up_max_gap_years": _read(
            "catch_up_max_gap_years", lambda: _count(p["catch_up_max_gap_years"])
        ),
        "partial_year_credit_threshold": _read("partial_year_credit_threshold", threshold),
        "allow_ahead_of_age": _read("allow_ahead_of_age", ahead),
        "language_support": _read("language_support", language),
        "post_compulsory": _read("post_compulsory", post),
        "assessment_due_weeks": _read(
            "assessment_due_weeks", lambda: _count(p["assessment_due_weeks"])
        ),
        "review_after_weeks": _read("review_after_weeks", lambda: _count(p["review_after_weeks"])),
        "mid_year_weeks": _read("mid_year_weeks", lambda: _count(p["mid_year_weeks"])),
        "transition_grades": _read("transition_grades", grades),
        "feb29_rule": _read("feb29_rule", lambda: Feb29Rule(p.get("feb29_rule") or "feb28")),
        "recognised_certificates": _read("recognised_certificates", pairs),
    }
    return _read(
        "policy",
        lambda: PlacementPolicy(policy_version=policy_version, provisional=provisional, **values),
    )


def programme_to_domain(code: str, certified: bool, band: tuple[int, int], levels) -> AEProgramme:
    """Build the engine's AEProgramme from stored values."""
    return AEProgramme(
        code=code,
        certified=bool(certified),
        age_band=band,
        levels=tuple((lv["code"], tuple(lv["grades"])) for lv in levels),
    )


def is_provisional(row: PolicyRow) -> bool:
    """Tell whether the policy, or any of its parameters, is still provisional."""
    statuses = {k: v for k, v in (row.parameter_status or {}).items() if not k.startswith("_")}
    return bool(row.provisional) or "provisional" in statuses.values()


_POLICY_CACHE: dict[tuple[str, bool, str], PlacementPolicy] = {}


def to_domain_policy(row: PolicyRow) -> PlacementPolicy:
    """Return the engine form of a stored policy (cached by its content, not its row id)."""
    provisional = is_provisional(row)
    key = (row.version_label, provisional, json.dumps(row.parameters, sort_keys=True))
    cached = _POLICY_CACHE.get(key)
    if cached is None:
        cached = _POLICY_CACHE[key] = parameters_to_domain(
            row.parameters, row.version_label, provisional
        )
    return cached


def to_domain_programmes(row: PolicyRow) -> tuple[AEProgramme, ...]:
    """Return the engine form of the policy's accelerated programmes."""
    return tuple(
        programme_to_domain(p.code, p.certified, (p.age_min, p.age_max), p.levels)
        for p in row.programmes
    )


# --- content and hash ----------------------------------------------------------------------


def _programme_content(code, names, certified, band, levels, sources, details) -> dict:
    return {
        "code": code,
        "names": dict(names or {}),
        "certified": bool(certified),
        "age_band": [int(band[0]), int(band[1])],
        "levels": [{"code": lv["code"], "grades": list(lv["grades"])} for lv in levels],
        "sources": list(sources or []),
        "details": dict(details or {}),
    }


def policy_content(row: PolicyRow) -> dict:
    """Return what a policy's content hash covers (the same shape for seeds and edits)."""
    return {
        "system_version": row.system_version.code,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "provisional": bool(row.provisional),
        "parameters": dict(row.parameters or {}),
        "parameter_status": dict(row.parameter_status or {}),
        "sources": list(row.sources or []),
        "aep_programmes": [
            _programme_content(
                p.code, p.names, p.certified, (p.age_min, p.age_max), p.levels, p.sources, p.details
            )
            for p in sorted(row.programmes, key=lambda p: p.code)
        ],
    }


def content_hash(row: PolicyRow) -> str:
    """Return the SHA-256 of the policy's canonical content."""
    return canonical_hash(policy_content(row))


# --- seed files ----------------------------------------------------------------------------


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
        older = _published(system.id)
        if older is not None and older.version < candidate.version:
            older.status = "retired"
            candidate.supersedes_id = older.id
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


# --- queries and visibility ----------------------------------------------------------------


def _published(system_version_id: int) -> PolicyRow | None:
    return db.session.scalar(
        select(PolicyRow)
        .where(PolicyRow.system_version_id == system_version_id, PolicyRow.status == "published")
        .order_by(PolicyRow.version.desc())
        .limit(1)
    )


def published_policy_on(system: EducationSystemVersion, on: date) -> PolicyRow | None:
    """Return the published policy of a system version valid on a date, newest version first."""
    return db.session.scalar(
        select(PolicyRow)
        .where(
            PolicyRow.system_version_id == system.id,
            PolicyRow.status == "published",
            PolicyRow.valid_from <= on,
            (PolicyRow.valid_to.is_(None)) | (PolicyRow.valid_to >= on),
        )
        .options(selectinload(PolicyRow.programmes))
        .order_by(PolicyRow.version.desc())
        .limit(1)
    )


def can_edit(user: User, row: PolicyRow) -> bool:
    """Tell whether the user is a ministry official of the policy's jurisdiction."""
    return (
        user.role == Role.MINISTRY_OFFICIAL
        and user.jurisdiction_id is not None
        and user.jurisdiction_id == row.jurisdiction_id
    )


def can_view(user: User, row: PolicyRow) -> bool:
    """Published and retired versions are public to officials; drafts only to their owners."""
    return row.status != "draft" or can_edit(user, row)


def _by_public_id(public_id: str) -> PolicyRow | None:
    return db.session.scalar(
        select(PolicyRow)
        .where(PolicyRow.public_id == public_id)
        .options(selectinload(PolicyRow.programmes), selectinload(PolicyRow.system_version))
    )


def policy_for_view(user: User, public_id: str) -> PolicyRow:
    """Return a policy the user may see, or raise NotFound (hidden drafts look missing)."""
    row = _by_public_id(public_id)
    if row is None or not can_view(user, row):
        raise NotFound("unknown_policy")
    return row


def policy_for_edit(user: User, public_id: str) -> PolicyRow:
    """Return a policy the official may change, or raise NotFound like a missing one."""
    row = _by_public_id(public_id)
    if row is None or not can_edit(user, row):
        raise NotFound("unknown_policy")
    return row


@dataclass(frozen=True)
class PolicyLine:
    """One system version on the overview: its published policy and the visible draft."""

    system: EducationSystemVersion
    published: PolicyRow | None
    draft: PolicyRow | None
    editable: bool


def overview(user: User) -> list[PolicyLine]:
    """Return every system version with a policy: own jurisdiction first, then by code."""
    rows = db.session.scalars(
        select(PolicyRow)
        .options(selectinload(PolicyRow.system_version))
        .order_by(PolicyRow.version.desc())
    ).all()
    by_system: dict[int, list[PolicyRow]] = {}
    for row in rows:
        by_system.setdefault(row.system_version_id, []).append(row)
    lines = []
    for versions in by_system.values():
        system = versions[0].system_version
        published = next((r for r in versions if r.status == "published"), None)
        draft = next((r for r in versions if r.status == "draft" and can_view(user, r)), None)
        lines.append(PolicyLine(system, published, draft, can_edit(user, versions[0])))
    own = user.jurisdiction_id
    return sorted(lines, key=lambda line: (line.system.jurisdiction_id != own, line.system.code))


def history(row: PolicyRow, user: User) -> list[PolicyRow]:
    """Return the versions of the policy's system version that the user may see, newest first."""
    versions = db.session.scalars(
        select(PolicyRow)
        .where(PolicyRow.system_version_id == row.system_version_id)
        .order_by(PolicyRow.version.desc())
    )
    return [v for v in versions if can_view(user, v)]


def open_draft(system_version_id: int) -> PolicyRow | None:
    """Return the draft being prepared for a system version, if any."""
    return db.session.scalar(
        select(PolicyRow).where(
            PolicyRow.system_version_id == system_version_id, PolicyRow.status == "draft"
        )
    )


# --- lifecycle -----------------------------------------------------------------------------


def _audit(action: str, row: PolicyRow, **details: object) -> None:
    record(
        f"placement_policy.{action}",
        "placement_policy",
        row.public_id,
        details={"system_version": row.system_version.code, "version": row.version, **details},
    )


def _require_draft(row: PolicyRow, official: User, expected_lock: int | None) -> None:
    if not can_edit(official, row):
        raise NotFound("unknown_policy")
    if row.status != "draft":
        raise PolicyError("published_immutable")
    _check_lock(row, expected_lock)


def _check_lock(row: PolicyRow, expected_lock: int | None) -> None:
    if expected_lock is not None and expected_lock != row.lock_version:
        raise PolicyError("stale")


def new_version(published: PolicyRow, official: User) -> PolicyRow:
    """Copy a published policy into a new draft version N+1 that supersedes it."""
    if not can_edit(official, published):
        raise NotFound("unknown_policy")
    if published.status != "published":
        raise PolicyError("not_published")
    if open_draft(published.system_version_id) is not None:
        raise PolicyError("draft_exists")
    latest = db.session.scalar(
        select(func.max(PolicyRow.version)).where(
            PolicyRow.system_version_id == published.system_version_id
        )
    )
    draft = PolicyRow(
        jurisdiction_id=published.jurisdiction_id,
        system_version=published.system_version,
        version=latest + 1,
        status="draft",
        provisional=published.provisional,
        valid_from=published.valid_from,
        valid_to=published.valid_to,
        parameters=json.loads(json.dumps(published.parameters)),
        parameter_status=json.loads(json.dumps(published.parameter_status or {})),
        sources=list(published.sources or []),
        supersedes_id=published.id,
        drafted_by_id=official.id,
    )
    draft.programmes = [
        AcceleratedProgramme(
            code=p.code,
            names=dict(p.names or {}),
            certified=p.certified,
            age_min=p.age_min,
            age_max=p.age_max,
            levels=json.loads(json.dumps(p.levels)),
            details=json.loads(json.dumps(p.details or {})),
            sources=list(p.sources or []),
        )
        for p in published.programmes
    ]
    db.session.add(draft)
    db.session.flush()
    _audit("version_started", draft, supersedes=published.version)
    return draft


@dataclass(frozen=True)
class PolicyChanges:
    """What an official edits on a draft: the parameters, their status, validity."""

    parameters: Mapping[str, object]
    parameter_status: Mapping[str, str] = field(default_factory=dict)
    valid_from: date | None = None
    valid_to: date | None = None
    provisional: bool = False


def check_parameters(row: PolicyRow, parameters: Mapping[str, object]) -> None:
    """Refuse parameters the engine would refuse, or that name grades the system lacks."""
    unknown = sorted(set(parameters) - set(PARAMETER_KEYS))
    if unknown:
        raise PolicyError("unknown_parameter", field=unknown[0], name=unknown[0])
    try:
        parameters_to_domain(parameters, row.version_label, False)
    except PlacementError as err:
        name = str(err.params.get("field", "policy"))
        raise PolicyError("invalid_parameter", field=name, name=name) from None
    grades = {g.code for g in row.system_version.grades}
    strangers = [g for g in parameters["transition_grades"] if g not in grades]
    if strangers:
        raise PolicyError("unknown_grade", field="transition_grades", grade=strangers[0])


def update_draft(
    row: PolicyRow, official: User, changes: PolicyChanges, expected_lock_version: int | None
) -> list[str]:
    """Change a draft's parameters, statuses and validity; return the names that changed."""
    _require_draft(row, official, expected_lock_version)
    parameters = dict(changes.parameters)
    check_parameters(row, parameters)
    valid_from = changes.valid_from or row.valid_from
    if changes.valid_to is not None and changes.valid_to < valid_from:
        raise PolicyError("invalid_period", field="valid_to")
    status = dict(row.parameter_status or {})
    for key, value in changes.parameter_status.items():
        if key not in parameters or value not in STATUSES:
            raise PolicyError("invalid_status", field=key)
        status[key] = value
    changed = sorted(k for k in PARAMETER_KEYS if parameters.get(k) != row.parameters.get(k))
    changed += sorted(
        f"status.{k}" for k in parameters if status.get(k) != row.parameter_status.get(k)
    )
    for name, value in (
        ("valid_from", valid_from),
        ("valid_to", changes.valid_to),
        ("provisional", bool(changes.provisional)),
    ):
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    if changed:
        row.parameters, row.parameter_status = parameters, status
        db.session.flush()
        _audit("updated", row, fields=changed)
    return changed


def publish(row: PolicyRow, official: User, expected_lock_version: int | None = None) -> PolicyRow:
    """Publish a draft reviewed by a second official; retire the version it supersedes."""
    _require_draft(row, official, expected_lock_version)
    if row.drafted_by_id == official.id:
        raise PolicyError("four_eyes")
    check_parameters(row, row.parameters)
    now = utcnow()
    retired = None
    previous = db.session.get(PolicyRow, row.supersedes_id) if row.supersedes_id else None
    if previous is not None and previous.status == "published":
        previous.status = "retired"
        retired = previous.version
    row.content_hash = content_hash(row)
    row.status, row.published_by_id, row.published_at = "published", official.id, now
    db.session.flush()
    _audit("published", row, content_hash=row.content_hash, retired_version=retired)
    return row


def retire(row: PolicyRow, official: User, expected_lock_version: int | None = None) -> PolicyRow:
    """Withdraw a published policy: it stays in the history but no longer applies."""
    if not can_edit(official, row):
        raise NotFound("unknown_policy")
    if row.status != "published":
        raise PolicyError("not_published")
    _check_lock(row, expected_lock_version)
    row.status = "retired"
    db.session.flush()
    _audit("retired", row)
    return row
