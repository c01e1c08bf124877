"""API: placement previews for unrecorded learners, and recommendations for recorded ones."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _

from portal.api.auth import api_user, token_required
from portal.api.openapi import document, error_responses
from portal.api.views import bp
from portal.auth.domain import Role
from portal.core.errors import api_error
from portal.extensions import db
from portal.learners.services import LearnerNotFound, LearnerReadOnly, learner_for
from portal.placement import explain, inputs, messages, services
from portal.placement.domain import AssessmentKind


def _invalid(problems: list[inputs.Problem]):
    details = [
        {
            "field": p.field,
            "code": p.code,
            "message": messages.problem_message(p.code, p.params),
        }
        for p in problems
    ]
    listing = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    message = _("Some fields are not valid: %(problems)s", problems=listing)
    return api_error(422, "invalid", message, details)


def _grade(grade: Mapping | None, labels: explain.Labels) -> dict | None:
    if grade is None:
        return None
    return {
        "code": grade["code"],
        "label": labels.grade(grade["code"]),
        "cumulative_index": grade["cumulative_index"],
    }


def placement_json(snapshot: Mapping) -> dict:
    """Return the API form of a placement snapshot, with texts in the request's language."""
    labels = explain.labels_for(snapshot)
    computed = snapshot["computed"]
    recommendation = snapshot["recommendation"]
    return {
        "destination": {
            "jurisdiction": str(snapshot["destination"]).split("/")[0],
            "version": snapshot.get("destination_version"),
            "enrolment_date": snapshot["enrolment_date"],
        },
        "computed": {
            "age_reference_date": computed["age_reference_date"],
            "age": computed["age"],
            "entry_year": computed["entry_year"],
            "age_grade": computed["age_grade_index"],
            "attained_years": computed["attained_years"],
            "level_grade": computed["level_grade_index"],
            "delta": computed["delta"],
            "gap_years": computed["gap_years"],
            "mid_year": computed["mid_year"],
            "school_year_start_date": computed["school_year_start_date"],
            "remaining_year_fraction": computed["remaining_year_fraction"],
        },
        "recommendation": {
            "grade": _grade(recommendation["grade"], labels),
            "programmes": [
                {"code": p, "label": messages.programme_label(p)}
                for p in recommendation["programmes"]
            ],
            "aep_programme": recommendation["aep_programme"],
            "aep_level": recommendation["aep_level"],
            "provisional": recommendation["provisional"],
            "assessment_due": recommendation["assessment_due"],
            "review_due": recommendation["review_due"],
            "alternatives": [
                {
                    "grade": {"code": a["grade"], "label": labels.grade(a["grade"])},
                    "reason": a["reason"],
                    "text": messages.alternative_label(a["reason"]),
                }
                for a in recommendation["alternatives"]
            ],
            "summary": explain.summary(snapshot, labels),
        },
        "rules": [
            {"code": r.code, "params": r.params, "text": r.text}
            for r in explain.explain_rules(snapshot, labels)
        ],
        "confidence": snapshot["confidence"],
        "confidence_label": messages.confidence_label(snapshot["confidence"]),
        "confidence_factors": [
            {"code": f, "text": messages.factor_label(f)} for f in snapshot["confidence_factors"]
        ],
        "policy_version": snapshot["policy_version"],
        "equivalency_source": snapshot["equivalency_source"],
        "tables": [{"table": t["table_id"], "version": t["version"]} for t in snapshot["tables"]],
        "tables_consulted": [
            {"table": t["table_id"], "version": t["version"]}
            for t in snapshot.get("tables_consulted", [])
        ],
    }


@bp.post("/placements/preview")
@token_required()
def placement_preview():
    try:
        placement = services.place(inputs.read_request(request.get_json(silent=True)))
    except inputs.PlacementInputError as err:
        return _invalid(err.problems)
    return jsonify(placement_json(services.snapshot(placement)))


def _recommendation_request(body: object) -> tuple[str, date]:
    if not isinstance(body, Mapping):
        raise inputs.PlacementInputError([inputs.Problem("body", "not_an_object")])
    problems = []
    destination = body.get("destination")
    if not isinstance(destination, str) or not destination.strip():
        problems.append(inputs.Problem("destination", "required"))
    on = None
    value = body.get("enrolment_date")
    try:
        on = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        on = None
    if on is None:
        problems.append(inputs.Problem("enrolment_date", "invalid_date"))
    if problems:
        raise inputs.PlacementInputError(problems)
    return destination.strip(), on


@bp.post("/learners/<public_id>/placements")
@token_required(Role.SCHOOL_ADMIN)
def learner_placement(public_id: str):
    user = api_user()
    try:
        learner = learner_for(user, public_id, write=True)
    except LearnerNotFound:
        return api_error(404, "not_found", _("There is no such learner, or you cannot see it."))
    except LearnerReadOnly:
        return api_error(403, "forbidden", _("Only the school holding the record can do this."))
    try:
        destination, on = _recommendation_request(request.get_json(silent=True))
        recommendation = services.recommend_for_learner(user, learner, destination, on)
    except inputs.PlacementInputError as err:
        db.session.rollback()
        return _invalid(err.problems)
    db.session.commit()
    return jsonify({"id": recommendation.public_id, **placement_json(recommendation.snapshot)}), 201


# --- OpenAPI -----------------------------------------------------------------------------------

_JSON = "application/json"
_GRADE = {
    "type": ["object", "null"],
    "required": ["code", "label", "cumulative_index"],
    "properties": {
        "code": {"type": "string", "example": "DE-NW-G8"},
        "label": {"type": "string"},
        "cumulative_index": {"type": "integer"},
    },
}
_DATE = {"type": "string", "format": "date"}
_TEXTED = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "text": {"type": "string"}},
}
_RESPONSE = {
    "description": "The recommendation, its computed values and the rules that explain it",
    "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Placement"}}},
}

