"""Bulk intake of a cohort of arriving learners, with up to three prior studies each, from CSV.

One row per learner; the first row is the header. Columns, in any order, each at most once
(``given_name``, ``family_name``, ``birth_date`` and ``birth_date_precision`` are required):

=========================  =================================================================
row_ref                    the school's own reference for the row, echoed in the report
given_name, family_name    the name as written in the child's own script (Arabic, Cyrillic...)
given_name_latin,          optional Latin transliteration, stored as a second name
family_name_latin
birth_date                 ``YYYY-MM-DD``; ``YYYY-MM`` or ``YYYY`` when the precision is
                           ``month``, ``year`` or ``estimated``; empty when ``unknown``. With
                           another ``birth_calendar``: the full date as on the document
                           ("30 Azar 1390", "1390/09/30"), kept as written and converted
birth_date_precision       ``day`` (default), ``month``, ``year``, ``estimated``, ``unknown``
birth_calendar             ``gregorian`` (default), ``solar_hijri`` or ``ethiopian``
languages                  ``code:level`` separated by ``;``, level ``L1`` or A0..C2:
                           ``ar:L1;de:A1``
identifier_type,           ``national_id``, ``unhcr``, ``previous_school`` or ``other``, and
identifier_value           the value (both or neither)
study<N>_system            N = 1, 2 or 3: a jurisdiction code (``SY``) or a system-version
                           code (``SY-2002``)
study<N>_grade             grade code in that system (``SY-G5``)
study<N>_status            ``completed``, ``partial``, ``promoted_without_exam``,
                           ``interrupted``
study<N>_fraction          share of a partial year completed, between 0 and 1 (``0.5``)
study<N>_end               when the study ended: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (the
                           last day of that month or year); with ``study<N>_calendar``, the
                           full date as on the document
study<N>_calendar          ``gregorian`` (default), ``solar_hijri`` or ``ethiopian``
study<N>_evidence          evidence level ``E0`` .. ``E5`` (or ``0`` .. ``5``)
study<N>_document          optional document type: report_card, certificate, transcript, ...
study<N>_school            optional name of the school attended
=========================  =================================================================

A study group present in the header needs its system, grade, status and evidence columns.
Reading is strict: UTF-8 only (a leading BOM is fine), no NUL bytes, well-formed quoting, at
most ``MAX_ROWS`` learners, ``MAX_BYTES`` bytes and ``FIELD_MAX`` characters per cell. Every
row is checked and every problem reported at once with its row number (the header is row 1).
An identifier that appears twice in the file, or is already on file (in the school's scope
or elsewhere), is a problem. Nothing is written unless the whole file is valid.

This module also holds the texts for the problem codes of learner records, which the JSON
API shares.
"""

from __future__ import annotations

import calendar as gregorian_calendar
import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.services import record
from portal.auth.domain import Role
from portal.auth.models import User
from portal.common.calendars import CalendarError, parse_date_text
from portal.common.csv_files import CsvImportError, CsvProblem, decode
from portal.common.vocabulary import StudyStatus
from portal.curricula.models import EducationSystemVersion
from portal.curricula.services import NotFound, current_system_version, origin_version_for_grade
from portal.extensions import db
from portal.learners import domain
from portal.learners.models import (
    EvidenceItem,
    Learner,
    LearnerIdentifier,
    LearnerLanguage,
    LearnerName,
    StudyRecord,
)
from portal.learners.services import (
    EvidenceInput,
    LearnerReadOnly,
    StudyInput,
    validate_study,
    visible_learners,
)

