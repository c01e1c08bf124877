"""W3C Bitstring Status List v1.0: revocation bits, their encoding and how fresh they are.

Bit 0 is the most significant bit of the first byte. ``encodedList`` is multibase ``u`` +
base64url (no padding) of the GZIP-compressed bitstring. Lists are at least 131,072 entries
(16 KiB) so that fetching one reveals little about which credential is being checked.
"""

from __future__ import annotations

import gzip
import secrets
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.passports.jws import b64url_decode, b64url_encode

MIN_ENTRIES = 131_072
MULTIBASE_BASE64URL = "u"
DEFAULT_TTL = timedelta(milliseconds=300_000)  # the spec's default when ttl is absent
MAX_LIST_BYTES = 16 * 1024 * 1024  # inflated size cap: 134 million entries
MAX_ENCODED_CHARS = 4 * 1024 * 1024
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"

CURRENT, STALE = "current", "stale"
# Verification outcomes, most severe first.
VALID = "valid"
VALID_STATUS_NOT_CURRENT = "valid_status_not_current"
REVOKED = "revoked"
EXPIRED = "expired"
INVALID = "invalid"
UNKNOWN_ISSUER = "unknown_issuer"


class StatusListError(ValueError):
    """A status list is malformed or misused; ``code`` follows the spec's error names."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class BitstringStatusList:
    """A mutable bitstring of one-bit statuses."""

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        if size < MIN_ENTRIES or size % 8:
            raise StatusListError("STATUS_LIST_LENGTH_ERROR")
        self._bits = bytearray(size // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> BitstringStatusList:
        """Wrap an uncompressed bitstring, enforcing the minimum length."""
        if len(data) * 8 < MIN_ENTRIES:
            raise StatusListError("STATUS_LIST_LENGTH_ERROR")
        instance = cls.__new__(cls)
        instance._bits = bytearray(data)
        return instance

    def __len__(self) -> int:
        return len(self._bits) * 8

    def to_bytes(self) -> bytes:
        """Return the uncompressed bitstring."""
        return bytes(self._bits)

    def _locate(self, index: int) -> tuple[int, int]:
        if type(index) is not int or not 0 <= index < len(self):
            raise StatusListError("RANGE_ERROR")
        return index >> 3, 0x80 >> (index & 7)

    def get(self, index: int) -> bool:
        """Return the status bit at ``index``."""
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set or clear the status bit at ``index``."""
        byte, mask = self._locate(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def encode(self) -> str:
        """Return the spec's ``encodedList`` (GZIP, base64url, multibase ``u``)."""
        return MULTIBASE_BASE64URL + b64url_encode(gzip.compress(self.to_bytes(), 9, mtime=0))

    @classmethod
    def decode(cls, encoded: str, max_bytes: int = MAX_LIST_BYTES) -> BitstringStatusList:
        """Expand an ``encodedList`` with an inflated-size cap; raise StatusListError."""
        if not isinstance(encoded, str) or len(encoded) > MAX_ENCODED_CHARS:
            raise StatusListError("MALFORMED_VALUE_ERROR")
        if not encoded.startswith(MULTIBASE_BASE64URL):
            raise StatusListError("MALFORMED_VALUE_ERROR")
        try:
            compressed = b64url_decode(encoded[1:])
        except ValueError:
            raise StatusListError("MALFORMED_VALUE_ERROR") from None
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP container only
        try:
            data = inflater.decompress(compressed, max_bytes + 1)
        except zlib.error:
            raise StatusListError("MALFORMED_VALUE_ERROR") from None
        if len(data) > max_bytes or inflater.unconsumed_tail:
            raise StatusListError("STATUS_LIST_TOO_LARGE")
        if not inflater.eof or inflater.unused_data:
            raise StatusListError("MALFORMED_VALUE_ERROR")
        return cls.from_bytes(data)


def allocate_index(taken: Collection[int], size: int = MIN_ENTRIES) -> int:
    """Pick a random unused index, so that an index says nothing about issue order."""
    if len(taken) >= size:
        raise StatusListError("STATUS_LIST_FULL")
    while True:
        index = secrets.randbelow(size)
        if index not in taken:
            return index


def status_list_credential(
    list_url: str,
    issuer_id: str,
    encoded_list: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """Return the unsigned BitstringStatusListCredential for publication."""
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": _timestamp(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
            "ttl": int(ttl / timedelta(milliseconds=1)),
        },
    }
    if valid_until is not None:
        credential["validUntil"] = _timestamp(valid_until)
    return credential


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive_datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ttl_from_credential(credential: dict[str, Any]) -> timedelta:
    """Return the list's time to live, defaulting to the spec's 300,000 ms."""
    subject = credential.get("credentialSubject")
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    if ttl is None:
        return DEFAULT_TTL
    if type(ttl) is not int or ttl < 0:
        raise StatusListError("MALFORMED_VALUE_ERROR")
    return timedelta(milliseconds=ttl)


def evaluate(list_fetched_at: datetime, ttl: timedelta, now: datetime) -> str:
    """Return "current" while a fetched list is younger than its ttl, else "stale"."""
    age = now - list_fetched_at
    if age < timedelta(0):  # fetched "in the future": the clock is not trustworthy
        return STALE
    return CURRENT if age < ttl else STALE


@dataclass(frozen=True)
class StatusCheck:
    revoked: bool | None
    reason_code: str


def check_status(encoded_list: str, index: int) -> StatusCheck:
    """Look one index up in an encoded list; revoked is None when the list cannot answer."""
    try:
        return StatusCheck(BitstringStatusList.decode(encoded_list).get(index), "ok")
    except StatusListError as error:
        return StatusCheck(None, error.code)


def verification_status(
    signature_status: str, revoked: bool | None, list_stale: bool, expired: bool
) -> str:
    """Combine signature, revocation, list freshness and expiry into one verdict code.

    ``signature_status`` is a decode_qr / verify_jws status ("expired" there still means a
    good signature). A stale or missing list never yields plain "valid".
    """
    if signature_status == UNKNOWN_ISSUER:
        return UNKNOWN_ISSUER
    if signature_status not in (VALID, EXPIRED):
        return INVALID
    if revoked:
        return REVOKED
    if expired or signature_status == EXPIRED:
        return EXPIRED
    if revoked is None or list_stale:
        return VALID_STATUS_NOT_CURRENT
    return VALID
