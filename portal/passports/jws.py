"""Compact JWS (EdDSA / Ed25519) and the W3C VC 2.0 + Open Badges 3.0 passport credential.

Tokens are signed by hand with ``cryptography`` and checked by PyJWT and jwcrypto in the
tests. Verification takes keys only from the caller's resolver (never from the token), allows
one algorithm, rejects any header other than alg / kid / typ / cty, duplicate JSON keys and
non-canonical base64url, and never raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portal.passports.domain import (
    AssessmentClaim,
    PassportContent,
    PlacementClaim,
    StudyClaim,
)

ALG = "EdDSA"
TYP_VC = "vc+jwt"
TYP_JWT = "JWT"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ALLOWED_HEADER_KEYS = frozenset({"alg", "kid", "typ", "cty"})
DEFAULT_MAX_TOKEN = 512 * 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")

VALID, INVALID, UNKNOWN_ISSUER, EXPIRED = "valid", "invalid", "unknown_issuer", "expired"

JwsKeyResolver = Callable[[str], Ed25519PublicKey | None]


@dataclass(frozen=True)
class JwsResult:
    status: str
    reason_code: str
    kid: str | None = None
    header: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == VALID


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, rejecting any text that does not re-encode identically."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("bad_base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("bad_base64url") from None
    if b64url_encode(data) != text:
        raise ValueError("non_canonical_base64url")
    return data


def compact_json(value: Any) -> bytes:
    """Serialise JSON compactly as UTF-8 (no spaces, non-ASCII kept as is)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate_key")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError("non_finite_number")


def strict_json_object(data: bytes) -> dict[str, Any]:
    """Parse a UTF-8 JSON object, rejecting duplicate keys and NaN / Infinity."""
    value = json.loads(
        data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
    )
    if not isinstance(value, dict):
        raise ValueError("not_an_object")
    return value


def sign_jws(
    payload: Mapping[str, Any], private_key: Ed25519PrivateKey, kid: str, typ: str = TYP_VC
) -> str:
    """Return a compact JWS over the payload, signed with Ed25519 (alg EdDSA)."""
    header = b64url_encode(compact_json({"alg": ALG, "kid": kid, "typ": typ}))
    body = b64url_encode(compact_json(dict(payload)))
    signing_input = f"{header}.{body}".encode("ascii")
    return f"{header}.{body}.{b64url_encode(private_key.sign(signing_input))}"


