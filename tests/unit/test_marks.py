"""Mark conversion: KMK modified Bavarian formula, piecewise linear, bands (DOMAIN §3)."""

import math
from collections.abc import Callable
from decimal import Decimal

import pytest

from portal.curricula.marks import (
    GERMAN_SCALE,
    Band,
    Conversion,
    MarkError,
    Method,
    Rounding,
    Scale,
    ScaleKind,
    convert_mark,
    convert_mean,
    german_label,
    is_german_scale,
    mean_mark,
    modified_bavarian,
    round_mark,
)

D = Decimal
BAV = Method.MODIFIED_BAVARIAN
PIECEWISE = Method.PIECEWISE_LINEAR
KMK = Rounding.KMK_TRUNCATE_1DP
NEAREST = Rounding.NEAREST_STEP_TIE_BETTER
NEXT_BETTER = Rounding.NEXT_BETTER_STEP


def scale(best: str, pass_mark: str, worst: str, **kwargs: object) -> Scale:
    return Scale(best=D(best), pass_mark=D(pass_mark), worst=D(worst), **kwargs)  # type: ignore[arg-type]


SYRIA = scale("100", "50", "0")
SYRIA_PASS_40 = scale("100", "40", "0")
SYRIA_SCIENTIFIC_CERT = scale("290", "116", "0")
UKRAINE = scale("12", "4", "1")
POLAND = scale("6", "2", "1")
POLAND_WHOLE = scale("6", "2", "1", step=D("1"))
POLAND_HUNDREDTHS = scale("6", "2", "1", step=D("0.01"))
TWENTY = scale("20", "10", "0")
TURKIYE_LISE = scale("100", "50", "0")
TURKIYE_ORTAOKUL = scale("100", "45", "0")
MOLDOVA = scale("10", "5", "1")
AFGHANISTAN = scale("100", "40", "0")
PAKISTAN = scale("100", "33", "0")
BANGLADESH_GPA = scale("5.0", "1.0", "0")
JORDAN = scale("100", "50", "0")
NETHERLANDS = scale("10", "6", "1")

# DOMAIN §3.1 worked examples, column "KMK"
WORKED_EXAMPLES = [
    ("sy-82", SYRIA, "82", "2.0", "good"),
    ("sy-91", SYRIA, "91", "1.5", "very_good"),
    ("sy-67", SYRIA, "67", "2.9", "satisfactory"),
    ("sy-55", SYRIA, "55", "3.7", "sufficient"),
    ("sy-73", SYRIA, "73", "2.6", "satisfactory"),
    ("sy-mean-73.6", SYRIA, "73.6", "2.5", "good"),
    ("sy-pass40-82", SYRIA_PASS_40, "82", "1.9", "good"),
    ("sy-pass40-67", SYRIA_PASS_40, "67", "2.6", "satisfactory"),
    ("sy-pass40-55", SYRIA_PASS_40, "55", "3.2", "satisfactory"),
    ("sy-cert-232", SYRIA_SCIENTIFIC_CERT, "232", "2.0", "good"),
    ("ua-10", UKRAINE, "10", "1.7", "good"),
    ("ua-7", UKRAINE, "7", "2.8", "satisfactory"),
    ("ua-12", UKRAINE, "12", "1.0", "very_good"),
    ("pl-5", POLAND, "5", "1.7", "good"),
    ("pl-4", POLAND, "4", "2.5", "good"),
    ("pl-3", POLAND, "3", "3.2", "satisfactory"),
    ("pl-2", POLAND, "2", "4.0", "sufficient"),
    ("fr-14", TWENTY, "14", "2.8", "satisfactory"),
    ("ir-17", TWENTY, "17", "1.9", "good"),
    ("lb-12", TWENTY, "12", "3.4", "satisfactory"),
    ("tr-lise-70", TURKIYE_LISE, "70", "2.8", "satisfactory"),
    ("tr-ortaokul-70", TURKIYE_ORTAOKUL, "70", "2.6", "satisfactory"),
    ("md-8", MOLDOVA, "8", "2.2", "good"),
    ("af-75", AFGHANISTAN, "75", "2.2", "good"),
    ("pk-60", PAKISTAN, "60", "2.7", "satisfactory"),
    ("bd-gpa-4.0", BANGLADESH_GPA, "4.0", "1.7", "good"),
    ("jo-65", JORDAN, "65", "3.1", "satisfactory"),
    ("nl-8", NETHERLANDS, "8", "2.5", "good"),
]


