"""Education-system value objects and equivalent-grade resolution (DOMAIN §1.4, §2, §6.4 R5)."""

from collections.abc import Callable, Sequence
from datetime import date

import pytest

from portal.curricula.domain import (
    AgeRule,
    AgeRuleKind,
    Confidence,
    EquivalencyTableData,
    GradeInfo,
    GradeRule,
    Precedence,
    Relation,
    ResolutionError,
    SourceType,
    SystemDataError,
    SystemVersion,
    lower_confidence,
    parse_month_day,
    resolve_equivalent_grade,
    select_table,
)

ON = date(2026, 9, 1)
SINCE_2000 = date(2000, 1, 1)

# (code, cumulative index, ISCED level, certificate awarded at the end)
GradeSpec = tuple[str, int, int, str | None]


def grades(*cycles: tuple[Sequence[str], int, dict[str, str]], first: int = 1) -> list[GradeSpec]:
    """Number grades consecutively; each cycle is (codes, ISCED level, {code: certificate})."""
    specs: list[GradeSpec] = []
    index = first
    for codes, level, certificates in cycles:
        for code in codes:
            specs.append((code, index, level, certificates.get(code)))
            index += 1
    return specs


def system(
    jurisdiction: str,
    specs: list[GradeSpec],
    age_rule: AgeRule,
    *,
    version: str = "v1",
    start: str = "09-01",
    valid_from: date = SINCE_2000,
    valid_to: date | None = None,
    provisional: bool = False,
) -> SystemVersion:
    entry_age = age_rule.entry_age
    return SystemVersion(
        jurisdiction=jurisdiction,
        version=version,
        valid_from=valid_from,
        valid_to=valid_to,
        grades=tuple(
            GradeInfo(code, index, level, entry_age + index - 1, {"en": f"Grade {code}"}, "", cert)
            for code, index, level, cert in specs
        ),
        age_rule=age_rule,
        school_year_start=start,
        provisional=provisional,
    )


def numbered(first: int, last: int) -> list[str]:
    return [str(n) for n in range(first, last + 1)]


# DOMAIN §2 structures. Age rules of SY and UG are not sourced there; they are placeholders.
SY_SPECS = grades(
    (numbered(1, 6), 1, {}),
    (numbered(7, 9), 2, {"9": "SY_BASIC_EDUCATION_CERTIFICATE"}),
    (numbered(10, 12), 3, {"12": "SY_SECONDARY_CERTIFICATE"}),
)
DE_NW_SPECS = grades(
    (numbered(1, 4), 1, {}),
    (numbered(5, 10), 2, {"9": "DE_ESA", "10": "DE_MSA"}),
    (numbered(11, 13), 3, {"13": "DE_ABITUR"}),
)
UA_SPECS = grades(
    (numbered(1, 4), 1, {}),
    (numbered(5, 9), 2, {"9": "UA_BASIC_SECONDARY_CERTIFICATE"}),
    (numbered(10, 11), 3, {"11": "UA_COMPLETE_SECONDARY_CERTIFICATE"}),
)
UG_SPECS = grades(
    ([f"P{n}" for n in range(1, 8)], 1, {"P7": "UG_PLE"}),
    (["S1", "S2", "S3", "S4"], 2, {"S4": "UG_UCE"}),
    (["S5", "S6"], 3, {"S6": "UG_UACE"}),
)
PL_SPECS = grades(
    (["0"], 0, {}),
    (numbered(1, 6), 1, {}),
    (numbered(7, 8), 2, {"8": "PL_EIGHTH_GRADE_EXAM"}),
    (["LO1", "LO2", "LO3", "LO4"], 3, {"LO4": "PL_MATURA"}),
    first=0,
)

SY_AGE = AgeRule(6, AgeRuleKind.CALENDAR_YEAR)
DE_NW_AGE = AgeRule(6, AgeRuleKind.CUTOFF_DATE, month_day="09-30")
UA_AGE = AgeRule(6, AgeRuleKind.CUTOFF_DATE, month_day="09-01")
PL_AGE = AgeRule(7, AgeRuleKind.CALENDAR_YEAR)

