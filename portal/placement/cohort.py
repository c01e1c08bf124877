"""Place a whole cohort of arrivals from a CSV file (``flask portal place``); nothing is stored.

Input: UTF-8 CSV (a byte-order mark is allowed), one row per learner, a header row with:

=======================  =====================================================================
``id``                   your reference for the learner (copied to the output; required)
``birth_date``           YYYY-MM-DD (required)
``birth_date_precision`` day (default), month, year or estimated
``system_N``             jurisdiction code of study N, as in GET /api/v1/systems (SY, UA, ...)
``grade_N``              grade code of study N, as GET /api/v1/systems/{code} lists it (SY-G4)
``status_N``             completed, partial, promoted_without_exam or interrupted
``end_date_N``           YYYY-MM-DD, when study N ended (may be empty)
``evidence_N``           E0-E5 (or 0-5), the evidence behind study N
``fraction_N``           share of the year attended, 0-1 (partial or interrupted studies)
``lang_<code>``          proficiency in a language: A0-C2 or L1 (``lang_de``, ``lang_ar``...)
=======================  =====================================================================

N runs from 1 to 10; a study whose cells are all empty is skipped. Other columns are refused,
so a misspelt header is noticed. Output: the input ``id`` and the recommendation columns of
``COLUMNS``; a row that cannot be placed gets an ``error`` and empty recommendation cells, and
never stops the others. Every output cell is formula-safe for spreadsheets.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import traceback
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

from portal.common.csv_safety import defuse
from portal.placement import inputs, messages, services
from portal.placement.domain import PlacementError

MAX_STUDIES = 10
STUDY_FIELDS = ("system", "grade", "status", "end_date", "evidence", "fraction")
BASE_COLUMNS = ("id", "birth_date", "birth_date_precision")
COLUMNS = (
    "id",
    "grade",
    "grade_label",
    "programmes",
    "aep_programme",
    "aep_level",
    "provisional",
    "assessment_due",
    "review_due",
    "confidence",
    "age_grade",
    "attained_years",
    "level_grade",
    "delta",
    "gap_years",
    "rules",
    "policy_version",
    "error",
)
_STUDY_COLUMN = re.compile(rf"({'|'.join(STUDY_FIELDS)})_([1-9]|10)")
_LANG_COLUMN = re.compile(r"lang_([a-z]{2,3})")
log = logging.getLogger(__name__)


class CohortFileError(ValueError):
    """The file as a whole cannot be read (encoding, CSV syntax, header); see FILE_ERRORS."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code, self.params = code, params


def read_arrivals(path: Path) -> list[dict[str, str]]:
    """Read the arrivals file strictly as UTF-8 and check its header; raise CohortFileError."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = Path(path).read_bytes()[: err.start].count(b"\n") + 1
        raise CohortFileError("not_utf8", line=line) from err
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [
            h
            for h in header
            if h not in BASE_COLUMNS
            and not _STUDY_COLUMN.fullmatch(h)
            and not _LANG_COLUMN.fullmatch(h)
        ]
        if unknown:
            raise CohortFileError("unknown_columns", columns=", ".join(unknown))
        missing = [h for h in ("id", "birth_date") if h not in header]
        if missing:
            raise CohortFileError("missing_columns", columns=", ".join(missing))
        if len(set(header)) != len(header):
            raise CohortFileError("duplicate_column")
        reader.fieldnames = header
        rows = []
        for row in reader:
            if None in row:
                raise CohortFileError("too_many_cells", line=reader.line_num)
            rows.append({k: (v or "").strip() for k, v in row.items()})
        return rows
    except csv.Error as err:
        raise CohortFileError("malformed", line=reader.line_num) from err


def row_payload(row: Mapping[str, str], destination: str, on: date) -> dict[str, object]:
    """Turn one CSV row into the preview request the API accepts."""
    studies = []
    for n in range(1, MAX_STUDIES + 1):
        cells = {f: row.get(f"{f}_{n}", "") for f in STUDY_FIELDS}
        if not any(cells.values()):
            continue
        evidence = cells["evidence"]
        studies.append(
            {
                "system": cells["system"],
                "grade": cells["grade"],
                "status": cells["status"] or None,
                "end_date": cells["end_date"] or None,
                "evidence_level": int(evidence) if evidence.isdigit() else evidence or None,
                "fraction": cells["fraction"] or None,
            }
        )
    languages = {
        match[1]: value
        for key, value in row.items()
        if (match := _LANG_COLUMN.fullmatch(key)) and value
    }
    return {
        "birth_date": row.get("birth_date"),
        "birth_date_precision": row.get("birth_date_precision") or "day",
        "destination": destination,
        "enrolment_date": on.isoformat(),
        "studies": studies,
        "language_proficiency": languages,
    }


def _problems_text(problems: Iterable[inputs.Problem]) -> str:
    return "; ".join(f"{p.field}: {messages.problem_message(p.code, p.params)}" for p in problems)


def _output(row_id: str, placement: services.Placement, locale: str) -> dict[str, object]:
    result = placement.result
    computed, recommendation = result.computed, result.recommendation
    grade = recommendation.grade
    return {
        "id": row_id,
        "grade": None if grade is None else grade.code,
        "grade_label": None if grade is None else grade.label(locale),
        "programmes": " ".join(p.value for p in recommendation.programmes),
        "aep_programme": recommendation.aep_programme,
        "aep_level": recommendation.aep_level,
        "provisional": "yes" if recommendation.provisional else "no",
        "assessment_due": recommendation.assessment_due,
        "review_due": recommendation.review_due,
        "confidence": result.confidence.value,
        "age_grade": computed.age_grade_index,
        "attained_years": computed.attained_years,
        "level_grade": computed.level_grade_index,
        "delta": computed.delta,
        "gap_years": computed.gap_years,
        "rules": " ".join(result.rule_codes),
        "policy_version": result.policy_version,
        "error": "",
    }


def place_rows(
    rows: Iterable[Mapping[str, str]], destination: str, on: date, locale: str = "en"
) -> Iterator[dict[str, object]]:
    """Place each row with the shared reference data; a failing row yields its error only."""
    reference = services.Reference()
    for row in rows:
        row_id = row.get("id", "")
        try:
            payload = row_payload(row, destination, on)
            placement = services.place(inputs.read_request(payload), reference)
        except inputs.PlacementInputError as err:
            yield {"id": row_id, "error": _problems_text(err.problems)}
            continue
        except PlacementError as err:
            yield {"id": row_id, "error": messages.problem_message(err.code, err.params)}
            continue
        except Exception as err:  # a bad row never stops the cohort
            # Frames only, never the message: it could quote the learner's data.
            frames = "".join(traceback.format_tb(err.__traceback__))
            log.error("placing row %s failed: %s\n%s", row_id, type(err).__name__, frames)
            yield {"id": row_id, "error": messages.problem_message("unexpected")}
            continue
        yield _output(row_id, placement, locale)


def write_placements(path: Path, rows: Iterable[Mapping[str, object]]) -> tuple[int, int]:
    """Write the output CSV (UTF-8, formula-safe); return (placed, failed) counts."""
    placed = failed = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([defuse(row.get(c), numeric=True) for c in COLUMNS])
            if row.get("error"):
                failed += 1
            else:
                placed += 1
    return placed, failed
