"""An uploaded CSV file's bytes read as text, and the problems reported about a file.

Shared by every CSV import (equivalency-table rules, cohorts of learners): strict UTF-8 (a
leading BOM is fine), no NUL bytes, no UTF-16/32; every problem carries its row number.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_MAX_BYTES = 10 * 1000 * 1000
_BAD_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


@dataclass(frozen=True)
class CsvProblem:
    """One problem of a file: row number (header = 1; 0 = the whole file), column, reason."""

    row: int
    column: str | None
    code: str
    params: dict = field(default_factory=dict)


class CsvImportError(ValueError):
    """The file was refused; ``problems`` lists every reason, ``truncated`` any left out."""

    def __init__(self, problems: Sequence[CsvProblem], truncated: int = 0):
        super().__init__("csv_import_refused")
        self.problems = sorted(problems, key=lambda p: (p.row, p.column or ""))
        self.truncated = truncated


def decode(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Return the text of a UTF-8 file (BOM allowed), or raise CsvImportError."""
    if len(raw) > max_bytes:
        raise CsvImportError([CsvProblem(0, None, "too_large", {"max_mb": max_bytes // 10**6})])
    if raw.startswith(_BAD_BOMS) or b"\x00" in raw:
        raise CsvImportError([CsvProblem(0, None, "not_utf8")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError([CsvProblem(0, None, "not_utf8")]) from None
    if not text.strip():
        raise CsvImportError([CsvProblem(0, None, "empty")])
    return text
