"""Reading a learner's record for display: dates as written, the schooling timeline across
countries, marks beside their converted values, and the minimal view of transfers.

Nothing here changes a record; conversions are computed for display and never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from sqlalchemy import select

from portal.audit.services import record
from portal.auth.models import User
from portal.common.calendars import (
    CalendarError,
    CalendarSystem,
    month_length,
    parse_date_text,
    to_gregorian,
)
from portal.curricula import services as curricula
from portal.curricula.marks import (
    GERMAN_SCALE,
    Conversion,
    MarkError,
    Method,
    Rounding,
    Scale,
    ScaleKind,
    convert_mark,
    is_german_scale,
)
from portal.curricula.models import (
    EducationSystemVersion,
    EquivalencyMarkRule,
    EquivalencyTable,
    Grade,
    GradingScale,
)
from portal.extensions import db
from portal.learners.models import (
    Assessment,
    Enrolment,
    Learner,
    StudyRecord,
    SubjectResult,
    Transfer,
)
from portal.learners.services import (
    LearnerNotFound,
    identifier_elsewhere,
    matching_identifiers,
)
from portal.learners.transfers import school_transfers, transfers_of
from portal.schools.models import School

# --- dates as written on documents --------------------------------------------------------

DAY, MONTH, YEAR = "day", "month", "year"
_GRANULARITY_RANK = {YEAR: 0, MONTH: 1, DAY: 2}
# Parse errors that say more than "could not read this": prefer them when reporting.
_SPECIFIC_ERRORS = ("year_out_of_range", "month_out_of_range", "day_out_of_range")


@dataclass(frozen=True)
class DocumentDate:
    """A date read from a document: the Gregorian day, how much of it was written, the text."""

    value: date
    granularity: str  # day | month | year
    original: str
    calendar: CalendarSystem


def _period_end(calendar: CalendarSystem, year: int, month: int | None) -> date:
    last_month = month or (13 if calendar is CalendarSystem.ETHIOPIAN else 12)
    return to_gregorian(calendar, year, last_month, month_length(calendar, year, last_month))


def read_document_date(text: str, calendar: str, *, end: bool = False) -> DocumentDate:
    """Read a full date, a month and year, or a year alone, written in the given calendar.

    A partial date stands for its first day, or its last day for the end of a period, so
    that plausibility checks never refuse a claim the document supports.
    """
    system = CalendarSystem(calendar)
    original = text.strip()
    # Fill in the missing parts and let the calendar module read the result.
    attempts = (
        (DAY, original),
        (MONTH, f"{original}/01"),
        (MONTH, f"01/{original}"),
        (YEAR, f"{original}/01/01"),
    )
    errors: list[CalendarError] = []
    for granularity, candidate in attempts:
        try:
            parsed = parse_date_text(candidate, system)
        except CalendarError as err:
            errors.append(err)
            continue
        value = parsed.gregorian
        if end and granularity != DAY:
            month = parsed.month if granularity == MONTH else None
            value = _period_end(system, parsed.year, month)
        return DocumentDate(value, granularity, original, system)
    specific = [e for e in errors if e.code in _SPECIFIC_ERRORS]
    raise (specific or errors)[0]


def precision_problem(precision: str, found: DocumentDate | None) -> str | None:
    """Check that the date written is as exact as the precision claimed."""
    if precision == "unknown":
        return "date_given_for_unknown" if found else None
    if found is None:
        return "birth_date_required"
    needed = {"day": DAY, "month": MONTH}.get(precision, YEAR)
    if _GRANULARITY_RANK[found.granularity] < _GRANULARITY_RANK[needed]:
        return "date_less_precise_than_claimed"
    return None


def period_text(start: str, end: str) -> str:
    """Return the period as written on the document ("start – end"), empty when neither."""
    start, end = start.strip(), end.strip()
    return f"{start} – {end}".strip() if start or end else ""


# --- choices for forms ----------------------------------------------------------------------

LANGUAGE_CODES = (
    "am",
    "ar",
    "az",
    "be",
    "bn",
    "ckb",
    "de",
    "en",
    "es",
    "fa",
    "fa-af",
    "ff",
    "fr",
    "ha",
    "hy",
    "ka",
    "ku",
    "ln",
    "my",
    "om",
    "pl",
    "ps",
    "rhg",
    "ro",
    "ru",
    "sd",
    "so",
    "sw",
    "tg",
    "ti",
    "tr",
    "uk",
    "ur",
    "uz",
)


def language_name(code: str, locale: str) -> str:
    """Return a language's name in the viewer's locale (from CLDR), else the code."""
    region = code.split("-")
    key = region[0] if len(region) == 1 else f"{region[0]}_{region[1].upper()}"
    try:
        names = Locale.parse(locale).languages
    except (UnknownLocaleError, ValueError):
        return code
    return names.get(key) or names.get(region[0]) or code


def language_options(locale: str) -> list[tuple[str, str]]:
    """Return (code, name) pairs of the offered languages, sorted by name in the locale."""
    return sorted(((c, language_name(c, locale)) for c in LANGUAGE_CODES), key=lambda p: p[1])


def systems_with_grades() -> list[EducationSystemVersion]:
    """Return every education-system version (grouped by jurisdiction, newest first)."""
    return curricula.system_versions()


def current_system(school: School, on: date | None = None) -> EducationSystemVersion | None:
    """Return the school's system version in force on a day (today by default), if any."""
    try:
        return curricula.system_version_on(school.jurisdiction.code, on or date.today())
    except curricula.NotFound:
        return None