@pytest.mark.parametrize(
    ("source", "mark", "expected", "label"),
    [case[1:] for case in WORKED_EXAMPLES],
    ids=[case[0] for case in WORKED_EXAMPLES],
)
def test_convert_mark_matches_domain_worked_examples(
    source: Scale, mark: str, expected: str, label: str
) -> None:
    result = convert_mark(D(mark), source)
    assert result == Conversion(D(expected), True, BAV, KMK, label)
    assert str(result.value) == expected


@pytest.mark.parametrize(
    ("source", "mark", "raw"),
    [
        (SYRIA, 82, "2.08"),
        (SYRIA, 91, "1.54"),
        (SYRIA, 67, "2.98"),
        (SYRIA, 45, "4.3"),
        (SYRIA_PASS_40, 82, "1.9"),
        (UKRAINE, 7, "2.875"),
        (POLAND, 5, "1.75"),
        (scale("1", "4", "6"), "2.3", "2.3"),
    ],
    ids=[
        "sy-82",
        "sy-91",
        "sy-67",
        "sy-45-below-pass",
        "sy-pass40-82",
        "ua-7",
        "pl-5",
        "de-identity",
    ],
)
def test_modified_bavarian_returns_unrounded_value(
    source: Scale, mark: int | str, raw: str
) -> None:
    assert modified_bavarian(mark, source) == D(raw)


def test_convert_mean_truncation_is_exact_where_floats_are_not() -> None:
    # Ukrainian marks averaging 6.4 give exactly 3.1; binary floating point says 3.0999999999999996
    assert math.trunc((1 + 3 * (12 - 6.4) / (12 - 4)) * 10) == 30
    assert convert_mean([6, 7, 6, 7, 6], UKRAINE).value == D("3.1")


@pytest.mark.parametrize(
    ("mark", "expected"),
    [("45", None), ("0", None), ("49.99", None)],
    ids=["sy-45", "sy-0", "just-below-pass"],
)
def test_convert_mark_below_pass_is_not_passed_without_value(mark: str, expected: None) -> None:
    assert convert_mark(mark, SYRIA) == Conversion(expected, False, BAV, KMK, "not_passed")


def test_convert_mark_at_pass_mark_is_lowest_pass() -> None:
    assert convert_mark(50, SYRIA) == Conversion(D("4.0"), True, BAV, KMK, "sufficient")


@pytest.mark.parametrize(
    ("source", "mark"),
    [
        (SYRIA, "101"),
        (SYRIA, "-1"),
        (SYRIA, "100.01"),
        (GERMAN_SCALE, "0.9"),
        (GERMAN_SCALE, "6.1"),
    ],
    ids=["above-best", "below-worst", "just-above-best", "de-better-than-1", "de-worse-than-6"],
)
def test_convert_mark_outside_scale_raises(source: Scale, mark: str) -> None:
    with pytest.raises(MarkError) as caught:
        convert_mark(mark, source)
    assert caught.value.code == "mark_out_of_scale"
    assert caught.value.params["mark"] == mark


@pytest.mark.parametrize(
    "mark",
    [82.0, True, "abc", "NaN", "Infinity", None, ""],
    ids=["float", "bool", "text", "nan", "infinity", "none", "empty"],
)
def test_convert_mark_rejects_non_decimal_input(mark: object) -> None:
    with pytest.raises(MarkError) as caught:
        convert_mark(mark, SYRIA)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_mark"


DESCRIPTIVE = scale("4", "2", "1", kind=ScaleKind.DESCRIPTIVE)


