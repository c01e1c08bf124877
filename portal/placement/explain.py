"""Plain-language explanations of a placement, in the viewer's language ("why grade 8?").

The engine fires rules as codes with parameters; a stored recommendation keeps them in its
snapshot. Here each rule code (and each variant the engine emits) becomes one translated
sentence; ``summary`` says the whole recommendation in one. Grade and system names come from
the reference data (``labels_for``), in the same locale; labels of programmes, confidence and
problems are in ``portal.placement.messages``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from flask_babel import format_date, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from portal.curricula import domain as curricula
from portal.curricula.messages import FLAG_TEXTS
from portal.curricula.models import EducationSystemVersion
from portal.curricula.services import to_domain_system
from portal.extensions import db
from portal.placement.messages import (
    CALENDARS,
    confidence_label,
    evidence_label,
    format_message,
    programme_label,
)
from portal.placement.models import PlacementPolicy as PolicyRow
from portal.placement.policy.domain import NOTE_KEY, label_text

# --- names from the reference data ------------------------------------------------------------


@dataclass
class Labels:
    """Names of grades, systems and programmes in one locale (codes when nothing is known)."""

    locale: str = "en"
    destination: curricula.SystemVersion | None = None
    systems: dict[str, tuple[str, curricula.SystemVersion]] = field(default_factory=dict)
    programme_names: dict[str, str] = field(default_factory=dict)
    language_programme: str = ""

    def index(self, index: object) -> str:
        """Name the destination grade at a cumulative index."""
        if not isinstance(index, int) or self.destination is None:
            return str(index)
        grade = self.destination.grade_at_index(index)
        if grade is not None:
            return grade.label(self.locale)
        if index > self.destination.max_index:
            return _("beyond the last grade")
        return _("below the first grade")

    def grade(self, code: object, system: object = None) -> str:
        """Name a grade code of the destination or of an origin system version."""
        for candidate in (self.systems.get(str(system), (None, None))[1], self.destination):
            grade = None if candidate is None else candidate.grade(str(code))
            if grade is not None:
                return grade.label(self.locale)
        return "—" if code is None else str(code)

    def system(self, code: object) -> str:
        """Name the jurisdiction of a system version code ("SY/SY-2002")."""
        return self.systems.get(str(code), (str(code), None))[0]


def _version_code(system_code: str) -> str:
    return system_code.split("/", 1)[-1]


def labels_for(snapshot: Mapping, locale: str | None = None) -> Labels:
    """Read the names a snapshot needs (destination, origin systems, programmes)."""
    locale = locale or str(get_locale() or "en")
    codes = {snapshot.get("destination_version")}
    for rule in snapshot.get("rules", []):
        system = rule.get("params", {}).get("system")
        if isinstance(system, str):
            codes.add(_version_code(system))
    rows = db.session.scalars(
        select(EducationSystemVersion).where(EducationSystemVersion.code.in_(codes - {None}))
    ).all()
    labels = Labels(locale=locale)
    for row in rows:
        system = to_domain_system(row)
        labels.systems[system.code] = (row.jurisdiction.name(locale), system)
        if row.code == snapshot.get("destination_version"):
            labels.destination = system
    policy_id = (snapshot.get("policy") or {}).get("id")
    policy = db.session.scalar(select(PolicyRow).where(PolicyRow.public_id == policy_id))
    if policy is not None:
        labels.programme_names = {p.code: label_text(p.names, locale) for p in policy.programmes}
        language = (policy.parameters or {}).get("language_support") or {}
        labels.language_programme = label_text(language.get("programme"), locale)
    return labels


def policy_note(policy: PolicyRow, locale: str) -> str:
    """Return the policy's provenance note in a locale (seed policies carry one)."""
    return label_text((policy.parameter_status or {}).get(NOTE_KEY), locale)


# --- one sentence per rule ---------------------------------------------------------------------


