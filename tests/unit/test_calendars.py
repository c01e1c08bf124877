"""Solar Hijri and Ethiopian calendar arithmetic and the parsing of document dates."""

from __future__ import annotations

import calendar as gregorian_calendar
import itertools
from datetime import date, timedelta

import pytest

from portal.common.calendars import (
    ETHIOPIAN_MAX_YEAR,
    SOLAR_HIJRI_MAX_YEAR,
    SOLAR_HIJRI_MIN_YEAR,
    CalendarDate,
    CalendarError,
    CalendarSystem,
    ParsedDate,
    enkutatash,
    ethiopian_is_leap,
    from_gregorian,
    gregorian_to_ethiopian,
    gregorian_to_solar_hijri,
    month_length,
    nowruz,
    parse_date_text,
    solar_hijri_is_leap,
    to_gregorian,
)

SH = CalendarSystem.SOLAR_HIJRI
ET = CalendarSystem.ETHIOPIAN
GR = CalendarSystem.GREGORIAN


@pytest.mark.parametrize(
    ("calendar", "native", "iso"),
    [
        (SH, (1400, 9, 30), date(2021, 12, 21)),
        (ET, (2006, 1, 5), date(2013, 9, 15)),
        (SH, (1400, 1, 1), date(2021, 3, 21)),
        (SH, (1399, 12, 30), date(2021, 3, 20)),
        (SH, (1403, 12, 30), date(2025, 3, 20)),
        (SH, (1404, 1, 1), date(2025, 3, 21)),
        (SH, (1402, 3, 31), date(2023, 6, 21)),
        (SH, (1402, 7, 1), date(2023, 9, 23)),
        (SH, (1300, 1, 1), date(1921, 3, 21)),
        (ET, (2016, 1, 1), date(2023, 9, 12)),
        (ET, (2015, 13, 6), date(2023, 9, 11)),
        (ET, (2016, 13, 5), date(2024, 9, 10)),
        (ET, (2017, 1, 1), date(2024, 9, 11)),
        (ET, (1993, 1, 1), date(2000, 9, 11)),
        (ET, (1992, 1, 1), date(1999, 9, 12)),
        (GR, (2024, 2, 29), date(2024, 2, 29)),
    ],
    ids=[
        "domain-sh-1400-azar-30",
        "domain-et-meskerem-5-2006",
        "sh-nowruz-1400",
        "sh-esfand-30-leap-1399",
        "sh-esfand-30-leap-1403",
        "sh-nowruz-1404-after-birashk-divergence",
        "sh-khordad-31-1402",
        "sh-mehr-1-1402",
        "sh-nowruz-1300",
        "et-new-year-before-gregorian-leap",
        "et-pagume-6-2015",
        "et-pagume-5-2016",
        "et-new-year-2017",
        "et-new-year-1993",
        "et-new-year-before-2000",
        "gregorian-identity",
    ],
)
def test_to_gregorian_known_dates(calendar: CalendarSystem, native: tuple, iso: date) -> None:
    assert to_gregorian(calendar, *native) == iso
    assert from_gregorian(calendar, iso) == CalendarDate(calendar, *native)


def _every_native_day(calendar: CalendarSystem, year: int) -> list[tuple[int, int, int]]:
    months = 13 if calendar is ET else 12
    return [
        (year, month, day)
        for month in range(1, months + 1)
        for day in range(1, month_length(calendar, year, month) + 1)
    ]