@pytest.mark.parametrize(
    "call",
    [
        lambda: convert_mark(3, DESCRIPTIVE),
        lambda: convert_mark(3, DESCRIPTIVE, Method.NONE),
        lambda: convert_mean([3, 4], DESCRIPTIVE),
        lambda: modified_bavarian(3, DESCRIPTIVE),
        lambda: convert_mark(82, SYRIA, PIECEWISE, target=DESCRIPTIVE),
    ],
    ids=["convert", "method-none", "mean", "bavarian", "as-target"],
)
def test_descriptive_scale_is_never_converted(call: Callable[[], object]) -> None:
    with pytest.raises(MarkError) as caught:
        call()
    assert caught.value.code == "descriptive_not_convertible"


@pytest.mark.parametrize(
    ("mark", "source", "target", "rounding", "expected", "passed"),
    [
        ("82", SYRIA, POLAND_HUNDREDTHS, NEAREST, "4.56", True),
        ("82", SYRIA, POLAND_WHOLE, NEAREST, "5.0", True),
        ("82", SYRIA, POLAND_WHOLE, KMK, "4.5", True),
        ("2.0", GERMAN_SCALE, POLAND_HUNDREDTHS, NEAREST, "4.67", True),
        ("2.0", GERMAN_SCALE, POLAND_WHOLE, NEAREST, "5.0", True),
        ("3", UKRAINE, GERMAN_SCALE, KMK, "4.6", False),
        ("3", UKRAINE, GERMAN_SCALE, NEAREST, "5.0", False),
    ],
    ids=[
        "sy82-to-pl-exact",
        "sy82-to-pl-whole-mark",
        "sy82-to-pl-truncated",
        "de2.0-to-pl-exact",
        "de2.0-to-pl-whole-mark",
        "ua3-to-de-truncated",
        "ua3-to-de-step",
    ],
)
def test_convert_mark_piecewise_matches_domain_examples(
    mark: str, source: Scale, target: Scale, rounding: Rounding, expected: str, passed: bool
) -> None:
    result = convert_mark(mark, source, PIECEWISE, rounding, target)
    assert (str(result.value), result.passed) == (expected, passed)


@pytest.mark.parametrize(
    ("mark", "source", "target", "expected", "passed"),
    [
        ("100", SYRIA, POLAND, "6.0", True),
        ("50", SYRIA, POLAND, "2.0", True),
        ("0", SYRIA, POLAND, "1.0", False),
        ("1", GERMAN_SCALE, SYRIA, "100.0", True),
        ("4", GERMAN_SCALE, SYRIA, "50.0", True),
        ("2.5", GERMAN_SCALE, SYRIA, "75.0", True),
        ("5", GERMAN_SCALE, SYRIA, "25.0", False),
        ("6", GERMAN_SCALE, SYRIA, "0.0", False),
    ],
    ids=[
        "best-to-best",
        "pass-to-pass",
        "worst-to-worst",
        "de-best-to-sy",
        "de-pass-to-sy",
        "de-2.5-to-sy-upper-branch",
        "de-5-to-sy-lower-branch",
        "de-worst-to-sy",
    ],
)
def test_convert_mark_piecewise_maps_anchors_in_either_direction(
    mark: str, source: Scale, target: Scale, expected: str, passed: bool
) -> None:
    result = convert_mark(mark, source, PIECEWISE, NEAREST, target)
    assert (str(result.value), result.passed) == (expected, passed)


