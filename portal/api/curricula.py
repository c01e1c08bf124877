"""API: education systems, grade equivalences and mark conversion."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.api.auth import token_required
from portal.api.openapi import document, error_responses
from portal.api.views import bp
from portal.core.errors import api_error
from portal.curricula import domain, services
from portal.curricula.marks import MarkError, Method, Rounding, Scale, convert_mark
from portal.curricula.messages import (
    MARK_ERRORS,
    RESOLUTION_ERRORS,
    german_grade_label,
    message_for,
)


def _locale() -> str:
    return str(get_locale())


def _grade_json(grade, locale: str) -> dict:
    return {
        "code": grade.code,
        "label": grade.label(locale),
        "cumulative_index": grade.cumulative_index,
        "isced_level": grade.isced_level,
        "intended_age": grade.intended_age,
    }


def _version_summary(version, locale: str) -> dict:
    return {
        "code": version.jurisdiction.code,
        "name": version.jurisdiction.name(locale),
        "version": version.code,
        "label": version.label(locale),
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "status": version.status,
    }


def _not_found(err: services.NotFound):
    return api_error(404, err.code, message_for(RESOLUTION_ERRORS, err.code))


@bp.get("/systems")
@token_required()
def systems_index():
    locale = _locale()
    return jsonify([_version_summary(v, locale) for v in services.system_versions()])


@bp.get("/systems/<code>")
@token_required()
def system_detail(code: str):
    locale = _locale()
    try:
        if request.args.get("version"):
            version = services.system_version_by_code(request.args["version"])
            if version.jurisdiction.code != code:
                raise services.NotFound("unknown_system_version")
        elif request.args.get("on"):
            version = services.system_version_on(code, _parse_date(request.args["on"]))
        else:
            version = services.current_system_version(code)
    except services.NotFound as err:
        return _not_found(err)
    except ValueError:
        return api_error(422, "invalid", _("Dates are written as YYYY-MM-DD."))
    body = _version_summary(version, locale)
    body.update(
        {
            "grades": [_grade_json(g, locale) for g in version.grades],
            "age_rule": {
                k: version.age_rule.get(k) for k in ("entry_age", "kind", "month_day", "months")
            }
            | {"status": version.age_rule.get("status", version.status)},
            "school_year_start": version.school_year_start["month_day"],
            "grading_scales": [
                {
                    "code": s.code,
                    "name": s.name(locale),
                    "kind": s.kind,
                    "best": s.best,
                    "pass": s.pass_mark,
                    "worst": s.worst,
                    "bands": s.bands,
                    "status": s.status,
                }
                for s in version.scales
            ],
            "sources": version.sources,
        }
    )
    return jsonify(body)


def _parse_date(value: str) -> date:
    return date.fromisoformat(value)


@bp.get("/equivalences")
@token_required()
def equivalence():
    args = request.args
    missing = [k for k in ("from", "grade", "to") if not args.get(k)]
    if missing:
        return api_error(
            422, "invalid", _("Missing parameters: %(names)s", names=", ".join(missing))
        )
    try:
        on = _parse_date(args["on"]) if args.get("on") else date.today()
    except ValueError:
        return api_error(422, "invalid", _("Dates are written as YYYY-MM-DD."))
    try:
        resolution, _origin, _dest = services.resolve_equivalence(
            args["from"], args["grade"], args["to"], on
        )
    except services.NotFound as err:
        return _not_found(err)
    except domain.CurriculumError as err:
        return api_error(422, err.code, message_for(RESOLUTION_ERRORS, err.code))
    locale = _locale()
    grade = resolution.grade
    return jsonify(
        {
            "grade": {
                "code": grade.code,
                "label": grade.label(locale),
                "cumulative_index": grade.cumulative_index,
            }
            if grade
            else None,
            "source": {
                "type": str(resolution.source_type),
                "table": resolution.table_id,
                "version": resolution.table_version,
            },
            "confidence": str(resolution.confidence),
            "flags": list(resolution.flags),
            "origin_grade": {
                "code": resolution.origin_grade.code,
                "label": resolution.origin_grade.label(locale),
                "cumulative_index": resolution.origin_grade.cumulative_index,
            },
        }
    )


def _scale_from(payload: object, field: str) -> Scale:
    if not isinstance(payload, dict) or not {"best", "pass", "worst"} <= payload.keys():
        raise MarkError("invalid_scale", {"field": field})
    return Scale(best=payload["best"], pass_mark=payload["pass"], worst=payload["worst"])


@bp.post("/marks/convert")
@token_required()
def marks_convert():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "mark" not in body or "scale" not in body:
        return api_error(422, "invalid", _("Send a JSON object with at least mark and scale."))
    try:
        scale = _scale_from(body["scale"], "scale")
        target = _scale_from(body["target"], "target") if body.get("target") else None
        method = Method(body.get("method", Method.MODIFIED_BAVARIAN))
        rounding = Rounding(body.get("rounding", Rounding.KMK_TRUNCATE_1DP))
        mark = body["mark"]
        if isinstance(mark, bool) or not isinstance(mark, int | float | str):
            raise MarkError("invalid_mark")
        result = convert_mark(str(mark), scale, method, rounding, target)
    except MarkError as err:
        return api_error(422, err.code, message_for(MARK_ERRORS, err.code))
    except ValueError:
        return api_error(422, "invalid", _("Unknown conversion method or rounding rule."))
    return jsonify(
        {
            "value": str(result.value) if result.value is not None else None,
            "passed": result.passed,
            "method": str(result.method),
            "rounding": str(result.rounding),
            "label": german_grade_label(result.label),
        }
    )


_GRADE = {
    "type": "object",
    "required": ["code", "label", "cumulative_index"],
    "properties": {
        "code": {"type": "string"},
        "label": {"type": "string"},
        "cumulative_index": {"type": "integer"},
        "isced_level": {"type": "integer"},
        "intended_age": {"type": ["integer", "null"]},
    },
}
_SCALE = {
    "type": "object",
    "required": ["best", "pass", "worst"],
    "properties": {
        "best": {"type": ["number", "string"]},
        "pass": {"type": ["number", "string"]},
        "worst": {"type": ["number", "string"]},
    },
}
_JSON = "application/json"

document(
    {
        "/systems": {
            "get": {
                "summary": "Education-system versions of every jurisdiction",
                "responses": {
                    "200": {
                        "description": "One entry per system version",
                        "content": {
                            _JSON: {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/SystemSummary"},
                                }
                            }
                        },
                    },
                    **error_responses(401),
                },
            }
        },
        "/systems/{code}": {
            "get": {
                "summary": "One system version with grades, age rule and grading scales",
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "example": "DE-NW",
                    },
                    {"name": "on", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "version", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "The version",
                        "content": {_JSON: {"schema": {"$ref": "#/components/schemas/System"}}},
                    },
                    **error_responses(401, 404, 422),
                },
            }
        },
        "/equivalences": {
            "get": {
                "summary": "The destination grade equivalent to an origin grade on a date",
                "parameters": [
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "grade",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "on", "in": "query", "schema": {"type": "string", "format": "date"}},
                ],
                "responses": {
                    "200": {
                        "description": "The equivalence and its source",
                        "content": {
                            _JSON: {"schema": {"$ref": "#/components/schemas/Equivalence"}}
                        },
                    },
                    **error_responses(401, 404, 422),
                },
            }
        },
        "/marks/convert": {
            "post": {
                "summary": "Convert a mark with the authority's method and rounding",
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {
                            "schema": {
                                "type": "object",
                                "required": ["mark", "scale"],
                                "properties": {
                                    "mark": {"type": ["number", "string"]},
                                    "scale": _SCALE,
                                    "target": _SCALE,
                                    "method": {"type": "string", "enum": [m.value for m in Method]},
                                    "rounding": {
                                        "type": "string",
                                        "enum": [r.value for r in Rounding],
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "The converted value",
                        "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Conversion"}}},
                    },
                    **error_responses(401, 422),
                },
            }
        },
    },
    {
        "SystemSummary": {
            "type": "object",
            "required": ["code", "name", "version", "valid_from", "valid_to"],
            "properties": {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "version": {"type": "string"},
                "label": {"type": "string"},
                "valid_from": {"type": "string", "format": "date"},
                "valid_to": {"type": ["string", "null"], "format": "date"},
                "status": {"type": "string", "enum": ["approved", "provisional"]},
            },
        },
        "System": {
            "allOf": [
                {"$ref": "#/components/schemas/SystemSummary"},
                {
                    "type": "object",
                    "required": ["grades", "age_rule", "school_year_start", "grading_scales"],
                    "properties": {
                        "grades": {"type": "array", "items": _GRADE},
                        "age_rule": {"type": "object"},
                        "school_year_start": {"type": "string", "example": "08-01"},
                        "grading_scales": {"type": "array", "items": {"type": "object"}},
                    },
                },
            ]
        },
        "Equivalence": {
            "type": "object",
            "required": ["grade", "source", "confidence", "flags"],
            "properties": {
                "grade": {"oneOf": [_GRADE, {"type": "null"}]},
                "source": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "enum": ["table", "isced_pivot"]},
                        "table": {"type": ["string", "null"]},
                        "version": {"type": ["integer", "null"]},
                    },
                },
                "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
                "flags": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Conversion": {
            "type": "object",
            "required": ["value", "passed", "method", "rounding", "label"],
            "properties": {
                "value": {"type": ["string", "null"], "example": "2.0"},
                "passed": {"type": "boolean"},
                "method": {"type": "string"},
                "rounding": {"type": "string"},
                "label": {"type": ["string", "null"], "example": "gut"},
            },
        },
    },
)