@pytest.mark.parametrize(
    ("calendar", "year", "days"),
    [
        (SH, 1300, 366),
        (SH, 1338, 365),
        (SH, 1399, 366),
        (SH, 1403, 366),
        (SH, 1404, 365),
        (SH, 1500, 365),
        (ET, 1892, 365),
        (ET, 2015, 366),
        (ET, 2016, 365),
        (ET, 2091, 366),
    ],
    ids=["sh-1300", "sh-1338", "sh-1399", "sh-1403", "sh-1404", "sh-1500", "et-1892",
         "et-2015", "et-2016", "et-2091"],
)  # fmt: skip
def test_round_trip_every_day_of_native_year(
    calendar: CalendarSystem, year: int, days: int
) -> None:
    native_days = _every_native_day(calendar, year)
    gregorian = [to_gregorian(calendar, *n) for n in native_days]
    assert len(native_days) == days
    steps = {b - a for a, b in itertools.pairwise(gregorian)}
    assert steps == {timedelta(days=1)}
    assert [from_gregorian(calendar, g) for g in gregorian] == [
        CalendarDate(calendar, *n) for n in native_days
    ]


@pytest.mark.parametrize("calendar", [SH, ET], ids=["solar-hijri", "ethiopian"])
@pytest.mark.parametrize("year", [1999, 2020, 2023, 2024, 2099], ids=str)
def test_round_trip_every_day_of_gregorian_year(calendar: CalendarSystem, year: int) -> None:
    day = date(year, 1, 1)
    while day.year == year:
        native = from_gregorian(calendar, day)
        assert to_gregorian(calendar, native.year, native.month, native.day) == day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("year", "iso"),
    [
        (1306, date(1927, 3, 22)),
        (1338, date(1959, 3, 22)),
        (1339, date(1960, 3, 21)),
        (1354, date(1975, 3, 21)),
        (1370, date(1991, 3, 21)),
        (1371, date(1992, 3, 21)),
        (1379, date(2000, 3, 20)),
        (1391, date(2012, 3, 20)),
        (1395, date(2016, 3, 20)),
        (1396, date(2017, 3, 21)),
        (1397, date(2018, 3, 21)),
        (1398, date(2019, 3, 21)),
        (1399, date(2020, 3, 20)),
        (1400, date(2021, 3, 21)),
        (1401, date(2022, 3, 21)),
        (1402, date(2023, 3, 21)),
        (1403, date(2024, 3, 20)),
        (1404, date(2025, 3, 21)),
        (1405, date(2026, 3, 21)),
    ],
    ids=lambda v: str(v),
)
def test_nowruz_published_dates(year: int, iso: date) -> None:
    assert nowruz(year) == iso


def test_nowruz_falls_on_20_or_21_march_from_1339_to_1500() -> None:
    days = {(nowruz(y).month, nowruz(y).day) for y in range(1339, SOLAR_HIJRI_MAX_YEAR + 1)}
    assert days == {(3, 20), (3, 21)}


@pytest.mark.parametrize(
    ("first", "last", "leap_years"),
    [
        (1395, 1420, [1395, 1399, 1403, 1408, 1412, 1416, 1420]),
        (1370, 1380, [1370, 1375, 1379]),
    ],
    ids=["1395-1420", "1370-1380"],
)
def test_solar_hijri_leap_years(first: int, last: int, leap_years: list[int]) -> None:
    assert [y for y in range(first, last + 1) if solar_hijri_is_leap(y)] == leap_years


def test_ethiopian_new_year_is_11_or_12_september_from_1900_to_2098() -> None:
    expected = {
        y: date(y + 7, 9, 12 if gregorian_calendar.isleap(y + 8) else 11) for y in range(1893, 2092)
    }
    assert {y: enkutatash(y) for y in range(1893, 2092)} == expected


@pytest.mark.parametrize(
    ("year", "leap"),
    [(2011, True), (2012, False), (2015, True), (2016, False), (2019, True)],
    ids=["2011", "2012", "2015", "2016", "2019"],
)
def test_ethiopian_pagume_6_only_when_year_mod_4_is_3(year: int, leap: bool) -> None:
    assert ethiopian_is_leap(year) is leap
    assert month_length(ET, year, 13) == (6 if leap else 5)


