import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, tenant_fk, updated_at, uuid_pk


class Provider(Base):
    __tablename__ = "providers"
    __table_args__ = (UniqueConstraint("la_id", "external_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    external_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    ofsted_urn: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


# What an SSDA903 return says of an episode besides its child and start (DECOM), as stored here.
RETURN_EPISODE_COLUMNS = (
    "end_date",
    "rne",
    "legal_status",
    "cin",
    "place",
    "place_provider",
    "reason_ended",
    "reason_place_change",
    "postcode_sector",
    "urn",
)


class Placement(Base):
    """An SSDA903 episode plus what the return lacks: provider, weekly cost and its funding split."""

    __tablename__ = "placements"
    __table_args__ = (
        UniqueConstraint("la_id", "external_id"),
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="ends_after_start"),
        CheckConstraint("funding_social_care + funding_health + funding_education = 1", name="funding_sums_to_one"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    child_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(128))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    rne: Mapped[str] = mapped_column(String(2))
    legal_status: Mapped[str] = mapped_column(String(2))
    cin: Mapped[str] = mapped_column(String(2))
    place: Mapped[str] = mapped_column(String(3))
    place_provider: Mapped[str | None] = mapped_column(String(3))
    reason_ended: Mapped[str | None] = mapped_column(String(3))
    reason_place_change: Mapped[str | None] = mapped_column(String(6))
    postcode_sector: Mapped[str | None] = mapped_column(String(6))
    urn: Mapped[str | None] = mapped_column(String(16))
    weekly_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    funding_social_care: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal(1))
    funding_health: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal(0))
    funding_education: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal(0))
    # The collection year of the SSDA903 return that last wrote the episode (null: written through the API):
    # a later year's return corrects an earlier one's, never the reverse. Deferred, as Child.return_year is.
    return_year: Mapped[int | None] = mapped_column(SmallInteger, deferred=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ProviderOffer(Base):
    """What a provider declares it can offer the council (domain.md §8 matching): the placement group, where, at
    what weekly cost, how many places, and per domain the need levels it can meet. One per provider, replaced
    whole when declared anew."""

    __tablename__ = "provider_offers"

    provider_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    la_id: Mapped[uuid.UUID] = tenant_fk()
    placement_group: Mapped[str] = mapped_column(String(32))
    weekly_cost: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    places: Mapped[int] = mapped_column(Integer)
    areas: Mapped[list[str]] = mapped_column(ARRAY(String(8)))  # postcode districts; empty: anywhere
    meets: Mapped[dict[str, list[int]]] = mapped_column(JSONB)  # domain -> need levels, ascending
    updated_at: Mapped[datetime] = updated_at()
