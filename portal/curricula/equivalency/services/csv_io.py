"""CSV import and export of an equivalency table's rules.

One row per rule; the first row is the header. Columns, in any order, each exactly once:

=============  ====================================================================
record_type    ``grade``, ``subject`` or ``mark``
origin         grade: origin grade code; subject: origin subject code;
               mark: origin grading-scale code
destination    grade: destination grade code; subject: destination subject code;
               mark: destination grading-scale code (may be empty)
relation       grade rows: ``exact``, ``broader``, ``narrower`` or ``partial``
conditions     grade rows, optional: ``key=value;key=value`` (keys ``a-z0-9_``;
               ``true``/``false`` are yes/no values), e.g. ``requires_certificate=SY-BEC``
method         mark rows: ``modified_bavarian``, ``piecewise_linear``, ``band_table``, ``none``
rounding       mark rows: ``KMK_TRUNCATE_1DP``, ``NEAREST_STEP_TIE_BETTER``,
               ``NEXT_BETTER_STEP``
best           mark rows, optional: best mark of the origin scale (N_max), a decimal number
pass           mark rows, optional: pass mark of the origin scale (N_min), a decimal number
note_en        grade and subject rows, optional: note in English
note_<locale>  optional columns, one per other shipped locale (note_ar, note_uk, note_fr,
               note_es, note_de): the note in that language
=============  ====================================================================

A cell that does not apply to its record type must be empty. Reading is strict: UTF-8 only
(a leading BOM is fine), no NUL bytes, well-formed quoting, at most ``MAX_ROWS`` rules,
``MAX_BYTES`` bytes and ``FIELD_MAX`` characters per cell. Every row is checked and every
problem reported at once, with its row number (the header is row 1); nothing is written
unless the whole file is valid.

On export, a text cell that a spreadsheet would evaluate as a formula (it starts with
``= + - @``, a tab or a carriage return, possibly after a BOM, spaces or quotes) is prefixed
with a single quote; the import removes exactly that prefix again, so a round trip is exact.
Numbers (best, pass) are written as they are.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from portal.auth.models import User
from portal.common.csv_files import CsvImportError, CsvProblem, decode
from portal.common.csv_safety import defuse, restore
from portal.curricula.equivalency.domain.rules import (
    RULE_KINDS,
    GradeRuleInput,
    MarkRuleInput,
    RuleProblem,
    SubjectMappingInput,
    format_conditions,
    parse_conditions,
)
from portal.curricula.equivalency.domain.validation import check_rules
from portal.curricula.equivalency.services.content import rule_rows
from portal.curricula.equivalency.services.drafting import replace_rules
from portal.curricula.equivalency.services.lifecycle import TABLES, TableError, codes_of
from portal.curricula.models import EquivalencyTable
from portal.i18n.domain import LOCALE_CODES
from portal.versioning.services import require_draft

MAX_BYTES = 10 * 1000 * 1000
MAX_ROWS = 100_000
FIELD_MAX = 2000
MAX_PROBLEMS = 1000  # enough to fix a file; a file with more is probably the wrong file

NOTE_COLUMNS = tuple(f"note_{code}" for code in LOCALE_CODES)
REQUIRED_COLUMNS = (
    "record_type",
    "origin",
    "destination",
    "relation",
    "conditions",
    "method",
    "rounding",
    "best",
    "pass",
    "note_en",
)
OPTIONAL_COLUMNS = tuple(c for c in NOTE_COLUMNS if c not in REQUIRED_COLUMNS)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
RECORD_TYPES = RULE_KINDS
NUMERIC_COLUMNS = frozenset({"best", "pass"})
# Which columns each record type may fill; every other cell of the row must be empty.
APPLIES = {
    "grade": frozenset({"origin", "destination", "relation", "conditions", *NOTE_COLUMNS}),
    "subject": frozenset({"origin", "destination", *NOTE_COLUMNS}),
    "mark": frozenset({"origin", "destination", "method", "rounding", "best", "pass"}),
}


@dataclass
class ParsedRules:
    """Rules read from a file, with the row each came from, and the problems found."""

    grade_rules: list[GradeRuleInput] = field(default_factory=list)
    subject_mappings: list[SubjectMappingInput] = field(default_factory=list)
    mark_rules: list[MarkRuleInput] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in RECORD_TYPES})
    problems: list[CsvProblem] = field(default_factory=list)
    last_row: int = 0  # the number of the last record read (the header is 1)


# --- export ----------------------------------------------------------------------------------


def _notes(note: dict | None) -> dict[str, str]:
    return {f"note_{locale}": text for locale, text in (note or {}).items()}


def export_rows(table: EquivalencyTable) -> list[dict[str, str]]:
    """Return the table's rules as CSV records keyed by column name (not yet neutralised)."""
    records = []
    for r in rule_rows(table, "grade"):
        records.append(
            {
                "record_type": "grade",
                "origin": r["origin_grade"],
                "destination": r["dest_grade"],
                "relation": r["relation"],
                "conditions": format_conditions(r["conditions"] or {}),
                **_notes(r["note"]),
            }
        )
    for m in rule_rows(table, "subject"):
        records.append(
            {
                "record_type": "subject",
                "origin": m["origin_subject"],
                "destination": m["dest_subject"],
                **_notes(m["note"]),
            }
        )
    for m in rule_rows(table, "mark"):
        records.append(
            {
                "record_type": "mark",
                "origin": m["origin_scale"],
                "destination": m["target_scale"] or "",
                "method": m["method"],
                "rounding": m["rounding"],
                "best": m["best"] or "",
                "pass": m["pass_mark"] or "",
            }
        )
    return records