def system_or_none(code: str) -> EducationSystemVersion | None:
    """Return the system version with this code, or None."""
    try:
        return curricula.system_version_by_code(code)
    except curricula.NotFound:
        return None


def other_schools(user: User) -> list[School]:
    """Return every school except the user's own, by name (transfer destinations)."""
    return list(
        db.session.scalars(select(School).where(School.id != user.school_id).order_by(School.name))
    )


# --- scales ---------------------------------------------------------------------------------


def _applies_to_grade(scale: GradingScale, grade: Grade | None, grades: list[Grade]) -> int:
    """Rank how specifically a scale applies to a grade (0: not at all)."""
    rule = scale.applies_to or "all"
    if rule == "all":
        return 1
    if grade is None:
        return 0
    kind, _, value = rule.partition(":")
    if kind == "programme":
        return 2 if value == grade.programme_code else 0
    if kind == "grades":
        first, _, last = value.partition("..")
        index = {g.code: g.cumulative_index for g in grades}
        low, high = index.get(first), index.get(last or first)
        if low is not None and high is not None and low <= grade.cumulative_index <= high:
            return 2
    return 0


def default_scale(system: EducationSystemVersion, grade_code: str) -> GradingScale | None:
    """Return the system's scale for school reports of a grade (not certificate totals)."""
    grade = next((g for g in system.grades if g.code == grade_code), None)
    ranked = [
        (_applies_to_grade(s, grade, system.grades), s)
        for s in system.scales
        if not (s.applies_to or "").startswith("certificate:")
    ]
    ranked = [pair for pair in ranked if pair[0] > 0]
    if not ranked:
        return None
    return max(ranked, key=lambda pair: pair[0])[1]


def domain_scale(model: GradingScale) -> Scale | None:
    """Return the domain form of a stored scale; None for words, which have no numbers."""
    return curricula.to_domain_scale(model)


def custom_scale(best: str, pass_mark: str, worst: str) -> Scale:
    """Return a numeric scale from the values written on a document (raises MarkError)."""
    return Scale(best=best, pass_mark=pass_mark, worst=worst)


def mark_problem(raw: str, scale: Scale | None) -> str | None:
    """Check a raw mark against its scale: a number inside it, or one of its band codes."""
    if scale is None or scale.kind is ScaleKind.DESCRIPTIVE:
        return None
    try:
        value = Decimal(_number(raw))
    except InvalidOperation:
        if scale.bands:
            try:
                scale.band_by_code(raw)
            except MarkError:
                return "unknown_band"
            return None
        return "invalid_mark"
    return None if value.is_finite() and scale.contains(value) else "mark_out_of_scale"


# --- marks beside their converted values -------------------------------------------------


@dataclass(frozen=True)
class MarkView:
    """A raw mark with its scale, and a converted value only when one is computable."""

    result: SubjectResult
    scale_name: str | None
    best: str | None
    pass_mark: str | None
    worst: str | None
    conversion: Conversion | None = None
    target_name: str | None = None
    basis: str | None = None  # the equivalency table's code, or None for the KMK default
    problem: str | None = None


def _scale_of(result: SubjectResult, system: EducationSystemVersion) -> tuple:
    model = next((s for s in system.scales if s.code == result.scale_code), None)
    if model is not None:
        return model, domain_scale(model)
    if result.scale_best and result.scale_pass and result.scale_worst:
        return None, custom_scale(result.scale_best, result.scale_pass, result.scale_worst)
    return None, None


@dataclass
class _Destination:
    jurisdiction: str
    system: EducationSystemVersion | None
    rules: dict[str, tuple[EquivalencyTable, EquivalencyMarkRule]] = field(default_factory=dict)


def _valid_today(table: EquivalencyTable, today: date) -> bool:
    return table.valid_from <= today and (table.valid_to is None or table.valid_to >= today)


