"""Solar Hijri and Ethiopian calendar arithmetic, and dates as written on documents.

Solar Hijri (Iran, Afghanistan). The official calendar starts each year on the day of the
March equinox at the Tehran meridian (52.5° E), or the next day when the equinox falls after
noon. Between the cycle breaks of 1210 and 1635 SH that astronomical rule is reproduced by one
33-year cycle whose leap years sit at positions 0, 4, 8, ..., 28 counted from 1210 SH
(K. M. Borkowski, "The Persian calendar for 3000 years", 1996), anchored here on the published
1 Farvardin 1400 = 21 March 2021. The 2820-year "Birashk" arithmetic is *not* used: it
disagrees with the official calendar (it makes 1404 leap instead of 1403).

Validity: SOLAR_HIJRI_MIN_YEAR..SOLAR_HIJRI_MAX_YEAR = 1210-1500 SH (1831-2122 CE). Every
Nowruz in that range agrees with the equinox-before-apparent-noon rule computed from Meeus'
equinox series; the first year where the equinox falls within minutes of Tehran noon, and the
arithmetic can no longer be trusted without an ephemeris, is 1503 SH, so later years raise
CalendarError. Published Nowruz dates are checked in the tests.
Months 1-6 have 31 days, 7-11 have 30 and Esfand has 29 (30 in a leap year). Afghanistan uses
the same arithmetic with the zodiacal month names (Hamal ... Hut).

Ethiopian (Ge'ez). Twelve 30-day months and Pagume of 5 days (6 in the year before a Julian
leap year, i.e. when year % 4 == 3). 1 Meskerem 1 EC is 27 August 8 CE (proleptic
Gregorian), so 1 Meskerem falls on 11 September, or on 12 September before a Gregorian leap
year, for the new years of 1900-2098 (from 2099 on it is 12 September, or 13 before a leap
year, because 2100 is not a Gregorian leap year). The arithmetic is exact for every year
Python dates can hold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType


class CalendarSystem(StrEnum):
    GREGORIAN = "gregorian"
    SOLAR_HIJRI = "solar_hijri"
    ETHIOPIAN = "ethiopian"


class CalendarError(ValueError):
    """An invalid or unreadable date; `code` and `params` are for translation at the edge."""

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: Mapping[str, object] = MappingProxyType(dict(params or {}))
        super().__init__(code, dict(self.params))


@dataclass(frozen=True)
class CalendarDate:
    calendar: CalendarSystem
    year: int
    month: int
    day: int


@dataclass(frozen=True)
class ParsedDate:
    """A date read from a document: the original text, its calendar and the ISO equivalent."""

    original: str
    calendar: CalendarSystem
    year: int
    month: int
    day: int
    gregorian: date

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-able form that keeps the original text."""
        return {
            "original": self.original,
            "calendar": self.calendar.value,
            "native": (self.year, self.month, self.day),
            "iso": self.gregorian.isoformat(),
        }


# --- Solar Hijri -------------------------------------------------------------------------

SOLAR_HIJRI_MIN_YEAR = 1210
SOLAR_HIJRI_MAX_YEAR = 1500
_SH_CYCLE_START = 1210
_SH_CYCLE = 33
_SH_LEAP_POSITIONS = frozenset(range(0, 29, 4))
# Anchor the cycle on a published date: 1 Farvardin 1400 SH = 21 March 2021.
_SH_ANCHOR_YEAR = 1400
_SH_ANCHOR_NOWRUZ = date(2021, 3, 21)


def _sh_check_year(year: int) -> None:
    if not SOLAR_HIJRI_MIN_YEAR <= year <= SOLAR_HIJRI_MAX_YEAR:
        raise CalendarError(
            "year_out_of_range",
            {
                "calendar": CalendarSystem.SOLAR_HIJRI.value,
                "year": year,
                "min": SOLAR_HIJRI_MIN_YEAR,
                "max": SOLAR_HIJRI_MAX_YEAR,
            },
        )


