"""Decision support (domain.md §8): a council's rules, versioned data, and each child's figures under them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Date, DateTime, ForeignKey, Integer, Numeric, SmallInteger, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, uuid_pk
from shared.models.figures import council_column, council_pages, row_version


class DecisionRuleVersion(Base):
    """One version of a council's decision rules, never changed once written: each figure names the version it was
    computed under. A council without any follows the shipped rules, version 0."""

    __tablename__ = "decision_rule_versions"
    __table_args__ = (UniqueConstraint("la_id", "version"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)  # shared.domain.decision_rules.RulesDocument, validated
    created_at: Mapped[datetime] = created_at()


class ChildDecisionFigures(Base):
    """A child's decision support figures as at `as_at` (today when the worker wrote them), one row per child with
    kept placement figures (shared/domain/kept_decision_figures.py): a child no longer looked after keeps its row,
    emptied, so a BI tool syncing by cursor sees the figures go. Deleted with its child by the trigger
    child_figures_follow_child (migration 0030)."""

    __tablename__ = "child_decision_figures"
    __table_args__ = (council_pages(__tablename__),)

    child_pk: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    la_id: Mapped[uuid.UUID] = council_column()
    as_at: Mapped[date] = mapped_column(Date)
    rules_version: Mapped[int] = mapped_column(Integer)
    looked_after: Mapped[bool]
    current_group: Mapped[str | None] = mapped_column(String(32))
    weekly_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    latest_assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    previous_assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    latest_assessed_on: Mapped[date | None] = mapped_column(Date)
    total_need: Mapped[int | None] = mapped_column(Integer)
    previous_total_need: Mapped[int | None] = mapped_column(Integer)
    max_need: Mapped[int | None] = mapped_column(SmallInteger)
    step_down: Mapped[str | None] = mapped_column(String(12))
    step_down_reasons: Mapped[list[str]] = mapped_column(ARRAY(String))
    weekly_saving: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    stability_flags: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    total_need_change: Mapped[int | None] = mapped_column(Integer)
    rising_domains: Mapped[list[str]] = mapped_column(ARRAY(String))
    placements_in_year: Mapped[int | None] = mapped_column(Integer)
    warning_endings: Mapped[int | None] = mapped_column(Integer)
    health_needs: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    education_needs: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    funding_health: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    funding_education: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    health_unshared: Mapped[bool | None]
    education_unshared: Mapped[bool | None]
    cost_per_need_point: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    row_version: Mapped[int] = row_version()
