"""What to recommend once the level is known: R6, R8-R11, R13-R15 and the confidence.

The functions fill a mutable ``Draft`` that ``recommend_placement`` freezes into the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.curricula.domain import (
    Confidence,
    GradeInfo,
    SourceType,
    SystemVersion,
    lower_confidence,
)
from portal.placement import rules
from portal.placement.model import (
    AEProgramme,
    EvidenceLevel,
    LearnerFacts,
    PlacementBasis,
    PlacementPolicy,
    Programme,
    RuleFired,
    StudyStatus,
)


@dataclass
class Draft:
    """The recommendation while rules are applied; frozen into a Recommendation at the end."""

    rules: dict[str, RuleFired] = field(default_factory=dict)
    grade: GradeInfo | None = None
    programmes: list[Programme] = field(default_factory=list)
    alternatives: list[tuple[str, str]] = field(default_factory=list)
    aep_level: str | None = None
    aep_programme: str | None = None
    provisional: bool = False
    needs_assessment: bool = False

    def fire(self, code: str, params: dict[str, object]) -> None:
        """Record a rule with its parameters (a later call for the same code replaces it)."""
        self.rules[code] = RuleFired(code, params)

    def add(self, *programmes: Programme) -> None:
        """Add programmes once each."""
        self.programmes.extend(p for p in programmes if p not in self.programmes)

    def alternative(self, grade: GradeInfo | None, reason: str) -> None:
        """Offer another grade with the reason code for it."""
        if grade is not None and (grade.code, reason) not in self.alternatives:
            self.alternatives.append((grade.code, reason))


@dataclass(frozen=True)
class Level:
    """The level side after R4, R5, R7 and R12."""

    readings: tuple[rules.StudyReading, ...]
    used: rules.StudyReading | None  # study whose attainment sets the level, if any
    top: rules.StudyReading | None  # furthest credited study
    index: int | None  # G_level before clamping
    assessed: bool  # R7 replaced the level
    conflict: bool  # R12 fired and was not settled by R7
    conflicting: bool  # R12 fired at all


def clamp(index: int, destination: SystemVersion) -> int:
    """Bring a cumulative index into the destination's grade range."""
    return min(max(index, destination.min_index), destination.max_index)


def grade_at(index: int, destination: SystemVersion) -> GradeInfo | None:
    """Return the destination grade at an index, clamped into range."""
    return destination.grade_at_index(clamp(index, destination))


def code_of(grade: GradeInfo | None) -> str | None:
    """Return a grade's code, or None."""
    return None if grade is None else grade.code


@dataclass(frozen=True)
class Placing:
    """The age side and the gap, as R8-R10 and R13 need them."""

    age: int
    g_age: int
    delta: int | None
    gap: int | None


def place(
    facts: LearnerFacts,
    destination: SystemVersion,
    policy: PlacementPolicy,
    aep_programmes: tuple[AEProgramme, ...],
    level: Level,
    placing: Placing,
    draft: Draft,
) -> None:
    """Apply R13 (post-compulsory), R8, R9 or R10, then the R12 floor and the R15 gate."""
    age, g_age, delta, gap = placing.age, placing.g_age, placing.delta, placing.gap
    g_level = None if level.index is None else clamp(level.index, destination)
    isced2_end = destination.isced_completion_index(2)
    post = policy.post_compulsory
    if (
        post is not None
        and age >= post.age_from
        and g_level is not None
        and isced2_end is not None
        and g_level - 1 < isced2_end
    ):
        leaving = destination.grade_at_index(isced2_end)
        draft.add(Programme.VET_INTEGRATION)
        draft.fire(
            "R13",
            {
                "route": "vet_integration",
                "age": age,
                "age_from": post.age_from,
                "level_index": g_level,
                "isced2_completion_index": isced2_end,
                "target_certificate": None if leaving is None else leaving.certificate_at_end,
            },
        )
        return

    if g_level is None or delta is None:
        draft.grade = destination.grade_at_index(g_age)
        draft.add(Programme.REGULAR)
    elif delta >= policy.overage_threshold_aep:
        _overage(destination, policy, aep_programmes, age, g_age, g_level, delta, draft)
    elif delta >= 0:
        _small_gap(destination, policy, g_age, g_level, delta, gap, draft)
    else:
        _ahead(destination, policy, level, g_age, g_level, delta, draft)

    if level.conflict and draft.grade is not None:
        floor = g_age - policy.max_grades_below_age
        if draft.grade.cumulative_index < floor:
            draft.grade = grade_at(floor, destination)
        params = dict(draft.rules["R12"].params)
        draft.fire("R12", {**params, "target": code_of(draft.grade)})

    if draft.grade is not None:
        _certificate_gate(facts, destination, policy, draft)


