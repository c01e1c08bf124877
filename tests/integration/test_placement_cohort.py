"""`flask portal place`: a cohort CSV in, one recommendation (or error) per row out."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.common.csv_safety import defuse
from portal.extensions import db
from portal.placement.cohort import COLUMNS, read_arrivals, row_payload
from portal.placement.models import PlacementRecommendation

ARRIVALS = (
    "id,birth_date,birth_date_precision,system_1,grade_1,status_1,end_date_1,evidence_1,"
    "system_2,grade_2,status_2,end_date_2,evidence_2,lang_de,lang_ar\n"
    "L-7F3K,2012-03-10,day,SY,SY-G4,completed,2020-06-30,E4,,,,,,A0,L1\n"
    "L-BAD1,2013-05-02,day,SY,SY-G44,completed,2021-06-30,E4,,,,,,A1,\n"
    '=HYPERLINK("x"),2019-01-15,,,,,,,,,,,,,\n'
    "L-UA22,2011-09-09,year,UA,UA-G6,completed,2023-05-31,3,UA,UA-G7,partial,2024-02-01,3,B1,\n"
)


def _run(runner, tmp_path, text: str | bytes, *extra: str):
    source = tmp_path / "arrivals.csv"
    if isinstance(text, str):
        source.write_text(text, encoding="utf-8")
    else:
        source.write_bytes(text)
    output = tmp_path / "placements.csv"
    args = ["portal", "place", str(source), "--destination", "DE-NW", "--on", "2026-09-01"]
    result = runner.invoke(args=[*args, "-o", str(output), *extra])
    return result, output


def _rows(output) -> list[dict[str, str]]:
    with output.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_place_cohort_writes_one_row_per_learner_and_keeps_going(app, runner, tmp_path, reference):
    result, output = _run(runner, tmp_path, ARRIVALS)
    assert result.exit_code == 0, result.output
    assert "3 learners placed." in result.output
    assert "1 row could not be placed" in result.output
    rows = _rows(output)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["id"] for r in rows] == ["L-7F3K", "L-BAD1", '\'=HYPERLINK("x")', "L-UA22"]
    example = rows[0]
    assert (example["grade"], example["grade_label"]) == ("DE-NW-G8", "Grade 8")
    assert example["programmes"] == "PREPARATORY_LANGUAGE CATCH_UP"
    assert (example["age_grade"], example["level_grade"], example["delta"]) == ("9", "5", "4")
    assert example["assessment_due"] == "2026-10-13"
    assert example["rules"] == "R3 R4 R5 R8 R11"
    assert example["policy_version"] == "DE-NW-2024/v1"
    assert example["error"] == ""
    bad = rows[1]
    assert bad["grade"] == "" and bad["policy_version"] == ""
    assert bad["error"] == "studies[0].grade: This education system has no grade with that code."
    no_studies = rows[2]  # no documents at all: by age, provisionally
    assert (no_studies["grade"], no_studies["provisional"]) == ("DE-NW-G2", "yes")
    two_studies = rows[3]
    assert two_studies["attained_years"] == "6" and two_studies["error"] == ""
    with app.app_context():  # a preview: nothing is stored
        assert db.session.scalar(select(func.count()).select_from(PlacementRecommendation)) == 0


def test_place_cohort_in_another_language(runner, tmp_path, reference):
    result, output = _run(runner, tmp_path, ARRIVALS, "--lang", "ar")
    assert result.exit_code == 0, result.output
    assert _rows(output)[0]["grade_label"] == "الصف الثامن"


def test_place_cohort_refuses_a_file_that_is_not_utf8(runner, tmp_path, reference):
    result, output = _run(runner, tmp_path, ARRIVALS.encode("utf-8") + "Zoë\n".encode("cp1252"))
    assert result.exit_code == 1
    assert "Line 6 is not UTF-8 text" in result.output
    assert not output.exists()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,birth_date,sytem_1\n", "Unknown columns: sytem_1."),
        ("id,system_1\n", "Missing columns: birth_date."),
        ("id,birth_date,id\n", "A column appears more than once."),
    ],
    ids=["misspelt", "missing", "duplicate"],
)
def test_place_cohort_checks_the_header(runner, tmp_path, reference, header, message):
    result, _output = _run(runner, tmp_path, header + "x,2012-01-01,SY\n")
    assert result.exit_code == 1
    assert message in result.output


def test_read_arrivals_accepts_a_byte_order_mark(tmp_path):
    source = tmp_path / "bom.csv"
    source.write_bytes("\ufeffid,birth_date\nA,2012-01-01\n".encode())
    assert read_arrivals(source) == [{"id": "A", "birth_date": "2012-01-01"}]


def test_row_payload_reads_studies_and_languages():
    row = {"id": "A", "birth_date": "2012-01-01", "system_2": "SY", "grade_2": "SY-G3",
           "status_2": "partial", "evidence_2": "2", "fraction_2": "0.8", "lang_de": "A2",
           "lang_tr": ""}  # fmt: skip
    payload = row_payload(row, "DE-NW", date(2026, 9, 1))
    assert payload["studies"] == [
        {
            "system": "SY",
            "grade": "SY-G3",
            "status": "partial",
            "end_date": None,
            "evidence_level": 2,
            "fraction": "0.8",
        }
    ]
    assert payload["language_proficiency"] == {"de": "A2"}
    assert payload["birth_date_precision"] == "day"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+49 30", "'+49 30"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("-2", "-2"),
        ("-x", "'-x"),
        (4, "4"),
        (None, ""),
        ("Grade 8", "Grade 8"),
    ],
    ids=["equals", "plus", "at", "tab", "negative-number", "minus-text", "int", "none", "text"],
)
def test_safe_cell_defuses_formulas(value, cell):
    assert defuse(value, numeric=True) == cell