MAX_BYTES = 5 * 1000 * 1000
MAX_ROWS = 2000  # a cohort, not a census: about ten seconds to check and write on SQLite
FIELD_MAX = 200
MAX_PROBLEMS = 1000
STUDY_SLOTS = (1, 2, 3)
CALENDARS = ("gregorian", "solar_hijri", "ethiopian")
PRECISIONS = tuple(p.value for p in domain.Precision)
STATUSES = tuple(s.value for s in StudyStatus)
STUDY_FIELDS = (
    "system",
    "grade",
    "status",
    "fraction",
    "end",
    "calendar",
    "evidence",
    "document",
    "school",
)
STUDY_REQUIRED = ("system", "grade", "status", "evidence")
LEARNER_COLUMNS = (
    "row_ref",
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "birth_date",
    "birth_date_precision",
    "birth_calendar",
    "languages",
    "identifier_type",
    "identifier_value",
)
REQUIRED_COLUMNS = ("given_name", "family_name", "birth_date", "birth_date_precision")
COLUMNS = LEARNER_COLUMNS + tuple(f"study{n}_{f}" for n in STUDY_SLOTS for f in STUDY_FIELDS)
# Tighter than FIELD_MAX where the column is stored in a shorter field.
CELL_LIMITS = {"row_ref": 40, "identifier_value": 120, "birth_date": 80, "languages": 120}
# Where validate_study reports a problem, by the study column it comes from.
STUDY_PROBLEM_FIELDS = {
    "system": "system",
    "grade": "grade",
    "status": "status",
    "fraction": "fraction",
    "evidence_level": "evidence",
    "period": "end",
    "evidence": "document",
}
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
_EVIDENCE = re.compile(r"[Ee]?([0-5])")
_ISO = {
    "day": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "month": re.compile(r"\d{4}-\d{2}"),
    "year": re.compile(r"\d{4}"),
}

# --- texts for problem codes (translated at the edge with problem_text) ----------------------

PROBLEM_TEXTS = {
    # shape of a value
    "required": _l("This field is required."),
    "too_long": _l("Too long: at most %(max)d characters."),
    "not_text": _l("Write this as text."),
    "not_list": _l("Send a list here."),
    "not_object": _l("Send an object with named fields here."),
    "not_integer": _l("Write a whole number."),
    "not_boolean": _l("Write true or false."),
    "not_date": _l("Dates are written as YYYY-MM-DD."),
    "too_many": _l("At most %(max)d entries are accepted."),
    "invalid_choice": _l("Not an accepted value."),
    "invalid_choice_of": _l("Not an accepted value. Use one of: %(choices)s."),
    "out_of_range": _l("Out of range: from %(min)d to %(max)d."),
    # learner records
    "name_required": _l("At least one given name is required."),
    "birth_date_required": _l('A birth date is required unless its precision is "unknown".'),
    "birth_in_future": _l("The birth date lies in the future."),
    "birth_too_long_ago": _l(
        "The birth date makes the learner older than %(max)d; check the year."
    ),
    "invalid_language": _l(
        "Write each language as a code and a level (L1, or A0 to C2), for example ar:L1."
    ),
    "invalid_identifier": _l(
        "Identifier types are national_id, unhcr, previous_school or other, with a value."
    ),
    "identifier_incomplete": _l("Give both the identifier type and its value."),
    "invalid_date_format": _l(
        "Write the date as YYYY-MM-DD (YYYY-MM or YYYY when only the month or year is known)."
    ),
    # studies and assessments
    "unknown_system": _l("Unknown education system."),
    "unknown_grade": _l("This education system has no grade with that code."),
    "invalid_evidence": _l("Write the evidence level as E0 to E5."),
    "fraction_required": _l(
        "A partial year needs the share completed, a number between 0 and 1 such as 0.5."
    ),
    "fraction_out_of_range": _l("The share completed must lie between 0 and 1."),
    "fraction_only_for_partial": _l("A share completed is only given for a partial year."),
    "study_ends_before_start": _l("The study ends before it starts."),
    "study_before_birth": _l("The study lies before the birth date."),
    "study_in_future": _l("The study lies in the future."),
    "result_incomplete": _l("Each result needs a subject and a mark."),
    "date_in_future": _l("The date lies in the future."),
    "before_birth": _l("The date lies before the birth date."),
    "language_required": _l("A CEFR level needs the language it was assessed in."),
    # dates written in another calendar
    "unparseable_date": _l(
        "This date cannot be read. Write day, month and year as on the document."
    ),
    "unknown_month_name": _l("Unknown month name %(month_name)s."),
    "ambiguous_date": _l("This date is ambiguous: write the year with all its digits."),
    "day_out_of_range": _l("This date does not exist in its calendar."),
    "month_out_of_range": _l("This date does not exist in its calendar."),
    "year_out_of_range": _l("This year lies outside the range the portal can convert."),
    "date_out_of_range": _l("This year lies outside the range the portal can convert."),
    "unsupported_calendar": _l("Dates in this calendar cannot be converted."),
    # the file
    "not_utf8": _l('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'),
    "too_large": _l("The file is larger than %(max_mb)d MB."),
    "empty": _l("The file is empty."),
    "no_rows": _l("The file has a header but no learners."),
    "duplicate_column": _l("The column %(column)s appears more than once."),
    "unknown_column": _l("Unknown column %(column)s."),
    "missing_column": _l("The column %(column)s is missing."),
    "too_many_rows": _l("The file has more than %(max)d rows."),
    "wrong_column_count": _l("This row has %(found)d cells but the header has %(expected)d."),
    "malformed": _l("The CSV text is broken here, for example by a quote that is never closed."),
    "field_too_long": _l("A cell is longer than %(max)d characters."),
    "duplicate_row_ref": _l("The same row reference already appears in row %(first)d."),
    "duplicate_in_file": _l("The same identifier already appears in row %(first)d."),
    "identifier_on_file": _l("A learner your school can see already has this identifier."),
    "identifier_on_file_elsewhere": _l("This identifier is already on file at another school."),
    "not_school_admin": _l("Only a school administrator can import learners."),
}


