"""W3C Bitstring Status List: bit order, encoding, bomb-safe decoding, freshness (J5/J6)."""

from __future__ import annotations

import base64
import gzip
import random
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from portal.passports.status_list import (
    MIN_ENTRIES,
    BitstringStatusList,
    StatusListError,
    allocate_index,
    check_status,
    evaluate,
    status_list_credential,
    ttl_from_credential,
    verification_status,
)

# The example encodedList from the W3C specification: 16 KiB of zero bits.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def encoded(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_new_list_has_the_minimum_herd_size():
    status_list = BitstringStatusList()
    assert (len(status_list), len(status_list.to_bytes())) == (131_072, 16_384)
    assert not any(status_list.to_bytes())


@pytest.mark.parametrize(
    "size", [MIN_ENTRIES - 8, MIN_ENTRIES + 1, 0], ids=["short", "odd", "zero"]
)
def test_new_list_rejects_bad_size(size):
    with pytest.raises(StatusListError) as caught:
        BitstringStatusList(size)
    assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (131_071, 16_383, 0x01)],
    ids=["first", "second", "eighth", "ninth", "last"],
)
def test_set_uses_most_significant_bit_first(index, byte, value):
    status_list = BitstringStatusList()
    status_list.set(index)
    raw = status_list.to_bytes()
    assert (raw[byte], sum(raw)) == (value, value)
    assert status_list.get(index) is True


def test_set_false_clears_only_that_bit():
    status_list = BitstringStatusList()
    status_list.set(3)
    status_list.set(4)
    status_list.set(3, False)
    assert (status_list.get(3), status_list.get(4), status_list.to_bytes()[0]) == (
        False,
        True,
        0x08,
    )


@pytest.mark.parametrize(
    "index", [-1, MIN_ENTRIES, True, 2.0], ids=["negative", "past-end", "bool", "float"]
)
def test_index_out_of_range_raises_range_error(index):
    with pytest.raises(StatusListError) as caught:
        BitstringStatusList().get(index)
    assert caught.value.code == "RANGE_ERROR"


def test_encode_decode_round_trip_changes_only_revoked_bit():
    rng = random.Random(7)
    status_list = BitstringStatusList()
    revoked = {rng.randrange(MIN_ENTRIES) for _ in range(500)}
    for index in revoked:
        status_list.set(index)
    before = BitstringStatusList.decode(status_list.encode())
    status_list.set(12_345)
    after = BitstringStatusList.decode(status_list.encode())
    diff = [i for i in range(MIN_ENTRIES) if before.get(i) != after.get(i)]
    assert diff == ([] if 12_345 in revoked else [12_345])
    assert {i for i in range(MIN_ENTRIES) if after.get(i)} == revoked | {12_345}


def test_encode_is_multibase_base64url_of_gzip():
    text = BitstringStatusList().encode()
    assert text.startswith("uH4sI")  # "u" + base64url of the gzip magic 1f 8b 08
    assert gzip.decompress(base64.urlsafe_b64decode(text[1:] + "==")) == bytes(16_384)
    assert "=" not in text and len(text) < 100


def test_decode_reads_the_spec_example():
    status_list = BitstringStatusList.decode(SPEC_EXAMPLE)
    assert (len(status_list), any(status_list.to_bytes())) == (131_072, False)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (SPEC_EXAMPLE[1:], "MALFORMED_VALUE_ERROR"),
        ("z" + SPEC_EXAMPLE[1:], "MALFORMED_VALUE_ERROR"),
        (SPEC_EXAMPLE + "=", "MALFORMED_VALUE_ERROR"),
        (SPEC_EXAMPLE[:-5], "MALFORMED_VALUE_ERROR"),
        (encoded(zlib.compress(bytes(16_384))), "MALFORMED_VALUE_ERROR"),
        (encoded(gzip.compress(bytes(16_384)) + b"junk"), "MALFORMED_VALUE_ERROR"),
        (encoded(gzip.compress(bytes(16_383))), "STATUS_LIST_LENGTH_ERROR"),
        (encoded(gzip.compress(bytes(20 * 1024 * 1024))), "STATUS_LIST_TOO_LARGE"),
        (None, "MALFORMED_VALUE_ERROR"),
        ("u" + "A" * (4 * 1024 * 1024 + 1), "MALFORMED_VALUE_ERROR"),
    ],
    ids=[
        "no-multibase-prefix",
        "wrong-multibase",
        "padding",
        "truncated",
        "zlib-not-gzip",
        "trailing-bytes",
        "one-entry-short",
        "bomb",
        "none",
        "oversized-text",
    ],
)
def test_decode_rejects_bad_list(text, code):
    with pytest.raises(StatusListError) as caught:
        BitstringStatusList.decode(text)
    assert caught.value.code == code