SY = system("SY", SY_SPECS, SY_AGE)
DE_NW = system("DE-NW", DE_NW_SPECS, DE_NW_AGE, version="2025", start="08-01")
UA = system("UA", UA_SPECS, UA_AGE)
UG = system("UG", UG_SPECS, SY_AGE, start="02-01")
PL = system("PL", PL_SPECS, PL_AGE, version="2017", valid_from=date(2017, 9, 1))


@pytest.mark.parametrize(
    ("origin", "grade", "destination", "expected", "flags", "uncovered"),
    [
        (SY, "4", DE_NW, "4", (), ()),
        (SY, "5", DE_NW, "5", ("isced_boundary_crossed",), ()),
        (SY, "9", DE_NW, "9", (), ()),
        (
            SY,
            "10",
            DE_NW,
            "10",
            ("isced_boundary_crossed", "certificate_gate_crossed"),
            ("DE_MSA",),
        ),
        (UA, "9", PL, "LO1", ("isced_boundary_crossed",), ()),
        (UA, "8", PL, "8", ("certificate_gate_crossed",), ("PL_EIGHTH_GRADE_EXAM",)),
        (UA, "11", DE_NW, "11", (), ()),
        (UG, "P7", DE_NW, "7", ("isced_boundary_crossed",), ()),
        (PL, "8", UG, "S1", (), ()),
        (DE_NW, "4", SY, "4", (), ()),
        (SY, "12", UA, None, ("beyond_destination_range",), ()),
        (UG, "S6", PL, None, ("beyond_destination_range",), ()),
        (PL, "0", DE_NW, None, ("below_destination_range",), ()),
    ],
    ids=[
        "sy4-to-de-nw4-same-isced",
        "sy5-to-de-nw5-isced1-vs-isced2",
        "sy9-certificate-covers-esa",
        "sy10-nothing-covers-msa",
        "ua9-to-pl-secondary-year-1",
        "ua8-to-pl8-eighth-grade-exam",
        "ua11-two-certificates-cover-two",
        "ug-p7-to-de-nw7",
        "pl8-exam-covers-ple",
        "de-nw4-to-sy4",
        "sy12-beyond-11-year-ua",
        "ug-s6-beyond-pl",
        "pl-preparatory-year-below-de-nw",
    ],
)
def test_resolve_equivalent_grade_pivots_on_cumulative_years(
    origin: SystemVersion,
    grade: str,
    destination: SystemVersion,
    expected: str | None,
    flags: tuple[str, ...],
    uncovered: tuple[str, ...],
) -> None:
    result = resolve_equivalent_grade(origin, grade, destination, ON)
    assert result.grade == (None if expected is None else destination.grade(expected))
    assert result.flags == flags
    assert result.uncovered_certificates == uncovered
    assert (result.source_type, result.table_id, result.table_version) == (
        SourceType.ISCED_PIVOT,
        None,
        None,
    )
    assert (result.confidence, result.origin_grade) == (Confidence.MEDIUM, origin.grade(grade))


def sy_de_table(
    *rules: GradeRule,
    table_id: str = "SY-DE-NW",
    version: int = 1,
    valid_from: date = date(2024, 8, 1),
    valid_to: date | None = None,
    provisional: bool = False,
    precedence: int = Precedence.BILATERAL_TABLE,
    destination: str = "DE-NW",
    origin_version: str | None = None,
) -> EquivalencyTableData:
    return EquivalencyTableData(
        table_id=table_id,
        version=version,
        origin="SY",
        destination=destination,
        valid_from=valid_from,
        valid_to=valid_to,
        grade_rules=rules,
        provisional=provisional,
        precedence=precedence,
        origin_version=origin_version,
    )


