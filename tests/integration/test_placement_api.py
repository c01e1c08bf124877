"""API: placement previews (DOMAIN §6.5 and one realistic case per destination), learners."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.curricula.models import EducationSystemVersion
from portal.extensions import db
from portal.learners.models import Learner, LearnerLanguage, StudyRecord
from portal.placement import explain, services
from portal.placement.models import PlacementRecommendation
from portal.schools.models import School

PREVIEW = "/api/v1/placements/preview"


def worked_example(**changes) -> dict:
    body = {
        "birth_date": "2012-03-10",
        "birth_date_precision": "day",
        "destination": "DE-NW",
        "enrolment_date": "2026-09-01",
        "studies": [
            {
                "system": "SY",
                "grade": "SY-G4",
                "status": "completed",
                "end_date": "2020-06-30",
                "evidence_level": "E4",
            }
        ],
        "assessments": [],
        "language_proficiency": {"de": "A0"},
    }
    return {**body, **changes}


def preview(client, headers, body, status=200) -> dict:
    response = client.post(PREVIEW, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_preview_worked_example_matches_domain_6_5(client, bearer, reference):
    body = preview(client, bearer("school_admin"), worked_example())
    keys = ("age_grade", "attained_years", "level_grade", "delta", "gap_years", "mid_year")
    assert {k: body["computed"][k] for k in keys} == {
        "age_grade": 9,
        "attained_years": 4,
        "level_grade": 5,
        "delta": 4,
        "gap_years": 6,
        "mid_year": False,
    }
    recommendation = body["recommendation"]
    assert recommendation["grade"] == {
        "code": "DE-NW-G8",
        "label": "Grade 8",
        "cumulative_index": 8,
    }
    assert [p["code"] for p in recommendation["programmes"]] == ["PREPARATORY_LANGUAGE", "CATCH_UP"]
    assert recommendation["assessment_due"] == "2026-10-13"
    assert recommendation["review_due"] == "2026-11-24"
    assert recommendation["provisional"] is False
    assert recommendation["aep_level"] is None
    # The seed policy is provisional (one step down), the SY->DE-NW seed table is used.
    assert (body["confidence"], body["confidence_label"]) == ("medium", "Medium")
    assert [f["code"] for f in body["confidence_factors"]] == ["unverified_parameters"]
    assert body["policy_version"] == "DE-NW-2024/v1"
    assert body["tables"] == [{"table": "SY__DE-NW", "version": 1}]
    assert [r["code"] for r in body["rules"]] == ["R3", "R4", "R5", "R8", "R11"]
    assert all(r["text"].strip() for r in body["rules"])
    r8 = body["rules"][3]
    assert r8["params"]["target"] == 8 and r8["params"]["reason"] == "no_certified_aep"


def test_preview_rule_texts_follow_accept_language(client, bearer, reference):
    headers = bearer("school_admin")
    english = preview(client, {**headers, "Accept-Language": "en"}, worked_example())
    german = preview(client, {**headers, "Accept-Language": "de"}, worked_example())
    texts_en = {r["code"]: r["text"] for r in english["rules"]}
    texts_de = {r["code"]: r["text"] for r in german["rules"]}
    assert all(texts_de.values()) and all(texts_en.values())
    assert "German" in texts_en["R11"]
    assert "Deutsch" in texts_de["R11"]  # the language is named in the viewer's language
    assert "Mar 10, 2012" in texts_en["R3"]
    assert "10.03.2012" in texts_de["R3"]  # dates through Babel, in the viewer's locale
    assert "Syria" in texts_en["R4"]


def test_preview_without_studies_places_by_age_provisionally(client, bearer, reference):
    body = preview(client, bearer("ministry_official"), worked_example(studies=[]))
    assert body["computed"]["age_grade"] == 9
    assert body["computed"]["attained_years"] is None
    assert body["computed"]["level_grade"] is None
    assert body["recommendation"]["grade"]["code"] == "DE-NW-G9"
    assert body["recommendation"]["provisional"] is True
    assert body["recommendation"]["assessment_due"] == "2026-10-13"
    r6 = next(r for r in body["rules"] if r["code"] == "R6")
    assert r6["params"]["reason"] == "no_information"
    assert "Nothing is known about earlier schooling" in r6["text"]


def test_preview_accepts_numeric_evidence_and_ignores_extra_fields(client, bearer, reference):
    study = {**worked_example()["studies"][0], "evidence_level": 4, "school": "Aleppo 3"}
    body = worked_example(studies=[study], nickname="x")
    assert preview(client, bearer("guardian"), body)["recommendation"]["grade"]["code"] == (
        "DE-NW-G8"
    )


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"birth_date": "10.03.2012"}, "birth_date", "invalid_date"),
        ({"birth_date": None}, "birth_date", "required"),
        ({"birth_date_precision": "week"}, "birth_date_precision", "invalid_choice"),
        ({"destination": "XX"}, "destination", "unknown_jurisdiction"),
        ({"destination": 7}, "destination", "required"),
        ({"enrolment_date": "2026-02-30"}, "enrolment_date", "invalid_date"),
        ({"enrolment_date": "2011-01-01"}, "birth_date", "birth_not_before_enrolment"),
        ({"studies": "SY-G4"}, "studies", "not_a_list"),
        ({"studies": [{"system": "XX", "grade": "SY-G4", "status": "completed",
                       "evidence_level": "E4"}]}, "studies[0].system", "unknown_jurisdiction"),
        ({"studies": [{"system": "SY", "grade": "SY-G14", "status": "completed",
                       "evidence_level": "E4"}]}, "studies[0].grade", "unknown_grade"),
        ({"studies": [{"system": "SY", "grade": "SY-G4", "status": "done",
                       "evidence_level": "E4"}]}, "studies[0].status", "invalid_choice"),
        ({"studies": [{"system": "SY", "grade": "SY-G4", "status": "completed",
                       "evidence_level": "E9"}]}, "studies[0].evidence_level",
         "invalid_evidence_level"),
        ({"studies": [{"system": "SY", "grade": "SY-G4", "status": "partial", "fraction": "2",
                       "evidence_level": 3}]}, "studies[0].fraction", "invalid_fraction"),
        ({"studies": [{"system": "SY", "grade": "SY-G4", "status": "completed",
                       "end_date": "2020-13-01", "evidence_level": 3}]},
         "studies[0].end_date", "invalid_date"),
        ({"assessments": [{"kind": "iq", "date": "2026-08-01"}]}, "assessments[0].kind",
         "invalid_choice"),
        ({"assessments": [{"kind": "placement_test", "level_cumulative_index": "five",
                           "date": "2026-08-01"}]},
         "assessments[0].level_cumulative_index", "out_of_range"),
        ({"assessments": [{"kind": "placement_test"}]}, "assessments[0].date", "required"),
        ({"language_proficiency": {"de": "fluent"}}, "language_proficiency.de",
         "invalid_proficiency"),
        ({"language_proficiency": {"German": "A1"}}, "language_proficiency.German",
         "invalid_language"),
        ({"language_proficiency": ["de"]}, "language_proficiency", "not_an_object"),
    ],
    ids=[
        "birth-format", "birth-missing", "precision", "destination-unknown", "destination-type",
        "enrolment-impossible", "born-after-enrolment", "studies-not-list", "study-system",
        "study-grade", "study-status", "study-evidence", "study-fraction", "study-end-date",
        "assessment-kind", "assessment-index", "assessment-date", "language-level",
        "language-code", "languages-not-object",
    ],
)  # fmt: skip
def test_preview_invalid_input_is_422_naming_the_field(client, bearer, reference, changes, field,
                                                        code):  # fmt: skip
    body = preview(client, bearer("school_admin"), worked_example(**changes), status=422)
    error = body["error"]
    assert error["code"] == "invalid"
    assert [(d["field"], d["code"]) for d in error["details"]] == [(field, code)]
    assert field in error["message"]
    assert error["details"][0]["message"] in error["message"]


def test_preview_lists_every_problem_at_once(client, bearer, reference):
    body = {"birth_date": "yesterday", "enrolment_date": "soon", "studies": [{}]}
    error = preview(client, bearer("school_admin"), body, status=422)["error"]
    assert [d["field"] for d in error["details"]] == [
        "birth_date",
        "destination",
        "enrolment_date",
        "studies[0].system",
        "studies[0].grade",
        "studies[0].status",
        "studies[0].evidence_level",
    ]


def test_preview_message_is_translated(client, bearer, reference):
    headers = {**bearer("school_admin"), "Accept-Language": "de"}
    error = preview(client, headers, [1, 2], status=422)["error"]
    assert error["details"][0]["field"] == "body"
    assert error["message"]


def test_preview_needs_a_bearer_token(client, reference):
    response = client.post(PREVIEW, json=worked_example())
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- one realistic case per destination -------------------------------------------------------


def study(system, grade, end, evidence="E4", status="completed", **extra) -> dict:
    return {
        "system": system,
        "grade": grade,
        "status": status,
        "end_date": end,
        "evidence_level": evidence,
        **extra,
    }


DESTINATIONS = {
    # Ukrainian pupil after grade 8 in Poland: same year of study, but liceum needs the
    # grade-8 certificate (R15), so grade 8 with Polish support.
    "PL": (
        {
            "birth_date": "2011-05-14",
            "destination": "PL",
            "enrolment_date": "2026-09-01",
            "studies": [study("UA", "UA-G8", "2026-05-31")],
            "language_proficiency": {"pl": "A1", "uk": "L1"},
        },
        "PL-SP8",
        ["PREPARATORY_LANGUAGE", "REGULAR"],
        ["R3", "R4", "R5", "R9", "R11", "R15"],
    ),
    # Syrian child in Türkiye (69 months by 30 September), two years behind on an unofficial
    # document: provisional, bridging replaced by the Turkish language course.
    "TR": (
        {
            "birth_date": "2015-11-02",
            "destination": "TR",
            "enrolment_date": "2026-09-14",
            "studies": [study("SY", "SY-G3", "2024-06-15", evidence="E3")],
            "language_proficiency": {"tr": "A0"},
        },
        "TR-G4",
        ["PREPARATORY_LANGUAGE", "CATCH_UP"],
        ["R3", "R4", "R5", "R6", "R8", "R11"],
    ),
    # South Sudanese 14-year-old in Uganda after P2: the certified AEP, level 1.
    "UG": (
        {
            "birth_date": "2012-06-01",
            "destination": "UG",
            "enrolment_date": "2026-02-09",
            "studies": [study("SS", "SS-P2", "2021-11-30", evidence=2)],
            "language_proficiency": {"en": "A2"},
        },
        None,
        ["AEP"],
        ["R3", "R4", "R5", "R6", "R8"],
    ),
    # Venezuelan pupil in Colombia: placed at the level reached, pending the school's
    # own assessment (assessment first).
    "CO": (
        {
            "birth_date": "2014-08-20",
            "destination": "CO",
            "enrolment_date": "2026-02-02",
            "studies": [study("VE", "VE-G5", "2025-07-15")],
            "language_proficiency": {"es": "L1"},
        },
        "CO-G6",
        ["REGULAR", "REMEDIAL"],
        ["R3", "R4", "R5", "R6", "R9"],
    ),
    # Syrian 12-year-old in Lebanon, out of school four years: the ALP level of grade 3.
    "LB": (
        {
            "birth_date": "2014-01-15",
            "destination": "LB",
            "enrolment_date": "2026-09-15",
            "studies": [study("SY", "SY-G2", "2022-06-15")],
            "language_proficiency": {"ar": "L1", "fr": "A0"},
        },
        None,
        ["PREPARATORY_LANGUAGE", "AEP"],
        ["R3", "R4", "R5", "R8", "R11"],
    ),
    # Syrian 10-year-old in Jordan who missed three years: the Catch-Up Programme, level 1.
    "JO": (
        {
            "birth_date": "2016-03-01",
            "destination": "JO",
            "enrolment_date": "2026-09-01",
            "studies": [study("SY", "SY-G1", "2023-06-15")],
            "language_proficiency": {"ar": "L1"},
        },
        None,
        ["AEP"],
        ["R3", "R4", "R5", "R8"],
    ),
    # Ukrainian pupil entering NRW mid-year after 80 % of grade 6 (verified record).
    "DE-NW": (
        {
            "birth_date": "2013-12-01",
            "destination": "DE-NW",
            "enrolment_date": "2027-01-11",
            "studies": [
                study("UA", "UA-G6", "2026-10-30", evidence="E5", status="partial", fraction="0.8")
            ],
            "language_proficiency": {"de": "B1"},
        },
        "DE-NW-G7",
        ["REGULAR"],
        ["R2", "R3", "R4", "R5", "R9", "R14"],
    ),
}


@pytest.mark.parametrize("destination", list(DESTINATIONS))
def test_preview_realistic_case_per_destination(client, bearer, reference, destination):
    request, grade, programmes, rules = DESTINATIONS[destination]
    body = preview(client, bearer("school_admin"), request)
    recommendation = body["recommendation"]
    assert (recommendation["grade"] or {}).get("code") == grade
    assert [p["code"] for p in recommendation["programmes"]] == programmes
    assert [r["code"] for r in body["rules"]] == rules
    assert all(r["text"] for r in body["rules"])
    assert body["policy_version"].startswith(body["destination"]["version"])
    assert body["recommendation"]["summary"].startswith("Recommended:")


def test_preview_aep_destinations_name_programme_and_level(client, bearer, reference):
    expected = {"UG": ("UG-AEP", "L1"), "LB": ("LB-ALP", "L3"), "JO": ("JO-CUP", "L1")}
    for destination, (programme, level) in expected.items():
        body = preview(client, bearer("school_admin"), DESTINATIONS[destination][0])
        recommendation = body["recommendation"]
        assert (recommendation["aep_programme"], recommendation["aep_level"]) == (programme, level)
        assert recommendation["alternatives"][0]["reason"] == "regular_class_target"


# --- recorded learners ------------------------------------------------------------------------


def _learner(app, *, school="School A") -> str:
    with app.app_context():
        school_row = db.session.scalar(select(School).where(School.name == school))
        sy = db.session.scalar(
            select(EducationSystemVersion).where(EducationSystemVersion.code == "SY-2002")
        )
        learner = Learner(school=school_row, birth_date=date(2012, 3, 10))
        learner.studies = [
            StudyRecord(
                system_version=sy,
                grade_code="SY-G4",
                status="completed",
                period_end=date(2020, 6, 30),
                evidence_level=4,
            )
        ]
        learner.languages = [LearnerLanguage(language="de", proficiency="A0")]
        db.session.add(learner)
        db.session.commit()
        return learner.public_id


def learner_url(public_id: str) -> str:
    return f"/api/v1/learners/{public_id}/placements"


def test_learner_placement_is_stored_with_snapshot_and_audited(app, client, bearer, reference):
    public_id = _learner(app)
    response = client.post(
        learner_url(public_id),
        json={"destination": "DE-NW", "enrolment_date": "2026-09-01"},
        headers=bearer("school_admin"),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["recommendation"]["grade"]["code"] == "DE-NW-G8"
    assert body["computed"]["delta"] == 4
    with app.app_context():
        stored = db.session.scalar(
            select(PlacementRecommendation).where(PlacementRecommendation.public_id == body["id"])
        )
        assert stored.learner.public_id == public_id
        assert stored.enrolment_on == date(2026, 9, 1)
        assert stored.snapshot["policy"]["label"] == "DE-NW-2024/v1"
        assert stored.snapshot["tables_consulted"] == [{"table_id": "SY__DE-NW", "version": 1}]
        assert stored.snapshot["inputs"]["birth_date"] == "2012-03-10"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "placement.recommended")
        )
        assert entry.entity_id == body["id"]
        assert entry.details["grade"] == "DE-NW-G8"
        assert entry.details["learner"] == public_id


def test_learner_placement_out_of_scope_is_404(app, client, bearer, reference):
    public_id = _learner(app)
    response = client.post(
        learner_url(public_id),
        json={"destination": "DE-NW", "enrolment_date": "2026-09-01"},
        headers=bearer("school_admin_b"),
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    missing = client.post(
        learner_url("nobody"),
        json={"destination": "DE-NW", "enrolment_date": "2026-09-01"},
        headers=bearer("school_admin"),
    )
    assert missing.status_code == 404


def test_learner_placement_only_for_school_admins(app, client, bearer, reference):
    public_id = _learner(app)
    response = client.post(
        learner_url(public_id),
        json={"destination": "DE-NW", "enrolment_date": "2026-09-01"},
        headers=bearer("guardian"),
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"destination": "DE-NW"}, "enrolment_date"),
        ({"enrolment_date": "2026-09-01"}, "destination"),
        ({"destination": "ZZ", "enrolment_date": "2026-09-01"}, "destination"),
    ],
    ids=["no-date", "no-destination", "unknown-destination"],
)
def test_learner_placement_invalid_body_is_422(app, client, bearer, reference, body, field):
    public_id = _learner(app)
    response = client.post(learner_url(public_id), json=body, headers=bearer("school_admin"))
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["error"]["details"]] == [field]
    with app.app_context():
        assert db.session.scalar(select(PlacementRecommendation)) is None


def test_openapi_documents_placement_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/placements/preview"]) == {"post"}
    assert set(paths["/learners/{id}/placements"]) == {"post"}
    assert "422" in paths["/placements/preview"]["post"]["responses"]


# --- decisions on a stored recommendation -------------------------------------------------------


def _recommendation(app, client, bearer) -> str:
    public_id = _learner(app)
    response = client.post(
        learner_url(public_id),
        json={"destination": "DE-NW", "enrolment_date": "2026-09-01"},
        headers=bearer("school_admin"),
    )
    return response.get_json()["id"]


def _stored(public_id: str) -> PlacementRecommendation:
    return db.session.scalar(
        select(PlacementRecommendation).where(PlacementRecommendation.public_id == public_id)
    )


def _admin(world, key="school_admin") -> User:
    return db.session.scalar(select(User).where(User.email == world.emails[key]))


def test_accepting_takes_the_recommended_grade_and_programmes(app, client, bearer, world,
                                                               reference):  # fmt: skip
    rec_id = _recommendation(app, client, bearer)
    with app.app_context():
        decision = services.decide(_admin(world), _stored(rec_id), accept=True)
        db.session.commit()
        assert (decision.decision, decision.grade_code) == ("accepted", "DE-NW-G8")
        assert decision.programmes == ["PREPARATORY_LANGUAGE", "CATCH_UP"]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "placement.decided")
        )
        assert entry.details["decision"] == "accepted" and entry.entity_id == rec_id
        with pytest.raises(services.DecisionError, match="already_decided"):
            services.decide(_admin(world), _stored(rec_id), accept=True)


def test_override_needs_a_reason_and_known_values(app, client, bearer, world, reference):
    rec_id = _recommendation(app, client, bearer)
    with app.app_context():
        admin, recommendation = _admin(world), _stored(rec_id)
        refusals = [
            ({"grade_code": "DE-NW-G7", "programmes": ["REGULAR"], "reason": " "},
             "reason_required"),
            ({"grade_code": "DE-NW-G77", "programmes": [], "reason": "x"}, "unknown_grade"),
            ({"grade_code": "DE-NW-G7", "programmes": ["SPORTS"], "reason": "x"},
             "unknown_programme"),
            ({"grade_code": None, "programmes": [], "reason": "x"}, "grade_required"),
        ]  # fmt: skip
        for arguments, code in refusals:
            with pytest.raises(services.DecisionError) as err:
                services.decide(admin, recommendation, accept=False, **arguments)
            assert err.value.code == code
        decision = services.decide(
            admin,
            recommendation,
            accept=False,
            grade_code="DE-NW-G7",
            programmes=["REGULAR", "PREPARATORY_LANGUAGE"],
            reason="Trial lessons showed grade 7 fits; the family agrees.",
        )
        db.session.commit()
        assert decision.decision == "overridden"
        assert decision.programmes == ["PREPARATORY_LANGUAGE", "REGULAR"]  # engine order
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "placement.decided")
        )
        assert "reason" not in entry.details  # free text stays out of the audit chain
        assert entry.details["recommended_grade"] == "DE-NW-G8"


def test_only_school_admins_decide(app, client, bearer, world, reference):
    rec_id = _recommendation(app, client, bearer)
    with app.app_context(), pytest.raises(services.DecisionError, match="not_allowed"):
        services.decide(_admin(world, "guardian"), _stored(rec_id), accept=True)


def test_stored_snapshot_explains_itself_later(app, client, bearer, reference):
    rec_id = _recommendation(app, client, bearer)
    with app.test_request_context(headers={"Accept-Language": "de"}):
        snapshot = _stored(rec_id).snapshot
        texts = explain.explain_rules(snapshot, explain.labels_for(snapshot, "de"))
        assert [t.code for t in texts] == ["R3", "R4", "R5", "R8", "R11"]
        assert "10.03.2012" in texts[0].text
        assert "Syrien" in texts[1].text  # the jurisdiction's name in German