def _overage(
    destination: SystemVersion,
    policy: PlacementPolicy,
    aep_programmes: tuple[AEProgramme, ...],
    age: int,
    g_age: int,
    g_level: int,
    delta: int,
    draft: Draft,
) -> None:
    """R8: a certified AEP level containing G_level, else the host-system equivalent."""
    target = clamp(max(g_level, g_age - policy.max_grades_below_age), destination)
    target_grade = destination.grade_at_index(target)
    level_grade = destination.grade_at_index(g_level)
    choice = rules.choose_aep(aep_programmes, policy, age, level_grade)
    params: dict[str, object] = {
        "delta": delta,
        "threshold": policy.overage_threshold_aep,
        "target": target,
        "level_index": g_level,
        "age_grade_index": g_age,
        "max_grades_below_age": policy.max_grades_below_age,
        "age": age,
        "age_band": policy.aep_age_band,
    }
    draft.needs_assessment = True
    if isinstance(choice, tuple):
        programme, aep_level, grades = choice
        draft.add(Programme.AEP)
        draft.aep_programme, draft.aep_level = programme.code, aep_level
        draft.alternative(target_grade, "regular_class_target")
        params |= {
            "certified_aep": True,
            "aep_programme": programme.code,
            "aep_level": aep_level,
            "aep_grades": grades,
        }
    else:
        draft.grade = target_grade
        draft.add(Programme.BRIDGING, Programme.CATCH_UP)
        params |= {"certified_aep": False, "reason": choice, "intensive": True}
    draft.fire("R8", params)


def _small_gap(
    destination: SystemVersion,
    policy: PlacementPolicy,
    g_age: int,
    g_level: int,
    delta: int,
    gap: int | None,
    draft: Draft,
) -> None:
    """R9: regular class, with catch-up after a short gap or remedial support for Δ ≥ 1."""
    age_grade, level_grade = destination.grade_at_index(g_age), destination.grade_at_index(g_level)
    if policy.placement_basis is PlacementBasis.AGE_FIRST:
        draft.grade = age_grade
        if 0 < delta <= policy.max_grades_below_age:
            draft.alternative(level_grade, "level_appropriate")
    else:
        draft.grade = level_grade
        if delta > 0:
            draft.alternative(age_grade, "age_appropriate")
    catch_up = gap is not None and 0 < gap <= policy.catch_up_max_gap_years
    remedial = not catch_up and delta >= 1
    draft.add(Programme.REGULAR)
    if catch_up:
        draft.add(Programme.CATCH_UP)
    if remedial:
        draft.add(Programme.REMEDIAL)
    draft.fire(
        "R9",
        {
            "delta": delta,
            "basis": policy.placement_basis.value,
            "placed": code_of(draft.grade),
            "gap_years": gap,
            "catch_up": catch_up,
            "remedial": remedial,
        },
    )


def _ahead(
    destination: SystemVersion,
    policy: PlacementPolicy,
    level: Level,
    g_age: int,
    g_level: int,
    delta: int,
    draft: Draft,
) -> None:
    """R10: above the age grade only on documents_first or strong evidence within the limit."""
    allow = policy.allow_ahead_of_age
    evidence = None if level.used is None else level.used.study.evidence_level
    strong = level.assessed or (evidence is not None and evidence >= allow.min_evidence)
    by_documents = policy.placement_basis is PlacementBasis.DOCUMENTS_FIRST
    if by_documents or (-delta <= allow.max and strong):
        draft.grade = destination.grade_at_index(g_level)
        placed = "level"
    else:
        draft.grade = destination.grade_at_index(g_age)
        draft.needs_assessment = True
        draft.alternative(destination.grade_at_index(g_level), "acceleration_after_assessment")
        placed = "age"
    draft.add(Programme.REGULAR)
    draft.fire(
        "R10",
        {
            "delta": delta,
            "basis": policy.placement_basis.value,
            "evidence_level": None if evidence is None else int(evidence),
            "assessed": level.assessed,
            "max_ahead": allow.max,
            "min_evidence": int(allow.min_evidence),
            "placed": placed,
        },
    )


