"""Hand-built system versions, policies and AE programmes for the placement tests.

Structures follow DOMAIN §2; policies follow §6.3 and §4.3. Values DOMAIN marks as
unverified (most age cut-offs outside DE, PL and TR) are loaded with ``provisional=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from portal.common.calendars import ParsedDate
from portal.curricula.domain import (
    AgeRule,
    AgeRuleKind,
    EquivalencyTableData,
    GradeInfo,
    GradeRule,
    SystemVersion,
)
from portal.placement.domain import (
    AEProgramme,
    AgeReference,
    AheadOfAge,
    AssessmentFact,
    EvidenceLevel,
    LanguageSupport,
    LanguageThreshold,
    LearnerFacts,
    PlacementBasis,
    PlacementPolicy,
    PlacementResult,
    PostCompulsory,
    StudyFact,
    StudyStatus,
    recommend_placement,
)

Cycle = tuple[int, Sequence[str], str]


def numbered(first: int, last: int, prefix: str = "") -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in range(first, last + 1))


def build_system(
    jurisdiction: str,
    version: str,
    cycles: Sequence[Cycle],
    *,
    age_rule: AgeRule,
    school_year_start: str,
    valid_from: date,
    valid_to: date | None = None,
    certificates: Mapping[str, str] | None = None,
    provisional: bool = False,
) -> SystemVersion:
    """Number the grades of (isced level, grade codes, programme) cycles from 1."""
    certificates = certificates or {}
    grades = []
    index = 0
    for isced, codes, programme in cycles:
        for code in codes:
            index += 1
            grades.append(
                GradeInfo(
                    code=code,
                    cumulative_index=index,
                    isced_level=isced,
                    intended_age=age_rule.entry_age + index - 1,
                    labels={"en": f"{programme} {code}"},
                    programme=programme,
                    certificate_at_end=certificates.get(code),
                )
            )
    return SystemVersion(
        jurisdiction=jurisdiction,
        version=version,
        valid_from=valid_from,
        valid_to=valid_to,
        grades=tuple(grades),
        age_rule=age_rule,
        school_year_start=school_year_start,
        provisional=provisional,
    )


def cutoff(entry_age: int, month_day: str) -> AgeRule:
    return AgeRule(entry_age, AgeRuleKind.CUTOFF_DATE, month_day)


# --- Origin systems ------------------------------------------------------------------------

SY = build_system(
    "SY",
    "2002",
    [(1, numbered(1, 6), "basic"), (2, numbered(7, 9), "basic"), (3, numbered(10, 12), "sec")],
    age_rule=cutoff(6, "12-31"),
    school_year_start="09-01",
    valid_from=date(2002, 9, 1),
    certificates={"9": "SY-BEC", "12": "SY-SEC"},
)
IR = build_system(
    "IR",
    "6-3-3",
    [
        (1, numbered(1, 6), "dabestan"),
        (2, numbered(7, 9), "motavasete1"),
        (3, numbered(10, 12), "m2"),
    ],
    age_rule=cutoff(6, "06-21"),
    school_year_start="09-23",
    valid_from=date(2012, 9, 22),
    certificates={"12": "IR-DIPLOMA"},
)
ET = build_system(
    "ET",
    "6-2-4",
    [(1, numbered(1, 6), "primary"), (2, numbered(7, 8), "junior"), (3, numbered(9, 12), "sec")],
    age_rule=cutoff(7, "09-10"),
    school_year_start="09-11",
    valid_from=date(2019, 9, 12),
    certificates={"8": "ET-G8", "12": "ET-ESSLCE"},
)
SS = build_system(
    "SS",
    "8-4",
    [(1, numbered(1, 6, "P"), "primary"), (2, numbered(7, 8, "P"), "primary"),
     (3, numbered(1, 4, "S"), "secondary")],
    age_rule=AgeRule(6, AgeRuleKind.CALENDAR_YEAR),
    school_year_start="02-01",
    valid_from=date(2012, 1, 1),
    certificates={"P8": "SS-CPE", "S4": "SS-CSE"},
    provisional=True,
)  # fmt: skip
VE = build_system(
    "VE",
    "2009",
    [(1, numbered(1, 6), "primaria"), (2, numbered(1, 3, "A"), "media"),
     (3, numbered(4, 5, "A"), "media")],
    age_rule=cutoff(6, "09-15"),
    school_year_start="09-15",
    valid_from=date(2009, 8, 15),
    certificates={"A5": "VE-BACHILLER"},
)  # fmt: skip
UA = build_system(
    "UA",
    "NUS",
    [
        (1, numbered(1, 4), "primary"),
        (2, numbered(5, 9), "basic"),
        (3, numbered(10, 11), "profile"),
    ],
    age_rule=cutoff(6, "09-01"),
    school_year_start="09-01",
    valid_from=date(2018, 9, 1),
    certificates={"9": "UA-BASIC", "11": "UA-COMPLETE"},
)

# --- Destination systems and their policies ------------------------------------------------

DE_NW = build_system(
    "DE-NW",
    "2025",
    [
        (1, numbered(1, 4), "Grundschule"),
        (2, numbered(5, 10), "Sek I"),
        (3, numbered(11, 13), "Sek II"),
    ],
    age_rule=cutoff(6, "09-30"),
    school_year_start="08-01",
    valid_from=date(2019, 8, 1),
    certificates={"9": "DE-ESA", "10": "DE-MSA", "13": "DE-AHR"},
)
DE_NW_POLICY = PlacementPolicy(
    policy_version="DE-NW/2025-v1",
    entry_age=6,
    age_reference=AgeReference(AgeRuleKind.CUTOFF_DATE, "09-30"),
    school_year_start="08-01",
    placement_basis=PlacementBasis.AGE_FIRST,
    max_grades_below_age=1,
    language_support=LanguageSupport(
        "de", LanguageThreshold(primary="A2", secondary="B1"), 24, "Vorbereitungsklasse"
    ),
    post_compulsory=PostCompulsory(age_from=16),
    transition_grades=("4", "10"),
    recognised_certificates=(("SY-BEC", "DE-ESA"),),
)

PL = build_system(
    "PL",
    "2017",
    [(1, numbered(1, 6), "SP"), (2, numbered(7, 8), "SP"), (3, numbered(1, 4, "LO"), "LO")],
    age_rule=AgeRule(7, AgeRuleKind.CALENDAR_YEAR),
    school_year_start="09-01",
    valid_from=date(2017, 9, 1),
    certificates={"8": "PL-E8", "LO4": "PL-MATURA"},
)
PL_POLICY = PlacementPolicy(
    policy_version="PL/2025-v1",
    entry_age=7,
    age_reference=AgeReference(AgeRuleKind.CALENDAR_YEAR),
    school_year_start="09-01",
    placement_basis=PlacementBasis.DOCUMENTS_FIRST,
    language_support=LanguageSupport(
        "pl", LanguageThreshold(primary="A2", secondary="B1"), 12, "oddział przygotowawczy"
    ),
    post_compulsory=PostCompulsory(age_from=18),
    transition_grades=("8",),
    recognised_certificates=(("UA-BASIC", "PL-E8"),),
)

TR = build_system(
    "TR",
    "4+4+4",
    [(1, numbered(1, 4), "ilkokul"), (2, numbered(5, 8), "ortaokul"), (3, numbered(9, 12), "lise")],
    age_rule=AgeRule(6, AgeRuleKind.MONTHS_AT_DATE, "09-30", 69),
    school_year_start="09-08",
    valid_from=date(2012, 9, 1),
    certificates={"8": "TR-ORTAOKUL", "12": "TR-LISE"},
)
TR_POLICY = PlacementPolicy(
    policy_version="TR/2025-v1",
    entry_age=6,
    age_reference=AgeReference(AgeRuleKind.MONTHS_AT_DATE, "09-30", 69),
    school_year_start="09-08",
    placement_basis=PlacementBasis.DOCUMENTS_FIRST,
    language_support=LanguageSupport(
        "tr", LanguageThreshold(primary="A2", secondary="B1"), 12, "Türkçe uyum sınıfı"
    ),
    transition_grades=("4", "8"),
)

UG = build_system(
    "UG",
    "7-4-2",
    [(1, numbered(1, 7, "P"), "primary"), (2, numbered(1, 4, "S"), "O-level"),
     (3, numbered(5, 6, "S"), "A-level")],
    age_rule=AgeRule(6, AgeRuleKind.CALENDAR_YEAR),
    school_year_start="02-01",
    valid_from=date(2000, 1, 1),
    certificates={"P7": "UG-PLE", "S4": "UG-UCE", "S6": "UG-UACE"},
)  # fmt: skip
UG_POLICY = PlacementPolicy(
    policy_version="UG/2026-v1",
    entry_age=6,
    age_reference=AgeReference(AgeRuleKind.CALENDAR_YEAR),
    school_year_start="02-01",
    placement_basis=PlacementBasis.DOCUMENTS_FIRST,
    language_support=LanguageSupport("en", LanguageThreshold(primary="A1", secondary="B1"), 12),
    transition_grades=("P7",),
    provisional=True,
)
UG_AEP = AEProgramme(
    "UG-AEP",
    certified=True,
    age_band=(10, 18),
    levels=(("L1", ("P1", "P2", "P3")), ("L2", ("P4", "P5")), ("L3", ("P6", "P7"))),
)

CO = build_system(
    "CO",
    "A",
    [
        (1, numbered(1, 5), "primaria"),
        (2, numbered(6, 9), "secundaria"),
        (3, numbered(10, 11), "media"),
    ],
    age_rule=cutoff(6, "03-31"),
    school_year_start="02-01",
    valid_from=date(1994, 2, 8),
    certificates={"11": "CO-BACHILLER"},
)
CO_POLICY = PlacementPolicy(
    policy_version="CO/2026-v1",
    entry_age=6,
    age_reference=AgeReference(AgeRuleKind.CUTOFF_DATE, "03-31"),
    school_year_start="02-01",
    placement_basis=PlacementBasis.ASSESSMENT_FIRST,
    language_support=LanguageSupport("es", LanguageThreshold(primary="A2", secondary="B1"), 12),
    transition_grades=("11",),
    provisional=True,
)
# Convenio Andrés Bello table: the same cumulative year, under the Colombian grade names.
CAB_VE_CO = EquivalencyTableData(
    table_id="CAB-2017",
    version=1,
    origin="VE",
    destination="CO",
    valid_from=date(2017, 1, 1),
    valid_to=None,
    grade_rules=tuple(GradeRule(str(n), str(n)) for n in range(1, 7))
    + tuple(GradeRule(f"A{n}", str(n + 6)) for n in range(1, 6)),
)

LB = build_system(
    "LB",
    "6-3-3",
    [(1, numbered(1, 6), "elementary"), (2, numbered(7, 9), "intermediate"),
     (3, numbered(10, 12), "secondary")],
    age_rule=cutoff(6, "12-31"),
    school_year_start="09-15",
    valid_from=date(1997, 1, 1),
    certificates={"9": "LB-BREVET", "12": "LB-BAC"},
)  # fmt: skip
LB_POLICY = PlacementPolicy(
    policy_version="LB/2026-v1",
    entry_age=6,
    age_reference=AgeReference(AgeRuleKind.CUTOFF_DATE, "12-31"),
    school_year_start="09-15",
    placement_basis=PlacementBasis.DOCUMENTS_FIRST,
    aep_age_band=(7, 17),
    language_support=LanguageSupport("ar", LanguageThreshold(primary="A2", secondary="B1"), 12),
    transition_grades=("9",),
    provisional=True,
)
LB_ALP = AEProgramme(
    "LB-ALP",
    certified=True,
    age_band=(7, 17),
    levels=tuple((f"L{n}", (str(n),)) for n in range(1, 10)),
)

JO = build_system(
    "JO",
    "10-2",
    [(1, numbered(1, 6), "basic"), (2, numbered(7, 10), "basic"), (3, numbered(11, 12), "sec")],
    age_rule=cutoff(6, "12-31"),
    school_year_start="09-01",
    valid_from=date(2000, 1, 1),
    certificates={"12": "JO-TAWJIHI"},
)
JO_POLICY = PlacementPolicy(
    policy_version="JO/2026-v1",
    entry_age=6,
    age_reference=AgeReference(AgeRuleKind.CUTOFF_DATE, "12-31"),
    school_year_start="09-01",
    placement_basis=PlacementBasis.DOCUMENTS_FIRST,
    aep_age_band=(9, 18),
    allow_ahead_of_age=AheadOfAge(max=1, min_evidence=EvidenceLevel.E4),
    language_support=LanguageSupport("ar", LanguageThreshold(primary="A2", secondary="B1"), 12),
    transition_grades=("12",),
    provisional=True,
)
JO_CUP = AEProgramme(
    "JO-CUP",
    certified=True,
    age_band=(9, 12),
    levels=(("L1", ("1", "2")), ("L2", ("3", "4")), ("L3", ("5", "6"))),
)


# --- Builders ------------------------------------------------------------------------------


def study(
    system: SystemVersion,
    grade: str,
    status: StudyStatus = StudyStatus.COMPLETED,
    *,
    evidence: int = 4,
    end: date | ParsedDate | None = None,
    fraction: str | None = None,
    certificate: str | None = None,
) -> StudyFact:
    return StudyFact(
        system=system,
        grade_code=grade,
        status=status,
        evidence_level=EvidenceLevel(evidence),
        fraction=None if fraction is None else Decimal(fraction),
        end_date=end,
        certificate_held=certificate,
    )


def learner(
    birth: date | ParsedDate,
    *studies: StudyFact,
    assessments: Iterable[AssessmentFact] = (),
    languages: Mapping[str, str] | None = None,
) -> LearnerFacts:
    return LearnerFacts(
        birth_date=birth,
        studies=tuple(studies),
        assessments=tuple(assessments),
        language_proficiency=languages or {},
    )


def place(
    facts: LearnerFacts,
    destination: SystemVersion,
    policy: PlacementPolicy,
    enrolment: date,
    *,
    aeps: Iterable[AEProgramme] = (),
    tables: Iterable[EquivalencyTableData] = (),
) -> PlacementResult:
    return recommend_placement(facts, destination, policy, tuple(aeps), tuple(tables), enrolment)


def grade_code(result: PlacementResult) -> str | None:
    grade = result.recommendation.grade
    return None if grade is None else grade.code


def programmes(result: PlacementResult) -> tuple[str, ...]:
    return tuple(p.value for p in result.recommendation.programmes)