class _Reject(Exception):
    def __init__(self, status: str, reason: str, kid: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.kid = status, reason, kid


def _parse_instant(value: Any) -> datetime:
    if isinstance(value, bool):
        raise ValueError("bad_time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive_time")
        return parsed
    raise ValueError("bad_time")


def _check_times(payload: Mapping[str, Any], now: datetime, kid: str) -> bool:
    """Return True when expired; reject a credential that is not valid yet."""
    try:
        starts = [_parse_instant(payload[k]) for k in ("nbf", "validFrom") if k in payload]
        exp = _parse_instant(payload["exp"]) if "exp" in payload else None
        until = _parse_instant(payload["validUntil"]) if "validUntil" in payload else None
    except (ValueError, OverflowError, OSError):
        raise _Reject(INVALID, "bad_time", kid) from None
    if any(now < start for start in starts):
        raise _Reject(INVALID, "not_yet_valid", kid)
    # RFC 7519: now must be before exp; VC 2.0 validUntil is the last valid instant.
    return (exp is not None and now >= exp) or (until is not None and now > until)


def _verify(
    token: object,
    resolve_key: JwsKeyResolver,
    now: datetime | None,
    expected_typ: str | None,
    max_chars: int,
) -> JwsResult:
    if not isinstance(token, str) or len(token) > max_chars:
        raise _Reject(INVALID, "too_long" if isinstance(token, str) else "not_text")
    parts = token.split(".")
    if len(parts) != 3:
        raise _Reject(INVALID, "malformed")
    try:
        header = strict_json_object(b64url_decode(parts[0]))
    except (ValueError, UnicodeDecodeError):
        raise _Reject(INVALID, "bad_header") from None
    if not set(header) <= ALLOWED_HEADER_KEYS:
        raise _Reject(INVALID, "header_keys")
    if header.get("alg") != ALG:
        raise _Reject(INVALID, "unsupported_alg")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _Reject(INVALID, "bad_kid")
    if expected_typ is not None and header.get("typ") != expected_typ:
        raise _Reject(INVALID, "wrong_typ", kid)
    key = resolve_key(kid)
    if key is None:
        raise _Reject(UNKNOWN_ISSUER, "unknown_kid", kid)
    if not isinstance(key, Ed25519PublicKey):
        raise _Reject(INVALID, "key_type", kid)
    try:
        signature = b64url_decode(parts[2])
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (ValueError, InvalidSignature):
        raise _Reject(INVALID, "bad_signature", kid) from None
    try:
        payload = strict_json_object(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _Reject(INVALID, "bad_payload", kid) from None
    if now is not None and _check_times(payload, now, kid):
        return JwsResult(EXPIRED, "expired", kid, header, payload)
    return JwsResult(VALID, "ok", kid, header, payload)


def verify_jws(
    token: str,
    resolve_key: JwsKeyResolver,
    now: datetime | None = None,
    expected_typ: str | None = None,
    max_chars: int = DEFAULT_MAX_TOKEN,
) -> JwsResult:
    """Verify a compact EdDSA JWS; never raises on bad input, always returns a result."""
    try:
        return _verify(token, resolve_key, now, expected_typ, max_chars)
    except _Reject as reject:
        return JwsResult(reject.status, reject.reason, reject.kid)


# ---- the W3C VC 2.0 / Open Badges 3.0 credential ----------------------------------------


def _study(s: StudyClaim) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "StudyRecord",
        "educationSystem": {"code": s.system, "name": s.system_label},
        "grade": {"code": s.grade_code, "name": s.grade_label},
        "period": {"start": s.period_start, **({"end": s.period_end} if s.period_end else {})},
        "status": s.status,
        "evidenceLevel": s.evidence_level,
    }
    if s.issuer is not None:
        out["school"] = s.issuer
    if s.marks:
        out["marks"] = [
            {
                "subject": m.subject,
                "originalMark": m.raw,
                "originalScale": {
                    "best": m.scale.best,
                    "pass": m.scale.pass_mark,
                    "worst": m.scale.worst,
                },
                **({"convertedMark": m.converted} if m.converted is not None else {}),
                **({"conversionMethod": m.method} if m.method is not None else {}),
            }
            for m in s.marks
        ]
    return out


def _assessment(a: AssessmentClaim) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "AssessmentRecord",
        "kind": a.kind,
        "instrument": a.instrument,
        "date": a.date,
        "evidenceLevel": a.evidence_level,
    }
    if a.level_cumulative_index is not None:
        out["levelCumulativeIndex"] = a.level_cumulative_index
    if a.cefr is not None:
        out["cefrLevel"] = a.cefr
    return out


def _placement(p: PlacementClaim) -> dict[str, Any]:
    return {
        "type": "PlacementRecord",
        "kind": p.kind,
        "destination": p.destination,
        "grade": {"code": p.grade_code, "name": p.grade_label},
        "programmes": list(p.programmes),
        "decidedOn": p.decided_on,
    }


def build_credential(
    content: PassportContent,
    issuer_url: str | None = None,
    passport_url: str | None = None,
    *,
    title: str = "Learning passport",
    description: str = "Record of prior learning, assessments and placement recommendations.",
    criteria: str = "Issued from records held by the issuer, each with its evidence level.",
) -> dict[str, Any]:
    """Return the passport as an unsigned W3C VC 2.0 OpenBadgeCredential (Open Badges 3.0)."""
    holder = content.holder
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        # Plain-text identity (hashed: false): the holder presents the passport in person.
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": name.text,
                "script": name.script,
            }
            for name in holder.names
        ],
        "birthDate": holder.birth_date,
        "birthDatePrecision": holder.birth_date_precision,
        "achievement": {
            "id": f"{content.credential_id}#achievement",
            "type": ["Achievement"],
            "achievementType": "ext:LearningPassport",
            "name": title,
            "description": description,
            "criteria": {"narrative": criteria},
        },
    }
    if content.studies:
        subject["studies"] = [_study(s) for s in content.studies]
    if content.assessments:
        subject["assessments"] = [_assessment(a) for a in content.assessments]
    if content.placements:
        subject["placements"] = [_placement(p) for p in content.placements]
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": content.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": {
            "id": issuer_url or content.issuer_id,
            "type": ["Profile"],
            "name": content.issuer_name,
            "jurisdiction": content.issuer_jurisdiction,
        },
        "validFrom": f"{content.issued_on.isoformat()}T00:00:00Z",
        "validUntil": f"{content.expires_on.isoformat()}T23:59:59Z",
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{content.status_list_url}#{content.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(content.status_index),
            "statusListCredential": content.status_list_url,
        },
    }
    if passport_url:
        credential["evidence"] = [
            {"id": passport_url, "type": ["Evidence"], "genre": "PrintablePassport", "name": title}
        ]
    return credential