def problem_text(code: str, params: Mapping | None = None) -> str:
    """Translate a problem code with its parameters (names the code when no text exists)."""
    text = str(PROBLEM_TEXTS.get(code, code))
    try:
        return text % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return text


# --- shared helpers --------------------------------------------------------------------------


def resolve_system_code(code: str, grade: str, on: date) -> str:
    """Return the system-version code meant by a version or jurisdiction code.

    A jurisdiction code picks the version that has the grade (the one in force on the date
    when several do). An unknown code is returned as given, for validate_study to refuse.
    """
    known = db.session.scalar(
        select(EducationSystemVersion.code).where(EducationSystemVersion.code == code)
    )
    if known:
        return code
    try:
        return origin_version_for_grade(code, grade, on).code
    except NotFound as err:
        if err.code == "unknown_grade":
            return current_system_version(code).code
        return code


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Study:
    data: StudyInput
    system: EducationSystemVersion


@dataclass
class _Row:
    row: int
    row_ref: str
    names: list[tuple[str, str, str, str]]  # given, family, script, kind
    birth_date: date | None
    precision: str
    calendar: str
    original: str | None
    languages: dict[str, str]
    identifier: tuple[str, str] | None
    studies: list[_Study] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedLearner:
    row: int
    row_ref: str
    public_id: str
    studies: int


@dataclass
class ImportReport:
    """What an import did: the learners created, or every problem found (nothing written)."""

    rows: int = 0
    created: list[ImportedLearner] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    truncated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def studies(self) -> int:
        return sum(c.studies for c in self.created)

    def messages(self) -> list[str]:
        """Return every problem as one translated line (in a request, or under force_locale)."""
        lines = []
        for p in self.problems:
            reason = problem_text(p.code, p.params)
            if p.row and p.column:
                lines.append(
                    _(
                        "Row %(row)d, column %(column)s: %(reason)s",
                        row=p.row,
                        column=p.column,
                        reason=reason,
                    )
                )
            elif p.row:
                lines.append(_("Row %(row)d: %(reason)s", row=p.row, reason=reason))
            else:
                lines.append(reason)
        return lines


