"""Validation problems: from a schema's verdict to the error shape's ``details``.

Every refused field becomes a Problem (field path, code, parameters). The codes are few and
stable (``required``, ``too_long``, ``invalid_choice`` ...); a feature whose clients already
know other names for them (placement's ``invalid_date``) declares a ProblemStyle that renames
them, translates them, and chooses how ``details`` is written: a list of
``{"field", "code", "message"}`` (the default) or ``{field: [messages]}`` (learners).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from portal.common.errors import CodedError
from portal.i18n.labels import code_text


@dataclass(frozen=True)
class Problem:
    """One refused value: its path (``studies[0].grade``; ``body`` for the whole body)."""

    field: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


class InvalidInput(CodedError):
    """The request does not match its operation's schema (or a rule the service checks)."""

    status = 422

    def __init__(self, problems: Iterable[Problem], style: ProblemStyle | None = None) -> None:
        super().__init__("invalid")
        self.problems = list(problems)
        self.style = style or DEFAULT


TEXTS = {
    "required": _l("This field is required."),
    "not_text": _l("Write this as text."),
    "too_long": _l("Too long: at most %(max)d characters."),
    "not_date": _l("Dates are written as YYYY-MM-DD."),
    "invalid_choice": _l("Not an accepted value. Use one of: %(choices)s."),
    "invalid": _l("Not an accepted value."),
    "not_integer": _l("Write a whole number."),
    "not_number": _l("Not an accepted value."),
    "out_of_range": _l("Out of range: from %(min)d to %(max)d."),
    "not_boolean": _l("Write true or false."),
    "not_list": _l("Send a list here."),
    "too_many": _l("At most %(max)d entries are accepted."),
    "not_object": _l("Send an object with named fields here."),
}
SUMMARY = _l("Some fields are not valid: %(problems)s")
BY_FIELD_SUMMARY = _l("Some of what you sent is not valid.")
NOT_AN_OBJECT = _l("Send a JSON object.")

# pydantic's error types, as the few codes above; anything unlisted is "invalid".
_PYDANTIC_CODES = {
    "missing": "required",
    "string_type": "not_text",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "int_type": "not_integer",
    "int_parsing": "not_integer",
    "int_from_float": "not_integer",
    "float_type": "not_number",
    "float_parsing": "not_number",
    "finite_number": "not_number",
    "bool_type": "not_boolean",
    "bool_parsing": "not_boolean",
    "date_type": "not_date",
    "date_parsing": "not_date",
    "date_from_datetime_parsing": "not_date",
    "date_from_datetime_inexact": "not_date",
    "list_type": "not_list",
    "too_long": "too_many",
    "too_short": "required",
    "dict_type": "not_object",
    "model_type": "not_object",
    "model_attributes_type": "not_object",
    "dataclass_type": "not_object",
}


def _path(loc: tuple[int | str, ...], root: str) -> str:
    text = ""
    for part in loc:
        if part == "[key]":  # the key itself was refused: name the key, as a value would be
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or root


def problems_from(err: ValidationError, root: str = "body") -> list[Problem]:
    """Turn pydantic's verdict into problems, in the order of the schema's fields."""
    problems = []
    for item in err.errors(include_url=False):
        kind, ctx = item["type"], dict(item.get("ctx") or {})
        if kind in _PYDANTIC_CODES:
            code = _PYDANTIC_CODES[kind]
            if item.get("input") is None and item["loc"] and code != "required":
                code = "required"  # null where a value is required
            params = {"max": ctx["max_length"]} if "max_length" in ctx else {}
        elif ctx.get("portal_code"):  # raised by portal.api.fields with our own code
            code = str(ctx.pop("portal_code"))
            params = ctx
        else:
            code, params = "invalid", {}
        problems.append(Problem(_path(item["loc"], root), code, params))
    return problems


@dataclass(frozen=True)
class ProblemStyle:
    """How one feature names, translates and lays out its validation problems."""

    by_field: bool = False
    renames: Mapping[str, str] = field(default_factory=dict)
    # Problem codes that clients knew as the error's own code before the schema existed
    # (``languages_same``): the error takes that code when every problem has it.
    error_codes: frozenset[str] = frozenset()
    text: Callable[[str, Mapping[str, object]], str] = lambda code, params: code_text(
        TEXTS, code, params
    )

    def code(self, problems: list[Problem]) -> str:
        """Return the error's code: ``invalid``, or one of ``error_codes`` shared by all."""
        codes = {p.code for p in problems}
        return codes.pop() if len(codes) == 1 and codes <= self.error_codes else "invalid"

    def render(self, problems: list[Problem]) -> tuple[str, object]:
        """Return the error message and ``details`` for these problems."""
        named = [Problem(p.field, self.renames.get(p.code, p.code), p.params) for p in problems]
        if self.by_field:
            details: Any = {}
            for p in named:
                details.setdefault(p.field, []).append(self.text(p.code, p.params))
            message = str(BY_FIELD_SUMMARY)
        else:
            details = [
                {"field": p.field, "code": p.code, "message": self.text(p.code, p.params)}
                for p in named
            ]
            listing = "; ".join(f"{d['field']}: {d['message']}" for d in details)
            message = str(SUMMARY) % {"problems": listing}
        if [(p.field, p.code) for p in problems] == [("body", "not_object")]:
            message = str(NOT_AN_OBJECT)
        return message, details

    def details_schema(self) -> dict[str, Any]:
        """Return the JSON schema of ``details`` in this style (for the OpenAPI document)."""
        if self.by_field:
            return {
                "type": "object",
                "description": "Messages per field path, e.g. names[0].given",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }
        return {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string", "examples": ["studies[0].grade"]},
                    "code": {"type": "string", "examples": ["required"]},
                    "message": {"type": "string"},
                },
            },
        }


DEFAULT = ProblemStyle()
