"""Mark conversion between grading scales: KMK modified Bavarian formula, piecewise linear, bands.

Arithmetic is exact (Fraction inside, Decimal at the edges): KMK truncation must not be fooled
by binary floating point, where 1 + 3*18/60 comes out as 1.8999… and would cost a learner 0.1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

_E = TypeVar("_E", bound=StrEnum)

MarkInput = Decimal | int | str

_TENTH = Fraction(1, 10)


class ScaleKind(StrEnum):
    NUMERIC = "numeric"
    BANDED = "banded"
    LETTER = "letter"
    DESCRIPTIVE = "descriptive"


class Method(StrEnum):
    MODIFIED_BAVARIAN = "modified_bavarian"
    PIECEWISE_LINEAR = "piecewise_linear"
    BAND_TABLE = "band_table"
    NONE = "none"


class Rounding(StrEnum):
    KMK_TRUNCATE_1DP = "KMK_TRUNCATE_1DP"
    NEAREST_STEP_TIE_BETTER = "NEAREST_STEP_TIE_BETTER"
    NEXT_BETTER_STEP = "NEXT_BETTER_STEP"


class MarkError(ValueError):
    """A mark or scale that cannot be converted; ``code`` and ``params`` are translated later."""

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        super().__init__(code, self.params)

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code


def _decimal(value: object, code: str, field: str) -> Decimal:
    # bool is an int and a float carries binary noise: neither is an acceptable mark
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise MarkError(code, {"field": field, "value": repr(value)})
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise MarkError(code, {"field": field, "value": repr(value)}) from None
    if not result.is_finite():
        raise MarkError(code, {"field": field, "value": repr(value)})
    return result


def _member(enum: type[_E], value: object, code: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        raise MarkError(code, {"value": repr(value)}) from None


def _invalid(reason: str, **params: object) -> MarkError:
    return MarkError("invalid_scale", {"reason": reason, **params})


def _places(*numbers: Decimal) -> int:
    exponents = (n.as_tuple().exponent for n in numbers)
    return max([1, *(-e for e in exponents if isinstance(e, int))])


def _exact(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places))


@dataclass(frozen=True)
class Band:
    """Marks from ``lower`` to ``upper`` carry ``code`` (e.g. "A+") and map to ``value``."""

    code: str
    lower: Decimal
    upper: Decimal
    value: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise _invalid("empty_band_code")
        for name in ("lower", "upper"):
            object.__setattr__(self, name, _decimal(getattr(self, name), "invalid_scale", name))
        if self.value is not None:
            object.__setattr__(self, "value", _decimal(self.value, "invalid_scale", "value"))
        if self.lower > self.upper:
            raise _invalid("band_bounds_reversed", band=self.code)


@dataclass(frozen=True)
class Scale:
    """A grading scale; its direction follows from ``best`` and ``worst``.

    ``step`` is a uniform grid anchored at ``best`` (0.1 when unset); ``points`` lists an
    irregular grid instead, such as the German 1.0, 1.3, 1.7, … used for step rounding.
    """

    best: Decimal
    pass_mark: Decimal
    worst: Decimal
    kind: ScaleKind = ScaleKind.NUMERIC
    step: Decimal | None = None
    bands: tuple[Band, ...] = ()
    points: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _member(ScaleKind, self.kind, "invalid_scale"))
        for name in ("best", "pass_mark", "worst"):
            object.__setattr__(self, name, _decimal(getattr(self, name), "invalid_scale", name))
        if self.step is not None:
            object.__setattr__(self, "step", _decimal(self.step, "invalid_scale", "step"))
        points = tuple(_decimal(p, "invalid_scale", "points") for p in self.points)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "bands", tuple(self.bands))
        self._validate_anchors()
        self._validate_grid()
        self._validate_bands()

    def _validate_anchors(self) -> None:
        if self.best == self.worst:
            raise _invalid("best_equals_worst")
        # pass may equal worst (every mark passes) but never best (nothing could fail above it)
        if not self.contains(Fraction(self.pass_mark)) or self.pass_mark == self.best:
            raise _invalid("pass_outside_scale", pass_mark=str(self.pass_mark))

    def _validate_grid(self) -> None:
        if self.step is not None:
            if self.points:
                raise _invalid("step_and_points")
            if self.step <= 0:
                raise _invalid("step_not_positive")
            if (self.pass_mark - self.best) % self.step or (self.worst - self.best) % self.step:
                raise _invalid("step_misaligned", step=str(self.step))
        if self.points:
            if len(set(self.points)) != len(self.points):
                raise _invalid("duplicate_points")
            if any(not self.contains(Fraction(p)) for p in self.points):
                raise _invalid("point_outside_scale")
            if not {self.best, self.pass_mark, self.worst} <= set(self.points):
                raise _invalid("points_miss_anchor")

    def _validate_bands(self) -> None:
        if self.kind in (ScaleKind.BANDED, ScaleKind.LETTER) and not self.bands:
            raise _invalid("bands_missing", kind=str(self.kind))
        codes = [band.code for band in self.bands]
        if len(set(codes)) != len(codes):
            raise _invalid("duplicate_band_code")
        for band in self.bands:
            if not (self.contains(Fraction(band.lower)) and self.contains(Fraction(band.upper))):
                raise _invalid("band_outside_scale", band=band.code)
        ordered = sorted(self.bands, key=lambda b: b.lower)
        for low, high in itertools.pairwise(ordered):
            if low.upper > high.lower:
                raise _invalid("bands_overlap", bands=f"{low.code},{high.code}")

    @property
    def higher_is_better(self) -> bool:
        return self.best > self.worst

    def is_better(self, a: Fraction | Decimal, b: Fraction | Decimal) -> bool:
        """Tell whether mark ``a`` is strictly better than mark ``b`` on this scale."""
        return a > b if self.higher_is_better else a < b

    def contains(self, mark: Fraction | Decimal) -> bool:
        """Tell whether a mark lies between worst and best inclusive."""
        return min(self.best, self.worst) <= mark <= max(self.best, self.worst)

    def passes(self, mark: Fraction | Decimal) -> bool:
        """Tell whether a mark is at or better than the pass mark."""
        return not self.is_better(self.pass_mark, mark)

    def worse_bound(self, band: Band) -> Decimal:
        """Return the bound of a band nearer the worst mark (the conservative reading)."""
        return band.lower if self.higher_is_better else band.upper

    def band_for(self, mark: Fraction | Decimal) -> Band | None:
        """Return the best band whose worse bound the mark reaches; gaps fall to the worse band."""
        reached = [b for b in self.bands if not self.is_better(self.worse_bound(b), mark)]
        if not reached:
            return None
        pick = max if self.higher_is_better else min
        return pick(reached, key=self.worse_bound)

    def band_by_code(self, code: str) -> Band:
        """Return the band with this code, matched exactly, then case-insensitively."""
        wanted = code.strip()
        exact = {band.code: band for band in self.bands}
        folded = {band.code.casefold(): band for band in self.bands}
        band = exact.get(wanted) or folded.get(wanted.casefold())
        if band is None:
            raise MarkError("unknown_band", {"band": wanted})
        return band


GERMAN_POINTS = tuple(
    Decimal(p)
    for p in ("1.0", "1.3", "1.7", "2.0", "2.3", "2.7", "3.0", "3.3", "3.7", "4.0", "5.0", "6.0")
)
# The KMK target: 1 best, 4 lowest pass, 6 worst; points are the usual decimal grade steps.
GERMAN_SCALE = Scale(best=Decimal(1), pass_mark=Decimal(4), worst=Decimal(6), points=GERMAN_POINTS)

# upper bound of each verbal grade, as on university calculators (DOMAIN §3.1)
_GERMAN_LABELS = {"1.5": "very_good", "2.5": "good", "3.5": "satisfactory", "4.0": "sufficient"}


def is_german_scale(scale: Scale) -> bool:
    """Tell whether a scale is the German 1–6 scale with 4 as the lowest pass."""
    return (scale.best, scale.pass_mark, scale.worst) == (1, 4, 6)


def german_label(value: Decimal) -> str | None:
    """Return the verbal-grade code for a German decimal grade (1.0–1.5 "very_good" …)."""
    if value < 1:
        return None
    return next((label for upper, label in _GERMAN_LABELS.items() if value <= Decimal(upper)), None)


@dataclass(frozen=True)
class Conversion:
    """A converted mark; ``value`` is None when the method yields no number for it."""

    value: Decimal | None
    passed: bool
    method: Method
    rounding: Rounding
    label: str | None
    band: str | None = None


def _neighbours(raw: Fraction, scale: Scale) -> tuple[Fraction, Fraction]:
    if scale.points:
        grid = [Fraction(p) for p in scale.points]
        return max(p for p in grid if p <= raw), min(p for p in grid if p >= raw)
    step = Fraction(scale.step) if scale.step is not None else _TENTH
    anchor = Fraction(scale.best)
    below = anchor + math.floor((raw - anchor) / step) * step
    return below, below if below == raw else below + step


def _round(raw: Fraction, target: Scale, rounding: Rounding) -> Fraction:
    low, high = sorted((Fraction(target.best), Fraction(target.worst)))
    raw = min(max(raw, low), high)
    if rounding is Rounding.KMK_TRUNCATE_1DP:
        # "auf eine Stelle nach dem Komma bestimmt; es wird nicht gerundet": cut the digits off
        return min(max(Fraction(math.trunc(raw * 10), 10), low), high)
    below, above = _neighbours(raw, target)
    better, worse = (above, below) if target.higher_is_better else (below, above)
    if rounding is Rounding.NEXT_BETTER_STEP or abs(better - raw) <= abs(worse - raw):
        return better
    return worse


def round_mark(raw: Decimal, target: Scale, rounding: Rounding) -> Decimal:
    """Round an unrounded value onto the target scale with the chosen policy."""
    policy = _member(Rounding, rounding, "invalid_rounding")
    value = _round(Fraction(_decimal(raw, "invalid_mark", "raw")), target, policy)
    return _quantize(_exact(value), _output_places(target))


def _output_places(target: Scale) -> int:
    grid = (target.step,) if target.step is not None else target.points
    return _places(target.best, target.pass_mark, target.worst, *grid)


def _first_failing_value(target: Scale, rounding: Rounding) -> Fraction | None:
    pass_mark, worst = Fraction(target.pass_mark), Fraction(target.worst)
    if pass_mark == worst:
        return None
    if rounding is not Rounding.KMK_TRUNCATE_1DP and target.points:
        failing = [Fraction(p) for p in target.points if target.is_better(target.pass_mark, p)]
        return max(failing) if target.higher_is_better else min(failing)
    step = _TENTH if rounding is Rounding.KMK_TRUNCATE_1DP or target.step is None else target.step
    candidate = pass_mark + (-Fraction(step) if target.higher_is_better else Fraction(step))
    return worst if target.is_better(worst, candidate) else candidate


def _finalise(raw: Fraction, passed: bool, target: Scale, rounding: Rounding) -> Fraction | None:
    value = _round(raw, target, rounding)
    pass_mark = Fraction(target.pass_mark)
    if passed:
        # a passed mark stays a pass: KMK results are clamped into [1.0, 4.0]
        return pass_mark if target.is_better(pass_mark, value) else value
    # and a failed mark never rounds onto the pass mark
    return _first_failing_value(target, rounding) if target.passes(value) else value


def _bavarian(mark: Fraction, scale: Scale) -> Fraction:
    best, pass_mark = Fraction(scale.best), Fraction(scale.pass_mark)
    return 1 + 3 * (best - mark) / (best - pass_mark)


def _piecewise(mark: Fraction, source: Scale, target: Scale) -> Fraction:
    s_best, s_pass, s_worst = map(Fraction, (source.best, source.pass_mark, source.worst))
    t_best, t_pass, t_worst = map(Fraction, (target.best, target.pass_mark, target.worst))
    if source.passes(mark):
        return t_pass + (mark - s_pass) * (t_best - t_pass) / (s_best - s_pass)
    return t_worst + (mark - s_worst) * (t_pass - t_worst) / (s_pass - s_worst)


def _require_convertible(scale: Scale) -> None:
    if scale.kind is ScaleKind.DESCRIPTIVE:
        raise MarkError("descriptive_not_convertible")


def _read_number(mark: object, scale: Scale) -> Fraction:
    value = Fraction(_decimal(mark, "invalid_mark", "mark"))
    if not scale.contains(value):
        params = {"mark": str(mark), "best": str(scale.best), "worst": str(scale.worst)}
        raise MarkError("mark_out_of_scale", params)
    return value


def _read_mark(mark: MarkInput, scale: Scale) -> tuple[Fraction, Band | None]:
    if isinstance(mark, str) and scale.bands:
        try:
            _decimal(mark, "invalid_mark", "mark")
        except MarkError:
            # only the band label is known: take its worse bound (DOMAIN §3.2, conservative)
            band = scale.band_by_code(mark)
            return Fraction(scale.worse_bound(band)), band
    value = _read_number(mark, scale)
    return value, scale.band_for(value) if scale.bands else None


def _label(value: Decimal | None, passed: bool, target: Scale | None) -> str | None:
    if not passed:
        return "not_passed"
    if value is None or target is None or not is_german_scale(target):
        return None
    return german_label(value)


def _convert(
    mark: Fraction,
    band: Band | None,
    scale: Scale,
    method: Method,
    rounding: Rounding,
    target: Scale | None,
) -> Conversion:
    method = _member(Method, method, "invalid_method")
    rounding = _member(Rounding, rounding, "invalid_rounding")
    if target is not None:
        _require_convertible(target)
    passed = scale.passes(mark)
    code = band.code if band is not None else None
    if method is Method.NONE:
        return Conversion(None, passed, method, rounding, _label(None, passed, None), code)
    if method is Method.BAND_TABLE:
        value = _band_value(mark, band, scale, target)
        return Conversion(value, passed, method, rounding, _label(value, passed, target), code)
    if method is Method.MODIFIED_BAVARIAN:
        target = GERMAN_SCALE if target is None else target
        if (target.best, target.pass_mark) != (1, 4):
            raise MarkError("invalid_target", {"method": str(method)})
        if not passed:
            # the formula assumes a pass: 45/100 would read 4.3, which is no grade at all
            return Conversion(None, False, method, rounding, "not_passed", code)
        raw = _bavarian(mark, scale)
    else:
        if target is None:
            raise MarkError("missing_target", {"method": str(method)})
        raw = _piecewise(mark, scale, target)
    result = _finalise(raw, passed, target, rounding)
    value = None if result is None else _quantize(_exact(result), _output_places(target))
    return Conversion(value, passed, method, rounding, _label(value, passed, target), code)


def _band_value(mark: Fraction, band: Band | None, scale: Scale, target: Scale | None) -> Decimal:
    if not scale.bands:
        raise MarkError("no_band_table")
    if band is None:
        raise MarkError("no_band_for_mark", {"mark": str(_exact(mark))})
    if band.value is None:
        raise MarkError("band_without_value", {"band": band.code})
    # a published band value is reported as it stands: no rounding policy applies to it
    if target is not None and not target.contains(band.value):
        raise MarkError("invalid_target", {"band": band.code, "reason": "band_value_outside"})
    places = _places(band.value) if target is None else _output_places(target)
    return _quantize(band.value, max(places, _places(band.value)))


def modified_bavarian(mark: MarkInput, scale: Scale) -> Decimal:
    """Return the unrounded KMK value x = 1 + 3·(Nmax − Nd)/(Nmax − Nmin) for a mark."""
    _require_convertible(scale)
    return _exact(_bavarian(_read_number(mark, scale), scale))


def convert_mark(
    mark: MarkInput,
    scale: Scale,
    method: Method = Method.MODIFIED_BAVARIAN,
    rounding: Rounding = Rounding.KMK_TRUNCATE_1DP,
    target: Scale | None = None,
) -> Conversion:
    """Convert one mark, or a band code on a banded scale, onto the target scale."""
    _require_convertible(scale)
    value, band = _read_mark(mark, scale)
    return _convert(value, band, scale, method, rounding, target)


def _mean(values: Sequence[Fraction], weights: Sequence[MarkInput] | None) -> Fraction:
    if not values:
        raise MarkError("no_marks")
    if weights is None:
        return sum(values, Fraction(0)) / len(values)
    if len(weights) != len(values):
        raise MarkError("invalid_weights", {"marks": len(values), "weights": len(weights)})
    factors = [Fraction(_decimal(w, "invalid_weights", "weight")) for w in weights]
    if any(f <= 0 for f in factors):
        raise MarkError("invalid_weights", {"reason": "not_positive"})
    return sum((v * f for v, f in zip(values, factors, strict=True)), Fraction(0)) / sum(factors)


def mean_mark(marks: Sequence[MarkInput], weights: Sequence[MarkInput] | None = None) -> Decimal:
    """Return the (weighted) arithmetic mean of marks, unrounded: KMK averages before converting."""
    return _exact(_mean([Fraction(_decimal(m, "invalid_mark", "mark")) for m in marks], weights))


def convert_mean(
    marks: Sequence[MarkInput],
    scale: Scale,
    method: Method = Method.MODIFIED_BAVARIAN,
    rounding: Rounding = Rounding.KMK_TRUNCATE_1DP,
    target: Scale | None = None,
    weights: Sequence[MarkInput] | None = None,
) -> Conversion:
    """Average the marks on their own scale first, then convert the mean (DOMAIN §3.1 rule 2)."""
    _require_convertible(scale)
    mean = _mean([_read_number(m, scale) for m in marks], weights)
    band = scale.band_for(mean) if scale.bands else None
    return _convert(mean, band, scale, method, rounding, target)