@dataclass
class Context:
    labels: Labels
    snapshot: Mapping

    @property
    def computed(self) -> Mapping:
        return self.snapshot.get("computed", {})

    @property
    def parameters(self) -> Mapping:
        return self.snapshot.get("parameters", {})

    def date(self, iso: object) -> str:
        if not isinstance(iso, str):
            return _("date unknown")
        try:
            return format_date(date.fromisoformat(iso), "medium")
        except ValueError:
            return iso

    def birth_date(self) -> str:
        inputs = self.snapshot.get("inputs") or {}
        return self.date(inputs.get("birth_date"))

    def school_year(self, start_year: int) -> str:
        start = str(self.parameters.get("school_year_start") or "09-01")
        # A school year starting early in the calendar year is named by that one year.
        return str(start_year) if start < "04-01" else f"{start_year}/{(start_year + 1) % 100:02d}"

    def language(self, code: object) -> str:
        try:
            names = Locale.parse(self.labels.locale).languages
        except (UnknownLocaleError, ValueError):
            names = {}
        return names.get(str(code), str(code))

    def proficiency(self, level: object) -> str:
        return _("first language") if level == "L1" else str(level)

    def percent(self, value: object) -> str:
        try:
            return format_percent(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)


def _r1(p: Mapping, c: Context) -> str:
    parts = []
    precision = p.get("birth_date_precision")
    day = {"date": c.date(p.get("birth_date"))}
    if precision == "month":
        parts.append(_("Only the month of birth is known; %(date)s is used.", **day))
    elif precision == "year":
        parts.append(_("Only the year of birth is known; %(date)s is used.", **day))
    elif precision == "estimated":
        parts.append(
            _("The birth date %(date)s is an estimate; an age assessment may correct it.", **day)
        )
    if p.get("leap_day_birthday"):
        mar1 = c.parameters.get("feb29_rule") == "mar1"
        counted_on = date(2001, 3 if mar1 else 2, 1 if mar1 else 28)
        counted = format_skeleton("MMMMd", counted_on, locale=c.labels.locale)
        parts.append(
            _("Born on 29 February: in other years the birthday counts on %(day)s.", day=counted)
        )
    for item in p.get("converted") or ():
        name = str(item.get("field", ""))
        if name == "birth_date":
            what = _("The birth date")
        elif name.startswith("studies["):
            what = _("The end of study %(n)s", n=int(name[8:].split("]")[0]) + 1)
        else:
            what = _("The date of assessment %(n)s", n=int(name[12:].split("]")[0]) + 1)
        parts.append(
            _(
                "%(what)s, %(original)s in the %(calendar)s calendar, is %(date)s.",
                what=what,
                original=item.get("original", ""),
                calendar=CALENDARS.get(item.get("calendar"), item.get("calendar")),
                date=c.date(item.get("iso")),
            )
        )
    return " ".join(parts)


def _r2(p: Mapping, c: Context) -> str:
    return ngettext(
        "Enrolment %(num)d week after the school year began on %(start)s "
        "(mid-year entry from %(limit)d weeks).",
        "Enrolment %(num)d weeks after the school year began on %(start)s "
        "(mid-year entry from %(limit)d weeks).",
        int(p.get("weeks_after_start") or 0),
        start=c.date(p.get("school_year_start")),
        limit=p.get("mid_year_weeks") or 0,
    )


def _r3(p: Mapping, c: Context) -> str:
    entry_year = int(p.get("entry_year") or 0)
    values = {
        "birth_date": c.birth_date(),
        "entry_age": p.get("entry_age") or 0,
        "months": p.get("months") or 0,
        "entry_year": str(entry_year),
        "first_year": c.school_year(entry_year),
        "school_year": c.school_year(int(p.get("school_year") or 0)),
        "grade": c.labels.index(p.get("age_grade_index")),
    }
    month_day = (c.parameters.get("age_reference") or {}).get("month_day")
    if month_day and entry_year:
        month, day = curricula.parse_month_day(month_day)
        values["cutoff"] = c.date(date(entry_year, month, day).isoformat())
    else:
        values["cutoff"] = "—"
    kind = p.get("kind")
    if kind == "calendar_year":
        text = _(
            "Born %(birth_date)s: turns %(entry_age)d in %(entry_year)s, so grade 1 in "
            "%(first_year)s; the age-appropriate grade in %(school_year)s is %(grade)s.",
            **values,
        )
    elif kind == "months_at_date":
        text = _(
            "Born %(birth_date)s: at least %(months)d months old on %(cutoff)s, so grade 1 in "
            "%(first_year)s; the age-appropriate grade in %(school_year)s is %(grade)s.",
            **values,
        )
    else:
        text = _(
            "Born %(birth_date)s: aged %(entry_age)d by %(cutoff)s, so grade 1 in "
            "%(first_year)s; the age-appropriate grade in %(school_year)s is %(grade)s.",
            **values,
        )
    if p.get("pre_primary"):
        text += " " + _("That is below grade 1: the child is of pre-primary age.")
    elif p.get("clamped"):
        last = c.labels.index(c.computed.get("age_grade_index"))
        text += " " + _("That is beyond the last grade, so %(grade)s is used.", grade=last)
    return text