NINE_TO_NINE = GradeRule("9", "9")
TEN_TO_NINE = GradeRule("10", "9", Relation.PARTIAL, note="Sek II entry after assessment")
TEN_TO_TEN = GradeRule("10", "10")


@pytest.mark.parametrize(
    ("grade", "table", "expected", "confidence", "flags"),
    [
        ("9", sy_de_table(NINE_TO_NINE), "9", Confidence.HIGH, ()),
        ("10", sy_de_table(TEN_TO_NINE), "9", Confidence.MEDIUM, ("isced_boundary_crossed",)),
        (
            "9",
            sy_de_table(NINE_TO_NINE, provisional=True),
            "9",
            Confidence.MEDIUM,
            ("table_provisional",),
        ),
        (
            "10",
            sy_de_table(TEN_TO_NINE, provisional=True),
            "9",
            Confidence.LOW,
            ("table_provisional", "isced_boundary_crossed"),
        ),
        ("9", sy_de_table(NINE_TO_NINE, valid_to=ON), "9", Confidence.HIGH, ()),
        ("9", sy_de_table(NINE_TO_NINE, valid_from=ON), "9", Confidence.HIGH, ()),
    ],
    ids=[
        "exact-rule",
        "partial-rule",
        "provisional-table",
        "provisional-partial-floors-at-low",
        "last-valid-day",
        "first-valid-day",
    ],
)
def test_resolve_equivalent_grade_uses_table_in_force(
    grade: str,
    table: EquivalencyTableData,
    expected: str,
    confidence: Confidence,
    flags: tuple[str, ...],
) -> None:
    result = resolve_equivalent_grade(SY, grade, DE_NW, ON, [table])
    assert result.grade == DE_NW.grade(expected)
    assert (result.source_type, result.table_id, result.table_version) == (
        SourceType.TABLE,
        "SY-DE-NW",
        1,
    )
    assert (result.confidence, result.flags) == (confidence, flags)
    assert result.rule == table.grade_rules[0]


@pytest.mark.parametrize(
    "table",
    [
        sy_de_table(TEN_TO_NINE, valid_from=date(2026, 9, 2)),
        sy_de_table(TEN_TO_NINE, valid_from=date(2020, 8, 1), valid_to=date(2026, 8, 31)),
        sy_de_table(TEN_TO_NINE, destination="DE-BY"),
        sy_de_table(NINE_TO_NINE),
        sy_de_table(TEN_TO_NINE, origin_version="pre-2011"),
    ],
    ids=[
        "not-yet-valid",
        "expired",
        "other-land",
        "grade-not-covered",
        "pinned-to-other-origin-version",
    ],
)
def test_resolve_equivalent_grade_falls_back_to_pivot_without_applicable_table(
    table: EquivalencyTableData,
) -> None:
    result = resolve_equivalent_grade(SY, "10", DE_NW, ON, [table])
    assert result.grade == DE_NW.grade("10")
    assert (result.source_type, result.table_id, result.confidence) == (
        SourceType.ISCED_PIVOT,
        None,
        Confidence.MEDIUM,
    )
    assert result.flags == ("isced_boundary_crossed", "certificate_gate_crossed")


@pytest.mark.parametrize(
    ("tables", "winner"),
    [
        (
            [
                sy_de_table(TEN_TO_TEN, table_id="ZAB", precedence=Precedence.RECOGNITION_BODY),
                sy_de_table(TEN_TO_NINE, table_id="MINISTRY", valid_from=date(2020, 8, 1)),
            ],
            "MINISTRY",
        ),
        (
            [
                sy_de_table(TEN_TO_NINE, table_id="OLD", valid_from=date(2020, 8, 1)),
                sy_de_table(TEN_TO_TEN, table_id="NEW", valid_from=date(2025, 8, 1)),
            ],
            "NEW",
        ),
        (
            [
                sy_de_table(NINE_TO_NINE, table_id="MINISTRY"),
                sy_de_table(TEN_TO_TEN, table_id="ZAB", precedence=Precedence.RECOGNITION_BODY),
            ],
            "ZAB",
        ),
    ],
    ids=["lower-rank-beats-newer", "newer-wins-at-equal-rank", "falls-through-to-next-table"],
)
def test_resolve_equivalent_grade_orders_tables_by_precedence_then_date(
    tables: list[EquivalencyTableData], winner: str
) -> None:
    assert resolve_equivalent_grade(SY, "10", DE_NW, ON, tables).table_id == winner


