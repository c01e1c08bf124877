"""LP1 QR codes: claims payload, COSE_Sign1 envelope, canonical decoding, size budget (J1-J4)."""

from __future__ import annotations

import copy
import hashlib
import random
import zlib
from dataclasses import replace
from datetime import date

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.passports import cose
from portal.passports.domain import (
    AssessmentClaim,
    Holder,
    MarkClaim,
    MarkScale,
    Name,
    PassportContent,
    PassportDataError,
    PassportSummary,
    PlacementClaim,
    StudyClaim,
    claims_payload,
    content_from_payload,
    default_expiry,
    summarise,
    summary_from_payload,
    summary_payload,
)

ISSUED = date(2026, 11, 28)
TODAY = date(2027, 3, 1)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KID = hashlib.sha256(b"issuer-1").digest()[:8]


def resolve(kid: bytes):
    return KEY.public_key() if kid == KID else None


def make_content(studies: int = 3, subjects: int = 3) -> PassportContent:
    syrian = (
        ("اللغة العربية", "82", "2.0"),
        ("الرياضيات", "91", "1.5"),
        ("العلوم", "67", "2.9"),
        ("اللغة الإنجليزية", "74", "2.5"),
        ("الدراسات الاجتماعية", "58", "3.5"),
    )
    records = tuple(
        StudyClaim(
            system="SY-BASIC",
            system_label="Syrian basic education",
            grade_code=f"SY-{g}",
            grade_label=f"Grade {g} / الصف {g}",
            period_start=f"{2014 + g}-09",
            period_end=f"{2015 + g}-06",
            status="completed",
            evidence_level="E4",
            issuer="مدرسة الشهيد باسل، حلب",
            marks=tuple(
                MarkClaim(s, raw, MarkScale("100", "50", "0"), conv, "KMK_TRUNCATE_1DP")
                for s, raw, conv in syrian[:subjects]
            ),
        )
        for g in range(1, studies + 1)
    )
    return PassportContent(
        credential_id="urn:uuid:3f2a8c4e-9b1d-4e57-a0c2-7d5b1e9f6a30",
        issuer_id="https://passports.example.org/issuers/de-nw-koeln",
        issuer_name="Bezirksregierung Köln",
        issuer_jurisdiction="DE-NW",
        issued_on=ISSUED,
        expires_on=default_expiry(ISSUED),
        status_list_url="https://passports.example.org/status/2026-1",
        status_index=94567,
        holder=Holder((Name("Arab", "ليلى حسن"), Name("Latn", "Layla Hassan")), "2013-05-02"),
        studies=records,
        assessments=(
            AssessmentClaim("language_test", "telc Deutsch A2", "2026-06-12", None, "A2", "E5"),
            AssessmentClaim("placement_test", "NRW maths 5", "2026-09-10", 4, None, "E5"),
        ),
        placements=(
            PlacementClaim(
                "DE-NW/2025", "DE-7", "Klasse 7", ("PREPARATORY_LANGUAGE",), "2026-09-01"
            ),
        ),
    )


CONTENT = make_content()
TEXT = cose.encode_qr(claims_payload(CONTENT), KEY, KID)


def unwrap(text: str) -> bytes:
    return zlib.decompress(base45.b45decode(text.removeprefix(cose.PREFIX)))


def wrap(cose_bytes: bytes, level: int = 9) -> str:
    return cose.PREFIX + base45.b45encode(zlib.compress(cose_bytes, level)).decode()


def forge(
    payload: bytes,
    protected: dict | None = None,
    tag: int = 18,
    unprotected=None,
    key: Ed25519PrivateKey = KEY,
) -> str:
    """Build a correctly signed COSE_Sign1 around arbitrary parts."""
    prot = cbor2.dumps(protected or {1: -8, 4: KID}, canonical=True)
    sig = key.sign(cbor2.dumps(["Signature1", prot, b"", payload], canonical=True))
    body = cbor2.CBORTag(tag, [prot, unprotected or {}, payload, sig])
    return wrap(cbor2.dumps(body, canonical=True))


# ---- domain: payload and dates ------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [make_content(0), make_content(1, subjects=0), make_content(3), make_content(12)],
    ids=["no-studies", "one-study-no-marks", "three-studies", "twelve-studies"],
)
def test_content_from_payload_round_trip_exact(content):
    assert content_from_payload(claims_payload(content)) == content


def test_claims_payload_has_only_allowlisted_keys():
    assert set(claims_payload(CONTENT)) == {
        "v",
        "t",
        "id",
        "iss",
        "isn",
        "isj",
        "iat",
        "exp",
        "st",
        "sub",
        "s",
        "a",
        "pl",
    }


