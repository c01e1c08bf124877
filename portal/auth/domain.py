"""Roles and the pure rules about sessions, lockouts and tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

TOKEN_PREFIX = "lp_"  # noqa: S105 - a public prefix, not a secret


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"
    MINISTRY_OFFICIAL = "ministry_official"
    SCHOOL_ADMIN = "school_admin"
    GUARDIAN = "guardian"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def session_expired(
    created_at: datetime, last_seen_at: datetime, now: datetime, limits: SessionLimits
) -> bool:
    """Tell whether a session has passed its idle or absolute timeout."""
    return now - last_seen_at > limits.idle or now - created_at > limits.absolute


def new_secret_token() -> str:
    """Return a fresh high-entropy bearer secret with a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Hash a high-entropy token for storage (a fast hash suffices at 256 bits of entropy)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Tell whether an account lock is still in force."""
    return locked_until is not None and locked_until > now