def export_csv(table: EquivalencyTable) -> str:
    """Return the table's rules as CSV text, with a BOM so that spreadsheets read UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in export_rows(table):
        writer.writerow([_cell(column, record.get(column, "")) for column in COLUMNS])
    return out.getvalue()


def _cell(column: str, value: str) -> str:
    # A number such as -5 must stay a number; anything else is text and may be defused.
    return defuse(value, numeric=column in NUMERIC_COLUMNS)


# --- import ----------------------------------------------------------------------------------


def _check_header(header: list[str]) -> list[CsvProblem]:
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(CsvProblem(1, name[:40], "duplicate_column", {"column": name[:40]}))
        elif name not in COLUMNS:
            problems.append(CsvProblem(1, name[:40], "unknown_column", {"column": name[:40]}))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append(CsvProblem(1, name, "missing_column", {"column": name}))
    return problems


def _cells_getter(indices: list[int]):
    """Return a function picking these cells of a row as a tuple (C speed for 2 or more)."""
    if len(indices) >= 2:
        return itemgetter(*indices)
    return lambda cells: tuple(cells[i] for i in indices)


class _Layout:
    """Where each column of a checked header sits: rows are read by position, not by name."""

    def __init__(self, header: list[str]):
        at = {name: i for i, name in enumerate(header)}
        self.width = len(header)
        self.kind, self.origin, self.destination = (
            at["record_type"],
            at["origin"],
            at["destination"],
        )
        self.relation, self.conditions = at["relation"], at["conditions"]
        self.method, self.rounding, self.best, self.pass_ = (
            at["method"],
            at["rounding"],
            at["best"],
            at["pass"],
        )
        self.notes = tuple((c.removeprefix("note_"), at[c]) for c in NOTE_COLUMNS if c in at)
        # per record type: the columns that must stay empty, and a fast getter for them
        self.foreign = {
            kind: tuple((c, at[c]) for c in header if c != "record_type" and c not in allowed)
            for kind, allowed in APPLIES.items()
        }
        self.foreign_cells = {
            kind: _cells_getter([i for _c, i in columns]) for kind, columns in self.foreign.items()
        }
        self.names = header


def _read_row(parsed: ParsedRules, row_no: int, cells: list[str], layout: _Layout) -> None:
    kind = cells[layout.kind]
    foreign_cells = layout.foreign_cells.get(kind)
    if foreign_cells is None:
        parsed.problems.append(
            CsvProblem(row_no, "record_type", "invalid_record_type", {"value": kind[:40]})
        )
        return
    if any(foreign_cells(cells)):
        misplaced = [column for column, i in layout.foreign[kind] if cells[i]]
        parsed.problems.extend(
            CsvProblem(row_no, column, "not_applicable", {"record_type": kind})
            for column in misplaced
        )
        return
    if kind == "mark":
        parsed.mark_rules.append(
            MarkRuleInput(
                cells[layout.origin],
                cells[layout.method],
                cells[layout.rounding],
                cells[layout.best] or None,
                cells[layout.pass_] or None,
                cells[layout.destination] or None,
            )
        )
    else:
        note = {locale: cells[i] for locale, i in layout.notes if cells[i]}
        if kind == "subject":
            parsed.subject_mappings.append(
                SubjectMappingInput(cells[layout.origin], cells[layout.destination], note)
            )
        else:
            try:
                conditions = parse_conditions(cells[layout.conditions])
            except ValueError as err:
                parsed.problems.append(
                    CsvProblem(row_no, "conditions", "invalid_conditions", {"value": str(err)[:80]})
                )
                return
            parsed.grade_rules.append(
                GradeRuleInput(
                    cells[layout.origin],
                    cells[layout.destination],
                    cells[layout.relation],
                    conditions,
                    note,
                )
            )
    parsed.rows[kind].append(row_no)


def _read_rows(parsed: ParsedRules, reader, layout: _Layout) -> None:
    """Read the records after the header, keeping the number of the last one read."""
    problems = parsed.problems
    for row_no, cells in enumerate(reader, start=2):
        parsed.last_row = row_no
        if row_no - 1 > MAX_ROWS:
            problems.append(CsvProblem(row_no, None, "too_many_rows", {"max": MAX_ROWS}))
            break
        cells = [restore(c).strip() if c[:1] == "'" else c.strip() for c in cells]
        if not any(cells):
            continue  # blank lines, e.g. at the end of the file, count but mean nothing
        if len(cells) != layout.width:
            found = {"expected": layout.width, "found": len(cells)}
            problems.append(CsvProblem(row_no, None, "wrong_column_count", found))
        elif max(map(len, cells)) > FIELD_MAX:
            problems.extend(
                CsvProblem(row_no, name, "too_long", {"max": FIELD_MAX})
                for name, cell in zip(layout.names, cells, strict=True)
                if len(cell) > FIELD_MAX
            )
        else:
            _read_row(parsed, row_no, cells, layout)


def read_rules(text: str) -> ParsedRules:
    """Read every row of a decoded file; structural problems go to ``problems``.

    A malformed header, broken quoting or too many rows stop the reading: what follows
    cannot be numbered reliably.
    """
    parsed = ParsedRules()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        parsed.last_row = 1
        header_problems = _check_header(header)
        if header_problems:
            raise CsvImportError(header_problems)
        _read_rows(parsed, reader, _Layout(header))
    except csv.Error as err:
        # The reader stopped inside the record after the last one it returned.
        code = "field_too_long" if "field larger" in str(err) else "malformed"
        parsed.problems.append(CsvProblem(parsed.last_row + 1, None, code, {"max": FIELD_MAX}))
    return parsed


def _rule_problems(parsed: ParsedRules, problems: Sequence[RuleProblem]) -> list:
    out = []
    for p in problems:
        rows = parsed.rows[p.kind]
        params = dict(p.params)
        if "first" in params:
            params["first"] = rows[int(params["first"])]
        column = p.column if p.column in COLUMNS else "note_en" if p.column == "note" else None
        out.append(CsvProblem(rows[p.index], column, p.code, params))
    return out


def _refuse(problems: list[CsvProblem]) -> CsvImportError:
    shown = problems[:MAX_PROBLEMS]
    return CsvImportError(shown, truncated=len(problems) - len(shown))


def import_csv(
    table: EquivalencyTable, official: User, raw: bytes, *, expected_lock_version: int | None
) -> dict[str, int]:
    """Replace a draft's rules with a file's, all or nothing; return the counts per kind."""
    require_draft(TABLES, table, official, expected_lock_version)
    with _cyclic_gc_paused():
        parsed = read_rules(decode(raw, MAX_BYTES))
        rules = (parsed.grade_rules, parsed.subject_mappings, parsed.mark_rules)
        if parsed.problems:
            # Report what is wrong with the well-formed rows too, so that one pass fixes all.
            origin, destination = codes_of(table.origin), codes_of(table.destination)
            _rows, problems = check_rules(origin, destination, *rules)
            raise _refuse(parsed.problems + _rule_problems(parsed, problems))
        try:
            return replace_rules(
                table, official, *rules, expected_lock_version=expected_lock_version, via="csv"
            )
        except TableError as err:
            if err.code != "invalid_rules":
                raise
            raise _refuse(_rule_problems(parsed, err.problems)) from None


@contextmanager
def _cyclic_gc_paused():
    # Hundreds of thousands of small, acyclic objects (rows, dicts, tuples) set off repeated
    # full collections that cost a third of a 50,000-row import; nothing here makes cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