def test_claims_payload_study_uses_short_keys():
    study = claims_payload(CONTENT)["s"][0]
    assert study | {"m": None} == {
        "sy": "SY-BASIC",
        "sl": "Syrian basic education",
        "g": "SY-1",
        "gl": "Grade 1 / الصف 1",
        "ps": "2015-09",
        "pe": "2016-06",
        "r": "completed",
        "e": 4,
        "is": "مدرسة الشهيد باسل، حلب",
        "m": None,
    }
    assert study["m"][0] == ["اللغة العربية", "82", "100", "50", "0", "2.0", "KMK_TRUNCATE_1DP"]


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        (date(2026, 11, 28), date(2031, 11, 28)),
        (date(2024, 2, 29), date(2029, 2, 28)),
        (date(2027, 2, 28), date(2032, 2, 28)),
        (date(2026, 12, 31), date(2031, 12, 31)),
    ],
    ids=["plain", "feb29-to-feb28", "feb28", "new-year-eve"],
)
def test_default_expiry_is_five_years(issued, expected):
    assert default_expiry(issued) == expected


def test_default_expiry_keeps_feb29_in_leap_target_year():
    assert default_expiry(date(2024, 2, 29), years=4) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda p: p | {"nat": "SY"}, "payload_keys"),
        (lambda p: p | {"v": 2}, "version"),
        (lambda p: p | {"v": True}, "version"),
        (lambda p: p | {"t": "S"}, "payload_kind"),
        (lambda p: p | {"id": b"short"}, "credential_id"),
        (lambda p: p | {"exp": "2031-02-30"}, "payload_keys"),
        (lambda p: p | {"st": ["https://x", "7"]}, "status_entry"),
        (lambda p: p | {"s": []}, "studies"),
        (lambda p: p | {"s": [p["s"][0] | {"e": 6}]}, "evidence_level"),
        (lambda p: p | {"s": [p["s"][0] | {"x": 1}]}, "study"),
        (lambda p: p | {"s": [p["s"][0] | {"m": [["a", "1"]]}]}, "mark"),
        (lambda p: p | {"sub": p["sub"] | {"n": []}}, "holder_without_name"),
        (lambda p: p | {"sub": p["sub"] | {"bp": "decade"}}, "birth_date_precision"),
        (lambda p: p | {"exp": p["iat"]}, "validity_window"),
    ],
    ids=[
        "extra-key-nationality",
        "version-2",
        "version-bool",
        "kind-summary",
        "short-id",
        "bad-date",
        "index-as-text",
        "empty-study-list",
        "evidence-6",
        "study-extra-key",
        "mark-short",
        "no-names",
        "unknown-precision",
        "exp-equals-iat",
    ],
)
def test_content_from_payload_rejects_schema_violation(mutate, code):
    with pytest.raises(PassportDataError) as caught:
        content_from_payload(mutate(claims_payload(CONTENT)))
    assert caught.value.code == code


def test_summary_round_trip_exact():
    summary = summarise(CONTENT, "header.payload.signature")
    assert summary_from_payload(summary_payload(summary)) == summary


def test_summarise_keeps_latest_completed_grade_per_system():
    partial = StudyClaim("UA-NUS", "Ukrainian", "UA-6", "6 клас", "2024-09", None, "partial", "E3")
    summary = summarise(replace(CONTENT, studies=(*CONTENT.studies, partial)), "a.b.c")
    assert [(h.system, h.grade_code, h.period_end) for h in summary.highest] == [
        ("SY-BASIC", "SY-3", "2018-06")
    ]
    assert summary.counts == (4, 2, 1)
    assert summary.full_hash == hashlib.sha256(b"a.b.c").digest()


# ---- encoding, round trip, size -------------------------------------------------------------


def test_decode_qr_round_trip_exact():
    result = cose.decode_qr(TEXT, resolve, TODAY)
    assert (result.status, result.reason_code, result.kid) == ("valid", "ok", KID)
    assert result.payload == claims_payload(CONTENT)
    assert result.document == CONTENT
    assert cose.encode_qr(result.payload, KEY, KID) == TEXT


def test_encode_qr_golden_vector_is_stable():
    # Catches a zlib or cbor2 build whose output differs: printed codes would stop verifying.
    payload = {"v": 1, "n": "Ілля Ковальчук", "ar": "ليلى"}
    assert cose.encode_qr(payload, KEY, b"golden-1") == (
        "LP1:NCFS80X20FFWTWGSLK/-4+69*3E6VCZ-DEC6U6BKTKK/DAN3.1HKXNLXNA4IWGQNHQBHQ9HQKHQ4MQ:LQ+"
        "LQJHQKEC*70GECLBDYZG+OHYZGFGHZ68 MEQJV0GG9Y7E0UG:LWUH/V9ZLV 78H+14WEWNLP.NRA5DM7*$H1PV6A"
        "6GKUU62M/D7NAYV1EMKL2C35TUTSTCR9+LRB3O41S%HX3"
    )


