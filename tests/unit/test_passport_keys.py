"""Issuer keys: ids, JWK, sealing at rest, fingerprints and signed trust lists (J, K)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwk as jwcrypto_jwk

from portal.passports import keys
from portal.passports.cose import decode_qr, encode_qr
from portal.passports.domain import claims_payload
from portal.passports.jws import b64url_encode, sign_jws
from portal.passports.pdf import demo_content

# RFC 8032 §7.1 test 1.
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
KEY = Ed25519PrivateKey.from_private_bytes(RFC_SECRET)
ANCHOR = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ANCHOR_KID = keys.key_id(ANCHOR.public_key())
SECRET = "correct-horse-battery-staple-0123456789"
CONTEXT = b"issuer:de-nw-koeln"


def entry(private_key: Ed25519PrivateKey, **overrides: object) -> dict:
    public = keys.public_jwk(private_key.public_key())
    return {
        "kid": public["kid"],
        "name": "Bezirksregierung Köln",
        "jurisdiction": "DE-NW",
        "public_key": public,
        "not_before": "2026-01-01",
        "not_after": "2027-12-31",
        "purposes": ["passport"],
    } | overrides


def anchor_resolver(kid: str):
    return ANCHOR.public_key() if kid == ANCHOR_KID else None


def test_raw_public_key_matches_rfc8032_vector():
    assert keys.raw_public_key(KEY.public_key()) == RFC_PUBLIC


def test_key_id_is_first_eight_bytes_of_sha256():
    expected = hashlib.sha256(RFC_PUBLIC).digest()[:8]
    assert keys.key_id_bytes(KEY.public_key()) == expected
    assert keys.key_id(KEY.public_key()) == b64url_encode(expected)
    assert len(keys.key_id(KEY.public_key())) == 11


def test_generate_key_gives_distinct_keys():
    first, second = keys.generate_key(), keys.generate_key()
    assert keys.raw_public_key(first.public_key()) != keys.raw_public_key(second.public_key())


def test_public_jwk_shape():
    assert keys.public_jwk(KEY.public_key()) == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": keys.key_id(KEY.public_key()),
    }


def test_public_jwk_imports_into_jwcrypto():
    imported = jwcrypto_jwk.JWK(**keys.public_jwk(KEY.public_key()))
    assert imported.export_public(as_dict=True)["x"] == b64url_encode(RFC_PUBLIC)


def test_public_key_from_jwk_round_trip():
    restored = keys.public_key_from_jwk(keys.public_jwk(KEY.public_key()))
    assert keys.raw_public_key(restored) == RFC_PUBLIC


GOOD_JWK = keys.public_jwk(KEY.public_key())


@pytest.mark.parametrize(
    ("jwk", "code"),
    [
        (GOOD_JWK | {"kty": "EC"}, "unsupported_key_type"),
        (GOOD_JWK | {"crv": "X25519"}, "unsupported_key_type"),
        (GOOD_JWK | {"x": GOOD_JWK["x"][:-2]}, "bad_x"),
        (GOOD_JWK | {"x": GOOD_JWK["x"] + "="}, "bad_x"),
        ({k: v for k, v in GOOD_JWK.items() if k != "x"}, "bad_x"),
        (GOOD_JWK | {"kid": "AAAAAAAAAAA"}, "kid_mismatch"),
        (GOOD_JWK | {"d": b64url_encode(RFC_SECRET)}, "private_key_material"),
        ("not a jwk", "unsupported_key_type"),
    ],
    ids=[
        "kty-ec",
        "crv-x25519",
        "x-short",
        "x-padded",
        "x-missing",
        "kid-mismatch",
        "private-part",
        "not-a-mapping",
    ],
)
def test_public_key_from_jwk_rejects(jwk, code):
    with pytest.raises(keys.KeyFormatError) as caught:
        keys.public_key_from_jwk(jwk)
    assert caught.value.code == code


# ---- sealing at rest ------------------------------------------------------------------------


def test_seal_and_open_round_trip():
    blob = keys.seal_private_key(KEY, SECRET, CONTEXT)
    assert len(blob) == keys.SEALED_LENGTH == 80
    assert keys.open_private_key(blob, SECRET, CONTEXT).private_bytes_raw() == RFC_SECRET


def test_seal_uses_fresh_salt_and_nonce():
    assert keys.seal_private_key(KEY, SECRET, CONTEXT) != keys.seal_private_key(
        KEY, SECRET, CONTEXT
    )


def test_sealed_blob_does_not_contain_the_key():
    assert RFC_SECRET not in keys.seal_private_key(KEY, SECRET, CONTEXT)


def flipped(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 1]) + blob[index + 1 :]


BLOB = keys.seal_private_key(KEY, SECRET, CONTEXT)


@pytest.mark.parametrize(
    ("blob", "secret", "context", "code"),
    [
        (BLOB, SECRET + "x", CONTEXT, "wrong_secret_or_context"),
        (BLOB, SECRET, b"issuer:other", "wrong_secret_or_context"),
        (flipped(BLOB, 10), SECRET, CONTEXT, "wrong_secret_or_context"),
        (flipped(BLOB, 25), SECRET, CONTEXT, "wrong_secret_or_context"),
        (flipped(BLOB, 79), SECRET, CONTEXT, "wrong_secret_or_context"),
        (flipped(BLOB, 0), SECRET, CONTEXT, "malformed_blob"),
        (BLOB[:-1], SECRET, CONTEXT, "malformed_blob"),
        (BLOB + b"\0", SECRET, CONTEXT, "malformed_blob"),
        (BLOB.hex(), SECRET, CONTEXT, "malformed_blob"),
    ],
    ids=[
        "wrong-secret",
        "wrong-context",
        "salt-flipped",
        "nonce-flipped",
        "tag-flipped",
        "magic-flipped",
        "truncated",
        "extended",
        "text-not-bytes",
    ],
)
def test_open_private_key_rejects(blob, secret, context, code):
    with pytest.raises(keys.KeySealError) as caught:
        keys.open_private_key(blob, secret, context)
    assert caught.value.code == code


def test_seal_rejects_empty_secret():
    with pytest.raises(ValueError, match="empty_secret"):
        keys.seal_private_key(KEY, "", CONTEXT)


# ---- fingerprints ---------------------------------------------------------------------------


def test_fingerprint_groups_sha256_in_fours():
    assert keys.fingerprint(b"abc") == (
        "BA78 16BF 8F01 CFEA 4141 40DE 5DAE 2223 B003 61A3 9617 7A9C B410 FF61 F200 15AD"
    )


def test_fingerprint_of_public_key_differs_per_key():
    first = keys.fingerprint(keys.raw_public_key(KEY.public_key()))
    second = keys.fingerprint(keys.raw_public_key(ANCHOR.public_key()))
    assert (len(first.split()), first == second) == (16, False)


# ---- trust lists ----------------------------------------------------------------------------

ISSUED_AT = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
TRUST_LIST = keys.sign_trust_list([entry(KEY)], ANCHOR, ANCHOR_KID, seq=7, issued_at=ISSUED_AT)


def test_verify_trust_list_round_trip():
    result = keys.verify_trust_list(TRUST_LIST, anchor_resolver, min_seq=7)
    assert (result.status, result.reason_code, result.seq) == ("valid", "ok", 7)
    assert (result.issued_at, result.entries) == ("2026-11-28T09:30:00+00:00", (entry(KEY),))


def test_verify_trust_list_rejects_rollback():
    result = keys.verify_trust_list(TRUST_LIST, anchor_resolver, min_seq=8)
    assert (result.status, result.reason_code, result.entries) == ("invalid", "rollback", ())


def test_verify_trust_list_rejects_tampering():
    header, _, signature = TRUST_LIST.split(".")
    other = keys.sign_trust_list([entry(ANCHOR)], ANCHOR, ANCHOR_KID, seq=7, issued_at=ISSUED_AT)
    forged = f"{header}.{other.split('.')[1]}.{signature}"
    result = keys.verify_trust_list(forged, anchor_resolver)
    assert (result.status, result.reason_code) == ("invalid", "bad_signature")


def test_verify_trust_list_rejects_unknown_anchor():
    result = keys.verify_trust_list(TRUST_LIST, lambda kid: None)
    assert (result.status, result.reason_code) == ("unknown_issuer", "unknown_kid")


def test_verify_trust_list_rejects_passport_token():
    passport = sign_jws({"issuers": [], "seq": 9, "issued_at": "x"}, ANCHOR, ANCHOR_KID)
    assert keys.verify_trust_list(passport, anchor_resolver).reason_code == "wrong_typ"


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([entry(KEY, public_key={"kty": "EC"})], "bad_trust_list_entry"),
        ([entry(KEY, not_after="someday")], "bad_trust_list_entry"),
        ([entry(KEY, kid="other")], "bad_trust_list_entry"),
        ([entry(KEY, purposes="passport")], "bad_trust_list_entry"),
        (["not a dict"], "bad_trust_list_entry"),
        ("not a list", "bad_trust_list_entry"),
    ],
    ids=[
        "bad-key",
        "bad-date",
        "kid-mismatch",
        "purposes-not-list",
        "entry-not-map",
        "issuers-not-list",
    ],
)
def test_verify_trust_list_rejects_bad_entries(entries, reason):
    payload = {"issuers": entries, "seq": 1, "issued_at": "2026-11-28T09:30:00+00:00"}
    token = sign_jws(payload, ANCHOR, ANCHOR_KID, typ=keys.TRUST_LIST_TYP)
    assert keys.verify_trust_list(token, anchor_resolver).reason_code == reason


@pytest.mark.parametrize(
    ("kid", "purpose", "on", "found"),
    [
        (keys.key_id_bytes(KEY.public_key()), "passport", date(2026, 6, 1), True),
        (keys.key_id(KEY.public_key()), "passport", date(2026, 6, 1), True),
        (keys.key_id_bytes(KEY.public_key()), "transfer", date(2026, 6, 1), False),
        (keys.key_id_bytes(KEY.public_key()), "passport", date(2028, 1, 1), False),
        (keys.key_id_bytes(KEY.public_key()), "passport", date(2025, 12, 31), False),
        (b"unknown!", "passport", date(2026, 6, 1), False),
    ],
    ids=["cose-kid", "jws-kid", "other-purpose", "after-window", "before-window", "unknown"],
)
def test_trust_list_resolver(kid, purpose, on, found):
    resolve = keys.trust_list_resolver([entry(KEY)], purpose, on)
    assert (resolve(kid) is not None) == found


def test_trust_list_resolver_verifies_a_qr_code_end_to_end():
    verified = keys.verify_trust_list(TRUST_LIST, anchor_resolver)
    resolve = keys.trust_list_resolver(verified.entries, "passport", date(2026, 12, 1))
    content = demo_content()
    text = encode_qr(claims_payload(content), KEY, keys.key_id_bytes(KEY.public_key()))
    result = decode_qr(text, resolve, date(2026, 12, 1))
    assert (result.status, result.document) == ("valid", content)


@pytest.mark.parametrize(
    "payload",
    [
        {"issuers": [], "seq": "7", "issued_at": "2026-11-28T09:30:00+00:00"},
        {"issuers": [], "seq": 7},
        {"issuers": [], "seq": 7, "issued_at": "2026-11-28T09:30:00+00:00", "extra": 1},
    ],
    ids=["seq-as-text", "no-issued-at", "extra-key"],
)
def test_verify_trust_list_rejects_bad_shape(payload):
    token = sign_jws(payload, ANCHOR, ANCHOR_KID, typ=keys.TRUST_LIST_TYP)
    result = keys.verify_trust_list(token, anchor_resolver)
    assert (result.status, result.reason_code) == ("invalid", "bad_trust_list")
