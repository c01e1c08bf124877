"""Bulk intake of arriving learners from CSV: strict reading, every problem, all or nothing."""

from __future__ import annotations

import codecs
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.learners.intake_csv import import_cohort
from portal.learners.models import Learner, LearnerName, StudyRecord
from portal.learners.services import LearnerReadOnly
from portal.schools.models import School
from tests.factories import make_learner

TODAY = date(2026, 3, 1)
MINIMAL = b"given_name,family_name,birth_date,birth_date_precision\n"
HEADER = (
    "row_ref,given_name,family_name,given_name_latin,family_name_latin,birth_date,"
    "birth_date_precision,birth_calendar,languages,identifier_type,identifier_value,"
    "study1_system,study1_grade,study1_status,study1_fraction,study1_end,study1_evidence,"
    "study1_document,study2_system,study2_grade,study2_status,study2_fraction,study2_end,"
    "study2_evidence"
)
AMAL = (
    "A-01,أمل,حداد,Amal,Haddad,2013-04-02,day,,ar:L1;de:A1,unhcr,UNHCR-123-45,"
    "SY,SY-G4,completed,,2022-06-15,E4,report_card,SY,SY-G5,partial,0.5,2023,E1"
)


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Learner, LearnerName, StudyRecord, AuditEntry)
    )


def _problems(report) -> list[tuple]:
    return [(p.row, p.column, p.code) for p in report.problems]


def _import(world, raw: bytes, role: str = "school_admin"):
    return import_cohort(_user(world.emails[role]), raw, today=TODAY)


def test_one_row_creates_learner_with_names_languages_identifier_and_studies(app, world, reference):
    with app.test_request_context():
        report = _import(world, _csv(AMAL))
        db.session.commit()
        assert report.ok and report.rows == 1 and report.studies == 2
        [created] = report.created
        assert (created.row, created.row_ref) == (2, "A-01")
        learner = db.session.scalar(select(Learner).where(Learner.public_id == created.public_id))
        assert learner.school.public_id == world.ids["school_a"]
        assert (learner.birth_date, learner.birth_date_precision) == (date(2013, 4, 2), "day")
        assert [(n.given, n.family, n.script, n.kind) for n in learner.names] == [
            ("أمل", "حداد", "Arab", "original"),
            ("Amal", "Haddad", "Latn", "transliteration"),
        ]
        assert {(lang.language, lang.proficiency) for lang in learner.languages} == {
            ("ar", "L1"),
            ("de", "A1"),
        }
        assert [(i.kind, i.normalized_value) for i in learner.identifiers] == [
            ("unhcr", "UNHCR12345")
        ]
        studies = sorted(learner.studies, key=lambda s: s.grade_code)
        assert [
            (
                s.system_version.code,
                s.grade_code,
                s.status,
                s.fraction,
                s.period_end,
                s.period_original,
                s.evidence_level,
                s.source,
            )
            for s in studies
        ] == [
            ("SY-2002", "SY-G4", "completed", None, date(2022, 6, 15), "", 4, "csv"),
            ("SY-2002", "SY-G5", "partial", "0.5", date(2023, 12, 31), "2023", 1, "csv"),
        ]
        assert [e.document_type for e in studies[0].evidence] == ["report_card"]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner.created"))
        assert (entry.entity_id, entry.actor_id) == (created.public_id, world.ids["school_admin"])
        assert entry.details["row"] == 2 and len(entry.details["studies"]) == 2
        cohort = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "learner.cohort_imported")
        )
        assert (cohort.entity_id, cohort.details) == (
            world.ids["school_a"],
            {"learners": 1, "studies": 2},
        )


def test_solar_hijri_birth_date_is_converted_and_kept_as_written(app, world, reference):
    header = "given_name,family_name,birth_date,birth_date_precision,birth_calendar,languages"
    with app.test_request_context():
        report = _import(
            world, _csv("Zahra,Ahmadi,30 Azar 1390,day,solar_hijri,prs:L1", header=header)
        )
        assert report.ok, report.messages()
        learner = db.session.scalar(select(Learner))
        assert learner.birth_date == date(2011, 12, 21)
        assert (learner.birth_date_original, learner.birth_date_calendar) == (
            "30 Azar 1390",
            "solar_hijri",
        )


