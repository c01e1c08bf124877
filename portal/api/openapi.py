"""The OpenAPI 3.1 document, assembled from the operations the app actually routes.

Each operation's schemas come from its pydantic models (JSON Schema 2020-12, the dialect of
OpenAPI 3.1); the document is built once per app from its URL map and cached.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, request
from pydantic import TypeAdapter

from portal.api.operation import Download, Operation, operation
from portal.api.problems import ProblemStyle

PREFIX = "/api/v1"
CACHE_KEY = "portal.openapi"
REF = "#/components/schemas/{model}"
JSON = "application/json"
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, for programs"},
                "message": {"type": "string", "description": "for people, in their language"},
                "details": {},
            },
        }
    },
}


def _routes(app: Flask) -> list[tuple[str, str, Operation]]:
    found = []
    for rule in app.url_map.iter_rules():
        op = getattr(app.view_functions.get(rule.endpoint), "api_operation", None)
        if op is None or not rule.rule.startswith(PREFIX):
            continue
        path = _PARAMETER.sub(r"{\1}", rule.rule[len(PREFIX) :])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), op))
    return found


def _schemas(routes: list[tuple[str, str, Operation]]) -> tuple[dict, dict]:
    inputs: list[tuple[Any, str, TypeAdapter]] = []
    for _path, _method, op in routes:
        if op.body is not None:
            inputs.append(((op.operation_id, "body"), "validation", TypeAdapter(op.body)))
        if op.query is not None:
            inputs.append(((op.operation_id, "query"), "validation", TypeAdapter(op.query)))
        for status, adapter in op.adapters.items():
            inputs.append(((op.operation_id, status), "serialization", adapter))
    keyed, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF)
    return {key: schema for (key, _mode), schema in keyed.items()}, definitions.get("$defs", {})


def _inline(schema: dict, components: dict) -> dict:
    """Return a query model's own schema (its properties become parameters)."""
    ref = schema.get("$ref", "")
    return components[ref.rsplit("/", 1)[-1]] if ref else schema


def _error_response(status: int, op: Operation) -> dict:
    schema: dict[str, Any] = {"$ref": REF.format(model="Error")}
    if status == 422 and (op.body is not None or op.query is not None):
        name = "ProblemsByField" if op.problems.by_field else "ProblemList"
        schema = {"$ref": REF.format(model=f"ValidationError{name}")}
    return {"description": HTTPStatus(status).phrase, "content": {JSON: {"schema": schema}}}


def _operation(path: str, op: Operation, keyed: dict, components: dict) -> dict:
    item: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
    }
    if op.description:
        item["description"] = op.description
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{([^}]+)}", path)
    ]
    if op.query is not None:
        schema = _inline(keyed[(op.operation_id, "query")], components)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = {k: v for k, v in prop.items() if k not in ("title", "default")}
            parameter = {"name": name, "in": "query", "required": name in required}
            parameters.append({**parameter, "schema": prop})
    if parameters:
        item["parameters"] = parameters
    if op.body is not None:
        body_schema = keyed[(op.operation_id, "body")]
        item["requestBody"] = {"required": True, "content": {JSON: {"schema": body_schema}}}
    responses: dict[str, Any] = {}
    for status, model in sorted(op.responses.items()):
        description = HTTPStatus(status).phrase
        if isinstance(model, Download):
            content = {model.media_type: {"schema": {"type": "string", "format": "binary"}}}
            responses[str(status)] = {"description": model.description, "content": content}
        else:
            content = {JSON: {"schema": keyed[(op.operation_id, status)]}}
            responses[str(status)] = {"description": description, "content": content}
    for status in op.error_statuses():
        responses[str(status)] = _error_response(status, op)
    item["responses"] = responses
    if op.roles is None:
        item["security"] = []
    return item


def _validation_error(details: dict) -> dict:
    schema = {**ERROR_SCHEMA, "properties": {"error": dict(ERROR_SCHEMA["properties"]["error"])}}
    schema["properties"]["error"]["properties"] = {
        **ERROR_SCHEMA["properties"]["error"]["properties"],
        "code": {"type": "string", "examples": ["invalid"]},
        "details": details,
    }
    return schema


def document(app: Flask) -> dict[str, Any]:
    """Return the app's OpenAPI document (without ``servers``, which depend on the request)."""
    cached = app.extensions.get(CACHE_KEY)
    if cached is not None:
        return cached
    routes = _routes(app)
    keyed, components = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in routes:
        paths.setdefault(path, {})[method] = _operation(path, op, keyed, components)
    ops = [op for _path, _method, op in routes]
    ids = [op.operation_id for op in ops]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"operation ids used twice: {duplicates}")
    components.update(
        {
            "Error": ERROR_SCHEMA,
            "ValidationErrorProblemList": _validation_error(ProblemStyle().details_schema()),
            "ValidationErrorProblemsByField": _validation_error(
                ProblemStyle(by_field=True).details_schema()
            ),
        }
    )
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Education continuity portal API",
            "version": "1.0.0",
            "description": (
                "Authenticate with a personal token: `Authorization: Bearer lp_...`. "
                'Errors always have the shape {"error": {"code", "message", "details"}}; '
                "messages follow Accept-Language."
            ),
        },
        "tags": [{"name": name} for name in sorted({op.tag for op in ops})],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": dict(sorted(components.items())),
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }
    app.extensions[CACHE_KEY] = doc
    return doc


@operation(
    "getOpenApiDocument",
    tag="meta",
    summary="This document",
    roles=None,
    responses={200: dict[str, Any]},
)
def openapi_view():
    server = request.host_url.rstrip("/") + PREFIX
    return {**document(current_app), "servers": [{"url": server}]}
