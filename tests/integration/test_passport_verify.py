"""Verifying passports: the public page, the API and the offline command line."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pypdfium2
import pytest
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as zbar_decode
from sqlalchemy import select

from portal.extensions import db
from portal.passports import domain as d
from portal.passports import keys, trust
from portal.passports.cose import encode_passport_qr
from portal.passports.jws import b64url_decode, b64url_encode, build_credential, sign_jws
from portal.passports.models import CachedStatusList, TrustedInstance
from portal.passports.status_list import BitstringStatusList, status_list_credential
from portal.passports.verification import verify_credential, verify_qr
from tests.integration.test_passport_issue import (
    make_passport_learner,
    school_by_id,
    user_by_email,
)

OTHER = "https://other-portal.example"


@pytest.fixture
def issued(app, client, world, reference, bearer) -> dict:
    """A passport issued by school A, with its PDF and JSON downloads."""
    with app.app_context():
        admin = user_by_email(world.emails["school_admin"])
        learner = make_passport_learner(school_by_id(world.ids["school_a"]), admin)
        db.session.commit()
        learner_id = learner.public_id
    r = client.post(
        f"/api/v1/learners/{learner_id}/passports",
        json={"languages": ["en", "ar"]},
        headers=bearer("school_admin"),
    )
    assert r.status_code == 201
    body = r.get_json()
    headers = bearer("school_admin")
    body["pdf"] = client.get(f"/api/v1/passports/{body['id']}/pdf", headers=headers).data
    return body


def tamper(text: str, position: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    replacement = alphabet[(alphabet.index(text[position]) + 1) % len(alphabet)]
    return text[:position] + replacement + text[position + 1 :]


def tamper_jws(token: str) -> str:
    header, payload, signature = token.split(".")
    vc = json.loads(b64url_decode(payload))
    vc["credentialSubject"]["studies"][0]["grade"]["code"] = "SY-G9"
    forged = b64url_encode(json.dumps(vc, separators=(",", ":")).encode())
    return f"{header}.{forged}.{signature}"


# ---- the public page ------------------------------------------------------------------------


def test_verify_page_is_public(client):
    r = client.get("/verify")
    assert r.status_code == 200
    assert "Verify a learning passport" in r.get_data(as_text=True)


def test_verify_page_with_pasted_qr_text_shows_valid_and_claims(client, issued):
    r = client.post("/verify", data={"text": issued["qr"]})  # no CSRF token: changes nothing
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Valid" in html and "Not valid" not in html
    assert "<bdi>Amal Haddad</bdi>" in html
    assert "Grade 4" in html  # shown from our reference data in the viewer's language
    assert "<code>ok</code>" in html


def test_verify_page_shows_claims_in_the_viewers_language(client, issued):
    r = client.post("/verify", data={"text": issued["qr"]}, query_string={"lang": "de"})
    assert "4. Klasse" in r.get_data(as_text=True)


def test_verify_page_with_uploaded_pdf_reads_the_qr(app, client, issued):
    image = pypdfium2.PdfDocument(issued["pdf"])[0].render(scale=200 / 72).to_pil()
    decoded = [s.data.decode("ascii") for s in zbar_decode(image, symbols=[ZBarSymbol.QRCODE])]
    assert decoded == [issued["qr"]]  # an independent decoder reads what was signed
    with app.app_context():
        assert verify_qr(decoded[0]).status == "valid"
    r = client.post(
        "/verify",
        data={"file": (io.BytesIO(issued["pdf"]), "passport.pdf")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert "<bdi>Amal Haddad</bdi>" in html
    assert "Valid" in html and "Not valid" not in html


def test_verify_page_with_uploaded_json(client, login_as, issued):
    document = login_as("school_admin").get(f"/passports/{issued['id']}.json").data
    r = client.post(
        "/verify",
        data={"file": (io.BytesIO(document), "passport.json")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert "<bdi>Amal Haddad</bdi>" in html
    assert "Valid" in html and "Not valid" not in html


def test_verify_page_with_tampered_text_says_not_valid(client, issued):
    html = client.post("/verify", data={"text": tamper(issued["qr"], 40)}).get_data(as_text=True)
    assert "Not valid" in html
    assert "Amal Haddad" not in html


def test_verify_page_without_input_asks_for_it(client):
    r = client.post("/verify", data={})
    assert r.status_code == 422
    assert "Paste the passport text or upload its file." in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "payload",
    [b"%PDF-1.7 not really a pdf", b"\x00\xff\xfe garbage", b"LP1:NOT BASE45 ~~~", b'{"a": 1}'],
    ids=["fake-pdf", "binary", "bad-lp1", "json-without-credential"],
)
def test_verify_page_answers_garbage_with_not_valid(client, payload):
    r = client.post(
        "/verify",
        data={"file": (io.BytesIO(payload), "upload.bin")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    assert "Not valid" in r.get_data(as_text=True)


# ---- the API --------------------------------------------------------------------------------


def test_api_verify_qr_and_credential_need_no_token(client, issued):
    for body in ({"qr": issued["qr"]}, {"credential": issued["credential"]}):
        r = client.post("/api/v1/passports/verify", json=body)
        assert r.status_code == 200
        result = r.get_json()
        assert result["status"] == "valid"
        assert result["issuer"]["name"] == "School A"
        assert result["issuer"]["trusted_by"] is None
        assert result["claims"]["holder"]["names"][0]["text"] == "Amal Haddad"


def test_api_verify_accepts_the_downloaded_json_document(client, login_as, issued):
    document = login_as("school_admin").get(f"/passports/{issued['id']}.json").get_json()
    r = client.post("/api/v1/passports/verify", json={"credential": document})
    assert r.get_json()["status"] == "valid"


@pytest.mark.parametrize("form", ["qr", "credential"])
def test_api_verify_tampered_is_invalid_and_reveals_no_claims(client, issued, form):
    forged = tamper(issued["qr"], 60) if form == "qr" else tamper_jws(issued["credential"])
    result = client.post("/api/v1/passports/verify", json={form: forged}).get_json()
    assert (result["status"], result["issuer"], result["claims"]) == ("invalid", None, None)


def test_api_verify_rejects_a_body_without_qr_or_credential(client):
    r = client.post("/api/v1/passports/verify", json={"text": "x"})
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "invalid"


def test_every_qr_character_substitution_is_rejected(app, issued):
    qr = issued["qr"]
    with app.app_context():
        statuses = {verify_qr(tamper(qr, i)).status for i in range(4, len(qr), 7)}
    assert statuses <= {"invalid", "unknown_issuer"}


# ---- foreign issuers and status lists ----------------------------------------------------------


def foreign_passport(key, status_index: int = 7, issued_on: date | None = None):
    """A passport signed by another portal's school key."""
    issued_on = issued_on or date.today()
    content = d.PassportContent(
        credential_id=d.new_credential_id(),
        issuer_id=f"{OTHER}/issuers/lviv-47",
        issuer_name="Lviv Gymnasium 47",
        issuer_jurisdiction="UA",
        issued_on=issued_on,
        expires_on=d.default_expiry(issued_on),
        status_list_url=f"{OTHER}/status-lists/lviv",
        status_index=status_index,
        holder=d.Holder((d.Name("Cyrl", "Олег Шевченко"),), "2013-05", "month"),
    )
    jws = sign_jws(build_credential(content), key, keys.key_id(key.public_key()))
    qr = encode_passport_qr(content, jws, key, keys.key_id_bytes(key.public_key()))
    return content, qr, jws


