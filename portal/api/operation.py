"""Declaring an API operation: one schema per operation validates the request and documents it.

Why an in-house decorator over pydantic rather than an integration (evaluated 2026-12):

* spectree 3 reads bodies with ``request.get_json(silent=True) or {}`` (broken JSON becomes
  ``{}``, and nothing bounds nesting), and answers validation errors in its own list shape;
* flask-openapi3 4 replaces the ``Flask`` app class and ``Blueprint`` with its own, also
  parses with ``get_json``, and reports errors through one app-wide callback;
* flask-smorest 0.47 (marshmallow + webargs + apispec) fits the app factory, but would add a
  second modelling language, and its error shape and JSON reading need overriding as well.

None lets a feature keep the error ``details`` its clients already read, checks access
(401/403/404) before the body, or reads the body through our bounded parser without patching
internals. Pydantic v2 emits JSON Schema 2020-12, the dialect of OpenAPI 3.1, so the thin
layer here only adds what the integrations would have: an operation id, a tag, the place of
each schema (path, query, body, responses) and the error responses. The operation is kept on
the view function, and ``openapi.document`` reads it back from the app's URL map: nothing is
registered by import, and what is documented is exactly what is routed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any

from flask import Response, current_app, jsonify, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from portal.api.jsonbody import read_json_body
from portal.api.problems import DEFAULT, InvalidInput, ProblemStyle, problems_from
from portal.api.tokens import authenticate
from portal.auth.domain import Role


@dataclass(frozen=True)
class Download:
    """A response that is a file, not JSON (a passport PDF)."""

    media_type: str
    description: str


@dataclass(frozen=True)
class Operation:
    """Everything the server checks and the document says about one operation."""

    operation_id: str
    tag: str
    summary: str
    description: str | None
    roles: frozenset[Role] | None  # None: public, no token read
    responses: Mapping[int, Any]
    errors: tuple[int, ...]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    target: Callable[..., Any] | None = None
    problems: ProblemStyle = DEFAULT
    response_descriptions: Mapping[int, str] = field(default_factory=dict)

    @cached_property
    def adapters(self) -> dict[int, TypeAdapter]:
        return {
            status: TypeAdapter(model)
            for status, model in self.responses.items()
            if not isinstance(model, Download) and model is not None
        }

    def error_statuses(self) -> list[int]:
        """Return every error status the operation can answer with, declared or implied."""
        statuses = set(self.errors)
        if self.roles is not None:
            statuses.add(401)
            if self.roles != frozenset(Role):
                statuses.add(403)
        if self.query is not None or self.body is not None:
            statuses.add(422)
        if self.body is not None:
            statuses |= {400, 413}
        return sorted(statuses)


def operation(
    operation_id: str,
    *,
    tag: str,
    summary: str,
    responses: Mapping[int, Any],
    roles: Iterable[Role] | None = (),
    description: str | None = None,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    target: Callable[..., Any] | None = None,
    errors: Iterable[int] = (),
    problems: ProblemStyle = DEFAULT,
) -> Callable[[Callable], Callable]:
    """Declare an API operation; the decorated view gets validated ``query`` and ``body``.

    ``roles``: the token's account must have one of them (``()`` any role; ``None`` public,
    no token). ``target`` resolves the path parameters to the object the operation acts on
    (raising 404/403) *before* the body is read, so an out-of-scope object answers 404
    whatever was sent; the view then gets it as its first argument instead of the parameters.
    The view returns a JSON-able value, ``(value, status)``, ``(value, status, headers)`` or a
    Response; under TESTING the value is checked against the declared response schema.
    """
    op = Operation(
        operation_id=operation_id,
        tag=tag,
        summary=summary,
        description=description,
        roles=None if roles is None else frozenset(roles or Role),
        responses=dict(responses),
        errors=tuple(errors),
        query=query,
        body=body,
        target=target,
        problems=problems,
    )

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**path: Any):
            if op.roles is not None:
                refusal = authenticate(op.roles)
                if refusal is not None:
                    return refusal
            args: list[Any] = []
            kwargs: dict[str, Any] = dict(path)
            if op.target is not None:
                args, kwargs = [op.target(**path)], {}
            if op.query is not None:
                kwargs["query"] = _validated(op, op.query, request.args.to_dict(), "query")
            if op.body is not None:
                kwargs["body"] = _validated(op, op.body, read_json_body(), "body")
            return _respond(op, view(*args, **kwargs))

        wrapped.api_operation = op
        # Read by the access-matrix test and the CSRF guard: the session cookie carries no
        # authority here (token-only), or the operation is public and reads no cookie at all.
        wrapped.token_only = op.roles is not None
        wrapped.csrf_exempt = True
        return wrapped

    return decorator


def _validated(op: Operation, model: type[BaseModel], data: object, root: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InvalidInput(problems_from(err, root), op.problems) from None


def _respond(op: Operation, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    status, headers = 200, None
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else None
    if current_app.testing:
        _check_response(op, status, result)
    response = jsonify(result)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def _check_response(op: Operation, status: int, payload: Any) -> None:
    """Fail the test when an answer differs from what the document promises."""
    if status not in op.responses:
        raise AssertionError(f"{op.operation_id} answered {status}, which it does not declare")
    adapter = op.adapters.get(status)
    if adapter is not None:
        try:
            adapter.validate_python(payload)
        except ValidationError as err:
            raise AssertionError(f"{op.operation_id} {status} breaks its schema: {err}") from err