@pytest.mark.parametrize(
    ("source", "mark"),
    [(SYRIA, "82"), (SYRIA, "50"), (UKRAINE, "7"), (POLAND, "3"), (MOLDOVA, "8"), (PAKISTAN, "60")],
    ids=["sy-82", "sy-pass", "ua-7", "pl-3", "md-8", "pk-60"],
)
def test_convert_mark_piecewise_to_german_equals_bavarian(source: Scale, mark: str) -> None:
    piecewise = convert_mark(mark, source, PIECEWISE, KMK, GERMAN_SCALE)
    bavarian = convert_mark(mark, source, BAV, KMK)
    assert (piecewise.value, piecewise.label) == (bavarian.value, bavarian.label)


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [(KMK, "4.1"), (NEAREST, "5.0"), (NEXT_BETTER, "5.0")],
    ids=["truncated", "nearest", "next-better"],
)
def test_convert_mark_failed_value_never_rounds_onto_pass_mark(
    rounding: Rounding, expected: str
) -> None:
    # 49/100 maps to 4.04 on the German scale: rounding alone would make it a 4.0 pass
    result = convert_mark(49, SYRIA, PIECEWISE, rounding, GERMAN_SCALE)
    assert result == Conversion(D(expected), False, PIECEWISE, rounding, "not_passed")


def test_convert_mark_failed_value_is_none_when_target_cannot_fail() -> None:
    everyone_passes = scale("10", "1", "1")
    result = convert_mark(30, SYRIA, PIECEWISE, NEAREST, everyone_passes)
    assert result == Conversion(None, False, PIECEWISE, NEAREST, "not_passed")


def test_convert_mark_piecewise_without_target_raises() -> None:
    with pytest.raises(MarkError) as caught:
        convert_mark(82, SYRIA, PIECEWISE)
    assert caught.value.code == "missing_target"


def test_convert_mark_bavarian_onto_non_german_target_raises() -> None:
    with pytest.raises(MarkError) as caught:
        convert_mark(82, SYRIA, BAV, KMK, POLAND)
    assert caught.value.code == "invalid_target"


@pytest.mark.parametrize(
    ("raw", "rounding", "expected"),
    [
        ("2.5", NEAREST, "2.3"),
        ("1.15", NEAREST, "1.0"),
        ("3.85", NEAREST, "3.7"),
        ("1.6", NEAREST, "1.7"),
        ("2.6", NEAREST, "2.7"),
        ("2.58", NEXT_BETTER, "2.3"),
        ("2.08", NEXT_BETTER, "2.0"),
        ("3.99", NEXT_BETTER, "3.7"),
        ("2.0", NEXT_BETTER, "2.0"),
        ("2.08", KMK, "2.0"),
        ("2.999", KMK, "2.9"),
    ],
    ids=[
        "koeln-2.5-tie",
        "koeln-1.15-tie",
        "koeln-3.85-tie",
        "koeln-1.6",
        "koeln-2.6",
        "passau-2.58",
        "passau-2.08",
        "passau-3.99",
        "on-step-stays",
        "kmk-2.08",
        "kmk-2.999",
    ],
)
def test_round_mark_on_german_steps(raw: str, rounding: Rounding, expected: str) -> None:
    assert str(round_mark(D(raw), GERMAN_SCALE, rounding)) == expected


@pytest.mark.parametrize(
    ("raw", "rounding", "expected"),
    [
        ("4.5", NEAREST, "5.0"),
        ("4.49", NEAREST, "4.0"),
        ("4.01", NEXT_BETTER, "5.0"),
        ("4.56", KMK, "4.5"),
    ],
    ids=["tie-goes-up", "below-half-goes-down", "next-better-is-up", "kmk-truncates-digits"],
)
def test_round_mark_on_higher_is_better_scale(raw: str, rounding: Rounding, expected: str) -> None:
    assert str(round_mark(D(raw), POLAND_WHOLE, rounding)) == expected


def test_convert_mark_nearest_step_ties_to_better_german_grade() -> None:
    # Poland 4 gives exactly 2.5, half-way between 2.3 and 2.7
    assert convert_mark(4, POLAND, BAV, NEAREST) == Conversion(D("2.3"), True, BAV, NEAREST, "good")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.0", "very_good"),
        ("1.5", "very_good"),
        ("1.6", "good"),
        ("2.5", "good"),
        ("2.6", "satisfactory"),
        ("3.5", "satisfactory"),
        ("3.6", "sufficient"),
        ("4.0", "sufficient"),
        ("4.1", None),
        ("0.9", None),
    ],
    ids=["1.0", "1.5", "1.6", "2.5", "2.6", "3.5", "3.6", "4.0", "4.1", "0.9"],
)
def test_german_label_boundaries(value: str, expected: str | None) -> None:
    assert german_label(D(value)) == expected


