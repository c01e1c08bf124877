"""Ed25519 issuer keys: ids, JWK export, sealing at rest, fingerprints and signed trust lists.

Private keys are stored sealed: AES-256-GCM under a key derived with HKDF-SHA256 from the
configuration secret (``PORTAL_KEY_SECRET``) and a random per-blob salt. The caller's context
(for example b"issuer:<id>") is bound as associated data, so a sealed key copied to another
row does not open. Blob layout: b"LPK1" | salt (16) | nonce (12) | ciphertext + tag (48).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from portal.passports.jws import (
    JwsResult,
    b64url_decode,
    b64url_encode,
    sign_jws,
    verify_jws,
)

KID_BYTES = 8
SEAL_MAGIC = b"LPK1"
SEAL_INFO = b"portal/passports/key-seal/v1"
SALT_BYTES, NONCE_BYTES, RAW_KEY_BYTES, TAG_BYTES = 16, 12, 32, 16
SEALED_LENGTH = len(SEAL_MAGIC) + SALT_BYTES + NONCE_BYTES + RAW_KEY_BYTES + TAG_BYTES
TRUST_LIST_TYP = "trust-list+jwt"


class KeySealError(Exception):
    """A sealed private key cannot be opened; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class KeyFormatError(ValueError):
    """A public key in JWK form is malformed or does not match its kid."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def generate_key() -> Ed25519PrivateKey:
    """Return a new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_bytes(public_key: Ed25519PublicKey) -> bytes:
    """Return the 8-byte key id: the first 8 bytes of SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public_key(public_key)).digest()[:KID_BYTES]


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return the key id as base64url text (the JWS kid; the COSE kid is the same 8 bytes)."""
    return b64url_encode(key_id_bytes(public_key))


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """Return the public key as an OKP / Ed25519 JWK with its kid."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(raw_public_key(public_key)),
        "kid": key_id(public_key),
    }


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """Load an Ed25519 public key from a JWK, checking its kid when present."""
    if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise KeyFormatError("unsupported_key_type")
    if "d" in jwk:
        raise KeyFormatError("private_key_material")
    try:
        raw = b64url_decode(jwk.get("x", ""))
    except ValueError:
        raise KeyFormatError("bad_x") from None
    if len(raw) != RAW_KEY_BYTES:
        raise KeyFormatError("bad_x")
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    if "kid" in jwk and jwk["kid"] != key_id(public_key):
        raise KeyFormatError("kid_mismatch")
    return public_key


def _seal_key(secret: str, salt: bytes) -> bytes:
    if not secret:
        raise ValueError("empty_secret")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=SEAL_INFO)
    return hkdf.derive(secret.encode("utf-8"))


def seal_private_key(private_key: Ed25519PrivateKey, secret: str, context: bytes) -> bytes:
    """Encrypt a private key for storage, bound to ``context``."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    raw = private_key.private_bytes_raw()
    sealed = AESGCM(_seal_key(secret, salt)).encrypt(nonce, raw, SEAL_MAGIC + context)
    return SEAL_MAGIC + salt + nonce + sealed


def open_private_key(blob: bytes, secret: str, context: bytes) -> Ed25519PrivateKey:
    """Decrypt a sealed private key; raise KeySealError on a wrong secret, context or blob."""
    if not isinstance(blob, bytes) or len(blob) != SEALED_LENGTH or not blob.startswith(SEAL_MAGIC):
        raise KeySealError("malformed_blob")
    salt_end = len(SEAL_MAGIC) + SALT_BYTES
    salt, nonce = blob[len(SEAL_MAGIC) : salt_end], blob[salt_end : salt_end + NONCE_BYTES]
    try:
        raw = AESGCM(_seal_key(secret, salt)).decrypt(
            nonce, blob[salt_end + NONCE_BYTES :], SEAL_MAGIC + context
        )
    except InvalidTag:
        raise KeySealError("wrong_secret_or_context") from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def fingerprint(data: bytes) -> str:
    """Return SHA-256 as upper-case hex in groups of four, for reading aloud and comparing."""
    digest = hashlib.sha256(data).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


# ---- trust lists ------------------------------------------------------------------------
# A trust list names the issuer keys a verifier accepts. Entry shape (JSON):
#   {"kid", "name", "jurisdiction", "public_key" (JWK), "not_before", "not_after" (ISO dates),
#    "purposes": ["passport", ...]}
# It is signed by a trust-anchor key; "seq" only grows, so an old list cannot be replayed.


@dataclass(frozen=True)
class TrustListResult:
    status: str
    reason_code: str
    seq: int | None = None
    issued_at: str | None = None
    entries: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def sign_trust_list(
    entries: Sequence[Mapping[str, Any]],
    private_key: Ed25519PrivateKey,
    kid: str,
    *,
    seq: int,
    issued_at: datetime,
) -> str:
    """Sign the list of trusted issuer keys as a compact JWS."""
    payload = {
        "issuers": [dict(e) for e in entries],
        "seq": seq,
        "issued_at": issued_at.isoformat(timespec="seconds"),
    }
    return sign_jws(payload, private_key, kid, typ=TRUST_LIST_TYP)


def _entry_ok(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    try:
        public_key = public_key_from_jwk(entry["public_key"])
        date.fromisoformat(entry["not_before"])
        date.fromisoformat(entry["not_after"])
    except (KeyError, TypeError, ValueError):
        return False
    purposes = entry.get("purposes")
    return (
        entry.get("kid") == key_id(public_key)
        and isinstance(purposes, list)
        and all(isinstance(p, str) for p in purposes)
    )


def verify_trust_list(
    token: str,
    resolve_anchor: Callable[[str], Ed25519PublicKey | None],
    min_seq: int = 0,
) -> TrustListResult:
    """Verify a signed trust list against the anchor keys; reject rollbacks below min_seq."""
    checked: JwsResult = verify_jws(token, resolve_anchor, expected_typ=TRUST_LIST_TYP)
    if not checked.ok or checked.payload is None:
        return TrustListResult(checked.status, checked.reason_code)
    payload = checked.payload
    seq, issuers = payload.get("seq"), payload.get("issuers")
    if set(payload) != {"issuers", "seq", "issued_at"} or type(seq) is not int:
        return TrustListResult("invalid", "bad_trust_list")
    if not isinstance(issuers, list) or not all(_entry_ok(e) for e in issuers):
        return TrustListResult("invalid", "bad_trust_list_entry")
    if seq < min_seq:
        return TrustListResult("invalid", "rollback", seq)
    return TrustListResult("valid", "ok", seq, str(payload["issued_at"]), tuple(issuers))


def trust_list_resolver(
    entries: Sequence[Mapping[str, Any]], purpose: str, on: date
) -> Callable[[bytes | str], Ed25519PublicKey | None]:
    """Return a kid -> key lookup over entries valid for ``purpose`` on date ``on``."""
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in entries:
        in_window = (
            date.fromisoformat(entry["not_before"]) <= on <= date.fromisoformat(entry["not_after"])
        )
        if purpose in entry["purposes"] and in_window:
            keys[entry["kid"]] = public_key_from_jwk(entry["public_key"])

    def resolve(kid: bytes | str) -> Ed25519PublicKey | None:
        return keys.get(b64url_encode(kid) if isinstance(kid, bytes) else kid)

    return resolve
