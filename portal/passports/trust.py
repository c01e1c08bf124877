"""Trust between portal instances: the signed issuer list we publish, and the lists we import.

The instance trust anchor is an Ed25519 key of a dedicated issuer row (kind "ministry", no
school, name ANCHOR_NAME): issuers need a key table with sealing, rotation and audit, and the
anchor gets all of that for free. It signs only trust lists, never passports; verification
refuses passports signed with it.

Published at /.well-known/portal-trust-list.json::

    {"format": "portal-trust-list/1",
     "instance": {"name", "base_url"},
     "anchor": <public JWK of the anchor key, with kid>,
     "fingerprint": "ABCD EF01 ..." (SHA-256 of the anchor's raw public key),
     "trust_list": <compact JWS, typ trust-list+jwt, signed by the anchor>}

The JWS payload is ``{"issuers": [entry, ...], "seq", "issued_at"}`` (portal.passports.keys),
one entry per issuer key: kid, name, jurisdiction, public_key (JWK), not_before, not_after,
purposes ["passport"], plus issuer (the id passports carry), kind and status_list (URL).
``seq`` only grows, so an older list cannot replace a newer one.

Importing: the document carries its own anchor key, so a signature check alone proves nothing.
The system administrator compares the fingerprint with one obtained out of band (a phone call,
a letter from the other ministry) and types it; only then is the list stored.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from portal.audit.services import record
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.passports import domain as d
from portal.passports import keys, services
from portal.passports import status_list as sl
from portal.passports.jws import b64url_decode, strict_json_object, verify_jws
from portal.passports.models import (
    CachedStatusList,
    Issuer,
    SigningKey,
    StatusList,
    TrustedInstance,
)
from portal.schools.models import Jurisdiction, School

ANCHOR_NAME = "Portal instance trust anchor"
FORMAT = "portal-trust-list/1"
WELL_KNOWN_PATH = "/.well-known/portal-trust-list.json"
PASSPORT = "passport"
MAX_FETCH_BYTES = 2 * 1024 * 1024
FETCH_TIMEOUT = 10
STATUS_LIST_MEDIA_TYPE = "application/vc+jwt"

Fetcher = Callable[[str], bytes]


class TrustError(Exception):
    """A trust list or status list is refused; ``code`` says why (translated at the edge)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ---- our own list -------------------------------------------------------------------------


def is_anchor(issuer: Issuer) -> bool:
    """Tell whether an issuer is this instance's trust anchor (it never signs passports)."""
    return issuer.kind == "ministry" and issuer.school_id is None and issuer.name == ANCHOR_NAME


def _anchor_jurisdiction() -> int:
    # issuers.jurisdiction_id is required; the anchor belongs to the instance, not to an
    # authority, so it borrows the first school's (or the first) jurisdiction as a placeholder.
    found = db.session.scalar(select(School.jurisdiction_id).order_by(School.id).limit(1))
    found = found or db.session.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id).limit(1))
    if found is None:
        raise TrustError("no_jurisdiction")
    return found


def anchor_key() -> SigningKey:
    """Return the instance's trust-anchor key, creating the anchor on first use."""
    issuer = db.session.scalar(
        select(Issuer).where(
            Issuer.kind == "ministry", Issuer.school_id.is_(None), Issuer.name == ANCHOR_NAME
        )
    )
    if issuer is None:
        issuer = Issuer(kind="ministry", name=ANCHOR_NAME, jurisdiction_id=_anchor_jurisdiction())
        db.session.add(issuer)
        db.session.flush()
        key = services.new_signing_key(issuer)
        record("trust.anchor_created", "issuer", issuer.public_id, details={"kid": key.kid})
    return services.active_key(issuer)


def key_not_after(key: SigningKey) -> date:
    """Return the last day a passport signed with the key may be valid."""
    if key.valid_until is not None:
        return key.valid_until.date()
    return d.default_expiry((key.valid_from + services.KEY_SIGNING_PERIOD).date())


def _entries(today: date) -> tuple[list[dict], list[SigningKey]]:
    rows = db.session.execute(
        select(SigningKey, Issuer)
        .join(Issuer, SigningKey.issuer_id == Issuer.id)
        .order_by(Issuer.id, SigningKey.valid_from, SigningKey.id)
    ).all()
    lists = {
        row.issuer_id: row
        for row in db.session.scalars(
            select(StatusList).where(StatusList.purpose == services.REVOCATION)
        )
    }
    entries, used = [], []
    for key, issuer in rows:
        if is_anchor(issuer) or key_not_after(key) < today:
            continue  # the anchor signs no passports; a key past its last expiry is not needed
        entry = {
            "kid": key.kid,
            "name": issuer.name,
            "jurisdiction": issuer.jurisdiction.code,
            "public_key": keys.public_jwk(services.public_key(key)),
            "not_before": key.valid_from.date().isoformat(),
            "not_after": key_not_after(key).isoformat(),
            "purposes": [PASSPORT],
            "issuer": services.issuer_url(issuer),
            "kind": issuer.kind,
        }
        if issuer.id in lists:
            entry["status_list"] = services.status_list_url(lists[issuer.id])
        entries.append(entry)
        used.append(key)
    return entries, used