STREAM_TABLE = sy_de_table(
    GradeRule("10", "9"),
    GradeRule("10", "10", conditions=(("stream", "scientific"),)),
)
CONDITIONAL_ONLY = sy_de_table(GradeRule("10", "10", conditions=(("stream", "scientific"),)))


ISCED_AND_MSA = ("isced_boundary_crossed", "certificate_gate_crossed")


@pytest.mark.parametrize(
    ("table", "facts", "expected", "source", "flags"),
    [
        (STREAM_TABLE, {"stream": "scientific"}, "10", SourceType.TABLE, ISCED_AND_MSA),
        (STREAM_TABLE, {"stream": "literary"}, "9", SourceType.TABLE, ("isced_boundary_crossed",)),
        (STREAM_TABLE, None, "9", SourceType.TABLE, ("isced_boundary_crossed",)),
        (
            CONDITIONAL_ONLY,
            None,
            "10",
            SourceType.ISCED_PIVOT,
            ("table_conditions_unmet", *ISCED_AND_MSA),
        ),
    ],
    ids=["specific-rule-wins", "generic-rule", "no-facts-generic-rule", "unmet-condition-pivots"],
)
def test_resolve_equivalent_grade_applies_rule_conditions(
    table: EquivalencyTableData,
    facts: dict[str, str] | None,
    expected: str,
    source: SourceType,
    flags: tuple[str, ...],
) -> None:
    result = resolve_equivalent_grade(SY, "10", DE_NW, ON, [table], facts=facts)
    assert (result.grade, result.source_type) == (DE_NW.grade(expected), source)
    assert result.flags == flags


@pytest.mark.parametrize(
    ("origin_provisional", "destination_provisional", "tables", "confidence", "flags"),
    [
        (True, False, [], Confidence.LOW, ("origin_system_provisional",)),
        (False, True, [], Confidence.LOW, ("destination_system_provisional",)),
        (
            True,
            False,
            [sy_de_table(NINE_TO_NINE)],
            Confidence.MEDIUM,
            ("origin_system_provisional",),
        ),
        (
            True,
            True,
            [sy_de_table(NINE_TO_NINE, provisional=True)],
            Confidence.LOW,
            ("table_provisional", "origin_system_provisional", "destination_system_provisional"),
        ),
    ],
    ids=["origin-pivot", "destination-pivot", "origin-table", "everything-provisional-floors"],
)
def test_resolve_equivalent_grade_lowers_confidence_for_provisional_data(
    origin_provisional: bool,
    destination_provisional: bool,
    tables: list[EquivalencyTableData],
    confidence: Confidence,
    flags: tuple[str, ...],
) -> None:
    origin = system("SY", SY_SPECS, SY_AGE, provisional=origin_provisional)
    destination = system(
        "DE-NW", DE_NW_SPECS, DE_NW_AGE, version="2025", provisional=destination_provisional
    )
    result = resolve_equivalent_grade(origin, "9", destination, ON, tables)
    assert (result.grade, result.confidence, result.flags) == (
        destination.grade("9"),
        confidence,
        flags,
    )


def test_resolve_equivalent_grade_accepts_origin_version_no_longer_in_force() -> None:
    sd_8_3 = system(
        "SD",
        grades((numbered(1, 6), 1, {}), (["7", "8"], 2, {"8": "SD_BASIC_CERTIFICATE"})),
        SY_AGE,
        version="8-3",
        valid_to=date(2021, 8, 31),
    )
    result = resolve_equivalent_grade(sd_8_3, "7", DE_NW, ON)
    assert (result.grade, result.flags) == (DE_NW.grade("7"), ())


