"""Forms for school administrators: finding and creating learners, studies, assessments,
consents, enrolment and transfers; and the labels of the codes the record uses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.common.calendars import CalendarError, CalendarSystem
from portal.common.vocabulary import StudyStatus
from portal.core.forms import choices
from portal.curricula.forms import METHOD_LABELS, ROUNDING_LABELS
from portal.curricula.marks import MarkError
from portal.curricula.messages import MARK_ERRORS
from portal.curricula.models import EducationSystemVersion, Grade
from portal.learners import domain, records
from portal.learners.services import (
    AssessmentInput,
    EvidenceInput,
    LearnerInput,
    NameInput,
    ResultInput,
    StudyInput,
)
from portal.schools.models import School

BLANK = ("", "—")
NAME_ROWS, LANGUAGE_ROWS, IDENTIFIER_ROWS = 3, 3, 3
EVIDENCE_ROWS, RESULT_ROWS, DOMAIN_ROWS = 3, 8, 4
TEXT_MAX = 200

CALENDAR_LABELS = {
    CalendarSystem.GREGORIAN.value: _l("Gregorian"),
    CalendarSystem.SOLAR_HIJRI.value: _l("Solar Hijri (Iran, Afghanistan)"),
    CalendarSystem.ETHIOPIAN.value: _l("Ethiopian"),
    "islamic": _l("Islamic (lunar Hijri)"),
}
PRECISION_LABELS = {
    domain.Precision.DAY.value: _l("Exact day"),
    domain.Precision.MONTH.value: _l("Month and year"),
    domain.Precision.YEAR.value: _l("Year only"),
    domain.Precision.ESTIMATED.value: _l("Estimated"),
    domain.Precision.UNKNOWN.value: _l("Unknown"),
}
BIRTH_SOURCE_LABELS = {
    "document": _l("An identity or school document"),
    "declared": _l("Declared by the child or the family"),
    "estimated": _l("Estimated by the school"),
}
NAME_KIND_LABELS = {
    "original": _l("Original script"),
    "transliteration": _l("Latin transliteration"),
    "alias": _l("Other spelling"),
}
SCRIPT_LABELS = {
    "Latn": _l("Latin"),
    "Arab": _l("Arabic"),
    "Cyrl": _l("Cyrillic"),
    "Ethi": _l("Ethiopic"),
    "Mymr": _l("Myanmar"),
    "Beng": _l("Bengali"),
}
IDENTIFIER_LABELS = {
    "national_id": _l("National identity number"),
    "unhcr": _l("UNHCR registration number"),
    "previous_school": _l("Student number at a previous school"),
    "other": _l("Other identifier"),
}
STUDY_STATUS_LABELS = {
    StudyStatus.COMPLETED.value: _l("Completed"),
    StudyStatus.PARTIAL.value: _l("Partly completed"),
    StudyStatus.PROMOTED_WITHOUT_EXAM.value: _l("Promoted without an exam"),
    StudyStatus.INTERRUPTED.value: _l("Interrupted"),
}
EVIDENCE_LEVEL_LABELS = {
    0: _l("E0 – no information"),
    1: _l("E1 – declaration by the child or the family"),
    2: _l("E2 – declaration corroborated by an interview or indirect evidence"),
    3: _l("E3 – non-state or unverified document (copy, NGO certificate)"),
    4: _l("E4 – original official document, not verified with the issuer"),
    5: _l("E5 – official record verified with the issuer, or a signed credential"),
}
EVIDENCE_LEVEL_EFFECTS = {
    0: _l("Placement by age, provisional; a diagnostic assessment is needed."),
    1: _l("Provisional; an assessment is required within a few weeks."),
    2: _l("Provisional; an assessment is recommended."),
    3: _l("Placement on the document within the age band; confirm by assessment if far apart."),
    4: _l("Placement on the document; acceleration is possible."),
    5: _l("Full reliance; eligible for recognition of certificates."),
}
DOCUMENT_LABELS = {
    "report_card": _l("Report card"),
    "certificate": _l("Certificate"),
    "transcript": _l("Transcript"),
    "declaration": _l("Declaration by the family"),
    "interview": _l("Interview record"),
    "photo": _l("Photo or scan of a document"),
    "credential": _l("Signed digital credential"),
    "other": _l("Other evidence"),
}
SCALE_MODE_LABELS = {
    "system": _l("The usual scale of that education system"),
    "custom": _l("The scale written on the document (below)"),
    "none": _l("Words or no scale (never converted)"),
}
ASSESSMENT_LABELS = {
    "placement_test": _l("Placement test"),
    "language_test": _l("Language test"),
    "literacy_diagnostic": _l("Literacy diagnostic"),
    "numeracy_diagnostic": _l("Numeracy diagnostic"),
    "interview": _l("Structured interview"),
}
PURPOSE_LABELS = {
    "enrolment": _l("Enrolment and the school record"),
    "passport": _l("Issuing a learning passport"),
    "transfer": _l("Transfer to another school"),
}
LEGAL_BASIS_LABELS = {
    "consent": _l("Consent"),
    "legal_obligation": _l("Legal obligation"),
    "public_task": _l("Public task"),
    "vital_interest": _l("Vital interest"),
    "best_interests": _l("Best interests of the child"),
}
PROGRAMME_LABELS = {
    "REGULAR": _l("Regular class"),
    "AEP": _l("Accelerated education programme"),
    "CATCH_UP": _l("Catch-up programme"),
    "BRIDGING": _l("Bridging programme"),
    "REMEDIAL": _l("Remedial support"),
    "PREPARATORY_LANGUAGE": _l("Preparatory language class"),
    "VET_INTEGRATION": _l("Vocational integration class"),
}
ENROLMENT_STATUS_LABELS = {
    "active": _l("Active"),
    "ended": _l("Ended"),
    "transferred": _l("Transferred to another school"),
}
TRANSFER_STATUS_LABELS = {
    "pending": _l("Waiting for the receiving school"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
}


# Everything the learner templates translate, by kind of code.
LABELS = {
    "calendars": CALENDAR_LABELS,
    "precisions": PRECISION_LABELS,
    "name_kinds": NAME_KIND_LABELS,
    "scripts": SCRIPT_LABELS,
    "identifiers": IDENTIFIER_LABELS,
    "study_statuses": STUDY_STATUS_LABELS,
    "evidence_levels": EVIDENCE_LEVEL_LABELS,
    "evidence_effects": EVIDENCE_LEVEL_EFFECTS,
    "documents": DOCUMENT_LABELS,
    "assessments": ASSESSMENT_LABELS,
    "purposes": PURPOSE_LABELS,
    "legal_bases": LEGAL_BASIS_LABELS,
    "programmes": PROGRAMME_LABELS,
    "enrolment_statuses": ENROLMENT_STATUS_LABELS,
    "transfer_statuses": TRANSFER_STATUS_LABELS,
    "methods": METHOD_LABELS,
    "roundings": ROUNDING_LABELS,
    "mark_errors": MARK_ERRORS,
}


def proficiency_labels() -> dict[str, str]:
    """Return the labels of language levels: first language, then the CEFR levels."""
    labels = {"L1": pgettext("language level", "First language")}
    for level in domain.CEFR_LEVELS:
        labels[level] = pgettext("language level", "CEFR %(level)s", level=level)
    return labels


def _pairs(labels: dict) -> list:
    return [(str(k), v) for k, v in labels.items()]


# Codes from the learner services, the calendar module and this module, translated here.
PROBLEMS = {
    # learner
    "name_required": _l("Write at least one given name."),
    "birth_date_required": _l("Write the date of birth, or choose “Unknown”."),
    "birth_in_future": _l("The date of birth lies in the future."),
    "birth_too_long_ago": _l(
        "The date of birth is more than 25 years ago. Check the year and the calendar."
    ),
    "date_given_for_unknown": _l("Leave the date empty when the date of birth is unknown."),
    "date_less_precise_than_claimed": _l(
        "The date written is less exact than the precision chosen. "
        "Write the full date or choose a lower precision."
    ),
    "invalid_language": _l("Choose a language and a level."),
    "invalid_identifier": _l("Choose the kind of identifier and write it."),
    "invalid_choice": _l("Choose one of the options."),
    # calendar
    "empty_date_text": _l("Write the date."),
    "unparseable_date": _l(
        "This date cannot be read. Write it as year/month/day, day.month.year, "
        "or with the name of the month."
    ),
    "ambiguous_date": _l("Which number is the year? Write the year with all its digits."),
    "unknown_month_name": _l("“%(month_name)s” is not a month of this calendar."),
    "year_out_of_range": _l("In this calendar the year must lie between %(min)s and %(max)s."),
    "month_out_of_range": _l("This calendar has no month %(month)s."),
    "day_out_of_range": _l("This month has only %(max)s days."),
    "date_out_of_range": _l("This date lies outside the range of the calendar."),
    "unsupported_calendar": _l("This calendar is not supported."),
    # studies
    "unknown_system": _l("Unknown education system."),
    "unknown_grade": _l("This education system has no such grade."),
    "grade_not_in_system": _l("Choose a grade of the education system chosen above."),
    "study_ends_before_start": _l("The study ends before it starts."),
    "study_before_birth": _l("The study lies before the child's date of birth."),
    "study_in_future": _l("The study lies in the future."),
    "fraction_required": _l("Write the share of the year completed, for example 0.5."),
    "fraction_out_of_range": _l("The share must lie between 0 and 1, for example 0.5."),
    "fraction_only_for_partial": _l("A share of the year applies only to a partly completed year."),
    "result_incomplete": _l("Write both the subject and the mark."),
    "invalid_scale": _l("The scale is not valid: best, pass and worst marks must differ."),
    "mark_out_of_scale": _l("The mark lies outside its scale."),
    "invalid_mark": _l("The mark is not a number on this scale. Choose “Words or no scale”."),
    "unknown_band": _l("The scale has no band with this code."),
    # assessments, consents, enrolment
    "date_in_future": _l("The date lies in the future."),
    "before_birth": _l("The date lies before the child's date of birth."),
    "language_required": _l("Choose the language the level refers to."),
    "out_of_range": _l("The level must lie between 0 and 13 years of schooling."),
    "required": _l("This field is required."),
    # transfers
    "invalid_school": _l("Choose another school."),
    "transfer_consent_missing": _l(
        "A transfer needs a recorded consent for the purpose “transfer” that has not been "
        "withdrawn."
    ),
    "transfer_already_pending": _l("A transfer of this learner is already waiting for a decision."),
    "transfer_not_pending": _l("This transfer has already been decided."),
}


def problem_text(code: str, params: Mapping | None = None) -> str:
    """Translate a problem code, filling in its parameters."""
    text = str(PROBLEMS.get(code, PROBLEMS["invalid_choice"]))
    try:
        return text % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return text


def place_problems(problems: Mapping[str, list[str]], fields: Mapping) -> list[str]:
    """Show each problem on its field; return the messages that belong to no field.

    A field may be given as a function of the code, for keys whose codes concern
    different fields (a study's period).
    """
    loose = []
    for key, codes in problems.items():
        for code in codes:
            target = fields.get(key)
            if callable(target) and not hasattr(target, "errors"):
                target = target(code)
            if target is None:
                loose.append(problem_text(code))
            else:
                target.errors.append(problem_text(code))
    return loose


# --- finding and creating learners --------------------------------------------------------


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


class SearchForm(_GetForm):
    q = StringField(_l("Name (any script or spelling)"), validators=[Optional(), Length(max=200)])
    identifier = StringField(_l("Identifier"), validators=[Optional(), Length(max=120)])
    birth_year = IntegerField(
        _l("Year of birth"), validators=[Optional(), NumberRange(min=1900, max=2100)]
    )
    status = SelectField(
        _l("Show"),
        default="",
        choices=choices(
            [
                ("", _l("All")),
                ("active", _l("Held by this school")),
                ("history", _l("Transferred away (read-only)")),
            ]
        ),
    )


class FindForm(_GetForm):
    """Step 1 of intake: look for an existing record before creating one."""

    name = StringField(
        _l("Name (any script or spelling)"), validators=[Optional(), Length(max=200)]
    )
    identifier_kind = SelectField(
        _l("Kind of identifier"),
        default="",
        choices=choices([("", _l("Any kind")), *_pairs(IDENTIFIER_LABELS)]),
    )
    identifier = StringField(_l("Identifier"), validators=[Optional(), Length(max=120)])
    birth_year = IntegerField(
        _l("Year of birth"), validators=[Optional(), NumberRange(min=1900, max=2100)]
    )

    def has_query(self) -> bool:
        return bool((self.name.data or "").strip() or (self.identifier.data or "").strip()) or (
            self.birth_year.data is not None
        )


class NameRow(Form):
    given = StringField(_l("Given name"), validators=[Optional(), Length(max=TEXT_MAX)])
    family = StringField(_l("Family name"), validators=[Optional(), Length(max=TEXT_MAX)])
    kind = SelectField(
        _l("Kind of name"), default="original", choices=choices(_pairs(NAME_KIND_LABELS))
    )

    def validate_given(self, field):
        if (self.family.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Write the given name too."))


class LanguageRow(Form):
    language = SelectField(_l("Language"), default="")
    proficiency = SelectField(_l("Level"), default="")

    def validate_proficiency(self, field):
        if bool(self.language.data) != bool(field.data):
            raise ValidationError(_l("Choose both the language and the level."))


class IdentifierRow(Form):
    kind = SelectField(
        _l("Kind of identifier"), default="", choices=choices([BLANK, *_pairs(IDENTIFIER_LABELS)])
    )
    value = StringField(_l("Identifier"), validators=[Optional(), Length(max=120)])

    def validate_value(self, field):
        if bool(self.kind.data) != bool((field.data or "").strip()):
            raise ValidationError(_l("Choose the kind and write the identifier."))


class IntakeForm(FlaskForm):
    names = FieldList(FormField(NameRow), min_entries=NAME_ROWS, max_entries=NAME_ROWS)
    birth_date_text = StringField(
        _l("Date of birth as written"), validators=[Optional(), Length(max=80)]
    )
    birth_calendar = SelectField(
        _l("Calendar of that date"),
        default=CalendarSystem.GREGORIAN.value,
        choices=choices(_pairs({c.value: CALENDAR_LABELS[c.value] for c in CalendarSystem})),
    )
    birth_precision = SelectField(
        _l("How exact is it?"), default="day", choices=choices(_pairs(PRECISION_LABELS))
    )
    birth_source = SelectField(
        _l("Where does it come from?"),
        default="declared",
        choices=choices(_pairs(BIRTH_SOURCE_LABELS)),
    )
    languages = FieldList(
        FormField(LanguageRow), min_entries=LANGUAGE_ROWS, max_entries=LANGUAGE_ROWS
    )
    identifiers = FieldList(
        FormField(IdentifierRow), min_entries=IDENTIFIER_ROWS, max_entries=IDENTIFIER_ROWS
    )
    confirm_duplicate = BooleanField(
        _l("I have checked: this is a different child. Create a new record anyway.")
    )
    submit = SubmitField(_l("Create the record"))

    def prepare(self, languages: Iterable[tuple[str, str]], kind: str | None, value: str) -> None:
        """Offer the languages; start a fresh form with the usual kinds of names and with the
        identifier the search was made for."""
        languages, levels = list(languages), proficiency_labels()
        for row in self.languages:
            row.language.choices = choices([BLANK, *languages])
            row.proficiency.choices = choices([BLANK, *levels.items()])
        if not self.is_submitted():
            self.names[1].kind.data = "transliteration"
            self.names[2].kind.data = "alias"
            if kind in domain.IDENTIFIER_KINDS:
                self.identifiers[0].kind.data = kind
                self.identifiers[0].value.data = value[:120]

    def to_input(self) -> LearnerInput | None:
        """Read the form; put date problems on their field and return None on any."""
        text = (self.birth_date_text.data or "").strip()
        found = None
        if text:
            try:
                found = records.read_document_date(text, self.birth_calendar.data)
            except CalendarError as err:
                self.birth_date_text.errors.append(problem_text(err.code, err.params))
                return None
        problem = records.precision_problem(self.birth_precision.data, found)
        if problem:
            self.birth_date_text.errors.append(problem_text(problem))
            return None
        return LearnerInput(
            names=[
                NameInput(given=r.given.data or "", family=r.family.data or "", kind=r.kind.data)
                for r in self.names
                if (r.given.data or "").strip()
            ],
            birth_date=found.value if found else None,
            birth_date_precision=self.birth_precision.data,
            birth_date_source=self.birth_source.data,
            birth_date_original=found.original if found else None,
            birth_date_calendar=self.birth_calendar.data,
            languages=[
                (r.language.data, r.proficiency.data) for r in self.languages if r.language.data
            ],
            identifiers=[(r.kind.data, r.value.data) for r in self.identifiers if r.kind.data],
        )

    def show(self, problems: Mapping[str, list[str]]) -> list[str]:
        return place_problems(
            problems,
            {
                "names": self.names[0].given,
                "birth_date": self.birth_date_text,
                "birth_date_precision": self.birth_precision,
                "languages": self.languages[0].language,
                "identifiers": self.identifiers[0].value,
            },
        )


def _grade_choices(systems: Iterable[EducationSystemVersion], locale: str, value) -> list:
    """Every grade of every system as "country: grade", grouped by system version."""
    return [
        SelectChoice(
            value(v, g),
            f"{v.jurisdiction.name(locale)}: {g.label(locale)}",
            optgroup=f"{v.jurisdiction.name(locale)} – {v.label(locale)}",
        )
        for v in systems
        for g in v.grades
    ]


# --- studies, assessments -----------------------------------------------------------------


class EvidenceRow(Form):
    document_type = SelectField(
        _l("Kind of evidence"), default="", choices=choices([BLANK, *_pairs(DOCUMENT_LABELS)])
    )
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=TEXT_MAX)])
    verified = BooleanField(_l("Verified with the issuer"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])

    def validate_document_type(self, field):
        filled = (self.issuer.data or "").strip() or (self.note.data or "").strip()
        if filled and not field.data:
            raise ValidationError(_l("Choose the kind of evidence."))


class ResultRow(Form):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=TEXT_MAX)])
    mark = StringField(_l("Mark as written"), validators=[Optional(), Length(max=40)])
    scale = SelectField(_l("Scale"), default="system", choices=choices(_pairs(SCALE_MODE_LABELS)))
    best = StringField(_l("Best mark"), validators=[Optional(), Length(max=16)])
    pass_mark = StringField(_l("Lowest pass"), validators=[Optional(), Length(max=16)])
    worst = StringField(_l("Worst mark"), validators=[Optional(), Length(max=16)])

    def is_blank(self) -> bool:
        return not (self.subject.data or "").strip() and not (self.mark.data or "").strip()

    def validate_best(self, field):
        if self.is_blank() or self.scale.data != "custom":
            return
        if not all((f.data or "").strip() for f in (field, self.pass_mark, self.worst)):
            raise ValidationError(_l("Write the best mark, the lowest pass and the worst mark."))


class StudyForm(FlaskForm):
    system = SelectField(_l("Curriculum actually followed"), validators=[DataRequired()])
    grade = SelectField(_l("Grade or level"), validators=[DataRequired()])
    school_name = StringField(_l("School"), validators=[Optional(), Length(max=TEXT_MAX)])
    school_place = StringField(_l("Place"), validators=[Optional(), Length(max=TEXT_MAX)])
    period_start = StringField(_l("From (as written)"), validators=[Optional(), Length(max=60)])
    period_end = StringField(_l("Until (as written)"), validators=[Optional(), Length(max=60)])
    period_calendar = SelectField(
        _l("Calendar of these dates"),
        default=CalendarSystem.GREGORIAN.value,
        choices=choices(_pairs({c.value: CALENDAR_LABELS[c.value] for c in CalendarSystem})),
    )
    status = SelectField(
        _l("Outcome"), default="completed", choices=choices(_pairs(STUDY_STATUS_LABELS))
    )
    fraction = StringField(
        _l("Share of the year completed (for partly completed, e.g. 0.5)"),
        validators=[Optional(), Length(max=8)],
    )
    evidence_level = SelectField(
        _l("Evidence level"), default="1", choices=choices(_pairs(EVIDENCE_LEVEL_LABELS))
    )
    evidence = FieldList(
        FormField(EvidenceRow), min_entries=EVIDENCE_ROWS, max_entries=EVIDENCE_ROWS
    )
    results = FieldList(FormField(ResultRow), min_entries=RESULT_ROWS, max_entries=RESULT_ROWS)
    submit = SubmitField(_l("Add the study"))

    def set_systems(self, systems: list[EducationSystemVersion], locale: str) -> None:
        self.system.choices = [
            SelectChoice(*BLANK),
            *(
                SelectChoice(v.code, v.label(locale), optgroup=v.jurisdiction.name(locale))
                for v in systems
            ),
        ]
        self.grade.choices = [
            SelectChoice(*BLANK),
            *_grade_choices(systems, locale, lambda v, g: f"{v.code}::{g.code}"),
        ]

    def _period(self) -> tuple[date | None, date | None] | None:
        values: list[date | None] = []
        for f, end in ((self.period_start, False), (self.period_end, True)):
            text = (f.data or "").strip()
            if not text:
                values.append(None)
                continue
            try:
                values.append(
                    records.read_document_date(text, self.period_calendar.data, end=end).value
                )
            except CalendarError as err:
                f.errors.append(problem_text(err.code, err.params))
        return (values[0], values[1]) if len(values) == 2 else None

    def _result(self, row, system: EducationSystemVersion, grade: str) -> ResultInput | None:
        subject, mark = (row.subject.data or "").strip(), (row.mark.data or "").strip()
        if not subject or not mark:
            row.subject.errors.append(problem_text("result_incomplete"))
            return None
        fields: dict = {"scale_kind": "numeric"}
        scale = None
        if row.scale.data == "custom":
            best, pass_mark, worst = (f.data.strip() for f in (row.best, row.pass_mark, row.worst))
            try:
                scale = records.custom_scale(best, pass_mark, worst)
            except MarkError:
                row.best.errors.append(problem_text("invalid_scale"))
                return None
            fields.update(scale_best=best, scale_pass=pass_mark, scale_worst=worst)
        elif row.scale.data == "system":
            model = records.default_scale(system, grade)
            if model is not None:
                scale = records.domain_scale(model)
                fields.update(
                    scale_code=model.code,
                    scale_kind=model.kind,
                    scale_best=model.best,
                    scale_pass=model.pass_mark,
                    scale_worst=model.worst,
                )
        else:
            fields["scale_kind"] = "descriptive"
        problem = records.mark_problem(mark, scale)
        if problem:
            row.mark.errors.append(problem_text(problem))
            return None
        return ResultInput(subject_name=subject, raw_mark=mark, **fields)

    def to_input(self) -> StudyInput | None:
        """Read the form; put problems on their fields and return None on any."""
        system_code = self.system.data
        grade_system, _sep, grade_code = (self.grade.data or "").partition("::")
        if grade_system != system_code:
            self.grade.errors.append(problem_text("grade_not_in_system"))
            return None
        system = records.system_or_none(system_code)
        if system is None:
            self.system.errors.append(problem_text("unknown_system"))
            return None
        period = self._period()
        rows = [row for row in self.results if not row.is_blank()]
        results = [self._result(row, system, grade_code) for row in rows]
        if period is None or None in results:
            return None
        return StudyInput(
            system_version_code=system_code,
            grade_code=grade_code,
            status=self.status.data,
            evidence_level=int(self.evidence_level.data),
            school_name=self.school_name.data or "",
            school_place=self.school_place.data or "",
            period_start=period[0],
            period_end=period[1],
            period_original=records.period_text(
                self.period_start.data or "", self.period_end.data or ""
            ),
            period_calendar=self.period_calendar.data,
            fraction=(self.fraction.data or "").strip() or None,
            evidence=[
                EvidenceInput(
                    document_type=row.document_type.data,
                    issuer=row.issuer.data or "",
                    verified=bool(row.verified.data),
                    note=row.note.data or "",
                )
                for row in self.evidence
                if row.document_type.data
            ],
            results=[r for r in results if r is not None],
        )

    def show(self, problems: Mapping[str, list[str]]) -> list[str]:
        period = {
            "study_before_birth": self.period_start,
            "study_ends_before_start": self.period_end,
            "study_in_future": self.period_end,
        }
        return place_problems(
            problems,
            {
                "system": self.system,
                "grade": self.grade,
                "status": self.status,
                "fraction": self.fraction,
                "evidence_level": self.evidence_level,
                "evidence": self.evidence[0].document_type,
                "results": self.results[0].subject,
                "period": period.get,
            },
        )


class DomainRow(Form):
    domain = StringField(_l("Domain"), validators=[Optional(), Length(max=80)])
    result = StringField(_l("Result"), validators=[Optional(), Length(max=120)])

    def validate_result(self, field):
        if bool((self.domain.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(_l("Write both the domain and its result."))


class AssessmentForm(FlaskForm):
    kind = SelectField(_l("Kind of assessment"), choices=choices(_pairs(ASSESSMENT_LABELS)))
    instrument = StringField(
        _l("Instrument and version"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    assessor = StringField(_l("Assessed by"), validators=[Optional(), Length(max=TEXT_MAX)])
    assessed_on = DateField(_l("Date"), validators=[DataRequired()])
    domains = FieldList(FormField(DomainRow), min_entries=DOMAIN_ROWS, max_entries=DOMAIN_ROWS)
    level = SelectField(_l("Level reached (as a grade of an education system)"), default="")
    language = SelectField(_l("Language assessed"), default="")
    cefr = SelectField(_l("CEFR level"), default="")
    submit = SubmitField(_l("Record the assessment"))

    def set_choices(
        self,
        systems: list[EducationSystemVersion],
        languages: Iterable[tuple[str, str]],
        locale: str,
    ) -> None:
        self.level.choices = [
            SelectChoice("", _l("Not mapped to a grade")),
            *_grade_choices(systems, locale, lambda v, g: f"{v.code}::{g.cumulative_index}"),
        ]
        self.language.choices = [SelectChoice(*BLANK), *(SelectChoice(*p) for p in languages)]
        self.cefr.choices = [
            SelectChoice(*BLANK),
            *(SelectChoice(c, c) for c in domain.CEFR_LEVELS),
        ]

    def to_input(self) -> AssessmentInput:
        level_system, _sep, level_index = (self.level.data or "").partition("::")
        return AssessmentInput(
            kind=self.kind.data,
            assessed_on=self.assessed_on.data,
            instrument=self.instrument.data or "",
            assessor=self.assessor.data or "",
            results={
                row.domain.data.strip(): row.result.data.strip()
                for row in self.domains
                if (row.domain.data or "").strip()
            },
            level_cumulative_index=int(level_index) if level_index else None,
            level_system_version_code=level_system or None,
            language=self.language.data or None,
            cefr=self.cefr.data or None,
        )

    def show(self, problems: Mapping[str, list[str]]) -> list[str]:
        return place_problems(
            problems,
            {
                "kind": self.kind,
                "assessed_on": self.assessed_on,
                "cefr": self.cefr,
                "language": self.language,
                "level_system": self.level,
                "level_cumulative_index": self.level,
            },
        )


# --- consent, enrolment, transfers ----------------------------------------------------------


class ConsentForm(FlaskForm):
    purpose = SelectField(_l("Purpose"), choices=choices(_pairs(PURPOSE_LABELS)))
    given_by = StringField(
        _l("Given by (for example: mother, appointed guardian)"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
    )
    legal_basis = SelectField(_l("Legal basis"), choices=choices(_pairs(LEGAL_BASIS_LABELS)))
    given_on = DateField(_l("Date"), validators=[DataRequired()])
    submit = SubmitField(_l("Record the consent"))

    def prepare(self, purpose: str | None) -> None:
        if not self.is_submitted():
            self.given_on.data = date.today()
            if purpose in PURPOSE_LABELS:
                self.purpose.data = purpose

    def show(self, problems: Mapping[str, list[str]]) -> list[str]:
        return place_problems(
            problems,
            {
                "purpose": self.purpose,
                "legal_basis": self.legal_basis,
                "given_by": self.given_by,
                "given_on": self.given_on,
            },
        )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EnrolForm(FlaskForm):
    grade = SelectField(_l("Grade at this school"), default="")
    programmes = MultiCheckboxField(
        _l("Programmes"),
        default=["REGULAR"],
        choices=choices(_pairs(PROGRAMME_LABELS)),
    )
    start_on = DateField(_l("First day"), validators=[DataRequired()])
    submit = SubmitField(_l("Enrol"))

    def prepare(self, grades: Iterable[Grade], locale: str) -> None:
        self.grade.choices = [
            SelectChoice("", _l("Not decided yet")),
            *(SelectChoice(g.code, g.label(locale)) for g in grades),
        ]
        if not self.is_submitted():
            self.start_on.data = date.today()

    def show(self, problems: Mapping[str, list[str]]) -> list[str]:
        return place_problems(problems, {"grade": self.grade, "start_on": self.start_on})

    def validate_programmes(self, field):
        # Not DataRequired: its flag would make every single checkbox required in the browser.
        if not field.data:
            raise ValidationError(_l("Choose at least one programme."))


class TransferForm(FlaskForm):
    to_school = SelectField(_l("Receiving school"), validators=[DataRequired()])
    reason = TextAreaField(_l("Note for the receiving school"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Ask the school to take over the record"))

    def set_schools(self, schools: Iterable[School]) -> None:
        self.to_school.choices = [
            SelectChoice(*BLANK),
            *(
                SelectChoice(s.public_id, f"{s.name} ({s.city})" if s.city else s.name)
                for s in schools
            ),
        ]

    def show(self, problems: Mapping[str, list[str]]) -> list[str]:
        return place_problems(problems, {"to_school": self.to_school})


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Reject"))