class _Reader:
    """Check the rows of one file, collecting every problem with its row number."""

    def __init__(self, today: date):
        self.today = today
        self.problems: list[CsvProblem] = []
        self.systems: dict[tuple[str, str, date], str] = {}

    def fail(self, row: int, column: str | None, code: str, **params) -> None:
        self.problems.append(CsvProblem(row, column, code, params))

    def date_cell(
        self, row: int, column: str, text: str, calendar: str, precision: str, *, end: bool
    ) -> tuple[date | None, str | None]:
        """Return (Gregorian date, text as written when another calendar) for a cell."""
        if not text:
            return None, None
        if calendar != "gregorian":
            try:
                return parse_date_text(text, calendar).gregorian, text
            except CalendarError as err:
                self.fail(row, column, err.code, **err.params)
                return None, None
        partial = end or precision in ("month", "year", "estimated")
        try:
            if _ISO["day"].fullmatch(text):
                return date.fromisoformat(text), None
            if partial and _ISO["month"].fullmatch(text):
                year, month = int(text[:4]), int(text[5:])
                day = gregorian_calendar.monthrange(year, month)[1] if end else 1
                return date(year, month, day), None
            if (end or precision in ("year", "estimated")) and _ISO["year"].fullmatch(text):
                return (date(int(text), 12, 31) if end else date(int(text), 1, 1)), None
        except ValueError:
            pass
        self.fail(row, column, "invalid_date_format")
        return None, None

    def choice(self, row: int, column: str, value: str, choices: tuple[str, ...]) -> bool:
        if value in choices:
            return True
        self.fail(row, column, "invalid_choice_of", choices=", ".join(choices))
        return False

    def learner(self, row: int, rec: dict[str, str]) -> _Row:
        given, family = rec["given_name"], rec["family_name"]
        if not domain.clean_text(given):
            self.fail(row, "given_name", "required")
        names = [(given, family, domain.detect_script(given + family), "original")]
        given_latin, family_latin = rec["given_name_latin"], rec["family_name_latin"]
        if family_latin and not given_latin:
            self.fail(row, "given_name_latin", "required")
        elif given_latin:
            names.append((given_latin, family_latin, "Latn", "transliteration"))

        precision = rec["birth_date_precision"] or "day"
        calendar = rec["birth_calendar"] or "gregorian"
        ok = self.choice(row, "birth_date_precision", precision, PRECISIONS)
        ok = self.choice(row, "birth_calendar", calendar, CALENDARS) and ok
        birth, original = None, None
        if ok:
            birth, original = self.date_cell(
                row, "birth_date", rec["birth_date"], calendar, precision, end=False
            )
            if not rec["birth_date"] and precision != domain.Precision.UNKNOWN:
                self.fail(row, "birth_date", "birth_date_required")
            for code in domain.birth_date_problems(birth, self.today):
                self.fail(row, "birth_date", code, max=domain.OLDEST_AGE)

        languages: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in rec["languages"].split(";"))):
            code, _sep, level = (part.strip() for part in item.partition(":"))
            if not _LANGUAGE.fullmatch(code.lower()) or level.upper() not in domain.PROFICIENCIES:
                self.fail(row, "languages", "invalid_language")
                break
            languages[code.lower()] = level.upper()

        identifier = None
        kind, value = rec["identifier_type"], rec["identifier_value"]
        if bool(kind) != bool(value):
            missing = "identifier_value" if kind else "identifier_type"
            self.fail(row, missing, "identifier_incomplete")
        elif kind and self.choice(row, "identifier_type", kind, domain.IDENTIFIER_KINDS):
            if domain.normalise_identifier(value):
                identifier = (kind, value)
            else:
                self.fail(row, "identifier_value", "invalid_identifier")

        parsed = _Row(
            row=row,
            row_ref=rec["row_ref"],
            names=names,
            birth_date=birth,
            precision=precision,
            calendar=calendar,
            original=original,
            languages=languages,
            identifier=identifier,
        )
        for n in STUDY_SLOTS:
            study = self.study(row, n, rec, birth)
            if study is not None:
                parsed.studies.append(study)
        return parsed

    def study(self, row: int, n: int, rec: dict[str, str], birth: date | None) -> _Study | None:
        cells = {f: rec[f"study{n}_{f}"] for f in STUDY_FIELDS}
        if not any(cells.values()):
            return None
        failed = set()  # columns already reported: validate_study must not report them again
        for name in STUDY_REQUIRED:
            if not cells[name]:
                self.fail(row, f"study{n}_{name}", "required")
                failed.add(name)
        evidence = _EVIDENCE.fullmatch(cells["evidence"])
        if cells["evidence"] and evidence is None:
            self.fail(row, f"study{n}_evidence", "invalid_evidence")
            failed.add("evidence")
        calendar = cells["calendar"] or "gregorian"
        end, original = None, None
        if self.choice(row, f"study{n}_calendar", calendar, CALENDARS):
            before = len(self.problems)
            end, original = self.date_cell(
                row, f"study{n}_end", cells["end"], calendar, "day", end=True
            )
            if len(self.problems) != before:
                failed.add("end")
        on = end or self.today
        key = (cells["system"], cells["grade"], on)
        if key not in self.systems:
            self.systems[key] = resolve_system_code(cells["system"], cells["grade"], on)
        data = StudyInput(
            system_version_code=self.systems[key],
            grade_code=cells["grade"],
            status=cells["status"],
            evidence_level=int(evidence.group(1)) if evidence else 0,
            school_name=cells["school"],
            period_end=end,
            period_original=original or (cells["end"] if end and len(cells["end"]) < 10 else ""),
            period_calendar=calendar,
            fraction=cells["fraction"] or None,
            evidence=[EvidenceInput(cells["document"])] if cells["document"] else [],
            source="csv",
        )
        system, problems = validate_study(birth, data, self.today)
        for key_, codes in problems.items():
            name = STUDY_PROBLEM_FIELDS.get(key_, key_)
            if name in failed or (name == "grade" and "system" in failed):
                continue
            column = f"study{n}_{name}"
            for code in codes:
                if code == "invalid_choice" and name == "status":
                    self.choice(row, column, cells["status"], STATUSES)
                elif code == "invalid_choice" and name == "document":
                    self.choice(row, column, cells["document"], domain.DOCUMENT_TYPES)
                else:
                    self.fail(row, column, code)
        return None if problems or failed else _Study(data, system)


