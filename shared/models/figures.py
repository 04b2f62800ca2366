"""Figures the worker computes and consumers read; rewritten whole for a child on each recompute."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base

# Bumped on every figures write, so a BI tool paging by it never misses a row rewritten mid-read.
FIGURES_ROW_VERSION = Sequence("figures_row_version_seq", metadata=Base.metadata)


def row_version() -> Mapped[int]:
    return mapped_column(BigInteger, FIGURES_ROW_VERSION, server_default=FIGURES_ROW_VERSION.next_value())


def council_column() -> Mapped[uuid.UUID]:
    """The child's council, kept on each row for filtering; no key is checked per row (migration 0010)."""
    return mapped_column(Uuid)


def council_pages(table: str) -> Index:
    """BI tools read a council's rows in row-version order (scores/tables.py)."""
    return Index(f"ix_{table}_council_row_version", "la_id", "row_version")


class ChildNeedsTrend(Base):
    """A child with no final assessment left keeps its row, cleared (assessments_count 0, figures null),
    so a BI tool syncing by cursor sees the figures go instead of keeping the old ones. Deleted with
    its child by the trigger child_figures_follow_child (migration 0011)."""

    __tablename__ = "child_needs_trends"
    __table_args__ = (council_pages(__tablename__),)

    child_pk: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    instrument_code: Mapped[str | None] = mapped_column(String(64))
    instrument_version: Mapped[int | None] = mapped_column(Integer)
    assessments_count: Mapped[int] = mapped_column(Integer)
    baseline_assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    latest_assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    assessment_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    baseline_assessed_on: Mapped[date | None] = mapped_column(Date)
    latest_assessed_on: Mapped[date | None] = mapped_column(Date)
    total_need: Mapped[int | None] = mapped_column(Integer)
    max_need: Mapped[int | None] = mapped_column(SmallInteger)
    actionable_count: Mapped[int | None] = mapped_column(SmallInteger)
    intensive_count: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_total_need: Mapped[int | None] = mapped_column(Integer)
    baseline_max_need: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_actionable_count: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_intensive_count: Mapped[int | None] = mapped_column(SmallInteger)
    # Of the assessment before the latest (null with one): decision support's rise at the last review.
    previous_total_need: Mapped[int | None] = mapped_column(Integer)
    resolved_needs: Mapped[list[str]] = mapped_column(ARRAY(String))
    new_needs: Mapped[list[str]] = mapped_column(ARRAY(String))
    mixed_progress: Mapped[bool | None]
    total_strength: Mapped[int | None] = mapped_column(Integer)
    baseline_total_strength: Mapped[int | None] = mapped_column(Integer)
    # Null with a single assessment or while the council has no SD (RciCalibration).
    rci: Mapped[float | None] = mapped_column(Double)
    rci_verdict: Mapped[str | None] = mapped_column(String(24))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = row_version()


