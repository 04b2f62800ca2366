"""Payment by needs reduction (domain.md §7): contracts with a provider, each change a new version, and
the statements the worker computes from them, each change of input a new statement version."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, tenant_fk, uuid_pk

STALE = "statements_stale_since IS NOT NULL"
Money = Numeric(14, 2)
Share = Numeric(5, 4)


class Contract(Base):
    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("la_id", "code"),
        Index("ix_contracts_statements_stale", "statements_stale_since", postgresql_where=text(STALE)),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    code: Mapped[str] = mapped_column(String(64))  # the council's own reference for it
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at()
    # Set by a change to any input of its statements, cleared by the refresh that follows.
    statements_stale_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContractVersion(Base):
    """One version's terms; it applies to events dated from `effective_from`, never to earlier ones."""

    __tablename__ = "contract_versions"
    __table_args__ = (
        UniqueConstraint("contract_id", "version"),
        CheckConstraint("first_share + second_share = 1", name="shares_sum_to_one"),
        CheckConstraint("deadweight >= 0 AND deadweight <= 1", name="deadweight_is_a_share"),
        CheckConstraint("end_date >= effective_from", name="ends_after_it_applies"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(8))  # month or quarter
    tariff: Mapped[dict[str, str]] = mapped_column(JSONB)  # baseline level -> pounds, as decimal text
    first_share: Mapped[Decimal] = mapped_column(Share)
    second_share: Mapped[Decimal] = mapped_column(Share)
    sustainment_gap_days: Mapped[int] = mapped_column(Integer)
    deadweight: Mapped[Decimal] = mapped_column(Share)
    cap_per_child_year: Mapped[Decimal | None] = mapped_column(Money)
    cap_per_period: Mapped[Decimal | None] = mapped_column(Money)
    cap_outcome_share: Mapped[Decimal | None] = mapped_column(Share)
    created_at: Mapped[datetime] = created_at()


class PaymentStatement(Base):
    """A contract's statement for one period; a changed input makes a new version, never an edit."""

    __tablename__ = "payment_statements"
    __table_args__ = (UniqueConstraint("contract_id", "period_start", "version"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(16))
    contract_version: Mapped[int] = mapped_column(Integer)
    cutoff: Mapped[date] = mapped_column(Date)  # inputs as known on this day
    inputs_hash: Mapped[str] = mapped_column(String(64))
    earned: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    withheld: Mapped[Decimal] = mapped_column(Money)
    guard: Mapped[dict[str, Any]] = mapped_column(JSONB)  # stays ended and domains that rose
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # paid: it never changes again


class StatementLine(Base):
    __tablename__ = "statement_lines"

    statement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payment_statements.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)  # in the order the caps took them
    child_pseudonym: Mapped[str] = mapped_column(String(64))
    stay: Mapped[str] = mapped_column(String(128))  # its first placement episode's id (the API's, not the council's)
    event_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # no_baseline, earned, forfeited, adjustment
    rule: Mapped[str] = mapped_column(String(120))
    domain: Mapped[str | None] = mapped_column(String(64))
    instalment: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_assessment: Mapped[str | None] = mapped_column(String(128))
    confirming_assessment: Mapped[str | None] = mapped_column(String(128))
    earned: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    withheld: Mapped[Decimal] = mapped_column(Money)
    capped_by: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    adjusts_period: Mapped[date | None] = mapped_column(Date)  # an adjustment: the closed period it settles
    cause: Mapped[str | None] = mapped_column(String(400))  # an adjustment: what changed
    # An earned instalment's arithmetic (money.Arithmetic), for the provider to check it by hand; null
    # on other lines.
    tariff: Mapped[Decimal | None] = mapped_column(Money)
    share: Mapped[Decimal | None] = mapped_column(Share)
    days_with_provider: Mapped[int | None] = mapped_column(Integer)
    days_in_interval: Mapped[int | None] = mapped_column(Integer)
    deadweight: Mapped[Decimal | None] = mapped_column(Share)
    # The room left under each cap in force before the line was paid; null where that cap is not in force.
    room_per_child_year: Mapped[Decimal | None] = mapped_column(Money)
    room_per_period: Mapped[Decimal | None] = mapped_column(Money)
    room_outcome_share: Mapped[Decimal | None] = mapped_column(Money)


class ErasedCostDays(Base):
    """What an erasure keeps of a child's stays in a period closed by then: their full weekly cost times
    days with the provider (the base fees times 7, exact), summed over the children erased, and nothing
    that names one. The period's outcome share cap still counts them, as it did when it was paid."""

    __tablename__ = "erased_cost_days"

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    la_id: Mapped[uuid.UUID] = tenant_fk()
    cost_days: Mapped[Decimal] = mapped_column(Numeric(18, 2))