def _r4(p: Mapping, c: Context) -> str:
    years = int(p.get("attained_years") or 0)
    values = {
        "grade": c.labels.grade(p.get("grade"), p.get("system")),
        "system": c.labels.system(p.get("system")),
        "when": c.date(p.get("end_date")),
        "evidence": evidence_label(p.get("evidence_level")),
        "fraction": c.percent(p.get("fraction")),
        "threshold": c.percent(c.parameters.get("partial_year_credit_threshold")),
    }
    status = p.get("status")
    if status == "completed":
        text = ngettext(
            "Completed %(grade)s in %(system)s (%(when)s; %(evidence)s): "
            "%(num)d year of schooling.",
            "Completed %(grade)s in %(system)s (%(when)s; %(evidence)s): "
            "%(num)d years of schooling.",
            years,
            **values,
        )
    elif status == "promoted_without_exam":
        text = ngettext(
            "Promoted from %(grade)s in %(system)s without an exam (%(when)s; %(evidence)s): "
            "%(num)d year of schooling, with lower confidence.",
            "Promoted from %(grade)s in %(system)s without an exam (%(when)s; %(evidence)s): "
            "%(num)d years of schooling, with lower confidence.",
            years,
            **values,
        )
    elif p.get("credited"):
        text = ngettext(
            "Attended %(fraction)s of %(grade)s in %(system)s (%(when)s; %(evidence)s), at "
            "least the %(threshold)s that counts as a year: %(num)d year of schooling.",
            "Attended %(fraction)s of %(grade)s in %(system)s (%(when)s; %(evidence)s), at "
            "least the %(threshold)s that counts as a year: %(num)d years of schooling.",
            years,
            **values,
        )
    elif p.get("fraction") is not None:
        text = ngettext(
            "Attended %(fraction)s of %(grade)s in %(system)s (%(when)s; %(evidence)s), less "
            "than the %(threshold)s that counts as a year: %(num)d year of schooling.",
            "Attended %(fraction)s of %(grade)s in %(system)s (%(when)s; %(evidence)s), less "
            "than the %(threshold)s that counts as a year: %(num)d years of schooling.",
            years,
            **values,
        )
    else:
        text = ngettext(
            "Left %(grade)s in %(system)s before the end (%(when)s; %(evidence)s): only the "
            "grades before it count, %(num)d year of schooling.",
            "Left %(grade)s in %(system)s before the end (%(when)s; %(evidence)s): only the "
            "grades before it count, %(num)d years of schooling.",
            years,
            **values,
        )
    if p.get("system_in_force_at_end") is False:
        text += " " + _(
            "That curriculum was not in force on that date: check which one was followed."
        )
    return text


def _r5(p: Mapping, c: Context) -> str:
    values = {
        "table": p.get("table") or "",
        "version": p.get("table_version") or 0,
        "origin": c.labels.grade(p.get("origin_grade"), _study_system(c)),
        "system": c.labels.system(_study_system(c)),
        "equivalent": c.labels.grade(p.get("equivalent_grade")),
        "level": c.labels.index(p.get("level_index")),
    }
    source = p.get("source")
    if source is None:
        text = _("No grade completed in that system yet: the level-appropriate grade is %(level)s.")
    elif source == "table":
        text = _(
            "The equivalency table %(table)s (version %(version)d) counts %(origin)s in "
            "%(system)s as %(equivalent)s here, so the level-appropriate grade is %(level)s."
        )
    elif p.get("equivalent_grade") is not None:
        text = _(
            "No equivalency table covers this grade; by years of schooling (ISCED pivot) "
            "%(origin)s in %(system)s corresponds to %(equivalent)s here, so the "
            "level-appropriate grade is %(level)s."
        )
    else:
        text = _(
            "No grade here corresponds to %(origin)s in %(system)s by years of schooling; "
            "the level-appropriate grade is %(level)s."
        )
    parts = [format_message(text, values)]
    parts += [str(FLAG_TEXTS[f]) for f in p.get("flags") or () if f in FLAG_TEXTS]
    certificates = p.get("uncovered_certificates") or ()
    if certificates:
        parts.append(_("Certificates concerned: %(codes)s.", codes=", ".join(certificates)))
    return " ".join(parts)


