"""The one way to turn a code and its parameters into a translated sentence."""

from __future__ import annotations

from collections.abc import Mapping


def code_text(
    catalog: Mapping[str, object],
    code: str,
    params: Mapping[str, object] | None = None,
    *,
    default: str | None = None,
) -> str:
    """Translate ``code`` through ``catalog`` (lazy strings) and fill in its parameters.

    An unknown code falls back to the ``default`` code's text, or to the code itself, so a
    missing catalog entry shows something a person can report rather than an empty cell.
    A parameter the text does not use is ignored; a text whose placeholders the parameters
    cannot fill is shown unfilled rather than failing the page.
    """
    text = catalog.get(code)
    if text is None and default is not None:
        text = catalog.get(default)
    rendered = str(text) if text is not None else code
    if not params:
        return rendered
    try:
        return rendered % dict(params)
    except (KeyError, TypeError, ValueError):
        return rendered
