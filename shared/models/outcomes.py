"""Outcome measures (domain.md §5): the hard indicators a council records of its children (SDQ, attendance,
exclusions, missing episodes, offences, NEET), each under a measure code the council configures as data."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, tenant_fk, updated_at, uuid_pk


class MeasureCode(Base):
    """What a measure code means: shipped for every council (``la_id`` NULL) or a council's own, which stands in
    for a shipped one of the same code."""

    __tablename__ = "measure_codes"
    __table_args__ = (
        UniqueConstraint("la_id", "code"),
        Index("uq_measure_codes_shipped_code", "code", unique=True, postgresql_where=text("la_id IS NULL")),
        CheckConstraint("better IN ('lower', 'higher')", name="better_is_a_direction"),
        CheckConstraint("min_value < max_value", name="range_is_not_empty"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    outcome_area: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    min_value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    max_value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    better: Mapped[str] = mapped_column(String(6))
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # [{"label", "from"}], ascending
    updated_at: Mapped[datetime] = updated_at()


class OutcomeMeasure(Base):
    """One value of one measure for one child over the period it describes (a single day: start = end). A child,
    code and period hold one value, whichever path (API or return) brought it."""

    __tablename__ = "outcome_measures"
    __table_args__ = (
        UniqueConstraint("la_id", "external_id"),
        UniqueConstraint("child_pk", "code", "period_start", "period_end", name="uq_outcome_measures_one_value"),
        CheckConstraint("period_start <= period_end", name="period_in_order"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    child_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    code: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class OutcomeMeasureVersion(Base):
    """Every version of a measure, the current one included: an amendment replaces the value, and both stay."""

    __tablename__ = "outcome_measure_versions"

    measure_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outcome_measures.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    source: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = created_at()