@pytest.mark.parametrize(
    ("day", "native"),
    [
        (date(2023, 9, 10), (2015, 13, 5)),
        (date(2023, 9, 11), (2015, 13, 6)),
        (date(2023, 9, 12), (2016, 1, 1)),
        (date(2024, 9, 10), (2016, 13, 5)),
        (date(2024, 9, 11), (2017, 1, 1)),
    ],
    ids=["pagume-5-leap", "pagume-6-leap", "meskerem-1-after-leap", "pagume-5", "meskerem-1"],
)
def test_gregorian_to_ethiopian_around_pagume(day: date, native: tuple) -> None:
    assert gregorian_to_ethiopian(day) == CalendarDate(ET, *native)


@pytest.mark.parametrize(
    ("calendar", "native", "code", "params"),
    [
        (SH, (1400, 12, 30), "day_out_of_range",
         {"calendar": "solar_hijri", "year": 1400, "month": 12, "day": 30, "max": 29}),
        (SH, (1400, 13, 1), "month_out_of_range",
         {"calendar": "solar_hijri", "month": 13, "max": 12}),
        (SH, (1400, 7, 31), "day_out_of_range",
         {"calendar": "solar_hijri", "year": 1400, "month": 7, "day": 31, "max": 30}),
        (SH, (1501, 1, 1), "year_out_of_range",
         {"calendar": "solar_hijri", "year": 1501, "min": 1210, "max": 1500}),
        (SH, (1209, 1, 1), "year_out_of_range",
         {"calendar": "solar_hijri", "year": 1209, "min": 1210, "max": 1500}),
        (ET, (2016, 13, 6), "day_out_of_range",
         {"calendar": "ethiopian", "year": 2016, "month": 13, "day": 6, "max": 5}),
        (ET, (2016, 14, 1), "month_out_of_range",
         {"calendar": "ethiopian", "month": 14, "max": 13}),
        (ET, (2016, 1, 31), "day_out_of_range",
         {"calendar": "ethiopian", "year": 2016, "month": 1, "day": 31, "max": 30}),
        (ET, (0, 1, 1), "year_out_of_range",
         {"calendar": "ethiopian", "year": 0, "min": 1, "max": ETHIOPIAN_MAX_YEAR}),
        (GR, (2023, 2, 29), "day_out_of_range",
         {"calendar": "gregorian", "year": 2023, "month": 2, "day": 29, "max": 28}),
    ],
    ids=["sh-esfand-30-common", "sh-month-13", "sh-mehr-31", "sh-after-range", "sh-before-range",
         "et-pagume-6-common", "et-month-14", "et-day-31", "et-year-0", "gregorian-feb-29"],
)  # fmt: skip
def test_to_gregorian_invalid_date_raises(
    calendar: CalendarSystem, native: tuple, code: str, params: dict
) -> None:
    with pytest.raises(CalendarError) as caught:
        to_gregorian(calendar, *native)
    assert (caught.value.code, dict(caught.value.params)) == (code, params)


def test_gregorian_to_solar_hijri_outside_range_raises() -> None:
    with pytest.raises(CalendarError) as caught:
        gregorian_to_solar_hijri(date(2122, 3, 21))
    assert caught.value.code == "date_out_of_range"
    assert caught.value.params["max"] == "2122-03-20"


def test_calendar_supported_range_constants() -> None:
    assert (SOLAR_HIJRI_MIN_YEAR, SOLAR_HIJRI_MAX_YEAR) == (1210, 1500)
    assert nowruz(SOLAR_HIJRI_MIN_YEAR) == date(1831, 3, 21)