def _certificate_gate(
    facts: LearnerFacts, destination: SystemVersion, policy: PlacementPolicy, draft: Draft
) -> None:
    """R15: entering a new cycle needs the previous cycle's leaving certificate, or one before."""
    target = draft.grade
    assert target is not None
    gate = rules.certificate_gate(destination, target)
    if gate is None or gate.certificate_at_end is None:
        return
    held = rules.certificates_held(facts)
    resolved = rules.gate_resolved(gate.certificate_at_end, held, policy)
    if not resolved:
        draft.alternative(target, "certificate_recognition_pending")
        draft.grade = gate
    draft.fire(
        "R15",
        {
            "target": target.code,
            "required_certificate": gate.certificate_at_end,
            "held": held,
            "resolved": resolved,
            "placed": code_of(draft.grade),
        },
    )


def evidence_gate(policy: PlacementPolicy, level: Level, delta: int | None, draft: Draft) -> None:
    """R6: declarations and unverified documents make the placement provisional."""
    if level.assessed:
        return
    reading = level.used or level.top
    evidence = EvidenceLevel.E0 if reading is None else reading.study.evidence_level
    reason = None
    if rules.is_weak_evidence(evidence):
        reason = "no_information" if evidence is EvidenceLevel.E0 else "declaration_only"
    elif policy.placement_basis is PlacementBasis.ASSESSMENT_FIRST:
        reason = "assessment_first"
    elif evidence is EvidenceLevel.E3 and (delta is None or abs(delta) > 1):
        reason = "unverified_document"
    if reason is None:
        return
    draft.provisional = draft.needs_assessment = True
    draft.fire(
        "R6",
        {
            "evidence_level": int(evidence),
            "reason": reason,
            "delta": delta,
            "assessment_due_weeks": policy.assessment_due_weeks,
        },
    )


def language(
    facts: LearnerFacts,
    destination: SystemVersion,
    policy: PlacementPolicy,
    g_level: int | None,
    enrolment: date,
    draft: Draft,
) -> None:
    """R11: below the threshold in the language of instruction → preparatory language support."""
    support = policy.language_support
    if support is None:
        return
    reference = draft.grade
    if reference is None and draft.aep_level is not None and g_level is not None:
        reference = destination.grade_at_index(g_level)
    primary = reference is not None and reference.isced_level <= 1
    threshold = support.threshold.primary if primary else support.threshold.secondary
    level, source = rules.language_level(facts, support.lang, enrolment)
    params: dict[str, object] = {
        "lang": support.lang,
        "level": level,
        "source": source,
        "threshold": threshold,
        "max_months": support.max_months,
    }
    if level is None:
        draft.fire("R11", {**params, "action": "language_test"})
    elif rules.below_threshold(level, threshold):
        draft.add(Programme.PREPARATORY_LANGUAGE)
        if Programme.BRIDGING in draft.programmes and "R8" in draft.rules:
            # the preparatory class is the host system's bridging class
            draft.programmes.remove(Programme.BRIDGING)
        draft.fire("R11", {**params, "action": "preparatory_language"})


def confidence(
    policy: PlacementPolicy, destination: SystemVersion, level: Level
) -> tuple[Confidence, tuple[str, ...]]:
    """Start high and step down once per weakness listed in DOMAIN §6.4."""
    factors: list[str] = []
    reading = level.used or (None if level.assessed else level.top)
    if not level.assessed:
        evidence = EvidenceLevel.E0 if reading is None else reading.study.evidence_level
        if rules.is_weak_evidence(evidence):
            factors.append("weak_evidence")
    if reading is not None and reading.study.status is StudyStatus.PROMOTED_WITHOUT_EXAM:
        factors.append("promoted_without_exam")
    resolution = None if level.used is None else level.used.resolution
    flags = () if resolution is None else resolution.flags
    if policy.provisional or destination.provisional or "table_provisional" in flags:
        factors.append("unverified_parameters")
    if level.conflicting:
        factors.append("conflicting_evidence")
    if resolution is not None and resolution.source_type is SourceType.ISCED_PIVOT:
        factors.append("no_equivalency_table")
    confidence = Confidence.HIGH
    for _ in factors:
        confidence = lower_confidence(confidence)
    return confidence, tuple(factors)