def _study_system(c: Context) -> object:
    r4 = next((r for r in c.snapshot.get("rules", []) if r.get("code") == "R4"), None)
    return None if r4 is None else r4.get("params", {}).get("system")


def _r6(p: Mapping, c: Context) -> str:
    weeks = int(p.get("assessment_due_weeks") or 0)
    evidence = evidence_label(p.get("evidence_level"))
    reason = p.get("reason")
    if reason == "no_information":
        return ngettext(
            "Nothing is known about earlier schooling: the placement is provisional and an "
            "assessment is due within %(num)d week.",
            "Nothing is known about earlier schooling: the placement is provisional and an "
            "assessment is due within %(num)d weeks.",
            weeks,
        )
    if reason == "declaration_only":
        return ngettext(
            "Earlier schooling rests on a declaration (%(evidence)s): the placement is "
            "provisional and an assessment is due within %(num)d week.",
            "Earlier schooling rests on a declaration (%(evidence)s): the placement is "
            "provisional and an assessment is due within %(num)d weeks.",
            weeks,
            evidence=evidence,
        )
    if reason == "assessment_first":
        return ngettext(
            "This system places by the school's own assessment: the placement is provisional "
            "until then, within %(num)d week.",
            "This system places by the school's own assessment: the placement is provisional "
            "until then, within %(num)d weeks.",
            weeks,
        )
    return ngettext(
        "The document is not verified (%(evidence)s) and the level differs from the age by "
        "more than one grade: the placement is provisional and an assessment is due within "
        "%(num)d week.",
        "The document is not verified (%(evidence)s) and the level differs from the age by "
        "more than one grade: the placement is provisional and an assessment is due within "
        "%(num)d weeks.",
        weeks,
        evidence=evidence,
    )


def _r7(p: Mapping, c: Context) -> str:
    values = {"date": c.date(p.get("on")), "grade": c.labels.index(p.get("level_index"))}
    text = _("A placement test on %(date)s places the learner in %(grade)s.", **values)
    if p.get("document_level_index") is not None:
        document = c.labels.index(p.get("document_level_index"))
        text += " " + _(
            "It is newer than the documents, so it replaces their level (%(grade)s) for "
            "placement; the documents still count for certificates.",
            grade=document,
        )
    return text


def _r8(p: Mapping, c: Context) -> str:
    band = p.get("age_band") or (0, 0)
    values = {
        "age_grade": c.labels.index(p.get("age_grade_index")),
        "level": c.labels.index(p.get("level_index")),
        "target": c.labels.index(p.get("target")),
        "threshold": p.get("threshold") or 0,
        "below": p.get("max_grades_below_age") or 0,
        "age": p.get("age") or 0,
        "low": band[0],
        "high": band[1],
    }
    lead = ngettext(
        "By age %(age_grade)s, by level %(level)s: %(num)d grade behind (over-age from "
        "%(threshold)d).",
        "By age %(age_grade)s, by level %(level)s: %(num)d grades behind (over-age from "
        "%(threshold)d).",
        int(p.get("delta") or 0),
        **values,
    )
    if p.get("certified_aep"):
        code = str(p.get("aep_programme"))
        grades = ", ".join(c.labels.grade(g) for g in p.get("aep_grades") or ())
        rest = _(
            "Recommended: %(programme)s, level %(aep_level)s (covering %(grades)s), then the "
            "regular class %(target)s.",
            programme=c.labels.programme_names.get(code, code),
            aep_level=p.get("aep_level"),
            grades=grades,
            target=values["target"],
        )
    elif p.get("reason") == "age_outside_band":
        rest = _(
            "At %(age)d the learner is outside the accelerated programme's age band "
            "(%(low)d-%(high)d): bridging class with intensive catch-up, aiming at the regular "
            "class %(target)s.",
            **values,
        )
    elif p.get("reason") == "no_level_for_grade":
        rest = _(
            "No level of the accelerated programme covers %(level)s: bridging class with "
            "intensive catch-up, aiming at the regular class %(target)s.",
            **values,
        )
    else:
        rest = _(
            "No certified accelerated programme exists here, so the host system's equivalent "
            "applies: a preparatory or bridging class with intensive catch-up, aiming at the "
            "regular class %(target)s (the higher of %(level)s and %(age_grade)s minus "
            "%(below)d).",
            **values,
        )
    return f"{lead} {rest}"


