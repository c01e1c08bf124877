"""Form helpers shared by every feature."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms select choices (labels may be lazy strings)."""
    return [SelectChoice(value, label) for value, label in pairs]