def solar_hijri_is_leap(year: int) -> bool:
    """Tell whether a Solar Hijri year has 366 days (Esfand 30)."""
    _sh_check_year(year)
    return (year - _SH_CYCLE_START) % _SH_CYCLE in _SH_LEAP_POSITIONS


def _sh_leaps_since_cycle_start(year: int) -> int:
    """Count leap years in [1210, year)."""
    full, rest = divmod(year - _SH_CYCLE_START, _SH_CYCLE)
    return full * len(_SH_LEAP_POSITIONS) + sum(1 for p in _SH_LEAP_POSITIONS if p < rest)


def _sh_days_before(year: int) -> int:
    """Count days from 1 Farvardin 1210 to 1 Farvardin of year."""
    return 365 * (year - _SH_CYCLE_START) + _sh_leaps_since_cycle_start(year)


_SH_EPOCH_ORDINAL = _SH_ANCHOR_NOWRUZ.toordinal() - _sh_days_before(_SH_ANCHOR_YEAR)


def nowruz(year: int) -> date:
    """Return the Gregorian date of 1 Farvardin of a Solar Hijri year."""
    _sh_check_year(year)
    return date.fromordinal(_SH_EPOCH_ORDINAL + _sh_days_before(year))


def solar_hijri_month_length(year: int, month: int) -> int:
    """Return the number of days in a Solar Hijri month."""
    _check_month(CalendarSystem.SOLAR_HIJRI, year, month)
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if solar_hijri_is_leap(year) else 29


def solar_hijri_to_gregorian(year: int, month: int, day: int) -> date:
    """Convert a Solar Hijri date to the Gregorian calendar."""
    _check_day(CalendarSystem.SOLAR_HIJRI, year, month, day)
    day_of_year = (month - 1) * 31 - max(0, month - 7) + day - 1
    return nowruz(year) + timedelta(days=day_of_year)


def gregorian_to_solar_hijri(value: date) -> CalendarDate:
    """Convert a Gregorian date to the Solar Hijri calendar."""
    first = nowruz(SOLAR_HIJRI_MIN_YEAR)
    last = nowruz(SOLAR_HIJRI_MAX_YEAR) + timedelta(
        days=365 + solar_hijri_is_leap(SOLAR_HIJRI_MAX_YEAR) - 1
    )
    if not first <= value <= last:
        raise CalendarError(
            "date_out_of_range",
            {
                "calendar": CalendarSystem.SOLAR_HIJRI.value,
                "date": value.isoformat(),
                "min": first.isoformat(),
                "max": last.isoformat(),
            },
        )
    year = value.year - 621
    if year > SOLAR_HIJRI_MAX_YEAR or value < nowruz(year):
        year -= 1
    day_of_year = (value - nowruz(year)).days
    if day_of_year < 6 * 31:
        month, day = divmod(day_of_year, 31)
    else:
        month, day = divmod(day_of_year - 6 * 31, 30)
        month += 6
    return CalendarDate(CalendarSystem.SOLAR_HIJRI, year, month + 1, day + 1)


# --- Ethiopian ---------------------------------------------------------------------------

ETHIOPIAN_MIN_YEAR = 1
ETHIOPIAN_MAX_YEAR = 9991
_ET_EPOCH_ORDINAL = date(8, 8, 27).toordinal()
_ET_YEAR_STARTS = (0, 365, 730, 1096, 1461)


def _et_check_year(year: int) -> None:
    if not ETHIOPIAN_MIN_YEAR <= year <= ETHIOPIAN_MAX_YEAR:
        raise CalendarError(
            "year_out_of_range",
            {
                "calendar": CalendarSystem.ETHIOPIAN.value,
                "year": year,
                "min": ETHIOPIAN_MIN_YEAR,
                "max": ETHIOPIAN_MAX_YEAR,
            },
        )


def ethiopian_is_leap(year: int) -> bool:
    """Tell whether an Ethiopian year ends with Pagume 6."""
    _et_check_year(year)
    return year % 4 == 3


