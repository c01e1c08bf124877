"""API: systems, equivalences and mark conversion, on the shipped reference data."""

from __future__ import annotations

import pytest

REQUIRED_SYSTEMS = [
    "SY",
    "TR",
    "LB",
    "JO",
    "DE-NW",
    "DE-BY",
    "DE-BE",
    "UA",
    "PL",
    "MD",
    "AF",
    "IR",
    "PK",
    "SS",
    "UG",
    "CD",
    "VE",
    "CO",
    "MM",
    "BD",
    "SD",
    "TD",
    "ER",
    "ET",
    "SO",
    "KE",
]


def test_systems_list_has_every_seeded_jurisdiction(client, bearer, reference):
    r = client.get("/api/v1/systems", headers=bearer("guardian"))
    assert r.status_code == 200
    body = r.get_json()
    assert {s["code"] for s in body} == set(REQUIRED_SYSTEMS)
    nw = next(s for s in body if s["code"] == "DE-NW")
    assert set(nw) >= {"code", "name", "version", "valid_from", "valid_to"}


def test_system_detail_grades_in_request_language(client, bearer, reference):
    r = client.get(
        "/api/v1/systems/SY", headers={**bearer("school_admin"), "Accept-Language": "ar"}
    )
    body = r.get_json()
    grades = {g["code"]: g for g in body["grades"]}
    g4 = grades["SY-G4"]
    assert (g4["cumulative_index"], g4["isced_level"], g4["intended_age"]) == (4, 1, 9)
    assert g4["label"] == "الصف الرابع"
    assert body["age_rule"]["entry_age"] == 6
    assert any(s["pass"] == "50" and s["best"] == "100" for s in body["grading_scales"])


def test_system_detail_unknown_is_404_in_error_shape(client, bearer, reference):
    r = client.get("/api/v1/systems/XX", headers=bearer("guardian"))
    assert r.status_code == 404
    assert r.get_json() == {
        "error": {"code": "unknown_jurisdiction", "message": "Unknown education system."}
    }


def test_equivalence_from_seeded_table(client, bearer, reference):
    r = client.get(
        "/api/v1/equivalences",
        query_string={"from": "SY", "grade": "SY-G4", "to": "DE-NW", "on": "2026-09-01"},
        headers=bearer("school_admin"),
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["grade"]["code"] == "DE-NW-G4"
    assert body["grade"]["cumulative_index"] == 4
    assert body["source"] == {"type": "table", "table": "SY__DE-NW", "version": 1}
    assert "table_provisional" in body["flags"]


def test_equivalence_falls_back_to_isced_pivot_without_table(client, bearer, reference):
    r = client.get(
        "/api/v1/equivalences",
        query_string={"from": "ER", "grade": "ER-G5", "to": "DE-NW", "on": "2026-09-01"},
        headers=bearer("school_admin"),
    )
    body = r.get_json()
    assert body["source"] == {"type": "isced_pivot", "table": None, "version": None}
    assert body["grade"]["code"] == "DE-NW-G5"
    assert body["confidence"] in {"medium", "low"}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"from": "SY", "grade": "SY-G99", "to": "DE-NW"}, 404, "unknown_grade"),
        ({"from": "SY", "grade": "SY-G4"}, 422, "invalid"),
        ({"from": "SY", "grade": "SY-G4", "to": "DE-NW", "on": "2026-13-01"}, 422, "invalid"),
    ],
    ids=["unknown-grade", "missing-to", "bad-date"],
)
def test_equivalence_bad_input(client, bearer, reference, query, status, code):
    r = client.get("/api/v1/equivalences", query_string=query, headers=bearer("guardian"))
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("payload", "lang", "expected"),
    [
        (
            {
                "mark": 82,
                "scale": {"best": 100, "pass": 50, "worst": 0},
                "method": "modified_bavarian",
                "rounding": "KMK_TRUNCATE_1DP",
            },
            "de",
            {"value": "2.0", "passed": True, "label": "gut"},
        ),
        (
            {"mark": 10, "scale": {"best": 12, "pass": 4, "worst": 1}},
            "en",
            {"value": "1.7", "passed": True, "label": "good"},
        ),
        (
            {"mark": 40, "scale": {"best": 100, "pass": 50, "worst": 0}},
            "de",
            {"value": None, "passed": False, "label": "nicht bestanden"},
        ),
        (
            {
                "mark": 14,
                "scale": {"best": 20, "pass": 10, "worst": 0},
                "method": "piecewise_linear",
                "rounding": "NEAREST_STEP_TIE_BETTER",
                "target": {"best": 10, "pass": 5, "worst": 1},
            },
            "en",
            {"value": "7.0", "passed": True, "label": None},
        ),
    ],
    ids=["syria-82-gut", "ukraine-10", "below-pass", "piecewise"],
)
def test_marks_convert(client, bearer, payload, lang, expected):
    r = client.post(
        "/api/v1/marks/convert",
        json=payload,
        headers={**bearer("school_admin"), "Accept-Language": lang},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert {k: body[k] for k in expected} == expected
    assert body["method"] == payload.get("method", "modified_bavarian")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"mark": 120, "scale": {"best": 100, "pass": 50, "worst": 0}}, "mark_out_of_scale"),
        (
            {
                "mark": 5,
                "scale": {"best": 100, "pass": 50, "worst": 0},
                "method": "piecewise_linear",
            },
            "missing_target",
        ),
        ({"mark": "abc", "scale": {"best": 100, "pass": 50, "worst": 0}}, "invalid_mark"),
        ({"mark": 5, "scale": {"best": 100}}, "invalid_scale"),
        ({"mark": 5, "scale": {"best": 100, "pass": 50, "worst": 0}, "method": "magic"}, "invalid"),
        ({"scale": {"best": 100, "pass": 50, "worst": 0}}, "invalid"),
    ],
    ids=["out-of-scale", "no-target", "not-a-number", "scale-incomplete", "bad-method", "no-mark"],
)
def test_marks_convert_bad_input(client, bearer, payload, code):
    r = client.post("/api/v1/marks/convert", json=payload, headers=bearer("guardian"))
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == code


def test_marks_convert_needs_a_token(client):
    r = client.post("/api/v1/marks/convert", json={"mark": 1})
    assert r.status_code == 401


def test_openapi_documents_the_curricula_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/systems", "/systems/{code}", "/equivalences", "/marks/convert"} <= set(paths)