def _destination(learner: Learner, origin: str, today: date) -> _Destination:
    jurisdiction = learner.school.jurisdiction.code
    dest = _Destination(jurisdiction, current_system(learner.school, today))
    tables = [t for t in curricula.published_tables(origin, jurisdiction) if _valid_today(t, today)]
    # The lowest precedence number wins; within it, the newest version.
    for table in sorted(tables, key=lambda t: (t.precedence, -t.version), reverse=True):
        for rule in table.mark_rules:
            dest.rules[rule.origin_scale] = (table, rule)
    return dest


def _german_target(system: EducationSystemVersion | None) -> GradingScale | None:
    for model in system.scales if system else ():
        try:
            scale = curricula.to_domain_scale(model)
            if scale is not None and is_german_scale(scale):
                return model
        except MarkError:
            continue
    return None


def _number(raw: str) -> str:
    """Read a decimal comma as a point ("8,5" is 8.5); band codes pass unchanged."""
    text = raw.strip()
    return text.replace(",", ".") if text.count(",") == 1 and "." not in text else text


def _convert(view: MarkView, scale: Scale, dest: _Destination, locale: str) -> MarkView:
    result = view.result
    found = dest.rules.get(result.scale_code or "")
    try:
        if found is not None:
            table, rule = found
            if rule.method == Method.NONE:
                return view
            scales = dest.system.scales if dest.system else ()
            target_model = next((s for s in scales if s.code == rule.target_scale), None)
            target = curricula.to_domain_scale(target_model) if target_model else None
            if rule.best or rule.pass_mark:
                scale = replace(
                    scale,
                    best=Decimal(rule.best or scale.best),
                    pass_mark=Decimal(rule.pass_mark or scale.pass_mark),
                )
            conversion = convert_mark(
                _number(result.raw_mark),
                scale,
                Method(rule.method),
                Rounding(rule.rounding or Rounding.KMK_TRUNCATE_1DP),
                target,
            )
            name = target_model.name(locale) if target_model else None
            return replace(view, conversion=conversion, target_name=name, basis=table.code)
        german = _german_target(dest.system)
        if german is None or is_german_scale(scale):
            return view
        conversion = convert_mark(_number(result.raw_mark), scale, target=GERMAN_SCALE)
        return replace(view, conversion=conversion, target_name=german.name(locale))
    except MarkError as err:
        return replace(view, problem=err.code)


def mark_views(
    learner: Learner, study: StudyRecord, locale: str, today: date | None = None
) -> list[MarkView]:
    """Return each raw mark of a study with its scale and, where computable, its conversion
    for the jurisdiction of the school that holds the record now."""
    today = today or date.today()
    system = study.system_version
    dest = None
    if system.jurisdiction.code != learner.school.jurisdiction.code:
        dest = _destination(learner, system.jurisdiction.code, today)
    views = []
    for result in study.results:
        try:
            model, scale = _scale_of(result, system)
        except MarkError:
            model, scale = None, None
        view = MarkView(
            result=result,
            scale_name=model.name(locale) if model else None,
            best=result.scale_best or (model.best if model else None),
            pass_mark=result.scale_pass or (model.pass_mark if model else None),
            worst=result.scale_worst or (model.worst if model else None),
        )
        if scale is not None and dest is not None:
            view = _convert(view, scale, dest, locale)
        views.append(view)
    return views


# --- the timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyView:
    study: StudyRecord
    system_label: str
    jurisdiction_name: str
    grade_label: str
    marks: list[MarkView]


@dataclass(frozen=True)
class EnrolmentView:
    enrolment: Enrolment
    system_label: str | None
    grade_label: str | None


@dataclass(frozen=True)
class TimelineEvent:
    """One step of a child's schooling; `on` is None when the document gives no date."""

    kind: str  # study | enrolment | transfer
    on: date | None
    item: StudyView | EnrolmentView | Transfer


def grade_label(system: EducationSystemVersion | None, code: str | None, locale: str) -> str:
    """Return a grade's label in the viewer's locale (the code when unknown)."""
    if not code:
        return ""
    grade = next((g for g in system.grades if g.code == code), None) if system else None
    return grade.label(locale) if grade else code


def _study_view(learner: Learner, study: StudyRecord, locale: str, today: date) -> StudyView:
    system = study.system_version
    return StudyView(
        study=study,
        system_label=system.label(locale),
        jurisdiction_name=system.jurisdiction.name(locale),
        grade_label=grade_label(system, study.grade_code, locale),
        marks=mark_views(learner, study, locale, today),
    )


def _study_key(event: TimelineEvent) -> tuple:
    # Undated studies go last, in the order of the grade reached.
    if event.on is not None:
        return (0, event.on, 0)
    study = event.item.study  # type: ignore[union-attr]
    grade = next((g for g in study.system_version.grades if g.code == study.grade_code), None)
    return (1, date.max, grade.cumulative_index if grade else 99)


