"""API: searching, creating and reading learners, adding studies and assessments."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.learners import services, transfers
from portal.learners.models import Learner
from portal.schools.models import School
from tests.factories import make_learner

NEW = {
    "names": [
        {"given": "Олег", "family": "Шевченко"},
        {"given": "Oleh", "family": "Shevchenko", "kind": "transliteration"},
    ],
    "birth_date": "2014-09-03",
    "birth_date_precision": "day",
    "languages": [{"language": "uk", "proficiency": "L1"}, {"language": "de", "proficiency": "A2"}],
    "identifiers": [{"kind": "national_id", "value": "UA-2014-0903"}],
}
STUDY = {
    "system": "SY",
    "grade": "SY-G5",
    "status": "completed",
    "evidence_level": 4,
    "school_name": "مدرسة الأمل",
    "school_place": "Aleppo",
    "period_start": "2021-09-01",
    "period_end": "2022-06-15",
    "evidence": [{"document_type": "report_card", "issuer": "Ministry of Education"}],
    "results": [
        {
            "subject_name": "Mathematics",
            "raw_mark": 87,
            "scale": {"code": "SY-0-100", "kind": "numeric", "best": 100, "pass": "50"},
        }
    ],
}
ASSESSMENT = {
    "kind": "language_test",
    "assessed_on": "2026-02-10",
    "instrument": "DaZ placement",
    "results": {"reading": "A2"},
    "language": "de",
    "cefr": "A2",
}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _school(public_id: str) -> School:
    return db.session.scalar(select(School).where(School.public_id == public_id))


def _count(model=Learner) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def scene(app, world, reference):
    """Amal at school A (guardian's child, one study, one assessment, enrolled),
    Maria at school B, and Yusuf transferred from A to B."""
    with app.app_context():
        a, b = _user(world.emails["school_admin"]), _user(world.emails["school_admin_b"])
        guardian = _user(world.emails["guardian"])
        own = make_learner(
            _school(world.ids["school_a"]),
            "Amal",
            "Haddad",
            birth="2012-03-10",
            guardians=(guardian,),
            identifiers=(("unhcr", "UNHCR-123-45"),),
        )
        services.add_study(
            a,
            own,
            services.StudyInput(
                "SY-2002",
                "SY-G4",
                "completed",
                4,
                results=[services.ResultInput("Arabic", "72", scale_best="100", scale_pass="50")],
            ),
        )
        services.add_assessment(
            a, own, services.AssessmentInput("numeracy_diagnostic", date(2026, 1, 12))
        )
        services.enrol(a, own, "DE-NW-G5", [], date(2026, 1, 15))
        other = make_learner(
            _school(world.ids["school_b"]),
            "Maria",
            "Pérez",
            birth="2011-07-01",
            identifiers=(("national_id", "V-999"),),
        )
        moved = make_learner(_school(world.ids["school_a"]), "Yusuf", "Karimi", birth="2013-01-01")
        services.record_consent(a, moved, "transfer", "father", "consent", date(2026, 1, 5))
        transfer = transfers.request_transfer(a, moved, world.ids["school_b"])
        transfers.accept_transfer(b, transfer.public_id)
        db.session.commit()
        return {"own": own.public_id, "other": other.public_id, "moved": moved.public_id}


# --- access -----------------------------------------------------------------------------------

ROUTES = [
    ("get", "/api/v1/learners"),
    ("post", "/api/v1/learners"),
    ("get", "/api/v1/learners/{own}"),
    ("post", "/api/v1/learners/{own}/studies"),
    ("post", "/api/v1/learners/{own}/assessments"),
]


@pytest.mark.parametrize("role", ["ministry_official", "system_admin"])
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_ministry_and_sysadmin_tokens_are_refused_everywhere(
    client, bearer, scene, role, method, path
):
    r = getattr(client, method)(path.format(**scene), headers=bearer(role), json={})
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "forbidden"


def test_routes_need_a_bearer_token(client, scene):
    r = client.get(f"/api/v1/learners/{scene['own']}")
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("role", "which"),
    [("school_admin", "other"), ("school_admin_b", "own"), ("guardian", "other")],
    ids=["school-a-other", "school-b-own", "guardian-other"],
)
def test_out_of_scope_record_is_404_like_a_missing_one(client, bearer, scene, role, which):
    headers = bearer(role)
    out_of_scope = client.get(f"/api/v1/learners/{scene[which]}", headers=headers)
    missing = client.get("/api/v1/learners/no-such-learner", headers=headers)
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.get_json() == missing.get_json()
    if role.startswith("school_admin"):
        post = client.post(f"/api/v1/learners/{scene[which]}/studies", headers=headers, json=STUDY)
        assert post.status_code == 404


def test_guardian_reads_their_child_but_cannot_write(client, bearer, scene):
    headers = bearer("guardian")
    listing = client.get("/api/v1/learners", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [scene["own"]]
    r = client.get(f"/api/v1/learners/{scene['own']}", headers=headers)
    assert (r.status_code, r.get_json()["access"]) == (200, "read")
    for path, body in (("studies", STUDY), ("assessments", ASSESSMENT)):
        r = client.post(f"/api/v1/learners/{scene['own']}/{path}", headers=headers, json=body)
        assert r.status_code == 403
    assert client.post("/api/v1/learners", headers=headers, json=NEW).status_code == 403


def test_sending_school_reads_transferred_history_but_cannot_write(app, client, bearer, scene):
    headers = bearer("school_admin")
    r = client.get(f"/api/v1/learners/{scene['moved']}", headers=headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["access"] == "read"
    assert [(e["status"], e["school"]["name"]) for e in body["enrolments"]] == [
        ("transferred", "School A")
    ]
    r = client.post(
        f"/api/v1/learners/{scene['moved']}/assessments", headers=headers, json=ASSESSMENT
    )
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "learner.assessment_added")) == 1  # fmt: skip


# --- search -----------------------------------------------------------------------------------


def test_search_covers_only_the_token_users_scope(client, bearer, scene):
    a = client.get("/api/v1/learners", headers=bearer("school_admin")).get_json()
    assert {i["id"]: i["access"] for i in a["items"]} == {
        scene["own"]: "write",
        scene["moved"]: "read",
    }
    assert a["total"] == 2 and a["page"] == 1
    b = client.get("/api/v1/learners?q=amal", headers=bearer("school_admin_b")).get_json()
    assert (b["items"], b["total"]) == ([], 0)


def test_search_by_name_prefix_identifier_and_birth_year(client, bearer, scene):
    headers = bearer("school_admin")

    def ids(query: str) -> list[str]:
        r = client.get(f"/api/v1/learners?{query}", headers=headers)
        assert r.status_code == 200
        return [item["id"] for item in r.get_json()["items"]]

    assert ids("q=ama") == [scene["own"]]
    assert ids("q=ham") == []
    assert ids("q=had") == [scene["own"]]
    assert ids("identifier=unhcr%2012345") == [scene["own"]]
    assert ids("birth_year=2012") == [scene["own"]]
    assert ids("birth_year=2013") == [scene["moved"]]
    assert ids("q=amal&birth_year=2013") == []
    assert ids("page=2") == []


def test_search_parameters_are_validated(client, bearer, scene):
    r = client.get("/api/v1/learners?birth_year=soon&page=0", headers=bearer("school_admin"))
    assert r.status_code == 422
    details = r.get_json()["error"]["details"]
    assert details == {
        "birth_year": ["Out of range: from 1900 to 2100."],
        "page": ["Out of range: from 1 to 10000."],
    }


# --- create -----------------------------------------------------------------------------------


def test_create_at_token_school_ignoring_extra_fields(app, client, bearer, world, scene):
    body = {**NEW, "school_id": world.ids["school_b"], "role": "system_admin", "id": "chosen"}
    r = client.post("/api/v1/learners", headers=bearer("school_admin"), json=body)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["id"] != "chosen"
    assert r.headers["Location"] == f"/api/v1/learners/{created['id']}"
    assert created["school"]["id"] == world.ids["school_a"]
    assert created["access"] == "write"
    assert [(n["given"], n["script"], n["kind"]) for n in created["names"]] == [
        ("Олег", "Cyrl", "original"),
        ("Oleh", "Latn", "transliteration"),
    ]
    assert created["languages"] == [
        {"language": "uk", "proficiency": "L1"},
        {"language": "de", "proficiency": "A2"},
    ]
    assert created["identifiers"] == [{"kind": "national_id", "value": "UA-2014-0903"}]
    assert (created["studies"], created["assessments"], created["enrolments"]) == ([], [], [])
    with app.app_context():
        learner = db.session.scalar(select(Learner).where(Learner.public_id == created["id"]))
        assert learner.school.public_id == world.ids["school_a"]


def test_create_converts_a_solar_hijri_birth_date_and_keeps_it(client, bearer, scene):
    body = {
        "names": [{"given": "زهرا", "family": "احمدی"}],
        "birth_date_original": "30 Azar 1390",
        "birth_date_calendar": "solar_hijri",
        "birth_date_source": "document",
    }
    r = client.post("/api/v1/learners", headers=bearer("school_admin"), json=body)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert (created["birth_date"], created["birth_date_original"]) == ("2011-12-21", "30 Azar 1390")
    assert created["birth_date_calendar"] == "solar_hijri"


def _in(locale: str, text: str) -> str:
    with force_locale(locale):
        return _(text)


def test_create_reports_each_malformed_field_in_the_request_language(app, client, bearer, scene):
    body = {"names": [], "birth_date": "03/09/2014", "identifiers": "UA-1", "confirm_duplicate": 1}
    headers = {**bearer("school_admin"), "Accept-Language": "de"}
    r = client.post("/api/v1/learners", headers=headers, json=body)
    assert r.status_code == 422
    error = r.get_json()["error"]
    with app.test_request_context():
        required = _in("de", "This field is required.")
        assert required != "This field is required."
        assert error["message"] == _in("de", "Some of what you sent is not valid.")
        assert error["details"] == {
            "names": [required],
            "birth_date": [_in("de", "Dates are written as YYYY-MM-DD.")],
            "identifiers": [_in("de", "Send a list here.")],
            "confirm_duplicate": [_in("de", "Write true or false.")],
        }


def test_create_reports_rule_problems_per_field(client, bearer, scene):
    # The schema's problems (types, choices) come first, all at once; the service's rules
    # (a birth date in the future) are checked once the body matches the schema.
    body = {
        "names": [{"given": "Lina", "script": 5}],
        "birth_date": "2099-01-01",
        "birth_date_precision": "sometimes",
        "languages": [{"language": "ar", "proficiency": "fluent"}],
    }
    r = client.post("/api/v1/learners", headers=bearer("school_admin"), json=body)
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == {
        "names[0].script": ["Write this as text."],
        "languages[0].proficiency": [
            "Not an accepted value. Use one of: L1, A0, A1, A2, B1, B2, C1, C2."
        ],
        "birth_date_precision": [
            "Not an accepted value. Use one of: day, month, year, estimated, unknown."
        ],
    }
    body = {**body, "names": [{"given": "Lina"}], "languages": [], "birth_date_precision": "day"}
    r = client.post("/api/v1/learners", headers=bearer("school_admin"), json=body)
    assert r.get_json()["error"]["details"] == {
        "birth_date": ["The birth date lies in the future."],
    }


def test_create_refuses_a_body_that_is_not_a_json_object(client, bearer, scene):
    headers = bearer("school_admin")
    for kwargs in ({"json": ["names"]}, {"data": "names=Lina"}):
        r = client.post("/api/v1/learners", headers=headers, **kwargs)
        assert r.status_code == 422
        assert r.get_json()["error"]["message"] == "Send a JSON object."


def test_identifier_in_scope_is_a_possible_duplicate_until_confirmed(app, client, bearer, scene):
    headers = bearer("school_admin")
    body = {**NEW, "identifiers": [{"kind": "unhcr", "value": "unhcr 123-45"}]}
    r = client.post("/api/v1/learners", headers=headers, json=body)
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert (error["code"], error["details"]) == ("possible_duplicate", {"learners": [scene["own"]]})
    with app.app_context():
        assert _count() == 3
    r = client.post("/api/v1/learners", headers=headers, json={**body, "confirm_duplicate": True})
    assert r.status_code == 201
    with app.app_context():
        assert _count() == 4


def test_identifier_elsewhere_is_409_without_details(app, client, bearer, scene):
    body = {**NEW, "identifiers": [{"kind": "national_id", "value": "v999"}]}
    r = client.post("/api/v1/learners", headers=bearer("school_admin"), json=body)
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "identifier_on_file_elsewhere"
    assert "details" not in error
    assert scene["other"] not in r.get_data(as_text=True)
    with app.app_context():
        assert _count() == 3


# --- read -------------------------------------------------------------------------------------


def test_full_record_is_returned_and_the_read_is_audited(app, client, bearer, world, scene):
    r = client.get(f"/api/v1/learners/{scene['own']}", headers=bearer("school_admin"))
    assert r.status_code == 200
    body = r.get_json()
    assert body["names"] == [
        {"given": "Amal", "family": "Haddad", "script": "Latn", "kind": "original"}
    ]
    assert (body["birth_date"], body["birth_date_precision"]) == ("2012-03-10", "day")
    assert body["identifiers"] == [{"kind": "unhcr", "value": "UNHCR-123-45"}]
    [study] = body["studies"]
    assert (study["system"], study["system_version"], study["grade"]) == ("SY", "SY-2002", "SY-G4")
    assert (study["status"], study["evidence_level"], study["source"]) == ("completed", 4, "manual")
    assert study["results"] == [
        {
            "subject_code": None,
            "subject_name": "Arabic",
            "raw_mark": "72",
            "scale": {"code": None, "kind": "numeric", "best": "100", "pass": "50", "worst": None},
        }
    ]
    [assessment] = body["assessments"]
    assert (assessment["kind"], assessment["assessed_on"]) == ("numeracy_diagnostic", "2026-01-12")
    assert [(e["grade"], e["status"], e["start_on"]) for e in body["enrolments"]] == [
        ("DE-NW-G5", "active", "2026-01-15")
    ]
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "learner.viewed")
            .order_by(AuditEntry.seq.desc())
        )
        assert (entry.entity_id, entry.actor_id, entry.details) == (
            scene["own"],
            world.ids["school_admin"],
            {"purpose": "api"},
        )


# --- studies and assessments ------------------------------------------------------------------


def test_add_study_returns_the_study_and_stores_raw_marks(client, bearer, scene):
    headers = bearer("school_admin")
    r = client.post(f"/api/v1/learners/{scene['own']}/studies", headers=headers, json=STUDY)
    assert r.status_code == 201, r.get_json()
    study = r.get_json()
    assert (study["system_version"], study["grade"], study["evidence_level"]) == (
        "SY-2002",
        "SY-G5",
        4,
    )
    assert study["evidence"] == [
        {
            "document_type": "report_card",
            "issuer": "Ministry of Education",
            "verified": False,
            "note": "",
        }
    ]
    assert study["results"][0]["raw_mark"] == "87"
    assert study["results"][0]["scale"]["best"] == "100"
    record = client.get(f"/api/v1/learners/{scene['own']}", headers=headers).get_json()
    assert study in record["studies"]


def test_add_study_reports_problems_per_field(client, bearer, scene):
    body = {
        **STUDY,
        "grade": "SY-G99",
        "status": "partial",
        "period_end": "2010-01-01",
        "evidence_level": 9,
    }
    url = f"/api/v1/learners/{scene['own']}/studies"
    r = client.post(url, headers=bearer("school_admin"), json=body)
    assert r.get_json()["error"]["details"] == {"evidence_level": ["Out of range: from 0 to 5."]}
    r = client.post(url, headers=bearer("school_admin"), json={**body, "evidence_level": 2})
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == {
        "grade": ["This education system has no grade with that code."],
        "fraction": [
            "A partial year needs the share completed, a number between 0 and 1 such as 0.5."
        ],
        "period": ["The study ends before it starts.", "The study lies before the birth date."],
    }


def test_add_assessment_returns_the_assessment(client, bearer, scene):
    url = f"/api/v1/learners/{scene['own']}/assessments"
    r = client.post(url, headers=bearer("school_admin"), json=ASSESSMENT)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert {k: body[k] for k in ASSESSMENT} == ASSESSMENT
    assert body["id"] and body["level_system_version"] is None


def test_add_assessment_reports_problems_per_field(client, bearer, scene):
    # An unknown kind is refused by the schema, before the service's rules are checked.
    body = {**ASSESSMENT, "kind": "horoscope", "assessed_on": "2099-01-01", "language": None}
    url = f"/api/v1/learners/{scene['own']}/assessments"
    r = client.post(url, headers=bearer("school_admin"), json=body)
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == {
        "kind": [
            "Not an accepted value. Use one of: placement_test, language_test, "
            "literacy_diagnostic, numeracy_diagnostic, interview."
        ],
    }
    r = client.post(url, headers=bearer("school_admin"), json={**body, "kind": "language_test"})
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == {
        "assessed_on": ["The date lies in the future."],
        "language": ["A CEFR level needs the language it was assessed in."],
    }


def test_openapi_documents_the_learner_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["paths"]) >= {
        "/learners",
        "/learners/{id}",
        "/learners/{id}/studies",
        "/learners/{id}/assessments",
    }
    assert set(spec["paths"]["/learners"]) == {"get", "post"}
    for name in ("Learner", "LearnerInput", "Study", "StudyInput", "Assessment", "AssessmentInput"):
        assert name in spec["components"]["schemas"]
    responses = spec["paths"]["/learners"]["post"]["responses"]
    # 400 (broken or too deeply nested JSON) and 413 (too large) come from the body parser.
    assert set(responses) == {"201", "400", "401", "403", "409", "413", "422"}
