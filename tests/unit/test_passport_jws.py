"""Compact JWS (EdDSA) checked by two independent libraries, and the VC 2.0 / OB 3.0 credential."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws
from jwcrypto.common import JWException

from portal.passports import jws
from portal.passports.keys import key_id, public_jwk
from portal.passports.pdf import demo_content

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KID = key_id(KEY.public_key())
CONTENT = demo_content()
CREDENTIAL = jws.build_credential(CONTENT, passport_url="https://passports.example.org/p/1")
TOKEN = jws.sign_jws(CREDENTIAL, KEY, KID)
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def resolve(kid: str):
    return KEY.public_key() if kid == KID else None


def segment(value: object) -> str:
    return jws.b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def signed(header: object, payload_segment: str, key: Ed25519PrivateKey = KEY) -> str:
    head = header if isinstance(header, str) else segment(header)
    signature = key.sign(f"{head}.{payload_segment}".encode())
    return f"{head}.{payload_segment}.{jws.b64url_encode(signature)}"


def tampered_token() -> str:
    header, _, signature = TOKEN.split(".")
    changed = CREDENTIAL | {"validUntil": "2099-01-01T00:00:00Z"}
    return f"{header}.{jws.b64url_encode(jws.compact_json(changed))}.{signature}"


# ---- signing and independent verification -------------------------------------------------


def test_sign_jws_header_is_compact_eddsa():
    header = json.loads(jws.b64url_decode(TOKEN.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": KID, "typ": "vc+jwt"}
    assert jws.b64url_decode(TOKEN.split(".")[1]) == jws.compact_json(CREDENTIAL)


def test_verify_jws_round_trip():
    result = jws.verify_jws(TOKEN, resolve, NOW, expected_typ="vc+jwt")
    assert (result.status, result.reason_code, result.kid) == ("valid", "ok", KID)
    assert result.payload == CREDENTIAL


def test_pyjwt_verifies_token():
    decoded = jwt.decode(TOKEN, KEY.public_key(), algorithms=["EdDSA"])
    assert decoded == CREDENTIAL


def test_jwcrypto_verifies_token():
    token = jwcrypto_jws.JWS()
    token.deserialize(TOKEN)
    token.verify(jwcrypto_jwk.JWK(**public_jwk(KEY.public_key())), alg="EdDSA")
    assert json.loads(token.payload) == CREDENTIAL


def test_tampered_payload_rejected_by_all_three_verifiers():
    token = tampered_token()
    assert jws.verify_jws(token, resolve).reason_code == "bad_signature"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, KEY.public_key(), algorithms=["EdDSA"])
    parsed = jwcrypto_jws.JWS()
    parsed.deserialize(token)
    with pytest.raises(JWException):
        parsed.verify(jwcrypto_jwk.JWK(**public_jwk(KEY.public_key())), alg="EdDSA")


def test_verify_jws_accepts_pyjwt_signed_token():
    token = jwt.encode({"sub": "x"}, KEY, algorithm="EdDSA", headers={"kid": KID})
    result = jws.verify_jws(token, resolve)
    assert (result.status, result.payload) == ("valid", {"sub": "x"})


def test_sign_jws_keeps_non_ascii_text():
    token = jws.sign_jws({"name": "ليلى"}, KEY, KID, typ="JWT")
    assert jws.b64url_decode(token.split(".")[1]) == '{"name":"ليلى"}'.encode()


# ---- rejections -------------------------------------------------------------------------------

PAYLOAD = segment({"a": 1})
GOOD_HEADER = {"alg": "EdDSA", "kid": KID, "typ": "JWT"}


@pytest.mark.parametrize(
    ("token", "status", "reason"),
    [
        (signed({"alg": "none", "kid": KID}, PAYLOAD), "invalid", "unsupported_alg"),
        (signed({"alg": "HS256", "kid": KID}, PAYLOAD), "invalid", "unsupported_alg"),
        (signed({"alg": "Ed25519", "kid": KID}, PAYLOAD), "invalid", "unsupported_alg"),
        (signed(GOOD_HEADER | {"jwk": {"kty": "OKP"}}, PAYLOAD), "invalid", "header_keys"),
        (signed(GOOD_HEADER | {"crit": ["exp"]}, PAYLOAD), "invalid", "header_keys"),
        (signed({"alg": "EdDSA"}, PAYLOAD), "invalid", "bad_kid"),
        (signed({"alg": "EdDSA", "kid": "nobody"}, PAYLOAD), "unknown_issuer", "unknown_kid"),
        (signed(GOOD_HEADER, PAYLOAD, OTHER_KEY), "invalid", "bad_signature"),
        (
            signed(b'{"alg":"EdDSA"}'.hex(), PAYLOAD),
            "invalid",
            "bad_header",
        ),
        (
            signed(jws.b64url_encode(b'{"alg":"EdDSA","kid":"a","kid":"b"}'), PAYLOAD),
            "invalid",
            "bad_header",
        ),
        (signed(GOOD_HEADER, jws.b64url_encode(b'{"a":1,"a":2}')), "invalid", "bad_payload"),
        (signed(GOOD_HEADER, jws.b64url_encode(b'{"a":NaN}')), "invalid", "bad_payload"),
        (signed(GOOD_HEADER, jws.b64url_encode(b"[1]")), "invalid", "bad_payload"),
        (signed(GOOD_HEADER, jws.b64url_encode(b"\xff")), "invalid", "bad_payload"),
        (TOKEN + "=", "invalid", "bad_signature"),
        (TOKEN[:-1] + ("B" if TOKEN[-1] == "A" else "A"), "invalid", "bad_signature"),
        (TOKEN.rsplit(".", 1)[0], "invalid", "malformed"),
        (TOKEN + ".x", "invalid", "malformed"),
        ("", "invalid", "malformed"),
        (None, "invalid", "not_text"),
        ("x" * (jws.DEFAULT_MAX_TOKEN + 1), "invalid", "too_long"),
    ],
    ids=[
        "alg-none",
        "alg-hs256",
        "alg-ed25519",
        "embedded-jwk",
        "crit",
        "no-kid",
        "unknown-kid",
        "other-key",
        "header-not-json",
        "duplicate-header-key",
        "duplicate-payload-key",
        "nan",
        "payload-array",
        "payload-not-utf8",
        "padded-signature",
        "changed-signature",
        "two-segments",
        "four-segments",
        "empty",
        "none",
        "oversized",
    ],
)
def test_verify_jws_rejects(token, status, reason):
    result = jws.verify_jws(token, resolve)
    assert (result.status, result.reason_code, result.payload) == (status, reason, None)


def test_verify_jws_rejects_wrong_typ():
    token = jws.sign_jws({"a": 1}, KEY, KID, typ="JWT")
    assert jws.verify_jws(token, resolve, expected_typ="vc+jwt").reason_code == "wrong_typ"


def test_verify_jws_rejects_non_ed25519_key():
    assert jws.verify_jws(TOKEN, lambda kid: object()).reason_code == "key_type"


@pytest.mark.parametrize(
    ("now", "status", "reason"),
    [
        (datetime(2026, 11, 28, tzinfo=UTC), "valid", "ok"),
        (datetime(2031, 11, 28, 23, 59, 59, tzinfo=UTC), "valid", "ok"),
        (datetime(2031, 11, 29, tzinfo=UTC), "expired", "expired"),
        (datetime(2026, 11, 27, 23, 59, tzinfo=UTC), "invalid", "not_yet_valid"),
    ],
    ids=["valid-from", "valid-until", "after-valid-until", "before-valid-from"],
)
def test_verify_jws_checks_validity_window(now, status, reason):
    result = jws.verify_jws(TOKEN, resolve, now)
    assert (result.status, result.reason_code) == (status, reason)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": 1}, "expired"),
        ({"nbf": 4_102_444_800}, "not_yet_valid"),
        ({"exp": "soon"}, "bad_time"),
        ({"validUntil": "2030-01-01"}, "bad_time"),
        ({"exp": True}, "bad_time"),
    ],
    ids=["exp-past", "nbf-future", "exp-text", "naive-valid-until", "exp-bool"],
)
def test_verify_jws_checks_jwt_time_claims(claims, reason):
    result = jws.verify_jws(jws.sign_jws(claims, KEY, KID, typ="JWT"), resolve, NOW)
    assert result.reason_code == reason


@pytest.mark.parametrize(
    "text",
    ["QR", "QQ=", "a+b", "a/b", "abcde"],
    ids=["nonzero-bits", "padding", "plus", "slash", "len-mod-4-is-1"],
)
def test_b64url_decode_rejects_non_canonical(text):
    with pytest.raises(ValueError):
        jws.b64url_decode(text)


# ---- the credential -------------------------------------------------------------------------


def test_build_credential_envelope():
    assert {k: v for k, v in CREDENTIAL.items() if k != "credentialSubject"} == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3f2a8c4e-9b1d-4e57-a0c2-7d5b1e9f6a30",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Learning passport",
        "issuer": {
            "id": "https://passports.example.org/issuers/de-nw-koeln",
            "type": ["Profile"],
            "name": "Bezirksregierung Köln",
            "jurisdiction": "DE-NW",
        },
        "validFrom": "2026-11-28T00:00:00Z",
        "validUntil": "2031-11-28T23:59:59Z",
        "credentialStatus": {
            "id": "https://passports.example.org/status/2026-1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://passports.example.org/status/2026-1",
        },
        "evidence": [
            {
                "id": "https://passports.example.org/p/1",
                "type": ["Evidence"],
                "genre": "PrintablePassport",
                "name": "Learning passport",
            }
        ],
    }


def test_build_credential_subject_is_achievement_subject():
    subject = CREDENTIAL["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0] == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "محمد عبد الله الزهراني",
        "script": "Arab",
    }
    assert subject["achievement"]["type"] == ["Achievement"]
    assert sorted(subject["achievement"]) == [
        "achievementType",
        "criteria",
        "description",
        "id",
        "name",
        "type",
    ]
    assert [s["grade"]["code"] for s in subject["studies"]] == ["SY-3", "SY-4", "UA-5"]
    assert [a["cefrLevel"] for a in subject["assessments"]] == ["A2"]
    assert subject["placements"][0]["kind"] == "recommendation"


def test_build_credential_keeps_original_mark_beside_converted():
    mark = CREDENTIAL["credentialSubject"]["studies"][2]["marks"][0]
    assert mark == {
        "subject": "Українська мова",
        "originalMark": "10",
        "originalScale": {"best": "12", "pass": "4", "worst": "0"},
        "convertedMark": "1.7",
        "conversionMethod": "KMK_TRUNCATE_1DP",
    }


def test_build_credential_issuer_override_and_no_evidence():
    credential = jws.build_credential(CONTENT, "did:web:passports.example.org")
    assert credential["issuer"]["id"] == "did:web:passports.example.org"
    assert "evidence" not in credential


def test_build_credential_has_no_nationality_or_legal_status():
    text = json.dumps(CREDENTIAL).lower()
    assert [word for word in ("nationality", "refugee", "asylum", "legal") if word in text] == []