def _r9(p: Mapping, c: Context) -> str:
    delta = int(p.get("delta") or 0)
    placed = c.labels.grade(p.get("placed"))
    if delta == 0:
        parts = [_("Age and level match: regular class %(grade)s.", grade=placed)]
    elif p.get("basis") == "age_first":
        parts = [
            ngettext(
                "%(num)d grade behind by level; this system places by age: regular class "
                "%(grade)s.",
                "%(num)d grades behind by level; this system places by age: regular class "
                "%(grade)s.",
                delta,
                grade=placed,
            )
        ]
    else:
        parts = [
            ngettext(
                "%(num)d grade behind the age; placed at the level reached: regular class "
                "%(grade)s.",
                "%(num)d grades behind the age; placed at the level reached: regular class "
                "%(grade)s.",
                delta,
                grade=placed,
            )
        ]
    if p.get("catch_up"):
        parts.append(
            ngettext(
                "%(num)d school year missed: catch-up support.",
                "%(num)d school years missed: catch-up support.",
                int(p.get("gap_years") or 0),
            )
        )
    if p.get("remedial"):
        parts.append(_("Remedial support alongside the class."))
    return " ".join(parts)


def _r10(p: Mapping, c: Context) -> str:
    ahead = -int(p.get("delta") or 0)
    level = c.labels.index(c.computed.get("level_grade_index"))
    if p.get("placed") == "age":
        return ngettext(
            "%(num)d grade ahead of age, beyond what the evidence allows: placed by age in "
            "%(grade)s with an assessment; moving up to %(level)s can "
            "follow.",
            "%(num)d grades ahead of age, beyond what the evidence allows: placed by age in "
            "%(grade)s with an assessment; moving up to %(level)s can "
            "follow.",
            ahead,
            grade=c.labels.index(c.computed.get("age_grade_index")),
            level=level,
        )
    if p.get("basis") == "documents_first":
        return ngettext(
            "%(num)d grade ahead of age; this system places by documents: %(grade)s.",
            "%(num)d grades ahead of age; this system places by documents: %(grade)s.",
            ahead,
            grade=level,
        )
    if p.get("assessed"):
        return ngettext(
            "%(num)d grade ahead of age, confirmed by a placement test: %(grade)s.",
            "%(num)d grades ahead of age, confirmed by a placement test: %(grade)s.",
            ahead,
            grade=level,
        )
    return ngettext(
        "%(num)d grade ahead of age, within the allowed %(max)d, on %(evidence)s: %(grade)s.",
        "%(num)d grades ahead of age, within the allowed %(max)d, on %(evidence)s: %(grade)s.",
        ahead,
        max=p.get("max_ahead") or 0,
        evidence=evidence_label(p.get("evidence_level")),
        grade=level,
    )


def _r11(p: Mapping, c: Context) -> str:
    language = c.language(p.get("lang"))
    if p.get("action") == "language_test":
        return _(
            "The level in %(language)s is not known: test it; below %(threshold)s the learner "
            "gets language support.",
            language=language,
            threshold=p.get("threshold"),
        )
    source = _("tested") if p.get("source") == "assessment" else _("declared")
    return ngettext(
        "%(language)s %(level)s (%(source)s) is below the %(threshold)s needed: "
        "%(programme)s, up to %(num)d month of language support, alongside the grade. "
        "Low language skills never lower the grade.",
        "%(language)s %(level)s (%(source)s) is below the %(threshold)s needed: "
        "%(programme)s, up to %(num)d months of language support, alongside the grade. "
        "Low language skills never lower the grade.",
        int(p.get("max_months") or 0),
        language=language,
        level=c.proficiency(p.get("level")),
        source=source,
        threshold=p.get("threshold"),
        programme=c.labels.language_programme or _("a preparatory language class"),
    )


def _r12(p: Mapping, c: Context) -> str:
    items = []
    for item in p.get("items") or ():
        values = {
            "n": int(item.get("position", 0)) + 1,
            "grade": c.labels.index(item.get("level_index")),
        }
        if item.get("source") == "study":
            items.append(_("study %(n)d points to %(grade)s", **values))
        else:
            items.append(_("assessment %(n)d points to %(grade)s", **values))
    listed = "; ".join(items)
    if p.get("resolved_by") == "R7":
        return _(
            "The evidence conflicts (%(items)s); the newer placement test settles it.",
            items=listed,
        )
    text = _(
        "The evidence conflicts (%(items)s): the lower level, %(grade)s, is used and an "
        "assessment is required.",
        items=listed,
        grade=c.labels.index((p.get("preferred") or {}).get("level_index")),
    )
    if p.get("target"):
        text += " " + _("Placed no lower than %(grade)s.", grade=c.labels.grade(p["target"]))
    return text