def ethiopian_month_length(year: int, month: int) -> int:
    """Return the number of days in an Ethiopian month (13 = Pagume)."""
    _check_month(CalendarSystem.ETHIOPIAN, year, month)
    if month <= 12:
        return 30
    return 6 if ethiopian_is_leap(year) else 5


def _et_days_before(year: int) -> int:
    return 365 * (year - 1) + year // 4


def enkutatash(year: int) -> date:
    """Return the Gregorian date of 1 Meskerem (Ethiopian New Year) of a year."""
    _et_check_year(year)
    return date.fromordinal(_ET_EPOCH_ORDINAL + _et_days_before(year))


def ethiopian_to_gregorian(year: int, month: int, day: int) -> date:
    """Convert an Ethiopian date to the Gregorian calendar."""
    _check_day(CalendarSystem.ETHIOPIAN, year, month, day)
    return enkutatash(year) + timedelta(days=30 * (month - 1) + day - 1)


def gregorian_to_ethiopian(value: date) -> CalendarDate:
    """Convert a Gregorian date to the Ethiopian calendar."""
    days = value.toordinal() - _ET_EPOCH_ORDINAL
    if days < 0:
        raise CalendarError(
            "date_out_of_range",
            {"calendar": CalendarSystem.ETHIOPIAN.value, "date": value.isoformat()},
        )
    # Four years hold 1461 days; the third year of each group is the long one (Pagume 6).
    cycles, rest = divmod(days, 1461)
    year_in_cycle = next(i for i, start in enumerate(_ET_YEAR_STARTS) if rest < start) - 1
    year = 4 * cycles + year_in_cycle + 1
    _et_check_year(year)
    month, day = divmod(rest - _ET_YEAR_STARTS[year_in_cycle], 30)
    return CalendarDate(CalendarSystem.ETHIOPIAN, year, month + 1, day + 1)


# --- Dispatch and validation -------------------------------------------------------------

_MONTHS_PER_YEAR = {
    CalendarSystem.GREGORIAN: 12,
    CalendarSystem.SOLAR_HIJRI: 12,
    CalendarSystem.ETHIOPIAN: 13,
}


def _check_year(calendar: CalendarSystem, year: int) -> None:
    if calendar is CalendarSystem.SOLAR_HIJRI:
        _sh_check_year(year)
    elif calendar is CalendarSystem.ETHIOPIAN:
        _et_check_year(year)
    elif not 1 <= year <= 9999:
        raise CalendarError(
            "year_out_of_range",
            {"calendar": calendar.value, "year": year, "min": 1, "max": 9999},
        )


def _check_month(calendar: CalendarSystem, year: int, month: int) -> None:
    _check_year(calendar, year)
    if not 1 <= month <= _MONTHS_PER_YEAR[calendar]:
        raise CalendarError(
            "month_out_of_range",
            {"calendar": calendar.value, "month": month, "max": _MONTHS_PER_YEAR[calendar]},
        )


def month_length(calendar: CalendarSystem, year: int, month: int) -> int:
    """Return the number of days in a month of any supported calendar."""
    calendar = _coerce_calendar(calendar)
    if calendar is CalendarSystem.SOLAR_HIJRI:
        return solar_hijri_month_length(year, month)
    if calendar is CalendarSystem.ETHIOPIAN:
        return ethiopian_month_length(year, month)
    _check_month(calendar, year, month)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - date(year, month, 1)).days


def _check_day(calendar: CalendarSystem, year: int, month: int, day: int) -> None:
    length = month_length(calendar, year, month)
    if not 1 <= day <= length:
        raise CalendarError(
            "day_out_of_range",
            {
                "calendar": calendar.value,
                "year": year,
                "month": month,
                "day": day,
                "max": length,
            },
        )


def _coerce_calendar(calendar: CalendarSystem | str) -> CalendarSystem:
    try:
        return CalendarSystem(calendar)
    except ValueError:
        raise CalendarError("unsupported_calendar", {"calendar": str(calendar)}) from None