@pytest.mark.parametrize(
    ("call", "code", "params"),
    [
        (
            lambda: resolve_equivalent_grade(SY, "13", DE_NW, ON),
            "unknown_grade",
            {"system": "SY/v1", "grade": "13"},
        ),
        (
            lambda: resolve_equivalent_grade(SY, "4", PL, date(2016, 9, 1)),
            "system_not_valid_on_date",
            {"system": "PL/2017", "on": "2016-09-01"},
        ),
        (
            lambda: resolve_equivalent_grade(
                SY, "9", DE_NW, ON, [sy_de_table(GradeRule("9", "Q1"))]
            ),
            "table_grade_not_in_destination",
            {"table": "SY-DE-NW", "version": 1, "grade": "Q1"},
        ),
    ],
    ids=["unknown-origin-grade", "destination-not-in-force", "table-names-missing-grade"],
)
def test_resolve_equivalent_grade_raises_coded_errors(
    call: Callable[[], object], code: str, params: dict[str, object]
) -> None:
    with pytest.raises(ResolutionError) as caught:
        call()
    assert (caught.value.code, caught.value.params) == (code, params)


SELECTABLE = [
    sy_de_table(NINE_TO_NINE, table_id="A", version=1, valid_from=date(2020, 1, 1)),
    sy_de_table(NINE_TO_NINE, table_id="A", version=2, valid_from=date(2020, 1, 1)),
    sy_de_table(NINE_TO_NINE, table_id="B", valid_from=date(2027, 1, 1)),
    sy_de_table(NINE_TO_NINE, table_id="C", precedence=Precedence.NATIONAL_RULE),
    sy_de_table(NINE_TO_NINE, table_id="D", destination="DE-BY", valid_from=date(2010, 1, 1)),
]


@pytest.mark.parametrize(
    ("tables", "destination", "on", "expected"),
    [
        (SELECTABLE, "DE-NW", ON, ("A", 2)),
        (SELECTABLE[2:], "DE-NW", ON, ("C", 1)),
        (SELECTABLE, "DE-NW", date(2027, 1, 1), ("B", 1)),
        (SELECTABLE, "DE-BY", ON, ("D", 1)),
        (SELECTABLE, "DE-NW", date(2019, 12, 31), None),
        ([], "DE-NW", ON, None),
    ],
    ids=[
        "higher-version-breaks-tie",
        "only-lower-rank-in-force",
        "newest-once-in-force",
        "other-destination",
        "none-in-force-yet",
        "no-tables",
    ],
)
def test_select_table_picks_rank_then_latest(
    tables: list[EquivalencyTableData],
    destination: str,
    on: date,
    expected: tuple[str, int] | None,
) -> None:
    table = select_table(tables, "SY", destination, on)
    assert (None if table is None else (table.table_id, table.version)) == expected


def test_select_table_filters_on_pinned_versions() -> None:
    pinned = sy_de_table(NINE_TO_NINE, table_id="PINNED", origin_version="v0")
    assert select_table([pinned], "SY", "DE-NW", ON, origin_version="v1") is None
    assert select_table([pinned], "SY", "DE-NW", ON, origin_version="v0") == pinned
    assert select_table([pinned], "SY", "DE-NW", ON) == pinned


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [
        (Confidence.HIGH, Confidence.MEDIUM),
        (Confidence.MEDIUM, Confidence.LOW),
        (Confidence.LOW, Confidence.LOW),
    ],
    ids=["high", "medium", "low-is-floor"],
)
def test_lower_confidence_steps_down_to_low(confidence: Confidence, expected: Confidence) -> None:
    assert lower_confidence(confidence) == expected


LABELLED = GradeInfo("4", 4, 1, 9, {"en": "Grade 4", "ar": "الصف الرابع", "de": "Klasse 4"})