def timeline(learner: Learner, locale: str, today: date | None = None) -> list[TimelineEvent]:
    """Return the child's schooling in order: studies abroad, enrolments and transfers."""
    today = today or date.today()
    events = [
        TimelineEvent(
            "study",
            s.period_start or s.period_end,
            _study_view(learner, s, locale, today),
        )
        for s in learner.studies
    ]
    events += [
        TimelineEvent(
            "enrolment",
            e.start_on,
            EnrolmentView(
                e,
                e.system_version.label(locale) if e.system_version else None,
                grade_label(e.system_version, e.grade_code, locale) or None,
            ),
        )
        for e in learner.enrolments
    ]
    events += [TimelineEvent("transfer", t.requested_at.date(), t) for t in transfers_of(learner)]
    return sorted(events, key=_study_key)


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    level_system_label: str | None
    level_grade_label: str | None


def assessment_views(learner: Learner, locale: str) -> list[AssessmentView]:
    """Return the assessments with the grade their mapped level stands for, newest first."""
    views = []
    for a in sorted(learner.assessments, key=lambda a: (a.assessed_on, a.id), reverse=True):
        system = db.session.get(EducationSystemVersion, a.level_system_version_id or 0)
        grade = None
        if system is not None and a.level_cumulative_index is not None:
            grade = next(
                (g for g in system.grades if g.cumulative_index == a.level_cumulative_index), None
            )
        views.append(
            AssessmentView(
                a, system.label(locale) if system else None, grade.label(locale) if grade else None
            )
        )
    return views


def grade_at_level(system_code: str, cumulative_index: int) -> Grade | None:
    """Return the grade of a system at a cumulative index."""
    system = system_or_none(system_code)
    if system is None:
        return None
    return next((g for g in system.grades if g.cumulative_index == cumulative_index), None)


# --- transfers: what the other school may see ------------------------------------------------


@dataclass(frozen=True)
class TransferSummary:
    """The least a school needs to decide on a transfer: no full name, no birth day, no record."""

    public_id: str
    status: str
    given: str
    family_initial: str
    birth_year: int | None
    from_school: str
    to_school: str
    requested_on: date
    decided_on: date | None
    reason: str
    # Set only when the viewer may open the record itself.
    learner_public_id: str | None


def _summary(transfer: Transfer, user: User) -> TransferSummary:
    learner = transfer.learner
    name = learner.names[0] if learner.names else None
    family = name.family.strip() if name else ""
    holds = learner.school_id == user.school_id
    history = transfer.from_school_id == user.school_id and transfer.status == "accepted"
    return TransferSummary(
        public_id=transfer.public_id,
        status=transfer.status,
        given=name.given if name else "",
        family_initial=family[:1],
        birth_year=learner.birth_date.year if learner.birth_date else None,
        from_school=transfer.from_school.name,
        to_school=transfer.to_school.name,
        requested_on=transfer.requested_at.date(),
        decided_on=transfer.decided_at.date() if transfer.decided_at else None,
        reason=transfer.reason,
        learner_public_id=learner.public_id if holds or history else None,
    )


def incoming_transfer(user: User, public_id: str) -> Transfer:
    """Return a transfer addressed to the user's school, or raise LearnerNotFound."""
    transfer = db.session.scalar(select(Transfer).where(Transfer.public_id == public_id))
    if transfer is None or transfer.to_school_id != user.school_id:
        raise LearnerNotFound(public_id)
    return transfer


def transfer_overview(user: User) -> tuple[list[TransferSummary], list[TransferSummary]]:
    """Return (incoming, outgoing) transfers of the user's school as minimal summaries.

    Showing a pending request reveals a little about a child the school does not hold yet,
    so each one shown is logged as a read.
    """
    incoming, outgoing = school_transfers(user)
    for transfer in incoming:
        if transfer.status == "pending":
            record(
                "learner.viewed",
                "learner",
                transfer.learner.public_id,
                actor=user,
                details={"purpose": "transfer_request", "transfer": transfer.public_id},
            )
    return [_summary(t, user) for t in incoming], [_summary(t, user) for t in outgoing]


def duplicate_check(user: User, identifiers: Iterable[tuple[str, str]]) -> tuple[list, bool]:
    """Return (learners in scope with one of these identifiers, whether one exists elsewhere).

    Only a yes or no is given about records outside the user's scope.
    """
    pairs = [(k, v) for k, v in identifiers if k and v.strip()]
    if not pairs:
        return [], False
    matches = matching_identifiers(user, pairs)
    elsewhere = any(identifier_elsewhere(user, k, v) for k, v in pairs)
    record(
        "learner.searched",
        "learner",
        None,
        actor=user,
        details={"results": len(matches), "purpose": "duplicate_check"},
    )
    return matches, elsewhere