def test_every_problem_is_reported_with_row_numbers_and_nothing_is_written(app, world, reference):
    rows = (
        AMAL,  # row 2: valid, but not written because others are bad
        "A-02,Oleh,Shevchenko,,,2099-01-01,day,,uk:L1,,,,,,,,,,,,,,,",
        "A-03,Lina,,,,2012-05-01,day,,,,,SY,SY-G99,completed,,2021-06-30,E7,,,,,,,",
        "A-04,,Haddad,,,2012-13-01,day,,arabic,unhcr,,,,,,,,,,,,,,",
        "A-02,Sara,Ali,,,,unknown,,,,,SY,SY-G2,partial,,2020-06-30,E2,,,,,,,",
    )
    with app.test_request_context():
        before = _counts()
        report = _import(world, _csv(*rows))
        db.session.commit()
        assert not report.ok and report.created == []
        assert _problems(report) == [
            (3, "birth_date", "birth_in_future"),
            (4, "study1_evidence", "invalid_evidence"),
            (4, "study1_grade", "unknown_grade"),
            (5, "given_name", "required"),
            (5, "birth_date", "invalid_date_format"),
            (5, "languages", "invalid_language"),
            (5, "identifier_value", "identifier_incomplete"),
            (6, "study1_fraction", "fraction_required"),
            (6, "row_ref", "duplicate_row_ref"),
        ]
        assert _counts() == before
        messages = report.messages()
        assert messages[0] == "Row 3, column birth_date: The birth date lies in the future."
        assert messages[-1] == (
            "Row 6, column row_ref: The same row reference already appears in row 3."
        )


def test_unknown_grade_and_status_are_reported_per_study_column(app, world, reference):
    row = (
        "A-03,Lina,,,,2012-05-01,day,,,,,SY,SY-G99,finished,,2021-06-30,E3,,"
        "XX,SY-G1,completed,,2019,E3"
    )
    with app.test_request_context():
        report = _import(world, _csv(row))
        assert _problems(report) == [
            (2, "study1_grade", "unknown_grade"),
            (2, "study1_status", "invalid_choice_of"),
            (2, "study2_system", "unknown_system"),
        ]
        assert report.messages()[1] == (
            "Row 2, column study1_status: Not an accepted value. Use one of: "
            "completed, partial, promoted_without_exam, interrupted."
        )


def test_duplicate_identifiers_in_the_file_and_on_file_are_problems(app, world, reference):
    header = (
        "row_ref,given_name,family_name,birth_date,birth_date_precision,"
        "identifier_type,identifier_value"
    )
    rows = (
        "1,Amal,Haddad,2013-04-02,day,unhcr,UNHCR-123-45",
        "2,Amal,Haddad,2013-04-02,day,unhcr,unhcr 123 45",
        "3,Oleh,Shevchenko,2012-01-01,day,national_id,UA 555",
        "4,Maria,Pérez,2011-01-01,day,national_id,V-999",
    )
    with app.test_request_context():
        school_a = db.session.scalar(
            select(School).where(School.public_id == world.ids["school_a"])
        )
        school_b = db.session.scalar(
            select(School).where(School.public_id == world.ids["school_b"])
        )
        make_learner(school_a, "Oleh", identifiers=(("national_id", "UA555"),))
        make_learner(school_b, "Maria", identifiers=(("national_id", "v 999"),))
        db.session.commit()
        before = _counts()
        report = _import(world, _csv(*rows, header=header))
        assert _problems(report) == [
            (3, "identifier_value", "duplicate_in_file"),
            (4, "identifier_value", "identifier_on_file"),
            (5, "identifier_value", "identifier_on_file_elsewhere"),
        ]
        assert report.problems[0].params == {"first": 2}
        assert report.messages()[2] == (
            "Row 5, column identifier_value: This identifier is already on file at another school."
        )
        assert _counts() == before


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (("\ufeff" + HEADER + "\n" + AMAL + "\n").encode("utf-16"), "not_utf8"),
        (codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"), "not_utf8"),
        (
            "given_name,family_name,birth_date,birth_date_precision\nJosé,Pérez,2012-01-01,day\n".encode(
                "latin-1"
            ),
            "not_utf8",
        ),
        (
            b"given_name,family_name,birth_date,birth_date_precision\nA\x00,B,2012-01-01,day\n",
            "not_utf8",
        ),
        (b"", "empty"),
        (b"\xef\xbb\xbf", "empty"),
    ],
    ids=["utf16", "utf16le-bom", "latin1", "nul", "empty", "bom-only"],
)
def test_file_that_is_not_utf8_text_gets_one_clear_message(app, world, raw, code):
    with app.test_request_context():
        report = _import(world, raw)
        assert _problems(report) == [(0, None, code)]
        assert len(report.messages()) == 1
        if code == "not_utf8":
            assert report.messages() == [
                'The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'
            ]