def test_mean_mark_averages_before_conversion() -> None:
    marks = ["82", "91", "67", "55", "73"]
    assert mean_mark(marks) == D("73.6")
    assert convert_mean(marks, SYRIA) == Conversion(D("2.5"), True, BAV, KMK, "good")


def test_convert_mean_passes_on_the_mean_even_with_one_failed_mark() -> None:
    assert convert_mean([45, 75], SYRIA) == Conversion(D("3.4"), True, BAV, KMK, "satisfactory")


def test_mean_mark_keeps_original_weights() -> None:
    assert mean_mark([80, 60], weights=[3, 1]) == D("75")


def test_convert_mean_is_exact_for_repeating_means() -> None:
    # mean 31/3 on the 12-point scale gives exactly 1.625
    assert convert_mean([10, 10, 11], UKRAINE).value == D("1.6")


@pytest.mark.parametrize(
    ("marks", "weights", "code"),
    [
        ([], None, "no_marks"),
        ([80, 60], [1], "invalid_weights"),
        ([80, 60], [1, 0], "invalid_weights"),
        ([80, 60.5], None, "invalid_mark"),
    ],
    ids=["empty", "weight-count", "zero-weight", "float-mark"],
)
def test_mean_mark_rejects_bad_input(marks: list, weights: list | None, code: str) -> None:
    with pytest.raises(MarkError) as caught:
        mean_mark(marks, weights)
    assert caught.value.code == code


def test_convert_mean_rejects_mark_outside_scale() -> None:
    with pytest.raises(MarkError) as caught:
        convert_mean([80, 120], SYRIA)
    assert caught.value.code == "mark_out_of_scale"


BANGLADESH = scale(
    "100",
    "33",
    "0",
    kind=ScaleKind.LETTER,
    bands=(
        Band("A+", D("80"), D("100"), D("5.0")),
        Band("A", D("70"), D("79"), D("4.0")),
        Band("A-", D("60"), D("69"), D("3.5")),
        Band("B", D("50"), D("59"), D("3.0")),
        Band("C", D("40"), D("49"), D("2.0")),
        Band("D", D("33"), D("39"), D("1.0")),
        Band("F", D("0"), D("32"), D("0.0")),
    ),
)
TURKIYE_BANDED = scale(
    "100",
    "50",
    "0",
    kind=ScaleKind.BANDED,
    bands=(
        Band("pekiyi", D("85"), D("100")),
        Band("iyi", D("70"), D("84.99")),
        Band("orta", D("60"), D("69.99")),
        Band("gecer", D("50"), D("59.99")),
        Band("gecmez", D("0"), D("49.99")),
    ),
)


@pytest.mark.parametrize(
    ("mark", "expected", "band", "passed"),
    [
        ("85", "5.0", "A+", True),
        ("A-", "3.5", "A-", True),
        ("a+", "5.0", "A+", True),
        ("39.5", "1.0", "D", True),
        ("79.5", "4.0", "A", True),
        ("F", "0.0", "F", False),
        ("12", "0.0", "F", False),
    ],
    ids=[
        "mark-85",
        "letter",
        "letter-lowercase",
        "gap-falls-to-worse",
        "gap-a",
        "letter-f",
        "mark-f",
    ],
)
def test_convert_mark_band_table_maps_to_band_value(
    mark: str, expected: str, band: str, passed: bool
) -> None:
    result = convert_mark(mark, BANGLADESH, Method.BAND_TABLE)
    label = None if passed else "not_passed"
    assert result == Conversion(D(expected), passed, Method.BAND_TABLE, KMK, label, band)
    assert str(result.value) == expected


