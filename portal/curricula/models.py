"""Education systems (versioned), their grades, subjects and scales; equivalency tables."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.schools.models import Jurisdiction
from portal.versioning.models import VersionedDocument, lifecycle_constraints

STATUSES = "'provisional', 'approved'"


def _label(labels: dict, locale: str, fallback: str) -> str:
    return labels.get(locale) or labels.get(locale.split("_")[0]) or labels.get("en") or fallback


class Source(db.Model):
    """A public source that reference values cite by key, e.g. [UIS-COM]."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(400))
    url: Mapped[str | None] = mapped_column(String(800))
    publisher: Mapped[str | None] = mapped_column(String(200))


class EducationSystemVersion(db.Model):
    """One structure of a jurisdiction's school system, valid for a period."""

    __tablename__ = "system_versions"
    __table_args__ = (CheckConstraint(f"status IN ({STATUSES})", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(2000), default="")
    # {"entry_age", "kind", "month_day", "months", "status", "sources"}
    age_rule: Mapped[dict] = mapped_column(JSON)
    # {"month_day", "status", "sources"}
    school_year_start: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))

    jurisdiction: Mapped[Jurisdiction] = relationship()
    programmes: Mapped[list[Programme]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="Programme.id"
    )
    grades: Mapped[list[Grade]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="Grade.cumulative_index"
    )
    subjects: Mapped[list[Subject]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="Subject.code"
    )
    scales: Mapped[list[GradingScale]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="GradingScale.code"
    )

    def label(self, locale: str) -> str:
        """Return the version's name in the locale (English, then the code, as fallbacks)."""
        return _label(self.labels, locale, self.code)


class Programme(db.Model):
    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("system_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("system_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    isced_level: Mapped[int] = mapped_column(Integer)
    isced_p: Mapped[str | None] = mapped_column(String(8))
    orientation: Mapped[str] = mapped_column(String(16), default="general")
    certificate: Mapped[str | None] = mapped_column(String(80))

    system: Mapped[EducationSystemVersion] = relationship(back_populates="programmes")

    def name(self, locale: str) -> str:
        """Return the programme's name in the locale."""
        return _label(self.names, locale, self.code)


class Grade(db.Model):
    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("system_id", "code"),
        UniqueConstraint("system_id", "cumulative_index"),
        CheckConstraint("isced_level BETWEEN 0 AND 8", name="isced_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("system_versions.id", ondelete="CASCADE"), index=True
    )
    programme_code: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    cumulative_index: Mapped[int] = mapped_column(Integer)
    isced_level: Mapped[int] = mapped_column(Integer)
    intended_age: Mapped[int | None] = mapped_column(Integer)
    certificate_at_end: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    sources: Mapped[list] = mapped_column(JSON, default=list)

    system: Mapped[EducationSystemVersion] = relationship(back_populates="grades")

    def label(self, locale: str) -> str:
        """Return the grade's label in the locale."""
        return _label(self.labels, locale, self.code)


class Subject(db.Model):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("system_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("system_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    category: Mapped[str] = mapped_column(String(20), default="core")
    exclude_from_average: Mapped[bool] = mapped_column(Boolean, default=False)

    system: Mapped[EducationSystemVersion] = relationship(back_populates="subjects")

    def name(self, locale: str) -> str:
        """Return the subject's name in the locale."""
        return _label(self.names, locale, self.code)


class GradingScale(db.Model):
    __tablename__ = "grading_scales"
    __table_args__ = (
        UniqueConstraint("system_id", "code"),
        CheckConstraint(
            "kind IN ('numeric', 'banded', 'letter', 'descriptive')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("system_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(16))
    best: Mapped[str | None] = mapped_column(String(16))
    pass_mark: Mapped[str | None] = mapped_column(String(16))
    worst: Mapped[str | None] = mapped_column(String(16))
    step: Mapped[str | None] = mapped_column(String(16))
    bands: Mapped[list] = mapped_column(JSON, default=list)
    applies_to: Mapped[str] = mapped_column(String(80), default="all")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    sources: Mapped[list] = mapped_column(JSON, default=list)

    system: Mapped[EducationSystemVersion] = relationship(back_populates="scales")

    def name(self, locale: str) -> str:
        """Return the scale's name in the locale."""
        return _label(self.names, locale, self.code)


class EquivalencyTable(VersionedDocument, db.Model):
    """A ministry's versioned mapping from one system version to another.

    All versions of a table share its ``code``; the owner is the destination's jurisdiction.
    Published versions are immutable: a change is a new version that supersedes it.
    """

    __tablename__ = "equivalency_tables"
    __table_args__ = lifecycle_constraints("code")

    code: Mapped[str] = mapped_column(String(90), index=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("system_versions.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    precedence: Mapped[int] = mapped_column(Integer, default=0)
    authority: Mapped[dict] = mapped_column(JSON, default=dict)
    basis: Mapped[dict] = mapped_column(JSON, default=dict)
    sources: Mapped[list] = mapped_column(JSON, default=list)

    origin: Mapped[EducationSystemVersion] = relationship(foreign_keys=[origin_id])
    destination: Mapped[EducationSystemVersion] = relationship(foreign_keys=[destination_id])
    owner: Mapped[Jurisdiction] = relationship()
    grade_rules: Mapped[list[EquivalencyGradeRule]] = relationship(
        back_populates="table",
        cascade="all, delete-orphan",
        order_by="EquivalencyGradeRule.position",
    )
    subject_mappings: Mapped[list[EquivalencySubjectMapping]] = relationship(
        back_populates="table",
        cascade="all, delete-orphan",
        order_by="EquivalencySubjectMapping.position",
    )
    mark_rules: Mapped[list[EquivalencyMarkRule]] = relationship(
        back_populates="table",
        cascade="all, delete-orphan",
        order_by="EquivalencyMarkRule.position",
    )


class EquivalencyGradeRule(db.Model):
    __tablename__ = "equivalency_grade_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(
        ForeignKey("equivalency_tables.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    origin_grade: Mapped[str] = mapped_column(String(40))
    dest_grade: Mapped[str] = mapped_column(String(40))
    relation: Mapped[str] = mapped_column(String(16))
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[dict] = mapped_column(JSON, default=dict)

    table: Mapped[EquivalencyTable] = relationship(back_populates="grade_rules")


class EquivalencySubjectMapping(db.Model):
    __tablename__ = "equivalency_subject_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(
        ForeignKey("equivalency_tables.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    origin_subject: Mapped[str] = mapped_column(String(40))
    dest_subject: Mapped[str] = mapped_column(String(40))
    note: Mapped[dict] = mapped_column(JSON, default=dict)

    table: Mapped[EquivalencyTable] = relationship(back_populates="subject_mappings")


class EquivalencyMarkRule(db.Model):
    __tablename__ = "equivalency_mark_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(
        ForeignKey("equivalency_tables.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    origin_scale: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(24))
    rounding: Mapped[str | None] = mapped_column(String(32))  # none for descriptive scales
    best: Mapped[str | None] = mapped_column(String(16))
    pass_mark: Mapped[str | None] = mapped_column(String(16))
    target_scale: Mapped[str | None] = mapped_column(String(40))

    table: Mapped[EquivalencyTable] = relationship(back_populates="mark_rules")