def to_gregorian(calendar: CalendarSystem | str, year: int, month: int, day: int) -> date:
    """Convert a date of any supported calendar to the Gregorian calendar."""
    calendar = _coerce_calendar(calendar)
    if calendar is CalendarSystem.SOLAR_HIJRI:
        return solar_hijri_to_gregorian(year, month, day)
    if calendar is CalendarSystem.ETHIOPIAN:
        return ethiopian_to_gregorian(year, month, day)
    _check_day(calendar, year, month, day)
    return date(year, month, day)


def from_gregorian(calendar: CalendarSystem | str, value: date) -> CalendarDate:
    """Convert a Gregorian date to any supported calendar."""
    calendar = _coerce_calendar(calendar)
    if calendar is CalendarSystem.SOLAR_HIJRI:
        return gregorian_to_solar_hijri(value)
    if calendar is CalendarSystem.ETHIOPIAN:
        return gregorian_to_ethiopian(value)
    return CalendarDate(calendar, value.year, value.month, value.day)


# --- Parsing dates as written on documents -----------------------------------------------


def _fold(word: str) -> str:
    """Fold a month name for lookup: case, accents, apostrophes, Arabic letter variants."""
    word = unicodedata.normalize("NFKD", word.casefold())
    word = "".join(ch for ch in word if not unicodedata.combining(ch))
    word = word.translate(_FOLD_TABLE)
    return word


_FOLD_TABLE = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "\u200c": None,
        "\u200d": None,
        "'": None,
        "’": None,
        "ʼ": None,
        "`": None,
        "ـ": None,
    }
)


def _month_table(names: Mapping[int, tuple[str, ...]]) -> Mapping[str, int]:
    table = {_fold(name): month for month, spellings in names.items() for name in spellings}
    return MappingProxyType(table)


_SOLAR_HIJRI_MONTHS = _month_table(
    {
        1: ("farvardin", "farwardin", "فروردین", "hamal", "حمل"),
        2: (
            "ordibehesht",
            "ordibahesht",
            "urdibihisht",
            "اردیبهشت",
            "sawr",
            "saur",
            "sowr",
            "thawr",
            "ثور",
        ),
        3: ("khordad", "khordaad", "khurdad", "خرداد", "jawza", "jauza", "jowza", "جوزا"),
        4: ("tir", "تیر", "saratan", "sarataan", "سرطان"),
        5: ("mordad", "amordad", "murdad", "مرداد", "امرداد", "asad", "اسد"),
        6: (
            "shahrivar",
            "shahrewar",
            "شهریور",
            "sonbola",
            "sunbula",
            "sunbulah",
            "sonbole",
            "سنبله",
        ),
        7: ("mehr", "mihr", "مهر", "mizan", "میزان"),
        8: ("aban", "abaan", "آبان", "aqrab", "akrab", "عقرب"),
        9: ("azar", "adhar", "آذر", "qaws", "qaus", "qows", "قوس"),
        10: ("dey", "dei", "دی", "jadi", "jaddi", "جدی"),
        11: ("bahman", "بهمن", "dalw", "dalv", "دلو"),
        12: ("esfand", "isfand", "اسفند", "hut", "hoot", "حوت"),
    }
)

_ETHIOPIAN_MONTHS = _month_table(
    {
        1: ("meskerem", "maskaram", "መስከረም"),
        2: ("tikimt", "tikemt", "tekemt", "teqemt", "tiqimt", "ጥቅምት"),
        3: ("hidar", "hedar", "hidaar", "ኅዳር", "ህዳር"),
        4: ("tahsas", "tahesas", "takhsas", "ታኅሣሥ", "ታህሳስ"),
        5: ("tir", "ter", "tirr", "ጥር"),
        6: ("yekatit", "yakatit", "yekkatit", "የካቲት"),
        7: ("megabit", "magabit", "megabbit", "መጋቢት"),
        8: ("miyazya", "miazia", "miyaziya", "ሚያዝያ"),
        9: ("ginbot", "genbot", "ግንቦት"),
        10: ("sene", "sane", "senie", "ሰኔ"),
        11: ("hamle", "hamlie", "ሐምሌ", "ሀምሌ"),
        12: ("nehase", "nehasse", "nahase", "ነሐሴ", "ነሃሴ"),
        13: ("pagume", "pagumen", "pagumē", "ጳጉሜ", "ጳጉሜን"),
    }
)

