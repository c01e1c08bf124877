"""Place a cohort of 10,000 synthetic learners with the pure engine and the shipped seed data.

Realistic mix: origins SY, UA, AF, SS and VE (with the seed tables where one exists),
destinations DE-NW, PL, UG and CO (with their seed policies and AE programmes), ages 6-17,
evidence E0-E5, none to three prior studies, gaps of up to five years, some placement and
language tests, some mid-year entries. Facts are built before the clock starts.

Baseline in the same run: only the age-appropriate grade (R2/R3 arithmetic) for the same
learners, so the ratio shows what evidence, equivalence and programme rules cost.
Memory: the tracemalloc peak of one placement pass, and the process's peak RSS.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

from bench.bench_resolution import _load as load_systems_and_tables
from bench.common import peak_rss_mib, report, timed
from portal.curricula.loader import DATA_DIR
from portal.placement.ages import age_grade, school_year_containing
from portal.placement.domain import (
    AssessmentFact,
    AssessmentKind,
    EvidenceLevel,
    LearnerFacts,
    StudyFact,
    StudyStatus,
    recommend_placement,
)
from portal.placement.policy.domain import parameters_to_domain, programme_to_domain

N = 10_000
SEED = 2026
DESTINATIONS = {  # destination: (share, enrolment date, origins weighted)
    "DE-NW": (0.35, date(2026, 9, 1), {"SY": 5, "UA": 3, "AF": 2}),
    "PL": (0.30, date(2026, 9, 1), {"UA": 8, "SY": 1, "AF": 1}),
    "UG": (0.20, date(2026, 2, 9), {"SS": 9, "AF": 1}),
    "CO": (0.15, date(2026, 2, 2), {"VE": 9, "SY": 1}),
}
EVIDENCE_WEIGHTS = [4, 12, 14, 20, 35, 15]  # E0..E5
LEVELS = ["A0", "A1", "A2", "B1", "B2", "C1"]


def _policies():
    policies, programmes = {}, {}
    for code in DESTINATIONS:
        spec = json.loads((DATA_DIR / "policies" / f"{code}.json").read_text(encoding="utf-8"))
        label = f"{spec['system_version']}/v{spec['version']}"
        policies[code] = parameters_to_domain(spec["parameters"], label, spec["provisional"])
        programmes[code] = tuple(
            programme_to_domain(p["code"], p["certified"], tuple(p["age_band"]), p["levels"])
            for p in spec["aep_programmes"]
        )
    return policies, programmes


def _learner(rng: random.Random, origin, destination: str, enrolment: date) -> LearnerFacts:
    age = rng.randint(6, 17)
    birth = enrolment - timedelta(days=365 * age + rng.randint(0, 364))
    studies = []
    count = rng.choices([0, 1, 2, 3], weights=[10, 60, 20, 10])[0]
    gap = rng.choices([0, 1, 2, 3, 4, 5], weights=[35, 25, 15, 10, 10, 5])[0]
    last_index = max(1, min(origin.max_index, age - 6 - gap))
    for k in range(count):
        index = last_index - (count - 1 - k)
        grade = origin.grade_at_index(index)
        if grade is None:
            continue
        status = rng.choices(list(StudyStatus), weights=[70, 15, 10, 5])[0]
        fraction = None
        if status in (StudyStatus.PARTIAL, StudyStatus.INTERRUPTED) and rng.random() < 0.7:
            fraction = rng.choice(["0.3", "0.5", "0.8", "0.9"])
        end = date(enrolment.year - gap - (count - 1 - k), 6, 15)
        studies.append(
            StudyFact(
                system=origin,
                grade_code=grade.code,
                status=status,
                evidence_level=EvidenceLevel(rng.choices(range(6), EVIDENCE_WEIGHTS)[0]),
                fraction=None if fraction is None else Decimal(fraction),
                end_date=end if rng.random() < 0.9 else None,
            )
        )
    assessments = []
    if rng.random() < 0.1:
        on = enrolment - timedelta(days=rng.randint(1, 30))
        assessments.append(
            AssessmentFact(AssessmentKind.PLACEMENT_TEST, on, rng.randint(1, max(1, age - 5)))
        )
    language = {"DE-NW": "de", "PL": "pl", "UG": "en", "CO": "es"}[destination]
    return LearnerFacts(
        birth_date=birth,
        studies=tuple(studies),
        assessments=tuple(assessments),
        language_proficiency={language: rng.choice(LEVELS)} if rng.random() < 0.8 else {},
    )


def cohort():
    """Return the synthetic cohort as (facts, destination, policy, programmes, tables, date)."""
    _systems, current, tables = load_systems_and_tables()
    policies, programmes = _policies()
    rng = random.Random(SEED)
    codes = list(DESTINATIONS)
    shares = [DESTINATIONS[c][0] for c in codes]
    by_pair = {}
    cases = []
    for _ in range(N):
        destination = rng.choices(codes, shares)[0]
        _share, enrolment, origins = DESTINATIONS[destination]
        if rng.random() < 0.1:  # mid-year arrivals
            enrolment += timedelta(weeks=rng.randint(9, 30))
        origin_code = rng.choices(list(origins), list(origins.values()))[0]
        pair = by_pair.setdefault(
            (origin_code, destination),
            tuple(t for t in tables if (t.origin, t.destination) == (origin_code, destination)),
        )
        facts = _learner(rng, current[origin_code], destination, enrolment)
        cases.append(
            (
                facts,
                current[destination],
                policies[destination],
                programmes[destination],
                pair,
                enrolment,
            )
        )
    return cases


def run() -> dict:
    tracemalloc.start()
    cases = cohort()
    facts_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    def place_all():
        for facts, destination, policy, aeps, tables, enrolment in cases:
            recommend_placement(facts, destination, policy, aeps, tables, enrolment)

    def age_grades_only():
        for facts, _destination, policy, _aeps, _tables, enrolment in cases:
            school_year = school_year_containing(enrolment, policy.school_year_start)
            age_grade(facts.birth_date, school_year, policy)

    seconds = timed(place_all, repeat=3)
    base = timed(age_grades_only, repeat=3)
    # Memory of one pass that keeps every result (the cohort CLI streams, so it needs less).
    tracemalloc.start()
    results = [recommend_placement(*case) for case in cases]
    results_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with_tables = sum(1 for case in cases if case[4])
    return report(
        "placement_cohort",
        {
            "learners": N,
            "with_equivalency_table": with_tables,
            "placed_in_aep": sum(1 for r in results if r.recommendation.aep_level),
            "seconds": seconds,
            "learners_per_second": N / seconds,
            "baseline_age_grade_seconds": base,
            "baseline_learners_per_second": N / base,
            "ratio_vs_age_grade_only": seconds / base,
            "tracemalloc_peak_facts_mib": facts_peak / 2**20,
            "tracemalloc_peak_results_mib": results_peak / 2**20,
            "peak_rss_mib": peak_rss_mib(),
        },
    )


if __name__ == "__main__":
    run()
