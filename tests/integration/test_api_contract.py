"""The API contract: every operation documented from its schema, one bounded JSON parser,
405 with Allow, and the places where the published schema and the server used to disagree."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.learners import services
from portal.passports.models import Passport
from tests.factories import make_learner
from tests.integration.test_api_learners import NEW, _school, _user

VERIFY = "/api/v1/passports/verify"
PREVIEW = "/api/v1/placements/preview"
LANGUAGES_31 = [a + b for a in "ab" for b in "abcdefghijklmnopqrstuvwxyz"][:31]


def _document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


# --- the document -------------------------------------------------------------------------------


def test_every_operation_has_a_unique_id_a_tag_and_its_error_responses(client):
    doc = _document(client)
    operations = list(_operations(doc))
    assert len(operations) == 17
    ids = [op["operationId"] for _path, _method, op in operations]
    assert len(set(ids)) == len(ids)
    tags = {tag["name"] for tag in doc["tags"]}
    for path, method, op in operations:
        assert len(op["tags"]) == 1 and op["tags"][0] in tags, (path, method)
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        assert names == [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if "requestBody" in op:
            assert {"400", "413", "422"} <= set(op["responses"]), (path, method)
        public = op.get("security") == []
        assert ("401" in op["responses"]) is not public, (path, method)


def test_schemas_carry_the_constraints_the_server_enforces(client):
    schemas = _document(client)["components"]["schemas"]
    reason = schemas["RevokeRequest"]["properties"]["reason"]
    assert (reason["maxLength"], reason["minLength"]) == (500, 1)
    languages = schemas["IssueRequest"]["properties"]["languages"]
    assert (languages["minItems"], languages["maxItems"], languages["uniqueItems"]) == (2, 2, True)
    proficiency = schemas["PlacementRequest"]["properties"]["language_proficiency"]["anyOf"][0]
    assert proficiency["maxProperties"] == 30
    verify = schemas["VerifyRequest"]
    assert verify["anyOf"] == [{"required": ["qr"]}, {"required": ["credential"]}]
    family = schemas["NameInput"]["properties"]["family"]["anyOf"]
    assert {"type": "null"} in family  # the server has always taken null for "not given"


def test_the_document_is_public_and_lists_its_server(client):
    doc = _document(client)
    assert doc["servers"] == [{"url": "http://localhost/api/v1"}]
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []
    assert doc["paths"]["/passports/verify"]["post"]["security"] == []


# --- one JSON parser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ("[" * 1000 + "]" * 1000, 400, "too_deep"),
        ('{"qr": ' + "[" * 40 + "]" * 40 + "}", 400, "too_deep"),
        ('{"qr": "LP1:', 400, "not_json"),
        ('{"qr": NaN}', 400, "not_json"),
        (b'{"qr": "\xff"}', 400, "not_json"),
        ('{"qr": "' + "x" * 300_000 + '"}', 413, "payload_too_large"),
    ],
    ids=["deep-array", "deep-in-object", "truncated", "nan", "not-utf8", "too-large"],
)
def test_public_verify_refuses_hostile_bodies_in_the_error_shape(client, data, status, code):
    r = client.post(VERIFY, data=data, content_type="application/json")
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    r = client.post(VERIFY, json={"qr": "[" * 200})
    assert (r.status_code, r.get_json()["status"]) == (200, "invalid")


def test_token_operations_refuse_deep_bodies_after_authentication(client, bearer):
    deep = "[" * 5000 + "]" * 5000
    anonymous = client.post(PREVIEW, data=deep, content_type="application/json")
    assert anonymous.status_code == 401
    r = client.post(PREVIEW, data=deep, content_type="application/json", headers=bearer("guardian"))
    assert r.status_code == 400
    assert r.get_json()["error"] == {
        "code": "too_deep",
        "message": "The body is nested more than 32 levels deep.",
        "details": {"max": 32},
    }


def test_a_body_not_declared_as_json_is_refused_like_any_non_object(client):
    r = client.post(VERIFY, data='{"qr": "LP1:x"}', content_type="text/plain")
    assert r.status_code == 422
    assert r.get_json()["error"]["message"] == "Send a JSON object."


# --- methods and authentication -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", "/api/v1/me", "GET, HEAD, OPTIONS"),
        ("delete", "/api/v1/learners", "GET, HEAD, OPTIONS, POST"),
        ("get", VERIFY, "OPTIONS, POST"),
        ("put", "/api/v1/openapi.json", "GET, HEAD, OPTIONS"),
    ],
    ids=["post-me", "delete-learners", "get-verify", "put-openapi"],
)
def test_undeclared_methods_answer_405_with_allow_not_a_csrf_error(client, method, path, allow):
    r = getattr(client, method)(path, json={})
    assert r.status_code == 405
    assert r.headers["Allow"] == allow
    assert r.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_is_case_insensitive(client, bearer, scheme):
    secret = bearer("guardian")["Authorization"].split(" ", 1)[1]
    r = client.get("/api/v1/me", headers={"Authorization": f"{scheme} {secret}"})
    assert (r.status_code, r.get_json()["role"]) == (200, "guardian")


def test_other_schemes_are_refused(client, bearer):
    secret = bearer("guardian")["Authorization"].split(" ", 1)[1]
    r = client.get("/api/v1/me", headers={"Authorization": f"Token {secret}"})
    assert r.status_code == 401


# --- disagreements between the old hand-written document and the server -------------------------


@pytest.fixture
def amal(app, world, reference):
    with app.app_context():
        admin = _user(world.emails["school_admin"])
        learner = make_learner(_school(world.ids["school_a"]), "Amal", "Haddad", birth="2012-03-10")
        services.record_consent(admin, learner, "passport", "father", "consent", date(2026, 1, 5))
        db.session.commit()
        return learner.public_id


def test_revoke_reason_over_500_characters_is_refused_not_stored(app, client, bearer, amal):
    # The document said maxLength 500; the server took any length (a 500 on PostgreSQL).
    headers = bearer("school_admin")
    issued = client.post(
        f"/api/v1/learners/{amal}/passports", json={"languages": ["ar", "de"]}, headers=headers
    ).get_json()
    path = f"/api/v1/passports/{issued['id']}/revoke"
    r = client.post(path, json={"reason": "x" * 501}, headers=headers)
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == [
        {"field": "reason", "code": "too_long", "message": "Too long: at most 500 characters."}
    ]
    with app.app_context():
        assert db.session.scalar(select(Passport.revoked_at)) is None
    assert client.post(path, json={"reason": "x" * 500}, headers=headers).status_code == 200


def test_mark_scale_written_with_decimals_is_converted(client, bearer):
    # The document allowed numbers for scale ends; the server refused every non-integer.
    body = {"mark": 11.5, "scale": {"best": 15.0, "pass": 7.5, "worst": 0}}
    r = client.post("/api/v1/marks/convert", json=body, headers=bearer("guardian"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["passed"] is True


def test_verify_with_both_qr_and_credential_is_allowed_and_checks_the_qr(client):
    # The document's oneOf forbade sending both; the server took the QR text.
    r = client.post(VERIFY, json={"qr": "LP1:NOTHING", "credential": "a.b.c"})
    assert r.status_code == 200
    assert r.get_json()["status"] == "invalid"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"identifiers": [{"kind": "unhcr", "value": "--"}]}, "identifiers[0].value"),
        ({"names": [{"given": "Lina", "kind": ""}]}, "names[0].kind"),
        ({"names": [{"given": "Lina", "script": "Latn-x-too-long"}]}, "names[0].script"),
        ({"birth_date_source": "x" * 33}, "birth_date_source"),
        ({"names": [{"given": "Li\x00na"}]}, "names[0].given"),
    ],
    ids=["identifier-without-characters", "empty-kind", "long-script", "long-source", "nul"],
)
def test_learner_fields_refused_by_the_server_are_refused_by_the_schema(
    client, bearer, amal, change, field
):
    r = client.post("/api/v1/learners", json={**NEW, **change}, headers=bearer("school_admin"))
    assert r.status_code == 422
    assert list(r.get_json()["error"]["details"]) == [field]


def test_identifier_without_characters_is_named_not_an_accepted_value(client, bearer, amal):
    body = {**NEW, "identifiers": [{"kind": "unhcr", "value": "--"}]}
    r = client.post("/api/v1/learners", json=body, headers=bearer("school_admin"))
    assert r.get_json()["error"]["details"] == {"identifiers[0].value": ["Not an accepted value."]}


@pytest.mark.parametrize(
    ("status", "fraction", "accepted"),
    [
        ("partial", "0.5", True),
        ("partial", "1", False),
        ("partial", "5e-1", False),
        ("completed", "0.5", False),
        ("completed", "", True),
    ],
    ids=["partial-half", "partial-whole", "partial-exponent", "completed-with-share", "completed"],
)
def test_study_fraction_follows_the_documented_rule(client, bearer, amal, status, fraction,
                                                     accepted):  # fmt: skip
    schema = _document(client)["components"]["schemas"]["StudyInput"]
    assert schema["if"] == {"properties": {"status": {"const": "partial"}}}
    body = {"system": "SY", "grade": "SY-G4", "status": status, "evidence_level": 3,
            "fraction": fraction}  # fmt: skip
    r = client.post(f"/api/v1/learners/{amal}/studies", json=body, headers=bearer("school_admin"))
    assert (r.status_code == 201) is accepted, r.get_json()


def test_learner_optional_texts_may_be_null_as_they_always_could(client, bearer, amal):
    body = {**NEW, "names": [{"given": "Lina", "family": None}], "birth_date_source": None}
    r = client.post("/api/v1/learners", json=body, headers=bearer("school_admin"))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["names"][0]["family"] == ""


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"language_proficiency": dict.fromkeys(LANGUAGES_31, "A1")}, "language_proficiency",
         "too_many"),
        ({"destination": "DE\x00NW"}, "destination", "too_long"),
        ({"studies": [{"system": "SY", "grade": "SY-G4", "status": "completed",
                       "evidence_level": 4, "certificate": "c" * 81}]},
         "studies[0].certificate", "too_long"),
    ],
    ids=["too-many-languages", "nul-in-destination", "long-certificate"],
)  # fmt: skip
def test_placement_limits_are_documented_and_enforced(client, bearer, reference, change, field,
                                                      code):  # fmt: skip
    body = {
        "birth_date": "2012-03-10",
        "destination": "DE-NW",
        "enrolment_date": "2026-09-01",
        **change,
    }
    r = client.post(PREVIEW, json=body, headers=bearer("school_admin"))
    assert r.status_code == 422
    assert [(d["field"], d["code"]) for d in r.get_json()["error"]["details"]] == [(field, code)]
