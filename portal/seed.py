"""Composition root of the reference data: curricula first, then the features built on it.

Curricula knows nothing of placement; placement's policy loader builds on curricula's systems.
Only this module knows both, so neither feature imports the other to seed.
"""

from __future__ import annotations

from pathlib import Path

from portal.audit.services import record
from portal.curricula.loader import DATA_DIR, LoadReport, load_curricula
from portal.placement.policy.services.seed import load_policies


def load_reference(data_dir: Path | None = None) -> LoadReport:
    """Upsert every reference file in one transaction (the caller commits)."""
    root = Path(data_dir or DATA_DIR)
    report = LoadReport()
    load_curricula(root, report)
    load_policies(root, report)
    if report.created or report.updated:
        record(
            "reference.loaded",
            "reference",
            None,
            details={"created": dict(report.created), "updated": dict(report.updated)},
        )
    return report