def _r13(p: Mapping, c: Context) -> str:
    if p.get("route") == "recognition":
        return _(
            "Upper secondary completed in %(system)s (%(grade)s): no grade placement; the "
            "school-leaving certificate goes to recognition for further education, training "
            "or work.",
            system=c.labels.system(p.get("system")),
            grade=c.labels.grade(p.get("grade"), p.get("system")),
        )
    values = {"age": p.get("age") or 0, "age_from": p.get("age_from") or 0}
    if p.get("target_certificate"):
        return _(
            "Aged %(age)d (from %(age_from)d) without completed lower secondary: a vocational "
            "integration or second-chance programme leading to %(certificate)s.",
            certificate=p["target_certificate"],
            **values,
        )
    return _(
        "Aged %(age)d (from %(age_from)d) without completed lower secondary: a vocational "
        "integration or second-chance programme.",
        **values,
    )


def _r14(p: Mapping, c: Context) -> str:
    text = _(
        "Mid-year entry: %(share)s of the school year remains.",
        share=c.percent(p.get("remaining_fraction")),
    )
    if p.get("transition_grade"):
        text += " " + _(
            "%(grade)s ends with a transition exam or recommendation: prepare for it early.",
            grade=c.labels.grade(p["transition_grade"]),
        )
    return text


def _r15(p: Mapping, c: Context) -> str:
    values = {
        "target": c.labels.grade(p.get("target")),
        "certificate": p.get("required_certificate"),
        "placed": c.labels.grade(p.get("placed")),
    }
    if p.get("resolved"):
        return _(
            "%(target)s requires the certificate %(certificate)s; the learner holds it or a "
            "recognised equivalent.",
            **values,
        )
    return _(
        "%(target)s requires the certificate %(certificate)s, which is not yet recognised: "
        "placed in %(placed)s until it is.",
        **values,
    )


RULE_TEXTS: dict[str, Callable[[Mapping, Context], str]] = {
    "R1": _r1,
    "R2": _r2,
    "R3": _r3,
    "R4": _r4,
    "R5": _r5,
    "R6": _r6,
    "R7": _r7,
    "R8": _r8,
    "R9": _r9,
    "R10": _r10,
    "R11": _r11,
    "R12": _r12,
    "R13": _r13,
    "R14": _r14,
    "R15": _r15,
}


@dataclass(frozen=True)
class RuleText:
    code: str
    params: Mapping[str, object]
    text: str


def explain_rules(snapshot: Mapping, labels: Labels | None = None) -> list[RuleText]:
    """Return every fired rule of a snapshot with its sentence in the current locale."""
    context = Context(labels or Labels(), snapshot)
    return [
        RuleText(
            r["code"], r.get("params", {}), RULE_TEXTS[r["code"]](r.get("params", {}), context)
        )
        for r in snapshot.get("rules", [])
    ]


def summary(snapshot: Mapping, labels: Labels | None = None) -> str:
    """Return one sentence with the recommendation, for a family or a school."""
    labels = labels or Labels()
    recommendation = snapshot.get("recommendation", {})
    programmes = ", ".join(programme_label(p) for p in recommendation.get("programmes", []))
    confidence = confidence_label(str(snapshot.get("confidence")))
    grade = recommendation.get("grade")
    if recommendation.get("aep_level"):
        code = str(recommendation.get("aep_programme"))
        values = {
            "programme": labels.programme_names.get(code, code),
            "level": recommendation["aep_level"],
            "confidence": confidence,
        }
        others = [p for p in recommendation.get("programmes", []) if p != "AEP"]
        if others:
            return _(
                "Recommended: %(programme)s, level %(level)s, with %(others)s. Confidence: "
                "%(confidence)s.",
                others=", ".join(programme_label(p) for p in others),
                **values,
            )
        return _(
            "Recommended: %(programme)s, level %(level)s. Confidence: %(confidence)s.", **values
        )
    if grade is None:
        return _(
            "Recommended: %(programmes)s. Confidence: %(confidence)s.",
            programmes=programmes,
            confidence=confidence,
        )
    return _(
        "Recommended: %(grade)s (%(programmes)s). Confidence: %(confidence)s.",
        grade=labels.grade(grade.get("code")),
        programmes=programmes,
        confidence=confidence,
    )
