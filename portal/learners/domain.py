"""Pure rules about learner records: names, identifiers, dates, evidence and languages."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from portal.common.vocabulary import StudyStatus

CEFR_LEVELS = ("A0", "A1", "A2", "B1", "B2", "C1", "C2")
PROFICIENCIES = ("L1", *CEFR_LEVELS)
IDENTIFIER_KINDS = ("national_id", "unhcr", "previous_school", "other")
RELATIONSHIPS = ("parent", "carer", "appointed_guardian")
LEGAL_BASES = ("consent", "legal_obligation", "public_task", "vital_interest", "best_interests")
DOCUMENT_TYPES = (
    "report_card",
    "certificate",
    "transcript",
    "declaration",
    "interview",
    "photo",
    "credential",
    "other",
)
ASSESSMENT_KINDS = (
    "placement_test",
    "language_test",
    "literacy_diagnostic",
    "numeracy_diagnostic",
    "interview",
)
OLDEST_AGE = 25  # a record for a person older than this is almost certainly a typing error


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    ESTIMATED = "estimated"
    UNKNOWN = "unknown"


_SPACES = re.compile(r"\s+")
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, tatweel
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",
        "ی": "ي",
    }
)
_SCRIPTS = (
    ("Arab", re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")),
    ("Cyrl", re.compile("[\u0400-\u04ff]")),
    ("Ethi", re.compile("[\u1200-\u139f]")),
    ("Mymr", re.compile("[\u1000-\u109f]")),
    ("Beng", re.compile("[\u0980-\u09ff]")),
)


def clean_text(text: str) -> str:
    """Return text NFC-normalised with outer whitespace removed (inner text kept as typed)."""
    return unicodedata.normalize("NFC", text).strip()


def detect_script(text: str) -> str:
    """Return the ISO 15924 code of the first non-Latin script found, else Latn."""
    for code, pattern in _SCRIPTS:
        if pattern.search(text):
            return code
    return "Latn"


def fold_name(text: str) -> str:
    """Return the search form of a name: no case, accents, vowel marks or letter variants."""
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text)).translate(_ARABIC_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    # Combining marks go for Latin and Cyrillic (é → e, й → и); Arabic was folded above.
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold().replace("'", "").replace("’", "").replace("-", " ")
    return _SPACES.sub(" ", folded).strip()


def normalise_identifier(value: str) -> str:
    """Return the comparison form of an identifier: no spaces, dashes or case."""
    return re.sub(r"[\s\-./]", "", unicodedata.normalize("NFKC", value)).upper()


def birth_date_problems(birth_date: date | None, today: date) -> list[str]:
    """Return codes for an impossible birth date (empty when plausible)."""
    if birth_date is None:
        return []
    if birth_date > today:
        return ["birth_in_future"]
    if today.year - birth_date.year > OLDEST_AGE:
        return ["birth_too_long_ago"]
    return []


def study_period_problems(
    start: date | None, end: date | None, birth_date: date | None, today: date
) -> list[str]:
    """Return codes for an impossible study period (empty when plausible)."""
    problems = []
    if start and end and end < start:
        problems.append("study_ends_before_start")
    if birth_date and ((start and start < birth_date) or (end and end <= birth_date)):
        problems.append("study_before_birth")
    if (start and start > today) or (end and end > today.replace(year=today.year + 1)):
        problems.append("study_in_future")
    return problems


def fraction_problems(status: str, fraction: str | None) -> list[str]:
    """Check the completed share of a partial year: required for partial, in (0, 1)."""
    if status != StudyStatus.PARTIAL:
        return [] if fraction in (None, "") else ["fraction_only_for_partial"]
    try:
        value = Decimal(fraction or "")
    except InvalidOperation:
        return ["fraction_required"]
    return [] if 0 < value < 1 else ["fraction_out_of_range"]