def test_encode_qr_rejects_kid_of_wrong_length():
    with pytest.raises(ValueError, match="kid_length"):
        cose.encode_qr({"v": 1}, KEY, b"short")


def test_typical_three_study_passport_fits_qr_budget():
    assert len(TEXT) <= cose.MAX_QR_CHARS


def test_build_qr_payload_keeps_full_claims_when_they_fit():
    assert cose.build_qr_payload(CONTENT, "a.b.c") == claims_payload(CONTENT)


def test_build_qr_payload_falls_back_to_signed_summary():
    big = make_content(12)
    payload = cose.build_qr_payload(big, "a.b.c")
    assert payload == summary_payload(summarise(big, "a.b.c"))
    text = cose.encode_qr(payload, KEY, KID)
    assert len(text) <= cose.MAX_QR_CHARS
    result = cose.decode_qr(text, resolve, TODAY)
    assert result.status == "valid"
    assert isinstance(result.document, PassportSummary)
    assert result.document.full_hash == hashlib.sha256(b"a.b.c").digest()


@pytest.mark.parametrize(("studies", "kind"), [(3, "F"), (12, "S")], ids=["fits", "too-big"])
def test_encode_passport_qr_chooses_by_real_length(studies, kind):
    text = cose.encode_passport_qr(make_content(studies), "a.b.c", KEY, KID)
    assert cose.decode_qr(text, resolve, TODAY).payload["t"] == kind
    assert len(text) <= cose.MAX_QR_CHARS


def test_estimated_qr_chars_is_close_to_real_length():
    assert (
        abs(cose.estimated_qr_chars(claims_payload(CONTENT)) - len(TEXT))
        <= cose.SIZE_ESTIMATE_MARGIN
    )


# ---- rejection: nothing valid, nothing raised -----------------------------------------------


@pytest.mark.parametrize("delta", [0x01, 0x80, 0xFF], ids=["xor01", "xor80", "xorFF"])
def test_decode_qr_rejects_every_single_byte_change_of_cose(delta):
    original = unwrap(TEXT)
    statuses = set()
    for index in range(len(original)):
        mutated = bytearray(original)
        mutated[index] ^= delta
        result = cose.decode_qr(wrap(bytes(mutated)), resolve, TODAY)
        statuses.add(result.status)
        assert result.status != "valid", index
        assert result.payload is None
    assert statuses <= {"invalid", "unknown_issuer"}


def test_decode_qr_rejects_every_single_character_substitution():
    for index, char in enumerate(TEXT):
        replacement = ALPHABET[(ALPHABET.index(char) + 1) % 45] if char in ALPHABET else "X"
        mutated = TEXT[:index] + replacement + TEXT[index + 1 :]
        result = cose.decode_qr(mutated, resolve, TODAY)
        assert result.status != "valid", index


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "missing_prefix"),
        (TEXT[4:], "missing_prefix"),
        ("HC1:" + TEXT[4:], "missing_prefix"),
        ("lp1:" + TEXT[4:], "missing_prefix"),
        (None, "missing_prefix"),
        (TEXT.encode(), "missing_prefix"),
        ("LP1:", "bad_base45"),
        (TEXT + "\n", "bad_base45"),
        (TEXT[:50] + "a" + TEXT[51:], "bad_base45"),
        (TEXT[:-1], "bad_base45"),
        (TEXT[:-3], "bad_zlib"),
        (TEXT[:604], "bad_zlib"),
        ("LP1:GGW", "bad_base45"),
        ("LP1:" + "0" * 4001, "too_long"),
    ],
    ids=[
        "empty",
        "no-prefix",
        "hc1-prefix",
        "lowercase-prefix",
        "none",
        "bytes",
        "prefix-only",
        "trailing-newline",
        "lowercase-char",
        "truncated-1",
        "truncated-3",
        "truncated-half",
        "base45-out-of-range",
        "oversized",
    ],
)
def test_decode_qr_rejects_malformed_transport(text, reason):
    result = cose.decode_qr(text, resolve, TODAY)
    assert (result.status, result.reason_code, result.payload) == ("invalid", reason, None)


def test_decode_qr_rejects_decompression_bomb():
    bomb = cose.PREFIX + base45.b45encode(zlib.compress(b"\0" * (1024 * 1024), 9)).decode()
    assert len(bomb) < cose.DEFAULT_MAX_CHARS
    result = cose.decode_qr(bomb, resolve, TODAY)
    assert (result.status, result.reason_code) == ("invalid", "inflate_limit")


def test_decode_qr_rejects_non_canonical_zlib():
    result = cose.decode_qr(wrap(unwrap(TEXT), level=1), resolve, TODAY)
    assert (result.status, result.reason_code) == ("invalid", "non_canonical_zlib")


