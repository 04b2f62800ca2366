import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Identity,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from shared.models.base import Base, created_at, tenant_fk, updated_at, uuid_pk


class Child(Base):
    """The least that serves: no names, no addresses (domain.md §9)."""

    __tablename__ = "children"
    __table_args__ = (
        UniqueConstraint("la_id", "child_id"),
        UniqueConstraint("la_id", "pseudonym", name="uq_children_pseudonym"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    child_id: Mapped[str] = mapped_column(String(64))
    # What every consumer but the council's case-management system knows the child by (shared.pseudonyms).
    pseudonym: Mapped[str] = mapped_column(String(32))
    # A compact number for the child, for bulk reads into arrays (shared/domain/full_recompute.py).
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    ethnicity: Mapped[str] = mapped_column(String(4))
    uasc: Mapped[bool] = mapped_column(default=False)
    synthetic: Mapped[bool] = mapped_column(default=False)
    # The collection year of the SSDA903 return that last wrote these details (null: written through the API):
    # a later year's return corrects an earlier one's, never the reverse. Deferred: only the return's merge (in
    # SQL) reads it, so the ORM's reads of children keep working while a release's migration is still to run.
    return_year: Mapped[int | None] = mapped_column(SmallInteger, deferred=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Assessment(Base):
    """An assessment's identity; what it says lives in its versions, the latest being current."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("la_id", "external_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    child_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    instrument_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instruments.id"))
    # With created_at, when the assessment was first recorded: see first_recorded.
    recorded_seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class AssessmentVersion(Base):
    __tablename__ = "assessment_versions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version"),
        CheckConstraint("status IN ('draft', 'final')", name="status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    assessed_on: Mapped[date] = mapped_column(Date)
    context: Mapped[str] = mapped_column(String(32))
    assessor_role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8))
    # The child's own profile, ambitions and goals: stays with the council, never logged.
    narrative: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    body_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = created_at()


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("(need IS NULL) = (not_assessed_reason IS NOT NULL)", name="need_or_reason"),)

    assessment_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_versions.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The domain's place in its instrument (instruments never change once stored), so a full recompute
    # reads this table alone rather than joining every rating to its instrument.
    position: Mapped[int] = mapped_column(SmallInteger)
    need: Mapped[int | None] = mapped_column(SmallInteger)
    strength: Mapped[int | None] = mapped_column(SmallInteger)
    not_assessed_reason: Mapped[str | None] = mapped_column(String(200))


def is_current_version() -> ColumnElement[bool]:
    """Joins an assessment to the version that stands for it now (amendments keep the older ones)."""
    return (AssessmentVersion.assessment_id == Assessment.id) & (
        AssessmentVersion.version == Assessment.current_version
    )


CHILDS_OWN_ROLE = "child"


def is_standing_final() -> ColumnElement[bool]:
    """Joins an assessment to its current version where that version is final and a professional's: the
    assessments every figure is made of (a draft, or an assessment whose current version is a draft, counts for
    none). A child's own ratings (assessor_role child) are the child's view, not a professional judgement: they
    form a series of their own (is_childs_own_final), which no figure reads."""
    return is_final_version() & (AssessmentVersion.assessor_role != CHILDS_OWN_ROLE)


def is_childs_own_final() -> ColumnElement[bool]:
    """The child's own final ratings: its view, beside the professionals' series."""
    return is_final_version() & (AssessmentVersion.assessor_role == CHILDS_OWN_ROLE)


def is_final_version() -> ColumnElement[bool]:
    return is_current_version() & (AssessmentVersion.status == "final")


def first_recorded() -> tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[int]]:
    """The order assessments were first recorded in, with their first version: of two final assessments
    of one date the later stands (domain.md §4). An amendment changes what an assessment says, never its
    place in this order. The sequence orders the assessments one transaction (a batch) records at once."""
    return Assessment.created_at, Assessment.recorded_seq