@pytest.mark.parametrize(
    ("grade", "locale", "expected"),
    [
        (LABELLED, "de", "Klasse 4"),
        (LABELLED, "ar_SY", "الصف الرابع"),
        (LABELLED, "ar-SY", "الصف الرابع"),
        (LABELLED, "fr", "Grade 4"),
        (
            GradeInfo("CE2", 3, 1, 8, {"fr": "CE2 (cours élémentaire)", "ar": "ص3"}),
            "uk",
            "CE2 (cours élémentaire)",
        ),
        (GradeInfo("P4", 4, 1, 9), "en", "P4"),
    ],
    ids=["exact", "region-underscore", "region-hyphen", "english-fallback", "first-label", "code"],
)
def test_grade_label_falls_back(grade: GradeInfo, locale: str, expected: str) -> None:
    assert grade.label(locale) == expected


def test_grade_info_from_mapping_or_pairs_is_equal_and_hashable() -> None:
    as_pairs = GradeInfo(
        "4", 4, 1, 9, (("en", "Grade 4"), ("ar", "الصف الرابع"), ("de", "Klasse 4"))
    )
    assert as_pairs == LABELLED
    assert hash(as_pairs) == hash(LABELLED)
    assert LABELLED.labels == {"en": "Grade 4", "ar": "الصف الرابع", "de": "Klasse 4"}
    assert (LABELLED.labels["de"], list(LABELLED.labels)) == ("Klasse 4", ["en", "ar", "de"])
    assert {LABELLED: "usable as a key"}[as_pairs] == "usable as a key"


@pytest.mark.parametrize(
    ("sv", "level", "expected"),
    [
        (DE_NW, 1, 4),
        (DE_NW, 2, 10),
        (SY, 2, 9),
        (UG, 1, 7),
        (PL, 1, 6),
        (PL, 0, 0),
        (UA, 3, 11),
        (SY, 4, None),
    ],
    ids=[
        "de-nw-primary",
        "de-nw-sek-i",
        "sy-basic",
        "ug-primary",
        "pl-isced1",
        "pl-preschool",
        "ua-11-year",
        "none",
    ],
)
def test_system_version_isced_completion_index(
    sv: SystemVersion, level: int, expected: int | None
) -> None:
    assert sv.isced_completion_index(level) == expected


def test_system_version_lookups() -> None:
    assert (UG.grade("S1"), UG.grade("S9")) == (UG.grade_at_index(8), None)
    assert (PL.min_index, PL.max_index, DE_NW.max_index) == (0, 12, 13)
    assert (PL.grade_at_index(13), PL.code) == (None, "PL/2017")


def test_system_version_sorts_grades_by_index() -> None:
    shuffled = system("UA", list(reversed(UA_SPECS)), UA_AGE)
    assert shuffled == UA
    assert [g.code for g in shuffled.grades[:3]] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2017, 8, 31), False),
        (date(2017, 9, 1), True),
        (date(2021, 8, 31), True),
        (date(2021, 9, 1), False),
    ],
    ids=["day-before", "first-day", "last-day", "day-after"],
)
def test_system_version_valid_on_is_inclusive(day: date, expected: bool) -> None:
    sd = system("SD", SY_SPECS, SY_AGE, valid_from=date(2017, 9, 1), valid_to=date(2021, 8, 31))
    assert sd.valid_on(day) is expected


