"""The lifecycle's pure vocabulary: the statuses of a version and its content fingerprint."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum


class Status(StrEnum):
    """Where a version stands: being prepared, in force, or kept only for the record."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


def canonical_hash(content: object) -> str:
    """Return SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8)."""
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
