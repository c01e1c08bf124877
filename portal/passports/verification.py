"""Verify a passport from its QR text, its signed JSON credential or its printed PDF.

Works offline: keys come from this instance's issuers (retired keys included) and from
imported trust lists; revocation comes from our own status lists or from cached copies of
other instances' lists, whose age is checked against their ttl. Nothing here fetches from
the network, so the same functions serve the public /verify page, the API and
``flask portal verify``.

Every function returns a ``Verification`` and never raises on bad input. Statuses (most
severe first): unknown_issuer, invalid, revoked, expired, valid_status_not_current, valid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.util import find_spec
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.passports import domain as d
from portal.passports import keys, services, trust
from portal.passports import status_list as sl
from portal.passports.cose import PREFIX, decode_qr
from portal.passports.jws import b64url_encode, verify_jws
from portal.passports.models import CachedStatusList, Issuer, SigningKey, StatusList

MAX_PDF_PAGES = 4
MAX_RENDER_PIXELS = 4000  # longest side of a rendered page: bounds memory on hostile PDFs
RENDER_DPIS = (200, 300)


@dataclass(frozen=True)
class KnownKey:
    """A passport key we accept, with the window in which it may have signed."""

    public_key: Ed25519PublicKey
    kid: str
    issuer_name: str
    jurisdiction: str
    not_before: date
    last_signing: date | None  # retired on; None while active
    not_after: date  # no passport it signed may expire later
    trusted_by: str | None  # None: this instance; else the imported instance's name
    issuer_id: str | None = None  # the issuer id a passport must carry (trusted lists)
    local_issuer: int | None = None  # our issuer's primary key


@dataclass(frozen=True)
class Verification:
    status: str
    reason: str
    form: str  # "qr" or "credential"
    key: KnownKey | None = None
    document: d.PassportContent | d.PassportSummary | None = None

    @property
    def ok(self) -> bool:
        return self.status == sl.VALID

    @property
    def checked(self) -> bool:
        """Tell whether a known key's signature held (the claims can be shown)."""
        return self.status not in (sl.INVALID, sl.UNKNOWN_ISSUER) and self.document is not None

    @property
    def issuer(self) -> dict | None:
        """Return who signed (None unless a known issuer's signature checked)."""
        if self.key is None or not self.checked:
            return None
        return {
            "name": self.key.issuer_name,
            "jurisdiction": self.key.jurisdiction,
            "id": self.document.issuer_id if self.document else None,
            "kid": self.key.kid,
            "trusted_by": self.key.trusted_by,
        }

    @property
    def claims(self) -> dict | None:
        """Return the signed claims as plain JSON (only for signatures we could check)."""
        return claims_of(self.document) if self.checked else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "issuer": self.issuer,
            "claims": self.claims,
        }


# ---- keys ----------------------------------------------------------------------------------


def _local_key(kid: str) -> KnownKey | None:
    row = db.session.execute(
        select(SigningKey, Issuer)
        .join(Issuer, SigningKey.issuer_id == Issuer.id)
        .where(SigningKey.kid == kid)
    ).first()
    if row is None or trust.is_anchor(row.Issuer):
        return None
    key, issuer = row
    return KnownKey(
        public_key=services.public_key(key),
        kid=key.kid,
        issuer_name=issuer.name,
        jurisdiction=issuer.jurisdiction.code,
        not_before=key.valid_from.date(),
        last_signing=key.retired_at.date() if key.retired_at else None,
        not_after=trust.key_not_after(key),
        trusted_by=None,
        local_issuer=issuer.id,
    )


def _trusted_key(kid: str) -> KnownKey | None:
    hit = trust.trusted_entry(kid)
    if hit is None:
        return None
    instance, entry = hit
    try:
        public = keys.public_key_from_jwk(entry["public_key"])
        not_before = date.fromisoformat(entry["not_before"])
        not_after = date.fromisoformat(entry["not_after"])
    except (KeyError, TypeError, ValueError):
        return None
    return KnownKey(
        public_key=public,
        kid=kid,
        issuer_name=str(entry.get("name", "")),
        jurisdiction=str(entry.get("jurisdiction", "")),
        not_before=not_before,
        last_signing=None,
        not_after=not_after,
        trusted_by=instance.name,
        issuer_id=entry.get("issuer"),
    )


def find_key(kid: str) -> KnownKey | None:
    """Return the passport key with this kid from our issuers or an imported trust list."""
    return _local_key(kid) or _trusted_key(kid)


class _Resolver:
    """Remember which known key the signature check used."""

    def __init__(self) -> None:
        self.key: KnownKey | None = None

    def __call__(self, kid: bytes | str) -> Ed25519PublicKey | None:
        text = b64url_encode(kid) if isinstance(kid, bytes) else kid
        self.key = find_key(text)
        return self.key.public_key if self.key else None


