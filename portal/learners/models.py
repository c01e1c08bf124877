"""A child's record: names, birth date, languages, identifiers, studies, assessments.

Deliberately absent: religion, ethnicity, nationality and legal or refugee status.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.auth.models import User
from portal.curricula.models import EducationSystemVersion
from portal.db import PublicId, UTCDateTime, new_public_id, utcnow
from portal.extensions import db
from portal.schools.models import School

PRECISIONS = "'day', 'month', 'year', 'estimated', 'unknown'"
CALENDARS = "'gregorian', 'solar_hijri', 'ethiopian', 'islamic'"
STUDY_STATUSES = "'completed', 'partial', 'promoted_without_exam', 'interrupted'"
CONSENT_PURPOSES = "'enrolment', 'passport', 'transfer'"


class Learner(db.Model):
    __tablename__ = "learners"
    __table_args__ = (
        CheckConstraint(f"birth_date_precision IN ({PRECISIONS})", name="precision_known"),
        CheckConstraint(f"birth_date_calendar IN ({CALENDARS})", name="calendar_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    # The school that holds the record now; an accepted transfer moves it.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    birth_date_precision: Mapped[str] = mapped_column(String(16), default="day")
    # Who or what the birth date comes from: document, declaration, estimate.
    birth_date_source: Mapped[str] = mapped_column(String(32), default="declared")
    birth_date_original: Mapped[str | None] = mapped_column(String(80))
    birth_date_calendar: Mapped[str] = mapped_column(String(16), default="gregorian")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    school: Mapped[School] = relationship()
    names: Mapped[list[LearnerName]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="LearnerName.position"
    )
    languages: Mapped[list[LearnerLanguage]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="LearnerLanguage.id"
    )
    identifiers: Mapped[list[LearnerIdentifier]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="LearnerIdentifier.id"
    )
    studies: Mapped[list[StudyRecord]] = relationship(
        back_populates="learner",
        cascade="all, delete-orphan",
        order_by="StudyRecord.period_start",
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="Assessment.assessed_on"
    )
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="Enrolment.start_on"
    )
    guardianships: Mapped[list[Guardianship]] = relationship(
        back_populates="learner", cascade="all, delete-orphan"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", order_by="Consent.given_on"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class LearnerName(db.Model):
    """A name as typed (NFC), in one script; `search_key` is the folded form used to find it."""

    __tablename__ = "learner_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    script: Mapped[str] = mapped_column(String(8))
    # original | transliteration | alias
    kind: Mapped[str] = mapped_column(String(16), default="original")
    given: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(200), default="")
    search_key: Mapped[str] = mapped_column(String(420), index=True)

    learner: Mapped[Learner] = relationship(back_populates="names")
    tokens: Mapped[list[LearnerNameToken]] = relationship(
        back_populates="name", cascade="all, delete-orphan"
    )

    @property
    def full(self) -> str:
        return f"{self.given} {self.family}".strip()


class LearnerNameToken(db.Model):
    """One word of a folded name, so that a name search is an index range scan.

    Byte-order collation ("C" on PostgreSQL, BINARY on SQLite) makes `token >= 'ami' AND
    token < 'amj'` a prefix search that both databases answer from the index.
    """

    __tablename__ = "learner_name_tokens"
    __table_args__ = (Index("ix_learner_name_tokens_token_learner", "token", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_id: Mapped[int] = mapped_column(
        ForeignKey("learner_names.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(
        String(120).with_variant(String(120, collation="C"), "postgresql")
    )

    name: Mapped[LearnerName] = relationship(back_populates="tokens")
    learner: Mapped[Learner] = relationship()


class LearnerLanguage(db.Model):
    __tablename__ = "learner_languages"
    __table_args__ = (UniqueConstraint("learner_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(12))
    # "L1" or a CEFR level A0..C2
    proficiency: Mapped[str] = mapped_column(String(4))

    learner: Mapped[Learner] = relationship(back_populates="languages")


class LearnerIdentifier(db.Model):
    __tablename__ = "learner_identifiers"
    __table_args__ = (UniqueConstraint("kind", "normalized_value", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    # national_id | unhcr | previous_school | other
    kind: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(120))
    normalized_value: Mapped[str] = mapped_column(String(120), index=True)
    issuer: Mapped[str] = mapped_column(String(200), default="")

    learner: Mapped[Learner] = relationship(back_populates="identifiers")


class Guardianship(db.Model):
    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("learner_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # parent | carer | appointed_guardian
    relationship_kind: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[Learner] = relationship(back_populates="guardianships")
    user: Mapped[User] = relationship()


class GuardianInvitation(db.Model):
    """A one-time code a school gives a family; only its hash is stored."""

    __tablename__ = "guardian_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    relationship_kind: Mapped[str] = mapped_column(String(24))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)

    learner: Mapped[Learner] = relationship()


class Consent(db.Model):
    __tablename__ = "consents"
    __table_args__ = (CheckConstraint(f"purpose IN ({CONSENT_PURPOSES})", name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    # Who gave it, as recorded: "mother", "appointed guardian", a guardian account...
    given_by: Mapped[str] = mapped_column(String(200))
    given_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # consent | legal_obligation | public_task | vital_interest | best_interests
    legal_basis: Mapped[str] = mapped_column(String(24))
    given_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[Learner] = relationship(back_populates="consents")


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended', 'transferred')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    system_version_id: Mapped[int | None] = mapped_column(ForeignKey("system_versions.id"))
    grade_code: Mapped[str | None] = mapped_column(String(40))
    programmes: Mapped[list] = mapped_column(JSON, default=list)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    learner: Mapped[Learner] = relationship(back_populates="enrolments")
    school: Mapped[School] = relationship()
    system_version: Mapped[EducationSystemVersion | None] = relationship()


class Transfer(db.Model):
    """Moving a learner to another school: pending until the receiving school decides."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected', 'cancelled')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    from_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    to_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(1000), default="")

    learner: Mapped[Learner] = relationship()
    from_school: Mapped[School] = relationship(foreign_keys=[from_school_id])
    to_school: Mapped[School] = relationship(foreign_keys=[to_school_id])
    consent: Mapped[Consent] = relationship()


