"""The API's one JSON body parser: bounded in size and nesting depth, never a 500.

Flask's ``request.get_json`` hands any body to ``json.loads``, which recurses once per
nesting level: ``"[" * 1000 + "]" * 1000`` raised RecursionError (a 500) on every JSON route.
Here the depth is counted on the bytes first, in one pass without recursion, so a hostile
body is refused with 400 before the decoder sees it.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from portal.common.errors import CodedError

MAX_BYTES = 256 * 1024  # the largest legitimate body, a passport's JSON document, is ~20 KB
MAX_DEPTH = 32  # the deepest request schema (a signed credential document) nests 8 levels
JSON_TYPES = ("application/json",)

MESSAGES = {
    "not_json": _l("The body is not valid JSON."),
    "too_deep": _l("The body is nested more than %(max)d levels deep."),
    "payload_too_large": _l("What you sent is larger than the portal accepts."),
    "not_an_object": _l("Send a JSON object."),
}


class BodyError(CodedError):
    """The request body cannot be read as JSON at all (400), or is too large (413)."""

    status = 400


def _depth_exceeds(raw: bytes, limit: int) -> bool:
    """Tell whether arrays and objects nest deeper than ``limit`` (brackets in strings skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # Python's decoder accepts NaN and Infinity


def is_json_request() -> bool:
    """Tell whether the request says its body is JSON (``application/json`` or ``+json``)."""
    mimetype = request.mimetype or ""
    return mimetype in JSON_TYPES or mimetype.endswith("+json")


def read_json_body() -> object:
    """Return the parsed JSON body; raise BodyError when it is too large, too deep or broken.

    A body that is not declared as JSON is returned as None: the operation's schema then
    refuses it with 422 ("Send a JSON object"), as it would any other value of the wrong type.
    """
    limit = current_app.config.get("API_MAX_BODY_BYTES", MAX_BYTES)
    if request.content_length is not None and request.content_length > limit:
        raise BodyError("payload_too_large", status=413)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise BodyError("payload_too_large", status=413)
    if not is_json_request():
        return None
    depth = current_app.config.get("API_MAX_JSON_DEPTH", MAX_DEPTH)
    if _depth_exceeds(raw, depth):
        raise BodyError("too_deep", {"max": depth})
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BodyError("not_json") from None