def _sequence(used: list[SigningKey], anchor: SigningKey, now: datetime) -> int:
    # Grows with every day and with every key change, so that a verifier holding a newer list
    # refuses an older one; stable within the day, so caches and tests see one list.
    midnight = datetime.combine(now.date(), time.min, UTC)
    moments = [midnight, anchor.valid_from]
    for key in used:
        moments += [key.valid_from, *([key.retired_at] if key.retired_at else [])]
    return int(max(m for m in moments if m <= now).timestamp())


def published_trust_list(now: datetime | None = None) -> dict:
    """Return this instance's trust-list document, signed by the instance anchor."""
    now = now or utcnow()
    anchor = anchor_key()
    entries, used = _entries(now.date())
    seq = _sequence(used, anchor, now)
    token = keys.sign_trust_list(
        entries,
        services.private_key(anchor),
        anchor.kid,
        seq=seq,
        issued_at=datetime.fromtimestamp(seq, UTC),
    )
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "format": FORMAT,
        "instance": {
            "name": current_app.config.get("PORTAL_INSTANCE_NAME")
            or urllib.parse.urlsplit(base_url).netloc,
            "base_url": base_url,
        },
        "anchor": keys.public_jwk(services.public_key(anchor)),
        "fingerprint": keys.fingerprint(anchor.public_key),
        "trust_list": token,
    }


def own_fingerprint() -> str:
    """Return the fingerprint of this instance's anchor key (to read out to other instances)."""
    return keys.fingerprint(anchor_key().public_key)


# ---- importing another instance's list ----------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A trust list whose signature checks against its own anchor; not yet trusted."""

    name: str
    base_url: str
    fingerprint: str
    seq: int
    issued_at: str
    entries: tuple[dict, ...]
    token: str
    document: str  # the JSON text, to carry the candidate through the confirmation step


def normalise_fingerprint(text: str) -> str:
    """Return a fingerprint as bare upper-case hex (spaces, colons and case ignored)."""
    return "".join(c for c in (text or "").upper() if c in "0123456789ABCDEF")


