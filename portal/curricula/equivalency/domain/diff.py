"""What one version of a table changes against another: fields, and rules matched by key."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from portal.curricula.equivalency.domain.rules import format_conditions


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: object
    new: object


@dataclass(frozen=True)
class RowChange:
    """One rule in a diff: status is added, removed, changed or unchanged."""

    status: str
    old: Mapping | None
    new: Mapping | None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDiff:
    fields: tuple[FieldChange, ...]
    grade_rules: tuple[RowChange, ...]
    subject_mappings: tuple[RowChange, ...]
    mark_rules: tuple[RowChange, ...]

    def count(self, status: str) -> int:
        """Return how many rules (of every kind) have a status."""
        rows = (*self.grade_rules, *self.subject_mappings, *self.mark_rules)
        return sum(1 for r in rows if r.status == status)


_DIFF_FIELDS = (
    "origin",
    "destination",
    "valid_from",
    "valid_to",
    "precedence",
    "provisional",
    "authority",
    "basis",
    "sources",
)
_KEYS = {
    "grade_rules": lambda r: (r["origin_grade"], format_conditions(r["conditions"])),
    "subject_mappings": lambda r: (r["origin_subject"], r["dest_subject"]),
    "mark_rules": lambda r: (r["origin_scale"], r["target_scale"]),
}


def _keyed(rows: list[dict], key) -> list[tuple[tuple, dict]]:
    seen: dict[tuple, int] = defaultdict(int)
    keyed = []
    for row in rows:
        k = key(row)
        seen[k] += 1
        keyed.append(((*k, seen[k]), row))  # the occurrence number keeps duplicates apart
    return keyed


def diff_rows(old: list[dict], new: list[dict], key) -> tuple[RowChange, ...]:
    """Match rules by key; keep the new order and put removed rules where they used to be."""
    old_keyed, new_keyed = _keyed(old, key), _keyed(new, key)
    new_index = {k: j for j, (k, _row) in enumerate(new_keyed)}
    old_map = dict(old_keyed)
    removed_after: dict[int, list[RowChange]] = defaultdict(list)
    anchor = -1
    for k, row in old_keyed:
        if k in new_index:
            anchor = max(anchor, new_index[k])
        else:
            removed_after[anchor].append(RowChange("removed", row, None))
    out = list(removed_after[-1])
    for j, (k, row) in enumerate(new_keyed):
        before = old_map.get(k)
        if before is None:
            out.append(RowChange("added", None, row))
        else:
            changed = tuple(c for c in row if row[c] != before.get(c))
            out.append(RowChange("changed" if changed else "unchanged", before, row, changed))
        out.extend(removed_after[j])
    return tuple(out)


def diff_content(old: Mapping | None, new: Mapping) -> TableDiff:
    """Return the differences between two canonical contents (old None: everything is new)."""
    old = old or {}
    fields = tuple(
        FieldChange(name, old.get(name), new.get(name))
        for name in _DIFF_FIELDS
        if old and old.get(name) != new.get(name)
    )
    kinds = {
        kind: diff_rows(list(old.get(kind, [])), list(new.get(kind, [])), key)
        for kind, key in _KEYS.items()
    }
    return TableDiff(fields, **kinds)