def trust_key(key, name: str = "Other portal") -> None:
    today = date.today()
    entry = {
        "kid": keys.key_id(key.public_key()),
        "name": "Lviv Gymnasium 47",
        "jurisdiction": "UA",
        "public_key": keys.public_jwk(key.public_key()),
        "not_before": (today - timedelta(days=30)).isoformat(),
        "not_after": d.default_expiry(today + timedelta(days=365)).isoformat(),
        "purposes": ["passport"],
        "issuer": f"{OTHER}/issuers/lviv-47",
        "status_list": f"{OTHER}/status-lists/lviv",
    }
    db.session.add(
        TrustedInstance(
            name=name, base_url=OTHER, fingerprint="test", entries=[entry], list_jws="x.e30.x"
        )
    )


def cache_list(revoked: tuple[int, ...] = (), age: timedelta = timedelta(0)) -> None:
    bits = BitstringStatusList()
    for index in revoked:
        bits.set(index)
    now = datetime.now(UTC)
    url = f"{OTHER}/status-lists/lviv"
    credential = status_list_credential(url, f"{OTHER}/issuers/lviv-47", bits.encode(), now)
    db.session.add(
        CachedStatusList(url=url, credential=credential, fetched_at=now - age, ttl_seconds=3600)
    )


def test_passport_from_an_untrusted_portal_is_unknown_issuer(app, client, world):
    key = keys.generate_key()
    _content, qr, jws = foreign_passport(key)
    with app.app_context():
        assert verify_qr(qr).status == "unknown_issuer"
        assert verify_credential(jws).status == "unknown_issuer"
    html = client.post("/verify", data={"text": qr}).get_data(as_text=True)
    assert "Unknown issuer" in html
    assert "Олег" not in html