document(
    {
        "/placements/preview": {
            "post": {
                "summary": "Recommend a placement for a learner described in the request",
                "description": (
                    "Stateless: nothing is stored. The destination system version in force on "
                    "the enrolment date, its published placement policy and the published "
                    "equivalency tables are applied (DOMAIN §6.4). Texts are in the language "
                    "of Accept-Language."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {"schema": {"$ref": "#/components/schemas/PlacementRequest"}}
                    },
                },
                "responses": {"200": _RESPONSE, **error_responses(401, 422)},
            }
        },
        "/learners/{id}/placements": {
            "post": {
                "summary": "Recommend and store a placement for a recorded learner",
                "description": (
                    "School administrators of the school holding the record only. The "
                    "learner's studies, assessments and languages are used; the result is "
                    "stored immutably with the policy and table versions."
                ),
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["destination", "enrolment_date"],
                                "properties": {
                                    "destination": {"type": "string", "example": "DE-NW"},
                                    "enrolment_date": {**_DATE, "example": "2026-09-01"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "The stored recommendation (with its id)",
                        "content": {
                            _JSON: {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Placement"},
                                        {
                                            "type": "object",
                                            "properties": {"id": {"type": "string"}},
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    **error_responses(401, 403, 404, 422),
                },
            }
        },
    },
    {
        "PlacementRequest": {
            "type": "object",
            "required": ["birth_date", "destination", "enrolment_date"],
            "properties": {
                "birth_date": {**_DATE, "example": "2012-03-10"},
                "birth_date_precision": {
                    "type": "string",
                    "enum": ["day", "month", "year", "estimated"],
                    "default": "day",
                },
                "destination": {
                    "type": "string",
                    "description": "Jurisdiction code as in GET /systems",
                    "example": "DE-NW",
                },
                "enrolment_date": {**_DATE, "example": "2026-09-01"},
                "studies": {
                    "type": "array",
                    "maxItems": inputs.MAX_ITEMS,
                    "items": {
                        "type": "object",
                        "required": ["system", "grade", "status", "evidence_level"],
                        "properties": {
                            "system": {"type": "string", "example": "SY"},
                            "grade": {
                                "type": "string",
                                "description": "Grade code as in GET /systems/{code}",
                                "example": "SY-G4",
                            },
                            "status": {
                                "type": "string",
                                "enum": [
                                    "completed",
                                    "partial",
                                    "promoted_without_exam",
                                    "interrupted",
                                ],
                            },
                            "end_date": {"type": ["string", "null"], "format": "date"},
                            "evidence_level": {
                                "oneOf": [
                                    {"type": "string", "pattern": "^E[0-5]$"},
                                    {"type": "integer", "minimum": 0, "maximum": 5},
                                ],
                                "example": "E4",
                            },
                            "fraction": {"type": ["string", "number", "null"]},
                            "certificate": {"type": ["string", "null"]},
                        },
                    },
                },
                "assessments": {
                    "type": "array",
                    "maxItems": inputs.MAX_ITEMS,
                    "items": {
                        "type": "object",
                        "required": ["kind", "date"],
                        "properties": {
                            "kind": {
                                "type": "string",
                                "enum": [k.value for k in AssessmentKind],
                            },
                            "level_cumulative_index": {"type": ["integer", "null"]},
                            "date": _DATE,
                            "language": {"type": ["string", "null"]},
                            "cefr": {"type": ["string", "null"]},
                        },
                    },
                },
                "language_proficiency": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "string",
                        "enum": ["A0", "A1", "A2", "B1", "B2", "C1", "C2", "L1"],
                    },
                    "example": {"de": "A0", "ar": "L1"},
                },
            },
        },
        "Placement": {
            "type": "object",
            "required": ["computed", "recommendation", "rules", "confidence", "policy_version"],
            "properties": {
                "destination": {"type": "object"},
                "computed": {
                    "type": "object",
                    "properties": {
                        "age_grade": {"type": "integer", "description": "cumulative index"},
                        "attained_years": {"type": ["integer", "null"]},
                        "level_grade": {
                            "type": ["integer", "null"],
                            "description": "cumulative index",
                        },
                        "delta": {"type": ["integer", "null"]},
                        "gap_years": {"type": ["integer", "null"]},
                        "mid_year": {"type": "boolean"},
                    },
                },
                "recommendation": {
                    "type": "object",
                    "properties": {
                        "grade": _GRADE,
                        "programmes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string", "example": "CATCH_UP"},
                                    "label": {"type": "string"},
                                },
                            },
                        },
                        "aep_programme": {"type": ["string", "null"]},
                        "aep_level": {"type": ["string", "null"]},
                        "provisional": {"type": "boolean"},
                        "assessment_due": {"type": ["string", "null"], "format": "date"},
                        "review_due": {"type": ["string", "null"], "format": "date"},
                        "alternatives": {"type": "array", "items": {"type": "object"}},
                        "summary": {"type": "string"},
                    },
                },
                "rules": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "params", "text"],
                        "properties": {
                            "code": {"type": "string", "example": "R3"},
                            "params": {"type": "object"},
                            "text": {"type": "string"},
                        },
                    },
                },
                "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
                "confidence_label": {"type": "string"},
                "confidence_factors": {"type": "array", "items": _TEXTED},
                "policy_version": {"type": "string", "example": "DE-NW-2024/v1"},
                "equivalency_source": {"type": ["string", "null"]},
                "tables": {"type": "array", "items": {"type": "object"}},
                "tables_consulted": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
)