@pytest.mark.parametrize(
    ("source", "mark", "expected", "band"),
    [
        (BANGLADESH, "A", "2.3", "A"),
        (BANGLADESH, "D", "4.0", "D"),
        (BANGLADESH, "85", "1.6", "A+"),
        (TURKIYE_BANDED, "iyi", "2.8", "iyi"),
        (TURKIYE_BANDED, "84.995", "1.9", "iyi"),
    ],
    ids=["bd-letter-a", "bd-letter-d", "bd-mark", "tr-band-label", "tr-mark-in-gap"],
)
def test_convert_mark_band_label_converts_its_worse_bound(
    source: Scale, mark: str, expected: str, band: str
) -> None:
    result = convert_mark(mark, source)
    assert (str(result.value), result.passed, result.band) == (expected, True, band)


def test_band_for_on_lower_is_better_scale_falls_to_worse_band() -> None:
    german_bands = scale(
        "1",
        "4",
        "6",
        kind=ScaleKind.BANDED,
        bands=(Band("sehr_gut", D("1.0"), D("1.5")), Band("gut", D("1.6"), D("2.5"))),
    )
    band = german_bands.band_for(D("1.55"))
    assert band is not None
    assert band.code == "gut"


def test_convert_mark_band_table_onto_german_target_carries_label() -> None:
    letters = scale(
        "100",
        "50",
        "0",
        kind=ScaleKind.LETTER,
        bands=(Band("A", D("90"), D("100"), D("1.0")), Band("B", D("75"), D("89"), D("2.3"))),
    )
    result = convert_mark("B", letters, Method.BAND_TABLE, target=GERMAN_SCALE)
    assert result == Conversion(D("2.3"), True, Method.BAND_TABLE, KMK, "good", "B")


@pytest.mark.parametrize(
    ("source", "mark", "target", "code"),
    [
        (TURKIYE_BANDED, "iyi", None, "band_without_value"),
        (SYRIA, "82", None, "no_band_table"),
        (BANGLADESH, "E", None, "unknown_band"),
        (BANGLADESH, "F", GERMAN_SCALE, "invalid_target"),
    ],
    ids=["band-without-value", "numeric-scale", "unknown-letter", "value-outside-target"],
)
def test_convert_mark_band_table_errors(
    source: Scale, mark: str, target: Scale | None, code: str
) -> None:
    with pytest.raises(MarkError) as caught:
        convert_mark(mark, source, Method.BAND_TABLE, target=target)
    assert caught.value.code == code


def test_convert_mark_band_table_without_band_for_mark_raises() -> None:
    partial = scale(
        "100", "50", "0", kind=ScaleKind.BANDED, bands=(Band("top", D("90"), D("100")),)
    )
    with pytest.raises(MarkError) as caught:
        convert_mark("40", partial, Method.BAND_TABLE)
    assert caught.value.code == "no_band_for_mark"


def test_convert_mean_on_banded_scale_records_band_of_mean() -> None:
    result = convert_mean([75, 85], BANGLADESH, Method.BAND_TABLE)
    assert (result.value, result.band) == (D("5.0"), "A+")


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        ("82", Conversion(None, True, Method.NONE, KMK, None)),
        ("45", Conversion(None, False, Method.NONE, KMK, "not_passed")),
    ],
    ids=["passed", "failed"],
)
def test_convert_mark_method_none_reports_pass_only(mark: str, expected: Conversion) -> None:
    assert convert_mark(mark, SYRIA, Method.NONE) == expected


def test_convert_mark_accepts_enum_values_as_strings() -> None:
    result = convert_mark("82", SYRIA, "modified_bavarian", "KMK_TRUNCATE_1DP")  # type: ignore[arg-type]
    assert (result.method, result.rounding) == (BAV, KMK)
    assert result.method is Method.MODIFIED_BAVARIAN


def test_convert_mark_rejects_unknown_method() -> None:
    with pytest.raises(MarkError) as caught:
        convert_mark("82", SYRIA, "magic")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_method"