@pytest.mark.parametrize(
    ("cached", "expected"),
    [
        (None, "valid_status_not_current"),
        ({"age": timedelta(hours=2)}, "valid_status_not_current"),
        ({"age": timedelta(minutes=5)}, "valid"),
        ({"age": timedelta(minutes=5), "revoked": (7,)}, "revoked"),
        ({"age": timedelta(hours=2), "revoked": (7,)}, "revoked"),
        ({"age": timedelta(minutes=5), "revoked": (8,)}, "valid"),
    ],
    ids=["no-list", "stale", "fresh", "revoked", "stale-but-revoked", "other-bit"],
)
def test_trusted_foreign_passport_status_from_the_cached_list(app, world, cached, expected):
    key = keys.generate_key()
    _content, qr, jws = foreign_passport(key)
    with app.app_context():
        trust_key(key)
        if cached is not None:
            cache_list(**cached)
        db.session.commit()
        qr_result, jws_result = verify_qr(qr), verify_credential(jws)
    assert (qr_result.status, jws_result.status) == (expected, expected)
    assert qr_result.issuer["trusted_by"] == "Other portal"


def test_trusted_key_may_not_sign_outside_its_window(app, world):
    key = keys.generate_key()
    _content, qr, _jws = foreign_passport(key, issued_on=date.today() - timedelta(days=60))
    with app.app_context():
        trust_key(key)
        db.session.commit()
        result = verify_qr(qr)
    assert (result.status, result.reason) == ("invalid", "key_not_yet_valid")


def test_anchor_key_never_verifies_passports(app, world):
    with app.app_context():
        from portal.passports import services

        anchor = trust.anchor_key()
        signer = services.private_key(anchor)
        db.session.commit()
        _content, qr, _jws = foreign_passport(signer)
        assert verify_qr(qr).status == "unknown_issuer"


def test_status_list_cache_accepts_only_lists_signed_by_trusted_issuers(app, world):
    key, stranger = keys.generate_key(), keys.generate_key()
    url = f"{OTHER}/status-lists/lviv"
    credential = status_list_credential(
        url, f"{OTHER}/issuers/lviv-47", BitstringStatusList().encode(), datetime.now(UTC)
    )
    with app.app_context():
        trust_key(key)
        db.session.flush()
        for token in (
            json.dumps(credential),  # unsigned
            sign_jws(credential, stranger, keys.key_id(stranger.public_key())),
            sign_jws({**credential, "id": f"{OTHER}/x"}, key, keys.key_id(key.public_key())),
        ):
            with pytest.raises(trust.TrustError):
                trust.cache_status_list(url, token)
        row = trust.cache_status_list(url, sign_jws(credential, key, keys.key_id(key.public_key())))
        assert row.ttl_seconds == 300
        db.session.rollback()


# ---- the command line (offline) ----------------------------------------------------------------


def test_cli_verify_offline_accepts_text_json_and_pdf(app, runner, login_as, issued, tmp_path):
    files = {
        "passport.txt": issued["qr"].encode(),
        "passport.json": login_as("school_admin").get(f"/passports/{issued['id']}.json").data,
        "passport.pdf": issued["pdf"],
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["portal", "verify", str(path)])
        assert result.exit_code == 0, (name, result.output)
        assert result.output.startswith("status: valid (ok)")
        assert "holder: Amal Haddad, born 2012-03-10" in result.output


def test_cli_verify_exits_non_zero_unless_valid(runner, issued, tmp_path):
    forged = tmp_path / "forged.txt"
    forged.write_text(tamper(issued["qr"], 50))
    result = runner.invoke(args=["portal", "verify", str(forged)])
    assert result.exit_code == 1
    assert result.output.startswith("status: invalid")
    expired = tmp_path / "passport.txt"
    expired.write_text(issued["qr"])
    later = (date.fromisoformat(issued["expires_at"]) + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["portal", "verify", str(expired), "--on", later, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["status"] == "expired"


def test_cli_verify_uses_cached_lists_without_network(app, runner, world, tmp_path):
    key = keys.generate_key()
    _content, qr, _jws = foreign_passport(key)
    with app.app_context():
        trust_key(key)
        cache_list(revoked=(7,))
        db.session.commit()
        assert db.session.scalar(select(CachedStatusList.url)) == f"{OTHER}/status-lists/lviv"
    path = tmp_path / "foreign.txt"
    path.write_text(qr)
    result = runner.invoke(args=["portal", "verify", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("status: revoked")
