"""Placement policies as a kind of versioned document: the declaration, editing a draft, queries.

Publication (four eyes), new versions and retirement are ``portal.versioning``'s. Only
ministry officials read policies; a policy's owner is its system version's jurisdiction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.domain import Role
from portal.auth.models import User
from portal.curricula.models import EducationSystemVersion
from portal.extensions import db
from portal.placement.domain import PlacementError
from portal.placement.models import PlacementPolicy as PolicyRow
from portal.placement.policy.domain import PARAMETER_KEYS, STATUSES, parameters_to_domain
from portal.placement.policy.services.content import content_hash, copy_programmes
from portal.versioning import services as lifecycle
from portal.versioning.domain import Status
from portal.versioning.services import DocumentKind, LifecycleError


class PolicyError(LifecycleError):
    """A policy change was refused; ``code`` and ``params`` are translated by the caller."""


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


def copy_policy(published: PolicyRow, draft: PolicyRow) -> None:
    """Copy a published policy's parameters and programmes into its new draft version."""
    draft.provisional = published.provisional
    draft.parameters = json.loads(json.dumps(published.parameters))
    draft.parameter_status = json.loads(json.dumps(published.parameter_status or {}))
    draft.sources = list(published.sources or [])
    draft.programmes = copy_programmes(published)


def _is_official(user: User) -> bool:
    return user.role == Role.MINISTRY_OFFICIAL


POLICIES = DocumentKind(
    name="placement_policy",
    model=PolicyRow,
    series="system_version_id",
    owner="jurisdiction_id",
    error=PolicyError,
    missing="unknown_policy",
    identify=lambda row: {"system_version": row.system_version.code, "version": row.version},
    copy=copy_policy,
    check=lambda row: check_parameters(row, row.parameters),
    content_hash=content_hash,
    readers=_is_official,
    load=(selectinload(PolicyRow.programmes), selectinload(PolicyRow.system_version)),
)


# --- editing a draft -------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyChanges:
    """What an official edits on a draft: the parameters, their status, validity."""

    parameters: Mapping[str, object]
    parameter_status: Mapping[str, str] = field(default_factory=dict)
    valid_from: date | None = None
    valid_to: date | None = None
    provisional: bool = False


def update_draft(
    row: PolicyRow, official: User, changes: PolicyChanges, expected_lock_version: int | None
) -> list[str]:
    """Change a draft's parameters, statuses and validity; return the names that changed."""
    lifecycle.require_draft(POLICIES, row, official, expected_lock_version)
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
    with lifecycle.guard(POLICIES):
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
    if changed:
        lifecycle.audit(POLICIES, "updated", row, fields=changed)
    return changed


# --- queries ---------------------------------------------------------------------------------


def published_policy(system_version_id: int) -> PolicyRow | None:
    """Return the newest published policy of a system version, whatever its validity."""
    return db.session.scalar(
        select(PolicyRow)
        .where(
            PolicyRow.system_version_id == system_version_id,
            PolicyRow.status == Status.PUBLISHED,
        )
        .order_by(PolicyRow.version.desc())
        .limit(1)
    )


def published_policy_on(system: EducationSystemVersion, on: date) -> PolicyRow | None:
    """Return the published policy of a system version valid on a date, newest version first."""
    return db.session.scalar(
        select(PolicyRow)
        .where(
            PolicyRow.system_version_id == system.id,
            PolicyRow.status == Status.PUBLISHED,
            PolicyRow.valid_from <= on,
            (PolicyRow.valid_to.is_(None)) | (PolicyRow.valid_to >= on),
        )
        .options(selectinload(PolicyRow.programmes))
        .order_by(PolicyRow.version.desc())
        .limit(1)
    )


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
        published = next((r for r in versions if r.status == Status.PUBLISHED), None)
        draft = next(
            (
                r
                for r in versions
                if r.status == Status.DRAFT and lifecycle.can_view(POLICIES, user, r)
            ),
            None,
        )
        editable = lifecycle.can_edit(POLICIES, user, versions[0])
        lines.append(PolicyLine(system, published, draft, editable))
    own = user.jurisdiction_id
    return sorted(lines, key=lambda line: (line.system.jurisdiction_id != own, line.system.code))
