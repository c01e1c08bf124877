"""OpenAPI description of the learner routes in portal.api.learners."""

from __future__ import annotations

from portal.api.learners import CALENDARS, CHOICES, NAME_KINDS, PER_PAGE_MAX, SCALE_KINDS
from portal.api.openapi import document, error_responses
from portal.learners import domain

_JSON = "application/json"
_TEXT = {"type": "string"}
_DATE = {"type": ["string", "null"], "format": "date"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: str) -> dict:
    return {"required": True, "content": {_JSON: {"schema": _ref(schema)}}}


def _ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {_JSON: {"schema": _ref(schema)}}}


_ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": _TEXT}
_NAME = {
    "type": "object",
    "required": ["given"],
    "properties": {
        "given": {"type": "string", "maxLength": 200},
        "family": {"type": "string", "maxLength": 200},
        "script": {"type": "string", "description": "ISO 15924; detected when omitted"},
        "kind": {"type": "string", "enum": list(NAME_KINDS)},
    },
}
_LANGUAGE = {
    "type": "object",
    "required": ["language", "proficiency"],
    "properties": {
        "language": {"type": "string", "example": "ar"},
        "proficiency": {"type": "string", "enum": list(domain.PROFICIENCIES)},
    },
}
_IDENTIFIER = {
    "type": "object",
    "required": ["kind", "value"],
    "properties": {
        "kind": {"type": "string", "enum": list(domain.IDENTIFIER_KINDS)},
        "value": {"type": "string", "maxLength": 120},
    },
}
_EVIDENCE = {
    "type": "object",
    "required": ["document_type"],
    "properties": {
        "document_type": {"type": "string", "enum": list(domain.DOCUMENT_TYPES)},
        "issuer": _TEXT,
        "verified": {"type": "boolean"},
        "note": _TEXT,
    },
}
_RESULT = {
    "type": "object",
    "required": ["subject_name", "raw_mark"],
    "properties": {
        "subject_code": {"type": ["string", "null"]},
        "subject_name": _TEXT,
        "raw_mark": {"type": ["string", "number"], "description": "as written on the document"},
        "scale": {
            "type": "object",
            "properties": {
                "code": {"type": ["string", "null"]},
                "kind": {"type": "string", "enum": list(SCALE_KINDS)},
                "best": {"type": ["string", "number", "null"]},
                "pass": {"type": ["string", "number", "null"]},
                "worst": {"type": ["string", "number", "null"]},
            },
        },
    },
}
_SUMMARY_PROPERTIES = {
    "id": _TEXT,
    "names": {"type": "array", "items": _NAME},
    "birth_date": _DATE,
    "birth_date_precision": {"type": "string", "enum": CHOICES["birth_date_precision"]},
    "access": {"type": "string", "enum": ["write", "read"]},
}
_SCHOOL = {"type": "object", "properties": {"id": _TEXT, "name": _TEXT}}

