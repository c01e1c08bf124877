"""Hash chain of audit entries: each entry's hash covers its content and its predecessor."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


def canonical_json(fields: Mapping[str, object]) -> bytes:
    """Serialise fields deterministically (sorted keys, no spaces, UTF-8)."""
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def chain_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """Return SHA-256 over the previous hash and the canonical content, as hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"|" + canonical_json(fields)).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    seq: int
    prev_hash: str
    hash: str
    fields: Mapping[str, object]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(links: Iterable[ChainLink]) -> ChainReport:
    """Walk the links in order and report the first one whose content or link is broken."""
    expected_prev = GENESIS_HASH
    checked = 0
    for link in links:
        if link.prev_hash != expected_prev:
            return ChainReport(checked, link.seq, "prev_hash_mismatch")
        if chain_hash(link.prev_hash, link.fields) != link.hash:
            return ChainReport(checked, link.seq, "content_mismatch")
        expected_prev = link.hash
        checked += 1
    return ChainReport(checked, None, None)
