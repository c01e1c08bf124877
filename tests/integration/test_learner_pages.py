"""The learner pages of a school: who may open them, the timeline, studies and assessments."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.db import new_public_id
from portal.extensions import db
from portal.learners import services
from portal.learners.models import Assessment, Consent, Enrolment, StudyRecord
from portal.schools.models import School
from tests.conftest import CSRF_RE, csrf_token
from tests.factories import make_learner

FORM_PAGES = ("studies/new", "assessments/new", "consents/new", "enrol", "transfer")


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _school(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def amal(app, world):
    """A learner held by school A, with an identifier."""
    with app.app_context():
        learner = make_learner(
            _school(world.ids["school_a"]),
            "Amal",
            "Haddad",
            birth="2012-03-10",
            identifiers=(("unhcr", "UNHCR-555-12"),),
        )
        db.session.commit()
        return learner.public_id


def _study(token: str, **fields) -> dict:
    data = {
        "csrf_token": token,
        "system": "SY-2002",
        "grade": "SY-2002::SY-G4",
        "school_name": "مدرسة الأمل",
        "school_place": "حلب",
        "period_start": "2019-09-01",
        "period_end": "2020-06-30",
        "period_calendar": "gregorian",
        "status": "completed",
        "evidence_level": "4",
        "evidence-0-document_type": "report_card",
        "evidence-0-issuer": "وزارة التربية",
        "results-0-subject": "الرياضيات",
        "results-0-mark": "85",
        "results-0-scale": "system",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- who may open the pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["guardian", "ministry_official", "system_admin"])
def test_other_roles_get_403_on_every_learner_route(app, login_as, amal, role):
    c = login_as(role)
    token = csrf_token(c, "/home")
    gets = ["/learners", "/learners/intake", "/learners/transfers", f"/learners/{amal}"]
    gets += [f"/learners/{amal}/{page}" for page in FORM_PAGES]
    for path in gets:
        assert c.get(path).status_code == 403, path
    posts = ["/learners/intake", f"/learners/{amal}/studies/new", "/learners/transfers/x/accept"]
    for path in posts:
        assert c.post(path, data={"csrf_token": token}).status_code == 403, path
    assert _count(app, AuditEntry, AuditEntry.action == "learner.viewed") == 0


def test_other_school_gets_the_same_404_as_for_a_random_id(app, login_as, amal):
    c = login_as("school_admin_b")
    random_id = new_public_id()
    assert len(random_id) == len(amal)
    for suffix in ("", *(f"/{p}" for p in FORM_PAGES)):
        other = c.get(f"/learners/{amal}{suffix}")
        missing = c.get(f"/learners/{random_id}{suffix}")
        assert (other.status_code, missing.status_code) == (404, 404), suffix
        # Identical apart from the language switcher's CSRF token (signed with a time) and
        # its return address (the requested path itself).
        other_body = CSRF_RE.sub("", other.get_data(as_text=True)).replace(amal, random_id)
        assert other_body == CSRF_RE.sub("", missing.get_data(as_text=True))
        assert b"Amal" not in other.data
    token = csrf_token(c, "/home")
    r = c.post(f"/learners/{amal}/studies/new", data=_study(token))
    assert r.status_code == 404
    assert _count(app, StudyRecord) == 0


def test_every_page_view_writes_a_learner_viewed_entry(app, world, login_as, amal):
    c = login_as("school_admin")
    for _ in range(2):
        assert c.get(f"/learners/{amal}").status_code == 200
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "learner.viewed")
        ).all()
        assert [(e.entity_id, e.actor_id, e.details["purpose"]) for e in entries] == [
            (amal, world.ids["school_admin"], "record")
        ] * 2


def test_form_pages_are_audited_reads_too(app, login_as, amal):
    c = login_as("school_admin")
    assert c.get(f"/learners/{amal}/enrol").status_code == 200
    with app.app_context():
        purposes = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "learner.viewed")
        ).all()
        assert purposes == [{"purpose": "enrol"}]


def test_school_admin_navigation_links(login_as):
    html = login_as("school_admin").get("/home").get_data(as_text=True)
    for href, text in (
        ("/learners", "Learners"),
        ("/learners/intake", "New arrival"),
        ("/learners/transfers", "Transfers"),
    ):
        assert f'<a class="nav-link" href="{href}">{text}</a>' in html


# --- list and search -------------------------------------------------------------------------


def test_list_shows_own_learners_and_searches_by_variant_identifier_and_year(
    app, world, login_as, amal
):
    with app.app_context():
        make_learner(_school(world.ids["school_a"]), "Олена", "Коваленко", birth="2015-01-02")
        make_learner(_school(world.ids["school_b"]), "Amal", "Elsewhere", birth="2012-01-01")
        db.session.commit()
    c = login_as("school_admin")
    html = c.get("/learners").get_data(as_text=True)
    assert "2 learners found." in html
    assert "<bdi>Amal Haddad</bdi>" in html and "<bdi>Олена Коваленко</bdi>" in html
    assert "Elsewhere" not in html

    def names(**query) -> list[str]:
        page = c.get("/learners", query_string=query).get_data(as_text=True)
        return re.findall(r'href="/learners/[\w-]+"><bdi>([^<]+)</bdi></a>', page)

    assert names(q="ÁMÁL") == ["Amal Haddad"]
    assert names(q="олена") == ["Олена Коваленко"]
    assert names(identifier="unhcr 555 12") == ["Amal Haddad"]
    assert names(birth_year="2015") == ["Олена Коваленко"]
    assert names(status="history") == []


# --- prior studies and the timeline ----------------------------------------------------------


def test_study_is_added_with_raw_marks_and_converted_values(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    data = _study(token, **{"results-1-subject": "العلوم", "results-1-mark": "45"})
    r = c.post(f"/learners/{amal}/studies/new", data=data)
    assert r.status_code == 302
    with app.app_context():
        study = db.session.scalar(select(StudyRecord))
        assert (study.grade_code, study.evidence_level, study.school_name) == (
            "SY-G4",
            4,
            "مدرسة الأمل",
        )
        assert [(e.document_type, e.issuer) for e in study.evidence] == [
            ("report_card", "وزارة التربية")
        ]
        assert [(r.raw_mark, r.scale_code, r.scale_best, r.scale_pass) for r in study.results] == [
            ("85", "SY-0-100", "100", "50"),
            ("45", "SY-0-100", "100", "50"),
        ]
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    # The raw mark and its scale, then 1 + 3·(100 − 85)/(100 − 50) = 1.9 on the German scale.
    assert "<td><bdi>85</bdi></td>" in html
    assert "best 100, lowest pass 50, worst 0" in html
    assert "<strong>1.9</strong> (good)" in html
    assert "Modified Bavarian formula (KMK)" in html
    assert "Cut off after one decimal (KMK)" in html
    assert "SY__DE-NW" in html
    assert "not passed" in html  # 45 is below the Syrian pass mark: no German number
    assert "E4 – original official document, not verified with the issuer" in html
    with app.app_context():
        # Display only: the stored mark is untouched.
        assert db.session.scalar(select(StudyRecord)).results[0].raw_mark == "85"


def test_mark_without_a_table_uses_the_kmk_rule_for_a_german_school(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    data = _study(token, system="AF-6-3-3", grade="AF-6-3-3::AF-G4")
    data["results-0-mark"] = "70"
    assert c.post(f"/learners/{amal}/studies/new", data=data).status_code == 302
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    # 1 + 3·(100 − 70)/(100 − 40) = 2.5
    assert "<strong>2.5</strong>" in html
    assert "the KMK rule for German marks" in html


def test_custom_and_descriptive_scales(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    data = _study(
        token,
        **{
            "results-0-scale": "custom",
            "results-0-mark": "16",
            "results-0-best": "20",
            "results-0-pass_mark": "10",
            "results-0-worst": "0",
            "results-1-subject": "Art",
            "results-1-mark": "excellent",
            "results-1-scale": "none",
        },
    )
    assert c.post(f"/learners/{amal}/studies/new", data=data).status_code == 302
    with app.app_context():
        results = db.session.scalar(select(StudyRecord)).results
        assert [(r.raw_mark, r.scale_code, r.scale_best, r.scale_kind) for r in results] == [
            ("16", None, "20", "numeric"),
            ("excellent", None, None, "descriptive"),
        ]
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    assert "in words, not converted" in html


def test_extra_study_fields_change_nothing(app, world, login_as, amal, reference):
    with app.app_context():
        other = make_learner(_school(world.ids["school_b"]), "Oleh", "Shevchenko")
        db.session.commit()
        other_id = other.id
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    data = _study(
        token,
        learner_id=str(other_id),
        source="passport",
        verified_issuer="Ministry of Education",
        created_by_id="1",
        evidence_level="4",
    )
    assert c.post(f"/learners/{amal}/studies/new", data=data).status_code == 302
    with app.app_context():
        study = db.session.scalar(select(StudyRecord))
        user = _user(world.emails["school_admin"])
        assert (study.learner.public_id, study.source, study.verified_issuer) == (
            amal,
            "manual",
            None,
        )
        assert study.created_by_id == user.id


def test_descriptive_system_scale_and_decimal_comma(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    words = _study(
        token,
        system="UA-11Y",
        grade="UA-11Y::UA-G1",
        period_start="2018-09-01",
        period_end="2019-05-31",
        **{"results-0-subject": "Читання", "results-0-mark": "досяг"},
    )
    assert c.post(f"/learners/{amal}/studies/new", data=words).status_code == 302
    comma = _study(token, **{"results-0-mark": "85,5"})
    assert c.post(f"/learners/{amal}/studies/new", data=comma).status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(StudyRecord).order_by(StudyRecord.period_start)).all()
        assert [(s.results[0].raw_mark, s.results[0].scale_kind) for s in stored] == [
            ("досяг", "descriptive"),
            ("85,5", "numeric"),
        ]
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    assert "in words, not converted" in html
    # 1 + 3·(100 − 85.5)/50 = 1.87, cut off to 1.8; the raw "85,5" stays as written.
    assert "<td><bdi>85,5</bdi></td>" in html and "<strong>1.8</strong>" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"period_start": "2010-09-01", "period_end": "2011-06-30"},
            "The study lies before the child&#39;s date of birth.",
        ),
        (
            {"period_start": "2020-09-01", "period_end": "2020-06-30"},
            "The study ends before it starts.",
        ),
        ({"grade": "UA-11Y::UA-G4"}, "Choose a grade of the education system chosen above."),
        ({"results-0-mark": "120"}, "The mark lies outside its scale."),
        ({"results-0-mark": ""}, "Write both the subject and the mark."),
        ({"status": "partial"}, "Write the share of the year completed"),
        ({"period_end": "1400/14/01", "period_calendar": "solar_hijri"}, "no month 14"),
        (
            {"results-0-scale": "custom", "results-0-best": "10"},
            "Write the best mark, the lowest pass and the worst mark.",
        ),
    ],
    ids=[
        "before-birth",
        "ends-before-start",
        "grade-of-other-system",
        "mark-out-of-scale",
        "mark-missing",
        "fraction-missing",
        "no-such-month",
        "incomplete-scale",
    ],
)
def test_impossible_study_is_refused_and_nothing_written(
    app, login_as, amal, reference, fields, message
):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    r = c.post(f"/learners/{amal}/studies/new", data=_study(token, **fields))
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert _count(app, StudyRecord) == 0
    assert _count(app, AuditEntry, AuditEntry.action == "learner.study_added") == 0


def test_solar_hijri_study_end_is_converted_and_the_text_kept(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    data = _study(
        token,
        system="AF-6-3-3",
        grade="AF-6-3-3::AF-G4",
        period_start="1400/01/01",
        period_end="1400/09/30",
        period_calendar="solar_hijri",
    )
    assert c.post(f"/learners/{amal}/studies/new", data=data).status_code == 302
    with app.app_context():
        study = db.session.scalar(select(StudyRecord))
        assert (study.period_start, study.period_end) == (date(2021, 3, 21), date(2021, 12, 21))
        assert study.period_original == "1400/01/01 – 1400/09/30"
        assert study.period_calendar == "solar_hijri"
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    assert '<span dir="auto">1400/01/01 – 1400/09/30</span> – Solar Hijri' in html


def test_year_only_period_covers_the_whole_year(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/studies/new")
    data = _study(token, period_start="2019", period_end="2019")
    assert c.post(f"/learners/{amal}/studies/new", data=data).status_code == 302
    with app.app_context():
        study = db.session.scalar(select(StudyRecord))
        assert (study.period_start, study.period_end) == (date(2019, 1, 1), date(2019, 12, 31))


def test_timeline_in_order_with_grade_labels_in_arabic(app, world, login_as, amal, reference):
    with app.app_context():
        user = _user(world.emails["school_admin"])
        learner = services.learner_for(user, amal, write=True)
        for grade, start, end in (
            ("SY-G5", date(2020, 9, 1), date(2021, 6, 30)),
            ("SY-G3", date(2018, 9, 1), date(2019, 6, 30)),
        ):
            services.add_study(
                user,
                learner,
                services.StudyInput(
                    system_version_code="SY-2002",
                    grade_code=grade,
                    status="completed",
                    evidence_level=1,
                    period_start=start,
                    period_end=end,
                ),
            )
        services.enrol(user, learner, "DE-NW-G7", ["REGULAR"], date(2025, 9, 1))
        services.add_assessment(
            user,
            learner,
            services.AssessmentInput(
                kind="placement_test", assessed_on=date(2025, 8, 20), instrument="Mathe-Test 2"
            ),
        )
        db.session.commit()
    c = login_as("school_admin")
    html = c.get(f"/learners/{amal}", query_string={"lang": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    third, fifth, seventh = (
        html.index(f"<bdi>{label}</bdi>")
        for label in (
            "الصف الثالث",
            "الصف الخامس",
            "الصف السابع",
        )
    )
    assert third < fifth < seventh
    assert "<bdi>سوريا</bdi>" in html
    # Assessments have their own section after the timeline, apart from documents.
    timeline_end = html.index('id="assessments"')
    assert seventh < timeline_end < html.index("Mathe-Test 2")


def test_assessment_is_recorded_with_domains_level_and_cefr(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/assessments/new")
    r = c.post(
        f"/learners/{amal}/assessments/new",
        data={
            "csrf_token": token,
            "kind": "language_test",
            "instrument": "DSD I",
            "assessor": "Frau Weber",
            "assessed_on": "2025-10-01",
            "domains-0-domain": "reading",
            "domains-0-result": "A2",
            "domains-1-domain": "writing",
            "domains-1-result": "A1",
            "level": "DE-NW-2024::4",
            "language": "de",
            "cefr": "A2",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        a = db.session.scalar(select(Assessment))
        assert (a.kind, a.results, a.level_cumulative_index, a.language, a.cefr) == (
            "language_test",
            {"reading": "A2", "writing": "A1"},
            4,
            "de",
            "A2",
        )
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    assert "<bdi>reading</bdi>: <bdi>A2</bdi>" in html
    assert "German CEFR A2" in html


def test_assessment_in_the_future_is_refused(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/assessments/new")
    r = c.post(
        f"/learners/{amal}/assessments/new",
        data={"csrf_token": token, "kind": "placement_test", "assessed_on": "2099-01-01"},
    )
    assert r.status_code == 400
    assert "The date lies in the future." in r.get_data(as_text=True)
    assert _count(app, Assessment) == 0


# --- consents and enrolment ------------------------------------------------------------------


def test_consent_is_recorded_and_withdrawn(app, login_as, amal):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/consents/new")
    r = c.post(
        f"/learners/{amal}/consents/new",
        data={
            "csrf_token": token,
            "purpose": "passport",
            "given_by": "mother",
            "legal_basis": "consent",
            "given_on": "2025-09-01",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        consent_id = db.session.scalar(select(Consent.public_id))
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    assert "Issuing a learning passport" in html and "In force" in html
    r = c.post(f"/learners/{amal}/consents/{consent_id}/withdraw", data={"csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Consent.withdrawn_on)) == date.today()
    assert "Withdrawn on" in c.get(f"/learners/{amal}").get_data(as_text=True)
    unknown = c.post(f"/learners/{amal}/consents/nope/withdraw", data={"csrf_token": token})
    assert unknown.status_code == 404


def test_enrolment_with_grade_and_programmes(app, login_as, amal, reference):
    c = login_as("school_admin")
    page = c.get(f"/learners/{amal}/enrol").get_data(as_text=True)
    assert 'value="DE-NW-G7"' in page and 'value="PREPARATORY_LANGUAGE"' in page
    token = csrf_token(c, f"/learners/{amal}/enrol")
    r = c.post(
        f"/learners/{amal}/enrol",
        data={
            "csrf_token": token,
            "grade": "DE-NW-G7",
            "programmes": ["REGULAR", "PREPARATORY_LANGUAGE"],
            "start_on": "2025-09-01",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        e = db.session.scalar(select(Enrolment))
        assert (e.grade_code, e.programmes, e.start_on, e.status) == (
            "DE-NW-G7",
            ["REGULAR", "PREPARATORY_LANGUAGE"],
            date(2025, 9, 1),
            "active",
        )
    html = c.get(f"/learners/{amal}").get_data(as_text=True)
    assert "Regular class, Preparatory language class" in html


def test_enrolment_needs_a_programme_and_a_real_grade(app, login_as, amal, reference):
    c = login_as("school_admin")
    token = csrf_token(c, f"/learners/{amal}/enrol")
    r = c.post(f"/learners/{amal}/enrol", data={"csrf_token": token, "start_on": "2025-09-01"})
    assert r.status_code == 400
    assert "Choose at least one programme." in r.get_data(as_text=True)
    r = c.post(
        f"/learners/{amal}/enrol",
        data={
            "csrf_token": token,
            "grade": "SY-G4",
            "programmes": "REGULAR",
            "start_on": "2025-09-01",
        },
    )
    assert r.status_code == 400
    assert _count(app, Enrolment) == 0
