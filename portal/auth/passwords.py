"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 256
# The most common passwords of public breach corpora that satisfy a 12-character minimum.
COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "password1234",
        "password12345",
        "passwordpassword",
        "qwertyuiop12",
        "qwertyuiopas",
        "iloveyou1234",
        "aaaaaaaaaaaa",
        "111111111111",
        "abcdefghijkl",
        "abc123456789",
        "welcome12345",
        "letmein12345",
        "administrator",
        "changeme1234",
        "qwerty123456",
        "000000000000",
        "football1234",
        "princess1234",
    }
)


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """Return the argon2id hasher configured for this app."""
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Check a password against its stored hash without raising."""
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash("not-a-real-password-0000")


def burn_verification_time(password: str) -> None:
    """Spend as long as a real verification so unknown accounts cannot be told apart by timing."""
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    verify_password(_dummy_hash(*key), password)


def password_problems(password: str, email: str = "") -> list[str]:
    """Return codes of every policy rule the password breaks (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    if password.lower() in COMMON or len(set(password)) < 4:
        problems.append("too_common")
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        problems.append("contains_email")
    return problems
