"""The one base for expected failures: a code, its parameters, and the field it concerns."""

from __future__ import annotations

from collections.abc import Mapping


class CodedError(ValueError):
    """An expected failure named by a stable code; translated at the edge, never here.

    ``status`` is the HTTP status the edge answers with when nothing more specific applies
    (422: the input was understood but refused). Subclasses narrow the meaning per feature.
    """

    status: int = 422

    def __init__(
        self,
        code: str,
        params: Mapping[str, object] | None = None,
        *,
        field: str | None = None,
        status: int | None = None,
        **more: object,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, object] = {**(params or {}), **more}
        self.field = field
        if status is not None:
            self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r}, field={self.field!r})"


class NotFound(CodedError):
    """Nothing at this address for this user (out of scope looks exactly like missing)."""

    status = 404

    def __init__(self, code: str = "not_found", params: Mapping[str, object] | None = None, **more):
        super().__init__(code, params, **more)


class Conflict(CodedError):
    """Someone changed the thing in the meantime, or it is in a state that refuses this."""

    status = 409
