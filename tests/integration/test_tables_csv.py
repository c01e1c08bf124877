"""CSV import and export of equivalency tables: strict reading, all errors, all or nothing."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re

import pytest
from babel.support import Translations
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.common.csv_safety import defuse, restore
from portal.config import TRANSLATIONS_DIR as TRANSLATIONS
from portal.curricula.equivalency.services import content, csv_io, drafting
from portal.curricula.equivalency.services.lifecycle import TABLES
from portal.curricula.models import (
    EquivalencyGradeRule,
    EquivalencyMarkRule,
    EquivalencySubjectMapping,
    EquivalencyTable,
)
from portal.extensions import db
from portal.versioning import services as lifecycle
from tests import curricula_factories
from tests.conftest import csrf_token

HEADER = "record_type,origin,destination,relation,conditions,method,rounding,best,pass,note_en"
NOT_UTF8 = 'The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'


@pytest.fixture
def ref(app, world):
    with app.app_context():
        built = curricula_factories.build_reference()
        db.session.commit()
        return built


@pytest.fixture
def draft(app, login_as, ref):
    """A draft version 2 of SY→DE-NW (a copy of the published version 1)."""
    with app.app_context():
        official = _user("ministry@test.example")
        v1 = lifecycle.for_view(TABLES, official, ref.tables["sy_nw"])
        v2 = lifecycle.new_version(TABLES, v1, official)
        db.session.commit()
        return v2.public_id


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _table(public_id: str) -> EquivalencyTable:
    return db.session.scalar(
        select(EquivalencyTable).where(EquivalencyTable.public_id == public_id)
    )


def _fingerprint(app, public_id: str) -> tuple:
    """Everything an import could change: rule counts, content, lock version, audit length."""
    with app.app_context():
        table = _table(public_id)
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (EquivalencyGradeRule, EquivalencySubjectMapping, EquivalencyMarkRule)
        )
        # A refusal is itself audited (access.denied); everything else must stay as it was.
        audit = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action != "access.denied")
        )
        return counts, content.content_hash(table), table.lock_version, audit


def _upload(c, public_id: str, raw: bytes, lock: int | str | None = None, app=None):
    if lock is None:
        with app.app_context():
            lock = _table(public_id).lock_version
    # Encoded here, in memory: the test client would spool the body to a temporary file that
    # stays open when the app refuses the request unread (413).
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(c, "/reference/tables"),
            "lock_version": str(lock),
            "file": FileStorage(io.BytesIO(raw), "rules.csv", content_type="text/csv"),
        }
    )
    return c.post(
        f"/reference/tables/{public_id}/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _problems(html: str) -> list[tuple[str, str, str]]:
    """Return (row, column, message) for each listed problem."""
    section = html.split('id="problems-title"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", section, flags=re.S)
    return [
        tuple(html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row)
        for row in rows
    ]


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


GOOD_ROWS = (
    "grade,SY-G1,DE-NW-G1,exact,,,,,,Same year",
    "grade,SY-G2,DE-NW-G2,exact,,,,,,",
    "grade,SY-G3,DE-NW-G3,partial,requires_assessment=true,,,,,",
    "subject,MATH,MATH,,,,,,,",
    "mark,SY-0-100,DE-1-6,,,modified_bavarian,KMK_TRUNCATE_1DP,100,50,",
)


# --- export ---------------------------------------------------------------------------------


def test_export_is_a_utf8_csv_attachment_with_every_rule(login_as, ref):
    r = login_as("guardian").get(f"/reference/tables/{ref.tables['sy_nw']}/export.csv")
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="SY__DE-NW-v1.csv"'
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == list(csv_io.COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(x["record_type"], x["origin"], x["destination"]) for x in records] == [
        ("grade", "SY-G1", "DE-NW-G1"),
        ("grade", "SY-G2", "DE-NW-G2"),
        ("grade", "SY-G3", "DE-NW-G3"),
        ("subject", "MATH", "MATH"),
        ("mark", "SY-0-100", "DE-1-6"),
    ]
    assert records[0]["note_en"] == "Same year 1"
    assert records[4]["method"] == "modified_bavarian"


TRICKY = [
    "=1+1",
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\ufeff=HYPERLINK()",
    " =1",
    "'=1",
    '"=1',
    "plain text",
    "'quoted but harmless",
    "a=b",
]
TRIGGER = re.compile(r"^[\ufeff '\"]*[=+\-@\t\r]")


def test_export_neutralises_formula_cells_and_keeps_numbers(app, login_as, ref, draft):
    with app.app_context():
        table = _table(draft)
        for rule, text in zip(table.grade_rules, TRICKY, strict=False):
            rule.note = {"en": text}
        for i, text in enumerate(TRICKY[3:], start=4):
            table.grade_rules.append(
                EquivalencyGradeRule(
                    position=i,
                    origin_grade=f"SY-G{i}",
                    dest_grade="DE-NW-G1",
                    relation="exact",
                    conditions={},
                    note={"de": text},
                )
            )
        table.mark_rules[0].best, table.mark_rules[0].pass_mark = "-5", "+3"
        # not a number (only possible by writing to the database directly): still text
        table.mark_rules.append(
            EquivalencyMarkRule(
                position=1,
                origin_scale="X",
                method="none",
                rounding="NEXT_BETTER_STEP",
                best="=2+2",
            )
        )
        db.session.commit()
    r = login_as("ministry_official").get(f"/reference/tables/{draft}/export.csv")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    header = rows[0]
    cells = [
        (column, cell)
        for row in rows[1:]
        for column, cell in zip(header, row, strict=True)
        if column not in {"best", "pass"}
    ]
    dangerous = [cell for _column, cell in cells if TRIGGER.match(cell)]
    assert dangerous, "the fixture should contain formula-like cells"
    assert all(cell.startswith("'") for cell in dangerous)
    notes = [cell for column, cell in cells if column.startswith("note_") and cell]
    assert sorted(restore(n) for n in notes) == sorted(TRICKY)
    assert "'=1+1" in notes and "plain text" in notes and "a=b" in notes
    marks = [dict(zip(header, row, strict=True)) for row in rows if row[0] == "mark"]
    assert (marks[0]["best"], marks[0]["pass"]) == ("-5", "+3")  # numbers stay numbers
    assert marks[1]["best"] == "'=2+2"


@pytest.mark.parametrize("text", TRICKY, ids=[repr(t) for t in TRICKY])
def test_neutralise_is_undone_exactly_by_the_import(text):
    assert restore(defuse(text)) == text
    assert not TRIGGER.match(defuse(text)) or defuse(text)[0] == "'"


# --- import: success and round trip ---------------------------------------------------------


def test_import_replaces_the_draft_rules(app, login_as, draft):
    c = login_as("ministry_official")
    r = _upload(c, draft, _csv(*GOOD_ROWS), app=app)
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert (
        "Imported 5 rules: 3 grade rules, 1 subject mappings, 1 mark rules." in page
        or "Imported 5 rules" in page
    )
    with app.app_context():
        table = _table(draft)
        grade = content.rule_rows(table, "grade")
        marks = content.rule_rows(table, "mark")
        details = db.session.scalar(
            select(AuditEntry.details)
            .where(AuditEntry.entity_id == draft)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
    assert [(g["origin_grade"], g["relation"], g["conditions"]) for g in grade] == [
        ("SY-G1", "exact", {}),
        ("SY-G2", "exact", {}),
        ("SY-G3", "partial", {"requires_assessment": True}),
    ]
    assert grade[0]["note"] == {"en": "Same year"}
    assert (marks[0]["best"], marks[0]["pass_mark"]) == ("100", "50")
    assert details == {
        "code": "SY__DE-NW",
        "version": 2,
        "via": "csv",
        "grade_rules": 3,
        "subject_mappings": 1,
        "mark_rules": 1,
    }


def test_round_trip_export_import_gives_the_same_content_hash(app, login_as, ref, draft):
    c = login_as("ministry_official")
    # a rich draft: notes in three languages and formula-like text, conditions, bounds
    rich = _csv(
        "grade,SY-G1,DE-NW-G1,exact,,,,,,=not a formula,Erste Klasse,الصف الأول",
        'grade,SY-G9,DE-NW-G9,exact,requires_certificate=SY-BEC,,,,,"Comma, and ""quotes""",,',
        "grade,SY-G9,DE-NW-G9,partial,lacks_certificate=SY-BEC;requires_assessment=true,,,,,,,",
        "subject,ARAB,DEU,,,,,,,-minus first,,",
        "mark,SY-0-100,DE-1-6,,,modified_bavarian,KMK_TRUNCATE_1DP,100,50,,,",
        header=HEADER + ",note_de,note_ar",
    )
    assert _upload(c, draft, rich, app=app).status_code == 302
    exported = c.get(f"/reference/tables/{draft}/export.csv").data
    before = _fingerprint(app, draft)[1]
    # wipe the rules, then bring them back from the exported file
    with app.app_context():
        drafting.replace_rules(_table(draft), _user("ministry@test.example"), [], [], [])
        db.session.commit()
    assert _fingerprint(app, draft)[1] != before
    assert _upload(c, draft, exported, app=app).status_code == 302
    assert _fingerprint(app, draft)[1] == before
    with app.app_context():
        notes = [g["note"] for g in content.rule_rows(_table(draft), "grade")]
    assert notes[0] == {"en": "=not a formula", "de": "Erste Klasse", "ar": "الصف الأول"}
    assert notes[1] == {"en": 'Comma, and "quotes"'}