def test_utf8_with_bom_is_accepted(app, world, reference):
    with app.test_request_context():
        report = _import(world, codecs.BOM_UTF8 + _csv(AMAL))
        assert report.ok, report.messages()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"given_name,given_name,family_name,birth_date,birth_date_precision,nationality\n",
         [(1, "given_name", "duplicate_column"), (1, "nationality", "unknown_column")]),
        (b"given_name,birth_date,study1_grade\n",
         [(1, "family_name", "missing_column"), (1, "birth_date_precision", "missing_column"),
          (1, "study1_system", "missing_column"), (1, "study1_status", "missing_column"),
          (1, "study1_evidence", "missing_column")]),
        (MINIMAL, [(1, None, "no_rows")]),
        (MINIMAL + b'A,B,2012-01-01,day\n"C,D\n', [(3, None, "malformed")]),
        (MINIMAL + b"A,B,2012-01-01,day,extra\n", [(2, None, "wrong_column_count")]),
        (MINIMAL + b"x" * 201 + b",B,2012-01-01,day\n", [(2, "given_name", "too_long")]),
    ],
    ids=["header-duplicate-unknown", "header-missing", "no-rows", "unterminated-quote", "ragged",
         "long-cell"],
)  # fmt: skip
def test_structural_problems_name_their_row(app, world, raw, expected):
    with app.test_request_context():
        assert _problems(_import(world, raw)) == expected


def test_too_many_rows_is_refused(app, world, monkeypatch):
    monkeypatch.setattr("portal.learners.intake_csv.MAX_ROWS", 3)
    header = "given_name,family_name,birth_date,birth_date_precision"
    with app.test_request_context():
        report = _import(world, _csv(*["A,B,2012-01-01,day"] * 4, header=header))
        assert _problems(report) == [(5, None, "too_many_rows")]


def test_only_school_administrators_import(app, world):
    with app.test_request_context(), pytest.raises(LearnerReadOnly):
        _import(world, _csv(AMAL), role="guardian")


def test_cli_imports_a_valid_file(app, world, reference, runner, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_bytes(_csv(AMAL))
    result = runner.invoke(
        args=[
            "portal",
            "import-learners",
            str(path),
            "--school-admin",
            world.emails["school_admin"],
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "1 learner imported.\n2 prior studies recorded.\n"
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(Learner)) == 1


def test_cli_lists_every_problem_and_exits_1_without_writing(
    app, world, reference, runner, tmp_path
):
    path = tmp_path / "cohort.csv"
    path.write_bytes(_csv(AMAL, "A-02,Oleh,Shevchenko,,,2099-01-01,day,,uk:L1,,,,,,,,,,,,,,,"))
    result = runner.invoke(
        args=[
            "portal",
            "import-learners",
            str(path),
            "--school-admin",
            world.emails["school_admin"],
        ]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Row 3, column birth_date: The birth date lies in the future.",
        "Nothing was imported.",
    ]
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(Learner)) == 0


def test_cli_refuses_an_account_that_is_not_a_school_administrator(app, world, runner, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_bytes(_csv(AMAL))
    result = runner.invoke(
        args=["portal", "import-learners", str(path), "--school-admin", world.emails["guardian"]]
    )
    assert result.exit_code == 1
    assert "No active school administrator account for guardian@test.example." in result.output


def test_cli_shows_a_progress_bar_for_large_files(app, world, reference, runner, tmp_path):
    header = (
        "given_name,family_name,birth_date,birth_date_precision,identifier_type,identifier_value"
    )
    rows = [f"Kid{i},Family,2012-01-01,day,other,BULK-{i}" for i in range(250)]
    path = tmp_path / "cohort.csv"
    path.write_bytes(_csv(*rows, header=header))
    result = runner.invoke(
        args=[
            "portal",
            "import-learners",
            str(path),
            "--school-admin",
            world.emails["school_admin"],
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.endswith("250 learners imported.\n0 prior studies recorded.\n")
    assert "Importing" in result.output
