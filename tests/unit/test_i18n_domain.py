import pytest

from portal.i18n.domain import Direction, locale_info, negotiated_locale


@pytest.mark.parametrize(
    ("explicit", "profile", "accepted", "expected"),
    [
        ("ar", "de", ["fr"], "ar"),
        (None, "de", ["fr"], "de"),
        ("xx", "de", ["fr"], "de"),
        (None, None, ["fr-CA", "es"], "fr"),
        (None, None, ["pt-BR", "uk-UA"], "uk"),
        (None, None, ["pt-BR"], "en"),
        (None, None, [], "en"),
    ],
    ids=[
        "explicit",
        "profile",
        "unknown-explicit",
        "accept-region",
        "accept-second",
        "accept-none-shipped",
        "nothing",
    ],
)
def test_negotiated_locale_order(explicit, profile, accepted, expected):
    assert negotiated_locale(explicit, profile, accepted) == expected


@pytest.mark.parametrize(
    ("code", "direction", "native"),
    [
        ("ar", Direction.RTL, "العربية"),
        ("uk", Direction.LTR, "Українська"),
        ("de_DE", Direction.LTR, "Deutsch"),
        ("zz", Direction.LTR, "English"),
    ],
    ids=["ar", "uk", "region", "unknown"],
)
def test_locale_info(code, direction, native):
    info = locale_info(code)
    assert (info.direction, info.native_name) == (direction, native)