def _check_header(header: list[str]) -> list[CsvProblem]:
    problems = []
    seen: set[str] = set()
    for name in header:
        shown = name[:40]
        if name in seen:
            problems.append(CsvProblem(1, shown, "duplicate_column", {"column": shown}))
        elif name not in COLUMNS:
            problems.append(CsvProblem(1, shown, "unknown_column", {"column": shown}))
        seen.add(name)
    needed = list(REQUIRED_COLUMNS)
    for n in STUDY_SLOTS:
        if any(f"study{n}_{f}" in seen for f in STUDY_FIELDS):
            needed += [f"study{n}_{f}" for f in STUDY_REQUIRED]
    for name in needed:
        if name not in seen:
            problems.append(CsvProblem(1, name, "missing_column", {"column": name}))
    return problems


def _records(text: str, reader: _Reader):
    """Yield (row number, record) for each non-blank, well-formed row; problems go to reader."""
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    row_no = 0
    try:
        header = [h.strip() for h in next(rows)]
        row_no = 1
        header_problems = _check_header(header)
        if header_problems:
            reader.problems.extend(header_problems)
            return
        for row_no, cells in enumerate(rows, start=2):
            if row_no - 1 > MAX_ROWS:
                reader.fail(row_no, None, "too_many_rows", max=MAX_ROWS)
                return
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                reader.fail(
                    row_no, None, "wrong_column_count", expected=len(header), found=len(cells)
                )
                continue
            record = {h: domain.clean_text(c) for h, c in zip(header, cells, strict=True)}
            too_long = False
            for column, value in record.items():
                limit = CELL_LIMITS.get(column, FIELD_MAX)
                if len(value) > limit or "\x00" in value:
                    reader.fail(row_no, column, "too_long", max=limit)
                    too_long = True
            if not too_long:
                yield row_no, {c: record.get(c, "") for c in COLUMNS}
    except csv.Error as err:
        code = "field_too_long" if "field larger" in str(err) else "malformed"
        reader.fail(row_no + 1, None, code, max=FIELD_MAX)


def _check_duplicates(user: User, rows: list[_Row], reader: _Reader) -> None:
    """Report identifiers and row references that repeat in the file or are already on file."""
    first_ref: dict[str, int] = {}
    first_id: dict[tuple[str, str], int] = {}
    for r in rows:
        if r.row_ref:
            if r.row_ref in first_ref:
                reader.fail(r.row, "row_ref", "duplicate_row_ref", first=first_ref[r.row_ref])
            first_ref.setdefault(r.row_ref, r.row)
        if r.identifier:
            key = (r.identifier[0], domain.normalise_identifier(r.identifier[1]))
            if key in first_id:
                reader.fail(r.row, "identifier_value", "duplicate_in_file", first=first_id[key])
            first_id.setdefault(key, r.row)
    if not first_id:
        return
    on_file: dict[tuple[str, str], set[int]] = {}
    values = sorted({v for _k, v in first_id})
    for start in range(0, len(values), 500):
        found = db.session.execute(
            select(
                LearnerIdentifier.kind,
                LearnerIdentifier.normalized_value,
                LearnerIdentifier.learner_id,
            ).where(LearnerIdentifier.normalized_value.in_(values[start : start + 500]))
        )
        for kind, value, learner_id in found:
            on_file.setdefault((kind, value), set()).add(learner_id)
    if not on_file:
        return
    ids = set().union(*on_file.values())
    visible = set(
        db.session.scalars(
            visible_learners(user).with_only_columns(Learner.id).where(Learner.id.in_(ids))
        )
    )
    for key, row in first_id.items():
        holders = on_file.get(key, set())
        if holders & visible:
            reader.fail(row, "identifier_value", "identifier_on_file")
        elif holders:
            reader.fail(row, "identifier_value", "identifier_on_file_elsewhere")