@pytest.mark.parametrize(
    ("text", "calendar", "native", "iso"),
    [
        ("1400/09/30", SH, (1400, 9, 30), date(2021, 12, 21)),
        ("1400-9-30", SH, (1400, 9, 30), date(2021, 12, 21)),
        ("۱۴۰۰/۰۹/۳۰", SH, (1400, 9, 30), date(2021, 12, 21)),
        ("30 Azar 1400", SH, (1400, 9, 30), date(2021, 12, 21)),
        ("۳۰ آذر ۱۴۰۰ ه.ش", SH, (1400, 9, 30), date(2021, 12, 21)),
        ("30 Qaws 1400", SH, (1400, 9, 30), date(2021, 12, 21)),
        ("31 Jawza 1402 SH", SH, (1402, 3, 31), date(2023, 6, 21)),
        (" Meskerem 5, 2006 ", ET, (2006, 1, 5), date(2013, 9, 15)),
        ("5 Meskerem 2006 E.C.", ET, (2006, 1, 5), date(2013, 9, 15)),
        ("መስከረም 5 2006 ዓ.ም", ET, (2006, 1, 5), date(2013, 9, 15)),
        ("2006-01-05", ET, (2006, 1, 5), date(2013, 9, 15)),
        ("05.01.2006", ET, (2006, 1, 5), date(2013, 9, 15)),
        ("Pagume 6, 2015", ET, (2015, 13, 6), date(2023, 9, 11)),
        ("Sene 30, 2015", ET, (2015, 10, 30), date(2023, 7, 7)),
        ("2020-06-15", GR, (2020, 6, 15), date(2020, 6, 15)),
        ("15 June 2020", GR, (2020, 6, 15), date(2020, 6, 15)),
        ("15/06/2020", GR, (2020, 6, 15), date(2020, 6, 15)),
    ],
    ids=["sh-slashes", "sh-dashes-no-padding", "sh-persian-digits", "sh-month-name",
         "sh-persian-script-era", "sh-dari-month", "sh-dari-era", "et-name-first",
         "et-day-first-era", "et-amharic", "et-iso-style", "et-day-first-numbers",
         "et-pagume-6", "et-sene-30", "gregorian-iso", "gregorian-month-name",
         "gregorian-day-first"],
)  # fmt: skip
def test_parse_date_text_keeps_original(
    text: str, calendar: CalendarSystem, native: tuple, iso: date
) -> None:
    assert parse_date_text(text, calendar) == ParsedDate(text, calendar, *native, iso)


def test_parsed_date_to_dict_is_json_ready() -> None:
    parsed = parse_date_text("1400/09/30", "solar_hijri")
    assert parsed.to_dict() == {
        "original": "1400/09/30",
        "calendar": "solar_hijri",
        "native": (1400, 9, 30),
        "iso": "2021-12-21",
    }


@pytest.mark.parametrize(
    ("text", "calendar", "code"),
    [
        ("  ", SH, "empty_date_text"),
        ("1400/09", SH, "unparseable_date"),
        ("1400/09/30/1", SH, "unparseable_date"),
        ("30 Foo 1400", SH, "unknown_month_name"),
        ("Meskerem 2006", ET, "unparseable_date"),
        ("Meskerem 5 6", ET, "ambiguous_date"),
        ("12/10/11", GR, "ambiguous_date"),
        ("Pagume 6, 2016", ET, "day_out_of_range"),
        ("1400/12/30", SH, "day_out_of_range"),
        ("1400/09/30", "hebrew", "unsupported_calendar"),
    ],
    ids=["empty", "no-day", "too-many-parts", "unknown-month", "et-no-day", "no-year",
         "two-digit-year", "et-pagume-6-common", "sh-esfand-30-common", "unknown-calendar"],
)  # fmt: skip
def test_parse_date_text_invalid_raises(text: str, calendar: str, code: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_date_text(text, calendar)
    assert caught.value.code == code


def test_calendar_error_is_value_error_with_params() -> None:
    with pytest.raises(ValueError, match="unknown_month_name"):
        parse_date_text("30 Foo 1400", SH)
    try:
        parse_date_text("30 Foo 1400", SH)
    except CalendarError as error:
        assert dict(error.params) == {
            "text": "30 Foo 1400",
            "calendar": "solar_hijri",
            "month_name": "Foo",
        }
