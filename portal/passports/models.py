"""Issuers, their signing keys, issued passports, status lists and imported trust lists."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import PublicId, UTCDateTime, new_public_id, utcnow
from portal.extensions import db
from portal.learners.models import Learner
from portal.schools.models import Jurisdiction, School


class Issuer(db.Model):
    """An organisation that signs passports: a school or a ministry of this instance."""

    __tablename__ = "issuers"
    __table_args__ = (CheckConstraint("kind IN ('school', 'ministry')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School | None] = relationship()
    jurisdiction: Mapped[Jurisdiction] = relationship()
    keys: Mapped[list[SigningKey]] = relationship(
        back_populates="issuer", order_by="SigningKey.valid_from"
    )


class SigningKey(db.Model):
    """An Ed25519 key; the private half is sealed with PORTAL_KEY_SECRET. Retired keys verify."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No new signatures after this; existing ones keep verifying until valid_until.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[Issuer] = relationship(back_populates="keys")


class StatusList(db.Model):
    """One W3C Bitstring Status List per issuer and purpose."""

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("issuer_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="revocation")
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    issuer: Mapped[Issuer] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class Passport(db.Model):
    __tablename__ = "passports"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    key_id: Mapped[int] = mapped_column(ForeignKey("signing_keys.id"))
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date] = mapped_column(Date)
    qr_text: Mapped[str] = mapped_column(Text)
    credential_jws: Mapped[str] = mapped_column(Text)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    learner: Mapped[Learner] = relationship()
    issuer: Mapped[Issuer] = relationship()
    key: Mapped[SigningKey] = relationship()
    status_list: Mapped[StatusList] = relationship()


class TrustedInstance(db.Model):
    """Another portal instance whose signed trust list a system administrator imported."""

    __tablename__ = "trusted_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(400), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(100))
    # The verified list: [{"kid", "jwk", "issuer", "name", "jurisdiction", "valid_from", ...}]
    entries: Mapped[list] = mapped_column(JSON)
    list_jws: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CachedStatusList(db.Model):
    """A status list fetched from another instance, kept for offline verification."""

    __tablename__ = "cached_status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(600), unique=True)
    credential: Mapped[dict] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ttl_seconds: Mapped[int] = mapped_column(Integer, default=86400)