def test_decode_respects_max_bytes():
    with pytest.raises(StatusListError) as caught:
        BitstringStatusList.decode(SPEC_EXAMPLE, max_bytes=1000)
    assert caught.value.code == "STATUS_LIST_TOO_LARGE"


@pytest.mark.parametrize(
    ("index", "revoked", "reason"),
    [(5, True, "ok"), (6, False, "ok"), (MIN_ENTRIES, None, "RANGE_ERROR")],
    ids=["revoked", "not-revoked", "out-of-range"],
)
def test_check_status(index, revoked, reason):
    status_list = BitstringStatusList()
    status_list.set(5)
    result = check_status(status_list.encode(), index)
    assert (result.revoked, result.reason_code) == (revoked, reason)


def test_check_status_of_garbage_is_unknown():
    result = check_status("not a list", 1)
    assert (result.revoked, result.reason_code) == (None, "MALFORMED_VALUE_ERROR")


def test_status_list_credential_shape():
    credential = status_list_credential(
        "https://passports.example.org/status/2026-1",
        "https://passports.example.org/issuers/de-nw-koeln",
        SPEC_EXAMPLE,
        T0,
        ttl=timedelta(days=1),
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://passports.example.org/status/2026-1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://passports.example.org/issuers/de-nw-koeln",
        "validFrom": "2027-03-01T12:00:00Z",
        "credentialSubject": {
            "id": "https://passports.example.org/status/2026-1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": SPEC_EXAMPLE,
            "ttl": 86_400_000,
        },
    }
    assert ttl_from_credential(credential) == timedelta(days=1)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [({}, timedelta(milliseconds=300_000)), ({"ttl": 0}, timedelta(0))],
    ids=["spec-default", "zero"],
)
def test_ttl_from_credential(subject, expected):
    assert ttl_from_credential({"credentialSubject": subject}) == expected


@pytest.mark.parametrize("ttl", [-1, "300000", 1.5], ids=["negative", "text", "float"])
def test_ttl_from_credential_rejects_malformed(ttl):
    with pytest.raises(StatusListError):
        ttl_from_credential({"credentialSubject": {"ttl": ttl}})


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), "current"),
        (timedelta(hours=23, minutes=59), "current"),
        (timedelta(days=1), "stale"),
        (timedelta(days=30), "stale"),
        (timedelta(minutes=-5), "stale"),
    ],
    ids=["just-fetched", "just-inside-ttl", "exactly-ttl", "month-old", "fetched-in-future"],
)
def test_evaluate_freshness(age, expected):
    assert evaluate(T0 - age, timedelta(days=1), T0) == expected


@pytest.mark.parametrize(
    ("signature", "revoked", "stale", "expired", "expected"),
    [
        ("valid", False, False, False, "valid"),
        ("valid", False, True, False, "valid_status_not_current"),
        ("valid", None, False, False, "valid_status_not_current"),
        ("valid", True, False, False, "revoked"),
        ("valid", True, True, False, "revoked"),
        ("valid", True, False, True, "revoked"),
        ("valid", False, False, True, "expired"),
        ("valid", False, True, True, "expired"),
        ("expired", False, False, False, "expired"),
        ("invalid", False, False, False, "invalid"),
        ("invalid", True, False, False, "invalid"),
        ("unknown_issuer", False, False, False, "unknown_issuer"),
        ("something_else", False, False, False, "invalid"),
    ],
    ids=[
        "all-good",
        "stale-list",
        "no-list",
        "revoked",
        "revoked-stale",
        "revoked-expired",
        "expired",
        "expired-stale",
        "expired-from-decoder",
        "bad-signature",
        "bad-signature-revoked",
        "unknown-issuer",
        "unknown-status",
    ],
)
def test_verification_status(signature, revoked, stale, expired, expected):
    assert verification_status(signature, revoked, stale, expired) == expected


def test_allocate_index_avoids_taken_indexes():
    taken = set(range(MIN_ENTRIES)) - {4242}
    assert allocate_index(taken) == 4242


def test_allocate_index_on_full_list_raises():
    with pytest.raises(StatusListError) as caught:
        allocate_index(range(MIN_ENTRIES))
    assert caught.value.code == "STATUS_LIST_FULL"


def test_allocate_index_is_not_sequential():
    taken: set[int] = set()
    for _ in range(200):
        taken.add(allocate_index(taken))
    assert len(taken) == 200
    assert max(taken) > 10_000  # sequential allocation would stay below 200
