"""The one rule for spreadsheet cells that could run as formulas (CSV injection), both ways.

A cell is defused by a leading apostrophe when its first significant character could start a
formula or a DDE call in Excel, LibreOffice or Google Sheets (OWASP "CSV Injection", extended
with the pipe, the percent sign, line breaks and the full-width forms some spreadsheets
normalise). Plain numbers stay numbers where the column is numeric. ``restore`` undoes exactly
what ``defuse`` added, so an export read back in is the same text.
"""

from __future__ import annotations

import re

TRIGGERS = "=+-@\t\r\n|%\uff1d\uff0b\uff0d\uff20"
# Spreadsheets skip a byte-order mark, spaces and quotes before deciding a cell is a formula.
_RISKY = re.compile("[\ufeff '\"]*[" + re.escape(TRIGGERS) + "]")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def is_risky(cell: str) -> bool:
    """Tell whether a spreadsheet could evaluate the cell."""
    return bool(_RISKY.match(cell))


def defuse(value: object, *, numeric: bool = False) -> str:
    """Return the cell as text a spreadsheet shows and never runs (numbers kept if numeric)."""
    text = "" if value is None else str(value)
    if numeric and _NUMBER.fullmatch(text):
        return text
    return "'" + text if is_risky(text) else text


def restore(cell: str) -> str:
    """Undo ``defuse``: drop the one apostrophe it adds, and nothing else."""
    return cell[1:] if cell.startswith("'") and _RISKY.match(cell, 1) else cell