# --- writing ---------------------------------------------------------------------------------


def _learner_model(user: User, r: _Row) -> Learner:
    # The same fields, cleaning and folding as services.create_learner / add_study.
    learner = Learner(
        school_id=user.school_id,
        birth_date=r.birth_date,
        birth_date_precision=r.precision,
        birth_date_source="document" if r.original else "declared",
        birth_date_original=r.original,
        birth_date_calendar=r.calendar,
        created_by_id=user.id,
    )
    learner.names = [
        LearnerName(
            position=i,
            script=script,
            kind=kind,
            given=given,
            family=family,
            search_key=domain.fold_name(f"{given} {family}"),
        )
        for i, (given, family, script, kind) in enumerate(r.names)
    ]
    learner.languages = [
        LearnerLanguage(language=lang, proficiency=level) for lang, level in r.languages.items()
    ]
    if r.identifier:
        kind, value = r.identifier
        learner.identifiers = [
            LearnerIdentifier(
                kind=kind, value=value, normalized_value=domain.normalise_identifier(value)
            )
        ]
    for s in r.studies:
        study = StudyRecord(
            system_version=s.system,
            grade_code=s.data.grade_code,
            school_name=s.data.school_name,
            period_end=s.data.period_end,
            period_original=s.data.period_original,
            period_calendar=s.data.period_calendar,
            status=s.data.status,
            fraction=s.data.fraction,
            evidence_level=s.data.evidence_level,
            source="csv",
            created_by_id=user.id,
        )
        study.evidence = [EvidenceItem(document_type=e.document_type) for e in s.data.evidence]
        learner.studies.append(study)
    return learner


def import_cohort(
    user: User,
    raw: bytes,
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create every learner of a file at the user's school, all or nothing; flush, no commit.

    ``progress(done, total)`` is called while the rows are checked and then written.
    """
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        raise LearnerReadOnly("import")
    reader = _Reader(today or date.today())
    report = ImportReport()
    if len(raw) > MAX_BYTES:
        report.problems = [CsvProblem(0, None, "too_large", {"max_mb": MAX_BYTES // 10**6})]
        return report
    try:
        text = decode(raw)
    except CsvImportError as err:
        report.problems = list(err.problems)
        return report
    records = list(_records(text, reader))
    total = 2 * len(records)
    rows = []
    for done, (row_no, rec) in enumerate(records, start=1):
        rows.append(reader.learner(row_no, rec))
        if progress:
            progress(done, total)
    report.rows = len(records)
    if not records and not reader.problems:
        reader.fail(1, None, "no_rows")
    _check_duplicates(user, rows, reader)
    if reader.problems:
        ordered = sorted(reader.problems, key=lambda p: p.row)
        report.problems = ordered[:MAX_PROBLEMS]
        report.truncated = len(ordered) - len(report.problems)
        return report
    created = [(r, _learner_model(user, r)) for r in rows]
    db.session.add_all(learner for _r, learner in created)
    db.session.flush()
    for done, (r, learner) in enumerate(created, start=len(records) + 1):
        record(
            "learner.created",
            "learner",
            learner.public_id,
            actor=user,
            details={
                "source": "csv",
                "row": r.row,
                "studies": [s.public_id for s in learner.studies],
            },
        )
        report.created.append(ImportedLearner(r.row, r.row_ref, learner.public_id, len(r.studies)))
        if progress:
            progress(done, total)
    record(
        "learner.cohort_imported",
        "school",
        user.school.public_id,
        actor=user,
        details={"learners": len(report.created), "studies": report.studies},
    )
    return report
