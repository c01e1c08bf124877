"""Settings from the environment, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
TRANSLATIONS_DIR = ROOT / "translations"
STATIC_DIR = ROOT / "static"
DEFAULT_INSTANCE_DIR = ROOT / "instance"

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app must not start."""


def _secret_from_file(instance_dir: Path, name: str) -> str:
    """Return a secret kept in the instance folder, creating it once with 0600 permissions."""
    path = instance_dir / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)
    return value


def _strong(value: str) -> bool:
    return len(value) >= MIN_SECRET_LENGTH and value.lower() not in WEAK_SECRETS


def load_config(overrides: dict | None = None) -> dict:
    """Build the configuration mapping from the environment, then apply overrides."""
    overrides = dict(overrides or {})
    env = overrides.get("PORTAL_ENV", os.environ.get("PORTAL_ENV", "development"))
    if env not in {"development", "production"}:
        raise ConfigError(f"PORTAL_ENV must be 'development' or 'production', not {env!r}")
    production = env == "production"
    instance_dir = Path(
        overrides.get("INSTANCE_DIR", os.environ.get("PORTAL_INSTANCE_DIR", DEFAULT_INSTANCE_DIR))
    )

    secret_key = overrides.get("SECRET_KEY", os.environ.get("SECRET_KEY", ""))
    key_secret = overrides.get("PORTAL_KEY_SECRET", os.environ.get("PORTAL_KEY_SECRET", ""))
    if production:
        if not _strong(secret_key):
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production"
            )
        if not _strong(key_secret):
            raise ConfigError(
                "PORTAL_KEY_SECRET must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production"
            )
    else:
        secret_key = secret_key or _secret_from_file(instance_dir, "secret_key")
        key_secret = key_secret or _secret_from_file(instance_dir, "key_secret")

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'portal.db'}"
    secure_cookies = production or os.environ.get("PORTAL_SECURE_COOKIES") == "1"

    config = {
        "PORTAL_ENV": env,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": secret_key,
        "PORTAL_KEY_SECRET": key_secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,  # above the 10 MB CSV import limit
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        # Server-side sessions carry the real state; the cookie only names one.
        "SESSION_COOKIE_NAME": "__Host-portal" if secure_cookies else "portal_session",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_DURATION": 0,
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 8,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        # OWASP Password Storage Cheat Sheet minimum is m=19 MiB, t=2, p=1; we stay above it.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 4,
        "WTF_CSRF_TIME_LIMIT": 3600,
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in portal.core.security, API tokens exempt
        "WTF_CSRF_SSL_STRICT": True,
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "DEMO_PASSWORD": os.environ.get("PORTAL_DEMO_PASSWORD", "demo-passport-2026"),
        "PUBLIC_BASE_URL": os.environ.get("PORTAL_PUBLIC_URL", "http://127.0.0.1:5000"),
        "TRUSTED_PROXIES": int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0") or 0),
        "PORTAL_INSTANCE_NAME": os.environ.get("PORTAL_INSTANCE_NAME", ""),
        "PASSPORT_STATUS_LIST_TTL": int(os.environ.get("PORTAL_STATUS_LIST_TTL", "86400")),
    }
    config.update(overrides)
    return config
