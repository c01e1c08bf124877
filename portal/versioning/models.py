"""The columns every versioned document shares, as a mixin, and the constraints that guard them.

Modelled on Indico's review mixins: the shared behaviour is written once here, and a concrete
model only adds its content and names its series and owner (see ``services.DocumentKind``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.db import PublicId, UTCDateTime, new_public_id, utcnow
from portal.versioning.domain import Status

_STATUSES = ", ".join(f"'{s.value}'" for s in Status)


class VersionedDocument:
    """One version of a document: drafted by one official, published by another, retired.

    Reviewing and publishing are one act: the second official who publishes is the reviewer,
    so ``published_by_id`` names the reviewer and the four-eyes constraint compares it with
    ``drafted_by_id``. ``created_at`` is when the version was drafted. ``lock_version`` is the
    optimistic lock: two officials working on one draft cannot overwrite each other.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT.value)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def supersedes_id(cls) -> Mapped[int | None]:
        # The version this one replaces (declared per class: it points into the class's table).
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))

    @declared_attr
    def supersedes(cls):
        return relationship(
            cls, remote_side=lambda: [cls.id], foreign_keys=lambda: [cls.supersedes_id]
        )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.lock_version}


def lifecycle_constraints(series: str) -> tuple:
    """Return the table constraints of a versioned document whose versions share ``series``.

    One number per version of a series: of two officials starting version N+1 at once, the
    database lets only one through. Four eyes hold in the database too, not only in services.
    """
    return (
        UniqueConstraint(series, "version"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint(
            "status = 'draft' OR published_by_id IS NULL OR published_by_id != drafted_by_id",
            name="four_eyes",
        ),
    )