class StudyRecord(db.Model):
    """One grade or level attempted, in the curriculum actually followed."""

    __tablename__ = "study_records"
    __table_args__ = (
        CheckConstraint(f"status IN ({STUDY_STATUSES})", name="status_known"),
        CheckConstraint("evidence_level BETWEEN 0 AND 5", name="evidence_range"),
        CheckConstraint(f"period_calendar IN ({CALENDARS})", name="calendar_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    system_version_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"))
    grade_code: Mapped[str] = mapped_column(String(40))
    school_name: Mapped[str] = mapped_column(String(200), default="")
    school_place: Mapped[str] = mapped_column(String(200), default="")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    # The dates as written on the document, and its calendar when not Gregorian.
    period_original: Mapped[str] = mapped_column(String(120), default="")
    period_calendar: Mapped[str] = mapped_column(String(16), default="gregorian")
    status: Mapped[str] = mapped_column(String(24))
    fraction: Mapped[str | None] = mapped_column(String(8))
    evidence_level: Mapped[int] = mapped_column(Integer)
    # manual | csv | passport
    source: Mapped[str] = mapped_column(String(16), default="manual")
    # Set when the study arrived in a verified credential: the issuer that signed it.
    verified_issuer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    learner: Mapped[Learner] = relationship(back_populates="studies")
    system_version: Mapped[EducationSystemVersion] = relationship()
    evidence: Mapped[list[EvidenceItem]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="EvidenceItem.id"
    )
    results: Mapped[list[SubjectResult]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="SubjectResult.position"
    )


class EvidenceItem(db.Model):
    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(
        ForeignKey("study_records.id", ondelete="CASCADE"), index=True
    )
    # report_card | certificate | transcript | declaration | interview | photo | credential
    document_type: Mapped[str] = mapped_column(String(24))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(1000), default="")

    study: Mapped[StudyRecord] = relationship(back_populates="evidence")


class SubjectResult(db.Model):
    """A mark as written on the document, with its own scale; never overwritten."""

    __tablename__ = "subject_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(
        ForeignKey("study_records.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    subject_code: Mapped[str | None] = mapped_column(String(40))
    subject_name: Mapped[str] = mapped_column(String(200))
    raw_mark: Mapped[str] = mapped_column(String(40))
    scale_code: Mapped[str | None] = mapped_column(String(40))
    scale_kind: Mapped[str] = mapped_column(String(16), default="numeric")
    scale_best: Mapped[str | None] = mapped_column(String(16))
    scale_pass: Mapped[str | None] = mapped_column(String(16))
    scale_worst: Mapped[str | None] = mapped_column(String(16))

    study: Mapped[StudyRecord] = relationship(back_populates="results")


class Assessment(db.Model):
    """Assessed competence, kept apart from documents (attainment)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    # placement_test | language_test | literacy_diagnostic | numeracy_diagnostic | interview
    kind: Mapped[str] = mapped_column(String(24))
    instrument: Mapped[str] = mapped_column(String(200), default="")
    assessor: Mapped[str] = mapped_column(String(200), default="")
    assessed_on: Mapped[date] = mapped_column(Date)
    # {"reading": "grade 3", "numeracy": "grade 4", ...} as recorded
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    level_cumulative_index: Mapped[int | None] = mapped_column(Integer)
    level_system_version_id: Mapped[int | None] = mapped_column(ForeignKey("system_versions.id"))
    language: Mapped[str | None] = mapped_column(String(12))
    cefr: Mapped[str | None] = mapped_column(String(4))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    learner: Mapped[Learner] = relationship(back_populates="assessments")


class CorrectionRequest(db.Model):
    """A family asks the school to correct the record; tracked until the school answers."""

    __tablename__ = "correction_requests"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'answered', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    response: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[Learner] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])


@event.listens_for(Session, "before_flush")
def _index_new_names(session: Session, _context, _instances) -> None:
    """Derive the search tokens of every new name, whichever path created it."""
    for obj in list(session.new):
        if isinstance(obj, LearnerName) and not obj.tokens:
            obj.tokens = [
                LearnerNameToken(token=word[:120], learner=obj.learner)
                for word in sorted(set(obj.search_key.split()))
            ]