class DomainNeedsTrend(Base):
    """Deleted with its child's row by the trigger domain_figures_follow_child (migration 0010), one
    statement for any number of children, where a foreign key would check each of a million rows."""

    __tablename__ = "domain_needs_trends"
    __table_args__ = (council_pages(__tablename__),)

    child_pk: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    domain: Mapped[str] = mapped_column(String(64), primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    position: Mapped[int] = mapped_column(SmallInteger)  # the domain's place in its instrument
    ratings_count: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[int | None] = mapped_column(SmallInteger)
    previous: Mapped[int | None] = mapped_column(SmallInteger)
    latest: Mapped[int | None] = mapped_column(SmallInteger)
    change_since_baseline: Mapped[int | None] = mapped_column(SmallInteger)
    change_since_previous: Mapped[int | None] = mapped_column(SmallInteger)
    slope_per_year: Mapped[float | None] = mapped_column(Double)
    direction: Mapped[str] = mapped_column(String(20))
    first_assessed_on: Mapped[date | None] = mapped_column(Date)
    latest_assessed_on: Mapped[date | None] = mapped_column(Date)
    # The same figures for the domain's strength ratings, where rising is improving.
    strength_ratings_count: Mapped[int] = mapped_column(Integer, server_default="0")
    strength_baseline: Mapped[int | None] = mapped_column(SmallInteger)
    strength_previous: Mapped[int | None] = mapped_column(SmallInteger)
    strength_latest: Mapped[int | None] = mapped_column(SmallInteger)
    strength_change_since_baseline: Mapped[int | None] = mapped_column(SmallInteger)
    strength_change_since_previous: Mapped[int | None] = mapped_column(SmallInteger)
    strength_slope_per_year: Mapped[float | None] = mapped_column(Double)
    strength_direction: Mapped[str] = mapped_column(String(20), server_default="insufficient_data")
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = row_version()


class RciCalibration(Base):
    """A council's reference SD of baseline totals for one instrument (domain.md §4), kept until the
    next calibration so a child's reliable-change verdict never flips without a change to the child."""

    __tablename__ = "rci_calibrations"
    __table_args__ = (Index("ix_rci_calibrations_current", "la_id", "instrument_code", "calibrated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    instrument_code: Mapped[str] = mapped_column(String(64))
    sd: Mapped[float] = mapped_column(Double)
    n: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12))  # automatic (30 baselines) or admin
    calibrated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ChildPlacementFigures(Base):
    """A child's placement figures of domain.md §6 as at `as_at` (today when the worker wrote them), one row
    per child with an episode begun by then (shared/domain/kept_placement_figures.py). Deleted with its child
    by the trigger child_figures_follow_child (migration 0024)."""

    __tablename__ = "child_placement_figures"
    __table_args__ = (Index("ix_child_placement_figures_council_as_at", "la_id", "as_at"),)

    child_pk: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    as_at: Mapped[date] = mapped_column(Date)
    looked_after: Mapped[bool]
    current_place: Mapped[str | None] = mapped_column(String(8))
    current_group: Mapped[str | None] = mapped_column(String(32))  # null: not looked after, or ungrouped PLACE
    current_placement_start: Mapped[date | None] = mapped_column(Date)
    placements_in_year: Mapped[int | None] = mapped_column(Integer)
    unstable: Mapped[bool | None]
    long_term_stable: Mapped[bool | None]
    placements_ended: Mapped[int] = mapped_column(Integer)
    placements_ended_in_year: Mapped[int] = mapped_column(Integer)
    ended_for_behaviour: Mapped[int] = mapped_column(Integer)
    reasons_ended: Mapped[list[str | None]] = mapped_column(ARRAY(String(8)))  # null element: no reason
    reasons_ended_in_year: Mapped[list[str | None]] = mapped_column(ARRAY(String(8)))
    weeks_in_care: Mapped[float] = mapped_column(Double)
    weekly_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    funding_social_care: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))  # null with no weekly cost
    funding_health: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    funding_education: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChildOutcomeArea(Base):
    """A child's figures of one outcome area (domain.md §5), from its kept needs figures; kept by the worker
    with them (shared/domain/kept_outcome_figures.py), deleted with the child (migration 0027)."""

    __tablename__ = "child_outcome_areas"
    __table_args__ = (council_pages(__tablename__),)

    child_pk: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    outcome_area: Mapped[str] = mapped_column(String(64), primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    domains_rated: Mapped[int] = mapped_column(SmallInteger)
    # Exact: a mean of levels is a fraction, kept as numerator over the count of domains rated.
    baseline_need_sum: Mapped[int] = mapped_column(Integer)
    latest_need_sum: Mapped[int] = mapped_column(Integer)
    changed: Mapped[bool]  # a domain of the area rated twice
    # The same, as BI reads them: the means to 4 places, and their difference (null without a change).
    baseline_area_need: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    latest_area_need: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    area_need_change: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    top_level: Mapped[int] = mapped_column(SmallInteger)
    baseline_outcome_index: Mapped[int] = mapped_column(SmallInteger)
    latest_outcome_index: Mapped[int] = mapped_column(SmallInteger)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = row_version()


class ChildOutcomeMeasure(Base):
    """A child's figures of one measure code (domain.md §5), from its outcome measures; kept by the worker."""

    __tablename__ = "child_outcome_measures"
    __table_args__ = (council_pages(__tablename__),)

    child_pk: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    outcome_area: Mapped[str] = mapped_column(String(64))
    measures_count: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    latest: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    change: Mapped[Decimal | None] = mapped_column(Numeric(13, 4))
    improved: Mapped[bool | None]
    baseline_band: Mapped[str | None] = mapped_column(String(64))
    latest_band: Mapped[str | None] = mapped_column(String(64))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = row_version()


class OutcomeAreaRemoval(Base):
    """A child's outcome area row a recompute took away and did not write again (its figures cleared, or the area
    no longer rated): a BI tool syncing outcome-areas by cursor learns from it that the row went. A measure's row
    never goes but with its child (no measure is ever deleted), whose erasure the erasures feed announces. Its row
    version is from the figures' sequence, so removals and rows merge in one order."""

    __tablename__ = "outcome_area_removals"
    __table_args__ = (council_pages(__tablename__),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    # The erasure of the child takes its removals too: the erasures feed says to drop everything of it.
    child_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    outcome_area: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    row_version: Mapped[int] = row_version()