def test_exported_published_table_reimports_to_its_published_hash(app, login_as, ref, draft):
    c = login_as("ministry_official")
    exported = login_as("guardian").get(f"/reference/tables/{ref.tables['sy_nw']}/export.csv")
    with app.app_context():
        drafting.replace_rules(_table(draft), _user("ministry@test.example"), [], [], [])
        db.session.commit()
    assert _upload(c, draft, exported.data, app=app).status_code == 302
    with app.app_context():
        published = _table(ref.tables["sy_nw"]).content_hash
        assert content.content_hash(_table(draft)) == published


# --- import: every error at once, nothing written --------------------------------------------


def test_all_row_errors_are_reported_at_once_and_nothing_is_written(app, login_as, draft):
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    raw = _csv(
        "grade,SY-G1,DE-NW-G1,exact,,,,,,",
        "grade,SY-G99,DE-NW-G2,exact,,,,,,",  # row 3: unknown origin grade
        "grade,SY-G3,DE-NW-G3,exact,,,,,,",
        "subject,MATH,MATH,,,,,,,",
        "grade,SY-G4,DE-NW-G4,exact,,,,,,",
        "grade,SY-G5,DE-NW-G5,similar,,,,,,",  # row 7: unknown relation
        "grade,SY-G1,DE-NW-G2,exact,,,,,,",  # row 8: duplicates row 2
        "mark,SY-0-100,DE-1-6,exact,,none,ROUND,,,",  # row 9: relation not applicable
        "mark,SY-0-100,,,,none,ROUND,x,,",  # row 10: bad rounding and number
        "lesson,A,B,,,,,,,",  # row 11: unknown record type
    )
    r = _upload(c, draft, raw, app=app)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "The file was not imported. Nothing was changed." in html
    assert _problems(html) == [
        ("3", "origin", "Grade SY-G99 does not exist in SY-2002."),
        ("7", "relation", "Unknown relation similar. Use exact, broader, narrower or partial."),
        ("8", "origin", "The same rule already appears in row 2."),
        ("9", "relation", "This column must be empty in a row of type mark."),
        ("10", "best", "x is not a number."),
        (
            "10",
            "rounding",
            "Unknown rounding ROUND. "
            "Use KMK_TRUNCATE_1DP, NEAREST_STEP_TIE_BETTER or NEXT_BETTER_STEP.",
        ),
        ("11", "record_type", "Unknown record type lesson. Use grade, subject or mark."),
    ]
    assert _fingerprint(app, draft) == before