# ---- status --------------------------------------------------------------------------------


def _local_status(key: KnownKey, url: str, index: int) -> tuple[bool | None, bool, str]:
    public_id = url.rstrip("/").rsplit("/", 1)[-1]
    row = db.session.scalar(
        select(StatusList).where(
            StatusList.public_id == public_id, StatusList.issuer_id == key.local_issuer
        )
    )
    if row is None:
        return None, True, "status_list_unknown"
    try:
        return sl.BitstringStatusList.from_bytes(row.bits).get(index), False, "ok"
    except sl.StatusListError as error:
        return None, True, error.code


def _cached_status(url: str, index: int, now: datetime) -> tuple[bool | None, bool, str]:
    row = db.session.scalar(select(CachedStatusList).where(CachedStatusList.url == url))
    if row is None:
        return None, True, "status_list_not_cached"
    subject = row.credential.get("credentialSubject") or {}
    checked = sl.check_status(subject.get("encodedList", ""), index)
    ttl = timedelta(seconds=row.ttl_seconds)
    stale = sl.evaluate(row.fetched_at, ttl, now) == sl.STALE
    return checked.revoked, stale, "status_list_stale" if stale else checked.reason_code


def _status(key: KnownKey, doc, now: datetime) -> tuple[bool | None, bool, str]:
    if key.local_issuer is not None:
        return _local_status(key, doc.status_list_url, doc.status_index)
    return _cached_status(doc.status_list_url, doc.status_index, now)


# ---- the common tail -----------------------------------------------------------------------


def _key_problem(key: KnownKey, doc) -> str | None:
    """Return why this key may not have signed this passport (shell model), else None."""
    if doc.issued_on < key.not_before:
        return "key_not_yet_valid"
    if key.last_signing is not None and doc.issued_on > key.last_signing:
        return "key_retired"
    if doc.expires_on > key.not_after:
        return "expiry_beyond_key"
    if key.local_issuer is not None:
        issuer = db.session.get(Issuer, key.local_issuer)
        if not doc.issuer_id.endswith(f"/issuers/{issuer.public_id}"):
            return "issuer_mismatch"
    elif key.issuer_id and doc.issuer_id != key.issuer_id:
        return "issuer_mismatch"
    return None


def _finish(signature_status: str, reason: str, form: str, key, doc, now: datetime) -> Verification:
    if signature_status not in (sl.VALID, sl.EXPIRED) or doc is None or key is None:
        status = signature_status if signature_status != sl.VALID else sl.INVALID
        return Verification(status, reason, form)
    problem = _key_problem(key, doc)
    if problem:
        return Verification(sl.INVALID, problem, form)
    revoked, stale, status_reason = _status(key, doc, now)
    expired = doc.expires_on < now.date()
    status = sl.verification_status(signature_status, revoked, stale, expired)
    reason = {sl.VALID: "ok", sl.EXPIRED: "expired", sl.REVOKED: "revoked"}.get(
        status, status_reason
    )
    return Verification(status, reason, form, key, doc)


def _clock(today: date | None) -> datetime:
    if today is None:
        return utcnow()
    return datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)


# ---- entry points --------------------------------------------------------------------------


def verify_qr(text: str, today: date | None = None) -> Verification:
    """Verify LP1 QR text."""
    now = _clock(today)
    resolver = _Resolver()
    text = text.strip() if isinstance(text, str) else text
    result = decode_qr(text, resolver, now.date())
    return _finish(result.status, result.reason_code, "qr", resolver.key, result.document, now)


def _token_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        if isinstance(value.get("credential"), str):
            return value["credential"].strip()
        envelope = value.get("id")
        if value.get("type") == "EnvelopedVerifiableCredential" and isinstance(envelope, str):
            prefix = "data:application/vc+jwt,"
            return envelope[len(prefix) :] if envelope.startswith(prefix) else None
    return None


def verify_credential(value: str | dict, today: date | None = None) -> Verification:
    """Verify the signed JSON credential: a compact JWS, or a document that carries one."""
    if isinstance(value, dict) and "credential" not in value and isinstance(value.get("qr"), str):
        return verify_qr(value["qr"], today)
    token = _token_of(value)
    if token is None:
        return Verification(sl.INVALID, "unsigned_credential", "credential")
    now = _clock(today)
    resolver = _Resolver()
    checked = verify_jws(token, resolver, now=now, expected_typ="vc+jwt")
    doc = None
    if checked.status in (sl.VALID, sl.EXPIRED) and checked.payload is not None:
        try:
            doc = services.content_from_credential(checked.payload)
        except d.PassportDataError as error:
            return Verification(sl.INVALID, f"payload_{error.code}", "credential")
    return _finish(checked.status, checked.reason_code, "credential", resolver.key, doc, now)


