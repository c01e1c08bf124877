"""Placement policies (versioned like tables), accelerated programmes, recommendations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.curricula.models import EducationSystemVersion
from portal.db import PublicId, UTCDateTime, new_public_id, utcnow
from portal.extensions import db
from portal.learners.models import Learner
from portal.schools.models import Jurisdiction, School
from portal.versioning.models import VersionedDocument, lifecycle_constraints


class PlacementPolicy(VersionedDocument, db.Model):
    """The engine's parameters for one destination system version (DOMAIN.md §6.3).

    All versions of a policy share its system version; the owner is that system's jurisdiction.
    """

    __tablename__ = "placement_policies"
    __table_args__ = lifecycle_constraints("system_version_id")

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    system_version_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    parameters: Mapped[dict] = mapped_column(JSON)
    # Per-parameter status and notes from the seed file ({"entry_age": "approved", ...}).
    parameter_status: Mapped[dict] = mapped_column(JSON, default=dict)
    sources: Mapped[list] = mapped_column(JSON, default=list)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    system_version: Mapped[EducationSystemVersion] = relationship()
    programmes: Mapped[list[AcceleratedProgramme]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="AcceleratedProgramme.code"
    )

    @property
    def version_label(self) -> str:
        return f"{self.system_version.code}/v{self.version}"


class AcceleratedProgramme(db.Model):
    """An accelerated-education or catch-up programme with its level-to-grade map."""

    __tablename__ = "accelerated_programmes"
    __table_args__ = (UniqueConstraint("policy_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("placement_policies.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    certified: Mapped[bool] = mapped_column(Boolean, default=False)
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    # [{"code": "L1", "grades": ["UG-P1", "UG-P2", "UG-P3"]}, ...]
    levels: Mapped[list] = mapped_column(JSON)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    sources: Mapped[list] = mapped_column(JSON, default=list)

    policy: Mapped[PlacementPolicy] = relationship(back_populates="programmes")


class PlacementRecommendation(db.Model):
    """An immutable engine result for a recorded learner, with everything it was based on."""

    __tablename__ = "placement_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("placement_policies.id"))
    enrolment_on: Mapped[date] = mapped_column(Date)
    # result_to_dict(): computed values, recommendation, rules fired, policy snapshot, tables.
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    learner: Mapped[Learner] = relationship()
    school: Mapped[School | None] = relationship()
    destination: Mapped[EducationSystemVersion] = relationship()
    policy: Mapped[PlacementPolicy] = relationship()
    decision: Mapped[PlacementDecision | None] = relationship(
        back_populates="recommendation", uselist=False
    )


class PlacementDecision(db.Model):
    """A person accepts the recommendation or overrides it, with a reason."""

    __tablename__ = "placement_decisions"
    __table_args__ = (
        CheckConstraint("decision IN ('accepted', 'overridden')", name="decision_known"),
        CheckConstraint(
            "decision = 'accepted' OR length(reason) > 0", name="override_needs_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("placement_recommendations.id", ondelete="CASCADE"), unique=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    grade_code: Mapped[str | None] = mapped_column(String(40))
    programmes: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[PlacementRecommendation] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship()