def test_scale_coerces_integers_and_is_hashable() -> None:
    coerced = Scale(best=100, pass_mark=50, worst=0)  # type: ignore[arg-type]
    assert (coerced.best, type(coerced.best)) == (D(100), Decimal)
    assert hash(coerced) == hash(SYRIA)
    assert coerced == SYRIA


@pytest.mark.parametrize(
    ("source", "higher_is_better", "just_failing"),
    [(SYRIA, True, "49.9"), (GERMAN_SCALE, False, "4.1"), (MOLDOVA, True, "4.9")],
    ids=["syria", "germany", "moldova"],
)
def test_scale_direction_follows_best_and_worst(
    source: Scale, higher_is_better: bool, just_failing: str
) -> None:
    assert source.higher_is_better is higher_is_better
    assert (source.passes(source.pass_mark), source.passes(D(just_failing))) == (True, False)


def test_is_german_scale_recognises_target() -> None:
    assert (is_german_scale(GERMAN_SCALE), is_german_scale(POLAND)) == (True, False)


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: scale("5", "5", "5"), "best_equals_worst"),
        (lambda: scale("100", "100", "0"), "pass_outside_scale"),
        (lambda: scale("100", "120", "0"), "pass_outside_scale"),
        (lambda: scale("1", "0", "6"), "pass_outside_scale"),
        (lambda: scale("100", "50", "0", step=D("30")), "step_misaligned"),
        (lambda: scale("100", "50", "0", step=D("0")), "step_not_positive"),
        (lambda: scale("6", "2", "1", step=D("1"), points=(D(1), D(2), D(6))), "step_and_points"),
        (lambda: scale("1", "4", "6", points=(D(1), D(2), D(3))), "points_miss_anchor"),
        (lambda: scale("1", "4", "6", points=(D(0), D(1), D(4), D(6))), "point_outside_scale"),
        (lambda: scale("1", "4", "6", points=(D("1.0"), D(1), D(4), D(6))), "duplicate_points"),
        (lambda: scale("100", "50", "0", kind=ScaleKind.LETTER), "bands_missing"),
        (
            lambda: scale("100", "50", "0", bands=(Band("A", D(90), D(120)),)),
            "band_outside_scale",
        ),
        (
            lambda: scale(
                "100", "50", "0", bands=(Band("A", D(80), D(100)), Band("B", D(70), D(85)))
            ),
            "bands_overlap",
        ),
        (
            lambda: scale(
                "100", "50", "0", bands=(Band("A", D(80), D(100)), Band("A", D(0), D(9)))
            ),
            "duplicate_band_code",
        ),
        (lambda: Band("A", D(90), D(80)), "band_bounds_reversed"),
        (lambda: Band(" ", D(80), D(90)), "empty_band_code"),
    ],
    ids=[
        "best-equals-worst",
        "pass-equals-best",
        "pass-above-best",
        "pass-better-than-best-lower-is-better",
        "step-misaligned",
        "step-zero",
        "step-and-points",
        "points-miss-anchor",
        "point-outside",
        "duplicate-points",
        "letter-without-bands",
        "band-outside",
        "bands-overlap",
        "duplicate-band-code",
        "band-reversed",
        "empty-band-code",
    ],
)
def test_scale_rejects_inconsistent_definition(build: Callable[[], object], reason: str) -> None:
    with pytest.raises(MarkError) as caught:
        build()
    assert (caught.value.code, caught.value.params["reason"]) == ("invalid_scale", reason)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Scale(best=100.0, pass_mark=D(50), worst=D(0)),  # type: ignore[arg-type]
        lambda: scale("100", "50", "0", kind="ordinal"),
    ],
    ids=["float-anchor", "unknown-kind"],
)
def test_scale_rejects_wrong_field_types(build: Callable[[], object]) -> None:
    with pytest.raises(MarkError) as caught:
        build()
    assert caught.value.code == "invalid_scale"


def test_scale_allows_pass_at_worst() -> None:
    everyone_passes = scale("10", "1", "1")
    assert convert_mark(1, everyone_passes) == Conversion(D("4.0"), True, BAV, KMK, "sufficient")
