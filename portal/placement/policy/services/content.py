"""A stored policy as the engine sees it, and the canonical content its fingerprint covers."""

from __future__ import annotations

import json

from portal.placement.domain import AEProgramme, PlacementPolicy
from portal.placement.models import AcceleratedProgramme
from portal.placement.models import PlacementPolicy as PolicyRow
from portal.placement.policy.domain import parameters_to_domain, programme_to_domain
from portal.versioning.domain import canonical_hash


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


def _programme_content(p: AcceleratedProgramme) -> dict:
    return {
        "code": p.code,
        "names": dict(p.names or {}),
        "certified": bool(p.certified),
        "age_band": [int(p.age_min), int(p.age_max)],
        "levels": [{"code": lv["code"], "grades": list(lv["grades"])} for lv in p.levels],
        "sources": list(p.sources or []),
        "details": dict(p.details or {}),
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
            _programme_content(p) for p in sorted(row.programmes, key=lambda p: p.code)
        ],
    }


def content_hash(row: PolicyRow) -> str:
    """Return the SHA-256 of the policy's canonical content."""
    return canonical_hash(policy_content(row))


def copy_programmes(row: PolicyRow) -> list[AcceleratedProgramme]:
    """Return unsaved copies of a policy's accelerated programmes, for another version."""
    return [
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
        for p in row.programmes
    ]
