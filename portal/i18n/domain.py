"""The registry of shipped locales: code, native name and text direction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Direction(StrEnum):
    LTR = "ltr"
    RTL = "rtl"


@dataclass(frozen=True)
class LocaleInfo:
    code: str
    native_name: str
    direction: Direction
    script: str


LOCALES: tuple[LocaleInfo, ...] = (
    LocaleInfo("en", "English", Direction.LTR, "Latn"),
    LocaleInfo("ar", "العربية", Direction.RTL, "Arab"),
    LocaleInfo("uk", "Українська", Direction.LTR, "Cyrl"),
    LocaleInfo("fr", "Français", Direction.LTR, "Latn"),
    LocaleInfo("es", "Español", Direction.LTR, "Latn"),
    LocaleInfo("de", "Deutsch", Direction.LTR, "Latn"),
)
DEFAULT_LOCALE = "en"
LOCALE_CODES: tuple[str, ...] = tuple(info.code for info in LOCALES)
_BY_CODE = {info.code: info for info in LOCALES}


def locale_info(code: str | None) -> LocaleInfo:
    """Return the registry entry for a locale code, falling back to the default locale."""
    return _BY_CODE.get((code or "").split("_")[0].split("-")[0].lower(), _BY_CODE[DEFAULT_LOCALE])


def is_supported(code: str | None) -> bool:
    """Tell whether a locale code is shipped."""
    return bool(code) and code in _BY_CODE


def negotiated_locale(explicit: str | None, profile: str | None, accepted: Iterable[str]) -> str:
    """Pick the locale: explicit choice, then the user's profile, then Accept-Language, then en."""
    for candidate in (explicit, profile):
        if is_supported(candidate):
            return candidate  # type: ignore[return-value]
    for tag in accepted:
        base = tag.replace("_", "-").split("-")[0].lower()
        if base in _BY_CODE:
            return base
    return DEFAULT_LOCALE
