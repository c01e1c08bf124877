"""The LP1 QR code: COSE_Sign1 (EdDSA) over a canonical CBOR payload, zlib, base45.

Encoding mirrors the EU DCC (HC1): ``"LP1:" + base45(zlib(COSE_Sign1))`` with protected header
``{1: -8 (EdDSA), 4: kid}`` (kid = 8 bytes) and an empty unprotected header. Decoding is
canonical at every layer: re-encoding the decoded value must give back the exact input (the
base45 text, the zlib bytes, the COSE envelope, the protected header and the payload CBOR), so
no two different strings verify as the same passport.

The zlib layer is compared against ``zlib.compress(data, 9)`` of the running zlib. A zlib
build that compresses differently (zlib-ng, a future zlib) would reject codes printed earlier;
the golden-vector unit test exists to catch that before deployment.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal.passports.domain import (
    PassportContent,
    PassportDataError,
    PassportSummary,
    claims_payload,
    document_from_payload,
    summarise,
    summary_payload,
)

PREFIX = "LP1:"
ALG_EDDSA = -8
HEADER_ALG, HEADER_KID = 1, 4
KID_LENGTH = 8
COSE_SIGN1_TAG = 18
SIGNATURE_LENGTH = 64
MAX_QR_CHARS = 1200  # TECH §3: about version 28 at error-correction level Q
DEFAULT_MAX_CHARS = 4000
DEFAULT_MAX_INFLATED = 64 * 1024
MAX_PROTECTED_HEADER = 64
SIZE_ESTIMATE_MARGIN = 16  # a stand-in signature compresses a few bytes differently
BASE45_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"  # RFC 9285 order
_BASE45_ALPHABET = frozenset(BASE45_CHARS)

VALID, INVALID, UNKNOWN_ISSUER, EXPIRED = "valid", "invalid", "unknown_issuer", "expired"

KeyResolver = Callable[[bytes], Ed25519PublicKey | None]


@dataclass(frozen=True)
class QrResult:
    status: str
    reason_code: str
    kid: bytes | None = None
    payload: dict[str, Any] | None = None
    document: PassportContent | PassportSummary | None = None

    @property
    def ok(self) -> bool:
        return self.status == VALID


class _Reject(Exception):
    def __init__(self, status: str, reason: str, kid: bytes | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.kid = status, reason, kid


def _canonical(value: Any) -> bytes:
    return cbor2.dumps(value, canonical=True)


def _protected_header(kid: bytes) -> bytes:
    return _canonical({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})


def _sig_structure(protected: bytes, body: bytes) -> bytes:
    # RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload]
    return _canonical(["Signature1", protected, b"", body])


def _envelope(protected: bytes, body: bytes, signature: bytes) -> bytes:
    return _canonical(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, body, signature]))


def _transport(cose: bytes) -> str:
    return PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def encode_qr(payload: dict[str, Any], private_key: Ed25519PrivateKey, kid: bytes) -> str:
    """Sign the payload as COSE_Sign1 and return the LP1 QR text."""
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH:
        raise ValueError("kid_length")
    body = _canonical(payload)
    protected = _protected_header(kid)
    signature = private_key.sign(_sig_structure(protected, body))
    return _transport(_envelope(protected, body, signature))


def estimated_qr_chars(payload: dict[str, Any]) -> int:
    """Return the approximate LP1 length of a payload without signing it."""
    body = _canonical(payload)
    stand_in_kid = hashlib.sha256(body).digest()[:KID_LENGTH]
    stand_in_signature = hashlib.sha512(body).digest()  # incompressible, like a real one
    envelope = _envelope(_protected_header(stand_in_kid), body, stand_in_signature)
    return len(_transport(envelope))


def build_qr_payload(
    content: PassportContent, full_credential_jws: str, max_chars: int = MAX_QR_CHARS
) -> dict[str, Any]:
    """Return the full claims payload if its QR likely fits ``max_chars``, else the summary.

    The size is estimated without a key (within SIZE_ESTIMATE_MARGIN); encode_passport_qr
    decides on the real signed length.
    """
    full = claims_payload(content)
    if estimated_qr_chars(full) + SIZE_ESTIMATE_MARGIN <= max_chars:
        return full
    return summary_payload(summarise(content, full_credential_jws))


def encode_passport_qr(
    content: PassportContent,
    full_credential_jws: str,
    private_key: Ed25519PrivateKey,
    kid: bytes,
    max_chars: int = MAX_QR_CHARS,
) -> str:
    """Sign the full claims if the QR text fits ``max_chars``, otherwise the summary."""
    text = encode_qr(claims_payload(content), private_key, kid)
    if len(text) <= max_chars:
        return text
    return encode_qr(summary_payload(summarise(content, full_credential_jws)), private_key, kid)


# ---- decoding ---------------------------------------------------------------------------


def _read_head(buf: bytes, pos: int) -> tuple[int, int, int]:
    """Read one CBOR item head in its shortest form; return (major type, argument, next pos)."""
    if pos >= len(buf):
        raise _Reject(INVALID, "truncated")
    initial = buf[pos]
    major, info = initial >> 5, initial & 0x1F
    if info < 24:
        return major, info, pos + 1
    if info > 27:
        raise _Reject(INVALID, "non_canonical_cbor")  # indefinite lengths or reserved values
    size = 1 << (info - 24)
    end = pos + 1 + size
    if end > len(buf):
        raise _Reject(INVALID, "truncated")
    value = int.from_bytes(buf[pos + 1 : end], "big")
    floor = 24 if size == 1 else 1 << (4 * size)
    if value < floor:
        raise _Reject(INVALID, "non_canonical_cbor")
    return major, value, end


def _read_bstr(buf: bytes, pos: int) -> tuple[bytes, int]:
    major, length, pos = _read_head(buf, pos)
    if major != 2:
        raise _Reject(INVALID, "bad_cose")
    if pos + length > len(buf):
        raise _Reject(INVALID, "truncated")
    return buf[pos : pos + length], pos + length


def _split_cose(cose: bytes) -> tuple[bytes, bytes, bytes]:
    major, tag, pos = _read_head(cose, 0)
    if major != 6 or tag != COSE_SIGN1_TAG:
        raise _Reject(INVALID, "wrong_tag")
    major, count, pos = _read_head(cose, pos)
    if major != 4 or count != 4:
        raise _Reject(INVALID, "bad_cose")
    protected, pos = _read_bstr(cose, pos)
    major, entries, pos = _read_head(cose, pos)
    if major != 5 or entries != 0:
        raise _Reject(INVALID, "unprotected_header")
    body, pos = _read_bstr(cose, pos)
    signature, pos = _read_bstr(cose, pos)
    if pos != len(cose):
        raise _Reject(INVALID, "trailing_bytes")
    if len(signature) != SIGNATURE_LENGTH:
        raise _Reject(INVALID, "bad_signature")
    if _envelope(protected, body, signature) != cose:
        raise _Reject(INVALID, "non_canonical_cbor")
    return protected, body, signature


def _loads_canonical(data: bytes) -> Any:
    try:
        value = cbor2.loads(data)
        again = _canonical(value)
    except Exception:  # cbor2 raises several error types on hostile input
        raise _Reject(INVALID, "bad_cbor") from None
    if again != data:
        raise _Reject(INVALID, "non_canonical_cbor")
    return value


def _read_kid(protected: bytes) -> bytes:
    if len(protected) > MAX_PROTECTED_HEADER:
        raise _Reject(INVALID, "bad_protected_header")
    header = _loads_canonical(protected)
    if not isinstance(header, dict) or set(header) != {HEADER_ALG, HEADER_KID}:
        raise _Reject(INVALID, "bad_protected_header")
    if header[HEADER_ALG] != ALG_EDDSA or type(header[HEADER_ALG]) is not int:
        raise _Reject(INVALID, "unsupported_alg")
    kid = header[HEADER_KID]
    if not isinstance(kid, bytes) or len(kid) != KID_LENGTH:
        raise _Reject(INVALID, "bad_kid")
    return kid


_B45_VALUE = {char: value for value, char in enumerate(BASE45_CHARS)}


def _b45decode_canonical(text: str) -> bytes:
    """Decode Base45 (RFC 9285), refusing every string that is not the encoding of its bytes.

    With the length and range checks below the encoding is a bijection, so no re-encoding
    is needed to prove the input canonical (re-encoding was the slowest step of a verify).
    """
    if len(text) % 3 == 1:
        raise _Reject(INVALID, "non_canonical_base45")
    values = [_B45_VALUE[char] for char in text]
    out = bytearray()
    whole = len(values) - len(values) % 3
    for i in range(0, whole, 3):
        number = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        if number > 0xFFFF:
            raise _Reject(INVALID, "bad_base45")
        out += number.to_bytes(2, "big")
    if whole != len(values):
        number = values[whole] + values[whole + 1] * 45
        if number > 0xFF:
            raise _Reject(INVALID, "bad_base45")
        out.append(number)
    return bytes(out)


def _unwrap_transport(text: object, max_chars: int, max_inflated: int) -> bytes:
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise _Reject(INVALID, "missing_prefix")
    if len(text) > max_chars:
        raise _Reject(INVALID, "too_long")
    b45 = text[len(PREFIX) :]
    if not b45 or not set(b45) <= _BASE45_ALPHABET:
        raise _Reject(INVALID, "bad_base45")
    compressed = _b45decode_canonical(b45)
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, max_inflated + 1)
    except zlib.error:
        raise _Reject(INVALID, "bad_zlib") from None
    if len(cose) > max_inflated or inflater.unconsumed_tail:
        raise _Reject(INVALID, "inflate_limit")
    if not inflater.eof or inflater.unused_data:
        raise _Reject(INVALID, "bad_zlib")
    if zlib.compress(cose, 9) != compressed:
        raise _Reject(INVALID, "non_canonical_zlib")
    return cose


def _verify(
    text: object, resolve_key: KeyResolver, now: date, max_chars: int, max_inflated: int
) -> QrResult:
    cose = _unwrap_transport(text, max_chars, max_inflated)
    protected, body, signature = _split_cose(cose)
    kid = _read_kid(protected)
    key = resolve_key(kid)
    if key is None:
        raise _Reject(UNKNOWN_ISSUER, "unknown_kid", kid)
    if not isinstance(key, Ed25519PublicKey):
        raise _Reject(INVALID, "key_type", kid)
    try:
        key.verify(signature, _sig_structure(protected, body))
    except InvalidSignature:
        raise _Reject(INVALID, "bad_signature", kid) from None
    payload = _loads_canonical(body)  # only now: the bytes come from a trusted signer
    if not isinstance(payload, dict):
        raise _Reject(INVALID, "bad_payload", kid)
    try:
        document = document_from_payload(payload)
    except PassportDataError as error:
        raise _Reject(INVALID, f"payload_{error.code}", kid) from None
    if document.issued_on > now:
        raise _Reject(INVALID, "not_yet_valid", kid)
    if document.expires_on < now:
        return QrResult(EXPIRED, "expired", kid, payload, document)
    return QrResult(VALID, "ok", kid, payload, document)


def decode_qr(
    text: str,
    resolve_key: KeyResolver,
    now: date,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_inflated: int = DEFAULT_MAX_INFLATED,
) -> QrResult:
    """Decode and verify LP1 QR text; never raises on bad input, always returns a result."""
    try:
        return _verify(text, resolve_key, now, max_chars, max_inflated)
    except _Reject as reject:
        return QrResult(reject.status, reject.reason, reject.kid)