def test_decode_qr_rejects_trailing_zlib_data():
    compressed = zlib.compress(unwrap(TEXT), 9) + b"\0"
    text = cose.PREFIX + base45.b45encode(compressed).decode()
    assert cose.decode_qr(text, resolve, TODAY).reason_code == "bad_zlib"


PAYLOAD_BYTES = cbor2.dumps(claims_payload(CONTENT), canonical=True)


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        (forge(PAYLOAD_BYTES, tag=17), "invalid", "wrong_tag"),
        (forge(PAYLOAD_BYTES, {1: -7, 4: KID}), "invalid", "unsupported_alg"),
        (forge(PAYLOAD_BYTES, {1: -8}), "invalid", "bad_protected_header"),
        (forge(PAYLOAD_BYTES, {1: -8, 4: KID, 3: 0}), "invalid", "bad_protected_header"),
        (forge(PAYLOAD_BYTES, {1: -8, 4: b"1234567"}), "invalid", "bad_kid"),
        (forge(PAYLOAD_BYTES, {1: -8, 4: "kid-text"}), "invalid", "bad_kid"),
        (forge(PAYLOAD_BYTES, unprotected={4: KID}), "invalid", "unprotected_header"),
        (forge(PAYLOAD_BYTES, {1: -8, 4: b"unknown!"}), "unknown_issuer", "unknown_kid"),
        (forge(PAYLOAD_BYTES, key=OTHER_KEY), "invalid", "bad_signature"),
        (forge(cbor2.dumps(claims_payload(CONTENT))), "invalid", "non_canonical_cbor"),
        (forge(cbor2.dumps([1, 2], canonical=True)), "invalid", "bad_payload"),
        (forge(b"\xff\x00"), "invalid", "bad_cbor"),
        (
            forge(cbor2.dumps(claims_payload(CONTENT) | {"nat": "SY"}, canonical=True)),
            "invalid",
            "payload_payload_keys",
        ),
    ],
    ids=[
        "tag-17",
        "alg-es256",
        "no-kid",
        "extra-header",
        "kid-7-bytes",
        "kid-text",
        "kid-unprotected",
        "unknown-kid",
        "other-key",
        "non-canonical-payload",
        "payload-not-map",
        "payload-not-cbor",
        "payload-extra-key",
    ],
)
def test_decode_qr_rejects_bad_envelope(text, status, reason):
    result = cose.decode_qr(text, resolve, TODAY)
    assert (result.status, result.reason_code, result.payload) == (status, reason, None)


def test_decode_qr_reports_unknown_issuer_with_kid():
    result = cose.decode_qr(TEXT, lambda kid: None, TODAY)
    assert (result.status, result.reason_code, result.kid) == ("unknown_issuer", "unknown_kid", KID)


def test_decode_qr_rejects_non_ed25519_key():
    result = cose.decode_qr(TEXT, lambda kid: object(), TODAY)
    assert (result.status, result.reason_code) == ("invalid", "key_type")


@pytest.mark.parametrize(
    ("now", "status", "reason"),
    [
        (ISSUED, "valid", "ok"),
        (date(2031, 11, 28), "valid", "ok"),
        (date(2031, 11, 29), "expired", "expired"),
        (date(2026, 11, 27), "invalid", "not_yet_valid"),
    ],
    ids=["issue-day", "last-day", "day-after-expiry", "before-issue"],
)
def test_decode_qr_checks_validity_window(now, status, reason):
    result = cose.decode_qr(TEXT, resolve, now)
    assert (result.status, result.reason_code) == (status, reason)


def test_decode_qr_expired_still_shows_verified_content():
    result = cose.decode_qr(TEXT, resolve, date(2032, 1, 1))
    assert (result.status, result.document) == ("expired", CONTENT)


def test_decode_qr_respects_inflate_limit_parameter():
    result = cose.decode_qr(TEXT, resolve, TODAY, max_inflated=100)
    assert (result.status, result.reason_code) == ("invalid", "inflate_limit")


def test_content_from_payload_raises_only_data_errors_on_mutated_payloads():
    rng = random.Random(20261128)
    base = claims_payload(make_content(2))
    values = [None, True, -1, 2**70, 1.5, "", "x", b"\0" * 16, [], {}, [["a", "b"]], {1: 2}]

    def paths(node, prefix=()):
        yield prefix
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in items:
            yield from paths(child, (*prefix, key))

    every_path = list(paths(base))[1:]
    unexpected = []
    for _ in range(3000):
        payload = copy.deepcopy(base)
        *parents, last = rng.choice(every_path)
        target = payload
        for key in parents:
            target = target[key]
        target[last] = rng.choice(values)
        try:
            content_from_payload(payload)
        except PassportDataError:
            pass
        except Exception as error:  # anything but PassportDataError would reach the verifier
            unexpected.append((parents, last, type(error).__name__))
    assert unexpected == []