document(
    {
        "/learners": {
            "get": {
                "summary": "Search the learners in the token's scope",
                "description": "School administrators: their school's learners and the "
                "history of learners it transferred. Guardians: their children.",
                "parameters": [
                    {"name": "q", "in": "query", "schema": _TEXT, "description": "name prefix"},
                    {"name": "identifier", "in": "query", "schema": _TEXT},
                    {"name": "birth_year", "in": "query", "schema": {"type": "integer"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
                    },
                ],
                "responses": {
                    "200": _ok("One page of learners", "LearnerPage"),
                    **error_responses(401, 403, 422),
                },
            },
            "post": {
                "summary": "Create a learner at the token user's school",
                "description": "An identifier already on file answers 409 possible_duplicate "
                "(with the matching learners) or identifier_on_file_elsewhere (without); send "
                'again with "confirm_duplicate": true to create the record anyway. '
                "Problems answer 422 with details {field: [messages]} in the request language.",
                "requestBody": _body("LearnerInput"),
                "responses": {
                    "201": _ok("The learner", "Learner"),
                    **error_responses(401, 403, 409, 422),
                },
            },
        },
        "/learners/{id}": {
            "get": {
                "summary": "A learner's full record (the read is audited)",
                "parameters": [_ID_PARAM],
                "responses": {
                    "200": _ok("The learner", "Learner"),
                    **error_responses(401, 403, 404),
                },
            }
        },
        "/learners/{id}/studies": {
            "post": {
                "summary": "Add a prior study with its evidence and raw marks",
                "parameters": [_ID_PARAM],
                "requestBody": _body("StudyInput"),
                "responses": {
                    "201": _ok("The study", "Study"),
                    **error_responses(401, 403, 404, 422),
                },
            }
        },
        "/learners/{id}/assessments": {
            "post": {
                "summary": "Record an assessment",
                "parameters": [_ID_PARAM],
                "requestBody": _body("AssessmentInput"),
                "responses": {
                    "201": _ok("The assessment", "Assessment"),
                    **error_responses(401, 403, 404, 422),
                },
            }
        },
    },
    {
        "LearnerSummary": {
            "type": "object",
            "required": list(_SUMMARY_PROPERTIES),
            "properties": _SUMMARY_PROPERTIES,
        },
        "LearnerPage": {
            "type": "object",
            "required": ["items", "total", "page", "per_page"],
            "properties": {
                "items": {"type": "array", "items": _ref("LearnerSummary")},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
            },
        },
        "LearnerInput": {
            "type": "object",
            "required": ["names"],
            "properties": {
                "names": {"type": "array", "items": _NAME, "minItems": 1, "maxItems": 10},
                "birth_date": {**_DATE, "description": "Gregorian; required unless unknown"},
                "birth_date_precision": _SUMMARY_PROPERTIES["birth_date_precision"],
                "birth_date_source": {"type": "string", "example": "document"},
                "birth_date_original": {
                    "type": ["string", "null"],
                    "description": "as written on the document; converted when birth_date "
                    "is omitted and the calendar is solar_hijri or ethiopian",
                    "example": "30 Azar 1390",
                },
                "birth_date_calendar": {"type": "string", "enum": list(CALENDARS)},
                "languages": {"type": "array", "items": _LANGUAGE, "maxItems": 20},
                "identifiers": {"type": "array", "items": _IDENTIFIER, "maxItems": 10},
                "confirm_duplicate": {"type": "boolean", "default": False},
            },
        },
        "Learner": {
            "type": "object",
            "required": [*_SUMMARY_PROPERTIES, "school", "studies", "assessments"],
            "properties": {
                **_SUMMARY_PROPERTIES,
                "school": _SCHOOL,
                "birth_date_source": _TEXT,
                "birth_date_original": {"type": ["string", "null"]},
                "birth_date_calendar": {"type": "string", "enum": list(CALENDARS)},
                "languages": {"type": "array", "items": _LANGUAGE},
                "identifiers": {"type": "array", "items": _IDENTIFIER},
                "studies": {"type": "array", "items": _ref("Study")},
                "assessments": {"type": "array", "items": _ref("Assessment")},
                "enrolments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "school": _SCHOOL,
                            "grade": {"type": ["string", "null"]},
                            "programmes": {"type": "array", "items": _TEXT},
                            "start_on": _DATE,
                            "end_on": _DATE,
                            "status": {
                                "type": "string",
                                "enum": ["active", "ended", "transferred"],
                            },
                        },
                    },
                },
            },
        },
        "StudyInput": {
            "type": "object",
            "required": ["system", "grade", "status", "evidence_level"],
            "properties": {
                "system": {
                    "type": "string",
                    "description": "jurisdiction code (the version with the grade is chosen) "
                    "or system-version code",
                    "example": "SY",
                },
                "grade": {"type": "string", "example": "SY-G5"},
                "status": {"type": "string", "enum": CHOICES["status"]},
                "fraction": {"type": ["string", "null"], "description": "partial years only"},
                "evidence_level": {"type": "integer", "minimum": 0, "maximum": 5},
                "school_name": _TEXT,
                "school_place": _TEXT,
                "period_start": _DATE,
                "period_end": _DATE,
                "period_original": _TEXT,
                "period_calendar": {"type": "string", "enum": list(CALENDARS)},
                "evidence": {"type": "array", "items": _EVIDENCE, "maxItems": 20},
                "results": {"type": "array", "items": _RESULT, "maxItems": 60},
            },
        },
        "Study": {
            "allOf": [
                _ref("StudyInput"),
                {
                    "type": "object",
                    "required": ["id", "system_version", "source"],
                    "properties": {
                        "id": _TEXT,
                        "system_version": {"type": "string", "example": "SY-2002"},
                        "source": {"type": "string", "enum": ["manual", "csv", "passport"]},
                        "verified_issuer": {"type": ["string", "null"]},
                    },
                },
            ]
        },
        "AssessmentInput": {
            "type": "object",
            "required": ["kind", "assessed_on"],
            "properties": {
                "kind": {"type": "string", "enum": list(domain.ASSESSMENT_KINDS)},
                "assessed_on": {"type": "string", "format": "date"},
                "instrument": _TEXT,
                "assessor": _TEXT,
                "results": {"type": "object", "additionalProperties": _TEXT},
                "level_cumulative_index": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "maximum": 13,
                },
                "level_system_version": {"type": ["string", "null"]},
                "language": {"type": ["string", "null"]},
                "cefr": {"type": ["string", "null"], "enum": [*domain.CEFR_LEVELS, None]},
            },
        },
        "Assessment": {
            "allOf": [
                _ref("AssessmentInput"),
                {"type": "object", "required": ["id"], "properties": {"id": _TEXT}},
            ]
        },
    },
)