def test_structural_and_content_errors_are_reported_together(app, login_as, draft):
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    raw = _csv(
        'grade,SY-G1,DE-NW-G1,exact,,,,,,"a note\nover two lines"',
        "grade,SY-G2,DE-NW-G2,exact",  # row 3: too few cells
        "grade,SY-G3,DE-NW-G3,exact,stream scientific,,,,,",  # row 4: conditions
        "grade,SY-G4,DE-NW-G77,exact,,,,,,",  # row 5: unknown destination grade
        "",  # row 6: blank, ignored
        "grade,SY-G5,DE-NW-G5,exact,,,,,," + "x" * (csv_io.FIELD_MAX + 1),  # row 7
    )
    r = _upload(c, draft, raw, app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == [
        ("3", "", "This row has 4 cells but the header has 10."),
        (
            "4",
            "conditions",
            "Write conditions as key=value;key=value, with keys in lower case (a-z, 0-9, _).",
        ),
        ("5", "destination", "Grade DE-NW-G77 does not exist in DE-NW-2024."),
        ("7", "note_en", "Too long: at most 2000 characters."),
    ]
    assert _fingerprint(app, draft) == before


@pytest.mark.parametrize(
    "raw",
    [
        "\ufeffrecord_type,origin\n".encode("utf-16"),
        "record_type,origin\n".encode("utf-16-be"),
        HEADER.encode() + b"\r\ngrade,SY-G1,DE-NW-G1,exact,,,,,,\x00\r\n",
        (HEADER + "\r\ngrade,SY-G1,DE-NW-G1,exact,,,,,,intitulé\r\n").encode("latin-1"),
    ],
    ids=["utf16-bom", "utf16-no-bom", "nul", "latin1"],
)
def test_non_utf8_files_are_refused_with_one_clear_message(app, login_as, draft, raw):
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    r = _upload(c, draft, raw, app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == [("whole file", "", NOT_UTF8)]
    assert _fingerprint(app, draft) == before


@pytest.mark.parametrize("locale", ["de", "ar"])
def test_problems_are_translated_into_the_users_language(app, login_as, draft, locale):
    c = login_as("ministry_official")
    c.get(f"/reference/tables?lang={locale}")
    r = _upload(c, draft, "x\n".encode("utf-16"), app=app)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert f'<html lang="{locale}"' in html
    catalog = Translations.load(str(TRANSLATIONS), [locale])
    assert _problems(html)[0][2] == catalog.gettext(NOT_UTF8)


def test_a_utf8_bom_is_accepted(app, login_as, draft):
    c = login_as("ministry_official")
    r = _upload(c, draft, b"\xef\xbb\xbf" + _csv(*GOOD_ROWS), app=app)
    assert r.status_code == 302


def test_unterminated_quote_is_refused_with_its_row(app, login_as, draft):
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    raw = _csv("grade,SY-G1,DE-NW-G1,exact,,,,,,ok", 'grade,SY-G2,DE-NW-G2,exact,,,,,,"open')
    r = _upload(c, draft, raw, app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == [
        ("3", "", "The CSV text is broken here, for example by a quote that is never closed.")
    ]
    assert _fingerprint(app, draft) == before


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            HEADER + ",origin",
            [("1", "origin", "The column origin appears more than once.")],
        ),
        (
            HEADER.replace("conditions", "condition") + ",colour",
            [
                ("1", "colour", "Unknown column colour."),
                ("1", "condition", "Unknown column condition."),
                ("1", "conditions", "The column conditions is missing."),
            ],
        ),
    ],
    ids=["duplicate", "unknown-and-missing"],
)
def test_bad_headers_are_refused(app, login_as, draft, header, expected):
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    r = _upload(c, draft, _csv(header=header), app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == expected
    assert _fingerprint(app, draft) == before


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"], ids=["empty", "bom", "blank"])
def test_empty_files_are_refused(app, login_as, draft, raw):
    r = _upload(login_as("ministry_official"), draft, raw, app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == [("whole file", "", "The file is empty.")]


def test_file_larger_than_the_csv_limit_is_refused(app, login_as, draft):
    app.config["MAX_CONTENT_LENGTH"] = csv_io.MAX_BYTES * 2
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    raw = _csv(*GOOD_ROWS)
    raw += b"grade,SY-G1,DE-NW-G1,exact,,,,,,x\r\n" * (csv_io.MAX_BYTES // 30)
    assert len(raw) > csv_io.MAX_BYTES
    r = _upload(c, draft, raw, app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == [
        ("whole file", "", "The file is larger than 10 MB.")
    ]
    assert _fingerprint(app, draft) == before


def test_request_larger_than_the_app_limit_answers_413(app, login_as, draft):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    r = _upload(login_as("ministry_official"), draft, b"x" * 5000, app=app)
    assert r.status_code == 413


def test_too_many_rows_are_refused(app, login_as, draft, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 4)
    c = login_as("ministry_official")
    before = _fingerprint(app, draft)
    r = _upload(c, draft, _csv(*GOOD_ROWS), app=app)
    assert r.status_code == 400
    assert _problems(r.get_data(as_text=True)) == [("6", "", "The file has more than 4 rows.")]
    assert _fingerprint(app, draft) == before


def test_import_is_only_into_a_draft(app, login_as, ref):
    public_id = ref.tables["sy_nw"]
    c = login_as("ministry_official")
    before = _fingerprint(app, public_id)
    r = _upload(c, public_id, _csv(*GOOD_ROWS), app=app)
    assert r.status_code == 409
    assert "Published and retired versions cannot be changed." in r.get_data(as_text=True)
    assert _fingerprint(app, public_id) == before


def test_import_with_a_stale_lock_answers_409(app, login_as, draft):
    c = login_as("ministry_official")
    with app.app_context():
        lock = _table(draft).lock_version
    assert _upload(c, draft, _csv(*GOOD_ROWS), lock=lock).status_code == 302
    after = _fingerprint(app, draft)
    r = _upload(c, draft, _csv(*GOOD_ROWS[:1]), lock=lock)
    assert r.status_code == 409
    assert "Someone changed this table after you opened it" in r.get_data(as_text=True)
    assert _fingerprint(app, draft) == after


@pytest.mark.parametrize("role", ["ministry_other", "school_admin", "guardian"])
def test_import_page_is_404_outside_the_owning_authority(app, login_as, draft, role):
    c = login_as(role)
    before = _fingerprint(app, draft)
    assert c.get(f"/reference/tables/{draft}/import").status_code == 404
    assert _upload(c, draft, _csv(*GOOD_ROWS), lock=1).status_code == 404
    assert _fingerprint(app, draft) == before


def test_import_page_documents_the_columns(login_as, draft):
    html = (
        login_as("ministry_official")
        .get(f"/reference/tables/{draft}/import")
        .get_data(as_text=True)
    )
    for column in csv_io.COLUMNS:
        assert f"<code>{column}</code>" in html, column
    assert 'enctype="multipart/form-data"' in html
