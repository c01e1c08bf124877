"""Field types for API request schemas: each one validates and describes itself.

A field's check and its JSON Schema are written side by side, so what the server refuses and
what the OpenAPI document forbids are the same thing. Checks raise pydantic errors carrying a
portal problem code (``portal_code`` in the context), read by ``problems.problems_from``.
Request models derive from ``RequestModel``: strict (``"5"`` is not an integer, ``1`` is not
``true``), and unknown fields are ignored, as they always were.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

# Texts are refused when they hold a NUL (PostgreSQL cannot store one); a required text needs
# something other than white space. Both say the same in the schema, for clients and fuzzers.
_NO_NUL = "^[^\\u0000]*$"
_SOMETHING = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class RequestModel(BaseModel):
    """Base of request schemas: strict types; fields the schema does not name are ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class ResponseModel(BaseModel):
    """Base of response schemas: only for the document and for checking answers in tests."""

    model_config = ConfigDict(extra="forbid")


def refuse(code: str, **params: object) -> PydanticCustomError:
    """Return the error that refuses a value with a portal problem code."""
    return PydanticCustomError("portal", code, {"portal_code": code, **params})


def _field(check: Callable[[Any], Any], schema: dict[str, Any], python: type = str) -> Any:
    return Annotated[python, PlainValidator(check), WithJsonSchema(schema, mode="validation")]


def clean_text(value: str) -> str:
    """Return text NFC-normalised with outer white space removed (as the services keep it)."""
    return unicodedata.normalize("NFC", value).strip()


def text(
    max_length: int,
    *,
    required: bool = True,
    numbers: bool = False,
    pattern: str | None = None,
    **doc: Any,
) -> Any:
    """A text of at most ``max_length`` characters, stored cleaned (NFC, outer spaces cut).

    ``numbers=True`` also takes a JSON number and keeps it as written (a mark ``87``).
    Without ``required``, "" is accepted and means "not given". ``pattern`` (a regular
    expression the raw text must match) replaces the default one and raises ``invalid``.
    """

    def check(value: object) -> str:
        if value is None:
            raise refuse("required")
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise refuse("not_text")
        cleaned = clean_text(value)
        if "\x00" in value or len(value) > max_length or len(cleaned) > max_length:
            raise refuse("too_long", max=max_length)
        if required and not cleaned:
            raise refuse("required")
        if pattern is not None and not re.search(pattern, value):
            raise refuse("invalid")
        return cleaned

    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, **doc}
    schema["pattern"] = pattern or (_SOMETHING if required else _NO_NUL)
    if required:
        schema["minLength"] = 1
    if numbers:
        schema = {"oneOf": [schema, {"type": "number"}], **doc}
    return _field(check, schema)


def choice(values: Iterable[str], **doc: Any) -> Any:
    """One of a fixed list of codes."""
    allowed = tuple(str(v) for v in values)

    def check(value: object) -> str:
        if value is None:
            raise refuse("required")
        if not isinstance(value, str):
            raise refuse("not_text")
        if value not in allowed:
            raise refuse("invalid_choice", choices=", ".join(allowed))
        return value

    return _field(check, {"type": "string", "enum": list(allowed), **doc})


def iso_date(**doc: Any) -> Any:
    """A calendar date written YYYY-MM-DD."""

    def check(value: object) -> date:
        if value is None:
            raise refuse("required")
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise refuse("not_date")

    schema = {"type": "string", "format": "date", **doc}
    # Written back as it was read: pydantic 2.14 warns when a plain-validated date is dumped.
    as_text = PlainSerializer(date.isoformat, return_type=str)
    return Annotated[_field(check, schema, date), as_text]


def integer(minimum: int, maximum: int, **doc: Any) -> Any:
    """A whole JSON number between ``minimum`` and ``maximum`` (``true`` is not 1)."""

    def check(value: object) -> int:
        if value is None:
            raise refuse("required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse("not_integer", min=minimum, max=maximum)
        if not minimum <= value <= maximum:
            raise refuse("out_of_range", min=minimum, max=maximum)
        return value

    schema = {"type": "integer", "minimum": minimum, "maximum": maximum, **doc}
    return _field(check, schema, int)


def query_integer(minimum: int, maximum: int, **doc: Any) -> Any:
    """A whole number in a query string (digits only) between ``minimum`` and ``maximum``."""

    def check(value: object) -> int:
        text_value = value.strip() if isinstance(value, str) else ""
        if not (text_value.isascii() and text_value.isdigit()):
            raise refuse("out_of_range", min=minimum, max=maximum)
        number = int(text_value)
        if not minimum <= number <= maximum:
            raise refuse("out_of_range", min=minimum, max=maximum)
        return number

    schema = {"type": "integer", "minimum": minimum, "maximum": maximum, **doc}
    return _field(check, schema, int)


def boolean(**doc: Any) -> Any:
    """``true`` or ``false`` (not 1, not "yes")."""

    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise refuse("not_boolean")
        return value

    return _field(check, {"type": "boolean", **doc}, bool)


LARGEST = 10**12  # marks and scale ends are small; a larger number is a mistake
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")


def decimal_text(max_length: int = 24, *, code: str = "not_number", **doc: Any) -> Any:
    """A number, sent as a JSON number or as text ("4.5"); kept as the text of the number."""

    def check(value: object) -> str:
        if value is None:
            raise refuse("required")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not -LARGEST <= value <= LARGEST:
                raise refuse(code)
            value = str(value)
        if not isinstance(value, str) or len(value) > max_length:
            raise refuse(code)
        if not _DECIMAL.fullmatch(value):
            raise refuse(code)
        return value

    as_text = {"type": "string", "pattern": f"^{_DECIMAL.pattern}$", "maxLength": max_length}
    as_number = {"type": "number", "minimum": -LARGEST, "maximum": LARGEST}
    return _field(check, {"oneOf": [as_number, as_text], **doc})