_GREGORIAN_MONTHS = _month_table(
    {
        1: ("january", "jan"),
        2: ("february", "feb"),
        3: ("march", "mar"),
        4: ("april", "apr"),
        5: ("may",),
        6: ("june", "jun"),
        7: ("july", "jul"),
        8: ("august", "aug"),
        9: ("september", "sep", "sept"),
        10: ("october", "oct"),
        11: ("november", "nov"),
        12: ("december", "dec"),
    }
)

_MONTH_NAMES: Mapping[CalendarSystem, Mapping[str, int]] = MappingProxyType(
    {
        CalendarSystem.GREGORIAN: _GREGORIAN_MONTHS,
        CalendarSystem.SOLAR_HIJRI: _SOLAR_HIJRI_MONTHS,
        CalendarSystem.ETHIOPIAN: _ETHIOPIAN_MONTHS,
    }
)

# Era markers printed after the year ("1400 SH", "2006 E.C.", "1400 ه‍.ش", "2006 ዓ.ም").
_ERA_MARKERS = frozenset(
    _fold(marker) for marker in ("sh", "hs", "ap", "ec", "am", "ad", "ce", "هش", "ዓም")
)
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
# "E.C.", "S.H.", "ه.ش", "ዓ.ም": join letters split by dots so the marker reads as one word.
_DOTTED_ABBREVIATION = re.compile(r"(?<=[^\W\d_])\.(?=[^\W\d_])")


def parse_date_text(text: str, calendar: CalendarSystem | str) -> ParsedDate:
    """Read a full date written in the given calendar and keep the original string.

    Accepted: year-first numbers (1400/09/30, 1400-9-30), day-first numbers with the year
    last (30.09.1400), and a month name with day and year in either order ("Meskerem 5,
    2006", "30 Azar 1400", "۳۰ آذر ۱۴۰۰"). Any Unicode decimal digits are read; era markers
    are ignored. A year is recognised by having at least three digits.
    """
    calendar = _coerce_calendar(calendar)
    stripped = text.strip()
    if not stripped:
        raise CalendarError("empty_date_text", {"calendar": calendar.value})
    joined = _DOTTED_ABBREVIATION.sub("", stripped)
    tokens = [tok for tok in _TOKEN.findall(joined) if _fold(tok) not in _ERA_MARKERS]
    numbers = [tok for tok in tokens if tok.isdecimal()]
    words = [tok for tok in tokens if not tok.isdecimal()]
    params = {"text": stripped, "calendar": calendar.value}
    if len(words) > 1 or len(numbers) + len(words) != 3:
        raise CalendarError("unparseable_date", params)
    if words:
        month = _MONTH_NAMES[calendar].get(_fold(words[0]))
        if month is None:
            raise CalendarError("unknown_month_name", {**params, "month_name": words[0]})
        long_numbers = [tok for tok in numbers if len(tok) >= 3]
        if len(long_numbers) != 1:
            raise CalendarError("ambiguous_date", params)
        year_tok = long_numbers[0]
        day_tok = numbers[1] if numbers[0] is year_tok else numbers[0]
        year, day = int(year_tok), int(day_tok)
    elif len(numbers[0]) >= 3 and len(numbers[2]) < 3:
        year, month, day = (int(tok) for tok in numbers)
    elif len(numbers[2]) >= 3 and len(numbers[0]) < 3:
        day, month, year = (int(tok) for tok in numbers)
    else:
        raise CalendarError("ambiguous_date", params)
    gregorian = to_gregorian(calendar, year, month, day)
    return ParsedDate(text, calendar, year, month, day, gregorian)