@pytest.mark.parametrize(
    ("specs", "kwargs", "code", "reason"),
    [
        ([("1", 1, 1, None), ("1", 2, 1, None)], {}, "invalid_system", "codes"),
        ([("1", 1, 1, None), ("3", 3, 1, None)], {}, "invalid_system", "indices"),
        ([("1", 1, 1, None), ("1b", 1, 1, None)], {}, "invalid_system", "indices"),
        ([("1", 1, 2, None), ("2", 2, 1, None)], {}, "invalid_system", "isced"),
        ([], {}, "invalid_system", "no_grades"),
        ([("1", 1, 1, None)], {"valid_to": date(1999, 1, 1)}, "invalid_validity_period", None),
        ([("1", 1, 1, None)], {"start": "9-1"}, "invalid_month_day", None),
        ([("1", 1, 1, None)], {"start": "02-30"}, "invalid_month_day", None),
    ],
    ids=[
        "duplicate-code",
        "gap",
        "two-grades-one-year",
        "isced-goes-down",
        "no-grades",
        "ends-before-start",
        "start-not-mm-dd",
        "start-not-a-date",
    ],
)
def test_system_version_rejects_inconsistent_data(
    specs: list[GradeSpec], kwargs: dict, code: str, reason: str | None
) -> None:
    with pytest.raises(SystemDataError) as caught:
        system("XX", specs, SY_AGE, **kwargs)
    assert (caught.value.code, caught.value.params.get("reason")) == (code, reason)


@pytest.mark.parametrize(
    ("kind", "month_day", "months", "expected"),
    [
        ("cutoff_date", "09-30", None, AgeRuleKind.CUTOFF_DATE),
        ("calendar_year", None, None, AgeRuleKind.CALENDAR_YEAR),
        ("months_at_date", "09-30", 69, AgeRuleKind.MONTHS_AT_DATE),
        ("cutoff_date", "02-29", None, AgeRuleKind.CUTOFF_DATE),
    ],
    ids=["de-nw-cutoff", "pl-calendar-year", "tr-69-months", "leap-day-cutoff"],
)
def test_age_rule_accepts_documented_kinds(
    kind: str, month_day: str | None, months: int | None, expected: AgeRuleKind
) -> None:
    rule = AgeRule(6, kind, month_day, months)  # type: ignore[arg-type]
    assert rule.kind is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("09-30", (9, 30)), ("02-29", (2, 29)), ("01-01", (1, 1))],
    ids=["end-of-september", "leap-day", "new-year"],
)
def test_parse_month_day(value: str, expected: tuple[int, int]) -> None:
    assert parse_month_day(value) == expected


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: AgeRule(6, AgeRuleKind.CUTOFF_DATE), "invalid_age_rule"),
        (lambda: AgeRule(7, AgeRuleKind.CALENDAR_YEAR, month_day="12-31"), "invalid_age_rule"),
        (lambda: AgeRule(6, AgeRuleKind.MONTHS_AT_DATE, month_day="09-30"), "invalid_age_rule"),
        (
            lambda: AgeRule(6, AgeRuleKind.CUTOFF_DATE, month_day="09-30", months=69),
            "invalid_age_rule",
        ),
        (
            lambda: AgeRule(6, AgeRuleKind.MONTHS_AT_DATE, month_day="09-30", months=0),
            "invalid_age_rule",
        ),
        (lambda: AgeRule(0, AgeRuleKind.CALENDAR_YEAR), "invalid_age_rule"),
        (lambda: AgeRule(6, AgeRuleKind.CUTOFF_DATE, month_day="09-31"), "invalid_month_day"),
        (lambda: AgeRule(6, "by_height"), "invalid_age_rule"),  # type: ignore[arg-type]
        (lambda: GradeInfo("", 1, 1, 6), "invalid_grade"),
        (lambda: GradeInfo("1", 1, 9, 6), "invalid_grade"),
        (lambda: GradeInfo("1", 1, 1, 6, (("en", "One"), ("en", "1"))), "invalid_labels"),
    ],
    ids=[
        "cutoff-without-date",
        "calendar-year-with-date",
        "months-without-months",
        "cutoff-with-months",
        "zero-months",
        "zero-entry-age",
        "impossible-date",
        "unknown-kind",
        "empty-grade-code",
        "isced-level-9",
        "duplicate-locale",
    ],
)
def test_value_objects_reject_invalid_data(build: Callable[[], object], code: str) -> None:
    with pytest.raises(SystemDataError) as caught:
        build()
    assert caught.value.code == code
