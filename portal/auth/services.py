"""Sign-in with database-kept throttling, server-side sessions and personal API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update

from portal.audit.services import record
from portal.auth.domain import (
    SessionLimits,
    is_locked,
    new_secret_token,
    session_expired,
    token_digest,
)
from portal.auth.models import ApiToken, User, UserSession
from portal.auth.passwords import (
    burn_verification_time,
    hash_password,
    hasher,
    verify_password,
)
from portal.db import utcnow
from portal.extensions import db

# Refresh last_seen_at at most this often, so browsing is not one write per request.
_TOUCH_EVERY = timedelta(seconds=60)


def normalise_email(email: str) -> str:
    """Return the canonical (trimmed, lower-case) form of an e-mail address."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Return the user with this e-mail address, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _reserve_attempt(user: User, now: datetime) -> bool:
    """Count an attempt before checking the password; False when the account is locked.

    Counting first, in one UPDATE, keeps the limit exact when several worker processes
    receive attempts for the same account at once.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    lock_expired = and_(User.locked_until.is_not(None), User.locked_until <= now)
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(and_(User.locked_until.is_(None), User.failed_logins < limit), lock_expired),
        )
        .values(
            failed_logins=case((lock_expired, 1), else_=User.failed_logins + 1),
            locked_until=case((lock_expired, None), else_=User.locked_until),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the credentials are right and the account usable, else None.

    Commits twice on purpose: the attempt must be visible to other workers before the
    (slow) password check, and its outcome must be kept even when the caller fails later.
    """
    now = utcnow()
    user = find_user_by_email(email)
    if user is None or not user.active:
        burn_verification_time(password)
        record(
            "auth.login_failed",
            "user",
            user.public_id if user else None,
            actor=user,
            details={"reason": "unknown_or_disabled"},
        )
        db.session.commit()
        return None
    if not _reserve_attempt(user, now):
        burn_verification_time(password)
        record("auth.login_refused_locked", "user", user.public_id, actor=user)
        db.session.commit()
        return None
    db.session.commit()

    if verify_password(user.password_hash, password):
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user)
        if hasher().check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user

    lock_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"],
            User.locked_until.is_(None),
        )
        .values(locked_until=lock_until)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    locked = is_locked(user.locked_until, now)
    record(
        "auth.login_failed",
        "user",
        user.public_id,
        actor=user,
        details={"reason": "wrong_password", "locked": locked},
    )
    db.session.commit()
    return None


def _limits() -> SessionLimits:
    cfg = current_app.config
    return SessionLimits(
        idle=timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
    )


def start_session(user: User) -> str:
    """Open a server-side session for the user and return its secret token."""
    token = new_secret_token()
    db.session.add(UserSession(token_hash=token_digest(token), user_id=user.id))
    user.session_token = token
    record("auth.login", "user", user.public_id, actor=user)
    return token


def load_session_user(token: str) -> User | None:
    """Return the user of a live session, or None if it is unknown, revoked or expired."""
    row = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    )
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if session_expired(row.created_at, row.last_seen_at, now, _limits()):
        row.revoked_at, row.revoked_reason = now, "expired"
        db.session.commit()
        return None
    user = row.user
    if not user.active:
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user


def end_session(token: str | None, reason: str = "logout") -> None:
    """Revoke one server-side session."""
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


def revoke_all_sessions(user: User, reason: str) -> None:
    """Revoke every open session of a user (password change, disabling)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password after checking the current one; every session of the user ends."""
    if not verify_password(user.password_hash, current):
        record("auth.password_change_failed", "user", user.public_id, actor=user)
        return False
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    revoke_all_sessions(user, "password_changed")
    record("auth.password_changed", "user", user.public_id, actor=user)
    return True


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language on their profile."""
    if user.locale != locale:
        user.locale = locale
        record(
            "user.locale_changed", "user", user.public_id, actor=user, details={"locale": locale}
        )


# --- API tokens ---------------------------------------------------------------


def create_api_token(user: User, name: str, expires_at: datetime | None) -> tuple[ApiToken, str]:
    """Create a personal API token; the secret is returned once and only its hash is kept."""
    secret = new_secret_token()
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        token_hash=token_digest(secret),
        hint=secret[:7],
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token.created", "api_token", token.public_id, actor=user)
    return token, secret


def user_tokens(user: User) -> list[ApiToken]:
    """List a user's tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_api_token(user: User, public_id: str) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or unknown."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.public_id == public_id, ApiToken.user_id == user.id)
    )
    if token is None:
        return False
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token.revoked", "api_token", token.public_id, actor=user)
    return True


def user_for_api_token(secret: str) -> User | None:
    """Return the owner of a live API token, or None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token.user


def record_logout(user: User) -> None:
    """Audit a sign-out."""
    record("auth.logout", "user", user.public_id, actor=user)
