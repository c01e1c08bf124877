"""100,000 grade resolutions over the shipped systems and tables, all held in memory.

Baseline in the same run: the same loop doing only the index lookup the pivot needs
(grade_at_index), so the ratio shows what table selection, flags and confidence cost.
"""

from __future__ import annotations

import json
import random
from datetime import date

from bench.common import report, timed
from portal.curricula import domain
from portal.curricula.loader import DATA_DIR, spec_to_domain, table_content

N = 100_000


def _load():
    systems: dict[str, domain.SystemVersion] = {}
    by_jurisdiction: dict[str, domain.SystemVersion] = {}
    for path in sorted((DATA_DIR / "systems").glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        code = content["jurisdiction"]["code"]
        for spec in content["versions"]:
            version = spec_to_domain(code, spec)
            systems[spec["version"]] = version
            current = by_jurisdiction.get(code)
            if current is None or version.valid_from > current.valid_from:
                by_jurisdiction[code] = version
    tables = []
    for path in sorted((DATA_DIR / "tables").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        content = table_content(spec)
        tables.append(
            domain.EquivalencyTableData(
                table_id=spec["code"],
                version=spec["version"],
                origin=spec["origin"]["jurisdiction"],
                destination=spec["destination"]["jurisdiction"],
                valid_from=date.fromisoformat(content["valid_from"]),
                valid_to=None,
                grade_rules=tuple(
                    domain.GradeRule(
                        r["origin_grade"],
                        r["dest_grade"],
                        r["relation"],
                        tuple(sorted(r["conditions"].items())),
                    )
                    for r in content["grade_rules"]
                ),
                provisional=content["provisional"],
                precedence=content["precedence"],
                origin_version=content["origin"],
                destination_version=content["destination"],
            )
        )
    return systems, by_jurisdiction, tables


def run() -> dict:
    systems, current, tables = _load()
    on = date(2026, 9, 1)
    rng = random.Random(7)
    pairs = [(systems[t.origin_version], current[t.destination]) for t in tables]
    # Half the queries hit a table, half fall back to the pivot (no table for the pair).
    no_table = [(current["ER"], current["DE-NW"]), (current["KE"], current["UG"])]
    cases = []
    for i in range(N):
        origin, dest = rng.choice(pairs if i % 2 else no_table)
        grade = rng.choice(origin.grades)
        cases.append((origin, grade.code, dest))

    def resolve_all():
        for origin, code, dest in cases:
            domain.resolve_equivalent_grade(origin, code, dest, on, tables)

    def baseline():
        for origin, code, dest in cases:
            dest.grade_at_index(origin.grade(code).cumulative_index)

    seconds = timed(resolve_all, repeat=3)
    base = timed(baseline, repeat=3)
    return report(
        "grade_resolution",
        {
            "resolutions": N,
            "seconds": seconds,
            "resolutions_per_second": N / seconds,
            "baseline_lookup_seconds": base,
            "ratio_vs_bare_lookup": seconds / base,
        },
    )


if __name__ == "__main__":
    run()
