"""Jurisdictions (education authorities) and the schools they oversee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import PublicId, UTCDateTime, new_public_id, utcnow
from portal.extensions import db


class Jurisdiction(db.Model):
    """An education authority with its own system: a country, a Land, a de-facto authority."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    # Reference data translates itself: {"en": "North Rhine-Westphalia", "de": ...}.
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    authority: Mapped[dict] = mapped_column(JSON, default=dict)

    def name(self, locale: str) -> str:
        """Return the name in the locale, else English, else the code."""
        return self.names.get(locale) or self.names.get("en") or self.code


class School(db.Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120), default="")
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