def qr_texts_from_pdf(data: bytes) -> list[str]:
    """Return the LP1 texts of the QR codes printed on a PDF's first pages."""
    # Imported here: only this path renders PDFs. pypdfium2 is a test extra in pyproject;
    # without it PDF uploads verify as invalid ("pdf_reader_unavailable"), nothing else breaks.
    try:
        import pypdfium2
    except ImportError:
        return []
    import zxingcpp

    try:
        pdf = pypdfium2.PdfDocument(data)
    except (pypdfium2.PdfiumError, ValueError, TypeError):
        return []
    try:
        for index in range(min(len(pdf), MAX_PDF_PAGES)):
            page = pdf[index]
            width, height = page.get_size()
            for dpi in RENDER_DPIS:
                scale = min(dpi / 72, MAX_RENDER_PIXELS / max(width, height, 1))
                image = page.render(scale=scale).to_pil()
                found = [
                    b.text
                    for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
                    if b.text.startswith(PREFIX)
                ]
                if found:
                    return found
    except pypdfium2.PdfiumError:
        return []
    finally:
        pdf.close()
    return []


def verify_pdf(data: bytes, today: date | None = None) -> Verification:
    """Verify a printed passport PDF by reading its QR code."""
    texts = qr_texts_from_pdf(data)
    if not texts:
        reason = "no_passport_qr" if find_spec("pypdfium2") else "pdf_reader_unavailable"
        return Verification(sl.INVALID, reason, "qr")
    return verify_qr(texts[0], today)


def verify_text(text: str, today: date | None = None) -> Verification:
    """Verify pasted text: LP1 QR text, a compact JWS or a JSON document."""
    text = (text or "").strip()
    if text.startswith(PREFIX):
        return verify_qr(text, today)
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return Verification(sl.INVALID, "not_json", "credential")
        return verify_credential(value, today) if isinstance(value, dict) else _unreadable()
    if text.count(".") == 2:
        return verify_credential(text, today)
    return _unreadable()


def _unreadable() -> Verification:
    return Verification(sl.INVALID, "unrecognised_input", "qr")


def verify_bytes(data: bytes, today: date | None = None) -> Verification:
    """Verify an uploaded or read file: a PDF, a JSON credential or LP1 text."""
    if data.lstrip()[:5] == b"%PDF-":
        return verify_pdf(data, today)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _unreadable()
    return verify_text(text, today)


# ---- claims as JSON ------------------------------------------------------------------------


def _study(s: d.StudyClaim) -> dict:
    return {
        "system": s.system,
        "system_label": s.system_label,
        "grade": s.grade_code,
        "grade_label": s.grade_label,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "status": s.status,
        "evidence_level": s.evidence_level,
        "school": s.issuer,
        "marks": [
            {
                "subject": m.subject,
                "mark": m.raw,
                "scale": {"best": m.scale.best, "pass": m.scale.pass_mark, "worst": m.scale.worst},
                "converted": m.converted,
                "method": m.method,
            }
            for m in s.marks
        ],
    }


def claims_of(doc: d.PassportContent | d.PassportSummary) -> dict:
    """Return a passport's claims as plain JSON."""
    out: dict[str, Any] = {
        "credential_id": doc.credential_id,
        "kind": "summary" if isinstance(doc, d.PassportSummary) else "full",
        "holder": {
            "names": [{"script": n.script, "text": n.text} for n in doc.holder.names],
            "birth_date": doc.holder.birth_date,
            "birth_date_precision": doc.holder.birth_date_precision,
        },
        "issuer": {
            "id": doc.issuer_id,
            "name": doc.issuer_name,
            "jurisdiction": doc.issuer_jurisdiction,
        },
        "issued_on": doc.issued_on.isoformat(),
        "expires_on": doc.expires_on.isoformat(),
    }
    if isinstance(doc, d.PassportSummary):
        studies, assessments, placements = doc.counts
        out["counts"] = {"studies": studies, "assessments": assessments, "placements": placements}
        out["highest_grades"] = [
            {
                "system": h.system,
                "system_label": h.system_label,
                "grade": h.grade_code,
                "grade_label": h.grade_label,
                "period_end": h.period_end,
                "evidence_level": h.evidence_level,
            }
            for h in doc.highest
        ]
        return out
    out["studies"] = [_study(s) for s in doc.studies]
    out["assessments"] = [
        {
            "kind": a.kind,
            "instrument": a.instrument,
            "date": a.date,
            "level_cumulative_index": a.level_cumulative_index,
            "cefr": a.cefr,
            "evidence_level": a.evidence_level,
        }
        for a in doc.assessments
    ]
    out["placements"] = [
        {
            "kind": p.kind,
            "destination": p.destination,
            "grade": p.grade_code,
            "grade_label": p.grade_label,
            "programmes": list(p.programmes),
            "decided_on": p.decided_on,
        }
        for p in doc.placements
    ]
    return out