def _parse(raw: str | bytes | dict) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return strict_json_object(text.strip().encode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TrustError("not_a_trust_list") from None


def _http_url(value: object) -> str:
    if not isinstance(value, str) or len(value) > 400:
        raise TrustError("not_a_trust_list")
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TrustError("not_a_trust_list")
    return value.rstrip("/")


def inspect_trust_list(raw: str | bytes | dict) -> Candidate:
    """Check a trust-list document against the anchor key it carries; raise TrustError."""
    doc = _parse(raw)
    instance = doc.get("instance")
    if doc.get("format") != FORMAT or not isinstance(instance, dict):
        raise TrustError("not_a_trust_list")
    try:
        anchor = keys.public_key_from_jwk(doc.get("anchor"))
    except keys.KeyFormatError:
        raise TrustError("bad_anchor_key") from None
    anchor_kid = keys.key_id(anchor)
    checked = keys.verify_trust_list(
        doc.get("trust_list", ""), lambda kid: anchor if kid == anchor_kid else None
    )
    if not checked.ok or checked.seq is None:
        raise TrustError("bad_signature")
    fingerprint = keys.fingerprint(keys.raw_public_key(anchor))
    if fingerprint == own_fingerprint():
        raise TrustError("own_list")
    name = instance.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TrustError("not_a_trust_list")
    return Candidate(
        name=name.strip()[:200],
        base_url=_http_url(instance.get("base_url")),
        fingerprint=fingerprint,
        seq=checked.seq,
        issued_at=checked.issued_at or "",
        entries=checked.entries,
        token=doc["trust_list"],
        document=json.dumps(doc, separators=(",", ":"), ensure_ascii=False),
    )


def stored_sequence(instance: TrustedInstance) -> int:
    """Return the seq of the list we hold (verified when it was imported)."""
    payload = strict_json_object(b64url_decode(instance.list_jws.split(".")[1]))
    return int(payload["seq"])


def import_trust_list(user: User, candidate: Candidate, typed_fingerprint: str) -> TrustedInstance:
    """Trust the candidate's issuers once the administrator has typed its fingerprint."""
    if normalise_fingerprint(typed_fingerprint) != normalise_fingerprint(candidate.fingerprint):
        record(
            "trust.import_refused",
            "trusted_instance",
            None,
            actor=user,
            details={"base_url": candidate.base_url, "reason": "fingerprint_mismatch"},
        )
        raise TrustError("fingerprint_mismatch")
    instance = db.session.scalar(
        select(TrustedInstance).where(TrustedInstance.base_url == candidate.base_url)
    )
    anchor_changed = False
    if instance is None:
        instance = TrustedInstance(base_url=candidate.base_url)
        db.session.add(instance)
    else:
        anchor_changed = instance.fingerprint != candidate.fingerprint
        if not anchor_changed and candidate.seq < stored_sequence(instance):
            raise TrustError("rollback")
    instance.name = candidate.name
    instance.fingerprint = candidate.fingerprint
    instance.entries = [dict(e) for e in candidate.entries]
    instance.list_jws = candidate.token
    instance.imported_at = utcnow()
    instance.imported_by_id = user.id
    db.session.flush()
    record(
        "trust.imported",
        "trusted_instance",
        instance.public_id,
        actor=user,
        details={
            "base_url": instance.base_url,
            "fingerprint": instance.fingerprint,
            "seq": candidate.seq,
            "keys": [e["kid"] for e in candidate.entries],
            "anchor_changed": anchor_changed,
        },
    )
    return instance


def trusted_instances() -> list[TrustedInstance]:
    """Return the imported instances, by name."""
    return list(db.session.scalars(select(TrustedInstance).order_by(TrustedInstance.name)))


def remove_trusted_instance(user: User, public_id: str) -> None:
    """Stop trusting an instance: its passports verify as "unknown issuer" from now on."""
    instance = db.session.scalar(
        select(TrustedInstance).where(TrustedInstance.public_id == public_id)
    )
    if instance is None:
        raise TrustError("not_found")
    record(
        "trust.removed",
        "trusted_instance",
        instance.public_id,
        actor=user,
        details={"base_url": instance.base_url, "fingerprint": instance.fingerprint},
    )
    db.session.delete(instance)
    db.session.flush()


def trusted_entry(kid: str) -> tuple[TrustedInstance, dict] | None:
    """Return the imported instance and trust-list entry that name a passport key."""
    for instance in trusted_instances():
        for entry in instance.entries:
            if entry.get("kid") == kid and PASSPORT in (entry.get("purposes") or ()):
                return instance, entry
    return None


# ---- other instances' status lists --------------------------------------------------------


def fetch_url(url: str, accept: str = "application/json") -> bytes:
    """Fetch a public document over HTTP(S) with a size limit and a timeout."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise TrustError("fetch_failed")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_FETCH_BYTES + 1)
    except (OSError, ValueError):
        raise TrustError("fetch_failed") from None
    if len(body) > MAX_FETCH_BYTES:
        raise TrustError("fetch_failed")
    return body


def cache_status_list(url: str, token: str | bytes, now: datetime | None = None):
    """Verify a signed status list credential from a trusted issuer and keep it for offline use.

    Only the signed (vc+jwt) form is accepted: an unsigned list could un-revoke passports.
    """
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace").strip()
    found: dict = {}

    def resolve(kid: str):
        hit = trusted_entry(kid)
        if hit is None:
            return None
        found["entry"] = hit[1]
        return keys.public_key_from_jwk(hit[1]["public_key"])

    checked = verify_jws(token, resolve, expected_typ="vc+jwt")
    if not checked.ok or checked.payload is None:
        raise TrustError("bad_status_list")
    credential, entry = checked.payload, found["entry"]
    subject = credential.get("credentialSubject")
    issuer = credential.get("issuer")
    if (
        credential.get("id") != url
        or not isinstance(subject, dict)
        or subject.get("statusPurpose") != services.REVOCATION
        or (entry.get("issuer") and issuer != entry["issuer"])
    ):
        raise TrustError("bad_status_list")
    try:
        sl.BitstringStatusList.decode(subject.get("encodedList", ""))
        ttl = sl.ttl_from_credential(credential)
    except sl.StatusListError:
        raise TrustError("bad_status_list") from None
    row = db.session.scalar(select(CachedStatusList).where(CachedStatusList.url == url))
    if row is None:
        row = CachedStatusList(url=url)
        db.session.add(row)
    row.credential = credential
    row.fetched_at = now or utcnow()
    row.ttl_seconds = max(int(ttl / timedelta(seconds=1)), 0)
    db.session.flush()
    record("trust.status_list_cached", "status_list", None, details={"url": url})
    return row


def refresh_status_lists(instance: TrustedInstance, fetch: Fetcher | None = None):
    """Fetch and cache the status lists a trusted instance names; return (cached, failed)."""
    fetch = fetch or (lambda url: fetch_url(url, STATUS_LIST_MEDIA_TYPE))
    urls = sorted({e["status_list"] for e in instance.entries if e.get("status_list")})
    cached, failed = [], []
    for url in urls:
        try:
            cache_status_list(url, fetch(url))
        except TrustError:
            failed.append(url)
        else:
            cached.append(url)
    return cached, failed
